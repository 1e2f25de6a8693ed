/* SPDX-License-Identifier: GPL-3.0-or-later
 * Delivery end to end: a real SMTP server on loopback (aiosmtpd) and a real
 * HTTP gateway (a libsoup server on its own thread) receive what the
 * engine's outbox sends through the email, SMS and voice channels. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "../engine/engine-test-util.h"
#include "lk-delivery-router.h"
#include "lk-gateway-channel.h"
#include "lk-outbox-worker.h"
#include "lk-smtp-channel.h"
#include "delivery-test-util.h"

#define ISSUER "Clé Latchkey"
#define SMS_TOKEN "s3cr3t-gateway-token"
#define VOICE_KEY "voice-api-key-0123"

/* ---- fixture: an engine, both servers, and a router ---- */

typedef struct
{
  Fixture            f;
  SmtpSink           sink;
  Gateway            gateway;
  LkDeliveryConfig  *config;
  LkDeliveryRouter  *router;
} DFixture;

static void
enrol (DFixture   *d,
       const char *login,
       const char *email,
       int         otp_type,
       int         notify,
       gint64     *out_outbox)
{
  LkUserSpec us;
  g_autoptr(GError) error = NULL;
  g_autoptr(LkEnrollResult) result = NULL;
  char c0[LK_OTP_CODE_SIZE], c1[LK_OTP_CODE_SIZE];
  guint64 base = otp_type == LK_OTP_TYPE_TIME ? (guint64) d->f.now / 30 : 0;

  lk_user_spec_init (&us);
  us.login = login;
  us.first_name = "Zoë";
  us.last_name = "Ünal";
  us.email = email;
  us.mobile_phone = "+44 20 7946 0000";
  us.with_device = TRUE;
  us.device.otp_type = otp_type;
  us.device.secret_key_hex = RFC_SEED_HEX;
  us.device.notification_method = notify;
  result = lk_engine_enroll_user (d->f.engine, d->f.account, &us, &error);
  g_assert_no_error (error);
  if (out_outbox != NULL)
    *out_outbox = result->outbox_id;
  otp_for (RFC_SEED_HEX, LK_HASH_SHA1, base, 6, c0);
  otp_for (RFC_SEED_HEX, LK_HASH_SHA1, base + 1, 6, c1);
  lk_engine_activate_device (d->f.engine, d->f.account, login, result->device->serial, c0, c1, &error);
  g_assert_no_error (error);
  /* Past the steps activation consumed, so the sent code is fresh. */
  d->f.now += 120;
}

static void
dfixture_setup (DFixture      *d,
                gconstpointer  data)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  fixture_setup (&d->f, NULL);
  sink_start (&d->sink, "bounce@example.org");
  gateway_start (&d->gateway);
  text = g_strdup_printf ("[delivery]\nissuer=%s\n"
                          "[smtp]\nhost=127.0.0.1\nport=%u\nsecurity=none\nfrom=noreply@example.org\n"
                          "[sms]\npreset=twilio-sms\nurl=http://127.0.0.1:%u/sms\nusername=AC123\n"
                          "password=%s\nfrom=+15550001111\n"
                          "[voice]\npreset=json\nurl=http://127.0.0.1:%u/voice\nheaders=X-Api-Key: %s;\n",
                          ISSUER, d->sink.port, d->gateway.port, SMS_TOKEN, d->gateway.port, VOICE_KEY);
  g_key_file_load_from_data (file, text, (gsize) -1, G_KEY_FILE_NONE, &error);
  g_assert_no_error (error);
  d->config = lk_delivery_config_load (file, &error);
  g_assert_no_error (error);
  d->router = lk_delivery_router_new_from_config (d->config);
}

static void
dfixture_teardown (DFixture      *d,
                   gconstpointer  data)
{
  g_clear_object (&d->router);
  g_clear_pointer (&d->config, lk_delivery_config_free);
  gateway_stop (&d->gateway);
  sink_stop (&d->sink);
  fixture_teardown (&d->f, NULL);
}

