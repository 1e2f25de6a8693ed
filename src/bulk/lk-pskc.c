/* SPDX-License-Identifier: GPL-3.0-or-later
 * PSKC (RFC 6030) reader and writer on libxml2 and OpenSSL. */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "lk-pskc.h"
#include "lk-pskc-private.h"
#include "lk-secure.h"
#include "lk-xmldsig.h"

#define NS_PSKC   "urn:ietf:params:xml:ns:keyprov:pskc"
#define URI_XENC  "http://www.w3.org/2001/04/xmlenc#"
#define URI_AES128 URI_XENC "aes128-cbc"
#define URI_AES192 URI_XENC "aes192-cbc"
#define URI_AES256 URI_XENC "aes256-cbc"
#define URI_3DES   URI_XENC "tripledes-cbc"
#define URI_RSA15  URI_XENC "rsa-1_5"
/* RFC 6030 figure 8 spells it with an underscore. */
#define URI_RSA15_RFC6030 URI_XENC "rsa_1_5"
#define URI_OAEP   URI_XENC "rsa-oaep-mgf1p"
#define URI_HMAC_SHA1 "http://www.w3.org/2000/09/xmldsig#hmac-sha1"
#define URI_HMAC_SHA256 "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256"
#define URI_PBKDF2 "http://www.rsasecurity.com/rsalabs/pkcs/schemas/pkcs-5v2-0#pbkdf2"
#define MAC_KEY_SIZE 20

LkPskcKey *
lk_pskc_key_new (void)
{
  LkPskcKey *key = g_new0 (LkPskcKey, 1);

  key->hash = LK_HASH_SHA1;
  key->digits = 6;
  key->period = 30;
  return key;
}

void
lk_pskc_key_free (LkPskcKey *key)
{
  if (key == NULL)
    return;
  g_free (key->id);
  g_free (key->serial);
  g_free (key->manufacturer);
  g_free (key->issuer);
  g_clear_pointer (&key->secret, g_bytes_unref);
  g_clear_error (&key->error);
  g_free (key);
}

/* ---- XML helpers ----------------------------------------------------------------- */

/* Elements are matched by local name: vendors differ in prefixes and some
 * (RFC 6030 figure 7 included) leave PBKDF2-params children unqualified. */
static gboolean
is_element (xmlNode    *node,
            const char *name)
{
  return node != NULL && node->type == XML_ELEMENT_NODE && strcmp ((const char *) node->name, name) == 0;
}

static xmlNode *
child (xmlNode    *parent,
       const char *name)
{
  if (parent == NULL)
    return NULL;
  for (xmlNode *n = parent->children; n != NULL; n = n->next)
    if (is_element (n, name))
      return n;
  return NULL;
}

/* The element's text, trimmed; NULL when absent. */
char *
lk_pskc_text_of (xmlNode *node)
{
  xmlChar *content;
  char *text;

  if (node == NULL)
    return NULL;
  content = xmlNodeGetContent (node);
  if (content == NULL)
    return NULL;
  text = g_strstrip (g_strdup ((const char *) content));
  xmlFree (content);
  return text;
}

char *
lk_pskc_attr_of (xmlNode    *node,
                 const char *name)
{
  xmlChar *value;
  char *copy;

  if (node == NULL)
    return NULL;
  value = xmlGetProp (node, (const xmlChar *) name);
  if (value == NULL)
    return NULL;
  copy = g_strstrip (g_strdup ((const char *) value));
  xmlFree (value);
  return copy;
}

/* Base64 of an element's text, whitespace allowed (values wrap lines). */
GBytes *
lk_pskc_base64_of (xmlNode  *node,
                   gboolean  secret,
                   GError  **error)
{
  g_autofree char *text = lk_pskc_text_of (node);
  g_autoptr(GString) clean = NULL;
  guchar *raw;
  gsize len = 0;

  if (text == NULL || *text == '\0')
    {
      g_set_error (error, LK_BULK_ERROR, LK_BULK_ERROR_INVALID, _("A Base64 value is empty"));
      return NULL;
    }
  clean = g_string_sized_new (strlen (text));
  for (const char *p = text; *p; p++)
    {
      if (g_ascii_isspace (*p))
        continue;
      if (!g_ascii_isalnum (*p) && *p != '+' && *p != '/' && *p != '=')
        {
          g_set_error (error, LK_BULK_ERROR, LK_BULK_ERROR_INVALID, _("A Base64 value has invalid characters"));
          if (secret)
            lk_secure_wipe (text, strlen (text));
          return NULL;
        }
      g_string_append_c (clean, *p);
    }
  if (secret)
    lk_secure_wipe (text, strlen (text));
  if (clean->len % 4 != 0)
    {
      g_set_error (error, LK_BULK_ERROR, LK_BULK_ERROR_INVALID, _("A Base64 value has a bad length"));
      lk_secure_wipe (clean->str, clean->len);
      return NULL;
    }
  raw = g_base64_decode (clean->str, &len);
  lk_secure_wipe (clean->str, clean->len);
  return lk_secure_bytes_new_take (raw, len);
}

static gboolean
parse_uint64 (const char *text,
              guint64     max,
              guint64    *out)
{
  return text != NULL && g_ascii_string_to_unsigned (text, 10, 0, max, out, NULL);
}

/* ---- crypto ------------------------------------------------------------------------ */

static int
no_passphrase (char *buf,
               int   size,
               int   rwflag,
               void *user_data)
{
  return -1;
}

typedef struct
{
  gboolean  encrypted;     /* the file protects values */
  guint8    key[32];       /* the decryption key, once known */
  gsize     key_len;
  GBytes   *mac_key;       /* decrypted MACKey, or NULL when the file has no MACMethod */
  const EVP_MD *mac_md;
  EVP_PKEY *private_key;   /* RSA key transport (section 6.3), or NULL */
  char     *recipient;     /* subject of the certificate the file is encrypted to, or NULL */
} Context;

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_PKEY_CTX, EVP_PKEY_CTX_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BIO, BIO_free)

static const EVP_CIPHER *
cipher_for (const char *uri,
            gsize      *key_len)
{
  if (g_strcmp0 (uri, URI_AES128) == 0)
    return (*key_len = 16), EVP_aes_128_cbc ();
  if (g_strcmp0 (uri, URI_AES192) == 0)
    return (*key_len = 24), EVP_aes_192_cbc ();
  if (g_strcmp0 (uri, URI_AES256) == 0)
    return (*key_len = 32), EVP_aes_256_cbc ();
  if (g_strcmp0 (uri, URI_3DES) == 0)
    return (*key_len = 24), EVP_des_ede3_cbc ();
  return NULL;
}

