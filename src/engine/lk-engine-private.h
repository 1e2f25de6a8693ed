/* SPDX-License-Identifier: GPL-3.0-or-later
 * Internals shared by the engine's files (and by lk-engine-activation.c):
 * the handle, transactions, seed sealing, password hashing, audit, and the
 * ordered schema migration list.
 *
 * Adding a schema step from another file (e.g. multi-device activation):
 *   1. define `const char lk_engine_<name>_schema_sqlite[]` in your file and
 *      declare it below, next to lk_engine_core_schema_1_sqlite;
 *   2. append one line { "<name>-1", lk_engine_<name>_schema_sqlite } to
 *      the table in lk-engine-migrations.c.
 * Steps run in table order, each once, recorded by id in schema_migrations
 * (so steps from different files never clash) and counted in user_version. */
#pragma once

#include <glib.h>
#include <glib/gi18n.h>

#include "lk-engine.h"
#include "lk-store.h"

G_BEGIN_DECLS

#define LK_ENGINE_SEED_MAX 64   /* bytes; an HMAC-SHA-512 block */
#define LK_ENGINE_SEED_MIN 16   /* RFC 4226 asks for at least 128 bits */

struct _LkEngine
{
  LkStore            *store;
  LkKeyProvider      *keys;
  LkEngineConfig      config;
  char               *issuer;
  char               *path;
  char               *db_id;          /* random id of the database file (meta.db_id) */
  char               *actor;
  LkCredentialCache  *cache;
  guint8             *master_key;     /* LK_MASTER_KEY_SIZE bytes, wiped on close */
  guint8             *pin_key;        /* HKDF(master, "pin"), wiped on close */
  gint64              key_version;    /* meta.key_version the master key belongs to */
  gboolean            in_batch;
  struct _LkGroupCommit *group_commit; /* validations go through it (lk-group-commit.c) */
};

/* ---- migrations ---- */
typedef struct
{
  const char *id;          /* unique, e.g. "core-1" */
  const char *sqlite_sql;  /* script for the SQLite store */
} LkMigration;

extern const char lk_engine_core_schema_1_sqlite[];
extern const char lk_engine_activation_schema_1_sqlite[];  /* lk-engine-activation.c */
extern const char lk_engine_activation_schema_2_sqlite[];
extern const char lk_engine_delivery_schema_1_sqlite[];     /* lk-engine-outbox.c */
extern const char lk_engine_users_sort_schema_1_sqlite[];   /* lk-engine-users.c */
extern const char lk_engine_cluster_schema_1_sqlite[];      /* lk-engine-cluster.c */

const LkMigration *lk_engine_get_migrations (guint *n_migrations);
gboolean           lk_engine_migrate        (LkEngine *engine,
                                             GError  **error);

/* ---- time and transactions ---- */
gint64   lk_engine_now        (LkEngine *engine);
/* Opens a transaction (IMMEDIATE for @write), or a savepoint inside a batch. */
gboolean lk_engine_tx_begin   (LkEngine *engine,
                               gboolean  write,
                               GError  **error);
gboolean lk_engine_tx_commit  (LkEngine *engine,
                               GError  **error);
void     lk_engine_tx_rollback (LkEngine *engine);

/* Turns a store error into an LK_ENGINE_ERROR (busy -> 9507, constraint
 * -> @constraint_code or 9508, corrupt -> 9508) and propagates it. */
void     lk_engine_propagate_store_error (GError  **dest,
                                          GError   *src,
                                          int       constraint_code);

/* prepare + map errors; NULL with @error set on failure. */
LkStoreStmt *lk_engine_prepare (LkEngine   *engine,
                                const char *sql,
                                GError    **error);
/* Steps a statement that must finish (INSERT/UPDATE/DELETE). */
gboolean lk_engine_step_done  (LkStoreStmt *stmt,
                               int          constraint_code,
                               GError     **error);

