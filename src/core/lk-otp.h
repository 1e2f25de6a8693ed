/* SPDX-License-Identifier: GPL-3.0-or-later
 * HOTP (RFC 4226), TOTP (RFC 6238) and the seed generator.
 *
 * An LkOtpKey holds the HMAC key schedule computed once, so checking a
 * window of counters costs one HMAC per counter and no key set-up. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  LK_HASH_SHA1,
  LK_HASH_SHA256,
  LK_HASH_SHA512,
} LkHash;

#define LK_OTP_MIN_DIGITS   6
#define LK_OTP_MAX_DIGITS   10
#define LK_OTP_MIN_PERIOD   1
#define LK_OTP_MAX_PERIOD   3600
#define LK_OTP_CODE_SIZE    (LK_OTP_MAX_DIGITS + 1)  /* a code and its NUL */

/* "SHA1", "SHA256", "SHA512" (case-insensitive, "SHA-1" accepted too). */
gboolean     lk_hash_from_string    (const char  *name,
                                     LkHash      *out_hash);
const char  *lk_hash_to_string      (LkHash       hash);  /* "SHA1", ... */
gsize        lk_hash_default_seed_length (LkHash  hash);  /* 20, 32, 64 */
gsize        lk_hash_digest_size    (LkHash       hash);  /* 20, 32, 64; 0 if unknown */

#define LK_HASH_MAX_DIGEST_SIZE 64

typedef struct _LkOtpKey LkOtpKey;

/* Key backend: lk_otp_key_new/free/get_hash/hmac and lk_hotp_value are
 * implemented twice, in lk-otp-key.c (OpenSSL, the default: lk_core_dep)
 * and lk-otp-key-gcrypt.c (libgcrypt: lk_core_desktop_dep, for token
 * mode's process, which maps libgcrypt through libsecret anyway and so
 * need not map libcrypto). Same behaviour, same vectors (test-otp runs
 * against both). */

/* Precomputes the HMAC state (the hash states after the ipad and opad
 * blocks) from @secret; @secret itself is not kept, and the states, which
 * are as good as the key, are wiped when the key is freed. A secret longer
 * than the hash block is hashed first, as RFC 2104 says. An empty secret
 * is refused (LK_CORE_ERROR_INVALID_ARGUMENT). */
LkOtpKey    *lk_otp_key_new         (LkHash        hash,
                                     const guint8 *secret,
                                     gsize         secret_len,
                                     GError      **error);
void         lk_otp_key_free        (LkOtpKey     *key);
LkHash       lk_otp_key_get_hash    (const LkOtpKey *key);

/* HMAC(@data) with the precomputed key state; writes the digest into @out
 * (at least LK_HASH_MAX_DIGEST_SIZE bytes) and returns its length. Used by
 * OCRA and by Steam codes. The caller wipes @out when done. */
gsize        lk_otp_key_hmac        (const LkOtpKey *key,
                                     const guint8 *data,
                                     gsize         len,
                                     guint8       *out);

/* RFC 4226 dynamic truncation of an HMAC digest: a 31-bit number. */
guint32      lk_otp_truncate        (const guint8 *digest,
                                     gsize         digest_len);

/* The truncated HMAC of @counter (8 bytes, big-endian) before the modulo. */
guint32      lk_hotp_value          (const LkOtpKey *key,
                                     guint64       counter);

/* Writes @value modulo 10^@digits as exactly @digits digits and a NUL;
 * @digits 1..10. */
void         lk_otp_format_code     (guint32       value,
                                     guint         digits,
                                     char         *code);

/* Writes @digits decimal digits and a NUL into @code (at least
 * LK_OTP_CODE_SIZE bytes). Digits outside 6..10 are a programmer error. */
void         lk_hotp_generate       (const LkOtpKey *key,
                                     guint64       counter,
                                     guint         digits,
                                     char         *code);

/* The RFC 6238 time step: floor((unix_time - t0) / period). */
gint64       lk_totp_time_step      (gint64        unix_time,
                                     gint64        t0,
                                     guint         period);

void         lk_totp_generate       (const LkOtpKey *key,
                                     gint64        unix_time,
                                     gint64        t0,
                                     guint         period,
                                     guint         digits,
                                     char         *code);

/* Looks for @code at counters @counter .. @counter + @window (inclusive).
 * Every candidate is compared in constant time. On a match sets
 * @matched_counter and returns TRUE. A code of the wrong length or with
 * non-digits never matches. */
gboolean     lk_hotp_validate       (const LkOtpKey *key,
                                     guint         digits,
                                     guint64       counter,
                                     guint         window,
                                     const char   *code,
                                     guint64      *matched_counter);

/* Looks for @code at time steps centre-@window .. centre+@window, where
 * centre = time step of @unix_time plus @drift_steps. Steps are tried from
 * the centre outwards so the nearest match wins. Sets @matched_step. */
gboolean     lk_totp_validate       (const LkOtpKey *key,
                                     guint         digits,
                                     gint64        unix_time,
                                     gint64        t0,
                                     guint         period,
                                     gint          drift_steps,
                                     guint         window,
                                     const char   *code,
                                     gint64       *matched_step);

/* A fresh random seed of lk_hash_default_seed_length(@hash) bytes, in a
 * GBytes that wipes itself when freed. */
GBytes      *lk_otp_generate_seed   (LkHash        hash,
                                     GError      **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LkOtpKey, lk_otp_key_free)

G_END_DECLS
