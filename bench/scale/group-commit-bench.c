/* SPDX-License-Identifier: GPL-3.0-or-later
 * group-commit-bench: durable validations per second on SQLite from N
 * threads, with durable group commit (one fsync per group, pipelined with
 * the next group's work) against the peer measured in the same run: the
 * same threads, each with its own engine handle (synchronous=FULL), one
 * fsync per validation.
 *
 *   group-commit-bench [--threads 32] [--users 2000] [--seconds 5] [--dir DIR] */
#include "config.h"

#include <glib/gstdio.h>

#include "lk-engine.h"
#include "lk-group-commit.h"
#include "lk-otp.h"

#define ACCOUNT_KEY "bench-partner-key"

typedef struct
{
  const char     *path;
  LkKeyProvider  *keys;
  LkGroupCommit  *group;     /* NULL: each thread its own durable handle */
  gint64          account;
  guint           users;
  guint           threads;
  guint           index;
  gint64          deadline;
  guint64         round;     /* in: the first counter; out: the last one used */
  guint64         done;
  guint64         failed;
  GArray         *latencies; /* gint64 us */
} Runner;

static void
user_code (guint user, guint64 counter, char code[LK_OTP_CODE_SIZE])
{
  guint8 seed[20];
  g_autoptr(LkOtpKey) key = NULL;

  for (gsize i = 0; i < sizeof seed; i++)
    seed[i] = (guint8) (user * 31 + i * 7 + 1);
  key = lk_otp_key_new (LK_HASH_SHA1, seed, sizeof seed, NULL);
  lk_hotp_generate (key, counter, 6, code);
}

static gpointer
runner_main (gpointer data)
{
  Runner *r = data;
  g_autoptr(GError) error = NULL;
  LkEngine *engine = NULL;
  LkEngineConfig config;
  guint64 round = r->round;

  lk_engine_config_init (&config);
  config.synchronous_full = TRUE;
  config.busy_timeout_ms = 30000;
  if (r->group == NULL)
    {
      engine = lk_engine_open (r->path, r->keys, &config, &error);
      g_assert_no_error (error);
    }
  /* Thread k validates users k, k+n, …: no two threads share a device,
   * so every validation is a success that writes. */
  while (g_get_monotonic_time () < r->deadline)
    {
      for (guint u = r->index; u < r->users && g_get_monotonic_time () < r->deadline; u += r->threads)
        {
          g_autofree char *login = g_strdup_printf ("user%05u", u);
          char code[LK_OTP_CODE_SIZE];
          gint64 t0 = g_get_monotonic_time (), dt;
          gboolean ok;

          user_code (u, round, code);
          g_clear_error (&error);
          if (r->group != NULL)
            ok = lk_group_commit_validate_otp (r->group, r->account, login, NULL, code, NULL, NULL, &error);
          else
            ok = lk_engine_validate_otp (engine, r->account, login, NULL, code, NULL, NULL, &error);
          dt = g_get_monotonic_time () - t0;
          g_array_append_val (r->latencies, dt);
          if (ok)
            r->done++;
          else
            r->failed++;
        }
      round++;
    }
  r->round = round;
  lk_engine_close (engine);
  return NULL;
}

static int
cmp_int64 (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return x < y ? -1 : x > y;
}

static void
measure (const char    *label,
         const char    *path,
         LkKeyProvider *keys,
         gint64         account,
         LkGroupCommit *group,
         guint          threads,
         guint          users,
         guint          seconds,
         guint64       *inout_round,
         double        *out_rate,
         double        *out_p99_ms)
{
  g_autofree Runner *runners = g_new0 (Runner, threads);
  g_autofree GThread **ts = g_new0 (GThread *, threads);
  g_autoptr(GArray) all = g_array_new (FALSE, FALSE, sizeof (gint64));
  gint64 start = g_get_monotonic_time ();
  guint64 done = 0, failed = 0, next_round = *inout_round;
  double elapsed;

  for (guint i = 0; i < threads; i++)
    {
      runners[i] = (Runner) { path, keys, group, account, users, threads, i,
                              start + (gint64) seconds * G_USEC_PER_SEC, *inout_round, 0, 0,
                              g_array_new (FALSE, FALSE, sizeof (gint64)) };
      ts[i] = g_thread_new ("bench", runner_main, &runners[i]);
    }
  for (guint i = 0; i < threads; i++)
    {
      g_thread_join (ts[i]);
      done += runners[i].done;
      failed += runners[i].failed;
      next_round = MAX (next_round, runners[i].round + 1);
      g_array_append_vals (all, runners[i].latencies->data, runners[i].latencies->len);
      g_array_unref (runners[i].latencies);
    }
  /* The next measurement starts past every counter used here (HOTP
   * look-ahead is 10; threads end at most a round apart). */
  *inout_round = next_round;
  elapsed = (g_get_monotonic_time () - start) / 1e6;
  g_array_sort (all, cmp_int64);
  *out_rate = done / elapsed;
  *out_p99_ms = all->len ? g_array_index (all, gint64, (gsize) (all->len * 0.99)) / 1000.0 : 0;
  g_print ("%-34s %10.0f /s  p99 %7.2f ms  (%" G_GUINT64_FORMAT " ok, %" G_GUINT64_FORMAT " failed)\n",
           label, *out_rate, *out_p99_ms, done, failed);
}

