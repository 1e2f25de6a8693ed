/* SPDX-License-Identifier: GPL-3.0-or-later
 * latchkeyd's TLS on OpenSSL directly (no GIO stream, no extra thread):
 * the reactor drives each session with the socket's readiness. */
#include "config.h"

#include <openssl/err.h>
#include <glib/gi18n.h>

#include "lk-http-tls.h"
#include "lk-server-error.h"

static char *
openssl_error_text (void)
{
  unsigned long code = ERR_get_error ();
  char text[256];

  if (code == 0)
    return g_strdup (_("unknown TLS error"));
  ERR_error_string_n (code, text, sizeof text);
  ERR_clear_error ();
  return g_strdup (text);
}

SSL_CTX *
lk_http_tls_context_new (const char  *certificate_file,
                         const char  *key_file,
                         GError     **error)
{
  SSL_CTX *context = SSL_CTX_new (TLS_server_method ());
  g_autofree char *detail = NULL;

  if (context == NULL)
    goto fail;
  if (!SSL_CTX_set_min_proto_version (context, TLS1_2_VERSION))
    goto fail;
  /* Partial writes: an answer larger than a TLS record goes out as the
   * socket takes it; the buffer moves as the output buffer grows. (Not
   * SSL_MODE_RELEASE_BUFFERS: it saves ~34 KiB per idle connection but
   * costs an allocation per record on a busy one.) */
  SSL_CTX_set_mode (context, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  /* Client-initiated renegotiation is a cheap way to burn server CPU. */
  SSL_CTX_set_options (context, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_session_cache_mode (context, SSL_SESS_CACHE_SERVER);
  if (SSL_CTX_use_certificate_chain_file (context, certificate_file) != 1 ||
      SSL_CTX_use_PrivateKey_file (context, key_file != NULL ? key_file : certificate_file, SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key (context) != 1)
    goto fail;
  return context;

fail:
  detail = openssl_error_text ();
  g_set_error (error, LK_SERVER_ERROR, LK_SERVER_ERROR_TLS, "%s", detail);
  if (context != NULL)
    SSL_CTX_free (context);
  return NULL;
}

SSL *
lk_http_tls_new (SSL_CTX *context,
                 int      fd)
{
  SSL *ssl = SSL_new (context);

  if (ssl == NULL)
    return NULL;
  if (SSL_set_fd (ssl, fd) != 1)
    {
      SSL_free (ssl);
      return NULL;
    }
  SSL_set_accept_state (ssl);
  return ssl;
}

static LkIoStatus
sort_error (SSL *ssl,
            int  result)
{
  switch (SSL_get_error (ssl, result))
    {
    case SSL_ERROR_WANT_READ:
      return LK_IO_WANT_READ;
    case SSL_ERROR_WANT_WRITE:
      return LK_IO_WANT_WRITE;
    case SSL_ERROR_ZERO_RETURN:
      return LK_IO_EOF;
    case SSL_ERROR_SYSCALL:
    case SSL_ERROR_SSL:
    default:
      /* Handshake failures, resets, a close without close_notify: the
       * connection goes. The error queue is per thread: leave it clean. */
      ERR_clear_error ();
      return LK_IO_ERROR;
    }
}

LkIoStatus
lk_http_tls_read (SSL   *ssl,
                  void  *buffer,
                  gsize  size,
                  gsize *out_read)
{
  size_t n = 0;
  int result = SSL_read_ex (ssl, buffer, size, &n);

  *out_read = n;
  return result == 1 ? LK_IO_DONE : sort_error (ssl, result);
}

LkIoStatus
lk_http_tls_write (SSL        *ssl,
                   const void *buffer,
                   gsize       size,
                   gsize      *out_written)
{
  size_t n = 0;
  int result = SSL_write_ex (ssl, buffer, size, &n);

  *out_written = n;
  return result == 1 ? LK_IO_DONE : sort_error (ssl, result);
}
