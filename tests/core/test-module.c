/* SPDX-License-Identifier: GPL-3.0-or-later
 * Tests lk_module_lookup(): the search path, a module's symbol, and the errors for a missing, broken or incomplete module. */
#include <string.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "lk-core-error.h"
#include "lk-module.h"

typedef int (*AnswerFunc) (void);

/* LK_TEST_MODULE_DIR: where meson built lk-test-module.so. */
static const char *
module_dir (void)
{
  const char *dir = g_getenv ("LK_TEST_MODULE_DIR");

  g_assert_nonnull (dir);
  return dir;
}

static void
test_found (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  AnswerFunc answer;

  /* Empty entries and a directory without the module are skipped. */
  path = g_strjoin (G_SEARCHPATH_SEPARATOR_S, "", "/nonexistent-latchkey-modules", module_dir (), NULL);
  g_setenv ("LATCHKEY_MODULEDIR", path, TRUE);
  answer = lk_module_lookup ("lk-test-module", "lk_test_module_answer", &error);
  g_assert_no_error (error);
  g_assert_nonnull (answer);
  g_assert_cmpint (answer (), ==, 42);

  /* Asking again returns the same function of the same (resident) module. */
  g_assert_true (lk_module_lookup ("lk-test-module", "lk_test_module_answer", NULL) == (gpointer) answer);
}

static void
test_missing (void)
{
  g_autoptr(GError) error = NULL;

  g_setenv ("LATCHKEY_MODULEDIR", module_dir (), TRUE);
  g_assert_null (lk_module_lookup ("lk-no-such-module", "anything", &error));
  g_assert_error (error, LK_CORE_ERROR, LK_CORE_ERROR_MODULE);
  /* The message names the file, so a packager knows what is missing. */
  g_assert_nonnull (strstr (error->message, "lk-no-such-module.so"));
}

static void
test_missing_symbol (void)
{
  g_autoptr(GError) error = NULL;

  g_setenv ("LATCHKEY_MODULEDIR", module_dir (), TRUE);
  g_assert_null (lk_module_lookup ("lk-test-module", "lk_test_module_no_such_function", &error));
  g_assert_error (error, LK_CORE_ERROR, LK_CORE_ERROR_MODULE);
  g_assert_nonnull (strstr (error->message, "lk_test_module_no_such_function"));
}

static void
test_broken (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("lk-module-XXXXXX", NULL);
  g_autofree char *file = g_build_filename (dir, "lk-broken.so", NULL);

  /* A file of the right name that is not a shared object. */
  g_assert_true (g_file_set_contents (file, "not an ELF file\n", -1, NULL));
  g_setenv ("LATCHKEY_MODULEDIR", dir, TRUE);
  g_assert_null (lk_module_lookup ("lk-broken", "anything", &error));
  g_assert_error (error, LK_CORE_ERROR, LK_CORE_ERROR_MODULE);
  g_assert_cmpint (g_unlink (file), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

static void
test_no_directory (void)
{
  g_autoptr(GError) error = NULL;

  /* Only empty entries: nothing to search, and a plain error. */
  g_setenv ("LATCHKEY_MODULEDIR", G_SEARCHPATH_SEPARATOR_S, TRUE);
  g_assert_null (lk_module_lookup ("lk-test-module", "lk_test_module_answer", &error));
  g_assert_error (error, LK_CORE_ERROR, LK_CORE_ERROR_MODULE);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/core/module/found", test_found);
  g_test_add_func ("/core/module/missing", test_missing);
  g_test_add_func ("/core/module/missing-symbol", test_missing_symbol);
  g_test_add_func ("/core/module/broken", test_broken);
  g_test_add_func ("/core/module/no-directory", test_no_directory);
  return g_test_run ();
}
