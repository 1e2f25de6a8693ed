/* SPDX-License-Identifier: GPL-3.0-or-later
 * The engine handle: opening the store, transactions, audit, partner
 * accounts, batches and master key rotation. */
#include "config.h"

#include <string.h>

#include "lk-engine-private.h"
#include "lk-secure.h"

#define DEFAULT_MAX_FAILURES   10
#define DEFAULT_SYNC_WINDOW    1000
#define DEFAULT_BUSY_TIMEOUT   5000
#define DEFAULT_KDF_LOG2N      15
#define ACCOUNT_KEY_MIN        8
#define ACCOUNT_NAME_MAX       64
#define ACCOUNT_KEY_MAX        256

void
lk_engine_config_init (LkEngineConfig *config)
{
  memset (config, 0, sizeof *config);
}

gint64
lk_engine_now (LkEngine *engine)
{
  if (engine->config.clock != NULL)
    return engine->config.clock (engine->config.clock_data);
  return g_get_real_time () / G_USEC_PER_SEC;
}

void
lk_engine_propagate_store_error (GError **dest,
                                 GError  *src,
                                 int      constraint_code)
{
  if (src->domain == LK_ENGINE_ERROR)
    {
      g_propagate_error (dest, src);
      return;
    }
  if (src->domain == LK_STORE_ERROR && src->code == LK_STORE_ERROR_BUSY)
    g_set_error (dest, LK_ENGINE_ERROR, LK_ENGINE_ERROR_BUSY,
                 _("The database is busy; try again"));
  else if (src->domain == LK_STORE_ERROR && src->code == LK_STORE_ERROR_CONSTRAINT && constraint_code != 0)
    g_set_error_literal (dest, LK_ENGINE_ERROR, constraint_code, lk_engine_error_describe (constraint_code));
  else
    g_set_error (dest, LK_ENGINE_ERROR, LK_ENGINE_ERROR_STORE,
                 _("Database error: %s"), src->message);
  g_error_free (src);
}

LkStoreStmt *
lk_engine_prepare (LkEngine   *engine,
                   const char *sql,
                   GError    **error)
{
  GError *local_error = NULL;
  LkStoreStmt *st = lk_store_prepare (engine->store, sql, &local_error);

  if (st == NULL)
    lk_engine_propagate_store_error (error, local_error, 0);
  return st;
}

gboolean
lk_engine_step_done (LkStoreStmt *stmt,
                     int          constraint_code,
                     GError     **error)
{
  GError *local_error = NULL;
  LkStoreStep step = lk_store_step (stmt, &local_error);

  if (step == LK_STORE_STEP_ERROR)
    {
      lk_engine_propagate_store_error (error, local_error, constraint_code);
      return FALSE;
    }
  return TRUE;
}

gboolean
lk_engine_tx_begin (LkEngine  *engine,
                    gboolean   write,
                    GError   **error)
{
  GError *local_error = NULL;

  if (!lk_store_begin (engine->store, write ? LK_STORE_TX_IMMEDIATE : LK_STORE_TX_DEFERRED, &local_error))
    {
      lk_engine_propagate_store_error (error, local_error, 0);
      return FALSE;
    }
  return TRUE;
}

gboolean
lk_engine_tx_commit (LkEngine  *engine,
                     GError   **error)
{
  GError *local_error = NULL;

  if (!lk_store_commit (engine->store, &local_error))
    {
      lk_engine_propagate_store_error (error, local_error, 0);
      return FALSE;
    }
  return TRUE;
}

void
lk_engine_tx_rollback (LkEngine *engine)
{
  lk_store_rollback (engine->store);
}

char *
lk_engine_normalize (const char *text)
{
  g_autofree char *nfkc = NULL;
  gboolean ascii = TRUE;

  if (text == NULL)
    return g_strdup ("");
  /* Logins are nearly always ASCII: skip Unicode normalisation for them. */
  for (const char *p = text; *p && ascii; p++)
    ascii = (guchar) *p < 0x80;
  if (ascii)
    return g_ascii_strdown (text, -1);
  nfkc = g_utf8_normalize (text, -1, G_NORMALIZE_NFKC);
  if (nfkc == NULL)
    return g_strdup ("");
  return g_utf8_strdown (nfkc, -1);
}

