/* SPDX-License-Identifier: GPL-3.0-or-later
 * Delivery through latchkeyd: a real server over TLS, configured with
 * [smtp] and [sms] in its latchkeyd.conf, sends welcome messages and
 * passcodes through its outbox worker to a real SMTP server and HTTP
 * gateway; get_delivery reports each message's state over the API. The
 * administrator's texts in [templates] are what arrives; a template with
 * an unknown placeholder stops latchkeyd at start-up, naming the key. */
#include "config.h"

#include "lk-otp.h"
#include "lk-test-server.h"
#include "delivery-test-util.h"

#define RFC_SEED_HEX "3132333435363738393031323334353637383930"

typedef struct
{
  SmtpSink       sink;
  Gateway        gateway;
  char          *dir;
  LkTestServer  *server;
  SoupSession   *session;
} Fixture;

static JsonObject *
call (Fixture    *f,
      const char *format,
      ...) G_GNUC_PRINTF (2, 3);

static JsonObject *
call (Fixture    *f,
      const char *format,
      ...)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *fields = NULL;
  va_list args;
  JsonObject *answer;

  va_start (args, format);
  fields = g_strdup_vprintf (format, args);
  va_end (args);
  answer = lk_test_server_call (f->server, f->session, fields, &error);
  g_assert_no_error (error);
  g_assert_nonnull (answer);
  return answer;
}

static void
assert_ok (JsonObject *answer)
{
  if (json_object_get_int_member (answer, "errorCode") != 0)
    g_error ("API error %" G_GINT64_FORMAT ": %s", json_object_get_int_member (answer, "errorCode"),
             json_object_get_string_member (answer, "errorMessage"));
}

static void
otp_at (guint64 counter,
        char    code[LK_OTP_CODE_SIZE])
{
  guint8 seed[20];
  g_autoptr(LkOtpKey) key = NULL;

  for (gsize i = 0; i < sizeof seed; i++)
    seed[i] = (guint8) (g_ascii_xdigit_value (RFC_SEED_HEX[2 * i]) << 4 | g_ascii_xdigit_value (RFC_SEED_HEX[2 * i + 1]));
  key = lk_otp_key_new (LK_HASH_SHA1, seed, sizeof seed, NULL);
  lk_hotp_generate (key, counter, 6, code);
}

/* An event-based device on the RFC 4226 seed, activated with counters 0 and 1. */
static void
enrol (Fixture    *f,
       const char *login,
       const char *email,
       int         notify)
{
  g_autoptr(JsonObject) enrolled = NULL;
  g_autoptr(JsonObject) activated = NULL;
  char c0[LK_OTP_CODE_SIZE], c1[LK_OTP_CODE_SIZE];

  enrolled = call (f, "\"type\":\"add_oath_user\",\"username\":\"%s\",\"firstName\":\"Ada\",\"email\":\"%s\","
                   "\"mobilePhone\":\"+1 555 0100\",\"addDevice\":true,\"OtpType\":0,\"psn\":\"%s-token\","
                   "\"secretKeyHex\":\"" RFC_SEED_HEX "\",\"notificationMethod\":%d", login, email, login, notify);
  assert_ok (enrolled);
  if (notify != 0)
    g_assert_cmpint (json_object_get_int_member (enrolled, "messageId"), >, 0);
  otp_at (0, c0);
  otp_at (1, c1);
  activated = call (f, "\"type\":\"active_oath_device\",\"username\":\"%s\",\"deviceId\":\"%s-token\","
                    "\"otp1\":\"%s\",\"otp2\":\"%s\"", login, login, c0, c1);
  assert_ok (activated);
}

static JsonObject *
wait_delivery (Fixture *f,
               gint64   id)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  for (;;)
    {
      g_autoptr(JsonObject) answer = call (f, "\"type\":\"get_delivery\",\"messageId\":%" G_GINT64_FORMAT, id);
      JsonObject *delivery;

      assert_ok (answer);
      delivery = json_object_get_object_member (answer, "delivery");
      g_assert_nonnull (delivery);
      g_assert_false (json_object_has_member (delivery, "code"));
      if (g_strcmp0 (json_object_get_string_member (delivery, "state"), "pending") != 0)
        return json_object_ref (delivery);
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (50000);
    }
}

