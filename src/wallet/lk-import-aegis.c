/* SPDX-License-Identifier: GPL-3.0-or-later
 * Reading Aegis vaults: the password slot (scrypt, AES-256-GCM key wrap), the database and its entries. */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "lk-base32.h"
#include "lk-import-aegis.h"
#include "lk-import-private.h"
#include "lk-secure.h"

#define AEGIS_SLOT_PASSWORD 1
#define AEGIS_MAX_PASSWORD_SLOTS 8

gboolean
lk_import_aegis_detect (const guint8 *data,
                        gsize         len)
{
  g_autoptr(LkImportJson) root = NULL;
  JsonObject *object;

  gboolean found;

  root = lk_import_json_parse (data, len, "vault", NULL);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return FALSE;
  object = json_node_get_object (root);
  found = json_object_has_member (object, "version") &&
          json_object_has_member (object, "header") &&
          json_object_has_member (object, "db");
  return found;
}

static const char *
guess_icon_mime (GBytes *icon)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (icon, &len);

  if (len >= 8 && memcmp (data, "\x89PNG\r\n\x1a\n", 8) == 0)
    return "image/png";
  if (len >= 3 && memcmp (data, "\xff\xd8\xff", 3) == 0)
    return "image/jpeg";
  if (len >= 1 && (data[0] == '<'))
    return "image/svg+xml";
  return NULL;
}

