/* SPDX-License-Identifier: GPL-3.0-or-later
 * Test support for signed and RSA-encrypted PSKC files (pskc-test-sign.c). */
#pragma once

#include <glib.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

/* The secret of the RFC's examples and of these files. */
#define PSKC_TEST_SECRET "12345678901234567890"

typedef struct
{
  EVP_PKEY *key;
  X509     *cert;
} Pki;

/* Two vendors' key pairs, made once per process (RSA generation is slow);
 * pki_free_all() frees them. */
Pki  *pki           (void);
Pki  *pki_other     (void);
void  pki_free_all  (void);

char *bio_text      (BIO      *bio);   /* takes the memory BIO */
char *key_pem       (EVP_PKEY *key);
char *cert_pem      (X509     *cert);
char *cert_base64   (X509     *cert);  /* DER in Base64, as in ds:X509Certificate */

#define NS_PSKC "urn:ietf:params:xml:ns:keyprov:pskc"
#define NS_DS   "http://www.w3.org/2000/09/xmldsig#"
#define C14N_EXC "http://www.w3.org/2001/10/xml-exc-c14n#"
#define C14N_INC "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"

/* A container written in canonical XML (namespace declarations first,
 * attributes sorted, no empty-element tags), so that the tests compute
 * digests over the literal text and do not depend on the reader's own
 * canonicalizer. */
#define SIGNED_OPEN "<pskc:KeyContainer xmlns:pskc=\"" NS_PSKC "\" Id=\"KC1\" Version=\"1.0\">"
#define SIGNED_KEY \
  "<pskc:Key Algorithm=\"urn:ietf:params:xml:ns:keyprov:pskc:hotp\" Id=\"K1\">" \
  "<pskc:AlgorithmParameters><pskc:ResponseFormat Encoding=\"DECIMAL\" Length=\"8\"></pskc:ResponseFormat>" \
  "</pskc:AlgorithmParameters>\n<pskc:Data><pskc:Secret><pskc:PlainValue>MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=" \
  "</pskc:PlainValue></pskc:Secret><pskc:Counter><pskc:PlainValue>0</pskc:PlainValue></pskc:Counter>" \
  "</pskc:Data></pskc:Key>"
#define SIGNED_BODY \
  "\n<pskc:KeyPackage><pskc:DeviceInfo><pskc:Manufacturer>Acme</pskc:Manufacturer>" \
  "<pskc:SerialNo>SIG-1</pskc:SerialNo></pskc:DeviceInfo>" SIGNED_KEY "</pskc:KeyPackage>\n"
#define SIGNED_CLOSE "</pskc:KeyContainer>"

typedef struct
{
  const char *uri;        /* the Reference URI */
  gboolean    inclusive;  /* C14N 1.0 instead of exclusive C14N */
  gboolean    sha1;       /* rsa-sha1 and sha1 instead of SHA-256 */
  const char *covered;    /* the canonical text the digest is over; NULL = the container minus the signature */
  gboolean    no_cert;    /* no X509Data in KeyInfo */
  Pki        *signer;     /* NULL = pki () */
  Pki        *chain_first; /* another certificate listed in KeyInfo before the signer's, or NULL */
} SignSpec;

/* The ds:Signature element for @spec, and the container with it. */
char *signature_for    (const SignSpec *spec);
char *signed_container (const SignSpec *spec);

/* @xml (any document) with an enveloped signature over all of it (URI "",
 * exclusive C14N) inserted before its closing root tag; the digest is over
 * libxml2's canonical form, so this serves files the literal form above
 * cannot describe (the reader's canonicalizer is tested by the others).
 * @spec gives the signer, digest and certificates. */
char *sign_document    (const char     *xml,
                        const SignSpec *spec);

/* A container like RFC 6030 figure 8 encrypted to pki()'s certificate with
 * @algorithm (an xmlenc URI) and OpenSSL @padding: serial RSA-1, secret
 * PSKC_TEST_SECRET, and with @with_counter an encrypted counter of 7. */
char *rsa_container    (const char *algorithm,
                        int         padding,
                        gboolean    with_counter);
