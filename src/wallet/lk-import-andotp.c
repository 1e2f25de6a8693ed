/* SPDX-License-Identifier: GPL-3.0-or-later
 * Reading andOTP backups: AES-256-GCM with a PBKDF2 (new) or SHA-256 (old) key, then a JSON array of tokens. */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "lk-base32.h"
#include "lk-import-andotp.h"
#include "lk-import-private.h"
#include "lk-secure.h"

/* New layout: iterations (4 bytes, big-endian) | salt (12) | IV (12) | ciphertext | tag (16). */
#define ANDOTP_SALT_SIZE 12

static gboolean
is_json_array (const guint8 *data,
               gsize         len)
{
  gsize i = 0;

  /* A UTF-8 byte-order mark, then white space, then '['. */
  if (len >= 3 && memcmp (data, "\xef\xbb\xbf", 3) == 0)
    i = 3;
  while (i < len && g_ascii_isspace (data[i]))
    i++;
  return i < len && data[i] == '[';
}

gboolean
lk_import_andotp_detect (const guint8 *data,
                         gsize         len)
{
  g_autoptr(LkImportJson) root = NULL;
  JsonArray *array;
  JsonNode *first;
  gboolean found;

  if (!is_json_array (data, len))
    return FALSE;
  root = lk_import_json_parse (data, len, "backup", NULL);
  if (root == NULL || !JSON_NODE_HOLDS_ARRAY (root))
    return FALSE;
  array = json_node_get_array (root);
  if (json_array_get_length (array) == 0)
    return TRUE;
  first = json_array_get_element (array, 0);
  found = JSON_NODE_HOLDS_OBJECT (first) && json_object_has_member (json_node_get_object (first), "secret");
  return found;
}

static char *
read_tags (JsonObject *object)
{
  JsonArray *tags = lk_import_json_get_array (object, "tags");
  g_autoptr(GString) joined = g_string_new (NULL);

  for (guint i = 0; tags != NULL && i < json_array_get_length (tags); i++)
    {
      JsonNode *node = json_array_get_element (tags, i);
      const char *tag;

      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
        continue;
      tag = json_node_get_string (node);
      if (*tag == '\0' || !g_utf8_validate (tag, -1, NULL))
        continue;
      g_string_append_printf (joined, "%s%s", joined->len > 0 ? ", " : "", tag);
      if (joined->len > LK_IMPORT_MAX_TEXT_SIZE)
        return NULL;
    }
  if (joined->len == 0)
    return NULL;
  return g_string_free (g_steal_pointer (&joined), FALSE);
}

static LkImportEntry *
read_entry (JsonNode *node,
            guint     position)
{
  g_autofree char *fallback = g_strdup_printf (_("entry %u"), position);
  g_autoptr(LkImportEntry) entry = lk_import_entry_new (fallback);
  g_autoptr(LkOtpauth) token = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *label = NULL;
  g_autofree char *issuer_field = NULL;
  g_autofree char *issuer = NULL;
  g_autofree char *account = NULL;
  JsonObject *object;
  const char *type, *secret;
  gint64 digits, period, counter;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      lk_import_entry_refuse (entry, _("The entry is not a JSON object."));
      return g_steal_pointer (&entry);
    }
  object = json_node_get_object (node);

  label = lk_import_dup_text (lk_import_json_get_string (object, "label"), LK_IMPORT_MAX_TEXT_SIZE, FALSE);
  issuer_field = lk_import_dup_text (lk_import_json_get_string (object, "issuer"), LK_IMPORT_MAX_TEXT_SIZE, TRUE);
  /* Old andOTP versions had no issuer field and wrote "Issuer:account" labels. */
  lk_import_split_name (label, issuer_field, &issuer, &account);
  g_free (entry->name);
  entry->name = issuer != NULL ? g_strdup_printf ("%s:%s", issuer, account) : g_strdup (account);
  entry->group = read_tags (object);

  token = lk_otpauth_new ();
  type = lk_import_json_get_string (object, "type");
  if (type == NULL || g_ascii_strcasecmp (type, "TOTP") == 0)
    token->type = LK_OTPAUTH_TOTP;
  else if (g_ascii_strcasecmp (type, "HOTP") == 0)
    token->type = LK_OTPAUTH_HOTP;
  else if (g_ascii_strcasecmp (type, "STEAM") == 0)
    token->type = LK_OTPAUTH_STEAM;
  else
    {
      g_autofree char *shown = lk_import_dup_text (type, 32, TRUE);

      lk_import_entry_refuse (entry, _("The token type “%s” is not supported."), shown != NULL ? shown : "?");
      return g_steal_pointer (&entry);
    }

  if (!lk_import_parse_algorithm (entry, lk_import_json_get_string (object, "algorithm"), &token->algorithm))
    return g_steal_pointer (&entry);
  if (!lk_import_json_get_int (object, "digits", token->type == LK_OTPAUTH_STEAM ? 5 : 6, &digits) ||
      !lk_import_json_get_int (object, "period", 30, &period) ||
      !lk_import_json_get_int (object, "counter", 0, &counter) ||
      digits < 0 || digits > 100 || period < 0 || period > G_MAXINT || counter < 0)
    {
      lk_import_entry_refuse (entry, _("The entry's digits, period or counter is not a valid number."));
      return g_steal_pointer (&entry);
    }
  token->digits = (guint) digits;
  token->period = (guint) period;
  token->counter = token->type == LK_OTPAUTH_HOTP ? (guint64) counter : 0;

  secret = lk_import_json_get_string (object, "secret");
  if (secret == NULL || strlen (secret) > LK_IMPORT_MAX_SECRET_SIZE * 2)
    {
      lk_import_entry_refuse (entry, _("The entry has no usable secret."));
      return g_steal_pointer (&entry);
    }
  g_clear_pointer (&token->secret, g_bytes_unref);
  token->secret = lk_base32_decode (secret, &local_error);
  if (token->secret == NULL)
    {
      lk_import_entry_refuse (entry, _("The secret is not valid Base32: %s"), local_error->message);
      return g_steal_pointer (&entry);
    }
  g_free (token->issuer);
  token->issuer = g_steal_pointer (&issuer);
  g_free (token->account);
  token->account = g_steal_pointer (&account);
  lk_import_entry_take_token (entry, g_steal_pointer (&token));
  return g_steal_pointer (&entry);
}

