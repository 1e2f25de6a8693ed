/* SPDX-License-Identifier: GPL-3.0-or-later
 * The write-combining WAL VFS: a commit's frames reach the file in one
 * write, the WAL it writes is valid (SQLite's recovery, which checks every
 * frame's checksum, finds every commit in a copy of the files), large and
 * rolled-back transactions stay correct, and other connections see each
 * commit as soon as it returns. */
#include "config.h"

#include <string.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "lk-sqlite-wal-vfs.h"

#define BLOB_SIZE 3000   /* one row fills most of a 4 KiB page */

static sqlite3 *
open_db (const char *path,
         const char *vfs)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs), ==, SQLITE_OK);
  /* As lk-store-sqlite.c opens it: the VFS relies on cache_spill=OFF. */
  g_assert_cmpint (sqlite3_exec (db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_spill=OFF;"
                                     "PRAGMA wal_autocheckpoint=0;"
                                     "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, tag INTEGER, b BLOB);",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  return db;
}

static void
exec (sqlite3    *db,
      const char *sql)
{
  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
}

/* Inserts @n rows tagged @tag in the current transaction. */
static void
insert (sqlite3 *db,
        guint    n,
        gint64   tag)
{
  sqlite3_stmt *st = NULL;
  g_autofree guint8 *blob = g_malloc (BLOB_SIZE);

  g_assert_cmpint (sqlite3_prepare_v2 (db, "INSERT INTO t (tag, b) VALUES (?1, ?2)", -1, &st, NULL), ==, SQLITE_OK);
  for (guint i = 0; i < n; i++)
    {
      memset (blob, (int) (tag + i), BLOB_SIZE);
      sqlite3_bind_int64 (st, 1, tag);
      sqlite3_bind_blob (st, 2, blob, BLOB_SIZE, SQLITE_STATIC);
      g_assert_cmpint (sqlite3_step (st), ==, SQLITE_DONE);
      sqlite3_reset (st);
    }
  sqlite3_finalize (st);
}

static gint64
query_int (sqlite3    *db,
           const char *sql)
{
  sqlite3_stmt *st = NULL;
  gint64 n;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &st, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (st), ==, SQLITE_ROW);
  n = sqlite3_column_int64 (st, 0);
  sqlite3_finalize (st);
  return n;
}

/* Every row's blob still holds the bytes it was written with. */
static void
assert_rows_intact (sqlite3 *db)
{
  sqlite3_stmt *st = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT tag, b, id FROM t", -1, &st, NULL), ==, SQLITE_OK);
  while (sqlite3_step (st) == SQLITE_ROW)
    {
      const guint8 *b = sqlite3_column_blob (st, 1);
      g_assert_cmpint (sqlite3_column_bytes (st, 1), ==, BLOB_SIZE);
      g_assert_cmpint (b[0], ==, b[BLOB_SIZE - 1]);
    }
  sqlite3_finalize (st);
}

static void
copy_file (const char *from,
           const char *to)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_get_contents (from, &data, &len, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (to, data, (gssize) len, &error));
  g_assert_no_error (error);
}

