/* SPDX-License-Identifier: GPL-3.0-or-later
 * Engine benchmark: enrolment, validations per second against 10,000 and
 * 100,000 devices on one thread, and oath-toolkit's users-file validation
 * (liboath) on the same 10,000 users in the same run, as a ratio.
 *
 * Usage: engine-bench [--quick]   (--quick: 2,000 / 10,000 devices, for CI) */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <sys/resource.h>
#include <time.h>
#include <liboath/oath.h>

#include "lk-engine.h"
#include "lk-otp.h"

static void
seed_hex (guint i,
          char  out[41])
{
  g_autofree char *text = g_strdup_printf ("latchkey-bench-%u", i);
  g_autofree char *sum = g_compute_checksum_for_string (G_CHECKSUM_SHA1, text, -1);

  memcpy (out, sum, 40);
  out[40] = '\0';
}

static LkOtpKey *
key_for (guint i)
{
  char hex[41];
  guint8 raw[20];

  seed_hex (i, hex);
  for (guint j = 0; j < 20; j++)
    raw[j] = (guint8) (g_ascii_xdigit_value (hex[2 * j]) << 4 | g_ascii_xdigit_value (hex[2 * j + 1]));
  return lk_otp_key_new (LK_HASH_SHA1, raw, sizeof raw, NULL);
}

static void
code_for (guint   i,
          guint64 counter,
          char    code[LK_OTP_CODE_SIZE])
{
  g_autoptr(LkOtpKey) key = key_for (i);

  lk_hotp_generate (key, counter, 6, code);
}

static G_NORETURN void
die (const char *what, GError *error)
{
  g_printerr ("engine-bench: %s: %s\n", what, error ? error->message : "failed");
  exit (1);
}

/* Enrols users [from, to) with one HOTP device each and activates them
 * (counters 0 and 1). @batch > 0 groups that many per transaction. */
static void
enrol_range (LkEngine *engine,
             gint64    account,
             guint     from,
             guint     to,
             guint     batch)
{
  for (guint i = from; i < to; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(LkEnrollResult) result = NULL;
      g_autofree char *login = g_strdup_printf ("user%06u", i);
      char hex[41], c0[LK_OTP_CODE_SIZE], c1[LK_OTP_CODE_SIZE];
      LkUserSpec spec;

      if (batch > 0 && (i - from) % batch == 0 && !lk_engine_batch_begin (engine, &error))
        die ("batch", error);
      seed_hex (i, hex);
      lk_user_spec_init (&spec);
      spec.login = login;
      spec.first_name = "Bench";
      spec.last_name = login;
      spec.email = "bench@example.org";
      spec.with_device = TRUE;
      spec.device.otp_type = LK_OTP_TYPE_EVENT;
      spec.device.device_type = LK_DEVICE_TYPE_HARDWARE;
      spec.device.secret_key_hex = hex;
      result = lk_engine_enroll_user (engine, account, &spec, &error);
      if (result == NULL)
        die ("enrol", error);
      code_for (i, 0, c0);
      code_for (i, 1, c1);
      if (!lk_engine_activate_device (engine, account, login, result->device->serial, c0, c1, &error))
        die ("activate", error);
      if (batch > 0 && ((i - from) % batch == batch - 1 || i + 1 == to) && !lk_engine_batch_commit (engine, &error))
        die ("commit", error);
    }
}

/* CPU seconds of this process: the machine is shared, so the report gives
 * both wall-clock rates and rates per CPU second. */
static double
cpu_seconds (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* CPU seconds of the calling thread alone: the rate of the validating
 * thread itself, without the background checkpoint thread's share (which
 * runs on the other core) and without the scheduler's noise. */
