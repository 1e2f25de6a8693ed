/* SPDX-License-Identifier: GPL-3.0-or-later
 * Tests of the Secret Service master-key provider, and of latchkeyctl's
 * account key from the keyring, against a real gnome-keyring in a private
 * D-Bus session (run under lk-test-session.sh). */
#include "config.h"

#include <string.h>
#include <sys/wait.h>
#include <glib/gstdio.h>
#include <libsecret/secret.h>

#include "lk-local-backend.h"
#include "lk-secret-key-provider.h"
#include "lk-secure.h"

static char *
scratch_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("lk-secret-key-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *entry;

  while (dir != NULL && (entry = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, entry, NULL);

      g_remove (child);
    }
  g_rmdir (path);
}

static void
test_create_and_reload (void)
{
  g_autofree char *dir = scratch_dir ();
  g_autofree char *db = g_build_filename (dir, "a.db", NULL);
  g_autofree char *other_db = g_build_filename (dir, "b.db", NULL);
  g_autoptr(LkKeyProvider) first = lk_secret_key_provider_new (db);
  g_autoptr(LkKeyProvider) again = lk_secret_key_provider_new (db);
  g_autoptr(LkKeyProvider) other = lk_secret_key_provider_new (other_db);
  g_autoptr(GError) error = NULL;
  guint8 k1[LK_MASTER_KEY_SIZE], k2[LK_MASTER_KEY_SIZE], k3[LK_MASTER_KEY_SIZE], zero[LK_MASTER_KEY_SIZE] = { 0 };

  /* Made on first use, the same on the next load (another provider object,
   * as after a restart), and different for another database. */
  g_assert_true (lk_key_provider_load_key (first, k1, &error));
  g_assert_no_error (error);
  g_assert_false (memcmp (k1, zero, sizeof k1) == 0);
  g_assert_true (lk_key_provider_load_key (again, k2, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (k1, sizeof k1, k2, sizeof k2);
  g_assert_true (lk_key_provider_load_key (other, k3, &error));
  g_assert_no_error (error);
  g_assert_false (memcmp (k1, k3, sizeof k1) == 0);

  /* Rotation replaces it. */
  memset (k3, 0x5a, sizeof k3);
  g_assert_true (lk_key_provider_store_key (first, k3, &error));
  g_assert_no_error (error);
  g_assert_true (lk_key_provider_load_key (again, k2, &error));
  g_assert_cmpmem (k2, sizeof k2, k3, sizeof k3);

  /* No file holds it. */
  {
    g_autoptr(GDir) listing = g_dir_open (dir, 0, NULL);

    g_assert_null (g_dir_read_name (listing));
  }
  lk_secure_wipe (k1, sizeof k1);
  lk_secure_wipe (k2, sizeof k2);
  remove_tree (dir);
}

static void
test_item_attributes (void)
{
  g_autofree char *dir = scratch_dir ();
  g_autofree char *db = g_build_filename (dir, "c.db", NULL);
  g_autoptr(LkKeyProvider) provider = lk_secret_key_provider_new (db);
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) query = g_hash_table_new (g_str_hash, g_str_equal);
  g_autolist(SecretItem) items = NULL;
  g_autoptr(SecretService) service = NULL;
  guint8 key[LK_MASTER_KEY_SIZE];
  g_autofree char *encoded = NULL;

  g_assert_true (lk_key_provider_load_key (provider, key, &error));
  g_assert_no_error (error);
  encoded = g_base64_encode (key, sizeof key);

  service = secret_service_get_sync (SECRET_SERVICE_NONE, NULL, &error);
  g_assert_no_error (error);
  g_hash_table_insert (query, (gpointer) "database", db);
  items = secret_service_search_sync (service, NULL, query, SECRET_SEARCH_ALL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_length (items), ==, 1);
  {
    g_autoptr(GHashTable) attributes = secret_item_get_attributes (items->data);
    g_autofree char *label = secret_item_get_label (items->data);
    GHashTableIter iter;
    gpointer name, value;

    /* The key is the secret, never an attribute or the label. */
    g_hash_table_iter_init (&iter, attributes);
    while (g_hash_table_iter_next (&iter, &name, &value))
      g_assert_null (strstr (value, encoded));
    g_assert_null (strstr (label, encoded));
    g_assert_cmpstr (g_hash_table_lookup (attributes, "xdg:schema"), ==, LK_SECRET_KEY_SCHEMA_NAME);
  }
  lk_secure_wipe (key, sizeof key);
  remove_tree (dir);
}

static void
got_result (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static void
test_local_backend (void)
{
  g_autofree char *dir = scratch_dir ();
  g_autofree char *db = g_build_filename (dir, "engine.db", NULL);
  g_autoptr(LkKeyProvider) keys = lk_secret_key_provider_new (db);
  g_autoptr(LkBackend) backend = lk_local_backend_new (db, keys, "acme", "acme-partner-key");
  g_autoptr(LkApiRequest) create = lk_api_request_new (LK_API_OP_CREATE_ACCOUNT);
  g_autoptr(LkApiResponse) response = NULL;
  g_autoptr(GError) error = NULL;

  /* The desktop default: the engine's database keyed from the keyring. */
  create->account_name = g_strdup ("acme");
  create->account_key = g_strdup ("acme-partner-key");
  response = lk_backend_call_sync (backend, g_steal_pointer (&create), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (response->error_code, ==, 0);
  g_clear_object (&backend);

  /* Reopened with the key from the keyring, the account is there. */
  backend = lk_local_backend_new (db, keys, "acme", "acme-partner-key");
  {
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GPtrArray) users = NULL;

    lk_backend_find_users_async (backend, NULL, 0, 10, NULL, got_result, &result);
    while (result == NULL)
      g_main_context_iteration (NULL, TRUE);
    users = lk_backend_finish_users (backend, result, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (users->len, ==, 0);
  }
  g_clear_object (&backend);
  remove_tree (dir);
}

/* latchkeyctl finds an account key in the item the admin application saves
 * when LATCHKEY_ACCOUNT_KEY is not set and there is no terminal. */
static int
ctl (const char  *db,
     const char  *key,
     const char  *command)
{
  const char *argv[] = { g_getenv ("LK_LATCHKEYCTL"), "--db", db, "--account", "acme", NULL, NULL, NULL, NULL };
  g_auto(GStrv) envp = g_environ_unsetenv (g_get_environ (), "LATCHKEY_ACCOUNT_KEY");
  g_auto(GStrv) words = g_strsplit (command, " ", 3);
  g_autoptr(GError) error = NULL;
  int status = 0;

  for (guint i = 0; words[i] != NULL; i++)
    argv[5 + i] = words[i];
  if (key != NULL)
    envp = g_environ_setenv (envp, "LATCHKEY_ACCOUNT_KEY", key, TRUE);
  g_assert_true (g_spawn_sync (NULL, (char **) argv, envp,
                               G_SPAWN_STDIN_FROM_DEV_NULL | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                               NULL, NULL, NULL, NULL, &status, &error));
  g_assert_no_error (error);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

static void
test_cli_account_key (void)
{
  static const SecretSchema schema = {
    "org.latchkey.Latchkey.AdminAccount", SECRET_SCHEMA_NONE,
    { { "location", SECRET_SCHEMA_ATTRIBUTE_STRING }, { "account", SECRET_SCHEMA_ATTRIBUTE_STRING }, { NULL, 0 } },
    0, NULL, NULL, NULL, NULL, NULL, NULL, NULL
  };
  g_autofree char *dir = scratch_dir ();
  g_autofree char *db = g_build_filename (dir, "cli.db", NULL);
  g_autoptr(GError) error = NULL;

  if (g_getenv ("LK_LATCHKEYCTL") == NULL)
    {
      g_test_skip ("LK_LATCHKEYCTL is not set");
      remove_tree (dir);
      return;
    }
  g_assert_cmpint (ctl (db, "acme-partner-key", "account create acme"), ==, 0);
  /* Nothing in the keyring yet: no key anywhere is bad input. */
  g_assert_cmpint (ctl (db, NULL, "user list"), ==, 2);

  g_assert_true (secret_password_store_sync (&schema, SECRET_COLLECTION_DEFAULT, "test", "acme-partner-key", NULL,
                                             &error, "location", db, "account", "acme", NULL));
  g_assert_no_error (error);
  g_assert_cmpint (ctl (db, NULL, "user list"), ==, 0);

  /* A wrong stored key is the partner-login failure. */
  g_assert_true (secret_password_store_sync (&schema, SECRET_COLLECTION_DEFAULT, "test", "not-the-key", NULL,
                                             &error, "location", db, "account", "acme", NULL));
  g_assert_cmpint (ctl (db, NULL, "user list"), ==, 1);
  remove_tree (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    {
      g_printerr ("Run this test with tests/common/lk-test-session.sh\n");
      return 1;
    }

  g_test_add_func ("/api/secret-key-provider/create-and-reload", test_create_and_reload);
  g_test_add_func ("/api/secret-key-provider/item-attributes", test_item_attributes);
  g_test_add_func ("/api/secret-key-provider/local-backend", test_local_backend);
  g_test_add_func ("/api/secret-key-provider/cli-account-key", test_cli_account_key);

  return g_test_run ();
}
