/* SPDX-License-Identifier: GPL-3.0-or-later
 * Aegis vaults, plain and encrypted, written in the test from Aegis' vault.md with OpenSSL called directly. */
#include "config.h"

#include "import-test-util.h"
#include "lk-import-aegis.h"

/* A 1x1 PNG's signature and header are enough for the MIME guess. */
#define PNG_B64 "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="

static const char db_v2[] =
  "{\"version\":2,\"entries\":["
  "{\"type\":\"totp\",\"uuid\":\"1\",\"name\":\"alice\",\"issuer\":\"ACME\",\"note\":\"desk phone\","
  " \"group\":\"Work\",\"icon\":\"" PNG_B64 "\",\"icon_mime\":\"image/png\","
  " \"info\":{\"secret\":\"" RFC_B32_SHA1 "\",\"algo\":\"SHA1\",\"digits\":8,\"period\":30}},"
  "{\"type\":\"totp\",\"uuid\":\"2\",\"name\":\"bob\",\"issuer\":\"Bank\",\"icon\":null,"
  " \"info\":{\"secret\":\"" RFC_B32_SHA512 "\",\"algo\":\"SHA512\",\"digits\":8,\"period\":30}},"
  "{\"type\":\"hotp\",\"uuid\":\"3\",\"name\":\"carol\",\"issuer\":\"Vpn\","
  " \"info\":{\"secret\":\"" RFC_B32_SHA1 "\",\"algo\":\"SHA1\",\"digits\":6,\"counter\":7}},"
  "{\"type\":\"steam\",\"uuid\":\"4\",\"name\":\"gamer\",\"issuer\":\"Steam\","
  " \"info\":{\"secret\":\"" RFC_B32_SHA1 "\",\"algo\":\"SHA1\",\"digits\":5,\"period\":30}},"
  "{\"type\":\"yandex\",\"uuid\":\"5\",\"name\":\"y\",\"issuer\":\"Yandex\","
  " \"info\":{\"secret\":\"" RFC_B32_SHA256 "\",\"algo\":\"SHA256\",\"digits\":8,\"period\":30,\"pin\":\"1234\"}},"
  "{\"type\":\"motp\",\"uuid\":\"6\",\"name\":\"m\",\"issuer\":\"M\","
  " \"info\":{\"secret\":\"" RFC_B32_SHA1 "\",\"algo\":\"MD5\",\"digits\":6,\"period\":10}},"
  "{\"type\":\"totp\",\"uuid\":\"7\",\"name\":\"old\",\"issuer\":\"Legacy\","
  " \"info\":{\"secret\":\"" RFC_B32_SHA1 "\",\"algo\":\"MD5\",\"digits\":6,\"period\":30}},"
  "{\"type\":\"totp\",\"uuid\":\"8\",\"name\":\"typo\",\"issuer\":\"X\","
  " \"info\":{\"secret\":\"NOT*BASE32\",\"algo\":\"SHA1\",\"digits\":6,\"period\":30}}"
  "]}";

static const char db_v3[] =
  "{\"version\":3,\"entries\":["
  "{\"type\":\"totp\",\"uuid\":\"1\",\"name\":\"dave\",\"issuer\":\"Shop\",\"note\":\"\","
  " \"groups\":[\"g1\",\"g2\",\"unknown\"],"
  " \"info\":{\"secret\":\"" RFC_B32_SHA256 "\",\"algo\":\"SHA256\",\"digits\":8,\"period\":30}}],"
  "\"groups\":[{\"uuid\":\"g1\",\"name\":\"Personal\"},{\"uuid\":\"g2\",\"name\":\"Shopping\"}]}";

static GPtrArray *
parse_ok (const char *text,
          const char *password)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *entries = lk_import_aegis_parse ((const guint8 *) text, strlen (text), password, &error);

  g_assert_no_error (error);
  g_assert_nonnull (entries);
  return entries;
}

