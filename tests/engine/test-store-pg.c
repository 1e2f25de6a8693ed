/* SPDX-License-Identifier: GPL-3.0-or-later
 * Tests of the PostgreSQL store (lk-store-pg.c) through the LkStore vtable:
 * an unreachable server is a clear temporary error; on a live cluster
 * (under tests/common/lk-with-pg.sh) blobs with zero bytes, NULLs, the
 * SQLite-dialect translations, savepoints and constraint errors. */
#include "config.h"

#include <string.h>

#include "lk-store.h"
#include "lk-engine.h"
#include "lk-test-pg.h"

static void
test_unreachable (void)
{
  static const guint8 key[LK_MASTER_KEY_SIZE] = { 9 };
  g_autoptr(LkKeyProvider) keys = lk_memory_key_provider_new (key);
  g_autoptr(GError) error = NULL;
  LkEngine *engine;

  g_assert_true (lk_store_is_pg_conninfo ("postgresql://u@h/db"));
  g_assert_true (lk_store_is_pg_conninfo ("host=h dbname=d"));
  g_assert_false (lk_store_is_pg_conninfo ("/var/lib/latchkeyd/latchkey.db"));

  /* Port 1 on loopback: nothing listens. A temporary error (9507), and the
   * connection string, which may hold a password, is not in the message. */
  engine = lk_engine_open ("host=127.0.0.1 port=1 dbname=x password=hunter2-secret connect_timeout=2",
                           keys, NULL, &error);
  g_assert_null (engine);
  g_assert_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_BUSY);
  g_assert_null (strstr (error->message, "hunter2"));
}

typedef struct
{
  char    *db;
  LkStore *store;
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  g_autofree char *conninfo = NULL;
  g_autoptr(GError) error = NULL;

  f->db = lk_test_pg_create_db (&conninfo);
  f->store = lk_store_pg_open (conninfo, &error);
  g_assert_no_error (error);
  g_assert_true (lk_store_exec (f->store,
                                "CREATE TABLE t (id INTEGER PRIMARY KEY, window INTEGER NOT NULL,"
                                " name TEXT UNIQUE, data BLOB)", &error));
  g_assert_no_error (error);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  lk_store_close (f->store);
  lk_test_pg_drop_db (f->db);
  g_free (f->db);
}

static gint64
insert (Fixture *f, gint64 window, const char *name, const void *data, gsize len, GError **error)
{
  g_autoptr(LkStoreStmt) st = lk_store_prepare (f->store,
      "INSERT INTO t (window, name, data) VALUES (?1, ?2, ?3) RETURNING id", error);
  LkStoreStep step;

  g_assert_nonnull (st);
  lk_store_bind_int64 (st, 1, window);
  lk_store_bind_text (st, 2, name);
  if (data != NULL)
    lk_store_bind_blob (st, 3, data, len);
  step = lk_store_step (st, error);
  if (step != LK_STORE_STEP_ROW)
    return -1;
  return lk_store_column_int64 (st, 0);
}

static void
test_values (Fixture *f, gconstpointer data)
{
  static const guint8 blob[] = { 0, 1, 0xff, 0, '\\', 'x', 0 };
  g_autoptr(GError) error = NULL;
  gint64 id;

  id = insert (f, G_MAXINT64, "alpha", blob, sizeof blob, &error);
  g_assert_no_error (error);
  g_assert_cmpint (id, ==, 1);
  g_assert_cmpint (insert (f, -5, NULL, NULL, 0, &error), ==, 2);
  g_assert_no_error (error);

  {
    g_autoptr(LkStoreStmt) st = lk_store_prepare (f->store,
        "SELECT window, name, data, CASE WHEN ?2 THEN 'yes' ELSE 'no' END, +name IS NULL"
        " FROM t WHERE id = ?1", &error);
    const guint8 *got;
    gsize len = 0;

    lk_store_bind_int64 (st, 1, 1);
    lk_store_bind_int64 (st, 2, 1);
    g_assert_cmpint (lk_store_step (st, &error), ==, LK_STORE_STEP_ROW);
    g_assert_cmpint (lk_store_column_int64 (st, 0), ==, G_MAXINT64);
    g_assert_cmpstr (lk_store_column_text (st, 1), ==, "alpha");
    got = lk_store_column_blob (st, 2, &len);
    g_assert_cmpmem (got, len, blob, sizeof blob);
    g_assert_cmpstr (lk_store_column_text (st, 3), ==, "yes");
    g_assert_cmpint (lk_store_column_int64 (st, 4), ==, 0);
    g_assert_cmpint (lk_store_step (st, &error), ==, LK_STORE_STEP_DONE);
  }
  {
    /* A NULL where PostgreSQL cannot infer the type. */
    g_autoptr(LkStoreStmt) st = lk_store_prepare (f->store,
        "SELECT COUNT(*) FROM t WHERE ?1 IS NULL OR name = ?1", &error);
    lk_store_bind_text (st, 1, NULL);
    g_assert_cmpint (lk_store_step (st, &error), ==, LK_STORE_STEP_ROW);
    g_assert_no_error (error);
    g_assert_cmpint (lk_store_column_int64 (st, 0), ==, 2);
  }
  {
    g_autoptr(LkStoreStmt) st = lk_store_prepare (f->store, "SELECT name FROM t WHERE id = 2", &error);
    g_assert_cmpint (lk_store_step (st, &error), ==, LK_STORE_STEP_ROW);
    g_assert_true (lk_store_column_is_null (st, 0));
    g_assert_null (lk_store_column_text (st, 0));
  }
}