static char *
code_in (const char *text)
{
  const char *p = strstr (text, "passcode is ");
  const char *end;

  g_assert_nonnull (p);
  p += strlen ("passcode is ");
  for (end = p; g_ascii_isdigit (*end); end++)
    ;
  g_assert_cmpint (end - p, ==, 6);
  return g_strndup (p, (gsize) (end - p));
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *conf = NULL;
  g_autofree char *text = NULL;
  g_autofree char *cert = NULL;
  g_autofree char *key = NULL;
  LkTestServerOptions options = { 0 };
  const char *args[] = { "--config", NULL, NULL };

  f->dir = g_dir_make_tmp ("lk-delivery-conf-XXXXXX", &error);
  g_assert_no_error (error);
  /* The SMTP server requires STARTTLS; latchkeyd trusts its certificate
   * through a ca-file path relative to latchkeyd.conf. */
  cert = g_build_filename (f->dir, "smtp.pem", NULL);
  key = g_build_filename (f->dir, "smtp.key", NULL);
  g_assert_true (lk_test_make_certificate (cert, key, &error));
  g_assert_no_error (error);
  g_setenv ("LK_SINK_TLS_CERT", cert, TRUE);
  g_setenv ("LK_SINK_TLS_KEY", key, TRUE);
  sink_start (&f->sink, "bounce@example.org");
  g_unsetenv ("LK_SINK_TLS_CERT");
  g_unsetenv ("LK_SINK_TLS_KEY");
  gateway_start (&f->gateway);
  conf = g_build_filename (f->dir, "latchkeyd.conf", NULL);
  /* @data: extra groups for latchkeyd.conf (the [templates] tests). */
  text = g_strdup_printf ("[delivery]\nissuer=Latchkey Test\npoll-interval=1\n"
                          "[smtp]\nhost=127.0.0.1\nport=%u\nsecurity=starttls\nca-file=smtp.pem\n"
                          "from=noreply@example.org\n"
                          "[sms]\npreset=json\nurl=http://127.0.0.1:%u/sms\nheaders=Authorization: Bearer tok-123456;\n%s",
                          f->sink.port, f->gateway.port, data != NULL ? (const char *) data : "");
  g_file_set_contents (conf, text, -1, &error);
  g_assert_no_error (error);
  args[1] = conf;
  options.extra_args = args;
  f->server = lk_test_server_start (&options, &error);
  g_assert_no_error (error);
  f->session = lk_test_server_new_session (f->server);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  g_clear_object (&f->session);
  if (f->server != NULL)
    {
      g_autofree char *log = lk_test_server_dup_log (f->server);
      g_assert_cmpint (lk_test_server_stop (f->server, &error), ==, 0);
      g_assert_no_error (error);
      /* The gateway's token never reaches the logs. */
      g_assert_null (strstr (log, "tok-123456"));
    }
  g_clear_pointer (&f->server, lk_test_server_free);
  gateway_stop (&f->gateway);
  sink_stop (&f->sink);
  sink_remove_tree (f->dir);
  g_free (f->dir);
}

