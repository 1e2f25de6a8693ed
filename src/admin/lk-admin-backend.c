/* SPDX-License-Identifier: GPL-3.0-or-later
 * The admin layer's one way into the backend: a request in, a response (or
 * the server's error) out, asynchronously. */
#include "config.h"

#include "lk-admin-backend.h"

void
lk_admin_backend_call (LkBackend           *backend,
                       LkApiRequest        *request,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_return_if_fail (LK_IS_BACKEND (backend));
  g_return_if_fail (request != NULL);

  lk_backend_call_async (backend, request, cancellable, callback, user_data);
}

LkApiResponse *
lk_admin_backend_call_finish (LkBackend     *backend,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_autoptr(LkApiResponse) response = NULL;

  response = lk_backend_call_finish (backend, result, error);
  if (response == NULL)
    return NULL;
  /* Non-zero errorCodes come back as responses; the UI wants one path for
   * every failure, carrying the server's own message. */
  if (lk_api_response_propagate_error (response, error))
    return NULL;
  return g_steal_pointer (&response);
}
