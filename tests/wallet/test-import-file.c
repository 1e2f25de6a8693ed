/* SPDX-License-Identifier: GPL-3.0-or-later
 * Format recognition, the file front door, duplicate marking and the selection of what gets stored. */
#include "config.h"

#include <glib/gstdio.h>

#include "import-test-util.h"
#include "lk-import-file.h"
#include "lk-import-private.h"
#include "lk-qr.h"

static const char uris_text[] =
  "otpauth://totp/ACME:alice?secret=" RFC_B32_SHA1 "&issuer=ACME\n"
  "otpauth://totp/ACME:alice-again?secret=" RFC_B32_SHA1 "&issuer=ACME\n"            /* same seed and params */
  "otpauth://totp/ACME:alice-8?secret=" RFC_B32_SHA1 "&issuer=ACME&digits=8\n"      /* other params */
  "otpauth://hotp/Vpn:bob?secret=" RFC_B32_SHA256 "&issuer=Vpn&counter=1\n"
  "otpauth://hotp/Vpn:bob-later?secret=" RFC_B32_SHA256 "&issuer=Vpn&counter=50\n"  /* counter moved: same token */
  "otpauth://totp/bad?secret=!!\n";

static GPtrArray *
parse_ok (const char     *text,
          LkImportFormat *format)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *entries = lk_import_parse ((const guint8 *) text, strlen (text), LK_IMPORT_FORMAT_AUTO, NULL,
                                        format, &error);

  g_assert_no_error (error);
  g_assert_nonnull (entries);
  return entries;
}

static void
test_detect (void)
{
  const struct { const char *text; LkImportFormat format; } cases[] = {
    { "{\"version\":1,\"header\":{},\"db\":{}}", LK_IMPORT_FORMAT_AEGIS },
    { "  {\"tokens\":[],\"tokenOrder\":[]}", LK_IMPORT_FORMAT_FREEOTP },
    { "[{\"secret\":\"AAAA\",\"label\":\"x\"}]", LK_IMPORT_FORMAT_ANDOTP },
    { "[]", LK_IMPORT_FORMAT_ANDOTP },
    { "# c\notpauth://totp/x?secret=AAAA\n", LK_IMPORT_FORMAT_URIS },
    { "otpauth-migration://offline?data=AAAA\n", LK_IMPORT_FORMAT_GOOGLE },
    { "hello world", LK_IMPORT_FORMAT_AUTO },
    { "{\"something\":\"else\"}", LK_IMPORT_FORMAT_AUTO },
    { "[1,2,3]", LK_IMPORT_FORMAT_AUTO },
    { "", LK_IMPORT_FORMAT_AUTO },
  };
  const guint8 binary[] = { 0x00, 0x02, 0x22, 0xe0, 0xff, 0x10, 0x80 };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    g_assert_cmpint (lk_import_detect ((const guint8 *) cases[i].text, strlen (cases[i].text)), ==, cases[i].format);
  /* Binary data can only be an encrypted andOTP backup. */
  g_assert_cmpint (lk_import_detect (binary, sizeof binary), ==, LK_IMPORT_FORMAT_ANDOTP);
}

static void
test_format_names (void)
{
  LkImportFormat format;

  for (LkImportFormat f = LK_IMPORT_FORMAT_AUTO; f <= LK_IMPORT_FORMAT_QR_IMAGE; f++)
    {
      g_assert_true (lk_import_format_from_string (lk_import_format_to_string (f), &format));
      g_assert_cmpint (format, ==, f);
      g_assert_cmpstr (lk_import_format_describe (f), !=, "");
    }
  g_assert_false (lk_import_format_from_string ("keepass", &format));
}

