/* SPDX-License-Identifier: GPL-3.0-or-later
 * Integration tests of latchkeyd as a process: refusing plain HTTP off
 * loopback, start-up errors, draining on SIGTERM, and both rate limits. */
#include "config.h"

#include <signal.h>
#include <string.h>

#include "lk-test-server.h"

/* ---- helpers ------------------------------------------------------------------- */

static double
metric (const char *text,
        const char *series)
{
  g_autofree char *needle = g_strconcat ("\n", series, " ", NULL);
  g_autofree char *haystack = g_strconcat ("\n", text, NULL);
  const char *found = strstr (haystack, needle);

  return found != NULL ? g_ascii_strtod (found + strlen (needle), NULL) : 0;
}

static char *
scrape (LkTestServer *server,
        SoupSession  *session)
{
  g_autofree char *url = g_strconcat (lk_test_server_get_base_url (server), "metrics", NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (SOUP_METHOD_GET, url);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read (session, msg, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  return g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
}

static void
stop_cleanly (LkTestServer *server)
{
  g_autoptr(GError) error = NULL;
  int status = lk_test_server_stop (server, &error);

  g_assert_no_error (error);
  g_assert_cmpint (status, ==, 0);
}

/* Runs latchkeyd with @args and returns its exit status and stderr. */
static int
run_latchkeyd (const char * const *args,
               char              **out_stderr)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *binary = g_build_filename (g_getenv ("LK_BUILD_ROOT"), "src", "server", "latchkeyd", NULL);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;

  g_ptr_array_add (argv, (gpointer) (g_getenv ("LK_LATCHKEYD") != NULL ? g_getenv ("LK_LATCHKEYD") : binary));
  for (gsize i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_newv ((const char * const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, NULL, &err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  *out_stderr = g_steal_pointer (&err);
  return g_subprocess_get_exit_status (process);
}

/* ---- plain HTTP and start-up errors ---------------------------------------------- */

static void
test_insecure_http_refused (void)
{
  g_autoptr(LkTestServer) files = NULL;
  g_autoptr(LkTestServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  g_autofree char *db = NULL;
  g_autofree char *key = NULL;
  const char *insecure_args[] = { "--listen=http://0.0.0.0:0", "--insecure-http", NULL };
  LkTestServerOptions insecure = { .plain_http = TRUE, .extra_args = insecure_args };
  int status;

  /* A scratch database and key from a server we stop straight away. */
  files = lk_test_server_start (NULL, &error);
  g_assert_no_error (error);
  stop_cleanly (files);
  db = g_strconcat ("--db=", lk_test_server_get_db_path (files), NULL);
  key = g_strconcat ("--master-key-file=", lk_test_server_get_master_key_file (files), NULL);

  {
    const char *args[] = { "--listen=0.0.0.0:0", db, key, NULL };

    status = run_latchkeyd (args, &err);
    g_test_message ("%s", err);
    g_assert_cmpint (status, ==, 2);
    g_assert_nonnull (strstr (err, "--insecure-http"));
    g_assert_nonnull (strstr (err, "0.0.0.0"));
    g_clear_pointer (&err, g_free);
  }
  {
    const char *args[] = { "--listen=http://[::]:0", db, key, NULL };

    status = run_latchkeyd (args, &err);
    g_assert_cmpint (status, ==, 2);
    g_assert_nonnull (strstr (err, "--insecure-http"));
    g_clear_pointer (&err, g_free);
  }

  /* Explicitly allowed, it starts and serves. */
  server = lk_test_server_start (&insecure, &error);
  g_assert_no_error (error);
  {
    g_autoptr(SoupSession) session = lk_test_server_new_session (server);
    g_autofree char *text = scrape (server, session);

    g_assert_nonnull (strstr (text, "latchkeyd_workers"));
  }
  stop_cleanly (server);
}

static void
test_startup_errors (void)
{
  g_autoptr(LkTestServer) files = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *db = NULL;
  g_autofree char *key = NULL;
  g_autofree char *garbage = NULL;
  g_autofree char *garbage_arg = NULL;

  files = lk_test_server_start (NULL, &error);
  g_assert_no_error (error);
  stop_cleanly (files);
  db = g_strconcat ("--db=", lk_test_server_get_db_path (files), NULL);
  key = g_strconcat ("--master-key-file=", lk_test_server_get_master_key_file (files), NULL);
  garbage = g_build_filename (lk_test_server_get_dir (files), "garbage.pem", NULL);
  g_file_set_contents (garbage, "not a certificate\n", -1, &error);
  g_assert_no_error (error);
  garbage_arg = g_strconcat ("--tls-cert=", garbage, NULL);

  {
    /* Configuration errors exit 2 with a message naming the problem. */
    const char *cases[][5] = {
      { "--config=/nonexistent/latchkeyd.conf", NULL },
      { "--listen=127.0.0.1:99999", db, key, NULL },
      { "--workers=0", db, key, NULL },
      { "--listen=127.0.0.1:0", db, NULL },          /* no master key */
      { "stray-argument", db, key, NULL },
    };

    for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        g_autofree char *err = NULL;
        int status = run_latchkeyd (cases[i], &err);

        g_test_message ("%s → %d: %s", cases[i][0], status, err);
        g_assert_cmpint (status, ==, 2);
        g_assert_true (g_str_has_prefix (err, "latchkeyd: "));
      }
  }
  {
    const char *args[] = { "--version", NULL };
    g_autofree char *err = NULL;

    g_assert_cmpint (run_latchkeyd (args, &err), ==, 0);
  }
  {
    /* Run-time failures (bad certificate) exit 1. */
    const char *args[] = { "--listen=127.0.0.1:0", garbage_arg, db, key, NULL };
    g_autofree char *err = NULL;
    int status = run_latchkeyd (args, &err);

    g_assert_cmpint (status, ==, 1);
    g_assert_nonnull (strstr (err, "TLS certificate"));
  }
}

/* ---- SIGTERM drains ------------------------------------------------------------------ */

typedef struct
{
  guint   pending;
  guint   answered_9000;
  guint   failed;
} DrainState;

static void
on_slow_answer (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  DrainState *state = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);

  state->pending--;
  if (body == NULL)
    {
      g_test_message ("in-flight request failed: %s", error->message);
      state->failed++;
      return;
    }
  if (g_strstr_len (g_bytes_get_data (body, NULL), g_bytes_get_size (body), "\"errorCode\":9000") != NULL)
    state->answered_9000++;
  else
    {
      g_test_message ("unexpected answer: %.*s", (int) g_bytes_get_size (body),
                      (const char *) g_bytes_get_data (body, NULL));
      state->failed++;
    }
}

static void
test_sigterm_drains (void)
{
  const char *args[] = { "--workers=1", "--no-access-log", NULL };
  LkTestServerOptions options = { .extra_args = args, .workers = 1 };
  g_autoptr(LkTestServer) server = NULL;
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(SoupSession) probe = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *log = NULL;
  DrainState state = { 0 };
  const guint n = 6;
  double in_flight = 0;
  guint64 drained = 0;
  const char *line;
  int status;

  server = lk_test_server_start (&options, &error);
  g_assert_no_error (error);
  session = lk_test_server_new_session (server);
  probe = lk_test_server_new_session (server);

  /* Wrong partner keys are never cached: each of these costs a slow hash on
   * the single worker, so they queue up behind one another. */
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *body = g_strdup_printf ("{\"type\":\"find_users\",\"spAccountLoginName\":\"%s\","
                                               "\"spAccountLoginKey\":\"wrong-key-%u\"}",
                                               lk_test_server_get_account (server), i);
      g_autoptr(SoupMessage) msg = soup_message_new (SOUP_METHOD_POST, lk_test_server_get_url (server));
      g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));

      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
      soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, on_slow_answer, &state);
      state.pending++;
    }

  /* SIGTERM only once the server reports requests in flight. */
  for (int attempt = 0; attempt < 500 && in_flight < 1; attempt++)
    {
      g_autofree char *text = NULL;

      while (g_main_context_iteration (NULL, FALSE))
        ;
      text = scrape (server, probe);
      in_flight = metric (text, "latchkeyd_requests_in_flight");
    }
  g_assert_cmpfloat (in_flight, >=, 1);
  kill (lk_test_server_get_pid (server), SIGTERM);

  while (state.pending > 0)
    g_main_context_iteration (NULL, TRUE);

  status = lk_test_server_stop (server, &error);
  g_assert_no_error (error);
  g_assert_cmpint (status, ==, 0);

  log = lk_test_server_dup_log (server);
  g_test_message ("%s", log);
  line = strstr (log, "draining ");
  g_assert_nonnull (line);
  drained = g_ascii_strtoull (line + strlen ("draining "), NULL, 10);
  g_assert_cmpuint (drained, >=, 1);
  /* What was in flight was answered in full, never cut. The rest either
   * answered too or were refused a connection after the listener closed. */
  g_assert_cmpuint (state.answered_9000, >=, drained);
  g_assert_cmpuint (state.answered_9000 + state.failed, ==, n);
  g_assert_nonnull (strstr (log, "Databases closed"));
}

