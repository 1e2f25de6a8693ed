/* SPDX-License-Identifier: GPL-3.0-or-later
 * Unit tests of LkServer in-process (plain HTTP on loopback, real engines,
 * the client on the same main loop): pause and unpause through the worker
 * pool, refusals, metrics, and a drain that answers in-flight requests. */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "lk-engine.h"
#include "lk-server.h"

#define ACCOUNT     "unit-partner"
#define ACCOUNT_KEY "unit-partner-key"

typedef struct
{
  char      *dir;
  LkServer  *server;
  SoupSession *session;
  char      *url;
  char      *base_url;
} Fixture;

typedef struct
{
  GBytes *body;
  guint   status;
  GError *error;
  gboolean done;
} Answer;

static void
on_answer (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Answer *answer = user_data;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);

  answer->body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &answer->error);
  answer->status = soup_message_get_status (msg);
  answer->done = TRUE;
}

static void
answer_clear (Answer *answer)
{
  g_clear_pointer (&answer->body, g_bytes_unref);
  g_clear_error (&answer->error);
}

static void
start_request (Fixture    *f,
               const char *method,
               const char *url,
               const char *body,
               gsize       len,
               Answer     *answer)
{
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);

  if (body != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, len);

      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    }
  soup_session_send_and_read_async (f->session, msg, G_PRIORITY_DEFAULT, NULL, on_answer, answer);
}

