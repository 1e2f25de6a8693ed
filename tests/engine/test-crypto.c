/* SPDX-License-Identifier: GPL-3.0-or-later
 * Seeds at rest: sealed with AES-256-GCM bound to account and serial; a
 * corrupted or swapped ciphertext is refused; master key rotation. */
#define _GNU_SOURCE 1  /* memmem */
#include "config.h"

#include <sqlite3.h>

#include "engine-test-util.h"
#include "lk-engine-private.h"

static void
raw_exec (const char *path,
          const char *sql)
{
  sqlite3 *db = NULL;
  char *msg = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  if (sqlite3_exec (db, sql, NULL, NULL, &msg) != SQLITE_OK)
    g_error ("%s: %s", sql, msg);
  sqlite3_close (db);
}

static gboolean
raw_contains (const char   *path,
              const guint8 *needle,
              gsize         len)
{
  g_autofree char *data = NULL;
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  gsize n = 0;

  if (g_file_get_contents (path, &data, &n, NULL) && memmem (data, n, needle, len) != NULL)
    return TRUE;
  g_clear_pointer (&data, g_free);
  return g_file_get_contents (wal, &data, &n, NULL) && memmem (data, n, needle, len) != NULL;
}

static void
test_seed_not_in_file (Fixture *f, gconstpointer data)
{
  g_autoptr(LkDevice) d = add_user_with_device (f, "ana", NULL);

  /* The RFC seed is ASCII "12345678901234567890": it must not be on disk. */
  g_assert_false (raw_contains (f->path, (const guint8 *) "12345678901234567890", 20));
  g_assert_true (raw_contains (f->path, (const guint8 *) d->serial, strlen (d->serial)));
}

