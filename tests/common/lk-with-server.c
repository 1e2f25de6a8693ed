/* SPDX-License-Identifier: GPL-3.0-or-later
 * Runs one test program against a fresh latchkeyd over TLS on loopback.
 *
 *   lk-with-server [--plain-http] [--server-arg=ARG ...] [--] PROGRAM [ARGS...]
 *
 * Starts latchkeyd with lk_test_server_start(), exports LK_TEST_BACKEND=remote,
 * LK_TEST_SERVER_URL, LK_TEST_SERVER_CERT, LK_TEST_ACCOUNT and
 * LK_TEST_ACCOUNT_KEY (plus LK_TEST_SERVER_DB and LK_TEST_SERVER_MASTER_KEY
 * for tests that prepare data through the engine), runs PROGRAM, then stops
 * the server with SIGTERM. The exit status is the program's, or 1 when the
 * server itself did not stop cleanly (its log is then printed). */
#include "config.h"

#include <stdio.h>

#include "lk-test-server.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = g_option_context_new ("[--] PROGRAM [ARGS…]");
  g_autoptr(GError) error = NULL;
  g_autoptr(LkTestServer) server = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) program = NULL;
  g_auto(GStrv) server_args = NULL;
  gboolean plain_http = FALSE;
  LkTestServerOptions options = { 0 };
  int program_status;
  int server_status;
  const GOptionEntry entries[] = {
    { "plain-http", 0, 0, G_OPTION_ARG_NONE, &plain_http, "Plain HTTP instead of HTTPS", NULL },
    { "server-arg", 0, 0, G_OPTION_ARG_STRING_ARRAY, &server_args, "One more latchkeyd option", "ARG" },
    G_OPTION_ENTRY_NULL
  };

  g_option_context_add_main_entries (context, entries, NULL);
  /* Options after PROGRAM belong to PROGRAM (e.g. --tap). */
  g_option_context_set_strict_posix (context, TRUE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("lk-with-server: %s\n", error->message);
      return 2;
    }
  if (argc > 1 && g_strcmp0 (argv[1], "--") == 0)
    {
      argv++;
      argc--;
    }
  if (argc < 2)
    {
      g_printerr ("usage: lk-with-server [--plain-http] [--server-arg=ARG ...] [--] PROGRAM [ARGS...]\n");
      return 2;
    }

  options.plain_http = plain_http;
  options.extra_args = (const char * const *) server_args;
  server = lk_test_server_start (&options, &error);
  if (server == NULL)
    {
      g_printerr ("lk-with-server: %s\n", error->message);
      return 1;
    }

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  lk_test_server_export_env (server, launcher);
  /* GIO's default proxy resolver reads GSettings schemas an isolated test
   * environment lacks; a loopback server needs no proxy. */
  g_subprocess_launcher_setenv (launcher, "GIO_USE_PROXY_RESOLVER", "dummy", FALSE);
  g_subprocess_launcher_setenv (launcher, "LK_TEST_SERVER_DB", lk_test_server_get_db_path (server), TRUE);
  g_subprocess_launcher_setenv (launcher, "LK_TEST_SERVER_MASTER_KEY",
                                lk_test_server_get_master_key_file (server), TRUE);
  program = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv + 1, &error);
  if (program == NULL)
    {
      g_printerr ("lk-with-server: %s\n", error->message);
      return 1;
    }
  g_subprocess_wait (program, NULL, NULL);
  if (g_subprocess_get_if_exited (program))
    program_status = g_subprocess_get_exit_status (program);
  else
    {
      g_printerr ("lk-with-server: %s died from signal %d\n", argv[1], g_subprocess_get_term_sig (program));
      program_status = 1;
    }

  server_status = lk_test_server_stop (server, &error);
  if (server_status != 0)
    {
      g_autofree char *log = lk_test_server_dup_log (server);

      g_printerr ("lk-with-server: latchkeyd did not stop cleanly (%d%s%s); its log:\n%s\n",
                  server_status, error != NULL ? ": " : "", error != NULL ? error->message : "",
                  log != NULL ? log : "");
      return program_status != 0 ? program_status : 1;
    }
  return program_status;
}
