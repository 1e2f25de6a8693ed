/* SPDX-License-Identifier: GPL-3.0-or-later
 * The multi-device activation wizard: licence, AM1, device code, AM2, test signature.
 *
 * The flow of docs/activation.md, one step per page: create the licence for
 * the user, show Activation Message 1 as a QR code, take the device code the
 * token computed from it (checked locally first: its check characters catch
 * a typo before the server counts a wrong attempt), show Activation Message 2,
 * and verify the token's first passcode, which makes the instance active. */
#include "config.h"

#include <glib/gi18n.h>

#include "lk-activation.h"
#include "lk-admin-backend.h"
#include "lk-admin-init.h"
#include "lk-admin-licence-wizard.h"
#include "lk-admin-validate.h"
#include "lk-api-activation.h"
#include "lk-secure.h"

struct _LkAdminLicenceWizard
{
  AdwWindow       parent_instance;

  AdwWindowTitle *window_title;
  GtkButton      *cancel_button;
  GtkButton      *next_button;
  GtkSpinner     *spinner;
  GtkStack       *stack;
  AdwEntryRow    *serial_row;
  GtkSpinButton  *max_spin;
  AdwComboRow    *otp_type_row;
  LkAdminQrView  *am1_view;
  GtkLabel       *am1_label;
  AdwEntryRow    *device_code_row;
  LkAdminQrView  *am2_view;
  AdwEntryRow    *test_otp_row;
  AdwStatusPage  *done_page;
  GtkLabel       *error_label;

  LkBackend      *backend;
  GCancellable   *cancellable;
  char           *login;
  char           *serial;
  int             instance;
  guint           digits;
  gboolean        busy;
};

G_DEFINE_FINAL_TYPE (LkAdminLicenceWizard, lk_admin_licence_wizard, ADW_TYPE_WINDOW)

enum {
  SIGNAL_FINISHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
show_error (LkAdminLicenceWizard *self,
            const char           *message)
{
  gtk_label_set_text (self->error_label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

static void
set_busy (LkAdminLicenceWizard *self,
          gboolean              busy)
{
  /* Drop the focus first: a focused entry made insensitive never gets its
   * focus-out (GTK 4.8 warns), and the keyboard would be stuck in it. */
  if (busy)
    gtk_window_set_focus (GTK_WINDOW (self), NULL);
  self->busy = busy;
  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->next_button), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->stack), !busy);
}

static void
go_to (LkAdminLicenceWizard *self,
       const char           *step)
{
  gtk_stack_set_visible_child_name (self->stack, step);
  if (g_str_equal (step, "licence"))
    gtk_button_set_label (self->next_button, _("_Create Licence"));
  else if (g_str_equal (step, "am1"))
    gtk_button_set_label (self->next_button, _("_Add Device"));
  else if (g_str_equal (step, "am2"))
    gtk_button_set_label (self->next_button, _("_Verify"));
  else
    {
      gtk_button_set_label (self->next_button, _("_Done"));
      gtk_widget_set_visible (GTK_WIDGET (self->cancel_button), FALSE);
    }
}

static LkApiRequest *
activation_request (LkAdminLicenceWizard *self,
                    LkApiOp               op)
{
  LkApiRequest *request = lk_api_request_new (op);

  request->activation = lk_api_activation_request_new ();
  request->activation->serial = g_strdup (self->serial);
  return request;
}

/* Returns the response, or NULL after showing the failure (nothing for a
 * cancellation). Always ends the busy state. */