/* Decrypts IV | ciphertext with PKCS#5 padding (RFC 6030 section 6.1). A
 * bad padding is almost always a wrong key. */
static GBytes *
decrypt (const EVP_CIPHER *cipher,
         const guint8     *key,
         const guint8     *data,
         gsize             len,
         GError          **error)
{
  int block = EVP_CIPHER_get_block_size (cipher);
  int iv_len = EVP_CIPHER_get_iv_length (cipher);
  EVP_CIPHER_CTX *ctx;
  guint8 *out;
  int n1 = 0, n2 = 0;
  gboolean ok;

  if (len < (gsize) (iv_len + block) || (len - iv_len) % block != 0 || len > G_MAXINT)
    {
      g_set_error (error, LK_BULK_ERROR, LK_BULK_ERROR_INVALID, _("An encrypted value has a bad length"));
      return NULL;
    }
  out = g_malloc (len);
  ctx = EVP_CIPHER_CTX_new ();
  ok = ctx != NULL
       && EVP_DecryptInit_ex (ctx, cipher, NULL, key, data) == 1
       && EVP_CIPHER_CTX_set_padding (ctx, 1) == 1
       && EVP_DecryptUpdate (ctx, out, &n1, data + iv_len, (int) (len - iv_len)) == 1
       && EVP_DecryptFinal_ex (ctx, out + n1, &n2) == 1;
  EVP_CIPHER_CTX_free (ctx);
  if (!ok)
    {
      lk_secure_wipe (out, len);
      g_free (out);
      g_set_error (error, LK_BULK_ERROR, LK_BULK_ERROR_WRONG_KEY,
                   _("Cannot decrypt a value: wrong key or password"));
      return NULL;
    }
  return lk_secure_bytes_new_take (out, (gsize) (n1 + n2));
}

static gboolean
is_rsa (const char *uri)
{
  return g_strcmp0 (uri, URI_RSA15) == 0 || g_strcmp0 (uri, URI_RSA15_RFC6030) == 0 || g_strcmp0 (uri, URI_OAEP) == 0;
}

/* RSA key transport (RFC 6030 section 6.3, XML Encryption 5.4): the
 * CipherValue is the value itself encrypted with the recipient's public
 * key, PKCS#1 v1.5 or OAEP (MGF1 with SHA-1; the digest from
 * ds:DigestMethod, SHA-1 by default; OAEPparams as the label). */
static GBytes *
rsa_decrypt (Context     *cx,
             xmlNode     *method,
             const char  *uri,
             GBytes      *raw,
             GError     **error)
{
  g_autoptr(EVP_PKEY_CTX) ctx = NULL;
  g_autoptr(GBytes) label = NULL;
  const guint8 *in = g_bytes_get_data (raw, NULL);
  gsize in_len = g_bytes_get_size (raw), out_len = 0, size;
  guint8 *out;
  gboolean ok;

  if (cx->private_key == NULL)
    {
      g_set_error (error, LK_BULK_ERROR, LK_BULK_ERROR_KEY_NEEDED,
                   _("The file is encrypted with a public key: give the private key with --private-key"));
      return NULL;
    }
  ctx = EVP_PKEY_CTX_new (cx->private_key, NULL);
  if (ctx == NULL || EVP_PKEY_decrypt_init (ctx) != 1)
    {
      g_set_error (error, LK_BULK_ERROR, LK_BULK_ERROR_UNSUPPORTED, _("RSA decryption failed"));
      return NULL;
    }
  if (g_strcmp0 (uri, URI_OAEP) == 0)
    {
      g_autofree char *digest = lk_pskc_attr_of (child (method, "DigestMethod"), "Algorithm");
      const EVP_MD *md = EVP_sha1 ();

      if (digest != NULL && strcmp (digest, URI_XENC "sha256") == 0)
        md = EVP_sha256 ();
      else if (digest != NULL && strcmp (digest, "http://www.w3.org/2000/09/xmldsig#sha1") != 0)
        {
          g_set_error (error, LK_BULK_ERROR, LK_BULK_ERROR_UNSUPPORTED, _("Unsupported OAEP digest “%s”"), digest);
          return NULL;
        }
      if (child (method, "OAEPparams") != NULL)
        {
          label = lk_pskc_base64_of (child (method, "OAEPparams"), FALSE, error);
          if (label == NULL)
            return NULL;
        }
      ok = EVP_PKEY_CTX_set_rsa_padding (ctx, RSA_PKCS1_OAEP_PADDING) == 1
           && EVP_PKEY_CTX_set_rsa_oaep_md (ctx, md) == 1
           && EVP_PKEY_CTX_set_rsa_mgf1_md (ctx, EVP_sha1 ()) == 1;
      if (ok && label != NULL && g_bytes_get_size (label) > 0)
        {
          /* OpenSSL takes ownership of the label. */
          gsize n = g_bytes_get_size (label);
          void *copy = OPENSSL_memdup (g_bytes_get_data (label, NULL), n);

          ok = copy != NULL && EVP_PKEY_CTX_set0_rsa_oaep_label (ctx, copy, (int) n) == 1;
          if (!ok)
            OPENSSL_free (copy);
        }
    }
  else
    ok = EVP_PKEY_CTX_set_rsa_padding (ctx, RSA_PKCS1_PADDING) == 1;
  if (!ok || EVP_PKEY_decrypt (ctx, NULL, &out_len, in, in_len) != 1)
    {
      g_set_error (error, LK_BULK_ERROR, LK_BULK_ERROR_UNSUPPORTED, _("RSA decryption failed"));
      return NULL;
    }
  size = out_len > 0 ? out_len : 1;
  out = g_malloc (size);
  if (EVP_PKEY_decrypt (ctx, out, &out_len, in, in_len) != 1)
    {
      lk_secure_wipe (out, size);
      g_free (out);
      g_set_error (error, LK_BULK_ERROR, LK_BULK_ERROR_WRONG_KEY,
                   _("Cannot decrypt a value with the private key: wrong key, or the value was altered"));
      return NULL;
    }
  return lk_secure_bytes_new_take (out, out_len);
}

/* Decrypts an EncryptedValue or MACKey element (EncryptionMethod and
 * CipherData/CipherValue). With @mac_out, also returns the raw IV |
 * ciphertext (or RSA ciphertext) the ValueMAC covers. */
