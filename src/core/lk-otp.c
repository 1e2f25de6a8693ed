/* SPDX-License-Identifier: GPL-3.0-or-later
 * HOTP (RFC 4226) and TOTP (RFC 6238): hash names, truncation, formatting, time steps and validation windows over an LkOtpKey. */
#include "config.h"

/* The key itself (its HMAC and lk_hotp_value()) is a backend of its own:
 * lk-otp-key.c on OpenSSL, or lk-otp-key-gcrypt.c on libgcrypt. */
#include <string.h>
#include <glib/gi18n.h>

#include "lk-core-error.h"
#include "lk-otp.h"
#include "lk-secure.h"

gboolean
lk_hash_from_string (const char *name,
                     LkHash     *out_hash)
{
  static const struct { const char *name; LkHash hash; } names[] = {
    { "SHA1", LK_HASH_SHA1 }, { "SHA-1", LK_HASH_SHA1 },
    { "SHA256", LK_HASH_SHA256 }, { "SHA-256", LK_HASH_SHA256 },
    { "SHA512", LK_HASH_SHA512 }, { "SHA-512", LK_HASH_SHA512 },
  };

  if (name == NULL)
    return FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_ascii_strcasecmp (name, names[i].name) == 0)
      {
        if (out_hash != NULL)
          *out_hash = names[i].hash;
        return TRUE;
      }
  return FALSE;
}

const char *
lk_hash_to_string (LkHash hash)
{
  switch (hash)
    {
    case LK_HASH_SHA1: return "SHA1";
    case LK_HASH_SHA256: return "SHA256";
    case LK_HASH_SHA512: return "SHA512";
    default: return NULL;
    }
}

gsize
lk_hash_default_seed_length (LkHash hash)
{
  return lk_hash_digest_size (hash);
}

gsize
lk_hash_digest_size (LkHash hash)
{
  switch (hash)
    {
    case LK_HASH_SHA1: return 20;
    case LK_HASH_SHA256: return 32;
    case LK_HASH_SHA512: return 64;
    default: return 0;
    }
}

guint32
lk_otp_truncate (const guint8 *digest,
                 gsize         digest_len)
{
  guint offset = digest[digest_len - 1] & 0x0f;

  return ((guint32) (digest[offset] & 0x7f) << 24) |
         ((guint32) digest[offset + 1] << 16) |
         ((guint32) digest[offset + 2] << 8) |
         (guint32) digest[offset + 3];
}

static const guint64 powers_of_ten[] = {
  1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000,
  1000000000, G_GUINT64_CONSTANT (10000000000),
};

void
lk_otp_format_code (guint32  value,
                    guint    digits,
                    char    *code)
{
  guint64 v;

  g_return_if_fail (digits >= 1 && digits <= LK_OTP_MAX_DIGITS);
  v = value % powers_of_ten[digits];

  for (int i = (int) digits - 1; i >= 0; i--)
    {
      code[i] = (char) ('0' + v % 10);
      v /= 10;
    }
  code[digits] = '\0';
}

void
lk_hotp_generate (const LkOtpKey *key,
                  guint64         counter,
                  guint           digits,
                  char           *code)
{
  g_return_if_fail (key != NULL && code != NULL);
  g_return_if_fail (digits >= LK_OTP_MIN_DIGITS && digits <= LK_OTP_MAX_DIGITS);

  lk_otp_format_code (lk_hotp_value (key, counter), digits, code);
}

gint64
lk_totp_time_step (gint64 unix_time,
                   gint64 t0,
                   guint  period)
{
  gint64 elapsed;

  g_return_val_if_fail (period >= LK_OTP_MIN_PERIOD && period <= LK_OTP_MAX_PERIOD, 0);

  /* Saturate rather than overflow for absurd inputs. */
  if (t0 < 0 && unix_time > G_MAXINT64 + t0)
    elapsed = G_MAXINT64;
  else if (t0 > 0 && unix_time < G_MININT64 + t0)
    elapsed = G_MININT64;
  else
    elapsed = unix_time - t0;

  /* Floor division: times before T0 belong to negative steps. */
  if (elapsed >= 0)
    return elapsed / (gint64) period;
  return -((-(elapsed + 1)) / (gint64) period) - 1;
}

void
lk_totp_generate (const LkOtpKey *key,
                  gint64          unix_time,
                  gint64          t0,
                  guint           period,
                  guint           digits,
                  char           *code)
{
  g_return_if_fail (period >= LK_OTP_MIN_PERIOD && period <= LK_OTP_MAX_PERIOD);

  lk_hotp_generate (key, (guint64) lk_totp_time_step (unix_time, t0, period), digits, code);
}

