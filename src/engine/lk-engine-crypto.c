/* SPDX-License-Identifier: GPL-3.0-or-later
 * The engine's cryptography: sealing seeds under the master key (AES-256-GCM),
 * password hashes (scrypt) and PIN hashes (HMAC under a key derived from the
 * master key). Nothing here logs or returns key material in an error. */
#include "config.h"

#include <string.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "lk-engine-private.h"
#include "lk-secure.h"

#define SEAL_VERSION 1
#define NONCE_SIZE   12
#define TAG_SIZE     16
#define SALT_SIZE    16
#define HASH_SIZE    32

static EVP_CIPHER *
get_gcm (void)
{
  static gsize cipher;

  if (g_once_init_enter (&cipher))
    {
      EVP_CIPHER *c = EVP_CIPHER_fetch (NULL, "AES-256-GCM", NULL);
      if (c == NULL)
        g_error ("OpenSSL has no AES-256-GCM");
      g_once_init_leave (&cipher, (gsize) c);
    }
  return (EVP_CIPHER *) cipher;
}

static EVP_MAC *
get_hmac (void)
{
  static gsize mac;

  if (g_once_init_enter (&mac))
    {
      EVP_MAC *m = EVP_MAC_fetch (NULL, "HMAC", NULL);
      if (m == NULL)
        g_error ("OpenSSL has no HMAC");
      g_once_init_leave (&mac, (gsize) m);
    }
  return (EVP_MAC *) mac;
}

static guint8 *decode_b64 (const char *text, gsize *len);

static GByteArray *
build_ad (const char *purpose,
          gint64      account_id,
          const char *label)
{
  GByteArray *ad = g_byte_array_new ();
  guint64 be = GUINT64_TO_BE ((guint64) account_id);
  guint8 zero = 0;

  g_byte_array_append (ad, (const guint8 *) purpose, strlen (purpose));
  g_byte_array_append (ad, &zero, 1);
  g_byte_array_append (ad, (const guint8 *) &be, sizeof be);
  if (label != NULL)
    g_byte_array_append (ad, (const guint8 *) label, strlen (label));
  return ad;
}

static gboolean
crypto_failed (GError    **error,
               const char *what)
{
  g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_INTERNAL,
               _("Encryption failed (%s)"), what);
  return FALSE;
}

GBytes *
lk_engine_seal_with (const guint8  *key,
                     const char    *purpose,
                     gint64         account_id,
                     const char    *label,
                     const guint8  *plain,
                     gsize          plain_len,
                     GError       **error)
{
  g_autoptr(GByteArray) ad = build_ad (purpose, account_id, label);
  gsize out_len = 1 + NONCE_SIZE + plain_len + TAG_SIZE;
  guint8 *out = g_malloc (out_len);
  EVP_CIPHER_CTX *ctx;
  int len = 0;
  gboolean ok;

  out[0] = SEAL_VERSION;
  if (!lk_random_bytes (out + 1, NONCE_SIZE, error))
    {
      g_free (out);
      return NULL;
    }
  ctx = EVP_CIPHER_CTX_new ();
  ok = ctx != NULL &&
       EVP_EncryptInit_ex2 (ctx, get_gcm (), key, out + 1, NULL) == 1 &&
       EVP_EncryptUpdate (ctx, NULL, &len, ad->data, (int) ad->len) == 1 &&
       EVP_EncryptUpdate (ctx, out + 1 + NONCE_SIZE, &len, plain, (int) plain_len) == 1 &&
       EVP_EncryptFinal_ex (ctx, out + 1 + NONCE_SIZE + len, &len) == 1 &&
       EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_GCM_GET_TAG, TAG_SIZE, out + 1 + NONCE_SIZE + plain_len) == 1;
  EVP_CIPHER_CTX_free (ctx);
  if (!ok)
    {
      g_free (out);
      crypto_failed (error, "seal");
      return NULL;
    }
  return g_bytes_new_take (out, out_len);
}

