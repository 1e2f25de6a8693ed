/* SPDX-License-Identifier: GPL-3.0-or-later
 * Where the admin console connects: the embedded engine or a latchkeyd server. */
#include "config.h"

#include <glib/gi18n.h>

#include "lk-admin-init.h"
#include "lk-admin-connection-dialog.h"

struct _LkAdminConnectionDialog
{
  AdwWindow            parent_instance;

  GtkButton           *connect_button;
  GtkSpinner          *spinner;
  AdwComboRow         *kind_row;
  AdwActionRow        *db_row;
  AdwPreferencesGroup *remote_group;
  AdwEntryRow         *url_row;
  AdwEntryRow         *account_row;
  AdwPasswordEntryRow *key_row;
  GtkLabel            *error_label;

  gboolean             busy;
};

G_DEFINE_FINAL_TYPE (LkAdminConnectionDialog, lk_admin_connection_dialog, ADW_TYPE_WINDOW)

enum {
  SIGNAL_SUBMIT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

char *
lk_admin_check_server_url (const char *url)
{
  g_autoptr(GUri) uri = NULL;
  const char *scheme;

  if (url == NULL || *url == '\0')
    return g_strdup (_("Enter the server’s address, such as https://auth.example.com:8443"));
  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    return g_strdup (_("The address is not a URL such as https://auth.example.com:8443"));
  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "https") != 0)
    {
      /* Plain HTTP would send the account key and seeds in the clear;
       * latchkeyd allows it on loopback only, and so do we. */
      const char *host = g_uri_get_host (uri);

      if (g_ascii_strcasecmp (scheme, "http") != 0 ||
          !(g_str_equal (host, "127.0.0.1") || g_str_equal (host, "::1") || g_ascii_strcasecmp (host, "localhost") == 0))
        return g_strdup (_("Use an https:// address; plain http is allowed only on this computer"));
    }
  return NULL;
}

static char *
check (LkAdminConnectionDialog *self)
{
  char *message;

  if (!lk_admin_connection_dialog_get_remote (self))
    return NULL;
  message = lk_admin_check_server_url (gtk_editable_get_text (GTK_EDITABLE (self->url_row)));
  if (message != NULL)
    return message;
  if (*gtk_editable_get_text (GTK_EDITABLE (self->account_row)) == '\0')
    return g_strdup (_("Enter the account name the server’s administrator gave you"));
  return NULL;
}

static void
on_changed (LkAdminConnectionDialog *self)
{
  g_autofree char *message = check (self);
  gboolean remote = lk_admin_connection_dialog_get_remote (self);

  gtk_widget_set_visible (GTK_WIDGET (self->remote_group), remote);
  gtk_widget_set_visible (GTK_WIDGET (self->db_row), !remote);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->connect_button), message == NULL && !self->busy);
}

static void
connect_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  LkAdminConnectionDialog *self = LK_ADMIN_CONNECTION_DIALOG (widget);
  g_autofree char *message = check (self);

  if (self->busy)
    return;
  if (message != NULL)
    {
      lk_admin_connection_dialog_show_error (self, message);
      return;
    }
  g_signal_emit (self, signals[SIGNAL_SUBMIT], 0);
}

static void
lk_admin_connection_dialog_dispose (GObject *object)
{
  LkAdminConnectionDialog *self = LK_ADMIN_CONNECTION_DIALOG (object);

  if (self->key_row != NULL)
    gtk_editable_set_text (GTK_EDITABLE (self->key_row), "");
  gtk_widget_dispose_template (GTK_WIDGET (object), LK_TYPE_ADMIN_CONNECTION_DIALOG);
  G_OBJECT_CLASS (lk_admin_connection_dialog_parent_class)->dispose (object);
}

