/* SPDX-License-Identifier: GPL-3.0-or-later
 * The admin window's actions and the backend calls behind them.
 *
 * Every call goes through the backend interface with the window's
 * cancellable, so it works the same on the embedded engine and on a remote
 * latchkeyd, and closing the window cancels it. A cancelled call is dropped
 * silently; a failed one shows the server's message as it came, in the
 * dialog that asked or in a toast; a successful one ends with a toast. */
#include "config.h"

#include <glib/gi18n.h>

#include "lk-admin-backend.h"
#include "lk-admin-device-dialog.h"
#include "lk-admin-device-row.h"
#include "lk-admin-enrol-dialog.h"
#include "lk-admin-licence-wizard.h"
#include "lk-admin-import-dialog.h"
#include "lk-admin-otp-dialog.h"
#include "lk-admin-preferences.h"
#include "lk-admin-provision-dialog.h"
#include "lk-admin-validate.h"
#include "lk-admin-window-private.h"
#include "lk-secure.h"

#define AUDIT_ROWS 50

static void
run (LkAdminWindow       *self,
     LkApiRequest        *request,
     GCancellable        *cancellable,
     GAsyncReadyCallback  callback,
     LkAdminCall         *call)
{
  lk_admin_backend_call (self->backend, request, cancellable ? cancellable : self->cancellable, callback, call);
}

static LkApiResponse *
finish (GAsyncResult  *result,
        LkAdminCall   *call,
        GError       **error)
{
  return lk_admin_backend_call_finish (call->self->backend, result, error);
}

static LkApiRequest *
request_for (LkApiOp     op,
             const char *login,
             const char *serial)
{
  LkApiRequest *request = lk_api_request_new (op);

  request->username = g_strdup (login);
  request->serial = g_strdup (serial);
  return request;
}

/* ---- the selected user --------------------------------------------------- */

static void
user_found (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(LkAdminCall) call = user_data;
  LkAdminWindow *self = call->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(LkApiResponse) response = finish (result, call, &error);
  g_autofree char *title = NULL;

  if (response == NULL)
    {
      lk_admin_window_show_error (self, _("Could not open the user"), error);
      return;
    }
  if (g_strcmp0 (self->selected_login, response->user->login) != 0)
    return;
  lk_admin_user_page_set_user (self->user_page, response->user);
  if (*response->user->first_name || *response->user->last_name)
    title = g_strstrip (g_strdup_printf ("%s %s", response->user->first_name, response->user->last_name));
  else
    title = g_strdup (response->user->login);
  adw_window_title_set_title (self->user_title, title);
  adw_window_title_set_subtitle (self->user_title, response->user->login);
  gtk_stack_set_visible_child_name (self->content_stack, "user");
  gtk_widget_set_visible (GTK_WIDGET (self->user_menu_button), TRUE);
}

static void
devices_found (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(LkAdminCall) call = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(LkApiResponse) response = finish (result, call, &error);

  if (response == NULL)
    {
      lk_admin_window_show_error (call->self, _("Could not list the devices"), error);
      return;
    }
  if (g_strcmp0 (call->self->selected_login, call->login) == 0)
    lk_admin_user_page_set_devices (call->self->user_page, response->devices);
}

static void
audit_found (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(LkAdminCall) call = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(LkApiResponse) response = finish (result, call, &error);

  if (response == NULL)
    {
      lk_admin_window_show_error (call->self, _("Could not read the audit trail"), error);
      return;
    }
  if (g_strcmp0 (call->self->selected_login, call->login) == 0)
    lk_admin_user_page_set_audit (call->self->user_page, response->audit);
}

void
lk_admin_window_reload_user (LkAdminWindow *self)
{
  LkApiRequest *request;

  if (self->backend == NULL || self->selected_login == NULL)
    return;
  /* A newer selection makes the older answers irrelevant. */
  g_cancellable_cancel (self->user_cancellable);
  g_clear_object (&self->user_cancellable);
  self->user_cancellable = g_cancellable_new ();

  run (self, request_for (LK_API_OP_FIND_USER, self->selected_login, NULL), self->user_cancellable,
       user_found, lk_admin_call_new (self, NULL, self->selected_login, NULL));
  run (self, request_for (LK_API_OP_FIND_DEVICES, self->selected_login, NULL), self->user_cancellable,
       devices_found, lk_admin_call_new (self, NULL, self->selected_login, NULL));
  request = request_for (LK_API_OP_GET_USER_AUDIT, self->selected_login, NULL);
  request->limit = AUDIT_ROWS;
  run (self, request, self->user_cancellable,
       audit_found, lk_admin_call_new (self, NULL, self->selected_login, NULL));
}

