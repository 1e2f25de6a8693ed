/* SPDX-License-Identifier: GPL-3.0-or-later
 * The HMAC key of HOTP/TOTP with libgcrypt, for token mode's process (lk-otp-key.c says why there are two). */
#include "config.h"

#include <string.h>
#include <gcrypt.h>
#include <glib/gi18n.h>

#include "lk-core-error.h"
#include "lk-otp.h"
#include "lk-secure.h"

/* The secret itself, wiped when the key is freed: libgcrypt offers no copy
 * of a keyed state that is cheaper than keying a new handle, and a token
 * window computes a code per token and period, not thousands a second. */
struct _LkOtpKey
{
  LkHash hash;
  gsize  secret_len;
  guint8 secret[];
};

static int
md_algo (LkHash hash)
{
  switch (hash)
    {
    case LK_HASH_SHA1: return GCRY_MD_SHA1;
    case LK_HASH_SHA256: return GCRY_MD_SHA256;
    case LK_HASH_SHA512: return GCRY_MD_SHA512;
    default: return GCRY_MD_NONE;
    }
}

/* libsecret initialises libgcrypt (its allocators, secure memory) when it
 * opens a session; gcry_check_version() is the one call that must come
 * before any other, and is harmless after libsecret's. The rest of the
 * initialisation is left to libsecret: finishing it here would leave
 * libsecret without its secure memory. */
static void
ensure_gcrypt (void)
{
  static gsize done;

  if (g_once_init_enter (&done))
    {
      gcry_check_version (NULL);
      g_once_init_leave (&done, 1);
    }
}

/* A keyed handle per use, so a key may be used from several threads at
 * once, as lk-otp-key.c's can; gcry_md_close() wipes the handle. */
static gcry_md_hd_t
open_keyed (const LkOtpKey *key)
{
  gcry_md_hd_t md = NULL;

  if (gcry_md_open (&md, md_algo (key->hash), GCRY_MD_FLAG_HMAC) != 0 ||
      gcry_md_setkey (md, key->secret, key->secret_len) != 0)
    {
      /* lk_otp_key_new() keyed a handle already: only memory can run out. */
      g_error ("libgcrypt could not key an HMAC-%s handle", lk_hash_to_string (key->hash));
    }
  return md;
}

LkOtpKey *
lk_otp_key_new (LkHash         hash,
                const guint8  *secret,
                gsize          secret_len,
                GError       **error)
{
  LkOtpKey *key;
  gcry_md_hd_t md;

  if (lk_hash_to_string (hash) == NULL)
    {
      g_set_error (error, LK_CORE_ERROR, LK_CORE_ERROR_INVALID_ARGUMENT,
                   _("Unknown hash algorithm number %d"), (int) hash);
      return NULL;
    }
  if (secret == NULL || secret_len == 0)
    {
      g_set_error_literal (error, LK_CORE_ERROR, LK_CORE_ERROR_INVALID_ARGUMENT,
                           _("The secret key is empty"));
      return NULL;
    }

  ensure_gcrypt ();
  key = g_malloc (sizeof *key + secret_len);
  key->hash = hash;
  key->secret_len = secret_len;
  memcpy (key->secret, secret, secret_len);

  /* Keyed once here, so that a failure is an error for the caller and
   * open_keyed() later can only fail for want of memory. */
  if (gcry_md_open (&md, md_algo (hash), GCRY_MD_FLAG_HMAC) != 0 ||
      gcry_md_setkey (md, key->secret, key->secret_len) != 0)
    {
      gcry_md_close (md);
      lk_otp_key_free (key);
      g_set_error (error, LK_CORE_ERROR, LK_CORE_ERROR_CRYPTO,
                   _("HMAC-%s is not available"), lk_hash_to_string (hash));
      return NULL;
    }
  gcry_md_close (md);
  return key;
}

void
lk_otp_key_free (LkOtpKey *key)
{
  if (key == NULL)
    return;
  lk_secure_wipe (key->secret, key->secret_len);
  g_free (key);
}

LkHash
lk_otp_key_get_hash (const LkOtpKey *key)
{
  return key->hash;
}

gsize
lk_otp_key_hmac (const LkOtpKey *key,
                 const guint8   *data,
                 gsize           len,
                 guint8         *out)
{
  gsize size = lk_hash_digest_size (key->hash);
  gcry_md_hd_t md = open_keyed (key);

  gcry_md_write (md, data, len);
  memcpy (out, gcry_md_read (md, 0), size);
  gcry_md_close (md);
  return size;
}

guint32
lk_hotp_value (const LkOtpKey *key,
               guint64         counter)
{
  guint8 message[8], digest[LK_HASH_MAX_DIGEST_SIZE];
  gsize size;
  guint32 value;

  for (int i = 7; i >= 0; i--)
    {
      message[i] = (guint8) counter;
      counter >>= 8;
    }
  size = lk_otp_key_hmac (key, message, sizeof message, digest);
  value = lk_otp_truncate (digest, size);
  lk_secure_wipe (digest, sizeof digest);
  lk_secure_wipe (message, sizeof message);
  return value;
}
