/* SPDX-License-Identifier: GPL-3.0-or-later
 * The schema, as an ordered list of migration steps applied once each.
 * Other files append steps here (see lk-engine-private.h). */
#include "config.h"

#include "lk-engine-private.h"

/* Normalised (lower-case) copies of the searchable columns make prefix
 * search a range scan on an index: login_norm >= 'ab' AND login_norm < 'ab\U+10FFFF'. */
const char lk_engine_core_schema_1_sqlite[] =
  "CREATE TABLE meta ("
  "  key TEXT PRIMARY KEY,"
  "  value TEXT NOT NULL);"
  "CREATE TABLE accounts ("
  "  id INTEGER PRIMARY KEY,"
  "  name TEXT NOT NULL UNIQUE,"
  "  key_hash TEXT NOT NULL,"
  "  created_at INTEGER NOT NULL,"
  "  updated_at INTEGER NOT NULL);"
  "CREATE TABLE users ("
  "  id INTEGER PRIMARY KEY,"
  "  account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,"
  "  login TEXT NOT NULL,"
  "  login_norm TEXT NOT NULL,"
  "  first_name TEXT NOT NULL DEFAULT '',"
  "  first_norm TEXT NOT NULL DEFAULT '',"
  "  last_name TEXT NOT NULL DEFAULT '',"
  "  last_norm TEXT NOT NULL DEFAULT '',"
  "  email TEXT NOT NULL DEFAULT '',"
  "  email_norm TEXT NOT NULL DEFAULT '',"
  "  mobile_phone TEXT NOT NULL DEFAULT '',"
  "  password_hash TEXT,"
  "  enabled INTEGER NOT NULL DEFAULT 1,"
  "  created_at INTEGER NOT NULL,"
  "  updated_at INTEGER NOT NULL,"
  "  last_login_at INTEGER NOT NULL DEFAULT 0,"
  "  UNIQUE (account_id, login_norm));"
  "CREATE INDEX users_first ON users (account_id, first_norm);"
  "CREATE INDEX users_last ON users (account_id, last_norm);"
  "CREATE INDEX users_email ON users (account_id, email_norm);"
  "CREATE TABLE devices ("
  "  id INTEGER PRIMARY KEY,"
  "  account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,"
  "  user_id INTEGER REFERENCES users (id) ON DELETE CASCADE,"
  "  serial TEXT NOT NULL,"
  "  device_type INTEGER NOT NULL,"
  "  otp_type INTEGER NOT NULL,"
  "  algorithm INTEGER NOT NULL,"
  "  digits INTEGER NOT NULL,"
  "  window INTEGER NOT NULL,"
  "  period INTEGER NOT NULL,"
  "  time_drift INTEGER NOT NULL,"
  "  ocra_suite TEXT,"
  "  alias TEXT NOT NULL DEFAULT '',"
  "  mobile_auth INTEGER NOT NULL DEFAULT 0,"
  "  mobile_usage INTEGER NOT NULL DEFAULT 1,"
  "  seed BLOB NOT NULL,"
  "  key_version INTEGER NOT NULL,"
  "  pin_hash BLOB,"
  "  counter INTEGER NOT NULL DEFAULT 0,"
  "  last_step INTEGER NOT NULL DEFAULT -1,"
  "  time_shift INTEGER NOT NULL DEFAULT 0,"
  "  fail_count INTEGER NOT NULL DEFAULT 0,"
  "  state INTEGER NOT NULL DEFAULT 0,"
  "  physical_device_id TEXT,"
  "  created_at INTEGER NOT NULL,"
  "  updated_at INTEGER NOT NULL,"
  "  activated_at INTEGER NOT NULL DEFAULT 0,"
  "  last_used_at INTEGER NOT NULL DEFAULT 0,"
  "  UNIQUE (account_id, serial));"
  "CREATE INDEX devices_user ON devices (user_id, id);"
  "CREATE INDEX devices_unassigned ON devices (account_id, id) WHERE user_id IS NULL;"
  "CREATE TABLE audit ("
  "  id INTEGER PRIMARY KEY,"
  "  time INTEGER NOT NULL,"
  "  account_id INTEGER NOT NULL,"
  "  actor TEXT NOT NULL,"
  "  operation TEXT NOT NULL,"
  "  user_login TEXT,"
  "  user_norm TEXT,"
  "  serial TEXT,"
  "  result INTEGER NOT NULL,"
  "  detail TEXT);"
  /* No index by user: every validation writes an audit row, and an entry
   * in a by-user index lands on a random page, which made validations 25 %
   * slower (docs/performance.md). Audit by user walks the log from the
   * newest row down instead. */
  "CREATE TABLE outbox ("
  "  id INTEGER PRIMARY KEY,"
  "  account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,"
  "  kind INTEGER NOT NULL,"
  "  method INTEGER NOT NULL,"
  "  user_login TEXT NOT NULL,"
  "  first_name TEXT,"
  "  last_name TEXT,"
  "  destination TEXT NOT NULL,"
  "  serial TEXT,"
  "  code_sealed BLOB,"
  "  key_version INTEGER NOT NULL DEFAULT 0,"
  "  expires_at INTEGER NOT NULL DEFAULT 0,"
  "  state INTEGER NOT NULL DEFAULT 0,"
  "  attempts INTEGER NOT NULL DEFAULT 0,"
  "  next_attempt_at INTEGER NOT NULL,"
  "  last_error TEXT,"
  "  created_at INTEGER NOT NULL,"
  "  updated_at INTEGER NOT NULL);"
  "CREATE INDEX outbox_due ON outbox (state, next_attempt_at);";

