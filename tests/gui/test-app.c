/* SPDX-License-Identifier: GPL-3.0-or-later
 * The latchkey shell: --version, mode options, the first-run welcome page and the remembered mode. */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>
#include <adwaita.h>

#include "lk-application.h"
#include "lk-token-window.h"
#include "lk-welcome-window.h"
#ifdef LK_HAVE_ADMIN
#include "lk-admin-window.h"
#endif

/* Runs the real latchkey; @moduledir (nullable) replaces LATCHKEY_MODULEDIR. */
static void
run_latchkey_with_modules (const char * const *args,
                           const char         *moduledir,
                           int                *status,
                           char              **out,
                           char              **err)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                                       G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) proc = NULL;

  g_ptr_array_add (argv, g_build_filename (g_getenv ("LK_BUILD_ROOT"), "src", "app", "latchkey", NULL));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);

  if (moduledir != NULL)
    g_subprocess_launcher_setenv (launcher, "LATCHKEY_MODULEDIR", moduledir, TRUE);
  proc = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, out, err, &error);
  g_assert_no_error (error);
  *status = g_subprocess_get_exit_status (proc);
}

static void
run_latchkey (const char * const *args,
              int                *status,
              char              **out,
              char              **err)
{
  run_latchkey_with_modules (args, NULL, status, out, err);
}

static void
test_version (void)
{
  const char *args[] = { "--version", NULL };
  g_autofree char *out = NULL, *err = NULL;
  int status;

  run_latchkey (args, &status, &out, &err);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpstr (out, ==, LK_APP_ID " " LK_VERSION "\n");
}

static void
test_mode_options (void)
{
  const char *both[] = { "--token", "--admin", NULL };
  g_autofree char *out = NULL, *err = NULL;
  int status;

  run_latchkey (both, &status, &out, &err);
  g_assert_cmpint (status, ==, 2);
  g_assert_nonnull (strstr (err, "--token"));

#ifndef LK_HAVE_ADMIN
  {
    const char *admin[] = { "--admin", NULL };
    g_autofree char *aout = NULL, *aerr = NULL;

    /* Not a fake window: a plain statement and a failure status. */
    run_latchkey (admin, &status, &aout, &aerr);
    g_assert_cmpint (status, ==, 1);
    g_assert_nonnull (strstr (aerr, "not built"));
  }
#endif
}

#ifdef LK_HAVE_ADMIN
/* Admin mode is a module (lk-admin.so): an installation without it says
 * so and fails, instead of crashing or opening an empty window. */
static void
test_admin_module_missing (void)
{
  const char *admin[] = { "--admin", NULL };
  g_autofree char *dir = g_dir_make_tmp ("lk-no-modules-XXXXXX", NULL);
  g_autofree char *out = NULL, *err = NULL;
  int status;

  run_latchkey_with_modules (admin, dir, &status, &out, &err);
  g_assert_cmpint (status, ==, 1);
  g_assert_nonnull (strstr (err, "lk-admin.so"));
  g_assert_nonnull (strstr (err, "Reinstall"));
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}
#endif

static void
save_screenshot (GtkWidget  *widget,
                 const char *name)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *dir = g_build_filename (g_getenv ("LK_BUILD_ROOT"), "screenshots", NULL);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);

  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  if (node == NULL)
    return;   /* not drawn yet; the next tick tries again */
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (gtk_widget_get_native (widget)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_mkdir_with_parents (dir, 0755);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
}

typedef struct
{
  LkApplication *app;
  guint          ticks;
  gboolean       saw_welcome;
  gboolean       saw_token;
  int            mode_after;
} FirstRun;

static gboolean
check_first_run (gpointer data)
{
  FirstRun *run = data;
  GtkWindow *active = gtk_application_get_active_window (GTK_APPLICATION (run->app));
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (run->app));

  if (!run->saw_welcome)
    {
      if (active == NULL || !LK_IS_WELCOME_WINDOW (active) || !gtk_widget_get_mapped (GTK_WIDGET (active)))
        return G_SOURCE_CONTINUE;
      /* Let it draw before the picture. */
      if (run->ticks++ < 10)
        return G_SOURCE_CONTINUE;
      /* Only a .Devel build marks its windows with the "devel" style. */
      g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (active), "devel") == LK_DEVEL_PROFILE);
      save_screenshot (GTK_WIDGET (active), "welcome.png");
      run->saw_welcome = TRUE;
      /* What the "My Codes" button does. */
      g_action_group_activate_action (G_ACTION_GROUP (run->app), "open-mode", g_variant_new_string ("token"));
      return G_SOURCE_CONTINUE;
    }

  for (GList *l = windows; l != NULL; l = l->next)
    if (LK_IS_TOKEN_WINDOW (l->data))
      run->saw_token = TRUE;
  if (!run->saw_token)
    return G_SOURCE_CONTINUE;

  run->mode_after = g_settings_get_enum (lk_application_get_settings (run->app), "mode");
  g_application_quit (G_APPLICATION (run->app));
  return G_SOURCE_REMOVE;
}

static void
test_first_run_welcome (void)
{
  g_autoptr(LkApplication) app = lk_application_new ();
  char *argv[] = { (char *) "latchkey", NULL };
  FirstRun run = { 0 };
  int status;

  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_HANDLES_COMMAND_LINE | G_APPLICATION_NON_UNIQUE);
  lk_application_set_mode_factory (app, LK_APP_MODE_TOKEN, lk_token_window_new);
#ifdef LK_HAVE_ADMIN
  lk_application_set_mode_factory (app, LK_APP_MODE_ADMIN, lk_admin_window_new);
#endif
  run.app = app;
  g_timeout_add (50, check_first_run, &run);

  status = g_application_run (G_APPLICATION (app), 1, argv);
  g_assert_cmpint (status, ==, 0);
  g_assert_true (run.saw_welcome);
  g_assert_true (run.saw_token);
  g_assert_cmpint (run.mode_after, ==, LK_APP_MODE_TOKEN);
#ifdef LK_HAVE_ADMIN
  g_assert_true (lk_application_has_mode (app, LK_APP_MODE_ADMIN));
#else
  g_assert_false (lk_application_has_mode (app, LK_APP_MODE_ADMIN));
#endif
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *schema_dir = NULL;

  /* No G_TEST_OPTION_ISOLATE_DIRS: see test-token-window.c; the session
   * wrapper provides fresh directories. */
  g_test_init (&argc, &argv, NULL);
  schema_dir = g_build_filename (g_getenv ("LK_BUILD_ROOT"), "data", NULL);
  g_setenv ("GSETTINGS_SCHEMA_DIR", schema_dir, TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);

  g_test_add_func ("/app/version", test_version);
  g_test_add_func ("/app/mode-options", test_mode_options);
#ifdef LK_HAVE_ADMIN
  g_test_add_func ("/app/admin-module-missing", test_admin_module_missing);
#endif
  g_test_add_func ("/app/first-run-welcome", test_first_run_welcome);

  return g_test_run ();
}
