/* SPDX-License-Identifier: GPL-3.0-or-later
 * Tests OCRA against every vector of RFC 6287 Appendix C, and the suite parser. */
#include <string.h>
#include <glib.h>

#include "lk-core-error.h"
#include "lk-ocra.h"

/* The keys of RFC 6287 Appendix C, as ASCII digits. */
#define SEED   "12345678901234567890"
#define SEED32 "12345678901234567890123456789012"
#define SEED64 "1234567890123456789012345678901234567890123456789012345678901234"

/* SHA-1 of the PIN "1234", as given in Appendix C. */
static const guint8 pin_1234_sha1[] = {
  0x71, 0x10, 0xed, 0xa4, 0xd0, 0x9e, 0x06, 0x2a, 0xa5, 0xe4,
  0xa3, 0x90, 0xb0, 0xa5, 0x72, 0xac, 0x0d, 0x2c, 0x02, 0x20,
};

/* The timestamp of Appendix C: 0x132d0b6 minutes since the epoch ("T1M"). */
#define RFC_TIMESTAMP 0x132d0b6

typedef struct
{
  const char *suite;
  const char *key;
  guint64     counter;
  const char *question;
  gboolean    pin;
  guint64     timestamp;
  const char *response;
} Vector;

static const Vector vectors[] = {
  /* C.1 One-way challenge-response */
  { "OCRA-1:HOTP-SHA1-6:QN08", SEED, 0, "00000000", FALSE, 0, "237653" },
  { "OCRA-1:HOTP-SHA1-6:QN08", SEED, 0, "11111111", FALSE, 0, "243178" },
  { "OCRA-1:HOTP-SHA1-6:QN08", SEED, 0, "22222222", FALSE, 0, "653583" },
  { "OCRA-1:HOTP-SHA1-6:QN08", SEED, 0, "33333333", FALSE, 0, "740991" },
  { "OCRA-1:HOTP-SHA1-6:QN08", SEED, 0, "44444444", FALSE, 0, "608993" },
  { "OCRA-1:HOTP-SHA1-6:QN08", SEED, 0, "55555555", FALSE, 0, "388898" },
  { "OCRA-1:HOTP-SHA1-6:QN08", SEED, 0, "66666666", FALSE, 0, "816933" },
  { "OCRA-1:HOTP-SHA1-6:QN08", SEED, 0, "77777777", FALSE, 0, "224598" },
  { "OCRA-1:HOTP-SHA1-6:QN08", SEED, 0, "88888888", FALSE, 0, "750600" },
  { "OCRA-1:HOTP-SHA1-6:QN08", SEED, 0, "99999999", FALSE, 0, "294470" },

  { "OCRA-1:HOTP-SHA256-8:C-QN08-PSHA1", SEED32, 0, "12345678", TRUE, 0, "65347737" },
  { "OCRA-1:HOTP-SHA256-8:C-QN08-PSHA1", SEED32, 1, "12345678", TRUE, 0, "86775851" },
  { "OCRA-1:HOTP-SHA256-8:C-QN08-PSHA1", SEED32, 2, "12345678", TRUE, 0, "78192410" },
  { "OCRA-1:HOTP-SHA256-8:C-QN08-PSHA1", SEED32, 3, "12345678", TRUE, 0, "71565254" },
  { "OCRA-1:HOTP-SHA256-8:C-QN08-PSHA1", SEED32, 4, "12345678", TRUE, 0, "10104329" },
  { "OCRA-1:HOTP-SHA256-8:C-QN08-PSHA1", SEED32, 5, "12345678", TRUE, 0, "65983500" },
  { "OCRA-1:HOTP-SHA256-8:C-QN08-PSHA1", SEED32, 6, "12345678", TRUE, 0, "70069104" },
  { "OCRA-1:HOTP-SHA256-8:C-QN08-PSHA1", SEED32, 7, "12345678", TRUE, 0, "91771096" },
  { "OCRA-1:HOTP-SHA256-8:C-QN08-PSHA1", SEED32, 8, "12345678", TRUE, 0, "75011558" },
  { "OCRA-1:HOTP-SHA256-8:C-QN08-PSHA1", SEED32, 9, "12345678", TRUE, 0, "08522129" },

  { "OCRA-1:HOTP-SHA256-8:QN08-PSHA1", SEED32, 0, "00000000", TRUE, 0, "83238735" },
  { "OCRA-1:HOTP-SHA256-8:QN08-PSHA1", SEED32, 0, "11111111", TRUE, 0, "01501458" },
  { "OCRA-1:HOTP-SHA256-8:QN08-PSHA1", SEED32, 0, "22222222", TRUE, 0, "17957585" },
  { "OCRA-1:HOTP-SHA256-8:QN08-PSHA1", SEED32, 0, "33333333", TRUE, 0, "86776967" },
  { "OCRA-1:HOTP-SHA256-8:QN08-PSHA1", SEED32, 0, "44444444", TRUE, 0, "86807031" },

  { "OCRA-1:HOTP-SHA512-8:C-QN08", SEED64, 0, "00000000", FALSE, 0, "07016083" },
  { "OCRA-1:HOTP-SHA512-8:C-QN08", SEED64, 1, "11111111", FALSE, 0, "63947962" },
  { "OCRA-1:HOTP-SHA512-8:C-QN08", SEED64, 2, "22222222", FALSE, 0, "70123924" },
  { "OCRA-1:HOTP-SHA512-8:C-QN08", SEED64, 3, "33333333", FALSE, 0, "25341727" },
  { "OCRA-1:HOTP-SHA512-8:C-QN08", SEED64, 4, "44444444", FALSE, 0, "33203315" },
  { "OCRA-1:HOTP-SHA512-8:C-QN08", SEED64, 5, "55555555", FALSE, 0, "34205738" },
  { "OCRA-1:HOTP-SHA512-8:C-QN08", SEED64, 6, "66666666", FALSE, 0, "44343969" },
  { "OCRA-1:HOTP-SHA512-8:C-QN08", SEED64, 7, "77777777", FALSE, 0, "51946085" },
  { "OCRA-1:HOTP-SHA512-8:C-QN08", SEED64, 8, "88888888", FALSE, 0, "20403879" },
  { "OCRA-1:HOTP-SHA512-8:C-QN08", SEED64, 9, "99999999", FALSE, 0, "31409299" },

  { "OCRA-1:HOTP-SHA512-8:QN08-T1M", SEED64, 0, "00000000", FALSE, RFC_TIMESTAMP, "95209754" },
  { "OCRA-1:HOTP-SHA512-8:QN08-T1M", SEED64, 0, "11111111", FALSE, RFC_TIMESTAMP, "55907591" },
  { "OCRA-1:HOTP-SHA512-8:QN08-T1M", SEED64, 0, "22222222", FALSE, RFC_TIMESTAMP, "22048402" },
  { "OCRA-1:HOTP-SHA512-8:QN08-T1M", SEED64, 0, "33333333", FALSE, RFC_TIMESTAMP, "24218844" },
  { "OCRA-1:HOTP-SHA512-8:QN08-T1M", SEED64, 0, "44444444", FALSE, RFC_TIMESTAMP, "36209546" },

  /* C.2 Mutual challenge-response: server computations */
  { "OCRA-1:HOTP-SHA256-8:QA08", SEED32, 0, "CLI22220SRV11110", FALSE, 0, "28247970" },
  { "OCRA-1:HOTP-SHA256-8:QA08", SEED32, 0, "CLI22221SRV11111", FALSE, 0, "01984843" },
  { "OCRA-1:HOTP-SHA256-8:QA08", SEED32, 0, "CLI22222SRV11112", FALSE, 0, "65387857" },
  { "OCRA-1:HOTP-SHA256-8:QA08", SEED32, 0, "CLI22223SRV11113", FALSE, 0, "03351211" },
  { "OCRA-1:HOTP-SHA256-8:QA08", SEED32, 0, "CLI22224SRV11114", FALSE, 0, "83412541" },
  /* client computations */
  { "OCRA-1:HOTP-SHA256-8:QA08", SEED32, 0, "SRV11110CLI22220", FALSE, 0, "15510767" },
  { "OCRA-1:HOTP-SHA256-8:QA08", SEED32, 0, "SRV11111CLI22221", FALSE, 0, "90175646" },
  { "OCRA-1:HOTP-SHA256-8:QA08", SEED32, 0, "SRV11112CLI22222", FALSE, 0, "33777207" },
  { "OCRA-1:HOTP-SHA256-8:QA08", SEED32, 0, "SRV11113CLI22223", FALSE, 0, "95285278" },
  { "OCRA-1:HOTP-SHA256-8:QA08", SEED32, 0, "SRV11114CLI22224", FALSE, 0, "28934924" },

  { "OCRA-1:HOTP-SHA512-8:QA08", SEED64, 0, "CLI22220SRV11110", FALSE, 0, "79496648" },
  { "OCRA-1:HOTP-SHA512-8:QA08", SEED64, 0, "CLI22221SRV11111", FALSE, 0, "76831980" },
  { "OCRA-1:HOTP-SHA512-8:QA08", SEED64, 0, "CLI22222SRV11112", FALSE, 0, "12250499" },
  { "OCRA-1:HOTP-SHA512-8:QA08", SEED64, 0, "CLI22223SRV11113", FALSE, 0, "90856481" },
  { "OCRA-1:HOTP-SHA512-8:QA08", SEED64, 0, "CLI22224SRV11114", FALSE, 0, "12761449" },

  { "OCRA-1:HOTP-SHA512-8:QA08-PSHA1", SEED64, 0, "SRV11110CLI22220", TRUE, 0, "18806276" },
  { "OCRA-1:HOTP-SHA512-8:QA08-PSHA1", SEED64, 0, "SRV11111CLI22221", TRUE, 0, "70020315" },
  { "OCRA-1:HOTP-SHA512-8:QA08-PSHA1", SEED64, 0, "SRV11112CLI22222", TRUE, 0, "01600026" },
  { "OCRA-1:HOTP-SHA512-8:QA08-PSHA1", SEED64, 0, "SRV11113CLI22223", TRUE, 0, "18951020" },
  { "OCRA-1:HOTP-SHA512-8:QA08-PSHA1", SEED64, 0, "SRV11114CLI22224", TRUE, 0, "32528969" },

  /* C.3 Plain signature */
  { "OCRA-1:HOTP-SHA256-8:QA08", SEED32, 0, "SIG10000", FALSE, 0, "53095496" },
  { "OCRA-1:HOTP-SHA256-8:QA08", SEED32, 0, "SIG11000", FALSE, 0, "04110475" },
  { "OCRA-1:HOTP-SHA256-8:QA08", SEED32, 0, "SIG12000", FALSE, 0, "31331128" },
  { "OCRA-1:HOTP-SHA256-8:QA08", SEED32, 0, "SIG13000", FALSE, 0, "76028668" },
  { "OCRA-1:HOTP-SHA256-8:QA08", SEED32, 0, "SIG14000", FALSE, 0, "46554205" },

  { "OCRA-1:HOTP-SHA512-8:QA10-T1M", SEED64, 0, "SIG1000000", FALSE, RFC_TIMESTAMP, "77537423" },
  { "OCRA-1:HOTP-SHA512-8:QA10-T1M", SEED64, 0, "SIG1100000", FALSE, RFC_TIMESTAMP, "31970405" },
  { "OCRA-1:HOTP-SHA512-8:QA10-T1M", SEED64, 0, "SIG1200000", FALSE, RFC_TIMESTAMP, "10235557" },
  { "OCRA-1:HOTP-SHA512-8:QA10-T1M", SEED64, 0, "SIG1300000", FALSE, RFC_TIMESTAMP, "95213541" },
  { "OCRA-1:HOTP-SHA512-8:QA10-T1M", SEED64, 0, "SIG1400000", FALSE, RFC_TIMESTAMP, "65360607" },
};

