/* SPDX-License-Identifier: GPL-3.0-or-later
 * Multi-device activation messages: AM1, device codes and AM2 (formats in docs/activation.md). */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "lk-activation.h"
#include "lk-activation-private.h"
#include "lk-base32.h"
#include "lk-core-error.h"
#include "lk-ocra.h"
#include "lk-secure.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_MAC, EVP_MAC_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_MAC_CTX, EVP_MAC_CTX_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_KDF, EVP_KDF_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_KDF_CTX, EVP_KDF_CTX_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_CIPHER, EVP_CIPHER_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_CIPHER_CTX, EVP_CIPHER_CTX_free)

#define AM1_VERSION          0x01
#define AM2_VERSION          0x01
#define DEVICE_CODE_VERSION  0x01

#define AM1_FIXED_SIZE   38   /* version .. expiry, see docs/activation.md */
#define AM1_CHECK_SIZE   4
#define AM2_HEADER_SIZE  13   /* version, activation id, instance: the AAD */
#define AM2_NONCE_SIZE   12
#define AM2_TAG_SIZE     16
#define AM2_PLAIN_FIXED  14   /* type, algorithm, digits, period, counter, seed length */
#define AM2_MIN_SEED     16
#define AM2_MAX_SEED     64
#define DEVICE_CODE_CHECK_SIZE 4

/* Longer texts than this are not activation messages; refusing them early
 * keeps a pasted novel from being Base32-decoded. */
#define AM_MAX_TEXT 1024

#define DEVICE_CODE_CHARS       20
#define DEVICE_CODE_DATA_CHARS  19
#define DEVICE_CODE_GROUP       5

/* 31 symbols: the digits and capital letters without 0, 1, I, L and O,
 * which people confuse when reading a code aloud or typing it. */
static const char device_alphabet[] = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
#define DEVICE_RADIX 31
/* The inverse of the check character's weight, 20, modulo 31: 20 * 14 = 280 = 9 * 31 + 1. */
#define DEVICE_CHECK_WEIGHT_INVERSE 14

static const char label_device_id[] = "latchkey device id v1";
static const char label_device_code[] = "latchkey device code v1";
static const char label_am2_info[] = "latchkey activation v1";

/* ---- Primitives -------------------------------------------------------- */

typedef struct
{
  const void *data;
  gsize       len;
} Part;

/* HMAC-SHA256 over the concatenation of @parts. */
static gboolean
hmac_sha256 (const guint8  *key,
             gsize          key_len,
             const Part    *parts,
             gsize          n_parts,
             guint8         out[32],
             GError       **error)
{
  g_autoptr(EVP_MAC) mac = NULL;
  g_autoptr(EVP_MAC_CTX) ctx = NULL;
  OSSL_PARAM params[2];
  gsize out_len = 0;

  mac = EVP_MAC_fetch (NULL, "HMAC", NULL);
  if (mac == NULL || (ctx = EVP_MAC_CTX_new (mac)) == NULL)
    goto fail;

  params[0] = OSSL_PARAM_construct_utf8_string (OSSL_MAC_PARAM_DIGEST, (char *) "SHA256", 0);
  params[1] = OSSL_PARAM_construct_end ();

  if (!EVP_MAC_init (ctx, key, key_len, params))
    goto fail;
  for (gsize i = 0; i < n_parts; i++)
    if (!EVP_MAC_update (ctx, parts[i].data, parts[i].len))
      goto fail;
  if (!EVP_MAC_final (ctx, out, &out_len, 32) || out_len != 32)
    goto fail;

  return TRUE;

fail:
  g_set_error_literal (error, LK_CORE_ERROR, LK_CORE_ERROR_CRYPTO,
                       _("The HMAC computation failed"));
  return FALSE;
}

static gboolean
sha256 (const guint8  *data,
        gsize          len,
        guint8         out[32],
        GError       **error)
{
  unsigned int out_len = 0;

  if (!EVP_Digest (data, len, out, &out_len, EVP_sha256 (), NULL) || out_len != 32)
    {
      g_set_error_literal (error, LK_CORE_ERROR, LK_CORE_ERROR_CRYPTO,
                           _("The SHA-256 computation failed"));
      return FALSE;
    }
  return TRUE;
}

/* The AM2 key: HKDF-SHA256 with IKM = activation key || device code, no
 * salt (RFC 5869: 32 zero bytes), info = label || activation id. */
static gboolean
derive_am2_key (const guint8       *activation_id,
                const guint8       *activation_key,
                const LkDeviceCode *code,
                guint8              out_key[32],
                GError            **error)
{
  g_autoptr(EVP_KDF) kdf = NULL;
  g_autoptr(EVP_KDF_CTX) ctx = NULL;
  guint8 ikm[LK_ACTIVATION_KEY_SIZE + LK_ACTIVATION_DEVICE_CODE_SIZE];
  guint8 info[sizeof label_am2_info - 1 + LK_ACTIVATION_ID_SIZE];
  guint8 salt[32] = { 0 };
  OSSL_PARAM params[5];
  gboolean ok = FALSE;

  memcpy (ikm, activation_key, LK_ACTIVATION_KEY_SIZE);
  memcpy (ikm + LK_ACTIVATION_KEY_SIZE, code->bytes, LK_ACTIVATION_DEVICE_CODE_SIZE);
  memcpy (info, label_am2_info, sizeof label_am2_info - 1);
  memcpy (info + sizeof label_am2_info - 1, activation_id, LK_ACTIVATION_ID_SIZE);

  kdf = EVP_KDF_fetch (NULL, "HKDF", NULL);
  if (kdf != NULL && (ctx = EVP_KDF_CTX_new (kdf)) != NULL)
    {
      params[0] = OSSL_PARAM_construct_utf8_string (OSSL_KDF_PARAM_DIGEST, (char *) "SHA256", 0);
      params[1] = OSSL_PARAM_construct_octet_string (OSSL_KDF_PARAM_KEY, ikm, sizeof ikm);
      params[2] = OSSL_PARAM_construct_octet_string (OSSL_KDF_PARAM_SALT, salt, sizeof salt);
      params[3] = OSSL_PARAM_construct_octet_string (OSSL_KDF_PARAM_INFO, info, sizeof info);
      params[4] = OSSL_PARAM_construct_end ();
      ok = EVP_KDF_derive (ctx, out_key, 32, params) == 1;
    }

  lk_secure_wipe (ikm, sizeof ikm);

  if (!ok)
    g_set_error_literal (error, LK_CORE_ERROR, LK_CORE_ERROR_CRYPTO,
                         _("The activation key derivation failed"));
  return ok;
}

