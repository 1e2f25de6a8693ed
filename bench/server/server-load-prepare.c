/* SPDX-License-Identifier: GPL-3.0-or-later
 * Prepares the database server-load drives (N users, each with one active
 * HOTP device of a known seed), writes the valid codes in the order the
 * load should send them, and measures the peer: the same validations made
 * directly on the engine, in this process, on one thread.
 *
 *   server-load-prepare --db FILE --master-key FILE --codes FILE
 *                       [--users 10000] [--rounds 30] [--peer-db FILE]
 *                       [--account NAME] [--account-key KEY]
 *
 * Prints "key=value" lines: users, rounds, prepare_seconds, and with
 * --peer-db engine_validations_per_second. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <gio/gio.h>

#include "lk-engine.h"
#include "lk-otp.h"

/* Each user's seed is a function of its index, so codes can be recomputed. */
static void
user_seed (guint  index,
           guint8 seed[20])
{
  g_autofree char *text = g_strdup_printf ("latchkey-bench-%05u", index);

  memset (seed, 0, 20);
  memcpy (seed, text, MIN (strlen (text), 20));
}

static void
user_code (guint    index,
           guint64  counter,
           char     code[LK_OTP_CODE_SIZE])
{
  guint8 seed[20];
  g_autoptr(LkOtpKey) key = NULL;

  user_seed (index, seed);
  key = lk_otp_key_new (LK_HASH_SHA1, seed, sizeof seed, NULL);
  g_assert (key != NULL);
  lk_hotp_generate (key, counter, 6, code);
}

