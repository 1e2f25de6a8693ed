/* SPDX-License-Identifier: GPL-3.0-or-later
 * Scale-out (issue 12): two real latchkeyd processes on one PostgreSQL
 * database: one winner per OTP across processes, lockout counted across
 * processes, and a PostgreSQL restart while a client validates. Runs under
 * tests/common/lk-with-pg.sh. */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "lk-engine.h"
#include "lk-otp.h"
#include "lk-test-pg.h"
#include "lk-test-server.h"

#define ACCOUNT     "scale-partner"
#define ACCOUNT_KEY "scale-partner-key-0123"
#define RFC_SEED    "3132333435363738393031323334353637383930"

typedef struct
{
  char         *dir;
  char         *key_file;
  char         *pg_db;
  char         *conninfo;
  LkTestServer *servers[2];
  SoupSession  *sessions[2];
  const char * const *extra_args;   /* more latchkeyd options for both */
} Cluster;

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

/* The account and one activated HOTP user per login, written straight
 * through the engine on the shared database. */
static void
cluster_seed (Cluster            *c,
              const char * const *logins)
{
  g_autoptr(LkKeyProvider) keys = lk_file_key_provider_new (c->key_file);
  g_autoptr(GError) error = NULL;
  LkEngine *engine;
  gint64 account = 0;
  char c0[LK_OTP_CODE_SIZE], c1[LK_OTP_CODE_SIZE];

  engine = lk_engine_open (c->conninfo, keys, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (lk_engine_create_account (engine, ACCOUNT, ACCOUNT_KEY, &account, &error));
  g_assert_no_error (error);
  hotp_code (0, c0);
  hotp_code (1, c1);
  for (gsize i = 0; logins[i] != NULL; i++)
    {
      LkUserSpec spec;
      g_autoptr(LkEnrollResult) result = NULL;

      lk_user_spec_init (&spec);
      spec.login = logins[i];
      spec.with_device = TRUE;
      spec.device.otp_type = LK_OTP_TYPE_EVENT;
      spec.device.secret_key_hex = RFC_SEED;
      result = lk_engine_enroll_user (engine, account, &spec, &error);
      g_assert_no_error (error);
      g_assert_nonnull (result->device);
      lk_engine_activate_device (engine, account, logins[i], result->device->serial, c0, c1, &error);
      g_assert_no_error (error);
    }
  lk_engine_close (engine);
}

static void
cluster_start (Cluster            *c,
               const char * const *logins)
{
  g_autoptr(GError) error = NULL;

  c->dir = g_dir_make_tmp ("lk-scale-XXXXXX", &error);
  g_assert_no_error (error);
  c->key_file = g_build_filename (c->dir, "master.key", NULL);
  c->pg_db = lk_test_pg_create_db (&c->conninfo);
  cluster_seed (c, logins);
  for (int i = 0; i < 2; i++)
    {
      LkTestServerOptions options = { 0 };

      options.plain_http = TRUE;
      options.workers = 4;
      options.no_account = TRUE;
      options.account = ACCOUNT;
      options.account_key = ACCOUNT_KEY;
      options.db_path = c->conninfo;
      options.master_key_file = c->key_file;
      options.extra_args = c->extra_args;
      c->servers[i] = lk_test_server_start (&options, &error);
      g_assert_no_error (error);
      c->sessions[i] = lk_test_server_new_session (c->servers[i]);
    }
}

static void
cluster_stop (Cluster *c)
{
  for (int i = 0; i < 2; i++)
    {
      g_autoptr(GError) error = NULL;

      g_clear_object (&c->sessions[i]);
      g_assert_cmpint (lk_test_server_stop (c->servers[i], &error), ==, 0);
      g_assert_no_error (error);
      g_clear_pointer (&c->servers[i], lk_test_server_free);
    }
  lk_test_pg_drop_db (c->pg_db);
  g_unlink (c->key_file);
  g_rmdir (c->dir);
  g_free (c->pg_db);
  g_free (c->conninfo);
  g_free (c->key_file);
  g_free (c->dir);
}

static gint64
validate (Cluster    *c,
          int         server,
          const char *login,
          const char *otp)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *fields = g_strdup_printf ("\"type\": \"validate_oath_otp\", \"username\": \"%s\", \"otp\": \"%s\"",
                                             login, otp);
  g_autoptr(JsonObject) answer = lk_test_server_call (c->servers[server], c->sessions[server], fields, &error);

  g_assert_no_error (error);
  g_assert_nonnull (answer);
  return json_object_get_int_member (answer, "errorCode");
}

/* ---- the two-process race ---------------------------------------------- */