static void
wait_for (Answer *answer)
{
  while (!answer->done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (answer->error);
}

static char *
body_text (Answer *answer)
{
  return g_strndup (g_bytes_get_data (answer->body, NULL), g_bytes_get_size (answer->body));
}

static char *
request (Fixture    *f,
         const char *method,
         const char *path,
         const char *body,
         guint      *status)
{
  g_autofree char *url = g_strconcat (f->base_url, path + 1, NULL);
  Answer answer = { 0 };
  char *text;

  start_request (f, method, url, body, body != NULL ? strlen (body) : 0, &answer);
  wait_for (&answer);
  *status = answer.status;
  text = body_text (&answer);
  answer_clear (&answer);
  return text;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkServerConfig) config = lk_server_config_new ();
  g_autoptr(LkKeyProvider) keys = NULL;
  g_autoptr(LkEngine) engine = NULL;
  g_autoptr(GProxyResolver) direct = g_simple_proxy_resolver_new (NULL, NULL);
  g_auto(GStrv) urls = NULL;
  gint64 account_id = 0;

  f->dir = g_dir_make_tmp ("lk-server-unit-XXXXXX", &error);
  g_assert_no_error (error);

  g_ptr_array_set_size (config->listen, 0);
  g_assert_true (lk_server_config_add_listen (config, "http://127.0.0.1:0", NULL));
  g_free (config->db_path);
  config->db_path = g_build_filename (f->dir, "lk.db", NULL);
  config->master_key_file = g_build_filename (f->dir, "master.key", NULL);
  config->workers = 2;
  config->max_body = 4096;
  config->drain_timeout = 20;
  config->access_log = FALSE;
  g_assert_true (lk_server_config_validate (config, &error));
  g_assert_no_error (error);

  /* The partner account, straight through the engine. */
  keys = lk_file_key_provider_new (config->master_key_file);
  engine = lk_engine_open (config->db_path, keys, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (lk_engine_create_account (engine, ACCOUNT, ACCOUNT_KEY, &account_id, &error));
  g_assert_no_error (error);
  g_clear_pointer (&engine, lk_engine_close);

  f->server = lk_server_new (g_steal_pointer (&config), &error);
  g_assert_no_error (error);
  g_assert_true (lk_server_start (f->server, &error));
  g_assert_no_error (error);
  urls = lk_server_dup_urls (f->server);
  g_assert_nonnull (urls[0]);
  f->base_url = g_strdup (urls[0]);
  f->url = g_strconcat (urls[0], "api/v1", NULL);
  f->session = soup_session_new_with_options ("proxy-resolver", direct, "max-conns-per-host", 16, NULL);
}

static void
remove_dir (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      g_unlink (child);
    }
  g_rmdir (path);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->session);
  if (!lk_server_is_stopped (f->server))
    {
      lk_server_shutdown (f->server);
      while (!lk_server_is_stopped (f->server))
        g_main_context_iteration (NULL, TRUE);
    }
  lk_server_close (f->server);
  g_assert_finalize_object (f->server);
  /* Let libsoup drop what it still holds for closed connections. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  remove_dir (f->dir);
  g_free (f->dir);
  g_free (f->url);
  g_free (f->base_url);
}

static char *
api_body (const char *key,
          const char *fields)
{
  return g_strdup_printf ("{\"spAccountLoginName\":\"" ACCOUNT "\",\"spAccountLoginKey\":\"%s\"%s%s}",
                          key, fields != NULL ? "," : "", fields != NULL ? fields : "");
}

static void
test_api_and_refusals (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *ok_body = api_body (ACCOUNT_KEY, "\"type\":\"find_users\"");
  g_autofree char *big = g_malloc0 (8192);
  g_autofree char *text = NULL;
  guint status = 0;

  text = request (f, "POST", "/api/v1", ok_body, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_nonnull (strstr (text, "\"errorCode\":0"));
  g_clear_pointer (&text, g_free);

  text = request (f, "POST", "/AuthServer/REST/U2F/U2FServer.aspx", "{oops", &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_nonnull (strstr (text, "\"errorCode\":9700"));
  g_clear_pointer (&text, g_free);

  memset (big, ' ', 8191);
  big[0] = '{';
  big[8190] = '}';
  text = request (f, "POST", "/api/v1", big, &status);
  g_assert_cmpuint (status, ==, 413);
  g_assert_nonnull (strstr (text, "\"errorCode\":9413"));
  g_clear_pointer (&text, g_free);

  text = request (f, "GET", "/api/v1", NULL, &status);
  g_assert_cmpuint (status, ==, 405);
  g_clear_pointer (&text, g_free);

  text = request (f, "GET", "/elsewhere", NULL, &status);
  g_assert_cmpuint (status, ==, 404);
  g_assert_nonnull (strstr (text, "\"errorCode\":9404"));
  g_clear_pointer (&text, g_free);

  text = request (f, "GET", "/healthz", NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (text, ==, "{\"status\":\"ok\"}\n");
  g_clear_pointer (&text, g_free);

  text = request (f, "GET", "/metrics", NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_nonnull (strstr (text, "latchkeyd_requests_total{type=\"find_users\",code=\"0\"} 1\n"));
  g_assert_nonnull (strstr (text, "latchkeyd_requests_total{type=\"none\",code=\"9700\"} 1\n"));
  g_assert_nonnull (strstr (text, "latchkeyd_rejected_total{reason=\"body_too_large\"} 1\n"));
  g_assert_nonnull (strstr (text, "latchkeyd_requests_in_flight 0\n"));
  g_assert_nonnull (strstr (text, "latchkeyd_workers 2\n"));
}

static void
test_concurrent (Fixture       *f,
                 gconstpointer  data)
{
  Answer answers[16] = { { 0 } };

  /* More requests than workers: they queue, paused, and all come back. */
  for (guint i = 0; i < G_N_ELEMENTS (answers); i++)
    {
      g_autofree char *fields = g_strdup_printf ("\"type\":\"add_oath_user\",\"username\":\"user%u\","
                                                 "\"loginPassword\":\"Password-%u-long\"", i, i);
      g_autofree char *body = api_body (ACCOUNT_KEY, fields);

      start_request (f, "POST", f->url, body, strlen (body), &answers[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (answers); i++)
    {
      g_autofree char *text = NULL;

      wait_for (&answers[i]);
      text = body_text (&answers[i]);
      g_assert_cmpuint (answers[i].status, ==, 200);
      g_assert_nonnull (strstr (text, "\"errorCode\":0"));
      answer_clear (&answers[i]);
    }
}

typedef struct
{
  GByteArray *data;
  gboolean    eof;
  guint8      buffer[4096];
} RawRead;

/* TRUE once @data holds one whole response with a Content-Length body. */
static gboolean
raw_response_complete (GByteArray *data)
{
  g_autofree char *text = g_strndup ((const char *) data->data, data->len);
  const char *end = text != NULL ? strstr (text, "\r\n\r\n") : NULL;
  const char *length;

  if (end == NULL)
    return FALSE;
  length = g_strstr_len (text, end - text, "Content-Length: ");
  if (length == NULL)
    return FALSE;
  return strlen (end + 4) >= g_ascii_strtoull (length + strlen ("Content-Length: "), NULL, 10);
}

static void
on_raw_read (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  RawRead *raw = user_data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);

  if (n <= 0)
    {
      raw->eof = TRUE;
      return;
    }
  g_byte_array_append (raw->data, raw->buffer, n);
  g_input_stream_read_async (G_INPUT_STREAM (source), raw->buffer, sizeof raw->buffer, G_PRIORITY_DEFAULT,
                             NULL, on_raw_read, raw);
}

static void
on_stopped (LkServer *server,
            gboolean *stopped)
{
  *stopped = TRUE;
}