static gboolean
copy_file (const char  *from,
           const char  *to,
           GError     **error)
{
  g_autoptr(GFile) source = g_file_new_for_path (from);
  g_autoptr(GFile) dest = g_file_new_for_path (to);

  return g_file_copy (source, dest, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, error);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *db_path = NULL;
  g_autofree char *key_path = NULL;
  g_autofree char *codes_path = NULL;
  g_autofree char *peer_db = NULL;
  g_autofree char *account = g_strdup ("bench");
  g_autofree char *account_key = g_strdup ("bench-partner-key");
  gint users = 10000;
  gint rounds = 30;
  const GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db_path, "Database to create", "FILE" },
    { "master-key", 0, 0, G_OPTION_ARG_FILENAME, &key_path, "Master key file (created)", "FILE" },
    { "codes", 0, 0, G_OPTION_ARG_FILENAME, &codes_path, "Where to write \"user code\" lines", "FILE" },
    { "peer-db", 0, 0, G_OPTION_ARG_FILENAME, &peer_db, "Copy to validate directly (the peer)", "FILE" },
    { "users", 0, 0, G_OPTION_ARG_INT, &users, "Users, one HOTP device each", "N" },
    { "rounds", 0, 0, G_OPTION_ARG_INT, &rounds, "Valid codes written per device", "N" },
    { "account", 0, 0, G_OPTION_ARG_STRING, &account, "Partner account", "NAME" },
    { "account-key", 0, 0, G_OPTION_ARG_STRING, &account_key, "Partner account key", "KEY" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(LkKeyProvider) keys = NULL;
  g_autoptr(LkEngine) engine = NULL;
  g_autoptr(GString) codes = NULL;
  LkEngineConfig config;
  gint64 account_id = 0;
  gint64 started;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) ||
      db_path == NULL || key_path == NULL || codes_path == NULL || users < 1 || rounds < 1)
    {
      g_printerr ("server-load-prepare: %s\n", error != NULL ? error->message : "--db, --master-key and --codes are required");
      return 2;
    }

  started = g_get_monotonic_time ();
  keys = lk_file_key_provider_new (key_path);
  lk_engine_config_init (&config);
  /* The cheapest password hash: 10,000 enrolments should take seconds. */
  config.password_kdf_log2n = 10;
  engine = lk_engine_open (db_path, keys, &config, &error);
  if (engine == NULL || !lk_engine_create_account (engine, account, account_key, &account_id, &error))
    goto fail;

  if (!lk_engine_batch_begin (engine, &error))
    goto fail;
  for (gint i = 0; i < users; i++)
    {
      g_autofree char *login = g_strdup_printf ("user%05d", i);
      g_autofree char *serial = g_strdup_printf ("BENCH%05d", i);
      g_autofree char *email = g_strdup_printf ("user%05d@bench.example", i);
      g_autofree char *hex = NULL;
      g_autoptr(LkEnrollResult) result = NULL;
      char code0[LK_OTP_CODE_SIZE];
      char code1[LK_OTP_CODE_SIZE];
      guint8 seed[20];
      LkUserSpec spec;

      user_seed (i, seed);
      hex = g_malloc (41);
      for (gsize b = 0; b < sizeof seed; b++)
        g_snprintf (hex + 2 * b, 3, "%02x", seed[b]);

      lk_user_spec_init (&spec);
      spec.login = login;
      spec.first_name = "Bench";
      spec.last_name = "User";
      spec.email = email;
      spec.password = "bench-user-password";
      spec.with_device = TRUE;
      spec.device.device_type = LK_DEVICE_TYPE_HARDWARE;
      spec.device.otp_type = LK_OTP_TYPE_EVENT;
      spec.device.otp_length = 6;
      spec.device.window_size = 10;
      spec.device.psn = serial;
      spec.device.secret_key_hex = hex;
      result = lk_engine_enroll_user (engine, account_id, &spec, &error);
      if (result == NULL)
        goto fail;

      /* Activation takes counters 0 and 1; the load starts at 2. */
      user_code (i, 0, code0);
      user_code (i, 1, code1);
      if (!lk_engine_activate_device (engine, account_id, login, serial, code0, code1, &error))
        goto fail;

      if ((i + 1) % 1000 == 0 &&
          (!lk_engine_batch_commit (engine, &error) || !lk_engine_batch_begin (engine, &error)))
        goto fail;
    }
  if (!lk_engine_batch_commit (engine, &error))
    goto fail;
  g_clear_pointer (&engine, lk_engine_close);

  /* Round-major: a device's next code comes only after every other device
   * had one, so concurrent requests never race on one device's counter. */
  codes = g_string_new (NULL);
  for (gint r = 0; r < rounds; r++)
    for (gint i = 0; i < users; i++)
      {
        char code[LK_OTP_CODE_SIZE];

        user_code (i, 2 + r, code);
        g_string_append_printf (codes, "user%05d %s\n", i, code);
      }
  if (!g_file_set_contents (codes_path, codes->str, codes->len, &error))
    goto fail;

  printf ("users=%d\nrounds=%d\nprepare_seconds=%.1f\n", users, rounds,
          (g_get_monotonic_time () - started) / (double) G_USEC_PER_SEC);

  if (peer_db != NULL)
    {
      g_autoptr(LkEngine) peer = NULL;
      guint ok = 0;
      gint64 t0;
      double seconds;

      if (!copy_file (db_path, peer_db, &error))
        goto fail;
      peer = lk_engine_open (peer_db, keys, NULL, &error);
      if (peer == NULL || !lk_engine_login_account (peer, account, account_key, &account_id, &error))
        goto fail;

      /* The peer: round 0 for every device, straight on the engine with the
       * partner login each request does (answered from the cache). */
      t0 = g_get_monotonic_time ();
      for (gint i = 0; i < users; i++)
        {
          g_autofree char *login = g_strdup_printf ("user%05d", i);
          g_autoptr(GError) local_error = NULL;
          char code[LK_OTP_CODE_SIZE];
          gint64 id = 0;

          user_code (i, 2, code);
          if (lk_engine_login_account (peer, account, account_key, &id, NULL) &&
              lk_engine_validate_otp (peer, id, login, NULL, code, NULL, NULL, &local_error))
            ok++;
        }
      seconds = (g_get_monotonic_time () - t0) / (double) G_USEC_PER_SEC;
      printf ("engine_validations=%d\nengine_accepted=%u\nengine_validations_per_second=%.0f\n",
              users, ok, users / seconds);
    }

  return 0;

fail:
  g_printerr ("server-load-prepare: %s\n", error != NULL ? error->message : "failed");
  return 1;
}