static void
test_rfc6287 (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (vectors); i++)
    {
      const Vector *v = &vectors[i];
      g_autoptr(GError) error = NULL;
      g_autoptr(LkOcraSuite) suite = lk_ocra_suite_parse (v->suite, &error);
      LkOcraInput input = { 0 };
      char response[LK_OTP_CODE_SIZE] = { 0 };

      g_assert_no_error (error);
      input.counter = v->counter;
      input.question = v->question;
      input.timestamp = v->timestamp;
      if (v->pin)
        {
          input.password_hash = pin_1234_sha1;
          input.password_hash_len = sizeof pin_1234_sha1;
        }
      if (!lk_ocra_compute (suite, (const guint8 *) v->key, strlen (v->key), &input, response, &error))
        g_error ("%s %s: %s", v->suite, v->question, error->message);
      if (g_strcmp0 (response, v->response) != 0)
        g_error ("%s C=%" G_GUINT64_FORMAT " Q=%s: got %s, RFC 6287 says %s",
                 v->suite, v->counter, v->question, response, v->response);
    }
}

static void
test_suite_parse (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkOcraSuite) a = lk_ocra_suite_parse ("OCRA-1:HOTP-SHA512-8:C-QN08-PSHA1", &error);
  g_autoptr(LkOcraSuite) b = lk_ocra_suite_parse ("OCRA-1:HOTP-SHA256-8:QA08-T1M", &error);
  g_autoptr(LkOcraSuite) c = lk_ocra_suite_parse ("OCRA-1:HOTP-SHA1-4:QH40-S064-T30S", &error);
  g_autoptr(LkOcraSuite) d = lk_ocra_suite_parse ("OCRA-1:HOTP-SHA1-10:QN64-T48H", &error);

  g_assert_no_error (error);
  g_assert_cmpstr (lk_ocra_suite_to_string (a), ==, "OCRA-1:HOTP-SHA512-8:C-QN08-PSHA1");
  g_assert_true (lk_ocra_suite_uses_counter (a));
  g_assert_true (lk_ocra_suite_uses_password (a));
  g_assert_false (lk_ocra_suite_uses_timestamp (a));
  g_assert_cmpuint (lk_ocra_suite_get_timestep (a), ==, 0);
  g_assert_cmpint (lk_ocra_suite_get_hash (a), ==, LK_HASH_SHA512);
  g_assert_cmpuint (lk_ocra_suite_get_digits (a), ==, 8);
  g_assert_cmpint (lk_ocra_suite_get_question_format (a), ==, 'N');

  g_assert_false (lk_ocra_suite_uses_counter (b));
  g_assert_false (lk_ocra_suite_uses_password (b));
  g_assert_true (lk_ocra_suite_uses_timestamp (b));
  g_assert_cmpuint (lk_ocra_suite_get_timestep (b), ==, 60);
  g_assert_cmpint (lk_ocra_suite_get_question_format (b), ==, 'A');

  g_assert_cmpuint (lk_ocra_suite_get_timestep (c), ==, 30);
  g_assert_cmpuint (lk_ocra_suite_get_session_length (c), ==, 64);
  g_assert_cmpuint (lk_ocra_suite_get_digits (c), ==, 4);
  g_assert_cmpint (lk_ocra_suite_get_question_format (c), ==, 'H');

  g_assert_cmpuint (lk_ocra_suite_get_timestep (d), ==, 48 * 3600);
  g_assert_cmpuint (lk_ocra_suite_get_digits (d), ==, 10);
}

