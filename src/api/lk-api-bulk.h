/* SPDX-License-Identifier: GPL-3.0-or-later
 * The bulk part of the JSON API: import_oath_devices and import_users carry
 * a chunk of hardware keys or user rows and answer with each item's
 * outcome (docs/bulk.md, docs/api.md). The codec and the executor call in
 * here for the operations lk_api_bulk_handles() says are its own. */
#pragma once

#include <json-glib/json-glib.h>
#include "lk-api-codec.h"
#include "lk-api-reader.h"
#include "lk-bulk-import.h"

G_BEGIN_DECLS

/* Items in one request. With seeds of up to 64 bytes a full chunk of
 * devices still fits LK_API_MAX_BODY_SIZE only when the client packs by
 * size too, which lk_backend_import_keys_async() does. */
#define LK_API_BULK_MAX_ITEMS 500

struct _LkApiBulkRequest
{
  gboolean   dry_run;   /* dryRun */
  /* import_oath_devices "devices": LkPskcKey, index = the item's line.
   * A key the server cannot use carries key->error and is reported as
   * failed; so does a user row with row->error. */
  GPtrArray *keys;
  GPtrArray *rows;      /* import_users "users": LkBulkUserRow */
  /* Client side: the whole file's array whose items a chunk borrows, kept
   * alive as long as any copy of the request is; NULL on the server. */
  GPtrArray *owner;
};

gboolean          lk_api_bulk_handles         (LkApiOp                 op);

/* @keys or @rows are referenced, not copied: a client's chunk borrows the
 * items of the whole file's array. */
LkApiBulkRequest *lk_api_bulk_request_new     (gboolean                dry_run,
                                               GPtrArray              *keys,
                                               GPtrArray              *rows);
LkApiBulkRequest *lk_api_bulk_request_copy    (const LkApiBulkRequest *request);
void              lk_api_bulk_request_free    (LkApiBulkRequest       *request);

/* Codec hooks. A chunk over LK_API_BULK_MAX_ITEMS is 9706, an item that is
 * not an object or a member of the wrong JSON type 9703 (the whole request:
 * a client built on this codec never sends one); a missing or bad value
 * (no deviceId, a secret that is not hexadecimal) fails that item only. */
gboolean          lk_api_bulk_decode_request  (LkApiRequest           *request,
                                               LkApiFields            *fields,
                                               GError                **error);
void              lk_api_bulk_encode_request  (const LkApiRequest     *request,
                                               JsonBuilder            *builder);
void              lk_api_bulk_encode_response (const LkApiResponse    *response,
                                               JsonBuilder            *builder);
void              lk_api_bulk_decode_response (LkApiResponse          *response,
                                               JsonObject             *object);

/* Runs the chunk on the engine as one batch (one transaction; rolled back
 * for a dry run) and puts the report in response->report. */
gboolean          lk_api_bulk_execute         (LkEngine               *engine,
                                               gint64                  account_id,
                                               const LkApiRequest     *request,
                                               LkApiResponse          *response,
                                               GError                **error);

G_END_DECLS
