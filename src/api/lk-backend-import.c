/* SPDX-License-Identifier: GPL-3.0-or-later
 * Chunked bulk import through a backend (lk-backend-import.h). */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "lk-api-bulk.h"
#include "lk-backend-import.h"

/* What a chunk's body may use: the API's limit less room for the envelope
 * (type, account name and key, dryRun). */
#define CHUNK_BUDGET (LK_API_MAX_BODY_SIZE - 4096)
/* An item's members other than its strings: names, punctuation and the
 * longest numbers (about 150 bytes for a key, 120 for a row). */
#define ITEM_OVERHEAD 160

typedef struct
{
  gboolean            devices;
  gboolean            dry_run;
  GPtrArray          *items;       /* the whole file's keys or rows */
  guint               next;        /* first item not yet looked at */
  LkBulkReport       *report;
  GHashTable         *seen;        /* serials so far (keys): a repeat is a conflict */
  LkBulkProgressFunc  progress;
  gpointer            progress_data;
  GDestroyNotify      progress_data_free;
} ImportData;

static void
import_data_free (ImportData *data)
{
  g_ptr_array_unref (data->items);
  lk_bulk_report_free (data->report);
  g_hash_table_unref (data->seen);
  if (data->progress_data_free != NULL)
    data->progress_data_free (data->progress_data);
  g_free (data);
}

/* The bytes @text takes as a JSON string, escapes included. */
static gsize
json_len (const char *text)
{
  gsize n = 2;

  for (const char *p = text; p != NULL && *p != '\0'; p++)
    n += (guchar) *p < 0x20 ? 6 : (*p == '"' || *p == '\\') ? 2 : 1;
  return n;
}

static gsize
item_size (const ImportData *data,
           gconstpointer     item)
{
  if (data->devices)
    {
      const LkPskcKey *key = item;

      return ITEM_OVERHEAD + json_len (key->serial != NULL ? key->serial : key->id)
             + 2 * g_bytes_get_size (key->secret);
    }
  else
    {
      const LkBulkUserRow *row = item;

      return ITEM_OVERHEAD + json_len (row->login) + json_len (row->first_name) + json_len (row->last_name)
             + json_len (row->email) + json_len (row->phone) + json_len (row->serial) + json_len (row->kind);
    }
}

/* Reports @item here when it cannot be sent; FALSE then. */
static gboolean
check_item (ImportData    *data,
            gconstpointer  item)
{
  if (data->devices)
    {
      const LkPskcKey *key = item;
      const char *serial = key->serial != NULL && *key->serial != '\0' ? key->serial : key->id;
      gpointer first;

      if (key->error != NULL)
        lk_bulk_report_add (data->report, key->index, serial, LK_BULK_FAILED, key->error->message);
      else if (serial == NULL || *serial == '\0')
        lk_bulk_report_add (data->report, key->index, NULL, LK_BULK_FAILED,
                            _("the key has neither a serial number nor an Id"));
      else if (g_hash_table_lookup_extended (data->seen, serial, NULL, &first))
        {
          g_autofree char *message = g_strdup_printf (_("the serial number is repeated in the file (key %u)"),
                                                      GPOINTER_TO_UINT (first));

          lk_bulk_report_add (data->report, key->index, serial, LK_BULK_CONFLICT, message);
        }
      else if (item_size (data, item) > CHUNK_BUDGET)
        lk_bulk_report_add (data->report, key->index, serial, LK_BULK_FAILED, _("the key is too large to send"));
      else
        {
          g_hash_table_insert (data->seen, g_strdup (serial), GUINT_TO_POINTER (key->index));
          return TRUE;
        }
      return FALSE;
    }
  else
    {
      const LkBulkUserRow *row = item;

      if (row->error != NULL)
        lk_bulk_report_add (data->report, row->line, row->login, LK_BULK_FAILED, row->error);
      else if (item_size (data, item) > CHUNK_BUDGET)
        lk_bulk_report_add (data->report, row->line, row->login, LK_BULK_FAILED, _("the row is too large to send"));
      else
        return TRUE;
      return FALSE;
    }
}

static guint
item_line (const ImportData *data,
           gconstpointer     item)
{
  return data->devices ? ((const LkPskcKey *) item)->index : ((const LkBulkUserRow *) item)->line;
}

static int
compare_outcomes (gconstpointer a,
                  gconstpointer b)
{
  const LkBulkOutcome *x = *(const LkBulkOutcome * const *) a;
  const LkBulkOutcome *y = *(const LkBulkOutcome * const *) b;

  return (x->line > y->line) - (x->line < y->line);
}

static void send_next (GTask *task);

