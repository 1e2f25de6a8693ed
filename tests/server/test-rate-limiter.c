/* SPDX-License-Identifier: GPL-3.0-or-later
 * Unit tests of the token buckets behind latchkeyd's per-account and per-address rate limits. */
#include "config.h"

#include "lk-rate-limiter.h"

#define SECOND ((gint64) G_USEC_PER_SEC)

static void
test_burst_then_refill (void)
{
  g_autoptr(LkRateLimiter) limiter = lk_rate_limiter_new (2.0, 5, 100);
  gint64 t = 1000 * SECOND;
  guint retry = 0;

  for (int i = 0; i < 5; i++)
    g_assert_true (lk_rate_limiter_check (limiter, "alice", t, NULL));
  g_assert_false (lk_rate_limiter_check (limiter, "alice", t, &retry));
  g_assert_cmpuint (retry, ==, 1);

  /* Another key has its own bucket. */
  g_assert_true (lk_rate_limiter_check (limiter, "bob", t, NULL));

  /* Two tokens a second: half a second gives exactly one back. */
  g_assert_true (lk_rate_limiter_check (limiter, "alice", t + SECOND / 2, NULL));
  g_assert_false (lk_rate_limiter_check (limiter, "alice", t + SECOND / 2, NULL));

  /* A long pause refills up to the burst, not beyond. */
  t += 3600 * SECOND;
  for (int i = 0; i < 5; i++)
    g_assert_true (lk_rate_limiter_check (limiter, "alice", t, NULL));
  g_assert_false (lk_rate_limiter_check (limiter, "alice", t, NULL));
}

static void
test_retry_after (void)
{
  g_autoptr(LkRateLimiter) limiter = lk_rate_limiter_new (0.1, 1, 10);
  gint64 t = 50 * SECOND;
  guint retry = 0;

  g_assert_true (lk_rate_limiter_check (limiter, "slow", t, NULL));
  g_assert_false (lk_rate_limiter_check (limiter, "slow", t, &retry));
  /* One token every ten seconds. */
  g_assert_cmpuint (retry, >=, 10);
  g_assert_cmpuint (retry, <=, 11);
  g_assert_true (lk_rate_limiter_check (limiter, "slow", t + 10 * SECOND, NULL));
}

static void
test_disabled (void)
{
  g_autoptr(LkRateLimiter) limiter = lk_rate_limiter_new (0, 1, 10);

  for (int i = 0; i < 1000; i++)
    g_assert_true (lk_rate_limiter_check (limiter, "anyone", 0, NULL));
  g_assert_cmpuint (lk_rate_limiter_size (limiter), ==, 0);
}

static void
test_bounded_keys (void)
{
  g_autoptr(LkRateLimiter) limiter = lk_rate_limiter_new (1.0, 1, 4);
  gint64 t = 10 * SECOND;

  /* Four keys fill the table, each with an empty bucket. */
  for (int i = 0; i < 4; i++)
    {
      g_autofree char *key = g_strdup_printf ("10.0.0.%d", i);

      g_assert_true (lk_rate_limiter_check (limiter, key, t, NULL));
    }
  g_assert_cmpuint (lk_rate_limiter_size (limiter), ==, 4);

  /* New keys share the overflow bucket rather than growing the table. */
  g_assert_true (lk_rate_limiter_check (limiter, "10.0.1.1", t, NULL));
  g_assert_false (lk_rate_limiter_check (limiter, "10.0.1.2", t, NULL));
  g_assert_cmpuint (lk_rate_limiter_size (limiter), ==, 4);

  /* Once the old buckets have refilled they are swept and room is back. */
  g_assert_true (lk_rate_limiter_check (limiter, "10.0.2.1", t + 5 * SECOND, NULL));
  g_assert_cmpuint (lk_rate_limiter_size (limiter), ==, 1);
}