static guint
process (DFixture *d)
{
  g_autoptr(GError) error = NULL;
  guint n = lk_engine_outbox_process (d->f.engine, LK_DELIVERY (d->router), 10, NULL, &error);

  g_assert_no_error (error);
  return n;
}

static LkOutboxMessage *
outbox_get (DFixture *d,
            gint64    id)
{
  g_autoptr(GError) error = NULL;
  LkOutboxMessage *m = lk_engine_outbox_get (d->f.engine, d->f.account, id, &error);

  g_assert_no_error (error);
  return m;
}

/* The digits after @marker in @text. */
static char *
code_after (const char *text,
            const char *marker)
{
  const char *p = strstr (text, marker);
  const char *end;

  g_assert_nonnull (p);
  p += strlen (marker);
  for (end = p; g_ascii_isdigit (*end); end++)
    ;
  g_assert_cmpint (end - p, ==, 6);
  return g_strndup (p, (gsize) (end - p));
}

static void
assert_validates (DFixture   *d,
                  const char *login,
                  const char *code)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (lk_engine_validate_otp (d->f.engine, d->f.account, login, NULL, code, NULL, NULL, &error));
  g_assert_no_error (error);
  /* And only once. */
  g_assert_false (lk_engine_validate_otp (d->f.engine, d->f.account, login, NULL, code, NULL, NULL, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_OTP_ALREADY_USED);
}

/* ---- tests ---- */

static void
test_email_passcode (DFixture      *d,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) mail = NULL;
  g_autoptr(LkOutboxMessage) m = NULL;
  g_autofree char *code = NULL;
  g_autofree char *html_code = NULL;
  g_autofree char *strong = NULL;
  JsonArray *parts;
  JsonObject *plain, *html;
  gint64 id;

  enrol (d, "alice", "alice@example.org", LK_OTP_TYPE_TIME, 0, NULL);
  id = lk_engine_send_otp (d->f.engine, d->f.account, "alice", NULL, LK_DELIVERY_EMAIL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  g_assert_cmpuint (sink_count (&d->sink), ==, 0);   /* written, not yet sent */

  g_assert_cmpuint (process (d), ==, 1);
  g_assert_cmpuint (sink_count (&d->sink), ==, 1);
  mail = sink_load (&d->sink, 0);
  g_assert_cmpstr (json_object_get_string_member (mail, "mail_from"), ==, "noreply@example.org");
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (mail, "rcpt_tos"), 0), ==,
                   "alice@example.org");
  g_assert_cmpstr (json_object_get_string_member (mail, "content_type"), ==, "multipart/alternative");
  /* The subject went out as RFC 2047 encoded-words; Python decoded them. */
  g_assert_cmpstr (json_object_get_string_member (mail, "subject"), ==, "Your " ISSUER " passcode");
  g_assert_cmpstr (json_object_get_string_member (mail, "from"), ==, ISSUER " <noreply@example.org>");
  g_assert_true (json_object_get_boolean_member (mail, "date_valid"));
  g_assert_true (g_str_has_suffix (json_object_get_string_member (mail, "message_id"), "@example.org>"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (mail, "defects")), ==, 0);
  parts = json_object_get_array_member (mail, "parts");
  g_assert_cmpuint (json_array_get_length (parts), ==, 2);
  plain = json_array_get_object_element (parts, 0);
  html = json_array_get_object_element (parts, 1);
  g_assert_cmpstr (json_object_get_string_member (plain, "type"), ==, "text/plain");
  g_assert_cmpstr (json_object_get_string_member (plain, "charset"), ==, "utf-8");
  g_assert_cmpstr (json_object_get_string_member (html, "type"), ==, "text/html");
  g_assert_nonnull (strstr (json_object_get_string_member (plain, "text"), "Hello Zoë Ünal,"));
  code = code_after (json_object_get_string_member (plain, "text"), "passcode is ");
  html_code = code_after (json_object_get_string_member (html, "text"), "passcode is <strong>");
  g_assert_cmpstr (code, ==, html_code);

  m = outbox_get (d, id);
  g_assert_cmpint (m->state, ==, LK_OUTBOX_DELIVERED);
  g_assert_null (m->code);
  /* Sent once: another pass finds nothing. */
  g_assert_cmpuint (process (d), ==, 0);
  g_assert_cmpuint (sink_count (&d->sink), ==, 1);
  assert_validates (d, "alice", code);
}

