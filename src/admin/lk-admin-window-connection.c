/* SPDX-License-Identifier: GPL-3.0-or-later
 * The admin window's connection: the default one at start, the Connection
 * dialog, and the question asked before trusting an unknown certificate. */
#include "config.h"

#include <glib/gi18n.h>

#include "lk-admin-connection-dialog.h"
#include "lk-admin-connection.h"
#include "lk-admin-window-private.h"
#include "lk-remote-backend.h"

/* ---- settings ------------------------------------------------------------ */

/* The fingerprint the user accepted for @url, or NULL. (transfer full) */
static char *
known_fingerprint (LkAdminWindow *self,
                   const char    *url,
                   char         **out_account)
{
  g_autoptr(GVariant) servers = NULL;
  GVariantIter iter;
  const char *s_url;
  const char *s_account;
  const char *s_fp;

  if (self->settings == NULL)
    return NULL;
  servers = g_settings_get_value (self->settings, "known-servers");
  g_variant_iter_init (&iter, servers);
  while (g_variant_iter_next (&iter, "(&s&s&s)", &s_url, &s_account, &s_fp))
    if (g_str_equal (s_url, url))
      {
        if (out_account != NULL)
          *out_account = g_strdup (s_account);
        return *s_fp ? g_strdup (s_fp) : NULL;
      }
  return NULL;
}

static void
remember (LkAdminWindow *self,
          const char    *url,
          const char    *account,
          const char    *fingerprint)
{
  g_autoptr(GVariant) servers = NULL;
  GVariantBuilder builder;
  GVariantIter iter;
  const char *s_url;
  const char *s_account;
  const char *s_fp;

  if (self->settings == NULL)
    return;
  g_settings_set_string (self->settings, "admin-server", url ? url : "");
  if (url == NULL)
    return;
  servers = g_settings_get_value (self->settings, "known-servers");
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(sss)"));
  g_variant_builder_add (&builder, "(sss)", url, account, fingerprint ? fingerprint : "");
  g_variant_iter_init (&iter, servers);
  while (g_variant_iter_next (&iter, "(&s&s&s)", &s_url, &s_account, &s_fp))
    if (!g_str_equal (s_url, url))
      g_variant_builder_add (&builder, "(sss)", s_url, s_account, s_fp);
  g_settings_set_value (self->settings, "known-servers", g_variant_builder_end (&builder));
}

/* ---- the default connection at start -------------------------------------- */

static void
default_connected (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(LkAdminWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *label = NULL;
  g_autoptr(LkBackend) backend = NULL;

  backend = lk_admin_connect_finish (result, &label, NULL, &error);
  if (backend == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_free (self->connect_error);
      self->connect_error = g_strdup (error->message);
      lk_admin_window_set_backend (self, NULL, _("Not connected"));
      return;
    }
  lk_admin_window_set_backend (self, backend, label);
}

void
lk_admin_window_connect_default (LkAdminWindow *self)
{
  g_autofree char *url = self->settings ? g_settings_get_string (self->settings, "admin-server") : NULL;

  if (url != NULL && *url != '\0')
    {
      g_autofree char *account = NULL;
      g_autofree char *fingerprint = known_fingerprint (self, url, &account);

      lk_admin_connect_remote_async (url, account ? account : "", NULL, fingerprint, self->cancellable,
                                     default_connected, g_object_ref (self));
    }
  else
    {
      g_autofree char *path = lk_admin_default_db_path ();

      lk_admin_connect_embedded_async (path, self->cancellable, default_connected, g_object_ref (self));
    }
}

/* ---- the Connection dialog ------------------------------------------------ */

static void start_connect (LkAdminWindow           *self,
                           LkAdminConnectionDialog *dialog,
                           const char              *pinned);

typedef struct
{
  LkAdminWindow           *self;
  LkAdminConnectionDialog *dialog;
  char                    *pinned;
} Attempt;

static void
attempt_free (Attempt *attempt)
{
  g_object_unref (attempt->self);
  g_object_unref (attempt->dialog);
  g_free (attempt->pinned);
  g_free (attempt);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Attempt, attempt_free)

static void
on_trust_response (AdwMessageDialog        *message,
                   const char              *response,
                   LkAdminConnectionDialog *dialog)
{
  LkAdminWindow *self = g_object_get_data (G_OBJECT (message), "lk-window");
  const char *fingerprint = g_object_get_data (G_OBJECT (message), "lk-fingerprint");

  if (g_str_equal (response, "trust"))
    {
      /* Trusted for this dialog's retries too (a mistyped key, say). */
      g_object_set_data_full (G_OBJECT (dialog), "lk-pinned-url",
                              g_strdup (lk_admin_connection_dialog_get_url (dialog)), g_free);
      g_object_set_data_full (G_OBJECT (dialog), "lk-pinned", g_strdup (fingerprint), g_free);
      start_connect (self, dialog, fingerprint);
    }
  else
    lk_admin_connection_dialog_show_error (dialog, _("Not connected: the server’s certificate was not trusted."));
}

static void
ask_trust (LkAdminWindow           *self,
           LkAdminConnectionDialog *dialog,
           const char              *fingerprint)
{
  AdwMessageDialog *message;
  const char *url = lk_admin_connection_dialog_get_url (dialog);

  g_autofree char *url_markup = g_markup_escape_text (url, -1);
  g_autofree char *fp_markup = g_markup_escape_text (fingerprint, -1);

  message = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (dialog), _("Trust This Server?"), NULL));
  adw_message_dialog_set_body_use_markup (message, TRUE);
  /* The fingerprint in a fixed-width face, so it can be read out in pairs. */
  adw_message_dialog_format_body_markup (message,
                                         _("The certificate of %s is not signed by an authority this computer trusts. "
                                           "Compare its fingerprint with the one the server’s administrator gave you, "
                                           "character by character, before you trust it:\n\nSHA-256\n<tt>%s</tt>"),
                                         url_markup, fp_markup);
  adw_message_dialog_add_responses (message, "cancel", _("_Cancel"), "trust", _("_Trust and Connect"), NULL);
  adw_message_dialog_set_response_appearance (message, "trust", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (message, "cancel");
  adw_message_dialog_set_close_response (message, "cancel");
  g_object_set_data_full (G_OBJECT (message), "lk-window", g_object_ref (self), g_object_unref);
  g_object_set_data_full (G_OBJECT (message), "lk-fingerprint", g_strdup (fingerprint), g_free);
  g_signal_connect_object (message, "response", G_CALLBACK (on_trust_response), dialog, 0);
  gtk_window_present (GTK_WINDOW (message));
}