GBytes *
lk_engine_unseal_with (const guint8  *key,
                       const char    *purpose,
                       gint64         account_id,
                       const char    *label,
                       const guint8  *blob,
                       gsize          blob_len,
                       GError       **error)
{
  g_autoptr(GByteArray) ad = NULL;
  gsize plain_len;
  guint8 *plain;
  EVP_CIPHER_CTX *ctx;
  int len = 0;
  gboolean ok;

  if (blob == NULL || blob_len < 1 + NONCE_SIZE + TAG_SIZE || blob[0] != SEAL_VERSION ||
      blob_len > 1 + NONCE_SIZE + TAG_SIZE + 4096)
    {
      g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_SEED_CORRUPT,
                   _("A stored secret is damaged (bad format) and was refused"));
      return NULL;
    }
  ad = build_ad (purpose, account_id, label);
  plain_len = blob_len - 1 - NONCE_SIZE - TAG_SIZE;
  plain = g_malloc (plain_len + 1);
  ctx = EVP_CIPHER_CTX_new ();
  ok = ctx != NULL &&
       EVP_DecryptInit_ex2 (ctx, get_gcm (), key, blob + 1, NULL) == 1 &&
       EVP_DecryptUpdate (ctx, NULL, &len, ad->data, (int) ad->len) == 1 &&
       EVP_DecryptUpdate (ctx, plain, &len, blob + 1 + NONCE_SIZE, (int) plain_len) == 1 &&
       EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_GCM_SET_TAG, TAG_SIZE,
                            (void *) (blob + 1 + NONCE_SIZE + plain_len)) == 1 &&
       EVP_DecryptFinal_ex (ctx, plain + len, &len) == 1;
  EVP_CIPHER_CTX_free (ctx);
  if (!ok)
    {
      lk_secure_wipe (plain, plain_len + 1);
      g_free (plain);
      g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_SEED_CORRUPT,
                   _("A stored secret failed its integrity check (damaged, tampered with or moved) and was refused"));
      return NULL;
    }
  return lk_secure_bytes_new_take (plain, plain_len);
}

GBytes *
lk_engine_seal (LkEngine      *engine,
                const char    *purpose,
                gint64         account_id,
                const char    *label,
                const guint8  *plain,
                gsize          plain_len,
                GError       **error)
{
  return lk_engine_seal_with (engine->master_key, purpose, account_id, label, plain, plain_len, error);
}

GBytes *
lk_engine_unseal (LkEngine      *engine,
                  const char    *purpose,
                  gint64         account_id,
                  const char    *label,
                  gint64         key_version,
                  const guint8  *blob,
                  gsize          blob_len,
                  GError       **error)
{
  /* Another handle rotated the key since we loaded ours. */
  if (key_version != engine->key_version && !lk_engine_reload_key (engine, error))
    return NULL;
  if (key_version != engine->key_version)
    {
      g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_SEED_CORRUPT,
                   _("A stored secret belongs to an unknown master key version and was refused"));
      return NULL;
    }
  return lk_engine_unseal_with (engine->master_key, purpose, account_id, label, blob, blob_len, error);
}

static gboolean
hmac_sha256 (const guint8 *key,
             gsize         key_len,
             const guint8 *a,
             gsize         a_len,
             const guint8 *b,
             gsize         b_len,
             guint8        out[HASH_SIZE])
{
  EVP_MAC_CTX *ctx = EVP_MAC_CTX_new (get_hmac ());
  OSSL_PARAM params[] = {
    OSSL_PARAM_construct_utf8_string (OSSL_MAC_PARAM_DIGEST, (char *) "SHA256", 0),
    OSSL_PARAM_construct_end (),
  };
  gsize out_len = 0;
  gboolean ok;

  ok = ctx != NULL &&
       EVP_MAC_init (ctx, key, key_len, params) == 1 &&
       EVP_MAC_update (ctx, a, a_len) == 1 &&
       (b_len == 0 || EVP_MAC_update (ctx, b, b_len) == 1) &&
       EVP_MAC_final (ctx, out, &out_len, HASH_SIZE) == 1;
  EVP_MAC_CTX_free (ctx);
  return ok && out_len == HASH_SIZE;
}