/* ---- rate limits ----------------------------------------------------------------------- */

static void
test_rate_limit_address (void)
{
  const char *args[] = { "--address-rate=0.05", "--address-burst=3", "--account-rate=0", NULL };
  LkTestServerOptions options = { .extra_args = args };
  g_autoptr(LkTestServer) server = NULL;
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  guint limited = 0;

  server = lk_test_server_start (&options, &error);
  g_assert_no_error (error);
  session = lk_test_server_new_session (server);

  for (int i = 0; i < 5; i++)
    {
      g_autofree char *body = g_strdup_printf ("{\"type\":\"find_users\",\"spAccountLoginName\":\"%s\","
                                               "\"spAccountLoginKey\":\"%s\"}",
                                               lk_test_server_get_account (server),
                                               lk_test_server_get_account_key (server));
      g_autoptr(SoupMessage) msg = soup_message_new (SOUP_METHOD_POST, lk_test_server_get_url (server));
      g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
      g_autoptr(GBytes) answer = NULL;
      const char *retry;

      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
      answer = soup_session_send_and_read (session, msg, NULL, &error);
      g_assert_no_error (error);
      if (i < 3)
        {
          g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
          continue;
        }
      /* The burst is spent: 429, errorCode 9429, and when to come back. */
      g_assert_cmpuint (soup_message_get_status (msg), ==, 429);
      g_assert_nonnull (g_strstr_len (g_bytes_get_data (answer, NULL), g_bytes_get_size (answer),
                                      "\"errorCode\":9429"));
      retry = soup_message_headers_get_one (soup_message_get_response_headers (msg), "Retry-After");
      g_assert_nonnull (retry);
      g_assert_cmpint (atoi (retry), >=, 1);
      limited++;
    }
  g_assert_cmpuint (limited, ==, 2);

  text = scrape (server, session);
  g_assert_cmpfloat (metric (text, "latchkeyd_rate_limited_total{scope=\"address\"}"), ==, 2);
  g_assert_cmpfloat (metric (text, "latchkeyd_requests_total{type=\"none\",code=\"9429\"}"), ==, 2);
  stop_cleanly (server);
}

