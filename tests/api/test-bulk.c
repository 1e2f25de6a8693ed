/* SPDX-License-Identifier: GPL-3.0-or-later
 * Tests of the bulk API types (lk-api-bulk.c): import_oath_devices and
 * import_users bodies as latchkeyd receives them, on a real engine, and
 * every refusal of a bad chunk. */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "lk-api.h"
#include "lk-api-bulk.h"
#include "lk-engine-bulk.h"

#define SEED_HEX  "3132333435363738393031323334353637383930"
#define OTHER_HEX "0102030405060708090a0b0c0d0e0f1011121314"

typedef struct
{
  char      *dir;
  LkEngine  *engine;
  gint64     account;
  JsonParser *parser;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkKeyProvider) keys = lk_memory_key_provider_new (NULL);
  g_autofree char *path = NULL;
  LkEngineConfig config;

  f->dir = g_dir_make_tmp ("lk-api-bulk-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (f->dir, "engine.db", NULL);
  lk_engine_config_init (&config);
  config.password_kdf_log2n = 10;
  f->engine = lk_engine_open (path, keys, &config, &error);
  g_assert_no_error (error);
  g_assert_true (lk_engine_create_account (f->engine, "acme", "acme-partner-key", &f->account, &error));
  g_assert_no_error (error);
  f->parser = json_parser_new ();
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GDir) dir = NULL;
  const char *entry;

  g_object_unref (f->parser);
  lk_engine_close (f->engine);
  dir = g_dir_open (f->dir, 0, NULL);
  while (dir != NULL && (entry = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (f->dir, entry, NULL);

      g_remove (child);
    }
  g_rmdir (f->dir);
  g_free (f->dir);
}

/* Posts "{type, account, @members}" and returns the answer (owned by the
 * fixture's parser until the next post); its body must not hold a seed. */
static JsonObject *
post (Fixture    *f,
      const char *type,
      const char *members)
{
  g_autofree char *text = g_strdup_printf ("{\"type\": \"%s\", \"spAccountLoginName\": \"acme\", "
                                           "\"spAccountLoginKey\": \"acme-partner-key\", %s}", type, members);
  g_autoptr(GBytes) body = g_bytes_new (text, strlen (text));
  LkApiCallInfo info = { 0 };
  g_autoptr(GBytes) answer = lk_api_handle_body (f->engine, body, &info);
  g_autoptr(GError) error = NULL;
  g_autofree char *answer_text = g_strndup (g_bytes_get_data (answer, NULL), g_bytes_get_size (answer));

  g_assert_null (strstr (answer_text, SEED_HEX));
  g_assert_null (strstr (answer_text, OTHER_HEX));
  g_assert_true (json_parser_load_from_data (f->parser, answer_text, -1, &error));
  g_assert_no_error (error);
  lk_api_call_info_clear (&info);
  return json_node_get_object (json_parser_get_root (f->parser));
}

static gint64
code_of (JsonObject *o)
{
  return json_object_get_int_member (o, "errorCode");
}

static JsonObject *
outcome (JsonObject *o,
         guint       i)
{
  return json_array_get_object_element (json_object_get_array_member (o, "outcomes"), i);
}

static void
assert_outcome (JsonObject *o,
                guint       i,
                gint64      line,
                const char *item,
                const char *status)
{
  JsonObject *x = outcome (o, i);

  g_assert_cmpint (json_object_get_int_member (x, "line"), ==, line);
  if (item != NULL)
    g_assert_cmpstr (json_object_get_string_member (x, "item"), ==, item);
  g_assert_cmpstr (json_object_get_string_member (x, "status"), ==, status);
  if (g_str_equal (status, "failed") || g_str_equal (status, "conflict"))
    g_assert_true (json_object_has_member (x, "message"));
}