static void
test_email_rejected (DFixture      *d,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkOutboxMessage) m = NULL;
  gint64 id;

  enrol (d, "bounce", "bounce@example.org", LK_OTP_TYPE_EVENT, 0, NULL);
  id = lk_engine_send_otp (d->f.engine, d->f.account, "bounce", NULL, LK_DELIVERY_EMAIL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (process (d), ==, 0);
  g_assert_cmpuint (sink_count (&d->sink), ==, 0);
  m = outbox_get (d, id);
  /* A 5xx is final: failed at once, with the server's own words. */
  g_assert_cmpint (m->state, ==, LK_OUTBOX_FAILED);
  g_assert_cmpuint (m->attempts, ==, 1);
  g_assert_nonnull (strstr (m->last_error, "550"));
  g_assert_nonnull (strstr (m->last_error, "User unknown"));
  d->f.now += 100000;
  g_assert_cmpuint (process (d), ==, 0);
}

static void
test_welcome (DFixture      *d,
              gconstpointer  data)
{
  g_autoptr(JsonObject) mail = NULL;
  g_autoptr(LkOutboxMessage) m = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) devices = NULL;
  const char *text;
  gint64 id = 0;

  enrol (d, "carol", "carol@example.org", LK_OTP_TYPE_TIME, LK_NOTIFY_EMAIL, &id);
  g_assert_cmpint (id, >, 0);
  g_assert_cmpuint (process (d), ==, 1);
  mail = sink_load (&d->sink, 0);
  g_assert_cmpstr (json_object_get_string_member (mail, "subject"), ==, "Welcome to " ISSUER);
  text = json_object_get_string_member (json_array_get_object_element (json_object_get_array_member (mail, "parts"), 0), "text");
  m = outbox_get (d, id);
  g_assert_nonnull (m->serial);
  g_assert_nonnull (strstr (text, m->serial));
  g_assert_nonnull (strstr (text, "carol"));
  g_assert_cmpint (m->state, ==, LK_OUTBOX_DELIVERED);
}

static void
test_sms_and_voice (DFixture      *d,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) form = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *code = NULL;
  g_autofree char *expected_auth = NULL;
  g_autofree char *b64 = NULL;
  g_autofree char *expected_prefix = NULL;
  g_autofree char *spoken = NULL;
  JsonObject *voice;
  Request *r;
  gint64 id;

  enrol (d, "dave", "dave@example.org", LK_OTP_TYPE_EVENT, 0, NULL);
  id = lk_engine_send_otp (d->f.engine, d->f.account, "dave", NULL, LK_DELIVERY_SMS, &error);
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  g_assert_cmpuint (process (d), ==, 1);
  g_assert_cmpuint (gateway_count (&d->gateway), ==, 1);
  r = g_ptr_array_index (d->gateway.requests, 0);
  g_assert_cmpstr (r->method, ==, "POST");
  g_assert_cmpstr (r->path, ==, "/sms");
  g_assert_cmpstr (r->content_type, ==, "application/x-www-form-urlencoded");
  b64 = g_base64_encode ((const guchar *) "AC123:" SMS_TOKEN, strlen ("AC123:" SMS_TOKEN));
  expected_auth = g_strdup_printf ("Basic %s", b64);
  g_assert_cmpstr (r->authorization, ==, expected_auth);
  form = soup_form_decode (r->body);
  g_assert_cmpstr (g_hash_table_lookup (form, "To"), ==, "+442079460000");
  g_assert_cmpstr (g_hash_table_lookup (form, "From"), ==, "+15550001111");
  code = code_after (g_hash_table_lookup (form, "Body"), "your passcode is ");
  expected_prefix = g_strdup_printf (ISSUER ": your passcode is %s. It is valid for ", code);
  g_assert_true (g_str_has_prefix (g_hash_table_lookup (form, "Body"), expected_prefix));
  g_assert_true (g_str_has_suffix (g_hash_table_lookup (form, "Body"), " minutes."));
  assert_validates (d, "dave", code);

  /* Voice: the generic JSON shape, key in a header, digits spoken one by one. */
  id = lk_engine_send_otp (d->f.engine, d->f.account, "dave", NULL, LK_DELIVERY_VOICE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (process (d), ==, 1);
  g_assert_cmpuint (gateway_count (&d->gateway), ==, 2);
  r = g_ptr_array_index (d->gateway.requests, 1);
  g_assert_cmpstr (r->path, ==, "/voice");
  g_assert_cmpstr (r->content_type, ==, "application/json");
  g_assert_cmpstr (r->api_key, ==, VOICE_KEY);
  g_assert_null (r->authorization);
  json_parser_load_from_data (parser, r->body, -1, &error);
  g_assert_no_error (error);
  voice = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (voice, "to"), ==, "+442079460000");
  g_clear_pointer (&code, g_free);
  {
    const char *msg = json_object_get_string_member (voice, "message");
    GString *digits = g_string_new (NULL);
    const char *p = strstr (msg, "passcode is ");
    g_assert_nonnull (p);
    for (p += strlen ("passcode is "); *p != '.'; p++)
      if (g_ascii_isdigit (*p))
        g_string_append_c (digits, *p);
      else
        g_assert_true (*p == ',' || *p == ' ');
    code = g_string_free (digits, FALSE);
  }
  g_assert_cmpuint (strlen (code), ==, 6);
  assert_validates (d, "dave", code);
}