static void
lk_admin_connection_dialog_class_init (LkAdminConnectionDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lk_admin_connection_dialog_dispose;

  signals[SIGNAL_SUBMIT] =
    g_signal_new ("submit", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  lk_admin_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class, "/org/latchkey/Latchkey/admin/lk-admin-connection-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, LkAdminConnectionDialog, connect_button);
  gtk_widget_class_bind_template_child (widget_class, LkAdminConnectionDialog, spinner);
  gtk_widget_class_bind_template_child (widget_class, LkAdminConnectionDialog, kind_row);
  gtk_widget_class_bind_template_child (widget_class, LkAdminConnectionDialog, db_row);
  gtk_widget_class_bind_template_child (widget_class, LkAdminConnectionDialog, remote_group);
  gtk_widget_class_bind_template_child (widget_class, LkAdminConnectionDialog, url_row);
  gtk_widget_class_bind_template_child (widget_class, LkAdminConnectionDialog, account_row);
  gtk_widget_class_bind_template_child (widget_class, LkAdminConnectionDialog, key_row);
  gtk_widget_class_bind_template_child (widget_class, LkAdminConnectionDialog, error_label);
  gtk_widget_class_bind_template_callback (widget_class, on_changed);

  gtk_widget_class_install_action (widget_class, "connection.connect", NULL, connect_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
lk_admin_connection_dialog_init (LkAdminConnectionDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

LkAdminConnectionDialog *
lk_admin_connection_dialog_new (GtkWindow  *parent,
                                const char *db_path,
                                gboolean    remote,
                                const char *url,
                                const char *account)
{
  LkAdminConnectionDialog *self = g_object_new (LK_TYPE_ADMIN_CONNECTION_DIALOG,
                                                "transient-for", parent,
                                                NULL);

  adw_action_row_set_subtitle (self->db_row, db_path);
  lk_admin_connection_dialog_fill (self, remote, url, account, NULL);
  return self;
}

gboolean
lk_admin_connection_dialog_get_remote (LkAdminConnectionDialog *self)
{
  g_return_val_if_fail (LK_IS_ADMIN_CONNECTION_DIALOG (self), FALSE);
  return adw_combo_row_get_selected (self->kind_row) == 1;
}

const char *
lk_admin_connection_dialog_get_url (LkAdminConnectionDialog *self)
{
  g_return_val_if_fail (LK_IS_ADMIN_CONNECTION_DIALOG (self), NULL);
  return gtk_editable_get_text (GTK_EDITABLE (self->url_row));
}

const char *
lk_admin_connection_dialog_get_account (LkAdminConnectionDialog *self)
{
  g_return_val_if_fail (LK_IS_ADMIN_CONNECTION_DIALOG (self), NULL);
  return gtk_editable_get_text (GTK_EDITABLE (self->account_row));
}

const char *
lk_admin_connection_dialog_get_key (LkAdminConnectionDialog *self)
{
  g_return_val_if_fail (LK_IS_ADMIN_CONNECTION_DIALOG (self), NULL);
  return gtk_editable_get_text (GTK_EDITABLE (self->key_row));
}

void
lk_admin_connection_dialog_set_busy (LkAdminConnectionDialog *self,
                                     gboolean                 busy)
{
  g_return_if_fail (LK_IS_ADMIN_CONNECTION_DIALOG (self));

  self->busy = busy;
  gtk_spinner_set_spinning (self->spinner, busy);
  on_changed (self);
}

gboolean
lk_admin_connection_dialog_get_busy (LkAdminConnectionDialog *self)
{
  g_return_val_if_fail (LK_IS_ADMIN_CONNECTION_DIALOG (self), FALSE);
  return self->busy;
}

const char *
lk_admin_connection_dialog_get_error (LkAdminConnectionDialog *self)
{
  g_return_val_if_fail (LK_IS_ADMIN_CONNECTION_DIALOG (self), NULL);

  if (!gtk_widget_get_visible (GTK_WIDGET (self->error_label)))
    return NULL;
  return gtk_label_get_text (self->error_label);
}

void
lk_admin_connection_dialog_show_error (LkAdminConnectionDialog *self,
                                       const char              *message)
{
  g_return_if_fail (LK_IS_ADMIN_CONNECTION_DIALOG (self));

  gtk_label_set_text (self->error_label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

void
lk_admin_connection_dialog_fill (LkAdminConnectionDialog *self,
                                 gboolean                 remote,
                                 const char              *url,
                                 const char              *account,
                                 const char              *key)
{
  g_return_if_fail (LK_IS_ADMIN_CONNECTION_DIALOG (self));

  adw_combo_row_set_selected (self->kind_row, remote ? 1 : 0);
  gtk_editable_set_text (GTK_EDITABLE (self->url_row), url ? url : "");
  gtk_editable_set_text (GTK_EDITABLE (self->account_row), account ? account : "");
  gtk_editable_set_text (GTK_EDITABLE (self->key_row), key ? key : "");
  on_changed (self);
}