static LkApiResponse *
finish (LkAdminLicenceWizard *self,
        GAsyncResult         *result)
{
  g_autoptr(GError) error = NULL;
  LkApiResponse *response = lk_admin_backend_call_finish (self->backend, result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return NULL;
  set_busy (self, FALSE);
  if (response == NULL)
    show_error (self, error->message);
  else if (response->activation == NULL)
    {
      show_error (self, _("The server’s answer carried no activation data"));
      g_clear_pointer (&response, lk_api_response_free);
    }
  return response;
}

/* ---- step 3: test signature ---------------------------------------------- */

static void
verified (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(LkAdminLicenceWizard) self = user_data;
  g_autoptr(LkApiResponse) response = finish (self, result);
  g_autofree char *text = NULL;

  if (response == NULL)
    return;
  text = g_strdup_printf (_("Instance %d of licence %s is active on the new device."), self->instance, self->serial);
  adw_status_page_set_description (self->done_page, text);
  /* Neither message is needed any more; do not leave them on screen. */
  lk_admin_qr_view_set_text (self->am1_view, NULL, NULL);
  lk_admin_qr_view_set_text (self->am2_view, NULL, NULL);
  gtk_label_set_text (self->am1_label, "");
  go_to (self, "done");
  g_signal_emit (self, signals[SIGNAL_FINISHED], 0, self->serial, self->instance);
}

static void
verify (LkAdminLicenceWizard *self)
{
  const char *otp = gtk_editable_get_text (GTK_EDITABLE (self->test_otp_row));
  g_autofree char *message = lk_admin_check_otp (otp, self->digits);
  LkApiRequest *request;

  if (message != NULL)
    {
      show_error (self, message);
      return;
    }
  request = activation_request (self, LK_API_OP_VERIFY_TEST_SIGNATURE);
  request->activation->instance = self->instance;
  request->activation->otp = g_strdup (otp);
  set_busy (self, TRUE);
  show_error (self, NULL);
  lk_admin_backend_call (self->backend, request, self->cancellable, verified, g_object_ref (self));
}

/* ---- step 2: device code → AM2 ------------------------------------------- */

static void
instance_added (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(LkAdminLicenceWizard) self = user_data;
  g_autoptr(LkApiResponse) response = finish (self, result);
  g_autoptr(GError) error = NULL;

  if (response == NULL)
    return;
  if (response->activation->am2 == NULL || response->activation->instance == NULL)
    {
      show_error (self, _("The server’s answer carried no Activation Message 2"));
      return;
    }
  self->instance = (int) response->activation->instance->number;
  if (!lk_admin_qr_view_set_text (self->am2_view, response->activation->am2, &error))
    {
      show_error (self, error->message);
      return;
    }
  /* AM1 has done its job: hide it so it cannot be scanned twice. */
  lk_admin_qr_view_set_text (self->am1_view, NULL, NULL);
  go_to (self, "am2");
  gtk_widget_grab_focus (GTK_WIDGET (self->test_otp_row));
}

static void
add_device (LkAdminLicenceWizard *self)
{
  const char *typed = gtk_editable_get_text (GTK_EDITABLE (self->device_code_row));
  g_autoptr(GError) error = NULL;
  LkDeviceCode code;
  char text[LK_DEVICE_CODE_TEXT_SIZE];
  LkApiRequest *request;

  /* The check characters need no key: a typo never reaches the server,
   * where it would count as a wrong attempt. */
  if (!lk_device_code_parse (typed, &code, &error))
    {
      show_error (self, error->message);
      return;
    }
  lk_device_code_format (&code, text);
  request = activation_request (self, LK_API_OP_ADD_DEVICE_INSTANCE);
  request->activation->device_code = g_strdup (text);
  set_busy (self, TRUE);
  show_error (self, NULL);
  lk_admin_backend_call (self->backend, request, self->cancellable, instance_added, g_object_ref (self));
}

/* ---- step 1: licence → AM1 ----------------------------------------------- */

static void
activation_started (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(LkAdminLicenceWizard) self = user_data;
  g_autoptr(LkApiResponse) response = finish (self, result);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) expires = NULL;
  g_autofree char *until = NULL;
  g_autofree char *subtitle = NULL;

  if (response == NULL)
    return;
  if (response->activation->am1 == NULL ||
      !lk_admin_qr_view_set_text (self->am1_view, response->activation->am1, &error))
    {
      show_error (self, error ? error->message : _("The server’s answer carried no Activation Message 1"));
      return;
    }
  gtk_label_set_text (self->am1_label, response->activation->am1);
  expires = g_date_time_new_from_unix_local (response->activation->expires_at);
  until = expires ? g_date_time_format (expires, "%H:%M") : g_strdup ("?");
  subtitle = g_strdup_printf (_("%s · Activation valid until %s"), self->serial, until);
  adw_window_title_set_subtitle (self->window_title, subtitle);
  go_to (self, "am1");
  gtk_widget_grab_focus (GTK_WIDGET (self->device_code_row));
}

static void
licence_created (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(LkAdminLicenceWizard) self = user_data;
  g_autoptr(LkApiResponse) response = finish (self, result);

  if (response == NULL)
    return;
  if (response->activation->licence != NULL)
    self->digits = response->activation->licence->digits;
  set_busy (self, TRUE);
  lk_admin_backend_call (self->backend, activation_request (self, LK_API_OP_START_ACTIVATION),
                         self->cancellable, activation_started, g_object_ref (self));
}

