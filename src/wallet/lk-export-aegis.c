/* SPDX-License-Identifier: GPL-3.0-or-later
 * Writing encrypted Aegis vaults: database JSON built in wiped memory, a password slot, AES-256-GCM. */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "lk-base32.h"
#include "lk-export-aegis.h"
#include "lk-import-private.h"
#include "lk-secure.h"

/* JSON string escaping by hand: the database carries seeds, and a GString
 * we own can be wiped, where json-glib's internal copies cannot. */
static void
append_json_string (GString    *out,
                    const char *text)
{
  if (text == NULL)
    {
      g_string_append (out, "null");
      return;
    }
  g_string_append_c (out, '"');
  for (const char *p = text; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;

      if (c == '"' || c == '\\')
        {
          g_string_append_c (out, '\\');
          g_string_append_c (out, (char) c);
        }
      else if (c < 0x20)
        g_string_append_printf (out, "\\u%04x", c);
      else
        g_string_append_c (out, (char) c);
    }
  g_string_append_c (out, '"');
}

static void
append_member (GString    *out,
               const char *name,
               const char *value,
               gboolean    comma)
{
  append_json_string (out, name);
  g_string_append_c (out, ':');
  append_json_string (out, value);
  if (comma)
    g_string_append_c (out, ',');
}

static const char *
aegis_type (LkOtpauthType type)
{
  switch (type)
    {
    case LK_OTPAUTH_HOTP:
      return "hotp";
    case LK_OTPAUTH_STEAM:
      return "steam";
    case LK_OTPAUTH_TOTP:
    default:
      return "totp";
    }
}

char *
lk_export_aegis_db_json (GPtrArray *tokens,
                         gsize     *out_len)
{
  GString *out;
  gsize bound = 64;

  /* Sized for the worst case (every text character escaped as \u00XX)
   * so the buffer holding seeds is never reallocated: a realloc would
   * leave an unwiped copy behind. */
  for (guint i = 0; i < tokens->len; i++)
    {
      const LkWalletToken *token = g_ptr_array_index (tokens, i);
      const LkOtpauth *otp = token->otpauth;

      bound += 512 + 2 * g_bytes_get_size (otp->secret);
      bound += 6 * ((otp->account != NULL ? strlen (otp->account) : 0) +
                    (otp->issuer != NULL ? strlen (otp->issuer) : 0) +
                    (token->note != NULL ? strlen (token->note) : 0) +
                    (token->group != NULL ? strlen (token->group) : 0) +
                    (token->icon_mime != NULL ? strlen (token->icon_mime) : 0));
      if (token->icon != NULL)
        bound += g_bytes_get_size (token->icon) / 3 * 4 + 8;
    }
  out = g_string_sized_new (bound);

  g_string_append (out, "{\"version\":2,\"entries\":[");
  for (guint i = 0; i < tokens->len; i++)
    {
      const LkWalletToken *token = g_ptr_array_index (tokens, i);
      const LkOtpauth *otp = token->otpauth;
      g_autofree char *uuid = g_uuid_string_random ();
      g_autofree char *icon = NULL;
      char *secret;
      gsize secret_len;
      const guint8 *secret_data = g_bytes_get_data (otp->secret, &secret_len);

      if (i > 0)
        g_string_append_c (out, ',');
      g_string_append_c (out, '{');
      append_member (out, "type", aegis_type (otp->type), TRUE);
      append_member (out, "uuid", uuid, TRUE);
      append_member (out, "name", otp->account != NULL ? otp->account : "", TRUE);
      append_member (out, "issuer", otp->issuer != NULL ? otp->issuer : "", TRUE);
      append_member (out, "note", token->note != NULL ? token->note : "", TRUE);
      append_member (out, "group", token->group, TRUE);
      g_string_append (out, "\"favorite\":false,");
      if (token->icon != NULL && token->icon_mime != NULL)
        icon = g_base64_encode (g_bytes_get_data (token->icon, NULL), g_bytes_get_size (token->icon));
      append_member (out, "icon", icon, TRUE);
      append_member (out, "icon_mime", icon != NULL ? token->icon_mime : NULL, TRUE);
      g_string_append (out, "\"info\":{");
      secret = lk_base32_encode (secret_data, secret_len);
      append_member (out, "secret", secret, TRUE);
      lk_secure_str_free (secret);
      append_member (out, "algo", lk_hash_to_string (otp->algorithm), TRUE);
      g_string_append_printf (out, "\"digits\":%u,", otp->digits);
      if (otp->type == LK_OTPAUTH_HOTP)
        g_string_append_printf (out, "\"counter\":%" G_GUINT64_FORMAT "}", otp->counter);
      else
        g_string_append_printf (out, "\"period\":%u}", otp->period);
      g_string_append_c (out, '}');
    }
  g_string_append (out, "]}");

  *out_len = out->len;
  return g_string_free (out, FALSE);
}

