/* SPDX-License-Identifier: GPL-3.0-or-later
 * The HMAC key of HOTP/TOTP with OpenSSL: inner and outer states computed once per key, one block per code. */
#include "config.h"

/* The inner and outer HMAC states are precomputed once per key and copied
 * per counter, so one HOTP costs two compression-function calls and no
 * allocation. OpenSSL 3 offers no public, non-deprecated way to copy a
 * digest state without a heap allocation (EVP_MD_CTX_copy_ex dups the
 * provider context on every call), so this one file uses the plain
 * SHA*_CTX structures; they are still part of OpenSSL 3's ABI.
 *
 * lk-otp-key-gcrypt.c is the same interface on libgcrypt, for token mode's
 * process, which already maps libgcrypt through libsecret and need not map
 * libcrypto (src/core/meson.build picks one per program). Both define
 * exactly the lk-otp.h functions marked "key backend". */
#undef OPENSSL_NO_DEPRECATED
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include <string.h>
#include <glib/gi18n.h>
#include <openssl/sha.h>

#include "lk-core-error.h"
#include "lk-otp.h"
#include "lk-secure.h"

struct _LkOtpKey
{
  LkHash hash;
  union
  {
    struct { SHA_CTX inner, outer; } sha1;
    struct { SHA256_CTX inner, outer; } sha256;
    struct { SHA512_CTX inner, outer; } sha512;
  } u;
};

static gsize
hash_block_size (LkHash hash)
{
  return hash == LK_HASH_SHA512 ? SHA512_CBLOCK : SHA_CBLOCK;
}

/* Hashes a key longer than one block, as HMAC (RFC 2104) requires. */
static gsize
shorten_key (LkHash        hash,
             const guint8 *secret,
             gsize         secret_len,
             guint8       *out)
{
  switch (hash)
    {
    case LK_HASH_SHA1: SHA1 (secret, secret_len, out); break;
    case LK_HASH_SHA256: SHA256 (secret, secret_len, out); break;
    case LK_HASH_SHA512: SHA512 (secret, secret_len, out); break;
    default: g_assert_not_reached ();
    }
  return lk_hash_digest_size (hash);
}

static gsize
key_size (LkHash hash)
{
  switch (hash)
    {
    case LK_HASH_SHA1: return G_STRUCT_OFFSET (LkOtpKey, u) + sizeof (((LkOtpKey *) NULL)->u.sha1);
    case LK_HASH_SHA256: return G_STRUCT_OFFSET (LkOtpKey, u) + sizeof (((LkOtpKey *) NULL)->u.sha256);
    case LK_HASH_SHA512: return G_STRUCT_OFFSET (LkOtpKey, u) + sizeof (((LkOtpKey *) NULL)->u.sha512);
    default: g_assert_not_reached ();
    }
}

LkOtpKey *
lk_otp_key_new (LkHash         hash,
                const guint8  *secret,
                gsize          secret_len,
                GError       **error)
{
  guint8 ipad[SHA512_CBLOCK], opad[SHA512_CBLOCK];
  gsize block;
  LkOtpKey *key;

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

  block = hash_block_size (hash);
  memset (ipad, 0, block);
  if (secret_len > block)
    shorten_key (hash, secret, secret_len, ipad);
  else
    memcpy (ipad, secret, secret_len);
  for (gsize i = 0; i < block; i++)
    {
      opad[i] = ipad[i] ^ 0x5c;
      ipad[i] ^= 0x36;
    }

  /* Only the states this hash uses are allocated and later wiped: a
   * server builds a key per validation, so this is on the hot path. */
  key = g_malloc (key_size (hash));
  key->hash = hash;
  switch (hash)
    {
    case LK_HASH_SHA1:
      SHA1_Init (&key->u.sha1.inner);
      SHA1_Update (&key->u.sha1.inner, ipad, block);
      SHA1_Init (&key->u.sha1.outer);
      SHA1_Update (&key->u.sha1.outer, opad, block);
      break;
    case LK_HASH_SHA256:
      SHA256_Init (&key->u.sha256.inner);
      SHA256_Update (&key->u.sha256.inner, ipad, block);
      SHA256_Init (&key->u.sha256.outer);
      SHA256_Update (&key->u.sha256.outer, opad, block);
      break;
    case LK_HASH_SHA512:
      SHA512_Init (&key->u.sha512.inner);
      SHA512_Update (&key->u.sha512.inner, ipad, block);
      SHA512_Init (&key->u.sha512.outer);
      SHA512_Update (&key->u.sha512.outer, opad, block);
      break;
    default:
      g_assert_not_reached ();
    }
  lk_secure_wipe (ipad, block);
  lk_secure_wipe (opad, block);
  return key;
}

void
lk_otp_key_free (LkOtpKey *key)
{
  if (key == NULL)
    return;
  /* The precomputed states are as good as the key itself. */
  lk_secure_wipe (key, key_size (key->hash));
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

  /* Copies of the precomputed states on the stack, wiped afterwards. */
  switch (key->hash)
    {
    case LK_HASH_SHA1:
      {
        SHA_CTX ctx = key->u.sha1.inner;

        SHA1_Update (&ctx, data, len);
        SHA1_Final (out, &ctx);
        ctx = key->u.sha1.outer;
        SHA1_Update (&ctx, out, SHA_DIGEST_LENGTH);
        SHA1_Final (out, &ctx);
        lk_secure_wipe (&ctx, sizeof ctx);
      }
      break;
    case LK_HASH_SHA256:
      {
        SHA256_CTX ctx = key->u.sha256.inner;

        SHA256_Update (&ctx, data, len);
        SHA256_Final (out, &ctx);
        ctx = key->u.sha256.outer;
        SHA256_Update (&ctx, out, SHA256_DIGEST_LENGTH);
        SHA256_Final (out, &ctx);
        lk_secure_wipe (&ctx, sizeof ctx);
      }
      break;
    case LK_HASH_SHA512:
      {
        SHA512_CTX ctx = key->u.sha512.inner;

        SHA512_Update (&ctx, data, len);
        SHA512_Final (out, &ctx);
        ctx = key->u.sha512.outer;
        SHA512_Update (&ctx, out, SHA512_DIGEST_LENGTH);
        SHA512_Final (out, &ctx);
        lk_secure_wipe (&ctx, sizeof ctx);
      }
      break;
    default:
      g_assert_not_reached ();
    }
  return size;
}

