/* SPDX-License-Identifier: GPL-3.0-or-later
 * LkBackend: the one interface every client (GUI, CLI) reaches the engine
 * through, whether it runs embedded (LkLocalBackend) or behind latchkeyd
 * (LkRemoteBackend). Every method is async with a GCancellable. */
#pragma once

#include <gio/gio.h>
#include "lk-api-codec.h"

G_BEGIN_DECLS

#define LK_TYPE_BACKEND (lk_backend_get_type ())
G_DECLARE_INTERFACE (LkBackend, lk_backend, LK, BACKEND, GObject)

struct _LkBackendInterface
{
  GTypeInterface g_iface;

  /* Runs @request (transfer full; the backend fills in the account
   * credentials it was made with) and completes on the thread-default main
   * context of the caller. */
  void            (*call_async)  (LkBackend            *self,
                                  LkApiRequest         *request,
                                  GCancellable         *cancellable,
                                  GAsyncReadyCallback   callback,
                                  gpointer              user_data);
  /* The response, whatever its errorCode; NULL with a GError only when no
   * response could be had: cancelled (G_IO_ERROR_CANCELLED), the database
   * could not be opened, the server unreachable (LK_REMOTE_ERROR). */
  LkApiResponse * (*call_finish) (LkBackend            *self,
                                  GAsyncResult         *result,
                                  GError              **error);
  /* "Embedded database /path" or "https://host/api/v1", for the header bar. */
  char *          (*describe)    (LkBackend            *self);
};

void            lk_backend_call_async   (LkBackend            *self,
                                         LkApiRequest         *request,
                                         GCancellable         *cancellable,
                                         GAsyncReadyCallback   callback,
                                         gpointer              user_data);
LkApiResponse  *lk_backend_call_finish  (LkBackend            *self,
                                         GAsyncResult         *result,
                                         GError              **error);
char           *lk_backend_describe     (LkBackend            *self);

/* Runs @request synchronously by iterating the thread-default main context
 * until it completes (command-line tools and tests only; never in a GUI).
 * Non-zero errorCodes are returned as a response, not as an error. */
LkApiResponse  *lk_backend_call_sync    (LkBackend            *self,
                                         LkApiRequest         *request,
                                         GCancellable         *cancellable,
                                         GError              **error);

/* ---- typed wrappers ----------------------------------------------------------
 * Each _async builds the request and calls lk_backend_call_async(); finish
 * it with the lk_backend_finish_* named in its comment. A finish turns a
 * non-zero errorCode into an LK_API_ERROR whose code is that errorCode
 * (so `g_error_matches (e, LK_API_ERROR, LK_ENGINE_ERROR_OTP_INVALID)`). */

/* EnrollUser; spec->with_device adds a first device. → finish_enroll */
void lk_backend_enroll_user_async      (LkBackend *self, const LkUserSpec *spec,
                                        GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data);
/* → finish_user */
void lk_backend_find_user_async        (LkBackend *self, const char *login,
                                        GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data);
/* Prefix search (NULL = all), a page of @limit (0 = 100) from @offset.
 * → finish_users (with the total for a paged list model) */
void lk_backend_find_users_async       (LkBackend *self, const char *prefix, guint offset, guint limit,
                                        GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data);
/* The same in another order (find_users' sort and order). → finish_users */
void lk_backend_find_users_sorted_async (LkBackend *self, const char *prefix, LkUserSort sort, gboolean descending,
                                         guint offset, guint limit,
                                         GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data);
/* → finish_user */
void lk_backend_update_user_async      (LkBackend *self, const char *login, const LkUserUpdate *update,
                                        GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data);
/* → finish_user */
void lk_backend_set_user_enabled_async (LkBackend *self, const char *login, gboolean enabled,
                                        GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data);
/* → finish_boolean */
void lk_backend_delete_user_async      (LkBackend *self, const char *login,
                                        GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data);
/* → finish_boolean (FALSE with 9001 for a wrong password) */
void lk_backend_validate_user_async    (LkBackend *self, const char *login, const char *password,
                                        GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data);
/* @login NULL = the whole account. Newest first. → finish_audit */
void lk_backend_list_audit_async       (LkBackend *self, const char *login, guint offset, guint limit,
                                        GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data);