/* The order of this table is the order steps run in; append, never reorder. */
static const LkMigration migrations[] = {
  { "core-1", lk_engine_core_schema_1_sqlite },
  { "activation-1", lk_engine_activation_schema_1_sqlite },
  { "activation-2", lk_engine_activation_schema_2_sqlite },
  { "delivery-1", lk_engine_delivery_schema_1_sqlite },
  { "delivery-2", lk_engine_delivery_schema_2_sqlite },
  { "users-sort-1", lk_engine_users_sort_schema_1_sqlite },
  { "cluster-1", lk_engine_cluster_schema_1_sqlite },
};

const LkMigration *
lk_engine_get_migrations (guint *n_migrations)
{
  *n_migrations = G_N_ELEMENTS (migrations);
  return migrations;
}

static gboolean
migration_applied (LkEngine    *engine,
                   const char  *id,
                   gboolean    *out_applied,
                   GError     **error)
{
  g_autoptr(LkStoreStmt) st = lk_engine_prepare (engine, "SELECT 1 FROM schema_migrations WHERE id = ?1", error);
  LkStoreStep step;

  if (st == NULL)
    return FALSE;
  lk_store_bind_text (st, 1, id);
  step = lk_store_step (st, error);
  if (step == LK_STORE_STEP_ERROR)
    return FALSE;
  *out_applied = step == LK_STORE_STEP_ROW;
  return TRUE;
}

gboolean
lk_engine_migrate (LkEngine  *engine,
                   GError   **error)
{
  g_autoptr(GError) local_error = NULL;
  const LkMigration *list;
  guint n, applied_count = 0;
  gint64 user_version = -1;

  list = lk_engine_get_migrations (&n);

  /* Fast path: user_version counts applied steps; equal means up to date. */
  {
    g_autoptr(LkStoreStmt) st = lk_engine_prepare (engine, "PRAGMA user_version", error);
    if (st == NULL)
      return FALSE;
    if (lk_store_step (st, NULL) == LK_STORE_STEP_ROW)
      user_version = lk_store_column_int64 (st, 0);
  }
  if (user_version == (gint64) n)
    return TRUE;
  if (user_version > (gint64) n)
    {
      g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_STORE,
                   _("The database was made by a newer version of Latchkey (schema %" G_GINT64_FORMAT ", this version knows %u)"),
                   user_version, n);
      return FALSE;
    }

  /* One writer migrates; the others wait on the lock, then see it done. */
  if (!lk_engine_tx_begin (engine, TRUE, error))
    return FALSE;
  if (!lk_store_exec (engine->store,
                      "CREATE TABLE IF NOT EXISTS schema_migrations ("
                      "  id TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)", &local_error))
    goto fail;
  for (guint i = 0; i < n; i++)
    {
      gboolean applied = FALSE;
      g_autoptr(LkStoreStmt) st = NULL;

      if (!migration_applied (engine, list[i].id, &applied, &local_error))
        goto fail;
      if (!applied)
        {
          g_debug ("Applying schema step %s", list[i].id);
          if (!lk_store_exec (engine->store, list[i].sqlite_sql, &local_error))
            goto fail;
          st = lk_engine_prepare (engine, "INSERT INTO schema_migrations (id, applied_at) VALUES (?1, ?2)", &local_error);
          if (st == NULL)
            goto fail;
          lk_store_bind_text (st, 1, list[i].id);
          lk_store_bind_int64 (st, 2, lk_engine_now (engine));
          if (!lk_engine_step_done (st, 0, &local_error))
            goto fail;
        }
      applied_count++;
    }
  {
    g_autofree char *pragma = g_strdup_printf ("PRAGMA user_version = %u", applied_count);
    if (!lk_store_exec (engine->store, pragma, &local_error))
      goto fail;
  }
  return lk_engine_tx_commit (engine, error);

fail:
  lk_engine_tx_rollback (engine);
  if (local_error->domain == LK_ENGINE_ERROR)
    g_propagate_error (error, g_steal_pointer (&local_error));
  else
    g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_STORE,
                 _("The database schema cannot be updated: %s"), local_error->message);
  return FALSE;
}