static const char *
current_login (LkAdminWindow *self)
{
  const LkUser *user = lk_admin_user_page_get_user (self->user_page);

  if (user == NULL || !g_str_equal (gtk_stack_get_visible_child_name (self->content_stack), "user"))
    return NULL;
  return user->login;
}

/* ---- requests from the forms ---------------------------------------------- */

static void
apply_device_spec (LkApiRequest            *request,
                   const LkAdminDeviceSpec *spec)
{
  request->device_type = spec->kind == LK_ADMIN_DEVICE_KEY_FOB ? LK_DEVICE_TYPE_HARDWARE : LK_DEVICE_TYPE_MOBILE;
  request->otp_type = spec->time_based ? LK_OTP_TYPE_TIME : LK_OTP_TYPE_EVENT;
  request->otp_length = (int) spec->digits;
  request->window_size = (int) spec->window;
  if (spec->time_based)
    request->time_drift = (int) spec->drift;
  request->otp_pin = g_strdup (spec->pin);
  request->psn = g_strdup (spec->serial);
  request->secret_key_hex = g_strdup (spec->key_hex);
  request->notification_method = (int) spec->notification;
  request->mobile_auth = spec->mobile_auth ? 1 : 0;
  request->mobile_usage = (int) spec->mobile_usage;
  request->soft_token_alias = g_strdup (spec->alias);
}

static gboolean
is_soft (const LkDevice *device)
{
  return device != NULL &&
         (device->device_type == LK_DEVICE_TYPE_MOBILE || device->device_type == LK_DEVICE_TYPE_DESKTOP);
}

/* ---- enrol ---------------------------------------------------------------- */

static void
enrolled (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(LkAdminCall) call = user_data;
  LkAdminEnrolDialog *dialog = LK_ADMIN_ENROL_DIALOG (call->dialog);
  g_autoptr(GError) error = NULL;
  g_autoptr(LkApiResponse) response = finish (result, call, &error);
  g_autofree char *text = NULL;

  if (lk_admin_is_cancelled (error))
    return;
  lk_admin_enrol_dialog_set_busy (dialog, FALSE);
  if (response == NULL)
    {
      lk_admin_enrol_dialog_show_error (dialog, error->message);
      return;
    }
  lk_admin_enrol_dialog_show_result (dialog, response->user->login, response->generated_password,
                                     is_soft (response->device) ? response->device->serial : NULL);
  text = g_strdup_printf (_("Enrolled “%s”"), response->user->login);
  lk_admin_window_toast (call->self, text);
  lk_admin_user_list_model_refresh (call->self->model);
  lk_admin_window_select_login (call->self, response->user->login);
}

static void
on_enrol_submit (LkAdminEnrolDialog *dialog,
                 LkAdminWindow      *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkAdminEnrolSpec) spec = lk_admin_enrol_dialog_dup_spec (dialog, &error);
  LkApiRequest *request;

  if (spec == NULL)
    {
      lk_admin_enrol_dialog_show_error (dialog, error->message);
      return;
    }
  request = request_for (LK_API_OP_ENROLL_USER, spec->login, NULL);
  request->first_name = g_strdup (spec->first_name);
  request->last_name = g_strdup (spec->last_name);
  request->email = g_strdup (spec->email);
  request->mobile_phone = g_strdup (spec->mobile_phone);
  request->password = g_strdup (spec->password);
  if (spec->device != NULL)
    {
      request->with_device = TRUE;
      apply_device_spec (request, spec->device);
    }
  lk_admin_enrol_dialog_set_busy (dialog, TRUE);
  lk_admin_enrol_dialog_show_error (dialog, NULL);
  run (self, request, NULL, enrolled, lk_admin_call_new (self, GTK_WIDGET (dialog), spec->login, NULL));
}

