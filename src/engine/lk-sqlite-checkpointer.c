/* SPDX-License-Identifier: GPL-3.0-or-later
 * Background WAL checkpoints for the SQLite store.
 *
 * SQLite's automatic checkpoint runs inside the COMMIT that crosses its
 * threshold: that one validation copies a few thousand pages into the
 * database file and waits for its fsync, which in synchronous=NORMAL is the
 * only fsync there is. Measured on the engine bench, checkpoints were a
 * fifth of a validating thread's time (docs/performance.md). Here the
 * commit only wakes a thread, which checkpoints through its own connection
 * while the workers go on (a PASSIVE checkpoint never blocks readers or the
 * writer). If the thread falls behind, the WAL would grow without bound and
 * every read would pay for it, so past a hard limit the committing
 * connection checkpoints inline again, as SQLite would have. */
#include "config.h"

#include "lk-sqlite-checkpointer.h"

/* Frames (pages) in the WAL before the thread is woken: 4 MiB with 4 KiB
 * pages, SQLite's own default threshold. */
#define SOFT_LIMIT_FRAMES 1000
/* Frames past which the committing connection checkpoints itself. */
#define HARD_LIMIT_FRAMES 16000
/* A checkpoint that ran while commits went on leaves their frames behind;
 * a few more passes, each shorter, usually catch up so the next writer can
 * restart the WAL from its beginning. */
#define MAX_PASSES 4
/* Frames left behind for a committer to copy (see wal_hook). */
#define CATCH_UP_FRAMES 64

struct _LkSqliteCheckpointer
{
  char    *path;
  guint    refs;              /* under registry_lock */
  GThread *thread;
  GMutex   lock;
  GCond    cond;
  gint     pending;           /* atomic: a wake-up is queued or running */
  gint     caught_up;         /* atomic: the thread copied nearly all of the WAL */
  gboolean stopping;          /* under lock */
  guint    background_count;  /* atomic */
  guint    inline_count;      /* atomic */
};

static GMutex registry_lock;
static GHashTable *registry;  /* path -> LkSqliteCheckpointer */

/* Copies the WAL into the database without blocking anyone, a few passes
 * while commits go on. Returns TRUE when it caught up to within
 * CATCH_UP_FRAMES of the end. */
static gboolean
checkpoint_passes (sqlite3 *db)
{
  int log = 0, done = 0;

  for (guint pass = 0; pass < MAX_PASSES; pass++)
    {
      if (sqlite3_wal_checkpoint_v2 (db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done) != SQLITE_OK)
        return FALSE;
      if (log - done <= CATCH_UP_FRAMES)
        return TRUE;
    }
  return FALSE;
}

static gpointer
checkpointer_thread (gpointer data)
{
  LkSqliteCheckpointer *self = data;
  sqlite3 *db = NULL;

  if (sqlite3_open_v2 (self->path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
    {
      /* Without its own connection the thread is useless; the hard limit
       * in the hook still keeps the WAL bounded. */
      g_warning ("Background checkpoints are off: %s", db ? sqlite3_errmsg (db) : "out of memory");
      sqlite3_close_v2 (db);
      db = NULL;
    }

  g_mutex_lock (&self->lock);
  for (;;)
    {
      while (!g_atomic_int_get (&self->pending) && !self->stopping)
        g_cond_wait (&self->cond, &self->lock);
      if (self->stopping)
        break;
      g_mutex_unlock (&self->lock);

      if (db != NULL)
        {
          if (checkpoint_passes (db))
            g_atomic_int_set (&self->caught_up, 1);
          g_atomic_int_inc (&self->background_count);
        }
      g_atomic_int_set (&self->pending, 0);

      g_mutex_lock (&self->lock);
    }
  g_mutex_unlock (&self->lock);

  if (db != NULL)
    {
      checkpoint_passes (db);
      sqlite3_close_v2 (db);
    }
  return NULL;
}

static int
wal_hook (void       *data,
          sqlite3    *db,
          const char *name,
          int         frames)
{
  LkSqliteCheckpointer *self = data;

  /* The WAL starts again from its beginning only when a checkpoint left
   * nothing behind, and a thread that has to win the write lock from busy
   * workers for that would wait for ever. So once the thread has copied
   * nearly everything, the next committer copies the last few frames
   * itself (a short flush), and the next transaction restarts the WAL. */
  if (g_atomic_int_get (&self->caught_up) && g_atomic_int_compare_and_exchange (&self->caught_up, 1, 0))
    sqlite3_wal_checkpoint_v2 (db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
  else if (frames >= HARD_LIMIT_FRAMES)
    {
      sqlite3_wal_checkpoint_v2 (db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
      g_atomic_int_inc (&self->inline_count);
    }
  else if (frames >= SOFT_LIMIT_FRAMES && g_atomic_int_compare_and_exchange (&self->pending, 0, 1))
    {
      g_mutex_lock (&self->lock);
      g_cond_signal (&self->cond);
      g_mutex_unlock (&self->lock);
    }
  return SQLITE_OK;
}

LkSqliteCheckpointer *
lk_sqlite_checkpointer_attach (const char *path,
                               sqlite3    *db)
{
  LkSqliteCheckpointer *self;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (db != NULL, NULL);

  g_mutex_lock (&registry_lock);
  if (registry == NULL)
    registry = g_hash_table_new (g_str_hash, g_str_equal);
  self = g_hash_table_lookup (registry, path);
  if (self == NULL)
    {
      self = g_new0 (LkSqliteCheckpointer, 1);
      self->path = g_strdup (path);
      g_mutex_init (&self->lock);
      g_cond_init (&self->cond);
      self->thread = g_thread_new ("lk-checkpoint", checkpointer_thread, self);
      g_hash_table_insert (registry, self->path, self);
    }
  self->refs++;
  g_mutex_unlock (&registry_lock);

  sqlite3_wal_hook (db, wal_hook, self);
  return self;
}

void
lk_sqlite_checkpointer_detach (LkSqliteCheckpointer *self,
                               sqlite3              *db)
{
  gboolean last;

  g_return_if_fail (self != NULL);

  sqlite3_wal_hook (db, NULL, NULL);

  g_mutex_lock (&registry_lock);
  last = --self->refs == 0;
  if (last)
    g_hash_table_remove (registry, self->path);
  g_mutex_unlock (&registry_lock);
  if (!last)
    return;

  g_mutex_lock (&self->lock);
  self->stopping = TRUE;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->lock);
  g_thread_join (self->thread);

  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  g_free (self->path);
  g_free (self);
}

void
lk_sqlite_checkpointer_get_counts (LkSqliteCheckpointer *self,
                                   guint                *out_background,
                                   guint                *out_inline)
{
  g_return_if_fail (self != NULL);

  if (out_background)
    *out_background = (guint) g_atomic_int_get (&self->background_count);
  if (out_inline)
    *out_inline = (guint) g_atomic_int_get (&self->inline_count);
}