static GPtrArray *
parse_plain (const guint8  *data,
             gsize          len,
             GError       **error)
{
  g_autoptr(LkImportJson) root = lk_import_json_parse (data, len, _("andOTP backup"), error);
  g_autoptr(GPtrArray) entries = NULL;
  JsonArray *array;

  if (root == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_ARRAY (root))
    {
      g_set_error_literal (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_CORRUPT,
                           _("The andOTP backup is not a JSON array."));
      return NULL;
    }
  array = json_node_get_array (root);
  if (json_array_get_length (array) > LK_IMPORT_MAX_ENTRIES)
    {
      g_set_error (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_TOO_LARGE,
                   _("The backup holds more than %u tokens."), LK_IMPORT_MAX_ENTRIES);
      return NULL;
    }
  entries = lk_import_entries_new ();
  for (guint i = 0; i < json_array_get_length (array); i++)
    g_ptr_array_add (entries, read_entry (json_array_get_element (array, i), i + 1));
  return g_steal_pointer (&entries);
}

static GBytes *
decrypt_new (const guint8 *data,
             gsize         len,
             const char   *password,
             GError      **error)
{
  const gsize header = 4 + ANDOTP_SALT_SIZE + LK_IMPORT_GCM_NONCE_SIZE;
  guint32 iterations;
  guint8 key[LK_IMPORT_KEY_SIZE];
  GBytes *plain;

  if (len < header + LK_IMPORT_GCM_TAG_SIZE)
    return NULL;
  iterations = (guint32) data[0] << 24 | (guint32) data[1] << 16 | (guint32) data[2] << 8 | data[3];
  /* Out-of-range counts mean the old layout (whose first bytes are a random IV). */
  if (iterations < 1 || iterations > LK_IMPORT_PBKDF2_MAX_ITER)
    return NULL;
  if (!lk_import_pbkdf2_sha1 (password, data + 4, ANDOTP_SALT_SIZE, iterations, key, error))
    return NULL;
  plain = lk_import_aes_gcm_decrypt (key, data + 4 + ANDOTP_SALT_SIZE,
                                     data + header, len - header - LK_IMPORT_GCM_TAG_SIZE,
                                     data + len - LK_IMPORT_GCM_TAG_SIZE, "", NULL);
  lk_secure_wipe (key, sizeof key);
  return plain;
}

static GBytes *
decrypt_old (const guint8 *data,
             gsize         len,
             const char   *password)
{
  guint8 key[LK_IMPORT_KEY_SIZE];
  GBytes *plain;

  if (len < LK_IMPORT_GCM_NONCE_SIZE + LK_IMPORT_GCM_TAG_SIZE)
    return NULL;
  lk_import_sha256 (password, key);
  plain = lk_import_aes_gcm_decrypt (key, data, data + LK_IMPORT_GCM_NONCE_SIZE,
                                     len - LK_IMPORT_GCM_NONCE_SIZE - LK_IMPORT_GCM_TAG_SIZE,
                                     data + len - LK_IMPORT_GCM_TAG_SIZE, "", NULL);
  lk_secure_wipe (key, sizeof key);
  return plain;
}

GPtrArray *
lk_import_andotp_parse (const guint8 *data,
                        gsize         len,
                        const char   *password,
                        GError      **error)
{
  g_autoptr(GBytes) plain = NULL;
  g_autoptr(GError) local_error = NULL;

  if (len > LK_IMPORT_MAX_FILE_SIZE)
    {
      g_set_error (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_TOO_LARGE,
                   _("The andOTP backup is larger than %u MiB."), LK_IMPORT_MAX_FILE_SIZE / (1024 * 1024));
      return NULL;
    }
  if (is_json_array (data, len))
    return parse_plain (data, len, error);

  if (len < LK_IMPORT_GCM_NONCE_SIZE + LK_IMPORT_GCM_TAG_SIZE)
    {
      g_set_error_literal (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_CORRUPT,
                           _("The andOTP backup is too short to be an encrypted backup."));
      return NULL;
    }
  if (password == NULL)
    {
      g_set_error_literal (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_NEEDS_PASSWORD,
                           _("The andOTP backup is encrypted; its password is needed."));
      return NULL;
    }
  plain = decrypt_new (data, len, password, &local_error);
  if (plain == NULL)
    plain = decrypt_old (data, len, password);
  if (plain == NULL)
    {
      g_set_error_literal (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_WRONG_PASSWORD,
                           _("The password does not open this andOTP backup, or the file is damaged."));
      return NULL;
    }
  if (!is_json_array (g_bytes_get_data (plain, NULL), g_bytes_get_size (plain)))
    {
      g_set_error_literal (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_CORRUPT,
                           _("The decrypted andOTP backup is not a JSON array."));
      return NULL;
    }
  return parse_plain (g_bytes_get_data (plain, NULL), g_bytes_get_size (plain), error);
}