GBytes *
lk_export_aegis (GPtrArray   *tokens,
                 const char  *password,
                 GError     **error)
{
  guint8 master_key[LK_IMPORT_KEY_SIZE];
  guint8 slot_key[LK_IMPORT_KEY_SIZE];
  guint8 salt[32];
  guint8 key_nonce[LK_IMPORT_GCM_NONCE_SIZE], key_tag[LK_IMPORT_GCM_TAG_SIZE];
  guint8 wrapped[LK_IMPORT_KEY_SIZE];
  guint8 db_nonce[LK_IMPORT_GCM_NONCE_SIZE], db_tag[LK_IMPORT_GCM_TAG_SIZE];
  g_autofree guint8 *ciphertext = NULL;
  g_autofree char *db_b64 = NULL;
  g_autofree char *salt_hex = NULL, *wrapped_hex = NULL, *key_nonce_hex = NULL;
  g_autofree char *key_tag_hex = NULL, *db_nonce_hex = NULL, *db_tag_hex = NULL;
  g_autofree char *slot_uuid = g_uuid_string_random ();
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonGenerator) generator = NULL;
  g_autoptr(JsonNode) root = NULL;
  char *db;
  gsize db_len = 0, out_len = 0;
  gboolean ok;
  char *text;

  g_return_val_if_fail (tokens != NULL, NULL);

  if (password == NULL || *password == '\0')
    {
      g_set_error_literal (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_NEEDS_PASSWORD,
                           _("An Aegis export needs a password; an empty one is not accepted."));
      return NULL;
    }
  if (!lk_random_bytes (master_key, sizeof master_key, error) ||
      !lk_random_bytes (salt, sizeof salt, error) ||
      !lk_random_bytes (key_nonce, sizeof key_nonce, error) ||
      !lk_random_bytes (db_nonce, sizeof db_nonce, error))
    return NULL;

  ok = lk_import_scrypt (password, salt, sizeof salt, LK_EXPORT_AEGIS_SCRYPT_N,
                         LK_EXPORT_AEGIS_SCRYPT_R, LK_EXPORT_AEGIS_SCRYPT_P, slot_key, error) &&
       lk_import_aes_gcm_encrypt (slot_key, key_nonce, master_key, sizeof master_key, wrapped, key_tag, error);
  lk_secure_wipe (slot_key, sizeof slot_key);
  if (!ok)
    {
      lk_secure_wipe (master_key, sizeof master_key);
      return NULL;
    }

  db = lk_export_aegis_db_json (tokens, &db_len);
  ciphertext = g_malloc (db_len + 16);
  ok = lk_import_aes_gcm_encrypt (master_key, db_nonce, (const guint8 *) db, db_len, ciphertext, db_tag, error);
  lk_secure_wipe (db, db_len);
  g_free (db);
  lk_secure_wipe (master_key, sizeof master_key);
  if (!ok)
    return NULL;

  db_b64 = g_base64_encode (ciphertext, db_len);
  salt_hex = lk_import_hex_encode (salt, sizeof salt);
  wrapped_hex = lk_import_hex_encode (wrapped, sizeof wrapped);
  key_nonce_hex = lk_import_hex_encode (key_nonce, sizeof key_nonce);
  key_tag_hex = lk_import_hex_encode (key_tag, sizeof key_tag);
  db_nonce_hex = lk_import_hex_encode (db_nonce, sizeof db_nonce);
  db_tag_hex = lk_import_hex_encode (db_tag, sizeof db_tag);

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "version");
  json_builder_add_int_value (builder, 1);
  json_builder_set_member_name (builder, "header");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "slots");
  json_builder_begin_array (builder);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_int_value (builder, 1);
  json_builder_set_member_name (builder, "uuid");
  json_builder_add_string_value (builder, slot_uuid);
  json_builder_set_member_name (builder, "key");
  json_builder_add_string_value (builder, wrapped_hex);
  json_builder_set_member_name (builder, "key_params");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "nonce");
  json_builder_add_string_value (builder, key_nonce_hex);
  json_builder_set_member_name (builder, "tag");
  json_builder_add_string_value (builder, key_tag_hex);
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "n");
  json_builder_add_int_value (builder, LK_EXPORT_AEGIS_SCRYPT_N);
  json_builder_set_member_name (builder, "r");
  json_builder_add_int_value (builder, LK_EXPORT_AEGIS_SCRYPT_R);
  json_builder_set_member_name (builder, "p");
  json_builder_add_int_value (builder, LK_EXPORT_AEGIS_SCRYPT_P);
  json_builder_set_member_name (builder, "salt");
  json_builder_add_string_value (builder, salt_hex);
  /* Aegis marks slots written with its fixed key derivation as repaired. */
  json_builder_set_member_name (builder, "repaired");
  json_builder_add_boolean_value (builder, TRUE);
  json_builder_set_member_name (builder, "is_backup");
  json_builder_add_boolean_value (builder, FALSE);
  json_builder_end_object (builder);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "params");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "nonce");
  json_builder_add_string_value (builder, db_nonce_hex);
  json_builder_set_member_name (builder, "tag");
  json_builder_add_string_value (builder, db_tag_hex);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "db");
  json_builder_add_string_value (builder, db_b64);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  generator = json_generator_new ();
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  text = json_generator_to_data (generator, &out_len);
  return g_bytes_new_take (text, out_len);
}
