/* SPDX-License-Identifier: GPL-3.0-or-later
 * Bulk import through the API (issue 11): N hardware keys and N users sent
 * as import_oath_devices / import_users chunks (lk-backend-import.h)
 *   - to the embedded engine through the local backend, against the bulk
 *     layer's own import on an engine in the same process (the peer: what
 *     the codec and the worker thread cost on top);
 *   - to a real latchkeyd over TLS on loopback, against the same server
 *     taking one add_oath_device / add_oath_user request per item (the
 *     peer: how --server worked before the bulk types).
 * The per-item peer runs on the first N/10 items and is reported as a rate.
 *
 * Usage: bulk-api-bench [--quick] [N]   (--quick: 1,000, for CI)
 * Needs latchkeyd: $LK_LATCHKEYD or $LK_BUILD_ROOT/src/server/latchkeyd. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "lk-backend-import.h"
#include "lk-bulk-import.h"
#include "lk-local-backend.h"
#include "lk-remote-backend.h"
#include "lk-secure.h"
#include "lk-test-server.h"

static G_NORETURN void
die (const char *what, GError *error)
{
  g_printerr ("bulk-api-bench: %s: %s\n", what, error ? error->message : "failed");
  exit (1);
}

static double
now (void)
{
  return g_get_monotonic_time () / 1e6;
}

static GPtrArray *
make_keys (guint n)
{
  GPtrArray *keys = g_ptr_array_new_with_free_func ((GDestroyNotify) lk_pskc_key_free);

  for (guint i = 0; i < n; i++)
    {
      LkPskcKey *key = lk_pskc_key_new ();
      guint8 seed[20];

      lk_random_bytes (seed, sizeof seed, NULL);
      key->index = i + 1;
      key->serial = g_strdup_printf ("FOB%06u", i);
      key->kind = i % 2 ? LK_PSKC_TOTP : LK_PSKC_HOTP;
      key->digits = 6;
      key->period = 30;
      key->counter = i;
      key->secret = lk_secure_bytes_new (seed, sizeof seed);
      lk_secure_wipe (seed, sizeof seed);
      g_ptr_array_add (keys, key);
    }
  return keys;
}

static GPtrArray *
make_rows (guint n)
{
  g_autoptr(GString) csv = g_string_new ("login,first name,last name,email\n");
  GPtrArray *rows;

  for (guint i = 0; i < n; i++)
    g_string_append_printf (csv, "user%06u,First%u,\"Last, %u\",user%06u@example.org\n", i, i, i, i);
  rows = lk_bulk_user_rows (csv->str, csv->len, NULL);
  g_assert (rows != NULL && rows->len == n);
  return rows;
}

static void
import_done (GObject *source, GAsyncResult *result, gpointer data)
{
  *(GAsyncResult **) data = g_object_ref (result);
}

/* The whole import through @backend; the seconds it took. */
static double
through_backend (LkBackend *backend,
                 GPtrArray *items,
                 gboolean   keys)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(LkBulkReport) report = NULL;
  g_autoptr(GError) error = NULL;
  double t0 = now ();

  if (keys)
    lk_backend_import_keys_async (backend, items, FALSE, NULL, NULL, NULL, NULL, import_done, &result);
  else
    lk_backend_import_user_rows_async (backend, items, FALSE, NULL, NULL, NULL, NULL, import_done, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  report = lk_backend_import_finish (backend, result, &error);
  if (report == NULL)
    die ("import", error);
  if (report->counts[LK_BULK_ADDED] != items->len)
    die ("import: not everything was added", NULL);
  return now () - t0;
}