/* Reads @code as exactly @digits decimal digits; anything else never matches. */
static gboolean
parse_code (const char *code,
            guint       digits,
            guint64    *out_value)
{
  guint64 value = 0;
  guint i;

  if (code == NULL)
    return FALSE;
  for (i = 0; code[i] != '\0'; i++)
    {
      if (i >= digits || !g_ascii_isdigit (code[i]))
        return FALSE;
      value = value * 10 + (guint64) (code[i] - '0');
    }
  if (i != digits)
    return FALSE;
  *out_value = value;
  return TRUE;
}

/* Compares the candidate's number with the typed one: the same as comparing
 * the zero-padded strings, done in constant time without formatting. */
static gboolean
candidate_matches (const LkOtpKey *key,
                   guint64         counter,
                   guint           digits,
                   guint64         wanted)
{
  guint64 candidate = lk_hotp_value (key, counter) % powers_of_ten[digits];

  return lk_secure_equal (&candidate, sizeof candidate, &wanted, sizeof wanted);
}

gboolean
lk_hotp_validate (const LkOtpKey *key,
                  guint           digits,
                  guint64         counter,
                  guint           window,
                  const char     *code,
                  guint64        *matched_counter)
{
  guint64 wanted;

  g_return_val_if_fail (key != NULL, FALSE);
  g_return_val_if_fail (digits >= LK_OTP_MIN_DIGITS && digits <= LK_OTP_MAX_DIGITS, FALSE);

  if (!parse_code (code, digits, &wanted))
    return FALSE;
  for (guint64 i = 0; i <= window; i++)
    {
      if (counter + i < counter)
        break;  /* the counter space ends here */
      if (candidate_matches (key, counter + i, digits, wanted))
        {
          if (matched_counter != NULL)
            *matched_counter = counter + i;
          return TRUE;
        }
    }
  return FALSE;
}

gboolean
lk_totp_validate (const LkOtpKey *key,
                  guint           digits,
                  gint64          unix_time,
                  gint64          t0,
                  guint           period,
                  gint            drift_steps,
                  guint           window,
                  const char     *code,
                  gint64         *matched_step)
{
  guint64 wanted;
  gint64 centre;

  g_return_val_if_fail (key != NULL, FALSE);
  g_return_val_if_fail (digits >= LK_OTP_MIN_DIGITS && digits <= LK_OTP_MAX_DIGITS, FALSE);
  g_return_val_if_fail (period >= LK_OTP_MIN_PERIOD && period <= LK_OTP_MAX_PERIOD, FALSE);

  if (!parse_code (code, digits, &wanted))
    return FALSE;

  centre = lk_totp_time_step (unix_time, t0, period);
  if ((drift_steps > 0 && centre > G_MAXINT64 - drift_steps) ||
      (drift_steps < 0 && centre < G_MININT64 - drift_steps))
    return FALSE;
  centre += drift_steps;

  /* Centre first, then one step earlier and one later, and so on: the
   * nearest step wins, and an earlier one before a later one because a
   * typed code is more often late than early. */
  for (guint64 distance = 0; distance <= window; distance++)
    {
      for (int side = -1; side <= 1; side += 2)
        {
          gint64 step;

          if (distance == 0 && side == 1)
            break;
          if (side < 0)
            {
              if (centre < (gint64) distance)
                continue;  /* before T0: no such step */
              step = centre - (gint64) distance;
            }
          else
            {
              if (centre > G_MAXINT64 - (gint64) distance)
                continue;
              step = centre + (gint64) distance;
            }
          if (candidate_matches (key, (guint64) step, digits, wanted))
            {
              if (matched_step != NULL)
                *matched_step = step;
              return TRUE;
            }
        }
    }
  return FALSE;
}

GBytes *
lk_otp_generate_seed (LkHash   hash,
                      GError **error)
{
  gsize len = lk_hash_default_seed_length (hash);
  g_autofree guint8 *seed = NULL;

  if (len == 0)
    {
      g_set_error (error, LK_CORE_ERROR, LK_CORE_ERROR_INVALID_ARGUMENT,
                   _("Unknown hash algorithm number %d"), (int) hash);
      return NULL;
    }
  seed = g_malloc (len);
  if (!lk_random_bytes (seed, len, error))
    {
      lk_secure_wipe (seed, len);
      return NULL;
    }
  return lk_secure_bytes_new_take (g_steal_pointer (&seed), len);
}