static GBytes *
decrypt_element (Context  *cx,
                 xmlNode  *node,
                 GBytes  **raw_out,
                 GError  **error)
{
  xmlNode *method = child (node, "EncryptionMethod");
  g_autofree char *uri = lk_pskc_attr_of (method, "Algorithm");
  g_autoptr(GBytes) raw = NULL;
  const EVP_CIPHER *cipher;
  gsize key_len = 0;
  GBytes *plain;

  if (cx->encrypted && is_rsa (uri))
    {
      raw = lk_pskc_base64_of (child (child (node, "CipherData"), "CipherValue"), FALSE, error);
      if (raw == NULL)
        return NULL;
      plain = rsa_decrypt (cx, method, uri, raw, error);
      if (plain != NULL && raw_out != NULL)
        *raw_out = g_steal_pointer (&raw);
      return plain;
    }
  if (!cx->encrypted || cx->key_len == 0)
    {
      g_set_error (error, LK_BULK_ERROR, LK_BULK_ERROR_KEY_NEEDED,
                   _("The file has encrypted values but names no EncryptionKey"));
      return NULL;
    }
  cipher = cipher_for (uri, &key_len);
  if (cipher == NULL)
    {
      g_set_error (error, LK_BULK_ERROR, LK_BULK_ERROR_UNSUPPORTED,
                   _("Unsupported encryption algorithm “%s”"), uri ? uri : "");
      return NULL;
    }
  if (key_len != cx->key_len)
    {
      g_set_error (error, LK_BULK_ERROR, LK_BULK_ERROR_WRONG_KEY,
                   _("The key is %u bytes long; this value needs %u"), (guint) cx->key_len, (guint) key_len);
      return NULL;
    }
  raw = lk_pskc_base64_of (child (child (node, "CipherData"), "CipherValue"), FALSE, error);
  if (raw == NULL)
    return NULL;
  plain = decrypt (cipher, cx->key, g_bytes_get_data (raw, NULL), g_bytes_get_size (raw), error);
  if (plain != NULL && raw_out != NULL)
    *raw_out = g_steal_pointer (&raw);
  return plain;
}

/* A Data child (Secret, Counter ...): PlainValue, or EncryptedValue checked
 * against its ValueMAC. */
static GBytes *
data_value (Context  *cx,
            xmlNode  *node,
            gboolean  secret,
            GError  **error)
{
  xmlNode *plain = child (node, "PlainValue");
  xmlNode *enc = child (node, "EncryptedValue");
  xmlNode *mac = child (node, "ValueMAC");
  g_autoptr(GBytes) raw = NULL;
  g_autoptr(GBytes) value = NULL;
  g_autoptr(GBytes) expected = NULL;
  guint8 digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;

  if (plain != NULL)
    {
      if (!secret)
        {
          g_autofree char *text = lk_pskc_text_of (plain);
          return g_bytes_new (text, strlen (text));
        }
      return lk_pskc_base64_of (plain, TRUE, error);
    }
  if (enc == NULL)
    {
      g_set_error (error, LK_BULK_ERROR, LK_BULK_ERROR_INVALID, _("A value has neither PlainValue nor EncryptedValue"));
      return NULL;
    }
  value = decrypt_element (cx, enc, &raw, error);
  if (value == NULL)
    return NULL;
  if (cx->mac_key == NULL)
    {
      if (mac != NULL)
        {
          g_set_error (error, LK_BULK_ERROR, LK_BULK_ERROR_MAC, _("A ValueMAC is given but the file has no MACMethod"));
          return NULL;
        }
      return g_steal_pointer (&value);
    }
  if (mac == NULL)
    {
      g_set_error (error, LK_BULK_ERROR, LK_BULK_ERROR_MAC, _("An encrypted value has no ValueMAC"));
      return NULL;
    }
  expected = lk_pskc_base64_of (mac, FALSE, error);
  if (expected == NULL)
    return NULL;
  if (HMAC (cx->mac_md, g_bytes_get_data (cx->mac_key, NULL), (int) g_bytes_get_size (cx->mac_key),
            g_bytes_get_data (raw, NULL), g_bytes_get_size (raw), digest, &digest_len) == NULL
      || !lk_secure_equal (digest, digest_len, g_bytes_get_data (expected, NULL), g_bytes_get_size (expected)))
    {
      g_set_error (error, LK_BULK_ERROR, LK_BULK_ERROR_MAC, _("The ValueMAC does not match: the value was altered"));
      return NULL;
    }
  return g_steal_pointer (&value);
}

/* An integer Data child: plain decimal text, or encrypted big-endian bytes. */
static gboolean
data_uint (Context    *cx,
           xmlNode    *node,
           guint64     max,
           guint64    *out,
           GError    **error)
{
  g_autoptr(GBytes) value = NULL;
  const guint8 *p;
  gsize n;

  if (node == NULL)
    return TRUE;
  value = data_value (cx, node, FALSE, error);
  if (value == NULL)
    return FALSE;
  p = g_bytes_get_data (value, &n);
  if (child (node, "PlainValue") != NULL)
    {
      g_autofree char *text = g_strndup ((const char *) p, n);

      if (!parse_uint64 (text, max, out))
        {
          g_set_error (error, LK_BULK_ERROR, LK_BULK_ERROR_INVALID, _("“%s” is not a valid %s"),
                       text, (const char *) node->name);
          return FALSE;
        }
      return TRUE;
    }
  if (n == 0 || n > 8)
    {
      g_set_error (error, LK_BULK_ERROR, LK_BULK_ERROR_INVALID, _("An encrypted %s has a bad length"),
                   (const char *) node->name);
      return FALSE;
    }
  *out = 0;
  for (gsize i = 0; i < n; i++)
    *out = (*out << 8) | p[i];
  if (*out > max)
    {
      g_set_error (error, LK_BULK_ERROR, LK_BULK_ERROR_INVALID, _("%s is out of range"), (const char *) node->name);
      return FALSE;
    }
  return TRUE;
}

/* Section 6.3: the file is encrypted to the certificate in
 * EncryptionKey/ds:X509Data; the caller's private key must belong to it. */
