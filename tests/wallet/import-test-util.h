/* SPDX-License-Identifier: GPL-3.0-or-later
 * Test helpers for the import/export tests: files of each format built from
 * their published descriptions, with OpenSSL called directly (never through
 * the code under test), and RFC 4226/6238 reference values. */
#pragma once

#include <stdlib.h>
#include <string.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "lk-import-entry.h"
#include "lk-secure.h"

/* RFC 4226 appendix D / RFC 6238 appendix B seeds (ASCII). */
#define RFC_SEED_SHA1   "12345678901234567890"
#define RFC_SEED_SHA256 "12345678901234567890123456789012"
#define RFC_SEED_SHA512 "1234567890123456789012345678901234567890123456789012345678901234"
/* The same seeds in Base32. */
#define RFC_B32_SHA1    "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
#define RFC_B32_SHA256  "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA"
#define RFC_B32_SHA512  "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNA"

/* RFC 4226 appendix D: HOTP-SHA1-6 for counters 0..9. */
static const char *const rfc4226_codes[] = {
  "755224", "287082", "359152", "969429", "338314",
  "254676", "287922", "162583", "399871", "520489",
};

/* ---- protobuf wire format, by hand (varints and length-delimited fields) ---- */

static inline void
pb_varint (GByteArray *out,
           guint64     value)
{
  do
    {
      guint8 byte = value & 0x7f;

      value >>= 7;
      if (value != 0)
        byte |= 0x80;
      g_byte_array_append (out, &byte, 1);
    }
  while (value != 0);
}

static inline void
pb_int_field (GByteArray *out,
              guint       field,
              gint64      value)
{
  pb_varint (out, (guint64) field << 3 | 0);
  pb_varint (out, (guint64) value);
}

static inline void
pb_bytes_field (GByteArray   *out,
                guint         field,
                const guint8 *data,
                gsize         len)
{
  pb_varint (out, (guint64) field << 3 | 2);
  pb_varint (out, len);
  g_byte_array_append (out, data, len);
}

/* One OtpParameters message: secret=1 name=2 issuer=3 algorithm=4 digits=5 type=6 counter=7. */
static inline GByteArray *
pb_otp (const char *secret,
        const char *name,
        const char *issuer,
        int         algorithm,
        int         digits,
        int         type,
        gint64      counter)
{
  GByteArray *m = g_byte_array_new ();

  pb_bytes_field (m, 1, (const guint8 *) secret, strlen (secret));
  pb_bytes_field (m, 2, (const guint8 *) name, strlen (name));
  if (issuer != NULL)
    pb_bytes_field (m, 3, (const guint8 *) issuer, strlen (issuer));
  pb_int_field (m, 4, algorithm);
  pb_int_field (m, 5, digits);
  pb_int_field (m, 6, type);
  if (counter != 0)
    pb_int_field (m, 7, counter);
  return m;
}

/* A MigrationPayload holding the given OtpParameters messages (consumed). */
static inline GByteArray *
pb_payload (GByteArray **otps,
            guint        n_otps,
            int          batch_size,
            int          batch_index,
            int          batch_id)
{
  GByteArray *p = g_byte_array_new ();

  for (guint i = 0; i < n_otps; i++)
    {
      pb_bytes_field (p, 1, otps[i]->data, otps[i]->len);
      g_byte_array_unref (otps[i]);
    }
  pb_int_field (p, 2, 1);
  pb_int_field (p, 3, batch_size);
  pb_int_field (p, 4, batch_index);
  pb_int_field (p, 5, batch_id);
  return p;
}

/* otpauth-migration://offline?data=… with the Base64 percent-encoded
 * (@percent) or left raw. */
static inline char *
migration_uri (GByteArray *payload,
               gboolean    percent)
{
  g_autofree char *b64 = g_base64_encode (payload->data, payload->len);
  g_autofree char *escaped = percent ? g_uri_escape_string (b64, NULL, FALSE) : g_strdup (b64);

  return g_strconcat ("otpauth-migration://offline?data=", escaped, NULL);
}

/* ---- AES-256-GCM with OpenSSL, written out ---- */

static inline guint8 *
test_gcm_encrypt (const guint8 *key,
                  const guint8 *iv,
                  const guint8 *plain,
                  gsize         len,
                  guint8       *tag)
{
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new ();
  guint8 *out = g_malloc (len + 16);
  int n = 0, f = 0;

  g_assert_cmpint (EVP_EncryptInit_ex (ctx, EVP_aes_256_gcm (), NULL, NULL, NULL), ==, 1);
  g_assert_cmpint (EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_GCM_SET_IVLEN, 12, NULL), ==, 1);
  g_assert_cmpint (EVP_EncryptInit_ex (ctx, NULL, NULL, key, iv), ==, 1);
  g_assert_cmpint (EVP_EncryptUpdate (ctx, out, &n, plain, (int) len), ==, 1);
  g_assert_cmpint (EVP_EncryptFinal_ex (ctx, out + n, &f), ==, 1);
  g_assert_cmpint (EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_GCM_GET_TAG, 16, tag), ==, 1);
  EVP_CIPHER_CTX_free (ctx);
  return out;
}

