/* SPDX-License-Identifier: GPL-3.0-or-later
 * Tests HOTP and TOTP against every vector of RFC 4226 Appendix D and RFC 6238 Appendix B. */
#include <string.h>
#include <glib.h>

#include "lk-core-error.h"
#include "lk-otp.h"
#include "lk-secure.h"

#define RFC_SEED_20 "12345678901234567890"
#define RFC_SEED_32 "12345678901234567890123456789012"
#define RFC_SEED_64 "1234567890123456789012345678901234567890123456789012345678901234"

static LkOtpKey *
make_key (LkHash      hash,
          const char *ascii_seed)
{
  g_autoptr(GError) error = NULL;
  LkOtpKey *key = lk_otp_key_new (hash, (const guint8 *) ascii_seed, strlen (ascii_seed), &error);

  g_assert_no_error (error);
  g_assert_nonnull (key);
  return key;
}

/* RFC 4226 Appendix D: the truncated values and the 6-digit HOTP values. */
static const struct { guint32 truncated; const char *hotp; } rfc4226[] = {
  { 0x4c93cf18, "755224" }, { 0x41397eea, "287082" }, { 0x082fef30, "359152" },
  { 0x66ef7655, "969429" }, { 0x61c5938a, "338314" }, { 0x33c083d4, "254676" },
  { 0x7256c032, "287922" }, { 0x04e5b397, "162583" }, { 0x2823443f, "399871" },
  { 0x2679dc69, "520489" },
};

static void
test_hotp_rfc4226 (void)
{
  g_autoptr(LkOtpKey) key = make_key (LK_HASH_SHA1, RFC_SEED_20);

  for (guint64 counter = 0; counter < G_N_ELEMENTS (rfc4226); counter++)
    {
      char code[LK_OTP_CODE_SIZE];
      char expected10[LK_OTP_CODE_SIZE];

      g_assert_cmpuint (lk_hotp_value (key, counter), ==, rfc4226[counter].truncated);
      lk_hotp_generate (key, counter, 6, code);
      g_assert_cmpstr (code, ==, rfc4226[counter].hotp);

      /* 10 digits is the whole 31-bit value, zero padded. */
      g_snprintf (expected10, sizeof expected10, "%010u", rfc4226[counter].truncated);
      lk_hotp_generate (key, counter, 10, code);
      g_assert_cmpstr (code, ==, expected10);

      /* 7 and 8 digits are the value modulo 10^n. */
      lk_hotp_generate (key, counter, 8, code);
      g_assert_cmpstr (code, ==, expected10 + 2);
      lk_hotp_generate (key, counter, 7, code);
      g_assert_cmpstr (code, ==, expected10 + 3);
    }
}

/* RFC 6238 Appendix B: time, T (hex), and the 8-digit TOTP for each hash. */
static const struct
{
  gint64 time;
  gint64 step;
  const char *sha1, *sha256, *sha512;
} rfc6238[] = {
  { 59, 0x1, "94287082", "46119246", "90693936" },
  { 1111111109, 0x23523EC, "07081804", "68084774", "25091201" },
  { 1111111111, 0x23523ED, "14050471", "67062674", "99943326" },
  { 1234567890, 0x273EF07, "89005924", "91819424", "93441116" },
  { 2000000000, 0x3F940AA, "69279037", "90698825", "38618901" },
  { G_GINT64_CONSTANT (20000000000), 0x27BC86AA, "65353130", "77737706", "47863826" },
};

