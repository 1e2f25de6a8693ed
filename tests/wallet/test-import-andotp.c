/* SPDX-License-Identifier: GPL-3.0-or-later
 * andOTP backups: plain JSON, and both encrypted layouts built here with OpenSSL from andOTP's description. */
#include "config.h"

#include "import-test-util.h"
#include "lk-import-andotp.h"

static const char plain_json[] =
  "[{\"secret\":\"" RFC_B32_SHA1 "\",\"issuer\":\"ACME\",\"label\":\"alice\",\"digits\":8,\"type\":\"TOTP\","
  "  \"algorithm\":\"SHA1\",\"thumbnail\":\"Default\",\"last_used\":0,\"used_frequency\":0,\"period\":30,"
  "  \"tags\":[\"Work\",\"VPN\"]},"
  " {\"secret\":\"" RFC_B32_SHA256 "\",\"issuer\":\"\",\"label\":\"Bank:bob\",\"digits\":8,\"type\":\"TOTP\","
  "  \"algorithm\":\"SHA256\",\"period\":30,\"tags\":[]},"
  " {\"secret\":\"" RFC_B32_SHA1 "\",\"issuer\":\"Vpn\",\"label\":\"carol\",\"digits\":6,\"type\":\"HOTP\","
  "  \"algorithm\":\"SHA1\",\"counter\":3,\"tags\":[]},"
  " {\"secret\":\"" RFC_B32_SHA1 "\",\"issuer\":\"Steam\",\"label\":\"gamer\",\"digits\":5,\"type\":\"STEAM\","
  "  \"algorithm\":\"SHA1\",\"period\":30},"
  " {\"secret\":\"" RFC_B32_SHA1 "\",\"issuer\":\"M\",\"label\":\"m\",\"digits\":6,\"type\":\"MOTP\"},"
  " {\"secret\":\"" RFC_B32_SHA1 "\",\"issuer\":\"Old\",\"label\":\"x\",\"digits\":6,\"type\":\"TOTP\",\"algorithm\":\"MD5\"},"
  " {\"secret\":\"" RFC_B32_SHA1 "\",\"issuer\":\"Big\",\"label\":\"y\",\"digits\":12,\"type\":\"TOTP\",\"algorithm\":\"SHA1\"}"
  "]";

static void
check_entries (GPtrArray *entries)
{
  LkImportEntry *e;

  g_assert_cmpuint (entries->len, ==, 7);
  e = entry_at (entries, 0);
  g_assert_cmpstr (e->token->issuer, ==, "ACME");
  g_assert_cmpstr (e->token->account, ==, "alice");
  g_assert_cmpstr (e->group, ==, "Work, VPN");
  assert_code (e, 59, "94287082");

  /* No issuer field: the label's "Issuer:account" form is split. */
  e = entry_at (entries, 1);
  g_assert_cmpstr (e->token->issuer, ==, "Bank");
  g_assert_cmpstr (e->token->account, ==, "bob");
  g_assert_null (e->group);
  assert_code (e, 1111111109, "68084774");

  e = entry_at (entries, 2);
  g_assert_cmpint (e->token->type, ==, LK_OTPAUTH_HOTP);
  assert_code (e, 0, rfc4226_codes[3]);

  e = entry_at (entries, 3);
  g_assert_cmpint (e->token->type, ==, LK_OTPAUTH_STEAM);

  g_assert_nonnull (strstr (entry_at (entries, 4)->reason, "MOTP"));
  g_assert_nonnull (strstr (entry_at (entries, 5)->reason, "MD5"));
  g_assert_nonnull (strstr (entry_at (entries, 6)->reason, "12"));
}

static GPtrArray *
parse_ok (const guint8 *data,
          gsize         len,
          const char   *password)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *entries = lk_import_andotp_parse (data, len, password, &error);

  g_assert_no_error (error);
  g_assert_nonnull (entries);
  return entries;
}

static void
test_plain (void)
{
  g_autoptr(GPtrArray) entries = parse_ok ((const guint8 *) plain_json, strlen (plain_json), NULL);

  check_entries (entries);
  g_assert_true (lk_import_andotp_detect ((const guint8 *) plain_json, strlen (plain_json)));
}

