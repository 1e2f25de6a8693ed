/* SPDX-License-Identifier: GPL-3.0-or-later
 * Checks for the enrol and add-device forms, kept free of GTK so they test fast. */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "lk-admin-error.h"
#include "lk-admin-validate.h"
#include "lk-secure.h"

static gboolean
is_empty (const char *text)
{
  return text == NULL || text[0] == '\0';
}

/* Rejects text that is not UTF-8, longer than @max characters, or holds
 * control characters (a pasted tab or newline would end up in the record). */
static char *
check_plain_text (const char *text,
                  guint       max,
                  const char *too_long)
{
  if (!g_utf8_validate (text, -1, NULL))
    return g_strdup (_("Contains bytes that are not valid UTF-8"));
  if (g_utf8_strlen (text, -1) > max)
    return g_strdup (too_long);
  for (const char *p = text; *p; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      return g_strdup (_("Contains a control character such as a tab or a line break"));
  return NULL;
}

char *
lk_admin_check_login (const char *text)
{
  if (is_empty (text))
    return g_strdup (_("A login name is required"));
  if (strlen (text) > LK_ADMIN_LOGIN_MAX)
    return g_strdup_printf (_("A login name has at most %d characters"), LK_ADMIN_LOGIN_MAX);
  for (const char *p = text; *p; p++)
    {
      if (g_ascii_isalnum (*p) || strchr ("._-@+", *p) != NULL)
        continue;
      if (*p == ' ')
        return g_strdup (_("A login name cannot contain spaces"));
      return g_strdup (_("A login name may only contain letters, digits and . _ - @ +"));
    }
  return NULL;
}

char *
lk_admin_check_name (const char *text)
{
  g_autofree char *too_long = NULL;

  if (is_empty (text))
    return NULL;
  too_long = g_strdup_printf (_("A name has at most %d characters"), LK_ADMIN_NAME_MAX);
  return check_plain_text (text, LK_ADMIN_NAME_MAX, too_long);
}

char *
lk_admin_check_email (const char *text,
                      gboolean    required)
{
  const char *at;
  const char *domain;
  const char *dot;

  if (is_empty (text))
    return required ? g_strdup (_("An email address is required")) : NULL;
  if (strlen (text) > LK_ADMIN_EMAIL_MAX)
    return g_strdup_printf (_("An email address has at most %d characters"), LK_ADMIN_EMAIL_MAX);
  for (const char *p = text; *p; p++)
    if (g_ascii_isspace (*p) || g_ascii_iscntrl (*p))
      return g_strdup (_("An email address cannot contain spaces"));
  at = strchr (text, '@');
  if (at == NULL || at == text)
    return g_strdup (_("An email address looks like name@example.com"));
  if (strchr (at + 1, '@') != NULL)
    return g_strdup (_("An email address has only one “@”"));
  domain = at + 1;
  dot = strrchr (domain, '.');
  if (dot == NULL || dot == domain || dot[1] == '\0' || domain[0] == '.' || strstr (domain, "..") != NULL)
    return g_strdup (_("The part after “@” must be a domain such as example.com"));
  if (!g_utf8_validate (text, -1, NULL))
    return g_strdup (_("Contains bytes that are not valid UTF-8"));
  return NULL;
}

char *
lk_admin_check_phone (const char *text,
                      gboolean    required)
{
  guint digits = 0;

  if (is_empty (text))
    return required ? g_strdup (_("A mobile phone number is required")) : NULL;
  for (const char *p = text; *p; p++)
    {
      if (g_ascii_isdigit (*p))
        digits++;
      else if (*p == '+' && p == text)
        continue;
      else if (strchr (" .-()", *p) == NULL)
        return g_strdup (_("A phone number may only contain digits, a leading “+”, spaces, dots, hyphens and parentheses"));
    }
  if (digits < 7 || digits > 15)
    return g_strdup (_("A phone number has 7 to 15 digits"));
  return NULL;
}

char *
lk_admin_check_serial (const char *text)
{
  if (is_empty (text))
    return NULL;
  if (strlen (text) > LK_ADMIN_SERIAL_MAX)
    return g_strdup_printf (_("A serial number has at most %d characters"), LK_ADMIN_SERIAL_MAX);
  for (const char *p = text; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '_' && *p != '-')
      return g_strdup (_("A serial number may only contain letters, digits, “_” and “-”"));
  return NULL;
}

char *
lk_admin_check_alias (const char *text)
{
  g_autofree char *too_long = NULL;

  if (is_empty (text))
    return NULL;
  too_long = g_strdup_printf (_("An alias has at most %d characters"), LK_ADMIN_ALIAS_MAX);
  return check_plain_text (text, LK_ADMIN_ALIAS_MAX, too_long);
}

char *
lk_admin_check_pin (const char *text)
{
  gsize len;

  if (is_empty (text))
    return NULL;
  len = strlen (text);
  for (const char *p = text; *p; p++)
    if (!g_ascii_isdigit (*p))
      return g_strdup (_("A PIN contains digits only"));
  if (len < 4 || len > 12)
    return g_strdup (_("A PIN has 4 to 12 digits"));
  return NULL;
}

char *
lk_admin_check_otp (const char *text,
                    guint       digits)
{
  gsize len;

  if (is_empty (text))
    return g_strdup (_("Enter the passcode"));
  len = strlen (text);
  for (const char *p = text; *p; p++)
    if (!g_ascii_isdigit (*p))
      return g_strdup (_("A passcode contains digits only"));
  if (digits != 0 && len != digits)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "This device’s passcodes have %u digit",
                                         "This device’s passcodes have %u digits", digits), digits);
  if (digits == 0 && (len < 6 || len > 10))
    return g_strdup (_("A passcode has 6 to 10 digits"));
  return NULL;
}

