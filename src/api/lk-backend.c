/* SPDX-License-Identifier: GPL-3.0-or-later
 * The backend interface and its typed wrappers, which build requests and
 * turn responses into engine records or LK_API_ERRORs. */
#include "config.h"

#include "lk-backend.h"

G_DEFINE_INTERFACE (LkBackend, lk_backend, G_TYPE_OBJECT)

static void
lk_backend_default_init (LkBackendInterface *iface)
{
}

void
lk_backend_call_async (LkBackend           *self,
                       LkApiRequest        *request,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_return_if_fail (LK_IS_BACKEND (self));
  g_return_if_fail (request != NULL);

  LK_BACKEND_GET_IFACE (self)->call_async (self, request, cancellable, callback, user_data);
}

LkApiResponse *
lk_backend_call_finish (LkBackend     *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (LK_IS_BACKEND (self), NULL);

  return LK_BACKEND_GET_IFACE (self)->call_finish (self, result, error);
}

char *
lk_backend_describe (LkBackend *self)
{
  g_return_val_if_fail (LK_IS_BACKEND (self), NULL);

  return LK_BACKEND_GET_IFACE (self)->describe (self);
}

static void
sync_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  *slot = g_object_ref (result);
  g_main_context_wakeup (NULL);
}

LkApiResponse *
lk_backend_call_sync (LkBackend     *self,
                      LkApiRequest  *request,
                      GCancellable  *cancellable,
                      GError       **error)
{
  g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();
  g_autoptr(GAsyncResult) result = NULL;

  /* The remote backend's session belongs to this context, so the call
   * completes here rather than in a private one. */
  lk_backend_call_async (self, request, cancellable, sync_done, &result);
  while (result == NULL)
    g_main_context_iteration (context, TRUE);
  return lk_backend_call_finish (self, result, error);
}

/* ---- wrappers ------------------------------------------------------------------ */

static void
call (LkBackend           *self,
      LkApiRequest        *request,
      GCancellable        *cancellable,
      GAsyncReadyCallback  callback,
      gpointer             user_data)
{
  lk_backend_call_async (self, request, cancellable, callback, user_data);
}

void
lk_backend_enroll_user_async (LkBackend           *self,
                              const LkUserSpec    *spec,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  LkApiRequest *request = lk_api_request_new (LK_API_OP_ENROLL_USER);
  const LkDeviceSpec *device = &spec->device;

  request->username = g_strdup (spec->login);
  request->first_name = g_strdup (spec->first_name);
  request->last_name = g_strdup (spec->last_name);
  request->email = g_strdup (spec->email);
  request->mobile_phone = g_strdup (spec->mobile_phone);
  request->password = g_strdup (spec->password);
  request->with_device = spec->with_device;
  if (spec->with_device)
    {
      request->device_type = device->device_type;
      request->otp_type = device->otp_type;
      request->otp_length = device->otp_length;
      request->window_size = device->window_size;
      request->time_drift = device->time_drift;
      request->otp_pin = g_strdup (device->otp_pin);
      request->psn = g_strdup (device->psn);
      request->secret_key_hex = g_strdup (device->secret_key_hex);
      request->secret_key_base64 = g_strdup (device->secret_key_base64);
      request->notification_method = device->notification_method;
      request->mobile_auth = device->mobile_auth;
      request->mobile_usage = device->mobile_usage;
      request->soft_token_alias = g_strdup (device->soft_token_alias);
      request->algorithm = g_strdup (device->algorithm);
      request->ocra_suite = g_strdup (device->ocra_suite);
    }
  call (self, request, cancellable, callback, user_data);
}

static LkApiRequest *
user_request (LkApiOp     op,
              const char *login)
{
  LkApiRequest *request = lk_api_request_new (op);

  request->username = g_strdup (login);
  return request;
}

void
lk_backend_find_user_async (LkBackend           *self,
                            const char          *login,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  call (self, user_request (LK_API_OP_FIND_USER, login), cancellable, callback, user_data);
}

void
lk_backend_find_users_async (LkBackend           *self,
                             const char          *prefix,
                             guint                offset,
                             guint                limit,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  lk_backend_find_users_sorted_async (self, prefix, LK_USER_SORT_LOGIN, FALSE, offset, limit,
                                      cancellable, callback, user_data);
}