static void
dialog_connected (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(Attempt) attempt = user_data;
  LkAdminWindow *self = attempt->self;
  LkAdminConnectionDialog *dialog = attempt->dialog;
  g_autoptr(GError) error = NULL;
  g_autofree char *label = NULL;
  g_autofree char *fingerprint = NULL;
  g_autoptr(LkBackend) backend = NULL;
  g_autofree char *text = NULL;

  backend = lk_admin_connect_finish (result, &label, &fingerprint, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  lk_admin_connection_dialog_set_busy (dialog, FALSE);
  if (backend == NULL)
    {
      if (g_error_matches (error, LK_REMOTE_ERROR, LK_REMOTE_ERROR_TLS_UNTRUSTED) && fingerprint != NULL)
        ask_trust (self, dialog, fingerprint);
      else
        lk_admin_connection_dialog_show_error (dialog, error->message);
      return;
    }
  if (lk_admin_connection_dialog_get_remote (dialog))
    remember (self, lk_admin_connection_dialog_get_url (dialog),
              lk_admin_connection_dialog_get_account (dialog), attempt->pinned);
  else
    remember (self, NULL, NULL, NULL);
  lk_admin_window_set_backend (self, backend, label);
  text = g_strdup_printf (_("Connected to %s"), label);
  lk_admin_window_toast (self, text);
  gtk_window_close (GTK_WINDOW (dialog));
}

static void
start_connect (LkAdminWindow           *self,
               LkAdminConnectionDialog *dialog,
               const char              *pinned)
{
  Attempt *attempt = g_new0 (Attempt, 1);

  attempt->self = g_object_ref (self);
  attempt->dialog = g_object_ref (dialog);
  attempt->pinned = g_strdup (pinned);
  lk_admin_connection_dialog_set_busy (dialog, TRUE);
  lk_admin_connection_dialog_show_error (dialog, NULL);
  if (lk_admin_connection_dialog_get_remote (dialog))
    lk_admin_connect_remote_async (lk_admin_connection_dialog_get_url (dialog),
                                   lk_admin_connection_dialog_get_account (dialog),
                                   lk_admin_connection_dialog_get_key (dialog),
                                   pinned, self->cancellable, dialog_connected, attempt);
  else
    {
      g_autofree char *path = lk_admin_default_db_path ();

      lk_admin_connect_embedded_async (path, self->cancellable, dialog_connected, attempt);
    }
}

static void
on_connection_submit (LkAdminConnectionDialog *dialog,
                      LkAdminWindow           *self)
{
  g_autofree char *pinned = NULL;

  if (lk_admin_connection_dialog_get_remote (dialog))
    {
      const char *url = lk_admin_connection_dialog_get_url (dialog);

      if (g_strcmp0 (g_object_get_data (G_OBJECT (dialog), "lk-pinned-url"), url) == 0)
        pinned = g_strdup (g_object_get_data (G_OBJECT (dialog), "lk-pinned"));
      else
        pinned = known_fingerprint (self, url, NULL);
    }
  start_connect (self, dialog, pinned);
}

void
lk_admin_window_open_connection (LkAdminWindow *self)
{
  g_autofree char *path = lk_admin_default_db_path ();
  g_autofree char *url = self->settings ? g_settings_get_string (self->settings, "admin-server") : NULL;
  g_autofree char *account = NULL;
  g_autofree char *fingerprint = NULL;
  LkAdminConnectionDialog *dialog;

  if (url != NULL && *url != '\0')
    fingerprint = known_fingerprint (self, url, &account);
  dialog = lk_admin_connection_dialog_new (GTK_WINDOW (self), path, url && *url, url, account);
  g_signal_connect_object (dialog, "submit", G_CALLBACK (on_connection_submit), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}