static void
create_licence (LkAdminLicenceWizard *self)
{
  const char *typed = gtk_editable_get_text (GTK_EDITABLE (self->serial_row));
  g_autofree char *message = lk_admin_check_serial (typed);
  LkApiRequest *request;

  if (message == NULL && strlen (typed) > LK_ACTIVATION_MAX_SERIAL)
    message = g_strdup_printf (_("A licence serial has at most %d characters"), LK_ACTIVATION_MAX_SERIAL);
  if (message != NULL)
    {
      show_error (self, message);
      return;
    }
  g_free (self->serial);
  if (*typed != '\0')
    self->serial = g_strdup (typed);
  else
    {
      /* Unambiguous characters, as printed on a licence slip. */
      static const char alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
      GString *serial = g_string_new ("LIC-");

      for (int i = 0; i < 8; i++)
        g_string_append_c (serial, alphabet[g_random_int_range (0, sizeof alphabet - 1)]);
      self->serial = g_string_free (serial, FALSE);
    }
  request = activation_request (self, LK_API_OP_CREATE_LICENCE);
  request->activation->username = g_strdup (self->login);
  request->activation->max_instances = gtk_spin_button_get_value_as_int (self->max_spin);
  request->activation->otp_type = adw_combo_row_get_selected (self->otp_type_row) == 1 ? LK_OTP_TYPE_EVENT
                                                                                       : LK_OTP_TYPE_TIME;
  set_busy (self, TRUE);
  show_error (self, NULL);
  lk_admin_backend_call (self->backend, request, self->cancellable, licence_created, g_object_ref (self));
}

/* ---- plumbing ------------------------------------------------------------ */

static void
next (LkAdminLicenceWizard *self)
{
  const char *step = gtk_stack_get_visible_child_name (self->stack);

  if (self->busy)
    return;
  if (g_str_equal (step, "licence"))
    create_licence (self);
  else if (g_str_equal (step, "am1"))
    add_device (self);
  else if (g_str_equal (step, "am2"))
    verify (self);
  else
    gtk_window_close (GTK_WINDOW (self));
}

static void
next_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  next (LK_ADMIN_LICENCE_WIZARD (widget));
}

static void
on_entry_activated (LkAdminLicenceWizard *self)
{
  next (self);
}

static void
lk_admin_licence_wizard_dispose (GObject *object)
{
  LkAdminLicenceWizard *self = LK_ADMIN_LICENCE_WIZARD (object);

  /* AM1 holds the activation key: wipe every copy the wizard has. */
  if (self->am1_view != NULL)
    {
      lk_admin_qr_view_set_text (self->am1_view, NULL, NULL);
      lk_admin_qr_view_set_text (self->am2_view, NULL, NULL);
      gtk_label_set_text (self->am1_label, "");
    }
  gtk_widget_dispose_template (GTK_WIDGET (object), LK_TYPE_ADMIN_LICENCE_WIZARD);
  self->am1_view = NULL;
  G_OBJECT_CLASS (lk_admin_licence_wizard_parent_class)->dispose (object);
}

static void
lk_admin_licence_wizard_finalize (GObject *object)
{
  LkAdminLicenceWizard *self = LK_ADMIN_LICENCE_WIZARD (object);

  g_clear_object (&self->backend);
  g_clear_object (&self->cancellable);
  g_free (self->login);
  g_free (self->serial);
  G_OBJECT_CLASS (lk_admin_licence_wizard_parent_class)->finalize (object);
}

