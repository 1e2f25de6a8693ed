/* SPDX-License-Identifier: GPL-3.0-or-later
 * otpauth:// Key URIs: parsing with helpdesk-readable errors, canonical formatting, codes. */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "lk-base32.h"
#include "lk-core-error.h"
#include "lk-otpauth.h"
#include "lk-secure.h"

/* Longer links come from no authenticator; refusing them bounds the work. */
#define MAX_URI_LENGTH 8192

#define STEAM_DIGITS 5
#define STEAM_PERIOD 30
static const char steam_alphabet[] = "23456789BCDFGHJKMNPQRTVWXY";

const char *
lk_otpauth_type_to_string (LkOtpauthType type)
{
  switch (type)
    {
    case LK_OTPAUTH_TOTP: return "totp";
    case LK_OTPAUTH_HOTP: return "hotp";
    case LK_OTPAUTH_STEAM: return "steam";
    default: return NULL;
    }
}

gboolean
lk_otpauth_type_from_string (const char    *name,
                             LkOtpauthType *out_type)
{
  for (LkOtpauthType t = LK_OTPAUTH_TOTP; t <= LK_OTPAUTH_STEAM; t++)
    if (name != NULL && g_ascii_strcasecmp (name, lk_otpauth_type_to_string (t)) == 0)
      {
        *out_type = t;
        return TRUE;
      }
  return FALSE;
}

LkOtpauth *
lk_otpauth_new (void)
{
  LkOtpauth *self = g_new0 (LkOtpauth, 1);

  self->type = LK_OTPAUTH_TOTP;
  self->account = g_strdup ("");
  self->secret = lk_secure_bytes_new (NULL, 0);
  self->algorithm = LK_HASH_SHA1;
  self->digits = 6;
  self->period = 30;
  return self;
}

void
lk_otpauth_free (LkOtpauth *uri)
{
  if (uri == NULL)
    return;
  g_free (uri->issuer);
  g_free (uri->account);
  g_clear_pointer (&uri->secret, g_bytes_unref);
  g_free (uri);
}

LkOtpauth *
lk_otpauth_copy (const LkOtpauth *uri)
{
  LkOtpauth *copy = g_new0 (LkOtpauth, 1);

  *copy = *uri;
  copy->issuer = g_strdup (uri->issuer);
  copy->account = g_strdup (uri->account);
  copy->secret = uri->secret != NULL ? g_bytes_ref (uri->secret) : NULL;
  return copy;
}

/* A value from the link, shortened and made valid UTF-8 so an error
 * message can quote it. Never used on the secret. */