static void
test_suite_rejections (void)
{
  const char *bad[] = {
    "", "OCRA-1", "OCRA-2:HOTP-SHA1-6:QN08", "OCRA-1:HOTP-SHA1-6", "OCRA-1:HOTP-SHA1-6:QN08:X",
    "OCRA-1:TOTP-SHA1-6:QN08", "OCRA-1:HOTP-MD5-6:QN08", "OCRA-1:HOTP-sha1-6:QN08",
    "OCRA-1:HOTP-SHA1-3:QN08", "OCRA-1:HOTP-SHA1-11:QN08", "OCRA-1:HOTP-SHA1-0:QN08",
    "OCRA-1:HOTP-SHA1:QN08", "OCRA-1:HOTP-SHA1-6x:QN08",
    "OCRA-1:HOTP-SHA1-6:C", "OCRA-1:HOTP-SHA1-6:QX08", "OCRA-1:HOTP-SHA1-6:QN03",
    "OCRA-1:HOTP-SHA1-6:QN65", "OCRA-1:HOTP-SHA1-6:QN8", "OCRA-1:HOTP-SHA1-6:Q",
    "OCRA-1:HOTP-SHA1-6:QN08-PMD5", "OCRA-1:HOTP-SHA1-6:QN08-S64",
    "OCRA-1:HOTP-SHA1-6:QN08-S000", "OCRA-1:HOTP-SHA1-6:QN08-T60S",
    "OCRA-1:HOTP-SHA1-6:QN08-T0M", "OCRA-1:HOTP-SHA1-6:QN08-T49H", "OCRA-1:HOTP-SHA1-6:QN08-T1D",
    "OCRA-1:HOTP-SHA1-6:QN08-T", "OCRA-1:HOTP-SHA1-6:QN08-T1M-C", "OCRA-1:HOTP-SHA1-6:QN08-PSHA1-C",
    "OCRA-1:HOTP-SHA1-6:QN08-T1M-PSHA1", "OCRA-1:HOTP-SHA1-6:C-C-QN08",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(LkOcraSuite) suite = lk_ocra_suite_parse (bad[i], &error);

      if (suite != NULL)
        g_error ("suite “%s” was accepted", bad[i]);
      g_assert_error (error, LK_CORE_ERROR, LK_CORE_ERROR_OCRA);
      g_assert_nonnull (strstr (error->message, bad[i]));
    }
}

