/* SPDX-License-Identifier: GPL-3.0-or-later
 * FreeOTP+ exports: seeds as signed Java bytes, and the HOTP counter stored one lower. */
#include "config.h"

#include "import-test-util.h"
#include "lk-import-freeotp.h"

/* The signed-byte form of a seed, as Java's Gson writes a byte[]. */
static char *
java_bytes (const char *seed,
            gsize       len)
{
  GString *s = g_string_new ("[");

  for (gsize i = 0; i < len; i++)
    g_string_append_printf (s, "%s%d", i > 0 ? "," : "", (int) (gint8) seed[i]);
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

static void
test_tokens (void)
{
  const char high_seed[] = "\xed\x40\xc5\xee\xfb\xec\xce\x22\x06\xb1";
  g_autofree char *sha1 = java_bytes (RFC_SEED_SHA1, 20);
  g_autofree char *sha512 = java_bytes (RFC_SEED_SHA512, 64);
  g_autofree char *high = java_bytes (high_seed, 10);
  g_autofree char *json = g_strdup_printf (
    "{\"tokenOrder\":[\"ACME:alice\",\"Vpn:carol\"],\"tokens\":["
    "{\"algo\":\"SHA1\",\"counter\":0,\"digits\":8,\"issuerExt\":\"ACME\",\"issuerInt\":\"ACME\",\"label\":\"alice\","
    " \"period\":30,\"secret\":%s,\"type\":\"TOTP\"},"
    "{\"algo\":\"SHA1\",\"counter\":4,\"digits\":6,\"issuerExt\":\"Vpn\",\"label\":\"carol\",\"period\":30,"
    " \"secret\":%s,\"type\":\"HOTP\"},"
    "{\"algo\":\"SHA512\",\"counter\":0,\"digits\":8,\"issuerExt\":\"Shop\",\"issuerAlt\":\"My Shop\",\"label\":\"dave\","
    " \"period\":30,\"secret\":%s,\"type\":\"TOTP\"},"
    "{\"algo\":\"SHA1\",\"digits\":6,\"issuerExt\":\"Hi\",\"label\":\"bytes\",\"secret\":%s,\"type\":\"TOTP\"},"
    "{\"algo\":\"MD5\",\"digits\":6,\"issuerExt\":\"Old\",\"label\":\"x\",\"secret\":%s,\"type\":\"TOTP\"},"
    "{\"algo\":\"SHA1\",\"digits\":6,\"issuerExt\":\"Bad\",\"label\":\"range\",\"secret\":[1,2,300],\"type\":\"TOTP\"},"
    "{\"algo\":\"SHA1\",\"digits\":6,\"issuerExt\":\"Bad\",\"label\":\"text\",\"secret\":\"ABC\",\"type\":\"TOTP\"}"
    "]}", sha1, sha1, sha512, high, sha1);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = lk_import_freeotp_parse ((const guint8 *) json, strlen (json), &error);
  LkImportEntry *e;
  gsize len;
  const guint8 *data;

  g_assert_no_error (error);
  g_assert_true (lk_import_freeotp_detect ((const guint8 *) json, strlen (json)));
  g_assert_cmpuint (entries->len, ==, 7);

  e = entry_at (entries, 0);
  g_assert_cmpstr (e->name, ==, "ACME:alice");
  assert_code (e, 59, "94287082");

  /* Stored counter 4 is the code last shown; the next code is counter 5. */
  e = entry_at (entries, 1);
  g_assert_cmpint (e->token->type, ==, LK_OTPAUTH_HOTP);
  g_assert_cmpuint (e->token->counter, ==, 5);
  assert_code (e, 0, rfc4226_codes[5]);

  /* The user's own issuer name wins over the URI's. */
  e = entry_at (entries, 2);
  g_assert_cmpstr (e->token->issuer, ==, "My Shop");
  assert_code (e, 59, "90693936");

  /* Negative Java bytes are the high byte values. */
  e = entry_at (entries, 3);
  data = g_bytes_get_data (e->token->secret, &len);
  g_assert_cmpmem (data, len, high_seed, 10);

  g_assert_nonnull (strstr (entry_at (entries, 4)->reason, "MD5"));
  g_assert_nonnull (entry_at (entries, 5)->reason);
  g_assert_nonnull (entry_at (entries, 6)->reason);
}

static void
test_errors (void)
{
  const char *cases[] = { "", "{", "{\"tokens\":5}", "[]", "{\"tokenOrder\":[]}" };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) entries = lk_import_freeotp_parse ((const guint8 *) cases[i], strlen (cases[i]), &error);

      g_assert_null (entries);
      g_assert_error (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_CORRUPT);
    }
}

