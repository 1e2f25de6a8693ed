/* SPDX-License-Identifier: GPL-3.0-or-later
 * Tests of the renderer choice: cairo without GL only where no GPU device node exists, and never over the user's choice. */
#include "config.h"

#include <glib/gstdio.h>

#include "lk-renderer.h"

/* A fake /dev with the given nodes (relative paths, empty files). */
static char *
make_dev (const char * const *nodes)
{
  g_autoptr(GError) error = NULL;
  char *dev = g_dir_make_tmp ("lk-renderer-XXXXXX", &error);

  g_assert_no_error (error);
  for (guint i = 0; nodes != NULL && nodes[i] != NULL; i++)
    {
      g_autofree char *path = g_build_filename (dev, nodes[i], NULL);
      g_autofree char *dir = g_path_get_dirname (path);

      g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
      g_file_set_contents (path, "", 0, &error);
      g_assert_no_error (error);
    }
  return dev;
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_assert_cmpint (g_remove (child), ==, 0);
    }
  g_assert_cmpint (g_rmdir (path), ==, 0);
}

static void
clear_env (void)
{
  g_unsetenv ("GSK_RENDERER");
  g_unsetenv ("GDK_DEBUG");
}

static void
test_no_gpu (void)
{
  const char *nodes[] = { "null", "dri/by-path/pci-0000:00:02.0-card", NULL };
  g_autofree char *dev = make_dev (nodes);
  g_autofree char *missing = g_build_filename (dev, "nowhere", NULL);

  clear_env ();
  /* dri/ holds no node of its own, only the by-path directory. */
  g_assert_false (lk_renderer_have_gpu (dev));
  g_assert_false (lk_renderer_have_gpu (missing));
  g_assert_true (lk_renderer_choose (dev));
  g_assert_cmpstr (g_getenv ("GSK_RENDERER"), ==, "cairo");
  g_assert_cmpstr (g_getenv ("GDK_DEBUG"), ==, "gl-disable");

  clear_env ();
  remove_tree (dev);
}

static void
test_gpu_nodes (void)
{
  const char *render[] = { "dri/renderD128", NULL };
  const char *card[] = { "dri/card0", NULL };
  const char *nvidia[] = { "nvidiactl", NULL };
  const char * const *cases[] = { render, card, nvidia };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *dev = make_dev (cases[i]);

      clear_env ();
      g_assert_true (lk_renderer_have_gpu (dev));
      /* GTK's own choice stands: nothing is set. */
      g_assert_false (lk_renderer_choose (dev));
      g_assert_null (g_getenv ("GSK_RENDERER"));
      g_assert_null (g_getenv ("GDK_DEBUG"));
      remove_tree (dev);
    }
}

static void
test_user_choice (void)
{
  g_autofree char *dev = make_dev (NULL);

  /* A renderer the user asked for is kept, and GL stays available to it. */
  clear_env ();
  g_setenv ("GSK_RENDERER", "gl", TRUE);
  g_assert_false (lk_renderer_choose (dev));
  g_assert_cmpstr (g_getenv ("GSK_RENDERER"), ==, "gl");
  g_assert_null (g_getenv ("GDK_DEBUG"));

  /* So are GDK debug flags: ours would replace them. */
  clear_env ();
  g_setenv ("GDK_DEBUG", "events", TRUE);
  g_assert_false (lk_renderer_choose (dev));
  g_assert_null (g_getenv ("GSK_RENDERER"));
  g_assert_cmpstr (g_getenv ("GDK_DEBUG"), ==, "events");

  clear_env ();
  remove_tree (dev);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/app/renderer/no-gpu", test_no_gpu);
  g_test_add_func ("/app/renderer/gpu-nodes", test_gpu_nodes);
  g_test_add_func ("/app/renderer/user-choice", test_user_choice);

  return g_test_run ();
}
