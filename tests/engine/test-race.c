/* SPDX-License-Identifier: GPL-3.0-or-later
 * Two threads with two engine handles on one database file submit the same
 * OTP at the same moment, round after round: exactly one wins each time. */
#include "config.h"

#include "engine-test-util.h"

#define ROUNDS 150

typedef struct
{
  Fixture   *f;
  LkEngine  *engine;
  GMutex     lock;
  GCond      cond;
  guint      round;       /* round the main thread has released */
  guint      ready;       /* threads waiting at the start line */
  char       code[LK_OTP_CODE_SIZE];
  gboolean   won[2][ROUNDS];
  int        code_of[2][ROUNDS];
} Race;

typedef struct
{
  Race     *race;
  guint     index;
  LkEngine *engine;
} Runner;

static gpointer
runner (gpointer data)
{
  Runner *r = data;
  Race *race = r->race;

  for (guint round = 1; round <= ROUNDS; round++)
    {
      g_autoptr(GError) error = NULL;
      char code[LK_OTP_CODE_SIZE];
      gboolean ok;

      g_mutex_lock (&race->lock);
      race->ready++;
      g_cond_broadcast (&race->cond);
      while (race->round < round)
        g_cond_wait (&race->cond, &race->lock);
      memcpy (code, race->code, sizeof code);
      g_mutex_unlock (&race->lock);

      ok = lk_engine_validate_otp (r->engine, race->f->account, "racer", NULL, code, NULL, NULL, &error);
      race->won[r->index][round - 1] = ok;
      race->code_of[r->index][round - 1] = lk_engine_error_to_code (error);
    }
  return NULL;
}

static void
test_race (Fixture *f, gconstpointer data)
{
  g_autoptr(LkDevice) d = add_user_with_device (f, "racer", NULL);
  g_autoptr(LkEngine) second = NULL;
  g_autofree Race *race = g_new0 (Race, 1);
  Runner runners[2];
  GThread *threads[2];
  guint wins = 0;

  activate_hotp (f, "racer", d->serial);
  second = fixture_open (f);
  race->f = f;
  g_mutex_init (&race->lock);
  g_cond_init (&race->cond);
  runners[0] = (Runner) { race, 0, f->engine };
  runners[1] = (Runner) { race, 1, second };
  threads[0] = g_thread_new ("racer-a", runner, &runners[0]);
  threads[1] = g_thread_new ("racer-b", runner, &runners[1]);

  for (guint round = 1; round <= ROUNDS; round++)
    {
      g_mutex_lock (&race->lock);
      /* Both at the start line (the previous round is done), then go. */
      while (race->ready < 2 * round)
        g_cond_wait (&race->cond, &race->lock);
      otp_for (RFC_SEED_HEX, LK_HASH_SHA1, round + 1, 6, race->code);
      race->round = round;
      g_cond_broadcast (&race->cond);
      g_mutex_unlock (&race->lock);
    }
  g_thread_join (threads[0]);
  g_thread_join (threads[1]);

  for (guint i = 0; i < ROUNDS; i++)
    {
      g_assert_true (race->won[0][i] != race->won[1][i]);
      /* The loser saw the winner's counter: a replay. */
      g_assert_cmpint (race->code_of[race->won[0][i] ? 1 : 0][i], ==, LK_ENGINE_ERROR_OTP_ALREADY_USED);
      wins += race->won[0][i];
    }
  g_test_message ("handle A won %u of %u rounds", wins, ROUNDS);
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(LkDevice) after = lk_engine_find_device (f->engine, f->account, d->serial, &error);
    g_assert_cmpuint (after->counter, ==, ROUNDS + 2);
    g_assert_cmpuint (after->fail_count, ==, 0);
  }
  g_mutex_clear (&race->lock);
  g_cond_clear (&race->cond);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  FIXTURE_TEST ("/engine/race/same-otp", test_race);

  return g_test_run ();
}
