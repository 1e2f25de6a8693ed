/* SPDX-License-Identifier: GPL-3.0-or-later
 * The API's error domain and lk_api_handle_body(), latchkeyd's one entry
 * point: body in, response body out, never failing. */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "lk-api.h"
#include "lk-api-codec.h"
#include "lk-api-execute.h"

G_DEFINE_QUARK (lk-api-error-quark, lk_api_error)

const LkApiLimits lk_api_limits = {
  .max_body_size = LK_API_MAX_BODY_SIZE,
  .max_depth = LK_API_MAX_DEPTH,
  .max_response_size = LK_API_MAX_RESPONSE_SIZE,
};

/* The longest account name kept for logs: enough for any real one, and a
 * bound on what a client can make the server write. */
#define MAX_LOGGED_ACCOUNT 128

const char *
lk_api_error_describe (int code)
{
  switch (code)
    {
    case LK_API_ERROR_BODY_TOO_LARGE:
      return _("The request body is too large");
    case LK_API_ERROR_MALFORMED:
      return _("The request is not valid JSON");
    case LK_API_ERROR_TOO_DEEP:
      return _("The request is nested too deeply");
    case LK_API_ERROR_UNKNOWN_TYPE:
      return _("Unknown request type");
    case LK_API_ERROR_FIELD_TYPE:
      return _("A field has the wrong type");
    case LK_API_ERROR_DUPLICATE_FIELD:
      return _("A field appears twice");
    case LK_API_ERROR_NOT_ALLOWED:
      return _("This operation is not available here");
    case LK_API_ERROR_TOO_MANY_ITEMS:
      return _("The request carries too many items");
    case 9404:
      return _("No such endpoint");
    case 9405:
      return _("Method not allowed");
    case 9429:
      return _("Too many requests");
    case 9450:
      return _("The server is unavailable");
    default:
      return lk_engine_error_describe (code);
    }
}

int
lk_api_error_to_code (const GError *error)
{
  if (error == NULL)
    return 0;
  if (error->domain == LK_API_ERROR)
    return error->code;
  return lk_engine_error_to_code (error);
}

void
lk_api_call_info_clear (LkApiCallInfo *info)
{
  g_clear_pointer (&info->account, g_free);
  info->type = NULL;
  info->error_code = 0;
  info->rejected = FALSE;
}

static char *
loggable_account (const char *name)
{
  const char *end;

  if (name == NULL || !g_utf8_validate (name, -1, NULL))
    return NULL;
  if (strlen (name) <= MAX_LOGGED_ACCOUNT)
    return g_strdup (name);
  end = g_utf8_find_prev_char (name, name + MAX_LOGGED_ACCOUNT + 1);
  return g_strndup (name, end - name);
}

GBytes *
lk_api_handle_body (LkEngine      *engine,
                    GBytes        *body,
                    LkApiCallInfo *info)
{
  return lk_api_handle_body_full (engine, body, NULL, info);
}

GBytes *
lk_api_handle_body_full (LkEngine                 *engine,
                         GBytes                   *body,
                         const LkApiHandleOptions *options,
                         LkApiCallInfo            *info)
{
  g_autoptr(LkApiRequest) request = lk_api_request_new (LK_API_OP_INVALID);
  g_autoptr(LkApiResponse) response = NULL;
  g_autoptr(GError) error = NULL;
  const char *data = NULL;
  gsize len = 0;

  g_return_val_if_fail (info != NULL, NULL);

  lk_api_call_info_clear (info);
  if (body != NULL)
    data = g_bytes_get_data (body, &len);

  if (!lk_api_request_decode (request, data, len, &error))
    {
      info->rejected = TRUE;
      response = lk_api_response_new_error (request->op, lk_api_error_to_code (error), error->message);
      info->type = lk_api_op_to_string (request->op);
      info->account = loggable_account (request->account_name);
      info->error_code = response->error_code;
      return lk_api_response_encode (response, NULL);
    }
  return lk_api_handle_request (engine, request, options, info);
}

GBytes *
lk_api_handle_request (LkEngine                 *engine,
                       gconstpointer             request_data,
                       const LkApiHandleOptions *options,
                       LkApiCallInfo            *info)
{
  const LkApiRequest *request = request_data;
  g_autoptr(LkApiResponse) response = NULL;
  int refusal = 0;
  const char *message = NULL;

  if (options != NULL && options->admit != NULL)
    refusal = options->admit (request->account_name, lk_api_op_to_string (request->op),
                              &message, options->admit_data);
  if (refusal != 0)
    response = lk_api_response_new_error (request->op, refusal, message);
  else
    response = lk_api_execute (engine, request,
                               options != NULL && options->allow_create_account);

  info->type = lk_api_op_to_string (request->op);
  info->account = loggable_account (request->account_name);
  info->error_code = response->error_code;
  return lk_api_response_encode (response, NULL);
}
