/* SPDX-License-Identifier: GPL-3.0-or-later
 * The embedded authentication engine: partner accounts, users, OATH devices,
 * validation, delivery outbox and audit, on a store (SQLite today).
 *
 * Threading: one LkEngine is one store connection and must be used by one
 * thread at a time (give each worker thread its own). Any number of engines
 * may be open on the same database file at once, in one or many processes;
 * every operation is one transaction, so they see each other's commits and
 * two concurrent validations of one OTP never both succeed.
 *
 * Errors: every failure is an LK_ENGINE_ERROR whose code is the API's
 * errorCode (lk-engine-error.h, docs/error-codes.md). Every operation after
 * the partner login is scoped to an account id from lk_engine_login_account()
 * or lk_engine_create_account(); no call can reach another account's rows.
 *
 * Nothing here blocks on the network; operations hit the disk and some run a
 * slow password hash, so call them from a worker thread, never a UI thread. */
#pragma once

#include <glib.h>
#include "lk-engine-error.h"
#include "lk-engine-types.h"
#include "lk-key-provider.h"
#include "lk-credential-cache.h"
#include "lk-delivery.h"

G_BEGIN_DECLS

typedef struct _LkEngine LkEngine;

/* Returns the current time in unix seconds; tests use it to move the clock. */
typedef gint64 (*LkEngineClockFunc) (gpointer user_data);

typedef struct
{
  guint               max_failures;       /* consecutive failures that lock a device; 0 = 10 */
  guint               sync_window;        /* look-ahead/steps for activate and resync; 0 = 1000 */
  guint               busy_timeout_ms;    /* how long to wait for another writer; 0 = 5000 */
  gboolean            synchronous_full;   /* fsync every commit (durable); FALSE = NORMAL, see docs/engine.md */
  guint               password_kdf_log2n; /* scrypt N = 2^this for new password hashes; 0 = 15 (10..20) */
  const char         *issuer;             /* otpauth issuer; NULL = "Latchkey" */
  LkCredentialCache  *credential_cache;   /* NULL = lk_credential_cache_get_default() */
  guint               send_limit;         /* send_oath_otp per user per send_window; 0 = 5, G_MAXUINT = no limit */
  guint               send_window;        /* seconds; 0 = 900 */
  LkEngineClockFunc   clock;              /* NULL = the real clock */
  gpointer            clock_data;
} LkEngineConfig;

void        lk_engine_config_init (LkEngineConfig *config);

/* Opens (creating if needed) the database at @path, applies pending schema
 * migrations, and loads the master key from @keys (the engine keeps a
 * reference). A key that does not match the one the database was made with
 * is LK_ENGINE_ERROR_MASTER_KEY. @config may be NULL for the defaults; it is
 * copied. */
LkEngine   *lk_engine_open        (const char            *path,
                                   LkKeyProvider         *keys,
                                   const LkEngineConfig  *config,
                                   GError               **error);
void        lk_engine_close       (LkEngine              *engine);
const char *lk_engine_get_path    (LkEngine              *engine);

/* Who is acting, for the audit log (e.g. "cli", "gui:alice", "10.0.0.5").
 * Recorded with the partner account name. NULL clears it. */
void        lk_engine_set_actor   (LkEngine              *engine,
                                   const char            *actor);

/* Batches (bulk import): between begin and commit every operation runs in a
 * savepoint inside one outer transaction, so a failed operation is undone
 * alone and the batch continues; commit makes them all durable at once. */
gboolean    lk_engine_batch_begin    (LkEngine  *engine,
                                      GError   **error);
gboolean    lk_engine_batch_commit   (LkEngine  *engine,
                                      GError   **error);
void        lk_engine_batch_rollback (LkEngine  *engine);

/* ---- partner accounts (spAccountLoginName / spAccountLoginKey) ---- */

/* Creates an account; the key (at least 8 characters) is stored as a slow
 * hash. LK_ENGINE_ERROR_ACCOUNT_EXISTS when the name is taken. */
gboolean    lk_engine_create_account  (LkEngine    *engine,
                                       const char  *name,
                                       const char  *key,
                                       gint64      *out_account_id,
                                       GError     **error);
/* Checks a partner login: LK_ENGINE_ERROR_PARTNER_LOGIN_FAILED (9000) for an
 * unknown name or a wrong key alike. Recent successes are answered from the
 * credential cache without a slow hash. */
gboolean    lk_engine_login_account   (LkEngine    *engine,
                                       const char  *name,
                                       const char  *key,
                                       gint64      *out_account_id,
                                       GError     **error);
/* The id of the account named @name, without its key: for the requests
 * that authenticate a user instead of a partner (self_provision_oath_device,
 * docs/api.md). 9000 when there is no such account. */
gboolean    lk_engine_lookup_account  (LkEngine    *engine,
                                       const char  *name,
                                       gint64      *out_account_id,
                                       GError     **error);
gboolean    lk_engine_set_account_key (LkEngine    *engine,
                                       gint64       account_id,
                                       const char  *new_key,
                                       GError     **error);
/* Every account name, sorted. */
GStrv       lk_engine_list_accounts   (LkEngine    *engine,
                                       GError     **error);