static void
on_enrol_provision (LkAdminEnrolDialog *dialog,
                    const char         *login,
                    const char         *serial,
                    LkAdminWindow      *self)
{
  lk_admin_window_open_provision (self, GTK_WINDOW (dialog), login, serial);
}

static void
enrol_user_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  LkAdminWindow *self = LK_ADMIN_WINDOW (widget);
  LkAdminEnrolDialog *dialog;

  if (self->backend == NULL)
    return;
  dialog = lk_admin_enrol_dialog_new (GTK_WINDOW (self));
  g_signal_connect_object (dialog, "submit", G_CALLBACK (on_enrol_submit), self, 0);
  g_signal_connect_object (dialog, "provision", G_CALLBACK (on_enrol_provision), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ---- provisioning --------------------------------------------------------- */

static void
provisioned (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(LkAdminCall) call = user_data;
  LkAdminProvisionDialog *dialog = LK_ADMIN_PROVISION_DIALOG (call->dialog);
  g_autoptr(GError) error = NULL;
  g_autoptr(LkApiResponse) response = finish (result, call, &error);

  if (lk_admin_is_cancelled (error))
    return;
  lk_admin_provision_dialog_set_busy (dialog, FALSE);
  if (response == NULL)
    {
      lk_admin_provision_dialog_show_error (dialog, error->message);
      return;
    }
  lk_admin_provision_dialog_set_bound (dialog, call->text);
  lk_admin_window_toast (call->self, _("Device provisioned"));
  if (g_strcmp0 (call->login, call->self->selected_login) == 0)
    lk_admin_window_reload_user (call->self);
}

static void
on_provision_bind (LkAdminProvisionDialog *dialog,
                   const char             *device_id,
                   LkAdminWindow          *self)
{
  LkAdminCall *call;
  LkApiRequest *request;
  const char *login = g_object_get_data (G_OBJECT (dialog), "lk-login");

  call = lk_admin_call_new (self, GTK_WIDGET (dialog), login, lk_admin_provision_dialog_get_serial (dialog));
  call->text = g_strdup (device_id);
  request = request_for (LK_API_OP_PROVISION_DEVICE, login, call->serial);
  request->physical_device_id = g_strdup (device_id);
  lk_admin_provision_dialog_set_busy (dialog, TRUE);
  run (self, request, NULL, provisioned, call);
}

static void
qrcode_fetched (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(LkAdminCall) call = user_data;
  LkAdminWindow *self = call->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(LkApiResponse) response = finish (result, call, &error);
  LkAdminProvisionDialog *dialog;
  GtkWindow *parent = call->dialog ? GTK_WINDOW (call->dialog) : GTK_WINDOW (self);

  if (response == NULL)
    {
      lk_admin_window_show_error (self, _("Could not show the QR code"), error);
      return;
    }
  if (call->dialog != NULL && !gtk_widget_get_visible (call->dialog))
    parent = GTK_WINDOW (self);
  dialog = lk_admin_provision_dialog_new (parent, call->login, call->serial, response->uri);
  g_object_set_data_full (G_OBJECT (dialog), "lk-login", g_strdup (call->login), g_free);
  g_signal_connect_object (dialog, "bind", G_CALLBACK (on_provision_bind), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

void
lk_admin_window_open_provision (LkAdminWindow *self,
                                GtkWindow     *parent,
                                const char    *login,
                                const char    *serial)
{
  run (self, request_for (LK_API_OP_GET_DEVICE_QRCODE, login, serial), NULL, qrcode_fetched,
       lk_admin_call_new (self, parent != GTK_WINDOW (self) ? GTK_WIDGET (parent) : NULL, login, serial));
}

static void
device_provision_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  LkAdminWindow *self = LK_ADMIN_WINDOW (widget);
  const char *login = current_login (self);

  if (login != NULL)
    lk_admin_window_open_provision (self, GTK_WINDOW (self), login, g_variant_get_string (parameter, NULL));
}

/* ---- add device ----------------------------------------------------------- */

static void
device_added (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(LkAdminCall) call = user_data;
  LkAdminDeviceDialog *dialog = LK_ADMIN_DEVICE_DIALOG (call->dialog);
  g_autoptr(GError) error = NULL;
  g_autoptr(LkApiResponse) response = finish (result, call, &error);
  g_autofree char *text = NULL;

  if (lk_admin_is_cancelled (error))
    return;
  lk_admin_device_dialog_set_busy (dialog, FALSE);
  if (response == NULL)
    {
      lk_admin_device_dialog_show_error (dialog, error->message);
      return;
    }
  text = g_strdup_printf (_("Added device %s"), response->device->serial);
  lk_admin_window_toast (call->self, text);
  gtk_window_close (GTK_WINDOW (dialog));
  if (g_strcmp0 (call->login, call->self->selected_login) == 0)
    lk_admin_window_reload_user (call->self);
  if (is_soft (response->device))
    lk_admin_window_open_provision (call->self, GTK_WINDOW (call->self), call->login, response->device->serial);
}

static void
on_licence_finished (LkAdminLicenceWizard *wizard,
                     const char           *serial,
                     int                   instance,
                     LkAdminWindow        *self)
{
  g_autofree char *text = g_strdup_printf (_("Instance %d of licence %s is active"), instance, serial);

  lk_admin_window_toast (self, text);
  lk_admin_window_reload_user (self);
}

static void
open_licence_wizard (LkAdminWindow *self,
                     const char    *login)
{
  LkAdminLicenceWizard *wizard = lk_admin_licence_wizard_new (GTK_WINDOW (self), self->backend,
                                                              self->cancellable, login);

  g_signal_connect_object (wizard, "finished", G_CALLBACK (on_licence_finished), self, 0);
  gtk_window_present (GTK_WINDOW (wizard));
}

static void
add_licence_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  LkAdminWindow *self = LK_ADMIN_WINDOW (widget);
  const char *login = current_login (self);

  if (login != NULL)
    open_licence_wizard (self, login);
}

static void
on_device_submit (LkAdminDeviceDialog *dialog,
                  LkAdminWindow       *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkAdminDeviceSpec) spec = lk_admin_device_form_dup_spec (lk_admin_device_dialog_get_form (dialog), &error);
  LkApiRequest *request;
  const char *login = lk_admin_device_dialog_get_login (dialog);

  if (spec == NULL)
    {
      lk_admin_device_dialog_show_error (dialog, error->message);
      return;
    }
  if (spec->kind == LK_ADMIN_DEVICE_LICENCE)
    {
      g_autofree char *for_login = g_strdup (login);

      gtk_window_close (GTK_WINDOW (dialog));
      open_licence_wizard (self, for_login);
      return;
    }
  request = request_for (LK_API_OP_ADD_DEVICE, login, NULL);
  apply_device_spec (request, spec);
  lk_admin_device_dialog_set_busy (dialog, TRUE);
  lk_admin_device_dialog_show_error (dialog, NULL);
  run (self, request, NULL, device_added, lk_admin_call_new (self, GTK_WIDGET (dialog), login, NULL));
}

