/* SPDX-License-Identifier: GPL-3.0-or-later
 * Background WAL checkpoints: the WAL stays bounded under a stream of
 * commits, the background thread does the copying, several connections
 * share one checkpointer, and every committed row is in the database
 * afterwards. */
#include "config.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "lk-sqlite-checkpointer.h"

#define ROWS 6000
#define SOFT 1000    /* frames that wake the thread */
#define HARD 16000   /* frames past which a committer checkpoints inline */
#define BLOB_SIZE 3000   /* each commit dirties at least one fresh page */

static sqlite3 *
open_wal (const char *path)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                                     "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, b BLOB);",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  return db;
}

static void
insert_rows (sqlite3 *db,
             guint    n)
{
  sqlite3_stmt *st = NULL;
  g_autofree guint8 *blob = g_malloc0 (BLOB_SIZE);

  g_assert_cmpint (sqlite3_prepare_v2 (db, "INSERT INTO t (b) VALUES (?1)", -1, &st, NULL), ==, SQLITE_OK);
  for (guint i = 0; i < n; i++)
    {
      blob[0] = (guint8) i;
      sqlite3_bind_blob (st, 1, blob, BLOB_SIZE, SQLITE_STATIC);
      g_assert_cmpint (sqlite3_step (st), ==, SQLITE_DONE);
      sqlite3_reset (st);
    }
  sqlite3_finalize (st);
}

static gint64
count_rows (const char *path)
{
  sqlite3 *db = open_wal (path);
  sqlite3_stmt *st = NULL;
  gint64 n;

  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT count(*) FROM t", -1, &st, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (st), ==, SQLITE_ROW);
  n = sqlite3_column_int64 (st, 0);
  sqlite3_finalize (st);
  sqlite3_close (db);
  return n;
}

static void
test_bounded (void)
{
  g_autofree char *dir = g_dir_make_tmp ("lk-checkpoint-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "t.db", NULL);
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  sqlite3 *db = open_wal (path);
  LkSqliteCheckpointer *cp;
  GStatBuf st;
  guint background = 0;

  /* Attaching replaces SQLite's own automatic checkpoint. Small limits
   * keep the test small: the defaults are sized for a busy server. */
  cp = lk_sqlite_checkpointer_attach (path, db);
  lk_sqlite_checkpointer_set_limits (cp, SOFT, HARD);
  insert_rows (db, ROWS);
  lk_sqlite_checkpointer_get_counts (cp, &background, NULL);

  /* Without checkpoints the WAL would hold two frames per row (12,000,
   * about 48 MiB), and without restarts it would grow towards the hard
   * limit; the thread keeps it within a few times its trigger. The bound
   * leaves room for a loaded machine, where the thread runs late. */
  g_assert_cmpint (g_stat (wal, &st), ==, 0);
  g_assert_cmpint (st.st_size, <, (goffset) HARD / 2 * (4096 + 24));
  g_assert_cmpuint (background, >, 0);

  lk_sqlite_checkpointer_detach (cp, db);
  sqlite3_close (db);
  g_assert_cmpint (count_rows (path), ==, ROWS);

  g_remove (path);
  g_remove (wal);
  g_autofree char *shm = g_strconcat (path, "-shm", NULL);
  g_remove (shm);
  g_rmdir (dir);
}

typedef struct
{
  const char *path;
  guint       rows;
} Writer;

static gpointer
writer_thread (gpointer data)
{
  Writer *w = data;
  sqlite3 *db = open_wal (w->path);
  LkSqliteCheckpointer *cp = lk_sqlite_checkpointer_attach (w->path, db);

  sqlite3_busy_timeout (db, 10000);
  insert_rows (db, w->rows);
  lk_sqlite_checkpointer_detach (cp, db);
  sqlite3_close (db);
  return NULL;
}

/* Two connections, each on its own thread, attach to one file: they share
 * one checkpointer, and the last detach stops it with nothing lost. */
static void
test_shared (void)
{
  g_autofree char *dir = g_dir_make_tmp ("lk-checkpoint-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "t.db", NULL);
  sqlite3 *first = open_wal (path);
  sqlite3 *second = open_wal (path);
  LkSqliteCheckpointer *a = lk_sqlite_checkpointer_attach (path, first);
  LkSqliteCheckpointer *b = lk_sqlite_checkpointer_attach (path, second);
  Writer w = { path, ROWS / 4 };
  GThread *t1, *t2;

  g_assert_true (a == b);
  lk_sqlite_checkpointer_detach (b, second);
  sqlite3_close (second);
  lk_sqlite_checkpointer_detach (a, first);
  sqlite3_close (first);

  t1 = g_thread_new ("w1", writer_thread, &w);
  t2 = g_thread_new ("w2", writer_thread, &w);
  g_thread_join (t1);
  g_thread_join (t2);
  g_assert_cmpint (count_rows (path), ==, ROWS / 2);

  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (path, "-shm", NULL);
  g_remove (path);
  g_remove (wal);
  g_remove (shm);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/engine/checkpointer/bounded", test_bounded);
  g_test_add_func ("/engine/checkpointer/shared", test_shared);
  return g_test_run ();
}