/* ---- users ---- */

/* EnrollUser. Generates the password when spec->password is NULL (returned
 * once in the result) and, with spec->with_device, adds and assigns a first
 * device. All or nothing. */
LkEnrollResult *lk_engine_enroll_user      (LkEngine          *engine,
                                            gint64             account_id,
                                            const LkUserSpec  *spec,
                                            GError           **error);
LkUser     *lk_engine_find_user       (LkEngine            *engine,
                                       gint64               account_id,
                                       const char          *login,
                                       GError             **error);
/* Users whose login, first name, last name or email starts with @prefix
 * (case-insensitive; NULL or "" = all), sorted by login, @limit from
 * @offset (limit 0 = 100, at most 1000). @out_total gets the number of
 * matches. Returns a GPtrArray of LkUser (it frees them). */
GPtrArray  *lk_engine_find_users      (LkEngine            *engine,
                                       gint64               account_id,
                                       const char          *prefix,
                                       guint                offset,
                                       guint                limit,
                                       guint               *out_total,
                                       GError             **error);
/* The same, in the order @sort (ascending, or descending with @descending).
 * Ties are broken by the user's id, so pages of one order never overlap. */
GPtrArray  *lk_engine_find_users_sorted (LkEngine          *engine,
                                         gint64             account_id,
                                         const char        *prefix,
                                         LkUserSort         sort,
                                         gboolean           descending,
                                         guint              offset,
                                         guint              limit,
                                         guint             *out_total,
                                         GError           **error);
LkUser     *lk_engine_update_user     (LkEngine            *engine,
                                       gint64               account_id,
                                       const char          *login,
                                       const LkUserUpdate  *update,
                                       GError             **error);
/* Deletes the user and every device assigned to it. */
gboolean    lk_engine_delete_user     (LkEngine            *engine,
                                       gint64               account_id,
                                       const char          *login,
                                       GError             **error);
/* validate_user: 9001 for a wrong password, 9007 when disabled. */
gboolean    lk_engine_validate_user   (LkEngine            *engine,
                                       gint64               account_id,
                                       const char          *login,
                                       const char          *password,
                                       GError             **error);
gboolean    lk_engine_set_user_enabled (LkEngine           *engine,
                                        gint64              account_id,
                                        const char         *login,
                                        gboolean            enabled,
                                        GError            **error);

/* ---- devices ---- */

/* add_oath_device: assigned to @login, or unassigned (a fob in stock) when
 * @login is NULL. The device starts in state new. @out_outbox_id (nullable)
 * gets the welcome message queued for spec->notification_method, or 0. */
LkDevice   *lk_engine_add_device      (LkEngine            *engine,
                                       gint64               account_id,
                                       const char          *login,
                                       const LkDeviceSpec  *spec,
                                       gint64              *out_outbox_id,
                                       GError             **error);
/* provision_oath_device: binds @serial (assigned to @login) to
 * @physical_device_id and returns the otpauth URI and parameters. With
 * mobileAuth the user's @password is required (9001). A device bound to
 * another physical id is refused (9019); the same id may provision again. */
LkProvisionResult *lk_engine_provision_device (LkEngine    *engine,
                                               gint64       account_id,
                                               const char  *login,
                                               const char  *serial,
                                               const char  *physical_device_id,
                                               const char  *password,
                                               GError     **error);
/* get_oath_device_qrcode: the URI as a QR code (PNG at @png_scale pixels per
 * module, 0 = 6; and SVG). Only for a device still new: an activated seed is
 * never shown again (9019). @login may be NULL to skip the owner check. */
LkProvisionResult *lk_engine_get_device_qrcode (LkEngine   *engine,
                                                gint64      account_id,
                                                const char *login,
                                                const char *serial,
                                                guint       png_scale,
                                                GError    **error);
/* active_oath_device: two consecutive OTPs move a new device to active. */
gboolean    lk_engine_activate_device (LkEngine    *engine,
                                       gint64       account_id,
                                       const char  *login,
                                       const char  *serial,
                                       const char  *otp1,
                                       const char  *otp2,
                                       GError     **error);
/* sync_oath_device: two consecutive OTPs within the sync window re-anchor
 * the counter (HOTP) or the learned time shift (TOTP) and clear failures. */
gboolean    lk_engine_sync_device     (LkEngine    *engine,
                                       gint64       account_id,
                                       const char  *login,
                                       const char  *serial,
                                       const char  *otp1,
                                       const char  *otp2,
                                       GError     **error);
gboolean    lk_engine_set_device_enabled (LkEngine *engine,
                                          gint64    account_id,
                                          const char *serial,
                                          gboolean  enabled,
                                          GError  **error);
/* 9019 when the device belongs to someone else already. */
gboolean    lk_engine_assign_device   (LkEngine    *engine,
                                       gint64       account_id,
                                       const char  *serial,
                                       const char  *login,
                                       GError     **error);
gboolean    lk_engine_unassign_device (LkEngine    *engine,
                                       gint64       account_id,
                                       const char  *serial,
                                       GError     **error);