static void
lk_admin_licence_wizard_class_init (LkAdminLicenceWizardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lk_admin_licence_wizard_dispose;
  object_class->finalize = lk_admin_licence_wizard_finalize;

  signals[SIGNAL_FINISHED] =
    g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_INT);

  g_type_ensure (LK_TYPE_ADMIN_QR_VIEW);
  lk_admin_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class, "/org/latchkey/Latchkey/admin/lk-admin-licence-wizard.ui");
  gtk_widget_class_bind_template_child (widget_class, LkAdminLicenceWizard, window_title);
  gtk_widget_class_bind_template_child (widget_class, LkAdminLicenceWizard, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, LkAdminLicenceWizard, next_button);
  gtk_widget_class_bind_template_child (widget_class, LkAdminLicenceWizard, spinner);
  gtk_widget_class_bind_template_child (widget_class, LkAdminLicenceWizard, stack);
  gtk_widget_class_bind_template_child (widget_class, LkAdminLicenceWizard, serial_row);
  gtk_widget_class_bind_template_child (widget_class, LkAdminLicenceWizard, max_spin);
  gtk_widget_class_bind_template_child (widget_class, LkAdminLicenceWizard, otp_type_row);
  gtk_widget_class_bind_template_child (widget_class, LkAdminLicenceWizard, am1_view);
  gtk_widget_class_bind_template_child (widget_class, LkAdminLicenceWizard, am1_label);
  gtk_widget_class_bind_template_child (widget_class, LkAdminLicenceWizard, device_code_row);
  gtk_widget_class_bind_template_child (widget_class, LkAdminLicenceWizard, am2_view);
  gtk_widget_class_bind_template_child (widget_class, LkAdminLicenceWizard, test_otp_row);
  gtk_widget_class_bind_template_child (widget_class, LkAdminLicenceWizard, done_page);
  gtk_widget_class_bind_template_child (widget_class, LkAdminLicenceWizard, error_label);
  gtk_widget_class_bind_template_callback (widget_class, on_entry_activated);

  gtk_widget_class_install_action (widget_class, "wizard.next", NULL, next_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
lk_admin_licence_wizard_init (LkAdminLicenceWizard *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->digits = 6;
  go_to (self, "licence");
}

LkAdminLicenceWizard *
lk_admin_licence_wizard_new (GtkWindow    *parent,
                             LkBackend    *backend,
                             GCancellable *cancellable,
                             const char   *login)
{
  LkAdminLicenceWizard *self = g_object_new (LK_TYPE_ADMIN_LICENCE_WIZARD, "transient-for", parent, NULL);

  self->backend = g_object_ref (backend);
  self->cancellable = cancellable ? g_object_ref (cancellable) : NULL;
  self->login = g_strdup (login);
  adw_window_title_set_subtitle (self->window_title, login);
  return self;
}

const char *
lk_admin_licence_wizard_get_step (LkAdminLicenceWizard *self)
{
  g_return_val_if_fail (LK_IS_ADMIN_LICENCE_WIZARD (self), NULL);
  return gtk_stack_get_visible_child_name (self->stack);
}

gboolean
lk_admin_licence_wizard_get_busy (LkAdminLicenceWizard *self)
{
  g_return_val_if_fail (LK_IS_ADMIN_LICENCE_WIZARD (self), FALSE);
  return self->busy;
}

const char *
lk_admin_licence_wizard_get_error (LkAdminLicenceWizard *self)
{
  g_return_val_if_fail (LK_IS_ADMIN_LICENCE_WIZARD (self), NULL);
  return gtk_widget_get_visible (GTK_WIDGET (self->error_label)) ? gtk_label_get_text (self->error_label) : NULL;
}

LkAdminQrView *
lk_admin_licence_wizard_get_am1_view (LkAdminLicenceWizard *self)
{
  g_return_val_if_fail (LK_IS_ADMIN_LICENCE_WIZARD (self), NULL);
  return self->am1_view;
}

LkAdminQrView *
lk_admin_licence_wizard_get_am2_view (LkAdminLicenceWizard *self)
{
  g_return_val_if_fail (LK_IS_ADMIN_LICENCE_WIZARD (self), NULL);
  return self->am2_view;
}

void
lk_admin_licence_wizard_set_serial (LkAdminLicenceWizard *self,
                                    const char           *serial)
{
  g_return_if_fail (LK_IS_ADMIN_LICENCE_WIZARD (self));
  gtk_editable_set_text (GTK_EDITABLE (self->serial_row), serial);
}

void
lk_admin_licence_wizard_set_device_code (LkAdminLicenceWizard *self,
                                         const char           *code)
{
  g_return_if_fail (LK_IS_ADMIN_LICENCE_WIZARD (self));
  gtk_editable_set_text (GTK_EDITABLE (self->device_code_row), code);
}

void
lk_admin_licence_wizard_set_test_otp (LkAdminLicenceWizard *self,
                                      const char           *otp)
{
  g_return_if_fail (LK_IS_ADMIN_LICENCE_WIZARD (self));
  gtk_editable_set_text (GTK_EDITABLE (self->test_otp_row), otp);
}
