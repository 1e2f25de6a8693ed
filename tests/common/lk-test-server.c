/* SPDX-License-Identifier: GPL-3.0-or-later
 * Test helper: a real latchkeyd process over TLS on loopback, with its own
 * scratch directory, self-signed certificate, master key, database and partner account. */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <glib/gstdio.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "lk-engine.h"
#include "lk-test-server.h"

#define START_TIMEOUT_S 20
#define STOP_TIMEOUT_S  30

struct _LkTestServer
{
  char            *dir;
  char            *cert_file;
  char            *key_file;
  char            *db_path;
  char            *master_key_file;
  char            *port_file;
  char            *log_file;
  char            *account;
  char            *account_key;
  char            *base_url;
  char            *url;
  char            *host;
  guint16          port;
  GSubprocess     *process;
  GMainContext    *context;
  gboolean         exited;
  GTlsCertificate *certificate;
};

static const char *
latchkeyd_path (void)
{
  static char *path;

  if (path == NULL)
    {
      const char *env = g_getenv ("LK_LATCHKEYD");
      const char *root = g_getenv ("LK_BUILD_ROOT");

      if (env != NULL && *env != '\0')
        path = g_strdup (env);
      else if (root != NULL && *root != '\0')
        path = g_build_filename (root, "src", "server", "latchkeyd", NULL);
      else
        path = g_strdup ("latchkeyd");
    }
  return path;
}

gboolean
lk_test_make_certificate (const char  *cert_path,
                          const char  *key_path,
                          GError     **error)
{
  const char *argv[] = {
    "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
    "-nodes", "-keyout", key_path, "-out", cert_path, "-days", "2",
    "-subj", "/CN=latchkeyd test",
    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
    NULL
  };
  g_autoptr(GSubprocess) openssl = NULL;

  openssl = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_MERGE,
                               error);
  if (openssl == NULL || !g_subprocess_wait_check (openssl, NULL, error))
    {
      g_prefix_error (error, "openssl req: ");
      return FALSE;
    }
  return TRUE;
}

static gboolean
create_account (LkTestServer  *server,
                GError       **error)
{
  g_autoptr(LkKeyProvider) keys = lk_file_key_provider_new (server->master_key_file);
  g_autoptr(LkEngine) engine = NULL;
  gint64 account_id = 0;

  engine = lk_engine_open (server->db_path, keys, NULL, error);
  if (engine == NULL)
    return FALSE;
  return lk_engine_create_account (engine, server->account, server->account_key, &account_id, error);
}

/* In the child between fork and exec: if the test dies (a failed assertion
 * aborts it), the server goes too instead of lingering on the machine. */
static void
die_with_parent (gpointer user_data)
{
#ifdef __linux__
  prctl (PR_SET_PDEATHSIG, SIGKILL);
#endif
}

static void
on_exited (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  LkTestServer *server = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  server->exited = TRUE;
}

static gboolean
read_port_file (LkTestServer *server)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GUri) uri = NULL;

  if (!g_file_get_contents (server->port_file, &contents, NULL, NULL))
    return FALSE;
  lines = g_strsplit (contents, "\n", -1);
  if (lines[0] == NULL || *lines[0] == '\0')
    return FALSE;
  uri = g_uri_parse (lines[0], G_URI_FLAGS_NONE, NULL);
  if (uri == NULL || g_uri_get_port (uri) <= 0)
    return FALSE;

  server->base_url = g_strdup (lines[0]);
  server->url = g_strconcat (lines[0], g_str_has_suffix (lines[0], "/") ? "" : "/", "api/v1", NULL);
  server->host = g_strdup (g_uri_get_host (uri));
  server->port = g_uri_get_port (uri);
  return TRUE;
}

