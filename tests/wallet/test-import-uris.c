/* SPDX-License-Identifier: GPL-3.0-or-later
 * Text files of otpauth URIs: comments, blank lines, bad lines with their numbers, and Google lines mixed in. */
#include "config.h"

#include "import-test-util.h"
#include "lk-import-uris.h"

static GPtrArray *
parse_ok (const char *text)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *entries = lk_import_uris_parse ((const guint8 *) text, strlen (text), &error);

  g_assert_no_error (error);
  g_assert_nonnull (entries);
  return entries;
}

static void
test_lines (void)
{
  const char *text =
    "\xef\xbb\xbf# exported by something\r\n"
    "otpauth://totp/ACME:alice?secret=" RFC_B32_SHA1 "&issuer=ACME&digits=8\r\n"
    "\n"
    "   \n"
    "  # indented comment\n"
    "otpauth://hotp/Vpn:bob?secret=" RFC_B32_SHA1 "&issuer=Vpn&counter=9\n"
    "otpauth://totp/Broken?secret=NOT*B32\n"
    "https://example.com/not-a-token\n"
    "otpauth://totp/Shop:carol?secret=" RFC_B32_SHA256 "&algorithm=SHA256&digits=8&issuer=Shop";
  g_autoptr(GPtrArray) entries = parse_ok (text);

  g_assert_true (lk_import_uris_detect ((const guint8 *) text, strlen (text)));
  g_assert_cmpuint (entries->len, ==, 5);
  assert_code (entry_at (entries, 0), 59, "94287082");
  g_assert_cmpstr (entry_at (entries, 0)->name, ==, "ACME:alice");
  assert_code (entry_at (entries, 1), 0, rfc4226_codes[9]);

  /* Bad lines keep their place, named by line number. */
  g_assert_null (entry_at (entries, 2)->token);
  g_assert_cmpstr (entry_at (entries, 2)->name, ==, "line 7");
  g_assert_nonnull (strstr (entry_at (entries, 2)->reason, "secret"));
  g_assert_cmpstr (entry_at (entries, 3)->name, ==, "line 8");
  g_assert_nonnull (entry_at (entries, 3)->reason);

  assert_code (entry_at (entries, 4), 1111111109, "68084774");
}

static char *
google_part (const char *account,
             int         size,
             int         index,
             int         id)
{
  GByteArray *otps[1];
  g_autoptr(GByteArray) payload = NULL;
  GByteArray *m = g_byte_array_new ();

  pb_bytes_field (m, 1, (const guint8 *) RFC_SEED_SHA1, 20);
  pb_bytes_field (m, 2, (const guint8 *) account, strlen (account));
  pb_int_field (m, 4, 1);
  pb_int_field (m, 5, 1);
  pb_int_field (m, 6, 2);
  otps[0] = m;
  payload = pb_payload (otps, 1, size, index, id);
  return migration_uri (payload, TRUE);
}

static void
test_google_lines (void)
{
  g_autofree char *a1 = google_part ("G:one", 2, 1, 5);
  g_autofree char *a0 = google_part ("G:zero", 2, 0, 5);
  g_autofree char *b0 = google_part ("H:lonely", 3, 0, 6);
  g_autofree char *text = g_strdup_printf ("%s\notpauth://totp/plain?secret=%s\n%s\n%s\n",
                                           a1, RFC_B32_SHA1, b0, a0);
  g_autoptr(GPtrArray) entries = parse_ok (text);

  g_assert_true (lk_import_uris_detect ((const guint8 *) text, strlen (text)));
  /* Batch 5 (complete, expanded in part order where its first line was),
   * the plain line, then batch 6 (1 of 3: one entry with a reason). */
  g_assert_cmpuint (entries->len, ==, 4);
  g_assert_cmpstr (entry_at (entries, 0)->token->account, ==, "zero");
  g_assert_cmpstr (entry_at (entries, 1)->token->account, ==, "one");
  g_assert_cmpstr (entry_at (entries, 2)->token->account, ==, "plain");
  g_assert_null (entry_at (entries, 3)->token);
  g_assert_nonnull (strstr (entry_at (entries, 3)->reason, "1 of 3"));
  g_assert_cmpstr (entry_at (entries, 3)->name, ==, "line 3");
}

static void
test_errors (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  const guint8 binary[] = { 'o', 't', 'p', 0xff, 0xfe, '\n' };

  entries = lk_import_uris_parse (binary, sizeof binary, &error);
  g_assert_null (entries);
  g_assert_error (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_CORRUPT);
  g_assert_false (lk_import_uris_detect ((const guint8 *) "# only\n\nhello\n", 14));

  /* Only comments: nothing to import, but not an error. */
  g_clear_error (&error);
  entries = lk_import_uris_parse ((const guint8 *) "# nothing\n", 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (entries->len, ==, 0);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/import/uris/lines", test_lines);
  g_test_add_func ("/import/uris/google-lines", test_google_lines);
  g_test_add_func ("/import/uris/errors", test_errors);

  return g_test_run ();
}