static gboolean
setup_private_key (Context                 *cx,
                   xmlNode                 *x509_data,
                   const LkPskcProtection  *protection,
                   GError                 **error)
{
  xmlNode *cert_node = child (x509_data, "X509Certificate");
  X509 *cert = NULL;
  g_autoptr(BIO) bio = NULL;

  if (cert_node != NULL)
    {
      g_autoptr(GBytes) der = lk_pskc_base64_of (cert_node, FALSE, error);
      const unsigned char *p;

      if (der == NULL)
        return FALSE;
      p = g_bytes_get_data (der, NULL);
      cert = d2i_X509 (NULL, &p, (long) g_bytes_get_size (der));
      if (cert == NULL)
        {
          g_set_error (error, LK_BULK_ERROR, LK_BULK_ERROR_INVALID,
                       _("The EncryptionKey's X509Certificate is not a certificate"));
          return FALSE;
        }
      cx->recipient = lk_xmldsig_subject (cert);
    }
  if (protection == NULL || protection->private_key_pem == NULL)
    {
      g_set_error (error, LK_BULK_ERROR, LK_BULK_ERROR_KEY_NEEDED,
                   _("The file is encrypted to the certificate “%s” (RFC 6030 section 6.3): give its private "
                     "key with --private-key"), cx->recipient ? cx->recipient : "");
      X509_free (cert);
      return FALSE;
    }
  bio = BIO_new_mem_buf (protection->private_key_pem, -1);
  /* No passphrase callback: OpenSSL's default one would prompt on the terminal. */
  cx->private_key = bio ? PEM_read_bio_PrivateKey (bio, NULL, no_passphrase, NULL) : NULL;
  if (cx->private_key == NULL || EVP_PKEY_get_base_id (cx->private_key) != EVP_PKEY_RSA)
    {
      g_set_error (error, LK_BULK_ERROR, LK_BULK_ERROR_INVALID,
                   _("The private key is not an unencrypted RSA private key in PEM"));
      X509_free (cert);
      return FALSE;
    }
  if (cert != NULL && X509_check_private_key (cert, cx->private_key) != 1)
    {
      g_set_error (error, LK_BULK_ERROR, LK_BULK_ERROR_WRONG_KEY,
                   _("The private key does not belong to the certificate “%s” the file is encrypted to"),
                   cx->recipient);
      X509_free (cert);
      return FALSE;
    }
  X509_free (cert);
  return TRUE;
}

/* EncryptionKey: a pre-shared key by name, or a PBKDF2 DerivedKey. */
static gboolean
setup_key (Context                 *cx,
           xmlNode                 *container,
           const LkPskcProtection  *protection,
           GError                 **error)
{
  xmlNode *ek = child (container, "EncryptionKey");
  xmlNode *derived = child (ek, "DerivedKey");
  xmlNode *mac_method = child (container, "MACMethod");

  if (ek == NULL)
    return TRUE;
  cx->encrypted = TRUE;
  if (child (ek, "X509Data") != NULL)
    return setup_private_key (cx, child (ek, "X509Data"), protection, error);
  if (derived != NULL)
    {
      xmlNode *method = child (derived, "KeyDerivationMethod");
      xmlNode *params = child (method, "PBKDF2-params");
      g_autofree char *algorithm = lk_pskc_attr_of (method, "Algorithm");
      g_autofree char *prf = lk_pskc_attr_of (child (params, "PRF"), "Algorithm");
      g_autofree char *iter_text = lk_pskc_text_of (child (params, "IterationCount"));
      g_autofree char *len_text = lk_pskc_text_of (child (params, "KeyLength"));
      g_autoptr(GBytes) salt = NULL;
      const EVP_MD *md = EVP_sha1 ();
      guint64 iterations = 0, key_len = 0;

      if (g_strcmp0 (algorithm, URI_PBKDF2) != 0 || params == NULL)
        {
          g_set_error (error, LK_BULK_ERROR, LK_BULK_ERROR_UNSUPPORTED,
                       _("Unsupported key derivation “%s”"), algorithm ? algorithm : "");
          return FALSE;
        }
      if (prf != NULL && *prf != '\0' && strcmp (prf, URI_HMAC_SHA1) != 0)
        {
          if (strcmp (prf, URI_HMAC_SHA256) == 0)
            md = EVP_sha256 ();
          else
            {
              g_set_error (error, LK_BULK_ERROR, LK_BULK_ERROR_UNSUPPORTED, _("Unsupported PBKDF2 PRF “%s”"), prf);
              return FALSE;
            }
        }
      salt = lk_pskc_base64_of (child (child (params, "Salt"), "Specified"), FALSE, error);
      if (salt == NULL)
        return FALSE;
      if (!parse_uint64 (iter_text, LK_PSKC_MAX_ITERATIONS, &iterations) || iterations == 0)
        {
          g_set_error (error, LK_BULK_ERROR, LK_BULK_ERROR_REFUSED,
                       _("The PBKDF2 iteration count is missing or above %d"), LK_PSKC_MAX_ITERATIONS);
          return FALSE;
        }
      if (!parse_uint64 (len_text, 32, &key_len) || (key_len != 16 && key_len != 24 && key_len != 32))
        {
          g_set_error (error, LK_BULK_ERROR, LK_BULK_ERROR_UNSUPPORTED, _("Unsupported PBKDF2 key length"));
          return FALSE;
        }
      if (protection == NULL || protection->password == NULL)
        {
          g_set_error (error, LK_BULK_ERROR, LK_BULK_ERROR_KEY_NEEDED,
                       _("The file is protected with a password: give it with --password-file"));
          return FALSE;
        }
      if (PKCS5_PBKDF2_HMAC (protection->password, (int) strlen (protection->password),
                             g_bytes_get_data (salt, NULL), (int) g_bytes_get_size (salt),
                             (int) iterations, md, (int) key_len, cx->key) != 1)
        {
          g_set_error (error, LK_BULK_ERROR, LK_BULK_ERROR_UNSUPPORTED, _("PBKDF2 failed"));
          return FALSE;
        }
      cx->key_len = key_len;
    }
  else
    {
      if (protection == NULL || protection->key == NULL || protection->key_len == 0)
        {
          g_autofree char *name = lk_pskc_text_of (child (ek, "KeyName"));

          g_set_error (error, LK_BULK_ERROR, LK_BULK_ERROR_KEY_NEEDED,
                       _("The file is encrypted with the pre-shared key “%s”: give it with --key"),
                       name ? name : "");
          return FALSE;
        }
      if (protection->key_len > sizeof cx->key)
        {
          g_set_error (error, LK_BULK_ERROR, LK_BULK_ERROR_WRONG_KEY, _("The pre-shared key is too long"));
          return FALSE;
        }
      memcpy (cx->key, protection->key, protection->key_len);
      cx->key_len = protection->key_len;
    }

  if (mac_method != NULL)
    {
      g_autofree char *algorithm = lk_pskc_attr_of (mac_method, "Algorithm");
      xmlNode *mac_key = child (mac_method, "MACKey");

      if (g_strcmp0 (algorithm, URI_HMAC_SHA1) == 0)
        cx->mac_md = EVP_sha1 ();
      else if (g_strcmp0 (algorithm, URI_HMAC_SHA256) == 0)
        cx->mac_md = EVP_sha256 ();
      else
        {
          g_set_error (error, LK_BULK_ERROR, LK_BULK_ERROR_UNSUPPORTED,
                       _("Unsupported MAC algorithm “%s”"), algorithm ? algorithm : "");
          return FALSE;
        }
      if (mac_key == NULL && cx->key_len == 0)
        {
          g_set_error (error, LK_BULK_ERROR, LK_BULK_ERROR_INVALID,
                       _("The MACMethod has no MACKey, and there is no pre-shared key to use instead"));
          return FALSE;
        }
      if (mac_key == NULL)
        {
          /* RFC 6030 allows MACKey to be absent only when the MAC key is
           * the encryption key itself (pre-RFC drafts did so). */
          cx->mac_key = lk_secure_bytes_new (cx->key, cx->key_len);
        }
      else
        {
          cx->mac_key = decrypt_element (cx, mac_key, NULL, error);
          if (cx->mac_key == NULL)
            return FALSE;
        }
    }
  return TRUE;
}

