/* SPDX-License-Identifier: GPL-3.0-or-later
 * Durable group commit: one fsync for many concurrent validations.
 *
 * On SQLite the fsync is pipelined: the writer commits a group without
 * syncing (synchronous=NORMAL), hands it to a syncer thread and goes on
 * with the next group, while the syncer runs fdatasync() on the WAL through
 * its own descriptor and only then answers the groups committed before it
 * started. Each answer still comes after its commit is on disk (an fsync
 * covers the file, whichever descriptor wrote it), but the writer no longer
 * waits for the disk: the next group runs during the fsync. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "lk-engine-private.h"
#include "lk-group-commit.h"

#define DEFAULT_MAX_GROUP 256

typedef struct
{
  /* Set for an asynchronous job (lk_group_commit_submit): heap-allocated,
   * freed by the writer once @done ran. */
  LkGroupCommitRunFunc   run;
  LkGroupCommitDoneFunc  done_func;
  gpointer               user_data;

  gint64       account_id;
  const char  *actor;      /* for the audit row */
  const char  *login;      /* borrowed from the waiting caller */
  const char  *serial;
  const char  *otp;
  const char  *challenge;
  gboolean     ok;
  char        *out_serial;
  GError      *error;
  gboolean     done;
} Request;

struct _LkGroupCommit
{
  LkEngine  *engine;
  guint      max_group;
  GThread   *thread;
  GMutex     lock;
  GCond      work;       /* the writer waits for requests */
  GCond      answered;   /* callers wait for their group's commit */
  GQueue     queue;      /* Request*, in arrival order */
  gboolean   quit;
  guint64    groups;
  guint64    validations;
  LkGroupCommitNotifyFunc notify;
  gpointer                notify_data;

  /* The pipelined fsync (SQLite); wal_fd is -1 when the engine syncs its
   * own commits instead (synchronous=FULL, e.g. on PostgreSQL). */
  int        wal_fd;
  GThread   *syncer;
  GCond      synced_work;   /* the syncer waits for committed groups */
  GQueue     committed;     /* GPtrArray* groups waiting for an fsync */
  gboolean   syncer_quit;
  guint64    syncs;
};

static void answer_group (LkGroupCommit *self,
                          GPtrArray     *group,
                          const GError  *commit_error);

/* Runs one group: every validation in a savepoint of one transaction, in
 * arrival order, so two submissions of the same OTP in one group meet as
 * they would in two transactions (the second sees the first's counter and
 * is a replay), then one COMMIT for all of them, made durable by one fsync:
 * the syncer's, or the COMMIT's own without a syncer. */
static void
run_group (LkGroupCommit *self,
           GPtrArray     *group)
{
  g_autoptr(GError) commit_error = NULL;

  if (!lk_engine_batch_begin (self->engine, &commit_error))
    goto answer;
  for (guint i = 0; i < group->len; i++)
    {
      Request *r = group->pdata[i];

      if (r->run != NULL)
        {
          r->run (self->engine, r->user_data);
          continue;
        }
      lk_engine_set_actor (self->engine, r->actor);
      r->ok = lk_engine_validate_otp (self->engine, r->account_id, r->login, r->serial, r->otp,
                                      r->challenge, &r->out_serial, &r->error);
    }
  if (!lk_engine_batch_commit (self->engine, &commit_error))
    lk_engine_batch_rollback (self->engine);
  else if (self->wal_fd >= 0)
    {
      /* Committed but not yet on disk: the syncer answers it. */
      GPtrArray *pending = g_ptr_array_new ();

      g_ptr_array_extend (pending, group, NULL, NULL);
      g_mutex_lock (&self->lock);
      g_queue_push_tail (&self->committed, pending);
      g_cond_signal (&self->synced_work);
      g_mutex_unlock (&self->lock);
      return;
    }

answer:
  answer_group (self, group, commit_error);
}

/* Answers every member of @group: with @commit_error when the group failed
 * as a whole, with its own result otherwise. */
static void
answer_group (LkGroupCommit *self,
              GPtrArray     *group,
              const GError  *commit_error)
{
  /* Counted before anyone hears back, so the figures cover every answer. */
  g_mutex_lock (&self->lock);
  self->groups++;
  self->validations += group->len;
  g_mutex_unlock (&self->lock);

  /* Asynchronous jobs first, outside the lock: their callbacks only queue
   * the result, and the submitter is woken once for all of them. */
  {
    gboolean any_async = FALSE;

    for (guint i = 0; i < group->len; i++)
      {
        Request *r = group->pdata[i];

        if (r->run == NULL)
          continue;
        any_async = TRUE;
        r->done_func (r->user_data, commit_error);
      }
    if (any_async && self->notify != NULL)
      self->notify (self->notify_data);
  }

  g_mutex_lock (&self->lock);
  for (guint i = 0; i < group->len; i++)
    {
      Request *r = group->pdata[i];

      if (r->run != NULL)
        {
          g_free (r);
          continue;
        }
      if (commit_error != NULL)
        {
          /* Nothing of the group is on disk: no member may report success. */
          r->ok = FALSE;
          g_clear_pointer (&r->out_serial, g_free);
          g_clear_error (&r->error);
          r->error = g_error_copy (commit_error);
        }
      r->done = TRUE;
    }
  g_cond_broadcast (&self->answered);
  g_mutex_unlock (&self->lock);
}

