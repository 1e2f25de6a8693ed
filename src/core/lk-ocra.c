/* SPDX-License-Identifier: GPL-3.0-or-later
 * OCRA (RFC 6287): suite parsing and the challenge-response computation. */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "lk-core-error.h"
#include "lk-ocra.h"
#include "lk-secure.h"

#define QUESTION_BYTES 128  /* Q is always 128 bytes in the message, zero padded */

struct _LkOcraSuite
{
  char    *text;
  LkHash   hash;
  guint    digits;
  gboolean counter;
  char     question_format;   /* 'A', 'N' or 'H' */
  guint    question_length;   /* the xx of QFxx */
  gboolean password;
  LkHash   password_hash;
  guint    session_length;    /* nnn of Snnn, 0 when absent */
  guint    timestep;          /* seconds, 0 when absent */
};

void
lk_ocra_suite_free (LkOcraSuite *suite)
{
  if (suite == NULL)
    return;
  g_free (suite->text);
  g_free (suite);
}

/* The hash names as RFC 6287 spells them; the suite text is hashed into
 * every message, so no other spelling can work. */
static gboolean
parse_hash (const char *name,
            LkHash     *out_hash)
{
  if (g_str_equal (name, "SHA1"))
    *out_hash = LK_HASH_SHA1;
  else if (g_str_equal (name, "SHA256"))
    *out_hash = LK_HASH_SHA256;
  else if (g_str_equal (name, "SHA512"))
    *out_hash = LK_HASH_SHA512;
  else
    return FALSE;
  return TRUE;
}

/* A whole decimal number of 1 to @max_len digits in [@min, @max]. */
static gboolean
parse_number (const char *text,
              gsize       max_len,
              guint       min,
              guint       max,
              guint      *out_value)
{
  gsize len = strlen (text);
  guint value = 0;

  if (len == 0 || len > max_len)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    {
      if (!g_ascii_isdigit (text[i]))
        return FALSE;
      value = value * 10 + (guint) (text[i] - '0');
    }
  if (value < min || value > max)
    return FALSE;
  *out_value = value;
  return TRUE;
}

static gboolean
suite_error (GError    **error,
             const char *suite,
             const char *reason)
{
  g_set_error (error, LK_CORE_ERROR, LK_CORE_ERROR_OCRA,
               _("The OCRA suite “%s” is not valid: %s"), suite, reason);
  return FALSE;
}

static gboolean
parse_crypto_function (LkOcraSuite *self,
                       const char  *text,
                       GError     **error)
{
  g_auto(GStrv) parts = g_strsplit (text, "-", -1);

  if (g_strv_length (parts) != 3 || !g_str_equal (parts[0], "HOTP"))
    return suite_error (error, self->text, _("the function must look like HOTP-SHA1-6"));
  if (!parse_hash (parts[1], &self->hash))
    return suite_error (error, self->text, _("the hash must be SHA1, SHA256 or SHA512"));
  /* RFC 6287 also allows 0 (no truncation), which is no code a person can
   * type and does not fit a code buffer, so it is refused. */
  if (!parse_number (parts[2], 2, 4, 10, &self->digits))
    return suite_error (error, self->text, _("the number of digits must be 4 to 10"));
  return TRUE;
}

static gboolean
parse_data_input (LkOcraSuite *self,
                  const char  *text,
                  GError     **error)
{
  g_auto(GStrv) parts = g_strsplit (text, "-", -1);
  guint i = 0;

  if (parts[i] != NULL && g_str_equal (parts[i], "C"))
    {
      self->counter = TRUE;
      i++;
    }

  /* Q is mandatory: QA, QN or QH and a length of 04 to 64. */
  if (parts[i] == NULL || parts[i][0] != 'Q' || strchr ("ANH", parts[i][1]) == NULL || parts[i][1] == '\0' ||
      strlen (parts[i]) != 4 || !parse_number (parts[i] + 2, 2, 4, 64, &self->question_length))
    return suite_error (error, self->text, _("the data input needs a challenge such as QN08, QA10 or QH40"));
  self->question_format = parts[i][1];
  i++;

  if (parts[i] != NULL && parts[i][0] == 'P')
    {
      if (!parse_hash (parts[i] + 1, &self->password_hash))
        return suite_error (error, self->text, _("the PIN hash must be PSHA1, PSHA256 or PSHA512"));
      self->password = TRUE;
      i++;
    }

  if (parts[i] != NULL && parts[i][0] == 'S')
    {
      if (strlen (parts[i]) != 4 || !parse_number (parts[i] + 1, 3, 1, 512, &self->session_length))
        return suite_error (error, self->text, _("the session length must be three digits, such as S064"));
      i++;
    }

  if (parts[i] != NULL && parts[i][0] == 'T')
    {
      gsize len = strlen (parts[i]);
      g_autofree char *number = NULL;
      guint value, max, unit;

      if (len < 3)
        return suite_error (error, self->text, _("the time step must look like T30S, T1M or T1H"));
      switch (parts[i][len - 1])
        {
        case 'S': max = 59; unit = 1; break;
        case 'M': max = 59; unit = 60; break;
        case 'H': max = 48; unit = 3600; break;
        default:
          return suite_error (error, self->text, _("the time step must look like T30S, T1M or T1H"));
        }
      number = g_strndup (parts[i] + 1, len - 2);
      if (!parse_number (number, 2, 1, max, &value))
        return suite_error (error, self->text, _("the time step is out of range (1–59 S, 1–59 M, 1–48 H)"));
      self->timestep = value * unit;
      i++;
    }

  if (parts[i] != NULL)
    return suite_error (error, self->text, _("the data input must be [C-]Q…[-P…][-S…][-T…] in that order"));
  return TRUE;
}

