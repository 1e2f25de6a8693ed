/* SPDX-License-Identifier: GPL-3.0-or-later
 * Two consecutive passcodes, to activate or resynchronise a device. */
#include "config.h"

#include <glib/gi18n.h>

#include "lk-admin-init.h"
#include "lk-admin-otp-dialog.h"
#include "lk-admin-validate.h"

struct _LkAdminOtpDialog
{
  AdwWindow       parent_instance;

  AdwWindowTitle *window_title;
  GtkButton      *submit_button;
  GtkSpinner     *spinner;
  AdwPreferencesGroup *group;
  AdwEntryRow    *otp1_row;
  AdwEntryRow    *otp2_row;
  GtkLabel       *error_label;

  LkAdminOtpMode  mode;
  char           *serial;
  guint           digits;
  gboolean        busy;
};

G_DEFINE_FINAL_TYPE (LkAdminOtpDialog, lk_admin_otp_dialog, ADW_TYPE_WINDOW)

enum {
  SIGNAL_SUBMIT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static char *
check (LkAdminOtpDialog *self)
{
  const char *otp1 = gtk_editable_get_text (GTK_EDITABLE (self->otp1_row));
  const char *otp2 = gtk_editable_get_text (GTK_EDITABLE (self->otp2_row));
  char *message;

  message = lk_admin_check_otp (otp1, self->digits);
  if (message != NULL)
    return message;
  message = lk_admin_check_otp (otp2, self->digits);
  if (message != NULL)
    return message;
  if (g_str_equal (otp1, otp2))
    return g_strdup (_("The two passcodes must be consecutive, so they differ"));
  return NULL;
}

static void
on_changed (LkAdminOtpDialog *self)
{
  g_autofree char *message = check (self);

  gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->submit_button), message == NULL && !self->busy);
}

static void
submit (LkAdminOtpDialog *self)
{
  g_autofree char *message = check (self);

  if (self->busy)
    return;
  if (message != NULL)
    {
      lk_admin_otp_dialog_show_error (self, message);
      return;
    }
  g_signal_emit (self, signals[SIGNAL_SUBMIT], 0,
                 gtk_editable_get_text (GTK_EDITABLE (self->otp1_row)),
                 gtk_editable_get_text (GTK_EDITABLE (self->otp2_row)));
}

static void
on_entry_activated (LkAdminOtpDialog *self,
                    AdwEntryRow      *row)
{
  if (row == self->otp1_row)
    gtk_widget_grab_focus (GTK_WIDGET (self->otp2_row));
  else
    submit (self);
}

static void
submit_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  submit (LK_ADMIN_OTP_DIALOG (widget));
}

static void
lk_admin_otp_dialog_finalize (GObject *object)
{
  LkAdminOtpDialog *self = LK_ADMIN_OTP_DIALOG (object);

  g_free (self->serial);
  G_OBJECT_CLASS (lk_admin_otp_dialog_parent_class)->finalize (object);
}

static void
lk_admin_otp_dialog_class_init (LkAdminOtpDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = lk_admin_otp_dialog_finalize;

  signals[SIGNAL_SUBMIT] =
    g_signal_new ("submit", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);

  lk_admin_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class, "/org/latchkey/Latchkey/admin/lk-admin-otp-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, LkAdminOtpDialog, window_title);
  gtk_widget_class_bind_template_child (widget_class, LkAdminOtpDialog, submit_button);
  gtk_widget_class_bind_template_child (widget_class, LkAdminOtpDialog, spinner);
  gtk_widget_class_bind_template_child (widget_class, LkAdminOtpDialog, group);
  gtk_widget_class_bind_template_child (widget_class, LkAdminOtpDialog, otp1_row);
  gtk_widget_class_bind_template_child (widget_class, LkAdminOtpDialog, otp2_row);
  gtk_widget_class_bind_template_child (widget_class, LkAdminOtpDialog, error_label);
  gtk_widget_class_bind_template_callback (widget_class, on_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_entry_activated);

  gtk_widget_class_install_action (widget_class, "otp.submit", NULL, submit_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
lk_admin_otp_dialog_init (LkAdminOtpDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

LkAdminOtpDialog *
lk_admin_otp_dialog_new (GtkWindow      *parent,
                         LkAdminOtpMode  mode,
                         const char     *serial,
                         guint           digits)
{
  LkAdminOtpDialog *self = g_object_new (LK_TYPE_ADMIN_OTP_DIALOG,
                                         "transient-for", parent,
                                         NULL);

  self->mode = mode;
  self->serial = g_strdup (serial);
  self->digits = digits;
  if (mode == LK_ADMIN_OTP_ACTIVATE)
    {
      gtk_window_set_title (GTK_WINDOW (self), _("Activate Device"));
      adw_window_title_set_title (self->window_title, _("Activate Device"));
      gtk_button_set_label (self->submit_button, _("_Activate"));
      adw_preferences_group_set_title (self->group, _("Two consecutive passcodes"));
    }
  else
    {
      gtk_window_set_title (GTK_WINDOW (self), _("Resynchronise Device"));
      adw_window_title_set_title (self->window_title, _("Resynchronise Device"));
      gtk_button_set_label (self->submit_button, _("_Resync"));
      adw_preferences_group_set_title (self->group, _("Two consecutive passcodes, as the token shows them now"));
    }
  adw_window_title_set_subtitle (self->window_title, serial);
  return self;
}

LkAdminOtpMode
lk_admin_otp_dialog_get_mode (LkAdminOtpDialog *self)
{
  g_return_val_if_fail (LK_IS_ADMIN_OTP_DIALOG (self), LK_ADMIN_OTP_ACTIVATE);
  return self->mode;
}

const char *
lk_admin_otp_dialog_get_serial (LkAdminOtpDialog *self)
{
  g_return_val_if_fail (LK_IS_ADMIN_OTP_DIALOG (self), NULL);
  return self->serial;
}

void
lk_admin_otp_dialog_set_busy (LkAdminOtpDialog *self,
                              gboolean          busy)
{
  g_return_if_fail (LK_IS_ADMIN_OTP_DIALOG (self));

  self->busy = busy;
  /* Drop the focus first: a focused entry made insensitive never gets its
   * focus-out (GTK 4.8 warns), and the keyboard would be stuck in it. */
  if (busy)
    gtk_window_set_focus (GTK_WINDOW (self), NULL);
  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->otp1_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->otp2_row), !busy);
  on_changed (self);
}

void
lk_admin_otp_dialog_show_error (LkAdminOtpDialog *self,
                                const char       *message)
{
  g_return_if_fail (LK_IS_ADMIN_OTP_DIALOG (self));

  gtk_label_set_text (self->error_label, message);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

void
lk_admin_otp_dialog_set_codes (LkAdminOtpDialog *self,
                               const char       *otp1,
                               const char       *otp2)
{
  g_return_if_fail (LK_IS_ADMIN_OTP_DIALOG (self));

  gtk_editable_set_text (GTK_EDITABLE (self->otp1_row), otp1);
  gtk_editable_set_text (GTK_EDITABLE (self->otp2_row), otp2);
}