static void
test_devices (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkDevice) device = NULL;
  JsonObject *o;
  const char *chunk =
    "\"devices\": ["
    " {\"line\": 1, \"deviceId\": \"HOTP-1\", \"OtpType\": 0, \"OtpLength\": 6, \"counter\": 42,"
    "  \"secretKeyHex\": \"" SEED_HEX "\"},"
    " {\"line\": 2, \"deviceId\": \"TOTP-1\", \"OtpType\": 1, \"algorithm\": \"SHA256\", \"OtpLength\": 8,"
    "  \"period\": 60, \"timeShift\": -2, \"secretKeyHex\": \"" SEED_HEX "\"},"
    " {\"line\": 3, \"deviceId\": \"BAD-HEX\", \"secretKeyHex\": \"zz\"},"
    " {\"line\": 4, \"secretKeyHex\": \"" SEED_HEX "\"},"
    " {\"line\": 5, \"deviceId\": \"SHORT\", \"secretKeyHex\": \"0102\"},"
    " {\"line\": 6, \"deviceId\": \"HOTP-1\", \"secretKeyHex\": \"" SEED_HEX "\"},"
    " {\"line\": 7, \"deviceId\": \"OCRA\", \"OtpType\": 2, \"secretKeyHex\": \"" SEED_HEX "\"},"
    " {\"line\": 8, \"deviceId\": \"ALG\", \"algorithm\": \"MD5\", \"secretKeyHex\": \"" SEED_HEX "\"}"
    "]";
  g_autofree char *dry = g_strconcat ("\"dryRun\": true, ", chunk, NULL);

  /* A dry run says what would happen and writes nothing. */
  o = post (f, "import_oath_devices", dry);
  g_assert_cmpint (code_of (o), ==, 0);
  g_assert_true (json_object_get_boolean_member (o, "dryRun"));
  g_assert_cmpint (json_object_get_int_member (o, "added"), ==, 2);
  g_assert_null (lk_engine_find_device (f->engine, f->account, "HOTP-1", &error));
  g_assert_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_DEVICE_NOT_FOUND);
  g_clear_error (&error);

  o = post (f, "import_oath_devices", chunk);
  g_assert_cmpint (code_of (o), ==, 0);
  g_assert_false (json_object_get_boolean_member (o, "dryRun"));
  g_assert_cmpint (json_object_get_int_member (o, "total"), ==, 8);
  g_assert_cmpint (json_object_get_int_member (o, "added"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (o, "conflict"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (o, "failed"), ==, 5);
  assert_outcome (o, 0, 1, "HOTP-1", "added");
  assert_outcome (o, 1, 2, "TOTP-1", "added");
  assert_outcome (o, 2, 3, "BAD-HEX", "failed");
  assert_outcome (o, 3, 4, NULL, "failed");
  assert_outcome (o, 4, 5, "SHORT", "failed");
  assert_outcome (o, 5, 6, "HOTP-1", "conflict");
  assert_outcome (o, 6, 7, "OCRA", "failed");
  assert_outcome (o, 7, 8, "ALG", "failed");

  /* Counter and drift arrive with the key. */
  device = lk_engine_find_device (f->engine, f->account, "HOTP-1", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (device->counter, ==, 42);
  g_assert_cmpint (device->device_type, ==, LK_DEVICE_TYPE_HARDWARE);
  g_assert_null (device->user_login);
  g_clear_pointer (&device, lk_device_free);
  device = lk_engine_find_device (f->engine, f->account, "TOTP-1", &error);
  g_assert_no_error (error);
  g_assert_cmpint (device->time_shift, ==, -2);
  g_assert_cmpuint (device->period, ==, 60);
  g_assert_cmpuint (device->digits, ==, 8);
  g_assert_cmpint (device->algorithm, ==, LK_HASH_SHA256);

  /* Again: the same serial with the same seed is skipped; another seed
   * under that serial is a conflict, and nothing is changed. */
  o = post (f, "import_oath_devices",
            "\"devices\": [{\"line\": 1, \"deviceId\": \"HOTP-1\", \"counter\": 42, \"secretKeyHex\": \"" SEED_HEX
            "\"}, {\"line\": 2, \"deviceId\": \"TOTP-1\", \"OtpType\": 1, \"algorithm\": \"SHA256\", "
            "\"OtpLength\": 8, \"period\": 60, \"secretKeyHex\": \"" OTHER_HEX "\"}]");
  g_assert_cmpint (code_of (o), ==, 0);
  assert_outcome (o, 0, 1, "HOTP-1", "skipped");
  assert_outcome (o, 1, 2, "TOTP-1", "conflict");
  g_assert_null (strstr (json_object_get_string_member (outcome (o, 1), "message"), OTHER_HEX));
  {
    gboolean equal = FALSE;
    const guint8 seed[] = "12345678901234567890";

    g_assert_true (lk_engine_device_seed_equals (f->engine, f->account, "TOTP-1", seed, 20, &equal, NULL, &error));
    g_assert_no_error (error);
    g_assert_true (equal);
  }
}

static void
test_users (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkUser) user = NULL;
  g_autoptr(LkDevice) device = NULL;
  JsonObject *o;

  o = post (f, "import_oath_devices",
            "\"devices\": [{\"deviceId\": \"FOB-1\", \"secretKeyHex\": \"" SEED_HEX "\"}]");
  g_assert_cmpint (code_of (o), ==, 0);
  assert_outcome (o, 0, 1, "FOB-1", "added");

  o = post (f, "import_users",
            "\"users\": ["
            " {\"line\": 2, \"username\": \"ann\", \"firstName\": \"Ann\", \"email\": \"ann@example.org\","
            "  \"deviceId\": \"FOB-1\"},"
            " {\"line\": 3, \"username\": \"bob\", \"deviceType\": \"desktop\"},"
            " {\"line\": 4, \"username\": \"ANN\"},"
            " {\"line\": 5, \"firstName\": \"Nobody\"},"
            " {\"line\": 6, \"username\": \"cy\", \"deviceType\": \"toaster\"},"
            " {\"line\": 7, \"username\": \"dan\", \"deviceId\": \"NO-SUCH\"},"
            " {\"line\": 8, \"username\": \"eve\", \"email\": \"not an address\"}"
            "]");
  g_assert_cmpint (code_of (o), ==, 0);
  g_assert_cmpint (json_object_get_int_member (o, "added"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (o, "failed"), ==, 5);
  assert_outcome (o, 0, 2, "ann", "added");
  assert_outcome (o, 1, 3, "bob", "added");
  assert_outcome (o, 2, 4, "ANN", "failed");
  assert_outcome (o, 3, 5, NULL, "failed");
  assert_outcome (o, 4, 6, "cy", "failed");
  assert_outcome (o, 5, 7, "dan", "failed");
  assert_outcome (o, 6, 8, "eve", "failed");
  device = lk_engine_find_device (f->engine, f->account, "FOB-1", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (device->user_login, ==, "ann");
  user = lk_engine_find_user (f->engine, f->account, "bob", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (user->device_count, ==, 1);
  g_clear_pointer (&user, lk_user_free);
  g_assert_null (lk_engine_find_user (f->engine, f->account, "dan", &error));
  g_assert_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_USER_NOT_FOUND);
  g_clear_error (&error);

  /* Again, as a dry run: what exists is skipped, nothing is written. */
  o = post (f, "import_users", "\"dryRun\": \"yes\", \"users\": [{\"line\": 2, \"username\": \"ann\"}, "
            "{\"line\": 9, \"username\": \"fay\"}]");
  g_assert_cmpint (code_of (o), ==, 0);
  assert_outcome (o, 0, 2, "ann", "skipped");
  assert_outcome (o, 1, 9, "fay", "added");
  g_assert_null (lk_engine_find_user (f->engine, f->account, "fay", &error));
  g_assert_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_USER_NOT_FOUND);
}

static void
test_refusals (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GString) big = g_string_new ("\"users\": [");
  JsonObject *o;

  /* More than 500 items: refused as a whole. */
  for (guint i = 0; i <= LK_API_BULK_MAX_ITEMS; i++)
    g_string_append_printf (big, "%s{}", i > 0 ? "," : "");
  g_string_append_c (big, ']');
  o = post (f, "import_users", big->str);
  g_assert_cmpint (code_of (o), ==, LK_API_ERROR_TOO_MANY_ITEMS);

  /* Over the body limit. */
  g_string_assign (big, "\"users\": [");
  for (guint i = 0; i < 300; i++)
    g_string_append_printf (big, "%s{\"username\": \"%0250u\"}", i > 0 ? "," : "", i);
  g_string_append_c (big, ']');
  o = post (f, "import_users", big->str);
  g_assert_cmpint (code_of (o), ==, LK_API_ERROR_BODY_TOO_LARGE);

  /* The items missing, or of the wrong type. */
  o = post (f, "import_oath_devices", "\"dryRun\": false");
  g_assert_cmpint (code_of (o), ==, LK_ENGINE_ERROR_MISSING_FIELD);
  o = post (f, "import_oath_devices", "\"devices\": {\"deviceId\": \"X\"}");
  g_assert_cmpint (code_of (o), ==, LK_API_ERROR_FIELD_TYPE);
  o = post (f, "import_users", "\"users\": [{\"username\": \"ann\"}, \"bob\"]");
  g_assert_cmpint (code_of (o), ==, LK_API_ERROR_FIELD_TYPE);
  g_assert_nonnull (strstr (json_object_get_string_member (o, "errorMessage"), "2"));
  o = post (f, "import_oath_devices", "\"devices\": [{\"deviceId\": \"X\", \"counter\": {}, "
            "\"secretKeyHex\": \"" SEED_HEX "\"}]");
  g_assert_cmpint (code_of (o), ==, LK_API_ERROR_FIELD_TYPE);
  o = post (f, "import_oath_devices", "\"devices\": [{\"deviceId\": \"X\", \"counter\": -1, "
            "\"secretKeyHex\": \"" SEED_HEX "\"}]");
  g_assert_cmpint (code_of (o), ==, LK_ENGINE_ERROR_INVALID_ARGUMENT);
  o = post (f, "import_oath_devices", "\"dryRun\": \"maybe\", \"devices\": []");
  g_assert_cmpint (code_of (o), ==, LK_API_ERROR_FIELD_TYPE);
  o = post (f, "import_users", "\"users\": [[1, 2]]");
  g_assert_cmpint (code_of (o), ==, LK_API_ERROR_FIELD_TYPE);
  /* A refused chunk wrote nothing, and an empty one is fine. */
  o = post (f, "import_oath_devices", "\"devices\": []");
  g_assert_cmpint (code_of (o), ==, 0);
  g_assert_cmpint (json_object_get_int_member (o, "total"), ==, 0);
  /* A wrong partner key: nothing runs. */
  {
    const char *text = "{\"type\": \"import_users\", \"spAccountLoginName\": \"acme\", \"spAccountLoginKey\": "
                       "\"wrong\", \"users\": [{\"username\": \"zed\"}]}";
    g_autoptr(GBytes) body = g_bytes_new_static (text, strlen (text));
    LkApiCallInfo info = { 0 };
    g_autoptr(GBytes) answer = lk_api_handle_body (f->engine, body, &info);
    g_autoptr(GError) error = NULL;

    g_assert_cmpint (info.error_code, ==, 9000);
    lk_api_call_info_clear (&info);
    g_assert_null (lk_engine_find_user (f->engine, f->account, "zed", &error));
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/api/bulk/devices", Fixture, NULL, fixture_set_up, test_devices, fixture_tear_down);
  g_test_add ("/api/bulk/users", Fixture, NULL, fixture_set_up, test_users, fixture_tear_down);
  g_test_add ("/api/bulk/refusals", Fixture, NULL, fixture_set_up, test_refusals, fixture_tear_down);
  return g_test_run ();
}
