/* SPDX-License-Identifier: GPL-3.0-or-later
 * andOTP backups: the plain JSON array, and the encrypted .json.aes files (new and old layout). */
#pragma once

#include <glib.h>
#include "lk-import-entry.h"

G_BEGIN_DECLS

/* TRUE when @data is a JSON array whose first element has a "secret". */
gboolean    lk_import_andotp_detect   (const guint8 *data,
                                       gsize         len);

/* Reads a plain backup when @data is a JSON array, otherwise an encrypted
 * one, which needs @password (LK_IMPORT_ERROR_NEEDS_PASSWORD). The new
 * layout (PBKDF2 iterations, salt, IV) is tried first, then the old one
 * (SHA-256 of the password, IV); neither opening is
 * LK_IMPORT_ERROR_WRONG_PASSWORD (GCM cannot tell a wrong password from a
 * damaged file, so the message says both). */
GPtrArray  *lk_import_andotp_parse    (const guint8 *data,
                                       gsize         len,
                                       const char   *password,
                                       GError      **error);

G_END_DECLS
