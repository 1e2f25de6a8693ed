/* SPDX-License-Identifier: GPL-3.0-or-later
 * Rate limits across servers: each latchkeyd on a shared database counts
 * the live servers and takes its share of every limit. A client spreading
 * its requests over N servers then gets at most the configured figure in
 * total; one that a load balancer keeps on one server gets its share of it,
 * which errs on the strict side. Counting needs one small write every few
 * seconds instead of a shared bucket row written by every request. */
#include "config.h"

#include "lk-cluster-heartbeat.h"

struct _LkClusterHeartbeat
{
  LkEngine       *engine;
  char           *server_id;
  guint           interval_s;
  LkRateLimiter **limiters;
  guint           n_limiters;
  GThread        *thread;
  GMutex          lock;
  GCond           wake;
  gboolean        quit;
  guint           servers;   /* under @lock */
};

static void
beat (LkClusterHeartbeat *self)
{
  g_autoptr(GError) error = NULL;
  /* A server is gone after three missed beats. */
  guint stale_after = self->interval_s * 3;
  guint live = 0;

  if (!lk_engine_server_heartbeat (self->engine, self->server_id, stale_after, &live, &error))
    {
      /* Keep the last share: the database will be back, and the count with it. */
      g_message ("Cannot count the servers sharing the database: %s", error->message);
      return;
    }
  g_mutex_lock (&self->lock);
  if (live != self->servers)
    g_message ("%u servers share the database: each takes 1/%u of the rate limits", live, live);
  self->servers = live;
  g_mutex_unlock (&self->lock);
  for (guint i = 0; i < self->n_limiters; i++)
    lk_rate_limiter_set_share (self->limiters[i], live);
}

static gpointer
heartbeat_main (gpointer data)
{
  LkClusterHeartbeat *self = data;

  for (;;)
    {
      gint64 until = g_get_monotonic_time () + (gint64) self->interval_s * G_USEC_PER_SEC;

      g_mutex_lock (&self->lock);
      while (!self->quit && g_cond_wait_until (&self->wake, &self->lock, until))
        ;
      if (self->quit)
        {
          g_mutex_unlock (&self->lock);
          return NULL;
        }
      g_mutex_unlock (&self->lock);
      beat (self);
    }
}

LkClusterHeartbeat *
lk_cluster_heartbeat_start (const char           *db_path,
                            LkKeyProvider        *keys,
                            const LkEngineConfig *config,
                            guint                 interval_s,
                            LkRateLimiter       **limiters,
                            guint                 n_limiters,
                            GError              **error)
{
  LkClusterHeartbeat *self;
  LkEngine *engine = lk_engine_open (db_path, keys, config, error);

  if (engine == NULL)
    return NULL;
  self = g_new0 (LkClusterHeartbeat, 1);
  self->engine = engine;
  self->server_id = g_uuid_string_random ();
  self->interval_s = MAX (interval_s, 1);
  self->limiters = g_memdup2 (limiters, sizeof *limiters * n_limiters);
  self->n_limiters = n_limiters;
  self->servers = 1;
  g_mutex_init (&self->lock);
  g_cond_init (&self->wake);
  beat (self);
  self->thread = g_thread_new ("lk-heartbeat", heartbeat_main, self);
  return self;
}

void
lk_cluster_heartbeat_stop (LkClusterHeartbeat *self)
{
  g_autoptr(GError) error = NULL;

  if (self == NULL)
    return;
  g_mutex_lock (&self->lock);
  self->quit = TRUE;
  g_cond_signal (&self->wake);
  g_mutex_unlock (&self->lock);
  g_thread_join (self->thread);
  if (!lk_engine_server_leave (self->engine, self->server_id, &error))
    g_message ("Cannot remove this server from the database's list: %s", error->message);
  lk_engine_close (self->engine);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->wake);
  g_free (self->limiters);
  g_free (self->server_id);
  g_free (self);
}

guint
lk_cluster_heartbeat_get_servers (LkClusterHeartbeat *self)
{
  guint servers;

  g_mutex_lock (&self->lock);
  servers = self->servers;
  g_mutex_unlock (&self->lock);
  return servers;
}
