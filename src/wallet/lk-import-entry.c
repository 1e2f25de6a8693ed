/* SPDX-License-Identifier: GPL-3.0-or-later
 * LkImportEntry: what every importer produces, plus duplicate detection shared by all of them. */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "lk-import-entry.h"
#include "lk-secure.h"

G_DEFINE_QUARK (lk-import-error-quark, lk_import_error)

LkImportEntry *
lk_import_entry_new (const char *name)
{
  LkImportEntry *entry = g_new0 (LkImportEntry, 1);

  entry->name = g_strdup (name != NULL ? name : "");
  return entry;
}

void
lk_import_entry_free (LkImportEntry *entry)
{
  if (entry == NULL)
    return;
  g_clear_pointer (&entry->token, lk_otpauth_free);
  g_free (entry->name);
  g_free (entry->note);
  g_free (entry->group);
  g_clear_pointer (&entry->icon, g_bytes_unref);
  g_free (entry->icon_mime);
  g_free (entry->reason);
  g_free (entry);
}

GPtrArray *
lk_import_entries_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) lk_import_entry_free);
}

void
lk_import_entry_refuse (LkImportEntry *entry,
                        const char    *format,
                        ...)
{
  va_list args;

  g_return_if_fail (entry != NULL);

  g_clear_pointer (&entry->token, lk_otpauth_free);
  g_free (entry->reason);
  va_start (args, format);
  entry->reason = g_strdup_vprintf (format, args);
  va_end (args);
  entry->selected = FALSE;
}

static char *
display_name (const LkOtpauth *token)
{
  if (token->issuer != NULL && token->issuer[0] != '\0')
    return g_strdup_printf ("%s:%s", token->issuer, token->account);
  return g_strdup (token->account);
}

gboolean
lk_import_entry_take_token (LkImportEntry *entry,
                            LkOtpauth     *token)
{
  gsize secret_len;

  g_return_val_if_fail (entry != NULL, FALSE);
  g_return_val_if_fail (token != NULL, FALSE);

  if (token->account == NULL)
    token->account = g_strdup ("");
  g_free (entry->name);
  entry->name = display_name (token);

  secret_len = token->secret != NULL ? g_bytes_get_size (token->secret) : 0;
  if (secret_len == 0)
    {
      lk_otpauth_free (token);
      lk_import_entry_refuse (entry, _("The entry has no secret."));
      return FALSE;
    }
  if (secret_len > LK_IMPORT_MAX_SECRET_SIZE)
    {
      lk_otpauth_free (token);
      lk_import_entry_refuse (entry, _("The secret is longer than %u bytes."),
                              (guint) LK_IMPORT_MAX_SECRET_SIZE);
      return FALSE;
    }
  if (token->type == LK_OTPAUTH_STEAM)
    {
      /* Steam Guard codes are always 5 characters, SHA-1 and 30 s. */
      if (token->algorithm != LK_HASH_SHA1 || token->period != 30 || token->digits != 5)
        {
          lk_otpauth_free (token);
          lk_import_entry_refuse (entry, _("Steam tokens must use SHA-1, 5 characters and 30 seconds."));
          return FALSE;
        }
    }
  else if (token->digits < LK_OTP_MIN_DIGITS || token->digits > LK_OTP_MAX_DIGITS)
    {
      guint digits = token->digits;

      lk_otpauth_free (token);
      lk_import_entry_refuse (entry, _("Codes of %u digits are not supported (%u to %u are)."),
                              digits, LK_OTP_MIN_DIGITS, LK_OTP_MAX_DIGITS);
      return FALSE;
    }
  if (token->type != LK_OTPAUTH_HOTP &&
      (token->period < LK_OTP_MIN_PERIOD || token->period > LK_OTP_MAX_PERIOD))
    {
      guint period = token->period;

      lk_otpauth_free (token);
      lk_import_entry_refuse (entry, _("A period of %u seconds is not supported (%u to %u are)."),
                              period, LK_OTP_MIN_PERIOD, LK_OTP_MAX_PERIOD);
      return FALSE;
    }

  g_clear_pointer (&entry->token, lk_otpauth_free);
  entry->token = token;
  return TRUE;
}

static gboolean
same_token (const LkOtpauth *a,
            const LkOtpauth *b)
{
  gsize a_len, b_len;
  const guint8 *a_data = g_bytes_get_data (a->secret, &a_len);
  const guint8 *b_data = g_bytes_get_data (b->secret, &b_len);
  gboolean same_params;

  /* The counter is left out on purpose: the same HOTP seed with a moved
   * counter is still the same token. The seed comparison always runs, so
   * its timing does not depend on whether the parameters matched. */
  same_params = a->type == b->type && a->algorithm == b->algorithm &&
                a->digits == b->digits &&
                (a->type == LK_OTPAUTH_HOTP || a->period == b->period);
  return lk_secure_equal (a_data, a_len, b_data, b_len) & same_params;
}

