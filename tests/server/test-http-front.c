/* SPDX-License-Identifier: GPL-3.0-or-later
 * Tests of latchkeyd's HTTP/1.1 front end on the wire (lk-reactor.c,
 * lk-http-connection.c through LkServer): pipelining, bodies split across
 * reads, chunked bodies, Expect, HEAD, malformed requests, timeouts and
 * the connection limit. The server runs in-process on its own thread and
 * main context; the test speaks raw HTTP over blocking sockets. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <glib/gstdio.h>

#include "lk-engine.h"
#include "lk-server.h"

#define ACCOUNT     "front-partner"
#define ACCOUNT_KEY "front-partner-key"
#define FIND_USERS  "{\"spAccountLoginName\":\"" ACCOUNT "\",\"spAccountLoginKey\":\"" ACCOUNT_KEY "\"," \
                    "\"type\":\"find_users\"}"

typedef struct
{
  guint idle_timeout;
  guint header_timeout;
  guint max_connections;
} Params;

typedef struct
{
  const Params *params;
  char         *dir;
  GThread      *thread;
  GMutex        lock;
  GCond         cond;
  gboolean      ready;
  gboolean      quit;
  guint16       port;
  GMainContext *context;
} Fixture;

static const Params defaults = { 60, 20, 0 };
static const Params short_timeouts = { 1, 1, 0 };
static const Params two_connections = { 60, 20, 2 };

/* ---- the server's thread ------------------------------------------------------ */

static gboolean
wake (gpointer data)
{
  return G_SOURCE_REMOVE;
}

static gpointer
server_main (gpointer data)
{
  Fixture *f = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(LkServerConfig) config = lk_server_config_new ();
  g_autoptr(LkKeyProvider) keys = NULL;
  g_autoptr(LkEngine) engine = NULL;
  g_auto(GStrv) urls = NULL;
  LkServer *server;
  gint64 account_id = 0;

  g_main_context_push_thread_default (f->context);

  g_ptr_array_set_size (config->listen, 0);
  g_assert_true (lk_server_config_add_listen (config, "http://127.0.0.1:0", NULL));
  g_free (config->db_path);
  config->db_path = g_build_filename (f->dir, "lk.db", NULL);
  config->master_key_file = g_build_filename (f->dir, "master.key", NULL);
  config->workers = 2;
  config->max_body = 4096;
  config->access_log = FALSE;
  config->idle_timeout = f->params->idle_timeout;
  config->header_timeout = f->params->header_timeout;
  config->max_connections = f->params->max_connections;
  g_assert_true (lk_server_config_validate (config, &error));
  g_assert_no_error (error);

  keys = lk_file_key_provider_new (config->master_key_file);
  engine = lk_engine_open (config->db_path, keys, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (lk_engine_create_account (engine, ACCOUNT, ACCOUNT_KEY, &account_id, &error));
  g_clear_pointer (&engine, lk_engine_close);

  server = lk_server_new (g_steal_pointer (&config), &error);
  g_assert_no_error (error);
  g_assert_true (lk_server_start (server, &error));
  urls = lk_server_dup_urls (server);
  g_assert_true (g_str_has_prefix (urls[0], "http://127.0.0.1:"));

  g_mutex_lock (&f->lock);
  f->port = (guint16) g_ascii_strtoull (urls[0] + strlen ("http://127.0.0.1:"), NULL, 10);
  f->ready = TRUE;
  g_cond_signal (&f->cond);
  g_mutex_unlock (&f->lock);

  while (!g_atomic_int_get (&f->quit))
    g_main_context_iteration (f->context, TRUE);

  lk_server_shutdown (server);
  while (!lk_server_is_stopped (server))
    g_main_context_iteration (f->context, TRUE);
  lk_server_close (server);
  g_assert_finalize_object (server);
  g_main_context_pop_thread_default (f->context);
  return NULL;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->params = data != NULL ? data : &defaults;
  f->dir = g_dir_make_tmp ("lk-http-front-XXXXXX", &error);
  g_assert_no_error (error);
  g_mutex_init (&f->lock);
  g_cond_init (&f->cond);
  f->context = g_main_context_new ();
  f->thread = g_thread_new ("lk-test-server", server_main, f);
  g_mutex_lock (&f->lock);
  while (!f->ready)
    g_cond_wait (&f->cond, &f->lock);
  g_mutex_unlock (&f->lock);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  g_atomic_int_set (&f->quit, 1);
  g_main_context_invoke (f->context, wake, NULL);
  g_thread_join (f->thread);
  g_main_context_unref (f->context);
  g_mutex_clear (&f->lock);
  g_cond_clear (&f->cond);
  dir = g_dir_open (f->dir, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (f->dir, name, NULL);

      g_unlink (child);
    }
  g_rmdir (f->dir);
  g_free (f->dir);
}

/* ---- a raw client ------------------------------------------------------------- */

typedef struct
{
  int      fd;
  GString *buffer;   /* received, not yet taken */
  gboolean eof;
} Raw;

static void
raw_open (Fixture *f,
          Raw     *raw)
{
  struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons (f->port) };
  struct timeval timeout = { .tv_sec = 10 };

  address.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  raw->fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  g_assert_cmpint (raw->fd, >=, 0);
  g_assert_cmpint (setsockopt (raw->fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout), ==, 0);
  g_assert_cmpint (connect (raw->fd, (struct sockaddr *) &address, sizeof address), ==, 0);
  raw->buffer = g_string_new (NULL);
  raw->eof = FALSE;
}

