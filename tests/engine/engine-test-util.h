/* SPDX-License-Identifier: GPL-3.0-or-later
 * Shared set-up for the engine tests: a temporary database with a known
 * master key, a clock the test moves, an account, and OTP helpers. */
#pragma once

#include <string.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "lk-engine.h"
#include "lk-otp.h"
#include "lk-test-pg.h"

typedef struct
{
  char            *dir;
  char            *path;
  LkKeyProvider   *keys;
  LkEngine        *engine;
  gint64           now;
  gint64           account;
  LkCredentialCache *cache;
  char            *pg_db;   /* the test's PostgreSQL database, or NULL on SQLite */
} Fixture;

static inline gint64
fixture_clock (gpointer data)
{
  return ((Fixture *) data)->now;
}

static inline void
fixture_config (Fixture        *f,
                LkEngineConfig *config)
{
  lk_engine_config_init (config);
  /* The smallest scrypt cost keeps the tests fast under sanitizers; the
   * hash format records its cost, so verification is the same code path. */
  config->password_kdf_log2n = 10;
  config->clock = fixture_clock;
  config->clock_data = f;
  config->credential_cache = f->cache;
}

static inline LkEngine *
fixture_open (Fixture *f)
{
  LkEngineConfig config;
  g_autoptr(GError) error = NULL;
  LkEngine *engine;

  fixture_config (f, &config);
  engine = lk_engine_open (f->path, f->keys, &config, &error);
  g_assert_no_error (error);
  g_assert_nonnull (engine);
  return engine;
}

static inline void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  static const guint8 key[LK_MASTER_KEY_SIZE] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                                  17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32 };
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("lk-engine-XXXXXX", &error);
  g_assert_no_error (error);
  if (lk_test_pg_enabled ())
    f->pg_db = lk_test_pg_create_db (&f->path);
  else
    f->path = g_build_filename (f->dir, "engine.db", NULL);
  f->keys = lk_memory_key_provider_new (key);
  f->now = 1700000000;   /* a fixed instant, step 56666666 at 30 s */
  f->cache = lk_credential_cache_new (0, 0);
  f->engine = fixture_open (f);
  g_assert_true (lk_engine_create_account (f->engine, "acme", "acme-secret-key", &f->account, &error));
  g_assert_no_error (error);
}

static inline void
remove_tree (const char *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const char *name;

  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *p = g_build_filename (dir, name, NULL);
      g_unlink (p);
    }
  g_dir_close (d);
  g_rmdir (dir);
}

static inline void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_pointer (&f->engine, lk_engine_close);
  g_clear_object (&f->keys);
  g_clear_pointer (&f->cache, lk_credential_cache_unref);
  remove_tree (f->dir);
  if (f->pg_db != NULL)
    lk_test_pg_drop_db (f->pg_db);
  g_free (f->pg_db);
  g_free (f->path);
  g_free (f->dir);
}

/* RFC 4226's test seed. */
#define RFC_SEED_HEX "3132333435363738393031323334353637383930"

static inline void
otp_for (const char *seed_hex,
         LkHash      hash,
         guint64     counter,
         guint       digits,
         char        code[LK_OTP_CODE_SIZE])
{
  guint8 seed[64];
  gsize n = strlen (seed_hex) / 2;
  g_autoptr(LkOtpKey) key = NULL;

  for (gsize i = 0; i < n; i++)
    seed[i] = (guint8) (g_ascii_xdigit_value (seed_hex[2 * i]) << 4 | g_ascii_xdigit_value (seed_hex[2 * i + 1]));
  key = lk_otp_key_new (hash, seed, n, NULL);
  g_assert_nonnull (key);
  lk_hotp_generate (key, counter, digits, code);
}

/* An enrolled user with one device from @spec (NULL: HOTP on the RFC seed). */
static inline LkDevice *
add_user_with_device (Fixture            *f,
                      const char         *login,
                      const LkDeviceSpec *spec)
{
  LkUserSpec us;
  g_autoptr(GError) error = NULL;
  g_autoptr(LkEnrollResult) result = NULL;

  lk_user_spec_init (&us);
  us.login = login;
  us.email = "someone@example.org";
  us.mobile_phone = "+44 20 7946 0000";
  us.with_device = TRUE;
  if (spec != NULL)
    us.device = *spec;
  else
    {
      us.device.otp_type = LK_OTP_TYPE_EVENT;
      us.device.secret_key_hex = RFC_SEED_HEX;
    }
  result = lk_engine_enroll_user (f->engine, f->account, &us, &error);
  g_assert_no_error (error);
  g_assert_nonnull (result);
  return g_steal_pointer (&result->device);
}

/* Activates a HOTP device on the RFC seed with counters 0 and 1. */
static inline void
activate_hotp (Fixture    *f,
               const char *login,
               const char *serial)
{
  char c0[LK_OTP_CODE_SIZE], c1[LK_OTP_CODE_SIZE];
  g_autoptr(GError) error = NULL;
  gboolean ok;

  otp_for (RFC_SEED_HEX, LK_HASH_SHA1, 0, 6, c0);
  otp_for (RFC_SEED_HEX, LK_HASH_SHA1, 1, 6, c1);
  ok = lk_engine_activate_device (f->engine, f->account, login, serial, c0, c1, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
}

#define assert_engine_error(err, c) g_assert_error ((err), LK_ENGINE_ERROR, (c))

#define FIXTURE_TEST(path, fn) \
  g_test_add ((path), Fixture, NULL, fixture_setup, (fn), fixture_teardown)