static void
put_be (guint8  *out,
        guint64  value,
        gsize    n)
{
  for (gsize i = 0; i < n; i++)
    out[i] = (guint8) (value >> (8 * (n - 1 - i)));
}

static guint64
get_be (const guint8 *in,
        gsize         n)
{
  guint64 value = 0;

  for (gsize i = 0; i < n; i++)
    value = (value << 8) | in[i];
  return value;
}

static gboolean
set_activation_error (GError     **error,
                      const char  *message)
{
  g_set_error_literal (error, LK_CORE_ERROR, LK_CORE_ERROR_ACTIVATION, message);
  return FALSE;
}

/* ---- OTP parameters ---------------------------------------------------- */

gboolean
lk_activation_otp_check (const LkActivationOtp  *otp,
                         GError                **error)
{
  g_return_val_if_fail (otp != NULL, FALSE);

  if (otp->type != LK_ACTIVATION_OTP_TOTP && otp->type != LK_ACTIVATION_OTP_HOTP)
    {
      g_set_error (error, LK_CORE_ERROR, LK_CORE_ERROR_INVALID_ARGUMENT,
                   _("Unknown OTP type %d; an activation makes TOTP or HOTP tokens"), (int) otp->type);
      return FALSE;
    }
  if (otp->algorithm != LK_HASH_SHA1 && otp->algorithm != LK_HASH_SHA256 &&
      otp->algorithm != LK_HASH_SHA512)
    {
      g_set_error (error, LK_CORE_ERROR, LK_CORE_ERROR_INVALID_ARGUMENT,
                   _("Unknown hash algorithm %d"), (int) otp->algorithm);
      return FALSE;
    }
  if (otp->digits < LK_OTP_MIN_DIGITS || otp->digits > LK_OTP_MAX_DIGITS)
    {
      g_set_error (error, LK_CORE_ERROR, LK_CORE_ERROR_INVALID_ARGUMENT,
                   _("An OTP has %d to %d digits, not %u"),
                   LK_OTP_MIN_DIGITS, LK_OTP_MAX_DIGITS, otp->digits);
      return FALSE;
    }
  if (otp->type == LK_ACTIVATION_OTP_TOTP &&
      (otp->period < LK_OTP_MIN_PERIOD || otp->period > LK_OTP_MAX_PERIOD))
    {
      g_set_error (error, LK_CORE_ERROR, LK_CORE_ERROR_INVALID_ARGUMENT,
                   _("A TOTP period is %d to %d seconds, not %u"),
                   LK_OTP_MIN_PERIOD, LK_OTP_MAX_PERIOD, otp->period);
      return FALSE;
    }
  if (otp->type == LK_ACTIVATION_OTP_HOTP && otp->period != 0)
    {
      g_set_error_literal (error, LK_CORE_ERROR, LK_CORE_ERROR_INVALID_ARGUMENT,
                           _("An HOTP token has no period"));
      return FALSE;
    }
  return TRUE;
}

/* ---- AM1 --------------------------------------------------------------- */

LkAm1 *
lk_am1_new (void)
{
  return g_new0 (LkAm1, 1);
}

void
lk_am1_free (LkAm1 *am1)
{
  if (am1 == NULL)
    return;
  lk_secure_wipe (am1->activation_key, sizeof am1->activation_key);
  g_free (am1->serial);
  g_free (am1->issuer);
  g_free (am1->label);
  g_free (am1);
}

LkAm1 *
lk_am1_copy (const LkAm1 *am1)
{
  LkAm1 *copy;

  g_return_val_if_fail (am1 != NULL, NULL);

  copy = g_memdup2 (am1, sizeof *am1);
  copy->serial = g_strdup (am1->serial);
  copy->issuer = g_strdup (am1->issuer);
  copy->label = g_strdup (am1->label);
  return copy;
}

static gboolean
check_serial (const char  *serial,
              gsize        len,
              GError     **error)
{
  if (len == 0 || len > LK_ACTIVATION_MAX_SERIAL)
    {
      g_set_error (error, LK_CORE_ERROR, LK_CORE_ERROR_INVALID_ARGUMENT,
                   _("A licence serial has 1 to %d characters"), LK_ACTIVATION_MAX_SERIAL);
      return FALSE;
    }
  for (gsize i = 0; i < len; i++)
    if (serial[i] < 0x21 || serial[i] > 0x7e)
      {
        g_set_error_literal (error, LK_CORE_ERROR, LK_CORE_ERROR_INVALID_ARGUMENT,
                             _("A licence serial holds only printable ASCII characters without spaces"));
        return FALSE;
      }
  return TRUE;
}

