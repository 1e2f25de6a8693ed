/* SPDX-License-Identifier: GPL-3.0-or-later
 * Aegis Authenticator vaults (JSON, version 1), plain or encrypted with a password slot. */
#pragma once

#include <glib.h>
#include "lk-import-entry.h"

G_BEGIN_DECLS

/* TRUE when @root_json looks like an Aegis vault (an object with
 * "version", "header" and "db"); cheap, for format detection. */
gboolean    lk_import_aegis_detect     (const guint8 *data,
                                        gsize         len);

/* Reads a vault. Encrypted vaults need @password (else
 * LK_IMPORT_ERROR_NEEDS_PASSWORD): the first password slot whose scrypt key
 * opens the master key is used; no slot opening is
 * LK_IMPORT_ERROR_WRONG_PASSWORD; a database failing its GCM tag is
 * LK_IMPORT_ERROR_CORRUPT. Entry types totp, hotp and steam are read;
 * others become entries with a reason. */
GPtrArray  *lk_import_aegis_parse      (const guint8 *data,
                                        gsize         len,
                                        const char   *password,
                                        GError      **error);

G_END_DECLS
