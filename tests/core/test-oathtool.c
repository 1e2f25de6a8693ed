/* SPDX-License-Identifier: GPL-3.0-or-later
 * Differential test: random seeds, counters, times, periods, digits and hashes against oathtool. */
#include <string.h>
#include <glib.h>

#include "lk-otp.h"

#define ROUNDS 250   /* per mode; each round runs oathtool once */
#define WINDOW 4     /* codes per oathtool run: the step and the 4 after it */

static const char *oathtool;

static guint8 *
random_seed (gsize *out_len,
             char  **out_hex)
{
  /* Lengths across the HMAC block boundaries: short, typical, and longer
   * than a block (hashed first). */
  gsize len = (gsize) g_test_rand_int_range (1, 140);
  guint8 *seed = g_malloc (len);
  GString *hex = g_string_new (NULL);

  for (gsize i = 0; i < len; i++)
    {
      seed[i] = (guint8) g_test_rand_int_range (0, 256);
      g_string_append_printf (hex, "%02x", seed[i]);
    }
  *out_len = len;
  *out_hex = g_string_free (hex, FALSE);
  return seed;
}

static guint64
random_uint64 (void)
{
  return ((guint64) g_test_rand_int () << 32) ^ (guint32) g_test_rand_int ();
}

/* Runs oathtool and returns its WINDOW + 1 codes. */
static GStrv
run_oathtool (const char * const *argv)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;
  GStrv lines;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, &error))
    g_error ("%s %s failed: %s\n%s", argv[0], argv[1], error->message, err);
  g_strchomp (out);
  lines = g_strsplit (out, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, WINDOW + 1);
  return lines;
}

static void
test_hotp (void)
{
  for (guint round = 0; round < ROUNDS; round++)
    {
      g_autofree char *hex = NULL;
      gsize len;
      g_autofree guint8 *seed = random_seed (&len, &hex);
      guint digits = (guint) g_test_rand_int_range (6, 9);
      /* Small counters, the whole 64-bit range, and the top of it. */
      guint64 counter = round % 3 == 0 ? (guint64) g_test_rand_int_range (0, 1000)
                      : round % 3 == 1 ? random_uint64 () >> 1
                      : G_MAXUINT64 - WINDOW - (guint64) g_test_rand_int_range (0, 100);
      g_autofree char *counter_arg = g_strdup_printf ("--counter=%" G_GUINT64_FORMAT, counter);
      g_autofree char *digits_arg = g_strdup_printf ("--digits=%u", digits);
      g_autofree char *window_arg = g_strdup_printf ("--window=%d", WINDOW);
      const char *argv[] = { oathtool, "--hotp", counter_arg, digits_arg, window_arg, hex, NULL };
      g_auto(GStrv) codes = run_oathtool (argv);
      g_autoptr(LkOtpKey) key = lk_otp_key_new (LK_HASH_SHA1, seed, len, NULL);

      for (guint k = 0; k <= WINDOW; k++)
        {
          char code[LK_OTP_CODE_SIZE];
          guint64 matched = 0;

          lk_hotp_generate (key, counter + k, digits, code);
          if (!g_str_equal (code, codes[k]))
            g_error ("HOTP seed %s counter %" G_GUINT64_FORMAT " digits %u: Latchkey %s, oathtool %s",
                     hex, counter + k, digits, code, codes[k]);
          /* Validation finds oathtool's code at a counter whose code it is. */
          g_assert_true (lk_hotp_validate (key, digits, counter, WINDOW, codes[k], &matched));
          g_assert_cmpuint (matched, <=, counter + k);
          lk_hotp_generate (key, matched, digits, code);
          g_assert_cmpstr (code, ==, codes[k]);
        }
    }
}

static void
test_totp (void)
{
  static const struct { LkHash hash; const char *option; } hashes[] = {
    { LK_HASH_SHA1, "--totp=sha1" }, { LK_HASH_SHA256, "--totp=sha256" }, { LK_HASH_SHA512, "--totp=sha512" },
  };
  static const guint common_periods[] = { 30, 60, 1, 3600 };

  for (guint round = 0; round < ROUNDS; round++)
    {
      g_autofree char *hex = NULL;
      gsize len;
      g_autofree guint8 *seed = random_seed (&len, &hex);
      guint h = round % G_N_ELEMENTS (hashes);
      guint digits = (guint) g_test_rand_int_range (6, 9);
      guint period = round % 2 == 0 ? common_periods[g_test_rand_int_range (0, G_N_ELEMENTS (common_periods))]
                                    : (guint) g_test_rand_int_range (1, 3601);
      /* Times up to 2^34 s (beyond 2038), T0 somewhere before them. */
      gint64 now = (gint64) (random_uint64 () % (G_GUINT64_CONSTANT (1) << 34));
      gint64 t0 = round % 4 == 0 ? 0 : (gint64) (random_uint64 () % (guint64) (now + 1));
      g_autofree char *now_arg = g_strdup_printf ("--now=@%" G_GINT64_FORMAT, now);
      g_autofree char *t0_arg = g_strdup_printf ("--start-time=@%" G_GINT64_FORMAT, t0);
      g_autofree char *period_arg = g_strdup_printf ("--time-step-size=%us", period);
      g_autofree char *digits_arg = g_strdup_printf ("--digits=%u", digits);
      g_autofree char *window_arg = g_strdup_printf ("--window=%d", WINDOW);
      const char *argv[] = { oathtool, hashes[h].option, now_arg, t0_arg, period_arg, digits_arg, window_arg, hex, NULL };
      g_auto(GStrv) codes = run_oathtool (argv);
      g_autoptr(LkOtpKey) key = lk_otp_key_new (hashes[h].hash, seed, len, NULL);

      for (guint k = 0; k <= WINDOW; k++)
        {
          char code[LK_OTP_CODE_SIZE];
          gint64 matched = 0;

          lk_totp_generate (key, now + (gint64) k * period, t0, period, digits, code);
          if (!g_str_equal (code, codes[k]))
            g_error ("TOTP %s seed %s time %" G_GINT64_FORMAT " T0 %" G_GINT64_FORMAT " period %u digits %u: "
                     "Latchkey %s, oathtool %s",
                     hashes[h].option, hex, now + (gint64) k * period, t0, period, digits, code, codes[k]);
          g_assert_true (lk_totp_validate (key, digits, now, t0, period, 0, WINDOW, codes[k], &matched));
          lk_hotp_generate (key, (guint64) matched, digits, code);
          g_assert_cmpstr (code, ==, codes[k]);
        }
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  oathtool = g_getenv ("LK_OATHTOOL");
  if (oathtool == NULL)
    g_error ("LK_OATHTOOL must name the oathtool program (meson sets it)");

  g_test_add_func ("/core/oathtool/hotp", test_hotp);
  g_test_add_func ("/core/oathtool/totp", test_totp);

  return g_test_run ();
}
