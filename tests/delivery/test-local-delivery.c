/* SPDX-License-Identifier: GPL-3.0-or-later
 * The embedded case: a local backend (as the admin app opens it) runs the
 * outbox worker from a delivery file; a welcome message and a passcode
 * reach a real SMTP server, woken by the calls rather than a poll. */
#include "config.h"

#include "lk-delivery-router.h"
#include "lk-local-backend.h"
#include "lk-otp.h"
#include "delivery-test-util.h"

#define RFC_SEED_HEX "3132333435363738393031323334353637383930"

static LkApiResponse *
call (LkBackend    *backend,
      LkApiRequest *request)
{
  g_autoptr(GError) error = NULL;
  LkApiResponse *response = lk_backend_call_sync (backend, request, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (response);
  if (response->error_code != 0)
    g_error ("errorCode %d: %s", response->error_code, response->error_message);
  return response;
}

static void
wait_for_mail (SmtpSink *sink,
               guint     n)
{
  /* Well under the file's 60 s poll: only the wake can make it. */
  gint64 deadline = g_get_monotonic_time () + 15 * G_USEC_PER_SEC;

  while (sink_count (sink) < n)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10000);
    }
}

static void
test_embedded (void)
{
  static const guint8 master[32] = { 9, 8, 7, 6, 5, 4, 3, 2, 1 };
  SmtpSink sink = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(LkKeyProvider) keys = lk_memory_key_provider_new (master);
  g_autoptr(LkBackend) backend = NULL;
  g_autoptr(LkDeliveryRouter) router = NULL;
  g_autoptr(LkApiResponse) response = NULL;
  g_autoptr(JsonObject) mail = NULL;
  g_autofree char *dir = g_dir_make_tmp ("lk-local-delivery-XXXXXX", NULL);
  g_autofree char *db = g_build_filename (dir, "embedded.db", NULL);
  g_autofree char *conf = g_build_filename (dir, "delivery.conf", NULL);
  g_autofree char *text = NULL;
  g_autofree char *code = NULL;
  char c0[LK_OTP_CODE_SIZE], c1[LK_OTP_CODE_SIZE];
  guint poll_ms = 0;
  LkApiRequest *request;
  const char *p;

  sink_start (&sink, NULL);
  text = g_strdup_printf ("[delivery]\nissuer=Embedded\npoll-interval=60\n"
                          "[smtp]\nhost=127.0.0.1\nport=%u\nsecurity=none\nfrom=desk@example.org\n", sink.port);
  g_file_set_contents (conf, text, -1, &error);
  g_assert_no_error (error);

  backend = lk_local_backend_new (db, keys, "desk", "desk-key-0123456789");
  request = lk_api_request_new (LK_API_OP_CREATE_ACCOUNT);
  request->account_name = g_strdup ("desk");
  request->account_key = g_strdup ("desk-key-0123456789");
  response = call (backend, request);
  g_clear_pointer (&response, lk_api_response_free);

  router = lk_delivery_router_new_from_file (conf, &poll_ms, &error);
  g_assert_no_error (error);
  g_assert_nonnull (router);
  g_assert_cmpuint (poll_ms, ==, 60000);
  g_assert_true (lk_local_backend_start_delivery (LK_LOCAL_BACKEND (backend), LK_DELIVERY (router), poll_ms, &error));
  g_assert_no_error (error);

  /* Enrolment with notificationMethod 1: a welcome email. */
  request = lk_api_request_new (LK_API_OP_ENROLL_USER);
  request->username = g_strdup ("lee");
  request->email = g_strdup ("lee@example.org");
  request->with_device = TRUE;
  request->otp_type = LK_OTP_TYPE_EVENT;
  request->psn = g_strdup ("LEE-1");
  request->secret_key_hex = g_strdup (RFC_SEED_HEX);
  request->notification_method = 1;
  response = call (backend, request);
  g_assert_cmpint (response->message_id, >, 0);
  g_clear_pointer (&response, lk_api_response_free);
  wait_for_mail (&sink, 1);
  mail = sink_load (&sink, 0);
  g_assert_cmpstr (json_object_get_string_member (mail, "subject"), ==, "Welcome to Embedded");
  g_clear_pointer (&mail, json_object_unref);

  {
    guint8 seed[20];
    g_autoptr(LkOtpKey) key = NULL;

    for (gsize i = 0; i < sizeof seed; i++)
      seed[i] = (guint8) (g_ascii_xdigit_value (RFC_SEED_HEX[2 * i]) << 4 | g_ascii_xdigit_value (RFC_SEED_HEX[2 * i + 1]));
    key = lk_otp_key_new (LK_HASH_SHA1, seed, sizeof seed, NULL);
    lk_hotp_generate (key, 0, 6, c0);
    lk_hotp_generate (key, 1, 6, c1);
  }
  request = lk_api_request_new (LK_API_OP_ACTIVATE_DEVICE);
  request->username = g_strdup ("lee");
  request->serial = g_strdup ("LEE-1");
  request->otp1 = g_strdup (c0);
  request->otp2 = g_strdup (c1);
  response = call (backend, request);
  g_clear_pointer (&response, lk_api_response_free);

  /* A passcode by email, then its state through get_delivery. */
  request = lk_api_request_new (LK_API_OP_SEND_OTP);
  request->username = g_strdup ("lee");
  request->delivery_method = LK_DELIVERY_EMAIL;
  response = call (backend, request);
  wait_for_mail (&sink, 2);
  mail = sink_load (&sink, 1);
  p = strstr (json_object_get_string_member (json_array_get_object_element (
                json_object_get_array_member (mail, "parts"), 0), "text"), "passcode is ");
  g_assert_nonnull (p);
  code = g_strndup (p + strlen ("passcode is "), 6);
  request = lk_api_request_new (LK_API_OP_GET_DELIVERY);
  request->message_id = response->message_id;
  g_clear_pointer (&response, lk_api_response_free);
  /* The outcome is committed just after the server accepted the mail. */
  for (int i = 0; i < 500; i++)
    {
      LkApiRequest *copy = lk_api_request_copy (request);
      g_clear_pointer (&response, lk_api_response_free);
      response = call (backend, copy);
      if (response->delivery->state != LK_OUTBOX_PENDING)
        break;
      g_usleep (10000);
    }
  lk_api_request_free (request);
  g_assert_cmpint (response->delivery->state, ==, LK_OUTBOX_DELIVERED);
  g_assert_null (response->delivery->code);
  g_clear_pointer (&response, lk_api_response_free);

  request = lk_api_request_new (LK_API_OP_VALIDATE_OTP);
  request->username = g_strdup ("lee");
  request->otp = g_strdup (code);
  response = call (backend, request);

  g_clear_object (&backend);   /* stops the worker */
  sink_stop (&sink);
  sink_remove_tree (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/delivery/embedded/local-backend", test_embedded);
  return g_test_run ();
}
