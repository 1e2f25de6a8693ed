/* SPDX-License-Identifier: GPL-3.0-or-later
 * Raw HTTP over TLS for latchkeyd's tests: byte-exact requests, half-sent
 * bodies and abrupt disconnects that a real HTTP client would never make. */
#include "config.h"

#include <string.h>

#include "lk-test-raw.h"

GIOStream *
lk_test_raw_connect (LkTestServer *server)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  const char *cert_file = lk_test_server_get_cert_file (server);
  g_autoptr(GIOStream) tls = NULL;
  g_autoptr(GTlsDatabase) database = NULL;
  g_autoptr(GSocketConnectable) identity = NULL;

  g_socket_client_set_enable_proxy (client, FALSE);
  connection = g_socket_client_connect_to_host (client, lk_test_server_get_host (server),
                                                lk_test_server_get_port (server), NULL, &error);
  g_assert_no_error (error);
  /* Every blocking read or write gives up after this long. */
  g_socket_set_timeout (g_socket_connection_get_socket (connection), 20);
  if (cert_file == NULL)
    return G_IO_STREAM (g_steal_pointer (&connection));

  identity = g_network_address_new (lk_test_server_get_host (server), lk_test_server_get_port (server));
  tls = g_tls_client_connection_new (G_IO_STREAM (connection), identity, &error);
  g_assert_no_error (error);
  database = g_tls_file_database_new (cert_file, &error);
  g_assert_no_error (error);
  g_tls_connection_set_database (G_TLS_CONNECTION (tls), database);
  g_tls_connection_handshake (G_TLS_CONNECTION (tls), NULL, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&tls);
}

gboolean
lk_test_raw_write (GIOStream  *stream,
                   const void *data,
                   gsize       len)
{
  g_autoptr(GError) error = NULL;

  return g_output_stream_write_all (g_io_stream_get_output_stream (stream), data, len, NULL, NULL, &error);
}

char *
lk_test_raw_read_all (GIOStream *stream,
                      gsize     *out_len)
{
  g_autoptr(GByteArray) data = g_byte_array_new ();
  GInputStream *input = g_io_stream_get_input_stream (stream);

  /* The socket's timeout (lk_test_raw_connect) bounds every read. */
  for (;;)
    {
      guint8 buffer[16384];
      g_autoptr(GError) error = NULL;
      gssize n = g_input_stream_read (input, buffer, sizeof buffer, NULL, &error);

      if (n <= 0)
        break;
      g_byte_array_append (data, buffer, n);
    }

  if (out_len != NULL)
    *out_len = data->len;
  g_byte_array_append (data, (const guint8 *) "", 1);
  return (char *) g_byte_array_free (g_steal_pointer (&data), FALSE);
}

void
lk_test_raw_close (GIOStream *stream)
{
  g_io_stream_close (stream, NULL, NULL);
}

guint
lk_test_raw_status (const char *response)
{
  g_autofree char *digits = NULL;
  guint64 status = 0;

  if (response == NULL || !g_str_has_prefix (response, "HTTP/1.") || strlen (response) < 12)
    return 0;
  digits = g_strndup (response + 9, 3);
  if (!g_ascii_string_to_unsigned (digits, 10, 100, 599, &status, NULL))
    return 0;
  return status;
}

const char *
lk_test_raw_body (const char *response)
{
  const char *end = strstr (response, "\r\n\r\n");

  return end != NULL ? end + 4 : "";
}
