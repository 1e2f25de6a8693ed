/* SPDX-License-Identifier: GPL-3.0-or-later
 * Google Authenticator migration URIs and multi-QR batches, built byte by byte from the published field description. */
#include "config.h"

#include "import-test-util.h"
#include "lk-import-google.h"

enum { ALG_UNSPEC, ALG_SHA1, ALG_SHA256, ALG_SHA512, ALG_MD5 };
enum { DIG_UNSPEC, DIG_SIX, DIG_EIGHT };
enum { TYPE_UNSPEC, TYPE_HOTP, TYPE_TOTP };

static GPtrArray *
parse_ok (const char      *uri,
          LkMigrationPart *part)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *entries = lk_import_google_parse (uri, part, &error);

  g_assert_no_error (error);
  g_assert_nonnull (entries);
  return entries;
}

static void
test_algorithms (void)
{
  GByteArray *otps[] = {
    pb_otp (RFC_SEED_SHA1, "ACME:alice", "ACME", ALG_SHA1, DIG_EIGHT, TYPE_TOTP, 0),
    pb_otp (RFC_SEED_SHA256, "bob", "Bank", ALG_SHA256, DIG_EIGHT, TYPE_TOTP, 0),
    pb_otp (RFC_SEED_SHA512, "Shop:carol", "", ALG_SHA512, DIG_SIX, TYPE_TOTP, 0),
    pb_otp (RFC_SEED_SHA1, "dave", NULL, ALG_UNSPEC, DIG_UNSPEC, TYPE_UNSPEC, 0),
  };
  g_autoptr(GByteArray) payload = pb_payload (otps, G_N_ELEMENTS (otps), 1, 0, 42);
  g_autofree char *uri = migration_uri (payload, TRUE);
  LkMigrationPart part;
  g_autoptr(GPtrArray) entries = parse_ok (uri, &part);
  LkImportEntry *e;

  g_assert_cmpuint (entries->len, ==, 4);
  g_assert_cmpuint (part.size, ==, 1);
  g_assert_cmpuint (part.index, ==, 0);
  g_assert_cmpint (part.id, ==, 42);

  /* RFC 6238 appendix B, T = 59 and T = 1111111109. */
  e = entry_at (entries, 0);
  g_assert_cmpstr (e->token->issuer, ==, "ACME");
  g_assert_cmpstr (e->token->account, ==, "alice");
  g_assert_cmpstr (e->name, ==, "ACME:alice");
  g_assert_cmpint (e->token->algorithm, ==, LK_HASH_SHA1);
  g_assert_cmpuint (e->token->digits, ==, 8);
  g_assert_cmpuint (e->token->period, ==, 30);
  assert_code (e, 59, "94287082");
  assert_code (e, 1111111109, "07081804");

  e = entry_at (entries, 1);
  g_assert_cmpstr (e->token->issuer, ==, "Bank");
  g_assert_cmpstr (e->token->account, ==, "bob");
  assert_code (e, 59, "46119246");
  assert_code (e, 1111111109, "68084774");

  /* "Issuer:account" with no issuer field is split. */
  e = entry_at (entries, 2);
  g_assert_cmpstr (e->token->issuer, ==, "Shop");
  g_assert_cmpstr (e->token->account, ==, "carol");
  assert_code (e, 59, "693936");
  assert_code (e, 1111111109, "091201");

  /* Unspecified fields take Google's defaults: SHA-1, 6 digits, TOTP. */
  e = entry_at (entries, 3);
  g_assert_null (e->token->issuer);
  g_assert_cmpstr (e->token->account, ==, "dave");
  g_assert_cmpint (e->token->type, ==, LK_OTPAUTH_TOTP);
  assert_code (e, 59, "287082");
}

static void
test_hotp (void)
{
  GByteArray *otps[] = {
    pb_otp (RFC_SEED_SHA1, "Vpn:erin", "Vpn", ALG_SHA1, DIG_SIX, TYPE_HOTP, 5),
    pb_otp (RFC_SEED_SHA1, "Vpn:zero", "Vpn", ALG_SHA1, DIG_SIX, TYPE_HOTP, 0),
  };
  g_autoptr(GByteArray) payload = pb_payload (otps, G_N_ELEMENTS (otps), 1, 0, 1);
  g_autofree char *uri = migration_uri (payload, FALSE);
  g_autoptr(GPtrArray) entries = parse_ok (uri, NULL);

  g_assert_cmpint (entry_at (entries, 0)->token->type, ==, LK_OTPAUTH_HOTP);
  g_assert_cmpuint (entry_at (entries, 0)->token->counter, ==, 5);
  assert_code (entry_at (entries, 0), 0, rfc4226_codes[5]);
  g_assert_cmpuint (entry_at (entries, 1)->token->counter, ==, 0);
  assert_code (entry_at (entries, 1), 0, rfc4226_codes[0]);
}

