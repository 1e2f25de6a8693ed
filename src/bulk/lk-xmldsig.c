/* SPDX-License-Identifier: GPL-3.0-or-later
 * XML-DSig verification of PSKC containers on libxml2's canonicalizer and
 * OpenSSL: deliberately narrow, so that what is verified is what is read. */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>
#include <libxml/c14n.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "lk-xmldsig.h"
#include "lk-pskc-private.h"
#include "lk-secure.h"

#define NS_DSIG  "http://www.w3.org/2000/09/xmldsig#"
#define NS_PSKC  "urn:ietf:params:xml:ns:keyprov:pskc"
#define NS_EXC   "http://www.w3.org/2001/10/xml-exc-c14n#"
#define URI_ENVELOPED NS_DSIG "enveloped-signature"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_MD_CTX, EVP_MD_CTX_free)

static gboolean
is_ds (xmlNode    *node,
       const char *name)
{
  return node != NULL && node->type == XML_ELEMENT_NODE && node->ns != NULL
         && strcmp ((const char *) node->ns->href, NS_DSIG) == 0
         && strcmp ((const char *) node->name, name) == 0;
}

/* The only @name child in the XML-DSig namespace; NULL when absent or repeated. */
static xmlNode *
ds_child (xmlNode    *parent,
          const char *name,
          guint      *count)
{
  xmlNode *found = NULL;
  guint n = 0;

  if (parent != NULL)
    for (xmlNode *c = parent->children; c != NULL; c = c->next)
      if (is_ds (c, name))
        {
          found = found ? found : c;
          n++;
        }
  if (count != NULL)
    *count = n;
  return n == 1 ? found : NULL;
}

static gboolean
fail (GError    **error,
      int         code,
      const char *message)
{
  g_set_error_literal (error, LK_BULK_ERROR, code, message);
  return FALSE;
}

static gboolean
is_signature (xmlNode *node)
{
  return node->type == XML_ELEMENT_NODE && strcmp ((const char *) node->name, "Signature") == 0
         && node->ns != NULL
         && (strcmp ((const char *) node->ns->href, NS_DSIG) == 0
             || strcmp ((const char *) node->ns->href, NS_PSKC) == 0);
}

/* The node after @node in document order inside @root's subtree, or NULL;
 * iterative, so a deep document cannot exhaust the stack. */
static xmlNode *
next_in_tree (xmlNode *node,
              xmlNode *root)
{
  if (node->children != NULL && node->type == XML_ELEMENT_NODE)
    return node->children;
  while (node != NULL && node != root && node->next == NULL)
    node = node->parent;
  return (node == NULL || node == root) ? NULL : node->next;
}

xmlNode *
lk_xmldsig_find (xmlDoc  *doc,
                 GError **error)
{
  xmlNode *root = xmlDocGetRootElement (doc);
  xmlNode *found = NULL;
  xmlNode *node = root;
  guint n = 0;

  while (node != NULL)
    {
      if (node->type == XML_ELEMENT_NODE && is_signature (node))
        {
          found = node;
          n++;
        }
      node = next_in_tree (node, root);
    }
  if (n > 1)
    {
      fail (error, LK_BULK_ERROR_SIGNATURE,
            _("The file has more than one XML signature; a PSKC file has at most one"));
      return NULL;
    }
  if (found != NULL && found->parent != root)
    {
      fail (error, LK_BULK_ERROR_SIGNATURE,
            _("The XML signature is not a direct child of the KeyContainer"));
      return NULL;
    }
  return found;
}

/* ---- canonicalization ------------------------------------------------------------- */

typedef struct
{
  xmlNode *apex;       /* only nodes inside this element (NULL = the whole document) */
  xmlNode *excluded;   /* minus this element (the enveloped signature), or NULL */
} Scope;

static gboolean
inside (xmlNode *node,
        xmlNode *ancestor)
{
  for (; node != NULL; node = node->parent)
    if (node == ancestor)
      return TRUE;
  return FALSE;
}

static int
visible (void      *user_data,
         xmlNodePtr node,
         xmlNodePtr parent)
{
  Scope *scope = user_data;
  /* Namespace nodes are xmlNs structures: only their element is usable. */
  xmlNode *n = node != NULL && node->type == XML_NAMESPACE_DECL ? parent : node;

  if (n == NULL)
    return 0;
  if (scope->apex != NULL && !inside (n, scope->apex))
    return 0;
  if (scope->excluded != NULL && inside (n, scope->excluded))
    return 0;
  return 1;
}

