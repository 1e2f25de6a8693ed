/* SPDX-License-Identifier: GPL-3.0-or-later
 * The bulk API types on a real latchkeyd over TLS with debug logging: a
 * whole file imported in chunks through the remote backend, refusals of bad
 * chunks over HTTP (too many items, over the body limit, wrong types), and
 * no seed in the server's log, its metrics or any answer. */
#include "config.h"

#include <string.h>

#include "lk-backend-import.h"
#include "lk-remote-backend.h"
#include "lk-secure.h"
#include "lk-test-server.h"

#define N_KEYS 900

static LkTestServer *server;
static SoupSession *session;

static void
import_done (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  *(GAsyncResult **) data = g_object_ref (result);
}

static LkBulkReport *
import_keys (LkBackend  *backend,
             GPtrArray  *keys,
             GError    **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  lk_backend_import_keys_async (backend, keys, FALSE, NULL, NULL, NULL, NULL, import_done, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return lk_backend_import_finish (backend, result, error);
}

static char *
hex_of (GBytes *bytes)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  char *hex = g_malloc (len * 2 + 1);

  for (gsize i = 0; i < len; i++)
    g_snprintf (hex + 2 * i, 3, "%02x", data[i]);
  return hex;
}

static char *
http_get (const char *path)
{
  g_autofree char *url = g_strconcat (lk_test_server_get_base_url (server), path, NULL);
  g_autoptr(SoupMessage) message = soup_message_new ("GET", url);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read (session, message, NULL, &error);

  g_assert_no_error (error);
  return g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
}

static void
test_seeds_stay_secret (void)
{
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func ((GDestroyNotify) lk_pskc_key_free);
  g_autoptr(LkBackend) backend = NULL;
  g_autoptr(LkBulkReport) report = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *log = NULL;
  g_autofree char *metrics = NULL;

  for (guint i = 0; i < N_KEYS; i++)
    {
      LkPskcKey *key = lk_pskc_key_new ();
      guint8 seed[32];

      g_assert_true (lk_random_bytes (seed, sizeof seed, NULL));
      key->index = i + 1;
      key->serial = g_strdup_printf ("SRV-%04u", i);
      key->kind = LK_PSKC_HOTP;
      key->digits = 8;
      key->counter = 1000 + i;
      key->secret = lk_secure_bytes_new (seed, sizeof seed);
      g_ptr_array_add (keys, key);
    }
  backend = lk_remote_backend_new (lk_test_server_get_url (server), lk_test_server_get_account (server),
                                   lk_test_server_get_account_key (server), &error);
  g_assert_no_error (error);
  g_assert_true (lk_remote_backend_pin_certificate_file (LK_REMOTE_BACKEND (backend),
                                                         lk_test_server_get_cert_file (server), &error));
  report = import_keys (backend, keys, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report->counts[LK_BULK_ADDED], ==, N_KEYS);
  g_clear_pointer (&report, lk_bulk_report_free);

  /* The same file again, one seed changed: skipped, and one conflict. */
  {
    LkPskcKey *key = keys->pdata[N_KEYS / 2];
    guint8 other[32] = { 1, 2, 3 };

    g_bytes_unref (key->secret);
    key->secret = lk_secure_bytes_new (other, sizeof other);
  }
  report = import_keys (backend, keys, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report->counts[LK_BULK_SKIPPED], ==, N_KEYS - 1);
  g_assert_cmpuint (report->counts[LK_BULK_CONFLICT], ==, 1);

  /* Neither the debug log nor the metrics hold any seed. The bulk types
   * are counted under their own names. */
  log = lk_test_server_dup_log (server);
  metrics = http_get ("metrics");
  g_assert_nonnull (strstr (metrics, "import_oath_devices"));
  g_assert_nonnull (strstr (log, "import_oath_devices"));   /* the access log saw them */
  for (guint i = 0; i < N_KEYS; i++)
    {
      g_autofree char *hex = hex_of (((LkPskcKey *) keys->pdata[i])->secret);
      g_autofree char *upper = g_ascii_strup (hex, -1);

      g_assert_null (strstr (log, hex));
      g_assert_null (strstr (log, upper));
      g_assert_null (strstr (metrics, hex));
    }
}

static void
test_bad_chunks (void)
{
  g_autoptr(GString) body = g_string_new ("\"type\": \"import_users\", \"users\": [");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = NULL;

  for (guint i = 0; i < 501; i++)
    g_string_append_printf (body, "%s{\"username\": \"u%u\"}", i ? "," : "", i);
  g_string_append_c (body, ']');
  answer = lk_test_server_call (server, session, body->str, &error);
  g_assert_no_error (error);
  g_assert_cmpint (json_object_get_int_member (answer, "errorCode"), ==, 9706);
  g_clear_pointer (&answer, json_object_unref);

  /* Over latchkeyd's 64 KiB body limit. */
  g_string_assign (body, "\"type\": \"import_users\", \"users\": [");
  for (guint i = 0; i < 300; i++)
    g_string_append_printf (body, "%s{\"username\": \"%0250u\"}", i ? "," : "", i);
  g_string_append_c (body, ']');
  answer = lk_test_server_call (server, session, body->str, &error);
  g_assert_no_error (error);
  g_assert_cmpint (json_object_get_int_member (answer, "errorCode"), ==, 9413);
  g_clear_pointer (&answer, json_object_unref);

  /* Wrong types: whole chunk refused, nothing written. */
  answer = lk_test_server_call (server, session, "\"type\": \"import_oath_devices\", \"devices\": "
                                "[{\"deviceId\": \"BAD-1\", \"secretKeyHex\": [\"31\"]}]", &error);
  g_assert_no_error (error);
  g_assert_cmpint (json_object_get_int_member (answer, "errorCode"), ==, 9703);
  g_clear_pointer (&answer, json_object_unref);
  answer = lk_test_server_call (server, session, "\"type\": \"find_device\", \"deviceId\": \"BAD-1\"", &error);
  g_assert_no_error (error);
  g_assert_cmpint (json_object_get_int_member (answer, "errorCode"), ==, 9021);
}

int
main (int    argc,
      char **argv)
{
  const char *const extra[] = { "--log-level", "debug", NULL };
  LkTestServerOptions options = { .extra_args = extra };
  g_autoptr(GError) error = NULL;
  int status;

  /* The isolated directories have no GSettings schemas for the proxy resolver. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  server = lk_test_server_start (&options, &error);
  g_assert_no_error (error);
  session = lk_test_server_new_session (server);

  g_test_add_func ("/api/bulk-server/seeds-stay-secret", test_seeds_stay_secret);
  g_test_add_func ("/api/bulk-server/bad-chunks", test_bad_chunks);
  status = g_test_run ();

  g_clear_object (&session);
  g_assert_cmpint (lk_test_server_stop (server, NULL), ==, 0);
  lk_test_server_free (server);
  return status;
}