static void
test_gateway_retry (DFixture      *d,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 id;

  enrol (d, "erin", "erin@example.org", LK_OTP_TYPE_EVENT, 0, NULL);
  gateway_set (&d->gateway, 503, "{\"error\": \"maintenance\"}");
  id = lk_engine_send_otp (d->f.engine, d->f.account, "erin", NULL, LK_DELIVERY_SMS, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (process (d), ==, 0);
  g_assert_cmpuint (gateway_count (&d->gateway), ==, 1);
  {
    g_autoptr(LkOutboxMessage) m = outbox_get (d, id);
    g_assert_cmpint (m->state, ==, LK_OUTBOX_PENDING);
    g_assert_cmpuint (m->attempts, ==, 1);
    g_assert_nonnull (strstr (m->last_error, "503"));
  }
  /* Not due yet: the back-off holds it. */
  d->f.now += 10;
  g_assert_cmpuint (process (d), ==, 0);
  g_assert_cmpuint (gateway_count (&d->gateway), ==, 1);
  /* The gateway is back, and the retry is due. */
  gateway_set (&d->gateway, 201, "{\"status\": \"queued\"}");
  d->f.now += 30;
  g_assert_cmpuint (process (d), ==, 1);
  g_assert_cmpuint (gateway_count (&d->gateway), ==, 2);
  {
    g_autoptr(LkOutboxMessage) m = outbox_get (d, id);
    g_assert_cmpint (m->state, ==, LK_OUTBOX_DELIVERED);
    g_assert_cmpuint (m->attempts, ==, 2);
  }
  d->f.now += 100000;
  g_assert_cmpuint (process (d), ==, 0);
  g_assert_cmpuint (gateway_count (&d->gateway), ==, 2);
}

static void
test_gateway_refused_redacted (DFixture      *d,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkOutboxMessage) m = NULL;
  gint64 id;

  enrol (d, "frank", "frank@example.org", LK_OTP_TYPE_EVENT, 0, NULL);
  /* A gateway that echoes the credential it refused. */
  gateway_set (&d->gateway, 401, "{\"error\": \"bad token " SMS_TOKEN "\"}");
  id = lk_engine_send_otp (d->f.engine, d->f.account, "frank", NULL, LK_DELIVERY_SMS, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (process (d), ==, 0);
  m = outbox_get (d, id);
  g_assert_cmpint (m->state, ==, LK_OUTBOX_FAILED);
  g_assert_nonnull (strstr (m->last_error, "401"));
  g_assert_nonnull (strstr (m->last_error, "bad token ***"));
  g_assert_null (strstr (m->last_error, SMS_TOKEN));
}

static void
wait_for (LkOutboxWorker *worker,
          guint           delivered,
          guint           rounds)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  while (lk_outbox_worker_get_delivered (worker) < delivered || lk_outbox_worker_get_rounds (worker) < rounds)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (10000);
    }
}