static void
add_device_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  LkAdminWindow *self = LK_ADMIN_WINDOW (widget);
  const char *login = current_login (self);
  LkAdminDeviceDialog *dialog;

  if (login == NULL)
    return;
  dialog = lk_admin_device_dialog_new (GTK_WINDOW (self), login);
  g_signal_connect_object (dialog, "submit", G_CALLBACK (on_device_submit), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ---- activate and resync -------------------------------------------------- */

static void
otp_done (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(LkAdminCall) call = user_data;
  LkAdminOtpDialog *dialog = LK_ADMIN_OTP_DIALOG (call->dialog);
  g_autoptr(GError) error = NULL;
  g_autoptr(LkApiResponse) response = finish (result, call, &error);
  g_autofree char *text = NULL;

  if (lk_admin_is_cancelled (error))
    return;
  lk_admin_otp_dialog_set_busy (dialog, FALSE);
  if (response == NULL)
    {
      lk_admin_otp_dialog_show_error (dialog, error->message);
      return;
    }
  text = g_strdup_printf (lk_admin_otp_dialog_get_mode (dialog) == LK_ADMIN_OTP_ACTIVATE
                            ? _("Device %s is active") : _("Device %s is in step again"),
                          call->serial);
  lk_admin_window_toast (call->self, text);
  gtk_window_close (GTK_WINDOW (dialog));
  if (g_strcmp0 (call->login, call->self->selected_login) == 0)
    lk_admin_window_reload_user (call->self);
}

static void
on_otp_submit (LkAdminOtpDialog *dialog,
               const char       *otp1,
               const char       *otp2,
               LkAdminWindow    *self)
{
  const char *login = g_object_get_data (G_OBJECT (dialog), "lk-login");
  LkApiRequest *request;

  request = request_for (lk_admin_otp_dialog_get_mode (dialog) == LK_ADMIN_OTP_ACTIVATE
                           ? LK_API_OP_ACTIVATE_DEVICE : LK_API_OP_SYNC_DEVICE,
                         login, lk_admin_otp_dialog_get_serial (dialog));
  request->otp1 = g_strdup (otp1);
  request->otp2 = g_strdup (otp2);
  lk_admin_otp_dialog_set_busy (dialog, TRUE);
  lk_admin_otp_dialog_show_error (dialog, NULL);
  run (self, request, NULL, otp_done,
       lk_admin_call_new (self, GTK_WIDGET (dialog), login, lk_admin_otp_dialog_get_serial (dialog)));
}

static void
open_otp_dialog (LkAdminWindow  *self,
                 LkAdminOtpMode  mode,
                 const char     *serial)
{
  const char *login = current_login (self);
  const LkDevice *device = lk_admin_user_page_find_device (self->user_page, serial);
  LkAdminOtpDialog *dialog;

  if (login == NULL || device == NULL)
    return;
  dialog = lk_admin_otp_dialog_new (GTK_WINDOW (self), mode, serial, device->digits);
  g_object_set_data_full (G_OBJECT (dialog), "lk-login", g_strdup (login), g_free);
  g_signal_connect_object (dialog, "submit", G_CALLBACK (on_otp_submit), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
device_activate_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  open_otp_dialog (LK_ADMIN_WINDOW (widget), LK_ADMIN_OTP_ACTIVATE, g_variant_get_string (parameter, NULL));
}

static void
device_resync_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  open_otp_dialog (LK_ADMIN_WINDOW (widget), LK_ADMIN_OTP_RESYNC, g_variant_get_string (parameter, NULL));
}

/* ---- simple device and user operations ------------------------------------ */

static void
simple_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(LkAdminCall) call = user_data;
  LkAdminWindow *self = call->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(LkApiResponse) response = finish (result, call, &error);

  if (lk_admin_is_cancelled (error))
    return;
  if (response == NULL)
    {
      lk_admin_window_show_error (self, _("The server refused"), error);
      /* Put switches back the way the server has them. */
      lk_admin_window_reload_user (self);
      return;
    }
  lk_admin_window_toast (self, call->text);
  if (call->flag)  /* the list shows this user's state or existence */
    lk_admin_user_list_model_refresh (self->model);
  if (g_strcmp0 (call->login, self->selected_login) == 0)
    lk_admin_window_reload_user (self);
}

