/* SPDX-License-Identifier: GPL-3.0-or-later
 * FreeOTP+ JSON exports ({"tokens": [...], "tokenOrder": [...]}).
 *
 * FreeOTP+ stores a HOTP token's counter one lower than the counter of the
 * next code it will show (it increments before computing), so the imported
 * counter is the stored one plus one; docs/import-export.md explains. */
#pragma once

#include <glib.h>
#include "lk-import-entry.h"

G_BEGIN_DECLS

/* TRUE when @data is a JSON object with a "tokens" array. */
gboolean    lk_import_freeotp_detect  (const guint8 *data,
                                       gsize         len);

GPtrArray  *lk_import_freeotp_parse   (const guint8 *data,
                                       gsize         len,
                                       GError      **error);

G_END_DECLS
