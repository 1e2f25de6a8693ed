/* SPDX-License-Identifier: GPL-3.0-or-later
 * Shared helpers of the importers and exporters: bounded JSON, strict encodings, OpenSSL ciphers and KDFs. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <glib/gi18n.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/sha.h>

#include "lk-import-private.h"
#include "lk-secure.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_CIPHER_CTX, EVP_CIPHER_CTX_free)

/* json-glib parses recursively; a file of a million '[' would exhaust the
 * stack before any bound of ours could look at it, so nesting is counted
 * first with a scan that knows just enough JSON to skip strings. */
static gboolean
json_depth_ok (const guint8 *data,
               gsize         len)
{
  guint depth = 0;
  gboolean in_string = FALSE;

  for (gsize i = 0; i < len; i++)
    {
      guint8 c = data[i];

      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
        }
      else if (c == '"')
        in_string = TRUE;
      else if (c == '[' || c == '{')
        {
          if (++depth > LK_IMPORT_MAX_JSON_DEPTH)
            return FALSE;
        }
      else if ((c == ']' || c == '}') && depth > 0)
        depth--;
    }
  return TRUE;
}

JsonNode *
lk_import_json_parse (const guint8 *data,
                      gsize         len,
                      const char   *what,
                      GError      **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;

  if (len > LK_IMPORT_MAX_FILE_SIZE)
    {
      g_set_error (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_TOO_LARGE,
                   _("The %s is larger than %u MiB."), what, LK_IMPORT_MAX_FILE_SIZE / (1024 * 1024));
      return NULL;
    }
  if (!json_depth_ok (data, len))
    {
      g_set_error (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_TOO_LARGE,
                   _("The %s is nested deeper than %u levels."), what, LK_IMPORT_MAX_JSON_DEPTH);
      return NULL;
    }
  if (len > 0 && memchr (data, '\0', len) != NULL)
    {
      g_set_error (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_CORRUPT,
                   _("The %s is not valid JSON (it contains a NUL byte)."), what);
      return NULL;
    }

  if (!g_utf8_validate ((const char *) data, (gssize) len, NULL))
    {
      g_set_error (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_CORRUPT,
                   _("The %s is not valid JSON (it is not UTF-8 text)."), what);
      return NULL;
    }

  /* Mutable, so lk_import_json_wipe_tree() can zero numbers. */
  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, (const char *) data, (gssize) len, &local_error))
    {
      int line = 0, column = 0;

      /* json-glib quotes the offending token ("unexpected string constant
       * "JBSW…""), which may be a seed: only its position is passed on. */
      if (sscanf (local_error->message, "<data>:%d:%d:", &line, &column) == 2)
        g_set_error (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_CORRUPT,
                     _("The %s is not valid JSON (line %d, column %d)."), what, line, column);
      else
        g_set_error (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_CORRUPT,
                     _("The %s is not valid JSON."), what);
      return NULL;
    }
  if (json_parser_get_root (parser) == NULL)
    {
      g_set_error (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_CORRUPT, _("The %s is empty."), what);
      return NULL;
    }
  return json_parser_steal_root (parser);
}