static int
digest_write (void       *context,
              const char *buffer,
              int         len)
{
  return EVP_DigestUpdate (context, buffer, (size_t) len) == 1 ? len : -1;
}

static int
verify_write (void       *context,
              const char *buffer,
              int         len)
{
  return EVP_DigestVerifyUpdate (context, buffer, (size_t) len) == 1 ? len : -1;
}

typedef struct
{
  int       mode;
  gboolean  comments;
  char    **prefixes;  /* exclusive C14N InclusiveNamespaces PrefixList */
} C14n;

static void
c14n_clear (C14n *c)
{
  g_strfreev (c->prefixes);
  c->prefixes = NULL;
}

/* A canonicalization algorithm element (CanonicalizationMethod or a
 * Transform); FALSE when it is not one. */
static gboolean
c14n_from (xmlNode *method,
           C14n    *out)
{
  g_autofree char *uri = lk_pskc_attr_of (method, "Algorithm");
  static const struct { const char *uri; int mode; gboolean comments; } known[] = {
    { "http://www.w3.org/TR/2001/REC-xml-c14n-20010315", XML_C14N_1_0, FALSE },
    { "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments", XML_C14N_1_0, TRUE },
    { "http://www.w3.org/2006/12/xml-c14n11", XML_C14N_1_1, FALSE },
    { "http://www.w3.org/2006/12/xml-c14n11#WithComments", XML_C14N_1_1, TRUE },
    { NS_EXC, XML_C14N_EXCLUSIVE_1_0, FALSE },
    { NS_EXC "WithComments", XML_C14N_EXCLUSIVE_1_0, TRUE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (known); i++)
    if (g_strcmp0 (uri, known[i].uri) == 0)
      {
        out->mode = known[i].mode;
        out->comments = known[i].comments;
        out->prefixes = NULL;
        if (out->mode == XML_C14N_EXCLUSIVE_1_0)
          for (xmlNode *c = method->children; c != NULL; c = c->next)
            if (c->type == XML_ELEMENT_NODE && c->ns != NULL
                && strcmp ((const char *) c->ns->href, NS_EXC) == 0
                && strcmp ((const char *) c->name, "InclusiveNamespaces") == 0)
              {
                g_autofree char *list = lk_pskc_attr_of (c, "PrefixList");

                if (list != NULL)
                  {
                    g_auto(GStrv) words = g_strsplit_set (list, " \t\r\n", -1);
                    g_autoptr(GPtrArray) kept = g_ptr_array_new ();

                    /* libxml2 reads "#default" itself; empty words (from
                     * repeated spaces) would also mean the default namespace. */
                    for (char **w = words; *w != NULL; w++)
                      if (**w != '\0')
                        g_ptr_array_add (kept, g_strdup (*w));
                    g_ptr_array_add (kept, NULL);
                    out->prefixes = (char **) g_ptr_array_free (g_steal_pointer (&kept), FALSE);
                  }
              }
        return TRUE;
      }
  return FALSE;
}

/* Feeds the canonical form of @scope into @md_ctx, a digest or (@verify)
 * a signature verification. */
static gboolean
canonicalize_into (xmlDoc     *doc,
                   Scope      *scope,
                   const C14n *c14n,
                   EVP_MD_CTX *md_ctx,
                   gboolean    verify)
{
  xmlOutputBuffer *buf = xmlOutputBufferCreateIO (verify ? verify_write : digest_write, NULL, md_ctx, NULL);
  int ret;

  if (buf == NULL)
    return FALSE;
  ret = xmlC14NExecute (doc, visible, scope, c14n->mode, (xmlChar **) c14n->prefixes,
                        c14n->comments, buf);
  return xmlOutputBufferClose (buf) >= 0 && ret >= 0;
}

/* ---- algorithms ------------------------------------------------------------------- */

typedef struct
{
  const char   *uri;
  const EVP_MD *(*md) (void);
} Algorithm;

static const Algorithm digests[] = {
  { NS_DSIG "sha1", EVP_sha1 },
  { "http://www.w3.org/2001/04/xmlenc#sha256", EVP_sha256 },
  { "http://www.w3.org/2001/04/xmlenc#sha512", EVP_sha512 },
  { NULL, NULL }
};

/* RSA PKCS#1 v1.5 with these digests. */
static const Algorithm signature_methods[] = {
  { NS_DSIG "rsa-sha1", EVP_sha1 },
  { "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", EVP_sha256 },
  { "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512", EVP_sha512 },
  { NULL, NULL }
};

static const EVP_MD *
md_for (const Algorithm *table,
        const char      *uri)
{
  for (; table->uri != NULL; table++)
    if (g_strcmp0 (uri, table->uri) == 0)
      return table->md ();
  return NULL;
}

char *
lk_xmldsig_subject (X509 *cert)
{
  BIO *bio = BIO_new (BIO_s_mem ());
  char *data = NULL;
  long len;
  char *subject;

  if (bio == NULL)
    return g_strdup ("?");
  X509_NAME_print_ex (bio, X509_get_subject_name (cert), 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  len = BIO_get_mem_data (bio, &data);
  subject = g_utf8_make_valid (data != NULL ? data : "", len > 0 ? len : 0);
  BIO_free (bio);
  return subject;
}

/* The element with ID @id (attributes Id, ID or id, as XML-DSig documents
 * use them); NULL unless exactly one element has it, so that a second
 * element with the same ID cannot stand in for the signed one. */
static xmlNode *
element_by_id (xmlDoc     *doc,
               const char *id,
               guint      *count)
{
  xmlNode *root = xmlDocGetRootElement (doc);
  xmlNode *found = NULL;
  xmlNode *node = root;

  *count = 0;
  while (node != NULL)
    {
      if (node->type == XML_ELEMENT_NODE)
        for (xmlAttr *a = node->properties; a != NULL; a = a->next)
          if (g_ascii_strcasecmp ((const char *) a->name, "id") == 0)
            {
              /* The attribute's own value: xmlGetProp would ignore its namespace. */
              xmlChar *raw = xmlNodeListGetString (doc, a->children, 1);
              g_autofree char *value = g_strstrip (g_strdup (raw != NULL ? (const char *) raw : ""));

              xmlFree (raw);
              if (strcmp (value, id) == 0)
                {
                  found = node;
                  (*count)++;
                }
            }
      node = next_in_tree (node, root);
    }
  return *count == 1 ? found : NULL;
}

/* ---- verification ----------------------------------------------------------------- */

/* Checks the Reference: it must cover the root (minus the signature) and
 * its digest must match. */
static gboolean
check_reference (xmlDoc   *doc,
                 xmlNode  *signature,
                 xmlNode  *reference,
                 GError  **error)
{
  xmlNode *root = xmlDocGetRootElement (doc);
  xmlNode *transforms = ds_child (reference, "Transforms", NULL);
  g_autofree char *uri = NULL;
  g_autofree char *digest_uri = lk_pskc_attr_of (ds_child (reference, "DigestMethod", NULL), "Algorithm");
  g_autoptr(GBytes) expected = NULL;
  g_autoptr(EVP_MD_CTX) md_ctx = EVP_MD_CTX_new ();
  const EVP_MD *md = md_for (digests, digest_uri);
  C14n c14n = { XML_C14N_1_0, FALSE, NULL };
  gboolean enveloped = FALSE, have_c14n = FALSE, ok;
  guint8 digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  Scope scope = { NULL, signature };

  /* xmlGetProp would return "" for URI="" and NULL when it is absent. */
  if (!xmlHasProp (reference, (const xmlChar *) "URI"))
    return fail (error, LK_BULK_ERROR_SIGNATURE, _("The signature's Reference has no URI"));
  uri = lk_pskc_attr_of (reference, "URI");
  if (*uri == '\0')
    scope.apex = NULL;
  else if (uri[0] == '#' && uri[1] != '\0' && strchr (uri, '(') == NULL)
    {
      guint count = 0;
      xmlNode *target = element_by_id (doc, uri + 1, &count);

      if (count > 1)
        return fail (error, LK_BULK_ERROR_SIGNATURE,
                     _("The signature's Reference names an ID that several elements carry"));
      if (target == NULL)
        return fail (error, LK_BULK_ERROR_SIGNATURE,
                     _("The signature's Reference names an element that is not in the file"));
      /* Signing one KeyPackage and importing them all is what wrapping
       * attacks exploit: only a signature over the whole container counts. */
      if (target != root)
        return fail (error, LK_BULK_ERROR_SIGNATURE,
                     _("The signature covers only part of the file, not the whole KeyContainer"));
      scope.apex = root;
    }
  else
    return fail (error, LK_BULK_ERROR_SIGNATURE, _("Unsupported Reference URI in the signature"));

  if (transforms != NULL)
    for (xmlNode *t = transforms->children; t != NULL; t = t->next)
      {
        g_autofree char *algorithm = NULL;

        if (t->type != XML_ELEMENT_NODE)
          continue;
        if (!is_ds (t, "Transform"))
          return fail (error, LK_BULK_ERROR_SIGNATURE, _("Malformed Transforms in the signature"));
        algorithm = lk_pskc_attr_of (t, "Algorithm");
        if (g_strcmp0 (algorithm, URI_ENVELOPED) == 0 && !enveloped && !have_c14n)
          enveloped = TRUE;
        else if (!have_c14n && c14n_from (t, &c14n))
          have_c14n = TRUE;
        else
          {
            c14n_clear (&c14n);
            return fail (error, LK_BULK_ERROR_SIGNATURE,
                         _("The signature uses a transform other than enveloped-signature and canonicalization"));
          }
      }
  /* Outside the signature element the enveloped transform is what makes
   * the digest computable at all; without it the digest cannot match. */
  if (!enveloped)
    {
      c14n_clear (&c14n);
      return fail (error, LK_BULK_ERROR_SIGNATURE,
                   _("The signature has no enveloped-signature transform"));
    }
  /* Same-document references never include comments (XML-DSig 4.3.3.3). */
  c14n.comments = FALSE;
  if (md == NULL)
    {
      c14n_clear (&c14n);
      return fail (error, LK_BULK_ERROR_SIGNATURE, _("Unsupported digest algorithm in the signature"));
    }
  expected = lk_pskc_base64_of (ds_child (reference, "DigestValue", NULL), FALSE, error);
  if (expected == NULL)
    {
      c14n_clear (&c14n);
      return FALSE;
    }
  ok = md_ctx != NULL && EVP_DigestInit_ex (md_ctx, md, NULL) == 1
       && canonicalize_into (doc, &scope, &c14n, md_ctx, FALSE)
       && EVP_DigestFinal_ex (md_ctx, digest, &digest_len) == 1;
  c14n_clear (&c14n);
  if (!ok)
    return fail (error, LK_BULK_ERROR_SIGNATURE, _("Cannot canonicalize the signed document"));
  if (!lk_secure_equal (digest, digest_len, g_bytes_get_data (expected, NULL), g_bytes_get_size (expected)))
    return fail (error, LK_BULK_ERROR_SIGNATURE,
                 _("The XML signature does not match the file: it was altered after signing"));
  return TRUE;
}

/* At most this many certificates are read from KeyInfo (a chain). */
#define MAX_CERTIFICATES 8

/* The certificates of KeyInfo/X509Data (a chain, in any order), or NULL
 * with @error set when one is not a certificate. */
static GPtrArray *
embedded_certificates (xmlNode  *signature,
                       GError  **error)
{
  xmlNode *data = ds_child (ds_child (signature, "KeyInfo", NULL), "X509Data", NULL);
  g_autoptr(GPtrArray) certs = g_ptr_array_new_with_free_func ((GDestroyNotify) X509_free);

  if (data != NULL)
    for (xmlNode *c = data->children; c != NULL && certs->len < MAX_CERTIFICATES; c = c->next)
      if (is_ds (c, "X509Certificate"))
        {
          g_autoptr(GBytes) der = lk_pskc_base64_of (c, FALSE, error);
          const unsigned char *p;
          X509 *cert;

          if (der == NULL)
            return NULL;
          p = g_bytes_get_data (der, NULL);
          cert = d2i_X509 (NULL, &p, (long) g_bytes_get_size (der));
          if (cert == NULL)
            {
              fail (error, LK_BULK_ERROR_SIGNATURE, _("The signature's X509Certificate is not a certificate"));
              return NULL;
            }
          g_ptr_array_add (certs, cert);
        }
  return g_steal_pointer (&certs);
}

/* Checks the SignatureValue over the canonical SignedInfo with @cert's
 * RSA key: 1 valid, 0 not, -1 the SignedInfo cannot be canonicalized. */
static int
signed_by (xmlDoc       *doc,
           xmlNode      *info,
           GBytes       *signature_value,
           const EVP_MD *md,
           X509         *cert)
{
  EVP_PKEY *key = X509_get0_pubkey (cert);
  g_autoptr(EVP_MD_CTX) md_ctx = NULL;
  C14n c14n = { 0 };
  Scope scope = { info, NULL };
  gboolean ok;

  if (key == NULL || EVP_PKEY_get_base_id (key) != EVP_PKEY_RSA)
    return 0;
  c14n_from (ds_child (info, "CanonicalizationMethod", NULL), &c14n);
  md_ctx = EVP_MD_CTX_new ();
  ok = md_ctx != NULL && EVP_DigestVerifyInit (md_ctx, NULL, md, NULL, key) == 1
       && canonicalize_into (doc, &scope, &c14n, md_ctx, TRUE);
  c14n_clear (&c14n);
  if (!ok)
    return -1;
  return EVP_DigestVerifyFinal (md_ctx, g_bytes_get_data (signature_value, NULL),
                                g_bytes_get_size (signature_value)) == 1;
}

gboolean
lk_xmldsig_verify (xmlDoc   *doc,
                   xmlNode  *signature,
                   X509     *trusted,
                   char    **signer_out,
                   GError  **error)
{
  xmlNode *info = ds_child (signature, "SignedInfo", NULL);
  xmlNode *value = ds_child (signature, "SignatureValue", NULL);
  xmlNode *reference;
  guint references = 0;
  g_autofree char *method = lk_pskc_attr_of (ds_child (info, "SignatureMethod", NULL), "Algorithm");
  const EVP_MD *md = md_for (signature_methods, method);
  g_autoptr(GBytes) signature_value = NULL;
  g_autoptr(GPtrArray) certs = NULL;
  X509 *signer = NULL;
  C14n c14n = { 0 };
  int valid = 0;

  if (info == NULL || value == NULL)
    return fail (error, LK_BULK_ERROR_SIGNATURE, _("The signature has no SignedInfo or SignatureValue"));
  if (!c14n_from (ds_child (info, "CanonicalizationMethod", NULL), &c14n))
    return fail (error, LK_BULK_ERROR_SIGNATURE, _("Unsupported canonicalization method in the signature"));
  c14n_clear (&c14n);
  if (md == NULL)
    return fail (error, LK_BULK_ERROR_SIGNATURE,
                 _("Unsupported signature method (RSA with SHA-1, SHA-256 or SHA-512 is supported)"));
  reference = ds_child (info, "Reference", &references);
  if (references != 1)
    return fail (error, LK_BULK_ERROR_SIGNATURE, _("The signature must have exactly one Reference"));
  if (!check_reference (doc, signature, reference, error))
    return FALSE;
  certs = embedded_certificates (signature, error);
  if (certs == NULL)
    return FALSE;
  signature_value = lk_pskc_base64_of (value, FALSE, error);
  if (signature_value == NULL)
    return FALSE;

  if (trusted != NULL)
    {
      gboolean listed = certs->len == 0;

      /* A file that names its signer must name the trusted one. */
      for (guint i = 0; i < certs->len && !listed; i++)
        listed = X509_cmp (trusted, certs->pdata[i]) == 0;
      if (!listed)
        {
          g_autofree char *theirs = lk_xmldsig_subject (certs->pdata[0]);
          g_autofree char *ours = lk_xmldsig_subject (trusted);

          g_set_error (error, LK_BULK_ERROR, LK_BULK_ERROR_UNTRUSTED_SIGNER,
                       _("The file is signed by “%s”, not by the trusted signer “%s”"), theirs, ours);
          return FALSE;
        }
      valid = signed_by (doc, info, signature_value, md, trusted);
      signer = trusted;
    }
  else
    {
      if (certs->len == 0)
        return fail (error, LK_BULK_ERROR_UNTRUSTED_SIGNER,
                     _("The file is signed but carries no certificate: give the signer's certificate with "
                       "--signer-cert"));
      /* The signer is whichever certificate of the chain verifies. */
      for (guint i = 0; i < certs->len && valid == 0; i++)
        {
          valid = signed_by (doc, info, signature_value, md, certs->pdata[i]);
          signer = certs->pdata[i];
        }
    }
  if (valid < 0)
    return fail (error, LK_BULK_ERROR_SIGNATURE, _("Cannot canonicalize the signature's SignedInfo"));
  if (valid == 0)
    return fail (error, LK_BULK_ERROR_SIGNATURE,
                 trusted != NULL ? _("The XML signature is not valid for the trusted signer's certificate")
                                 : _("The XML signature is not valid for the certificate in the file"));
  if (signer_out != NULL)
    *signer_out = lk_xmldsig_subject (signer);
  return TRUE;
}
