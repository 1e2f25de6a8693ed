/* SPDX-License-Identifier: GPL-3.0-or-later
 * LkWalletToken: one token with its metadata, and the text its Secret Service item holds. */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "lk-secure.h"
#include "lk-wallet-private.h"

#define LK_WALLET_SECRET_MAGIC "latchkey-token 1"

G_DEFINE_BOXED_TYPE (LkWalletToken, lk_wallet_token, lk_wallet_token_copy, lk_wallet_token_free)

static char *
lk_wallet_new_id (void)
{
  /* Ids only need to be unique, not secret: a random UUID without dashes. */
  g_autofree char *uuid = g_uuid_string_random ();
  GString *id = g_string_new ("tok-");

  for (const char *p = uuid; *p != '\0'; p++)
    if (*p != '-')
      g_string_append_c (id, *p);

  return g_string_free (id, FALSE);
}

LkWalletToken *
lk_wallet_token_new (const LkOtpauth *otpauth)
{
  LkWalletToken *token;

  g_return_val_if_fail (otpauth != NULL, NULL);

  token = g_new0 (LkWalletToken, 1);
  token->id = lk_wallet_new_id ();
  token->otpauth = lk_otpauth_copy (otpauth);

  return token;
}

LkWalletToken *
lk_wallet_token_copy (const LkWalletToken *token)
{
  LkWalletToken *copy;

  g_return_val_if_fail (token != NULL, NULL);

  copy = g_new0 (LkWalletToken, 1);
  copy->id = g_strdup (token->id);
  copy->otpauth = token->otpauth != NULL ? lk_otpauth_copy (token->otpauth) : NULL;
  copy->note = g_strdup (token->note);
  copy->group = g_strdup (token->group);
  copy->icon = token->icon != NULL ? g_bytes_ref (token->icon) : NULL;
  copy->icon_mime = g_strdup (token->icon_mime);
  copy->created = token->created;

  return copy;
}

void
lk_wallet_token_free (LkWalletToken *token)
{
  if (token == NULL)
    return;

  g_free (token->id);
  g_clear_pointer (&token->otpauth, lk_otpauth_free);
  g_free (token->note);
  g_free (token->group);
  g_clear_pointer (&token->icon, g_bytes_unref);
  g_free (token->icon_mime);
  g_free (token);
}

char *
lk_wallet_token_dup_name (const LkWalletToken *token)
{
  const char *issuer;

  g_return_val_if_fail (token != NULL && token->otpauth != NULL, NULL);

  issuer = token->otpauth->issuer;
  if (issuer != NULL && *issuer != '\0')
    return g_strdup_printf ("%s:%s", issuer, token->otpauth->account);

  return g_strdup (token->otpauth->account);
}

static gboolean
lk_utf8_equal_nocase (const char *a,
                      const char *b)
{
  g_autofree char *fa = g_utf8_casefold (a, -1);
  g_autofree char *fb = g_utf8_casefold (b, -1);

  return g_strcmp0 (fa, fb) == 0;
}

