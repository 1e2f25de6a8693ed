/* SPDX-License-Identifier: GPL-3.0-or-later
 * The process-wide cache of verified partner logins (see the header for why). */
#include "config.h"

#include <string.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>

#include "lk-credential-cache.h"
#include "lk-secure.h"

#define DIGEST_SIZE 32

typedef struct
{
  guint8  digest[DIGEST_SIZE];
  gint64  account_id;
  gint64  expires;   /* monotonic microseconds */
} Entry;

struct _LkCredentialCache
{
  gatomicrefcount  ref;
  GMutex           lock;
  GHashTable      *entries;   /* digest -> Entry (key points into the entry) */
  guint            max_entries;
  gint64           ttl_us;
  guint8           hmac_key[32];
  EVP_MAC         *mac;   /* fetched once; EVP_MAC objects are thread-safe */
  EVP_MAC_CTX     *keyed; /* HMAC-SHA-256 under hmac_key, duplicated per use (read-only) */
};

static guint
digest_hash (gconstpointer key)
{
  guint h;

  /* The digest is already uniformly random. */
  memcpy (&h, key, sizeof h);
  return h;
}

static gboolean
digest_equal (gconstpointer a,
              gconstpointer b)
{
  return memcmp (a, b, DIGEST_SIZE) == 0;
}

LkCredentialCache *
lk_credential_cache_new (guint max_entries,
                         guint ttl_seconds)
{
  LkCredentialCache *cache = g_new0 (LkCredentialCache, 1);

  g_atomic_ref_count_init (&cache->ref);
  g_mutex_init (&cache->lock);
  cache->entries = g_hash_table_new_full (digest_hash, digest_equal, NULL, g_free);
  cache->max_entries = max_entries ? max_entries : LK_CREDENTIAL_CACHE_DEFAULT_SIZE;
  cache->ttl_us = (gint64) (ttl_seconds ? ttl_seconds : LK_CREDENTIAL_CACHE_DEFAULT_TTL) * G_USEC_PER_SEC;
  if (!lk_random_bytes (cache->hmac_key, sizeof cache->hmac_key, NULL))
    g_error ("The system random number generator failed");
  cache->mac = EVP_MAC_fetch (NULL, "HMAC", NULL);
  cache->keyed = cache->mac ? EVP_MAC_CTX_new (cache->mac) : NULL;
  {
    OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string ("digest", (char *) "SHA256", 0),
      OSSL_PARAM_construct_end (),
    };
    if (cache->keyed == NULL || EVP_MAC_init (cache->keyed, cache->hmac_key, sizeof cache->hmac_key, params) != 1)
      g_error ("OpenSSL cannot make HMAC-SHA-256");
  }
  return cache;
}

LkCredentialCache *
lk_credential_cache_ref (LkCredentialCache *cache)
{
  g_atomic_ref_count_inc (&cache->ref);
  return cache;
}

void
lk_credential_cache_unref (LkCredentialCache *cache)
{
  if (cache == NULL || !g_atomic_ref_count_dec (&cache->ref))
    return;
  g_hash_table_destroy (cache->entries);
  g_mutex_clear (&cache->lock);
  lk_secure_wipe (cache->hmac_key, sizeof cache->hmac_key);
  EVP_MAC_CTX_free (cache->keyed);
  EVP_MAC_free (cache->mac);
  g_free (cache);
}

LkCredentialCache *
lk_credential_cache_get_default (void)
{
  static gsize default_cache;

  if (g_once_init_enter (&default_cache))
    g_once_init_leave (&default_cache, (gsize) lk_credential_cache_new (0, 0));
  return (LkCredentialCache *) default_cache;
}