static void
test_input_rejections (void)
{
  g_autoptr(LkOcraSuite) numeric = lk_ocra_suite_parse ("OCRA-1:HOTP-SHA1-6:QN08", NULL);
  g_autoptr(LkOcraSuite) hex = lk_ocra_suite_parse ("OCRA-1:HOTP-SHA1-6:QH08", NULL);
  g_autoptr(LkOcraSuite) pin = lk_ocra_suite_parse ("OCRA-1:HOTP-SHA1-6:QA08-PSHA256", NULL);
  g_autoptr(LkOcraSuite) session = lk_ocra_suite_parse ("OCRA-1:HOTP-SHA1-6:QA08-S002", NULL);
  g_autofree char *long_text = g_strnfill (129, 'A');
  char response[LK_OTP_CODE_SIZE];
  const guint8 *key = (const guint8 *) SEED;
  struct { LkOcraSuite *suite; LkOcraInput input; } cases[] = {
    { numeric, { .question = "1234a678" } },
    { numeric, { .question = "" } },
    { numeric, { .question = NULL } },
    { hex, { .question = "12G4" } },
    { pin, { .question = "ABCD" } },
    { pin, { .question = "ABCD", .password_hash = pin_1234_sha1, .password_hash_len = 20 } },
    { session, { .question = "ABCD", .session = "12345" } },
    { session, { .question = "ABCD", .session = "zz" } },
    { pin, { .question = long_text } },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (lk_ocra_compute (cases[i].suite, key, 20, &cases[i].input, response, &error));
      g_assert_error (error, LK_CORE_ERROR, LK_CORE_ERROR_OCRA);
    }

  /* An empty key is refused by the key schedule. */
  {
    g_autoptr(GError) error = NULL;
    LkOcraInput input = { .question = "1234" };

    g_assert_false (lk_ocra_compute (numeric, key, 0, &input, response, &error));
    g_assert_error (error, LK_CORE_ERROR, LK_CORE_ERROR_INVALID_ARGUMENT);
  }
}

