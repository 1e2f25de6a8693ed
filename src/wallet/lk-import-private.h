/* SPDX-License-Identifier: GPL-3.0-or-later
 * Helpers shared by the importers and exporters: bounded JSON, strict hex and Base64, and the ciphers. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "lk-import-entry.h"

G_BEGIN_DECLS

/* Parses @data as JSON after checking its size and nesting against the
 * LK_IMPORT_MAX_* bounds. Errors are LK_IMPORT_ERROR_CORRUPT or _TOO_LARGE,
 * and name @what ("Aegis vault"). */
JsonNode   *lk_import_json_parse        (const guint8 *data,
                                         gsize         len,
                                         const char   *what,
                                         GError      **error);

/* Member access that tolerates what exporters really write: a missing
 * member or null gives @fallback / NULL; numbers may arrive as strings. */
const char *lk_import_json_get_string   (JsonObject   *object,
                                         const char   *member);
gboolean    lk_import_json_get_int      (JsonObject   *object,
                                         const char   *member,
                                         gint64        fallback,
                                         gint64       *out_value);
JsonArray  *lk_import_json_get_array    (JsonObject   *object,
                                         const char   *member);
JsonObject *lk_import_json_get_object   (JsonObject   *object,
                                         const char   *member);

/* Overwrites a string held by a parsed JsonNode (a Base32 seed) once it
 * has been decoded: json-glib frees its strings without wiping them. The
 * node must not be read again. */
void        lk_import_json_wipe_string  (const char   *text);

/* Overwrites every string and zeroes every number in @node's tree: parsed
 * exports hold seeds (Base32 strings, FreeOTP+'s byte lists) in json-glib's
 * own memory, which it frees without wiping. Call before dropping a tree. */
void        lk_import_json_wipe_tree    (JsonNode     *node);

/* A parsed export whose strings and numbers are wiped when it goes:
 * g_autoptr(LkImportJson) root = lk_import_json_parse (…). */
typedef JsonNode LkImportJson;

static inline void
lk_import_json_free (LkImportJson *node)
{
  lk_import_json_wipe_tree (node);
  json_node_unref (node);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LkImportJson, lk_import_json_free)

/* A string copied only when it is valid UTF-8 and at most @max bytes;
 * NULL otherwise. Empty strings give NULL when @empty_is_null. */
char       *lk_import_dup_text          (const char   *text,
                                         gsize         max,
                                         gboolean      empty_is_null);

/* Strict decoders: any stray character is an error (g_base64_decode
 * silently skips them, which would hide corruption). Results that may hold
 * keys come back as wiping GBytes. */
GBytes     *lk_import_hex_decode        (const char   *text,
                                         gsize         expected_len,
                                         GError      **error);
GBytes     *lk_import_base64_decode     (const char   *text,
                                         gsize         len,
                                         gsize         max_decoded,
                                         GError      **error);
char       *lk_import_hex_encode        (const guint8 *data,
                                         gsize         len);

#define LK_IMPORT_GCM_NONCE_SIZE 12
#define LK_IMPORT_GCM_TAG_SIZE   16
#define LK_IMPORT_KEY_SIZE       32

/* AES-256-GCM without associated data. Decrypt returns NULL with
 * LK_IMPORT_ERROR_CORRUPT and @failure_message when the tag does not verify. */
GBytes     *lk_import_aes_gcm_decrypt   (const guint8 *key,
                                         const guint8 *nonce,
                                         const guint8 *ciphertext,
                                         gsize         ciphertext_len,
                                         const guint8 *tag,
                                         const char   *failure_message,
                                         GError      **error);
gboolean    lk_import_aes_gcm_encrypt   (const guint8 *key,
                                         const guint8 *nonce,
                                         const guint8 *plaintext,
                                         gsize         plaintext_len,
                                         guint8       *ciphertext,
                                         guint8       *tag,
                                         GError      **error);

/* Key derivation into @out (LK_IMPORT_KEY_SIZE bytes; the caller wipes it). */
gboolean    lk_import_scrypt            (const char   *password,
                                         const guint8 *salt,
                                         gsize         salt_len,
                                         guint64       n,
                                         guint64       r,
                                         guint64       p,
                                         guint8       *out,
                                         GError      **error);
gboolean    lk_import_pbkdf2_sha1       (const char   *password,
                                         const guint8 *salt,
                                         gsize         salt_len,
                                         guint         iterations,
                                         guint8       *out,
                                         GError      **error);
void        lk_import_sha256            (const char   *password,
                                         guint8       *out);

/* Bounds on key-derivation cost taken from a file, so a crafted file cannot
 * make us spend minutes or gigabytes. Aegis uses N = 2^15, r = 8, p = 1;
 * andOTP 140000–160000 iterations. */
#define LK_IMPORT_SCRYPT_MAX_N        (1u << 20)
#define LK_IMPORT_SCRYPT_MAX_R        32
#define LK_IMPORT_SCRYPT_MAX_P        16
#define LK_IMPORT_SCRYPT_MAX_MEM      (G_GUINT64_CONSTANT (1) << 30)
#define LK_IMPORT_PBKDF2_MAX_ITER     2000000

/* Maps "SHA1", "SHA-256", "sha512"… to LkHash; "MD5" and unknown names
 * set a reason on @entry and return FALSE. */
gboolean    lk_import_parse_algorithm   (LkImportEntry *entry,
                                         const char    *name,
                                         LkHash        *out_hash);

/* Splits "Issuer:account" into its parts when @issuer is empty, and drops
 * a redundant "Issuer:" prefix when it equals @issuer. */
void        lk_import_split_name        (const char    *name,
                                         const char    *issuer,
                                         char         **out_issuer,
                                         char         **out_account);

G_END_DECLS