int
main (int argc, char **argv)
{
  static const guint8 master[LK_MASTER_KEY_SIZE] = { 7 };
  int threads = 32, users = 2000, seconds = 5;
  g_autofree char *dir_opt = NULL;
  GOptionEntry entries[] = {
    { "threads", 0, 0, G_OPTION_ARG_INT, &threads, "Validating threads", "N" },
    { "users", 0, 0, G_OPTION_ARG_INT, &users, "Users with one HOTP device each", "N" },
    { "seconds", 0, 0, G_OPTION_ARG_INT, &seconds, "Seconds per measurement", "N" },
    { "dir", 0, 0, G_OPTION_ARG_FILENAME, &dir_opt, "Directory for the database (on the disk to measure)", "DIR" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- durable group commit against one fsync per validation");
  g_autoptr(GError) error = NULL;
  g_autoptr(LkKeyProvider) keys = lk_memory_key_provider_new (master);
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  LkEngineConfig config;
  LkEngine *engine;
  gint64 account = 0;
  double peer_rate, peer_p99, group_rate, group_p99;
  guint64 groups = 0, validations = 0, syncs = 0, round = 2;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || threads < 1 || users < threads || seconds < 1)
    {
      g_printerr ("group-commit-bench: %s\n", error ? error->message : "bad arguments");
      return 2;
    }
  dir = dir_opt ? g_strdup (dir_opt) : g_dir_make_tmp ("lk-group-bench-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (dir, "bench.db", NULL);

  lk_engine_config_init (&config);
  config.password_kdf_log2n = 10;
  engine = lk_engine_open (path, keys, &config, &error);
  g_assert_no_error (error);
  g_assert_true (lk_engine_create_account (engine, "bench", ACCOUNT_KEY, &account, &error));
  g_assert_true (lk_engine_batch_begin (engine, &error));
  for (int u = 0; u < users; u++)
    {
      g_autofree char *login = g_strdup_printf ("user%05u", (guint) u);
      g_autofree char *hex = g_malloc (41);
      g_autoptr(LkEnrollResult) result = NULL;
      char c0[LK_OTP_CODE_SIZE], c1[LK_OTP_CODE_SIZE];
      LkUserSpec spec;

      for (gsize i = 0; i < 20; i++)
        g_snprintf (hex + 2 * i, 3, "%02x", (guint8) (u * 31 + i * 7 + 1));
      lk_user_spec_init (&spec);
      spec.login = login;
      spec.password = "bench-user-password";
      spec.with_device = TRUE;
      spec.device.otp_type = LK_OTP_TYPE_EVENT;
      spec.device.secret_key_hex = hex;
      result = lk_engine_enroll_user (engine, account, &spec, &error);
      g_assert_no_error (error);
      user_code ((guint) u, 0, c0);
      user_code ((guint) u, 1, c1);
      g_assert_true (lk_engine_activate_device (engine, account, login, result->device->serial, c0, c1, &error));
    }
  g_assert_true (lk_engine_batch_commit (engine, &error));
  lk_engine_close (engine);

  g_print ("== %d threads, %d users (HOTP), %d s each, every success durable, %s, %u CPUs\n",
           threads, users, seconds, dir, g_get_num_processors ());
  measure ("peer: one fsync per validation", path, keys, account, NULL, (guint) threads, (guint) users,
           (guint) seconds, &round, &peer_rate, &peer_p99);
  {
    g_autoptr(LkGroupCommit) group = lk_group_commit_new (path, keys, NULL, 0, &error);
    g_assert_no_error (error);
    measure ("durable group commit", path, keys, account, group, (guint) threads, (guint) users,
             (guint) seconds, &round, &group_rate, &group_p99);
    lk_group_commit_get_stats (group, &groups, &validations);
    syncs = lk_group_commit_get_syncs (group);
  }
  g_print ("ratio group/peer = %.2f   mean group size = %.1f   groups per fsync = %.1f\n",
           group_rate / peer_rate, groups ? (double) validations / groups : 0.0,
           syncs ? (double) groups / syncs : 0.0);

  if (dir_opt == NULL)
    {
      g_autofree char *wal = g_strconcat (path, "-wal", NULL);
      g_autofree char *shm = g_strconcat (path, "-shm", NULL);
      g_unlink (path);
      g_unlink (wal);
      g_unlink (shm);
      g_rmdir (dir);
    }
  return 0;
}