static void
check_v2_entries (GPtrArray *entries)
{
  LkImportEntry *e;

  g_assert_cmpuint (entries->len, ==, 8);

  e = entry_at (entries, 0);
  g_assert_cmpstr (e->token->issuer, ==, "ACME");
  g_assert_cmpstr (e->token->account, ==, "alice");
  g_assert_cmpstr (e->note, ==, "desk phone");
  g_assert_cmpstr (e->group, ==, "Work");
  g_assert_cmpstr (e->icon_mime, ==, "image/png");
  g_assert_nonnull (e->icon);
  g_assert_cmpuint (g_bytes_get_size (e->icon), >, 8);
  assert_code (e, 59, "94287082");

  e = entry_at (entries, 1);
  g_assert_null (e->icon);
  g_assert_null (e->note);
  assert_code (e, 1111111109, "25091201");

  e = entry_at (entries, 2);
  g_assert_cmpint (e->token->type, ==, LK_OTPAUTH_HOTP);
  g_assert_cmpuint (e->token->counter, ==, 7);
  assert_code (e, 0, rfc4226_codes[7]);

  e = entry_at (entries, 3);
  g_assert_cmpint (e->token->type, ==, LK_OTPAUTH_STEAM);
  g_assert_cmpuint (e->token->digits, ==, 5);

  /* Yandex, mOTP and MD5 are refused with a reason; so is a bad secret. */
  for (guint i = 4; i < 8; i++)
    {
      e = entry_at (entries, i);
      g_assert_null (e->token);
      g_assert_nonnull (e->reason);
    }
  g_assert_nonnull (strstr (entry_at (entries, 4)->reason, "Yandex"));
  g_assert_nonnull (strstr (entry_at (entries, 5)->reason, "mOTP"));
  g_assert_nonnull (strstr (entry_at (entries, 6)->reason, "MD5"));
  g_assert_nonnull (strstr (entry_at (entries, 7)->reason, "Base32"));
  g_assert_cmpstr (entry_at (entries, 6)->name, ==, "Legacy:old");
}

static void
test_plain (void)
{
  g_autofree char *vault = g_strdup_printf ("{\"version\":1,\"header\":{\"slots\":null,\"params\":null},\"db\":%s}", db_v2);
  g_autoptr(GPtrArray) entries = parse_ok (vault, NULL);

  check_v2_entries (entries);
  g_assert_true (lk_import_aegis_detect ((const guint8 *) vault, strlen (vault)));
}

static void
test_groups_v3 (void)
{
  g_autofree char *vault = g_strdup_printf ("{\"version\":1,\"header\":{\"slots\":null,\"params\":null},\"db\":%s}", db_v3);
  g_autoptr(GPtrArray) entries = parse_ok (vault, NULL);

  g_assert_cmpuint (entries->len, ==, 1);
  g_assert_cmpstr (entry_at (entries, 0)->group, ==, "Personal, Shopping");
  g_assert_null (entry_at (entries, 0)->note);
  assert_code (entry_at (entries, 0), 59, "46119246");
}

static void
test_encrypted (void)
{
  g_autofree char *vault = aegis_encrypted_vault (db_v2, "correct horse", 1024, FALSE);
  g_autoptr(GPtrArray) entries = parse_ok (vault, "correct horse");

  /* The raw slot (type 2 in the test file is biometric) is skipped; the
   * password slot opens it. */
  check_v2_entries (entries);
  g_assert_true (lk_import_aegis_detect ((const guint8 *) vault, strlen (vault)));
}

static void
expect_error (const char *text,
              const char *password,
              int         code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = lk_import_aegis_parse ((const guint8 *) text, strlen (text), password, &error);

  g_assert_null (entries);
  g_assert_error (error, LK_IMPORT_ERROR, code);
  g_assert_null (strstr (error->message, RFC_B32_SHA1));
}

