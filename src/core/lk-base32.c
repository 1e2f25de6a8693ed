/* SPDX-License-Identifier: GPL-3.0-or-later
 * Base32 (RFC 4648, section 6), decoded leniently the way people type seeds. */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "lk-base32.h"
#include "lk-core-error.h"
#include "lk-secure.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/* The value of a Base32 character, or -1. Lower case is accepted because
 * seeds are often shown in lower case by services. */
static int
base32_value (char c)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a';
  if (c >= '2' && c <= '7')
    return c - '2' + 26;
  return -1;
}

/* Names the character at @p for an error message: the UTF-8 character
 * when it is one, its byte value otherwise, so the message stays valid UTF-8. */
static char *
describe_char (const char *p)
{
  gunichar c = g_utf8_get_char_validated (p, -1);

  if (c == (gunichar) -1 || c == (gunichar) -2)
    return g_strdup_printf (_("byte 0x%02X"), (guint) (guchar) *p);
  if (c < 0x20 || c == 0x7f)
    return g_strdup_printf (_("control character U+%04X"), (guint) c);
  {
    char utf8[8] = { 0 };

    g_unichar_to_utf8 (c, utf8);
    return g_strdup_printf ("“%s”", utf8);
  }
}

/* Advances one character; invalid UTF-8 counts as one character per byte. */
static const char *
next_char (const char *p)
{
  gunichar c = g_utf8_get_char_validated (p, -1);

  if (c == (gunichar) -1 || c == (gunichar) -2)
    return p + 1;
  return g_utf8_next_char (p);
}

GBytes *
lk_base32_decode (const char  *text,
                  GError     **error)
{
  g_autofree guint8 *out = NULL;
  gsize out_len = 0, n_symbols = 0, position = 0, capacity;
  guint64 buffer = 0;
  guint bits = 0;
  gboolean in_padding = FALSE;

  g_return_val_if_fail (text != NULL, NULL);

  capacity = strlen (text) * 5 / 8 + 1;
  out = g_malloc (capacity);

  for (const char *p = text; *p != '\0'; p = next_char (p))
    {
      int value;

      position++;
      if (*p == ' ' || *p == '-')
        continue;
      if (*p == '=')
        {
          in_padding = TRUE;
          continue;
        }
      value = base32_value (*p);
      if (value < 0 || in_padding)
        {
          g_autofree char *what = describe_char (p);

          lk_secure_wipe (out, capacity);
          if (value < 0)
            g_set_error (error, LK_CORE_ERROR, LK_CORE_ERROR_BASE32,
                         _("The secret contains %s at position %" G_GSIZE_FORMAT
                           ", which is not a Base32 character (only A–Z and 2–7 are)"),
                         what, position);
          else
            g_set_error (error, LK_CORE_ERROR, LK_CORE_ERROR_BASE32,
                         _("The secret contains %s at position %" G_GSIZE_FORMAT
                           " after the “=” padding, where only the end may follow"),
                         what, position);
          buffer = 0;
          return NULL;
        }
      n_symbols++;
      buffer = (buffer << 5) | (guint64) value;
      bits += 5;
      if (bits >= 8)
        {
          bits -= 8;
          out[out_len++] = (guint8) (buffer >> bits);
          buffer &= (G_GUINT64_CONSTANT (1) << bits) - 1;
        }
    }
  buffer = 0;

  /* 1, 3 or 6 symbols past a multiple of 8 cannot come from whole bytes:
   * a character was left out or added. */
  switch (n_symbols % 8)
    {
    case 1:
    case 3:
    case 6:
      lk_secure_wipe (out, capacity);
      g_set_error (error, LK_CORE_ERROR, LK_CORE_ERROR_BASE32,
                   _("The secret has %" G_GSIZE_FORMAT " Base32 characters, a length no key can have; "
                     "a character is probably missing or extra"),
                   n_symbols);
      return NULL;
    default:
      break;
    }

  return lk_secure_bytes_new_take (g_steal_pointer (&out), out_len);
}

char *
lk_base32_encode (const guint8 *data,
                  gsize         len)
{
  char *out;
  gsize o = 0;
  guint64 buffer = 0;
  guint bits = 0;

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  out = g_malloc ((len * 8 + 4) / 5 + 1);
  for (gsize i = 0; i < len; i++)
    {
      buffer = (buffer << 8) | data[i];
      bits += 8;
      while (bits >= 5)
        {
          bits -= 5;
          out[o++] = alphabet[(buffer >> bits) & 0x1f];
        }
      buffer &= (G_GUINT64_CONSTANT (1) << bits) - 1;
    }
  if (bits > 0)
    out[o++] = alphabet[(buffer << (5 - bits)) & 0x1f];
  out[o] = '\0';
  buffer = 0;
  return out;
}
