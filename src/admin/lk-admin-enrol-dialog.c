/* SPDX-License-Identifier: GPL-3.0-or-later
 * Enrol a user, optionally with a first device; shows a generated password once.
 *
 * Fields are checked as they are typed: the first problem is named under the
 * form and its row turns red, and Enrol stays insensitive until the form is
 * complete. The engine checks again; its message is shown as it comes. */
#include "config.h"

#include <glib/gi18n.h>

#include "lk-admin-init.h"
#include "lk-admin-enrol-dialog.h"
#include "lk-admin-error.h"
#include "lk-admin-validate.h"
#include "lk-secure.h"

struct _LkAdminEnrolDialog
{
  AdwWindow           parent_instance;

  GtkButton          *cancel_button;
  GtkButton          *enrol_button;
  GtkSpinner         *spinner;
  AdwToastOverlay    *toast_overlay;
  GtkStack           *stack;
  AdwEntryRow        *login_row;
  AdwEntryRow        *first_name_row;
  AdwEntryRow        *last_name_row;
  AdwEntryRow        *email_row;
  AdwEntryRow        *phone_row;
  AdwPasswordEntryRow *password_row;
  GtkSwitch          *device_switch;
  LkAdminDeviceForm  *device_form;
  GtkLabel           *error_label;
  AdwStatusPage      *done_page;
  GtkWidget          *password_box;
  GtkLabel           *password_label;
  GtkButton          *provision_button;
  GtkButton          *done_button;

  gboolean            busy;
  gboolean            touched;
  char               *provision_serial;
  char               *result_login;
};

G_DEFINE_FINAL_TYPE (LkAdminEnrolDialog, lk_admin_enrol_dialog, ADW_TYPE_WINDOW)

enum {
  SIGNAL_SUBMIT,
  SIGNAL_PROVISION,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

void
lk_admin_enrol_spec_free (LkAdminEnrolSpec *spec)
{
  if (spec == NULL)
    return;
  g_free (spec->login);
  g_free (spec->first_name);
  g_free (spec->last_name);
  g_free (spec->email);
  g_free (spec->mobile_phone);
  lk_secure_str_free (spec->password);
  lk_admin_device_spec_free (spec->device);
  g_free (spec);
}

static const char *
text_of (gpointer row)
{
  return gtk_editable_get_text (GTK_EDITABLE (row));
}

/* Checks one row, paints it, and keeps the first message in *@first. */
static void
check_row (gpointer   row,
           char      *message,
           char     **first)
{
  if (message != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (row), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (row), "error");
  if (*first == NULL)
    *first = message;
  else
    g_free (message);
}

char *
lk_admin_enrol_dialog_check (LkAdminEnrolDialog *self)
{
  char *first = NULL;
  const char *password;

  g_return_val_if_fail (LK_IS_ADMIN_ENROL_DIALOG (self), NULL);

  check_row (self->login_row, lk_admin_check_login (text_of (self->login_row)), &first);
  check_row (self->first_name_row, lk_admin_check_name (text_of (self->first_name_row)), &first);
  check_row (self->last_name_row, lk_admin_check_name (text_of (self->last_name_row)), &first);
  check_row (self->email_row, lk_admin_check_email (text_of (self->email_row), FALSE), &first);
  check_row (self->phone_row, lk_admin_check_phone (text_of (self->phone_row), FALSE), &first);
  password = text_of (self->password_row);
  check_row (self->password_row,
             (*password != '\0' && g_utf8_strlen (password, -1) < 8)
               ? g_strdup (_("A password has at least 8 characters; leave it empty to generate one"))
               : NULL,
             &first);
  if (first == NULL && gtk_switch_get_active (self->device_switch))
    first = lk_admin_device_form_check (self->device_form);
  return first;
}

static void
on_changed (LkAdminEnrolDialog *self)
{
  g_autofree char *message = lk_admin_enrol_dialog_check (self);

  if (*text_of (self->login_row) != '\0')
    self->touched = TRUE;
  /* Before anything is typed, "a login is required" would only scold. */
  gtk_label_set_text (self->error_label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL && self->touched);
  if (!self->touched)
    gtk_widget_remove_css_class (GTK_WIDGET (self->login_row), "error");
  gtk_widget_set_sensitive (GTK_WIDGET (self->enrol_button), message == NULL && !self->busy);
}

static void
submit (LkAdminEnrolDialog *self)
{
  g_autofree char *message = NULL;

  if (self->busy || !g_str_equal (gtk_stack_get_visible_child_name (self->stack), "form"))
    return;
  self->touched = TRUE;
  message = lk_admin_enrol_dialog_check (self);
  if (message != NULL)
    {
      lk_admin_enrol_dialog_show_error (self, message);
      return;
    }
  g_signal_emit (self, signals[SIGNAL_SUBMIT], 0);
}

static void
on_entry_activated (LkAdminEnrolDialog *self)
{
  submit (self);
}

static void
submit_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  submit (LK_ADMIN_ENROL_DIALOG (widget));
}