void
lk_backend_find_users_sorted_async (LkBackend           *self,
                                    const char          *prefix,
                                    LkUserSort           sort,
                                    gboolean             descending,
                                    guint                offset,
                                    guint                limit,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  LkApiRequest *request = lk_api_request_new (LK_API_OP_FIND_USERS);

  request->search = g_strdup (prefix);
  request->offset = (int) MIN (offset, (guint) G_MAXINT);
  request->limit = (int) MIN (limit, 1000u);
  request->sort = sort;
  request->descending = descending;
  call (self, request, cancellable, callback, user_data);
}

void
lk_backend_update_user_async (LkBackend           *self,
                              const char          *login,
                              const LkUserUpdate  *update,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  LkApiRequest *request = user_request (LK_API_OP_UPDATE_USER, login);

  request->new_username = g_strdup (update->new_login);
  request->first_name = g_strdup (update->first_name);
  request->last_name = g_strdup (update->last_name);
  request->email = g_strdup (update->email);
  request->mobile_phone = g_strdup (update->mobile_phone);
  request->password = g_strdup (update->password);
  request->enabled = update->enabled;
  call (self, request, cancellable, callback, user_data);
}

void
lk_backend_set_user_enabled_async (LkBackend           *self,
                                   const char          *login,
                                   gboolean             enabled,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  call (self, user_request (enabled ? LK_API_OP_ENABLE_USER : LK_API_OP_DISABLE_USER, login),
        cancellable, callback, user_data);
}

void
lk_backend_delete_user_async (LkBackend           *self,
                              const char          *login,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  call (self, user_request (LK_API_OP_DELETE_USER, login), cancellable, callback, user_data);
}

void
lk_backend_validate_user_async (LkBackend           *self,
                                const char          *login,
                                const char          *password,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  LkApiRequest *request = user_request (LK_API_OP_VALIDATE_USER, login);

  request->password = g_strdup (password);
  call (self, request, cancellable, callback, user_data);
}

void
lk_backend_list_audit_async (LkBackend           *self,
                             const char          *login,
                             guint                offset,
                             guint                limit,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  LkApiRequest *request = user_request (LK_API_OP_GET_USER_AUDIT, login);

  request->offset = (int) MIN (offset, (guint) G_MAXINT);
  request->limit = (int) MIN (limit, 1000u);
  call (self, request, cancellable, callback, user_data);
}

void
lk_backend_add_device_async (LkBackend           *self,
                             const char          *login,
                             const LkDeviceSpec  *spec,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  LkApiRequest *request = user_request (LK_API_OP_ADD_DEVICE, login);

  request->device_type = spec->device_type;
  request->otp_type = spec->otp_type;
  request->otp_length = spec->otp_length;
  request->window_size = spec->window_size;
  request->time_drift = spec->time_drift;
  request->otp_pin = g_strdup (spec->otp_pin);
  request->psn = g_strdup (spec->psn);
  request->secret_key_hex = g_strdup (spec->secret_key_hex);
  request->secret_key_base64 = g_strdup (spec->secret_key_base64);
  request->notification_method = spec->notification_method;
  request->mobile_auth = spec->mobile_auth;
  request->mobile_usage = spec->mobile_usage;
  request->soft_token_alias = g_strdup (spec->soft_token_alias);
  request->algorithm = g_strdup (spec->algorithm);
  request->ocra_suite = g_strdup (spec->ocra_suite);
  call (self, request, cancellable, callback, user_data);
}

static LkApiRequest *
device_request (LkApiOp     op,
                const char *login,
                const char *serial)
{
  LkApiRequest *request = user_request (op, login);

  request->serial = g_strdup (serial);
  return request;
}

static LkApiRequest *
provision_request (LkApiOp     op,
                   const char *login,
                   const char *serial,
                   const char *physical_device_id,
                   const char *password)
{
  LkApiRequest *request = device_request (op, login, serial);

  request->physical_device_id = g_strdup (physical_device_id);
  request->password = g_strdup (password);
  return request;
}

void
lk_backend_provision_device_async (LkBackend           *self,
                                   const char          *login,
                                   const char          *serial,
                                   const char          *physical_device_id,
                                   const char          *password,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  call (self, provision_request (LK_API_OP_PROVISION_DEVICE, login, serial, physical_device_id, password),
        cancellable, callback, user_data);
}

