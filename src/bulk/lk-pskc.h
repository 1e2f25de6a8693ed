/* SPDX-License-Identifier: GPL-3.0-or-later
 * PSKC (RFC 6030) key containers: a reader for vendors' HOTP/TOTP files
 * (plain, pre-shared AES key or PBKDF2 password, HMAC-SHA1 ValueMAC) and a
 * writer for exports. The XML parser never loads a DTD, expands an entity
 * or touches the network: a document with a DOCTYPE is refused unread. */
#pragma once

#include <glib.h>
#include "lk-bulk-error.h"
#include "lk-otp.h"

G_BEGIN_DECLS

/* Larger files are refused before parsing (10,000 encrypted keys take
 * about 15 MiB). */
#define LK_PSKC_MAX_SIZE  (128 * 1024 * 1024)
/* PBKDF2 iteration counts above this are refused (a file cannot make the
 * reader spin for minutes). */
#define LK_PSKC_MAX_ITERATIONS 10000000

typedef enum
{
  LK_PSKC_HOTP,
  LK_PSKC_TOTP,
} LkPskcKind;

/* One key of a container. Strings are NULL when absent. */
typedef struct
{
  guint       index;          /* 1-based position of the Key in the file */
  char       *id;             /* Key/@Id */
  char       *serial;         /* DeviceInfo/SerialNo */
  char       *manufacturer;   /* DeviceInfo/Manufacturer */
  char       *issuer;         /* Key/Issuer */
  LkPskcKind  kind;
  LkHash      hash;           /* AlgorithmParameters/Suite; SHA1 by default */
  guint       digits;         /* ResponseFormat/@Length */
  guint64     counter;        /* Data/Counter (HOTP) */
  guint       period;         /* Data/TimeInterval (TOTP); 30 by default */
  gint64      time_drift;     /* Data/TimeDrift: the token's clock drift in intervals */
  GBytes     *secret;         /* Data/Secret, wiped on free; NULL when error is set */
  GError     *error;          /* why this key cannot be used (the others still can), or NULL */
} LkPskcKey;

LkPskcKey *lk_pskc_key_new  (void);
void       lk_pskc_key_free (LkPskcKey *key);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LkPskcKey, lk_pskc_key_free)

/* How a container's secrets are protected (reading: what the caller has;
 * writing: what to use). All NULL/0 = plain values. The last three fields
 * are for reading only. */
typedef struct
{
  const guint8 *key;          /* pre-shared AES key: 16 (aes128-cbc), 24 or 32 (aes256-cbc) bytes */
  gsize         key_len;
  const char   *password;     /* PBKDF2 DerivedKey */
  guint         iterations;   /* writing with a password: 0 = 100,000 */
  const char   *private_key_pem;  /* RSA private key (PEM, unencrypted) for files encrypted
                                   * to a certificate (RFC 6030 section 6.3) */
  const char   *signer_cert_pem;  /* the certificate (PEM) the file must be signed with; an
                                   * unsigned file is then refused */
  gboolean      allow_untrusted_signer; /* accept a valid signature by the certificate in the
                                         * file without a signer_cert_pem */
} LkPskcProtection;

typedef enum
{
  LK_PSKC_UNSIGNED,           /* no XML signature */
  LK_PSKC_SIGNED_TRUSTED,     /* signed with signer_cert_pem */
  LK_PSKC_SIGNED_UNTRUSTED,   /* signed with the file's own certificate (allow_untrusted_signer) */
} LkPskcSignature;

/* What lk_pskc_read_full() found out about the file as a whole. */
typedef struct
{
  LkPskcSignature  signature;
  char            *signer;    /* the signing certificate's subject (RFC 2253), or NULL */
} LkPskcInfo;

void lk_pskc_info_clear (LkPskcInfo *info);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (LkPskcInfo, lk_pskc_info_clear)

/* Reads a container. Returns a GPtrArray of LkPskcKey (it frees them), in
 * file order; a key that cannot be used carries its own error. Fails as a
 * whole for a malformed or refused document, a missing or wrong key or
 * password, or an unsupported protection scheme. */
GPtrArray *lk_pskc_read  (const char              *data,
                          gsize                    len,
                          const LkPskcProtection  *protection,
                          GError                 **error);

/* lk_pskc_read(), and fills @info (nullable; zero-initialized or used
 * before: it is cleared first, so it can be reused; clear it with
 * lk_pskc_info_clear() when done). A signed file (RFC 6030 section 7) is
 * verified before anything is decrypted: a bad signature, or one by a
 * certificate that is neither @protection's signer_cert_pem nor allowed by
 * allow_untrusted_signer, refuses the whole file (LK_BULK_ERROR_SIGNATURE,
 * LK_BULK_ERROR_UNTRUSTED_SIGNER). */
GPtrArray *lk_pskc_read_full (const char              *data,
                              gsize                    len,
                              const LkPskcProtection  *protection,
                              LkPskcInfo              *info,
                              GError                 **error);

/* Writes @keys (LkPskcKey with secrets) as a container, encrypted with
 * aes128-cbc (or aes256-cbc for a 32-byte key) under @protection's key or a
 * PBKDF2 key from its password, each secret with a ValueMAC under a fresh
 * random MAC key. Plain values when @protection is NULL or empty. The text
 * holds secrets: wipe it when done. */
char      *lk_pskc_write (GPtrArray               *keys,
                          const LkPskcProtection  *protection,
                          GError                 **error);

G_END_DECLS