LkTestServer *
lk_test_server_start (const LkTestServerOptions *options,
                      GError                   **error)
{
  static const LkTestServerOptions defaults = { 0 };
  g_autoptr(LkTestServer) server = g_new0 (LkTestServer, 1);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  guint8 key_bytes[18];
  gint64 deadline;

  if (options == NULL)
    options = &defaults;

  server->dir = g_dir_make_tmp ("lk-test-server-XXXXXX", error);
  if (server->dir == NULL)
    return NULL;
  server->db_path = options->db_path != NULL ? g_strdup (options->db_path)
                                             : g_build_filename (server->dir, "latchkey.db", NULL);
  server->master_key_file = options->master_key_file != NULL ? g_strdup (options->master_key_file)
                                                             : g_build_filename (server->dir, "master.key", NULL);
  server->port_file = g_build_filename (server->dir, "ports", NULL);
  server->log_file = g_build_filename (server->dir, "latchkeyd.log", NULL);
  server->account = g_strdup (options->account != NULL ? options->account : "test-partner");
  if (options->account_key != NULL)
    server->account_key = g_strdup (options->account_key);
  else
    {
      for (gsize i = 0; i < sizeof key_bytes; i++)
        key_bytes[i] = g_random_int_range (0, 256);
      server->account_key = g_base64_encode (key_bytes, sizeof key_bytes);
    }

  if (!options->plain_http)
    {
      server->cert_file = g_build_filename (server->dir, "cert.pem", NULL);
      server->key_file = g_build_filename (server->dir, "key.pem", NULL);
      if (!lk_test_make_certificate (server->cert_file, server->key_file, error))
        return NULL;
    }

  if (!options->no_account && !create_account (server, error))
    return NULL;

  g_ptr_array_add (argv, g_strdup (latchkeyd_path ()));
  g_ptr_array_add (argv, g_strdup ("--listen"));
  g_ptr_array_add (argv, g_strdup (options->plain_http ? "http://127.0.0.1:0" : "https://127.0.0.1:0"));
  if (!options->plain_http)
    {
      g_ptr_array_add (argv, g_strconcat ("--tls-cert=", server->cert_file, NULL));
      g_ptr_array_add (argv, g_strconcat ("--tls-key=", server->key_file, NULL));
    }
  g_ptr_array_add (argv, g_strconcat ("--db=", server->db_path, NULL));
  g_ptr_array_add (argv, g_strconcat ("--master-key-file=", server->master_key_file, NULL));
  g_ptr_array_add (argv, g_strconcat ("--port-file=", server->port_file, NULL));
  g_ptr_array_add (argv, g_strdup_printf ("--workers=%u", options->workers > 0 ? options->workers : 2));
  g_ptr_array_add (argv, g_strdup ("--drain-timeout=20"));
  for (gsize i = 0; options->extra_args != NULL && options->extra_args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (options->extra_args[i]));
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_subprocess_launcher_set_stderr_file_path (launcher, server->log_file);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  server->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, error);
  if (server->process == NULL)
    return NULL;

  /* The exit watch lives on a private context, so tests that run their own
   * main loop are not disturbed and a dead server is noticed while polling. */
  server->context = g_main_context_new ();
  g_main_context_push_thread_default (server->context);
  g_subprocess_wait_async (server->process, NULL, on_exited, server);
  g_main_context_pop_thread_default (server->context);

  deadline = g_get_monotonic_time () + START_TIMEOUT_S * G_USEC_PER_SEC;
  while (!read_port_file (server))
    {
      while (g_main_context_iteration (server->context, FALSE))
        ;
      if (server->exited)
        {
          g_autofree char *log = lk_test_server_dup_log (server);

          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       "latchkeyd exited during start-up (status %d): %s",
                       g_subprocess_get_status (server->process), log != NULL ? log : "");
          return NULL;
        }
      if (g_get_monotonic_time () > deadline)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                       "latchkeyd did not report its port within %d s", START_TIMEOUT_S);
          return NULL;
        }
      g_usleep (10 * 1000);
    }

  return g_steal_pointer (&server);
}