const char *
lk_import_json_get_string (JsonObject *object,
                           const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

gboolean
lk_import_json_get_int (JsonObject *object,
                        const char *member,
                        gint64      fallback,
                        gint64     *out_value)
{
  JsonNode *node = json_object_get_member (object, member);
  GType type;

  *out_value = fallback;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  type = json_node_get_value_type (node);
  if (type == G_TYPE_INT64)
    {
      *out_value = json_node_get_int (node);
      return TRUE;
    }
  if (type == G_TYPE_STRING)
    {
      const char *text = json_node_get_string (node);
      char *end = NULL;
      gint64 value;

      if (text == NULL || *text == '\0')
        return FALSE;
      errno = 0;
      value = g_ascii_strtoll (text, &end, 10);
      if (errno != 0 || *end != '\0')
        return FALSE;
      *out_value = value;
      return TRUE;
    }
  return FALSE;
}

JsonArray *
lk_import_json_get_array (JsonObject *object,
                          const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return NULL;
  return json_node_get_array (node);
}

JsonObject *
lk_import_json_get_object (JsonObject *object,
                           const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return json_node_get_object (node);
}

void
lk_import_json_wipe_string (const char *text)
{
  if (text != NULL)
    lk_secure_wipe ((char *) text, strlen (text));
}

static void
wipe_member (JsonObject  *object,
             const char  *member_name,
             JsonNode    *member_node,
             gpointer     user_data)
{
  lk_import_json_wipe_tree (member_node);
}

static void
wipe_element (JsonArray *array,
              guint      index,
              JsonNode  *element_node,
              gpointer   user_data)
{
  lk_import_json_wipe_tree (element_node);
}

void
lk_import_json_wipe_tree (JsonNode *node)
{
  /* The nesting was bounded (LK_IMPORT_MAX_JSON_DEPTH) before parsing, so
   * the recursion is too. */
  if (node == NULL)
    return;
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      json_object_foreach_member (json_node_get_object (node), wipe_member, NULL);
      break;
    case JSON_NODE_ARRAY:
      json_array_foreach_element (json_node_get_array (node), wipe_element, NULL);
      break;
    case JSON_NODE_VALUE:
      if (json_node_get_value_type (node) == G_TYPE_STRING)
        lk_import_json_wipe_string (json_node_get_string (node));
      else if (json_node_get_value_type (node) == G_TYPE_INT64)
        json_node_set_int (node, 0);
      break;
    case JSON_NODE_NULL:
    default:
      break;
    }
}

char *
lk_import_dup_text (const char *text,
                    gsize       max,
                    gboolean    empty_is_null)
{
  gsize len;

  if (text == NULL)
    return NULL;
  len = strlen (text);
  if (len > max || !g_utf8_validate (text, (gssize) len, NULL))
    return NULL;
  if (len == 0 && empty_is_null)
    return NULL;
  return g_strdup (text);
}

static int
hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

GBytes *
lk_import_hex_decode (const char *text,
                      gsize       expected_len,
                      GError    **error)
{
  gsize len;
  guint8 *out;

  if (text == NULL)
    {
      g_set_error (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_CORRUPT, _("A hexadecimal field is missing."));
      return NULL;
    }
  len = strlen (text);
  if (len % 2 != 0 || (expected_len != 0 && len != expected_len * 2) || len / 2 > LK_IMPORT_MAX_FILE_SIZE)
    {
      g_set_error (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_CORRUPT,
                   _("A hexadecimal field has the wrong length."));
      return NULL;
    }
  out = g_malloc (len / 2 + 1);
  for (gsize i = 0; i < len / 2; i++)
    {
      int hi = hex_value (text[2 * i]);
      int lo = hex_value (text[2 * i + 1]);

      if (hi < 0 || lo < 0)
        {
          lk_secure_wipe (out, len / 2);
          g_free (out);
          g_set_error (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_CORRUPT,
                       _("A hexadecimal field holds a character that is not a hex digit."));
          return NULL;
        }
      out[i] = (guint8) (hi << 4 | lo);
    }
  return lk_secure_bytes_new_take (out, len / 2);
}

char *
lk_import_hex_encode (const guint8 *data,
                      gsize         len)
{
  static const char digits[] = "0123456789abcdef";
  char *out = g_malloc (len * 2 + 1);

  for (gsize i = 0; i < len; i++)
    {
      out[2 * i] = digits[data[i] >> 4];
      out[2 * i + 1] = digits[data[i] & 0xf];
    }
  out[len * 2] = '\0';
  return out;
}