gboolean
lk_engine_check_text (const char *text,
                      const char *field,
                      guint       max,
                      GError    **error)
{
  if (text == NULL)
    return TRUE;
  if (strlen (text) > (gsize) max * 4 || !g_utf8_validate (text, -1, NULL) ||
      g_utf8_strlen (text, -1) > max)
    {
      g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_INVALID_ARGUMENT,
                   _("The field “%s” is too long or not valid text (at most %u characters)"), field, max);
      return FALSE;
    }
  for (const char *p = text; *p; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      {
        g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_INVALID_ARGUMENT,
                     _("The field “%s” contains a control character"), field);
        return FALSE;
      }
  return TRUE;
}

/* ---- audit ---- */

void
lk_engine_audit (LkEngine      *engine,
                 gint64         account_id,
                 const char    *operation,
                 const char    *login,
                 const char    *serial,
                 const GError  *error,
                 const char    *detail)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *norm = login ? lk_engine_normalize (login) : NULL;
  g_autofree char *safe_login = NULL;
  g_autofree char *safe_serial = NULL;
  gboolean own_tx = lk_store_tx_depth (engine->store) == 0;
  int code = lk_engine_error_to_code (error);

  /* Targets come from requests: keep them bounded and valid text so the
   * log cannot be flooded or corrupted by a hostile value. */
  if (login != NULL)
    safe_login = g_utf8_make_valid (login, MIN (strlen (login), 256));
  if (serial != NULL)
    safe_serial = g_utf8_make_valid (serial, MIN (strlen (serial), 128));
  if (detail == NULL && error != NULL && code != LK_ENGINE_ERROR_INTERNAL &&
      code != LK_ENGINE_ERROR_STORE)
    detail = error->message;

  /* After a "busy" failure another writer holds the lock: waiting for it
   * a second time just to record that would double the caller's delay. */
  if (own_tx && code == LK_ENGINE_ERROR_BUSY)
    {
      g_message ("Not auditing %s (%s): the database is busy", operation, safe_login ? safe_login : "-");
      return;
    }
  if (own_tx && !lk_engine_tx_begin (engine, TRUE, &local_error))
    goto out;
  {
    g_autoptr(LkStoreStmt) st = lk_engine_prepare (engine,
        "INSERT INTO audit (time, account_id, actor, operation, user_login, user_norm, serial, result, detail) "
        "VALUES (?1, ?2, COALESCE ((SELECT name FROM accounts WHERE id = ?2), '')"
        " || CASE WHEN ?3 IS NULL THEN '' ELSE ' (' || ?3 || ')' END, ?4, ?5, ?6, ?7, ?8, ?9)",
        &local_error);
    if (st == NULL)
      goto out_tx;
    lk_store_bind_int64 (st, 1, lk_engine_now (engine));
    lk_store_bind_int64 (st, 2, account_id);
    lk_store_bind_text (st, 3, engine->actor);
    lk_store_bind_text (st, 4, operation);
    lk_store_bind_text (st, 5, safe_login);
    lk_store_bind_text (st, 6, norm);
    lk_store_bind_text (st, 7, safe_serial);
    lk_store_bind_int64 (st, 8, code);
    lk_store_bind_text (st, 9, detail);
    if (!lk_engine_step_done (st, 0, &local_error))
      goto out_tx;
  }
  if (own_tx)
    lk_engine_tx_commit (engine, &local_error);
  goto out;

out_tx:
  if (own_tx)
    lk_engine_tx_rollback (engine);
out:
  if (local_error != NULL)
    /* Not a warning: under lock contention the failure record of a BUSY
     * operation cannot be written either, and that is expected. */
    g_message ("Cannot write the audit record of %s: %s", operation, local_error->message);
}