static gboolean
on_timeout (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

/* Waits for the exit watch, at most @seconds. */
static gboolean
wait_exit (LkTestServer *server,
           guint         seconds)
{
  gboolean timed_out = FALSE;
  GSource *timeout = g_timeout_source_new_seconds (seconds);

  g_source_set_callback (timeout, on_timeout, &timed_out, NULL);
  g_source_attach (timeout, server->context);
  while (!server->exited && !timed_out)
    g_main_context_iteration (server->context, TRUE);
  g_source_destroy (timeout);
  g_source_unref (timeout);
  return server->exited;
}

int
lk_test_server_stop (LkTestServer  *server,
                     GError       **error)
{
  g_return_val_if_fail (server != NULL, -1);

  if (server->process == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "latchkeyd was never started");
      return -1;
    }
  if (!server->exited)
    g_subprocess_send_signal (server->process, SIGTERM);
  if (!wait_exit (server, STOP_TIMEOUT_S))
    {
      g_subprocess_force_exit (server->process);
      wait_exit (server, 5);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                   "latchkeyd did not stop within %d s of SIGTERM and was killed", STOP_TIMEOUT_S);
      return -1;
    }
  if (!g_subprocess_get_if_exited (server->process))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "latchkeyd died from signal %d",
                   g_subprocess_get_term_sig (server->process));
      return -1;
    }
  return g_subprocess_get_exit_status (server->process);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    while ((name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *child = g_build_filename (path, name, NULL);

        if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
          remove_tree (child);
        else
          g_unlink (child);
      }
  g_rmdir (path);
}

void
lk_test_server_free (LkTestServer *server)
{
  if (server == NULL)
    return;

  if (server->process != NULL && !server->exited)
    {
      g_subprocess_force_exit (server->process);
      wait_exit (server, 5);
    }
  g_clear_object (&server->process);
  if (server->context != NULL)
    {
      while (g_main_context_iteration (server->context, FALSE))
        ;
      g_main_context_unref (server->context);
    }
  if (server->dir != NULL && g_getenv ("LK_TEST_KEEP_SERVER_DIR") == NULL)
    remove_tree (server->dir);

  g_clear_object (&server->certificate);
  g_free (server->dir);
  g_free (server->cert_file);
  g_free (server->key_file);
  g_free (server->db_path);
  g_free (server->master_key_file);
  g_free (server->port_file);
  g_free (server->log_file);
  g_free (server->account);
  if (server->account_key != NULL)
    memset (server->account_key, 0, strlen (server->account_key));
  g_free (server->account_key);
  g_free (server->base_url);
  g_free (server->url);
  g_free (server->host);
  g_free (server);
}

const char *lk_test_server_get_url (LkTestServer *server) { return server->url; }
const char *lk_test_server_get_base_url (LkTestServer *server) { return server->base_url; }
const char *lk_test_server_get_host (LkTestServer *server) { return server->host; }
guint16 lk_test_server_get_port (LkTestServer *server) { return server->port; }
const char *lk_test_server_get_cert_file (LkTestServer *server) { return server->cert_file; }
const char *lk_test_server_get_key_file (LkTestServer *server) { return server->key_file; }
const char *lk_test_server_get_db_path (LkTestServer *server) { return server->db_path; }
const char *lk_test_server_get_master_key_file (LkTestServer *server) { return server->master_key_file; }
const char *lk_test_server_get_dir (LkTestServer *server) { return server->dir; }
const char *lk_test_server_get_account (LkTestServer *server) { return server->account; }
const char *lk_test_server_get_account_key (LkTestServer *server) { return server->account_key; }

GPid
lk_test_server_get_pid (LkTestServer *server)
{
  const char *id = server->process != NULL ? g_subprocess_get_identifier (server->process) : NULL;

  return id != NULL ? (GPid) g_ascii_strtoll (id, NULL, 10) : 0;
}

