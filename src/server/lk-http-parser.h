/* SPDX-License-Identifier: GPL-3.0-or-later
 * latchkeyd's HTTP/1.1 request parser: the request head and chunked bodies, strict, bounded, no I/O. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  LK_HTTP_PARSE_INCOMPLETE,  /* every byte given was used; give more */
  LK_HTTP_PARSE_DONE,        /* a complete head (or body) was read */
  LK_HTTP_PARSE_ERROR,       /* refuse with the status given, then close */
} LkHttpParseResult;

/* Most header lines a request may carry (431 past it). */
#define LK_HTTP_MAX_HEADERS 100

typedef struct
{
  char     *method;          /* as sent (tokens are case-sensitive) */
  char     *target;          /* the request-target, origin-form */
  char     *path;            /* the target up to '?' */
  guint     minor;           /* HTTP/1.<minor>: 0 or 1 */
  gboolean  keep_alive;      /* the connection may carry another request */
  gboolean  has_length;      /* Content-Length was given */
  guint64   content_length;
  gboolean  chunked;         /* Transfer-Encoding: chunked */
  gboolean  expect_continue; /* Expect: 100-continue */
  gsize     head_length;     /* bytes of the head, blank line included */
} LkHttpRequestHead;

/* Parses the request head at the start of @data. Reads no more than
 * @max_head bytes: a head that does not end within them is 431. Accepts
 * only CRLF line ends (a bare LF is 400, as is an obs-fold continuation),
 * one Content-Length of digits that fits in 63 bits, Transfer-Encoding
 * "chunked" alone (any other coding is 501) and never both. On
 * LK_HTTP_PARSE_DONE @head is filled (clear it with
 * lk_http_request_head_clear()); on LK_HTTP_PARSE_ERROR @out_status holds
 * the HTTP status to answer (400, 417, 431, 501 or 505). */
LkHttpParseResult lk_http_parse_head          (const char         *data,
                                               gsize               len,
                                               gsize               max_head,
                                               LkHttpRequestHead  *head,
                                               guint              *out_status);
void              lk_http_request_head_clear  (LkHttpRequestHead  *head);

/* A chunked body, decoded as its bytes arrive in any split. */
typedef struct
{
  int      state;
  guint64  remaining;     /* data bytes left in the current chunk */
  guint    digits;        /* of the size being read */
  gsize    line_bytes;    /* of the extension or trailer line being read */
  gsize    trailer_bytes; /* all trailer lines so far */
} LkHttpChunked;

void              lk_http_chunked_init        (LkHttpChunked      *chunked);
/* Feeds @len bytes; decoded data is appended to @body. @consumed says how
 * many bytes were used (on DONE the rest belongs to the next request).
 * A body growing past @max_body stops with status 413. */
LkHttpParseResult lk_http_chunked_feed        (LkHttpChunked      *chunked,
                                               const char         *data,
                                               gsize               len,
                                               gsize              *consumed,
                                               GByteArray         *body,
                                               gsize               max_body,
                                               guint              *out_status);

G_END_DECLS