GPtrArray *
lk_engine_list_audit (LkEngine    *engine,
                      gint64       account_id,
                      const char  *login,
                      guint        offset,
                      guint        limit,
                      GError     **error)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) lk_audit_entry_free);
  g_autoptr(LkStoreStmt) st = NULL;
  g_autofree char *norm = NULL;
  GError *local_error = NULL;
  LkStoreStep step;

  if (limit == 0)
    limit = 100;
  limit = MIN (limit, 1000);
  if (login != NULL)
    {
      norm = lk_engine_normalize (login);
      st = lk_engine_prepare (engine,
                              "SELECT id, time, account_id, actor, operation, user_login, serial, result, detail "
                              "FROM audit WHERE account_id = ?1 AND user_norm = ?2 ORDER BY id DESC LIMIT ?3 OFFSET ?4",
                              error);
    }
  else
    st = lk_engine_prepare (engine,
                            "SELECT id, time, account_id, actor, operation, user_login, serial, result, detail "
                            "FROM audit WHERE account_id = ?1 ORDER BY id DESC LIMIT ?3 OFFSET ?4",
                            error);
  if (st == NULL)
    return NULL;
  lk_store_bind_int64 (st, 1, account_id);
  if (norm != NULL)
    lk_store_bind_text (st, 2, norm);
  lk_store_bind_int64 (st, 3, limit);
  lk_store_bind_int64 (st, 4, offset);
  while ((step = lk_store_step (st, &local_error)) == LK_STORE_STEP_ROW)
    {
      LkAuditEntry *e = g_new0 (LkAuditEntry, 1);
      e->id = lk_store_column_int64 (st, 0);
      e->time = lk_store_column_int64 (st, 1);
      e->account_id = lk_store_column_int64 (st, 2);
      e->actor = g_strdup (lk_store_column_text (st, 3));
      e->operation = g_strdup (lk_store_column_text (st, 4));
      e->user_login = g_strdup (lk_store_column_text (st, 5));
      e->serial = g_strdup (lk_store_column_text (st, 6));
      e->result = (int) lk_store_column_int64 (st, 7);
      e->detail = g_strdup (lk_store_column_text (st, 8));
      g_ptr_array_add (out, e);
    }
  if (step == LK_STORE_STEP_ERROR)
    {
      lk_engine_propagate_store_error (error, local_error, 0);
      return NULL;
    }
  return g_steal_pointer (&out);
}

/* ---- open / close ---- */

