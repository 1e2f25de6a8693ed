/* SPDX-License-Identifier: GPL-3.0-or-later
 * Integration tests of latchkeyd's endpoints against a real process over TLS
 * on loopback: health, metrics, the vendor's sample requests, and bad input
 * that must get its error code while the server keeps serving. */
#include "config.h"

#include <string.h>

#include "lk-test-raw.h"
#include "lk-test-server.h"

/* RFC 4226 appendix D: the key "12345678901234567890" and its first codes. */
#define RFC4226_KEY_HEX "3132333435363738393031323334353637383930"
static const char *rfc4226_codes[] = { "755224", "287082", "359152", "969429", "338314", "254676" };

static LkTestServer *server;
static SoupSession *session;

/* ---- helpers ---------------------------------------------------------------- */

static JsonObject *
call (const char *fields_json)
{
  g_autoptr(GError) error = NULL;
  JsonObject *answer = lk_test_server_call (server, session, fields_json, &error);

  g_assert_no_error (error);
  g_assert_nonnull (answer);
  /* Every answer carries these three, whatever happened. */
  g_assert_true (json_object_has_member (answer, "errorCode"));
  g_assert_true (json_object_has_member (answer, "errorMessage"));
  g_assert_true (json_object_has_member (answer, "type"));
  return answer;
}

static gint64
error_code (JsonObject *answer)
{
  return json_object_get_int_member (answer, "errorCode");
}

static void
assert_code (const char *fields_json,
             gint64      expected)
{
  g_autoptr(JsonObject) answer = call (fields_json);

  if (error_code (answer) != expected)
    g_error ("expected errorCode %" G_GINT64_FORMAT " for {%s}, got %" G_GINT64_FORMAT " (%s)",
             expected, fields_json, error_code (answer),
             json_object_get_string_member (answer, "errorMessage"));
}

/* The follow-up request every bad input is checked with. */
static void
assert_still_serving (void)
{
  assert_code ("\"type\": \"find_users\"", 0);
}

static JsonObject *
post_raw_body (const char *body,
               gssize      len,
               guint      *status)
{
  g_autoptr(GError) error = NULL;
  JsonObject *answer = lk_test_server_post (server, session, NULL, body, len, status, &error);

  g_assert_no_error (error);
  g_assert_nonnull (answer);
  return answer;
}

