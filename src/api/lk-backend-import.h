/* SPDX-License-Identifier: GPL-3.0-or-later
 * Bulk import through any LkBackend: a whole PSKC file's keys or a CSV
 * file's rows sent as import_oath_devices / import_users chunks, with
 * progress after each chunk and cancellation between chunks. The same code
 * serves the embedded engine and a remote latchkeyd (latchkeyctl import
 * --server, the admin import dialog). */
#pragma once

#include "lk-backend.h"
#include "lk-bulk-import.h"

G_BEGIN_DECLS

/* Imports @keys (from lk_pskc_read(); referenced, not copied). Keys the
 * file itself refuses (key->error), keys without a serial and serials
 * repeated in the file are reported here without a request; the others go
 * in chunks of at most LK_API_BULK_MAX_ITEMS that fit the API's body limit,
 * each one transaction on the server. @progress (nullable) runs on the
 * caller's main context after each chunk with the items done so far.
 * Cancelling @cancellable stops before the next chunk: the chunk under way
 * completes and is reported, and the report says cancelled. → _finish */
void          lk_backend_import_keys_async      (LkBackend           *self,
                                                 GPtrArray           *keys,
                                                 gboolean             dry_run,
                                                 LkBulkProgressFunc   progress,
                                                 gpointer             progress_data,
                                                 GDestroyNotify       progress_data_free,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);

/* The same for @rows from lk_bulk_user_rows() (rows with row->error are
 * reported without a request). → _finish */
void          lk_backend_import_user_rows_async (LkBackend           *self,
                                                 GPtrArray           *rows,
                                                 gboolean             dry_run,
                                                 LkBulkProgressFunc   progress,
                                                 gpointer             progress_data,
                                                 GDestroyNotify       progress_data_free,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);

/* The report, outcomes in file order (cancelled set when stopped early).
 * NULL with @error when a chunk got no answer or a refusal as a whole (a
 * wrong account key, an unreachable server); chunks done before it stay
 * done, and running the import again resumes. */
LkBulkReport *lk_backend_import_finish          (LkBackend           *self,
                                                 GAsyncResult        *result,
                                                 GError             **error);

G_END_DECLS
