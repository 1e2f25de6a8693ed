/* SPDX-License-Identifier: GPL-3.0-or-later
 * latchkeyd: reads its configuration, starts LkServer, and stops it cleanly on SIGTERM or SIGINT. */
#include "config.h"

#include <locale.h>
#include <glib/gi18n.h>
#include <glib-unix.h>

#include "lk-server.h"
#include "lk-server-config.h"
#include "lk-server-log.h"

static gboolean
on_stop_signal (gpointer user_data)
{
  LkServer *server = user_data;

  lk_server_shutdown (server);
  return G_SOURCE_CONTINUE;
}

static void
on_stopped (LkServer  *server,
            GMainLoop *loop)
{
  g_main_loop_quit (loop);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(LkServerConfig) config = NULL;
  g_autoptr(LkServer) server = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GError) error = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LK_LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_prgname ("latchkeyd");

  /* Before the options, so it works whatever else the command line holds. */
  for (int i = 1; i < argc && g_strcmp0 (argv[i], "--") != 0; i++)
    if (g_strcmp0 (argv[i], "--version") == 0)
      {
        g_print ("latchkeyd %s\n", LK_VERSION);
        return 0;
      }

  config = lk_server_config_new_from_args (&argc, &argv, &error);
  if (config == NULL || !lk_server_config_validate (config, &error))
    {
      g_printerr ("latchkeyd: %s\n", error->message);
      return 2;
    }
  if (argc > 1)
    {
      g_printerr ("latchkeyd: %s: %s\n", _("unexpected argument"), argv[1]);
      return 2;
    }

  lk_server_log_init (config->log_level, config->log_format, config->access_log);
  lk_server_log_start_async ();

  server = lk_server_new (g_steal_pointer (&config), &error);
  if (server == NULL)
    {
      lk_server_log_stop_async ();
      g_printerr ("latchkeyd: %s\n", error->message);
      return 1;
    }

  /* Handlers go in before the port file announces the server, so a
   * SIGTERM sent the moment it is ready is a drain, not a kill. */
  loop = g_main_loop_new (NULL, FALSE);
  g_signal_connect (server, "stopped", G_CALLBACK (on_stopped), loop);
  g_unix_signal_add (SIGTERM, on_stop_signal, server);
  g_unix_signal_add (SIGINT, on_stop_signal, server);

  if (!lk_server_start (server, &error))
    {
      lk_server_log_stop_async ();
      g_printerr ("latchkeyd: %s\n", error->message);
      return 1;
    }
  g_message ("latchkeyd %s ready", LK_VERSION);

  g_main_loop_run (loop);

  /* The signal sources stay until exit: removing the last one would give
   * SIGTERM its default action back, and a repeated SIGTERM while the
   * workers close their databases would kill the process mid-close. */
  lk_server_close (server);
  lk_server_log_stop_async ();
  return 0;
}
