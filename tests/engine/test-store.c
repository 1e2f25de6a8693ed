/* SPDX-License-Identifier: GPL-3.0-or-later
 * The SQLite store and the schema migrations: pragmas, statement cache,
 * nested transactions, FOR UPDATE, busy mapping, user_version. */
#include "config.h"

#include <sqlite3.h>

#include "engine-test-util.h"
#include "lk-store.h"
#include "lk-engine-private.h"

static gint64
query_int (const char *path,
           const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  gint64 v = -1;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &st, NULL), ==, SQLITE_OK);
  if (sqlite3_step (st) == SQLITE_ROW)
    v = sqlite3_column_int64 (st, 0);
  sqlite3_finalize (st);
  sqlite3_close (db);
  return v;
}

static void
test_schema (Fixture *f, gconstpointer data)
{
  guint n = 0;
  g_autofree char *wal = g_strconcat (f->path, "-wal", NULL);

  /* Every step in the list ran once, including steps other files add. */
  g_assert_nonnull (lk_engine_get_migrations (&n));
  g_assert_cmpuint (n, >=, 1);
  g_assert_cmpint (query_int (f->path, "PRAGMA user_version"), ==, n);
  g_assert_cmpint (query_int (f->path, "SELECT COUNT(*) FROM schema_migrations"), ==, n);
  g_assert_cmpint (query_int (f->path, "SELECT COUNT(*) FROM schema_migrations WHERE id = 'core-1'"), ==, 1);
  g_assert_cmpint (query_int (f->path, "SELECT COUNT(*) FROM sqlite_master WHERE name IN "
                                       "('accounts','users','devices','audit','outbox','meta')"), ==, 6);
  g_assert_true (g_file_test (wal, G_FILE_TEST_EXISTS));

  /* Reopening applies nothing twice and keeps the data. */
  lk_engine_close (f->engine);
  f->engine = fixture_open (f);
  g_assert_cmpint (query_int (f->path, "SELECT COUNT(*) FROM schema_migrations"), ==, n);
  g_assert_cmpint (query_int (f->path, "SELECT COUNT(*) FROM accounts"), ==, 1);
}

static void
test_newer_schema_refused (Fixture *f, gconstpointer data)
{
  LkEngineConfig config;
  g_autoptr(GError) error = NULL;
  LkEngine *engine;

  lk_engine_close (f->engine);
  f->engine = NULL;
  query_int (f->path, "PRAGMA user_version = 42");
  fixture_config (f, &config);
  engine = lk_engine_open (f->path, f->keys, &config, &error);
  g_assert_null (engine);
  assert_engine_error (error, LK_ENGINE_ERROR_STORE);
  /* Back to normal, it opens again. */
  {
    guint n = 0;
    g_autofree char *pragma = NULL;
    lk_engine_get_migrations (&n);
    pragma = g_strdup_printf ("PRAGMA user_version = %u", n);
    query_int (f->path, pragma);
  }
  f->engine = fixture_open (f);
}

static void
test_not_a_database (Fixture *f, gconstpointer data)
{
  g_autofree char *path = g_build_filename (f->dir, "junk.db", NULL);
  LkEngineConfig config;
  g_autoptr(GError) error = NULL;
  LkEngine *engine;

  g_assert_true (g_file_set_contents (path, "this is not a SQLite database, just some text that is long enough "
                                            "to have a header of the wrong kind ................................",
                                      -1, NULL));
  fixture_config (f, &config);
  engine = lk_engine_open (path, f->keys, &config, &error);
  g_assert_null (engine);
  assert_engine_error (error, LK_ENGINE_ERROR_STORE);
  g_clear_error (&error);

  /* A directory that does not exist. */
  engine = lk_engine_open ("/nonexistent-dir/x/y.db", f->keys, &config, &error);
  g_assert_null (engine);
  assert_engine_error (error, LK_ENGINE_ERROR_STORE);
}