/* ---- sealing (AES-256-GCM under the master key) ----
 * Blob layout: 1 byte version (1) | 12-byte nonce | ciphertext | 16-byte tag.
 * The associated data is "@purpose" | account id | @label, so a blob moved
 * to another row, account or purpose fails authentication. */
GBytes  *lk_engine_seal       (LkEngine      *engine,
                               const char    *purpose,
                               gint64         account_id,
                               const char    *label,
                               const guint8  *plain,
                               gsize          plain_len,
                               GError       **error);
/* Returns wiped-on-free plaintext. @key_version is the row's key_version:
 * when it is not the engine's, the key is reloaded from the provider.
 * A failed authentication is LK_ENGINE_ERROR_SEED_CORRUPT. */
GBytes  *lk_engine_unseal     (LkEngine      *engine,
                               const char    *purpose,
                               gint64         account_id,
                               const char    *label,
                               gint64         key_version,
                               const guint8  *blob,
                               gsize          blob_len,
                               GError       **error);
/* The opened seed of device @serial (wiped on free), read in the caller's
 * transaction; LK_ENGINE_ERROR_DEVICE_NOT_FOUND when there is none. */
GBytes  *lk_engine_load_seed  (LkEngine      *engine,
                               gint64         account_id,
                               const char    *serial,
                               GError       **error);
/* Same, with an explicit key (used by rotation). */
GBytes  *lk_engine_seal_with   (const guint8  *key,
                                const char    *purpose,
                                gint64         account_id,
                                const char    *label,
                                const guint8  *plain,
                                gsize          plain_len,
                                GError       **error);
GBytes  *lk_engine_unseal_with (const guint8  *key,
                                const char    *purpose,
                                gint64         account_id,
                                const char    *label,
                                const guint8  *blob,
                                gsize          blob_len,
                                GError       **error);
/* The check value stored in meta.key_check for @key (hex). */
char    *lk_engine_key_check  (const guint8  *key);
/* The random PIN key sealed under @master_key, Base64, for meta.pin_key. */
char    *lk_engine_seal_pin_key (const guint8 *master_key,
                                 const guint8 *pin_key,
                                 GError      **error);
/* Loads the provider's key and checks it against the database (reading meta
 * in the current transaction, if any). */
gboolean lk_engine_reload_key (LkEngine      *engine,
                               GError       **error);

#define LK_SEAL_SEED   "lk-seed-v1"
#define LK_SEAL_OUTBOX "lk-outbox-v1"

/* ---- passwords and PINs ---- */
/* scrypt (N = 2^config.password_kdf_log2n, r 8, p 1), encoded
 * "$scrypt$ln=15,r=8,p=1$SALT$HASH" (Base64). */
char    *lk_engine_password_hash (LkEngine    *engine,
                                  const char  *password,
                                  GError     **error);
/* For passwords the engine generated with >= 128 bits of entropy: a salted
 * SHA-256, "$sha256$SALT$HASH"; brute force is hopeless either way, and it
 * keeps bulk enrolment fast. */
char    *lk_engine_password_hash_generated (const char *password);
/* Constant-time; FALSE for malformed hashes. */
gboolean lk_engine_password_verify (const char *password,
                                    const char *encoded);
/* A password of 20 characters from a 64-symbol alphabet (120 bits). */
char    *lk_engine_password_generate (GError **error);
/* PIN hash: 16-byte salt | HMAC-SHA-256(pin_key, salt | pin). */
GBytes  *lk_engine_pin_hash   (LkEngine      *engine,
                               const char    *pin,
                               GError       **error);
gboolean lk_engine_pin_verify (LkEngine      *engine,
                               const char    *pin,
                               gsize          pin_len,
                               const guint8  *stored,
                               gsize          stored_len);

/* ---- audit ---- */
/* Writes one audit row in the current transaction (or its own when none is
 * open). @detail must never contain a secret. */
void     lk_engine_audit      (LkEngine      *engine,
                               gint64         account_id,
                               const char    *operation,
                               const char    *login,
                               const char    *serial,
                               const GError  *error,
                               const char    *detail);

