/* SPDX-License-Identifier: GPL-3.0-or-later
 * A process-wide, thread-safe memory of recently verified partner logins, so
 * a server answers thousands of requests a second without a slow hash each.
 *
 * Entries are keyed by HMAC-SHA-256 of (name, key) under a random key made
 * once per process; neither the name nor the key is kept. Only successful
 * verifications are stored; the cache is bounded in size and entries expire. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _LkCredentialCache LkCredentialCache;

#define LK_CREDENTIAL_CACHE_DEFAULT_SIZE 4096
#define LK_CREDENTIAL_CACHE_DEFAULT_TTL  60   /* seconds */

/* @max_entries 0 = default; @ttl_seconds 0 = default. */
LkCredentialCache *lk_credential_cache_new      (guint max_entries,
                                                 guint ttl_seconds);
LkCredentialCache *lk_credential_cache_ref      (LkCredentialCache *cache);
void               lk_credential_cache_unref    (LkCredentialCache *cache);

/* The cache every engine uses unless its config names another. */
LkCredentialCache *lk_credential_cache_get_default (void);

/* Returns TRUE and the account id when (@name, @key) was verified against
 * @db_id's store less than ttl seconds ago. @db_id tells databases apart
 * (two engines in one process on different files). */
gboolean           lk_credential_cache_lookup   (LkCredentialCache *cache,
                                                 const char        *db_id,
                                                 const char        *name,
                                                 const char        *key,
                                                 gint64            *out_account_id);
void               lk_credential_cache_insert   (LkCredentialCache *cache,
                                                 const char        *db_id,
                                                 const char        *name,
                                                 const char        *key,
                                                 gint64             account_id);
/* Drops every entry of @account_id (its key changed or it was deleted). */
void               lk_credential_cache_forget_account (LkCredentialCache *cache,
                                                       gint64             account_id);
void               lk_credential_cache_clear    (LkCredentialCache *cache);
guint              lk_credential_cache_size     (LkCredentialCache *cache);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LkCredentialCache, lk_credential_cache_unref)

G_END_DECLS