void
lk_backend_self_provision_device_async (LkBackend           *self,
                                        const char          *login,
                                        const char          *password,
                                        const char          *serial,
                                        const char          *physical_device_id,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  call (self, provision_request (LK_API_OP_SELF_PROVISION_DEVICE, login, serial, physical_device_id, password),
        cancellable, callback, user_data);
}

void
lk_backend_get_device_qrcode_async (LkBackend           *self,
                                    const char          *login,
                                    const char          *serial,
                                    guint                png_scale,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  LkApiRequest *request = device_request (LK_API_OP_GET_DEVICE_QRCODE, login, serial);

  if (png_scale > 0)
    request->png_scale = (int) MIN (png_scale, 64u);
  call (self, request, cancellable, callback, user_data);
}

void
lk_backend_activate_device_async (LkBackend           *self,
                                  const char          *login,
                                  const char          *serial,
                                  const char          *otp1,
                                  const char          *otp2,
                                  gboolean             sync,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  LkApiRequest *request = device_request (sync ? LK_API_OP_SYNC_DEVICE : LK_API_OP_ACTIVATE_DEVICE,
                                          login, serial);

  request->otp1 = g_strdup (otp1);
  request->otp2 = g_strdup (otp2);
  call (self, request, cancellable, callback, user_data);
}

void
lk_backend_find_device_async (LkBackend           *self,
                              const char          *serial,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  call (self, device_request (LK_API_OP_FIND_DEVICE, NULL, serial), cancellable, callback, user_data);
}

void
lk_backend_list_devices_async (LkBackend           *self,
                               const char          *login,
                               guint                offset,
                               guint                limit,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  LkApiRequest *request = user_request (LK_API_OP_FIND_DEVICES, login);

  request->offset = (int) MIN (offset, (guint) G_MAXINT);
  request->limit = (int) MIN (limit, 1000u);
  call (self, request, cancellable, callback, user_data);
}

void
lk_backend_device_action_async (LkBackend           *self,
                                const char          *serial,
                                LkDeviceAction       action,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  static const LkApiOp ops[] = {
    [LK_DEVICE_ACTION_ENABLE] = LK_API_OP_ENABLE_DEVICE,
    [LK_DEVICE_ACTION_DISABLE] = LK_API_OP_DISABLE_DEVICE,
    [LK_DEVICE_ACTION_UNLOCK] = LK_API_OP_UNLOCK_DEVICE,
    [LK_DEVICE_ACTION_UNASSIGN] = LK_API_OP_UNASSIGN_DEVICE,
    [LK_DEVICE_ACTION_DELETE] = LK_API_OP_DELETE_DEVICE,
  };

  g_return_if_fail (action <= LK_DEVICE_ACTION_DELETE);
  call (self, device_request (ops[action], NULL, serial), cancellable, callback, user_data);
}

void
lk_backend_assign_device_async (LkBackend           *self,
                                const char          *serial,
                                const char          *login,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  call (self, device_request (LK_API_OP_ASSIGN_DEVICE, login, serial), cancellable, callback, user_data);
}

void
lk_backend_validate_otp_async (LkBackend           *self,
                               const char          *login,
                               const char          *serial,
                               const char          *otp,
                               const char          *challenge,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  LkApiRequest *request = device_request (LK_API_OP_VALIDATE_OTP, login, serial);

  request->otp = g_strdup (otp);
  request->challenge = g_strdup (challenge);
  call (self, request, cancellable, callback, user_data);
}

void
lk_backend_send_otp_async (LkBackend           *self,
                           const char          *login,
                           const char          *serial,
                           LkDeliveryMethod     method,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  LkApiRequest *request = device_request (LK_API_OP_SEND_OTP, login, serial);

  request->delivery_method = method;
  call (self, request, cancellable, callback, user_data);
}

/* ---- finishes ------------------------------------------------------------------ */

/* The response when it is a success; NULL with @error otherwise. */
static LkApiResponse *
finish_ok (LkBackend     *self,
           GAsyncResult  *result,
           GError       **error)
{
  g_autoptr(LkApiResponse) response = lk_backend_call_finish (self, result, error);

  if (response == NULL || lk_api_response_propagate_error (response, error))
    return NULL;
  return g_steal_pointer (&response);
}