static void
test_corrupted_seed (Fixture *f, gconstpointer data)
{
  g_autoptr(LkDevice) d = add_user_with_device (f, "ben", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) audit = NULL;
  char code[LK_OTP_CODE_SIZE];

  activate_hotp (f, "ben", d->serial);
  /* Flip one bit in the middle of the ciphertext. */
  {
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    const guint8 *blob;
    guint8 *copy;
    int n;

    g_assert_cmpint (sqlite3_open (f->path, &db), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT seed FROM devices WHERE serial = ?1", -1, &st, NULL), ==, SQLITE_OK);
    sqlite3_bind_text (st, 1, d->serial, -1, SQLITE_STATIC);
    g_assert_cmpint (sqlite3_step (st), ==, SQLITE_ROW);
    blob = sqlite3_column_blob (st, 0);
    n = sqlite3_column_bytes (st, 0);
    copy = g_memdup2 (blob, n);
    sqlite3_finalize (st);
    copy[n / 2] ^= 0x01;
    g_assert_cmpint (sqlite3_prepare_v2 (db, "UPDATE devices SET seed = ?1 WHERE serial = ?2", -1, &st, NULL), ==, SQLITE_OK);
    sqlite3_bind_blob (st, 1, copy, n, SQLITE_STATIC);
    sqlite3_bind_text (st, 2, d->serial, -1, SQLITE_STATIC);
    g_assert_cmpint (sqlite3_step (st), ==, SQLITE_DONE);
    sqlite3_finalize (st);
    sqlite3_close (db);
    g_free (copy);
  }

  otp_for (RFC_SEED_HEX, LK_HASH_SHA1, 2, 6, code);
  g_assert_false (lk_engine_validate_otp (f->engine, f->account, "ben", NULL, code, NULL, NULL, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_SEED_CORRUPT);
  g_clear_error (&error);
  /* The refusal is audited, and the device state did not move. */
  audit = lk_engine_list_audit (f->engine, f->account, "ben", 0, 1, &error);
  g_assert_cmpint (((LkAuditEntry *) audit->pdata[0])->result, ==, LK_ENGINE_ERROR_SEED_CORRUPT);
  {
    g_autoptr(LkDevice) after = lk_engine_find_device (f->engine, f->account, d->serial, &error);
    g_assert_cmpuint (after->counter, ==, 2);
    g_assert_cmpuint (after->fail_count, ==, 0);
  }
  /* A truncated blob too. */
  {
    g_autofree char *trunc = g_strdup_printf ("UPDATE devices SET seed = substr (seed, 1, 10) WHERE serial = '%s'", d->serial);
    raw_exec (f->path, trunc);
  }
  g_assert_false (lk_engine_validate_otp (f->engine, f->account, "ben", NULL, code, NULL, NULL, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_SEED_CORRUPT);
  g_clear_error (&error);
  /* Rotation refuses to run over a damaged seed and changes nothing. */
  g_assert_false (lk_engine_rotate_master_key (f->engine, NULL, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_SEED_CORRUPT);
}

static void
test_swapped_rows (Fixture *f, gconstpointer data)
{
  LkDeviceSpec spec;
  g_autoptr(LkDevice) a = add_user_with_device (f, "cleo", NULL);
  g_autoptr(LkDevice) b = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *sql = NULL;
  char code[LK_OTP_CODE_SIZE];

  lk_device_spec_init (&spec);
  spec.otp_type = LK_OTP_TYPE_EVENT;
  spec.secret_key_hex = "00112233445566778899aabbccddeeff00112233";
  b = add_user_with_device (f, "dan", &spec);
  activate_hotp (f, "cleo", a->serial);

  /* Give dan's row cleo's ciphertext: with the serial in the associated
   * data, it no longer authenticates. */
  sql = g_strdup_printf ("UPDATE devices SET seed = (SELECT seed FROM devices WHERE serial = '%s') "
                         "WHERE serial = '%s'", a->serial, b->serial);
  raw_exec (f->path, sql);
  otp_for (RFC_SEED_HEX, LK_HASH_SHA1, 0, 6, code);
  {
    char c1[LK_OTP_CODE_SIZE];
    otp_for (RFC_SEED_HEX, LK_HASH_SHA1, 1, 6, c1);
    g_assert_false (lk_engine_activate_device (f->engine, f->account, "dan", b->serial, code, c1, &error));
  }
  assert_engine_error (error, LK_ENGINE_ERROR_SEED_CORRUPT);
  g_clear_error (&error);
  /* Cleo's own row still works. */
  otp_for (RFC_SEED_HEX, LK_HASH_SHA1, 2, 6, code);
  g_assert_true (lk_engine_validate_otp (f->engine, f->account, "cleo", NULL, code, NULL, NULL, &error));
  g_assert_no_error (error);

  /* Moving a row to another account breaks it too. */
  {
    gint64 other = 0;
    g_autofree char *move = NULL;
    g_assert_true (lk_engine_create_account (f->engine, "other", "other-account-key", &other, &error));
    move = g_strdup_printf ("UPDATE devices SET account_id = %" G_GINT64_FORMAT ", user_id = NULL WHERE serial = '%s'",
                            other, a->serial);
    raw_exec (f->path, move);
    otp_for (RFC_SEED_HEX, LK_HASH_SHA1, 3, 6, code);
    g_assert_false (lk_engine_validate_otp (f->engine, other, NULL, a->serial, code, NULL, NULL, &error));
    assert_engine_error (error, LK_ENGINE_ERROR_SEED_CORRUPT);
  }
}

static void
test_seal_unit (Fixture *f, gconstpointer data)
{
  guint8 key[LK_MASTER_KEY_SIZE] = { 7 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) a = lk_engine_seal_with (key, "p", 1, "s", (const guint8 *) "secret", 6, &error);
  g_autoptr(GBytes) b = lk_engine_seal_with (key, "p", 1, "s", (const guint8 *) "secret", 6, &error);
  g_autoptr(GBytes) plain = NULL;

  /* Fresh nonce each time. */
  g_assert_false (g_bytes_equal (a, b));
  plain = lk_engine_unseal_with (key, "p", 1, "s", g_bytes_get_data (a, NULL), g_bytes_get_size (a), &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (plain, NULL), g_bytes_get_size (plain), "secret", 6);
  g_assert_null (lk_engine_unseal_with (key, "q", 1, "s", g_bytes_get_data (a, NULL), g_bytes_get_size (a), &error));
  assert_engine_error (error, LK_ENGINE_ERROR_SEED_CORRUPT);
  g_clear_error (&error);
  g_assert_null (lk_engine_unseal_with (key, "p", 2, "s", g_bytes_get_data (a, NULL), g_bytes_get_size (a), &error));
  assert_engine_error (error, LK_ENGINE_ERROR_SEED_CORRUPT);
  g_clear_error (&error);
  g_assert_null (lk_engine_unseal_with (key, "p", 1, "t", g_bytes_get_data (a, NULL), g_bytes_get_size (a), &error));
  assert_engine_error (error, LK_ENGINE_ERROR_SEED_CORRUPT);
  g_clear_error (&error);
  key[0] = 8;
  g_assert_null (lk_engine_unseal_with (key, "p", 1, "s", g_bytes_get_data (a, NULL), g_bytes_get_size (a), &error));
  assert_engine_error (error, LK_ENGINE_ERROR_SEED_CORRUPT);
  g_clear_error (&error);
  g_assert_null (lk_engine_unseal_with (key, "p", 1, "s", (const guint8 *) "x", 1, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_SEED_CORRUPT);
}

static void
test_rotation (Fixture *f, gconstpointer data)
{
  LkDeviceSpec spec;
  g_autoptr(LkDevice) a = add_user_with_device (f, "eve", NULL);
  g_autoptr(LkDevice) b = NULL;
  g_autoptr(LkEngine) other = NULL;
  g_autoptr(LkKeyProvider) old_keys = NULL;
  g_autoptr(GError) error = NULL;
  guint8 old_key[LK_MASTER_KEY_SIZE], new_key[LK_MASTER_KEY_SIZE];
  char code[LK_OTP_CODE_SIZE];
  g_autofree char *pin_otp = NULL;
  LkEngineConfig config;
  gint64 outbox;

  lk_device_spec_init (&spec);
  spec.otp_type = LK_OTP_TYPE_EVENT;
  spec.secret_key_hex = RFC_SEED_HEX;
  spec.otp_pin = "9876";
  b = add_user_with_device (f, "fay", &spec);
  activate_hotp (f, "eve", a->serial);
  activate_hotp (f, "fay", b->serial);
  /* A pending outbox code must survive rotation too. */
  outbox = lk_engine_send_otp (f->engine, f->account, "eve", NULL, LK_DELIVERY_EMAIL, &error);
  g_assert_no_error (error);

  g_assert_true (lk_key_provider_load_key (f->keys, old_key, &error));
  old_keys = lk_memory_key_provider_new (old_key);
  other = fixture_open (f);   /* a second handle, opened before rotation */

  memset (new_key, 0x42, sizeof new_key);
  g_assert_true (lk_engine_rotate_master_key (f->engine, new_key, &error));
  g_assert_no_error (error);
  {
    guint8 stored[LK_MASTER_KEY_SIZE];
    g_assert_true (lk_key_provider_load_key (f->keys, stored, &error));
    g_assert_cmpmem (stored, sizeof stored, new_key, sizeof new_key);
  }

  /* Both handles keep validating; the second reloads the key on its own. */
  otp_for (RFC_SEED_HEX, LK_HASH_SHA1, 2, 6, code);
  g_assert_true (lk_engine_validate_otp (f->engine, f->account, "eve", NULL, code, NULL, NULL, &error));
  g_assert_no_error (error);
  otp_for (RFC_SEED_HEX, LK_HASH_SHA1, 3, 6, code);
  g_assert_true (lk_engine_validate_otp (other, f->account, "eve", NULL, code, NULL, NULL, &error));
  g_assert_no_error (error);
  /* PINs still check (the PIN key is re-sealed, not changed). */
  otp_for (RFC_SEED_HEX, LK_HASH_SHA1, 2, 6, code);
  pin_otp = g_strconcat ("9876", code, NULL);
  g_assert_true (lk_engine_validate_otp (other, f->account, "fay", NULL, pin_otp, NULL, NULL, &error));
  g_assert_no_error (error);
  /* The outbox code is still readable. */
  {
    g_autoptr(GPtrArray) claimed = lk_engine_outbox_claim (other, 10, 60, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (claimed->len, ==, 1);
    g_assert_cmpint (((LkOutboxMessage *) claimed->pdata[0])->id, ==, outbox);
    g_assert_nonnull (((LkOutboxMessage *) claimed->pdata[0])->code);
  }

  /* The old key no longer opens the database. */
  fixture_config (f, &config);
  {
    LkEngine *stale = lk_engine_open (f->path, old_keys, &config, &error);
    g_assert_null (stale);
    assert_engine_error (error, LK_ENGINE_ERROR_MASTER_KEY);
    g_clear_error (&error);
  }

  /* A random new key, twice in a row. */
  g_assert_true (lk_engine_rotate_master_key (other, NULL, &error));
  g_assert_true (lk_engine_rotate_master_key (f->engine, NULL, &error));
  g_assert_no_error (error);
  otp_for (RFC_SEED_HEX, LK_HASH_SHA1, 4, 6, code);
  g_assert_true (lk_engine_validate_otp (other, f->account, "eve", NULL, code, NULL, NULL, &error));
  g_assert_no_error (error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  FIXTURE_TEST ("/engine/crypto/seed-not-in-file", test_seed_not_in_file);
  FIXTURE_TEST ("/engine/crypto/corrupted", test_corrupted_seed);
  FIXTURE_TEST ("/engine/crypto/swapped", test_swapped_rows);
  FIXTURE_TEST ("/engine/crypto/seal", test_seal_unit);
  FIXTURE_TEST ("/engine/crypto/rotation", test_rotation);

  return g_test_run ();
}