static char *
http_get (const char *path,
          guint      *status)
{
  g_autofree char *url = g_strconcat (lk_test_server_get_base_url (server), path + 1, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (SOUP_METHOD_GET, url);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read (session, msg, NULL, &error);

  g_assert_no_error (error);
  *status = soup_message_get_status (msg);
  return g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
}

/* The value of one sample line in Prometheus text, or 0 when absent. */
static double
metric (const char *text,
        const char *series)
{
  g_autofree char *needle = g_strconcat ("\n", series, " ", NULL);
  g_autofree char *haystack = g_strconcat ("\n", text, NULL);
  const char *found = strstr (haystack, needle);

  if (found == NULL)
    return 0;
  return g_ascii_strtod (found + strlen (needle), NULL);
}

static char *
scrape (void)
{
  guint status = 0;
  char *text = http_get ("/metrics", &status);

  g_assert_cmpuint (status, ==, 200);
  return text;
}

static void
enroll_user (const char *login)
{
  g_autofree char *fields = g_strdup_printf (
    "\"type\": \"add_oath_user\", \"username\": \"%s\", \"firstName\": \"Test\", \"lastName\": \"User\", "
    "\"email\": \"%s@example.com\", \"mobilePhone\": \"+15555550100\", \"loginPassword\": \"Pass-word-1234\"",
    login, login);

  assert_code (fields, 0);
}

/* ---- endpoints ---------------------------------------------------------------- */

static void
test_healthz (void)
{
  guint status = 0;
  g_autofree char *body = http_get ("/healthz", &status);

  g_assert_cmpuint (status, ==, 200);
  g_assert_nonnull (strstr (body, "\"ok\""));
}

static void
test_vendor_path (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *body = g_strdup_printf ("{\"type\":\"find_users\",\"spAccountLoginName\":\"%s\","
                                           "\"spAccountLoginKey\":\"%s\"}",
                                           lk_test_server_get_account (server),
                                           lk_test_server_get_account_key (server));
  guint status = 0;
  g_autoptr(JsonObject) answer = lk_test_server_post (server, session, "/AuthServer/REST/U2F/U2FServer.aspx",
                                                      body, -1, &status, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpint (error_code (answer), ==, 0);
}

static void
test_not_found_and_method (void)
{
  guint status = 0;
  g_autofree char *body = http_get ("/api/v1", &status);
  g_autoptr(JsonObject) answer = NULL;

  g_assert_cmpuint (status, ==, 405);
  g_assert_nonnull (strstr (body, "9405"));
  g_clear_pointer (&body, g_free);

  answer = lk_test_server_post (server, session, "/no/such/endpoint", "{}", -1, &status, NULL);
  g_assert_nonnull (answer);
  g_assert_cmpuint (status, ==, 404);
  g_assert_cmpint (error_code (answer), ==, 9404);
  assert_still_serving ();
}

/* ---- the vendor documentation's samples, as written ------------------------------ */

/* The first JSON object after "Sample REST/Json Method" in one seed page,
 * exactly as the page has it: comments, odd keys and all. */
static char *
sample_request (const char *seed_file)
{
  const char *dir = g_getenv ("LK_SEEDS_DIR");
  g_autofree char *default_dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  const char *start;
  const char *p;
  gboolean in_string = FALSE;
  int depth = 0;

  if (dir == NULL)
    {
      default_dir = g_build_filename (g_getenv ("LK_SOURCE_ROOT"), "..", "shared", "reference", "seeds", NULL);
      dir = default_dir;
    }
  path = g_build_filename (dir, seed_file, NULL);
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return NULL;

  start = strstr (text, "Sample REST/Json Method");
  g_assert_nonnull (start);
  start = strchr (start, '{');
  g_assert_nonnull (start);
  for (p = start; *p != '\0'; p++)
    {
      if (in_string)
        {
          if (*p == '\\' && p[1] != '\0')
            p++;
          else if (*p == '"')
            in_string = FALSE;
        }
      else if (*p == '"')
        in_string = TRUE;
      else if (*p == '{')
        depth++;
      else if (*p == '}' && --depth == 0)
        return g_strndup (start, p - start + 1);
    }
  g_assert_not_reached ();
}

/* Replaces only the placeholders: the account, its key and the user. */
static char *
fill_placeholders (const char *sample,
                   const char *login)
{
  g_autoptr(GString) text = g_string_new (sample);
  g_autofree char *account = g_strdup_printf ("\"%s\"", lk_test_server_get_account (server));
  g_autofree char *key = g_strdup_printf ("\"%s\"", lk_test_server_get_account_key (server));
  g_autofree char *user = g_strdup_printf ("\"%s\"", login);

  g_assert_cmpuint (g_string_replace (text, "\"accountLogin\"", account, 0), ==, 1);
  g_assert_cmpuint (g_string_replace (text, "\"accountKey\"", key, 0), ==, 1);
  g_assert_cmpuint (g_string_replace (text, "\"Mandy\"", user, 0), ==, 1);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
post_sample (const char *seed_file,
             const char *login,
             const char *expected_type)
{
  g_autofree char *sample = sample_request (seed_file);
  g_autofree char *body = NULL;
  g_autoptr(JsonObject) answer = NULL;
  guint status = 0;

  if (sample == NULL)
    {
      g_test_skip ("the vendor pages (../shared/reference/seeds, or $LK_SEEDS_DIR) are not here");
      return;
    }
  g_test_message ("sample from %s:\n%s", seed_file, sample);
  body = fill_placeholders (sample, login);
  answer = post_raw_body (body, -1, &status);
  g_assert_cmpuint (status, ==, 200);
  if (error_code (answer) != 0)
    g_error ("the %s sample failed: %" G_GINT64_FORMAT " %s", seed_file, error_code (answer),
             json_object_get_string_member (answer, "errorMessage"));
  g_assert_cmpstr (json_object_get_string_member (answer, "type"), ==, expected_type);
}

static void
test_seed_add_oath_device (void)
{
  /* 001: add_oath_device with // comments, a "deviceType  " key with
   * trailing blanks, a fixed psn and a hex key. */
  enroll_user ("seed-add-device");
  post_sample ("001_09ffebd062f75050.txt", "seed-add-device", "add_oath_device");
  assert_code ("\"type\": \"find_device\", \"deviceId\": \"OATH_12345678\"", 0);
}

static void
test_seed_provision_oath_device (void)
{
  /* 000: provision_oath_device names device "142o6-ar4v3-q2b85", which must
   * exist and belong to the user: add it first (our own request). */
  enroll_user ("seed-provision");
  assert_code ("\"type\": \"add_oath_device\", \"username\": \"seed-provision\", \"deviceType\": 2, "
               "\"OtpType\": 1, \"OtpLength\": 6, \"psn\": \"142o6-ar4v3-q2b85\"", 0);
  post_sample ("000_c3017c30f6494908.txt", "seed-provision", "provision_oath_device");
}

static void
test_seed_send_oath_otp (void)
{
  g_autofree char *activate = g_strdup_printf ("\"type\": \"active_oath_device\", \"username\": \"seed-send\", "
                                               "\"deviceId\": \"SEND-0001\", \"otp1\": \"%s\", \"otp2\": \"%s\"",
                                               rfc4226_codes[0], rfc4226_codes[1]);

  /* 003: send_oath_otp by SMS to the user's first device: the user has a
   * mobile phone and an activated event-based device. */
  enroll_user ("seed-send");
  assert_code ("\"type\": \"add_oath_device\", \"username\": \"seed-send\", \"deviceType\": 1, "
               "\"OtpType\": 0, \"OtpLength\": 6, \"psn\": \"SEND-0001\", "
               "\"secretKeyHex\": \"" RFC4226_KEY_HEX "\"", 0);
  assert_code (activate, 0);
  post_sample ("003_23dd1f9bdc9ba1a4.txt", "seed-send", "send_oath_otp");
}

/* ---- validation, lockout and metrics ---------------------------------------------- */

static void
test_validate_lockout_metrics (void)
{
  g_autofree char *before = scrape ();
  g_autofree char *after = NULL;
  g_autofree char *fields = NULL;
  int locked_at = 0;

  enroll_user ("hotp-user");
  assert_code ("\"type\": \"add_oath_device\", \"username\": \"hotp-user\", \"deviceType\": 1, "
               "\"OtpType\": 0, \"OtpLength\": 6, \"windowSize\": 5, \"psn\": \"HOTP-0001\", "
               "\"secretKeyHex\": \"" RFC4226_KEY_HEX "\"", 0);
  fields = g_strdup_printf ("\"type\": \"active_oath_device\", \"username\": \"hotp-user\", "
                            "\"deviceId\": \"HOTP-0001\", \"otp1\": \"%s\", \"otp2\": \"%s\"",
                            rfc4226_codes[0], rfc4226_codes[1]);
  assert_code (fields, 0);
  g_clear_pointer (&fields, g_free);

  /* The next code succeeds once; again it is a replay. OTPs go as strings
   * and as numbers alike. */
  fields = g_strdup_printf ("\"type\": \"validate_oath_otp\", \"username\": \"hotp-user\", \"otp\": %s",
                            rfc4226_codes[2]);
  assert_code (fields, 0);
  assert_code (fields, 9002);

  /* Wrong codes until the device locks. */
  for (int i = 1; i <= 12 && locked_at == 0; i++)
    {
      g_autoptr(JsonObject) answer = call ("\"type\": \"validate_oath_otp\", \"username\": \"hotp-user\", "
                                           "\"otp\": \"000000\"");

      if (error_code (answer) == 9015)
        locked_at = i;
      else
        g_assert_cmpint (error_code (answer), ==, 9003);
    }
  g_assert_cmpint (locked_at, >, 0);
  /* Locked: even the right next code is refused. */
  g_clear_pointer (&fields, g_free);
  fields = g_strdup_printf ("\"type\": \"validate_oath_otp\", \"username\": \"hotp-user\", \"otp\": \"%s\"",
                            rfc4226_codes[3]);
  assert_code (fields, 9015);

  after = scrape ();
  g_test_message ("metrics after:\n%s", after);
  g_assert_cmpfloat (metric (after, "latchkeyd_requests_total{type=\"validate_oath_otp\",code=\"0\"}") -
                     metric (before, "latchkeyd_requests_total{type=\"validate_oath_otp\",code=\"0\"}"), ==, 1);
  g_assert_cmpfloat (metric (after, "latchkeyd_requests_total{type=\"validate_oath_otp\",code=\"9002\"}") -
                     metric (before, "latchkeyd_requests_total{type=\"validate_oath_otp\",code=\"9002\"}"), ==, 1);
  g_assert_cmpfloat (metric (after, "latchkeyd_requests_total{type=\"validate_oath_otp\",code=\"9003\"}") -
                     metric (before, "latchkeyd_requests_total{type=\"validate_oath_otp\",code=\"9003\"}"),
                     ==, locked_at - 1);
  g_assert_cmpfloat (metric (after, "latchkeyd_lockouts_total") - metric (before, "latchkeyd_lockouts_total"),
                     ==, 2);
  g_assert_cmpfloat (metric (after, "latchkeyd_requests_total{type=\"active_oath_device\",code=\"0\"}"), >=, 1);
  /* 1 + 1 + locked_at + 1 validations, plus enrol, add and activate. */
  g_assert_cmpfloat (metric (after, "latchkeyd_request_duration_seconds_count") -
                     metric (before, "latchkeyd_request_duration_seconds_count"), ==, locked_at + 6);
  g_assert_cmpfloat (metric (after, "latchkeyd_request_duration_seconds_bucket{le=\"+Inf\"}"), ==,
                     metric (after, "latchkeyd_request_duration_seconds_count"));
  g_assert_cmpfloat (metric (after, "latchkeyd_requests_in_flight"), ==, 0);
  g_assert_cmpfloat (metric (after, "latchkeyd_http_responses_total{status=\"200\"}"), >, locked_at);
}

/* ---- bad input ---------------------------------------------------------------------- */

static void
test_bad_malformed (void)
{
  const char *bodies[] = { "{not json", "", "[1, 2, 3]", "\"just a string\"", "{\"type\": \"find_users\",",
                           "\xff\xfe{}" };

  for (gsize i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      guint status = 0;
      g_autoptr(JsonObject) answer = post_raw_body (bodies[i], -1, &status);

      g_test_message ("body %" G_GSIZE_FORMAT, i);
      g_assert_cmpuint (status, ==, 200);
      g_assert_cmpint (error_code (answer), ==, 9700);
    }
  assert_still_serving ();
}

static void
test_bad_types (void)
{
  assert_code ("\"type\": \"validate_oath_otp\", \"username\": {\"nested\": 1}, \"otp\": \"123456\"", 9703);
  assert_code ("\"type\": \"add_oath_device\", \"username\": \"x\", \"OtpLength\": \"six\"", 9703);
  assert_code ("\"type\": [\"find_users\"]", 9703);
  assert_still_serving ();
}

static void
test_bad_unknown_type (void)
{
  assert_code ("\"type\": \"format_hard_disk\"", 9702);
  assert_still_serving ();
}

static void
test_bad_partner_key (void)
{
  g_autofree char *body = g_strdup_printf ("{\"type\":\"find_users\",\"spAccountLoginName\":\"%s\","
                                           "\"spAccountLoginKey\":\"not-the-key\"}",
                                           lk_test_server_get_account (server));
  guint status = 0;
  g_autoptr(JsonObject) answer = post_raw_body (body, -1, &status);

  g_assert_cmpint (error_code (answer), ==, 9000);
  g_clear_pointer (&answer, json_object_unref);

  answer = post_raw_body ("{\"type\":\"find_users\",\"spAccountLoginName\":\"nobody\","
                          "\"spAccountLoginKey\":\"whatever-key\"}", -1, &status);
  g_assert_cmpint (error_code (answer), ==, 9000);
  assert_still_serving ();
}

static void
test_bad_too_large (void)
{
  gsize size = 10 * 1024 * 1024;
  g_autofree char *body = g_malloc (size);
  g_autoptr(JsonObject) answer = NULL;
  guint status = 0;

  /* A syntactically plausible 10 MB object: refused for its size alone. */
  memset (body, ' ', size);
  memcpy (body, "{\"type\":\"find_users\",\"x\":\"", 26);
  memcpy (body + size - 2, "\"}", 2);
  answer = post_raw_body (body, size, &status);
  g_assert_cmpuint (status, ==, 413);
  g_assert_cmpint (error_code (answer), ==, 9413);
  assert_still_serving ();
}

static void
test_bad_too_large_chunked (void)
{
  g_autoptr(GIOStream) stream = lk_test_raw_connect (server);
  g_autoptr(GString) request = g_string_new (NULL);
  g_autofree char *chunk = g_malloc (8192);
  g_autofree char *response = NULL;

  /* No Content-Length to check up front: the chunks add up past the limit. */
  g_string_append_printf (request, "POST /api/v1 HTTP/1.1\r\nHost: %s\r\nTransfer-Encoding: chunked\r\n"
                          "Content-Type: application/json\r\nConnection: close\r\n\r\n",
                          lk_test_server_get_host (server));
  g_assert_true (lk_test_raw_write (stream, request->str, request->len));
  memset (chunk, ' ', 8192);
  for (int i = 0; i < 40; i++)
    {
      g_autofree char *size_line = g_strdup_printf ("%x\r\n", 8192);

      if (!lk_test_raw_write (stream, size_line, strlen (size_line)) ||
          !lk_test_raw_write (stream, chunk, 8192) ||
          !lk_test_raw_write (stream, "\r\n", 2))
        break;
    }
  lk_test_raw_write (stream, "0\r\n\r\n", 5);
  response = lk_test_raw_read_all (stream, NULL);
  g_assert_cmpuint (lk_test_raw_status (response), ==, 413);
  g_assert_nonnull (strstr (response, "9413"));
  lk_test_raw_close (stream);
  assert_still_serving ();
}

static void
test_bad_deep (void)
{
  g_autoptr(GString) fields = g_string_new ("\"type\": \"find_users\", \"search\": ");

  for (int i = 0; i < 5000; i++)
    g_string_append_c (fields, '[');
  for (int i = 0; i < 5000; i++)
    g_string_append_c (fields, ']');
  assert_code (fields->str, 9701);
  assert_still_serving ();
}

static void
test_bad_disconnect_mid_body (void)
{
  g_autoptr(GIOStream) stream = lk_test_raw_connect (server);
  g_autofree char *head = g_strdup_printf ("POST /api/v1 HTTP/1.1\r\nHost: %s\r\nContent-Length: 1000\r\n"
                                           "Content-Type: application/json\r\n\r\n{\"type\": \"find_",
                                           lk_test_server_get_host (server));

  g_assert_true (lk_test_raw_write (stream, head, strlen (head)));
  lk_test_raw_close (stream);
  assert_still_serving ();
}

static void
test_bad_disconnect_before_answer (void)
{
  g_autofree char *before = scrape ();
  g_autofree char *after = NULL;

  /* Complete requests whose clients leave before the answer: a wrong key
   * makes the server do a slow hash, so the answer is surely not ready. */
  for (int i = 0; i < 4; i++)
    {
      g_autoptr(GIOStream) stream = lk_test_raw_connect (server);
      const char *body = "{\"type\":\"find_users\",\"spAccountLoginName\":\"nobody\",\"spAccountLoginKey\":\"x-x-x-x-x\"}";
      g_autofree char *request = g_strdup_printf ("POST /api/v1 HTTP/1.1\r\nHost: %s\r\nContent-Length: %zu\r\n"
                                                  "Content-Type: application/json\r\n\r\n%s",
                                                  lk_test_server_get_host (server), strlen (body), body);

      g_assert_true (lk_test_raw_write (stream, request, strlen (request)));
      lk_test_raw_close (stream);
    }
  assert_still_serving ();

  /* Every abandoned request still ran, was counted, and left the in-flight gauge. */
  for (int attempt = 0; attempt < 400; attempt++)
    {
      g_clear_pointer (&after, g_free);
      after = scrape ();
      if (metric (after, "latchkeyd_requests_in_flight") == 0 &&
          metric (after, "latchkeyd_requests_total{type=\"find_users\",code=\"9000\"}") -
          metric (before, "latchkeyd_requests_total{type=\"find_users\",code=\"9000\"}") == 4)
        break;
      g_usleep (50 * 1000);
    }
  g_assert_cmpfloat (metric (after, "latchkeyd_requests_in_flight"), ==, 0);
  g_assert_cmpfloat (metric (after, "latchkeyd_requests_total{type=\"find_users\",code=\"9000\"}") -
                     metric (before, "latchkeyd_requests_total{type=\"find_users\",code=\"9000\"}"), ==, 4);
}

static void
test_bad_garbage_http (void)
{
  g_autoptr(GIOStream) stream = lk_test_raw_connect (server);
  const char *garbage = "BLAH /api/v1 HTTP/9.9\r\nHost\r\n\r\n";
  g_autofree char *response = NULL;

  g_assert_true (lk_test_raw_write (stream, garbage, strlen (garbage)));
  response = lk_test_raw_read_all (stream, NULL);
  g_assert_cmpuint (lk_test_raw_status (response), >=, 400);
  lk_test_raw_close (stream);
  assert_still_serving ();
}

/* ---- logs --------------------------------------------------------------------------- */

static void
test_logs_hold_no_secrets (void)
{
  g_autofree char *log = lk_test_server_dup_log (server);
  const char *secrets[] = {
    lk_test_server_get_account_key (server),
    "3132333435363738383031323334353637383830",   /* the 001 sample's secretKeyHex */
    RFC4226_KEY_HEX,
    "Pass-word-1234",
    "spAccountLoginKey",
    "not-the-key",
  };

  g_assert_nonnull (log);
  g_assert_nonnull (strstr (log, "event=request"));
  g_assert_nonnull (strstr (log, "type=\"validate_oath_otp\" code=9015"));
  for (gsize i = 0; i < G_N_ELEMENTS (secrets); i++)
    if (strstr (log, secrets[i]) != NULL)
      g_error ("the server log holds a secret: %s", secrets[i]);
  for (gsize i = 0; i < G_N_ELEMENTS (rfc4226_codes); i++)
    g_assert_null (strstr (log, rfc4226_codes[i]));
}

int
main (int argc, char *argv[])
{
  g_autoptr(GError) error = NULL;
  int status;
  int server_status;

  /* GIO's default proxy resolver reads GSettings schemas that isolated
   * test directories do not have; loopback needs no proxy anyway. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  server = lk_test_server_start (NULL, &error);
  g_assert_no_error (error);
  session = lk_test_server_new_session (server);

  g_test_add_func ("/server/latchkeyd/healthz", test_healthz);
  g_test_add_func ("/server/latchkeyd/vendor-path", test_vendor_path);
  g_test_add_func ("/server/latchkeyd/not-found-and-method", test_not_found_and_method);
  g_test_add_func ("/server/latchkeyd/seeds/add-oath-device", test_seed_add_oath_device);
  g_test_add_func ("/server/latchkeyd/seeds/provision-oath-device", test_seed_provision_oath_device);
  g_test_add_func ("/server/latchkeyd/seeds/send-oath-otp", test_seed_send_oath_otp);
  g_test_add_func ("/server/latchkeyd/validate-lockout-metrics", test_validate_lockout_metrics);
  g_test_add_func ("/server/latchkeyd/bad-input/malformed", test_bad_malformed);
  g_test_add_func ("/server/latchkeyd/bad-input/wrong-types", test_bad_types);
  g_test_add_func ("/server/latchkeyd/bad-input/unknown-type", test_bad_unknown_type);
  g_test_add_func ("/server/latchkeyd/bad-input/partner-key", test_bad_partner_key);
  g_test_add_func ("/server/latchkeyd/bad-input/too-large", test_bad_too_large);
  g_test_add_func ("/server/latchkeyd/bad-input/too-large-chunked", test_bad_too_large_chunked);
  g_test_add_func ("/server/latchkeyd/bad-input/deep", test_bad_deep);
  g_test_add_func ("/server/latchkeyd/bad-input/disconnect-mid-body", test_bad_disconnect_mid_body);
  g_test_add_func ("/server/latchkeyd/bad-input/disconnect-before-answer", test_bad_disconnect_before_answer);
  g_test_add_func ("/server/latchkeyd/bad-input/garbage-http", test_bad_garbage_http);
  g_test_add_func ("/server/latchkeyd/logs/hold-no-secrets", test_logs_hold_no_secrets);

  status = g_test_run ();

  g_clear_object (&session);
  server_status = lk_test_server_stop (server, &error);
  g_assert_no_error (error);
  g_assert_cmpint (server_status, ==, 0);
  g_clear_pointer (&server, lk_test_server_free);
  return status;
}