static void
raw_close (Raw *raw)
{
  if (raw->fd >= 0)
    close (raw->fd);
  raw->fd = -1;
  g_string_free (raw->buffer, TRUE);
  raw->buffer = NULL;
}

static void
raw_send (Raw        *raw,
          const char *data,
          gsize       len)
{
  while (len > 0)
    {
      ssize_t n = send (raw->fd, data, len, MSG_NOSIGNAL);

      g_assert_cmpint (n, >, 0);
      data += n;
      len -= (gsize) n;
    }
}

/* One read; FALSE at the end of the stream (or a reset). */
static gboolean
raw_receive (Raw *raw)
{
  char chunk[8192];
  ssize_t n = recv (raw->fd, chunk, sizeof chunk, 0);

  if (n < 0 && errno == EAGAIN)
    g_error ("no answer within 10 s");
  if (n <= 0)
    {
      raw->eof = TRUE;
      return FALSE;
    }
  g_string_append_len (raw->buffer, chunk, n);
  return TRUE;
}

/* Takes one whole response (head and Content-Length body) off the stream. */
static char *
raw_response (Raw      *raw,
              gboolean  head_request)
{
  for (;;)
    {
      const char *end = strstr (raw->buffer->str, "\r\n\r\n");

      if (end != NULL)
        {
          gsize head_len = end + 4 - raw->buffer->str;
          const char *length = g_strstr_len (raw->buffer->str, head_len, "Content-Length: ");
          gsize body_len = length != NULL && !head_request ? g_ascii_strtoull (length + 16, NULL, 10) : 0;

          if (raw->buffer->len >= head_len + body_len)
            {
              char *response = g_strndup (raw->buffer->str, head_len + body_len);

              g_string_erase (raw->buffer, 0, head_len + body_len);
              return response;
            }
        }
      if (!raw_receive (raw))
        return g_strdup (raw->buffer->str);
    }
}

static char *
raw_until_close (Raw *raw)
{
  while (raw_receive (raw))
    ;
  return g_strdup (raw->buffer->str);
}

static guint
status_of (const char *response)
{
  if (!g_str_has_prefix (response, "HTTP/1.1 "))
    return 0;
  return (guint) g_ascii_strtoull (response + 9, NULL, 10);
}