static void
run_simple (LkAdminWindow *self,
            LkApiOp        op,
            const char    *login,
            const char    *serial,
            const char    *done_text,
            gboolean       refresh_list)
{
  LkAdminCall *call = lk_admin_call_new (self, NULL, login, serial);

  call->text = g_strdup (done_text);
  call->flag = refresh_list;
  run (self, request_for (op, login, serial), NULL, simple_done, call);
}

static void
device_toggle_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  LkAdminWindow *self = LK_ADMIN_WINDOW (widget);
  const char *serial = g_variant_get_string (parameter, NULL);
  const LkDevice *device = lk_admin_user_page_find_device (self->user_page, serial);
  g_autofree char *text = NULL;
  gboolean enable;

  if (device == NULL)
    return;
  enable = device->state == LK_DEVICE_STATE_DISABLED;
  text = g_strdup_printf (enable ? _("Enabled device %s") : _("Disabled device %s"), serial);
  run_simple (self, enable ? LK_API_OP_ENABLE_DEVICE : LK_API_OP_DISABLE_DEVICE,
              current_login (self), serial, text, FALSE);
}

static void
device_unlock_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  LkAdminWindow *self = LK_ADMIN_WINDOW (widget);
  const char *serial = g_variant_get_string (parameter, NULL);
  g_autofree char *text = g_strdup_printf (_("Unlocked device %s"), serial);

  run_simple (self, LK_API_OP_UNLOCK_DEVICE, current_login (self), serial, text, FALSE);
}

