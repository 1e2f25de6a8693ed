/* SPDX-License-Identifier: GPL-3.0-or-later
 * Reading FreeOTP+ JSON exports: seeds as arrays of signed Java bytes, and the HOTP counter shifted by one. */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "lk-import-freeotp.h"
#include "lk-import-private.h"
#include "lk-secure.h"

gboolean
lk_import_freeotp_detect (const guint8 *data,
                          gsize         len)
{
  g_autoptr(LkImportJson) root = lk_import_json_parse (data, len, "export", NULL);
  gboolean found;

  found = root != NULL && JSON_NODE_HOLDS_OBJECT (root) &&
          lk_import_json_get_array (json_node_get_object (root), "tokens") != NULL;
  return found;
}

/* Java bytes are signed: -19 is 0xED. Anything outside -128..255 is corrupt. */
static GBytes *
read_secret (JsonArray *array)
{
  guint len = json_array_get_length (array);
  guint8 *secret;

  if (len == 0 || len > LK_IMPORT_MAX_SECRET_SIZE)
    return NULL;
  secret = g_malloc (len);
  for (guint i = 0; i < len; i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      gint64 value;

      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64 ||
          (value = json_node_get_int (node)) < -128 || value > 255)
        {
          lk_secure_wipe (secret, len);
          g_free (secret);
          return NULL;
        }
      secret[i] = (guint8) (value & 0xff);
    }
  return lk_secure_bytes_new_take (secret, len);
}

static LkImportEntry *
read_entry (JsonNode *node,
            guint     position)
{
  g_autofree char *fallback = g_strdup_printf (_("entry %u"), position);
  g_autoptr(LkImportEntry) entry = lk_import_entry_new (fallback);
  g_autoptr(LkOtpauth) token = NULL;
  g_autofree char *label = NULL;
  g_autofree char *issuer_field = NULL;
  g_autofree char *issuer = NULL;
  g_autofree char *account = NULL;
  JsonObject *object;
  JsonArray *secret;
  const char *type;
  gint64 digits, period, counter;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      lk_import_entry_refuse (entry, _("The entry is not a JSON object."));
      return g_steal_pointer (&entry);
    }
  object = json_node_get_object (node);

  label = lk_import_dup_text (lk_import_json_get_string (object, "label"), LK_IMPORT_MAX_TEXT_SIZE, FALSE);
  /* issuerAlt is a name the user gave the token; issuerExt the URI's
   * issuer parameter; issuerInt the label's prefix. The user's choice wins. */
  issuer_field = lk_import_dup_text (lk_import_json_get_string (object, "issuerAlt"), LK_IMPORT_MAX_TEXT_SIZE, TRUE);
  if (issuer_field == NULL)
    issuer_field = lk_import_dup_text (lk_import_json_get_string (object, "issuerExt"), LK_IMPORT_MAX_TEXT_SIZE, TRUE);
  if (issuer_field == NULL)
    issuer_field = lk_import_dup_text (lk_import_json_get_string (object, "issuerInt"), LK_IMPORT_MAX_TEXT_SIZE, TRUE);
  lk_import_split_name (label, issuer_field, &issuer, &account);
  g_free (entry->name);
  entry->name = issuer != NULL ? g_strdup_printf ("%s:%s", issuer, account) : g_strdup (account);

  token = lk_otpauth_new ();
  type = lk_import_json_get_string (object, "type");
  if (type == NULL || g_ascii_strcasecmp (type, "TOTP") == 0)
    token->type = LK_OTPAUTH_TOTP;
  else if (g_ascii_strcasecmp (type, "HOTP") == 0)
    token->type = LK_OTPAUTH_HOTP;
  else
    {
      g_autofree char *shown = lk_import_dup_text (type, 32, TRUE);

      lk_import_entry_refuse (entry, _("The token type “%s” is not supported."), shown != NULL ? shown : "?");
      return g_steal_pointer (&entry);
    }
  if (!lk_import_parse_algorithm (entry, lk_import_json_get_string (object, "algo"), &token->algorithm))
    return g_steal_pointer (&entry);
  if (!lk_import_json_get_int (object, "digits", 6, &digits) ||
      !lk_import_json_get_int (object, "period", 30, &period) ||
      !lk_import_json_get_int (object, "counter", 0, &counter) ||
      digits < 0 || digits > 100 || period < 0 || period > G_MAXINT || counter < 0 || counter == G_MAXINT64)
    {
      lk_import_entry_refuse (entry, _("The entry's digits, period or counter is not a valid number."));
      return g_steal_pointer (&entry);
    }
  token->digits = (guint) digits;
  token->period = (guint) period;
  /* FreeOTP+ increments its counter before computing a code, so the stored
   * value is the counter of the code last shown. */
  token->counter = token->type == LK_OTPAUTH_HOTP ? (guint64) counter + 1 : 0;

  secret = lk_import_json_get_array (object, "secret");
  g_clear_pointer (&token->secret, g_bytes_unref);
  if (secret == NULL || (token->secret = read_secret (secret)) == NULL)
    {
      lk_import_entry_refuse (entry, _("The entry has no usable secret (it must be a list of byte values)."));
      return g_steal_pointer (&entry);
    }
  g_free (token->issuer);
  token->issuer = g_steal_pointer (&issuer);
  g_free (token->account);
  token->account = g_steal_pointer (&account);
  lk_import_entry_take_token (entry, g_steal_pointer (&token));
  return g_steal_pointer (&entry);
}

GPtrArray *
lk_import_freeotp_parse (const guint8 *data,
                         gsize         len,
                         GError      **error)
{
  g_autoptr(LkImportJson) root = lk_import_json_parse (data, len, _("FreeOTP+ export"), error);
  g_autoptr(GPtrArray) entries = NULL;
  JsonArray *tokens;

  if (root == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (root) ||
      (tokens = lk_import_json_get_array (json_node_get_object (root), "tokens")) == NULL)
    {
      g_set_error_literal (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_CORRUPT,
                           _("The FreeOTP+ export has no list of tokens."));
      return NULL;
    }
  if (json_array_get_length (tokens) > LK_IMPORT_MAX_ENTRIES)
    {
      g_set_error (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_TOO_LARGE,
                   _("The export holds more than %u tokens."), LK_IMPORT_MAX_ENTRIES);
      return NULL;
    }
  entries = lk_import_entries_new ();
  for (guint i = 0; i < json_array_get_length (tokens); i++)
    g_ptr_array_add (entries, read_entry (json_array_get_element (tokens, i), i + 1));
  return g_steal_pointer (&entries);
}
