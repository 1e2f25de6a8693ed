/* SPDX-License-Identifier: GPL-3.0-or-later
 * OTP benchmark: Latchkey's core against liboath, measured in one run, reported as ratios. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>
#include <liboath/oath.h>

#include "lk-otp.h"

/* The RFC 4226 test key; 20 bytes as SHA-1 seeds are. */
static const char secret[] = "12345678901234567890";
#define SECRET_LEN 20

static double seconds_per_run = 1.0;

/* Keeps the compiler from dropping the measured work. */
static volatile guint64 sink;

typedef void (*BenchFunc) (guint64 i);

/* Runs @func for about @slice_us microseconds, continuing at *@counter;
 * adds the operations and the time taken to the totals. */
static void
run_slice (BenchFunc  func,
           gint64     slice_us,
           guint64   *counter,
           guint64   *ops,
           gint64    *us)
{
  gint64 start = g_get_monotonic_time (), now;
  guint64 batch = 64;

  do
    {
      for (guint64 i = 0; i < batch; i++)
        func (*counter + i);
      *counter += batch;
      *ops += batch;
      now = g_get_monotonic_time ();
    }
  while (now - start < slice_us);
  *us += now - start;
}

/* Measures Latchkey and the peer in alternating 20 ms slices, so both
 * see the same machine load (the CI machines are shared); returns the
 * operations per second of each. */
static void
measure_pair (BenchFunc  latchkey,
              BenchFunc  peer,
              double    *latchkey_rate,
              double    *peer_rate)
{
  guint64 counter_a = 0, counter_b = 0, ops_a = 0, ops_b = 0;
  gint64 us_a = 0, us_b = 0;
  gint64 total = (gint64) (seconds_per_run * G_USEC_PER_SEC);

  while (us_a < total || us_b < total)
    {
      run_slice (latchkey, 20000, &counter_a, &ops_a, &us_a);
      run_slice (peer, 20000, &counter_b, &ops_b, &us_b);
    }
  *latchkey_rate = (double) ops_a * G_USEC_PER_SEC / (double) us_a;
  *peer_rate = (double) ops_b * G_USEC_PER_SEC / (double) us_b;
}

/* HOTP generation. Latchkey keeps the key schedule in an LkOtpKey, as
 * its callers do; liboath redoes it on every call, as its callers must. */
static LkOtpKey *shared_key;

static void
lk_generate (guint64 i)
{
  char code[LK_OTP_CODE_SIZE];

  lk_hotp_generate (shared_key, i, 6, code);
  sink += (guint8) code[0];
}

static void
lk_generate_with_setup (guint64 i)
{
  char code[LK_OTP_CODE_SIZE];
  LkOtpKey *key = lk_otp_key_new (LK_HASH_SHA1, (const guint8 *) secret, SECRET_LEN, NULL);

  lk_hotp_generate (key, i, 6, code);
  lk_otp_key_free (key);
  sink += (guint8) code[0];
}

static void
oath_generate (guint64 i)
{
  char code[16];

  oath_hotp_generate (secret, SECRET_LEN, i, 6, false, OATH_HOTP_DYNAMIC_TRUNCATION, code);
  sink += (guint8) code[0];
}

/* Validation, the worst case: a code that matches nowhere in the window.
 * Each validation builds its key from the seed, as a server does per
 * request, so Latchkey's key set-up is inside the measurement. */
static char miss_hotp[8];
static char miss_totp[8];
#define TOTP_NOW 1700000000

static void
lk_hotp_miss (guint64 i)
{
  g_autoptr(LkOtpKey) key = lk_otp_key_new (LK_HASH_SHA1, (const guint8 *) secret, SECRET_LEN, NULL);

  sink += lk_hotp_validate (key, 6, (i % 90000) * 11, 10, miss_hotp, NULL);
}

static void
oath_hotp_miss (guint64 i)
{
  sink += (guint64) oath_hotp_validate (secret, SECRET_LEN, (i % 90000) * 11, 10, miss_hotp);
}

static void
lk_totp_miss (guint64 i)
{
  g_autoptr(LkOtpKey) key = lk_otp_key_new (LK_HASH_SHA1, (const guint8 *) secret, SECRET_LEN, NULL);

  sink += lk_totp_validate (key, 6, TOTP_NOW + (gint64) (i % 1000) * 30, 0, 30, 0, 1, miss_totp, NULL);
}