LkDevice   *lk_engine_find_device     (LkEngine    *engine,
                                       gint64       account_id,
                                       const char  *serial,
                                       GError     **error);
/* The user's devices, oldest first (the "first device" of the vendor). */
GPtrArray  *lk_engine_list_user_devices (LkEngine  *engine,
                                         gint64     account_id,
                                         const char *login,
                                         GError   **error);
GPtrArray  *lk_engine_list_unassigned_devices (LkEngine *engine,
                                               gint64    account_id,
                                               guint     offset,
                                               guint     limit,
                                               guint    *out_total,
                                               GError  **error);
gboolean    lk_engine_delete_device   (LkEngine    *engine,
                                       gint64       account_id,
                                       const char  *serial,
                                       GError     **error);
/* Clears the failure count and moves a locked device back to active. */
gboolean    lk_engine_unlock_device   (LkEngine    *engine,
                                       gint64       account_id,
                                       const char  *serial,
                                       GError     **error);

/* ---- passcodes ---- */

/* validate_oath_otp. Uses @serial when given (it must belong to @login when
 * @login is given too), else the user's first active device. @otp is the
 * PIN followed by the OTP when the device has a PIN. @challenge is the
 * question for OCRA devices (NULL otherwise). @out_serial (nullable) gets
 * the device that was checked. One transaction: read, check, write. */
gboolean    lk_engine_validate_otp    (LkEngine    *engine,
                                       gint64       account_id,
                                       const char  *login,
                                       const char  *serial,
                                       const char  *otp,
                                       const char  *challenge,
                                       char       **out_serial,
                                       GError     **error);
/* send_oath_otp: computes the device's current code (TOTP) or next one
 * (HOTP, counter advanced) and writes it to the outbox in the same
 * transaction; returns the outbox id (> 0), or 0 with @error. */
gint64      lk_engine_send_otp        (LkEngine          *engine,
                                       gint64             account_id,
                                       const char        *login,
                                       const char        *serial,
                                       LkDeliveryMethod   method,
                                       GError           **error);

/* Changes the per-user send limit (LkEngineConfig's send_limit and
 * send_window, same meaning) for the sends from now on: the admin app's
 * preferences apply without reopening the database. */
void        lk_engine_set_send_limit  (LkEngine          *engine,
                                       guint              limit,
                                       guint              window);

/* ---- outbox (the delivery issue drives these) ---- */

/* Claims up to @max due messages (pending, retry time reached) of every
 * account, leasing them for @lease_seconds so another worker does not take
 * them too. A GPtrArray of LkOutboxMessage with the codes decrypted. */
GPtrArray  *lk_engine_outbox_claim    (LkEngine    *engine,
                                       guint        max,
                                       guint        lease_seconds,
                                       GError     **error);
/* Records the outcome of one delivery attempt: delivered; or failed with
 * @error_text and either a retry at @retry_at (unix seconds) or, with
 * @retry_at 0, for good. The stored code is erased once final. */
gboolean    lk_engine_outbox_complete (LkEngine    *engine,
                                       gint64       message_id,
                                       gboolean     delivered,
                                       const char  *error_text,
                                       gint64       retry_at,
                                       GError     **error);
/* Claims due messages and hands each to @delivery, recording outcomes with
 * an exponential back-off (30 s doubling, 8 attempts). Returns how many
 * were delivered. */
guint       lk_engine_outbox_process  (LkEngine      *engine,
                                       LkDelivery    *delivery,
                                       guint          max,
                                       GCancellable  *cancellable,
                                       GError       **error);
LkOutboxMessage *lk_engine_outbox_get (LkEngine    *engine,
                                       gint64       account_id,
                                       gint64       message_id,
                                       GError     **error);

/* ---- audit ---- */

/* Newest first; @login NULL = every entry of the account. limit 0 = 100. */
GPtrArray  *lk_engine_list_audit      (LkEngine    *engine,
                                       gint64       account_id,
                                       const char  *login,
                                       guint        offset,
                                       guint        limit,
                                       GError     **error);

/* ---- servers sharing the database (lk-engine-cluster.c) ---- */
/* Records that the server @server_id is alive now and sets *@out_live to
 * the servers seen within the last @stale_after_s seconds, this one
 * included (at least 1). latchkeyd calls it every few seconds and splits
 * its in-memory rate limits by that count. */
gboolean    lk_engine_server_heartbeat (LkEngine    *engine,
                                        const char  *server_id,
                                        guint        stale_after_s,
                                        guint       *out_live,
                                        GError     **error);
/* Removes @server_id's row when it stops, so the others count one fewer at
 * once rather than when its row goes stale. */
gboolean    lk_engine_server_leave     (LkEngine    *engine,
                                        const char  *server_id,
                                        GError     **error);

/* ---- master key ---- */

/* Re-encrypts every seed and stored code under @new_key (NULL = a fresh
 * random key) in one transaction and stores it with the key provider. On
 * any failure nothing changes. Other open engines notice on their next use
 * and reload the key from the provider. */
gboolean    lk_engine_rotate_master_key (LkEngine      *engine,
                                         const guint8  *new_key,
                                         GError       **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LkEngine, lk_engine_close)

G_END_DECLS