static void
test_one_write_per_commit (void)
{
  g_autofree char *dir = g_dir_make_tmp ("lk-wal-vfs-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "a.db", NULL);
  const char *vfs = lk_sqlite_wal_vfs_name ();
  sqlite3 *db;
  guint64 sqlite_before, file_before, sqlite_after, file_after;

  g_assert_nonnull (vfs);
  db = open_db (path, vfs);
  insert (db, 1, 0);   /* the WAL header and first frames are written */
  lk_sqlite_wal_vfs_get_counts (&sqlite_before, &file_before);
  for (guint i = 0; i < 200; i++)
    {
      /* Two dirty pages per commit, like a validation: the row's page and
       * the table's last leaf. */
      exec (db, "BEGIN IMMEDIATE");
      exec (db, "UPDATE t SET tag = tag + 1 WHERE id = 1");
      insert (db, 1, 1);
      exec (db, "COMMIT");
    }
  lk_sqlite_wal_vfs_get_counts (&sqlite_after, &file_after);
  /* SQLite wrote a header and a page per frame, at least four calls per
   * commit; the file got one per commit. */
  g_assert_cmpuint (sqlite_after - sqlite_before, >=, 4 * 200);
  g_assert_cmpuint (file_after - file_before, ==, 200);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM t"), ==, 201);
  sqlite3_close (db);
  g_assert_no_errno (g_unlink (path));
  g_remove (dir);
}

/* A copy of the database and its WAL, taken without a checkpoint, opens
 * through SQLite's WAL recovery, which stops at the first frame whose
 * checksum does not match: every commit must be found. */
static void
test_recovery_finds_every_commit (void)
{
  g_autofree char *dir = g_dir_make_tmp ("lk-wal-vfs-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "a.db", NULL);
  g_autofree char *wal = g_build_filename (dir, "a.db-wal", NULL);
  g_autofree char *copy = g_build_filename (dir, "copy.db", NULL);
  g_autofree char *copy_wal = g_build_filename (dir, "copy.db-wal", NULL);
  sqlite3 *db = open_db (path, lk_sqlite_wal_vfs_name ());
  sqlite3 *recovered;

  for (guint i = 0; i < 50; i++)
    {
      exec (db, "BEGIN IMMEDIATE");
      /* From one page to a transaction far larger than what the VFS
       * holds back before writing (several flushes in one commit). */
      insert (db, 1 + i * 3, i);
      exec (db, "COMMIT");
    }
  copy_file (path, copy);
  copy_file (wal, copy_wal);
  recovered = open_db (copy, NULL);
  g_assert_cmpint (query_int (recovered, "SELECT count(*) FROM t"), ==, query_int (db, "SELECT count(*) FROM t"));
  g_assert_cmpint (query_int (recovered, "SELECT count(DISTINCT tag) FROM t"), ==, 50);
  assert_rows_intact (recovered);
  g_assert_cmpint (query_int (recovered, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check <> 'ok'"), ==, 0);
  sqlite3_close (recovered);
  sqlite3_close (db);
  g_unlink (copy_wal);
  g_unlink (copy);
  g_unlink (path);
  g_remove (dir);
}

/* A rolled-back transaction leaves nothing behind, and a commit made
 * through another connection right after it is intact. */
static void
test_rollback_then_other_writer (void)
{
  g_autofree char *dir = g_dir_make_tmp ("lk-wal-vfs-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "a.db", NULL);
  const char *vfs = lk_sqlite_wal_vfs_name ();
  sqlite3 *a = open_db (path, vfs);
  sqlite3 *b = open_db (path, vfs);

  insert (a, 3, 1);
  exec (a, "BEGIN IMMEDIATE");
  insert (a, 400, 2);   /* about 1.6 MiB of dirty pages */
  exec (a, "ROLLBACK");
  exec (b, "BEGIN IMMEDIATE");
  insert (b, 5, 3);
  exec (b, "COMMIT");
  insert (a, 2, 4);

  g_assert_cmpint (query_int (a, "SELECT count(*) FROM t WHERE tag = 2"), ==, 0);
  g_assert_cmpint (query_int (a, "SELECT count(*) FROM t"), ==, 10);
  g_assert_cmpint (query_int (b, "SELECT count(*) FROM t"), ==, 10);
  assert_rows_intact (b);
  g_assert_cmpint (query_int (b, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check <> 'ok'"), ==, 0);
  sqlite3_close (a);
  sqlite3_close (b);
  /* Closing the last connection checkpoints: the file alone holds all. */
  a = open_db (path, NULL);
  g_assert_cmpint (query_int (a, "SELECT count(*) FROM t"), ==, 10);
  sqlite3_close (a);
  g_unlink (path);
  g_remove (dir);
}

/* Each commit is visible to another connection the moment it returns:
 * nothing of it is still held in memory. */
static void
test_commit_visible_at_once (void)
{
  g_autofree char *dir = g_dir_make_tmp ("lk-wal-vfs-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "a.db", NULL);
  sqlite3 *writer = open_db (path, lk_sqlite_wal_vfs_name ());
  sqlite3 *reader = open_db (path, NULL);   /* reads the file through the plain VFS */

  for (guint i = 1; i <= 100; i++)
    {
      insert (writer, 1 + i % 7, i);
      g_assert_cmpint (query_int (reader, "SELECT count(DISTINCT tag) FROM t"), ==, i);
    }
  assert_rows_intact (reader);
  sqlite3_close (reader);
  sqlite3_close (writer);
  g_unlink (path);
  g_remove (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/engine/wal-vfs/one-write-per-commit", test_one_write_per_commit);
  g_test_add_func ("/engine/wal-vfs/recovery-finds-every-commit", test_recovery_finds_every_commit);
  g_test_add_func ("/engine/wal-vfs/rollback-then-other-writer", test_rollback_then_other_writer);
  g_test_add_func ("/engine/wal-vfs/commit-visible-at-once", test_commit_visible_at_once);
  return g_test_run ();
}