static gpointer
writer_main (gpointer data)
{
  LkGroupCommit *self = data;
  g_autoptr(GPtrArray) group = g_ptr_array_new ();

  for (;;)
    {
      g_mutex_lock (&self->lock);
      while (g_queue_is_empty (&self->queue) && !self->quit)
        g_cond_wait (&self->work, &self->lock);
      if (g_queue_is_empty (&self->queue) && self->quit)
        {
          g_mutex_unlock (&self->lock);
          return NULL;
        }
      /* Whatever arrived while the last group was committing forms the
       * next one: under load groups grow by themselves, and a lone request
       * is committed at once without waiting for company. */
      g_ptr_array_set_size (group, 0);
      while (!g_queue_is_empty (&self->queue) && group->len < self->max_group)
        g_ptr_array_add (group, g_queue_pop_head (&self->queue));
      g_mutex_unlock (&self->lock);

      run_group (self, group);
    }
}

/* Makes the groups committed so far durable with one fdatasync() of the
 * WAL, then answers them; the writer meanwhile runs the next group. */
static gpointer
syncer_main (gpointer data)
{
  LkGroupCommit *self = data;

  for (;;)
    {
      GQueue batch = G_QUEUE_INIT;
      g_autoptr(GError) sync_error = NULL;
      GPtrArray *group;

      g_mutex_lock (&self->lock);
      while (g_queue_is_empty (&self->committed) && !self->syncer_quit)
        g_cond_wait (&self->synced_work, &self->lock);
      if (g_queue_is_empty (&self->committed))
        {
          g_mutex_unlock (&self->lock);
          return NULL;
        }
      batch = self->committed;
      g_queue_init (&self->committed);
      self->syncs++;
      g_mutex_unlock (&self->lock);

      /* Every group in @batch finished writing before this call began. */
      if (fdatasync (self->wal_fd) != 0)
        {
          int saved = errno;
          g_warning ("Cannot flush the write-ahead log to disk: %s", g_strerror (saved));
          /* The groups are in the WAL but may not survive a power loss: no
           * member may report success. Their codes stay used. */
          g_set_error (&sync_error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_BUSY,
                       _("The database could not be written to disk; try again"));
        }
      while ((group = g_queue_pop_head (&batch)) != NULL)
        {
          answer_group (self, group, sync_error);
          g_ptr_array_unref (group);
        }
    }
}

/* Switches @self to the pipelined fsync when its engine is on a SQLite
 * file in WAL mode: the writer's commits stop syncing, and the syncer
 * thread syncs the WAL through its own descriptor. Otherwise (PostgreSQL,
 * no WAL) the engine keeps syncing each commit itself. */
static void
start_syncer (LkGroupCommit *self,
              const char    *path)
{
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autoptr(GError) error = NULL;
  int fd;

  if (lk_store_is_pg_conninfo (path))
    return;
  fd = g_open (wal, O_RDWR | O_CLOEXEC, 0);
  if (fd < 0)
    return;
  if (!lk_store_exec (self->engine->store, "PRAGMA synchronous=NORMAL", &error))
    {
      g_warning ("Group commit keeps one fsync per group: %s", error->message);
      close (fd);
      return;
    }
  self->wal_fd = fd;
  g_cond_init (&self->synced_work);
  g_queue_init (&self->committed);
  self->syncer = g_thread_new ("lk-group-sync", syncer_main, self);
}

LkGroupCommit *
lk_group_commit_new (const char            *path,
                     LkKeyProvider         *keys,
                     const LkEngineConfig  *config,
                     guint                  max_group,
                     GError               **error)
{
  LkGroupCommit *self;
  LkEngineConfig cfg;
  LkEngine *engine;

  if (config != NULL)
    cfg = *config;
  else
    lk_engine_config_init (&cfg);
  cfg.synchronous_full = TRUE;
  engine = lk_engine_open (path, keys, &cfg, error);
  if (engine == NULL)
    return NULL;

  self = g_new0 (LkGroupCommit, 1);
  self->engine = engine;
  self->max_group = max_group > 0 ? max_group : DEFAULT_MAX_GROUP;
  g_mutex_init (&self->lock);
  g_cond_init (&self->work);
  g_cond_init (&self->answered);
  g_queue_init (&self->queue);
  self->wal_fd = -1;
  start_syncer (self, path);
  self->thread = g_thread_new ("lk-group-commit", writer_main, self);
  return self;
}