char *
lk_engine_key_check (const guint8 *key)
{
  static const char label[] = "latchkey master key check v1";
  guint8 mac[HASH_SIZE];
  char *hex;

  if (!hmac_sha256 (key, LK_MASTER_KEY_SIZE, (const guint8 *) label, sizeof label - 1, NULL, 0, mac))
    g_error ("HMAC-SHA-256 failed");
  /* 16 bytes are plenty to tell keys apart and reveal nothing usable. */
  hex = g_malloc (33);
  for (guint i = 0; i < 16; i++)
    g_snprintf (hex + 2 * i, 3, "%02x", mac[i]);
  return hex;
}

gboolean
lk_engine_reload_key (LkEngine  *engine,
                      GError   **error)
{
  g_autoptr(LkStoreStmt) st = NULL;
  g_autoptr(GBytes) pin_key = NULL;
  g_autofree char *check = NULL;
  g_autofree char *stored_check = NULL;
  g_autofree char *pin_sealed64 = NULL;
  g_autofree guint8 *pin_sealed = NULL;
  gsize pin_sealed_len = 0;
  guint8 key[LK_MASTER_KEY_SIZE];
  gint64 version = 0;

  st = lk_engine_prepare (engine, "SELECT (SELECT value FROM meta WHERE key = 'key_check'), "
                                  "(SELECT value FROM meta WHERE key = 'key_version'), "
                                  "(SELECT value FROM meta WHERE key = 'pin_key')", error);
  if (st == NULL)
    return FALSE;
  if (lk_store_step (st, NULL) == LK_STORE_STEP_ROW)
    {
      stored_check = g_strdup (lk_store_column_text (st, 0));
      version = lk_store_column_is_null (st, 1) ? 0 : g_ascii_strtoll (lk_store_column_text (st, 1), NULL, 10);
      pin_sealed64 = g_strdup (lk_store_column_text (st, 2));
    }
  g_clear_pointer (&st, lk_store_stmt_release);
  if (stored_check == NULL || pin_sealed64 == NULL)
    {
      g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_STORE,
                   _("The database has no master key record"));
      return FALSE;
    }

  if (!lk_key_provider_load_key (engine->keys, key, error))
    return FALSE;
  check = lk_engine_key_check (key);
  if (strcmp (check, stored_check) != 0)
    {
      lk_secure_wipe (key, sizeof key);
      g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_MASTER_KEY,
                   _("The master key does not belong to this database"));
      return FALSE;
    }
  /* The PIN key is random and sealed under the master key, so rotating the
   * master key re-seals it and every stored PIN hash stays valid. */
  pin_sealed = decode_b64 (pin_sealed64, &pin_sealed_len);
  if (pin_sealed != NULL)
    pin_key = lk_engine_unseal_with (key, "lk-pin-key-v1", 0, NULL, pin_sealed, pin_sealed_len, error);
  else
    g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_SEED_CORRUPT,
                 _("A stored secret is damaged (bad format) and was refused"));
  if (pin_key == NULL || g_bytes_get_size (pin_key) != HASH_SIZE)
    {
      lk_secure_wipe (key, sizeof key);
      if (pin_key != NULL)
        g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_SEED_CORRUPT,
                     _("A stored secret is damaged (bad format) and was refused"));
      return FALSE;
    }
  memcpy (engine->master_key, key, LK_MASTER_KEY_SIZE);
  memcpy (engine->pin_key, g_bytes_get_data (pin_key, NULL), HASH_SIZE);
  lk_secure_wipe (key, sizeof key);
  engine->key_version = version;
  return TRUE;
}

char *
lk_engine_seal_pin_key (const guint8  *master_key,
                        const guint8  *pin_key,
                        GError       **error)
{
  g_autoptr(GBytes) sealed = lk_engine_seal_with (master_key, "lk-pin-key-v1", 0, NULL,
                                                  pin_key, HASH_SIZE, error);

  if (sealed == NULL)
    return NULL;
  return g_base64_encode (g_bytes_get_data (sealed, NULL), g_bytes_get_size (sealed));
}