static void
on_delete_device_response (AdwMessageDialog *dialog,
                           const char       *response,
                           LkAdminWindow    *self)
{
  const char *serial = g_object_get_data (G_OBJECT (dialog), "lk-serial");
  g_autofree char *text = NULL;

  if (!g_str_equal (response, "delete"))
    return;
  text = g_strdup_printf (_("Deleted device %s"), serial);
  run_simple (self, LK_API_OP_DELETE_DEVICE, current_login (self), serial, text, FALSE);
}

static void
device_delete_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  LkAdminWindow *self = LK_ADMIN_WINDOW (widget);
  const char *serial = g_variant_get_string (parameter, NULL);
  AdwMessageDialog *dialog;

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), _("Delete Device?"), NULL));
  adw_message_dialog_format_body (dialog, _("Device %s and its secret are deleted for good. The user can no longer sign in with it."), serial);
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "delete", _("_Delete"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "delete", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "lk-serial", g_strdup (serial), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_delete_device_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
toggle_user_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  LkAdminWindow *self = LK_ADMIN_WINDOW (widget);
  const LkUser *user = lk_admin_user_page_get_user (self->user_page);
  g_autofree char *text = NULL;

  if (current_login (self) == NULL)
    return;
  text = g_strdup_printf (user->enabled ? _("Disabled “%s”") : _("Enabled “%s”"), user->login);
  run_simple (self, user->enabled ? LK_API_OP_DISABLE_USER : LK_API_OP_ENABLE_USER,
              user->login, NULL, text, TRUE);
}

static void
user_saved (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(LkAdminCall) call = user_data;
  LkAdminWindow *self = call->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(LkApiResponse) response = finish (result, call, &error);

  if (lk_admin_is_cancelled (error))
    return;
  if (response == NULL)
    {
      lk_admin_user_page_show_details_error (self->user_page, error->message);
      return;
    }
  lk_admin_window_toast (self, _("Details saved"));
  lk_admin_user_list_model_refresh (self->model);
  if (g_strcmp0 (call->login, self->selected_login) == 0)
    lk_admin_window_reload_user (self);
}

static void
save_user_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  LkAdminWindow *self = LK_ADMIN_WINDOW (widget);
  const char *login = current_login (self);
  g_autofree char *message = NULL;
  LkUserUpdate update;
  LkApiRequest *request;

  if (login == NULL || !lk_admin_user_page_is_dirty (self->user_page))
    return;
  if (!lk_admin_user_page_get_update (self->user_page, &update, &message))
    {
      lk_admin_user_page_show_details_error (self->user_page, message);
      return;
    }
  request = request_for (LK_API_OP_UPDATE_USER, login, NULL);
  request->first_name = g_strdup (update.first_name);
  request->last_name = g_strdup (update.last_name);
  request->email = g_strdup (update.email);
  request->mobile_phone = g_strdup (update.mobile_phone);
  run (self, request, NULL, user_saved, lk_admin_call_new (self, NULL, login, NULL));
}

static void
user_deleted (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(LkAdminCall) call = user_data;
  LkAdminWindow *self = call->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(LkApiResponse) response = finish (result, call, &error);
  g_autofree char *text = NULL;

  if (lk_admin_is_cancelled (error))
    return;
  if (response == NULL)
    {
      lk_admin_window_show_error (self, _("Could not delete the user"), error);
      return;
    }
  text = g_strdup_printf (_("Deleted “%s”"), call->login);
  lk_admin_window_toast (self, text);
  if (g_strcmp0 (call->login, self->selected_login) == 0)
    {
      g_clear_pointer (&self->selected_login, g_free);
      gtk_stack_set_visible_child_name (self->content_stack, "none");
      gtk_widget_set_visible (GTK_WIDGET (self->user_menu_button), FALSE);
      adw_window_title_set_title (self->user_title, "");
      adw_window_title_set_subtitle (self->user_title, "");
      adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
    }
  lk_admin_user_list_model_refresh (self->model);
}

