/* SPDX-License-Identifier: GPL-3.0-or-later
 * Raw HTTP over TLS for latchkeyd's tests: byte-exact requests, half-sent
 * bodies and abrupt disconnects that a real HTTP client would never make. */
#pragma once

#include <gio/gio.h>

#include "lk-test-server.h"

G_BEGIN_DECLS

/* Connects to @server (TLS when it has a certificate, trusting exactly it)
 * and returns the stream. Aborts the test on failure. */
GIOStream *lk_test_raw_connect   (LkTestServer *server);

/* Writes all of @data; returns FALSE (no abort) when the peer closed. */
gboolean   lk_test_raw_write     (GIOStream    *stream,
                                  const void   *data,
                                  gsize         len);

/* Reads until the peer closes the connection (send "Connection: close")
 * or a read times out (20 s). */
char      *lk_test_raw_read_all  (GIOStream    *stream,
                                  gsize        *out_len);

/* Closes without reading the answer. */
void       lk_test_raw_close     (GIOStream    *stream);

/* The status code of an HTTP/1.x response head, 0 when there is none. */
guint      lk_test_raw_status    (const char   *response);

/* The body after the blank line (chunked encoding is not undone). */
const char *lk_test_raw_body     (const char   *response);

G_END_DECLS