/* ---- validation helpers shared with other files ---- */
/* A lower-case, NFKC-normalised copy used for unique keys and prefix search. */
char    *lk_engine_normalize  (const char *text);
/* Checks @text: valid UTF-8, at most @max characters, no control
 * characters; @field names it in the error (9501). NULL is accepted. */
gboolean lk_engine_check_text (const char *text,
                               const char *field,
                               guint       max,
                               GError    **error);
/* Looks up a user id by login within the account (9503 if absent). */
gboolean lk_engine_lookup_user (LkEngine   *engine,
                                gint64      account_id,
                                const char *login,
                                gint64     *out_user_id,
                                gboolean   *out_enabled,
                                GError    **error);

/* Reads an LkDevice from a row selected with LK_ENGINE_DEVICE_COLUMNS. */
#define LK_ENGINE_DEVICE_COLUMNS \
  "d.id, d.account_id, d.serial, d.device_type, d.otp_type, d.algorithm, d.digits, " \
  "d.window, d.period, d.time_drift, d.ocra_suite, d.alias, d.mobile_auth, d.mobile_usage, " \
  "d.counter, d.last_step, d.time_shift, d.fail_count, d.state, u.login, " \
  "d.physical_device_id, d.pin_hash IS NOT NULL, d.created_at, d.updated_at, " \
  "d.activated_at, d.last_used_at, d.user_id, d.seed, d.key_version, d.pin_hash"
#define LK_ENGINE_DEVICE_FROM \
  " FROM devices d LEFT JOIN users u ON u.id = d.user_id "
enum
{
  LK_DEVCOL_USER_ID = 26,
  LK_DEVCOL_SEED = 27,
  LK_DEVCOL_KEY_VERSION = 28,
  LK_DEVCOL_PIN_HASH = 29,
};
LkDevice *lk_engine_device_from_row (LkStoreStmt *stmt);

/* Finds a device by serial in the account (9021 if absent). */
LkDevice *lk_engine_get_device (LkEngine   *engine,
                                gint64      account_id,
                                const char *serial,
                                GError    **error);

/* Checks @spec, applies defaults and inserts a device (state new) in the
 * current transaction; @user_id 0 = unassigned. */
LkDevice *lk_engine_insert_device (LkEngine            *engine,
                                   gint64               account_id,
                                   gint64               user_id,
                                   const LkDeviceSpec  *spec,
                                   gint64              *out_outbox_id,
                                   GError             **error);

/* The per-user send limit (LkEngineConfig.send_limit): 9512 when @login
 * already had that many passcodes queued in the window. In a transaction. */
gboolean lk_engine_outbox_check_rate (LkEngine    *engine,
                                      gint64       account_id,
                                      const char  *login,
                                      GError     **error);

/* One-off codes for users without a device (docs/delivery.md), in the
 * current transaction. _send issues a code (replacing the user's previous
 * one) and queues it; returns the outbox id or 0. _validate sets
 * *@out_found FALSE when the user has no one-off code; else @verdict is
 * NULL (accepted, the code is spent) or 9003/9043/9007. FALSE only for
 * store failures (@error). */
gint64   lk_engine_oneoff_send     (LkEngine          *engine,
                                    gint64             account_id,
                                    const char        *login,
                                    LkDeliveryMethod   method,
                                    GError           **error);
gboolean lk_engine_oneoff_validate (LkEngine    *engine,
                                    gint64       account_id,
                                    const char  *login,
                                    const char  *otp,
                                    gboolean    *out_found,
                                    GError     **verdict,
                                    GError     **error);
extern const char lk_engine_delivery_schema_2_sqlite[];     /* lk-engine-outbox.c */

/* Queues an outbox message in the current transaction; @code may be NULL. */
gint64   lk_engine_outbox_add (LkEngine          *engine,
                               gint64             account_id,
                               LkOutboxKind       kind,
                               LkDeliveryMethod   method,
                               gint64             user_id,
                               const char        *serial,
                               const char        *code,
                               gint64             expires_at,
                               GError           **error);

G_END_DECLS