static void
test_refused_entries (void)
{
  GByteArray *otps[] = {
    pb_otp (RFC_SEED_SHA1, "md5user", "Old", ALG_MD5, DIG_SIX, TYPE_TOTP, 0),
    pb_otp (RFC_SEED_SHA1, "weird", "X", 9, DIG_SIX, TYPE_TOTP, 0),
    pb_otp (RFC_SEED_SHA1, "digits", "X", ALG_SHA1, 7, TYPE_TOTP, 0),
    pb_otp (RFC_SEED_SHA1, "type", "X", ALG_SHA1, DIG_SIX, 5, 0),
    pb_otp ("", "empty", "X", ALG_SHA1, DIG_SIX, TYPE_TOTP, 0),
    pb_otp (RFC_SEED_SHA1, "fine", "X", ALG_SHA1, DIG_SIX, TYPE_TOTP, 0),
  };
  g_autoptr(GByteArray) payload = pb_payload (otps, G_N_ELEMENTS (otps), 1, 0, 1);
  g_autofree char *uri = migration_uri (payload, TRUE);
  g_autoptr(GPtrArray) entries = parse_ok (uri, NULL);

  g_assert_cmpuint (entries->len, ==, 6);
  /* MD5 is refused by name, and the reason never shows the seed. */
  g_assert_null (entry_at (entries, 0)->token);
  g_assert_nonnull (strstr (entry_at (entries, 0)->reason, "MD5"));
  g_assert_cmpstr (entry_at (entries, 0)->name, ==, "Old:md5user");
  for (guint i = 0; i < 5; i++)
    {
      g_assert_null (entry_at (entries, i)->token);
      g_assert_nonnull (entry_at (entries, i)->reason);
      g_assert_null (strstr (entry_at (entries, i)->reason, RFC_SEED_SHA1));
      g_assert_null (strstr (entry_at (entries, i)->reason, RFC_B32_SHA1));
    }
  g_assert_nonnull (strstr (entry_at (entries, 1)->reason, "algorithm"));
  g_assert_nonnull (strstr (entry_at (entries, 2)->reason, "digit"));
  g_assert_nonnull (strstr (entry_at (entries, 3)->reason, "type"));
  g_assert_nonnull (strstr (entry_at (entries, 4)->reason, "secret"));
  assert_code (entry_at (entries, 5), 59, "287082");
}

/* Base64 with '+' and '/' in it: as a raw URI, percent-encoded, and with
 * '+' turned into a space by a form decoder. */
static void
test_encodings (void)
{
  /* "\xfb\xef\xbe" encodes as "++++" and "\xff\xff\xff" as "////" when
   * aligned; one of three prefix lengths aligns them inside the payload. */
  const char pattern[] = "\xfb\xef\xbe\xff\xff\xff\xfb\xef\xbe\xff\xff\xff";
  g_autofree char *seed = NULL;
  g_autoptr(GByteArray) payload = NULL;
  g_autofree char *b64 = NULL;
  g_autofree char *raw = NULL;
  g_autofree char *percent = NULL;
  g_autofree char *spaced = NULL;
  g_autofree char *unpadded = NULL;

  for (guint prefix = 0; prefix < 3; prefix++)
    {
      GByteArray *otps[1];

      g_clear_pointer (&seed, g_free);
      g_clear_pointer (&payload, g_byte_array_unref);
      g_clear_pointer (&b64, g_free);
      seed = g_strconcat (prefix == 0 ? "" : prefix == 1 ? "a" : "ab", pattern, NULL);
      otps[0] = pb_otp (seed, "x", "Y", ALG_SHA1, DIG_SIX, TYPE_TOTP, 0);
      payload = pb_payload (otps, 1, 1, 0, 7);
      b64 = g_base64_encode (payload->data, payload->len);
      if (strstr (b64, "++++") != NULL && strstr (b64, "////") != NULL)
        break;
    }
  g_assert_nonnull (strchr (b64, '+'));
  g_assert_nonnull (strchr (b64, '/'));

  raw = migration_uri (payload, FALSE);
  percent = migration_uri (payload, TRUE);
  spaced = g_strdup (raw);
  g_assert_nonnull (strstr (percent, "%2B"));
  g_strdelimit (spaced + strlen ("otpauth-migration://offline?data="), "+", ' ');

  unpadded = g_strdup (raw);
  while (g_str_has_suffix (unpadded, "="))
    unpadded[strlen (unpadded) - 1] = '\0';

  for (guint i = 0; i < 4; i++)
    {
      const char *uri = (const char *[]) { raw, percent, spaced, unpadded }[i];
      g_autoptr(GPtrArray) entries = parse_ok (uri, NULL);
      gsize len;
      const guint8 *data;

      g_assert_cmpuint (entries->len, ==, 1);
      data = g_bytes_get_data (entry_at (entries, 0)->token->secret, &len);
      g_assert_cmpmem (data, len, seed, strlen (seed));
    }
}

