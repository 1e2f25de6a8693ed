/* SPDX-License-Identifier: GPL-3.0-or-later
 * A thread that drains the engine's outbox through an LkDelivery. */
#include "config.h"

#include "lk-outbox-worker.h"

struct _LkOutboxWorker
{
  char            *db_path;
  LkKeyProvider   *keys;
  LkEngineConfig   engine_config;
  LkDelivery      *delivery;
  guint            poll_interval_ms;
  guint            batch;

  LkEngine        *engine;        /* used by the thread only */
  GThread         *thread;
  GCancellable    *cancellable;
  GMutex           lock;
  GCond            cond;
  gboolean         stopping;
  gboolean         woken;
  guint            delivered;
  guint            rounds;
};

LkOutboxWorker *
lk_outbox_worker_new (const char            *db_path,
                      LkKeyProvider         *keys,
                      const LkEngineConfig  *engine_config,
                      LkDelivery            *delivery,
                      guint                  poll_interval_ms,
                      guint                  batch)
{
  LkOutboxWorker *w = g_new0 (LkOutboxWorker, 1);

  g_return_val_if_fail (db_path != NULL && LK_IS_DELIVERY (delivery), NULL);
  w->db_path = g_strdup (db_path);
  w->keys = g_object_ref (keys);
  if (engine_config != NULL)
    w->engine_config = *engine_config;
  else
    lk_engine_config_init (&w->engine_config);
  w->delivery = g_object_ref (delivery);
  w->poll_interval_ms = poll_interval_ms ? poll_interval_ms : 5000;
  w->batch = batch ? batch : 10;
  w->cancellable = g_cancellable_new ();
  g_mutex_init (&w->lock);
  g_cond_init (&w->cond);
  return w;
}

static gpointer
worker_main (gpointer data)
{
  LkOutboxWorker *w = data;

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      guint n;

      g_mutex_lock (&w->lock);
      w->woken = FALSE;
      g_mutex_unlock (&w->lock);

      n = lk_engine_outbox_process (w->engine, w->delivery, w->batch, w->cancellable, &error);
      if (error != NULL)
        g_warning ("Outbox: %s", error->message);   /* engine errors carry no secret */

      g_mutex_lock (&w->lock);
      w->delivered += n;
      w->rounds++;
      g_cond_broadcast (&w->cond);
      /* A full batch may mean more is due: go round again at once. */
      if (!w->stopping && !w->woken && n < w->batch)
        {
          gint64 until = g_get_monotonic_time () + (gint64) w->poll_interval_ms * 1000;
          while (!w->stopping && !w->woken)
            if (!g_cond_wait_until (&w->cond, &w->lock, until))
              break;
        }
      if (w->stopping)
        {
          g_mutex_unlock (&w->lock);
          break;
        }
      g_mutex_unlock (&w->lock);
    }
  return NULL;
}

gboolean
lk_outbox_worker_start (LkOutboxWorker  *worker,
                        GError         **error)
{
  g_return_val_if_fail (worker->thread == NULL, FALSE);
  worker->engine = lk_engine_open (worker->db_path, worker->keys, &worker->engine_config, error);
  if (worker->engine == NULL)
    return FALSE;
  lk_engine_set_actor (worker->engine, "outbox");
  worker->thread = g_thread_new ("lk-outbox", worker_main, worker);
  return TRUE;
}

void
lk_outbox_worker_wake (LkOutboxWorker *worker)
{
  g_mutex_lock (&worker->lock);
  worker->woken = TRUE;
  g_cond_broadcast (&worker->cond);
  g_mutex_unlock (&worker->lock);
}

guint
lk_outbox_worker_get_delivered (LkOutboxWorker *worker)
{
  guint n;

  g_mutex_lock (&worker->lock);
  n = worker->delivered;
  g_mutex_unlock (&worker->lock);
  return n;
}

guint
lk_outbox_worker_get_rounds (LkOutboxWorker *worker)
{
  guint n;

  g_mutex_lock (&worker->lock);
  n = worker->rounds;
  g_mutex_unlock (&worker->lock);
  return n;
}

void
lk_outbox_worker_stop (LkOutboxWorker *worker)
{
  if (worker->thread == NULL)
    return;
  g_mutex_lock (&worker->lock);
  worker->stopping = TRUE;
  g_cond_broadcast (&worker->cond);
  g_mutex_unlock (&worker->lock);
  g_cancellable_cancel (worker->cancellable);
  g_thread_join (g_steal_pointer (&worker->thread));
  g_clear_pointer (&worker->engine, lk_engine_close);
}

void
lk_outbox_worker_free (LkOutboxWorker *worker)
{
  if (worker == NULL)
    return;
  lk_outbox_worker_stop (worker);
  g_clear_pointer (&worker->engine, lk_engine_close);
  g_free (worker->db_path);
  g_clear_object (&worker->keys);
  g_clear_object (&worker->delivery);
  g_clear_object (&worker->cancellable);
  g_mutex_clear (&worker->lock);
  g_cond_clear (&worker->cond);
  g_free (worker);
}