/* @login NULL = an unassigned device. → finish_device */
void lk_backend_add_device_async       (LkBackend *self, const char *login, const LkDeviceSpec *spec,
                                        GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data);
/* → finish_provision (device + otpauth URI) */
void lk_backend_provision_device_async (LkBackend *self, const char *login, const char *serial,
                                        const char *physical_device_id, const char *password,
                                        GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data);
/* The same by the user themself, authenticated by @password instead of a
 * partner key (self_provision_oath_device; token mode's over-the-air
 * provisioning). The backend needs only the account name. → finish_provision */
void lk_backend_self_provision_device_async (LkBackend *self, const char *login, const char *password,
                                             const char *serial, const char *physical_device_id,
                                             GCancellable *cancellable, GAsyncReadyCallback callback,
                                             gpointer user_data);
/* → finish_provision (device, URI, PNG and SVG) */
void lk_backend_get_device_qrcode_async (LkBackend *self, const char *login, const char *serial, guint png_scale,
                                         GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data);
/* Activation (@sync FALSE) or resynchronisation (@sync TRUE) with two
 * consecutive OTPs. → finish_device (the device afterwards) */
void lk_backend_activate_device_async  (LkBackend *self, const char *login, const char *serial,
                                        const char *otp1, const char *otp2, gboolean sync,
                                        GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data);
/* → finish_device */
void lk_backend_find_device_async      (LkBackend *self, const char *serial,
                                        GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data);
/* A user's devices (all of them), or with @login NULL the unassigned ones,
 * a page of @limit from @offset. → finish_devices */
void lk_backend_list_devices_async     (LkBackend *self, const char *login, guint offset, guint limit,
                                        GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data);

typedef enum
{
  LK_DEVICE_ACTION_ENABLE,
  LK_DEVICE_ACTION_DISABLE,
  LK_DEVICE_ACTION_UNLOCK,     /* clear failures, locked → active */
  LK_DEVICE_ACTION_UNASSIGN,
  LK_DEVICE_ACTION_DELETE,
} LkDeviceAction;

/* → finish_device (NULL result without error after DELETE: use finish_boolean) */
void lk_backend_device_action_async    (LkBackend *self, const char *serial, LkDeviceAction action,
                                        GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data);
/* → finish_device */
void lk_backend_assign_device_async    (LkBackend *self, const char *serial, const char *login,
                                        GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data);

/* @serial NULL = the user's first active device. → finish_validate_otp */
void lk_backend_validate_otp_async     (LkBackend *self, const char *login, const char *serial,
                                        const char *otp, const char *challenge,
                                        GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data);
/* → finish_send_otp */
void lk_backend_send_otp_async         (LkBackend *self, const char *login, const char *serial,
                                        LkDeliveryMethod method,
                                        GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data);

gboolean           lk_backend_finish_boolean      (LkBackend *self, GAsyncResult *result, GError **error);
LkUser            *lk_backend_finish_user         (LkBackend *self, GAsyncResult *result, GError **error);
/* A GPtrArray of LkUser (transfer container+contents); @out_total nullable. */
GPtrArray         *lk_backend_finish_users        (LkBackend *self, GAsyncResult *result, guint *out_total, GError **error);
LkEnrollResult    *lk_backend_finish_enroll       (LkBackend *self, GAsyncResult *result, GError **error);
LkDevice          *lk_backend_finish_device       (LkBackend *self, GAsyncResult *result, GError **error);
GPtrArray         *lk_backend_finish_devices      (LkBackend *self, GAsyncResult *result, guint *out_total, GError **error);
LkProvisionResult *lk_backend_finish_provision    (LkBackend *self, GAsyncResult *result, GError **error);
GPtrArray         *lk_backend_finish_audit        (LkBackend *self, GAsyncResult *result, GError **error);
/* TRUE when the OTP was accepted; @out_serial (nullable) gets the device. */
gboolean           lk_backend_finish_validate_otp (LkBackend *self, GAsyncResult *result, char **out_serial, GError **error);
/* The outbox message id (> 0), or 0 with @error. */
gint64             lk_backend_finish_send_otp     (LkBackend *self, GAsyncResult *result, GError **error);

G_END_DECLS
