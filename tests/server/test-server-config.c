/* SPDX-License-Identifier: GPL-3.0-or-later
 * Unit tests of latchkeyd's configuration: the key file, command-line overrides and validation. */
#include "config.h"

#include <glib/gstdio.h>

#include "lk-server-config.h"
#include "lk-server-error.h"

static char *
write_config (const char *contents)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (g_get_tmp_dir (), "latchkeyd.conf", NULL);

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
  return path;
}

static LkServerConfig *
config_from_args (const char * const *args,
                  GError            **error)
{
  g_autoptr(GPtrArray) argv_array = g_ptr_array_new_with_free_func (g_free);
  char **argv;
  int argc;
  LkServerConfig *config;

  g_ptr_array_add (argv_array, g_strdup ("latchkeyd"));
  for (gsize i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv_array, g_strdup (args[i]));
  argc = argv_array->len;
  g_ptr_array_add (argv_array, NULL);

  /* GOptionContext rearranges argv; give it a copy it may shuffle. */
  argv = g_new0 (char *, argc + 1);
  for (int i = 0; i < argc; i++)
    argv[i] = g_ptr_array_index (argv_array, i);
  config = lk_server_config_new_from_args (&argc, &argv, error);
  g_free (argv);
  return config;
}

static void
test_listen_parse (void)
{
  struct { const char *spec; const char *host; guint port; gboolean tls_given; gboolean tls; } good[] = {
    { "127.0.0.1:8443", "127.0.0.1", 8443, FALSE, FALSE },
    { "https://0.0.0.0:443", "0.0.0.0", 443, TRUE, TRUE },
    { "http://[::1]:8080/", "::1", 8080, TRUE, FALSE },
    { "[::]:0", "::", 0, FALSE, FALSE },
    { "localhost:9000", "127.0.0.1", 9000, FALSE, FALSE },
  };
  const char *bad[] = { "", "8443", "127.0.0.1", "127.0.0.1:", "127.0.0.1:70000",
                        "::1:8443", "[::1]8443", "example.com:80", "ftp://1.2.3.4:21",
                        "1.2.3.4:80x", "1.2.3.4:-1" };

  for (gsize i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(LkListenAddress) listen = lk_listen_address_parse (good[i].spec, &error);
      g_autofree char *host = NULL;

      g_assert_no_error (error);
      g_assert_nonnull (listen);
      host = g_inet_address_to_string (g_inet_socket_address_get_address (listen->address));
      g_assert_cmpstr (host, ==, good[i].host);
      g_assert_cmpuint (g_inet_socket_address_get_port (listen->address), ==, good[i].port);
      g_assert_cmpint (listen->tls_given, ==, good[i].tls_given);
      g_assert_cmpint (listen->tls, ==, good[i].tls);
    }

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(LkListenAddress) listen = lk_listen_address_parse (bad[i], &error);

      g_assert_null (listen);
      g_assert_error (error, LK_SERVER_ERROR, LK_SERVER_ERROR_CONFIG);
    }
}

static void
test_file (void)
{
  g_autoptr(LkServerConfig) config = lk_server_config_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *path = write_config (
    "# a comment\n"
    "[server]\n"
    "listen = https://0.0.0.0:8443; http://127.0.0.1:8080\n"
    "tls-certificate = cert.pem\n"
    "tls-key = /etc/latchkeyd/key.pem\n"
    "drain-timeout = 5\n"
    "[database]\n"
    "path = /srv/lk.db\n"
    "master-key-file = master.key\n"
    "durable = true\n"
    "max-failures = 5\n"
    "[limits]\n"
    "max-body = 4096\n"
    "workers = 3\n"
    "account-rate = 12.5\n"
    "account-burst = 20\n"
    "address-rate = 0\n"
    "login-failure-rate = 0.5\n"
    "login-failure-burst = 7\n"
    "[log]\n"
    "level = debug\n"
    "format = json\n"
    "access-log = false\n");
  g_autofree char *expected_cert = g_build_filename (g_get_tmp_dir (), "cert.pem", NULL);
  g_autofree char *expected_key = g_build_filename (g_get_tmp_dir (), "master.key", NULL);
  LkListenAddress *first;
  LkListenAddress *second;

  g_assert_true (lk_server_config_load_file (config, path, &error));
  g_assert_no_error (error);

  g_assert_cmpuint (config->listen->len, ==, 2);
  first = g_ptr_array_index (config->listen, 0);
  second = g_ptr_array_index (config->listen, 1);
  g_assert_true (first->tls);
  g_assert_false (second->tls);
  g_assert_cmpuint (g_inet_socket_address_get_port (second->address), ==, 8080);
  /* Relative paths are relative to the file. */
  g_assert_cmpstr (config->tls_certificate, ==, expected_cert);
  g_assert_cmpstr (config->tls_key, ==, "/etc/latchkeyd/key.pem");
  g_assert_cmpstr (config->master_key_file, ==, expected_key);
  g_assert_cmpstr (config->db_path, ==, "/srv/lk.db");
  g_assert_true (config->durable);
  g_assert_cmpuint (config->max_failures, ==, 5);
  g_assert_cmpuint (config->drain_timeout, ==, 5);
  g_assert_cmpuint (config->max_body, ==, 4096);
  g_assert_cmpuint (config->workers, ==, 3);
  g_assert_cmpfloat (config->account_rate, ==, 12.5);
  g_assert_cmpuint (config->account_burst, ==, 20);
  g_assert_cmpfloat (config->address_rate, ==, 0);
  g_assert_cmpfloat (config->login_failure_rate, ==, 0.5);
  g_assert_cmpuint (config->login_failure_burst, ==, 7);
  g_assert_cmpint (config->log_level, ==, G_LOG_LEVEL_DEBUG);
  g_assert_cmpint (config->log_format, ==, LK_LOG_FORMAT_JSON);
  g_assert_false (config->access_log);

  g_assert_true (lk_server_config_validate (config, &error));
  g_assert_no_error (error);
  g_unlink (path);
}