static void
test_email_and_sms (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(JsonObject) sent = NULL;
  g_autoptr(JsonObject) delivery = NULL;
  g_autoptr(JsonObject) welcome = NULL;
  g_autoptr(JsonObject) mail = NULL;
  g_autoptr(JsonObject) valid = NULL;
  g_autoptr(JsonObject) replay = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *code = NULL;
  Request *r;

  /* notificationMethod 1: add_oath_user queues a welcome email. */
  enrol (f, "ada", "ada@example.org", 1);

  sent = call (f, "\"type\":\"send_oath_otp\",\"username\":\"ada\",\"deliveryMethod\":\"email\"");
  assert_ok (sent);
  delivery = wait_delivery (f, json_object_get_int_member (sent, "messageId"));
  g_assert_cmpstr (json_object_get_string_member (delivery, "state"), ==, "delivered");
  g_assert_cmpstr (json_object_get_string_member (delivery, "deliveryMethod"), ==, "email");
  g_assert_cmpint (json_object_get_int_member (delivery, "attempts"), ==, 1);
  g_assert_cmpuint (sink_count (&f->sink), ==, 2);
  welcome = sink_load (&f->sink, 0);
  mail = sink_load (&f->sink, 1);
  g_assert_cmpstr (json_object_get_string_member (welcome, "subject"), ==, "Welcome to Latchkey Test");
  g_assert_cmpstr (json_object_get_string_member (mail, "subject"), ==, "Your Latchkey Test passcode");
  g_assert_true (json_object_get_boolean_member (mail, "tls"));
  code = code_in (json_object_get_string_member (json_array_get_object_element (
                    json_object_get_array_member (mail, "parts"), 0), "text"));
  valid = call (f, "\"type\":\"validate_oath_otp\",\"username\":\"ada\",\"otp\":\"%s\"", code);
  assert_ok (valid);
  replay = call (f, "\"type\":\"validate_oath_otp\",\"username\":\"ada\",\"otp\":\"%s\"", code);
  g_assert_cmpint (json_object_get_int_member (replay, "errorCode"), ==, 9002);

  /* SMS through the gateway, JSON body from the preset. */
  g_clear_pointer (&sent, json_object_unref);
  g_clear_pointer (&delivery, json_object_unref);
  g_clear_pointer (&valid, json_object_unref);
  g_clear_pointer (&code, g_free);
  sent = call (f, "\"type\":\"send_oath_otp\",\"username\":\"ada\",\"deliveryMethod\":\"sms\"");
  assert_ok (sent);
  delivery = wait_delivery (f, json_object_get_int_member (sent, "messageId"));
  g_assert_cmpstr (json_object_get_string_member (delivery, "state"), ==, "delivered");
  g_assert_cmpuint (gateway_count (&f->gateway), ==, 1);
  r = g_ptr_array_index (f->gateway.requests, 0);
  g_assert_cmpstr (r->authorization, ==, "Bearer tok-123456");
  json_parser_load_from_data (parser, r->body, -1, &error);
  g_assert_no_error (error);
  {
    JsonObject *body = json_node_get_object (json_parser_get_root (parser));
    g_assert_cmpstr (json_object_get_string_member (body, "to"), ==, "+15550100");
    code = code_in (json_object_get_string_member (body, "message"));
  }
  valid = call (f, "\"type\":\"validate_oath_otp\",\"username\":\"ada\",\"otp\":\"%s\"", code);
  assert_ok (valid);
}

static void
test_rejected (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(JsonObject) sent = NULL;
  g_autoptr(JsonObject) delivery = NULL;
  g_autoptr(JsonObject) other = NULL;

  enrol (f, "bob", "bounce@example.org", 0);
  sent = call (f, "\"type\":\"send_oath_otp\",\"username\":\"bob\",\"deliveryMethod\":\"email\"");
  assert_ok (sent);
  delivery = wait_delivery (f, json_object_get_int_member (sent, "messageId"));
  g_assert_cmpstr (json_object_get_string_member (delivery, "state"), ==, "failed");
  g_assert_nonnull (strstr (json_object_get_string_member (delivery, "lastError"), "550"));
  g_assert_nonnull (strstr (json_object_get_string_member (delivery, "lastError"), "User unknown"));
  g_assert_cmpuint (sink_count (&f->sink), ==, 0);
  /* Unknown message ids are 9511, bad ones 9501/9502. */
  other = call (f, "\"type\":\"get_delivery\",\"messageId\":999999");
  g_assert_cmpint (json_object_get_int_member (other, "errorCode"), ==, 9511);
  g_clear_pointer (&other, json_object_unref);
  other = call (f, "\"type\":\"get_delivery\"");
  g_assert_cmpint (json_object_get_int_member (other, "errorCode"), ==, 9502);
}

static const char templates_conf[] =
  "[templates]\n"
  "welcome-subject=Welcome aboard, {login}\n"
  "passcode-subject={issuer} sign-in for {login}\n"
  "passcode-body=Dear {name},\\n\\nyour passcode is {code}; it lasts {lifetime}.\n"
  "passcode-sms=Hi {name}, your passcode is {code} (valid {lifetime})\n";

