/* SPDX-License-Identifier: GPL-3.0-or-later
 * Tests of lk_api_handle_body(), latchkeyd's entry point, on a real engine:
 * the vendor's samples as written, the call info, and every refusal. */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "lk-api.h"

typedef struct
{
  char     *dir;
  LkEngine *engine;
  gint64    account;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkKeyProvider) keys = lk_memory_key_provider_new (NULL);
  g_autofree char *path = NULL;
  LkEngineConfig config;

  f->dir = g_dir_make_tmp ("lk-handle-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (f->dir, "engine.db", NULL);
  lk_engine_config_init (&config);
  config.password_kdf_log2n = 10;   /* fast hashes: this test is about the protocol */
  f->engine = lk_engine_open (path, keys, &config, &error);
  g_assert_no_error (error);
  g_assert_true (lk_engine_create_account (f->engine, "acme", "acme-partner-key", &f->account, &error));
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GDir) dir = NULL;
  const char *entry;

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

/* Posts @text and returns the response object; fills @info. */
static JsonObject *
post (Fixture                  *f,
      const char               *text,
      gsize                     len,
      const LkApiHandleOptions *options,
      LkApiCallInfo            *info)
{
  g_autoptr(GBytes) body = g_bytes_new (text, len);
  g_autoptr(GBytes) answer = lk_api_handle_body_full (f->engine, body, options, info);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *object;

  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (answer, NULL), g_bytes_get_size (answer),
                                             &error));
  g_assert_no_error (error);
  object = json_node_get_object (json_parser_get_root (parser));
  /* Every answer carries the three members, whatever happened. */
  g_assert_true (json_object_has_member (object, "errorCode"));
  g_assert_true (json_object_has_member (object, "errorMessage"));
  g_assert_true (json_object_has_member (object, "type"));
  g_assert_cmpint (json_object_get_int_member (object, "errorCode"), ==, info->error_code);
  return json_object_ref (object);
}

static int
post_code (Fixture    *f,
           const char *text)
{
  LkApiCallInfo info = { 0 };
  g_autoptr(JsonObject) object = post (f, text, strlen (text), NULL, &info);
  int code = info.error_code;

  g_assert_cmpint (json_object_get_int_member (object, "errorCode"), ==, code);
  lk_api_call_info_clear (&info);
  return code;
}

/* A vendor sample, with its placeholders made real. */
static char *
sample (const char *file)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "api", "samples", file, NULL);
  g_autofree char *text = NULL;
  g_autoptr(GString) out = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  out = g_string_new (text);
  g_string_replace (out, "\"accountLogin\"", "\"acme\"", 0);
  g_string_replace (out, "\"accountKey\"", "\"acme-partner-key\"", 0);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
