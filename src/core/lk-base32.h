/* SPDX-License-Identifier: GPL-3.0-or-later
 * Base32 (RFC 4648, section 6) as people type it into authenticators. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Decodes @text. Lower case, spaces, hyphens and missing '=' padding are
 * accepted. Any other character fails with LK_CORE_ERROR_BASE32 and a
 * message naming the character and its 1-based position. The result wipes
 * itself when freed. An empty input decodes to an empty GBytes. */
GBytes  *lk_base32_decode (const char   *text,
                           GError      **error);

/* Encodes without padding, upper case. The caller should free the result
 * with lk_secure_str_free() when it holds a seed. */
char    *lk_base32_encode (const guint8 *data,
                           gsize         len);

G_END_DECLS
