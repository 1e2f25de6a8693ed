/* SPDX-License-Identifier: GPL-3.0-or-later
 * Tests of the remote backend's transport against a real HTTPS server on
 * loopback (libsoup, with a certificate made by openssl for the test):
 * pinning, untrusted certificates, timeouts, retries of reads only, HTTP
 * errors and unreachable servers. latchkeyd itself is covered by the
 * contract suite's remote run. */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "lk-remote-backend.h"

typedef enum
{
  MODE_OK,
  MODE_FLAKY,     /* 503 without an API body for the first `failures` requests */
  MODE_HANG,      /* never answers */
  MODE_HTML_404,
  MODE_RATE_LIMITED,
} Mode;

typedef struct
{
  char            *dir;
  char            *cert_path;
  GTlsCertificate *certificate;
  SoupServer      *server;
  char            *url;           /* https://127.0.0.1:PORT (no path) */
  Mode             mode;
  guint            failures;
  guint            requests;
  char            *last_path;
  char            *last_account;
  char            *last_key;
  GPtrArray       *paused;
} Fixture;

static void
handler (SoupServer        *server,
         SoupServerMessage *msg,
         const char        *path,
         GHashTable        *query,
         gpointer           user_data)
{
  Fixture *f = user_data;
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr(GBytes) bytes = soup_message_body_flatten (body);
  g_autoptr(LkApiRequest) request = lk_api_request_new (LK_API_OP_INVALID);
  g_autoptr(LkApiResponse) response = NULL;
  g_autoptr(GBytes) answer = NULL;
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);

  f->requests++;
  g_free (f->last_path);
  f->last_path = g_strdup (path);

  switch (f->mode)
    {
    case MODE_HANG:
      soup_server_message_pause (msg);
      g_ptr_array_add (f->paused, g_object_ref (msg));
      return;
    case MODE_HTML_404:
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      soup_server_message_set_response (msg, "text/html", SOUP_MEMORY_STATIC, "<html>no</html>", 15);
      return;
    case MODE_FLAKY:
      if (f->requests <= f->failures)
        {
          soup_server_message_set_status (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, NULL);
          soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC, "busy", 4);
          return;
        }
      break;
    case MODE_RATE_LIMITED:
      soup_server_message_set_status (msg, 429, NULL);
      {
        static const char limited[] = "{\"errorCode\":9429,\"errorMessage\":\"Too many requests\",\"type\":\"\"}";

        soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC, limited, sizeof limited - 1);
      }
      return;
    case MODE_OK:
    default:
      break;
    }

  /* A real decode, so the test sees what the backend really sent. */
  if (!lk_api_request_decode (request, data, len, NULL))
    response = lk_api_response_new_error (LK_API_OP_INVALID, LK_API_ERROR_MALFORMED, NULL);
  else
    {
      g_free (f->last_account);
      f->last_account = g_strdup (request->account_name);
      g_free (f->last_key);
      f->last_key = g_strdup (request->account_key);
      response = lk_api_response_new (request->op);
      response->error_message = g_strdup ("OK");
      if (request->op == LK_API_OP_FIND_USER)
        {
          response->user = g_new0 (LkUser, 1);
          response->user->login = g_strdup (request->username);
          response->user->first_name = g_strdup ("Mandy");
          response->user->last_name = g_strdup ("");
          response->user->email = g_strdup ("");
          response->user->mobile_phone = g_strdup ("");
          response->user->enabled = TRUE;
        }
    }
  answer = lk_api_response_encode (response, NULL);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY,
                                    g_bytes_get_data (answer, NULL), g_bytes_get_size (answer));
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *key_path = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GSList) uris = NULL;
  int status = 0;
  const char *argv[] = {
    "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
    "-keyout", "key.pem", "-out", "cert.pem", "-days", "2", "-subj", "/CN=127.0.0.1",
    "-addext", "subjectAltName=IP:127.0.0.1", NULL
  };

  f->dir = g_dir_make_tmp ("lk-remote-XXXXXX", &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_sync (f->dir, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                               NULL, NULL, NULL, &err, &status, &error));
  g_assert_no_error (error);
  g_assert_cmpint (status, ==, 0);
  f->cert_path = g_build_filename (f->dir, "cert.pem", NULL);
  key_path = g_build_filename (f->dir, "key.pem", NULL);
  f->certificate = g_tls_certificate_new_from_files (f->cert_path, key_path, &error);
  g_assert_no_error (error);

  f->paused = g_ptr_array_new_with_free_func (g_object_unref);
  f->server = soup_server_new ("tls-certificate", f->certificate, NULL);
  soup_server_add_handler (f->server, LK_API_DEFAULT_PATH, handler, f, NULL);
  soup_server_add_handler (f->server, "/custom", handler, f, NULL);
  soup_server_listen_local (f->server, 0, SOUP_SERVER_LISTEN_HTTPS | SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (f->server);
  f->url = g_strdup_printf ("https://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  const char *files[] = { "cert.pem", "key.pem" };

  for (guint i = 0; i < f->paused->len; i++)
    soup_server_message_unpause (f->paused->pdata[i]);
  g_ptr_array_unref (f->paused);
  soup_server_disconnect (f->server);
  g_clear_object (&f->server);
  g_clear_object (&f->certificate);
  /* Let the closed connections' sources run down. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  for (gsize i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = g_build_filename (f->dir, files[i], NULL);

      g_remove (path);
    }
  g_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->cert_path);
  g_free (f->url);
  g_free (f->last_path);
  g_free (f->last_account);
  g_free (f->last_key);
}

static LkBackend *
backend_new (Fixture    *f,
             const char *path,
             gboolean    pin)
{
  g_autofree char *url = g_strconcat (f->url, path, NULL);
  g_autoptr(GError) error = NULL;
  LkBackend *backend = lk_remote_backend_new (url, "acme", "acme-key", &error);

  g_assert_no_error (error);
  if (pin)
    {
      g_assert_true (lk_remote_backend_pin_certificate_file (LK_REMOTE_BACKEND (backend), f->cert_path, &error));
      g_assert_no_error (error);
    }
  return backend;
}

static void
got_result (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static LkUser *
find_user (LkBackend  *backend,
           GError    **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  lk_backend_find_user_async (backend, "mandy", NULL, got_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return lk_backend_finish_user (backend, result, error);
}

static gboolean
validate_otp (LkBackend  *backend,
              GError    **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  lk_backend_validate_otp_async (backend, "mandy", NULL, "123456", NULL, NULL, got_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return lk_backend_finish_validate_otp (backend, result, NULL, error);
}

static void
test_pinned (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(LkBackend) backend = backend_new (f, "", TRUE);
  g_autoptr(GError) error = NULL;
  g_autoptr(LkUser) user = find_user (backend, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (user->login, ==, "mandy");
  g_assert_cmpstr (user->first_name, ==, "Mandy");
  /* No path in the URL: the default one; the credentials went along. */
  g_assert_cmpstr (f->last_path, ==, LK_API_DEFAULT_PATH);
  g_assert_cmpstr (f->last_account, ==, "acme");
  g_assert_cmpstr (f->last_key, ==, "acme-key");
  g_assert_true (g_str_has_suffix (lk_remote_backend_get_url (LK_REMOTE_BACKEND (backend)), LK_API_DEFAULT_PATH));
  g_assert_cmpuint (f->requests, ==, 1);

  /* A path given is kept. */
  {
    g_autoptr(LkBackend) custom = backend_new (f, "/custom", TRUE);
    g_autoptr(LkUser) again = find_user (custom, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (again->login, ==, "mandy");
    g_assert_cmpstr (f->last_path, ==, "/custom");
  }
}

static void
test_untrusted (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(LkBackend) backend = backend_new (f, "", FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(LkUser) user = find_user (backend, &error);
  g_autofree char *expected = lk_certificate_fingerprint (f->certificate);
  const char *seen;

  g_assert_null (user);
  g_assert_error (error, LK_REMOTE_ERROR, LK_REMOTE_ERROR_TLS_UNTRUSTED);
  seen = lk_remote_backend_get_untrusted_fingerprint (LK_REMOTE_BACKEND (backend));
  g_assert_cmpstr (seen, ==, expected);
  g_assert_nonnull (strstr (error->message, expected));
  /* Nothing reached the handler: no credentials were sent. */
  g_assert_cmpuint (f->requests, ==, 0);
  g_clear_error (&error);

  /* Trusting that fingerprint (as the GUI does after asking) works. */
  g_assert_true (lk_remote_backend_set_pinned_fingerprint (LK_REMOTE_BACKEND (backend), seen, &error));
  g_clear_pointer (&user, lk_user_free);
  user = find_user (backend, &error);
  g_assert_no_error (error);
  g_assert_nonnull (user);
}

static void
test_wrong_pin (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(LkBackend) backend = backend_new (f, "", FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(LkUser) user = NULL;

  g_assert_true (lk_remote_backend_set_pinned_fingerprint (LK_REMOTE_BACKEND (backend),
                                                           "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:"
                                                           "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff", &error));
  user = find_user (backend, &error);
  g_assert_null (user);
  g_assert_error (error, LK_REMOTE_ERROR, LK_REMOTE_ERROR_TLS_UNTRUSTED);
  g_assert_cmpuint (f->requests, ==, 0);
  g_clear_error (&error);

  g_assert_false (lk_remote_backend_set_pinned_fingerprint (LK_REMOTE_BACKEND (backend), "abc", &error));
  g_assert_nonnull (error);
}

static void
test_timeout (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(LkBackend) backend = backend_new (f, "", TRUE);
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  f->mode = MODE_HANG;
  lk_remote_backend_set_timeout (LK_REMOTE_BACKEND (backend), 1);
  /* A write is tried once: the timeout is its answer. */
  g_assert_false (validate_otp (backend, &error));
  g_assert_error (error, LK_REMOTE_ERROR, LK_REMOTE_ERROR_TIMEOUT);
  g_assert_cmpuint (f->requests, ==, 1);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
}

static void
test_retries_reads_only (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(LkBackend) backend = backend_new (f, "", TRUE);
  g_autoptr(GError) error = NULL;
  g_autoptr(LkUser) user = NULL;

  f->mode = MODE_FLAKY;
  f->failures = 2;
  user = find_user (backend, &error);
  g_assert_no_error (error);
  g_assert_nonnull (user);
  g_assert_cmpuint (f->requests, ==, 3);

  /* The same failure on a validation is reported, never repeated: an OTP
   * must not be spent twice behind the user's back. */
  f->requests = 0;
  g_assert_false (validate_otp (backend, &error));
  g_assert_error (error, LK_REMOTE_ERROR, LK_REMOTE_ERROR_UNREACHABLE);
  g_assert_cmpuint (f->requests, ==, 1);
  g_clear_error (&error);

  /* Three failures in a row exhaust a read's attempts. */
  f->requests = 0;
  f->failures = 100;
  g_clear_pointer (&user, lk_user_free);
  user = find_user (backend, &error);
  g_assert_null (user);
  g_assert_error (error, LK_REMOTE_ERROR, LK_REMOTE_ERROR_UNREACHABLE);
  g_assert_cmpuint (f->requests, ==, 3);
}

static void
test_http_errors (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(LkBackend) backend = backend_new (f, "", TRUE);
  g_autoptr(GError) error = NULL;
  g_autoptr(LkUser) user = NULL;

  f->mode = MODE_HTML_404;
  user = find_user (backend, &error);
  g_assert_null (user);
  g_assert_error (error, LK_REMOTE_ERROR, LK_REMOTE_ERROR_HTTP);
  g_assert_nonnull (strstr (error->message, "404"));
  g_clear_error (&error);

  /* A refusal with an API body is an API error with its code. */
  f->mode = MODE_RATE_LIMITED;
  user = find_user (backend, &error);
  g_assert_null (user);
  g_assert_error (error, LK_API_ERROR, 9429);
}

static void
test_unreachable (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(LkBackend) backend = NULL;
  g_autoptr(LkUser) user = NULL;
  g_autofree char *url = NULL;
  guint16 port;

  /* A port that was free a moment ago and has nobody listening now. */
  port = g_socket_listener_add_any_inet_port (listener, NULL, &error);
  g_assert_no_error (error);
  g_socket_listener_close (listener);
  url = g_strdup_printf ("https://127.0.0.1:%u", port);
  backend = lk_remote_backend_new (url, "acme", "k", &error);
  g_assert_no_error (error);
  user = find_user (backend, &error);
  g_assert_null (user);
  g_assert_error (error, LK_REMOTE_ERROR, LK_REMOTE_ERROR_UNREACHABLE);
}

static void
test_invalid_urls (Fixture       *f,
                   gconstpointer  data)
{
  const char *bad[] = { "ftp://example.com", "example.com", "https://", "https://user:pw@example.com/", "" };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(LkBackend) backend = lk_remote_backend_new (bad[i], "a", "k", &error);

      g_assert_null (backend);
      g_assert_error (error, LK_REMOTE_ERROR, LK_REMOTE_ERROR_INVALID_URL);
    }
}

static void
test_no_remote_accounts (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(LkBackend) backend = backend_new (f, "", TRUE);
  g_autoptr(LkApiRequest) create = lk_api_request_new (LK_API_OP_CREATE_ACCOUNT);
  g_autoptr(LkApiResponse) response = NULL;
  g_autoptr(GError) error = NULL;

  create->account_name = g_strdup ("new");
  create->account_key = g_strdup ("new-key-12345");
  response = lk_backend_call_sync (backend, g_steal_pointer (&create), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (response->error_code, ==, LK_API_ERROR_NOT_ALLOWED);
  g_assert_cmpuint (f->requests, ==, 0);
}

static void
add (const char *path,
     void (*func) (Fixture *, gconstpointer))
{
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down);
}

int
main (int    argc,
      char **argv)
{
  /* The isolated XDG dirs hold no GSettings schemas, which GNOME's proxy
   * resolver needs; loopback tests want no proxy anyway. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  add ("/api/remote/pinned", test_pinned);
  add ("/api/remote/untrusted", test_untrusted);
  add ("/api/remote/wrong-pin", test_wrong_pin);
  add ("/api/remote/timeout", test_timeout);
  add ("/api/remote/retries-reads-only", test_retries_reads_only);
  add ("/api/remote/http-errors", test_http_errors);
  add ("/api/remote/unreachable", test_unreachable);
  add ("/api/remote/invalid-urls", test_invalid_urls);
  add ("/api/remote/no-remote-accounts", test_no_remote_accounts);

  return g_test_run ();
}
