/* SPDX-License-Identifier: GPL-3.0-or-later
 * Tests that two delivery workers on their own connections never lease the
 * same outbox message (two latchkeyd on one PostgreSQL both run one). Runs
 * on SQLite as a unit test and on PostgreSQL under lk-with-pg.sh. */
#include "config.h"

#include "engine-test-util.h"

#define USERS  6
#define ROUNDS 25

typedef struct
{
  Fixture   *f;
  LkEngine  *engine;
  GMutex    *lock;
  GCond     *cond;
  guint     *go;
  guint      round;
  GArray    *claimed;   /* gint64 message ids */
} Claimer;

static gpointer
claimer_main (gpointer data)
{
  Claimer *c = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) got = NULL;

  /* Both threads leave the gate together, so their claims overlap. */
  g_mutex_lock (c->lock);
  while (*c->go < c->round)
    g_cond_wait (c->cond, c->lock);
  g_mutex_unlock (c->lock);
  got = lk_engine_outbox_claim (c->engine, 100, 600, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < got->len; i++)
    g_array_append_val (c->claimed, ((LkOutboxMessage *) got->pdata[i])->id);
  return NULL;
}

static void
test_no_double_claim (Fixture       *f,
                      gconstpointer  data)
{
  LkEngine *engines[2];
  GMutex lock;
  GCond cond;
  guint go = 0;
  guint total = 0;

  g_mutex_init (&lock);
  g_cond_init (&cond);
  for (guint u = 0; u < USERS; u++)
    {
      g_autofree char *login = g_strdup_printf ("user%u", u);
      g_autoptr(LkDevice) d = add_user_with_device (f, login, NULL);
      activate_hotp (f, login, d->serial);
    }
  for (int i = 0; i < 2; i++)
    engines[i] = fixture_open (f);

  for (guint r = 1; r <= ROUNDS; r++)
    {
      Claimer claimers[2];
      GThread *threads[2];
      g_autoptr(GHashTable) seen = g_hash_table_new (g_int64_hash, g_int64_equal);
      guint queued = 0;

      /* Each round queues one message per user, due now. */
      f->now += 3600;
      for (guint u = 0; u < USERS; u++)
        {
          g_autofree char *login = g_strdup_printf ("user%u", u);
          g_autoptr(GError) error = NULL;

          if (lk_engine_send_otp (f->engine, f->account, login, NULL, LK_DELIVERY_EMAIL, &error) > 0)
            queued++;
          else
            g_assert_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_BUSY);
        }
      g_assert_cmpuint (queued, ==, USERS);
      for (int i = 0; i < 2; i++)
        {
          claimers[i] = (Claimer) { f, engines[i], &lock, &cond, &go, r,
                                    g_array_new (FALSE, FALSE, sizeof (gint64)) };
          threads[i] = g_thread_new ("claimer", claimer_main, &claimers[i]);
        }
      g_mutex_lock (&lock);
      go = r;
      g_cond_broadcast (&cond);
      g_mutex_unlock (&lock);
      for (int i = 0; i < 2; i++)
        {
          g_thread_join (threads[i]);
          for (guint k = 0; k < claimers[i].claimed->len; k++)
            {
              gint64 *id = &g_array_index (claimers[i].claimed, gint64, k);
              /* Never leased twice. */
              g_assert_false (g_hash_table_contains (seen, id));
              g_hash_table_add (seen, id);
            }
        }
      /* Every due message was leased by exactly one of them. */
      g_assert_cmpuint (g_hash_table_size (seen), ==, USERS);
      total += g_hash_table_size (seen);
      for (int i = 0; i < 2; i++)
        {
          for (guint k = 0; k < claimers[i].claimed->len; k++)
            {
              g_autoptr(GError) error = NULL;
              g_assert_true (lk_engine_outbox_complete (engines[i], g_array_index (claimers[i].claimed, gint64, k),
                                                        TRUE, NULL, 0, &error));
              g_assert_no_error (error);
            }
          g_array_unref (claimers[i].claimed);
        }
    }
  g_assert_cmpuint (total, ==, USERS * ROUNDS);
  for (int i = 0; i < 2; i++)
    lk_engine_close (engines[i]);
  g_mutex_clear (&lock);
  g_cond_clear (&cond);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  FIXTURE_TEST ("/engine/outbox/no-double-claim", test_no_double_claim);
  return g_test_run ();
}