/* ---- keys -------------------------------------------------------------------------- */

static gboolean
read_key (Context    *cx,
          xmlNode    *package,
          xmlNode    *node,
          LkPskcKey  *key,
          GError    **error)
{
  xmlNode *device = child (package, "DeviceInfo");
  xmlNode *params = child (node, "AlgorithmParameters");
  xmlNode *format = child (params, "ResponseFormat");
  xmlNode *data = child (node, "Data");
  g_autofree char *algorithm = lk_pskc_attr_of (node, "Algorithm");
  g_autofree char *suite = lk_pskc_text_of (child (params, "Suite"));
  guint64 value = 0;

  key->id = lk_pskc_attr_of (node, "Id");
  key->serial = lk_pskc_text_of (child (device, "SerialNo"));
  key->manufacturer = lk_pskc_text_of (child (device, "Manufacturer"));
  key->issuer = lk_pskc_text_of (child (node, "Issuer"));

  if (algorithm != NULL && (g_str_has_suffix (algorithm, ":hotp") || g_str_has_suffix (algorithm, "#hotp")))
    key->kind = LK_PSKC_HOTP;
  else if (algorithm != NULL && (g_str_has_suffix (algorithm, ":totp") || g_str_has_suffix (algorithm, "#totp")))
    key->kind = LK_PSKC_TOTP;
  else
    {
      g_set_error (error, LK_BULK_ERROR, LK_BULK_ERROR_UNSUPPORTED,
                   _("Not a HOTP or TOTP key (algorithm “%s”)"), algorithm ? algorithm : "");
      return FALSE;
    }
  if (suite != NULL && *suite != '\0')
    {
      g_autofree char *up = g_ascii_strup (suite, -1);

      if (strstr (up, "SHA512") || strstr (up, "SHA-512"))
        key->hash = LK_HASH_SHA512;
      else if (strstr (up, "SHA256") || strstr (up, "SHA-256"))
        key->hash = LK_HASH_SHA256;
      else if (!strstr (up, "SHA1") && !strstr (up, "SHA-1"))
        {
          g_set_error (error, LK_BULK_ERROR, LK_BULK_ERROR_UNSUPPORTED, _("Unsupported suite “%s”"), suite);
          return FALSE;
        }
    }
  if (format != NULL)
    {
      g_autofree char *length = lk_pskc_attr_of (format, "Length");
      g_autofree char *encoding = lk_pskc_attr_of (format, "Encoding");

      if (encoding != NULL && g_ascii_strcasecmp (encoding, "DECIMAL") != 0)
        {
          g_set_error (error, LK_BULK_ERROR, LK_BULK_ERROR_UNSUPPORTED,
                       _("Unsupported response encoding “%s”"), encoding);
          return FALSE;
        }
      if (!parse_uint64 (length, LK_OTP_MAX_DIGITS, &value) || value < LK_OTP_MIN_DIGITS)
        {
          g_set_error (error, LK_BULK_ERROR, LK_BULK_ERROR_INVALID,
                       _("The response length must be %d to %d digits"), LK_OTP_MIN_DIGITS, LK_OTP_MAX_DIGITS);
          return FALSE;
        }
      key->digits = (guint) value;
    }
  if ((data == NULL || child (data, "Secret") == NULL) && child (node, "KeyReference") != NULL)
    {
      /* RFC 6030 figure 4: the token derives its key from a master key
       * the file only names; there is no secret to import. */
      g_autofree char *master = lk_pskc_text_of (child (node, "KeyReference"));

      g_set_error (error, LK_BULK_ERROR, LK_BULK_ERROR_UNSUPPORTED,
                   _("The key is derived from the master key “%s” (KeyReference); the file carries no secret"),
                   master);
      return FALSE;
    }
  if (data == NULL || child (data, "Secret") == NULL)
    {
      g_set_error (error, LK_BULK_ERROR, LK_BULK_ERROR_INVALID, _("The key has no secret"));
      return FALSE;
    }
  if (!data_uint (cx, child (data, "Counter"), G_MAXINT64, &key->counter, error))
    return FALSE;
  value = 30;
  if (!data_uint (cx, child (data, "TimeInterval"), 86400, &value, error))
    return FALSE;
  if (value == 0)
    {
      g_set_error (error, LK_BULK_ERROR, LK_BULK_ERROR_INVALID, _("The time interval is zero"));
      return FALSE;
    }
  key->period = (guint) value;
  value = 0;
  if (!data_uint (cx, child (data, "Time"), G_MAXINT64, &value, error))
    return FALSE;
  if (value != 0)
    {
      g_set_error (error, LK_BULK_ERROR, LK_BULK_ERROR_UNSUPPORTED,
                   _("A TOTP start time other than 0 is not supported"));
      return FALSE;
    }
  if (child (data, "TimeDrift") != NULL)
    {
      /* TimeDrift is an xs:int: it may be negative, so it is read as text. */
      xmlNode *drift = child (data, "TimeDrift");
      g_autofree char *text = lk_pskc_text_of (child (drift, "PlainValue"));
      gint64 d = 0;

      if (text == NULL || !g_ascii_string_to_signed (text, 10, -1000000, 1000000, &d, NULL))
        {
          g_set_error (error, LK_BULK_ERROR, LK_BULK_ERROR_INVALID, _("The time drift is not a plain integer"));
          return FALSE;
        }
      key->time_drift = d;
    }
  key->secret = data_value (cx, child (data, "Secret"), TRUE, error);
  return key->secret != NULL;
}

