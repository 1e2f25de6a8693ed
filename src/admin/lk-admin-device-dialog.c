/* SPDX-License-Identifier: GPL-3.0-or-later
 * Add a device to the selected user. */
#include "config.h"

#include <glib/gi18n.h>

#include "lk-admin-init.h"
#include "lk-admin-device-dialog.h"

struct _LkAdminDeviceDialog
{
  AdwWindow          parent_instance;

  AdwWindowTitle    *window_title;
  GtkButton         *add_button;
  GtkSpinner        *spinner;
  LkAdminDeviceForm *device_form;
  GtkLabel          *error_label;

  char              *login;
  gboolean           busy;
};

G_DEFINE_FINAL_TYPE (LkAdminDeviceDialog, lk_admin_device_dialog, ADW_TYPE_WINDOW)

enum {
  SIGNAL_SUBMIT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
on_changed (LkAdminDeviceDialog *self)
{
  g_autofree char *message = lk_admin_device_form_check (self->device_form);

  gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->add_button), message == NULL && !self->busy);
}

static void
submit_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  LkAdminDeviceDialog *self = LK_ADMIN_DEVICE_DIALOG (widget);
  g_autofree char *message = NULL;

  if (self->busy)
    return;
  message = lk_admin_device_form_check (self->device_form);
  if (message != NULL)
    {
      lk_admin_device_dialog_show_error (self, message);
      return;
    }
  g_signal_emit (self, signals[SIGNAL_SUBMIT], 0);
}

static void
lk_admin_device_dialog_finalize (GObject *object)
{
  LkAdminDeviceDialog *self = LK_ADMIN_DEVICE_DIALOG (object);

  g_free (self->login);
  G_OBJECT_CLASS (lk_admin_device_dialog_parent_class)->finalize (object);
}

static void
lk_admin_device_dialog_class_init (LkAdminDeviceDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = lk_admin_device_dialog_finalize;

  signals[SIGNAL_SUBMIT] =
    g_signal_new ("submit", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  g_type_ensure (LK_TYPE_ADMIN_DEVICE_FORM);
  lk_admin_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class, "/org/latchkey/Latchkey/admin/lk-admin-device-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, LkAdminDeviceDialog, window_title);
  gtk_widget_class_bind_template_child (widget_class, LkAdminDeviceDialog, add_button);
  gtk_widget_class_bind_template_child (widget_class, LkAdminDeviceDialog, spinner);
  gtk_widget_class_bind_template_child (widget_class, LkAdminDeviceDialog, device_form);
  gtk_widget_class_bind_template_child (widget_class, LkAdminDeviceDialog, error_label);
  gtk_widget_class_bind_template_callback (widget_class, on_changed);

  gtk_widget_class_install_action (widget_class, "device-dialog.submit", NULL, submit_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK, "device-dialog.submit", NULL);
}

static void
lk_admin_device_dialog_init (LkAdminDeviceDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

LkAdminDeviceDialog *
lk_admin_device_dialog_new (GtkWindow  *parent,
                            const char *login)
{
  LkAdminDeviceDialog *self = g_object_new (LK_TYPE_ADMIN_DEVICE_DIALOG,
                                            "transient-for", parent,
                                            NULL);

  self->login = g_strdup (login);
  adw_window_title_set_subtitle (self->window_title, login);
  on_changed (self);
  return self;
}

const char *
lk_admin_device_dialog_get_login (LkAdminDeviceDialog *self)
{
  g_return_val_if_fail (LK_IS_ADMIN_DEVICE_DIALOG (self), NULL);
  return self->login;
}

LkAdminDeviceForm *
lk_admin_device_dialog_get_form (LkAdminDeviceDialog *self)
{
  g_return_val_if_fail (LK_IS_ADMIN_DEVICE_DIALOG (self), NULL);
  return self->device_form;
}

void
lk_admin_device_dialog_set_busy (LkAdminDeviceDialog *self,
                                 gboolean             busy)
{
  g_return_if_fail (LK_IS_ADMIN_DEVICE_DIALOG (self));

  self->busy = busy;
  /* Drop the focus first: a focused entry made insensitive never gets its
   * focus-out (GTK 4.8 warns), and the keyboard would be stuck in it. */
  if (busy)
    gtk_window_set_focus (GTK_WINDOW (self), NULL);
  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->device_form), !busy);
  on_changed (self);
}

void
lk_admin_device_dialog_show_error (LkAdminDeviceDialog *self,
                                   const char          *message)
{
  g_return_if_fail (LK_IS_ADMIN_DEVICE_DIALOG (self));

  gtk_label_set_text (self->error_label, message);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}
