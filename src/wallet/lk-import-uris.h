/* SPDX-License-Identifier: GPL-3.0-or-later
 * Text files of otpauth:// URIs, one per line (what most authenticators call a "plain text" export). */
#pragma once

#include <glib.h>
#include "lk-import-entry.h"

G_BEGIN_DECLS

#define LK_IMPORT_URIS_MAX_LINE (64 * 1024)

/* TRUE when the first line that is neither blank nor a '#' comment starts
 * with "otpauth:" or "otpauth-migration:". */
gboolean    lk_import_uris_detect   (const guint8 *data,
                                     gsize         len);

/* One entry per otpauth:// line; blank lines and lines starting with '#'
 * are skipped. A line that does not parse becomes an entry named
 * "line N" whose reason is the parser's message. otpauth-migration:// lines (Google
 * exports) are collected per batch and expanded in place of the batch's
 * first line; a batch with parts missing becomes one entry with a reason.
 * Only a file that is not UTF-8 text or is too large fails as a whole. */
GPtrArray  *lk_import_uris_parse    (const guint8 *data,
                                     gsize         len,
                                     GError      **error);

G_END_DECLS