/* Issuer and label: UTF-8 without control characters, at most @max bytes. */
static gboolean
check_name (const char  *what,
            const char  *text,
            gsize        len,
            gsize        max,
            GError     **error)
{
  if (len > max)
    {
      g_set_error (error, LK_CORE_ERROR, LK_CORE_ERROR_INVALID_ARGUMENT,
                   _("The %s is longer than %" G_GSIZE_FORMAT " bytes"), what, max);
      return FALSE;
    }
  if (!g_utf8_validate_len (text, len, NULL))
    {
      g_set_error (error, LK_CORE_ERROR, LK_CORE_ERROR_INVALID_ARGUMENT,
                   _("The %s is not valid UTF-8"), what);
      return FALSE;
    }
  for (gsize i = 0; i < len; i++)
    if ((guchar) text[i] < 0x20 || text[i] == 0x7f)
      {
        g_set_error (error, LK_CORE_ERROR, LK_CORE_ERROR_INVALID_ARGUMENT,
                     _("The %s contains a control character"), what);
        return FALSE;
      }
  return TRUE;
}

static gboolean
am1_check_fields (const LkAm1  *am1,
                  GError      **error)
{
  const char *issuer = am1->issuer ? am1->issuer : "";
  const char *label = am1->label ? am1->label : "";

  if (am1->serial == NULL)
    return check_serial ("", 0, error);
  return check_serial (am1->serial, strlen (am1->serial), error) &&
         check_name (_("issuer"), issuer, strlen (issuer), LK_ACTIVATION_MAX_ISSUER, error) &&
         check_name (_("account name"), label, strlen (label), LK_ACTIVATION_MAX_LABEL, error) &&
         lk_activation_otp_check (&am1->otp, error);
}

LkAm1 *
lk_am1_generate (const char             *serial,
                 const char             *issuer,
                 const char             *label,
                 const LkActivationOtp  *otp,
                 gint64                  expires,
                 GError                **error)
{
  g_autoptr(LkAm1) am1 = NULL;

  g_return_val_if_fail (serial != NULL, NULL);
  g_return_val_if_fail (otp != NULL, NULL);

  am1 = lk_am1_new ();
  am1->serial = g_strdup (serial);
  am1->issuer = g_strdup (issuer ? issuer : "");
  am1->label = g_strdup (label ? label : "");
  am1->otp = *otp;
  am1->expires = expires;

  if (!am1_check_fields (am1, error))
    return NULL;
  if (expires < 0)
    {
      g_set_error_literal (error, LK_CORE_ERROR, LK_CORE_ERROR_INVALID_ARGUMENT,
                           _("The expiry time is before 1970"));
      return NULL;
    }

  if (!lk_random_bytes (am1->activation_id, sizeof am1->activation_id, error) ||
      !lk_random_bytes (am1->activation_key, sizeof am1->activation_key, error))
    return NULL;

  return g_steal_pointer (&am1);
}

char *
lk_am1_format (const LkAm1  *am1,
               GError      **error)
{
  const char *issuer, *label;
  gsize serial_len, issuer_len, label_len, len;
  guint8 digest[32];
  guint8 *buf;
  gsize pos = 0;
  char *b32, *text;

  g_return_val_if_fail (am1 != NULL, NULL);

  if (!am1_check_fields (am1, error))
    return NULL;
  if (am1->expires < 0)
    {
      g_set_error_literal (error, LK_CORE_ERROR, LK_CORE_ERROR_INVALID_ARGUMENT,
                           _("The expiry time is before 1970"));
      return NULL;
    }

  issuer = am1->issuer ? am1->issuer : "";
  label = am1->label ? am1->label : "";
  serial_len = strlen (am1->serial);
  issuer_len = strlen (issuer);
  label_len = strlen (label);
  len = AM1_FIXED_SIZE + 1 + serial_len + 1 + issuer_len + 1 + label_len + AM1_CHECK_SIZE;

  buf = g_malloc (len);
  buf[pos++] = AM1_VERSION;
  buf[pos++] = (guint8) am1->otp.type;
  buf[pos++] = (guint8) am1->otp.algorithm;
  buf[pos++] = (guint8) am1->otp.digits;
  put_be (buf + pos, am1->otp.period, 2);
  pos += 2;
  memcpy (buf + pos, am1->activation_id, LK_ACTIVATION_ID_SIZE);
  pos += LK_ACTIVATION_ID_SIZE;
  memcpy (buf + pos, am1->activation_key, LK_ACTIVATION_KEY_SIZE);
  pos += LK_ACTIVATION_KEY_SIZE;
  put_be (buf + pos, (guint64) am1->expires, 8);
  pos += 8;
  buf[pos++] = (guint8) serial_len;
  memcpy (buf + pos, am1->serial, serial_len);
  pos += serial_len;
  buf[pos++] = (guint8) issuer_len;
  memcpy (buf + pos, issuer, issuer_len);
  pos += issuer_len;
  buf[pos++] = (guint8) label_len;
  memcpy (buf + pos, label, label_len);
  pos += label_len;

  if (!sha256 (buf, pos, digest, error))
    {
      lk_secure_wipe (buf, len);
      g_free (buf);
      return NULL;
    }
  memcpy (buf + pos, digest, AM1_CHECK_SIZE);
  pos += AM1_CHECK_SIZE;
  g_assert (pos == len);

  b32 = lk_base32_encode (buf, len);
  lk_secure_wipe (buf, len);
  g_free (buf);

  text = g_strconcat (LK_AM1_PREFIX, b32, NULL);
  lk_secure_str_free (b32);
  return text;
}

/* Strips white space, checks @prefix and the length, and Base32-decodes
 * the rest into wiping memory. */