static void
test_worker_resumes (DFixture      *d,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  LkEngineConfig config;
  gint64 id;

  enrol (d, "gina", "gina@example.org", LK_OTP_TYPE_EVENT, 0, NULL);
  /* Written while no worker runs (as if latchkeyd stopped after the commit). */
  id = lk_engine_send_otp (d->f.engine, d->f.account, "gina", NULL, LK_DELIVERY_EMAIL, &error);
  g_assert_no_error (error);
  fixture_config (&d->f, &config);
  {
    g_autoptr(LkOutboxWorker) worker = lk_outbox_worker_new (d->f.path, d->f.keys, &config,
                                                             LK_DELIVERY (d->router), 50, 0);
    g_assert_true (lk_outbox_worker_start (worker, &error));
    g_assert_no_error (error);
    wait_for (worker, 1, 1);
    lk_outbox_worker_stop (worker);
    g_assert_cmpuint (lk_outbox_worker_get_delivered (worker), ==, 1);
  }
  g_assert_cmpuint (sink_count (&d->sink), ==, 1);
  {
    /* A second worker (a restart) finds nothing left to send. */
    g_autoptr(LkOutboxWorker) worker = lk_outbox_worker_new (d->f.path, d->f.keys, &config,
                                                             LK_DELIVERY (d->router), 50, 0);
    g_assert_true (lk_outbox_worker_start (worker, &error));
    lk_outbox_worker_wake (worker);
    wait_for (worker, 0, 3);
    g_assert_cmpuint (lk_outbox_worker_get_delivered (worker), ==, 0);
  }
  g_assert_cmpuint (sink_count (&d->sink), ==, 1);
  {
    g_autoptr(LkOutboxMessage) m = outbox_get (d, id);
    g_assert_cmpint (m->state, ==, LK_OUTBOX_DELIVERED);
  }
}

static void
test_no_channel (DFixture      *d,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkOutboxMessage) m = NULL;
  g_autoptr(LkDeliveryRouter) empty = lk_delivery_router_new ();
  gint64 id;

  enrol (d, "hank", "hank@example.org", LK_OTP_TYPE_EVENT, 0, NULL);
  id = lk_engine_send_otp (d->f.engine, d->f.account, "hank", NULL, LK_DELIVERY_VOICE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lk_engine_outbox_process (d->f.engine, LK_DELIVERY (empty), 10, NULL, &error), ==, 0);
  g_assert_no_error (error);
  m = outbox_get (d, id);
  g_assert_cmpint (m->state, ==, LK_OUTBOX_FAILED);
  g_assert_nonnull (strstr (m->last_error, "voice"));
}

static void
test_send_rate (DFixture      *d,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  enrol (d, "ivan", "ivan@example.org", LK_OTP_TYPE_EVENT, 0, NULL);
  for (int i = 0; i < 5; i++)
    {
      g_assert_cmpint (lk_engine_send_otp (d->f.engine, d->f.account, "ivan", NULL, LK_DELIVERY_EMAIL, &error), >, 0);
      g_assert_no_error (error);
      d->f.now += 60;
    }
  /* The sixth within 15 minutes is refused, audited, and nothing is queued. */
  g_assert_cmpint (lk_engine_send_otp (d->f.engine, d->f.account, "ivan", NULL, LK_DELIVERY_SMS, &error), ==, 0);
  assert_engine_error (error, LK_ENGINE_ERROR_SEND_RATE);
  g_clear_error (&error);
  {
    g_autoptr(GPtrArray) audit = lk_engine_list_audit (d->f.engine, d->f.account, "ivan", 0, 1, &error);
    LkAuditEntry *last = g_ptr_array_index (audit, 0);
    g_assert_cmpstr (last->operation, ==, "send_oath_otp");
    g_assert_cmpint (last->result, ==, LK_ENGINE_ERROR_SEND_RATE);
  }
  g_assert_cmpuint (process (d), ==, 5);
  g_assert_cmpuint (gateway_count (&d->gateway), ==, 0);
  /* Another user is not affected; the window moves on. */
  enrol (d, "jane", "jane@example.org", LK_OTP_TYPE_EVENT, 0, NULL);
  g_assert_cmpint (lk_engine_send_otp (d->f.engine, d->f.account, "jane", NULL, LK_DELIVERY_EMAIL, &error), >, 0);
  d->f.now += 900;
  g_assert_cmpint (lk_engine_send_otp (d->f.engine, d->f.account, "ivan", NULL, LK_DELIVERY_EMAIL, &error), >, 0);
  g_assert_no_error (error);
}