static double
thread_cpu_seconds (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

typedef struct
{
  guint  user;
  char   code[LK_OTP_CODE_SIZE];
} Job;

/* Validations spread over @n_users users in random order, each user's
 * codes in counter order; returns validations per second. */
static double
run_validations (LkEngine *engine,
                 guint     n_users,
                 guint     n_validations,
                 guint64  *next_counter,
                 double   *out_cpu_rate,
                 double   *out_thread_rate)
{
  double cpu0, thread0;
  g_autofree Job *jobs = g_new (Job, n_validations);
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  gint64 start, end;

  for (guint j = 0; j < n_validations; j++)
    {
      guint u = (guint) g_rand_int_range (rand, 0, (gint32) n_users);
      jobs[j].user = u;
      code_for (u, next_counter[u]++, jobs[j].code);
    }
  start = g_get_monotonic_time ();
  cpu0 = cpu_seconds ();
  thread0 = thread_cpu_seconds ();
  for (guint j = 0; j < n_validations; j++)
    {
      g_autoptr(GError) error = NULL;
      char login[32];
      gint64 account = 0;

      g_snprintf (login, sizeof login, "user%06u", jobs[j].user);
      /* As a server request would: partner login (cached), then validate. */
      if (!lk_engine_login_account (engine, "bench", "bench-account-key", &account, &error) ||
          !lk_engine_validate_otp (engine, account, login, NULL, jobs[j].code, NULL, NULL, &error))
        die ("validate", error);
    }
  end = g_get_monotonic_time ();
  *out_thread_rate = n_validations / (thread_cpu_seconds () - thread0);
  *out_cpu_rate = n_validations / (cpu_seconds () - cpu0);
  return n_validations / ((end - start) / 1e6);
}

typedef struct
{
  LkEngine *engine;
  Job      *jobs;
  guint     n;
} Worker;

static gpointer
worker_run (gpointer data)
{
  Worker *w = data;

  for (guint j = 0; j < w->n; j++)
    {
      g_autoptr(GError) error = NULL;
      char login[32];
      gint64 account = 0;

      g_snprintf (login, sizeof login, "user%06u", w->jobs[j].user);
      if (!lk_engine_login_account (w->engine, "bench", "bench-account-key", &account, &error) ||
          !lk_engine_validate_otp (w->engine, account, login, NULL, w->jobs[j].code, NULL, NULL, &error))
        die ("validate (threads)", error);
    }
  return NULL;
}

/* The server's shape: @n_threads worker threads, each with its own engine
 * handle on the same file, validating disjoint users. */
static double
run_threads (const char    *path,
             LkKeyProvider *keys,
             guint          n_threads,
             guint          n_users,
             guint          n_validations,
             guint64       *next_counter)
{
  g_autofree Worker *workers = g_new0 (Worker, n_threads);
  g_autofree GThread **threads = g_new0 (GThread *, n_threads);
  g_autoptr(GRand) rand = g_rand_new_with_seed (99);
  guint per = n_validations / n_threads;
  gint64 start, end;

  for (guint t = 0; t < n_threads; t++)
    {
      g_autoptr(GError) error = NULL;
      workers[t].engine = lk_engine_open (path, keys, NULL, &error);
      if (workers[t].engine == NULL)
        die ("open (threads)", error);
      workers[t].jobs = g_new (Job, per);
      workers[t].n = per;
      for (guint j = 0; j < per; j++)
        {
          /* Users u with u % n_threads == t belong to worker t. */
          guint u = (guint) g_rand_int_range (rand, 0, (gint32) (n_users / n_threads)) * n_threads + t;
          workers[t].jobs[j].user = u;
          code_for (u, next_counter[u]++, workers[t].jobs[j].code);
        }
    }
  start = g_get_monotonic_time ();
  for (guint t = 0; t < n_threads; t++)
    threads[t] = g_thread_new ("bench-worker", worker_run, &workers[t]);
  for (guint t = 0; t < n_threads; t++)
    g_thread_join (threads[t]);
  end = g_get_monotonic_time ();
  for (guint t = 0; t < n_threads; t++)
    {
      lk_engine_close (workers[t].engine);
      g_free (workers[t].jobs);
    }
  return per * n_threads / ((end - start) / 1e6);
}

static double
run_usersfile (const char *dir,
               guint       n_users,
               guint       n_validations,
               double     *out_cpu_rate)
{
  double cpu0;
  g_autofree char *path = g_build_filename (dir, "users.oath", NULL);
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  g_autofree guint64 *counters = g_new0 (guint64, n_users);
  gint64 start, end;

  for (guint i = 0; i < n_users; i++)
    {
      char hex[41];
      seed_hex (i, hex);
      g_string_append_printf (text, "HOTP user%06u - %s\n", i, hex);
    }
  if (!g_file_set_contents (path, text->str, (gssize) text->len, NULL))
    die ("users file", NULL);

  start = g_get_monotonic_time ();
  cpu0 = cpu_seconds ();
  for (guint j = 0; j < n_validations; j++)
    {
      guint u = (guint) g_rand_int_range (rand, 0, (gint32) n_users);
      char login[32], code[LK_OTP_CODE_SIZE];
      time_t last = 0;
      int rc;

      g_snprintf (login, sizeof login, "user%06u", u);
      code_for (u, counters[u]++, code);
      rc = oath_authenticate_usersfile (path, login, code, 10, NULL, &last);
      if (rc != OATH_OK)
        {
          g_printerr ("engine-bench: oath_authenticate_usersfile: %s\n", oath_strerror (rc));
          exit (1);
        }
    }
  end = g_get_monotonic_time ();
  *out_cpu_rate = n_validations / (cpu_seconds () - cpu0);
  return n_validations / ((end - start) / 1e6);
}

static void
remove_tree (const char *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const char *name;

  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *p = g_build_filename (dir, name, NULL);
      g_unlink (p);
    }
  g_dir_close (d);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  gboolean quick = argc > 1 && strcmp (argv[1], "--quick") == 0;
  guint small = quick ? 2000 : 10000;
  guint large = quick ? 10000 : 100000;
  guint n_val = quick ? 20000 : 100000;
  guint n_peer = quick ? 100 : 300;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("lk-engine-bench-XXXXXX", &error);
  g_autofree char *path = NULL;
  g_autoptr(LkKeyProvider) keys = lk_memory_key_provider_new (NULL);
  g_autofree guint64 *counters = g_new (guint64, large);
  LkEngine *engine;
  gint64 account = 0, t0, t1;
  double enrol_s, bulk_s, v_small, v_large, v_peer, c_small, c_large, c_peer, t_small, t_large;

  if (dir == NULL)
    die ("temporary directory", error);
  if (oath_init () != OATH_OK)
    die ("oath_init", NULL);
  path = g_build_filename (dir, "bench.db", NULL);
  engine = lk_engine_open (path, keys, NULL, &error);
  if (engine == NULL)
    die ("open", error);
  if (!lk_engine_create_account (engine, "bench", "bench-account-key", &account, &error))
    die ("account", error);
  for (guint i = 0; i < large; i++)
    counters[i] = 2;

  printf ("Latchkey engine benchmark (SQLite WAL, synchronous=NORMAL, one thread)\n");

  t0 = g_get_monotonic_time ();
  enrol_range (engine, account, 0, small, 0);
  t1 = g_get_monotonic_time ();
  enrol_s = (t1 - t0) / 1e6;
  printf ("enrol + activate %u users, one transaction each: %.2f s (%.0f users/s)\n",
          small, enrol_s, small / enrol_s);

  v_small = run_validations (engine, small, n_val, counters, &c_small, &t_small);
  printf ("validations against %u devices: %.0f /s (%.0f per CPU second of the process, %.0f of the validating thread)\n",
          small, v_small, c_small, t_small);

  {
    double v2 = run_threads (path, keys, 2, small, n_val / 2, counters);
    printf ("validations against %u devices, 2 threads with a handle each: %.0f /s\n", small, v2);
  }

  v_peer = run_usersfile (dir, small, n_peer, &c_peer);
  printf ("oath-toolkit users file (liboath %s) against %u users: %.0f /s (%.0f per CPU second)\n",
          oath_check_version (NULL), small, v_peer, c_peer);

  t0 = g_get_monotonic_time ();
  enrol_range (engine, account, small, large, 1000);
  t1 = g_get_monotonic_time ();
  bulk_s = (t1 - t0) / 1e6;
  printf ("enrol + activate %u more users in batches of 1000: %.2f s (%.0f users/s)\n",
          large - small, bulk_s, (large - small) / bulk_s);

  v_large = run_validations (engine, large, n_val, counters, &c_large, &t_large);
  printf ("validations against %u devices: %.0f /s (%.0f per CPU second of the process, %.0f of the validating thread)\n",
          large, v_large, c_large, t_large);

  {
    static const char *const prefixes[] = { "user00050", "user0005", "user00", "nomatch", "bench", "", NULL };
    for (guint i = 0; prefixes[i] != NULL; i++)
      {
        g_autoptr(GError) find_error = NULL;
        g_autoptr(GPtrArray) page = NULL;
        guint total = 0;
        gint64 f0 = g_get_monotonic_time ();
        page = lk_engine_find_users (engine, account, prefixes[i], 0, 50, &total, &find_error);
        if (page == NULL)
          die ("find_users", find_error);
        printf ("find_users \"%s\" over %u users (first 50 and the total): %.1f ms, %u matches\n",
                prefixes[i], large, (g_get_monotonic_time () - f0) / 1000.0, total);
      }
  }

  {
    static const char *const logins[] = { "user000007", "user099999", NULL };
    for (guint i = 0; logins[i] != NULL; i++)
      {
        g_autoptr(GError) audit_error = NULL;
        g_autoptr(GPtrArray) rows = NULL;
        gint64 a0 = g_get_monotonic_time ();
        rows = lk_engine_list_audit (engine, account, logins[i], 0, 20, &audit_error);
        if (rows == NULL)
          die ("list_audit", audit_error);
        printf ("audit of %s (newest 20 of a log of every operation above): %.1f ms, %u rows\n",
                logins[i], (g_get_monotonic_time () - a0) / 1000.0, rows->len);
      }
  }

  printf ("ratio engine/users-file at %u users: %.0fx wall-clock, %.0fx per CPU second\n",
          small, v_small / v_peer, c_small / c_peer);
  printf ("goal: >= 20000 /s at %u devices: %s; >= 100x users file: %s\n", large,
          v_large >= 20000 ? "met" : "NOT met", v_small / v_peer >= 100 ? "met" : "NOT met");

  lk_engine_close (engine);
  oath_done ();
  remove_tree (dir);
  return 0;
}