static void
expect_error (const char *uri,
              int         code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = lk_import_google_parse (uri, NULL, &error);

  g_assert_null (entries);
  g_assert_error (error, LK_IMPORT_ERROR, code);
  g_assert_cmpstr (error->message, !=, "");
}

static void
test_errors (void)
{
  GByteArray *otps[] = { pb_otp (RFC_SEED_SHA1, "a", "B", ALG_SHA1, DIG_SIX, TYPE_TOTP, 0) };
  g_autoptr(GByteArray) payload = pb_payload (otps, 1, 1, 0, 7);
  g_autofree char *b64 = g_base64_encode (payload->data, payload->len - 12);
  g_autofree char *truncated = g_strconcat ("otpauth-migration://offline?data=", b64, NULL);
  g_autoptr(GByteArray) bad_index = NULL;
  g_autofree char *bad_index_uri = NULL;
  GByteArray *otps2[] = { pb_otp (RFC_SEED_SHA1, "a", "B", ALG_SHA1, DIG_SIX, TYPE_TOTP, 0) };

  /* A truncated payload cuts a field in half. */
  expect_error (truncated, LK_IMPORT_ERROR_CORRUPT);
  expect_error ("otpauth-migration://offline?data=AB$CD", LK_IMPORT_ERROR_CORRUPT);
  expect_error ("otpauth-migration://offline?data=A", LK_IMPORT_ERROR_CORRUPT);
  expect_error ("otpauth-migration://offline?data=%ZZ", LK_IMPORT_ERROR_CORRUPT);
  expect_error ("otpauth-migration://offline?data=", LK_IMPORT_ERROR_CORRUPT);
  expect_error ("otpauth-migration://offline?foo=bar", LK_IMPORT_ERROR_CORRUPT);
  expect_error ("otpauth-migration://online?data=AAAA", LK_IMPORT_ERROR_CORRUPT);
  expect_error ("otpauth://totp/x?secret=AAAA", LK_IMPORT_ERROR_UNKNOWN_FORMAT);
  /* Valid Base64 that is not a protobuf message (a wire type of 7). */
  expect_error ("otpauth-migration://offline?data=%2F%2F%2F%2F", LK_IMPORT_ERROR_CORRUPT);

  bad_index = pb_payload (otps2, 1, 2, 5, 7);
  bad_index_uri = migration_uri (bad_index, TRUE);
  expect_error (bad_index_uri, LK_IMPORT_ERROR_CORRUPT);
}

static char *
batch_part (const char *account,
            int         size,
            int         index,
            int         id)
{
  GByteArray *otps[] = { pb_otp (RFC_SEED_SHA1, account, "Batch", ALG_SHA1, DIG_SIX, TYPE_TOTP, 0) };
  g_autoptr(GByteArray) payload = pb_payload (otps, 1, size, index, id);

  return migration_uri (payload, TRUE);
}

static guint notify_count;

static void
on_notify (GObject    *object,
           GParamSpec *pspec,
           gpointer    user_data)
{
  notify_count++;
}