/* ---- passwords ---- */

static gboolean
scrypt (const char   *password,
        const guint8 *salt,
        gsize         salt_len,
        guint         log2n,
        guint         r,
        guint         p,
        guint8        out[HASH_SIZE])
{
  EVP_KDF *kdf = EVP_KDF_fetch (NULL, "SCRYPT", NULL);
  EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new (kdf) : NULL;
  uint64_t n = (uint64_t) 1 << log2n;
  uint32_t r32 = r, p32 = p;
  uint64_t maxmem = (uint64_t) 256 * 1024 * 1024;
  OSSL_PARAM params[] = {
    OSSL_PARAM_construct_octet_string (OSSL_KDF_PARAM_PASSWORD, (void *) password, strlen (password)),
    OSSL_PARAM_construct_octet_string (OSSL_KDF_PARAM_SALT, (void *) salt, salt_len),
    OSSL_PARAM_construct_uint64 (OSSL_KDF_PARAM_SCRYPT_N, &n),
    OSSL_PARAM_construct_uint32 (OSSL_KDF_PARAM_SCRYPT_R, &r32),
    OSSL_PARAM_construct_uint32 (OSSL_KDF_PARAM_SCRYPT_P, &p32),
    OSSL_PARAM_construct_uint64 (OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem),
    OSSL_PARAM_construct_end (),
  };
  gboolean ok = ctx != NULL && EVP_KDF_derive (ctx, out, HASH_SIZE, params) == 1;

  EVP_KDF_CTX_free (ctx);
  EVP_KDF_free (kdf);
  return ok;
}

static gboolean
sha256_salted (const char   *password,
               const guint8 *salt,
               gsize         salt_len,
               guint8        out[HASH_SIZE])
{
  EVP_MD_CTX *ctx = EVP_MD_CTX_new ();
  unsigned int len = 0;
  gboolean ok;

  ok = ctx != NULL &&
       EVP_DigestInit_ex2 (ctx, EVP_sha256 (), NULL) == 1 &&
       EVP_DigestUpdate (ctx, salt, salt_len) == 1 &&
       EVP_DigestUpdate (ctx, password, strlen (password)) == 1 &&
       EVP_DigestFinal_ex (ctx, out, &len) == 1;
  EVP_MD_CTX_free (ctx);
  return ok && len == HASH_SIZE;
}

char *
lk_engine_password_hash (LkEngine    *engine,
                         const char  *password,
                         GError     **error)
{
  guint8 salt[SALT_SIZE], hash[HASH_SIZE];
  guint log2n = engine->config.password_kdf_log2n;
  g_autofree char *salt64 = NULL;
  g_autofree char *hash64 = NULL;

  if (!lk_random_bytes (salt, sizeof salt, error))
    return NULL;
  if (!scrypt (password, salt, sizeof salt, log2n, 8, 1, hash))
    {
      crypto_failed (error, "scrypt");
      return NULL;
    }
  salt64 = g_base64_encode (salt, sizeof salt);
  hash64 = g_base64_encode (hash, sizeof hash);
  lk_secure_wipe (hash, sizeof hash);
  return g_strdup_printf ("$scrypt$ln=%u,r=8,p=1$%s$%s", log2n, salt64, hash64);
}

char *
lk_engine_password_hash_generated (const char *password)
{
  guint8 salt[SALT_SIZE], hash[HASH_SIZE];
  g_autofree char *salt64 = NULL;
  g_autofree char *hash64 = NULL;

  if (!lk_random_bytes (salt, sizeof salt, NULL) || !sha256_salted (password, salt, sizeof salt, hash))
    g_error ("SHA-256 or the random number generator failed");
  salt64 = g_base64_encode (salt, sizeof salt);
  hash64 = g_base64_encode (hash, sizeof hash);
  return g_strdup_printf ("$sha256$%s$%s", salt64, hash64);
}