static char *
post (const char *path,
      const char *body)
{
  return g_strdup_printf ("POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                          "Content-Length: %zu\r\n\r\n%s", path, strlen (body), body);
}

static void
assert_serving (Fixture *f)
{
  Raw raw;
  g_autofree char *request = post ("/api/v1", FIND_USERS);
  g_autofree char *response = NULL;

  raw_open (f, &raw);
  raw_send (&raw, request, strlen (request));
  response = raw_response (&raw, FALSE);
  g_assert_cmpuint (status_of (response), ==, 200);
  g_assert_nonnull (strstr (response, "\"errorCode\":0"));
  raw_close (&raw);
}

/* ---- tests ---------------------------------------------------------------------- */

/* Three requests in one write: three answers, in order, on one connection. */
static void
test_pipelining (Fixture       *f,
                 gconstpointer  data)
{
  Raw raw;
  g_autofree char *api = post ("/api/v1", FIND_USERS);
  g_autofree char *all = g_strconcat ("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", api,
                                      "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", NULL);
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *third = NULL;

  raw_open (f, &raw);
  raw_send (&raw, all, strlen (all));
  first = raw_response (&raw, FALSE);
  second = raw_response (&raw, FALSE);
  third = raw_response (&raw, FALSE);
  g_assert_cmpuint (status_of (first), ==, 200);
  g_assert_true (g_str_has_suffix (first, "{\"status\":\"ok\"}\n"));
  g_assert_cmpuint (status_of (second), ==, 200);
  g_assert_nonnull (strstr (second, "\"type\":\"find_users\""));
  g_assert_cmpuint (status_of (third), ==, 200);
  g_assert_nonnull (strstr (third, "latchkeyd_requests_total{type=\"find_users\",code=\"0\"} 1\n"));
  g_assert_nonnull (strstr (third, "Cache-Control: no-store\r\n"));
  g_assert_null (strstr (third, "Connection: close"));

  /* The same connection, a request in three pieces: mid-head, mid-body. */
  {
    g_autofree char *response = NULL;
    gsize len = strlen (api);

    raw_send (&raw, api, 20);
    g_usleep (50 * 1000);
    raw_send (&raw, api + 20, len - 30);
    g_usleep (50 * 1000);
    raw_send (&raw, api + len - 10, 10);
    response = raw_response (&raw, FALSE);
    g_assert_cmpuint (status_of (response), ==, 200);
    g_assert_nonnull (strstr (response, "\"errorCode\":0"));
  }
  raw_close (&raw);
}

static void
test_chunked_expect_head (Fixture       *f,
                          gconstpointer  data)
{
  Raw raw;
  g_autofree char *response = NULL;
  g_autofree char *chunked = NULL;
  gsize len = strlen (FIND_USERS);

  raw_open (f, &raw);
  /* A chunked body in two chunks, with an extension and a trailer. */
  chunked = g_strdup_printf ("POST /api/v1 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                             "%zx;ext=1\r\n%.*s\r\n%zx\r\n%s\r\n0\r\nX-Trailer: y\r\n\r\n",
                             (gsize) 10, 10, FIND_USERS, len - 10, FIND_USERS + 10);
  raw_send (&raw, chunked, strlen (chunked));
  response = raw_response (&raw, FALSE);
  g_assert_cmpuint (status_of (response), ==, 200);
  g_assert_nonnull (strstr (response, "\"errorCode\":0"));
  g_clear_pointer (&response, g_free);

  /* Expect: 100-continue gets its interim answer before the body is sent. */
  {
    g_autofree char *head = g_strdup_printf ("POST /api/v1 HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                                             "Content-Length: %zu\r\n\r\n", len);

    raw_send (&raw, head, strlen (head));
    while (strstr (raw.buffer->str, "\r\n\r\n") == NULL)
      g_assert_true (raw_receive (&raw));
    g_assert_true (g_str_has_prefix (raw.buffer->str, "HTTP/1.1 100 Continue\r\n\r\n"));
    g_string_erase (raw.buffer, 0, strlen ("HTTP/1.1 100 Continue\r\n\r\n"));
    raw_send (&raw, FIND_USERS, len);
    response = raw_response (&raw, FALSE);
    g_assert_cmpuint (status_of (response), ==, 200);
    g_assert_nonnull (strstr (response, "\"errorCode\":0"));
    g_clear_pointer (&response, g_free);
  }

  /* HEAD: the GET's headers, no body, and the connection goes on. */
  raw_send (&raw, "HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 35);
  response = raw_response (&raw, TRUE);
  g_assert_cmpuint (status_of (response), ==, 200);
  g_assert_nonnull (strstr (response, "Content-Length: 16\r\n"));
  g_assert_true (g_str_has_suffix (response, "\r\n\r\n"));
  g_clear_pointer (&response, g_free);
  raw_send (&raw, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 34);
  response = raw_response (&raw, FALSE);
  g_assert_true (g_str_has_suffix (response, "{\"status\":\"ok\"}\n"));
  g_clear_pointer (&response, g_free);

  /* HTTP/1.0 closes after its answer. */
  raw_send (&raw, "GET /healthz HTTP/1.0\r\n\r\n", 25);
  response = raw_until_close (&raw);
  g_assert_true (g_str_has_prefix (response, "HTTP/1.1 200 OK\r\n"));
  g_assert_nonnull (strstr (response, "Connection: close\r\n"));
  raw_close (&raw);
}

static void
test_malformed (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GString) huge = g_string_new ("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ");
  const struct { const char *request; guint status; } cases[] = {
    { "GET /healthz HTTP/1.1\nHost: x\n\n", 400 },                                 /* bare LF */
    { "GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n", 505 },
    { "GET /healthz\r\nHost: x\r\n\r\n", 400 },
    { "GET /healthz HTTP/1.1\r\n\r\n", 400 },                                      /* no Host */
    { "GET /healthz HTTP/1.1\r\nHost: x\r\nX: a\r\n b\r\n\r\n", 400 },              /* obs-fold */
    { "POST /api/v1 HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}", 400 },
    { "POST /api/v1 HTTP/1.1\r\nHost: x\r\nContent-Length: -2\r\n\r\n{}", 400 },
    { "POST /api/v1 HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n", 400 },
    { "POST /api/v1 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501 },
    { "POST /api/v1 HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n", 400 },
    { "POST /api/v1 HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n", 413 },  /* refused unread */
    { "POST /api/v1 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2000\r\n", 413 },
    { "POST /api/v1 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      Raw raw;
      g_autofree char *response = NULL;

      g_test_message ("malformed case %" G_GSIZE_FORMAT, i);
      raw_open (f, &raw);
      raw_send (&raw, cases[i].request, strlen (cases[i].request));
      /* Answered, then closed: the stream cannot be trusted any more. */
      response = raw_until_close (&raw);
      g_assert_cmpuint (status_of (response), ==, cases[i].status);
      g_assert_nonnull (strstr (response, "Connection: close\r\n"));
      if (cases[i].status == 413)
        g_assert_nonnull (strstr (response, "\"errorCode\":9413"));
      raw_close (&raw);
    }

  /* A head that never ends within the limit: 431. */
  {
    Raw raw;
    g_autofree char *response = NULL;

    while (huge->len < 20000)
      g_string_append_c (huge, 'x');
    raw_open (f, &raw);
    raw_send (&raw, huge->str, huge->len);
    response = raw_until_close (&raw);
    g_assert_cmpuint (status_of (response), ==, 431);
    raw_close (&raw);
  }
  assert_serving (f);
}

static void
test_timeouts (Fixture       *f,
               gconstpointer  data)
{
  Raw raw;
  g_autofree char *response = NULL;
  gint64 start;

  /* A head that stops halfway (slowloris) is cut at the header timeout. */
  raw_open (f, &raw);
  start = g_get_monotonic_time ();
  raw_send (&raw, "GET /healthz HTTP/1.1\r\nHo", 25);
  response = raw_until_close (&raw);
  g_assert_cmpstr (response, ==, "");
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
  raw_close (&raw);
  g_clear_pointer (&response, g_free);

  /* A kept-alive connection left idle is closed at the idle timeout. */
  raw_open (f, &raw);
  raw_send (&raw, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 34);
  response = raw_response (&raw, FALSE);
  g_assert_cmpuint (status_of (response), ==, 200);
  start = g_get_monotonic_time ();
  g_clear_pointer (&response, g_free);
  response = raw_until_close (&raw);
  g_assert_cmpstr (response, ==, "");
  g_assert_cmpint (g_get_monotonic_time () - start, >=, G_USEC_PER_SEC / 2);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
  raw_close (&raw);
  assert_serving (f);
}

/* At the limit, a new connection waits in the kernel's queue until an
 * open one closes. */
static void
test_max_connections (Fixture       *f,
                      gconstpointer  data)
{
  Raw raw[3];
  struct pollfd poll_fd;
  g_autofree char *response = NULL;

  for (int i = 0; i < 2; i++)
    {
      g_autofree char *answer = NULL;

      raw_open (f, &raw[i]);
      raw_send (&raw[i], "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 34);
      answer = raw_response (&raw[i], FALSE);
      g_assert_cmpuint (status_of (answer), ==, 200);
    }
  raw_open (f, &raw[2]);
  raw_send (&raw[2], "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 34);
  poll_fd = (struct pollfd) { .fd = raw[2].fd, .events = POLLIN };
  g_assert_cmpint (poll (&poll_fd, 1, 500), ==, 0);

  raw_close (&raw[0]);
  response = raw_response (&raw[2], FALSE);
  g_assert_cmpuint (status_of (response), ==, 200);
  raw_close (&raw[1]);
  raw_close (&raw[2]);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/server/http/pipelining", Fixture, NULL, fixture_set_up, test_pipelining, fixture_tear_down);
  g_test_add ("/server/http/chunked-expect-head", Fixture, NULL, fixture_set_up, test_chunked_expect_head,
              fixture_tear_down);
  g_test_add ("/server/http/malformed", Fixture, NULL, fixture_set_up, test_malformed, fixture_tear_down);
  g_test_add ("/server/http/timeouts", Fixture, &short_timeouts, fixture_set_up, test_timeouts, fixture_tear_down);
  g_test_add ("/server/http/max-connections", Fixture, &two_connections, fixture_set_up, test_max_connections,
              fixture_tear_down);
  return g_test_run ();
}