gboolean
lk_wallet_token_matches (const LkWalletToken *token,
                         const char          *name)
{
  g_autofree char *full = NULL;

  g_return_val_if_fail (token != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  if (!g_utf8_validate (name, -1, NULL))
    return FALSE;

  if (g_strcmp0 (token->id, name) == 0)
    return TRUE;

  full = lk_wallet_token_dup_name (token);
  return lk_utf8_equal_nocase (full, name);
}

gboolean
lk_wallet_token_compute (const LkWalletToken *token,
                         gint64               unix_time,
                         char                *code,
                         guint               *seconds_left,
                         GError             **error)
{
  g_return_val_if_fail (token != NULL && token->otpauth != NULL, FALSE);
  g_return_val_if_fail (code != NULL, FALSE);

  if (!lk_otpauth_generate (token->otpauth, unix_time, code, error))
    return FALSE;

  if (seconds_left != NULL)
    {
      guint period = token->otpauth->period > 0 ? token->otpauth->period : 30;

      if (token->otpauth->type == LK_OTPAUTH_HOTP)
        *seconds_left = 0;
      else
        *seconds_left = period - (guint) (((unix_time % period) + period) % period);
    }

  return TRUE;
}

/* Appends "key=value\n" with @value percent-escaped so a newline in a note
 * cannot start a new key. */
static void
append_escaped (GString    *out,
                const char *key,
                const char *value)
{
  g_autofree char *escaped = NULL;

  if (value == NULL)
    return;

  escaped = g_uri_escape_string (value, NULL, TRUE);
  g_string_append_printf (out, "%s=%s\n", key, escaped);
}

char *
lk_wallet_token_serialize (const LkWalletToken *token)
{
  g_autofree char *icon64 = NULL;
  char *uri;
  GString *out;
  gsize size;

  g_return_val_if_fail (token != NULL && token->otpauth != NULL && token->id != NULL, NULL);

  uri = lk_otpauth_format (token->otpauth);
  if (token->icon != NULL)
    icon64 = g_base64_encode (g_bytes_get_data (token->icon, NULL), g_bytes_get_size (token->icon));

  /* Sized up front so the buffer holding the URI is never reallocated,
   * which would leave an unwiped copy of the seed in freed memory. */
  size = strlen (uri) + 256
         + (token->note != NULL ? strlen (token->note) * 3 : 0)
         + (token->group != NULL ? strlen (token->group) * 3 : 0)
         + (token->icon_mime != NULL ? strlen (token->icon_mime) * 3 : 0)
         + (icon64 != NULL ? strlen (icon64) : 0)
         + strlen (token->id);
  out = g_string_sized_new (size);

  g_string_append (out, LK_WALLET_SECRET_MAGIC "\n");
  g_string_append_printf (out, "id=%s\n", token->id);
  g_string_append_printf (out, "created=%" G_GINT64_FORMAT "\n", token->created);
  g_string_append (out, "uri=");
  g_string_append (out, uri);
  g_string_append_c (out, '\n');
  append_escaped (out, "note", token->note);
  append_escaped (out, "group", token->group);
  append_escaped (out, "icon-type", token->icon_mime);
  if (icon64 != NULL)
    g_string_append_printf (out, "icon=%s\n", icon64);

  g_assert (out->len < size);
  lk_secure_str_free (uri);

  return g_string_free (out, FALSE);
}

static char *
unescape_value (const char *value,
                gsize       len)
{
  g_autofree char *raw = g_strndup (value, len);

  return g_uri_unescape_string (raw, NULL);
}

LkWalletToken *
lk_wallet_token_deserialize (const char  *text,
                             GError     **error)
{
  g_autoptr(LkWalletToken) token = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *line;
  gboolean have_uri = FALSE;

  g_return_val_if_fail (text != NULL, NULL);

  if (!g_str_has_prefix (text, LK_WALLET_SECRET_MAGIC "\n"))
    {
      g_set_error_literal (error, LK_WALLET_ERROR, LK_WALLET_ERROR_CORRUPT,
                           _("The keyring item is not a Latchkey token in a format this version reads."));
      return NULL;
    }

  token = g_new0 (LkWalletToken, 1);
  line = text + strlen (LK_WALLET_SECRET_MAGIC "\n");

  while (*line != '\0')
    {
      const char *end = strchr (line, '\n');
      const char *eq;
      gsize line_len = end != NULL ? (gsize) (end - line) : strlen (line);
      gsize key_len;
      const char *value;
      gsize value_len;

      eq = memchr (line, '=', line_len);
      if (eq == NULL)
        goto corrupt;

      key_len = (gsize) (eq - line);
      value = eq + 1;
      value_len = line_len - key_len - 1;

#define KEY_IS(k) (key_len == strlen (k) && memcmp (line, k, key_len) == 0)
      if (KEY_IS ("id"))
        {
          g_free (token->id);
          token->id = g_strndup (value, value_len);
        }
      else if (KEY_IS ("created"))
        {
          g_autofree char *number = g_strndup (value, value_len);

          token->created = g_ascii_strtoll (number, NULL, 10);
        }
      else if (KEY_IS ("uri"))
        {
          /* The only copy of the seed in this function: wiped at once. */
          char *uri = g_malloc (value_len + 1);

          memcpy (uri, value, value_len);
          uri[value_len] = '\0';
          g_clear_pointer (&token->otpauth, lk_otpauth_free);
          token->otpauth = lk_otpauth_parse (uri, &local_error);
          lk_secure_str_free (uri);
          if (token->otpauth == NULL)
            {
              g_set_error (error, LK_WALLET_ERROR, LK_WALLET_ERROR_CORRUPT,
                           _("The keyring item holds a token that cannot be read: %s"),
                           local_error->message);
              return NULL;
            }
          have_uri = TRUE;
        }
      else if (KEY_IS ("note"))
        {
          g_free (token->note);
          token->note = unescape_value (value, value_len);
        }
      else if (KEY_IS ("group"))
        {
          g_free (token->group);
          token->group = unescape_value (value, value_len);
        }
      else if (KEY_IS ("icon-type"))
        {
          g_free (token->icon_mime);
          token->icon_mime = unescape_value (value, value_len);
        }
      else if (KEY_IS ("icon"))
        {
          g_autofree char *b64 = g_strndup (value, value_len);
          gsize icon_len = 0;
          guchar *icon = g_base64_decode (b64, &icon_len);

          g_clear_pointer (&token->icon, g_bytes_unref);
          token->icon = g_bytes_new_take (icon, icon_len);
        }
      /* Unknown keys come from a newer version: ignored, not fatal. */
#undef KEY_IS

      line = end != NULL ? end + 1 : line + line_len;
    }

  if (!have_uri || token->id == NULL || *token->id == '\0')
    goto corrupt;

  return g_steal_pointer (&token);

corrupt:
  g_set_error_literal (error, LK_WALLET_ERROR, LK_WALLET_ERROR_CORRUPT,
                       _("The keyring item is damaged: a line of its token data cannot be read."));
  return NULL;
}