static void
read_icon (LkImportEntry *entry,
           JsonObject    *object)
{
  const char *icon = lk_import_json_get_string (object, "icon");
  const char *mime = lk_import_json_get_string (object, "icon_mime");
  g_autoptr(GBytes) bytes = NULL;
  const char *guessed;

  /* An icon is a nicety: a broken one is dropped, never a reason to refuse the token. */
  if (icon == NULL || *icon == '\0')
    return;
  bytes = lk_import_base64_decode (icon, strlen (icon), LK_IMPORT_MAX_ICON_SIZE, NULL);
  if (bytes == NULL || g_bytes_get_size (bytes) == 0)
    return;
  guessed = guess_icon_mime (bytes);
  if (mime != NULL && (g_str_equal (mime, "image/png") || g_str_equal (mime, "image/jpeg") ||
                       g_str_equal (mime, "image/svg+xml")))
    entry->icon_mime = g_strdup (mime);
  else if (guessed != NULL)
    entry->icon_mime = g_strdup (guessed);
  else
    return;
  entry->icon = g_bytes_new (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

static char *
read_groups (JsonObject *object,
             GHashTable *group_names)
{
  JsonArray *groups = lk_import_json_get_array (object, "groups");
  g_autoptr(GString) joined = NULL;

  /* Database version 2 has one group name; version 3 a list of group uuids. */
  if (groups == NULL)
    return lk_import_dup_text (lk_import_json_get_string (object, "group"), LK_IMPORT_MAX_TEXT_SIZE, TRUE);

  joined = g_string_new (NULL);
  for (guint i = 0; i < json_array_get_length (groups) && joined->len < LK_IMPORT_MAX_TEXT_SIZE; i++)
    {
      JsonNode *node = json_array_get_element (groups, i);
      const char *name;

      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
        continue;
      name = g_hash_table_lookup (group_names, json_node_get_string (node));
      if (name != NULL)
        g_string_append_printf (joined, "%s%s", joined->len > 0 ? ", " : "", name);
    }
  if (joined->len == 0 || joined->len > LK_IMPORT_MAX_TEXT_SIZE)
    return NULL;
  return g_string_free (g_steal_pointer (&joined), FALSE);
}

static LkImportEntry *
read_entry (JsonNode   *node,
            guint       position,
            GHashTable *group_names)
{
  g_autofree char *fallback = g_strdup_printf (_("entry %u"), position);
  g_autoptr(LkImportEntry) entry = lk_import_entry_new (fallback);
  g_autoptr(LkOtpauth) token = NULL;
  g_autoptr(GError) local_error = NULL;
  JsonObject *object, *info;
  const char *type, *secret;
  g_autofree char *name = NULL;
  g_autofree char *issuer = NULL;
  gint64 digits, period, counter;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      lk_import_entry_refuse (entry, _("The entry is not a JSON object."));
      return g_steal_pointer (&entry);
    }
  object = json_node_get_object (node);

  name = lk_import_dup_text (lk_import_json_get_string (object, "name"), LK_IMPORT_MAX_TEXT_SIZE, FALSE);
  issuer = lk_import_dup_text (lk_import_json_get_string (object, "issuer"), LK_IMPORT_MAX_TEXT_SIZE, TRUE);
  if (name != NULL || issuer != NULL)
    {
      g_free (entry->name);
      entry->name = issuer != NULL ? g_strdup_printf ("%s:%s", issuer, name != NULL ? name : "")
                                   : g_strdup (name);
    }
  entry->note = lk_import_dup_text (lk_import_json_get_string (object, "note"), LK_IMPORT_MAX_NOTE_SIZE, TRUE);
  entry->group = read_groups (object, group_names);
  read_icon (entry, object);

  type = lk_import_json_get_string (object, "type");
  info = lk_import_json_get_object (object, "info");
  if (type == NULL || info == NULL)
    {
      lk_import_entry_refuse (entry, _("The entry has no type or no info."));
      return g_steal_pointer (&entry);
    }

  token = lk_otpauth_new ();
  if (g_str_equal (type, "totp"))
    token->type = LK_OTPAUTH_TOTP;
  else if (g_str_equal (type, "hotp"))
    token->type = LK_OTPAUTH_HOTP;
  else if (g_str_equal (type, "steam"))
    token->type = LK_OTPAUTH_STEAM;
  else if (g_str_equal (type, "motp") || g_str_equal (type, "yandex"))
    {
      lk_import_entry_refuse (entry, _("%s tokens are not supported: they are not HOTP or TOTP."),
                              g_str_equal (type, "motp") ? "mOTP" : "Yandex");
      return g_steal_pointer (&entry);
    }
  else
    {
      g_autofree char *shown = lk_import_dup_text (type, 32, TRUE);

      lk_import_entry_refuse (entry, _("The token type “%s” is not supported."), shown != NULL ? shown : "?");
      return g_steal_pointer (&entry);
    }

  if (!lk_import_parse_algorithm (entry, lk_import_json_get_string (info, "algo"), &token->algorithm))
    return g_steal_pointer (&entry);
  if (!lk_import_json_get_int (info, "digits", token->type == LK_OTPAUTH_STEAM ? 5 : 6, &digits) ||
      !lk_import_json_get_int (info, "period", 30, &period) ||
      !lk_import_json_get_int (info, "counter", 0, &counter) ||
      digits < 0 || digits > 100 || period < 0 || period > G_MAXINT || counter < 0)
    {
      lk_import_entry_refuse (entry, _("The entry's digits, period or counter is not a valid number."));
      return g_steal_pointer (&entry);
    }
  token->digits = (guint) digits;
  token->period = (guint) period;
  token->counter = token->type == LK_OTPAUTH_HOTP ? (guint64) counter : 0;

  secret = lk_import_json_get_string (info, "secret");
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
  token->account = name != NULL ? g_steal_pointer (&name) : g_strdup ("");
  lk_import_entry_take_token (entry, g_steal_pointer (&token));
  return g_steal_pointer (&entry);
}

static GPtrArray *
parse_db (JsonNode  *db_node,
          GError   **error)
{
  g_autoptr(GHashTable) group_names = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) entries = NULL;
  JsonObject *db;
  JsonArray *list, *groups;
  gint64 version;

  if (db_node == NULL || !JSON_NODE_HOLDS_OBJECT (db_node))
    {
      g_set_error_literal (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_CORRUPT,
                           _("The Aegis vault's database is not a JSON object."));
      return NULL;
    }
  db = json_node_get_object (db_node);
  if (!lk_import_json_get_int (db, "version", 0, &version) || version < 1 || version > 3)
    {
      g_set_error (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_UNSUPPORTED,
                   _("The Aegis vault's database has version %lld; versions 1 to 3 are supported."),
                   (long long) version);
      return NULL;
    }
  list = lk_import_json_get_array (db, "entries");
  if (list == NULL)
    {
      g_set_error_literal (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_CORRUPT,
                           _("The Aegis vault's database has no list of entries."));
      return NULL;
    }
  if (json_array_get_length (list) > LK_IMPORT_MAX_ENTRIES)
    {
      g_set_error (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_TOO_LARGE,
                   _("The vault holds more than %u tokens."), LK_IMPORT_MAX_ENTRIES);
      return NULL;
    }

  groups = lk_import_json_get_array (db, "groups");
  for (guint i = 0; groups != NULL && i < json_array_get_length (groups); i++)
    {
      JsonNode *node = json_array_get_element (groups, i);
      const char *uuid, *name;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      uuid = lk_import_json_get_string (json_node_get_object (node), "uuid");
      name = lk_import_json_get_string (json_node_get_object (node), "name");
      if (uuid != NULL && name != NULL && g_utf8_validate (name, -1, NULL) &&
          strlen (name) <= LK_IMPORT_MAX_TEXT_SIZE)
        g_hash_table_insert (group_names, (gpointer) uuid, (gpointer) name);
    }

  entries = lk_import_entries_new ();
  for (guint i = 0; i < json_array_get_length (list); i++)
    g_ptr_array_add (entries, read_entry (json_array_get_element (list, i), i + 1, group_names));
  return g_steal_pointer (&entries);
}

