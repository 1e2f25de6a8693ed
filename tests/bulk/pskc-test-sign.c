/* SPDX-License-Identifier: GPL-3.0-or-later
 * Test support: RSA key pairs and self-signed certificates made with
 * OpenSSL, PSKC containers signed over literal canonical XML (so the
 * tests do not rely on the reader's canonicalizer) and containers
 * encrypted to a certificate (RFC 6030 section 6.3). */
#include "config.h"

#include <string.h>
#include <glib.h>
#include <libxml/c14n.h>
#include <libxml/parser.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "pskc-test-sign.h"

static Pki *
pki_new (const char *cn)
{
  Pki *p = g_new0 (Pki, 1);
  X509_NAME *name;

  p->key = EVP_RSA_gen (2048);
  g_assert_nonnull (p->key);
  p->cert = X509_new ();
  g_assert_nonnull (p->cert);
  g_assert_cmpint (X509_set_version (p->cert, 2), ==, 1);
  g_assert_cmpint (ASN1_INTEGER_set (X509_get_serialNumber (p->cert), 1), ==, 1);
  g_assert_nonnull (X509_gmtime_adj (X509_getm_notBefore (p->cert), -3600));
  g_assert_nonnull (X509_gmtime_adj (X509_getm_notAfter (p->cert), 86400));
  name = X509_get_subject_name (p->cert);
  g_assert_cmpint (X509_NAME_add_entry_by_txt (name, "O", MBSTRING_ASC, (const guchar *) "Latchkey tests", -1, -1, 0), ==, 1);
  g_assert_cmpint (X509_NAME_add_entry_by_txt (name, "CN", MBSTRING_ASC, (const guchar *) cn, -1, -1, 0), ==, 1);
  g_assert_cmpint (X509_set_issuer_name (p->cert, name), ==, 1);
  g_assert_cmpint (X509_set_pubkey (p->cert, p->key), ==, 1);
  g_assert_cmpint (X509_sign (p->cert, p->key, EVP_sha256 ()), >, 0);
  return p;
}

static void
pki_free (Pki *p)
{
  EVP_PKEY_free (p->key);
  X509_free (p->cert);
  g_free (p);
}

/* Two vendors' key pairs, made once per run (RSA generation is slow). */
static Pki *vendor, *other_vendor;

Pki *
pki (void)
{
  if (vendor == NULL)
    vendor = pki_new ("Latchkey Test Vendor");
  return vendor;
}

Pki *
pki_other (void)
{
  if (other_vendor == NULL)
    other_vendor = pki_new ("Someone Else");
  return other_vendor;
}

char *
bio_text (BIO *bio)
{
  char *data = NULL;
  long len = BIO_get_mem_data (bio, &data);
  char *text = g_strndup (data, (gsize) len);

  BIO_free (bio);
  return text;
}

char *
key_pem (EVP_PKEY *key)
{
  BIO *bio = BIO_new (BIO_s_mem ());

  g_assert_cmpint (PEM_write_bio_PrivateKey (bio, key, NULL, NULL, 0, NULL, NULL), ==, 1);
  return bio_text (bio);
}

char *
cert_pem (X509 *cert)
{
  BIO *bio = BIO_new (BIO_s_mem ());

  g_assert_cmpint (PEM_write_bio_X509 (bio, cert), ==, 1);
  return bio_text (bio);
}

char *
cert_base64 (X509 *cert)
{
  unsigned char *der = NULL;
  int len = i2d_X509 (cert, &der);
  char *b64;

  g_assert_cmpint (len, >, 0);
  b64 = g_base64_encode (der, (gsize) len);
  OPENSSL_free (der);
  return b64;
}

static char *
digest_base64 (const EVP_MD *md,
               const char   *text)
{
  guint8 digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;

  g_assert_cmpint (EVP_Digest (text, strlen (text), digest, &len, md, NULL), ==, 1);
  return g_base64_encode (digest, len);
}

static char *
rsa_sign_base64 (EVP_PKEY     *key,
                 const EVP_MD *md,
                 const char   *text)
{
  EVP_MD_CTX *ctx = EVP_MD_CTX_new ();
  guint8 sig[512];
  size_t len = sizeof sig;

  g_assert_cmpint (EVP_DigestSignInit (ctx, NULL, md, NULL, key), ==, 1);
  g_assert_cmpint (EVP_DigestSign (ctx, sig, &len, (const guint8 *) text, strlen (text)), ==, 1);
  EVP_MD_CTX_free (ctx);
  return g_base64_encode (sig, len);
}