static GBytes *
decode_message (const char  *text,
                const char  *prefix,
                const char  *what,
                GError     **error)
{
  gsize prefix_len = strlen (prefix);
  gsize len;
  const char *start = text;
  g_autofree char *body = NULL;
  g_autoptr(GError) local_error = NULL;
  GBytes *bytes;

  while (g_ascii_isspace (*start))
    start++;
  len = strlen (start);
  while (len > 0 && g_ascii_isspace (start[len - 1]))
    len--;

  if (len > AM_MAX_TEXT)
    {
      g_set_error (error, LK_CORE_ERROR, LK_CORE_ERROR_ACTIVATION,
                   _("This is too long to be an %s"), what);
      return NULL;
    }
  if (len < prefix_len || g_ascii_strncasecmp (start, prefix, prefix_len) != 0)
    {
      g_set_error (error, LK_CORE_ERROR, LK_CORE_ERROR_ACTIVATION,
                   _("This is not an %s: it does not start with “%s”"), what, prefix);
      return NULL;
    }

  body = g_strndup (start + prefix_len, len - prefix_len);
  bytes = lk_base32_decode (body, &local_error);
  lk_secure_wipe (body, strlen (body));
  if (bytes == NULL)
    {
      g_set_error (error, LK_CORE_ERROR, LK_CORE_ERROR_ACTIVATION,
                   _("The %s is damaged: %s"), what, local_error->message);
      return NULL;
    }
  return bytes;
}

/* Reads one length-prefixed string at *@pos, leaving room for @reserve bytes after it. */
static gboolean
read_string (const guint8  *buf,
             gsize          len,
             gsize         *pos,
             gsize          reserve,
             const char   **out,
             gsize         *out_len)
{
  gsize n;

  if (*pos >= len)
    return FALSE;
  n = buf[*pos];
  if (len - *pos - 1 < n + reserve)
    return FALSE;
  *out = (const char *) buf + *pos + 1;
  *out_len = n;
  *pos += 1 + n;
  return TRUE;
}

LkAm1 *
lk_am1_parse (const char  *text,
              GError     **error)
{
  const char *what = _("activation message 1");
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(LkAm1) am1 = NULL;
  g_autoptr(GError) field_error = NULL;
  const guint8 *buf;
  const char *serial, *issuer, *label;
  gsize len, pos, serial_len, issuer_len, label_len;
  guint8 digest[32];
  guint64 expires;

  g_return_val_if_fail (text != NULL, NULL);

  bytes = decode_message (text, LK_AM1_PREFIX, what, error);
  if (bytes == NULL)
    return NULL;
  buf = g_bytes_get_data (bytes, &len);

  if (len >= 1 && buf[0] != AM1_VERSION)
    {
      g_set_error (error, LK_CORE_ERROR, LK_CORE_ERROR_ACTIVATION,
                   _("This activation message has format version %u, which this version of Latchkey does not know"),
                   buf[0]);
      return NULL;
    }

  pos = AM1_FIXED_SIZE;
  if (len < AM1_FIXED_SIZE + 3 + AM1_CHECK_SIZE ||
      !read_string (buf, len, &pos, 2 + AM1_CHECK_SIZE, &serial, &serial_len) ||
      !read_string (buf, len, &pos, 1 + AM1_CHECK_SIZE, &issuer, &issuer_len) ||
      !read_string (buf, len, &pos, AM1_CHECK_SIZE, &label, &label_len) ||
      pos + AM1_CHECK_SIZE != len)
    {
      set_activation_error (error, _("The activation message is incomplete or has extra data; scan or copy it again"));
      return NULL;
    }

  if (!sha256 (buf, pos, digest, error))
    return NULL;
  if (!lk_secure_equal (digest, AM1_CHECK_SIZE, buf + pos, AM1_CHECK_SIZE))
    {
      set_activation_error (error, _("The activation message’s check value does not match; it was mistyped or damaged"));
      return NULL;
    }

  am1 = lk_am1_new ();
  am1->otp.type = buf[1];
  am1->otp.algorithm = buf[2];
  am1->otp.digits = buf[3];
  am1->otp.period = (guint) get_be (buf + 4, 2);
  memcpy (am1->activation_id, buf + 6, LK_ACTIVATION_ID_SIZE);
  memcpy (am1->activation_key, buf + 14, LK_ACTIVATION_KEY_SIZE);
  expires = get_be (buf + 30, 8);
  if (expires > G_MAXINT64)
    {
      set_activation_error (error, _("The activation message has an impossible expiry time"));
      return NULL;
    }
  am1->expires = (gint64) expires;

  if (!check_serial (serial, serial_len, &field_error) ||
      !check_name (_("issuer"), issuer, issuer_len, LK_ACTIVATION_MAX_ISSUER, &field_error) ||
      !check_name (_("account name"), label, label_len, LK_ACTIVATION_MAX_LABEL, &field_error) ||
      !lk_activation_otp_check (&am1->otp, &field_error))
    {
      g_set_error (error, LK_CORE_ERROR, LK_CORE_ERROR_ACTIVATION,
                   _("The activation message cannot be used: %s"), field_error->message);
      return NULL;
    }

  am1->serial = g_strndup (serial, serial_len);
  am1->issuer = g_strndup (issuer, issuer_len);
  am1->label = g_strndup (label, label_len);

  return g_steal_pointer (&am1);
}

gboolean
lk_am1_is_expired (const LkAm1 *am1,
                   gint64       now)
{
  g_return_val_if_fail (am1 != NULL, TRUE);

  return now >= am1->expires;
}

/* ---- Device code ------------------------------------------------------- */

/* The keyed check: HMAC-SHA256(activation key, label || 0 || activation id
 * || version || device id), first 4 bytes. */
static gboolean
device_code_check_value (const guint8  *activation_id,
                         const guint8  *activation_key,
                         const guint8  *head,
                         guint8         out[DEVICE_CODE_CHECK_SIZE],
                         GError       **error)
{
  guint8 mac[32];
  const Part parts[] = {
    { label_device_code, sizeof label_device_code },  /* with its NUL as separator */
    { activation_id, LK_ACTIVATION_ID_SIZE },
    { head, 1 + LK_ACTIVATION_DEVICE_ID_SIZE },
  };

  if (!hmac_sha256 (activation_key, LK_ACTIVATION_KEY_SIZE, parts, G_N_ELEMENTS (parts), mac, error))
    return FALSE;
  memcpy (out, mac, DEVICE_CODE_CHECK_SIZE);
  lk_secure_wipe (mac, sizeof mac);
  return TRUE;
}