typedef struct
{
  Cluster  *cluster;
  int       server;
  GMutex    lock;
  GCond     cond;
  guint     round;       /* the round the main thread has released */
  char      code[LK_OTP_CODE_SIZE];
  gint64    answers[2];
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

      answer = validate (race->cluster, racer->server, "racer", code);

      g_mutex_lock (&race->lock);
      race->answers[racer->server] = answer;
      race->answered++;
      g_cond_broadcast (&race->cond);
      g_mutex_unlock (&race->lock);
    }
}

static void
test_two_process_race (void)
{
  static const char * const logins[] = { "racer", NULL };
  Cluster c = { 0 };
  Race race = { 0 };
  Racer racers[2];
  GThread *threads[2];
  const guint rounds = 60;

  cluster_start (&c, logins);
  race.cluster = &c;
  g_mutex_init (&race.lock);
  g_cond_init (&race.cond);
  for (int i = 0; i < 2; i++)
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
      while (race.answered < 2)
        g_cond_wait (&race.cond, &race.lock);
      for (int i = 0; i < 2; i++)
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
  for (int i = 0; i < 2; i++)
    g_thread_join (threads[i]);
  g_mutex_clear (&race.lock);
  g_cond_clear (&race.cond);
  cluster_stop (&c);
}

/* ---- lockout across processes ------------------------------------------- */

static void
test_lockout_across_processes (void)
{
  static const char * const logins[] = { "guesser", NULL };
  Cluster c = { 0 };
  char next[LK_OTP_CODE_SIZE];
  guint wrong = 0;

  cluster_start (&c, logins);
  /* Wrong codes alternate between the servers. Ten failures lock the
   * device (the default max_failures) only if both count in one place. */
  for (; wrong < 9; wrong++)
    g_assert_cmpint (validate (&c, wrong % 2, "guesser", "000000"), ==, 9003);
  g_assert_cmpint (validate (&c, 1, "guesser", "000000"), ==, 9015);
  /* Locked on both: even the right next code is refused. */
  hotp_code (2, next);
  g_assert_cmpint (validate (&c, 0, "guesser", next), ==, 9015);
  g_assert_cmpint (validate (&c, 1, "guesser", next), ==, 9015);
  cluster_stop (&c);
}

/* ---- rate limits across processes -------------------------------------- */

/* Waits (up to 20 s) until @server has logged @needle. */
static void
wait_for_log (LkTestServer *server,
              const char   *needle)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  for (;;)
    {
      g_autofree char *log = lk_test_server_dup_log (server);

      if (log != NULL && strstr (log, needle) != NULL)
        return;
      if (g_get_monotonic_time () > deadline)
        g_error ("latchkeyd never logged “%s”; its log:\n%s", needle, log ? log : "");
      g_usleep (100 * 1000);
    }
}

static void
test_rate_limits_across_processes (void)
{
  static const char * const logins[] = { "nobody", NULL };
  static const char * const args[] = { "--login-failure-rate=0.01", "--login-failure-burst=10", NULL };
  Cluster c = { .extra_args = args };
  guint answered = 0, refused = 0;

  cluster_start (&c, logins);
  /* Each server counts both (the first learns of the second at its next
   * heartbeat, within 5 s) and takes half of every limit. */
  for (int i = 0; i < 2; i++)
    wait_for_log (c.servers[i], "2 servers share the database");

  /* Wrong partner keys from one address, alternating between the servers:
   * the burst of 10 failures is split, 5 each, so the two together answer
   * 10 guesses, not 20, and refuse the rest with 429. */
  for (int i = 0; i < 24; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *bad = g_strdup_printf ("{\"type\":\"find_users\",\"spAccountLoginName\":\"%s\","
                                              "\"spAccountLoginKey\":\"guess-%d\"}", ACCOUNT, i);
      guint status = 0;
      g_autoptr(JsonObject) answer = lk_test_server_post (c.servers[i % 2], c.sessions[i % 2], NULL, bad, -1,
                                                          &status, &error);

      if (status == 429)
        {
          refused++;
          continue;
        }
      g_assert_no_error (error);
      g_assert_cmpint (json_object_get_int_member (answer, "errorCode"), ==, 9000);
      answered++;
    }
  g_assert_cmpuint (answered, ==, 10);
  g_assert_cmpuint (refused, ==, 14);
  cluster_stop (&c);
}

/* ---- PostgreSQL restarts while a client validates ------------------------ */

typedef struct
{
  Cluster  *cluster;
  gint      stop;
  guint64   counter;    /* the next counter to send */
  guint     successes;
  guint     temporary;  /* 9507 answers during the outage */
  guint     after_temporary;
} Client;