static void
test_duplicates (void)
{
  LkImportFormat format;
  g_autoptr(GPtrArray) entries = parse_ok (uris_text, &format);
  g_autoptr(GPtrArray) existing = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(LkOtpauth) stored = lk_otpauth_parse ("otpauth://totp/Other:x?secret=" RFC_B32_SHA1 "&digits=8", &error);
  g_autoptr(GPtrArray) tokens = NULL;
  guint importable, duplicates, refused;

  g_assert_no_error (error);
  g_assert_cmpint (format, ==, LK_IMPORT_FORMAT_URIS);
  g_assert_cmpuint (entries->len, ==, 6);

  lk_import_mark_duplicates (entries, NULL);
  g_assert_false (entry_at (entries, 0)->duplicate);
  g_assert_true (entry_at (entries, 1)->duplicate);
  g_assert_false (entry_at (entries, 2)->duplicate);
  g_assert_false (entry_at (entries, 3)->duplicate);
  g_assert_true (entry_at (entries, 4)->duplicate);
  g_assert_false (entry_at (entries, 5)->duplicate);
  g_assert_true (entry_at (entries, 0)->selected);
  g_assert_false (entry_at (entries, 1)->selected);
  g_assert_false (entry_at (entries, 5)->selected);

  /* A token already in the wallet (8 digits, same seed) duplicates entry 2. */
  g_ptr_array_add (existing, stored);
  lk_import_mark_duplicates (entries, existing);
  g_assert_true (entry_at (entries, 2)->duplicate);
  g_assert_false (entry_at (entries, 0)->duplicate);

  lk_import_entries_count (entries, &importable, &duplicates, &refused);
  g_assert_cmpuint (importable, ==, 2);
  g_assert_cmpuint (duplicates, ==, 3);
  g_assert_cmpuint (refused, ==, 1);

  /* Only selected entries become wallet tokens, with fresh distinct ids;
   * a duplicate the user picks anyway is stored too. */
  entry_at (entries, 1)->selected = TRUE;
  entry_at (entries, 1)->note = g_strdup ("n");
  tokens = lk_import_dup_wallet_tokens (entries);
  g_assert_cmpuint (tokens->len, ==, 3);
  g_assert_cmpstr (((LkWalletToken *) g_ptr_array_index (tokens, 1))->note, ==, "n");
  g_assert_cmpstr (((LkWalletToken *) g_ptr_array_index (tokens, 0))->id, !=,
                   ((LkWalletToken *) g_ptr_array_index (tokens, 1))->id);
}

static void
test_parse_file (void)
{
  g_autofree char *path = test_scratch_path ("tokens.txt");
  g_autofree char *big_path = test_scratch_path ("big.txt");
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFile) big = g_file_new_for_path (big_path);
  g_autoptr(GFile) missing = g_file_new_for_path ("/nonexistent/tokens.txt");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autofree char *filler = g_malloc0 (LK_IMPORT_MAX_FILE_SIZE + 10);
  LkImportFormat format = LK_IMPORT_FORMAT_AUTO;

  g_assert_true (g_file_set_contents (path, uris_text, -1, &error));
  entries = lk_import_parse_file_sync (file, LK_IMPORT_FORMAT_AUTO, NULL, &format, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (entries->len, ==, 6);
  g_assert_cmpint (format, ==, LK_IMPORT_FORMAT_URIS);
  g_clear_pointer (&entries, g_ptr_array_unref);

  /* A forced format that does not fit is an error, not a guess. */
  entries = lk_import_parse_file_sync (file, LK_IMPORT_FORMAT_AEGIS, NULL, NULL, NULL, &error);
  g_assert_null (entries);
  g_assert_error (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_CORRUPT);
  g_clear_error (&error);

  entries = lk_import_parse_file_sync (missing, LK_IMPORT_FORMAT_AUTO, NULL, NULL, NULL, &error);
  g_assert_null (entries);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&error);

  memset (filler, '#', LK_IMPORT_MAX_FILE_SIZE + 9);
  g_assert_true (g_file_set_contents (big_path, filler, LK_IMPORT_MAX_FILE_SIZE + 9, &error));
  entries = lk_import_parse_file_sync (big, LK_IMPORT_FORMAT_AUTO, NULL, NULL, NULL, &error);
  g_assert_null (entries);
  g_assert_error (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_TOO_LARGE);
  g_clear_error (&error);

  entries = lk_import_parse ((const guint8 *) "just words", 10, LK_IMPORT_FORMAT_AUTO, NULL, NULL, &error);
  g_assert_null (entries);
  g_assert_error (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_UNKNOWN_FORMAT);
  g_unlink (path);
  g_unlink (big_path);
}

