/* SPDX-License-Identifier: GPL-3.0-or-later
 * A fixed set of threads, each owning private state (its own database connection), fed from one queue.
 *
 * Not a GThreadPool: SQLite connections must stay with the thread that uses
 * them for their whole life, and shutdown must close each of them in order. */
#include "config.h"

#include "lk-worker-pool.h"

/* The sentinel that tells a thread to stop; never a real job. */
static int stop_marker;
#define STOP_JOB ((gpointer) &stop_marker)

typedef struct
{
  LkWorkerPool *pool;
  guint         index;
  GThread      *thread;
} Worker;

struct _LkWorkerPool
{
  GAsyncQueue      *queue;
  LkWorkerOpenFunc  open_func;
  LkWorkerCloseFunc close_func;
  LkWorkerJobFunc   job_func;
  gpointer          user_data;
  Worker           *workers;
  guint             n_threads;

  /* Start-up handshake: each thread reports whether its state opened. */
  GMutex            lock;
  GCond             cond;
  guint             reported;
  guint             opened;
  gboolean          abort_start;
  GError           *open_error;
};

static gpointer
worker_main (gpointer data)
{
  Worker *worker = data;
  LkWorkerPool *pool = worker->pool;
  g_autoptr(GError) error = NULL;
  gpointer state;
  gboolean run;

  state = pool->open_func (worker->index, pool->user_data, &error);

  g_mutex_lock (&pool->lock);
  if (state == NULL)
    {
      if (pool->open_error == NULL)
        pool->open_error = g_steal_pointer (&error);
    }
  else
    pool->opened++;
  pool->reported++;
  g_cond_broadcast (&pool->cond);
  /* Wait for the verdict on the whole pool before serving anything. */
  while (pool->reported < pool->n_threads && !pool->abort_start)
    g_cond_wait (&pool->cond, &pool->lock);
  run = state != NULL && pool->open_error == NULL && !pool->abort_start;
  g_mutex_unlock (&pool->lock);

  while (run)
    {
      gpointer job = g_async_queue_pop (pool->queue);

      if (job == STOP_JOB)
        break;
      pool->job_func (state, job, pool->user_data);
    }

  if (state != NULL)
    pool->close_func (state);
  return NULL;
}

LkWorkerPool *
lk_worker_pool_new (guint              n_threads,
                    const char        *name,
                    LkWorkerOpenFunc   open_func,
                    LkWorkerCloseFunc  close_func,
                    LkWorkerJobFunc    job_func,
                    gpointer           user_data,
                    GError           **error)
{
  LkWorkerPool *pool;
  guint started = 0;
  gboolean ok;

  g_return_val_if_fail (n_threads > 0, NULL);

  pool = g_new0 (LkWorkerPool, 1);
  pool->queue = g_async_queue_new ();
  pool->open_func = open_func;
  pool->close_func = close_func;
  pool->job_func = job_func;
  pool->user_data = user_data;
  pool->n_threads = n_threads;
  pool->workers = g_new0 (Worker, n_threads);
  g_mutex_init (&pool->lock);
  g_cond_init (&pool->cond);

  for (guint i = 0; i < n_threads; i++)
    {
      g_autofree char *thread_name = g_strdup_printf ("%s-%u", name, i);
      GError *thread_error = NULL;

      pool->workers[i].pool = pool;
      pool->workers[i].index = i;
      pool->workers[i].thread = g_thread_try_new (thread_name, worker_main, &pool->workers[i],
                                                  &thread_error);
      if (pool->workers[i].thread == NULL)
        {
          g_mutex_lock (&pool->lock);
          if (pool->open_error == NULL)
            pool->open_error = thread_error;
          else
            g_error_free (thread_error);
          pool->abort_start = TRUE;
          g_cond_broadcast (&pool->cond);
          g_mutex_unlock (&pool->lock);
          break;
        }
      started++;
    }

  g_mutex_lock (&pool->lock);
  while (pool->reported < started)
    g_cond_wait (&pool->cond, &pool->lock);
  ok = pool->open_error == NULL && started == n_threads;
  g_mutex_unlock (&pool->lock);

  if (!ok)
    {
      /* Threads that opened saw the error and close their state on their own. */
      for (guint i = 0; i < started; i++)
        g_thread_join (pool->workers[i].thread);
      g_propagate_error (error, g_steal_pointer (&pool->open_error));
      g_async_queue_unref (pool->queue);
      g_mutex_clear (&pool->lock);
      g_cond_clear (&pool->cond);
      g_free (pool->workers);
      g_free (pool);
      return NULL;
    }

  return pool;
}

void
lk_worker_pool_push (LkWorkerPool *pool,
                     gpointer      job)
{
  g_return_if_fail (job != NULL && job != STOP_JOB);
  g_async_queue_push (pool->queue, job);
}

guint
lk_worker_pool_queued (LkWorkerPool *pool)
{
  gint length = g_async_queue_length (pool->queue);

  return MAX (length, 0);
}

guint
lk_worker_pool_size (LkWorkerPool *pool)
{
  return pool->n_threads;
}

void
lk_worker_pool_free (LkWorkerPool *pool)
{
  if (pool == NULL)
    return;

  /* The markers queue behind every real job, so queued work still runs. */
  for (guint i = 0; i < pool->n_threads; i++)
    g_async_queue_push (pool->queue, STOP_JOB);
  for (guint i = 0; i < pool->n_threads; i++)
    g_thread_join (pool->workers[i].thread);

  g_async_queue_unref (pool->queue);
  g_mutex_clear (&pool->lock);
  g_cond_clear (&pool->cond);
  g_free (pool->workers);
  g_free (pool);
}