void
lk_group_commit_free (LkGroupCommit *self)
{
  if (self == NULL)
    return;
  g_mutex_lock (&self->lock);
  self->quit = TRUE;
  g_cond_signal (&self->work);
  g_mutex_unlock (&self->lock);
  g_thread_join (self->thread);
  if (self->syncer != NULL)
    {
      /* The writer is done: the syncer answers what it committed last. */
      g_mutex_lock (&self->lock);
      self->syncer_quit = TRUE;
      g_cond_signal (&self->synced_work);
      g_mutex_unlock (&self->lock);
      g_thread_join (self->syncer);
      g_cond_clear (&self->synced_work);
      close (self->wal_fd);
    }
  lk_engine_close (self->engine);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->work);
  g_cond_clear (&self->answered);
  g_free (self);
}

void
lk_group_commit_attach (LkGroupCommit *group,
                        LkEngine      *engine)
{
  g_return_if_fail (engine != NULL);
  engine->group_commit = group;
}

gboolean
lk_group_commit_validate_otp (LkGroupCommit  *self,
                              gint64          account_id,
                              const char     *login,
                              const char     *serial,
                              const char     *otp,
                              const char     *challenge,
                              char          **out_serial,
                              GError        **error)
{
  return lk_group_commit_validate_for (self, NULL, account_id, login, serial, otp, challenge, out_serial, error);
}

gboolean
lk_group_commit_validate_for (LkGroupCommit  *self,
                              const char     *actor,
                              gint64          account_id,
                              const char     *login,
                              const char     *serial,
                              const char     *otp,
                              const char     *challenge,
                              char          **out_serial,
                              GError        **error)
{
  Request r = { 0 };

  g_return_val_if_fail (self != NULL, FALSE);

  r.actor = actor;
  r.account_id = account_id;
  r.login = login;
  r.serial = serial;
  r.otp = otp;
  r.challenge = challenge;

  g_mutex_lock (&self->lock);
  if (self->quit)
    {
      g_mutex_unlock (&self->lock);
      g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_BUSY, _("The database is busy; try again"));
      return FALSE;
    }
  g_queue_push_tail (&self->queue, &r);
  g_cond_signal (&self->work);
  while (!r.done)
    g_cond_wait (&self->answered, &self->lock);
  g_mutex_unlock (&self->lock);

  if (r.error != NULL)
    g_propagate_error (error, r.error);
  if (out_serial != NULL)
    *out_serial = g_steal_pointer (&r.out_serial);
  g_free (r.out_serial);
  return r.ok;
}

static gboolean
submit_jobs (LkGroupCommit         *self,
             LkGroupCommitRunFunc   run,
             LkGroupCommitDoneFunc  done,
             gpointer              *user_data,
             guint                  n)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (run != NULL && done != NULL, FALSE);

  g_mutex_lock (&self->lock);
  if (self->quit)
    {
      g_mutex_unlock (&self->lock);
      return FALSE;
    }
  for (guint i = 0; i < n; i++)
    {
      Request *r = g_new0 (Request, 1);

      r->run = run;
      r->done_func = done;
      r->user_data = user_data[i];
      g_queue_push_tail (&self->queue, r);
    }
  g_cond_signal (&self->work);
  g_mutex_unlock (&self->lock);
  return TRUE;
}

gboolean
lk_group_commit_submit (LkGroupCommit         *self,
                        LkGroupCommitRunFunc   run,
                        LkGroupCommitDoneFunc  done,
                        gpointer               user_data)
{
  return submit_jobs (self, run, done, &user_data, 1);
}

gboolean
lk_group_commit_submit_batch (LkGroupCommit         *self,
                              LkGroupCommitRunFunc   run,
                              LkGroupCommitDoneFunc  done,
                              GPtrArray             *user_data)
{
  g_return_val_if_fail (user_data != NULL, FALSE);
  return submit_jobs (self, run, done, user_data->pdata, user_data->len);
}

void
lk_group_commit_set_notify (LkGroupCommit          *self,
                            LkGroupCommitNotifyFunc notify,
                            gpointer                user_data)
{
  g_return_if_fail (self != NULL);
  self->notify = notify;
  self->notify_data = user_data;
}

guint64
lk_group_commit_get_syncs (LkGroupCommit *self)
{
  guint64 syncs;

  g_mutex_lock (&self->lock);
  syncs = self->syncs;
  g_mutex_unlock (&self->lock);
  return syncs;
}

void
lk_group_commit_get_stats (LkGroupCommit *self,
                           guint64       *out_groups,
                           guint64       *out_validations)
{
  g_mutex_lock (&self->lock);
  if (out_groups)
    *out_groups = self->groups;
  if (out_validations)
    *out_validations = self->validations;
  g_mutex_unlock (&self->lock);
}
