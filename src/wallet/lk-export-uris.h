/* SPDX-License-Identifier: GPL-3.0-or-later
 * Exporting the wallet as plain otpauth:// links: readable by every authenticator, and by anyone who gets the file. */
#pragma once

#include <glib.h>
#include "lk-wallet.h"

G_BEGIN_DECLS

/* One canonical otpauth URI per line, after a '#' comment that says the
 * file holds unencrypted seeds. The result holds seeds: free it with
 * lk_secure_str_free(). Importing it with lk_import_uris_parse() gives the
 * same tokens back. */
char    *lk_export_uris  (GPtrArray *tokens,
                          gsize     *out_len);

G_END_DECLS