static void
test_templates (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(JsonObject) sent = NULL;
  g_autoptr(JsonObject) delivery = NULL;
  g_autoptr(JsonObject) welcome = NULL;
  g_autoptr(JsonObject) mail = NULL;
  g_autoptr(JsonObject) valid = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *code = NULL;
  const char *text, *message;
  Request *r;

  enrol (f, "ada", "ada@example.org", 1);
  sent = call (f, "\"type\":\"send_oath_otp\",\"username\":\"ada\",\"deliveryMethod\":\"email\"");
  assert_ok (sent);
  delivery = wait_delivery (f, json_object_get_int_member (sent, "messageId"));
  g_assert_cmpstr (json_object_get_string_member (delivery, "state"), ==, "delivered");
  g_assert_cmpuint (sink_count (&f->sink), ==, 2);
  welcome = sink_load (&f->sink, 0);
  mail = sink_load (&f->sink, 1);
  g_assert_cmpstr (json_object_get_string_member (welcome, "subject"), ==, "Welcome aboard, ada");
  g_assert_cmpstr (json_object_get_string_member (mail, "subject"), ==, "Latchkey Test sign-in for ada");
  text = json_object_get_string_member (json_array_get_object_element (
           json_object_get_array_member (mail, "parts"), 0), "text");
  g_test_message ("text: %s", text);
  g_assert_true (g_str_has_prefix (text, "Dear Ada,\n\nyour passcode is "));
  g_assert_nonnull (strstr (text, "; it lasts "));
  code = code_in (text);
  valid = call (f, "\"type\":\"validate_oath_otp\",\"username\":\"ada\",\"otp\":\"%s\"", code);
  assert_ok (valid);

  g_clear_pointer (&sent, json_object_unref);
  g_clear_pointer (&delivery, json_object_unref);
  g_clear_pointer (&valid, json_object_unref);
  g_clear_pointer (&code, g_free);
  sent = call (f, "\"type\":\"send_oath_otp\",\"username\":\"ada\",\"deliveryMethod\":\"sms\"");
  assert_ok (sent);
  delivery = wait_delivery (f, json_object_get_int_member (sent, "messageId"));
  g_assert_cmpstr (json_object_get_string_member (delivery, "state"), ==, "delivered");
  r = g_ptr_array_index (f->gateway.requests, 0);
  json_parser_load_from_data (parser, r->body, -1, &error);
  g_assert_no_error (error);
  message = json_object_get_string_member (json_node_get_object (json_parser_get_root (parser)), "message");
  g_test_message ("sms: %s", message);
  g_assert_true (g_str_has_prefix (message, "Hi Ada, your passcode is "));
  g_assert_true (g_str_has_suffix (message, " minutes)"));
  code = code_in (message);
  valid = call (f, "\"type\":\"validate_oath_otp\",\"username\":\"ada\",\"otp\":\"%s\"", code);
  assert_ok (valid);
}

/* A typo in a placeholder is found when latchkeyd reads its file, not when
 * the first user waits for a message. */
static void
test_bad_template (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("lk-delivery-bad-XXXXXX", &error);
  g_autofree char *conf = g_build_filename (dir, "latchkeyd.conf", NULL);
  LkTestServerOptions options = { 0 };
  const char *args[] = { "--config", conf, NULL };
  LkTestServer *server;

  g_file_set_contents (conf, "[smtp]\nhost=127.0.0.1\nport=2525\nsecurity=none\nfrom=noreply@example.org\n"
                       "[templates]\npasscode-sms=Your code: {kode}\n", -1, &error);
  g_assert_no_error (error);
  options.extra_args = args;
  server = lk_test_server_start (&options, &error);
  g_assert_null (server);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "[templates] passcode-sms"));
  g_assert_nonnull (strstr (error->message, "{kode}"));
  sink_remove_tree (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  /* GIO's default proxy resolver reads GSettings schemas that isolated
   * test directories do not have (latchkeyd inherits this too). */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_test_add ("/delivery/latchkeyd/email-and-sms", Fixture, NULL, fixture_setup, test_email_and_sms, fixture_teardown);
  g_test_add ("/delivery/latchkeyd/rejected", Fixture, NULL, fixture_setup, test_rejected, fixture_teardown);
  g_test_add ("/delivery/latchkeyd/templates", Fixture, templates_conf, fixture_setup, test_templates, fixture_teardown);
  g_test_add_func ("/delivery/latchkeyd/bad-template", test_bad_template);
  return g_test_run ();
}