static void
chunk_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ImportData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(LkApiResponse) response = lk_backend_call_finish (LK_BACKEND (source), result, &error);

  if (response != NULL)
    lk_api_response_propagate_error (response, &error);
  if (error == NULL && response->report == NULL)
    g_set_error_literal (&error, LK_API_ERROR, LK_API_ERROR_MALFORMED, _("The answer lacks the import report"));
  if (error != NULL)
    {
      g_prefix_error (&error, _("Import stopped after %u of %u items: "), data->report->outcomes->len,
                      data->items->len);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  for (guint i = 0; i < response->report->outcomes->len; i++)
    {
      const LkBulkOutcome *o = response->report->outcomes->pdata[i];

      lk_bulk_report_add (data->report, o->line, o->item, o->status, o->message);
    }
  if (data->progress != NULL && !g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    data->progress (data->next, data->items->len, data->progress_data);
  send_next (g_steal_pointer (&task));
}

/* Sends the next chunk, or completes the task when there is none. Takes
 * the reference on @task. */
static void
send_next (GTask *task)
{
  ImportData *data = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  g_autoptr(GPtrArray) chunk = g_ptr_array_new ();
  gsize size = 0;
  LkApiRequest *request;

  if (g_cancellable_is_cancelled (cancellable))
    data->report->cancelled = TRUE;
  while (!data->report->cancelled && data->next < data->items->len && chunk->len < LK_API_BULK_MAX_ITEMS)
    {
      gconstpointer item = data->items->pdata[data->next];

      if (check_item (data, item))
        {
          gsize n = item_size (data, item);

          if (size + n > CHUNK_BUDGET)
            {
              /* Looked at again for the next chunk: forget it was seen. */
              if (data->devices)
                {
                  const LkPskcKey *key = item;

                  g_hash_table_remove (data->seen, key->serial != NULL && *key->serial != '\0' ? key->serial : key->id);
                }
              break;
            }
          size += n;
          g_ptr_array_add (chunk, (gpointer) item);
        }
      data->next++;
    }

  if (chunk->len == 0)
    {
      LkBulkReport *report = g_steal_pointer (&data->report);

      g_ptr_array_sort (report->outcomes, compare_outcomes);
      report->total = data->items->len;
      data->report = lk_bulk_report_new (report->dry_run);
      if (data->progress != NULL && !report->cancelled)
        data->progress (data->next, data->items->len, data->progress_data);
      g_task_return_pointer (task, report, (GDestroyNotify) lk_bulk_report_free);
      g_object_unref (task);
      return;
    }

  request = lk_api_request_new (data->devices ? LK_API_OP_IMPORT_DEVICES : LK_API_OP_IMPORT_USERS);
  request->bulk = lk_api_bulk_request_new (data->dry_run, data->devices ? chunk : NULL,
                                           data->devices ? NULL : chunk);
  request->bulk->owner = g_ptr_array_ref (data->items);
  g_debug ("bulk import: %u items (line %u on) in one request", chunk->len, item_line (data, chunk->pdata[0]));
  /* Not cancellable once sent: a chunk is one transaction, and the report
   * must say whether it happened. Cancellation is honoured before the next. */
  lk_backend_call_async (g_task_get_source_object (task), request, NULL, chunk_done, task);
}

static void
start (LkBackend           *self,
       gboolean             devices,
       GPtrArray           *items,
       gboolean             dry_run,
       LkBulkProgressFunc   progress,
       gpointer             progress_data,
       GDestroyNotify       progress_data_free,
       GCancellable        *cancellable,
       GAsyncReadyCallback  callback,
       gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  ImportData *data = g_new0 (ImportData, 1);

  g_task_set_source_tag (task, start);
  g_task_set_name (task, "lk-backend-import");
  /* Cancelled is a report (what was done), not an error. */
  g_task_set_check_cancellable (task, FALSE);
  data->devices = devices;
  data->dry_run = dry_run;
  data->items = g_ptr_array_ref (items);
  data->report = lk_bulk_report_new (dry_run);
  data->seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  data->progress = progress;
  data->progress_data = progress_data;
  data->progress_data_free = progress_data_free;
  g_task_set_task_data (task, data, (GDestroyNotify) import_data_free);
  if (progress != NULL)
    progress (0, items->len, progress_data);
  send_next (task);
}

void
lk_backend_import_keys_async (LkBackend           *self,
                              GPtrArray           *keys,
                              gboolean             dry_run,
                              LkBulkProgressFunc   progress,
                              gpointer             progress_data,
                              GDestroyNotify       progress_data_free,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (LK_IS_BACKEND (self));
  g_return_if_fail (keys != NULL);

  start (self, TRUE, keys, dry_run, progress, progress_data, progress_data_free, cancellable, callback, user_data);
}

void
lk_backend_import_user_rows_async (LkBackend           *self,
                                   GPtrArray           *rows,
                                   gboolean             dry_run,
                                   LkBulkProgressFunc   progress,
                                   gpointer             progress_data,
                                   GDestroyNotify       progress_data_free,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_return_if_fail (LK_IS_BACKEND (self));
  g_return_if_fail (rows != NULL);

  start (self, FALSE, rows, dry_run, progress, progress_data, progress_data_free, cancellable, callback, user_data);
}

LkBulkReport *
lk_backend_import_finish (LkBackend     *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
