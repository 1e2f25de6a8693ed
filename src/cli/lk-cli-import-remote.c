/* SPDX-License-Identifier: GPL-3.0-or-later
 * Bulk import through the API for latchkeyctl --server (lk-cli-import.h):
 * the backend's chunked import run to completion on this thread. */
#include "config.h"

#include "lk-backend-import.h"
#include "lk-cli-import.h"

static void
import_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  *slot = g_object_ref (result);
  g_main_context_wakeup (NULL);
}

static LkBulkReport *
run (LkBackend           *backend,
     GPtrArray           *items,
     gboolean             devices,
     const LkBulkOptions *options,
     GError             **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  if (devices)
    lk_backend_import_keys_async (backend, items, options->dry_run, options->progress, options->progress_data,
                                  NULL, options->cancellable, import_done, &result);
  else
    lk_backend_import_user_rows_async (backend, items, options->dry_run, options->progress,
                                       options->progress_data, NULL, options->cancellable, import_done, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return lk_backend_import_finish (backend, result, error);
}

LkBulkReport *
lk_cli_import_users_remote (LkBackend           *backend,
                            GPtrArray           *rows,
                            const LkBulkOptions *options,
                            GError             **error)
{
  return run (backend, rows, FALSE, options, error);
}

LkBulkReport *
lk_cli_import_pskc_remote (LkBackend           *backend,
                           GPtrArray           *keys,
                           const LkBulkOptions *options,
                           GError             **error)
{
  return run (backend, keys, TRUE, options, error);
}
