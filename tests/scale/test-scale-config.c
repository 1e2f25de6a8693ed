/* SPDX-License-Identifier: GPL-3.0-or-later
 * latchkeyd's scale-out settings: [database] uri and group-commit in the
 * file, --db with a connection string and --group-commit on the command
 * line; a connection string is kept as it is, never made into a path. */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "lk-server-config.h"

static LkServerConfig *
from_args (const char * const *args,
           GError            **error)
{
  g_autoptr(GPtrArray) argv_array = g_ptr_array_new_with_free_func (g_free);
  g_autofree char **argv = NULL;
  int argc;

  g_ptr_array_add (argv_array, g_strdup ("latchkeyd"));
  for (gsize i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv_array, g_strdup (args[i]));
  argc = argv_array->len;
  /* GOptionContext shuffles argv: it gets a copy of the pointers. */
  argv = g_new0 (char *, argc + 1);
  for (int i = 0; i < argc; i++)
    argv[i] = g_ptr_array_index (argv_array, i);
  return lk_server_config_new_from_args (&argc, &argv, error);
}

static void
test_file (void)
{
  g_autoptr(LkServerConfig) config = lk_server_config_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (g_get_tmp_dir (), "latchkeyd.conf", NULL);

  g_assert_true (g_file_set_contents (path,
                                      "[database]\n"
                                      "path = relative.db\n"
                                      "uri =  host=db.example dbname=latchkey user=lk  \n"
                                      "master-key-file = /k\n"
                                      "group-commit = true\n", -1, &error));
  g_assert_true (lk_server_config_load_file (config, path, &error));
  g_assert_no_error (error);
  /* uri wins over path, trimmed, not resolved against the file's folder. */
  g_assert_cmpstr (config->db_path, ==, "host=db.example dbname=latchkey user=lk");
  g_assert_true (config->group_commit);

  /* A bad boolean is refused with the key's name. */
  g_assert_true (g_file_set_contents (path, "[database]\ngroup-commit = maybe\n", -1, &error));
  g_clear_pointer (&config, lk_server_config_free);
  config = lk_server_config_new ();
  g_assert_false (lk_server_config_load_file (config, path, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "group-commit"));
  g_unlink (path);
}

static void
test_args (void)
{
  static const char * const pg_uri[] = { "--db=postgresql://lk@db.example/latchkey", "--master-key-file=/k",
                                         "--group-commit", NULL };
  static const char * const pg_kv[] = { "--db", "host=127.0.0.1 port=5432 dbname=lk", "--master-key-file=/k", NULL };
  static const char * const file[] = { "--db=rel.db", "--master-key-file=/k", NULL };
  g_autoptr(GError) error = NULL;
  LkServerConfig *config;

  config = from_args (pg_uri, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (config->db_path, ==, "postgresql://lk@db.example/latchkey");
  g_assert_true (config->group_commit);
  lk_server_config_free (config);

  config = from_args (pg_kv, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (config->db_path, ==, "host=127.0.0.1 port=5432 dbname=lk");
  g_assert_false (config->group_commit);
  lk_server_config_free (config);

  /* A file name is still made absolute. */
  config = from_args (file, &error);
  g_assert_no_error (error);
  g_assert_true (g_path_is_absolute (config->db_path));
  g_assert_true (g_str_has_suffix (config->db_path, "/rel.db"));
  lk_server_config_free (config);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/scale/config/file", test_file);
  g_test_add_func ("/scale/config/args", test_args);
  return g_test_run ();
}