static void
test_file_errors (void)
{
  const char *cases[] = {
    "[server]\nlisten = nowhere\n",
    "[server]\nlisten-on = 127.0.0.1:1\n",      /* typo'd key */
    "[sever]\nlisten = 127.0.0.1:1\n",          /* typo'd group */
    "[limits]\nworkers = 0\n",
    "[limits]\nworkers = many\n",
    "[limits]\nmax-body = 99999999999\n",
    "[limits]\naccount-rate = -3\n",
    "[limits]\naddress-rate = fast\n",
    "[log]\nlevel = loud\n",
    "[log]\nformat = xml\n",
    "[server]\ninsecure-http = maybe\n",
    "not a key file",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(LkServerConfig) config = lk_server_config_new ();
      g_autoptr(GError) error = NULL;
      g_autofree char *path = write_config (cases[i]);

      g_test_message ("case %" G_GSIZE_FORMAT ": %s", i, cases[i]);
      g_assert_false (lk_server_config_load_file (config, path, &error));
      g_assert_error (error, LK_SERVER_ERROR, LK_SERVER_ERROR_CONFIG);
      g_unlink (path);
    }

  {
    g_autoptr(LkServerConfig) config = lk_server_config_new ();
    g_autoptr(GError) error = NULL;

    g_assert_false (lk_server_config_load_file (config, "/nonexistent/latchkeyd.conf", &error));
    g_assert_error (error, LK_SERVER_ERROR, LK_SERVER_ERROR_CONFIG);
  }
}

static void
test_args_override_file (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = write_config ("[server]\nlisten = 127.0.0.1:1000\n"
                                        "[database]\npath = /a.db\nmaster-key-file = /k\n"
                                        "[limits]\nworkers = 2\n");
  const char *args[] = { "--config", path, "--listen", "127.0.0.1:0", "--listen", "http://[::1]:0",
                         "--db", "/b.db", "--workers", "7", "--account-rate", "3",
                         "--address-burst", "9", "--log-format", "json", "--durable",
                         "--port-file", "/tmp/ports", NULL };
  g_autoptr(LkServerConfig) config = config_from_args (args, &error);

  g_assert_no_error (error);
  g_assert_nonnull (config);
  g_assert_cmpuint (config->listen->len, ==, 2);
  g_assert_cmpuint (g_inet_socket_address_get_port (((LkListenAddress *) config->listen->pdata[0])->address),
                    ==, 0);
  g_assert_cmpstr (config->db_path, ==, "/b.db");
  g_assert_cmpstr (config->master_key_file, ==, "/k");
  g_assert_cmpstr (config->port_file, ==, "/tmp/ports");
  g_assert_cmpuint (config->workers, ==, 7);
  g_assert_cmpfloat (config->account_rate, ==, 3);
  g_assert_cmpuint (config->address_burst, ==, 9);
  g_assert_cmpint (config->log_format, ==, LK_LOG_FORMAT_JSON);
  g_assert_true (config->durable);
  g_unlink (path);
}

