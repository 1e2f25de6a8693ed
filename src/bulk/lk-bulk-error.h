/* SPDX-License-Identifier: GPL-3.0-or-later
 * The error domain of the bulk layer: PSKC and CSV files and their import. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define LK_BULK_ERROR (lk_bulk_error_quark ())

typedef enum
{
  LK_BULK_ERROR_PARSE,        /* not well-formed XML or CSV, or not a PSKC KeyContainer */
  LK_BULK_ERROR_REFUSED,      /* a DTD, entities or a size beyond the limits: refused unread */
  LK_BULK_ERROR_UNSUPPORTED,  /* an algorithm or protection this reader does not implement */
  LK_BULK_ERROR_KEY_NEEDED,   /* encrypted, and no pre-shared key or password given */
  LK_BULK_ERROR_WRONG_KEY,    /* decryption failed: a wrong key or password */
  LK_BULK_ERROR_MAC,          /* a ValueMAC does not match: the value was altered */
  LK_BULK_ERROR_INVALID,      /* a key or row with a missing or bad field */
  LK_BULK_ERROR_SIGNATURE,    /* the XML signature does not verify, is malformed, or covers only part of the file */
  LK_BULK_ERROR_UNTRUSTED_SIGNER, /* validly signed, but not by the certificate the admin trusts */
} LkBulkError;

GQuark lk_bulk_error_quark (void);

G_END_DECLS