static gboolean
meta_set (LkEngine    *engine,
          const char  *key,
          const char  *value,
          GError     **error)
{
  g_autoptr(LkStoreStmt) st = lk_engine_prepare (engine,
      "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      error);

  if (st == NULL)
    return FALSE;
  lk_store_bind_text (st, 1, key);
  lk_store_bind_text (st, 2, value);
  return lk_engine_step_done (st, 0, error);
}

static char *
meta_get (LkEngine   *engine,
          const char *key,
          GError    **error)
{
  g_autoptr(LkStoreStmt) st = lk_engine_prepare (engine, "SELECT value FROM meta WHERE key = ?1", error);

  if (st == NULL)
    return NULL;
  lk_store_bind_text (st, 1, key);
  if (lk_store_step (st, NULL) == LK_STORE_STEP_ROW)
    return g_strdup (lk_store_column_text (st, 0));
  return NULL;
}

static char *
random_hex (guint bytes)
{
  guint8 raw[32];
  GString *s = g_string_new (NULL);

  g_assert (bytes <= sizeof raw);
  if (!lk_random_bytes (raw, bytes, NULL))
    g_error ("The system random number generator failed");
  for (guint i = 0; i < bytes; i++)
    g_string_append_printf (s, "%02x", raw[i]);
  return g_string_free (s, FALSE);
}

/* A new database takes the provider's key: record its check value, a
 * fresh sealed PIN key and the database id, once, under the write lock. */
static gboolean
init_meta (LkEngine  *engine,
           GError   **error)
{
  g_autofree char *check = NULL;
  g_autofree char *existing = NULL;
  g_autofree char *pin_sealed = NULL;
  g_autofree char *db_id = NULL;
  guint8 key[LK_MASTER_KEY_SIZE];
  guint8 pin_key[32];
  gboolean ok;

  if (!lk_engine_tx_begin (engine, TRUE, error))
    return FALSE;
  existing = meta_get (engine, "key_check", NULL);
  if (existing != NULL)
    return lk_engine_tx_commit (engine, error);

  if (!lk_key_provider_load_key (engine->keys, key, error))
    {
      lk_engine_tx_rollback (engine);
      return FALSE;
    }
  if (!lk_random_bytes (pin_key, sizeof pin_key, error))
    {
      lk_secure_wipe (key, sizeof key);
      lk_engine_tx_rollback (engine);
      return FALSE;
    }
  check = lk_engine_key_check (key);
  pin_sealed = lk_engine_seal_pin_key (key, pin_key, error);
  lk_secure_wipe (key, sizeof key);
  lk_secure_wipe (pin_key, sizeof pin_key);
  db_id = random_hex (16);
  ok = pin_sealed != NULL &&
       meta_set (engine, "key_check", check, error) &&
       meta_set (engine, "key_version", "1", error) &&
       meta_set (engine, "pin_key", pin_sealed, error) &&
       meta_set (engine, "db_id", db_id, error);
  if (!ok)
    {
      lk_engine_tx_rollback (engine);
      return FALSE;
    }
  return lk_engine_tx_commit (engine, error);
}

LkEngine *
lk_engine_open (const char            *path,
                LkKeyProvider         *keys,
                const LkEngineConfig  *config,
                GError               **error)
{
  g_autoptr(LkEngine) engine = NULL;
  LkStoreSqliteOptions options = { 0 };
  GError *local_error = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (LK_IS_KEY_PROVIDER (keys), NULL);

  engine = g_new0 (LkEngine, 1);
  if (config != NULL)
    engine->config = *config;
  if (engine->config.max_failures == 0)
    engine->config.max_failures = DEFAULT_MAX_FAILURES;
  if (engine->config.sync_window == 0)
    engine->config.sync_window = DEFAULT_SYNC_WINDOW;
  if (engine->config.busy_timeout_ms == 0)
    engine->config.busy_timeout_ms = DEFAULT_BUSY_TIMEOUT;
  if (engine->config.password_kdf_log2n == 0)
    engine->config.password_kdf_log2n = DEFAULT_KDF_LOG2N;
  engine->config.password_kdf_log2n = CLAMP (engine->config.password_kdf_log2n, 10, 20);
  engine->issuer = g_strdup (engine->config.issuer ? engine->config.issuer : "Latchkey");
  engine->config.issuer = engine->issuer;
  engine->cache = lk_credential_cache_ref (engine->config.credential_cache
                                           ? engine->config.credential_cache
                                           : lk_credential_cache_get_default ());
  engine->config.credential_cache = engine->cache;
  engine->path = g_strdup (path);
  engine->keys = g_object_ref (keys);
  engine->master_key = g_malloc0 (LK_MASTER_KEY_SIZE);
  engine->pin_key = g_malloc0 (32);

  options.busy_timeout_ms = engine->config.busy_timeout_ms;
  options.synchronous_full = engine->config.synchronous_full;
  /* A connection string selects the PostgreSQL store (issue 12). */
  if (lk_store_is_pg_conninfo (path))
    engine->store = lk_store_pg_open (path, &local_error);
  else
    engine->store = lk_store_sqlite_open (path, &options, &local_error);
  if (engine->store == NULL)
    {
      if (local_error->domain == LK_STORE_ERROR && local_error->code == LK_STORE_ERROR_BUSY)
        g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_BUSY, _("The database is busy; try again"));
      else
        /* A connection string may hold a password: never echo it. */
        g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_STORE,
                     _("Cannot open the database “%s”: %s"),
                     lk_store_is_pg_conninfo (path) ? "PostgreSQL" : path, local_error->message);
      g_error_free (local_error);
      return NULL;
    }
  if (!lk_engine_migrate (engine, error) ||
      !init_meta (engine, error) ||
      !lk_engine_reload_key (engine, error))
    return NULL;
  engine->db_id = meta_get (engine, "db_id", NULL);
  return g_steal_pointer (&engine);
}