static void
oath_totp_miss (guint64 i)
{
  sink += (guint64) oath_totp_validate (secret, SECRET_LEN, TOTP_NOW + (time_t) (i % 1000) * 30, 30, 0, 1, miss_totp);
}

/* Finds a 6-digit code that no counter in [0, limit] produces, so both
 * libraries really scan the whole window on every call. */
static void
find_missing_code (guint64  first,
                   guint64  limit,
                   char    *out)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) codes = g_ptr_array_new_with_free_func (g_free);

  for (guint64 c = first; c <= limit; c++)
    {
      char *code = g_malloc (LK_OTP_CODE_SIZE);

      lk_hotp_generate (shared_key, c, 6, code);
      g_ptr_array_add (codes, code);
      g_hash_table_add (seen, code);
    }
  for (guint candidate = 0; ; candidate++)
    {
      g_snprintf (out, 8, "%06u", candidate);
      if (!g_hash_table_contains (seen, out))
        return;
    }
}

typedef struct
{
  const char *name;
  BenchFunc   latchkey;
  BenchFunc   peer;
} Bench;

int
main (int argc, char **argv)
{
  static const Bench benches[] = {
    { "HOTP generate (SHA1, 6 digits)", lk_generate, oath_generate },
    { "HOTP validate, window 10, no match", lk_hotp_miss, oath_hotp_miss },
    { "TOTP validate, +/-1 step, no match", lk_totp_miss, oath_totp_miss },
    { "HOTP generate incl. key set-up", lk_generate_with_setup, oath_generate },
  };
  double worst = G_MAXDOUBLE;
  gboolean check = FALSE;
  GOptionEntry entries[] = {
    { "seconds", 's', 0, G_OPTION_ARG_DOUBLE, &seconds_per_run, "Seconds of each library per measurement (default 1)", "S" },
    { "check", 0, 0, G_OPTION_ARG_NONE, &check, "Exit 1 unless every required ratio is at least 2", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- Latchkey OTP vs liboath");
  g_autoptr(GError) error = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (oath_init () != OATH_OK)
    {
      g_printerr ("oath_init failed\n");
      return 1;
    }
  shared_key = lk_otp_key_new (LK_HASH_SHA1, (const guint8 *) secret, SECRET_LEN, NULL);

  /* The HOTP windows start at (i % 90000) * 11, so they stay inside the
   * first million counters, none of which produces this code. */
  find_missing_code (0, 1000000, miss_hotp);
  {
    gint64 step = lk_totp_time_step (TOTP_NOW, 0, 30);

    find_missing_code ((guint64) step - 1, (guint64) step + 1001, miss_totp);
  }
  if (oath_hotp_validate (secret, SECRET_LEN, 0, 10, miss_hotp) != OATH_INVALID_OTP ||
      lk_hotp_validate (shared_key, 6, 0, 10, miss_hotp, NULL) ||
      oath_totp_validate (secret, SECRET_LEN, TOTP_NOW, 30, 0, 1, miss_totp) != OATH_INVALID_OTP)
    {
      g_printerr ("the chosen non-matching codes match\n");
      return 1;
    }
  /* And both libraries agree on what they compute. */
  for (guint64 c = 0; c < 1000; c++)
    {
      char a[LK_OTP_CODE_SIZE], b[16];

      lk_hotp_generate (shared_key, c, 6, a);
      oath_hotp_generate (secret, SECRET_LEN, c, 6, false, OATH_HOTP_DYNAMIC_TRUNCATION, b);
      if (strcmp (a, b) != 0)
        {
          g_printerr ("codes differ at counter %" G_GUINT64_FORMAT "\n", c);
          return 1;
        }
    }

  g_print ("%-38s %14s %14s %8s\n", "benchmark", "latchkey/s", "liboath/s", "ratio");
  for (gsize i = 0; i < G_N_ELEMENTS (benches); i++)
    {
      double lk, peer, ratio;

      measure_pair (benches[i].latchkey, benches[i].peer, &lk, &peer);
      ratio = lk / peer;

      g_print ("%-38s %14.0f %14.0f %7.2fx\n", benches[i].name, lk, peer, ratio);
      if (i < 3)
        worst = MIN (worst, ratio);
    }
  g_print ("lowest ratio of the three required measurements: %.2fx (goal: 2x)\n", worst);

  lk_otp_key_free (shared_key);
  oath_done ();
  return check && worst < 2.0 ? 1 : 0;
}