static void
copy_password_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  LkAdminEnrolDialog *self = LK_ADMIN_ENROL_DIALOG (widget);

  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), gtk_label_get_text (self->password_label));
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (_("Password copied")));
}

static void
provision_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  LkAdminEnrolDialog *self = LK_ADMIN_ENROL_DIALOG (widget);

  if (self->provision_serial != NULL)
    g_signal_emit (self, signals[SIGNAL_PROVISION], 0, self->result_login, self->provision_serial);
}

static void
wipe_password_label (LkAdminEnrolDialog *self)
{
  if (self->password_label != NULL)
    gtk_label_set_text (self->password_label, "");
}

static void
lk_admin_enrol_dialog_dispose (GObject *object)
{
  LkAdminEnrolDialog *self = LK_ADMIN_ENROL_DIALOG (object);

  /* The one copy of a generated password lives in this label. */
  wipe_password_label (self);
  if (self->password_row != NULL)
    gtk_editable_set_text (GTK_EDITABLE (self->password_row), "");
  gtk_widget_dispose_template (GTK_WIDGET (object), LK_TYPE_ADMIN_ENROL_DIALOG);
  G_OBJECT_CLASS (lk_admin_enrol_dialog_parent_class)->dispose (object);
}

static void
lk_admin_enrol_dialog_finalize (GObject *object)
{
  LkAdminEnrolDialog *self = LK_ADMIN_ENROL_DIALOG (object);

  g_free (self->provision_serial);
  g_free (self->result_login);
  G_OBJECT_CLASS (lk_admin_enrol_dialog_parent_class)->finalize (object);
}

static void
lk_admin_enrol_dialog_class_init (LkAdminEnrolDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lk_admin_enrol_dialog_dispose;
  object_class->finalize = lk_admin_enrol_dialog_finalize;

  signals[SIGNAL_SUBMIT] =
    g_signal_new ("submit", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_PROVISION] =
    g_signal_new ("provision", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);

  g_type_ensure (LK_TYPE_ADMIN_DEVICE_FORM);
  lk_admin_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class, "/org/latchkey/Latchkey/admin/lk-admin-enrol-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, LkAdminEnrolDialog, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, LkAdminEnrolDialog, enrol_button);
  gtk_widget_class_bind_template_child (widget_class, LkAdminEnrolDialog, spinner);
  gtk_widget_class_bind_template_child (widget_class, LkAdminEnrolDialog, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, LkAdminEnrolDialog, stack);
  gtk_widget_class_bind_template_child (widget_class, LkAdminEnrolDialog, login_row);
  gtk_widget_class_bind_template_child (widget_class, LkAdminEnrolDialog, first_name_row);
  gtk_widget_class_bind_template_child (widget_class, LkAdminEnrolDialog, last_name_row);
  gtk_widget_class_bind_template_child (widget_class, LkAdminEnrolDialog, email_row);
  gtk_widget_class_bind_template_child (widget_class, LkAdminEnrolDialog, phone_row);
  gtk_widget_class_bind_template_child (widget_class, LkAdminEnrolDialog, password_row);
  gtk_widget_class_bind_template_child (widget_class, LkAdminEnrolDialog, device_switch);
  gtk_widget_class_bind_template_child (widget_class, LkAdminEnrolDialog, device_form);
  gtk_widget_class_bind_template_child (widget_class, LkAdminEnrolDialog, error_label);
  gtk_widget_class_bind_template_child (widget_class, LkAdminEnrolDialog, done_page);
  gtk_widget_class_bind_template_child (widget_class, LkAdminEnrolDialog, password_box);
  gtk_widget_class_bind_template_child (widget_class, LkAdminEnrolDialog, password_label);
  gtk_widget_class_bind_template_child (widget_class, LkAdminEnrolDialog, provision_button);
  gtk_widget_class_bind_template_child (widget_class, LkAdminEnrolDialog, done_button);
  gtk_widget_class_bind_template_callback (widget_class, on_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_entry_activated);

  gtk_widget_class_install_action (widget_class, "enrol.submit", NULL, submit_action);
  gtk_widget_class_install_action (widget_class, "enrol.copy-password", NULL, copy_password_action);
  gtk_widget_class_install_action (widget_class, "enrol.provision", NULL, provision_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK, "enrol.submit", NULL);
}

