/* SPDX-License-Identifier: GPL-3.0-or-later
 * Export: the Aegis vault opened independently with OpenSSL steps and by our importer, the otpauth list and QR codes round-tripped. */
#include "config.h"

#include <json-glib/json-glib.h>

#include "import-test-util.h"
#include "lk-export-aegis.h"
#include "lk-export-qr.h"
#include "lk-export-uris.h"
#include "lk-import-aegis.h"
#include "lk-import-uris.h"
#include "lk-qr.h"

static GPtrArray *
sample_tokens (void)
{
  const char *uris[] = {
    "otpauth://totp/ACME:alice%20%22q%22?secret=" RFC_B32_SHA1 "&issuer=ACME&digits=8",
    "otpauth://hotp/Vpn:bob?secret=" RFC_B32_SHA1 "&issuer=Vpn&counter=5",
    "otpauth://totp/Shop:carol?secret=" RFC_B32_SHA512 "&issuer=Shop&algorithm=SHA512&digits=8&period=60",
    "otpauth://steam/Steam:gamer?secret=" RFC_B32_SHA1 "&issuer=Steam",
    "otpauth://totp/lonely?secret=" RFC_B32_SHA256 "&algorithm=SHA256",
  };
  GPtrArray *tokens = g_ptr_array_new_with_free_func ((GDestroyNotify) lk_wallet_token_free);

  for (guint i = 0; i < G_N_ELEMENTS (uris); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(LkOtpauth) otp = lk_otpauth_parse (uris[i], &error);

      g_assert_no_error (error);
      g_ptr_array_add (tokens, lk_wallet_token_new (otp));
    }
  ((LkWalletToken *) tokens->pdata[0])->note = g_strdup ("line one\nline \"two\"\t\\");
  ((LkWalletToken *) tokens->pdata[0])->group = g_strdup ("Work");
  ((LkWalletToken *) tokens->pdata[0])->icon = g_bytes_new_static ("\x89PNG\r\n\x1a\nrest", 12);
  ((LkWalletToken *) tokens->pdata[0])->icon_mime = g_strdup ("image/png");
  return tokens;
}

static GBytes *
hex_field (JsonObject *object,
           const char *member,
           gsize       expected)
{
  const char *text = json_object_get_string_member (object, member);
  gsize len = strlen (text);
  guint8 *out = g_malloc (len / 2 + 1);

  g_assert_cmpuint (len, ==, expected * 2);
  for (gsize i = 0; i < len / 2; i++)
    {
      g_assert_true (g_ascii_isxdigit (text[2 * i]) && g_ascii_isxdigit (text[2 * i + 1]));
      out[i] = (guint8) (g_ascii_xdigit_value (text[2 * i]) << 4 | g_ascii_xdigit_value (text[2 * i + 1]));
    }
  return g_bytes_new_take (out, len / 2);
}

/* Decrypts the vault the way Aegis' vault.md describes, with OpenSSL only. */
static JsonNode *
open_vault_independently (GBytes     *vault,
                          const char *password)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) salt = NULL, wrapped = NULL, key_nonce = NULL, key_tag = NULL;
  g_autoptr(GBytes) db_nonce = NULL, db_tag = NULL;
  g_autofree guint8 *master = NULL;
  g_autofree guint8 *plain = NULL;
  g_autofree guchar *cipher = NULL;
  JsonObject *root, *header, *slot, *params;
  JsonArray *slots;
  guint8 kek[32];
  gsize cipher_len;
  gboolean ok = FALSE;
  g_autoptr(JsonParser) db_parser = json_parser_new ();

  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (vault, NULL), g_bytes_get_size (vault), &error));
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpint (json_object_get_int_member (root, "version"), ==, 1);
  header = json_object_get_object_member (root, "header");
  slots = json_object_get_array_member (header, "slots");
  g_assert_cmpuint (json_array_get_length (slots), ==, 1);
  slot = json_array_get_object_element (slots, 0);
  g_assert_cmpint (json_object_get_int_member (slot, "type"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (slot, "n"), ==, 32768);
  g_assert_cmpint (json_object_get_int_member (slot, "r"), ==, 8);
  g_assert_cmpint (json_object_get_int_member (slot, "p"), ==, 1);
  g_assert_true (g_uuid_string_is_valid (json_object_get_string_member (slot, "uuid")));

  salt = hex_field (slot, "salt", 32);
  wrapped = hex_field (slot, "key", 32);
  params = json_object_get_object_member (slot, "key_params");
  key_nonce = hex_field (params, "nonce", 12);
  key_tag = hex_field (params, "tag", 16);
  params = json_object_get_object_member (header, "params");
  db_nonce = hex_field (params, "nonce", 12);
  db_tag = hex_field (params, "tag", 16);

  g_assert_cmpint (EVP_PBE_scrypt (password, strlen (password), g_bytes_get_data (salt, NULL), 32,
                                   32768, 8, 1, 64 * 1024 * 1024, kek, sizeof kek), ==, 1);
  master = test_gcm_decrypt (kek, g_bytes_get_data (key_nonce, NULL), g_bytes_get_data (wrapped, NULL), 32,
                             g_bytes_get_data (key_tag, NULL), &ok);
  if (!ok)
    return NULL;

  cipher = g_base64_decode (json_object_get_string_member (root, "db"), &cipher_len);
  plain = test_gcm_decrypt (master, g_bytes_get_data (db_nonce, NULL), cipher, cipher_len,
                            g_bytes_get_data (db_tag, NULL), &ok);
  g_assert_true (ok);
  g_assert_true (json_parser_load_from_data (db_parser, (const char *) plain, (gssize) cipher_len, &error));
  g_assert_no_error (error);
  return json_node_copy (json_parser_get_root (db_parser));
}

