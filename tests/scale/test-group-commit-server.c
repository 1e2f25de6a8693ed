/* SPDX-License-Identifier: GPL-3.0-or-later
 * latchkeyd with durable group commit (--group-commit, issue 12): several
 * clients submit the same OTP at once, exactly one wins each round, and
 * every answered success is in the database. */
#include "config.h"

#include <string.h>

#include "lk-engine.h"
#include "lk-otp.h"
#include "lk-test-server.h"

#define ACCOUNT     "group-partner"
#define ACCOUNT_KEY "group-partner-key-0123"
#define RFC_SEED    "3132333435363738393031323334353637383930"
#define RACERS      4

typedef struct
{
  LkTestServer *server;
  SoupSession  *sessions[RACERS];
  gint64        account;
} GroupServer;

static void
hotp_code (guint64 counter,
           char    code[LK_OTP_CODE_SIZE])
{
  guint8 seed[20];
  g_autoptr(LkOtpKey) key = NULL;

  for (gsize i = 0; i < sizeof seed; i++)
    seed[i] = (guint8) (g_ascii_xdigit_value (RFC_SEED[2 * i]) << 4 | g_ascii_xdigit_value (RFC_SEED[2 * i + 1]));
  key = lk_otp_key_new (LK_HASH_SHA1, seed, sizeof seed, NULL);
  g_assert_nonnull (key);
  lk_hotp_generate (key, counter, 6, code);
}

static LkEngine *
open_engine (GroupServer *c)
{
  g_autoptr(LkKeyProvider) keys = lk_file_key_provider_new (lk_test_server_get_master_key_file (c->server));
  g_autoptr(GError) error = NULL;
  LkEngine *engine = lk_engine_open (lk_test_server_get_db_path (c->server), keys, NULL, &error);

  g_assert_no_error (error);
  return engine;
}

static void
group_server_start (GroupServer *c)
{
  static const char * const extra[] = { "--group-commit", NULL };
  LkTestServerOptions options = { 0 };
  g_autoptr(GError) error = NULL;
  LkEngine *engine;
  LkUserSpec spec;
  g_autoptr(LkEnrollResult) result = NULL;
  char c0[LK_OTP_CODE_SIZE], c1[LK_OTP_CODE_SIZE];

  options.plain_http = TRUE;
  options.workers = RACERS;
  options.account = ACCOUNT;
  options.account_key = ACCOUNT_KEY;
  options.extra_args = extra;
  c->server = lk_test_server_start (&options, &error);
  g_assert_no_error (error);
  for (int i = 0; i < RACERS; i++)
    c->sessions[i] = lk_test_server_new_session (c->server);
  {
    g_autofree char *log = lk_test_server_dup_log (c->server);
    g_assert_nonnull (strstr (log, "durable group commit"));
  }
  /* Validations go from the reactor straight to the committer, with no
   * worker waiting in them, so the pool keeps the size --workers says. */
  {
    g_autofree char *url = g_strconcat (lk_test_server_get_base_url (c->server), "metrics", NULL);
    g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
    g_autoptr(GBytes) body = soup_session_send_and_read (c->sessions[0], msg, NULL, &error);
    g_autofree char *text = NULL;
    g_autofree char *workers = g_strdup_printf ("\nlatchkeyd_workers %d\n", RACERS);

    g_assert_no_error (error);
    text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
    g_assert_nonnull (strstr (text, workers));
  }

  /* The user goes in beside the running server: another connection. */
  engine = open_engine (c);
  g_assert_true (lk_engine_login_account (engine, ACCOUNT, ACCOUNT_KEY, &c->account, &error));
  lk_user_spec_init (&spec);
  spec.login = "racer";
  spec.with_device = TRUE;
  spec.device.otp_type = LK_OTP_TYPE_EVENT;
  spec.device.secret_key_hex = RFC_SEED;
  result = lk_engine_enroll_user (engine, c->account, &spec, &error);
  g_assert_no_error (error);
  hotp_code (0, c0);
  hotp_code (1, c1);
  lk_engine_activate_device (engine, c->account, "racer", result->device->serial, c0, c1, &error);
  g_assert_no_error (error);
  lk_engine_close (engine);
}