gboolean
lk_device_code_compute (const LkAm1   *am1,
                        const guint8  *binding_secret,
                        gsize          binding_secret_len,
                        LkDeviceCode  *out_code,
                        GError       **error)
{
  guint8 mac[32];
  Part parts[2];

  g_return_val_if_fail (am1 != NULL && am1->serial != NULL, FALSE);
  g_return_val_if_fail (binding_secret != NULL, FALSE);
  g_return_val_if_fail (out_code != NULL, FALSE);

  parts[0] = (Part) { label_device_id, sizeof label_device_id };  /* with its NUL as separator */
  parts[1] = (Part) { am1->serial, strlen (am1->serial) };

  if (binding_secret_len < LK_ACTIVATION_BINDING_SECRET_SIZE)
    {
      g_set_error (error, LK_CORE_ERROR, LK_CORE_ERROR_INVALID_ARGUMENT,
                   _("The device binding secret must have at least %d bytes"),
                   LK_ACTIVATION_BINDING_SECRET_SIZE);
      return FALSE;
    }

  /* The device id depends on the licence serial, so two servers or two
   * licences cannot link one device through its codes. */
  if (!hmac_sha256 (binding_secret, binding_secret_len, parts, G_N_ELEMENTS (parts), mac, error))
    return FALSE;

  out_code->bytes[0] = DEVICE_CODE_VERSION;
  memcpy (out_code->bytes + 1, mac, LK_ACTIVATION_DEVICE_ID_SIZE);
  lk_secure_wipe (mac, sizeof mac);

  return device_code_check_value (am1->activation_id, am1->activation_key, out_code->bytes,
                                  out_code->bytes + 1 + LK_ACTIVATION_DEVICE_ID_SIZE, error);
}

/* The weighted sum that the check character brings to 0 modulo 31. Weights
 * 1 .. 20 are distinct and non-zero modulo the prime 31, so any single
 * substitution and any transposition of two characters changes it. */
static guint
device_code_weighted_sum (const guint8 *digits,
                          gsize         n)
{
  guint sum = 0;

  for (gsize i = 0; i < n; i++)
    sum += (guint) (i + 1) * digits[i];
  return sum % DEVICE_RADIX;
}

void
lk_device_code_format (const LkDeviceCode *code,
                       char               *text)
{
  guint8 number[LK_ACTIVATION_DEVICE_CODE_SIZE];
  guint8 digits[DEVICE_CODE_CHARS];
  gsize pos = 0;

  g_return_if_fail (code != NULL && text != NULL);

  /* The 12 bytes as one big-endian number, written in base 31 with the
   * most significant digit first: repeated division, least digit first. */
  memcpy (number, code->bytes, sizeof number);
  for (int d = DEVICE_CODE_DATA_CHARS - 1; d >= 0; d--)
    {
      guint remainder = 0;

      for (gsize i = 0; i < sizeof number; i++)
        {
          guint value = remainder * 256 + number[i];

          number[i] = (guint8) (value / DEVICE_RADIX);
          remainder = value % DEVICE_RADIX;
        }
      digits[d] = (guint8) remainder;
    }

  digits[DEVICE_CODE_DATA_CHARS] =
    (guint8) ((DEVICE_RADIX - device_code_weighted_sum (digits, DEVICE_CODE_DATA_CHARS)) *
              DEVICE_CHECK_WEIGHT_INVERSE % DEVICE_RADIX);

  for (gsize i = 0; i < DEVICE_CODE_CHARS; i++)
    {
      if (i > 0 && i % DEVICE_CODE_GROUP == 0)
        text[pos++] = '-';
      text[pos++] = device_alphabet[digits[i]];
    }
  text[pos] = '\0';

  lk_secure_wipe (number, sizeof number);
  lk_secure_wipe (digits, sizeof digits);
}

gboolean
lk_device_code_parse (const char    *text,
                      LkDeviceCode  *out_code,
                      GError       **error)
{
  guint8 digits[DEVICE_CODE_CHARS];
  guint8 number[LK_ACTIVATION_DEVICE_CODE_SIZE] = { 0 };
  gsize n = 0;
  gsize position = 0;

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (out_code != NULL, FALSE);

  for (const char *p = text; *p != '\0'; p++)
    {
      const char *found;
      char c = g_ascii_toupper (*p);

      position++;
      if (*p == ' ' || *p == '-' || *p == '\t')
        continue;

      found = (c != '\0') ? strchr (device_alphabet, c) : NULL;
      if (found == NULL)
        {
          if (c == '0' || c == 'O' || c == '1' || c == 'I' || c == 'L')
            g_set_error (error, LK_CORE_ERROR, LK_CORE_ERROR_ACTIVATION,
                         _("Device codes never contain “%c” (character %" G_GSIZE_FORMAT "); check the code on the device"),
                         c, position);
          else if (g_ascii_isprint (*p))
            g_set_error (error, LK_CORE_ERROR, LK_CORE_ERROR_ACTIVATION,
                         _("“%c” (character %" G_GSIZE_FORMAT ") cannot appear in a device code"),
                         *p, position);
          else
            g_set_error (error, LK_CORE_ERROR, LK_CORE_ERROR_ACTIVATION,
                         _("Character %" G_GSIZE_FORMAT " cannot appear in a device code"),
                         position);
          return FALSE;
        }
      if (n == DEVICE_CODE_CHARS)
        return set_activation_error (error, _("A device code has 20 characters; this one is longer"));
      digits[n++] = (guint8) (found - device_alphabet);
    }

  if (n != DEVICE_CODE_CHARS)
    {
      g_set_error (error, LK_CORE_ERROR, LK_CORE_ERROR_ACTIVATION,
                   _("A device code has 20 characters; this one has %" G_GSIZE_FORMAT), n);
      return FALSE;
    }

  if (device_code_weighted_sum (digits, DEVICE_CODE_CHARS) != 0)
    return set_activation_error (error, _("The device code is mistyped: its check character does not match"));

  /* Back to 12 bytes: multiply by 31 and add, most significant digit first.
   * 31^19 < 2^96, so this cannot overflow the 12 bytes. */
  for (gsize d = 0; d < DEVICE_CODE_DATA_CHARS; d++)
    {
      guint carry = digits[d];

      for (int i = (int) sizeof number - 1; i >= 0; i--)
        {
          guint value = number[i] * DEVICE_RADIX + carry;

          number[i] = (guint8) (value & 0xff);
          carry = value >> 8;
        }
    }

  if (number[0] != DEVICE_CODE_VERSION)
    return set_activation_error (error, _("This device code was made by a different version of the activation protocol"));

  memcpy (out_code->bytes, number, sizeof number);
  lk_secure_wipe (number, sizeof number);
  lk_secure_wipe (digits, sizeof digits);
  return TRUE;
}

