/* SPDX-License-Identifier: GPL-3.0-or-later
 * XML signature (XML-DSig) verification for PSKC containers (RFC 6030
 * section 7): one enveloped RSA signature over the whole KeyContainer,
 * nothing else is accepted. Internal to the bulk layer. */
#pragma once

#include <glib.h>
#include <libxml/tree.h>
#include <openssl/x509.h>

#include "lk-bulk-error.h"

G_BEGIN_DECLS

G_DEFINE_AUTOPTR_CLEANUP_FUNC (X509, X509_free)

/* The signature element of @doc: a Signature (in the XML-DSig or the PSKC
 * namespace) that is a direct child of the root. Returns NULL without an
 * error for an unsigned document; fails (LK_BULK_ERROR_SIGNATURE) when
 * there is more than one Signature anywhere or one in another place, which
 * is how signature-wrapping attacks hide a second, signed copy. */
xmlNode *lk_xmldsig_find   (xmlDoc   *doc,
                            GError  **error);

/* Verifies @signature (from lk_xmldsig_find()): its one Reference must
 * cover the root element (URI "" or the root's unique Id), with the
 * enveloped-signature transform and C14N 1.0/1.1 or exclusive C14N; digest
 * SHA-1/256/512; RSA PKCS#1 v1.5 with SHA-1/256/512.
 *
 * The key: @trusted when given (a certificate in the file must then be that
 * same certificate, else LK_BULK_ERROR_UNTRUSTED_SIGNER); otherwise the
 * first ds:X509Certificate of KeyInfo. On success *@signer_out is the
 * verifying certificate's subject (RFC 2253). Fails with
 * LK_BULK_ERROR_SIGNATURE for a digest or signature mismatch and anything
 * malformed or unsupported. */
gboolean  lk_xmldsig_verify (xmlDoc   *doc,
                             xmlNode  *signature,
                             X509     *trusted,
                             char    **signer_out,
                             GError  **error);

/* The certificate's subject on one line (RFC 2253), valid UTF-8. */
char     *lk_xmldsig_subject (X509 *cert);

G_END_DECLS