static void
lk_admin_enrol_dialog_init (LkAdminEnrolDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

LkAdminEnrolDialog *
lk_admin_enrol_dialog_new (GtkWindow *parent)
{
  LkAdminEnrolDialog *self = g_object_new (LK_TYPE_ADMIN_ENROL_DIALOG,
                                           "transient-for", parent,
                                           NULL);
  on_changed (self);
  return self;
}

static char *
dup_or_null (gpointer row)
{
  const char *text = text_of (row);

  return *text ? g_strdup (text) : NULL;
}

LkAdminEnrolSpec *
lk_admin_enrol_dialog_dup_spec (LkAdminEnrolDialog  *self,
                                GError             **error)
{
  g_autoptr(LkAdminEnrolSpec) spec = NULL;
  g_autofree char *message = NULL;

  g_return_val_if_fail (LK_IS_ADMIN_ENROL_DIALOG (self), NULL);

  message = lk_admin_enrol_dialog_check (self);
  if (message != NULL)
    {
      g_set_error_literal (error, LK_ADMIN_ERROR, LK_ADMIN_ERROR_INVALID_INPUT, message);
      return NULL;
    }
  spec = g_new0 (LkAdminEnrolSpec, 1);
  spec->login = g_strdup (text_of (self->login_row));
  spec->first_name = dup_or_null (self->first_name_row);
  spec->last_name = dup_or_null (self->last_name_row);
  spec->email = dup_or_null (self->email_row);
  spec->mobile_phone = dup_or_null (self->phone_row);
  spec->password = dup_or_null (self->password_row);
  if (gtk_switch_get_active (self->device_switch))
    {
      spec->device = lk_admin_device_form_dup_spec (self->device_form, error);
      if (spec->device == NULL)
        return NULL;
    }
  return g_steal_pointer (&spec);
}

void
lk_admin_enrol_dialog_set_busy (LkAdminEnrolDialog *self,
                                gboolean            busy)
{
  g_return_if_fail (LK_IS_ADMIN_ENROL_DIALOG (self));

  self->busy = busy;
  /* Drop the focus first: a focused entry made insensitive never gets its
   * focus-out (GTK 4.8 warns), and the keyboard would be stuck in it. */
  if (busy)
    gtk_window_set_focus (GTK_WINDOW (self), NULL);
  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_widget_set_sensitive (gtk_stack_get_child_by_name (self->stack, "form"), !busy);
  on_changed (self);
}

void
lk_admin_enrol_dialog_show_error (LkAdminEnrolDialog *self,
                                  const char         *message)
{
  g_return_if_fail (LK_IS_ADMIN_ENROL_DIALOG (self));

  gtk_label_set_text (self->error_label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

void
lk_admin_enrol_dialog_show_result (LkAdminEnrolDialog *self,
                                   const char         *login,
                                   const char         *generated_password,
                                   const char         *soft_token_serial)
{
  g_autofree char *description = NULL;

  g_return_if_fail (LK_IS_ADMIN_ENROL_DIALOG (self));

  description = g_strdup_printf (_("“%s” can now sign in."), login);
  adw_status_page_set_description (self->done_page, description);
  gtk_label_set_text (self->password_label, generated_password ? generated_password : "");
  gtk_widget_set_visible (self->password_box, generated_password != NULL);
  g_free (self->provision_serial);
  self->provision_serial = g_strdup (soft_token_serial);
  g_free (self->result_login);
  self->result_login = g_strdup (login);
  gtk_widget_set_visible (GTK_WIDGET (self->provision_button), soft_token_serial != NULL);
  /* The typed password is no longer needed anywhere. */
  gtk_editable_set_text (GTK_EDITABLE (self->password_row), "");
  gtk_widget_set_visible (GTK_WIDGET (self->enrol_button), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->cancel_button), FALSE);
  gtk_stack_set_visible_child_name (self->stack, "done");
  /* Focus on Done, not on the selectable password (which would select it). */
  gtk_window_set_default_widget (GTK_WINDOW (self), GTK_WIDGET (self->done_button));
  gtk_widget_grab_focus (GTK_WIDGET (self->done_button));
}

void
lk_admin_enrol_dialog_fill (LkAdminEnrolDialog *self,
                            const char         *login,
                            const char         *first_name,
                            const char         *last_name,
                            const char         *email,
                            const char         *mobile_phone,
                            const char         *password)
{
  g_return_if_fail (LK_IS_ADMIN_ENROL_DIALOG (self));

  gtk_editable_set_text (GTK_EDITABLE (self->login_row), login ? login : "");
  gtk_editable_set_text (GTK_EDITABLE (self->first_name_row), first_name ? first_name : "");
  gtk_editable_set_text (GTK_EDITABLE (self->last_name_row), last_name ? last_name : "");
  gtk_editable_set_text (GTK_EDITABLE (self->email_row), email ? email : "");
  gtk_editable_set_text (GTK_EDITABLE (self->phone_row), mobile_phone ? mobile_phone : "");
  gtk_editable_set_text (GTK_EDITABLE (self->password_row), password ? password : "");
}

void
lk_admin_enrol_dialog_set_with_device (LkAdminEnrolDialog *self,
                                       gboolean            with_device)
{
  g_return_if_fail (LK_IS_ADMIN_ENROL_DIALOG (self));
  gtk_switch_set_active (self->device_switch, with_device);
}

LkAdminDeviceForm *
lk_admin_enrol_dialog_get_form (LkAdminEnrolDialog *self)
{
  g_return_val_if_fail (LK_IS_ADMIN_ENROL_DIALOG (self), NULL);
  return self->device_form;
}

const char *
lk_admin_enrol_dialog_get_shown_password (LkAdminEnrolDialog *self)
{
  g_return_val_if_fail (LK_IS_ADMIN_ENROL_DIALOG (self), NULL);

  if (!gtk_widget_get_visible (self->password_box))
    return NULL;
  return gtk_label_get_text (self->password_label);
}