char *
lk_admin_check_device_id (const char *text)
{
  g_autofree char *too_long = NULL;

  if (is_empty (text))
    return g_strdup (_("A physical device id is required"));
  too_long = g_strdup_printf (_("A device id has at most %d characters"), LK_ADMIN_DEVICE_ID_MAX);
  return check_plain_text (text, LK_ADMIN_DEVICE_ID_MAX, too_long);
}

/* ---- keys ---------------------------------------------------------------- */

static int
base64_value (char c)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '+')
    return 62;
  if (c == '/')
    return 63;
  return -1;
}

static int
hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Decodes into @out (at least strlen(text) bytes) and returns the length, or
 * -1 with a translated message. Never echoes key characters in the message:
 * a key typed into the wrong field must not end up in a log. */
static gssize
decode_key (const char          *text,
            LkAdminKeyEncoding   encoding,
            guint8              *out,
            char               **message)
{
  gsize n = 0;

  if (encoding == LK_ADMIN_KEY_HEX)
    {
      int high = -1;
      guint position = 0;

      for (const char *p = text; *p; p++)
        {
          int v;

          if (g_ascii_isspace (*p))
            continue;
          position++;
          v = hex_value (*p);
          if (v < 0)
            {
              *message = g_strdup_printf (_("Character %u is not a hexadecimal digit (0-9, a-f)"), position);
              return -1;
            }
          if (high < 0)
            high = v;
          else
            {
              out[n++] = (guint8) (high << 4 | v);
              high = -1;
            }
        }
      if (high >= 0)
        {
          *message = g_strdup (_("A hexadecimal key has an even number of digits"));
          return -1;
        }
    }
  else
    {
      guint32 acc = 0;
      guint bits = 0;
      guint position = 0;
      guint padding = 0;
      guint symbols = 0;

      for (const char *p = text; *p; p++)
        {
          int v;

          if (g_ascii_isspace (*p))
            continue;
          position++;
          if (*p == '=')
            {
              padding++;
              continue;
            }
          if (padding > 0)
            {
              *message = g_strdup (_("“=” may only appear at the end of a Base64 key"));
              return -1;
            }
          v = base64_value (*p);
          if (v < 0)
            {
              *message = g_strdup_printf (_("Character %u is not a Base64 character (A-Z, a-z, 0-9, +, /)"), position);
              return -1;
            }
          symbols++;
          acc = (acc << 6) | (guint32) v;
          bits += 6;
          if (bits >= 8)
            {
              bits -= 8;
              out[n++] = (guint8) (acc >> bits);
              acc &= (1u << bits) - 1;
            }
        }
      /* A lone trailing symbol carries less than a byte, and padding must
       * complete the last group of four exactly. */
      if (symbols % 4 == 1 || padding > 2 || (padding > 0 && (symbols + padding) % 4 != 0))
        {
          *message = g_strdup (_("The Base64 key is cut short or badly padded"));
          return -1;
        }
      if (acc != 0)
        {
          *message = g_strdup (_("The Base64 key has stray bits at its end"));
          return -1;
        }
    }

  if (n < LK_ADMIN_KEY_MIN_BYTES || n > LK_ADMIN_KEY_MAX_BYTES)
    {
      *message = g_strdup_printf (_("The key is %u bytes long; it must have %d to %d bytes"),
                                  (guint) n, LK_ADMIN_KEY_MIN_BYTES, LK_ADMIN_KEY_MAX_BYTES);
      return -1;
    }
  return (gssize) n;
}

char *
lk_admin_check_key (const char         *text,
                    LkAdminKeyEncoding  encoding)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) key = NULL;

  key = lk_admin_parse_key (text, encoding, &error);
  if (key == NULL)
    return g_strdup (error->message);
  return NULL;
}

GBytes *
lk_admin_parse_key (const char          *text,
                    LkAdminKeyEncoding   encoding,
                    GError             **error)
{
  g_autofree char *message = NULL;
  guint8 *buf;
  gsize cap;
  gssize n;

  if (is_empty (text))
    {
      g_set_error_literal (error, LK_ADMIN_ERROR, LK_ADMIN_ERROR_INVALID_INPUT,
                           _("Enter the key printed on the token’s data sheet"));
      return NULL;
    }

  cap = strlen (text) + 1;
  buf = g_malloc0 (cap);
  n = decode_key (text, encoding, buf, &message);
  if (n < 0)
    {
      lk_secure_wipe (buf, cap);
      g_free (buf);
      g_set_error_literal (error, LK_ADMIN_ERROR, LK_ADMIN_ERROR_INVALID_INPUT, message);
      return NULL;
    }
  {
    GBytes *bytes = lk_secure_bytes_new (buf, (gsize) n);

    lk_secure_wipe (buf, cap);
    g_free (buf);
    return bytes;
  }
}

char *
lk_admin_key_to_hex (const char          *text,
                     LkAdminKeyEncoding   encoding,
                     GError             **error)
{
  static const char digits[] = "0123456789abcdef";
  g_autoptr(GBytes) key = NULL;
  const guint8 *data;
  gsize len;
  char *hex;

  key = lk_admin_parse_key (text, encoding, error);
  if (key == NULL)
    return NULL;
  data = g_bytes_get_data (key, &len);
  hex = g_malloc (len * 2 + 1);
  for (gsize i = 0; i < len; i++)
    {
      hex[2 * i] = digits[data[i] >> 4];
      hex[2 * i + 1] = digits[data[i] & 0xf];
    }
  hex[len * 2] = '\0';
  return hex;
}