static char *
quote_value (const char *value,
             gssize      len)
{
  g_autofree char *valid = g_utf8_make_valid (value, len);

  /* Control characters (a newline, a tab) would break the one-line message. */
  for (char *p = valid; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      *p = '?';
  if (g_utf8_strlen (valid, -1) > 24)
    {
      g_autofree char *head = g_utf8_substring (valid, 0, 24);

      return g_strconcat (head, "…", NULL);
    }
  return g_steal_pointer (&valid);
}

static int
hex_digit (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Decodes %XX escapes in @len bytes at @text. '+' stays a plus: otpauth
 * URIs are not HTML form data, and a '+' in an issuer ("AT+T") is real.
 * @what names the part for the error message. */
static char *
percent_decode (const char  *text,
                gsize        len,
                const char  *what,
                gboolean     need_utf8,
                GError     **error)
{
  GString *out = g_string_sized_new (len + 1);

  for (gsize i = 0; i < len; i++)
    {
      if (text[i] != '%')
        {
          if (text[i] == '\0')
            break;
          g_string_append_c (out, text[i]);
          continue;
        }
      {
        int hi = i + 1 < len ? hex_digit (text[i + 1]) : -1;
        int lo = i + 2 < len ? hex_digit (text[i + 2]) : -1;

        if (hi < 0 || lo < 0)
          {
            g_set_error (error, LK_CORE_ERROR, LK_CORE_ERROR_URI,
                         _("The %s has a broken %%-escape (a %% must be followed by two hexadecimal digits)"),
                         what);
            lk_secure_wipe (out->str, out->len);
            g_string_free (out, TRUE);
            return NULL;
          }
        if (hi == 0 && lo == 0)
          {
            g_set_error (error, LK_CORE_ERROR, LK_CORE_ERROR_URI,
                         _("The %s contains an encoded NUL character (%%00)"), what);
            lk_secure_wipe (out->str, out->len);
            g_string_free (out, TRUE);
            return NULL;
          }
        g_string_append_c (out, (char) (hi << 4 | lo));
        i += 2;
      }
    }

  if (need_utf8 && !g_utf8_validate (out->str, out->len, NULL))
    {
      g_set_error (error, LK_CORE_ERROR, LK_CORE_ERROR_URI,
                   _("The %s is not valid UTF-8 text"), what);
      g_string_free (out, TRUE);
      return NULL;
    }
  return g_string_free (out, FALSE);
}

static gboolean
parse_uint (const char *text,
            guint64     max,
            guint64    *out_value)
{
  guint64 value = 0;

  if (text == NULL || text[0] == '\0')
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    {
      guint digit;

      if (!g_ascii_isdigit (*p))
        return FALSE;
      digit = (guint) (*p - '0');
      if (value > (max - digit) / 10)
        return FALSE;
      value = value * 10 + digit;
    }
  *out_value = value;
  return TRUE;
}

static gboolean
uri_error (GError    **error,
           const char *format,
           ...) G_GNUC_PRINTF (2, 3);

static gboolean
uri_error (GError    **error,
           const char *format,
           ...)
{
  va_list args;

  va_start (args, format);
  if (error != NULL)
    *error = g_error_new_valist (LK_CORE_ERROR, LK_CORE_ERROR_URI, format, args);
  va_end (args);
  return FALSE;
}

enum { P_SECRET, P_ISSUER, P_ALGORITHM, P_DIGITS, P_PERIOD, P_COUNTER, P_ENCODER, N_PARAMS };
static const char *const param_names[N_PARAMS] = {
  "secret", "issuer", "algorithm", "digits", "period", "counter", "encoder",
};

/* Splits the query into the known parameters; others (image, color …,
 * which some services add) are ignored. A known parameter given twice is
 * ambiguous and refused. */
static gboolean
split_query (const char  *query,
             char       **values,
             GError     **error)
{
  g_auto(GStrv) pairs = g_strsplit (query, "&", -1);
  gboolean ok = TRUE;

  for (guint i = 0; ok && pairs[i] != NULL; i++)
    {
      const char *pair = pairs[i];
      const char *eq = strchr (pair, '=');
      g_autofree char *name = NULL;
      const char *raw_value;
      int which = -1;

      if (pair[0] == '\0')
        continue;  /* "&&" or a trailing "&" */
      name = eq != NULL ? g_strndup (pair, (gsize) (eq - pair)) : g_strdup (pair);
      raw_value = eq != NULL ? eq + 1 : "";

      for (int p = 0; p < N_PARAMS; p++)
        if (g_ascii_strcasecmp (name, param_names[p]) == 0)
          which = p;
      if (which < 0)
        continue;
      if (values[which] != NULL)
        {
          ok = uri_error (error, _("The link gives the parameter “%s” twice"), param_names[which]);
          break;
        }
      values[which] = percent_decode (raw_value, strlen (raw_value),
                                      which == P_SECRET ? _("secret") : param_names[which],
                                      which != P_SECRET, error);
      if (values[which] == NULL)
        ok = FALSE;
    }

  /* One of the pairs held the secret. */
  for (guint i = 0; pairs[i] != NULL; i++)
    lk_secure_wipe (pairs[i], strlen (pairs[i]));
  return ok;
}

static void
free_values (char **values)
{
  for (int p = 0; p < N_PARAMS; p++)
    {
      if (p == P_SECRET && values[p] != NULL)
        lk_secure_str_free (g_steal_pointer (&values[p]));
      g_clear_pointer (&values[p], g_free);
    }
}

/* Splits the decoded label into the issuer prefix and the account.
 * With an issuer parameter, a label that starts with "<issuer>:" loses
 * exactly that prefix, so an issuer that itself holds a colon survives a
 * round trip; otherwise the first colon separates. Spaces after the colon
 * (as in "Example: alice") are not part of the account. */
static void
split_label (const char  *label,
             const char  *issuer_param,
             char       **out_prefix,
             char       **out_account)
{
  const char *colon = NULL;
  const char *account;

  if (issuer_param != NULL && issuer_param[0] != '\0' && g_str_has_prefix (label, issuer_param) &&
      label[strlen (issuer_param)] == ':')
    colon = label + strlen (issuer_param);
  else
    colon = strchr (label, ':');

  account = colon != NULL ? colon + 1 : label;
  *out_prefix = colon != NULL ? g_strstrip (g_strndup (label, (gsize) (colon - label))) : NULL;
  while (*account == ' ')
    account++;
  *out_account = g_strdup (account);
}

static gboolean
apply_values (LkOtpauth   *self,
              char       **values,
              const char  *label,
              GError     **error)
{
  g_autofree char *label_prefix = NULL;
  guint64 number;

  /* The secret. */
  if (values[P_SECRET] == NULL || values[P_SECRET][0] == '\0')
    return uri_error (error, _("The link has no secret (the “secret=” parameter is missing or empty)"));
  {
    g_autoptr(GError) local = NULL;
    GBytes *secret = lk_base32_decode (values[P_SECRET], &local);

    if (secret == NULL)
      return uri_error (error, _("The link’s secret is not valid: %s"), local->message);
    if (g_bytes_get_size (secret) == 0)
      {
        g_bytes_unref (secret);
        return uri_error (error, _("The link’s secret is empty"));
      }
    g_clear_pointer (&self->secret, g_bytes_unref);
    self->secret = secret;
  }

  /* The issuer parameter wins over the label prefix (docs/otpauth.md). */
  g_clear_pointer (&self->account, g_free);
  split_label (label, values[P_ISSUER], &label_prefix, &self->account);
  g_clear_pointer (&self->issuer, g_free);
  if (values[P_ISSUER] != NULL && values[P_ISSUER][0] != '\0')
    self->issuer = g_strdup (values[P_ISSUER]);
  else if (label_prefix != NULL && label_prefix[0] != '\0')
    self->issuer = g_strdup (label_prefix);

  /* Some services write Steam links as totp with encoder=steam. */
  if (values[P_ENCODER] != NULL && g_ascii_strcasecmp (values[P_ENCODER], "steam") == 0)
    {
      if (self->type == LK_OTPAUTH_HOTP)
        return uri_error (error, _("A Steam Guard link must be time-based (totp), not hotp"));
      self->type = LK_OTPAUTH_STEAM;
    }

  if (values[P_ALGORITHM] != NULL)
    {
      if (!lk_hash_from_string (values[P_ALGORITHM], &self->algorithm))
        {
          g_autofree char *quoted = quote_value (values[P_ALGORITHM], -1);

          return uri_error (error, _("The algorithm “%s” is not supported; it must be SHA1, SHA256 or SHA512"), quoted);
        }
    }

  self->digits = self->type == LK_OTPAUTH_STEAM ? STEAM_DIGITS : 6;
  if (values[P_DIGITS] != NULL)
    {
      g_autofree char *quoted = quote_value (values[P_DIGITS], -1);

      if (self->type == LK_OTPAUTH_STEAM)
        {
          if (!parse_uint (values[P_DIGITS], G_MAXUINT, &number) || number != STEAM_DIGITS)
            return uri_error (error, _("Steam Guard codes always have 5 characters, but the link says digits=%s"), quoted);
        }
      else if (!parse_uint (values[P_DIGITS], G_MAXUINT, &number) ||
               number < LK_OTP_MIN_DIGITS || number > LK_OTP_MAX_DIGITS)
        return uri_error (error, _("The number of digits must be 6 to 10, but the link says digits=%s"), quoted);
      self->digits = (guint) number;
    }

  self->period = 30;
  if (values[P_PERIOD] != NULL)
    {
      g_autofree char *quoted = quote_value (values[P_PERIOD], -1);

      if (!parse_uint (values[P_PERIOD], G_MAXUINT, &number) ||
          number < LK_OTP_MIN_PERIOD || number > LK_OTP_MAX_PERIOD)
        return uri_error (error, _("The period must be 1 to 3600 seconds, but the link says period=%s"), quoted);
      if (self->type == LK_OTPAUTH_STEAM && number != STEAM_PERIOD)
        return uri_error (error, _("Steam Guard codes always change every 30 seconds, but the link says period=%s"), quoted);
      self->period = (guint) number;
    }

  if (self->type == LK_OTPAUTH_STEAM && self->algorithm != LK_HASH_SHA1)
    return uri_error (error, _("Steam Guard codes always use SHA1, but the link says algorithm=%s"),
                      lk_hash_to_string (self->algorithm));

  self->counter = 0;
  if (self->type == LK_OTPAUTH_HOTP)
    {
      if (values[P_COUNTER] == NULL)
        return uri_error (error, _("A counter-based (hotp) link needs a “counter=” parameter, but it has none"));
      /* Capped at 2^63 - 1: databases (SQLite) and JSON readers hold
       * signed 64-bit integers, and no device counts that far. */
      if (!parse_uint (values[P_COUNTER], G_MAXINT64, &self->counter))
        {
          g_autofree char *quoted = quote_value (values[P_COUNTER], -1);

          return uri_error (error, _("The counter must be a whole number from 0 to 9223372036854775807, but the link says counter=%s"), quoted);
        }
    }
  return TRUE;
}

LkOtpauth *
lk_otpauth_parse (const char  *uri,
                  GError     **error)
{
  static const char scheme[] = "otpauth://";
  g_autoptr(LkOtpauth) self = NULL;
  g_autofree char *type_name = NULL;
  g_autofree char *label = NULL;
  g_autofree char *query = NULL;
  char *values[N_PARAMS] = { NULL };
  const char *rest, *slash, *question, *end;
  gsize len;
  gboolean ok;

  g_return_val_if_fail (uri != NULL, NULL);

  len = strlen (uri);
  if (len > MAX_URI_LENGTH)
    {
      uri_error (error, _("The link is too long (%" G_GSIZE_FORMAT " characters; at most %d)"),
                 len, MAX_URI_LENGTH);
      return NULL;
    }
  if (g_ascii_strncasecmp (uri, scheme, strlen (scheme)) != 0)
    {
      uri_error (error, _("This is not an authenticator link: it must start with “otpauth://”"));
      return NULL;
    }

  rest = uri + strlen (scheme);
  end = rest + strcspn (rest, "#");   /* a fragment carries nothing here */
  question = memchr (rest, '?', (gsize) (end - rest));
  if (question == NULL)
    question = end;
  slash = memchr (rest, '/', (gsize) (question - rest));
  if (slash == NULL)
    slash = question;

  self = lk_otpauth_new ();
  type_name = g_strndup (rest, (gsize) (slash - rest));
  if (!lk_otpauth_type_from_string (type_name, &self->type))
    {
      g_autofree char *quoted = quote_value (type_name, -1);

      if (type_name[0] == '\0')
        uri_error (error, _("The link does not say its type; it must be otpauth://totp/, otpauth://hotp/ or otpauth://steam/"));
      else
        uri_error (error, _("The link’s type “%s” is not supported; it must be totp, hotp or steam"), quoted);
      return NULL;
    }

  if (slash < question)
    {
      label = percent_decode (slash + 1, (gsize) (question - slash - 1), _("label (the part before “?”)"), TRUE, error);
      if (label == NULL)
        return NULL;
    }
  else
    label = g_strdup ("");

  query = question < end ? g_strndup (question + 1, (gsize) (end - question - 1)) : g_strdup ("");
  ok = split_query (query, values, error) && apply_values (self, values, label, error);
  free_values (values);
  /* The query holds the secret in Base32. */
  lk_secure_wipe (query, strlen (query));
  if (!ok)
    return NULL;
  return g_steal_pointer (&self);
}

/* Percent-encodes everything but RFC 3986's unreserved characters and '@',
 * so ':', '&', '?', '#', '/', '+' and spaces inside a name cannot be
 * mistaken for structure by any reader. */
static void
append_encoded (GString    *out,
                const char *text)
{
  for (const guchar *p = (const guchar *) text; *p != '\0'; p++)
    {
      if (g_ascii_isalnum (*p) || strchr ("-._~@", *p) != NULL)
        g_string_append_c (out, (char) *p);
      else
        g_string_append_printf (out, "%%%02X", *p);
    }
}

char *
lk_otpauth_format (const LkOtpauth *uri)
{
  GString *out;
  char *secret;

  g_return_val_if_fail (uri != NULL, NULL);

  /* Sized up front so the buffer holding the secret is never moved by
   * a realloc, which would leave an unwiped copy behind. */
  out = g_string_sized_new (128 + 6 * (uri->issuer != NULL ? strlen (uri->issuer) : 0) +
                            3 * (uri->account != NULL ? strlen (uri->account) : 0) +
                            (uri->secret != NULL ? g_bytes_get_size (uri->secret) * 8 / 5 + 1 : 0));
  g_string_append (out, "otpauth://");
  g_string_append (out, lk_otpauth_type_to_string (uri->type));
  g_string_append_c (out, '/');
  if (uri->issuer != NULL && uri->issuer[0] != '\0')
    {
      append_encoded (out, uri->issuer);
      g_string_append_c (out, ':');
    }
  else if (uri->account != NULL && strchr (uri->account, ':') != NULL)
    {
      /* An empty prefix, so the account's own colon is not read as the
       * separator; an empty prefix means no issuer. */
      g_string_append_c (out, ':');
    }
  append_encoded (out, uri->account != NULL ? uri->account : "");

  secret = uri->secret != NULL
    ? lk_base32_encode (g_bytes_get_data (uri->secret, NULL), g_bytes_get_size (uri->secret))
    : g_strdup ("");
  g_string_append (out, "?secret=");
  g_string_append (out, secret);
  lk_secure_str_free (secret);

  if (uri->issuer != NULL && uri->issuer[0] != '\0')
    {
      g_string_append (out, "&issuer=");
      append_encoded (out, uri->issuer);
    }
  if (uri->type != LK_OTPAUTH_STEAM)
    {
      g_string_append_printf (out, "&algorithm=%s&digits=%u",
                              lk_hash_to_string (uri->algorithm), uri->digits);
      if (uri->type == LK_OTPAUTH_HOTP)
        g_string_append_printf (out, "&counter=%" G_GUINT64_FORMAT, uri->counter);
      else
        g_string_append_printf (out, "&period=%u", uri->period);
    }

  return g_string_free (out, FALSE);
}

gboolean
lk_otpauth_equal (const LkOtpauth *a,
                  const LkOtpauth *b)
{
  gconstpointer da = NULL, db = NULL;
  gsize la = 0, lb = 0;

  if (a == b)
    return TRUE;
  if (a == NULL || b == NULL)
    return FALSE;
  if (a->type != b->type || a->algorithm != b->algorithm || a->digits != b->digits)
    return FALSE;
  /* Only the field the type uses is part of the identity. */
  if (a->type == LK_OTPAUTH_HOTP ? a->counter != b->counter : a->period != b->period)
    return FALSE;
  /* No issuer and an empty one are the same: neither is written out. */
  if (g_strcmp0 (a->issuer != NULL && a->issuer[0] ? a->issuer : NULL,
                 b->issuer != NULL && b->issuer[0] ? b->issuer : NULL) != 0 ||
      g_strcmp0 (a->account ? a->account : "", b->account ? b->account : "") != 0)
    return FALSE;
  if (a->secret != NULL)
    da = g_bytes_get_data (a->secret, &la);
  if (b->secret != NULL)
    db = g_bytes_get_data (b->secret, &lb);
  return lk_secure_equal (da, la, db, lb);
}

gboolean
lk_otpauth_generate (const LkOtpauth *uri,
                     gint64           unix_time,
                     char            *code,
                     GError         **error)
{
  g_autoptr(LkOtpKey) key = NULL;
  const guint8 *secret;
  gsize secret_len = 0;

  g_return_val_if_fail (uri != NULL && code != NULL, FALSE);

  if (uri->secret == NULL || g_bytes_get_size (uri->secret) == 0)
    {
      g_set_error_literal (error, LK_CORE_ERROR, LK_CORE_ERROR_INVALID_ARGUMENT,
                           _("The token has no secret"));
      return FALSE;
    }
  if (uri->type != LK_OTPAUTH_HOTP && (uri->period < LK_OTP_MIN_PERIOD || uri->period > LK_OTP_MAX_PERIOD))
    {
      g_set_error (error, LK_CORE_ERROR, LK_CORE_ERROR_INVALID_ARGUMENT,
                   _("The period must be 1 to 3600 seconds, not %u"), uri->period);
      return FALSE;
    }
  if (uri->type != LK_OTPAUTH_STEAM && (uri->digits < LK_OTP_MIN_DIGITS || uri->digits > LK_OTP_MAX_DIGITS))
    {
      g_set_error (error, LK_CORE_ERROR, LK_CORE_ERROR_INVALID_ARGUMENT,
                   _("The number of digits must be 6 to 10, not %u"), uri->digits);
      return FALSE;
    }

  secret = g_bytes_get_data (uri->secret, &secret_len);
  key = lk_otp_key_new (uri->type == LK_OTPAUTH_STEAM ? LK_HASH_SHA1 : uri->algorithm,
                        secret, secret_len, error);
  if (key == NULL)
    return FALSE;

  switch (uri->type)
    {
    case LK_OTPAUTH_TOTP:
      lk_totp_generate (key, unix_time, 0, uri->period, uri->digits, code);
      break;
    case LK_OTPAUTH_HOTP:
      lk_hotp_generate (key, uri->counter, uri->digits, code);
      break;
    case LK_OTPAUTH_STEAM:
      {
        /* Steam Guard: the RFC 4226 truncated value written in base 26
         * with Steam's alphabet, least significant character first. */
        guint32 value = lk_hotp_value (key, (guint64) lk_totp_time_step (unix_time, 0, STEAM_PERIOD));

        for (guint i = 0; i < STEAM_DIGITS; i++)
          {
            code[i] = steam_alphabet[value % (sizeof steam_alphabet - 1)];
            value /= sizeof steam_alphabet - 1;
          }
        code[STEAM_DIGITS] = '\0';
      }
      break;
    default:
      g_set_error (error, LK_CORE_ERROR, LK_CORE_ERROR_INVALID_ARGUMENT,
                   _("Unknown token type %d"), (int) uri->type);
      return FALSE;
    }
  return TRUE;
}