void
lk_engine_close (LkEngine *engine)
{
  if (engine == NULL)
    return;
  lk_store_close (engine->store);
  if (engine->master_key)
    lk_secure_wipe (engine->master_key, LK_MASTER_KEY_SIZE);
  if (engine->pin_key)
    lk_secure_wipe (engine->pin_key, 32);
  g_free (engine->master_key);
  g_free (engine->pin_key);
  g_clear_object (&engine->keys);
  g_clear_pointer (&engine->cache, lk_credential_cache_unref);
  g_free (engine->issuer);
  g_free (engine->path);
  g_free (engine->db_id);
  g_free (engine->actor);
  g_free (engine);
}

const char *
lk_engine_get_path (LkEngine *engine)
{
  return engine->path;
}

void
lk_engine_set_actor (LkEngine   *engine,
                     const char *actor)
{
  g_free (engine->actor);
  engine->actor = actor ? g_utf8_make_valid (actor, MIN (strlen (actor), 128)) : NULL;
}

/* ---- batches ---- */

gboolean
lk_engine_batch_begin (LkEngine  *engine,
                       GError   **error)
{
  if (engine->in_batch)
    {
      g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_INTERNAL, _("A batch is already open"));
      return FALSE;
    }
  if (!lk_engine_tx_begin (engine, TRUE, error))
    return FALSE;
  engine->in_batch = TRUE;
  return TRUE;
}

gboolean
lk_engine_batch_commit (LkEngine  *engine,
                        GError   **error)
{
  if (!engine->in_batch)
    {
      g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_INTERNAL, _("No batch is open"));
      return FALSE;
    }
  engine->in_batch = FALSE;
  return lk_engine_tx_commit (engine, error);
}

void
lk_engine_batch_rollback (LkEngine *engine)
{
  if (!engine->in_batch)
    return;
  engine->in_batch = FALSE;
  lk_engine_tx_rollback (engine);
}

/* ---- accounts ---- */

static gboolean
check_account_fields (const char  *name,
                      const char  *key,
                      GError     **error)
{
  if (name == NULL || *name == '\0')
    {
      g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_MISSING_FIELD,
                   _("The account name is missing"));
      return FALSE;
    }
  if (!lk_engine_check_text (name, "spAccountLoginName", ACCOUNT_NAME_MAX, error))
    return FALSE;
  if (key == NULL || *key == '\0')
    {
      g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_MISSING_FIELD,
                   _("The account key is missing"));
      return FALSE;
    }
  if (strlen (key) < ACCOUNT_KEY_MIN || strlen (key) > ACCOUNT_KEY_MAX || !g_utf8_validate (key, -1, NULL))
    {
      g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_INVALID_ARGUMENT,
                   _("The account key must be %d to %d characters long"), ACCOUNT_KEY_MIN, ACCOUNT_KEY_MAX);
      return FALSE;
    }
  return TRUE;
}

