/* SPDX-License-Identifier: GPL-3.0-or-later
 * latchkey: starts LkApplication with every mode built into this version. */
#include "config.h"

#include <locale.h>
#include <glib/gi18n.h>

#include "lk-application.h"
#include "lk-memory.h"
#include "lk-module.h"
#include "lk-renderer.h"
#include "lk-token-window.h"

#ifdef LK_HAVE_ADMIN
/* Admin mode lives in the lk-admin module (src/app/lk-admin-module.c),
 * loaded when it first opens; NULL tells LkApplication it could not be. */
static GtkWindow *
admin_window_new (GtkApplication *app)
{
  g_autoptr(GError) error = NULL;
  LkModeWindowFactory factory = (LkModeWindowFactory) lk_module_lookup ("lk-admin", "lk_admin_module_window_new",
                                                                        &error);

  if (factory == NULL)
    {
      g_printerr ("latchkey: %s\n", error->message);
      return NULL;
    }
  return factory (app);
}
#endif

int
main (int    argc,
      char **argv)
{
  g_autoptr(LkApplication) app = NULL;
  const char *localedir;

  /* Before any thread starts (lk-memory.c says why). */
  lk_memory_limit_arenas ();
  setlocale (LC_ALL, "");
  /* LATCHKEY_LOCALEDIR lets tests and uninstalled runs use the build's
   * po/ directory (docs/packaging.md). */
  localedir = g_getenv ("LATCHKEY_LOCALEDIR");
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL && *localedir != '\0' ? localedir : LK_LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  /* Before GTK starts: no software OpenGL where there is no GPU. */
  lk_renderer_choose ("/dev");

  app = lk_application_new ();
  lk_application_set_mode_factory (app, LK_APP_MODE_TOKEN, lk_token_window_new);
#ifdef LK_HAVE_ADMIN
  lk_application_set_mode_factory (app, LK_APP_MODE_ADMIN, admin_window_new);
#endif

  return g_application_run (G_APPLICATION (app), argc, argv);
}