static void
test_totp_rfc6238 (void)
{
  g_autoptr(LkOtpKey) sha1 = make_key (LK_HASH_SHA1, RFC_SEED_20);
  g_autoptr(LkOtpKey) sha256 = make_key (LK_HASH_SHA256, RFC_SEED_32);
  g_autoptr(LkOtpKey) sha512 = make_key (LK_HASH_SHA512, RFC_SEED_64);

  for (gsize i = 0; i < G_N_ELEMENTS (rfc6238); i++)
    {
      char code[LK_OTP_CODE_SIZE];
      gint64 step = -1;

      g_assert_cmpint (lk_totp_time_step (rfc6238[i].time, 0, 30), ==, rfc6238[i].step);
      lk_totp_generate (sha1, rfc6238[i].time, 0, 30, 8, code);
      g_assert_cmpstr (code, ==, rfc6238[i].sha1);
      lk_totp_generate (sha256, rfc6238[i].time, 0, 30, 8, code);
      g_assert_cmpstr (code, ==, rfc6238[i].sha256);
      lk_totp_generate (sha512, rfc6238[i].time, 0, 30, 8, code);
      g_assert_cmpstr (code, ==, rfc6238[i].sha512);

      g_assert_true (lk_totp_validate (sha512, 8, rfc6238[i].time, 0, 30, 0, 0, rfc6238[i].sha512, &step));
      g_assert_cmpint (step, ==, rfc6238[i].step);
    }
}

static void
test_totp_t0_and_period (void)
{
  g_autoptr(LkOtpKey) key = make_key (LK_HASH_SHA1, RFC_SEED_20);
  char a[LK_OTP_CODE_SIZE], b[LK_OTP_CODE_SIZE];

  /* A T0 shifts the clock: time T with T0 is time T - T0 without. */
  lk_totp_generate (key, 1111111109 + 1000, 1000, 30, 8, a);
  g_assert_cmpstr (a, ==, "07081804");

  /* Period 60 at time 2T is period 30 at time T. */
  lk_totp_generate (key, 2 * G_GINT64_CONSTANT (1234567890), 0, 60, 8, a);
  g_assert_cmpstr (a, ==, "89005924");

  /* Period 1 and 3600 are both allowed; step = time / period. */
  g_assert_cmpint (lk_totp_time_step (3599, 0, 3600), ==, 0);
  g_assert_cmpint (lk_totp_time_step (3600, 0, 3600), ==, 1);
  g_assert_cmpint (lk_totp_time_step (12345, 0, 1), ==, 12345);
  lk_totp_generate (key, 7, 0, 1, 6, a);
  lk_hotp_generate (key, 7, 6, b);
  g_assert_cmpstr (a, ==, b);

  /* Floor division before T0. */
  g_assert_cmpint (lk_totp_time_step (-1, 0, 30), ==, -1);
  g_assert_cmpint (lk_totp_time_step (-30, 0, 30), ==, -1);
  g_assert_cmpint (lk_totp_time_step (-31, 0, 30), ==, -2);
  g_assert_cmpint (lk_totp_time_step (100, 100, 30), ==, 0);
  g_assert_cmpint (lk_totp_time_step (G_MAXINT64, G_MININT64, 30), ==, G_MAXINT64 / 30);
}

static void
test_hotp_validate_window (void)
{
  g_autoptr(LkOtpKey) key = make_key (LK_HASH_SHA1, RFC_SEED_20);
  guint64 matched = G_MAXUINT64;

  /* Counter 5's code is found from 0 with a window of 5, not of 4. */
  g_assert_true (lk_hotp_validate (key, 6, 0, 5, "254676", &matched));
  g_assert_cmpuint (matched, ==, 5);
  g_assert_false (lk_hotp_validate (key, 6, 0, 4, "254676", NULL));
  /* It is never found behind the counter. */
  g_assert_false (lk_hotp_validate (key, 6, 6, 100, "254676", NULL));
  g_assert_true (lk_hotp_validate (key, 6, 9, 0, "520489", &matched));
  g_assert_cmpuint (matched, ==, 9);

  /* Wrong length, non-digits, NULL and empty never match. */
  g_assert_false (lk_hotp_validate (key, 6, 0, 10, "75522", NULL));
  g_assert_false (lk_hotp_validate (key, 6, 0, 10, "7552240", NULL));
  g_assert_false (lk_hotp_validate (key, 6, 0, 10, "75522a", NULL));
  g_assert_false (lk_hotp_validate (key, 6, 0, 10, " 755224", NULL));
  g_assert_false (lk_hotp_validate (key, 6, 0, 10, "", NULL));
  g_assert_false (lk_hotp_validate (key, 6, 0, 10, NULL, NULL));
  g_assert_false (lk_hotp_validate (key, 8, 0, 10, "755224", NULL));
  g_assert_true (lk_hotp_validate (key, 10, 0, 10, "0137359152", &matched));
  g_assert_cmpuint (matched, ==, 2);

  /* The window stops at the end of the counter space instead of wrapping. */
  g_assert_false (lk_hotp_validate (key, 6, G_MAXUINT64 - 1, 10, "755224", NULL));
}