static void
test_encrypted_errors (void)
{
  g_autofree char *vault = aegis_encrypted_vault (db_v2, "correct horse", 1024, FALSE);
  g_autofree char *tampered = aegis_encrypted_vault (db_v2, "correct horse", 1024, TRUE);
  g_autofree char *truncated = g_strndup (vault, strlen (vault) / 2);
  g_autofree char *costly = aegis_encrypted_vault (db_v2, "pw", 1024, FALSE);
  g_autofree char *bad_tag = g_strdup (vault);
  char *n_field, *tag_field;

  expect_error (vault, NULL, LK_IMPORT_ERROR_NEEDS_PASSWORD);
  expect_error (vault, "wrong", LK_IMPORT_ERROR_WRONG_PASSWORD);
  expect_error (vault, "", LK_IMPORT_ERROR_WRONG_PASSWORD);
  /* The master key opens, but the database fails its GCM tag. */
  expect_error (tampered, "correct horse", LK_IMPORT_ERROR_CORRUPT);
  expect_error (truncated, "correct horse", LK_IMPORT_ERROR_CORRUPT);

  /* A slot's key tag changed: the password no longer opens it. */
  tag_field = strstr (strstr (bad_tag, "\"type\":1"), "\"tag\":\"") + 7;
  *tag_field = *tag_field == '0' ? '1' : '0';
  expect_error (bad_tag, "correct horse", LK_IMPORT_ERROR_WRONG_PASSWORD);

  /* A crafted scrypt cost is refused before any work. */
  n_field = strstr (costly, "\"n\":1024");
  g_assert_nonnull (n_field);
  memcpy (n_field, "\"n\":9999", 8);
  expect_error (costly, "pw", LK_IMPORT_ERROR_UNSUPPORTED);
}

static void
test_structure_errors (void)
{
  g_autoptr(GString) deep = g_string_new ("{\"version\":1,\"header\":{},\"db\":");

  expect_error ("", NULL, LK_IMPORT_ERROR_CORRUPT);
  expect_error ("{\"version\":1,", NULL, LK_IMPORT_ERROR_CORRUPT);
  expect_error ("[1,2]", NULL, LK_IMPORT_ERROR_CORRUPT);
  expect_error ("{\"version\":2,\"header\":{},\"db\":{}}", NULL, LK_IMPORT_ERROR_UNSUPPORTED);
  expect_error ("{\"version\":1,\"header\":{}}", NULL, LK_IMPORT_ERROR_CORRUPT);
  expect_error ("{\"version\":1,\"header\":{},\"db\":{\"version\":9,\"entries\":[]}}", NULL,
                LK_IMPORT_ERROR_UNSUPPORTED);
  expect_error ("{\"version\":1,\"header\":{},\"db\":{\"version\":2}}", NULL, LK_IMPORT_ERROR_CORRUPT);
  expect_error ("{\"version\":1,\"header\":{\"slots\":[],\"params\":{\"nonce\":\"00\",\"tag\":\"00\"}},\"db\":\"AAAA\"}",
                "pw", LK_IMPORT_ERROR_CORRUPT);
  /* Bad Base64 in an encrypted database. */
  expect_error ("{\"version\":1,\"header\":{\"slots\":[],\"params\":{\"nonce\":\"000000000000000000000000\","
                "\"tag\":\"00000000000000000000000000000000\"}},\"db\":\"A*AA\"}", "pw", LK_IMPORT_ERROR_CORRUPT);
  /* Only a biometric slot. */
  expect_error ("{\"version\":1,\"header\":{\"slots\":[{\"type\":2}],\"params\":{\"nonce\":\"000000000000000000000000\","
                "\"tag\":\"00000000000000000000000000000000\"}},\"db\":\"AAAA\"}", "pw", LK_IMPORT_ERROR_UNSUPPORTED);

  /* json-glib quotes the token it trips over; a seed must not reach the message. */
  expect_error ("{\"version\":1,\"header\":{},\"db\":{\"version\":2,\"entries\":[{\"info\":{\"secret\":\""
                RFC_B32_SHA1 "\" \"" RFC_B32_SHA1 "\"}}]}}", NULL, LK_IMPORT_ERROR_CORRUPT);
  expect_error ("{\"version\":1,\"db\":[" RFC_B32_SHA1 "]}", NULL, LK_IMPORT_ERROR_CORRUPT);
  expect_error ("{\"version\":1,\"db\":\"\xff\xfe\"}", NULL, LK_IMPORT_ERROR_CORRUPT);

  for (guint i = 0; i < 100; i++)
    g_string_append_c (deep, '[');
  expect_error (deep->str, NULL, LK_IMPORT_ERROR_TOO_LARGE);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/import/aegis/plain", test_plain);
  g_test_add_func ("/import/aegis/groups-v3", test_groups_v3);
  g_test_add_func ("/import/aegis/encrypted", test_encrypted);
  g_test_add_func ("/import/aegis/encrypted-errors", test_encrypted_errors);
  g_test_add_func ("/import/aegis/structure-errors", test_structure_errors);

  return g_test_run ();
}
