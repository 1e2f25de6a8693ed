/* SPDX-License-Identifier: GPL-3.0-or-later
 * Bulk import through the API (latchkeyctl --server): one request per row
 * or key, each far below the API's 64 KiB body limit, built from the same
 * row and key resolution as the embedded import (lk-bulk-import.h). */
#pragma once

#include "lk-backend.h"
#include "lk-bulk-import.h"

G_BEGIN_DECLS

/* @rows from lk_bulk_user_rows(). NULL with @error only when the server
 * cannot be reached (the rows done so far stay). A dry run only reads. */
LkBulkReport *lk_cli_import_users_remote (LkBackend           *backend,
                                          GPtrArray           *rows,
                                          const LkBulkOptions *options,
                                          GError             **error);

/* @keys from lk_pskc_read(). Over the API an existing serial is compared by
 * type, digits, algorithm and period only (the seed never leaves the
 * server), and a non-zero counter or drift cannot be carried: such keys
 * are reported as failed (import them with --db on the server host). */
LkBulkReport *lk_cli_import_pskc_remote  (LkBackend           *backend,
                                          GPtrArray           *keys,
                                          const LkBulkOptions *options,
                                          GError             **error);

G_END_DECLS