LkOcraSuite *
lk_ocra_suite_parse (const char  *suite,
                     GError     **error)
{
  g_autoptr(LkOcraSuite) self = NULL;
  g_auto(GStrv) parts = NULL;

  g_return_val_if_fail (suite != NULL, NULL);

  self = g_new0 (LkOcraSuite, 1);
  self->text = g_strdup (suite);

  parts = g_strsplit (suite, ":", -1);
  if (g_strv_length (parts) != 3 || !g_str_equal (parts[0], "OCRA-1"))
    {
      suite_error (error, suite, _("it must have three parts, such as OCRA-1:HOTP-SHA1-6:QN08"));
      return NULL;
    }
  if (!parse_crypto_function (self, parts[1], error) ||
      !parse_data_input (self, parts[2], error))
    return NULL;
  return g_steal_pointer (&self);
}

const char *
lk_ocra_suite_to_string (const LkOcraSuite *suite)
{
  return suite->text;
}

gboolean
lk_ocra_suite_uses_counter (const LkOcraSuite *suite)
{
  return suite->counter;
}

gboolean
lk_ocra_suite_uses_password (const LkOcraSuite *suite)
{
  return suite->password;
}

gboolean
lk_ocra_suite_uses_timestamp (const LkOcraSuite *suite)
{
  return suite->timestep != 0;
}

guint
lk_ocra_suite_get_timestep (const LkOcraSuite *suite)
{
  return suite->timestep;
}

LkHash
lk_ocra_suite_get_hash (const LkOcraSuite *suite)
{
  return suite->hash;
}

guint
lk_ocra_suite_get_digits (const LkOcraSuite *suite)
{
  return suite->digits;
}

char
lk_ocra_suite_get_question_format (const LkOcraSuite *suite)
{
  return suite->question_format;
}

guint
lk_ocra_suite_get_session_length (const LkOcraSuite *suite)
{
  return suite->session_length;
}

/* Writes @n hex nibbles left-aligned into @out, the way RFC 6287's
 * reference code pads a hex string with zeros on the right. */