static void
on_delete_user_response (AdwMessageDialog *dialog,
                         const char       *response,
                         LkAdminWindow    *self)
{
  const char *login = g_object_get_data (G_OBJECT (dialog), "lk-login");

  if (!g_str_equal (response, "delete"))
    return;
  run (self, request_for (LK_API_OP_DELETE_USER, login, NULL), NULL, user_deleted,
       lk_admin_call_new (self, NULL, login, NULL));
}

static void
delete_user_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  LkAdminWindow *self = LK_ADMIN_WINDOW (widget);
  const char *login = current_login (self);
  AdwMessageDialog *dialog;

  if (login == NULL)
    return;
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), _("Delete User?"), NULL));
  adw_message_dialog_format_body (dialog, _("“%s” and all of their devices are deleted for good."), login);
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "delete", _("_Delete"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "delete", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "lk-login", g_strdup (login), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_delete_user_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ---- passcodes ------------------------------------------------------------ */

static void
passcode_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(LkAdminCall) call = user_data;
  LkAdminWindow *self = call->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(LkApiResponse) response = finish (result, call, &error);
  g_autofree char *text = NULL;

  if (lk_admin_is_cancelled (error))
    return;
  if (g_strcmp0 (call->login, self->selected_login) != 0)
    return;
  if (response == NULL)
    {
      /* The server's words, as they came: the helpdesk reads them out. */
      lk_admin_user_page_show_passcode_result (self->user_page, FALSE, error->message);
      lk_admin_window_reload_user (self);
      return;
    }
  if (call->flag && response->serial != NULL)
    text = g_strdup_printf (_("Passcode accepted (device %s)"), response->serial);
  else if (call->flag)
    text = g_strdup (_("Passcode accepted"));
  else
    text = g_strdup_printf (_("Passcode sent by %s"), call->text);
  lk_admin_user_page_show_passcode_result (self->user_page, TRUE, text);
  lk_admin_window_toast (self, text);
  if (call->flag)
    lk_admin_user_page_clear_test_otp (self->user_page);
  lk_admin_window_reload_user (self);
}

static void
test_passcode_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  LkAdminWindow *self = LK_ADMIN_WINDOW (widget);
  const char *login = current_login (self);
  const char *otp;
  LkAdminCall *call;
  LkApiRequest *request;

  if (login == NULL)
    return;
  otp = lk_admin_user_page_get_test_otp (self->user_page);
  if (otp == NULL || *otp == '\0')
    {
      lk_admin_user_page_show_passcode_result (self->user_page, FALSE, _("Type the passcode the user reads out, then press Check"));
      return;
    }
  call = lk_admin_call_new (self, NULL, login, NULL);
  call->flag = TRUE;
  request = request_for (LK_API_OP_VALIDATE_OTP, login, NULL);
  /* A PIN may come first, so only the digits-only rule applies here. */
  request->otp = g_strdup (otp);
  run (self, request, NULL, passcode_done, call);
}

static void
send_passcode_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  LkAdminWindow *self = LK_ADMIN_WINDOW (widget);
  const char *login = current_login (self);
  LkApiRequest *request;
  LkDeliveryMethod method;
  LkAdminCall *call;

  if (login == NULL)
    return;
  method = lk_admin_user_page_get_delivery (self->user_page);
  call = lk_admin_call_new (self, NULL, login, NULL);
  call->text = g_strdup (method == LK_DELIVERY_EMAIL ? _("email") : method == LK_DELIVERY_VOICE ? _("voice call") : _("SMS"));
  request = request_for (LK_API_OP_SEND_OTP, login, NULL);
  request->delivery_method = method;
  run (self, request, NULL, passcode_done, call);
}

/* ---- navigation ----------------------------------------------------------- */