static void
test_drain (Fixture       *f,
            gconstpointer  data)
{
  Answer slow[4] = { { 0 } };
  Answer late = { 0 };
  gboolean stopped = FALSE;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) open_connection = NULL;
  g_autoptr(GUri) uri = g_uri_parse (f->base_url, G_URI_FLAGS_NONE, NULL);
  g_autoptr(GError) error = NULL;
  RawRead raw = { .data = g_byte_array_new () };

  g_signal_connect (f->server, "stopped", G_CALLBACK (on_stopped), &stopped);

  /* Wrong keys: a slow hash each, so these are still in flight when the
   * shutdown starts. */
  for (guint i = 0; i < G_N_ELEMENTS (slow); i++)
    {
      g_autofree char *body = api_body ("wrong-key", "\"type\":\"find_users\"");

      start_request (f, "POST", f->url, body, strlen (body), &slow[i]);
    }
  /* Until the server has them all (paused, in the pool). */
  for (int spin = 0; spin < 10000; spin++)
    {
      g_autofree char *metrics = NULL;
      g_autofree char *url = g_strconcat (f->base_url, "metrics", NULL);
      Answer probe = { 0 };

      start_request (f, "GET", url, NULL, 0, &probe);
      wait_for (&probe);
      metrics = body_text (&probe);
      answer_clear (&probe);
      if (strstr (metrics, "latchkeyd_requests_in_flight 4\n") != NULL)
        break;
    }

  /* A keep-alive connection the server has already served once ... */
  g_socket_client_set_enable_proxy (client, FALSE);
  open_connection = g_socket_client_connect_to_host (client, g_uri_get_host (uri), g_uri_get_port (uri),
                                                     NULL, &error);
  g_assert_no_error (error);
  {
    const char *request = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";

    g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (open_connection)),
                               request, strlen (request), NULL, NULL, &error);
    g_assert_no_error (error);
    g_input_stream_read_async (g_io_stream_get_input_stream (G_IO_STREAM (open_connection)), raw.buffer,
                               sizeof raw.buffer, G_PRIORITY_DEFAULT, NULL, on_raw_read, &raw);
    while (!raw_response_complete (raw.data))
      {
        g_assert_false (raw.eof);
        g_main_context_iteration (NULL, TRUE);
      }
    /* The read in flight ends when the connection closes, below. */
    g_assert_true (g_str_has_prefix ((const char *) raw.data->data, "HTTP/1.1 200"));
    g_byte_array_set_size (raw.data, 0);
  }

  lk_server_shutdown (f->server);
  g_assert_false (stopped);

  /* ... may still send a request: it is refused with 503, 9450 and
   * Connection: close, while the in-flight ones complete. */
  {
    const char *request = "POST /api/v1 HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}";
    g_autofree char *text = NULL;

    g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (open_connection)),
                               request, strlen (request), NULL, NULL, &error);
    g_assert_no_error (error);
    /* The read started above collects the answer until the server closes. */
    while (!raw.eof)
      g_main_context_iteration (NULL, TRUE);
    text = g_strndup ((const char *) raw.data->data, raw.data->len);
    g_byte_array_unref (raw.data);
    g_assert_true (g_str_has_prefix (text, "HTTP/1.1 503"));
    g_assert_nonnull (strstr (text, "Connection: close"));
    g_assert_nonnull (strstr (text, "\"errorCode\":9450"));
  }

  for (guint i = 0; i < G_N_ELEMENTS (slow); i++)
    {
      g_autofree char *text = NULL;

      wait_for (&slow[i]);
      text = body_text (&slow[i]);
      g_assert_cmpuint (slow[i].status, ==, 200);
      g_assert_nonnull (strstr (text, "\"errorCode\":9000"));
      answer_clear (&slow[i]);
    }
  while (!stopped)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (lk_server_is_stopped (f->server));

  /* Stopped: nothing listens any more. */
  start_request (f, "POST", f->url, "{}", 2, &late);
  while (!late.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (late.error);
  answer_clear (&late);
}

int
main (int argc, char *argv[])
{
  /* GIO's default proxy resolver reads GSettings schemas that isolated
   * test directories do not have. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/server/server/api-and-refusals", Fixture, NULL, fixture_set_up, test_api_and_refusals,
              fixture_tear_down);
  g_test_add ("/server/server/concurrent", Fixture, NULL, fixture_set_up, test_concurrent, fixture_tear_down);
  g_test_add ("/server/server/drain", Fixture, NULL, fixture_set_up, test_drain, fixture_tear_down);

  return g_test_run ();
}