test_vendor_samples (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  LkUserSpec spec;
  LkDeviceSpec device;
  g_autoptr(LkEnrollResult) enrolled = NULL;
  g_autoptr(LkDevice) phone = NULL;
  const char *files[] = { "vendor-001-add-device.json", "vendor-002-add-device.json",
                          "vendor-002-add-device-one-line.json" };

  lk_user_spec_init (&spec);
  spec.login = "Mandy";
  spec.mobile_phone = "+14075551212";
  spec.password = "M@5ndy58!";
  enrolled = lk_engine_enroll_user (f->engine, f->account, &spec, &error);
  g_assert_no_error (error);

  /* add_oath_device, three ways of writing it; psn is unique, so each
   * post after the first is told the device exists, and a fresh psn works. */
  for (gsize i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *text = sample (files[i]);
      g_autoptr(GString) unique = g_string_new (text);
      g_autofree char *psn = g_strdup_printf ("\"OATH_%" G_GSIZE_FORMAT "\"", i);
      LkApiCallInfo info = { 0 };
      g_autoptr(JsonObject) answer = NULL;

      g_string_replace (unique, "\"OATH_12345678\"", psn, 0);
      answer = post (f, unique->str, unique->len, NULL, &info);
      g_assert_cmpint (info.error_code, ==, 0);
      g_assert_cmpstr (info.type, ==, "add_oath_device");
      g_assert_cmpstr (info.account, ==, "acme");
      g_assert_false (info.rejected);
      g_assert_cmpstr (json_object_get_string_member (answer, "type"), ==, "add_oath_device");
      g_assert_cmpstr (json_object_get_string_member (answer, "errorMessage"), ==, "OK");
      g_assert_cmpint (json_object_get_int_member (answer, "deviceType"), ==, 1);
      g_assert_cmpint (json_object_get_int_member (answer, "OtpType"), ==, 1);
      /* The seed never comes back. */
      g_assert_false (json_object_has_member (answer, "secretKeyHex"));
      lk_api_call_info_clear (&info);
    }
  {
    g_autofree char *text = sample ("vendor-001-add-device.json");
    g_autofree char *psn = g_strdup ("\"OATH_0\"");
    g_autoptr(GString) again = g_string_new (text);

    g_string_replace (again, "\"OATH_12345678\"", psn, 0);
    g_assert_cmpint (post_code (f, again->str), ==, LK_ENGINE_ERROR_DEVICE_EXISTS);
  }

  /* provision_oath_device: the sample's deviceId must exist and be Mandy's. */
  lk_device_spec_init (&device);
  device.psn = "142o6-ar4v3-q2b85";
  phone = lk_engine_add_device (f->engine, f->account, "Mandy", &device, NULL, &error);
  g_assert_no_error (error);
  {
    g_autofree char *text = sample ("vendor-000-provision.json");
    LkApiCallInfo info = { 0 };
    g_autoptr(JsonObject) answer = post (f, text, strlen (text), NULL, &info);

    g_assert_cmpint (info.error_code, ==, 0);
    g_assert_cmpstr (json_object_get_string_member (answer, "deviceId"), ==, "142o6-ar4v3-q2b85");
    g_assert_cmpstr (json_object_get_string_member (answer, "physicalDeviceId"), ==, "Prod_Authenticator");
    g_assert_true (g_str_has_prefix (json_object_get_string_member (answer, "otpauthUri"), "otpauth://"));
    lk_api_call_info_clear (&info);
  }

  /* send_oath_otp by SMS to Mandy's first device, once it is active (two
   * consecutive TOTP codes of the sample's key). */
  {
    g_autoptr(LkOtpKey) key = lk_otp_key_new (LK_HASH_SHA1, (const guint8 *) "12345678801234567880", 20, NULL);
    gint64 now = g_get_real_time () / G_USEC_PER_SEC;
    char otp1[LK_OTP_CODE_SIZE], otp2[LK_OTP_CODE_SIZE];

    lk_totp_generate (key, now, 0, 30, 6, otp1);
    lk_totp_generate (key, now + 30, 0, 30, 6, otp2);
    g_assert_true (lk_engine_activate_device (f->engine, f->account, "Mandy", "OATH_0", otp1, otp2, &error));
    g_assert_no_error (error);
  }
  {
    g_autofree char *text = sample ("vendor-003-send-otp.json");
    LkApiCallInfo info = { 0 };
    g_autoptr(JsonObject) answer = post (f, text, strlen (text), NULL, &info);

    g_assert_cmpint (info.error_code, ==, 0);
    g_assert_cmpstr (info.type, ==, "send_oath_otp");
    g_assert_cmpint (json_object_get_int_member (answer, "messageId"), >, 0);
    lk_api_call_info_clear (&info);
  }
}

static void
test_refusals (Fixture       *f,
               gconstpointer  data)
{
  LkApiCallInfo info = { 0 };
  g_autoptr(JsonObject) answer = NULL;
  g_autofree char *big = NULL;
  g_autoptr(GString) deep = g_string_new ("{\"type\": \"find_user\", \"x\": ");

  /* Not JSON at all. */
  answer = post (f, "\x01\x02garbage", 9, NULL, &info);
  g_assert_cmpint (info.error_code, ==, LK_API_ERROR_MALFORMED);
  g_assert_true (info.rejected);
  g_assert_null (info.type);
  g_assert_null (info.account);
  g_assert_cmpstr (json_object_get_string_member (answer, "type"), ==, "");
  g_clear_pointer (&answer, json_object_unref);
  lk_api_call_info_clear (&info);

  /* Too large, even if it were valid. */
  big = g_strnfill (LK_API_MAX_BODY_SIZE + 1, ' ');
  answer = post (f, big, strlen (big), NULL, &info);
  g_assert_cmpint (info.error_code, ==, LK_API_ERROR_BODY_TOO_LARGE);
  g_assert_true (info.rejected);
  g_clear_pointer (&answer, json_object_unref);
  lk_api_call_info_clear (&info);

  /* Too deep. */
  for (int i = 0; i < 100; i++)
    g_string_append_c (deep, '[');
  answer = post (f, deep->str, deep->len, NULL, &info);
  g_assert_cmpint (info.error_code, ==, LK_API_ERROR_TOO_DEEP);
  g_clear_pointer (&answer, json_object_unref);
  lk_api_call_info_clear (&info);

  /* An unknown type keeps the account for the log, but no type label. */
  {
    const char *text = "{\"type\": \"drop_tables\", \"spAccountLoginName\": \"acme\", \"spAccountLoginKey\": \"k\"}";

    answer = post (f, text, strlen (text), NULL, &info);
    g_assert_cmpint (info.error_code, ==, LK_API_ERROR_UNKNOWN_TYPE);
    g_assert_null (info.type);
    g_assert_cmpstr (info.account, ==, "acme");
    g_assert_true (info.rejected);
    g_clear_pointer (&answer, json_object_unref);
    lk_api_call_info_clear (&info);
  }

  /* A wrong partner key reaches the engine and fails there. */
  {
    const char *text = "{\"type\": \"find_user\", \"spAccountLoginName\": \"acme\", \"spAccountLoginKey\": \"nope\","
                       " \"username\": \"x\"}";

    answer = post (f, text, strlen (text), NULL, &info);
    g_assert_cmpint (info.error_code, ==, LK_ENGINE_ERROR_PARTNER_LOGIN_FAILED);
    g_assert_cmpstr (info.type, ==, "find_user");
    g_assert_false (info.rejected);
    g_assert_null (strstr (json_object_get_string_member (answer, "errorMessage"), "nope"));
    g_clear_pointer (&answer, json_object_unref);
    lk_api_call_info_clear (&info);
  }

  /* A long account name is cut for the log. */
  {
    g_autofree char *name = g_strnfill (1000, 'a');
    g_autofree char *text = g_strdup_printf ("{\"type\": \"find_user\", \"spAccountLoginName\": \"%s\","
                                             " \"spAccountLoginKey\": \"k\", \"username\": \"x\"}", name);

    answer = post (f, text, strlen (text), NULL, &info);
    g_assert_cmpuint (strlen (info.account), <=, 128);
    g_clear_pointer (&answer, json_object_unref);
    lk_api_call_info_clear (&info);
  }

  g_assert_cmpint (post_code (f, "{\"type\": \"find_user\", \"spAccountLoginName\": \"acme\","
                                 " \"spAccountLoginKey\": \"acme-partner-key\", \"username\": [1]}"),
                   ==, LK_API_ERROR_FIELD_TYPE);
  g_assert_cmpint (post_code (f, "{\"type\": \"find_user\", \"spAccountLoginName\": \"acme\","
                                 " \"spAccountLoginKey\": \"acme-partner-key\"}"),
                   ==, LK_ENGINE_ERROR_MISSING_FIELD);
  g_assert_cmpint (post_code (f, "{\"type\": \"find_user\", \"spAccountLoginName\": \"acme\","
                                 " \"spAccountLoginKey\": \"acme-partner-key\", \"username\": \"ghost\"}"),
                   ==, LK_ENGINE_ERROR_USER_NOT_FOUND);
  /* The engine survives all of it. */
  g_assert_cmpint (post_code (f, "{\"type\": \"find_users\", \"spAccountLoginName\": \"acme\","
                                 " \"spAccountLoginKey\": \"acme-partner-key\"}"), ==, 0);
}