static void
test_aegis_independent (void)
{
  g_autoptr(GPtrArray) tokens = sample_tokens ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) vault = lk_export_aegis (tokens, "correct horse", &error);
  g_autoptr(JsonNode) db = NULL;
  JsonObject *object, *entry, *info;
  JsonArray *entries;

  g_assert_no_error (error);
  /* No seed in the clear anywhere in the file. */
  g_assert_null (g_strstr_len (g_bytes_get_data (vault, NULL), (gssize) g_bytes_get_size (vault), RFC_B32_SHA1));
  g_assert_null (g_strstr_len (g_bytes_get_data (vault, NULL), (gssize) g_bytes_get_size (vault), "alice"));

  g_assert_null (open_vault_independently (vault, "wrong horse"));
  db = open_vault_independently (vault, "correct horse");
  g_assert_nonnull (db);
  object = json_node_get_object (db);
  g_assert_cmpint (json_object_get_int_member (object, "version"), ==, 2);
  entries = json_object_get_array_member (object, "entries");
  g_assert_cmpuint (json_array_get_length (entries), ==, 5);

  entry = json_array_get_object_element (entries, 0);
  g_assert_cmpstr (json_object_get_string_member (entry, "type"), ==, "totp");
  g_assert_cmpstr (json_object_get_string_member (entry, "name"), ==, "alice \"q\"");
  g_assert_cmpstr (json_object_get_string_member (entry, "issuer"), ==, "ACME");
  g_assert_cmpstr (json_object_get_string_member (entry, "note"), ==, "line one\nline \"two\"\t\\");
  g_assert_cmpstr (json_object_get_string_member (entry, "group"), ==, "Work");
  g_assert_cmpstr (json_object_get_string_member (entry, "icon_mime"), ==, "image/png");
  g_assert_true (g_uuid_string_is_valid (json_object_get_string_member (entry, "uuid")));
  info = json_object_get_object_member (entry, "info");
  g_assert_cmpstr (json_object_get_string_member (info, "secret"), ==, RFC_B32_SHA1);
  g_assert_cmpstr (json_object_get_string_member (info, "algo"), ==, "SHA1");
  g_assert_cmpint (json_object_get_int_member (info, "digits"), ==, 8);
  g_assert_cmpint (json_object_get_int_member (info, "period"), ==, 30);

  entry = json_array_get_object_element (entries, 1);
  g_assert_cmpstr (json_object_get_string_member (entry, "type"), ==, "hotp");
  g_assert_true (json_object_get_null_member (entry, "group"));
  info = json_object_get_object_member (entry, "info");
  g_assert_cmpint (json_object_get_int_member (info, "counter"), ==, 5);
  g_assert_false (json_object_has_member (info, "period"));

  entry = json_array_get_object_element (entries, 2);
  info = json_object_get_object_member (entry, "info");
  g_assert_cmpstr (json_object_get_string_member (info, "secret"), ==, RFC_B32_SHA512);
  g_assert_cmpstr (json_object_get_string_member (info, "algo"), ==, "SHA512");
  g_assert_cmpint (json_object_get_int_member (info, "period"), ==, 60);

  entry = json_array_get_object_element (entries, 3);
  g_assert_cmpstr (json_object_get_string_member (entry, "type"), ==, "steam");
  info = json_object_get_object_member (entry, "info");
  g_assert_cmpint (json_object_get_int_member (info, "digits"), ==, 5);
}