static void
test_encodings (void)
{
  /* A hex challenge and the numeric challenge of the same value agree when
   * the hex form is the number's own hex digits ("12345678" = 0xBC614E). */
  g_autoptr(LkOcraSuite) numeric = lk_ocra_suite_parse ("OCRA-1:HOTP-SHA1-6:QN08", NULL);
  g_autoptr(LkOcraSuite) hex = lk_ocra_suite_parse ("OCRA-1:HOTP-SHA1-6:QH08", NULL);
  g_autoptr(LkOcraSuite) session = lk_ocra_suite_parse ("OCRA-1:HOTP-SHA1-6:QN08-S064", NULL);
  LkOcraInput a = { .question = "12345678" }, b = { .question = "BC614E" }, c = { .question = "bc614e" };
  LkOcraInput s1 = { .question = "1", .session = "00ff" }, s2 = { .question = "1", .session = "ff" };
  char ra[LK_OTP_CODE_SIZE], rb[LK_OTP_CODE_SIZE], rc[LK_OTP_CODE_SIZE];
  g_autofree char *big = g_strnfill (256, '9');
  LkOcraInput huge = { .question = big };

  g_assert_true (lk_ocra_compute (numeric, (const guint8 *) SEED, 20, &a, ra, NULL));
  g_assert_true (lk_ocra_compute (hex, (const guint8 *) SEED, 20, &b, rb, NULL));
  g_assert_true (lk_ocra_compute (hex, (const guint8 *) SEED, 20, &c, rc, NULL));
  g_assert_cmpstr (ra, !=, rb);  /* the suite text differs, so the messages do */
  g_assert_cmpstr (rb, ==, rc);  /* hex is case-insensitive */

  /* Session information is right-aligned: leading zeros do not matter. */
  g_assert_true (lk_ocra_compute (session, (const guint8 *) SEED, 20, &s1, ra, NULL));
  g_assert_true (lk_ocra_compute (session, (const guint8 *) SEED, 20, &s2, rb, NULL));
  g_assert_cmpstr (ra, ==, rb);

  /* The longest numeric challenge still fits the 128-byte field. */
  g_assert_true (lk_ocra_compute (numeric, (const guint8 *) SEED, 20, &huge, ra, NULL));
  g_assert_cmpuint (strlen (ra), ==, 6);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/core/ocra/rfc6287", test_rfc6287);
  g_test_add_func ("/core/ocra/suite/parse", test_suite_parse);
  g_test_add_func ("/core/ocra/suite/rejections", test_suite_rejections);
  g_test_add_func ("/core/ocra/input/rejections", test_input_rejections);
  g_test_add_func ("/core/ocra/input/encodings", test_encodings);

  return g_test_run ();
}
