/* SPDX-License-Identifier: GPL-3.0-or-later
 * latchkeyd's TLS on OpenSSL: the server context from PEM files, and non-blocking reads and writes. */
#pragma once

#include <glib.h>
#include <openssl/ssl.h>

G_BEGIN_DECLS

typedef enum
{
  LK_IO_DONE,        /* some bytes moved */
  LK_IO_WANT_READ,   /* try again when the socket is readable */
  LK_IO_WANT_WRITE,  /* try again when the socket is writable */
  LK_IO_EOF,         /* the peer closed (cleanly, for TLS) */
  LK_IO_ERROR,       /* the connection is unusable */
} LkIoStatus;

/* TLS 1.2 or later. @key_file NULL: the key is in @certificate_file, which
 * may hold the whole chain. */
SSL_CTX    *lk_http_tls_context_new (const char  *certificate_file,
                                     const char  *key_file,
                                     GError     **error);

/* A server-side session on the connected, non-blocking @fd. */
SSL        *lk_http_tls_new         (SSL_CTX     *context,
                                     int          fd);

/* SSL_read()/SSL_write() with their outcome sorted: WANT_WRITE on a read
 * (a handshake or key update in progress) and WANT_READ on a write are
 * normal and mean "wait for the other direction". */
LkIoStatus  lk_http_tls_read        (SSL         *ssl,
                                     void        *buffer,
                                     gsize        size,
                                     gsize       *out_read);
LkIoStatus  lk_http_tls_write       (SSL         *ssl,
                                     const void  *buffer,
                                     gsize        size,
                                     gsize       *out_written);

G_END_DECLS