static inline guint8 *
test_gcm_decrypt (const guint8 *key,
                  const guint8 *iv,
                  const guint8 *cipher,
                  gsize         len,
                  const guint8 *tag,
                  gboolean     *ok)
{
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new ();
  guint8 *out = g_malloc (len + 17);
  int n = 0, f = 0;

  g_assert_cmpint (EVP_DecryptInit_ex (ctx, EVP_aes_256_gcm (), NULL, NULL, NULL), ==, 1);
  g_assert_cmpint (EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_GCM_SET_IVLEN, 12, NULL), ==, 1);
  g_assert_cmpint (EVP_DecryptInit_ex (ctx, NULL, NULL, key, iv), ==, 1);
  g_assert_cmpint (EVP_DecryptUpdate (ctx, out, &n, cipher, (int) len), ==, 1);
  g_assert_cmpint (EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_GCM_SET_TAG, 16, (void *) tag), ==, 1);
  *ok = EVP_DecryptFinal_ex (ctx, out + n, &f) == 1;
  out[n + f] = '\0';
  EVP_CIPHER_CTX_free (ctx);
  return out;
}

static inline char *
test_hex (const guint8 *data,
          gsize         len)
{
  GString *s = g_string_new (NULL);

  for (gsize i = 0; i < len; i++)
    g_string_append_printf (s, "%02x", data[i]);
  return g_string_free (s, FALSE);
}

/* An encrypted Aegis vault (vault.md): scrypt(password, salt, n, 8, 1) wraps
 * a master key with AES-256-GCM; the master key encrypts @db_json. When
 * @tamper is set, one byte of the database ciphertext is flipped. */
static inline char *
aegis_encrypted_vault (const char *db_json,
                       const char *password,
                       guint64     n,
                       gboolean    tamper)
{
  guint8 master[32], salt[32], kek[32], key_nonce[12], key_tag[16], db_nonce[12], db_tag[16];
  g_autofree guint8 *wrapped = NULL;
  g_autofree guint8 *cipher = NULL;
  g_autofree char *b64 = NULL, *h_wrapped = NULL, *h_salt = NULL, *h_kn = NULL, *h_kt = NULL;
  g_autofree char *h_dn = NULL, *h_dt = NULL;
  gsize len = strlen (db_json);

  for (guint i = 0; i < 32; i++)
    {
      master[i] = (guint8) (i * 7 + 1);
      salt[i] = (guint8) (255 - i);
    }
  memset (key_nonce, 0x11, sizeof key_nonce);
  memset (db_nonce, 0x22, sizeof db_nonce);
  g_assert_cmpint (EVP_PBE_scrypt (password, strlen (password), salt, sizeof salt, n, 8, 1,
                                   0, kek, sizeof kek), ==, 1);
  wrapped = test_gcm_encrypt (kek, key_nonce, master, sizeof master, key_tag);
  cipher = test_gcm_encrypt (master, db_nonce, (const guint8 *) db_json, len, db_tag);
  if (tamper)
    cipher[len / 2] ^= 0x01;
  b64 = g_base64_encode (cipher, len);
  h_wrapped = test_hex (wrapped, 32);
  h_salt = test_hex (salt, 32);
  h_kn = test_hex (key_nonce, 12);
  h_kt = test_hex (key_tag, 16);
  h_dn = test_hex (db_nonce, 12);
  h_dt = test_hex (db_tag, 16);
  return g_strdup_printf ("{\"version\":1,\"header\":{\"slots\":["
                          "{\"type\":2,\"uuid\":\"b\",\"key\":\"%s\",\"key_params\":{\"nonce\":\"%s\",\"tag\":\"%s\"}},"
                          "{\"type\":1,\"uuid\":\"p\",\"key\":\"%s\",\"key_params\":{\"nonce\":\"%s\",\"tag\":\"%s\"},"
                          "\"n\":%" G_GUINT64_FORMAT ",\"r\":8,\"p\":1,\"salt\":\"%s\",\"repaired\":true}],"
                          "\"params\":{\"nonce\":\"%s\",\"tag\":\"%s\"}},\"db\":\"%s\"}",
                          h_wrapped, h_kn, h_kt, h_wrapped, h_kn, h_kt, n, h_salt, h_dn, h_dt, b64);
}

/* Checks that @entry holds a usable token whose code at @unix_time is @expected. */
static inline void
assert_code (const LkImportEntry *entry,
             gint64               unix_time,
             const char          *expected)
{
  char code[LK_OTP_CODE_SIZE];
  g_autoptr(GError) error = NULL;

  g_assert_null (entry->reason);
  g_assert_nonnull (entry->token);
  g_assert_true (lk_otpauth_generate (entry->token, unix_time, code, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (code, ==, expected);
}

static inline LkImportEntry *
entry_at (GPtrArray *entries,
          guint      i)
{
  g_assert_cmpuint (i, <, entries->len);
  return g_ptr_array_index (entries, i);
}

/* A private scratch directory for files the tests write (some hold test
 * seeds in the clear), removed with its files when the process exits. */
static char *test_scratch;

static inline void
test_scratch_remove (void)
{
  GDir *dir = g_dir_open (test_scratch, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (test_scratch, name, NULL);

      g_unlink (path);
    }
  if (dir != NULL)
    g_dir_close (dir);
  g_rmdir (test_scratch);
  g_clear_pointer (&test_scratch, g_free);
}

static inline char *
test_scratch_path (const char *name)
{
  if (test_scratch == NULL)
    {
      test_scratch = g_dir_make_tmp ("lk-import-test-XXXXXX", NULL);
      g_assert_nonnull (test_scratch);
      atexit (test_scratch_remove);
    }
  return g_build_filename (test_scratch, name, NULL);
}