static guint8 *
decode_b64 (const char *text,
            gsize      *len)
{
  for (const char *p = text; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '+' && *p != '/' && *p != '=')
      return NULL;
  return g_base64_decode (text, len);
}

gboolean
lk_engine_password_verify (const char *password,
                           const char *encoded)
{
  g_auto(GStrv) parts = NULL;
  g_autofree guint8 *salt = NULL;
  g_autofree guint8 *want = NULL;
  gsize salt_len = 0, want_len = 0;
  guint8 got[HASH_SIZE];
  gboolean ok = FALSE;

  if (password == NULL || encoded == NULL)
    return FALSE;
  parts = g_strsplit (encoded, "$", -1);
  /* "", scheme, [params,] salt, hash */
  if (g_strv_length (parts) == 5 && strcmp (parts[1], "scrypt") == 0)
    {
      guint log2n = 0, r = 0, p = 0;
      if (sscanf (parts[2], "ln=%u,r=%u,p=%u", &log2n, &r, &p) != 3 ||
          log2n < 1 || log2n > 22 || r < 1 || r > 32 || p < 1 || p > 16)
        return FALSE;
      salt = decode_b64 (parts[3], &salt_len);
      want = decode_b64 (parts[4], &want_len);
      if (salt == NULL || want == NULL || want_len != HASH_SIZE)
        return FALSE;
      ok = scrypt (password, salt, salt_len, log2n, r, p, got);
    }
  else if (g_strv_length (parts) == 4 && strcmp (parts[1], "sha256") == 0)
    {
      salt = decode_b64 (parts[2], &salt_len);
      want = decode_b64 (parts[3], &want_len);
      if (salt == NULL || want == NULL || want_len != HASH_SIZE)
        return FALSE;
      ok = sha256_salted (password, salt, salt_len, got);
    }
  else
    return FALSE;

  ok = ok && lk_secure_equal (got, HASH_SIZE, want, want_len);
  lk_secure_wipe (got, sizeof got);
  return ok;
}

char *
lk_engine_password_generate (GError **error)
{
  /* 64 symbols without look-alikes doubled: 6 bits each, 20 = 120 bits. */
  static const char alphabet[] =
    "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789-_.!@#%";
  guint8 raw[20];
  char *out;

  G_STATIC_ASSERT (sizeof alphabet - 1 == 64);
  if (!lk_random_bytes (raw, sizeof raw, error))
    return NULL;
  out = g_malloc (sizeof raw + 1);
  for (guint i = 0; i < sizeof raw; i++)
    out[i] = alphabet[raw[i] & 63];
  out[sizeof raw] = '\0';
  lk_secure_wipe (raw, sizeof raw);
  return out;
}

GBytes *
lk_engine_pin_hash (LkEngine    *engine,
                    const char  *pin,
                    GError     **error)
{
  guint8 out[SALT_SIZE + HASH_SIZE];

  if (!lk_random_bytes (out, SALT_SIZE, error))
    return NULL;
  if (!hmac_sha256 (engine->pin_key, HASH_SIZE, out, SALT_SIZE,
                    (const guint8 *) pin, strlen (pin), out + SALT_SIZE))
    {
      crypto_failed (error, "pin");
      return NULL;
    }
  return g_bytes_new (out, sizeof out);
}

gboolean
lk_engine_pin_verify (LkEngine      *engine,
                      const char    *pin,
                      gsize          pin_len,
                      const guint8  *stored,
                      gsize          stored_len)
{
  guint8 got[HASH_SIZE];
  gboolean ok;

  if (stored == NULL || stored_len != SALT_SIZE + HASH_SIZE)
    return FALSE;
  ok = hmac_sha256 (engine->pin_key, HASH_SIZE, stored, SALT_SIZE, (const guint8 *) pin, pin_len, got) &&
       lk_secure_equal (got, HASH_SIZE, stored + SALT_SIZE, HASH_SIZE);
  lk_secure_wipe (got, sizeof got);
  return ok;
}