gboolean
lk_device_code_verify (const LkDeviceCode *code,
                       const guint8       *activation_id,
                       const guint8       *activation_key)
{
  guint8 expected[DEVICE_CODE_CHECK_SIZE];
  gboolean ok;

  g_return_val_if_fail (code != NULL, FALSE);
  g_return_val_if_fail (activation_id != NULL && activation_key != NULL, FALSE);

  if (code->bytes[0] != DEVICE_CODE_VERSION)
    return FALSE;
  if (!device_code_check_value (activation_id, activation_key, code->bytes, expected, NULL))
    return FALSE;

  ok = lk_secure_equal (expected, sizeof expected,
                        code->bytes + 1 + LK_ACTIVATION_DEVICE_ID_SIZE, DEVICE_CODE_CHECK_SIZE);
  lk_secure_wipe (expected, sizeof expected);
  return ok;
}

void
lk_device_code_get_device_id (const LkDeviceCode *code,
                              guint8             *device_id)
{
  g_return_if_fail (code != NULL && device_id != NULL);

  memcpy (device_id, code->bytes + 1, LK_ACTIVATION_DEVICE_ID_SIZE);
}

/* ---- AM2 --------------------------------------------------------------- */

char *
lk_am2_build (const guint8          *activation_id,
              const guint8          *activation_key,
              const LkDeviceCode    *code,
              guint32                instance,
              const LkActivationOtp *otp,
              guint64                counter,
              GBytes                *seed,
              GError               **error)
{
  return lk_am2_build_with_nonce (activation_id, activation_key, code, instance,
                                  otp, counter, seed, NULL, error);
}

char *
lk_am2_build_with_nonce (const guint8          *activation_id,
                         const guint8          *activation_key,
                         const LkDeviceCode    *code,
                         guint32                instance,
                         const LkActivationOtp *otp,
                         guint64                counter,
                         GBytes                *seed,
                         const guint8          *nonce,
                         GError               **error)
{
  g_autoptr(EVP_CIPHER) cipher = NULL;
  g_autoptr(EVP_CIPHER_CTX) ctx = NULL;
  const guint8 *seed_data;
  gsize seed_len, plain_len, len;
  guint8 key[32];
  guint8 plain[AM2_PLAIN_FIXED + AM2_MAX_SEED];
  guint8 *buf = NULL;
  int out_len = 0, final_len = 0;
  char *b32, *text = NULL;
  gboolean ok = FALSE;

  g_return_val_if_fail (activation_id != NULL && activation_key != NULL, NULL);
  g_return_val_if_fail (code != NULL && otp != NULL && seed != NULL, NULL);

  if (!lk_activation_otp_check (otp, error))
    return NULL;
  seed_data = g_bytes_get_data (seed, &seed_len);
  if (seed_len < AM2_MIN_SEED || seed_len > AM2_MAX_SEED)
    {
      g_set_error (error, LK_CORE_ERROR, LK_CORE_ERROR_INVALID_ARGUMENT,
                   _("A seed has %d to %d bytes"), AM2_MIN_SEED, AM2_MAX_SEED);
      return NULL;
    }

  plain_len = AM2_PLAIN_FIXED + seed_len;
  plain[0] = (guint8) otp->type;
  plain[1] = (guint8) otp->algorithm;
  plain[2] = (guint8) otp->digits;
  put_be (plain + 3, otp->period, 2);
  put_be (plain + 5, counter, 8);
  plain[13] = (guint8) seed_len;
  memcpy (plain + AM2_PLAIN_FIXED, seed_data, seed_len);

  len = AM2_HEADER_SIZE + AM2_NONCE_SIZE + plain_len + AM2_TAG_SIZE;
  buf = g_malloc (len);
  buf[0] = AM2_VERSION;
  memcpy (buf + 1, activation_id, LK_ACTIVATION_ID_SIZE);
  put_be (buf + 1 + LK_ACTIVATION_ID_SIZE, instance, 4);

  if (nonce != NULL)
    memcpy (buf + AM2_HEADER_SIZE, nonce, AM2_NONCE_SIZE);
  else if (!lk_random_bytes (buf + AM2_HEADER_SIZE, AM2_NONCE_SIZE, error))
    goto out;

  if (!derive_am2_key (activation_id, activation_key, code, key, error))
    goto out;

  cipher = EVP_CIPHER_fetch (NULL, "AES-256-GCM", NULL);
  if (cipher == NULL || (ctx = EVP_CIPHER_CTX_new ()) == NULL ||
      !EVP_EncryptInit_ex2 (ctx, cipher, key, buf + AM2_HEADER_SIZE, NULL) ||
      !EVP_EncryptUpdate (ctx, NULL, &out_len, buf, AM2_HEADER_SIZE) ||
      !EVP_EncryptUpdate (ctx, buf + AM2_HEADER_SIZE + AM2_NONCE_SIZE, &out_len, plain, (int) plain_len) ||
      !EVP_EncryptFinal_ex (ctx, buf + AM2_HEADER_SIZE + AM2_NONCE_SIZE + out_len, &final_len) ||
      (gsize) (out_len + final_len) != plain_len ||
      !EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_GCM_GET_TAG, AM2_TAG_SIZE, buf + len - AM2_TAG_SIZE))
    {
      g_set_error_literal (error, LK_CORE_ERROR, LK_CORE_ERROR_CRYPTO,
                           _("Activation message 2 could not be encrypted"));
      goto out;
    }

  b32 = lk_base32_encode (buf, len);
  text = g_strconcat (LK_AM2_PREFIX, b32, NULL);
  g_free (b32);
  ok = TRUE;

