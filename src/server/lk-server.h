/* SPDX-License-Identifier: GPL-3.0-or-later
 * LkServer: latchkeyd's HTTP front — listeners, endpoints, limits, the worker pool and a draining shutdown. */
#pragma once

#include <gio/gio.h>

#include "lk-server-config.h"

G_BEGIN_DECLS

/* errorCodes only latchkeyd answers, for refusals made before a request
 * reaches the API (docs/error-codes.md). Each mirrors its HTTP status; they
 * stay clear of the vendor's 9000-9099 and the engine's 9500-9699. */
#define LK_SERVER_CODE_NOT_FOUND          9404  /* no such endpoint */
#define LK_SERVER_CODE_METHOD             9405  /* the endpoint does not take this HTTP method */
#define LK_SERVER_CODE_BODY_TOO_LARGE     9413  /* the body exceeds [limits] max-body */
#define LK_SERVER_CODE_TOO_MANY_REQUESTS  9429  /* a rate limit: per client address or per partner account */
#define LK_SERVER_CODE_UNAVAILABLE        9450  /* shutting down, or every worker busy and the queue full */

#define LK_TYPE_SERVER (lk_server_get_type ())

G_DECLARE_FINAL_TYPE (LkServer, lk_server, LK, SERVER, GObject)

/* Loads the TLS pair and opens one engine per worker. Takes ownership of
 * @config, which must have passed lk_server_config_validate(). */
LkServer   *lk_server_new         (LkServerConfig  *config,
                                   GError         **error);

/* Binds every listen address and writes the port file. */
gboolean    lk_server_start       (LkServer        *self,
                                   GError         **error);

/* The bound URLs ("https://127.0.0.1:40123/"), valid after lk_server_start(). */
GStrv       lk_server_dup_urls    (LkServer        *self);

/* Stops accepting connections and answers new requests on open connections
 * with 503; once every in-flight request has been answered (or the drain
 * timeout has passed) the server disconnects and emits ::stopped.
 * A second call stops at once. */
void        lk_server_shutdown    (LkServer        *self);

gboolean    lk_server_is_stopped  (LkServer        *self);

/* Joins the workers, which close their databases. Call after ::stopped. */
void        lk_server_close       (LkServer        *self);

G_END_DECLS