static void
test_rate_limit_account (void)
{
  const char *args[] = { "--account-rate=0.05", "--account-burst=2", "--address-rate=0", NULL };
  LkTestServerOptions options = { .extra_args = args };
  g_autoptr(LkTestServer) server = NULL;
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  guint statuses[4];

  server = lk_test_server_start (&options, &error);
  g_assert_no_error (error);
  session = lk_test_server_new_session (server);

  for (int i = 0; i < 4; i++)
    {
      g_autoptr(JsonObject) answer = NULL;
      g_autofree char *body = g_strdup_printf ("{\"type\":\"find_users\",\"spAccountLoginName\":\"%s\","
                                               "\"spAccountLoginKey\":\"%s\"}",
                                               lk_test_server_get_account (server),
                                               lk_test_server_get_account_key (server));

      answer = lk_test_server_post (server, session, NULL, body, -1, &statuses[i], &error);
      g_assert_no_error (error);
      g_assert_cmpint (json_object_get_int_member (answer, "errorCode"), ==, i < 2 ? 0 : 9429);
      /* The api layer knows the operation even when the account is refused. */
      g_assert_cmpstr (json_object_get_string_member (answer, "type"), ==, "find_users");
    }
  g_assert_cmpuint (statuses[0], ==, 200);
  g_assert_cmpuint (statuses[3], ==, 429);

  /* Another account is not held back by this one's bucket. */
  {
    g_autoptr(JsonObject) answer = NULL;
    guint status = 0;

    answer = lk_test_server_post (server, session, NULL,
                                  "{\"type\":\"find_users\",\"spAccountLoginName\":\"other\","
                                  "\"spAccountLoginKey\":\"whatever-key\"}", -1, &status, &error);
    g_assert_no_error (error);
    g_assert_cmpint (json_object_get_int_member (answer, "errorCode"), ==, 9000);
  }

  text = scrape (server, session);
  g_assert_cmpfloat (metric (text, "latchkeyd_rate_limited_total{scope=\"account\"}"), ==, 2);
  g_assert_cmpfloat (metric (text, "latchkeyd_requests_total{type=\"find_users\",code=\"9429\"}"), ==, 2);
  stop_cleanly (server);
}