/* Refuses documents with a DTD before libxml2 sees them: PSKC has none, and
 * entities are how XXE and billion-laughs attacks come in. A NUL byte
 * (UTF-16 and the like) is refused too, so the scan sees every DOCTYPE. */
static gboolean
check_raw (const char  *data,
           gsize        len,
           GError     **error)
{
  if (len > LK_PSKC_MAX_SIZE)
    {
      g_set_error (error, LK_BULK_ERROR, LK_BULK_ERROR_REFUSED, _("The file is larger than %d MiB"),
                   LK_PSKC_MAX_SIZE / (1024 * 1024));
      return FALSE;
    }
  if (memchr (data, '\0', len) != NULL)
    {
      g_set_error (error, LK_BULK_ERROR, LK_BULK_ERROR_REFUSED, _("The file is not UTF-8 XML"));
      return FALSE;
    }
  if (g_strstr_len (data, (gssize) len, "<!DOCTYPE") != NULL || g_strstr_len (data, (gssize) len, "<!ENTITY") != NULL)
    {
      g_set_error (error, LK_BULK_ERROR, LK_BULK_ERROR_REFUSED,
                   _("The file has a document type declaration; PSKC files have none"));
      return FALSE;
    }
  return TRUE;
}

/* Messages quote parts of the file (and libxml2's its raw bytes): keep
 * them valid UTF-8 for terminals and JSON. */
static void
make_valid (GError *error)
{
  if (error != NULL && !g_utf8_validate (error->message, -1, NULL))
    {
      char *valid = g_utf8_make_valid (error->message, -1);

      g_free (error->message);
      error->message = valid;
    }
}

static void
silent_errors (void       *ctx,
               const char *msg,
               ...)
{
}

void
lk_pskc_info_clear (LkPskcInfo *info)
{
  g_clear_pointer (&info->signer, g_free);
  info->signature = LK_PSKC_UNSIGNED;
}

/* The signature policy (docs/bulk.md): an unsigned file is read as before
 * unless a signer certificate was named; a signed one must verify, and be
 * signed by that certificate or explicitly accepted without one. */
static gboolean
check_signature (xmlDoc                  *doc,
                 const LkPskcProtection  *protection,
                 LkPskcInfo              *info,
                 GError                 **error)
{
  g_autoptr(X509) trusted = NULL;
  g_autofree char *signer = NULL;
  GError *local = NULL;
  xmlNode *signature = lk_xmldsig_find (doc, &local);

  if (local != NULL)
    {
      g_propagate_error (error, local);
      return FALSE;
    }
  if (protection != NULL && protection->signer_cert_pem != NULL)
    {
      g_autoptr(BIO) bio = BIO_new_mem_buf (protection->signer_cert_pem, -1);

      trusted = bio ? PEM_read_bio_X509 (bio, NULL, no_passphrase, NULL) : NULL;
      if (trusted == NULL)
        {
          g_set_error (error, LK_BULK_ERROR, LK_BULK_ERROR_INVALID,
                       _("The signer certificate is not a PEM certificate"));
          return FALSE;
        }
    }
  if (signature == NULL)
    {
      if (trusted != NULL)
        {
          g_set_error (error, LK_BULK_ERROR, LK_BULK_ERROR_SIGNATURE,
                       _("The file is not signed, but a signer certificate was given"));
          return FALSE;
        }
      return TRUE;
    }
  if (!lk_xmldsig_verify (doc, signature, trusted, &signer, error))
    return FALSE;
  if (trusted == NULL && (protection == NULL || !protection->allow_untrusted_signer))
    {
      g_set_error (error, LK_BULK_ERROR, LK_BULK_ERROR_UNTRUSTED_SIGNER,
                   _("The file's signature is valid but its signer “%s” is not trusted: give the signer's "
                     "certificate with --signer-cert, or accept it with --allow-untrusted-signer"), signer);
      return FALSE;
    }
  info->signature = trusted != NULL ? LK_PSKC_SIGNED_TRUSTED : LK_PSKC_SIGNED_UNTRUSTED;
  info->signer = g_steal_pointer (&signer);
  return TRUE;
}

GPtrArray *
lk_pskc_read (const char              *data,
              gsize                    len,
              const LkPskcProtection  *protection,
              GError                 **error)
{
  return lk_pskc_read_full (data, len, protection, NULL, error);
}