/* andOTP's current layout: iterations (big-endian) | salt | IV | ciphertext | tag. */
static GByteArray *
encrypt_new (const char *password,
             guint32     iterations)
{
  GByteArray *out = g_byte_array_new ();
  guint8 salt[12], iv[12], key[32], tag[16], be[4];
  g_autofree guint8 *cipher = NULL;
  gsize len = strlen (plain_json);

  memset (salt, 0x5a, sizeof salt);
  memset (iv, 0xa5, sizeof iv);
  g_assert_cmpint (PKCS5_PBKDF2_HMAC (password, (int) strlen (password), salt, sizeof salt, (int) iterations,
                                      EVP_sha1 (), sizeof key, key), ==, 1);
  cipher = test_gcm_encrypt (key, iv, (const guint8 *) plain_json, len, tag);
  be[0] = iterations >> 24;
  be[1] = iterations >> 16;
  be[2] = iterations >> 8;
  be[3] = iterations;
  g_byte_array_append (out, be, 4);
  g_byte_array_append (out, salt, sizeof salt);
  g_byte_array_append (out, iv, sizeof iv);
  g_byte_array_append (out, cipher, len);
  g_byte_array_append (out, tag, sizeof tag);
  return out;
}

/* The old layout: IV | ciphertext | tag, key = SHA-256(password). The IV
 * starts with 0xff so it cannot pass for an iteration count. */
static GByteArray *
encrypt_old (const char *password)
{
  GByteArray *out = g_byte_array_new ();
  guint8 iv[12], key[32], tag[16];
  g_autofree guint8 *cipher = NULL;
  gsize len = strlen (plain_json);

  memset (iv, 0xff, sizeof iv);
  SHA256 ((const guint8 *) password, strlen (password), key);
  cipher = test_gcm_encrypt (key, iv, (const guint8 *) plain_json, len, tag);
  g_byte_array_append (out, iv, sizeof iv);
  g_byte_array_append (out, cipher, len);
  g_byte_array_append (out, tag, sizeof tag);
  return out;
}

static void
test_encrypted_new (void)
{
  g_autoptr(GByteArray) file = encrypt_new ("s3cret", 1000);
  g_autoptr(GPtrArray) entries = parse_ok (file->data, file->len, "s3cret");

  check_entries (entries);
  g_assert_false (lk_import_andotp_detect (file->data, file->len));
}

static void
test_encrypted_old (void)
{
  g_autoptr(GByteArray) file = encrypt_old ("s3cret");
  g_autoptr(GPtrArray) entries = parse_ok (file->data, file->len, "s3cret");

  check_entries (entries);
}

static void
expect_error (const guint8 *data,
              gsize         len,
              const char   *password,
              int           code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = lk_import_andotp_parse (data, len, password, &error);

  g_assert_null (entries);
  g_assert_error (error, LK_IMPORT_ERROR, code);
}

static void
test_errors (void)
{
  g_autoptr(GByteArray) new_file = encrypt_new ("s3cret", 1000);
  g_autoptr(GByteArray) old_file = encrypt_old ("s3cret");
  g_autoptr(GByteArray) flipped = encrypt_new ("s3cret", 1000);
  g_autoptr(GByteArray) costly = encrypt_new ("s3cret", 1000);
  const char *truncated_json = "[{\"secret\":\"" RFC_B32_SHA1 "\",";

  expect_error (new_file->data, new_file->len, NULL, LK_IMPORT_ERROR_NEEDS_PASSWORD);
  expect_error (new_file->data, new_file->len, "wrong", LK_IMPORT_ERROR_WRONG_PASSWORD);
  expect_error (old_file->data, old_file->len, "wrong", LK_IMPORT_ERROR_WRONG_PASSWORD);
  /* A flipped tag byte, and a file cut short. */
  flipped->data[flipped->len - 1] ^= 0x80;
  expect_error (flipped->data, flipped->len, "s3cret", LK_IMPORT_ERROR_WRONG_PASSWORD);
  expect_error (new_file->data, new_file->len - 5, "s3cret", LK_IMPORT_ERROR_WRONG_PASSWORD);
  expect_error (new_file->data, 20, "s3cret", LK_IMPORT_ERROR_CORRUPT);
  /* An absurd iteration count is not run: the file is then tried as the
   * old layout, which fails. */
  costly->data[0] = 0x7f;
  expect_error (costly->data, costly->len, "s3cret", LK_IMPORT_ERROR_WRONG_PASSWORD);

  expect_error ((const guint8 *) truncated_json, strlen (truncated_json), NULL, LK_IMPORT_ERROR_CORRUPT);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/import/andotp/plain", test_plain);
  g_test_add_func ("/import/andotp/encrypted-new", test_encrypted_new);
  g_test_add_func ("/import/andotp/encrypted-old", test_encrypted_old);
  g_test_add_func ("/import/andotp/errors", test_errors);

  return g_test_run ();
}