/* Unwraps the master key from one password slot. FALSE with no error when
 * the password is simply not this slot's; an error for a malformed slot. */
static gboolean
open_password_slot (JsonObject  *slot,
                    const char  *password,
                    guint8      *master_key,
                    GError     **error)
{
  g_autoptr(GBytes) salt = NULL;
  g_autoptr(GBytes) wrapped = NULL;
  g_autoptr(GBytes) nonce = NULL;
  g_autoptr(GBytes) tag = NULL;
  g_autoptr(GBytes) unwrapped = NULL;
  JsonObject *params = lk_import_json_get_object (slot, "key_params");
  guint8 key[LK_IMPORT_KEY_SIZE];
  gint64 n, r, p;

  if (params == NULL ||
      !lk_import_json_get_int (slot, "n", -1, &n) ||
      !lk_import_json_get_int (slot, "r", -1, &r) ||
      !lk_import_json_get_int (slot, "p", -1, &p) || n < 0 || r < 0 || p < 0 ||
      (salt = lk_import_hex_decode (lk_import_json_get_string (slot, "salt"), 0, NULL)) == NULL ||
      g_bytes_get_size (salt) > 1024 ||
      (wrapped = lk_import_hex_decode (lk_import_json_get_string (slot, "key"), LK_IMPORT_KEY_SIZE, NULL)) == NULL ||
      (nonce = lk_import_hex_decode (lk_import_json_get_string (params, "nonce"), LK_IMPORT_GCM_NONCE_SIZE, NULL)) == NULL ||
      (tag = lk_import_hex_decode (lk_import_json_get_string (params, "tag"), LK_IMPORT_GCM_TAG_SIZE, NULL)) == NULL)
    {
      g_set_error_literal (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_CORRUPT,
                           _("The Aegis vault's password slot is damaged."));
      return FALSE;
    }
  if (!lk_import_scrypt (password, g_bytes_get_data (salt, NULL), g_bytes_get_size (salt),
                         (guint64) n, (guint64) r, (guint64) p, key, error))
    return FALSE;
  unwrapped = lk_import_aes_gcm_decrypt (key, g_bytes_get_data (nonce, NULL),
                                         g_bytes_get_data (wrapped, NULL), LK_IMPORT_KEY_SIZE,
                                         g_bytes_get_data (tag, NULL), "", NULL);
  lk_secure_wipe (key, sizeof key);
  if (unwrapped == NULL || g_bytes_get_size (unwrapped) != LK_IMPORT_KEY_SIZE)
    return FALSE;
  memcpy (master_key, g_bytes_get_data (unwrapped, NULL), LK_IMPORT_KEY_SIZE);
  return TRUE;
}