static gpointer
client_main (gpointer data)
{
  Client *client = data;
  gboolean saw_temporary = FALSE;

  while (!g_atomic_int_get (&client->stop))
    {
      char code[LK_OTP_CODE_SIZE];
      gint64 answer;

      hotp_code (client->counter, code);
      answer = validate (client->cluster, 0, "steady", code);
      if (answer == 0)
        {
          client->counter++;
          client->successes++;
          if (saw_temporary)
            client->after_temporary++;
        }
      else if (answer == 9507)
        {
          /* Temporary: the same code again later. */
          client->temporary++;
          saw_temporary = TRUE;
          g_usleep (20000);
        }
      else if (answer == 9002 && saw_temporary)
        /* The commit made it but the answer did not: the code is used. */
        client->counter++;
      else
        g_error ("unexpected errorCode %" G_GINT64_FORMAT " at counter %" G_GUINT64_FORMAT,
                 answer, client->counter);
    }
  return NULL;
}

static void
pg_ctl (const char *args)
{
  g_autofree char *cmd = g_strdup_printf ("%s -D %s %s", g_getenv ("LK_TEST_PG_CTL"), g_getenv ("LK_TEST_PG_DATA"), args);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_assert_true (g_spawn_command_line_sync (cmd, &out, &err, &status, &error));
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("%s failed: %s%s", cmd, out, err);
}

static void
test_restart_in_the_middle (void)
{
  static const char * const logins[] = { "steady", NULL };
  Cluster c = { 0 };
  Client client = { 0 };
  GThread *thread;
  g_autofree char *start = NULL;
  g_autofree char *pg_dir = NULL;
  guint before;

  cluster_start (&c, logins);
  client.cluster = &c;
  client.counter = 2;
  thread = g_thread_new ("client", client_main, &client);
  while (g_atomic_int_get ((gint *) &client.successes) < 20)
    g_usleep (10000);
  before = client.successes;

  pg_ctl ("-m fast -w stop");
  g_usleep (G_USEC_PER_SEC);
  /* The log goes beside the cluster, in a directory its user may write. */
  pg_dir = g_path_get_dirname (g_getenv ("LK_TEST_PG_DATA"));
  start = g_strdup_printf ("-w -l %s/restart.log -o \"%s\" start", pg_dir, g_getenv ("LK_TEST_PG_OPTS"));
  pg_ctl (start);

  /* The server reconnects by itself: successes resume. */
  for (int i = 0; i < 1000 && g_atomic_int_get ((gint *) &client.after_temporary) < 20; i++)
    g_usleep (10000);
  g_atomic_int_set (&client.stop, 1);
  g_thread_join (thread);

  g_test_message ("%u successes before the restart, %u temporary answers, %u successes after",
                  before, client.temporary, client.after_temporary);
  g_assert_cmpuint (client.temporary, >, 0);
  g_assert_cmpuint (client.after_temporary, >=, 20);

  /* Nothing committed is lost: the device's counter is exactly past the
   * last code the client saw accepted (or committed without an answer). */
  {
    g_autoptr(LkKeyProvider) keys = lk_file_key_provider_new (c.key_file);
    g_autoptr(GError) error = NULL;
    LkEngine *engine = lk_engine_open (c.conninfo, keys, NULL, &error);
    g_autoptr(GPtrArray) devices = NULL;
    gint64 account = 0;

    g_assert_no_error (error);
    g_assert_true (lk_engine_login_account (engine, ACCOUNT, ACCOUNT_KEY, &account, &error));
    devices = lk_engine_list_user_devices (engine, account, "steady", &error);
    g_assert_no_error (error);
    g_assert_cmpuint (devices->len, ==, 1);
    g_assert_cmpuint (((LkDevice *) devices->pdata[0])->counter, ==, client.counter);
    lk_engine_close (engine);
  }
  cluster_stop (&c);
}

int
main (int argc, char **argv)
{
  /* The isolated XDG dirs have no GSettings schemas for GNOME's proxy
   * resolver; loopback needs no proxy. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  if (!lk_test_pg_enabled ())
    {
      g_test_skip ("needs tests/common/lk-with-pg.sh (LK_TEST_STORE=pg)");
      return 0;
    }
  g_test_add_func ("/scale/pg/two-process-race", test_two_process_race);
  g_test_add_func ("/scale/pg/lockout-across-processes", test_lockout_across_processes);
  g_test_add_func ("/scale/pg/rate-limits-across-processes", test_rate_limits_across_processes);
  g_test_add_func ("/scale/pg/restart-in-the-middle", test_restart_in_the_middle);
  return g_test_run ();
}
