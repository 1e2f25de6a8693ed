/* SPDX-License-Identifier: GPL-3.0-or-later
 * Partner accounts, the login cache, and the master key providers. */
#include "config.h"

#include <sys/stat.h>

#include "engine-test-util.h"

static void
test_create_and_login (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) names = NULL;
  gint64 id = 0, id2 = 0;

  g_assert_cmpint (f->account, >, 0);
  g_assert_true (lk_engine_login_account (f->engine, "acme", "acme-secret-key", &id, &error));
  g_assert_no_error (error);
  g_assert_cmpint (id, ==, f->account);

  g_assert_false (lk_engine_create_account (f->engine, "acme", "another-key-123", NULL, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_ACCOUNT_EXISTS);
  g_clear_error (&error);

  g_assert_true (lk_engine_create_account (f->engine, "beta", "beta-secret-key", &id2, &error));
  g_assert_cmpint (id2, !=, f->account);
  names = lk_engine_list_accounts (f->engine, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (names), ==, 2);
  g_assert_cmpstr (names[0], ==, "acme");
  g_assert_cmpstr (names[1], ==, "beta");

  g_assert_false (lk_engine_login_account (f->engine, "acme", "wrong-key-0000", &id, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_PARTNER_LOGIN_FAILED);
  g_clear_error (&error);
  g_assert_false (lk_engine_login_account (f->engine, "nobody", "acme-secret-key", &id, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_PARTNER_LOGIN_FAILED);
  g_clear_error (&error);
  g_assert_false (lk_engine_login_account (f->engine, "acme", "", &id, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_PARTNER_LOGIN_FAILED);
  g_clear_error (&error);
  g_assert_false (lk_engine_login_account (f->engine, NULL, NULL, &id, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_PARTNER_LOGIN_FAILED);
  g_clear_error (&error);

  /* Failed logins are audited (without the key). */
  {
    g_autoptr(GPtrArray) audit = lk_engine_list_audit (f->engine, f->account, NULL, 0, 0, &error);
    gboolean seen = FALSE;
    for (guint i = 0; i < audit->len; i++)
      {
        LkAuditEntry *e = g_ptr_array_index (audit, i);
        g_assert_null (strstr (e->detail ? e->detail : "", "wrong-key"));
        seen |= g_str_equal (e->operation, "login_account") && e->result == 9000;
      }
    g_assert_true (seen);
  }
}

static void
test_bad_account_input (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *huge = g_strnfill (10000, 'a');

  g_assert_false (lk_engine_create_account (f->engine, "", "a-good-key-1", NULL, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_MISSING_FIELD);
  g_clear_error (&error);
  g_assert_false (lk_engine_create_account (f->engine, "x", NULL, NULL, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_MISSING_FIELD);
  g_clear_error (&error);
  g_assert_false (lk_engine_create_account (f->engine, "x", "short", NULL, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (lk_engine_create_account (f->engine, huge, "a-good-key-1", NULL, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (lk_engine_create_account (f->engine, "x", huge, NULL, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (lk_engine_create_account (f->engine, "bad\xff", "a-good-key-1", NULL, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (lk_engine_create_account (f->engine, "tab\tname", "a-good-key-1", NULL, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (lk_engine_login_account (f->engine, huge, huge, NULL, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_PARTNER_LOGIN_FAILED);
}

static void
test_login_cache (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkEngine) other = NULL;
  gint64 id = 0;

  lk_credential_cache_clear (f->cache);
  g_assert_cmpuint (lk_credential_cache_size (f->cache), ==, 0);
  /* A wrong key is never remembered. */
  g_assert_false (lk_engine_login_account (f->engine, "acme", "wrong-key-0000", &id, &error));
  g_clear_error (&error);
  g_assert_cmpuint (lk_credential_cache_size (f->cache), ==, 0);
  g_assert_true (lk_engine_login_account (f->engine, "acme", "acme-secret-key", &id, &error));
  g_assert_cmpuint (lk_credential_cache_size (f->cache), ==, 1);
  /* Shared by another handle of this process on the same file. */
  other = fixture_open (f);
  g_assert_true (lk_credential_cache_lookup (f->cache, NULL, "acme", "acme-secret-key", &id) == FALSE);
  g_assert_true (lk_engine_login_account (other, "acme", "acme-secret-key", &id, &error));
  g_assert_cmpuint (lk_credential_cache_size (f->cache), ==, 1);
  g_assert_cmpint (id, ==, f->account);

  /* A new key drops the cached entry; the old key stops working at once. */
  g_assert_true (lk_engine_set_account_key (f->engine, f->account, "a-brand-new-key", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (lk_credential_cache_size (f->cache), ==, 0);
  g_assert_false (lk_engine_login_account (other, "acme", "acme-secret-key", &id, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_PARTNER_LOGIN_FAILED);
  g_clear_error (&error);
  g_assert_true (lk_engine_login_account (other, "acme", "a-brand-new-key", &id, &error));
  g_assert_false (lk_engine_set_account_key (f->engine, 99999, "a-brand-new-key", &error));
  assert_engine_error (error, LK_ENGINE_ERROR_NOT_FOUND);
}

static void
test_cache_bounds (void)
{
  g_autoptr(LkCredentialCache) cache = lk_credential_cache_new (4, 1);
  gint64 id = 0;

  for (guint i = 0; i < 10; i++)
    {
      g_autofree char *name = g_strdup_printf ("acct%u", i);
      lk_credential_cache_insert (cache, "db", name, "key", i);
      g_assert_cmpuint (lk_credential_cache_size (cache), <=, 4);
    }
  g_assert_true (lk_credential_cache_lookup (cache, "db", "acct9", "key", &id));
  g_assert_cmpint (id, ==, 9);
  /* Another database, another key: no match. */
  g_assert_false (lk_credential_cache_lookup (cache, "db2", "acct9", "key", &id));
  g_assert_false (lk_credential_cache_lookup (cache, "db", "acct9", "key2", &id));
  g_assert_false (lk_credential_cache_lookup (cache, "db", "acct", "9key", &id));
  /* Entries expire after the TTL. */
  g_usleep (1100 * 1000);
  g_assert_false (lk_credential_cache_lookup (cache, "db", "acct9", "key", &id));
  lk_credential_cache_insert (cache, "db", "a", "k", 7);
  lk_credential_cache_forget_account (cache, 7);
  g_assert_false (lk_credential_cache_lookup (cache, "db", "a", "k", &id));
}

static void
test_file_key_provider (Fixture *f, gconstpointer data)
{
  g_autofree char *path = g_build_filename (f->dir, "master.key", NULL);
  g_autofree char *db = g_build_filename (f->dir, "filekey.db", NULL);
  g_autoptr(LkKeyProvider) keys = lk_file_key_provider_new (path);
  g_autoptr(GError) error = NULL;
  guint8 a[LK_MASTER_KEY_SIZE], b[LK_MASTER_KEY_SIZE];
  LkEngineConfig config;
  struct stat st;
  LkEngine *engine;

  /* Created on first use, 0600, and stable. */
  g_assert_true (lk_key_provider_load_key (keys, a, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (st.st_size, ==, LK_MASTER_KEY_SIZE);
  g_assert_true (lk_key_provider_load_key (keys, b, &error));
  g_assert_cmpmem (a, sizeof a, b, sizeof b);
  g_assert_cmpstr (lk_file_key_provider_get_path (LK_FILE_KEY_PROVIDER (keys)), ==, path);

  fixture_config (f, &config);
  engine = lk_engine_open (db, keys, &config, &error);
  g_assert_no_error (error);
  lk_engine_close (engine);

  /* Readable by others: refused. */
  g_assert_cmpint (g_chmod (path, 0644), ==, 0);
  g_assert_false (lk_key_provider_load_key (keys, b, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_MASTER_KEY);
  g_clear_error (&error);
  engine = lk_engine_open (db, keys, &config, &error);
  g_assert_null (engine);
  assert_engine_error (error, LK_ENGINE_ERROR_MASTER_KEY);
  g_clear_error (&error);
  g_assert_cmpint (g_chmod (path, 0600), ==, 0);

  /* Wrong size: refused. */
  g_assert_true (g_file_set_contents (path, "short", -1, NULL));
  g_assert_cmpint (g_chmod (path, 0600), ==, 0);
  g_assert_false (lk_key_provider_load_key (keys, b, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_MASTER_KEY);
  g_clear_error (&error);

  /* store_key replaces it atomically, still 0600. */
  memset (b, 0x5a, sizeof b);
  g_assert_true (lk_key_provider_store_key (keys, b, &error));
  g_assert_no_error (error);
  g_assert_true (lk_key_provider_load_key (keys, a, &error));
  g_assert_cmpmem (a, sizeof a, b, sizeof b);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  /* A directory is not a key file. */
  {
    g_autoptr(LkKeyProvider) dir_keys = lk_file_key_provider_new (f->dir);
    g_assert_false (lk_key_provider_load_key (dir_keys, a, &error));
    assert_engine_error (error, LK_ENGINE_ERROR_MASTER_KEY);
  }
}

typedef struct
{
  const char *path;
  guint8      key[LK_MASTER_KEY_SIZE];
  gboolean    ok;
} KeyRacer;

static gpointer
key_racer (gpointer data)
{
  KeyRacer *r = data;
  g_autoptr(LkKeyProvider) keys = lk_file_key_provider_new (r->path);

  r->ok = lk_key_provider_load_key (keys, r->key, NULL);
  return NULL;
}

/* Several servers starting at once on a missing key file agree on one key. */
static void
test_key_file_creation_race (Fixture *f, gconstpointer data)
{
  for (guint round = 0; round < 20; round++)
    {
      g_autofree char *path = g_strdup_printf ("%s/race-%u.key", f->dir, round);
      KeyRacer racers[4];
      GThread *threads[4];

      for (guint i = 0; i < 4; i++)
        {
          racers[i].path = path;
          threads[i] = g_thread_new ("key-racer", key_racer, &racers[i]);
        }
      for (guint i = 0; i < 4; i++)
        g_thread_join (threads[i]);
      for (guint i = 0; i < 4; i++)
        {
          g_assert_true (racers[i].ok);
          g_assert_cmpmem (racers[i].key, LK_MASTER_KEY_SIZE, racers[0].key, LK_MASTER_KEY_SIZE);
        }
      g_unlink (path);
    }
}

static void
test_wrong_master_key (Fixture *f, gconstpointer data)
{
  g_autoptr(LkKeyProvider) other = lk_memory_key_provider_new (NULL);
  g_autoptr(GError) error = NULL;
  LkEngineConfig config;
  LkEngine *engine;

  fixture_config (f, &config);
  engine = lk_engine_open (f->path, other, &config, &error);
  g_assert_null (engine);
  assert_engine_error (error, LK_ENGINE_ERROR_MASTER_KEY);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  FIXTURE_TEST ("/engine/accounts/create-login", test_create_and_login);
  FIXTURE_TEST ("/engine/accounts/bad-input", test_bad_account_input);
  FIXTURE_TEST ("/engine/accounts/login-cache", test_login_cache);
  g_test_add_func ("/engine/accounts/cache-bounds", test_cache_bounds);
  FIXTURE_TEST ("/engine/accounts/file-key-provider", test_file_key_provider);
  FIXTURE_TEST ("/engine/accounts/wrong-master-key", test_wrong_master_key);
  FIXTURE_TEST ("/engine/accounts/key-file-race", test_key_file_creation_race);

  return g_test_run ();
}
