/* SPDX-License-Identifier: GPL-3.0-or-later
 * The admin window's "Send passcode" action, end to end: a real window
 * under Xvfb on a remote backend, a real latchkeyd over TLS whose outbox
 * worker sends by SMS to a real HTTP gateway; the passcode that arrives
 * validates through the API. */
#include "config.h"

#include <adwaita.h>

#include "lk-admin-window-private.h"
#include "lk-otp.h"
#include "lk-remote-backend.h"
#include "lk-test-server.h"
#include "delivery-test-util.h"

#define RFC_SEED_HEX "3132333435363738393031323334353637383930"
#define LOGIN "pat.sender"

static LkAdminWindow *window;
static Gateway *gateway_ref;

typedef gboolean (*Condition) (gpointer data);

static gboolean
wake (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static void
wait_for (Condition condition,
          gpointer  data)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  guint tick = g_timeout_add (50, wake, NULL);

  while (!condition (data))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("timed out waiting");
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_remove (tick);
}

static gboolean
user_shown (gpointer data)
{
  const LkUser *user = lk_admin_user_page_get_user (window->user_page);

  return window->busy == 0 && user != NULL && g_strcmp0 (user->login, data) == 0;
}

static gboolean
idle (gpointer data)
{
  return window->busy == 0;
}

static gboolean
gateway_got (gpointer data)
{
  return gateway_count (gateway_ref) >= GPOINTER_TO_UINT (data);
}

static JsonObject *
call (LkTestServer *server,
      SoupSession  *session,
      const char   *fields)
{
  g_autoptr(GError) error = NULL;
  JsonObject *answer = lk_test_server_call (server, session, fields, &error);

  g_assert_no_error (error);
  return answer;
}