static void
test_totp_validate_window (void)
{
  g_autoptr(LkOtpKey) key = make_key (LK_HASH_SHA1, RFC_SEED_20);
  char earlier[LK_OTP_CODE_SIZE], later[LK_OTP_CODE_SIZE], now[LK_OTP_CODE_SIZE];
  gint64 t = 1234567890, step = lk_totp_time_step (t, 0, 30), matched = 0;

  lk_hotp_generate (key, step - 1, 6, earlier);
  lk_hotp_generate (key, step + 1, 6, later);
  lk_hotp_generate (key, step, 6, now);

  g_assert_true (lk_totp_validate (key, 6, t, 0, 30, 0, 1, earlier, &matched));
  g_assert_cmpint (matched, ==, step - 1);
  g_assert_true (lk_totp_validate (key, 6, t, 0, 30, 0, 1, later, &matched));
  g_assert_cmpint (matched, ==, step + 1);
  g_assert_false (lk_totp_validate (key, 6, t, 0, 30, 0, 0, later, NULL));
  g_assert_true (lk_totp_validate (key, 6, t, 0, 30, 0, 0, now, &matched));
  g_assert_cmpint (matched, ==, step);

  /* Drift moves the centre: with +2 steps and window 1, "now" is out of reach. */
  g_assert_false (lk_totp_validate (key, 6, t, 0, 30, 2, 1, now, NULL));
  g_assert_true (lk_totp_validate (key, 6, t, 0, 30, 2, 1, later, &matched));
  g_assert_cmpint (matched, ==, step + 1);
  g_assert_true (lk_totp_validate (key, 6, t, 0, 30, -1, 0, earlier, &matched));
  g_assert_cmpint (matched, ==, step - 1);

  g_assert_false (lk_totp_validate (key, 6, t, 0, 30, 0, 1, "12345", NULL));
  g_assert_false (lk_totp_validate (key, 6, t, 0, 30, 0, 1, "abcdef", NULL));

  /* No step before T0 is tried. */
  g_assert_false (lk_totp_validate (key, 6, 10, 0, 30, -1, 0, "755224", NULL));
  g_assert_true (lk_totp_validate (key, 6, 10, 0, 30, 0, 0, "755224", &matched));
  g_assert_cmpint (matched, ==, 0);
}