/* Every success the server answered is in the database. */
static void
group_server_check_and_stop (GroupServer *c,
                             guint64      expected_counter)
{
  g_autoptr(GError) error = NULL;
  LkEngine *engine = open_engine (c);
  g_autoptr(GPtrArray) devices = lk_engine_list_user_devices (engine, c->account, "racer", &error);

  g_assert_no_error (error);
  g_assert_cmpuint (devices->len, ==, 1);
  g_assert_cmpuint (((LkDevice *) devices->pdata[0])->counter, ==, expected_counter);
  lk_engine_close (engine);
  for (int i = 0; i < RACERS; i++)
    g_clear_object (&c->sessions[i]);
  g_assert_cmpint (lk_test_server_stop (c->server, &error), ==, 0);
  g_assert_no_error (error);
  g_clear_pointer (&c->server, lk_test_server_free);
}

static gint64
validate (GroupServer *c,
          const char  *login,
          const char  *otp)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *fields = g_strdup_printf ("\"type\": \"validate_oath_otp\", \"username\": \"%s\", \"otp\": \"%s\"",
                                             login, otp);
  /* One session per thread: a SoupSession is not shared across threads. */
  static GPrivate slot;
  static gint next;
  gint index = GPOINTER_TO_INT (g_private_get (&slot));
  g_autoptr(JsonObject) answer = NULL;

  if (index == 0)
    {
      index = g_atomic_int_add (&next, 1) % RACERS + 1;
      g_private_set (&slot, GINT_TO_POINTER (index));
    }
  answer = lk_test_server_call (c->server, c->sessions[index - 1], fields, &error);
  g_assert_no_error (error);
  g_assert_nonnull (answer);
  return json_object_get_int_member (answer, "errorCode");
}

/* ---- concurrent submissions of one OTP ------------------------------------ */

typedef struct
{
  GroupServer *cluster;
  int       server;
  GMutex    lock;
  GCond     cond;
  guint     round;       /* the round the main thread has released */
  char      code[LK_OTP_CODE_SIZE];
  gint64    answers[RACERS];
  guint     answered;
  gboolean  quit;
} Race;

typedef struct
{
  Race *race;
  int   server;
} Racer;

static gpointer
racer_main (gpointer data)
{
  Racer *racer = data;
  Race *race = racer->race;
  guint seen = 0;

  for (;;)
    {
      char code[LK_OTP_CODE_SIZE];
      gint64 answer;

      g_mutex_lock (&race->lock);
      while (race->round == seen && !race->quit)
        g_cond_wait (&race->cond, &race->lock);
      if (race->quit)
        {
          g_mutex_unlock (&race->lock);
          return NULL;
        }
      seen = race->round;
      memcpy (code, race->code, sizeof code);
      g_mutex_unlock (&race->lock);

      answer = validate (race->cluster, "racer", code);

      g_mutex_lock (&race->lock);
      race->answers[racer->server] = answer;
      race->answered++;
      g_cond_broadcast (&race->cond);
      g_mutex_unlock (&race->lock);
    }
}

static void
test_group_commit_race (void)
{
  GroupServer c = { 0 };
  Race race = { 0 };
  Racer racers[RACERS];
  GThread *threads[RACERS];
  const guint rounds = 40;

  group_server_start (&c);
  race.cluster = &c;
  g_mutex_init (&race.lock);
  g_cond_init (&race.cond);
  for (int i = 0; i < RACERS; i++)
    {
      racers[i].race = &race;
      racers[i].server = i;
      threads[i] = g_thread_new ("racer", racer_main, &racers[i]);
    }

  /* Counters 0 and 1 went into the activation. */
  for (guint r = 0; r < rounds; r++)
    {
      int wins = 0;

      g_mutex_lock (&race.lock);
      hotp_code (2 + r, race.code);
      race.answered = 0;
      race.round++;
      g_cond_broadcast (&race.cond);
      while (race.answered < RACERS)
        g_cond_wait (&race.cond, &race.lock);
      for (int i = 0; i < RACERS; i++)
        {
          if (race.answers[i] == 0)
            wins++;
          else
            /* The loser saw the winner's commit: a replay. */
            g_assert_cmpint (race.answers[i], ==, 9002);
        }
      g_mutex_unlock (&race.lock);
      g_assert_cmpint (wins, ==, 1);
    }

  g_mutex_lock (&race.lock);
  race.quit = TRUE;
  g_cond_broadcast (&race.cond);
  g_mutex_unlock (&race.lock);
  for (int i = 0; i < RACERS; i++)
    g_thread_join (threads[i]);
  g_mutex_clear (&race.lock);
  g_cond_clear (&race.cond);
  group_server_check_and_stop (&c, 2 + rounds);
}

int
main (int argc, char **argv)
{
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/scale/group-commit/one-winner", test_group_commit_race);
  return g_test_run ();
}