static void
test_send_passcode (void)
{
  SmtpSink sink = { 0 };
  Gateway gateway = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(LkTestServer) server = NULL;
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(LkBackend) backend = NULL;
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *dir = NULL;
  g_autofree char *conf = NULL;
  g_autofree char *text = NULL;
  g_autofree char *fields = NULL;
  g_autofree char *label = NULL;
  g_autofree char *code = NULL;
  const char *args[] = { "--config", NULL, NULL };
  LkTestServerOptions options = { 0 };
  char c0[LK_OTP_CODE_SIZE], c1[LK_OTP_CODE_SIZE];
  const char *message, *p;
  Request *r;

  sink_start (&sink, NULL);
  gateway_start (&gateway);
  gateway_ref = &gateway;
  dir = g_dir_make_tmp ("lk-admin-send-XXXXXX", &error);
  g_assert_no_error (error);
  conf = g_build_filename (dir, "latchkeyd.conf", NULL);
  text = g_strdup_printf ("[delivery]\nissuer=Helpdesk\n"
                          "[smtp]\nhost=127.0.0.1\nport=%u\nsecurity=none\nfrom=noreply@example.org\n"
                          "[sms]\npreset=json\nurl=http://127.0.0.1:%u/sms\n", sink.port, gateway.port);
  g_file_set_contents (conf, text, -1, &error);
  g_assert_no_error (error);
  args[1] = conf;
  options.extra_args = args;
  server = lk_test_server_start (&options, &error);
  g_assert_no_error (error);
  session = lk_test_server_new_session (server);

  /* A user with an activated event-based device (RFC 4226 seed). */
  answer = call (server, session, "\"type\":\"add_oath_user\",\"username\":\"" LOGIN "\",\"firstName\":\"Pat\","
                 "\"mobilePhone\":\"+44 20 7946 0123\",\"addDevice\":true,\"OtpType\":0,\"psn\":\"PAT-1\","
                 "\"secretKeyHex\":\"" RFC_SEED_HEX "\"");
  g_assert_cmpint (json_object_get_int_member (answer, "errorCode"), ==, 0);
  g_clear_pointer (&answer, json_object_unref);
  {
    guint8 seed[20];
    g_autoptr(LkOtpKey) key = NULL;

    for (gsize i = 0; i < sizeof seed; i++)
      seed[i] = (guint8) (g_ascii_xdigit_value (RFC_SEED_HEX[2 * i]) << 4 | g_ascii_xdigit_value (RFC_SEED_HEX[2 * i + 1]));
    key = lk_otp_key_new (LK_HASH_SHA1, seed, sizeof seed, NULL);
    lk_hotp_generate (key, 0, 6, c0);
    lk_hotp_generate (key, 1, 6, c1);
  }
  fields = g_strdup_printf ("\"type\":\"active_oath_device\",\"username\":\"" LOGIN "\",\"deviceId\":\"PAT-1\","
                            "\"otp1\":\"%s\",\"otp2\":\"%s\"", c0, c1);
  answer = call (server, session, fields);
  g_assert_cmpint (json_object_get_int_member (answer, "errorCode"), ==, 0);
  g_clear_pointer (&answer, json_object_unref);

  /* The admin window on the server, as a helpdesk would use it. */
  backend = lk_remote_backend_new (lk_test_server_get_url (server), lk_test_server_get_account (server),
                                   lk_test_server_get_account_key (server), &error);
  g_assert_no_error (error);
  lk_remote_backend_pin_certificate_file (LK_REMOTE_BACKEND (backend), lk_test_server_get_cert_file (server), &error);
  g_assert_no_error (error);
  label = lk_backend_describe (backend);
  window = lk_admin_window_new_for_backend (NULL, backend, label);
  gtk_window_present (GTK_WINDOW (window));
  wait_for (idle, NULL);
  lk_admin_window_select_login (window, LOGIN);
  wait_for (user_shown, (gpointer) LOGIN);
  g_assert_cmpint (lk_admin_user_page_get_delivery (window->user_page), ==, LK_DELIVERY_SMS);

  gtk_widget_activate_action (GTK_WIDGET (window), "admin.send-passcode", NULL);
  wait_for (idle, NULL);
  g_assert_nonnull (lk_admin_user_page_get_passcode_result (window->user_page));
  /* The server's worker sends it; the gateway gets exactly one request. */
  wait_for (gateway_got, GUINT_TO_POINTER (1));
  g_assert_cmpuint (gateway_count (&gateway), ==, 1);
  r = g_ptr_array_index (gateway.requests, 0);
  json_parser_load_from_data (parser, r->body, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (json_parser_get_root (parser)), "to"), ==,
                   "+442079460123");
  message = json_object_get_string_member (json_node_get_object (json_parser_get_root (parser)), "message");
  p = strstr (message, "passcode is ");
  g_assert_nonnull (p);
  code = g_strndup (p + strlen ("passcode is "), 6);
  g_clear_pointer (&fields, g_free);
  fields = g_strdup_printf ("\"type\":\"validate_oath_otp\",\"username\":\"" LOGIN "\",\"otp\":\"%s\"", code);
  answer = call (server, session, fields);
  g_assert_cmpint (json_object_get_int_member (answer, "errorCode"), ==, 0);

  gtk_window_destroy (GTK_WINDOW (window));
  window = NULL;
  g_assert_cmpint (lk_test_server_stop (server, &error), ==, 0);
  g_assert_no_error (error);
  gateway_stop (&gateway);
  sink_stop (&sink);
  sink_remove_tree (dir);
}

int
main (int   argc,
      char *argv[])
{
  /* No G_TEST_OPTION_ISOLATE_DIRS: libadwaita needs XDG_DATA_DIRS; run
   * through lk-test-session.sh, which gives fresh user directories. */
  g_test_init (&argc, &argv, NULL);
  {
    g_autofree char *schema_dir = g_build_filename (g_getenv ("LK_BUILD_ROOT"), "data", NULL);

    g_setenv ("GSETTINGS_SCHEMA_DIR", schema_dir, TRUE);
    g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
    g_setenv ("GTK_A11Y", "none", TRUE);
    g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  }
  gtk_init ();
  adw_init ();
  g_test_add_func ("/delivery/admin/send-passcode", test_send_passcode);
  return g_test_run ();
}