static void
test_key_errors (void)
{
  g_autoptr(GError) error = NULL;
  LkOtpKey *key;
  const guint8 byte = 1;

  key = lk_otp_key_new (LK_HASH_SHA1, &byte, 0, &error);
  g_assert_null (key);
  g_assert_error (error, LK_CORE_ERROR, LK_CORE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  key = lk_otp_key_new ((LkHash) 42, &byte, 1, &error);
  g_assert_null (key);
  g_assert_error (error, LK_CORE_ERROR, LK_CORE_ERROR_INVALID_ARGUMENT);
}

static void
test_long_key (void)
{
  /* Keys longer than the block are hashed first (RFC 2104); RFC 4231 test
   * case 6: 131 bytes of 0xaa, "Test Using Larger Than Block-Size Key - Hash Key First". */
  static const char message[] = "Test Using Larger Than Block-Size Key - Hash Key First";
  static const guint8 expected256[] = {
    0x60, 0xe4, 0x31, 0x59, 0x1e, 0xe0, 0xb6, 0x7f, 0x0d, 0x8a, 0x26, 0xaa, 0xcb, 0xf5, 0xb7, 0x7f,
    0x8e, 0x0b, 0xc6, 0x21, 0x37, 0x28, 0xc5, 0x14, 0x05, 0x46, 0x04, 0x0f, 0x0e, 0xe3, 0x7f, 0x54,
  };
  guint8 secret[131];
  guint8 out[LK_HASH_MAX_DIGEST_SIZE];
  g_autoptr(LkOtpKey) key = NULL;

  memset (secret, 0xaa, sizeof secret);
  key = lk_otp_key_new (LK_HASH_SHA256, secret, sizeof secret, NULL);
  g_assert_nonnull (key);
  g_assert_cmpuint (lk_otp_key_hmac (key, (const guint8 *) message, strlen (message), out), ==, 32);
  g_assert_cmpmem (out, 32, expected256, sizeof expected256);
  g_assert_cmpint (lk_otp_key_get_hash (key), ==, LK_HASH_SHA256);
}

static void
test_hash_names (void)
{
  LkHash hash = LK_HASH_SHA1;

  g_assert_true (lk_hash_from_string ("sha256", &hash));
  g_assert_cmpint (hash, ==, LK_HASH_SHA256);
  g_assert_true (lk_hash_from_string ("SHA-512", &hash));
  g_assert_cmpint (hash, ==, LK_HASH_SHA512);
  g_assert_true (lk_hash_from_string ("Sha1", &hash));
  g_assert_cmpint (hash, ==, LK_HASH_SHA1);
  g_assert_false (lk_hash_from_string ("MD5", &hash));
  g_assert_false (lk_hash_from_string ("SHA384", &hash));
  g_assert_false (lk_hash_from_string ("", &hash));
  g_assert_false (lk_hash_from_string (NULL, &hash));
  g_assert_cmpstr (lk_hash_to_string (LK_HASH_SHA1), ==, "SHA1");
  g_assert_cmpstr (lk_hash_to_string (LK_HASH_SHA256), ==, "SHA256");
  g_assert_cmpstr (lk_hash_to_string (LK_HASH_SHA512), ==, "SHA512");
  g_assert_cmpuint (lk_hash_default_seed_length (LK_HASH_SHA1), ==, 20);
  g_assert_cmpuint (lk_hash_default_seed_length (LK_HASH_SHA256), ==, 32);
  g_assert_cmpuint (lk_hash_default_seed_length (LK_HASH_SHA512), ==, 64);
}

static void
test_generate_seed (void)
{
  const LkHash hashes[] = { LK_HASH_SHA1, LK_HASH_SHA256, LK_HASH_SHA512 };

  for (gsize i = 0; i < G_N_ELEMENTS (hashes); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) a = lk_otp_generate_seed (hashes[i], &error);
      g_autoptr(GBytes) b = lk_otp_generate_seed (hashes[i], &error);

      g_assert_no_error (error);
      g_assert_cmpuint (g_bytes_get_size (a), ==, lk_hash_default_seed_length (hashes[i]));
      g_assert_cmpuint (g_bytes_get_size (b), ==, g_bytes_get_size (a));
      /* Two fresh seeds are never equal (2^-160 at worst). */
      g_assert_false (g_bytes_equal (a, b));
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/core/otp/hotp/rfc4226", test_hotp_rfc4226);
  g_test_add_func ("/core/otp/hotp/validate-window", test_hotp_validate_window);
  g_test_add_func ("/core/otp/totp/rfc6238", test_totp_rfc6238);
  g_test_add_func ("/core/otp/totp/t0-and-period", test_totp_t0_and_period);
  g_test_add_func ("/core/otp/totp/validate-window", test_totp_validate_window);
  g_test_add_func ("/core/otp/key/errors", test_key_errors);
  g_test_add_func ("/core/otp/key/long-key", test_long_key);
  g_test_add_func ("/core/otp/hash-names", test_hash_names);
  g_test_add_func ("/core/otp/generate-seed", test_generate_seed);

  return g_test_run ();
}
