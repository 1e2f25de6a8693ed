/* SPDX-License-Identifier: GPL-3.0-or-later
 * The SQLite store: one connection, WAL, cached prepared statements. */
#include "config.h"

#include <string.h>
#include <sqlite3.h>

#include "lk-sqlite-checkpointer.h"
#include "lk-sqlite-wal-vfs.h"
#include "lk-store.h"

G_DEFINE_QUARK (lk-store-error-quark, lk_store_error)

typedef struct
{
  LkStoreStmt   parent;
  sqlite3_stmt *stmt;
  char         *sql;    /* the text it was prepared from, as given */
} SqliteStmt;

typedef struct
{
  LkStore     parent;
  sqlite3    *db;
  GHashTable *stmts;   /* SQL text (owned) -> SqliteStmt */
  GHashTable *by_ptr;  /* SQL pointer -> SqliteStmt: the fast path for the engine's constant strings */
  guint       depth;
  gint64      busy_timeout_us;
  gint64      busy_since;
  LkSqliteCheckpointer *checkpointer;  /* NULL unless the file is in WAL mode */
} SqliteStore;

/* SQLite's own busy handler sleeps 1, 2, 5, 10 … 100 ms between tries. A
 * validation holds the write lock for tens of microseconds, so those sleeps
 * would turn every collision between worker threads into a millisecond of
 * latency. This one yields first, then sleeps in short steps, and gives up
 * after the configured timeout (then the caller gets "busy", 9507). */
static int
busy_handler (void *data,
              int   count)
{
  SqliteStore *self = data;
  gint64 now = g_get_monotonic_time ();

  if (count == 0)
    self->busy_since = now;
  if (now - self->busy_since >= self->busy_timeout_us)
    return 0;
  if (count < 20)
    g_thread_yield ();
  else
    g_usleep (MIN (20 * (count - 19), 1000));
  return 1;
}

static void
set_error (GError   **error,
           sqlite3   *db,
           int        rc,
           const char *what)
{
  int primary = rc & 0xff;
  LkStoreError code;

  switch (primary)
    {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      code = LK_STORE_ERROR_BUSY;
      break;
    case SQLITE_CONSTRAINT:
      code = LK_STORE_ERROR_CONSTRAINT;
      break;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      code = LK_STORE_ERROR_CORRUPT;
      break;
    default:
      code = LK_STORE_ERROR_FAILED;
      break;
    }
  /* SQLite messages name tables and constraints, never bound values, so
   * they are safe to pass on. */
  g_set_error (error, LK_STORE_ERROR, code, "%s: %s", what,
               db ? sqlite3_errmsg (db) : sqlite3_errstr (rc));
}