/* A fingerprint of a token's seed and parameters under a key drawn fresh
 * for each call. It only sorts tokens into buckets: equal tokens always
 * share one, and the decision is still the constant-time comparison in
 * same_token(). With a random key, which bucket a seed lands in says
 * nothing about the seed, so the hash table's timing leaks nothing. */
static guint64
fingerprint (const guint8    *key,
             const LkOtpauth *token)
{
  guint8 digest[SHA256_DIGEST_LENGTH];
  guint32 params[4] = {
    token->type, token->algorithm, token->digits,
    token->type == LK_OTPAUTH_HOTP ? 0 : token->period,
  };
  gsize len;
  const guint8 *secret = g_bytes_get_data (token->secret, &len);
  EVP_MD_CTX *ctx = EVP_MD_CTX_new ();
  guint64 value = 0;

  /* A failing digest puts every token in bucket 0: slower, still right. */
  if (ctx != NULL &&
      EVP_DigestInit_ex (ctx, EVP_sha256 (), NULL) == 1 &&
      EVP_DigestUpdate (ctx, key, 32) == 1 &&
      EVP_DigestUpdate (ctx, params, sizeof params) == 1 &&
      EVP_DigestUpdate (ctx, secret, len) == 1 &&
      EVP_DigestFinal_ex (ctx, digest, NULL) == 1)
    memcpy (&value, digest, sizeof value);
  EVP_MD_CTX_free (ctx);
  lk_secure_wipe (digest, sizeof digest);
  return value;
}

static void
bucket_add (GHashTable      *buckets,
            const guint8    *key,
            const LkOtpauth *token)
{
  guint64 *print = g_new (guint64, 1);
  GPtrArray *bucket;

  *print = fingerprint (key, token);
  bucket = g_hash_table_lookup (buckets, print);
  if (bucket == NULL)
    {
      bucket = g_ptr_array_new ();
      g_hash_table_insert (buckets, print, bucket);
    }
  else
    g_free (print);
  g_ptr_array_add (bucket, (gpointer) token);
}

void
lk_import_mark_duplicates (GPtrArray *entries,
                           GPtrArray *existing)
{
  g_autoptr(GHashTable) buckets = NULL;
  guint8 key[32];

  g_return_if_fail (entries != NULL);

  /* Without a random key there is no safe bucketing: compare pairwise. */
  if (!lk_random_bytes (key, sizeof key, NULL))
    memset (key, 0, sizeof key);
  buckets = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, (GDestroyNotify) g_ptr_array_unref);

  for (guint j = 0; existing != NULL && j < existing->len; j++)
    {
      const LkOtpauth *other = g_ptr_array_index (existing, j);

      if (other != NULL && other->secret != NULL)
        bucket_add (buckets, key, other);
    }

  for (guint i = 0; i < entries->len; i++)
    {
      LkImportEntry *entry = g_ptr_array_index (entries, i);

      entry->duplicate = FALSE;
      if (entry->token != NULL && entry->reason == NULL)
        {
          guint64 print = fingerprint (key, entry->token);
          GPtrArray *bucket = g_hash_table_lookup (buckets, &print);

          for (guint j = 0; bucket != NULL && j < bucket->len && !entry->duplicate; j++)
            if (same_token (entry->token, g_ptr_array_index (bucket, j)))
              entry->duplicate = TRUE;
          bucket_add (buckets, key, entry->token);
        }
      entry->selected = entry->token != NULL && entry->reason == NULL && !entry->duplicate;
    }
  lk_secure_wipe (key, sizeof key);
}

void
lk_import_entries_count (GPtrArray *entries,
                         guint     *n_importable,
                         guint     *n_duplicates,
                         guint     *n_refused)
{
  guint importable = 0, duplicates = 0, refused = 0;

  for (guint i = 0; i < entries->len; i++)
    {
      const LkImportEntry *entry = g_ptr_array_index (entries, i);

      if (entry->token == NULL || entry->reason != NULL)
        refused++;
      else if (entry->duplicate)
        duplicates++;
      else
        importable++;
    }
  if (n_importable != NULL)
    *n_importable = importable;
  if (n_duplicates != NULL)
    *n_duplicates = duplicates;
  if (n_refused != NULL)
    *n_refused = refused;
}