GBytes *
lk_import_base64_decode (const char *text,
                         gsize       len,
                         gsize       max_decoded,
                         GError    **error)
{
  g_autofree char *clean = NULL;
  gsize n = 0, padding = 0, decoded_len = 0;
  guchar *decoded;

  if (len / 4 * 3 > max_decoded + 3)
    {
      g_set_error (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_TOO_LARGE,
                   _("The Base64 data is larger than %lu bytes."), (gulong) max_decoded);
      return NULL;
    }
  clean = g_malloc (len + 4);
  for (gsize i = 0; i < len; i++)
    {
      char c = text[i];

      if (g_ascii_isspace (c))
        continue;
      if (c == '=')
        {
          padding++;
          continue;
        }
      /* The URL-safe alphabet is accepted too; some tools rewrite it. */
      if (c == '-')
        c = '+';
      else if (c == '_')
        c = '/';
      if (padding > 0 || !(g_ascii_isalnum (c) || c == '+' || c == '/'))
        {
          lk_secure_wipe (clean, n);
          g_set_error (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_CORRUPT,
                       _("The Base64 data holds a character that does not belong there (position %lu)."),
                       (gulong) i + 1);
          return NULL;
        }
      clean[n++] = c;
    }
  if (n % 4 == 1 || padding > 2 || (padding > 0 && (n + padding) % 4 != 0))
    {
      lk_secure_wipe (clean, n);
      g_set_error (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_CORRUPT,
                   _("The Base64 data is truncated."));
      return NULL;
    }
  while (n % 4 != 0)
    clean[n++] = '=';
  clean[n] = '\0';

  decoded = g_base64_decode (clean, &decoded_len);
  lk_secure_wipe (clean, n);
  if (decoded_len > max_decoded)
    {
      lk_secure_wipe (decoded, decoded_len);
      g_free (decoded);
      g_set_error (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_TOO_LARGE,
                   _("The Base64 data is larger than %lu bytes."), (gulong) max_decoded);
      return NULL;
    }
  if (decoded == NULL)
    return lk_secure_bytes_new (NULL, 0);
  return lk_secure_bytes_new_take (decoded, decoded_len);
}

GBytes *
lk_import_aes_gcm_decrypt (const guint8 *key,
                           const guint8 *nonce,
                           const guint8 *ciphertext,
                           gsize         ciphertext_len,
                           const guint8 *tag,
                           const char   *failure_message,
                           GError      **error)
{
  g_autoptr(EVP_CIPHER_CTX) ctx = EVP_CIPHER_CTX_new ();
  guint8 *out;
  int len = 0, final_len = 0;

  if (ciphertext_len > G_MAXINT - 32)
    {
      g_set_error (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_TOO_LARGE, _("The encrypted data is too large."));
      return NULL;
    }
  out = g_malloc (ciphertext_len + 16);
  if (ctx == NULL ||
      EVP_DecryptInit_ex (ctx, EVP_aes_256_gcm (), NULL, NULL, NULL) != 1 ||
      EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_GCM_SET_IVLEN, LK_IMPORT_GCM_NONCE_SIZE, NULL) != 1 ||
      EVP_DecryptInit_ex (ctx, NULL, NULL, key, nonce) != 1 ||
      EVP_DecryptUpdate (ctx, out, &len, ciphertext, (int) ciphertext_len) != 1 ||
      EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_GCM_SET_TAG, LK_IMPORT_GCM_TAG_SIZE, (void *) tag) != 1 ||
      EVP_DecryptFinal_ex (ctx, out + len, &final_len) != 1)
    {
      lk_secure_wipe (out, ciphertext_len + 16);
      g_free (out);
      g_set_error_literal (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_CORRUPT, failure_message);
      return NULL;
    }
  return lk_secure_bytes_new_take (out, (gsize) len + (gsize) final_len);
}

gboolean
lk_import_aes_gcm_encrypt (const guint8 *key,
                           const guint8 *nonce,
                           const guint8 *plaintext,
                           gsize         plaintext_len,
                           guint8       *ciphertext,
                           guint8       *tag,
                           GError      **error)
{
  g_autoptr(EVP_CIPHER_CTX) ctx = EVP_CIPHER_CTX_new ();
  int len = 0, final_len = 0;

  if (plaintext_len > G_MAXINT - 32 ||
      ctx == NULL ||
      EVP_EncryptInit_ex (ctx, EVP_aes_256_gcm (), NULL, NULL, NULL) != 1 ||
      EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_GCM_SET_IVLEN, LK_IMPORT_GCM_NONCE_SIZE, NULL) != 1 ||
      EVP_EncryptInit_ex (ctx, NULL, NULL, key, nonce) != 1 ||
      EVP_EncryptUpdate (ctx, ciphertext, &len, plaintext, (int) plaintext_len) != 1 ||
      EVP_EncryptFinal_ex (ctx, ciphertext + len, &final_len) != 1 ||
      EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_GCM_GET_TAG, LK_IMPORT_GCM_TAG_SIZE, tag) != 1)
    {
      g_set_error_literal (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_CORRUPT,
                           _("Encryption with AES-256-GCM failed."));
      return FALSE;
    }
  return TRUE;
}