static GPtrArray *
parse_encrypted (JsonObject  *header,
                 const char  *db_text,
                 const char  *password,
                 GError     **error)
{
  JsonArray *slots = lk_import_json_get_array (header, "slots");
  JsonObject *params = lk_import_json_get_object (header, "params");
  g_autoptr(GBytes) nonce = NULL;
  g_autoptr(GBytes) tag = NULL;
  g_autoptr(GBytes) ciphertext = NULL;
  g_autoptr(GBytes) plain = NULL;
  g_autoptr(LkImportJson) db = NULL;
  GPtrArray *entries;
  guint8 master_key[LK_IMPORT_KEY_SIZE];
  guint tried = 0;
  gboolean opened = FALSE;

  if (slots == NULL || params == NULL ||
      (nonce = lk_import_hex_decode (lk_import_json_get_string (params, "nonce"), LK_IMPORT_GCM_NONCE_SIZE, NULL)) == NULL ||
      (tag = lk_import_hex_decode (lk_import_json_get_string (params, "tag"), LK_IMPORT_GCM_TAG_SIZE, NULL)) == NULL)
    {
      g_set_error_literal (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_CORRUPT,
                           _("The Aegis vault's header is damaged (slots, nonce or tag)."));
      return NULL;
    }
  ciphertext = lk_import_base64_decode (db_text, strlen (db_text), LK_IMPORT_MAX_FILE_SIZE, error);
  if (ciphertext == NULL)
    {
      g_prefix_error (error, _("Aegis vault database: "));
      return NULL;
    }
  if (password == NULL)
    {
      g_set_error_literal (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_NEEDS_PASSWORD,
                           _("The Aegis vault is encrypted; its password is needed."));
      return NULL;
    }

  for (guint i = 0; i < json_array_get_length (slots) && !opened; i++)
    {
      JsonNode *node = json_array_get_element (slots, i);
      JsonObject *slot;
      gint64 type;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      slot = json_node_get_object (node);
      if (!lk_import_json_get_int (slot, "type", -1, &type) || type != AEGIS_SLOT_PASSWORD)
        continue;
      if (++tried > AEGIS_MAX_PASSWORD_SLOTS)
        break;
      opened = open_password_slot (slot, password, master_key, error);
      if (!opened && error != NULL && *error != NULL)
        return NULL;
    }
  if (tried == 0)
    {
      g_set_error_literal (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_UNSUPPORTED,
                           _("The Aegis vault has no password slot (only biometric or raw keys), "
                             "so it cannot be opened here. Export it from Aegis with a password."));
      return NULL;
    }
  if (!opened)
    {
      g_set_error_literal (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_WRONG_PASSWORD,
                           _("The password does not open this Aegis vault."));
      return NULL;
    }

  plain = lk_import_aes_gcm_decrypt (master_key, g_bytes_get_data (nonce, NULL),
                                     g_bytes_get_data (ciphertext, NULL), g_bytes_get_size (ciphertext),
                                     g_bytes_get_data (tag, NULL),
                                     _("The Aegis vault's contents fail their integrity check: "
                                       "the file was changed or is damaged."),
                                     error);
  lk_secure_wipe (master_key, sizeof master_key);
  if (plain == NULL)
    return NULL;
  db = lk_import_json_parse (g_bytes_get_data (plain, NULL), g_bytes_get_size (plain),
                             _("Aegis vault database"), error);
  if (db == NULL)
    return NULL;
  entries = parse_db (db, error);
  return entries;
}

GPtrArray *
lk_import_aegis_parse (const guint8 *data,
                       gsize         len,
                       const char   *password,
                       GError      **error)
{
  g_autoptr(LkImportJson) root = NULL;
  JsonObject *object, *header;
  JsonNode *db;
  GPtrArray *entries;
  gint64 version;

  root = lk_import_json_parse (data, len, _("Aegis vault"), error);
  if (root == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_CORRUPT,
                           _("The Aegis vault is not a JSON object."));
      return NULL;
    }
  object = json_node_get_object (root);
  if (!lk_import_json_get_int (object, "version", 0, &version) || version != 1)
    {
      g_set_error_literal (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_UNSUPPORTED,
                           _("Only version 1 Aegis vaults are supported."));
      return NULL;
    }
  header = lk_import_json_get_object (object, "header");
  db = json_object_get_member (object, "db");
  if (header == NULL || db == NULL)
    {
      g_set_error_literal (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_CORRUPT,
                           _("The Aegis vault has no header or no database."));
      return NULL;
    }
  if (JSON_NODE_HOLDS_VALUE (db) && json_node_get_value_type (db) == G_TYPE_STRING)
    return parse_encrypted (header, json_node_get_string (db), password, error);
  entries = parse_db (db, error);
  return entries;
}