static void
on_parsed (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static void
test_parse_file_async (void)
{
  g_autofree char *path = test_scratch_path ("async.txt");
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GError) error = NULL;
  LkImportFormat format = LK_IMPORT_FORMAT_AUTO;

  g_assert_true (g_file_set_contents (path, uris_text, -1, &error));
  lk_import_parse_file_async (file, LK_IMPORT_FORMAT_AUTO, "unused", NULL, on_parsed, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  entries = lk_import_parse_file_finish (result, &format, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (entries->len, ==, 6);
  g_assert_cmpint (format, ==, LK_IMPORT_FORMAT_URIS);
  g_unlink (path);
}

/* Parsed exports hold seeds in json-glib's memory; the tree is wiped
 * before it is freed. */
static void
test_json_wipe (void)
{
  const char *text = "{\"info\":{\"secret\":\"" RFC_B32_SHA1 "\"},\"bytes\":[-19,64,127],\"n\":[[\"deep\"]]}";
  g_autoptr(GError) error = NULL;
  JsonNode *root = lk_import_json_parse ((const guint8 *) text, strlen (text), "test", &error);
  JsonObject *object;
  const char *secret, *deep;
  JsonArray *bytes;

  g_assert_no_error (error);
  object = json_node_get_object (root);
  secret = json_object_get_string_member (json_object_get_object_member (object, "info"), "secret");
  deep = json_array_get_string_element (json_array_get_array_element (json_object_get_array_member (object, "n"), 0), 0);
  bytes = json_object_get_array_member (object, "bytes");
  g_assert_cmpstr (secret, ==, RFC_B32_SHA1);

  lk_import_json_wipe_tree (root);
  for (gsize i = 0; i < strlen (RFC_B32_SHA1); i++)
    g_assert_cmpint (secret[i], ==, 0);
  g_assert_cmpint (deep[0], ==, 0);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpint (json_array_get_int_element (bytes, i), ==, 0);
  json_node_unref (root);
}

static GBytes *
qr_png (const char *text)
{
  g_autoptr(GError) error = NULL;
  GBytes *png = lk_qr_encode_png (text, 4, &error);

  g_assert_no_error (error);
  return png;
}

static char *
google_part (const char *account,
             int         size,
             int         index)
{
  GByteArray *otps[] = { pb_otp (account, account, "G", 1, 1, 2, 0) };
  g_autoptr(GByteArray) payload = pb_payload (otps, 1, size, index, 55);

  return migration_uri (payload, TRUE);
}

static void
test_qr_images (void)
{
  g_autoptr(GBytes) single = qr_png ("otpauth://totp/ACME:alice?secret=" RFC_B32_SHA1 "&issuer=ACME&digits=8");
  g_autofree char *u0 = google_part ("zero", 3, 0);
  g_autofree char *u1 = google_part ("one", 3, 1);
  g_autofree char *u2 = google_part ("two", 3, 2);
  g_autoptr(GPtrArray) sources = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GError) error = NULL;
  LkImportFormat format;
  const char *json = "{\"tokens\":[]}";
  static const guint8 broken_png[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H' };

  g_assert_cmpint (lk_import_detect (g_bytes_get_data (single, NULL), g_bytes_get_size (single)), ==,
                   LK_IMPORT_FORMAT_QR_IMAGE);
  entries = lk_import_parse (g_bytes_get_data (single, NULL), g_bytes_get_size (single), LK_IMPORT_FORMAT_AUTO,
                             NULL, &format, &error);
  g_assert_no_error (error);
  g_assert_cmpint (format, ==, LK_IMPORT_FORMAT_QR_IMAGE);
  g_assert_cmpuint (entries->len, ==, 1);
  assert_code (entry_at (entries, 0), 59, "94287082");
  g_clear_pointer (&entries, g_ptr_array_unref);

  /* A Google export saved as three screenshots, given out of order, plus a
   * link list: one batch. */
  g_ptr_array_add (sources, qr_png (u2));
  g_ptr_array_add (sources, g_bytes_new_static ("otpauth://totp/Text:t?secret=MFRGGZDFMZTWQ2LK\n", 46));
  g_ptr_array_add (sources, qr_png (u0));
  g_ptr_array_add (sources, qr_png (u1));
  entries = lk_import_parse_combined (sources, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (entries->len, ==, 4);
  g_assert_cmpstr (entry_at (entries, 0)->token->account, ==, "zero");
  g_assert_cmpstr (entry_at (entries, 1)->token->account, ==, "one");
  g_assert_cmpstr (entry_at (entries, 2)->token->account, ==, "two");
  g_assert_cmpstr (entry_at (entries, 3)->token->account, ==, "t");
  g_clear_pointer (&entries, g_ptr_array_unref);

  /* Only images and link lists combine. */
  g_ptr_array_add (sources, g_bytes_new_static (json, strlen (json)));
  entries = lk_import_parse_combined (sources, &error);
  g_assert_null (entries);
  g_assert_error (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_UNKNOWN_FORMAT);
  g_assert_nonnull (strstr (error->message, "5"));
  g_clear_error (&error);

  entries = lk_import_parse (broken_png, sizeof broken_png, LK_IMPORT_FORMAT_AUTO, NULL, NULL, &error);
  g_assert_null (entries);
  g_assert_error (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_CORRUPT);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/import/file/detect", test_detect);
  g_test_add_func ("/import/file/format-names", test_format_names);
  g_test_add_func ("/import/file/duplicates", test_duplicates);
  g_test_add_func ("/import/file/parse-file", test_parse_file);
  g_test_add_func ("/import/file/parse-file-async", test_parse_file_async);
  g_test_add_func ("/import/file/json-wipe", test_json_wipe);
  g_test_add_func ("/import/file/qr-images", test_qr_images);

  return g_test_run ();
}