/* One add_oath_device / add_oath_user per item, as --server did before. */
static double
per_item (LkBackend *backend,
          GPtrArray *items,
          guint      n,
          gboolean   keys)
{
  double t0 = now ();

  for (guint i = 0; i < n; i++)
    {
      LkApiRequest *request;
      g_autoptr(LkApiResponse) response = NULL;
      g_autoptr(GError) error = NULL;

      if (keys)
        {
          const LkPskcKey *key = items->pdata[i];
          gsize len;
          const guint8 *seed = g_bytes_get_data (key->secret, &len);

          request = lk_api_request_new (LK_API_OP_ADD_DEVICE);
          request->device_type = LK_DEVICE_TYPE_HARDWARE;
          request->otp_type = key->kind == LK_PSKC_TOTP ? LK_OTP_TYPE_TIME : LK_OTP_TYPE_EVENT;
          request->otp_length = 6;
          request->psn = g_strdup_printf ("ONE-%s", key->serial);
          request->secret_key_hex = g_malloc (len * 2 + 1);
          for (gsize b = 0; b < len; b++)
            g_snprintf (request->secret_key_hex + 2 * b, 3, "%02x", seed[b]);
        }
      else
        {
          const LkBulkUserRow *row = items->pdata[i];

          request = lk_api_request_new (LK_API_OP_ENROLL_USER);
          request->username = g_strdup_printf ("one-%s", row->login);
          request->first_name = g_strdup (row->first_name);
          request->last_name = g_strdup (row->last_name);
          request->email = g_strdup (row->email);
        }
      response = lk_backend_call_sync (backend, request, NULL, &error);
      if (response == NULL || response->error_code != 0)
        die ("per-item request", error);
    }
  return now () - t0;
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("lk-bulk-api-bench-XXXXXX", NULL);
  guint n = 10000;
  g_autoptr(GPtrArray) keys = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  double engine_keys, engine_rows, local_keys, local_rows, remote_keys, remote_rows, one_keys, one_rows;
  guint sample;

  for (int i = 1; i < argc; i++)
    if (g_str_equal (argv[i], "--quick"))
      n = 1000;
    else
      n = (guint) g_ascii_strtoull (argv[i], NULL, 10);
  if (n < 10)
    n = 10;
  sample = n / 10;
  keys = make_keys (n);
  rows = make_rows (n);

  /* Peer 1: the bulk layer straight on an engine in this process. */
  {
    static const guint8 master[LK_MASTER_KEY_SIZE] = { 7 };
    g_autoptr(LkKeyProvider) provider = lk_memory_key_provider_new (master);
    g_autofree char *db = g_build_filename (dir, "engine.db", NULL);
    LkEngine *engine = lk_engine_open (db, provider, NULL, &error);
    g_autoptr(LkBulkReport) report = NULL;
    gint64 account;
    double t0;

    if (engine == NULL || !lk_engine_create_account (engine, "bench", "bench-account-key", &account, &error))
      die ("engine", error);
    t0 = now ();
    report = lk_bulk_import_pskc (engine, account, keys, NULL, &error);
    engine_keys = now () - t0;
    if (report == NULL)
      die ("engine import", error);
    g_clear_pointer (&report, lk_bulk_report_free);
    t0 = now ();
    report = lk_bulk_import_user_rows (engine, account, rows, NULL, &error);
    engine_rows = now () - t0;
    if (report == NULL)
      die ("engine enrolment", error);
    lk_engine_close (engine);
  }

  /* The local backend: chunks through the codec to the worker thread. */
  {
    g_autofree char *db = g_build_filename (dir, "local.db", NULL);
    g_autofree char *key_path = g_build_filename (dir, "local.db.key", NULL);
    g_autoptr(LkKeyProvider) provider = lk_file_key_provider_new (key_path);
    g_autoptr(LkBackend) backend = lk_local_backend_new (db, provider, "bench", "bench-account-key");
    LkApiRequest *create = lk_api_request_new (LK_API_OP_CREATE_ACCOUNT);
    g_autoptr(LkApiResponse) response = NULL;

    create->account_name = g_strdup ("bench");
    create->account_key = g_strdup ("bench-account-key");
    response = lk_backend_call_sync (backend, create, NULL, &error);
    if (response == NULL || response->error_code != 0)
      die ("local account", error);
    local_keys = through_backend (backend, keys, TRUE);
    local_rows = through_backend (backend, rows, FALSE);
  }

  /* latchkeyd over TLS: chunks, then one request per item. */
  {
    g_autoptr(LkTestServer) server = lk_test_server_start (NULL, &error);
    g_autoptr(LkBackend) backend = NULL;

    if (server == NULL)
      die ("latchkeyd", error);
    backend = lk_remote_backend_new (lk_test_server_get_url (server), lk_test_server_get_account (server),
                                     lk_test_server_get_account_key (server), &error);
    if (backend == NULL
        || !lk_remote_backend_pin_certificate_file (LK_REMOTE_BACKEND (backend),
                                                    lk_test_server_get_cert_file (server), &error))
      die ("remote backend", error);
    remote_keys = through_backend (backend, keys, TRUE);
    remote_rows = through_backend (backend, rows, FALSE);
    one_keys = per_item (backend, keys, sample, TRUE);
    one_rows = per_item (backend, rows, sample, FALSE);
    g_clear_object (&backend);
    if (lk_test_server_stop (server, &error) != 0)
      die ("latchkeyd stop", error);
  }

  printf ("bulk-api-bench: %u keys, %u users (per-item peer on %u of each)\n", n, n, sample);
  printf ("%-34s %9s %11s %s\n", "import", "time", "rate", "ratio");
  printf ("%-34s %8.2fs %9.0f/s\n", "keys, engine (lk_bulk_import_pskc)", engine_keys, n / engine_keys);
  printf ("%-34s %8.2fs %9.0f/s  %.2fx the engine's time\n", "keys, local backend chunks", local_keys,
          n / local_keys, local_keys / engine_keys);
  printf ("%-34s %8.2fs %9.0f/s  %.2fx the engine's time\n", "keys, latchkeyd chunks", remote_keys,
          n / remote_keys, remote_keys / engine_keys);
  printf ("%-34s %8.2fs %9.0f/s  chunks are %.1fx faster\n", "keys, latchkeyd one per item", one_keys,
          sample / one_keys, (sample / one_keys) > 0 ? (n / remote_keys) / (sample / one_keys) : 0);
  printf ("%-34s %8.2fs %9.0f/s\n", "users, engine", engine_rows, n / engine_rows);
  printf ("%-34s %8.2fs %9.0f/s  %.2fx the engine's time\n", "users, local backend chunks", local_rows,
          n / local_rows, local_rows / engine_rows);
  printf ("%-34s %8.2fs %9.0f/s  %.2fx the engine's time\n", "users, latchkeyd chunks", remote_rows,
          n / remote_rows, remote_rows / engine_rows);
  printf ("%-34s %8.2fs %9.0f/s  chunks are %.1fx faster\n", "users, latchkeyd one per item", one_rows,
          sample / one_rows, (n / remote_rows) / (sample / one_rows));

  {
    g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
    const char *name;

    while (d != NULL && (name = g_dir_read_name (d)) != NULL)
      {
        g_autofree char *path = g_build_filename (dir, name, NULL);

        g_unlink (path);
      }
    g_rmdir (dir);
  }
  return 0;
}