char *
lk_test_server_dup_log (LkTestServer *server)
{
  char *contents = NULL;

  if (!g_file_get_contents (server->log_file, &contents, NULL, NULL))
    return NULL;
  return contents;
}

GTlsCertificate *
lk_test_server_get_certificate (LkTestServer *server)
{
  if (server->certificate == NULL && server->cert_file != NULL)
    server->certificate = g_tls_certificate_new_from_file (server->cert_file, NULL);
  return server->certificate;
}

void
lk_test_server_export_env (LkTestServer        *server,
                           GSubprocessLauncher *launcher)
{
  const struct { const char *name; const char *value; } vars[] = {
    { "LK_TEST_BACKEND", "remote" },
    { "LK_TEST_SERVER_URL", server->url },
    { "LK_TEST_SERVER_CERT", server->cert_file != NULL ? server->cert_file : "" },
    { "LK_TEST_ACCOUNT", server->account },
    { "LK_TEST_ACCOUNT_KEY", server->account_key },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (vars); i++)
    {
      if (launcher != NULL)
        g_subprocess_launcher_setenv (launcher, vars[i].name, vars[i].value, TRUE);
      else
        g_setenv (vars[i].name, vars[i].value, TRUE);
    }
}

SoupSession *
lk_test_server_new_session (LkTestServer *server)
{
  /* Enough connections per host for tests that keep many requests in flight. */
  g_autoptr(GProxyResolver) direct = g_simple_proxy_resolver_new (NULL, NULL);
  /* No proxy lookup: the system's resolver reads GSettings schemas that an
   * isolated test environment does not have, and loopback needs no proxy. */
  SoupSession *session = soup_session_new_with_options ("timeout", 30, "idle-timeout", 30,
                                                        "max-conns", 32, "max-conns-per-host", 32,
                                                        "proxy-resolver", direct, NULL);

  if (server->cert_file != NULL)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GTlsDatabase) database = g_tls_file_database_new (server->cert_file, &error);

      g_assert_no_error (error);
      soup_session_set_tls_database (session, database);
    }
  return session;
}

JsonObject *
lk_test_server_post (LkTestServer  *server,
                     SoupSession   *session,
                     const char    *path,
                     const char    *body,
                     gssize         len,
                     guint         *out_status,
                     GError       **error)
{
  g_autofree char *url = g_strconcat (server->base_url, path != NULL ? path + (*path == '/') : "api/v1", NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (SOUP_METHOD_POST, url);
  g_autoptr(GBytes) request = g_bytes_new (body, len < 0 ? strlen (body) : (gsize) len);
  g_autoptr(GBytes) response = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;

  soup_message_set_request_body_from_bytes (msg, "application/json", request);
  response = soup_session_send_and_read (session, msg, NULL, error);
  if (response == NULL)
    return NULL;
  if (out_status != NULL)
    *out_status = soup_message_get_status (msg);
  if (!json_parser_load_from_data (parser, g_bytes_get_data (response, NULL), g_bytes_get_size (response), error))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "the answer is not a JSON object");
      return NULL;
    }
  return json_object_ref (json_node_get_object (root));
}

JsonObject *
lk_test_server_call (LkTestServer  *server,
                     SoupSession   *session,
                     const char    *fields_json,
                     GError       **error)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) account = NULL;
  g_autofree char *account_json = NULL;
  g_autofree char *body = NULL;

  /* The account strings go through json-glib so any key survives quoting. */
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "spAccountLoginName");
  json_builder_add_string_value (builder, server->account);
  json_builder_set_member_name (builder, "spAccountLoginKey");
  json_builder_add_string_value (builder, server->account_key);
  json_builder_end_object (builder);
  account = json_builder_get_root (builder);
  account_json = json_to_string (account, FALSE);

  /* "{...account...}" + ", fields}" */
  account_json[strlen (account_json) - 1] = '\0';
  body = g_strconcat (account_json, ", ", fields_json, "}", NULL);
  return lk_test_server_post (server, session, NULL, body, -1, NULL, error);
}