static inline void
put_be32 (guint8  *out,
          guint32  v)
{
  out[0] = (guint8) (v >> 24);
  out[1] = (guint8) (v >> 16);
  out[2] = (guint8) (v >> 8);
  out[3] = (guint8) v;
}

static inline void
put_be64 (guint8  *out,
          guint64  v)
{
  put_be32 (out, (guint32) (v >> 32));
  put_be32 (out + 4, (guint32) v);
}

/* The HOTP hot path. An 8-byte counter after the ipad block, and a digest
 * after the opad block, each fit in one final block whose padding is
 * known in advance, so each half of the HMAC is one call of the
 * compression function on a block built here, with no buffering. The
 * lengths in the padding count the key block too: (64 + 8) * 8 = 576 bits
 * inside, (64 + 20) * 8 = 672 or (64 + 32) * 8 = 768 outside; SHA-512
 * has 128-byte blocks, so (128 + 8) * 8 = 1088 and (128 + 64) * 8 = 1536. */
guint32
lk_hotp_value (const LkOtpKey *key,
               guint64         counter)
{
  guint8 block[SHA512_CBLOCK];
  guint32 value;

  switch (key->hash)
    {
    case LK_HASH_SHA1:
      {
        SHA_CTX ctx = key->u.sha1.inner;

        memset (block, 0, SHA_CBLOCK);
        put_be64 (block, counter);
        block[8] = 0x80;
        put_be32 (block + SHA_CBLOCK - 4, (SHA_CBLOCK + 8) * 8);
        SHA1_Transform (&ctx, block);

        memset (block, 0, SHA_CBLOCK);
        put_be32 (block, ctx.h0);
        put_be32 (block + 4, ctx.h1);
        put_be32 (block + 8, ctx.h2);
        put_be32 (block + 12, ctx.h3);
        put_be32 (block + 16, ctx.h4);
        block[SHA_DIGEST_LENGTH] = 0x80;
        put_be32 (block + SHA_CBLOCK - 4, (SHA_CBLOCK + SHA_DIGEST_LENGTH) * 8);
        ctx = key->u.sha1.outer;
        SHA1_Transform (&ctx, block);

        put_be32 (block, ctx.h0);
        put_be32 (block + 4, ctx.h1);
        put_be32 (block + 8, ctx.h2);
        put_be32 (block + 12, ctx.h3);
        put_be32 (block + 16, ctx.h4);
        value = lk_otp_truncate (block, SHA_DIGEST_LENGTH);
        lk_secure_wipe (&ctx, sizeof ctx);
      }
      break;

    case LK_HASH_SHA256:
      {
        SHA256_CTX ctx = key->u.sha256.inner;

        memset (block, 0, SHA256_CBLOCK);
        put_be64 (block, counter);
        block[8] = 0x80;
        put_be32 (block + SHA256_CBLOCK - 4, (SHA256_CBLOCK + 8) * 8);
        SHA256_Transform (&ctx, block);

        memset (block, 0, SHA256_CBLOCK);
        for (int i = 0; i < 8; i++)
          put_be32 (block + 4 * i, ctx.h[i]);
        block[SHA256_DIGEST_LENGTH] = 0x80;
        put_be32 (block + SHA256_CBLOCK - 4, (SHA256_CBLOCK + SHA256_DIGEST_LENGTH) * 8);
        ctx = key->u.sha256.outer;
        SHA256_Transform (&ctx, block);

        for (int i = 0; i < 8; i++)
          put_be32 (block + 4 * i, ctx.h[i]);
        value = lk_otp_truncate (block, SHA256_DIGEST_LENGTH);
        lk_secure_wipe (&ctx, sizeof ctx);
      }
      break;

    case LK_HASH_SHA512:
      {
        SHA512_CTX ctx = key->u.sha512.inner;

        memset (block, 0, SHA512_CBLOCK);
        put_be64 (block, counter);
        block[8] = 0x80;
        put_be32 (block + SHA512_CBLOCK - 4, (SHA512_CBLOCK + 8) * 8);
        SHA512_Transform (&ctx, block);

        memset (block, 0, SHA512_CBLOCK);
        for (int i = 0; i < 8; i++)
          put_be64 (block + 8 * i, ctx.h[i]);
        block[SHA512_DIGEST_LENGTH] = 0x80;
        put_be32 (block + SHA512_CBLOCK - 4, (SHA512_CBLOCK + SHA512_DIGEST_LENGTH) * 8);
        ctx = key->u.sha512.outer;
        SHA512_Transform (&ctx, block);

        for (int i = 0; i < 8; i++)
          put_be64 (block + 8 * i, ctx.h[i]);
        value = lk_otp_truncate (block, SHA512_DIGEST_LENGTH);
        lk_secure_wipe (&ctx, sizeof ctx);
      }
      break;

    default:
      g_assert_not_reached ();
    }
  lk_secure_wipe (block, sizeof block);
  return value;
}