static void
enrol_bare (DFixture   *d,
            const char *login)
{
  LkUserSpec us;
  g_autoptr(GError) error = NULL;
  g_autoptr(LkEnrollResult) result = NULL;

  lk_user_spec_init (&us);
  us.login = login;
  us.email = "bare@example.org";
  result = lk_engine_enroll_user (d->f.engine, d->f.account, &us, &error);
  g_assert_no_error (error);
}

static char *
send_one_off (DFixture   *d,
              const char *login)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) mail = NULL;
  g_autoptr(LkOutboxMessage) m = NULL;
  guint before = sink_count (&d->sink);
  gint64 id = lk_engine_send_otp (d->f.engine, d->f.account, login, NULL, LK_DELIVERY_EMAIL, &error);

  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  m = outbox_get (d, id);
  g_assert_null (m->serial);
  g_assert_cmpint (m->expires_at, ==, d->f.now + 600);
  g_assert_cmpuint (process (d), ==, 1);
  g_assert_cmpuint (sink_count (&d->sink), ==, before + 1);
  mail = sink_load (&d->sink, before);
  return code_after (json_object_get_string_member (json_array_get_object_element (
                       json_object_get_array_member (mail, "parts"), 0), "text"), "passcode is ");
}

static void
test_one_off (DFixture      *d,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *code = NULL;
  g_autofree char *wrong = NULL;

  enrol_bare (d, "kim");
  /* No code issued yet: a user without a device has nothing to validate. */
  g_assert_false (lk_engine_validate_otp (d->f.engine, d->f.account, "kim", NULL, "123456", NULL, NULL, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_NO_DEVICES);
  g_clear_error (&error);

  /* Sent, valid once. */
  code = send_one_off (d, "kim");
  d->f.now += 30;
  g_assert_true (lk_engine_validate_otp (d->f.engine, d->f.account, "kim", NULL, code, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (lk_engine_validate_otp (d->f.engine, d->f.account, "kim", NULL, code, NULL, NULL, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_NO_DEVICES);
  g_clear_error (&error);

  /* Past its lifetime: 9043, and then gone. */
  g_free (code);
  code = send_one_off (d, "kim");
  d->f.now += 601;
  g_assert_false (lk_engine_validate_otp (d->f.engine, d->f.account, "kim", NULL, code, NULL, NULL, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_SENT_OTP_EXPIRED);
  g_clear_error (&error);
  g_assert_false (lk_engine_validate_otp (d->f.engine, d->f.account, "kim", NULL, code, NULL, NULL, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_NO_DEVICES);
  g_clear_error (&error);

  /* A new code replaces the old one; five wrong guesses burn it. */
  g_free (code);
  code = send_one_off (d, "kim");
  wrong = g_strdup_printf ("%06d", (atoi (code) + 1) % 1000000);
  for (int i = 0; i < 5; i++)
    {
      g_assert_false (lk_engine_validate_otp (d->f.engine, d->f.account, "kim", NULL, wrong, NULL, NULL, &error));
      assert_engine_error (error, LK_ENGINE_ERROR_OTP_INVALID);
      g_clear_error (&error);
    }
  g_assert_false (lk_engine_validate_otp (d->f.engine, d->f.account, "kim", NULL, code, NULL, NULL, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_NO_DEVICES);
}

/* STARTTLS (required by the server, verified against its certificate)
 * and AUTH (required by the server, over TLS only). */
static void
test_starttls_auth (DFixture      *d,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *cert = g_build_filename (d->f.dir, "smtp.pem", NULL);
  g_autofree char *key = g_build_filename (d->f.dir, "smtp.key", NULL);
  g_autofree char *subject_alt = g_strdup ("subjectAltName=IP:127.0.0.1,DNS:localhost");
  g_autoptr(JsonObject) mail = NULL;
  SmtpSink tls_sink = { 0 };
  int status = 0;

  const char *argv[] = { "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                         "-nodes", "-subj", "/CN=127.0.0.1", "-addext", subject_alt, "-days", "2",
                         "-keyout", key, "-out", cert, NULL };
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL |
                               G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_cmpint (status, ==, 0);
  g_setenv ("LK_SINK_TLS_CERT", cert, TRUE);
  g_setenv ("LK_SINK_TLS_KEY", key, TRUE);
  g_setenv ("LK_SINK_AUTH", "relay-user:relay-Pa55", TRUE);
  sink_start (&tls_sink, NULL);
  g_unsetenv ("LK_SINK_TLS_CERT");
  g_unsetenv ("LK_SINK_TLS_KEY");
  g_unsetenv ("LK_SINK_AUTH");

  enrol (d, "lena", "lena@example.org", LK_OTP_TYPE_EVENT, 0, NULL);
  {
    LkSmtpConfig *smtp = lk_smtp_config_new ();
    g_autoptr(LkSmtpChannel) channel = NULL;
    g_autoptr(LkOutboxMessage) m = NULL;
    gint64 id;

    smtp->host = g_strdup ("127.0.0.1");
    smtp->port = tls_sink.port;
    smtp->security = LK_SMTP_SECURITY_STARTTLS;
    smtp->ca_file = g_strdup (cert);
    smtp->from = g_strdup ("noreply@example.org");
    smtp->username = g_strdup ("relay-user");
    smtp->password = g_strdup ("relay-Pa55");
    channel = lk_smtp_channel_new (smtp, ISSUER);
    id = lk_engine_send_otp (d->f.engine, d->f.account, "lena", NULL, LK_DELIVERY_EMAIL, &error);
    g_assert_no_error (error);
    lk_engine_outbox_process (d->f.engine, LK_DELIVERY (channel), 10, NULL, &error);
    g_assert_no_error (error);
    m = outbox_get (d, id);
    g_assert_cmpint (m->state, ==, LK_OUTBOX_DELIVERED);
    g_assert_cmpuint (sink_count (&tls_sink), ==, 1);
    mail = sink_load (&tls_sink, 0);
    g_assert_true (json_object_get_boolean_member (mail, "tls"));
    g_assert_true (json_object_get_boolean_member (mail, "authenticated"));
  }
  sink_stop (&tls_sink);
}

#define DTEST(path, fn) g_test_add ((path), DFixture, NULL, dfixture_setup, (fn), dfixture_teardown)

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  /* GIO's default proxy resolver reads GSettings schemas that isolated
   * test directories do not have; loopback needs no proxy anyway. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  DTEST ("/delivery/email/passcode", test_email_passcode);
  DTEST ("/delivery/email/rejected", test_email_rejected);
  DTEST ("/delivery/email/welcome", test_welcome);
  DTEST ("/delivery/gateway/sms-and-voice", test_sms_and_voice);
  DTEST ("/delivery/gateway/retry", test_gateway_retry);
  DTEST ("/delivery/gateway/refused-redacted", test_gateway_refused_redacted);
  DTEST ("/delivery/worker/resumes", test_worker_resumes);
  DTEST ("/delivery/router/no-channel", test_no_channel);
  DTEST ("/delivery/send-rate", test_send_rate);
  DTEST ("/delivery/one-off", test_one_off);
  DTEST ("/delivery/email/starttls-auth", test_starttls_auth);
  return g_test_run ();
}