static void
put_nibbles (const guint8 *nibbles,
             gsize         n,
             guint8       *out)
{
  for (gsize i = 0; i < n; i++)
    out[i / 2] |= (guint8) (i % 2 == 0 ? nibbles[i] << 4 : nibbles[i]);
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

/* QN: the decimal number written in hex (most significant nibble first),
 * left-aligned. Long division by 16 on the decimal digits, since a
 * challenge may be longer than any machine integer. */
static gboolean
encode_numeric (const char *question,
                guint8     *out)
{
  gsize len = strlen (question);
  g_autofree guint8 *decimal = NULL;
  guint8 nibbles[QUESTION_BYTES * 2];
  gsize n = 0, start = 0;

  if (len == 0 || len > 256)
    return FALSE;
  decimal = g_malloc (len);
  for (gsize i = 0; i < len; i++)
    {
      if (!g_ascii_isdigit (question[i]))
        return FALSE;
      decimal[i] = (guint8) (question[i] - '0');
    }

  while (start < len)
    {
      guint remainder = 0;

      for (gsize i = start; i < len; i++)
        {
          guint current = remainder * 10 + decimal[i];

          decimal[i] = (guint8) (current / 16);
          remainder = current % 16;
        }
      nibbles[n++] = (guint8) remainder;  /* 256 decimal digits need < 256 nibbles */
      while (start < len && decimal[start] == 0)
        start++;
    }
  if (n == 0)
    nibbles[n++] = 0;  /* zero is written "0" */
  for (gsize i = 0; i < n / 2; i++)
    {
      guint8 t = nibbles[i];

      nibbles[i] = nibbles[n - 1 - i];
      nibbles[n - 1 - i] = t;
    }
  put_nibbles (nibbles, n, out);
  return TRUE;
}

static gboolean
encode_hex (const char *question,
            guint8     *out)
{
  gsize len = strlen (question);
  guint8 nibbles[QUESTION_BYTES * 2];

  if (len == 0 || len > QUESTION_BYTES * 2)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    {
      int v = hex_value (question[i]);

      if (v < 0)
        return FALSE;
      nibbles[i] = (guint8) v;
    }
  put_nibbles (nibbles, len, out);
  return TRUE;
}

static gboolean
encode_alphanumeric (const char *question,
                     guint8     *out)
{
  gsize len = strlen (question);

  if (len == 0 || len > QUESTION_BYTES)
    return FALSE;
  memcpy (out, question, len);
  return TRUE;
}

static void
put_uint64 (guint64  value,
            guint8  *out)
{
  for (int i = 7; i >= 0; i--)
    {
      out[i] = (guint8) (value & 0xff);
      value >>= 8;
    }
}

gboolean
lk_ocra_compute (const LkOcraSuite  *suite,
                 const guint8       *key,
                 gsize               key_len,
                 const LkOcraInput  *input,
                 char               *response,
                 GError            **error)
{
  g_autoptr(LkOtpKey) otp_key = NULL;
  gsize suite_len, message_len, pos = 0;
  g_autofree guint8 *message = NULL;
  guint8 digest[LK_HASH_MAX_DIGEST_SIZE];
  gsize digest_len;
  gboolean ok = FALSE;

  g_return_val_if_fail (suite != NULL && input != NULL && response != NULL, FALSE);

  suite_len = strlen (suite->text);
  message_len = suite_len + 1 + (suite->counter ? 8 : 0) + QUESTION_BYTES +
                (suite->password ? lk_hash_digest_size (suite->password_hash) : 0) +
                suite->session_length + (suite->timestep ? 8 : 0);
  message = g_malloc0 (message_len);

  /* The suite text and a 0x00 separator. */
  memcpy (message, suite->text, suite_len);
  pos = suite_len + 1;

  if (suite->counter)
    {
      put_uint64 (input->counter, message + pos);
      pos += 8;
    }

  {
    gboolean encoded = FALSE;

    if (input->question != NULL)
      {
        switch (suite->question_format)
          {
          case 'N': encoded = encode_numeric (input->question, message + pos); break;
          case 'H': encoded = encode_hex (input->question, message + pos); break;
          case 'A': encoded = encode_alphanumeric (input->question, message + pos); break;
          default: g_assert_not_reached ();
          }
      }
    if (!encoded)
      {
        g_set_error (error, LK_CORE_ERROR, LK_CORE_ERROR_OCRA,
                     suite->question_format == 'N'
                       ? _("The OCRA challenge must be 1 to 256 decimal digits")
                       : suite->question_format == 'H'
                         ? _("The OCRA challenge must be 1 to 256 hexadecimal digits")
                         : _("The OCRA challenge must be 1 to 128 characters"));
        goto out;
      }
    pos += QUESTION_BYTES;
  }

  if (suite->password)
    {
      gsize hash_len = lk_hash_digest_size (suite->password_hash);

      if (input->password_hash == NULL || input->password_hash_len != hash_len)
        {
          g_set_error (error, LK_CORE_ERROR, LK_CORE_ERROR_OCRA,
                       _("The OCRA suite needs a %s hash of the PIN (%" G_GSIZE_FORMAT " bytes)"),
                       lk_hash_to_string (suite->password_hash), hash_len);
          goto out;
        }
      memcpy (message + pos, input->password_hash, hash_len);
      pos += hash_len;
    }

  if (suite->session_length > 0)
    {
      /* As in RFC 6287's reference code: the session information is a hex
       * string, right-aligned (zero padded on the left) in nnn bytes. */
      const char *session = input->session != NULL ? input->session : "";
      gsize len = strlen (session);
      gsize width = (gsize) suite->session_length * 2;
      g_autofree guint8 *nibbles = g_malloc0 (width);

      if (len > width)
        {
          g_set_error (error, LK_CORE_ERROR, LK_CORE_ERROR_OCRA,
                       _("The OCRA session information must be at most %" G_GSIZE_FORMAT " hexadecimal digits"),
                       width);
          goto out;
        }
      for (gsize i = 0; i < len; i++)
        {
          int v = hex_value (session[i]);

          if (v < 0)
            {
              g_set_error_literal (error, LK_CORE_ERROR, LK_CORE_ERROR_OCRA,
                                   _("The OCRA session information must be hexadecimal digits"));
              goto out;
            }
          nibbles[width - len + i] = (guint8) v;
        }
      put_nibbles (nibbles, width, message + pos);
      pos += suite->session_length;
    }

  if (suite->timestep)
    {
      put_uint64 (input->timestamp, message + pos);
      pos += 8;
    }
  g_assert (pos == message_len);

  otp_key = lk_otp_key_new (suite->hash, key, key_len, error);
  if (otp_key == NULL)
    goto out;
  digest_len = lk_otp_key_hmac (otp_key, message, message_len, digest);
  lk_otp_format_code (lk_otp_truncate (digest, digest_len), suite->digits, response);
  lk_secure_wipe (digest, sizeof digest);
  ok = TRUE;

out:
  /* The message holds the PIN hash. */
  lk_secure_wipe (message, message_len);
  return ok;
}