/* Random seeds through the importer, each code compared with oathtool's
 * (Debian's oath-toolkit, an independent implementation) for the same
 * seed, algorithm, digits and time or counter. */
static void
test_against_oathtool (void)
{
  const char *oathtool = g_getenv ("LK_OATHTOOL");
  const char *algos[] = { "SHA1", "SHA256", "SHA512" };

  if (oathtool == NULL)
    {
      g_test_skip ("LK_OATHTOOL is not set (meson sets it)");
      return;
    }
  for (guint round = 0; round < 12; round++)
    {
      guint8 seed[32];
      gsize seed_len = 10 + g_test_rand_int_range (0, 22);
      gboolean hotp = round % 4 == 3;
      /* oathtool computes HOTP with SHA-1 only. */
      const char *algo = hotp ? "SHA1" : algos[round % 3];
      guint digits = round % 2 == 0 ? 6 : 8;
      gint64 counter = g_test_rand_int_range (0, 100000);
      gint64 when = g_test_rand_int_range (0, G_MAXINT);
      g_autofree char *bytes = NULL;
      g_autofree char *json = NULL;
      g_autofree char *hex = NULL;
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;
      g_autofree char *totp_arg = NULL;
      g_autofree char *now_arg = NULL;
      g_autofree char *counter_arg = NULL;
      g_autofree char *digits_arg = g_strdup_printf ("--digits=%u", digits);
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) entries = NULL;
      char code[LK_OTP_CODE_SIZE];
      int status = -1;

      for (gsize i = 0; i < seed_len; i++)
        seed[i] = (guint8) g_test_rand_int_range (0, 256);
      bytes = java_bytes ((const char *) seed, seed_len);
      json = g_strdup_printf ("{\"tokens\":[{\"algo\":\"%s\",\"counter\":%" G_GINT64_FORMAT ",\"digits\":%u,"
                              "\"issuerExt\":\"R\",\"label\":\"r\",\"period\":30,\"secret\":%s,\"type\":\"%s\"}]}",
                              algo, counter, digits, bytes, hotp ? "HOTP" : "TOTP");
      entries = lk_import_freeotp_parse ((const guint8 *) json, strlen (json), &error);
      g_assert_no_error (error);
      g_assert_true (lk_otpauth_generate (entry_at (entries, 0)->token, when, code, &error));
      g_assert_no_error (error);

      hex = test_hex (seed, seed_len);
      if (hotp)
        {
          /* The importer's counter is FreeOTP+'s plus one. */
          counter_arg = g_strdup_printf ("--counter=%" G_GINT64_FORMAT, counter + 1);
          g_assert_true (g_spawn_sync (NULL, (char *[]) { (char *) oathtool, (char *) "--hotp", digits_arg,
                                                          counter_arg, hex, NULL },
                                       NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &error));
        }
      else
        {
          totp_arg = g_strdup_printf ("--totp=%s", algo);
          now_arg = g_strdup_printf ("--now=@%" G_GINT64_FORMAT, when);
          g_assert_true (g_spawn_sync (NULL, (char *[]) { (char *) oathtool, totp_arg, digits_arg, now_arg, hex, NULL },
                                       NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &error));
        }
      g_assert_no_error (error);
      g_assert_cmpint (status, ==, 0);
      g_test_message ("round %u %s %u %s seed %s at %" G_GINT64_FORMAT, round, algo, digits, hotp ? "hotp" : "totp", hex, when);
      g_assert_cmpstr (g_strstrip (out), ==, code);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/import/freeotp/tokens", test_tokens);
  g_test_add_func ("/import/freeotp/errors", test_errors);
  g_test_add_func ("/import/freeotp/against-oathtool", test_against_oathtool);

  return g_test_run ();
}