static void
test_transactions (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  /* A constraint error is reported as such, and a savepoint undoes only
   * its part of the transaction. */
  g_assert_true (lk_store_begin (f->store, LK_STORE_TX_IMMEDIATE, &error));
  g_assert_cmpint (insert (f, 1, "one", NULL, 0, &error), >, 0);
  g_assert_true (lk_store_begin (f->store, LK_STORE_TX_IMMEDIATE, &error));
  g_assert_cmpuint (lk_store_tx_depth (f->store), ==, 2);
  g_assert_cmpint (insert (f, 2, "one", NULL, 0, &error), ==, -1);
  g_assert_error (error, LK_STORE_ERROR, LK_STORE_ERROR_CONSTRAINT);
  g_clear_error (&error);
  lk_store_rollback (f->store);
  g_assert_cmpint (insert (f, 3, "three", NULL, 0, &error), >, 0);
  g_assert_no_error (error);
  g_assert_true (lk_store_commit (f->store, &error));
  g_assert_cmpuint (lk_store_tx_depth (f->store), ==, 0);

  /* A rolled-back transaction leaves nothing. */
  g_assert_true (lk_store_begin (f->store, LK_STORE_TX_IMMEDIATE, &error));
  g_assert_cmpint (insert (f, 4, "four", NULL, 0, &error), >, 0);
  lk_store_rollback (f->store);
  {
    g_autoptr(LkStoreStmt) st = lk_store_prepare (f->store, "SELECT COUNT(*), SUM (window) FROM t", &error);
    g_assert_cmpint (lk_store_step (st, &error), ==, LK_STORE_STEP_ROW);
    g_assert_cmpint (lk_store_column_int64 (st, 0), ==, 2);
    g_assert_cmpint (lk_store_column_int64 (st, 1), ==, 4);
  }
  /* Bad SQL is a plain failure, and the connection stays usable. */
  {
    g_autoptr(LkStoreStmt) st = lk_store_prepare (f->store, "SELEC nonsense", &error);
    g_assert_no_error (error);
    g_assert_cmpint (lk_store_step (st, &error), ==, LK_STORE_STEP_ERROR);
    g_assert_error (error, LK_STORE_ERROR, LK_STORE_ERROR_FAILED);
    g_clear_error (&error);
  }
  g_assert_cmpint (insert (f, 5, "five", NULL, 0, &error), >, 0);
  g_assert_no_error (error);
  g_assert_cmpint (lk_store_changes (f->store), ==, 1);
  /* changes() counts the last write, as on SQLite: a SELECT leaves it. */
  g_assert_true (lk_store_exec (f->store, "UPDATE t SET window = window + 1", &error));
  {
    g_autoptr(LkStoreStmt) st = lk_store_prepare (f->store, "UPDATE t SET window = window + 1 WHERE id > ?1", &error);
    lk_store_bind_int64 (st, 1, 0);
    g_assert_cmpint (lk_store_step (st, &error), ==, LK_STORE_STEP_DONE);
    g_assert_cmpint (lk_store_changes (f->store), ==, 3);
  }
  {
    g_autoptr(LkStoreStmt) st = lk_store_prepare (f->store, "SELECT id FROM t", &error);
    while (lk_store_step (st, &error) == LK_STORE_STEP_ROW)
      ;
    g_assert_no_error (error);
    g_assert_cmpint (lk_store_changes (f->store), ==, 3);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/engine/store-pg/unreachable", test_unreachable);
  if (lk_test_pg_enabled ())
    {
      g_test_add ("/engine/store-pg/values", Fixture, NULL, setup, test_values, teardown);
      g_test_add ("/engine/store-pg/transactions", Fixture, NULL, setup, test_transactions, teardown);
    }
  return g_test_run ();
}
