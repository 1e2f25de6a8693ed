/* SPDX-License-Identifier: GPL-3.0-or-later
 * The admin layer's one way into the backend: a request in, a response (or
 * the server's error) out, asynchronously. */
#pragma once

#include <gio/gio.h>

#include "lk-api-codec.h"
#include "lk-backend.h"

G_BEGIN_DECLS

/* Sends @request (transfer full; its secrets are wiped when it is freed).
 * The partner account comes from the backend. */
void           lk_admin_backend_call        (LkBackend           *backend,
                                             LkApiRequest        *request,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
/* The response, or NULL with the error: a non-zero errorCode becomes an
 * LK_API_ERROR with the server's errorMessage; a cancelled call is
 * G_IO_ERROR_CANCELLED. */
LkApiResponse *lk_admin_backend_call_finish (LkBackend           *backend,
                                             GAsyncResult        *result,
                                             GError             **error);

G_END_DECLS