GPtrArray *
lk_pskc_read_full (const char              *data,
                   gsize                    len,
                   const LkPskcProtection  *protection,
                   LkPskcInfo              *info,
                   GError                 **error)
{
  g_auto(LkPskcInfo) found = { 0 };
  g_autoptr(GPtrArray) keys = NULL;
  Context cx = { 0 };
  xmlDoc *doc;
  xmlNode *root;
  const xmlError *xerr;
  guint index = 0;

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  if (info != NULL)
    lk_pskc_info_clear (info);
  if (!check_raw (data, len, error))
    return NULL;
  if (len > G_MAXINT)
    return NULL;
  /* No XML_PARSE_NOENT (entities stay unexpanded), no DTDLOAD/DTDATTR, no
   * network, no XInclude; errors are collected, not printed. */
  xmlSetGenericErrorFunc (NULL, silent_errors);
  doc = xmlReadMemory (data, (int) len, "pskc.xml", NULL,
                       XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
  if (doc == NULL)
    {
      xerr = xmlGetLastError ();
      g_set_error (error, LK_BULK_ERROR, LK_BULK_ERROR_PARSE, _("Not well-formed XML (line %d): %s"),
                   xerr ? xerr->line : 0, xerr && xerr->message ? g_strstrip (xerr->message) : "");
      if (error != NULL)
        make_valid (*error);
      xmlResetLastError ();
      return NULL;
    }
  root = xmlDocGetRootElement (doc);
  if (doc->intSubset != NULL || doc->extSubset != NULL)
    {
      g_set_error (error, LK_BULK_ERROR, LK_BULK_ERROR_REFUSED,
                   _("The file has a document type declaration; PSKC files have none"));
      goto out;
    }
  if (!is_element (root, "KeyContainer") || root->ns == NULL
      || strcmp ((const char *) root->ns->href, NS_PSKC) != 0)
    {
      g_set_error (error, LK_BULK_ERROR, LK_BULK_ERROR_PARSE, _("Not a PSKC file (no KeyContainer in %s)"), NS_PSKC);
      goto out;
    }
  /* Before anything is decrypted: a refused file is never half read. */
  if (!check_signature (doc, protection, &found, error))
    goto out;
  if (!setup_key (&cx, root, protection, error))
    goto out;

  keys = g_ptr_array_new_with_free_func ((GDestroyNotify) lk_pskc_key_free);
  for (xmlNode *package = root->children; package != NULL; package = package->next)
    {
      if (!is_element (package, "KeyPackage"))
        continue;
      for (xmlNode *node = package->children; node != NULL; node = node->next)
        {
          LkPskcKey *key;

          if (!is_element (node, "Key"))
            continue;
          key = lk_pskc_key_new ();
          key->index = ++index;
          if (!read_key (&cx, package, node, key, &key->error))
            g_clear_pointer (&key->secret, g_bytes_unref);
          g_ptr_array_add (keys, key);
        }
    }
  /* A wrong pre-shared key or password cannot decrypt the MAC key (refused
   * above) or, without a MAC, any secret: say so for the file rather than
   * once per key. */
  if (keys->len > 0 && cx.encrypted)
    {
      gboolean any_ok = FALSE, all_wrong = TRUE;

      for (guint i = 0; i < keys->len; i++)
        {
          LkPskcKey *k = g_ptr_array_index (keys, i);

          any_ok |= k->error == NULL;
          all_wrong &= k->error != NULL && g_error_matches (k->error, LK_BULK_ERROR, LK_BULK_ERROR_WRONG_KEY);
        }
      if (!any_ok && all_wrong)
        {
          g_set_error (error, LK_BULK_ERROR, LK_BULK_ERROR_WRONG_KEY,
                       _("Cannot decrypt the file: wrong key or password"));
          g_clear_pointer (&keys, g_ptr_array_unref);
        }
    }

out:
  if (keys != NULL)
    for (guint i = 0; i < keys->len; i++)
      make_valid (((LkPskcKey *) keys->pdata[i])->error);
  if (error != NULL)
    make_valid (*error);
  lk_secure_wipe (cx.key, sizeof cx.key);
  g_clear_pointer (&cx.mac_key, g_bytes_unref);
  g_clear_pointer (&cx.private_key, EVP_PKEY_free);
  g_clear_pointer (&cx.recipient, g_free);
  if (keys != NULL && info != NULL)
    {
      *info = found;
      found.signer = NULL;
    }
  xmlFreeDoc (doc);
  xmlResetLastError ();
  return g_steal_pointer (&keys);
}

/* ---- writer ------------------------------------------------------------------------ */

static gboolean
encrypt_value (const guint8  *key,
               gsize          key_len,
               const guint8  *mac_key,
               const guint8  *plain,
               gsize          plain_len,
               GString       *out,
               const char    *indent,
               gboolean       with_mac,
               GError       **error)
{
  const EVP_CIPHER *cipher = key_len == 32 ? EVP_aes_256_cbc () : EVP_aes_128_cbc ();
  gsize cap = 16 + plain_len + 16;
  g_autofree guint8 *buf = g_malloc (cap);
  g_autofree char *b64 = NULL;
  EVP_CIPHER_CTX *ctx;
  int n1 = 0, n2 = 0;
  gboolean ok;

  if (!lk_random_bytes (buf, 16, error))
    return FALSE;
  ctx = EVP_CIPHER_CTX_new ();
  ok = ctx != NULL
       && EVP_EncryptInit_ex (ctx, cipher, NULL, key, buf) == 1
       && EVP_EncryptUpdate (ctx, buf + 16, &n1, plain, (int) plain_len) == 1
       && EVP_EncryptFinal_ex (ctx, buf + 16 + n1, &n2) == 1;
  EVP_CIPHER_CTX_free (ctx);
  if (!ok)
    {
      g_set_error (error, LK_BULK_ERROR, LK_BULK_ERROR_UNSUPPORTED, _("Encryption failed"));
      return FALSE;
    }
  b64 = g_base64_encode (buf, 16 + (gsize) n1 + (gsize) n2);
  g_string_append_printf (out,
                          "%s<pskc:EncryptedValue>\n"
                          "%s  <xenc:EncryptionMethod Algorithm=\"%s\"/>\n"
                          "%s  <xenc:CipherData><xenc:CipherValue>%s</xenc:CipherValue></xenc:CipherData>\n"
                          "%s</pskc:EncryptedValue>\n",
                          indent, indent, key_len == 32 ? URI_AES256 : URI_AES128, indent, b64, indent);
  if (with_mac)
    {
      guint8 digest[EVP_MAX_MD_SIZE];
      unsigned int digest_len = 0;
      g_autofree char *mac64 = NULL;

      if (HMAC (EVP_sha1 (), mac_key, MAC_KEY_SIZE, buf, 16 + (gsize) n1 + (gsize) n2, digest, &digest_len) == NULL)
        {
          g_set_error (error, LK_BULK_ERROR, LK_BULK_ERROR_UNSUPPORTED, _("HMAC failed"));
          return FALSE;
        }
      mac64 = g_base64_encode (digest, digest_len);
      g_string_append_printf (out, "%s<pskc:ValueMAC>%s</pskc:ValueMAC>\n", indent, mac64);
    }
  return TRUE;
}

static void
append_text (GString    *out,
             const char *indent,
             const char *element,
             const char *text)
{
  g_autofree char *escaped = NULL;

  if (text == NULL)
    return;
  escaped = g_markup_escape_text (text, -1);
  g_string_append_printf (out, "%s<pskc:%s>%s</pskc:%s>\n", indent, element, escaped, element);
}

char *
lk_pskc_write (GPtrArray               *keys,
               const LkPskcProtection  *protection,
               GError                 **error)
{
  g_autoptr(GString) out = g_string_sized_new (1024 + 1024 * keys->len);
  guint8 key[32], mac_key[MAC_KEY_SIZE];
  gsize key_len = 0;
  gboolean encrypted = protection != NULL && (protection->password != NULL || protection->key_len > 0);
  char *result = NULL;

  g_string_append (out,
                   "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                   "<pskc:KeyContainer Version=\"1.0\" xmlns:pskc=\"" NS_PSKC "\"\n"
                   "    xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"\n"
                   "    xmlns:xenc=\"" URI_XENC "\"\n"
                   "    xmlns:xenc11=\"http://www.w3.org/2009/xmlenc11#\"\n"
                   "    xmlns:pkcs5=\"http://www.rsasecurity.com/rsalabs/pkcs/schemas/pkcs-5v2-0#\">\n");
  if (encrypted && protection->password != NULL)
    {
      guint8 salt[16];
      guint iterations = protection->iterations ? protection->iterations : 100000;
      g_autofree char *salt64 = NULL;

      key_len = 16;
      if (!lk_random_bytes (salt, sizeof salt, error))
        goto out;
      if (PKCS5_PBKDF2_HMAC (protection->password, (int) strlen (protection->password), salt, sizeof salt,
                             (int) iterations, EVP_sha1 (), (int) key_len, key) != 1)
        {
          g_set_error (error, LK_BULK_ERROR, LK_BULK_ERROR_UNSUPPORTED, _("PBKDF2 failed"));
          goto out;
        }
      salt64 = g_base64_encode (salt, sizeof salt);
      g_string_append_printf (out,
          "  <pskc:EncryptionKey>\n"
          "    <xenc11:DerivedKey>\n"
          "      <xenc11:KeyDerivationMethod Algorithm=\"" URI_PBKDF2 "\">\n"
          "        <pkcs5:PBKDF2-params>\n"
          "          <Salt><Specified>%s</Specified></Salt>\n"
          "          <IterationCount>%u</IterationCount>\n"
          "          <KeyLength>%u</KeyLength>\n"
          "          <PRF Algorithm=\"" URI_HMAC_SHA1 "\"/>\n"
          "        </pkcs5:PBKDF2-params>\n"
          "      </xenc11:KeyDerivationMethod>\n"
          "      <xenc11:MasterKeyName>Latchkey export</xenc11:MasterKeyName>\n"
          "    </xenc11:DerivedKey>\n"
          "  </pskc:EncryptionKey>\n", salt64, iterations, (guint) key_len);
    }
  else if (encrypted)
    {
      if (protection->key_len != 16 && protection->key_len != 32)
        {
          g_set_error (error, LK_BULK_ERROR, LK_BULK_ERROR_INVALID,
                       _("A pre-shared key must be 16 or 32 bytes (32 or 64 hexadecimal digits)"));
          goto out;
        }
      key_len = protection->key_len;
      memcpy (key, protection->key, key_len);
      g_string_append (out, "  <pskc:EncryptionKey><ds:KeyName>Pre-shared-key</ds:KeyName></pskc:EncryptionKey>\n");
    }
  if (encrypted)
    {
      if (!lk_random_bytes (mac_key, sizeof mac_key, error))
        goto out;
      g_string_append (out, "  <pskc:MACMethod Algorithm=\"" URI_HMAC_SHA1 "\">\n    <pskc:MACKey>\n");
      /* The MACKey element has the EncryptedValue's content, not the element. */
      {
        g_autoptr(GString) tmp = g_string_new (NULL);
        const char *start, *end;

        if (!encrypt_value (key, key_len, NULL, mac_key, sizeof mac_key, tmp, "      ", FALSE, error))
          goto out;
        start = strchr (tmp->str, '\n') + 1;
        end = g_strrstr (tmp->str, "      </pskc:EncryptedValue>");
        g_string_append_len (out, start, end - start);
        lk_secure_wipe (tmp->str, tmp->len);
      }
      g_string_append (out, "    </pskc:MACKey>\n  </pskc:MACMethod>\n");
    }

  for (guint i = 0; i < keys->len; i++)
    {
      LkPskcKey *k = g_ptr_array_index (keys, i);
      const guint8 *secret;
      gsize secret_len = 0;
      g_autofree char *id = NULL;

      if (k->secret == NULL)
        continue;
      secret = g_bytes_get_data (k->secret, &secret_len);
      id = g_markup_escape_text (k->id ? k->id : (k->serial ? k->serial : ""), -1);
      g_string_append (out, "  <pskc:KeyPackage>\n    <pskc:DeviceInfo>\n");
      append_text (out, "      ", "Manufacturer", k->manufacturer);
      append_text (out, "      ", "SerialNo", k->serial);
      g_string_append (out, "    </pskc:DeviceInfo>\n");
      g_string_append_printf (out, "    <pskc:Key Id=\"%s\" Algorithm=\"urn:ietf:params:xml:ns:keyprov:pskc:%s\">\n",
                              id, k->kind == LK_PSKC_TOTP ? "totp" : "hotp");
      append_text (out, "      ", "Issuer", k->issuer);
      g_string_append (out, "      <pskc:AlgorithmParameters>\n");
      if (k->hash != LK_HASH_SHA1)
        g_string_append_printf (out, "        <pskc:Suite>HMAC-%s</pskc:Suite>\n",
                                k->hash == LK_HASH_SHA256 ? "SHA256" : "SHA512");
      g_string_append_printf (out, "        <pskc:ResponseFormat Length=\"%u\" Encoding=\"DECIMAL\"/>\n"
                              "      </pskc:AlgorithmParameters>\n      <pskc:Data>\n        <pskc:Secret>\n",
                              k->digits);
      if (encrypted)
        {
          if (!encrypt_value (key, key_len, mac_key, secret, secret_len, out, "          ", TRUE, error))
            goto out;
        }
      else
        {
          g_autofree char *b64 = g_base64_encode (secret, secret_len);

          g_string_append_printf (out, "          <pskc:PlainValue>%s</pskc:PlainValue>\n", b64);
          lk_secure_wipe (b64, strlen (b64));
        }
      g_string_append (out, "        </pskc:Secret>\n");
      if (k->kind == LK_PSKC_HOTP)
        g_string_append_printf (out, "        <pskc:Counter><pskc:PlainValue>%" G_GUINT64_FORMAT
                                "</pskc:PlainValue></pskc:Counter>\n", k->counter);
      else
        {
          g_string_append_printf (out, "        <pskc:TimeInterval><pskc:PlainValue>%u</pskc:PlainValue>"
                                  "</pskc:TimeInterval>\n", k->period);
          if (k->time_drift != 0)
            g_string_append_printf (out, "        <pskc:TimeDrift><pskc:PlainValue>%" G_GINT64_FORMAT
                                    "</pskc:PlainValue></pskc:TimeDrift>\n", k->time_drift);
        }
      g_string_append (out, "      </pskc:Data>\n    </pskc:Key>\n  </pskc:KeyPackage>\n");
    }
  g_string_append (out, "</pskc:KeyContainer>\n");
  result = g_strndup (out->str, out->len);

out:
  lk_secure_wipe (out->str, out->len);
  lk_secure_wipe (key, sizeof key);
  lk_secure_wipe (mac_key, sizeof mac_key);
  return result;
}
