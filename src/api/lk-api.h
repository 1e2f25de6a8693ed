/* SPDX-License-Identifier: GPL-3.0-or-later
 * The JSON API's server-side entry point: one request body in, one response
 * body out, on the caller's own engine (latchkeyd calls this from a worker).
 *
 * The wire format (types, fields, leniency rules, error codes) is described
 * in docs/api.md; lk-api-codec.h holds the typed requests and responses,
 * lk-backend.h the client side. */
#pragma once

#include <glib.h>
#include "lk-engine.h"

G_BEGIN_DECLS

/* Limits every JSON body the API reads is held to, before anything else
 * looks at it. Responses a client reads may be larger (lists, QR codes). */
#define LK_API_MAX_BODY_SIZE      (64 * 1024)   /* bytes of one request body */
#define LK_API_MAX_DEPTH          16            /* nested objects/arrays, the root counts 1 */
#define LK_API_MAX_RESPONSE_SIZE  (16 * 1024 * 1024)

/* The limits as constants for code that wants them in one place. */
typedef struct
{
  gsize  max_body_size;
  guint  max_depth;
  gsize  max_response_size;
} LkApiLimits;

extern const LkApiLimits lk_api_limits;

/* The default request path of latchkeyd and of the remote backend. */
#define LK_API_DEFAULT_PATH "/api/v1"

#define LK_API_ERROR (lk_api_error_quark ())

/* The API's error domain. error->code is always the errorCode of the wire:
 * the vendor's 9000-9099, the engine's own 9500-9699 (lk-engine-error.h),
 * latchkeyd's 94xx refusals, or the protocol codes below (9700-9799, plus
 * 9413 shared with latchkeyd's HTTP-level size refusal). Clients receive
 * every non-zero errorCode as an LK_API_ERROR with that code. */
typedef enum
{
  LK_API_ERROR_BODY_TOO_LARGE  = 9413,  /* body over LK_API_MAX_BODY_SIZE (same number as latchkeyd's) */
  LK_API_ERROR_MALFORMED       = 9700,  /* not JSON (even leniently), not UTF-8, or not an object */
  LK_API_ERROR_TOO_DEEP        = 9701,  /* nesting deeper than LK_API_MAX_DEPTH */
  LK_API_ERROR_UNKNOWN_TYPE    = 9702,  /* `type` names no operation */
  LK_API_ERROR_FIELD_TYPE      = 9703,  /* a field of the wrong JSON type (object for a string, "abc" for a number) */
  LK_API_ERROR_DUPLICATE_FIELD = 9704,  /* one field twice (names compared case-insensitively), or two aliases that disagree */
  LK_API_ERROR_NOT_ALLOWED     = 9705,  /* an operation this endpoint does not offer (create_account over the network) */
  LK_API_ERROR_TOO_MANY_ITEMS  = 9706,  /* a bulk request with more than LK_API_BULK_MAX_ITEMS items */
} LkApiError;

GQuark lk_api_error_quark (void);

/* A short, secret-free description of any errorCode: the engine's text for
 * engine codes, the protocol's for these. "OK" for 0. */
const char *lk_api_error_describe (int code);

/* What the server wants to know about one call, for metrics and logs. It
 * never holds a secret. */
typedef struct
{
  /* The canonical operation name ("validate_oath_otp"), a static string; NULL
   * when the body was refused before a known `type` was read. The set of
   * values is fixed (docs/api.md), so it is safe as a metrics label. */
  const char *type;

  /* The errorCode of the response: 0 for success. */
  int         error_code;

  /* spAccountLoginName as the client sent it (at most 128 bytes, valid
   * UTF-8), or NULL when the body did not get that far. Owned: free with
   * lk_api_call_info_clear(). Never the key. */
  char       *account;

  /* TRUE when the body was refused before it was decoded into a request
   * (too large, not JSON, too deep, unknown type, bad field): the engine was
   * never called and no audit record was written. */
  gboolean    rejected;
} LkApiCallInfo;

void lk_api_call_info_clear (LkApiCallInfo *info);

/* Called once per request after the body is decoded and before the partner
 * login (the slow hash): latchkeyd checks its per-account rate limit here.
 * Return 0 to go on, or an errorCode (e.g. 9429) to answer with at once;
 * @message (nullable) then becomes the errorMessage. */
typedef int (*LkApiAdmitFunc) (const char  *account,
                               const char  *type,
                               const char **message,
                               gpointer     user_data);

typedef struct
{
  LkApiAdmitFunc  admit;              /* nullable */
  gpointer        admit_data;
  /* Accept create_account (bootstraps a partner account without a login).
   * FALSE for anything reachable over the network: it answers 9705. */
  gboolean        allow_create_account;
} LkApiHandleOptions;

/* Decodes @body (a request as received, any bytes), runs it on @engine and
 * returns the response body (UTF-8 JSON, `application/json`). Never fails:
 * every problem becomes a response with a non-zero errorCode, and the
 * response always carries errorCode, errorMessage and type. Fills @info
 * (clear it with lk_api_call_info_clear() after use; it must start zeroed
 * or cleared).
 *
 * Thread-safety: call from the thread that owns @engine; calls on different
 * engines may run in parallel. Nothing here touches a main context. */
GBytes *lk_api_handle_body      (LkEngine                  *engine,
                                 GBytes                    *body,
                                 LkApiCallInfo             *info);

/* The same with options (@options may be NULL: no admission check, no
 * create_account). */
GBytes *lk_api_handle_body_full (LkEngine                  *engine,
                                 GBytes                    *body,
                                 const LkApiHandleOptions  *options,
                                 LkApiCallInfo             *info);

/* The part of lk_api_handle_body_full() after decoding: latchkeyd decodes
 * in its reactor to choose the thread (a validation goes to the group
 * committer), then runs @request (an LkApiRequest) here. */
GBytes *lk_api_handle_request   (LkEngine                  *engine,
                                 gconstpointer              request,
                                 const LkApiHandleOptions  *options,
                                 LkApiCallInfo             *info);

G_END_DECLS