static void
test_batch_out_of_order (void)
{
  g_autoptr(LkMigrationBatch) batch = lk_migration_batch_new ();
  g_autofree char *p0 = batch_part ("zero", 3, 0, 99);
  g_autofree char *p1 = batch_part ("one", 3, 1, 99);
  g_autofree char *p2 = batch_part ("two", 3, 2, 99);
  g_autofree char *other = batch_part ("stranger", 3, 0, 100);
  g_autofree char *described = NULL;
  g_autoptr(GArray) missing = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GError) error = NULL;
  gboolean was_new = FALSE;

  g_signal_connect (batch, "notify::received", G_CALLBACK (on_notify), NULL);
  notify_count = 0;

  described = lk_migration_batch_describe (batch);
  g_assert_cmpstr (described, ==, "No QR code scanned yet");
  g_clear_pointer (&described, g_free);

  /* The last part first. */
  g_assert_true (lk_migration_batch_add (batch, p2, &was_new, &error));
  g_assert_no_error (error);
  g_assert_true (was_new);
  g_assert_cmpuint (lk_migration_batch_get_size (batch), ==, 3);
  g_assert_cmpuint (lk_migration_batch_get_received (batch), ==, 1);
  g_assert_false (lk_migration_batch_is_complete (batch));
  described = lk_migration_batch_describe (batch);
  g_assert_cmpstr (described, ==, "1 of 3 scanned");
  g_clear_pointer (&described, g_free);

  /* Nothing comes out of an incomplete batch, and the message names the gaps. */
  entries = lk_migration_batch_dup_entries (batch, &error);
  g_assert_null (entries);
  g_assert_error (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_INCOMPLETE);
  g_assert_nonnull (strstr (error->message, "1, 2"));
  g_clear_error (&error);

  /* A part of another export is refused and changes nothing. */
  g_assert_false (lk_migration_batch_add (batch, other, &was_new, &error));
  g_assert_error (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_OTHER_BATCH);
  g_clear_error (&error);
  g_assert_cmpuint (lk_migration_batch_get_received (batch), ==, 1);

  g_assert_true (lk_migration_batch_add (batch, p0, &was_new, &error));
  g_assert_no_error (error);
  /* Scanning the same part again is harmless. */
  g_assert_true (lk_migration_batch_add (batch, p0, &was_new, &error));
  g_assert_false (was_new);
  g_assert_cmpuint (lk_migration_batch_get_received (batch), ==, 2);
  described = lk_migration_batch_describe (batch);
  g_assert_cmpstr (described, ==, "2 of 3 scanned");
  g_clear_pointer (&described, g_free);
  missing = lk_migration_batch_get_missing (batch);
  g_assert_cmpuint (missing->len, ==, 1);
  g_assert_cmpuint (g_array_index (missing, guint, 0), ==, 2);

  /* A corrupt scan is an error and changes nothing either. */
  g_assert_false (lk_migration_batch_add (batch, "otpauth-migration://offline?data=!!", &was_new, &error));
  g_assert_error (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_CORRUPT);
  g_clear_error (&error);

  g_assert_true (lk_migration_batch_add (batch, p1, &was_new, &error));
  g_assert_no_error (error);
  g_assert_true (lk_migration_batch_is_complete (batch));
  g_assert_cmpuint (notify_count, ==, 3);

  entries = lk_migration_batch_dup_entries (batch, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (entries->len, ==, 3);
  /* In part order, whatever the scan order. */
  g_assert_cmpstr (entry_at (entries, 0)->token->account, ==, "zero");
  g_assert_cmpstr (entry_at (entries, 1)->token->account, ==, "one");
  g_assert_cmpstr (entry_at (entries, 2)->token->account, ==, "two");
  assert_code (entry_at (entries, 1), 59, "287082");
}

static void
test_payload_bounds (void)
{
  /* A payload claiming thousands of parts is refused. */
  GByteArray *otps[] = { pb_otp (RFC_SEED_SHA1, "a", "B", ALG_SHA1, DIG_SIX, TYPE_TOTP, 0) };
  g_autoptr(GByteArray) payload = pb_payload (otps, 1, 5000, 0, 1);
  g_autofree char *uri = migration_uri (payload, TRUE);
  g_autoptr(GString) huge = g_string_new ("otpauth-migration://offline?data=");

  expect_error (uri, LK_IMPORT_ERROR_TOO_LARGE);
  while (huge->len <= LK_IMPORT_GOOGLE_MAX_URI_SIZE)
    g_string_append (huge, "AAAA");
  expect_error (huge->str, LK_IMPORT_ERROR_TOO_LARGE);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/import/google/algorithms", test_algorithms);
  g_test_add_func ("/import/google/hotp", test_hotp);
  g_test_add_func ("/import/google/refused-entries", test_refused_entries);
  g_test_add_func ("/import/google/encodings", test_encodings);
  g_test_add_func ("/import/google/errors", test_errors);
  g_test_add_func ("/import/google/batch/out-of-order", test_batch_out_of_order);
  g_test_add_func ("/import/google/bounds", test_payload_bounds);

  return g_test_run ();
}
