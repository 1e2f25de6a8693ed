/* SPDX-License-Identifier: GPL-3.0-or-later
 * Token buckets keyed by a string (a partner account or a client address), safe from any thread. */
#include "config.h"

#include "lk-rate-limiter.h"

typedef struct
{
  double tokens;
  gint64 updated_us;
} Bucket;

struct _LkRateLimiter
{
  GMutex      lock;
  double      configured_rate;    /* never changes: 0 turns the limiter off */
  guint       configured_burst;
  double      rate;               /* the configured figures split between servers */
  double      burst;
  guint       max_keys;
  GHashTable *buckets;     /* char* → Bucket* */
  Bucket      overflow;
};

LkRateLimiter *
lk_rate_limiter_new (double rate,
                     guint  burst,
                     guint  max_keys)
{
  LkRateLimiter *limiter = g_new0 (LkRateLimiter, 1);

  g_mutex_init (&limiter->lock);
  limiter->configured_rate = MAX (rate, 0.0);
  limiter->configured_burst = MAX (burst, 1);
  limiter->rate = limiter->configured_rate;
  limiter->burst = limiter->configured_burst;
  limiter->max_keys = MAX (max_keys, 1);
  limiter->buckets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  limiter->overflow.tokens = limiter->burst;
  limiter->overflow.updated_us = g_get_monotonic_time ();

  return limiter;
}

void
lk_rate_limiter_free (LkRateLimiter *limiter)
{
  if (limiter == NULL)
    return;
  g_hash_table_unref (limiter->buckets);
  g_mutex_clear (&limiter->lock);
  g_free (limiter);
}

static void
refill (LkRateLimiter *limiter,
        Bucket        *bucket,
        gint64         now_us)
{
  if (now_us > bucket->updated_us)
    {
      double elapsed = (now_us - bucket->updated_us) / (double) G_USEC_PER_SEC;

      bucket->tokens = MIN (limiter->burst, bucket->tokens + elapsed * limiter->rate);
      bucket->updated_us = now_us;
    }
}

/* Whole seconds until the bucket holds a token again, rounded up, at least 1. */
static guint
seconds_until_token (LkRateLimiter *limiter,
                     Bucket        *bucket)
{
  double seconds = MIN ((1.0 - bucket->tokens) / limiter->rate, 86400.0);
  guint whole = (guint) seconds;

  if (whole < seconds)
    whole++;
  return MAX (whole, 1);
}

/* A full bucket carries no state worth keeping: dropping it changes nothing. */
static void
sweep (LkRateLimiter *limiter,
       gint64         now_us)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, limiter->buckets);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Bucket *bucket = value;

      refill (limiter, bucket, now_us);
      if (bucket->tokens >= limiter->burst)
        g_hash_table_iter_remove (&iter);
    }
}

gboolean
lk_rate_limiter_check (LkRateLimiter *limiter,
                       const char    *key,
                       gint64         now_us,
                       guint         *retry_after_s)
{
  Bucket *bucket;
  gboolean allowed;

  g_return_val_if_fail (limiter != NULL, TRUE);

  if (limiter->configured_rate <= 0 || key == NULL)
    return TRUE;

  g_mutex_lock (&limiter->lock);

  bucket = g_hash_table_lookup (limiter->buckets, key);
  if (bucket == NULL)
    {
      if (g_hash_table_size (limiter->buckets) >= limiter->max_keys)
        sweep (limiter, now_us);
      if (g_hash_table_size (limiter->buckets) < limiter->max_keys)
        {
          bucket = g_new (Bucket, 1);
          bucket->tokens = limiter->burst;
          bucket->updated_us = now_us;
          g_hash_table_insert (limiter->buckets, g_strdup (key), bucket);
        }
      else
        bucket = &limiter->overflow;
    }

  refill (limiter, bucket, now_us);
  allowed = bucket->tokens >= 1.0;
  if (allowed)
    bucket->tokens -= 1.0;
  else if (retry_after_s != NULL)
    *retry_after_s = seconds_until_token (limiter, bucket);

  g_mutex_unlock (&limiter->lock);

  return allowed;
}

gboolean
lk_rate_limiter_peek (LkRateLimiter *limiter,
                      const char    *key,
                      gint64         now_us,
                      guint         *retry_after_s)
{
  Bucket *bucket;
  gboolean allowed = TRUE;

  g_return_val_if_fail (limiter != NULL, TRUE);

  if (limiter->configured_rate <= 0 || key == NULL)
    return TRUE;

  g_mutex_lock (&limiter->lock);
  /* A key without a bucket has a full one; looking never creates one. */
  bucket = g_hash_table_lookup (limiter->buckets, key);
  if (bucket != NULL)
    {
      refill (limiter, bucket, now_us);
      allowed = bucket->tokens >= 1.0;
      if (!allowed && retry_after_s != NULL)
        *retry_after_s = seconds_until_token (limiter, bucket);
    }
  g_mutex_unlock (&limiter->lock);

  return allowed;
}

void
lk_rate_limiter_set_share (LkRateLimiter *limiter,
                           guint          n_servers)
{
  GHashTableIter iter;
  gpointer value;

  g_return_if_fail (limiter != NULL);

  n_servers = MAX (n_servers, 1);
  g_mutex_lock (&limiter->lock);
  limiter->rate = limiter->configured_rate / n_servers;
  limiter->burst = MAX (limiter->configured_burst / n_servers, 1);
  /* A smaller share applies at once: no bucket keeps more than it allows. */
  g_hash_table_iter_init (&iter, limiter->buckets);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Bucket *bucket = value;
      bucket->tokens = MIN (bucket->tokens, limiter->burst);
    }
  limiter->overflow.tokens = MIN (limiter->overflow.tokens, limiter->burst);
  g_mutex_unlock (&limiter->lock);
}

guint
lk_rate_limiter_size (LkRateLimiter *limiter)
{
  guint size;

  g_mutex_lock (&limiter->lock);
  size = g_hash_table_size (limiter->buckets);
  g_mutex_unlock (&limiter->lock);
  return size;
}
