/* SPDX-License-Identifier: GPL-3.0-or-later
 * LkHttpConnection: one HTTP/1.1 client connection on the reactor — reading, framing, answering in order, timeouts, closing. */
#pragma once

#include <sys/socket.h>

#include "lk-http-parser.h"
#include "lk-http-tls.h"
#include "lk-reactor.h"

G_BEGIN_DECLS

typedef struct _LkHttpConnection LkHttpConnection;

typedef struct
{
  gsize  max_head;          /* bytes of a request head (431 past it) */
  gsize  max_body;          /* bytes of a body (413 past it) */
  guint  idle_timeout_s;    /* between requests on a kept-alive connection */
  guint  header_timeout_s;  /* from a connection's first byte (or accept) to a complete head */
  guint  body_timeout_s;    /* from the head to the end of its body */
  guint  write_timeout_s;   /* an answer the client does not read */
} LkHttpLimits;

/* The server's side. Every callback runs in the reactor's thread. */
typedef struct
{
  /* A request head is in, its body not yet read. Answering now (with
   * lk_http_connection_respond()) refuses the request early: its body is
   * never read and the connection closes after the answer. */
  void (*head)    (LkHttpConnection          *conn,
                   const LkHttpRequestHead   *head,
                   gpointer                   data);
  /* The whole request is in; answer now or later, exactly once. The next
   * pipelined request waits for that answer, so answers keep their order. */
  void (*request) (LkHttpConnection          *conn,
                   const LkHttpRequestHead   *head,
                   GBytes                    *body,
                   gpointer                   data);
  /* The parser refused what arrived with @status (400, 413, 417, 431,
   * 501, 505). Answer it with lk_http_connection_respond(), or a plain
   * text answer is sent; either way the connection then closes. */
  void (*refused) (LkHttpConnection          *conn,
                   guint                      status,
                   gpointer                   data);
  /* Every answer so far has been handed to the kernel. */
  void (*flushed) (LkHttpConnection          *conn,
                   gpointer                   data);
  /* The connection is closing; @conn must not be used after this. */
  void (*closed)  (LkHttpConnection          *conn,
                   gpointer                   data);
} LkHttpHandlers;

/* Takes @fd (connected, non-blocking) and, for HTTPS, a session on it. */
LkHttpConnection *lk_http_connection_new         (LkReactor              *reactor,
                                                  int                     fd,
                                                  SSL                    *ssl,
                                                  const struct sockaddr  *peer,
                                                  socklen_t               peer_len,
                                                  const LkHttpLimits     *limits,
                                                  const LkHttpHandlers   *handlers,
                                                  gpointer                data,
                                                  GError                **error);

/* Answers the current request. @extra_headers: NULL or a NULL-terminated
 * list of "Name: value" lines. @close (or a client that asked for it, or
 * an early answer) ends the connection once the answer is out. A HEAD
 * request gets the headers only. */
void              lk_http_connection_respond     (LkHttpConnection       *conn,
                                                  guint                   status,
                                                  const char             *content_type,
                                                  GBytes                 *body,
                                                  const char * const     *extra_headers,
                                                  gboolean                close);

/* Closes at once, dropping what is not written. */
void              lk_http_connection_close       (LkHttpConnection       *conn);

/* Closes the connection if its current deadline has passed. */
void              lk_http_connection_check_timeout (LkHttpConnection     *conn,
                                                    gint64                now_us);

/* The head of the request being read or worked on, or NULL. */
const LkHttpRequestHead *lk_http_connection_get_head (LkHttpConnection *conn);

/* Answers are queued or a request is being worked on. */
gboolean          lk_http_connection_is_busy     (LkHttpConnection       *conn);

const struct sockaddr *lk_http_connection_get_peer (LkHttpConnection     *conn,
                                                    socklen_t            *out_len);
void              lk_http_connection_set_user_data (LkHttpConnection     *conn,
                                                    gpointer              user_data);
gpointer          lk_http_connection_get_user_data (LkHttpConnection     *conn);

/* "Too Many Requests" for 429 and the rest of the statuses latchkeyd uses. */
const char       *lk_http_reason_phrase          (guint                   status);

G_END_DECLS