gboolean
lk_import_scrypt (const char   *password,
                  const guint8 *salt,
                  gsize         salt_len,
                  guint64       n,
                  guint64       r,
                  guint64       p,
                  guint8       *out,
                  GError      **error)
{
  if (n < 2 || (n & (n - 1)) != 0 || n > LK_IMPORT_SCRYPT_MAX_N ||
      r < 1 || r > LK_IMPORT_SCRYPT_MAX_R || p < 1 || p > LK_IMPORT_SCRYPT_MAX_P ||
      128 * n * r > LK_IMPORT_SCRYPT_MAX_MEM)
    {
      g_set_error (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_UNSUPPORTED,
                   _("The file asks for scrypt parameters outside the accepted range "
                     "(N a power of two up to 2^20, r up to %u, p up to %u)."),
                   LK_IMPORT_SCRYPT_MAX_R, LK_IMPORT_SCRYPT_MAX_P);
      return FALSE;
    }
  if (EVP_PBE_scrypt (password, strlen (password), salt, salt_len, n, r, p,
                      LK_IMPORT_SCRYPT_MAX_MEM + 1024 * 1024, out, LK_IMPORT_KEY_SIZE) != 1)
    {
      g_set_error_literal (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_UNSUPPORTED,
                           _("Deriving the key with scrypt failed."));
      return FALSE;
    }
  return TRUE;
}

gboolean
lk_import_pbkdf2_sha1 (const char   *password,
                       const guint8 *salt,
                       gsize         salt_len,
                       guint         iterations,
                       guint8       *out,
                       GError      **error)
{
  if (iterations < 1 || iterations > LK_IMPORT_PBKDF2_MAX_ITER)
    {
      g_set_error (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_UNSUPPORTED,
                   _("The file asks for %u PBKDF2 iterations; at most %u are accepted."),
                   iterations, LK_IMPORT_PBKDF2_MAX_ITER);
      return FALSE;
    }
  if (PKCS5_PBKDF2_HMAC (password, (int) strlen (password), salt, (int) salt_len, (int) iterations,
                         EVP_sha1 (), LK_IMPORT_KEY_SIZE, out) != 1)
    {
      g_set_error_literal (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_UNSUPPORTED,
                           _("Deriving the key with PBKDF2 failed."));
      return FALSE;
    }
  return TRUE;
}

void
lk_import_sha256 (const char *password,
                  guint8     *out)
{
  SHA256 ((const unsigned char *) password, strlen (password), out);
}

gboolean
lk_import_parse_algorithm (LkImportEntry *entry,
                           const char    *name,
                           LkHash        *out_hash)
{
  if (name == NULL || *name == '\0')
    {
      *out_hash = LK_HASH_SHA1;
      return TRUE;
    }
  if (g_ascii_strcasecmp (name, "MD5") == 0)
    {
      lk_import_entry_refuse (entry, _("The token uses MD5, which Latchkey does not support "
                                       "(no service should still use it)."));
      return FALSE;
    }
  if (!lk_hash_from_string (name, out_hash))
    {
      g_autofree char *shown = lk_import_dup_text (name, 32, TRUE);

      lk_import_entry_refuse (entry, _("The algorithm “%s” is not supported (SHA1, SHA256 and SHA512 are)."),
                              shown != NULL ? shown : "?");
      return FALSE;
    }
  return TRUE;
}

void
lk_import_split_name (const char  *name,
                      const char  *issuer,
                      char       **out_issuer,
                      char       **out_account)
{
  const char *colon = name != NULL ? strchr (name, ':') : NULL;
  gboolean has_issuer = issuer != NULL && *issuer != '\0';

  if (name == NULL)
    name = "";
  if (colon != NULL && !has_issuer)
    {
      *out_issuer = g_strstrip (g_strndup (name, colon - name));
      *out_account = g_strstrip (g_strdup (colon + 1));
      if (**out_issuer == '\0')
        g_clear_pointer (out_issuer, g_free);
      return;
    }
  if (colon != NULL && has_issuer &&
      (gsize) (colon - name) == strlen (issuer) && strncmp (name, issuer, colon - name) == 0)
    {
      *out_issuer = g_strdup (issuer);
      *out_account = g_strstrip (g_strdup (colon + 1));
      return;
    }
  *out_issuer = has_issuer ? g_strdup (issuer) : NULL;
  *out_account = g_strdup (name);
}