static gboolean
run_simple (SqliteStore *self,
            const char  *sql,
            GError     **error)
{
  int rc = sqlite3_exec (self->db, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    {
      set_error (error, self->db, rc, sql);
      return FALSE;
    }
  return TRUE;
}

static void
stmt_free (gpointer data)
{
  SqliteStmt *st = data;

  sqlite3_finalize (st->stmt);
  g_free (st->sql);
  g_free (st);
}

static void
sqlite_close (LkStore *store)
{
  SqliteStore *self = (SqliteStore *) store;

  if (self->depth > 0)
    sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
  g_hash_table_destroy (self->by_ptr);
  g_hash_table_destroy (self->stmts);
  if (self->checkpointer != NULL)
    lk_sqlite_checkpointer_detach (self->checkpointer, self->db);
  sqlite3_close_v2 (self->db);
  g_free (self);
}

/* Transaction control runs on every operation: prepared once, like the
 * rest, rather than parsed by sqlite3_exec() each time. */
static gboolean
run_cached (SqliteStore *self,
            const char  *sql,
            GError     **error)
{
  LkStoreStmt *st = self->parent.vtable->prepare (&self->parent, sql, error);
  sqlite3_stmt *raw;
  int rc;

  if (st == NULL)
    return FALSE;
  raw = ((SqliteStmt *) st)->stmt;
  rc = sqlite3_step (raw);
  sqlite3_reset (raw);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    {
      set_error (error, self->db, rc, sql);
      return FALSE;
    }
  return TRUE;
}

static gboolean
sqlite_begin (LkStore       *store,
              LkStoreTxMode  mode,
              GError       **error)
{
  SqliteStore *self = (SqliteStore *) store;
  gboolean ok;

  if (self->depth == 0)
    ok = run_cached (self, mode == LK_STORE_TX_IMMEDIATE ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED", error);
  else
    ok = run_cached (self, "SAVEPOINT lk_nested", error);
  if (ok)
    self->depth++;
  return ok;
}

static gboolean
sqlite_commit (LkStore  *store,
               GError  **error)
{
  SqliteStore *self = (SqliteStore *) store;

  g_return_val_if_fail (self->depth > 0, FALSE);

  if (self->depth == 1)
    {
      if (!run_cached (self, "COMMIT", error))
        {
          /* A failed COMMIT (SQLITE_BUSY, I/O) may leave the transaction
           * open; roll it back so the connection is usable again. */
          if (!sqlite3_get_autocommit (self->db))
            sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
          self->depth = 0;
          return FALSE;
        }
    }
  else if (!run_cached (self, "RELEASE lk_nested", error))
    return FALSE;
  self->depth--;
  return TRUE;
}

static void
sqlite_rollback (LkStore *store)
{
  SqliteStore *self = (SqliteStore *) store;

  if (self->depth == 0)
    return;
  if (self->depth == 1)
    {
      if (!sqlite3_get_autocommit (self->db))
        sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
    }
  else
    sqlite3_exec (self->db, "ROLLBACK TO lk_nested; RELEASE lk_nested", NULL, NULL, NULL);
  self->depth--;
}

static guint
sqlite_tx_depth (LkStore *store)
{
  return ((SqliteStore *) store)->depth;
}

static gboolean
sqlite_exec (LkStore     *store,
             const char  *sql,
             GError     **error)
{
  return run_simple ((SqliteStore *) store, sql, error);
}

static LkStoreStmt *
sqlite_prepare (LkStore     *store,
                const char  *sql,
                GError     **error)
{
  SqliteStore *self = (SqliteStore *) store;
  SqliteStmt *st = g_hash_table_lookup (self->by_ptr, sql);
  g_autofree char *text = NULL;
  gsize len;
  int rc;

  /* The engine passes the same constant strings again and again: a pointer
   * lookup verified by strcmp is much cheaper than hashing the text. The
   * check keeps a reused heap address with other text from matching. */
  if (st != NULL && strcmp (st->sql, sql) == 0)
    return &st->parent;
  st = g_hash_table_lookup (self->stmts, sql);
  if (st != NULL)
    {
      g_hash_table_replace (self->by_ptr, (gpointer) sql, st);
      return &st->parent;
    }

  /* Row locks are PostgreSQL's business; BEGIN IMMEDIATE already holds
   * SQLite's single write lock, so the suffix is dropped here. */
  text = g_strdup (sql);
  g_strchomp (text);
  len = strlen (text);
  if (len > 11 && g_ascii_strcasecmp (text + len - 11, " FOR UPDATE") == 0)
    text[len - 11] = '\0';

  st = g_new0 (SqliteStmt, 1);
  st->parent.store = store;
  rc = sqlite3_prepare_v3 (self->db, text, -1, SQLITE_PREPARE_PERSISTENT, &st->stmt, NULL);
  if (rc != SQLITE_OK)
    {
      set_error (error, self->db, rc, "prepare");
      g_free (st);
      return NULL;
    }
  st->sql = g_strdup (sql);
  g_hash_table_insert (self->stmts, g_strdup (sql), st);
  g_hash_table_replace (self->by_ptr, (gpointer) sql, st);
  return &st->parent;
}

static void
sqlite_bind_int64 (LkStoreStmt *stmt, int index, gint64 value)
{
  sqlite3_bind_int64 (((SqliteStmt *) stmt)->stmt, index, value);
}

static void
sqlite_bind_text (LkStoreStmt *stmt, int index, const char *value)
{
  if (value == NULL)
    sqlite3_bind_null (((SqliteStmt *) stmt)->stmt, index);
  else
    sqlite3_bind_text (((SqliteStmt *) stmt)->stmt, index, value, -1, SQLITE_TRANSIENT);
}

static void
sqlite_bind_blob (LkStoreStmt *stmt, int index, const void *data, gsize len)
{
  sqlite3_bind_blob64 (((SqliteStmt *) stmt)->stmt, index, data ? data : "", len, SQLITE_TRANSIENT);
}

static void
sqlite_bind_null (LkStoreStmt *stmt, int index)
{
  sqlite3_bind_null (((SqliteStmt *) stmt)->stmt, index);
}

static LkStoreStep
sqlite_step (LkStoreStmt *stmt,
             GError     **error)
{
  SqliteStmt *st = (SqliteStmt *) stmt;
  int rc = sqlite3_step (st->stmt);

  if (rc == SQLITE_ROW)
    return LK_STORE_STEP_ROW;
  if (rc == SQLITE_DONE)
    return LK_STORE_STEP_DONE;
  set_error (error, sqlite3_db_handle (st->stmt), rc, "step");
  return LK_STORE_STEP_ERROR;
}

static gint64
sqlite_column_int64 (LkStoreStmt *stmt, int column)
{
  return sqlite3_column_int64 (((SqliteStmt *) stmt)->stmt, column);
}

static const char *
sqlite_column_text (LkStoreStmt *stmt, int column)
{
  return (const char *) sqlite3_column_text (((SqliteStmt *) stmt)->stmt, column);
}

static const void *
sqlite_column_blob (LkStoreStmt *stmt, int column, gsize *len)
{
  sqlite3_stmt *s = ((SqliteStmt *) stmt)->stmt;
  const void *data = sqlite3_column_blob (s, column);

  *len = (gsize) sqlite3_column_bytes (s, column);
  return data;
}

static gboolean
sqlite_column_is_null (LkStoreStmt *stmt, int column)
{
  return sqlite3_column_type (((SqliteStmt *) stmt)->stmt, column) == SQLITE_NULL;
}

static void
sqlite_release (LkStoreStmt *stmt)
{
  SqliteStmt *st = (SqliteStmt *) stmt;

  sqlite3_reset (st->stmt);
  sqlite3_clear_bindings (st->stmt);
}

static gint64
sqlite_changes (LkStore *store)
{
  return sqlite3_changes64 (((SqliteStore *) store)->db);
}

static const LkStoreVTable sqlite_vtable = {
  .dialect = "sqlite",
  .close = sqlite_close,
  .begin = sqlite_begin,
  .commit = sqlite_commit,
  .rollback = sqlite_rollback,
  .tx_depth = sqlite_tx_depth,
  .exec = sqlite_exec,
  .prepare = sqlite_prepare,
  .bind_int64 = sqlite_bind_int64,
  .bind_text = sqlite_bind_text,
  .bind_blob = sqlite_bind_blob,
  .bind_null = sqlite_bind_null,
  .step = sqlite_step,
  .column_int64 = sqlite_column_int64,
  .column_text = sqlite_column_text,
  .column_blob = sqlite_column_blob,
  .column_is_null = sqlite_column_is_null,
  .release = sqlite_release,
  .changes = sqlite_changes,
};

/* A file database in WAL mode (":memory:" and temporary ones are not). */
static gboolean
in_wal_mode (sqlite3 *db)
{
  sqlite3_stmt *st = NULL;
  const char *file = sqlite3_db_filename (db, "main");
  gboolean wal = FALSE;

  if (file == NULL || *file == '\0')
    return FALSE;
  if (sqlite3_prepare_v2 (db, "PRAGMA journal_mode", -1, &st, NULL) == SQLITE_OK &&
      sqlite3_step (st) == SQLITE_ROW)
    wal = g_ascii_strcasecmp ((const char *) sqlite3_column_text (st, 0), "wal") == 0;
  sqlite3_finalize (st);
  return wal;
}

LkStore *
lk_store_sqlite_open (const char                  *path,
                      const LkStoreSqliteOptions  *options,
                      GError                     **error)
{
  SqliteStore *self;
  sqlite3 *db = NULL;
  g_autofree char *pragmas = NULL;
  int rc;

  g_return_val_if_fail (path != NULL, NULL);

  rc = sqlite3_open_v2 (path, &db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        lk_sqlite_wal_vfs_name ());
  if (rc != SQLITE_OK)
    {
      set_error (error, db, rc, path);
      sqlite3_close_v2 (db);
      return NULL;
    }
  sqlite3_extended_result_codes (db, 1);

  self = g_new0 (SqliteStore, 1);
  self->parent.vtable = &sqlite_vtable;
  self->db = db;
  self->busy_timeout_us = (gint64) (options && options->busy_timeout_ms ? options->busy_timeout_ms : 5000) * 1000;
  sqlite3_busy_handler (db, busy_handler, self);
  self->stmts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, stmt_free);
  self->by_ptr = g_hash_table_new (g_direct_hash, g_direct_equal);

  /* journal_mode=WAL persists in the file; the others are per connection.
   * NORMAL in WAL mode never corrupts the database on a crash; it may lose
   * the last commits on power loss (docs/engine.md). Checkpoints are what
   * fsync in NORMAL mode; they run on a background thread
   * (lk-sqlite-checkpointer.c), not in the committing one. Reads go
   * through mmap and a 32 MiB page cache (100,000 devices fit). 1 KiB
   * pages halved the bytes written per validation but cost more CPU in
   * deeper B-trees than they saved (docs/performance.md), so the default
   * 4 KiB stays. The WAL goes through lk-sqlite-wal-vfs.c, which writes a
   * commit's frames in one call; it relies on cache_spill=OFF, so that
   * frames are only written by a commit (a transaction's dirty pages stay
   * in memory until then, whatever its size). */
  pragmas = g_strdup_printf ("PRAGMA journal_mode=WAL;"
                             "PRAGMA foreign_keys=ON;"
                             "PRAGMA synchronous=%s;"
                             "PRAGMA temp_store=MEMORY;"
                             "PRAGMA cache_size=-32768;"
                             "PRAGMA cache_spill=OFF;"
                             "PRAGMA mmap_size=268435456;",
                             options && options->synchronous_full ? "FULL" : "NORMAL");
  if (!run_simple (self, pragmas, error))
    {
      sqlite_close (&self->parent);
      return NULL;
    }
  if (in_wal_mode (db))
    self->checkpointer = lk_sqlite_checkpointer_attach (path, db);
  return &self->parent;
}