static void
test_args_errors (void)
{
  const char *cases[][4] = {
    { "--workers", "0", NULL },
    { "--workers", "65", NULL },
    { "--max-body", "10", NULL },
    { "--account-rate", "x", NULL },
    { "--address-burst", "0", NULL },
    { "--log-level", "shout", NULL },
    { "--listen", "somewhere", NULL },
    { "--no-such-option", NULL },
    { "--config", "/nonexistent/latchkeyd.conf", NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(LkServerConfig) config = config_from_args (cases[i], &error);

      g_test_message ("case %s %s", cases[i][0], cases[i][1]);
      g_assert_null (config);
      g_assert_nonnull (error);
    }
}

static void
test_validate (void)
{
  /* Plain HTTP: fine on loopback, refused elsewhere unless --insecure-http. */
  struct { const char *listen; gboolean cert; gboolean insecure; gboolean ok; int code; } cases[] = {
    { "127.0.0.1:0", FALSE, FALSE, TRUE, 0 },
    { "[::1]:0", FALSE, FALSE, TRUE, 0 },
    { "0.0.0.0:0", FALSE, FALSE, FALSE, LK_SERVER_ERROR_INSECURE },
    { "192.0.2.1:0", FALSE, FALSE, FALSE, LK_SERVER_ERROR_INSECURE },
    { "0.0.0.0:0", FALSE, TRUE, TRUE, 0 },
    { "0.0.0.0:0", TRUE, FALSE, TRUE, 0 },
    { "http://0.0.0.0:0", TRUE, FALSE, FALSE, LK_SERVER_ERROR_INSECURE },
    { "https://127.0.0.1:0", FALSE, FALSE, FALSE, LK_SERVER_ERROR_CONFIG },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(LkServerConfig) config = lk_server_config_new ();
      g_autoptr(GError) error = NULL;
      gboolean ok;

      g_ptr_array_set_size (config->listen, 0);
      g_assert_true (lk_server_config_add_listen (config, cases[i].listen, NULL));
      if (cases[i].cert)
        config->tls_certificate = g_strdup ("/etc/cert.pem");
      config->insecure_http = cases[i].insecure;
      config->master_key_file = g_strdup ("/etc/master.key");

      ok = lk_server_config_validate (config, &error);
      g_test_message ("case %s cert=%d insecure=%d", cases[i].listen, cases[i].cert, cases[i].insecure);
      g_assert_cmpint (ok, ==, cases[i].ok);
      if (cases[i].ok)
        g_assert_no_error (error);
      else
        g_assert_error (error, LK_SERVER_ERROR, cases[i].code);
    }

  {
    g_autoptr(LkServerConfig) config = lk_server_config_new ();
    g_autoptr(GError) error = NULL;

    /* No master key: the engine could not decrypt a single seed. */
    g_assert_false (lk_server_config_validate (config, &error));
    g_assert_error (error, LK_SERVER_ERROR, LK_SERVER_ERROR_CONFIG);
  }
}

/* The HTTP front end's limits: defaults, file values, bounds. */
static void
test_connection_limits (void)
{
  g_autoptr(LkServerConfig) config = lk_server_config_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  g_assert_cmpuint (config->idle_timeout, ==, 60);
  g_assert_cmpuint (config->header_timeout, ==, 20);
  g_assert_cmpuint (config->max_connections, ==, 0);

  path = write_config ("[limits]\nidle-timeout = 5\nheader-timeout = 2\nmax-connections = 100\n");
  g_assert_true (lk_server_config_load_file (config, path, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (config->idle_timeout, ==, 5);
  g_assert_cmpuint (config->header_timeout, ==, 2);
  g_assert_cmpuint (config->max_connections, ==, 100);
  g_free (path);

  /* A zero timeout would cut every connection at once. */
  path = write_config ("[limits]\nheader-timeout = 0\n");
  g_assert_false (lk_server_config_load_file (config, path, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "header-timeout"));
  g_assert_cmpuint (config->header_timeout, ==, 2);
}

/* The shipped example must load and validate as it is. */
static void
test_example_file (void)
{
  g_autoptr(LkServerConfig) config = lk_server_config_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (g_getenv ("LK_SOURCE_ROOT"), "data", "latchkeyd.conf.example", NULL);
  LkListenAddress *first;

  g_assert_true (lk_server_config_load_file (config, path, &error));
  g_assert_no_error (error);
  g_assert_true (lk_server_config_validate (config, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (config->listen->len, ==, 2);
  first = g_ptr_array_index (config->listen, 0);
  g_assert_true (first->tls);
  g_assert_cmpstr (config->db_path, ==, "/var/lib/latchkeyd/latchkey.db");
  g_assert_cmpstr (config->master_key_file, ==, "/etc/latchkeyd/master.key");
  g_assert_cmpuint (config->max_body, ==, 65536);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/server/config/listen-parse", test_listen_parse);
  g_test_add_func ("/server/config/file", test_file);
  g_test_add_func ("/server/config/file-errors", test_file_errors);
  g_test_add_func ("/server/config/args-override-file", test_args_override_file);
  g_test_add_func ("/server/config/args-errors", test_args_errors);
  g_test_add_func ("/server/config/validate", test_validate);
  g_test_add_func ("/server/config/example-file", test_example_file);
  g_test_add_func ("/server/config/connection-limits", test_connection_limits);

  return g_test_run ();
}