gboolean
lk_engine_create_account (LkEngine    *engine,
                          const char  *name,
                          const char  *key,
                          gint64      *out_account_id,
                          GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *hash = NULL;
  gint64 id = 0;

  if (!check_account_fields (name, key, &local_error))
    goto out;
  /* The slow hash runs before the write lock is taken. */
  hash = lk_engine_password_hash (engine, key, &local_error);
  if (hash == NULL)
    goto out;
  if (!lk_engine_tx_begin (engine, TRUE, &local_error))
    goto out;
  {
    g_autoptr(LkStoreStmt) st = lk_engine_prepare (engine,
        "INSERT INTO accounts (name, key_hash, created_at, updated_at) VALUES (?1, ?2, ?3, ?3) "
        "ON CONFLICT (name) DO NOTHING RETURNING id", &local_error);
    LkStoreStep step;
    if (st == NULL)
      goto rollback;
    lk_store_bind_text (st, 1, name);
    lk_store_bind_text (st, 2, hash);
    lk_store_bind_int64 (st, 3, lk_engine_now (engine));
    step = lk_store_step (st, &local_error);
    if (step == LK_STORE_STEP_ERROR)
      {
        GError *e = g_steal_pointer (&local_error);
        lk_engine_propagate_store_error (&local_error, e, LK_ENGINE_ERROR_ACCOUNT_EXISTS);
        goto rollback;
      }
    if (step == LK_STORE_STEP_DONE)
      {
        g_set_error (&local_error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_ACCOUNT_EXISTS,
                     _("An account named “%s” already exists"), name);
        goto rollback;
      }
    id = lk_store_column_int64 (st, 0);
  }
  lk_engine_audit (engine, id, "create_account", NULL, NULL, NULL, NULL);
  if (!lk_engine_tx_commit (engine, &local_error))
    goto out;
  if (out_account_id)
    *out_account_id = id;
  return TRUE;

rollback:
  lk_engine_tx_rollback (engine);
out:
  lk_engine_audit (engine, 0, "create_account", NULL, NULL, local_error, NULL);
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

/* A hash to verify against when the account does not exist, so a wrong
 * name costs the same time as a wrong key. */
static const char *
dummy_hash (LkEngine *engine)
{
  static char *hashes[21];
  static GMutex lock;
  guint ln = engine->config.password_kdf_log2n;
  const char *h;

  g_mutex_lock (&lock);
  if (hashes[ln] == NULL)
    hashes[ln] = lk_engine_password_hash (engine, "latchkey-no-such-account", NULL);
  h = hashes[ln];
  g_mutex_unlock (&lock);
  return h;
}

gboolean
lk_engine_login_account (LkEngine    *engine,
                         const char  *name,
                         const char  *key,
                         gint64      *out_account_id,
                         GError     **error)
{
  g_autofree char *stored = NULL;
  gint64 id = 0;
  gboolean ok;

  if (name == NULL || key == NULL || *name == '\0' || *key == '\0' ||
      strlen (name) > ACCOUNT_NAME_MAX * 4 || strlen (key) > ACCOUNT_KEY_MAX)
    goto fail;
  if (lk_credential_cache_lookup (engine->cache, engine->db_id, name, key, &id))
    {
      if (out_account_id)
        *out_account_id = id;
      return TRUE;
    }
  {
    g_autoptr(LkStoreStmt) st = lk_engine_prepare (engine, "SELECT id, key_hash FROM accounts WHERE name = ?1", error);
    if (st == NULL)
      return FALSE;
    lk_store_bind_text (st, 1, name);
    if (lk_store_step (st, NULL) == LK_STORE_STEP_ROW)
      {
        id = lk_store_column_int64 (st, 0);
        stored = g_strdup (lk_store_column_text (st, 1));
      }
  }
  ok = lk_engine_password_verify (key, stored ? stored : dummy_hash (engine));
  if (ok && stored != NULL)
    {
      lk_credential_cache_insert (engine->cache, engine->db_id, name, key, id);
      if (out_account_id)
        *out_account_id = id;
      return TRUE;
    }

fail:
  {
    g_autoptr(GError) local_error = g_error_new (LK_ENGINE_ERROR, LK_ENGINE_ERROR_PARTNER_LOGIN_FAILED,
                                                 _("Partner account login failed"));
    g_autofree char *detail = name ? g_strdup_printf ("account name: %.64s", name) : NULL;
    g_autofree char *safe = detail ? g_utf8_make_valid (detail, -1) : NULL;
    lk_engine_audit (engine, id, "login_account", NULL, NULL, local_error, safe);
    g_propagate_error (error, g_steal_pointer (&local_error));
  }
  return FALSE;
}

gboolean
lk_engine_lookup_account (LkEngine    *engine,
                          const char  *name,
                          gint64      *out_account_id,
                          GError     **error)
{
  g_autoptr(LkStoreStmt) st = NULL;

  if (name == NULL || *name == '\0' || strlen (name) > ACCOUNT_NAME_MAX * 4)
    goto fail;
  st = lk_engine_prepare (engine, "SELECT id FROM accounts WHERE name = ?1", error);
  if (st == NULL)
    return FALSE;
  lk_store_bind_text (st, 1, name);
  if (lk_store_step (st, NULL) == LK_STORE_STEP_ROW)
    {
      if (out_account_id)
        *out_account_id = lk_store_column_int64 (st, 0);
      return TRUE;
    }

fail:
  g_set_error_literal (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_PARTNER_LOGIN_FAILED,
                       _("Partner account login failed"));
  return FALSE;
}

gboolean
lk_engine_set_account_key (LkEngine    *engine,
                           gint64       account_id,
                           const char  *new_key,
                           GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *hash = NULL;

  if (!check_account_fields ("-", new_key, &local_error))
    goto out;
  hash = lk_engine_password_hash (engine, new_key, &local_error);
  if (hash == NULL || !lk_engine_tx_begin (engine, TRUE, &local_error))
    goto out;
  {
    g_autoptr(LkStoreStmt) st = lk_engine_prepare (engine,
        "UPDATE accounts SET key_hash = ?2, updated_at = ?3 WHERE id = ?1", &local_error);
    if (st == NULL)
      goto rollback;
    lk_store_bind_int64 (st, 1, account_id);
    lk_store_bind_text (st, 2, hash);
    lk_store_bind_int64 (st, 3, lk_engine_now (engine));
    if (!lk_engine_step_done (st, 0, &local_error))
      goto rollback;
    if (lk_store_changes (engine->store) == 0)
      {
        g_set_error (&local_error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_NOT_FOUND, _("Account not found"));
        goto rollback;
      }
  }
  lk_engine_audit (engine, account_id, "set_account_key", NULL, NULL, NULL, NULL);
  if (!lk_engine_tx_commit (engine, &local_error))
    goto out;
  lk_credential_cache_forget_account (engine->cache, account_id);
  return TRUE;

rollback:
  lk_engine_tx_rollback (engine);
out:
  lk_engine_audit (engine, account_id, "set_account_key", NULL, NULL, local_error, NULL);
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

GStrv
lk_engine_list_accounts (LkEngine  *engine,
                         GError   **error)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(LkStoreStmt) st = lk_engine_prepare (engine, "SELECT name FROM accounts ORDER BY name", error);
  GError *local_error = NULL;
  LkStoreStep step;

  if (st == NULL)
    return NULL;
  while ((step = lk_store_step (st, &local_error)) == LK_STORE_STEP_ROW)
    g_strv_builder_add (builder, lk_store_column_text (st, 0));
  if (step == LK_STORE_STEP_ERROR)
    {
      lk_engine_propagate_store_error (error, local_error, 0);
      return NULL;
    }
  return g_strv_builder_end (builder);
}

/* ---- master key rotation ---- */

static gboolean
reseal_table (LkEngine      *engine,
              const guint8  *new_key,
              gint64         new_version,
              gboolean       outbox,
              GError       **error)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  GError *local_error = NULL;
  const char *purpose = outbox ? LK_SEAL_OUTBOX : LK_SEAL_SEED;
  LkStoreStep step;

  {
    g_autoptr(LkStoreStmt) st = lk_engine_prepare (engine, outbox
        ? "SELECT id, account_id, CAST (id AS TEXT), code_sealed, key_version FROM outbox WHERE code_sealed IS NOT NULL"
        : "SELECT id, account_id, serial, seed, key_version FROM devices", error);
    if (st == NULL)
      return FALSE;
    while ((step = lk_store_step (st, &local_error)) == LK_STORE_STEP_ROW)
      {
        gint64 id = lk_store_column_int64 (st, 0);
        gint64 account = lk_store_column_int64 (st, 1);
        gsize len = 0;
        const guint8 *blob = lk_store_column_blob (st, 3, &len);
        g_autoptr(GBytes) plain = lk_engine_unseal (engine, purpose, account, lk_store_column_text (st, 2),
                                                    lk_store_column_int64 (st, 4), blob, len, error);
        GBytes *sealed;

        if (plain == NULL)
          return FALSE;
        sealed = lk_engine_seal_with (new_key, purpose, account, lk_store_column_text (st, 2),
                                      g_bytes_get_data (plain, NULL), g_bytes_get_size (plain), error);
        if (sealed == NULL)
          return FALSE;
        g_array_append_val (ids, id);
        g_ptr_array_add (rows, sealed);
      }
    if (step == LK_STORE_STEP_ERROR)
      {
        lk_engine_propagate_store_error (error, local_error, 0);
        return FALSE;
      }
  }
  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr(LkStoreStmt) st = lk_engine_prepare (engine, outbox
          ? "UPDATE outbox SET code_sealed = ?2, key_version = ?3 WHERE id = ?1"
          : "UPDATE devices SET seed = ?2, key_version = ?3 WHERE id = ?1", error);
      GBytes *b = g_ptr_array_index (rows, i);
      if (st == NULL)
        return FALSE;
      lk_store_bind_int64 (st, 1, g_array_index (ids, gint64, i));
      lk_store_bind_blob (st, 2, g_bytes_get_data (b, NULL), g_bytes_get_size (b));
      lk_store_bind_int64 (st, 3, new_version);
      if (!lk_engine_step_done (st, 0, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
lk_engine_rotate_master_key (LkEngine      *engine,
                             const guint8  *new_key,
                             GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  guint8 key[LK_MASTER_KEY_SIZE];
  guint8 old_key[LK_MASTER_KEY_SIZE];
  g_autofree char *check = NULL;
  g_autofree char *pin_sealed = NULL;
  g_autofree char *version_text = NULL;
  g_autofree char *current = NULL;
  gint64 new_version;

  if (engine->in_batch)
    {
      g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_INTERNAL,
                   _("The master key cannot be rotated inside a batch"));
      return FALSE;
    }
  if (new_key != NULL)
    memcpy (key, new_key, sizeof key);
  else if (!lk_random_bytes (key, sizeof key, error))
    return FALSE;

  if (!lk_engine_tx_begin (engine, TRUE, &local_error))
    goto out;
  /* Make sure we hold the key the rows are sealed with right now. */
  current = meta_get (engine, "key_version", NULL);
  if (current == NULL || g_ascii_strtoll (current, NULL, 10) != engine->key_version)
    if (!lk_engine_reload_key (engine, &local_error))
      goto rollback;
  memcpy (old_key, engine->master_key, sizeof old_key);
  new_version = engine->key_version + 1;
  if (!reseal_table (engine, key, new_version, FALSE, &local_error) ||
      !reseal_table (engine, key, new_version, TRUE, &local_error))
    goto rollback;
  check = lk_engine_key_check (key);
  pin_sealed = lk_engine_seal_pin_key (key, engine->pin_key, &local_error);
  version_text = g_strdup_printf ("%" G_GINT64_FORMAT, new_version);
  if (pin_sealed == NULL ||
      !meta_set (engine, "key_check", check, &local_error) ||
      !meta_set (engine, "pin_key", pin_sealed, &local_error) ||
      !meta_set (engine, "key_version", version_text, &local_error))
    goto rollback;
  lk_engine_audit (engine, 0, "rotate_master_key", NULL, NULL, NULL, NULL);

  /* The provider gets the new key while we still hold the write lock; if
   * the commit then fails, the old key goes back, so the key and the rows
   * never disagree for longer than this window (docs/engine.md). */
  if (!lk_key_provider_store_key (engine->keys, key, &local_error))
    goto rollback;
  if (!lk_engine_tx_commit (engine, &local_error))
    {
      g_autoptr(GError) restore_error = NULL;
      if (!lk_key_provider_store_key (engine->keys, old_key, &restore_error))
        g_critical ("Master key rotation failed and the old key could not be restored: %s",
                    restore_error->message);
      goto out;
    }
  memcpy (engine->master_key, key, sizeof key);
  engine->key_version = new_version;
  lk_secure_wipe (key, sizeof key);
  lk_secure_wipe (old_key, sizeof old_key);
  return TRUE;

rollback:
  lk_engine_tx_rollback (engine);
out:
  lk_secure_wipe (key, sizeof key);
  lk_secure_wipe (old_key, sizeof old_key);
  lk_engine_audit (engine, 0, "rotate_master_key", NULL, NULL, local_error, NULL);
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}