out:
  lk_secure_wipe (key, sizeof key);
  lk_secure_wipe (plain, sizeof plain);
  g_free (buf);
  return ok ? text : NULL;
}

/* Decodes an AM2 and checks its framing; returns the bytes. */
static GBytes *
am2_decode (const char  *text,
            GError     **error)
{
  g_autoptr(GBytes) bytes = NULL;
  const guint8 *buf;
  gsize len;

  bytes = decode_message (text, LK_AM2_PREFIX, _("activation message 2"), error);
  if (bytes == NULL)
    return NULL;
  buf = g_bytes_get_data (bytes, &len);

  if (len >= 1 && buf[0] != AM2_VERSION)
    {
      g_set_error (error, LK_CORE_ERROR, LK_CORE_ERROR_ACTIVATION,
                   _("This activation message has format version %u, which this version of Latchkey does not know"),
                   buf[0]);
      return NULL;
    }
  if (len < AM2_HEADER_SIZE + AM2_NONCE_SIZE + AM2_PLAIN_FIXED + AM2_MIN_SEED + AM2_TAG_SIZE ||
      len > AM2_HEADER_SIZE + AM2_NONCE_SIZE + AM2_PLAIN_FIXED + AM2_MAX_SEED + AM2_TAG_SIZE)
    {
      set_activation_error (error, _("The activation message is incomplete or has extra data; scan or copy it again"));
      return NULL;
    }
  return g_steal_pointer (&bytes);
}

gboolean
lk_am2_peek (const char  *text,
             guint8      *out_activation_id,
             guint32     *out_instance,
             GError     **error)
{
  g_autoptr(GBytes) bytes = NULL;
  const guint8 *buf;

  g_return_val_if_fail (text != NULL, FALSE);

  bytes = am2_decode (text, error);
  if (bytes == NULL)
    return FALSE;
  buf = g_bytes_get_data (bytes, NULL);

  if (out_activation_id != NULL)
    memcpy (out_activation_id, buf + 1, LK_ACTIVATION_ID_SIZE);
  if (out_instance != NULL)
    *out_instance = (guint32) get_be (buf + 1 + LK_ACTIVATION_ID_SIZE, 4);
  return TRUE;
}

gboolean
lk_am2_open (const char          *text,
             const LkAm1         *am1,
             const LkDeviceCode  *code,
             guint32             *out_instance,
             LkActivationOtp     *out_otp,
             guint64             *out_counter,
             GBytes             **out_seed,
             GError             **error)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(EVP_CIPHER) cipher = NULL;
  g_autoptr(EVP_CIPHER_CTX) ctx = NULL;
  g_autoptr(GError) otp_error = NULL;
  const guint8 *buf;
  gsize len, cipher_len, seed_len;
  guint8 key[32];
  guint8 *plain = NULL;
  LkActivationOtp otp;
  int out_len = 0, final_len = 0;
  gboolean ok = FALSE;

  g_return_val_if_fail (text != NULL && am1 != NULL && code != NULL, FALSE);

  bytes = am2_decode (text, error);
  if (bytes == NULL)
    return FALSE;
  buf = g_bytes_get_data (bytes, &len);

  /* A clear refusal for the common mistake of scanning the AM2 of another
   * activation; a forged header would still fail the tag below. */
  if (!lk_secure_equal (buf + 1, LK_ACTIVATION_ID_SIZE, am1->activation_id, LK_ACTIVATION_ID_SIZE))
    return set_activation_error (error, _("This activation message 2 belongs to a different activation; scan the one made for this device code"));

  cipher_len = len - AM2_HEADER_SIZE - AM2_NONCE_SIZE - AM2_TAG_SIZE;
  plain = g_malloc (cipher_len);

  if (!derive_am2_key (am1->activation_id, am1->activation_key, code, key, error))
    goto out;

  cipher = EVP_CIPHER_fetch (NULL, "AES-256-GCM", NULL);
  if (cipher == NULL || (ctx = EVP_CIPHER_CTX_new ()) == NULL ||
      !EVP_DecryptInit_ex2 (ctx, cipher, key, buf + AM2_HEADER_SIZE, NULL) ||
      !EVP_DecryptUpdate (ctx, NULL, &out_len, buf, AM2_HEADER_SIZE) ||
      !EVP_DecryptUpdate (ctx, plain, &out_len, buf + AM2_HEADER_SIZE + AM2_NONCE_SIZE, (int) cipher_len) ||
      !EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_GCM_SET_TAG, AM2_TAG_SIZE, (void *) (buf + len - AM2_TAG_SIZE)))
    {
      g_set_error_literal (error, LK_CORE_ERROR, LK_CORE_ERROR_CRYPTO,
                           _("Activation message 2 could not be decrypted"));
      goto out;
    }
  if (EVP_DecryptFinal_ex (ctx, plain + out_len, &final_len) != 1)
    {
      set_activation_error (error, _("Activation message 2 does not match this activation: it was altered, or it was made for another device code"));
      goto out;
    }

  otp.type = plain[0];
  otp.algorithm = plain[1];
  otp.digits = plain[2];
  otp.period = (guint) get_be (plain + 3, 2);
  seed_len = plain[13];
  if (seed_len != cipher_len - AM2_PLAIN_FIXED || seed_len < AM2_MIN_SEED)
    {
      set_activation_error (error, _("Activation message 2 has a malformed seed"));
      goto out;
    }
  if (!lk_activation_otp_check (&otp, &otp_error))
    {
      g_set_error (error, LK_CORE_ERROR, LK_CORE_ERROR_ACTIVATION,
                   _("Activation message 2 cannot be used: %s"), otp_error->message);
      goto out;
    }

  if (out_instance != NULL)
    *out_instance = (guint32) get_be (buf + 1 + LK_ACTIVATION_ID_SIZE, 4);
  if (out_otp != NULL)
    *out_otp = otp;
  if (out_counter != NULL)
    *out_counter = get_be (plain + 5, 8);
  if (out_seed != NULL)
    *out_seed = lk_secure_bytes_new (plain + AM2_PLAIN_FIXED, seed_len);
  ok = TRUE;