static void
test_aegis_round_trip (void)
{
  g_autoptr(GPtrArray) tokens = sample_tokens ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) vault = lk_export_aegis (tokens, "pässwörd", &error);
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GBytes) other = NULL;

  g_assert_no_error (error);
  entries = lk_import_aegis_parse (g_bytes_get_data (vault, NULL), g_bytes_get_size (vault), "pässwörd", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (entries->len, ==, tokens->len);
  for (guint i = 0; i < tokens->len; i++)
    {
      const LkWalletToken *token = g_ptr_array_index (tokens, i);
      const LkImportEntry *entry = entry_at (entries, i);

      g_assert_null (entry->reason);
      g_assert_true (lk_otpauth_equal (token->otpauth, entry->token));
      g_assert_cmpstr (token->note, ==, entry->note);
      g_assert_cmpstr (token->group, ==, entry->group);
    }
  g_assert_true (g_bytes_equal (((LkWalletToken *) tokens->pdata[0])->icon, entry_at (entries, 0)->icon));
  /* And the codes are the RFC ones. */
  assert_code (entry_at (entries, 0), 59, "94287082");
  assert_code (entry_at (entries, 1), 0, rfc4226_codes[5]);

  g_clear_pointer (&entries, g_ptr_array_unref);
  entries = lk_import_aegis_parse (g_bytes_get_data (vault, NULL), g_bytes_get_size (vault), "password", &error);
  g_assert_null (entries);
  g_assert_error (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_WRONG_PASSWORD);
  g_clear_error (&error);

  /* Two exports never share salt, nonces or master key. */
  other = lk_export_aegis (tokens, "pässwörd", &error);
  g_assert_no_error (error);
  g_assert_false (g_bytes_equal (vault, other));

  g_assert_null (lk_export_aegis (tokens, "", &error));
  g_assert_error (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_NEEDS_PASSWORD);
}

static void
test_uris_round_trip (void)
{
  g_autoptr(GPtrArray) tokens = sample_tokens ();
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GError) error = NULL;
  gsize len = 0;
  char *text = lk_export_uris (tokens, &len);

  g_assert_cmpuint (strlen (text), ==, len);
  g_assert_true (g_str_has_prefix (text, "# "));
  g_assert_nonnull (strstr (text, "NOT encrypted"));
  entries = lk_import_uris_parse ((const guint8 *) text, len, &error);
  lk_secure_str_free (text);
  g_assert_no_error (error);
  g_assert_cmpuint (entries->len, ==, tokens->len);
  for (guint i = 0; i < tokens->len; i++)
    g_assert_true (lk_otpauth_equal (((LkWalletToken *) tokens->pdata[i])->otpauth, entry_at (entries, i)->token));
}

static void
test_qr_round_trip (void)
{
  g_autoptr(GPtrArray) tokens = sample_tokens ();

  for (guint i = 0; i < tokens->len; i++)
    {
      const LkWalletToken *token = g_ptr_array_index (tokens, i);
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) png = lk_export_qr_png (token, 4, &error);
      g_auto(GStrv) texts = NULL;
      g_autoptr(LkOtpauth) back = NULL;
      g_autofree guint8 *gray = NULL;
      guint size = 0;

      g_assert_no_error (error);
      texts = lk_qr_decode_png (g_bytes_get_data (png, NULL), g_bytes_get_size (png), &error);
      g_assert_no_error (error);
      g_assert_cmpuint (g_strv_length (texts), ==, 1);
      back = lk_otpauth_parse (texts[0], &error);
      g_assert_no_error (error);
      g_assert_true (lk_otpauth_equal (token->otpauth, back));

      gray = lk_export_qr_gray (token, 2, &size, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (size, >, 20);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/export/aegis/independent-decrypt", test_aegis_independent);
  g_test_add_func ("/export/aegis/round-trip", test_aegis_round_trip);
  g_test_add_func ("/export/uris/round-trip", test_uris_round_trip);
  g_test_add_func ("/export/qr/round-trip", test_qr_round_trip);

  return g_test_run ();
}