static void
test_rate_limit_login_failures (void)
{
  const char *args[] = { "--login-failure-rate=0.05", "--login-failure-burst=3", NULL };
  LkTestServerOptions options = { .extra_args = args };
  g_autoptr(LkTestServer) server = NULL;
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *good = NULL;
  g_autofree char *text = NULL;

  server = lk_test_server_start (&options, &error);
  g_assert_no_error (error);
  session = lk_test_server_new_session (server);
  good = g_strdup_printf ("{\"type\":\"find_users\",\"spAccountLoginName\":\"%s\",\"spAccountLoginKey\":\"%s\"}",
                          lk_test_server_get_account (server), lk_test_server_get_account_key (server));

  /* Successes cost nothing. */
  for (int i = 0; i < 5; i++)
    {
      guint status = 0;
      g_autoptr(JsonObject) answer = lk_test_server_post (server, session, NULL, good, -1, &status, &error);

      g_assert_no_error (error);
      g_assert_cmpint (json_object_get_int_member (answer, "errorCode"), ==, 0);
    }

  /* Three wrong keys are answered (each with a slow hash) ... */
  for (int i = 0; i < 3; i++)
    {
      g_autofree char *bad = g_strdup_printf ("{\"type\":\"find_users\",\"spAccountLoginName\":\"%s\","
                                              "\"spAccountLoginKey\":\"guess-%d\"}",
                                              lk_test_server_get_account (server), i);
      guint status = 0;
      g_autoptr(JsonObject) answer = lk_test_server_post (server, session, NULL, bad, -1, &status, &error);

      g_assert_no_error (error);
      g_assert_cmpint (json_object_get_int_member (answer, "errorCode"), ==, 9000);
    }
  /* ... then this address is refused before any hash, even with the right key. */
  {
    guint status = 0;
    g_autoptr(JsonObject) answer = lk_test_server_post (server, session, NULL, good, -1, &status, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (status, ==, 429);
    g_assert_cmpint (json_object_get_int_member (answer, "errorCode"), ==, 9429);
  }

  text = scrape (server, session);
  g_assert_cmpfloat (metric (text, "latchkeyd_rate_limited_total{scope=\"login_failure\"}"), ==, 1);
  g_assert_cmpfloat (metric (text, "latchkeyd_requests_total{type=\"find_users\",code=\"9000\"}"), ==, 3);
  stop_cleanly (server);
}

int
main (int argc, char *argv[])
{
  /* GIO's default proxy resolver reads GSettings schemas that isolated
   * test directories do not have; loopback needs no proxy anyway. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/server/latchkeyd/insecure-http-refused", test_insecure_http_refused);
  g_test_add_func ("/server/latchkeyd/startup-errors", test_startup_errors);
  g_test_add_func ("/server/latchkeyd/sigterm-drains", test_sigterm_drains);
  g_test_add_func ("/server/latchkeyd/rate-limit/address", test_rate_limit_address);
  g_test_add_func ("/server/latchkeyd/rate-limit/account", test_rate_limit_account);
  g_test_add_func ("/server/latchkeyd/rate-limit/login-failures", test_rate_limit_login_failures);

  return g_test_run ();
}