/* Length-prefixed fields, so ("ab","c") and ("a","bc") never collide. */
static void
compute_digest (LkCredentialCache *cache,
                const char        *db_id,
                const char        *name,
                const char        *key,
                guint8             out[DIGEST_SIZE])
{
  const char *parts[3] = { db_id ? db_id : "", name, key };
  /* Duplicating the keyed context skips the key schedule; the template is
   * only read, so concurrent duplications are safe. */
  EVP_MAC_CTX *ctx = EVP_MAC_CTX_dup (cache->keyed);
  gsize out_len = 0;

  if (ctx == NULL)
    g_error ("Out of memory duplicating an HMAC context");
  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    {
      guint32 len = GUINT32_TO_BE ((guint32) strlen (parts[i]));
      EVP_MAC_update (ctx, (const guint8 *) &len, sizeof len);
      EVP_MAC_update (ctx, (const guint8 *) parts[i], strlen (parts[i]));
    }
  EVP_MAC_final (ctx, out, &out_len, DIGEST_SIZE);
  EVP_MAC_CTX_free (ctx);
}

gboolean
lk_credential_cache_lookup (LkCredentialCache *cache,
                            const char        *db_id,
                            const char        *name,
                            const char        *key,
                            gint64            *out_account_id)
{
  guint8 digest[DIGEST_SIZE];
  Entry *entry;
  gboolean found = FALSE;

  g_return_val_if_fail (cache != NULL && name != NULL && key != NULL, FALSE);

  compute_digest (cache, db_id, name, key, digest);
  g_mutex_lock (&cache->lock);
  entry = g_hash_table_lookup (cache->entries, digest);
  if (entry != NULL)
    {
      if (entry->expires > g_get_monotonic_time ())
        {
          *out_account_id = entry->account_id;
          found = TRUE;
        }
      else
        g_hash_table_remove (cache->entries, digest);
    }
  g_mutex_unlock (&cache->lock);
  return found;
}

static gboolean
remove_expired (gpointer key,
                gpointer value,
                gpointer user_data)
{
  return ((Entry *) value)->expires <= *(gint64 *) user_data;
}

void
lk_credential_cache_insert (LkCredentialCache *cache,
                            const char        *db_id,
                            const char        *name,
                            const char        *key,
                            gint64             account_id)
{
  Entry *entry;
  gint64 now = g_get_monotonic_time ();

  g_return_if_fail (cache != NULL && name != NULL && key != NULL);

  entry = g_new0 (Entry, 1);
  compute_digest (cache, db_id, name, key, entry->digest);
  entry->account_id = account_id;
  entry->expires = now + cache->ttl_us;

  g_mutex_lock (&cache->lock);
  if (g_hash_table_size (cache->entries) >= cache->max_entries)
    {
      /* Bounded: drop what has expired, and if that is not enough, start
       * afresh; the cost is one slow hash per live login, never a wrong answer. */
      g_hash_table_foreach_remove (cache->entries, remove_expired, &now);
      if (g_hash_table_size (cache->entries) >= cache->max_entries)
        g_hash_table_remove_all (cache->entries);
    }
  g_hash_table_replace (cache->entries, entry->digest, entry);
  g_mutex_unlock (&cache->lock);
}

static gboolean
remove_account (gpointer key,
                gpointer value,
                gpointer user_data)
{
  return ((Entry *) value)->account_id == *(gint64 *) user_data;
}

void
lk_credential_cache_forget_account (LkCredentialCache *cache,
                                    gint64             account_id)
{
  g_return_if_fail (cache != NULL);
  g_mutex_lock (&cache->lock);
  g_hash_table_foreach_remove (cache->entries, remove_account, &account_id);
  g_mutex_unlock (&cache->lock);
}

void
lk_credential_cache_clear (LkCredentialCache *cache)
{
  g_return_if_fail (cache != NULL);
  g_mutex_lock (&cache->lock);
  g_hash_table_remove_all (cache->entries);
  g_mutex_unlock (&cache->lock);
}

guint
lk_credential_cache_size (LkCredentialCache *cache)
{
  guint n;

  g_return_val_if_fail (cache != NULL, 0);
  g_mutex_lock (&cache->lock);
  n = g_hash_table_size (cache->entries);
  g_mutex_unlock (&cache->lock);
  return n;
}
