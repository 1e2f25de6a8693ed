/* SPDX-License-Identifier: GPL-3.0-or-later
 * The store seam: the few primitives the engine needs from a SQL database,
 * as a vtable, so a PostgreSQL store (issue 12) can sit beside SQLite and the
 * engine's operations never know which one they run on.
 *
 * SQL dialect the engine writes (the common subset of SQLite and PostgreSQL):
 * numbered parameters ?1 ?2 … (a PostgreSQL store rewrites them to $1 $2),
 * INSERT … RETURNING id, ON CONFLICT, and SELECT … FOR UPDATE where a row
 * lock is meant (SQLite strips the suffix: BEGIN IMMEDIATE already
 * serialises writers). Integers are 64-bit, text is UTF-8, blobs are bytes. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _LkStore     LkStore;
typedef struct _LkStoreStmt LkStoreStmt;

#define LK_STORE_ERROR (lk_store_error_quark ())

typedef enum
{
  LK_STORE_ERROR_FAILED,      /* anything else: I/O, full disk, bad SQL */
  LK_STORE_ERROR_BUSY,        /* locked by another writer past the timeout, or connection lost: retry */
  LK_STORE_ERROR_CONSTRAINT,  /* a UNIQUE / FOREIGN KEY / CHECK constraint refused the write */
  LK_STORE_ERROR_CORRUPT,     /* the database file is damaged or not a database */
} LkStoreError;

GQuark lk_store_error_quark (void);

typedef enum
{
  LK_STORE_TX_DEFERRED,   /* readers */
  LK_STORE_TX_IMMEDIATE,  /* writers: take the write lock up front */
} LkStoreTxMode;

typedef enum
{
  LK_STORE_STEP_ERROR = -1,
  LK_STORE_STEP_DONE  = 0,
  LK_STORE_STEP_ROW   = 1,
} LkStoreStep;

typedef struct
{
  const char  *dialect;   /* "sqlite", "postgresql": picks migration SQL */

  void         (*close)        (LkStore *store);

  /* Transactions nest: begin on an open transaction makes a savepoint,
   * commit releases it and rollback rolls back to it. */
  gboolean     (*begin)        (LkStore *store, LkStoreTxMode mode, GError **error);
  gboolean     (*commit)       (LkStore *store, GError **error);
  void         (*rollback)     (LkStore *store);
  guint        (*tx_depth)     (LkStore *store);

  /* Runs a script of several statements without parameters (migrations). */
  gboolean     (*exec)         (LkStore *store, const char *sql, GError **error);

  /* Returns a statement cached by its SQL text, owned by the store, ready to
   * bind. Release it with lk_store_stmt_release() (or g_autoptr), which
   * resets it and clears its bindings for the next user. */
  LkStoreStmt *(*prepare)      (LkStore *store, const char *sql, GError **error);
  void         (*bind_int64)   (LkStoreStmt *stmt, int index, gint64 value);
  void         (*bind_text)    (LkStoreStmt *stmt, int index, const char *value);   /* NULL binds NULL */
  void         (*bind_blob)    (LkStoreStmt *stmt, int index, const void *data, gsize len);
  void         (*bind_null)    (LkStoreStmt *stmt, int index);
  LkStoreStep  (*step)         (LkStoreStmt *stmt, GError **error);
  gint64       (*column_int64) (LkStoreStmt *stmt, int column);
  const char  *(*column_text)  (LkStoreStmt *stmt, int column);   /* NULL for NULL; valid until the next step */
  const void  *(*column_blob)  (LkStoreStmt *stmt, int column, gsize *len);
  gboolean     (*column_is_null) (LkStoreStmt *stmt, int column);
  void         (*release)      (LkStoreStmt *stmt);
  /* Rows changed by the last INSERT/UPDATE/DELETE. */
  gint64       (*changes)      (LkStore *store);
} LkStoreVTable;

struct _LkStore
{
  const LkStoreVTable *vtable;
};

struct _LkStoreStmt
{
  LkStore *store;
};

typedef struct
{
  guint     busy_timeout_ms;
  gboolean  synchronous_full;
} LkStoreSqliteOptions;

/* Opens (creating) a SQLite database with WAL, foreign keys, busy_timeout
 * and synchronous=NORMAL (or FULL). */
LkStore *lk_store_sqlite_open (const char                  *path,
                               const LkStoreSqliteOptions  *options,
                               GError                     **error);

/* The PostgreSQL store (lk-store-pg.c): one libpq connection from a
 * connection string ("postgresql://…", "postgres://…" or "host=… dbname=…").
 * A lost connection is LK_STORE_ERROR_BUSY and is made again on the next
 * operation outside a transaction. */
LkStore *lk_store_pg_open         (const char  *conninfo,
                                   GError     **error);
/* Whether @path is a PostgreSQL connection string rather than a file. */
gboolean lk_store_is_pg_conninfo  (const char  *path);
/* Overwrites a string that may hold a password before it is freed. */
void     lk_store_wipe_string     (char        *s);

static inline void     lk_store_close    (LkStore *s) { if (s) s->vtable->close (s); }
static inline gboolean lk_store_begin    (LkStore *s, LkStoreTxMode m, GError **e) { return s->vtable->begin (s, m, e); }
static inline gboolean lk_store_commit   (LkStore *s, GError **e) { return s->vtable->commit (s, e); }
static inline void     lk_store_rollback (LkStore *s) { s->vtable->rollback (s); }
static inline guint    lk_store_tx_depth (LkStore *s) { return s->vtable->tx_depth (s); }
static inline gboolean lk_store_exec     (LkStore *s, const char *sql, GError **e) { return s->vtable->exec (s, sql, e); }
static inline LkStoreStmt *lk_store_prepare (LkStore *s, const char *sql, GError **e) { return s->vtable->prepare (s, sql, e); }
static inline gint64   lk_store_changes  (LkStore *s) { return s->vtable->changes (s); }
static inline const char *lk_store_dialect (LkStore *s) { return s->vtable->dialect; }

static inline void lk_store_bind_int64 (LkStoreStmt *st, int i, gint64 v) { st->store->vtable->bind_int64 (st, i, v); }
static inline void lk_store_bind_text  (LkStoreStmt *st, int i, const char *v) { st->store->vtable->bind_text (st, i, v); }
static inline void lk_store_bind_blob  (LkStoreStmt *st, int i, const void *d, gsize n) { st->store->vtable->bind_blob (st, i, d, n); }
static inline void lk_store_bind_null  (LkStoreStmt *st, int i) { st->store->vtable->bind_null (st, i); }
static inline LkStoreStep lk_store_step (LkStoreStmt *st, GError **e) { return st->store->vtable->step (st, e); }
static inline gint64 lk_store_column_int64 (LkStoreStmt *st, int c) { return st->store->vtable->column_int64 (st, c); }
static inline const char *lk_store_column_text (LkStoreStmt *st, int c) { return st->store->vtable->column_text (st, c); }
static inline const void *lk_store_column_blob (LkStoreStmt *st, int c, gsize *n) { return st->store->vtable->column_blob (st, c, n); }
static inline gboolean lk_store_column_is_null (LkStoreStmt *st, int c) { return st->store->vtable->column_is_null (st, c); }
static inline void lk_store_stmt_release (LkStoreStmt *st) { if (st) st->store->vtable->release (st); }

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LkStoreStmt, lk_store_stmt_release)

G_END_DECLS