static int
refuse_acme (const char  *account,
             const char  *type,
             const char **message,
             gpointer     user_data)
{
  int *calls = user_data;

  (*calls)++;
  if (g_strcmp0 (account, "acme") != 0)
    return 0;
  *message = "Too many requests for this account";
  return 9429;
}

static void
test_admit_and_create (Fixture       *f,
                       gconstpointer  data)
{
  const char *find = "{\"type\": \"find_users\", \"spAccountLoginName\": \"acme\","
                     " \"spAccountLoginKey\": \"acme-partner-key\"}";
  const char *create = "{\"type\": \"create_account\", \"spAccountLoginName\": \"beta\","
                       " \"spAccountLoginKey\": \"beta-partner-key\"}";
  LkApiHandleOptions options = { 0 };
  LkApiCallInfo info = { 0 };
  g_autoptr(JsonObject) answer = NULL;
  int calls = 0;

  options.admit = refuse_acme;
  options.admit_data = &calls;
  answer = post (f, find, strlen (find), &options, &info);
  g_assert_cmpint (calls, ==, 1);
  g_assert_cmpint (info.error_code, ==, 9429);
  g_assert_cmpstr (json_object_get_string_member (answer, "errorMessage"), ==, "Too many requests for this account");
  g_clear_pointer (&answer, json_object_unref);
  lk_api_call_info_clear (&info);

  /* Refused bodies never reach the admission check. */
  answer = post (f, "{", 1, &options, &info);
  g_assert_cmpint (calls, ==, 1);
  g_clear_pointer (&answer, json_object_unref);
  lk_api_call_info_clear (&info);

  /* create_account only where allowed. */
  g_assert_cmpint (post_code (f, create), ==, LK_API_ERROR_NOT_ALLOWED);
  options.admit = NULL;
  options.allow_create_account = TRUE;
  answer = post (f, create, strlen (create), &options, &info);
  g_assert_cmpint (info.error_code, ==, 0);
  g_clear_pointer (&answer, json_object_unref);
  lk_api_call_info_clear (&info);
  answer = post (f, create, strlen (create), &options, &info);
  g_assert_cmpint (info.error_code, ==, LK_ENGINE_ERROR_ACCOUNT_EXISTS);
  lk_api_call_info_clear (&info);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/api/handle/vendor-samples", Fixture, NULL, fixture_set_up, test_vendor_samples, fixture_tear_down);
  g_test_add ("/api/handle/refusals", Fixture, NULL, fixture_set_up, test_refusals, fixture_tear_down);
  g_test_add ("/api/handle/admit-and-create", Fixture, NULL, fixture_set_up, test_admit_and_create,
              fixture_tear_down);

  return g_test_run ();
}
