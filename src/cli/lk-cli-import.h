/* SPDX-License-Identifier: GPL-3.0-or-later
 * Bulk import through the API (latchkeyctl --server): the file is read and
 * checked here, then sent in import_oath_devices / import_users chunks (at
 * most 500 items, within the 64 KiB body limit), each one transaction on
 * the server with the same checks as the embedded import (docs/bulk.md). */
#pragma once

#include "lk-backend.h"
#include "lk-bulk-import.h"

G_BEGIN_DECLS

/* @rows from lk_bulk_user_rows(). NULL with @error only when a chunk got
 * no answer (the chunks done so far stay). Cancellation (options->
 * cancellable) is honoured between chunks. */
LkBulkReport *lk_cli_import_users_remote (LkBackend           *backend,
                                          GPtrArray           *rows,
                                          const LkBulkOptions *options,
                                          GError             **error);

/* @keys from lk_pskc_read(), with their seeds, counters and drift; a serial
 * already on the server is compared there, seed included (constant time). */
LkBulkReport *lk_cli_import_pskc_remote  (LkBackend           *backend,
                                          GPtrArray           *keys,
                                          const LkBulkOptions *options,
                                          GError             **error);

G_END_DECLS