/* The ds:Signature element for @spec. */
char *
signature_for (const SignSpec *spec)
{
  const char *c14n = spec->inclusive ? C14N_INC : C14N_EXC;
  const EVP_MD *md = spec->sha1 ? EVP_sha1 () : EVP_sha256 ();
  Pki *signer = spec->signer ? spec->signer : pki ();
  g_autofree char *covered = spec->covered ? g_strdup (spec->covered)
                                           : g_strconcat (SIGNED_OPEN, SIGNED_BODY, SIGNED_CLOSE, NULL);
  g_autofree char *digest = digest_base64 (md, covered);
  g_autofree char *info = NULL;
  g_autofree char *value = NULL;
  g_autofree char *cert = cert_base64 (signer->cert);
  g_autofree char *first = spec->chain_first ? cert_base64 (spec->chain_first->cert) : NULL;
  g_autofree char *key_info = NULL;

  /* SignedInfo in its canonical form: exclusive C14N declares only ds on
   * it; inclusive C14N also the pskc namespace in scope from the root. */
  info = g_strdup_printf ("<ds:SignedInfo xmlns:ds=\"" NS_DS "\"%s>"
                          "<ds:CanonicalizationMethod Algorithm=\"%s\"></ds:CanonicalizationMethod>"
                          "<ds:SignatureMethod Algorithm=\"%s\"></ds:SignatureMethod>"
                          "<ds:Reference URI=\"%s\"><ds:Transforms>"
                          "<ds:Transform Algorithm=\"" NS_DS "enveloped-signature\"></ds:Transform>"
                          "<ds:Transform Algorithm=\"%s\"></ds:Transform></ds:Transforms>"
                          "<ds:DigestMethod Algorithm=\"%s\"></ds:DigestMethod>"
                          "<ds:DigestValue>%s</ds:DigestValue></ds:Reference></ds:SignedInfo>",
                          spec->inclusive ? " xmlns:pskc=\"" NS_PSKC "\"" : "", c14n,
                          spec->sha1 ? NS_DS "rsa-sha1" : "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
                          spec->uri, c14n,
                          spec->sha1 ? NS_DS "sha1" : "http://www.w3.org/2001/04/xmlenc#sha256", digest);
  value = rsa_sign_base64 (signer->key, md, info);
  if (!spec->no_cert)
    key_info = g_strdup_printf ("<ds:KeyInfo><ds:X509Data>%s%s%s<ds:X509Certificate>%s</ds:X509Certificate>"
                                "</ds:X509Data></ds:KeyInfo>", first ? "<ds:X509Certificate>" : "",
                                first ? first : "", first ? "</ds:X509Certificate>" : "", cert);
  return g_strdup_printf ("<ds:Signature xmlns:ds=\"" NS_DS "\">%s<ds:SignatureValue>%s</ds:SignatureValue>"
                          "%s</ds:Signature>", info, value, key_info ? key_info : "");
}

char *
sign_document (const char     *xml,
               const SignSpec *spec)
{
  xmlDoc *doc = xmlReadMemory (xml, (int) strlen (xml), "unsigned.xml", NULL, XML_PARSE_NONET);
  xmlChar *canonical = NULL;
  SignSpec whole = *spec;
  g_autofree char *signature = NULL;
  const char *end = g_strrstr (xml, "</");
  char *signed_xml;
  int len;

  g_assert_nonnull (doc);
  g_assert_nonnull (end);
  len = xmlC14NDocDumpMemory (doc, NULL, XML_C14N_EXCLUSIVE_1_0, NULL, 0, &canonical);
  g_assert_cmpint (len, >=, 0);
  whole.uri = "";
  whole.inclusive = FALSE;
  whole.covered = (const char *) canonical;
  signature = signature_for (&whole);
  signed_xml = g_strdup_printf ("%.*s%s%s", (int) (end - xml), xml, signature, end);
  xmlFree (canonical);
  xmlFreeDoc (doc);
  return signed_xml;
}

char *
signed_container (const SignSpec *spec)
{
  g_autofree char *signature = signature_for (spec);

  return g_strconcat (SIGNED_OPEN, SIGNED_BODY, signature, SIGNED_CLOSE, NULL);
}

static char *
rsa_encrypt_base64 (EVP_PKEY   *key,
                    int         padding,
                    const char *plain,
                    gsize       len)
{
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new (key, NULL);
  guint8 out[512];
  size_t out_len = sizeof out;

  g_assert_cmpint (EVP_PKEY_encrypt_init (ctx), ==, 1);
  g_assert_cmpint (EVP_PKEY_CTX_set_rsa_padding (ctx, padding), ==, 1);
  g_assert_cmpint (EVP_PKEY_encrypt (ctx, out, &out_len, (const guint8 *) plain, len), ==, 1);
  EVP_PKEY_CTX_free (ctx);
  return g_base64_encode (out, out_len);
}

/* A container like RFC 6030 figure 8, encrypted to the test certificate. */
char *
rsa_container (const char *algorithm,
               int         padding,
               gboolean    with_counter)
{
  g_autofree char *cert = cert_base64 (pki ()->cert);
  g_autofree char *secret = rsa_encrypt_base64 (pki ()->key, padding, PSKC_TEST_SECRET, 20);
  g_autofree char *counter = rsa_encrypt_base64 (pki ()->key, padding, "\x00\x00\x00\x07", 4);

  return g_strdup_printf (
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<KeyContainer xmlns=\"" NS_PSKC "\" xmlns:ds=\"" NS_DS "\" xmlns:xenc=\"http://www.w3.org/2001/04/xmlenc#\""
    " Version=\"1.0\">\n"
    "  <EncryptionKey><ds:X509Data><ds:X509Certificate>%s</ds:X509Certificate></ds:X509Data></EncryptionKey>\n"
    "  <KeyPackage><DeviceInfo><SerialNo>RSA-1</SerialNo></DeviceInfo>\n"
    "    <Key Id=\"R1\" Algorithm=\"urn:ietf:params:xml:ns:keyprov:pskc:hotp\">\n"
    "      <Data><Secret><EncryptedValue><xenc:EncryptionMethod Algorithm=\"%s\"/>\n"
    "        <xenc:CipherData><xenc:CipherValue>%s</xenc:CipherValue></xenc:CipherData></EncryptedValue></Secret>\n"
    "        %s%s%s%s%s\n"
    "      </Data></Key></KeyPackage>\n"
    "</KeyContainer>\n", cert, algorithm, secret,
    with_counter ? "<Counter><EncryptedValue><xenc:EncryptionMethod Algorithm=\"" : "",
    with_counter ? algorithm : "",
    with_counter ? "\"/><xenc:CipherData><xenc:CipherValue>" : "",
    with_counter ? counter : "",
    with_counter ? "</xenc:CipherValue></xenc:CipherData></EncryptedValue></Counter>" : "");
}


void
pki_free_all (void)
{
  g_clear_pointer (&vendor, pki_free);
  g_clear_pointer (&other_vendor, pki_free);
}