out:
  lk_secure_wipe (key, sizeof key);
  lk_secure_wipe (plain, cipher_len);
  g_free (plain);
  return ok;
}

/* ---- Pending activation ------------------------------------------------ */

char *
lk_activation_pending_serialize (const LkAm1        *am1,
                                 const LkDeviceCode *code,
                                 GError            **error)
{
  char code_text[LK_DEVICE_CODE_TEXT_SIZE];
  char *am1_text, *text;

  g_return_val_if_fail (am1 != NULL && code != NULL, NULL);

  am1_text = lk_am1_format (am1, error);
  if (am1_text == NULL)
    return NULL;
  lk_device_code_format (code, code_text);
  text = g_strconcat (am1_text, "\n", code_text, NULL);
  lk_secure_str_free (am1_text);
  lk_secure_wipe (code_text, sizeof code_text);
  return text;
}

gboolean
lk_activation_pending_deserialize (const char    *text,
                                   LkAm1        **out_am1,
                                   LkDeviceCode  *out_code,
                                   GError       **error)
{
  const char *newline;
  char *am1_text;
  LkAm1 *am1;

  g_return_val_if_fail (text != NULL && out_am1 != NULL && out_code != NULL, FALSE);

  newline = strchr (text, '\n');
  if (newline == NULL)
    return set_activation_error (error, _("The pending activation is damaged"));

  am1_text = g_strndup (text, (gsize) (newline - text));
  am1 = lk_am1_parse (am1_text, error);
  lk_secure_str_free (am1_text);
  if (am1 == NULL)
    return FALSE;

  if (!lk_device_code_parse (newline + 1, out_code, error))
    {
      lk_am1_free (am1);
      return FALSE;
    }

  *out_am1 = am1;
  return TRUE;
}

/* ---- Test signature by challenge ---------------------------------------- */

char *
lk_activation_ocra_suite (const LkActivationOtp *otp)
{
  g_return_val_if_fail (otp != NULL, NULL);

  return g_strdup_printf ("OCRA-1:HOTP-%s-%u:QN%02d", lk_hash_to_string (otp->algorithm),
                          otp->digits, LK_ACTIVATION_CHALLENGE_DIGITS);
}

gboolean
lk_activation_new_challenge (char    *challenge,
                             GError **error)
{
  g_return_val_if_fail (challenge != NULL, FALSE);

  for (guint i = 0; i < LK_ACTIVATION_CHALLENGE_DIGITS; i++)
    {
      guint8 byte;

      /* Rejection sampling keeps every digit equally likely: 250 is the
       * largest multiple of 10 not above 256. */
      do
        {
          if (!lk_random_bytes (&byte, 1, error))
            return FALSE;
        }
      while (byte >= 250);
      challenge[i] = (char) ('0' + byte % 10);
    }
  challenge[LK_ACTIVATION_CHALLENGE_DIGITS] = '\0';
  return TRUE;
}

gboolean
lk_activation_test_response (const LkActivationOtp *otp,
                             const guint8          *seed,
                             gsize                  seed_len,
                             const char            *challenge,
                             char                  *response,
                             GError               **error)
{
  g_autoptr(LkOcraSuite) suite = NULL;
  g_autofree char *suite_text = NULL;
  LkOcraInput input = { 0 };

  g_return_val_if_fail (otp != NULL && seed != NULL && challenge != NULL && response != NULL, FALSE);

  if (strlen (challenge) != LK_ACTIVATION_CHALLENGE_DIGITS ||
      strspn (challenge, "0123456789") != LK_ACTIVATION_CHALLENGE_DIGITS)
    {
      g_set_error (error, LK_CORE_ERROR, LK_CORE_ERROR_INVALID_ARGUMENT,
                   _("A test challenge has %d digits"), LK_ACTIVATION_CHALLENGE_DIGITS);
      return FALSE;
    }
  if (!lk_activation_otp_check (otp, error))
    return FALSE;

  suite_text = lk_activation_ocra_suite (otp);
  suite = lk_ocra_suite_parse (suite_text, error);
  if (suite == NULL)
    return FALSE;
  input.question = challenge;
  return lk_ocra_compute (suite, seed, seed_len, &input, response, error);
}