static void
test_store_primitives (Fixture *f, gconstpointer data)
{
  g_autofree char *path = g_build_filename (f->dir, "raw.db", NULL);
  LkStoreSqliteOptions options = { .busy_timeout_ms = 50 };
  g_autoptr(GError) error = NULL;
  LkStore *store = lk_store_sqlite_open (path, &options, &error);
  LkStore *other;
  LkStoreStmt *a, *b;
  char *dynamic;

  g_assert_no_error (error);
  g_assert_cmpstr (lk_store_dialect (store), ==, "sqlite");
  g_assert_true (lk_store_exec (store, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT, b BLOB)", &error));

  /* Cached by text: the same text from another buffer is the same statement. */
  a = lk_store_prepare (store, "SELECT v FROM t WHERE id = ?1", &error);
  dynamic = g_strdup ("SELECT v FROM t WHERE id = ?1");
  b = lk_store_prepare (store, dynamic, &error);
  g_assert_true (a == b);
  g_free (dynamic);
  /* A reused buffer with other text is not confused with it. */
  dynamic = g_strdup ("SELECT b FROM t WHERE id = ?1");
  b = lk_store_prepare (store, dynamic, &error);
  g_assert_true (a != b);
  g_free (dynamic);

  /* FOR UPDATE is accepted and dropped. */
  a = lk_store_prepare (store, "SELECT v FROM t WHERE id = ?1 FOR UPDATE", &error);
  g_assert_no_error (error);
  g_assert_nonnull (a);
  lk_store_stmt_release (a);

  /* Nested transactions: the inner rollback undoes only the inner write. */
  g_assert_true (lk_store_begin (store, LK_STORE_TX_IMMEDIATE, &error));
  a = lk_store_prepare (store, "INSERT INTO t (v) VALUES (?1) RETURNING id", &error);
  lk_store_bind_text (a, 1, "outer");
  g_assert_cmpint (lk_store_step (a, &error), ==, LK_STORE_STEP_ROW);
  g_assert_cmpint (lk_store_column_int64 (a, 0), ==, 1);
  lk_store_stmt_release (a);
  g_assert_true (lk_store_begin (store, LK_STORE_TX_IMMEDIATE, &error));
  g_assert_cmpuint (lk_store_tx_depth (store), ==, 2);
  a = lk_store_prepare (store, "INSERT INTO t (v) VALUES (?1) RETURNING id", &error);
  lk_store_bind_text (a, 1, "inner");
  g_assert_cmpint (lk_store_step (a, &error), ==, LK_STORE_STEP_ROW);
  lk_store_stmt_release (a);
  lk_store_rollback (store);
  g_assert_true (lk_store_commit (store, &error));
  g_assert_cmpuint (lk_store_tx_depth (store), ==, 0);
  g_assert_cmpint (query_int (path, "SELECT COUNT(*) FROM t"), ==, 1);

  /* Blobs, NULLs and changes(). */
  a = lk_store_prepare (store, "INSERT INTO t (v, b) VALUES (?1, ?2)", &error);
  lk_store_bind_null (a, 1);
  lk_store_bind_blob (a, 2, "\0\1\2", 3);
  g_assert_cmpint (lk_store_step (a, &error), ==, LK_STORE_STEP_DONE);
  g_assert_cmpint (lk_store_changes (store), ==, 1);
  lk_store_stmt_release (a);
  a = lk_store_prepare (store, "SELECT v, b FROM t WHERE id = 2", &error);
  g_assert_cmpint (lk_store_step (a, &error), ==, LK_STORE_STEP_ROW);
  g_assert_true (lk_store_column_is_null (a, 0));
  g_assert_null (lk_store_column_text (a, 0));
  {
    gsize len = 0;
    const guint8 *blob = lk_store_column_blob (a, 1, &len);
    g_assert_cmpuint (len, ==, 3);
    g_assert_cmpint (blob[2], ==, 2);
  }
  lk_store_stmt_release (a);

  /* Constraint and SQL errors come back as store errors. */
  a = lk_store_prepare (store, "INSERT INTO t (id) VALUES (1)", &error);
  g_assert_cmpint (lk_store_step (a, &error), ==, LK_STORE_STEP_ERROR);
  g_assert_error (error, LK_STORE_ERROR, LK_STORE_ERROR_CONSTRAINT);
  g_clear_error (&error);
  lk_store_stmt_release (a);
  g_assert_null (lk_store_prepare (store, "SELEKT nonsense", &error));
  g_assert_error (error, LK_STORE_ERROR, LK_STORE_ERROR_FAILED);
  g_clear_error (&error);

  /* A second connection waiting on the write lock times out as BUSY. */
  other = lk_store_sqlite_open (path, &options, &error);
  g_assert_no_error (error);
  g_assert_true (lk_store_begin (store, LK_STORE_TX_IMMEDIATE, &error));
  g_assert_false (lk_store_begin (other, LK_STORE_TX_IMMEDIATE, &error));
  g_assert_error (error, LK_STORE_ERROR, LK_STORE_ERROR_BUSY);
  g_clear_error (&error);
  g_assert_cmpuint (lk_store_tx_depth (other), ==, 0);
  lk_store_rollback (store);
  g_assert_true (lk_store_begin (other, LK_STORE_TX_IMMEDIATE, &error));
  g_assert_true (lk_store_commit (other, &error));

  lk_store_close (other);
  lk_store_close (store);
}

static void
test_engine_busy (Fixture *f, gconstpointer data)
{
  LkEngineConfig config;
  g_autoptr(GError) error = NULL;
  g_autoptr(LkEngine) second = NULL;
  LkUserSpec us;
  g_autoptr(LkEnrollResult) r = NULL;

  fixture_config (f, &config);
  config.busy_timeout_ms = 50;
  second = lk_engine_open (f->path, f->keys, &config, &error);
  g_assert_no_error (error);
  /* The first handle holds the write lock in an open batch. */
  g_assert_true (lk_engine_batch_begin (f->engine, &error));
  lk_user_spec_init (&us);
  us.login = "waiting";
  r = lk_engine_enroll_user (second, f->account, &us, &error);
  g_assert_null (r);
  assert_engine_error (error, LK_ENGINE_ERROR_BUSY);
  g_assert_true (lk_engine_error_is_temporary (error));
  g_clear_error (&error);
  g_assert_true (lk_engine_batch_commit (f->engine, &error));
  r = lk_engine_enroll_user (second, f->account, &us, &error);
  g_assert_no_error (error);
  g_assert_nonnull (r);
}

static void
test_batch (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  LkUserSpec us;
  g_autoptr(GPtrArray) users = NULL;
  guint total = 0;

  g_assert_true (lk_engine_batch_begin (f->engine, &error));
  g_assert_false (lk_engine_batch_begin (f->engine, &error));
  g_clear_error (&error);
  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *login = g_strdup_printf ("batch%u", i);
      g_autoptr(LkEnrollResult) r = NULL;
      lk_user_spec_init (&us);
      us.login = login;
      r = lk_engine_enroll_user (f->engine, f->account, &us, &error);
      g_assert_no_error (error);
    }
  /* A failing row inside the batch is undone alone. */
  lk_user_spec_init (&us);
  us.login = "batch1";
  g_assert_null (lk_engine_enroll_user (f->engine, f->account, &us, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_USER_EXISTS);
  g_clear_error (&error);
  g_assert_true (lk_engine_batch_commit (f->engine, &error));
  users = lk_engine_find_users (f->engine, f->account, "batch", 0, 0, &total, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (total, ==, 5);

  /* A rolled back batch leaves nothing. */
  g_assert_true (lk_engine_batch_begin (f->engine, &error));
  lk_user_spec_init (&us);
  us.login = "ghost";
  {
    g_autoptr(LkEnrollResult) r = lk_engine_enroll_user (f->engine, f->account, &us, &error);
    g_assert_no_error (error);
    g_assert_nonnull (r);
  }
  lk_engine_batch_rollback (f->engine);
  g_assert_null (lk_engine_find_user (f->engine, f->account, "ghost", &error));
  assert_engine_error (error, LK_ENGINE_ERROR_USER_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (lk_engine_batch_commit (f->engine, &error));
}

static void
test_synchronous_full (Fixture *f, gconstpointer data)
{
  LkEngineConfig config;
  g_autoptr(GError) error = NULL;
  g_autoptr(LkEnrollResult) r = NULL;
  LkUserSpec us;

  /* The durable mode works the same, and a handle closed inside an open
   * batch leaves nothing of the batch behind. */
  lk_engine_close (f->engine);
  fixture_config (f, &config);
  config.synchronous_full = TRUE;
  f->engine = lk_engine_open (f->path, f->keys, &config, &error);
  g_assert_no_error (error);
  lk_user_spec_init (&us);
  us.login = "durable";
  r = lk_engine_enroll_user (f->engine, f->account, &us, &error);
  g_assert_no_error (error);
  g_assert_nonnull (r);
  g_assert_true (lk_engine_batch_begin (f->engine, &error));
  g_clear_pointer (&r, lk_enroll_result_free);
  us.login = "abandoned";
  r = lk_engine_enroll_user (f->engine, f->account, &us, &error);
  g_assert_no_error (error);
  lk_engine_close (f->engine);
  f->engine = fixture_open (f);
  g_assert_null (lk_engine_find_user (f->engine, f->account, "abandoned", &error));
  assert_engine_error (error, LK_ENGINE_ERROR_USER_NOT_FOUND);
  g_clear_error (&error);
  {
    g_autoptr(LkUser) u = lk_engine_find_user (f->engine, f->account, "durable", &error);
    g_assert_no_error (error);
    g_assert_cmpstr (u->login, ==, "durable");
  }
}

static void
test_error_codes (void)
{
  g_autoptr(GError) e = g_error_new_literal (LK_ENGINE_ERROR, LK_ENGINE_ERROR_LOCKED, "x");
  g_autoptr(GError) other = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "x");

  g_assert_cmpint (lk_engine_error_to_code (NULL), ==, 0);
  g_assert_cmpint (lk_engine_error_to_code (e), ==, 9015);
  g_assert_cmpint (lk_engine_error_to_code (other), ==, LK_ENGINE_ERROR_INTERNAL);
  g_assert_cmpstr (lk_engine_error_describe (0), ==, "OK");
  g_assert_cmpstr (lk_engine_error_describe (9000), ==, "Partner account login failed");
  for (int c = 9000; c < 9600; c++)
    g_assert_nonnull (lk_engine_error_describe (c));
  g_assert_false (lk_engine_error_is_temporary (e));
}

static void
test_enum_names (void)
{
  LkDeviceType dt;
  LkOtpType ot;
  LkDeliveryMethod dm;

  g_assert_true (lk_device_type_from_string ("hardware", &dt));
  g_assert_cmpint (dt, ==, LK_DEVICE_TYPE_HARDWARE);
  g_assert_true (lk_device_type_from_string ("2", &dt));
  g_assert_cmpint (dt, ==, LK_DEVICE_TYPE_DESKTOP);
  g_assert_false (lk_device_type_from_string ("4", &dt));
  g_assert_false (lk_device_type_from_string ("-1", &dt));
  g_assert_false (lk_device_type_from_string ("", &dt));
  g_assert_cmpstr (lk_device_type_to_string (3), ==, "multi-device");
  g_assert_null (lk_device_type_to_string (9));
  g_assert_true (lk_otp_type_from_string ("totp", &ot));
  g_assert_cmpint (ot, ==, LK_OTP_TYPE_TIME);
  g_assert_true (lk_otp_type_from_string ("0", &ot));
  g_assert_cmpint (ot, ==, LK_OTP_TYPE_EVENT);
  g_assert_false (lk_otp_type_from_string ("3", &ot));
  g_assert_true (lk_delivery_method_from_string (" SMS ", &dm));
  g_assert_cmpint (dm, ==, LK_DELIVERY_SMS);
  g_assert_true (lk_delivery_method_from_string ("email", &dm));
  g_assert_cmpint (dm, ==, LK_DELIVERY_EMAIL);
  g_assert_true (lk_delivery_method_from_string ("2", &dm));
  g_assert_cmpint (dm, ==, LK_DELIVERY_VOICE);
  g_assert_false (lk_delivery_method_from_string ("fax", &dm));
  g_assert_false (lk_delivery_method_from_string (NULL, &dm));
  g_assert_cmpstr (lk_device_state_to_string (LK_DEVICE_STATE_LOCKED), ==, "locked");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  FIXTURE_TEST ("/engine/store/schema", test_schema);
  FIXTURE_TEST ("/engine/store/newer-schema", test_newer_schema_refused);
  FIXTURE_TEST ("/engine/store/not-a-database", test_not_a_database);
  FIXTURE_TEST ("/engine/store/primitives", test_store_primitives);
  FIXTURE_TEST ("/engine/store/busy", test_engine_busy);
  FIXTURE_TEST ("/engine/store/batch", test_batch);
  FIXTURE_TEST ("/engine/store/synchronous-full", test_synchronous_full);
  g_test_add_func ("/engine/store/error-codes", test_error_codes);
  g_test_add_func ("/engine/store/enum-names", test_enum_names);

  return g_test_run ();
}
