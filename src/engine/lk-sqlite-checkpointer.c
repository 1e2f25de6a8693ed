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
 * connection checkpoints inline again, as SQLite would have.
 *
 * A WAL starts again from its beginning only after a checkpoint that left
 * nothing behind, and a thread that had to win the write lock from busy
 * workers for that would starve. So once the thread has copied all but a
 * few frames and flushed both files, the next committer copies the rest
 * itself: a short checkpoint whose fsyncs find little to write (about 10 ms
 * here, against 40–50 ms without the thread's flush), and the next
 * transaction restarts the WAL. That short wait, once per cycle, is what a
 * committer still pays; longer cycles make it rarer. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "lk-sqlite-checkpointer.h"

/* Frames (pages) in the WAL before the thread is woken: 64 MiB with 4 KiB
 * pages, about a second of validations at full speed. */
#define SOFT_LIMIT_FRAMES 16384
/* Frames past which the committing connection checkpoints itself. */
#define HARD_LIMIT_FRAMES 65536
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
  gint     wake_at;           /* atomic: WAL frames that wake the thread next */
  gint     last_frames;       /* atomic: the WAL's length at the last commit */
  gint     soft_limit;        /* atomic */
  gint     hard_limit;        /* atomic */
  gboolean stopping;          /* under lock */
  guint    background_count;  /* atomic */
  guint    inline_count;      /* atomic */
};

static GMutex registry_lock;

/* Writes out what the OS still holds of @path, through a descriptor of our
 * own (SQLite's are private); errors only mean the committer's own fsync
 * will have more to do. */
static void
flush_file (const char *path)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    return;
  if (fdatasync (fd) != 0)
    g_debug ("fdatasync %s: %s", path, g_strerror (errno));
  close (fd);
}
static GHashTable *registry;  /* path -> LkSqliteCheckpointer */

/* Copies the WAL into the database without blocking anyone, a few passes
 * while commits go on. Returns TRUE when it caught up to within
 * CATCH_UP_FRAMES of the end. */
static gboolean
checkpoint_passes (sqlite3 *db,
                   int     *out_log)
{
  int log = 0, done = 0;

  *out_log = 0;
  for (guint pass = 0; pass < MAX_PASSES; pass++)
    {
      if (sqlite3_wal_checkpoint_v2 (db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done) != SQLITE_OK)
        return FALSE;
      *out_log = log;
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
          int soft = g_atomic_int_get (&self->soft_limit);
          int log = 0;

          if (checkpoint_passes (db, &log))
            {
              g_autofree char *wal = g_strconcat (self->path, "-wal", NULL);

              flush_file (self->path);
              flush_file (wal);
              g_atomic_int_set (&self->caught_up, 1);
            }
          /* Not again before the WAL has grown by a quarter of a cycle:
           * every wake-up costs the committer a context switch and every
           * pass an fsync. */
          g_atomic_int_set (&self->wake_at, MAX (log + soft / 4, soft));
          g_atomic_int_inc (&self->background_count);
        }
      g_atomic_int_set (&self->pending, 0);

      g_mutex_lock (&self->lock);
    }
  g_mutex_unlock (&self->lock);

  if (db != NULL)
    {
      int log;

      checkpoint_passes (db, &log);
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

  /* A shorter WAL than last time: it restarted, and a new cycle begins. */
  if (frames < g_atomic_int_get (&self->last_frames))
    g_atomic_int_set (&self->wake_at, g_atomic_int_get (&self->soft_limit));
  g_atomic_int_set (&self->last_frames, frames);

  /* The end of a cycle: see the top of the file. */
  if (g_atomic_int_get (&self->caught_up))
    {
      /* Only one checkpoint runs at a time (a second one gets SQLITE_BUSY),
       * so the thread stays asleep until this one has run. */
      if (g_atomic_int_compare_and_exchange (&self->caught_up, 1, 0) &&
          sqlite3_wal_checkpoint_v2 (db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL) != SQLITE_OK)
        g_atomic_int_set (&self->caught_up, 1);
    }
  else if (frames >= g_atomic_int_get (&self->hard_limit))
    {
      sqlite3_wal_checkpoint_v2 (db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
      g_atomic_int_inc (&self->inline_count);
    }
  else if (frames >= g_atomic_int_get (&self->wake_at) &&
           g_atomic_int_compare_and_exchange (&self->pending, 0, 1))
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
      self->soft_limit = SOFT_LIMIT_FRAMES;
      self->hard_limit = HARD_LIMIT_FRAMES;
      self->wake_at = SOFT_LIMIT_FRAMES;
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

void
lk_sqlite_checkpointer_set_limits (LkSqliteCheckpointer *self,
                                   guint                 soft_frames,
                                   guint                 hard_frames)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (soft_frames > 0 && hard_frames > soft_frames && hard_frames <= G_MAXINT);

  g_atomic_int_set (&self->soft_limit, (gint) soft_frames);
  g_atomic_int_set (&self->hard_limit, (gint) hard_frames);
  g_atomic_int_set (&self->wake_at, (gint) soft_frames);
}