gboolean
lk_backend_finish_boolean (LkBackend     *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_autoptr(LkApiResponse) response = finish_ok (self, result, error);

  return response != NULL;
}

static gpointer
missing_member (GError **error)
{
  g_set_error_literal (error, LK_API_ERROR, LK_API_ERROR_MALFORMED,
                       "The answer lacks the record it should carry");
  return NULL;
}

LkUser *
lk_backend_finish_user (LkBackend     *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_autoptr(LkApiResponse) response = finish_ok (self, result, error);

  if (response == NULL)
    return NULL;
  if (response->user == NULL)
    return missing_member (error);
  return g_steal_pointer (&response->user);
}

GPtrArray *
lk_backend_finish_users (LkBackend     *self,
                         GAsyncResult  *result,
                         guint         *out_total,
                         GError       **error)
{
  g_autoptr(LkApiResponse) response = finish_ok (self, result, error);

  if (response == NULL)
    return NULL;
  if (response->users == NULL)
    return missing_member (error);
  if (out_total != NULL)
    *out_total = response->total;
  return g_steal_pointer (&response->users);
}

LkEnrollResult *
lk_backend_finish_enroll (LkBackend     *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_autoptr(LkApiResponse) response = finish_ok (self, result, error);
  LkEnrollResult *enroll;

  if (response == NULL)
    return NULL;
  if (response->user == NULL)
    return missing_member (error);
  enroll = g_new0 (LkEnrollResult, 1);
  enroll->user = g_steal_pointer (&response->user);
  enroll->device = g_steal_pointer (&response->device);
  enroll->generated_password = g_steal_pointer (&response->generated_password);
  enroll->outbox_id = response->message_id;
  return enroll;
}

LkDevice *
lk_backend_finish_device (LkBackend     *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_autoptr(LkApiResponse) response = finish_ok (self, result, error);

  if (response == NULL)
    return NULL;
  if (response->device == NULL)
    return missing_member (error);
  return g_steal_pointer (&response->device);
}

GPtrArray *
lk_backend_finish_devices (LkBackend     *self,
                           GAsyncResult  *result,
                           guint         *out_total,
                           GError       **error)
{
  g_autoptr(LkApiResponse) response = finish_ok (self, result, error);

  if (response == NULL)
    return NULL;
  if (response->devices == NULL)
    return missing_member (error);
  if (out_total != NULL)
    *out_total = response->total;
  return g_steal_pointer (&response->devices);
}

LkProvisionResult *
lk_backend_finish_provision (LkBackend     *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_autoptr(LkApiResponse) response = finish_ok (self, result, error);
  LkProvisionResult *provision;

  if (response == NULL)
    return NULL;
  if (response->device == NULL || response->uri == NULL)
    return missing_member (error);
  provision = g_new0 (LkProvisionResult, 1);
  provision->device = g_steal_pointer (&response->device);
  provision->uri = g_steal_pointer (&response->uri);
  provision->png = g_steal_pointer (&response->png);
  provision->svg = g_steal_pointer (&response->svg);
  return provision;
}

GPtrArray *
lk_backend_finish_audit (LkBackend     *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_autoptr(LkApiResponse) response = finish_ok (self, result, error);

  if (response == NULL)
    return NULL;
  if (response->audit == NULL)
    return missing_member (error);
  return g_steal_pointer (&response->audit);
}

gboolean
lk_backend_finish_validate_otp (LkBackend     *self,
                                GAsyncResult  *result,
                                char         **out_serial,
                                GError       **error)
{
  g_autoptr(LkApiResponse) response = finish_ok (self, result, error);

  if (response == NULL)
    return FALSE;
  if (out_serial != NULL)
    *out_serial = g_steal_pointer (&response->serial);
  return TRUE;
}

gint64
lk_backend_finish_send_otp (LkBackend     *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_autoptr(LkApiResponse) response = finish_ok (self, result, error);

  if (response == NULL)
    return 0;
  if (response->message_id <= 0)
    return GPOINTER_TO_INT (missing_member (error));
  return response->message_id;
}