static void
search_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  LkAdminWindow *self = LK_ADMIN_WINDOW (widget);

  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

static void
refresh_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  LkAdminWindow *self = LK_ADMIN_WINDOW (widget);

  if (self->model != NULL)
    lk_admin_user_list_model_refresh (self->model);
  lk_admin_window_reload_user (self);
}

static void
back_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  adw_leaflet_navigate (LK_ADMIN_WINDOW (widget)->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

static void
connect_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  lk_admin_window_open_connection (LK_ADMIN_WINDOW (widget));
}

static void
preferences_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  LkAdminWindow *self = LK_ADMIN_WINDOW (widget);

  gtk_window_present (GTK_WINDOW (lk_admin_preferences_new (GTK_WINDOW (self), self->backend)));
}

/* The list shows what an import added once the dialog is done. */
static void
on_import_finished (LkAdminImportDialog *dialog,
                    LkAdminWindow       *self)
{
  const LkBulkReport *report = lk_admin_import_dialog_get_report (dialog);

  if (report != NULL && !report->dry_run && report->counts[LK_BULK_ADDED] > 0)
    gtk_widget_activate_action (GTK_WIDGET (self), "admin.refresh", NULL);
}

static void
import_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  LkAdminWindow *self = LK_ADMIN_WINDOW (widget);
  LkAdminImportDialog *dialog;

  if (self->backend == NULL)
    return;
  dialog = lk_admin_import_dialog_new (GTK_WINDOW (self), self->backend);
  g_signal_connect_object (dialog, "finished", G_CALLBACK (on_import_finished), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

void
lk_admin_window_class_init_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "admin.enrol-user", NULL, enrol_user_action);
  gtk_widget_class_install_action (widget_class, "admin.search", NULL, search_action);
  gtk_widget_class_install_action (widget_class, "admin.refresh", NULL, refresh_action);
  gtk_widget_class_install_action (widget_class, "admin.back", NULL, back_action);
  gtk_widget_class_install_action (widget_class, "admin.connect", NULL, connect_action);
  gtk_widget_class_install_action (widget_class, "admin.preferences", NULL, preferences_action);
  gtk_widget_class_install_action (widget_class, "admin.import", NULL, import_action);
  gtk_widget_class_install_action (widget_class, "admin.save-user", NULL, save_user_action);
  gtk_widget_class_install_action (widget_class, "admin.toggle-user", NULL, toggle_user_action);
  gtk_widget_class_install_action (widget_class, "admin.delete-user", NULL, delete_user_action);
  gtk_widget_class_install_action (widget_class, "admin.add-device", NULL, add_device_action);
  gtk_widget_class_install_action (widget_class, "admin.add-licence", NULL, add_licence_action);
  gtk_widget_class_install_action (widget_class, "admin.send-passcode", NULL, send_passcode_action);
  gtk_widget_class_install_action (widget_class, "admin.test-passcode", NULL, test_passcode_action);
  gtk_widget_class_install_action (widget_class, "device.provision", "s", device_provision_action);
  gtk_widget_class_install_action (widget_class, "device.activate", "s", device_activate_action);
  gtk_widget_class_install_action (widget_class, "device.resync", "s", device_resync_action);
  gtk_widget_class_install_action (widget_class, "device.unlock", "s", device_unlock_action);
  gtk_widget_class_install_action (widget_class, "device.toggle", "s", device_toggle_action);
  gtk_widget_class_install_action (widget_class, "device.delete", "s", device_delete_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK, "admin.enrol-user", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "admin.search", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F5, 0, "admin.refresh", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_i, GDK_CONTROL_MASK, "admin.import", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_comma, GDK_CONTROL_MASK, "admin.preferences", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_comma, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "admin.connect", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "admin.save-user", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, GDK_CONTROL_MASK, "admin.delete-user", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_d, GDK_CONTROL_MASK, "admin.add-device", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_l, GDK_CONTROL_MASK, "admin.add-licence", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "admin.send-passcode", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_t, GDK_CONTROL_MASK, "admin.test-passcode", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_question, GDK_CONTROL_MASK, "win.show-help-overlay", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, GDK_CONTROL_MASK, "window.close", NULL);
}