static void
test_peek (void)
{
  g_autoptr(LkRateLimiter) limiter = lk_rate_limiter_new (1.0, 2, 10);
  gint64 t = 5 * SECOND;
  guint retry = 0;

  /* Looking neither takes a token nor makes a bucket. */
  for (int i = 0; i < 5; i++)
    g_assert_true (lk_rate_limiter_peek (limiter, "guess", t, NULL));
  g_assert_cmpuint (lk_rate_limiter_size (limiter), ==, 0);

  /* Charged after the fact, twice: the next look says no. */
  g_assert_true (lk_rate_limiter_check (limiter, "guess", t, NULL));
  g_assert_true (lk_rate_limiter_peek (limiter, "guess", t, NULL));
  g_assert_true (lk_rate_limiter_check (limiter, "guess", t, NULL));
  g_assert_false (lk_rate_limiter_peek (limiter, "guess", t, &retry));
  g_assert_cmpuint (retry, ==, 1);
  g_assert_true (lk_rate_limiter_peek (limiter, "guess", t + SECOND, NULL));
}

typedef struct
{
  LkRateLimiter *limiter;
  gint64         now;
  guint          allowed;
} Racer;

static gpointer
race_thread (gpointer data)
{
  Racer *racer = data;

  for (int i = 0; i < 1000; i++)
    if (lk_rate_limiter_check (racer->limiter, "shared", racer->now, NULL))
      racer->allowed++;
  return NULL;
}

static void
test_threads (void)
{
  g_autoptr(LkRateLimiter) limiter = lk_rate_limiter_new (1.0, 500, 10);
  Racer racers[4];
  GThread *threads[4];
  guint total = 0;

  /* Every thread uses the same instant, so no refill: exactly the burst passes. */
  for (int i = 0; i < 4; i++)
    {
      racers[i] = (Racer) { limiter, 77 * SECOND, 0 };
      threads[i] = g_thread_new ("racer", race_thread, &racers[i]);
    }
  for (int i = 0; i < 4; i++)
    {
      g_thread_join (threads[i]);
      total += racers[i].allowed;
    }
  g_assert_cmpuint (total, ==, 500);
}

/* Split between servers sharing a database: each gets its part of the
 * rate and burst, a smaller share empties fuller buckets at once, and a
 * share of 1 gives the configured figures back. */
static void
test_share (void)
{
  g_autoptr(LkRateLimiter) limiter = lk_rate_limiter_new (4.0, 6, 10);
  gint64 t = 100 * SECOND;
  guint retry = 0;
  int allowed = 0;

  g_assert_true (lk_rate_limiter_check (limiter, "alice", t, NULL));   /* 5 left */
  lk_rate_limiter_set_share (limiter, 3);                              /* burst 2, 4/3 per second */
  while (lk_rate_limiter_check (limiter, "alice", t, NULL))
    allowed++;
  g_assert_cmpint (allowed, ==, 2);
  for (allowed = 0; lk_rate_limiter_check (limiter, "bob", t, NULL); allowed++)
    ;
  g_assert_cmpint (allowed, ==, 2);
  /* 4/3 tokens a second: one second gives one token back, not four. */
  g_assert_true (lk_rate_limiter_check (limiter, "alice", t + SECOND, NULL));
  g_assert_false (lk_rate_limiter_check (limiter, "alice", t + SECOND, &retry));
  g_assert_cmpuint (retry, ==, 1);

  lk_rate_limiter_set_share (limiter, 1);
  t += 3600 * SECOND;
  for (allowed = 0; lk_rate_limiter_check (limiter, "alice", t, NULL); allowed++)
    ;
  g_assert_cmpint (allowed, ==, 6);

  /* A burst smaller than the number of servers still lets one through. */
  lk_rate_limiter_set_share (limiter, 50);
  g_assert_true (lk_rate_limiter_check (limiter, "carol", t, NULL));
  g_assert_false (lk_rate_limiter_check (limiter, "carol", t, NULL));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/server/rate-limiter/burst-then-refill", test_burst_then_refill);
  g_test_add_func ("/server/rate-limiter/retry-after", test_retry_after);
  g_test_add_func ("/server/rate-limiter/disabled", test_disabled);
  g_test_add_func ("/server/rate-limiter/bounded-keys", test_bounded_keys);
  g_test_add_func ("/server/rate-limiter/peek", test_peek);
  g_test_add_func ("/server/rate-limiter/threads", test_threads);
  g_test_add_func ("/server/rate-limiter/share", test_share);

  return g_test_run ();
}
