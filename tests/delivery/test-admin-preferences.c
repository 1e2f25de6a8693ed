/* SPDX-License-Identifier: GPL-3.0-or-later
 * The admin app's Preferences, end to end under Xvfb: the embedded
 * database opened as the app opens it (partner key in a real gnome-keyring),
 * SMTP settings and message texts typed into the window's own widgets, a bad
 * text refused and nothing saved, the passwords in the keyring and nowhere
 * in GSettings, then a passcode from the admin window's "Send passcode"
 * reaching a real SMTP server (aiosmtpd) with the administrator's text, its
 * code validating, the test button showing the server's refusal, the send
 * limit applied without a restart; and on a remote server, the fields
 * disabled. */
#include "config.h"

#include <adwaita.h>
#include <libsecret/secret.h>

#include "lk-admin-backend.h"
#include "lk-admin-connection.h"
#include "lk-admin-preferences-private.h"
#include "lk-admin-test-util.h"
#include "lk-admin-window-private.h"
#include "lk-remote-backend.h"
#include "delivery-test-util.h"

#define LOGIN "robin.mailer"
#define SMTP_PASSWORD "smtp-pw-4f9a7c21"
#define GATEWAY_TOKEN "gw-token-9b81e3d0"
#define GATEWAY_HEADER_KEY "hdr-key-77a1c5e2"

static gboolean
result_ready (gpointer data)
{
  GAsyncResult **result = data;

  return *result != NULL;
}

static void
got_result (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static LkApiResponse *
call_or_error (LkBackend     *backend,
               LkApiRequest  *request,
               GError       **error)
{
  GAsyncResult *result = NULL;
  LkApiResponse *response;

  lk_admin_backend_call (backend, request, NULL, got_result, &result);
  lk_admin_test_wait_for (result_ready, &result);
  response = lk_admin_backend_call_finish (backend, result, error);
  g_object_unref (result);
  return response;
}

static LkApiResponse *
call (LkBackend    *backend,
      LkApiRequest *request)
{
  g_autoptr(GError) error = NULL;
  LkApiResponse *response = call_or_error (backend, request, &error);

  g_assert_no_error (error);
  return response;
}

static gboolean
prefs_idle (gpointer data)
{
  LkAdminPreferences *prefs = data;

  return prefs->secrets_loaded && prefs->busy == 0;
}

static gboolean
window_idle (gpointer data)
{
  return LK_ADMIN_WINDOW (data)->busy == 0;
}

typedef struct
{
  LkAdminWindow *window;
  const char    *login;
} Shown;

static gboolean
user_shown (gpointer data)
{
  Shown *shown = data;
  const LkUser *user = lk_admin_user_page_get_user (shown->window->user_page);

  return shown->window->busy == 0 && user != NULL && g_strcmp0 (user->login, shown->login) == 0;
}

typedef struct
{
  SmtpSink *sink;
  guint     count;
} MailWait;

static gboolean
mail_arrived (gpointer data)
{
  MailWait *wait = data;

  return sink_count (wait->sink) >= wait->count;
}

static void
wait_for_mail (SmtpSink *sink,
               guint     count)
{
  MailWait wait = { sink, count };

  lk_admin_test_wait_for (mail_arrived, &wait);
}

static LkAdminPreferences *
find_preferences (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();   /* (transfer none) */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (toplevels, i);

      if (LK_IS_ADMIN_PREFERENCES (item))
        return LK_ADMIN_PREFERENCES (item);
    }
  return NULL;
}

static void
type_into (gpointer    editable,
           const char *text)
{
  /* What a user's typing ends in: the row's text changes and its binding
   * writes the (delayed) setting. */
  gtk_editable_set_text (GTK_EDITABLE (editable), text);
}

static void
set_buffer (GtkTextView *view,
            const char  *text)
{
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (view), text, -1);
}

static void
save (LkAdminPreferences *prefs)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (prefs), "prefs.save", NULL));
  lk_admin_test_wait_for (prefs_idle, prefs);
}

/* No GSettings key may hold a secret: every key's value, printed. */
static void
assert_not_in_settings (const char *secret)
{
  g_autoptr(GSettings) settings = g_settings_new (LK_APP_ID);
  g_autoptr(GSettingsSchema) schema = NULL;
  g_auto(GStrv) keys = NULL;

  g_object_get (settings, "settings-schema", &schema, NULL);
  keys = g_settings_schema_list_keys (schema);
  for (gsize i = 0; keys[i] != NULL; i++)
    {
      g_autoptr(GVariant) value = g_settings_get_value (settings, keys[i]);
      g_autofree char *printed = g_variant_print (value, FALSE);

      g_assert_null (strstr (printed, secret));
    }
}

static char *
keyring_lookup (const char *setting)
{
  static const SecretSchema schema = {
    "org.latchkey.Latchkey.DeliverySecret", SECRET_SCHEMA_NONE,
    { { "app", SECRET_SCHEMA_ATTRIBUTE_STRING }, { "setting", SECRET_SCHEMA_ATTRIBUTE_STRING }, { NULL, 0 } },
    0, NULL, NULL, NULL, NULL, NULL, NULL, NULL
  };
  g_autoptr(GError) error = NULL;
  char *value = secret_password_lookup_sync (&schema, NULL, &error, "app", LK_APP_ID, "setting", setting, NULL);

  g_assert_no_error (error);
  return value;
}

static void
click (GtkButton *button)
{
  g_signal_emit_by_name (button, "clicked");
}

static void
test_embedded (void)
{
  SmtpSink sink = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(LkBackend) backend = NULL;
  g_autoptr(GSettings) stored = g_settings_new (LK_APP_ID);
  g_autoptr(JsonObject) mail = NULL;
  g_autofree char *db = g_build_filename (g_get_user_data_dir (), "latchkey-prefs-test", "latchkey.db", NULL);
  g_autofree char *label = NULL;
  g_autofree char *code = NULL;
  g_autofree char *secret = NULL;
  GAsyncResult *result = NULL;
  LkAdminWindow *window;
  LkAdminPreferences *prefs;
  LkApiRequest *request;
  LkApiResponse *response;
  GtkWidget *delivery_row;
  const char *text, *p;
  Shown shown;

  sink_start (&sink, "nobody@example.org");

  /* The embedded database as the app opens it: its partner key is made and
   * kept in this session's gnome-keyring; no delivery settings yet. */
  lk_admin_connect_embedded_async (db, NULL, got_result, &result);
  lk_admin_test_wait_for (result_ready, &result);
  backend = lk_admin_connect_finish (result, &label, NULL, &error);
  g_clear_object (&result);
  g_assert_no_error (error);
  request = lk_api_request_new (LK_API_OP_ENROLL_USER);
  request->username = g_strdup (LOGIN);
  request->first_name = g_strdup ("Robin");
  request->email = g_strdup ("robin@example.org");
  response = call (backend, request);
  g_assert_cmpint (response->error_code, ==, 0);
  lk_api_response_free (response);

  window = lk_admin_window_new_for_backend (NULL, backend, label);
  gtk_window_present (GTK_WINDOW (window));
  lk_admin_test_wait_for (window_idle, window);

  /* Main menu → Preferences (Ctrl+,). */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "admin.preferences", NULL));
  prefs = find_preferences ();
  g_assert_nonnull (prefs);
  lk_admin_test_wait_for (prefs_idle, prefs);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (prefs->remote_row)));
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (prefs->smtp_group)));
  /* Unset texts show the built-in ones, for editing. */
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (prefs->passcode_subject_row)), ==, "Your {issuer} passcode");

  type_into (prefs->issuer_row, "Acme");
  type_into (prefs->smtp_host_row, "127.0.0.1");
  gtk_spin_button_set_value (prefs->smtp_port_spin, sink.port);
  adw_combo_row_set_selected (prefs->smtp_security_row, 2);   /* none: loopback only */
  type_into (prefs->smtp_password_row, SMTP_PASSWORD);
  type_into (prefs->smtp_from_row, "helpdesk@example.org");
  type_into (prefs->smtp_from_name_row, "Acme Helpdesk");
  /* An SMS gateway too, for its secrets; the Twilio preset fills the request. */
  adw_combo_row_set_selected (prefs->sms.preset_row, 1);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (prefs->sms.body_row)), ==,
                   "To={number}&From={from}&Body={message}");
  g_assert_cmpuint (adw_combo_row_get_selected (prefs->sms.format_row), ==, 1);
  type_into (prefs->sms.url_row, "https://sms.example.org/send");
  type_into (prefs->sms.username_row, "AC0001");
  type_into (prefs->sms.password_row, GATEWAY_TOKEN);
  type_into (prefs->sms.headers_row, "X-Api-Key: " GATEWAY_HEADER_KEY);
  type_into (prefs->passcode_subject_row, "Acme sign-in code for {login}");
  set_buffer (prefs->passcode_body_view, "Hi {name},\n\nyour Acme sign-in code: {code} (valid {lifetime}).\n");

  /* A typo in a placeholder: refused, the row marked, nothing saved. */
  type_into (prefs->passcode_sms_row, "Acme code {kode}");
  save (prefs);
  g_test_message ("status: %s", lk_admin_preferences_get_status (prefs));
  g_assert_nonnull (strstr (lk_admin_preferences_get_status (prefs), "Not saved"));
  g_assert_nonnull (strstr (lk_admin_preferences_get_status (prefs), "{kode}"));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (prefs->passcode_sms_row), "error"));
  /* Shown on screen, under every page's Save, in the error colour. */
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (prefs->status_labels[3])));
  g_assert_nonnull (strstr (gtk_label_get_text (prefs->status_labels[3]), "{kode}"));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (prefs->status_labels[3]), "error"));
  g_assert_cmpstr (adw_preferences_window_get_visible_page_name (ADW_PREFERENCES_WINDOW (prefs)), ==, "messages");
  lk_admin_test_screenshot (GTK_WIDGET (prefs), "admin-preferences-error", FALSE);
  g_assert_cmpstr (g_settings_get_string (stored, "template-passcode-sms"), ==, "");
  g_assert_cmpstr (g_settings_get_string (stored, "smtp-host"), ==, "");
  g_assert_cmpstr (g_settings_get_string (stored, "template-passcode-subject"), ==, "");
  secret = keyring_lookup ("smtp-password");
  g_assert_null (secret);

  /* A whole-configuration error (a From address with a name in it) is
   * refused with latchkeyd.conf's own words. */
  type_into (prefs->passcode_sms_row, "Acme code {code}");
  type_into (prefs->smtp_from_row, "Acme <helpdesk@example.org>");
  save (prefs);
  g_test_message ("status: %s", lk_admin_preferences_get_status (prefs));
  g_assert_nonnull (strstr (lk_admin_preferences_get_status (prefs), "bare email address"));
  g_assert_cmpstr (g_settings_get_string (stored, "smtp-host"), ==, "");

  type_into (prefs->smtp_from_row, "helpdesk@example.org");
  save (prefs);
  g_test_message ("status: %s", lk_admin_preferences_get_status (prefs));
  g_assert_cmpstr (lk_admin_preferences_get_status (prefs), ==, "Saved. The next message uses these settings.");
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (prefs->passcode_sms_row), "error"));

  /* Saved: plain settings in GSettings, secrets in the keyring only. */
  g_assert_cmpstr (g_settings_get_string (stored, "smtp-host"), ==, "127.0.0.1");
  g_assert_cmpuint (g_settings_get_uint (stored, "smtp-port"), ==, sink.port);
  g_assert_cmpstr (g_settings_get_string (stored, "smtp-security"), ==, "none");
  g_assert_cmpstr (g_settings_get_string (stored, "sms-format"), ==, "form");
  g_assert_cmpstr (g_settings_get_string (stored, "template-passcode-sms"), ==, "Acme code {code}");
  /* The untouched texts stay empty: still the translated defaults. */
  g_assert_cmpstr (g_settings_get_string (stored, "template-passcode-voice"), ==, "");
  g_assert_cmpstr (g_settings_get_string (stored, "template-welcome-subject"), ==, "");
  assert_not_in_settings (SMTP_PASSWORD);
  assert_not_in_settings (GATEWAY_TOKEN);
  assert_not_in_settings (GATEWAY_HEADER_KEY);
  secret = keyring_lookup ("smtp-password");
  g_assert_cmpstr (secret, ==, SMTP_PASSWORD);
  secret_password_free (g_steal_pointer (&secret));
  secret = keyring_lookup ("sms-password");
  g_assert_cmpstr (secret, ==, GATEWAY_TOKEN);
  secret_password_free (g_steal_pointer (&secret));
  secret = keyring_lookup ("sms-headers");
  g_assert_cmpstr (secret, ==, "X-Api-Key: " GATEWAY_HEADER_KEY);
  secret_password_free (g_steal_pointer (&secret));
  g_assert_null (keyring_lookup ("voice-password"));

  /* "Send test" through the real channel: accepted, then refused with
   * the server's own words. */
  gtk_widget_set_visible (GTK_WIDGET (prefs), TRUE);
  adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (prefs), "email");
  type_into (prefs->email_test_row, "desk@example.org");
  click (prefs->email_test_button);
  lk_admin_test_wait_for (prefs_idle, prefs);
  wait_for_mail (&sink, 1);
  g_test_message ("test: %s", adw_action_row_get_subtitle (prefs->email_test_result));
  g_assert_true (g_str_has_prefix (adw_action_row_get_subtitle (prefs->email_test_result), "Sent to desk@example.org"));
  mail = sink_load (&sink, 0);
  g_assert_cmpstr (json_object_get_string_member (mail, "subject"), ==, "Acme sign-in code for test");
  g_assert_cmpstr (json_object_get_string_member (mail, "from"), ==, "Acme Helpdesk <helpdesk@example.org>");
  g_clear_pointer (&mail, json_object_unref);
  lk_admin_test_screenshot (GTK_WIDGET (prefs), "admin-preferences-email", FALSE);
  type_into (prefs->email_test_row, "nobody@example.org");
  click (prefs->email_test_button);
  lk_admin_test_wait_for (prefs_idle, prefs);
  g_test_message ("test: %s", adw_action_row_get_subtitle (prefs->email_test_result));
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (prefs->email_test_result), "550"));
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (prefs->email_test_result), "User unknown"));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (prefs->email_test_result), "error"));
  g_assert_cmpuint (sink_count (&sink), ==, 1);
  /* A voice gateway, unsaved: the test goes through the real gateway
   * channel with the JSON preset, the header from its (secret) row and the
   * built-in spoken text. */
  {
    Gateway gateway = { 0 };
    g_autoptr(JsonParser) parser = json_parser_new ();
    g_autofree char *url = NULL;
    Request *r;

    gateway_start (&gateway);
    url = g_strdup_printf ("http://127.0.0.1:%u/voice", gateway.port);
    adw_combo_row_set_selected (prefs->voice.preset_row, 3);
    type_into (prefs->voice.url_row, url);
    type_into (prefs->voice.headers_row, "X-Api-Key: " GATEWAY_HEADER_KEY);
    type_into (prefs->voice.test_row, "+44 20 7946 0999");
    click (prefs->voice.test_button);
    lk_admin_test_wait_for (prefs_idle, prefs);
    g_test_message ("voice test: %s", adw_action_row_get_subtitle (prefs->voice.test_result));
    g_assert_cmpuint (gateway_count (&gateway), ==, 1);
    r = g_ptr_array_index (gateway.requests, 0);
    g_assert_cmpstr (r->api_key, ==, GATEWAY_HEADER_KEY);
    json_parser_load_from_data (parser, r->body, -1, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (json_parser_get_root (parser)), "to"), ==,
                     "+442079460999");
    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (json_parser_get_root (parser)), "message"), ==,
                     "Your Acme passcode is 1, 2, 3, 4, 5, 6. Again, your passcode is 1, 2, 3, 4, 5, 6.");
    g_assert_true (g_str_has_prefix (adw_action_row_get_subtitle (prefs->voice.test_result), "Sent to"));
    /* The gateway refusing (4xx) is shown too. */
    gateway_set (&gateway, 403, "{\"error\": \"bad key\"}");
    click (prefs->voice.test_button);
    lk_admin_test_wait_for (prefs_idle, prefs);
    g_test_message ("voice test: %s", adw_action_row_get_subtitle (prefs->voice.test_result));
    g_assert_nonnull (strstr (adw_action_row_get_subtitle (prefs->voice.test_result), "403"));
    gateway_stop (&gateway);
  }
  adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (prefs), "messages");
  adw_expander_row_set_expanded (prefs->passcode_body_row, TRUE);
  lk_admin_test_screenshot (GTK_WIDGET (prefs), "admin-preferences-messages", FALSE);
  adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (prefs), "gateways");
  lk_admin_test_screenshot (GTK_WIDGET (prefs), "admin-preferences-gateways", FALSE);
  adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (prefs), "general");
  lk_admin_test_screenshot (GTK_WIDGET (prefs), "admin-preferences-general", FALSE);
  gtk_window_destroy (GTK_WINDOW (prefs));

  /* The admin window's Send passcode, by email: the embedded engine's worker,
   * started by the save (no restart), sends the administrator's text. */
  shown.window = window;
  shown.login = LOGIN;
  lk_admin_window_select_login (window, LOGIN);
  lk_admin_test_wait_for (user_shown, &shown);
  delivery_row = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (window->user_page), LK_TYPE_ADMIN_USER_PAGE,
                                                            "delivery_row"));
  adw_combo_row_set_selected (ADW_COMBO_ROW (delivery_row), 1);
  g_assert_cmpint (lk_admin_user_page_get_delivery (window->user_page), ==, LK_DELIVERY_EMAIL);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "admin.send-passcode", NULL));
  lk_admin_test_wait_for (window_idle, window);
  wait_for_mail (&sink, 2);
  mail = sink_load (&sink, 1);
  g_assert_cmpstr (json_object_get_string_member (mail, "subject"), ==, "Acme sign-in code for " LOGIN);
  text = json_object_get_string_member (json_array_get_object_element (json_object_get_array_member (mail, "parts"), 0),
                                        "text");
  g_test_message ("text part: %s", text);
  g_assert_true (g_str_has_prefix (text, "Hi Robin,\n\nyour Acme sign-in code: "));
  p = strstr (text, "code: ");
  code = g_strndup (p + strlen ("code: "), 6);
  g_assert_nonnull (strstr (text, "(valid 10 minutes)"));
  /* The HTML part is made from the same text. */
  g_assert_nonnull (strstr (json_object_get_string_member (json_array_get_object_element (
                              json_object_get_array_member (mail, "parts"), 1), "text"),
                            "<p>Hi Robin,</p>"));
  g_clear_pointer (&mail, json_object_unref);
  request = lk_api_request_new (LK_API_OP_VALIDATE_OTP);
  request->username = g_strdup (LOGIN);
  request->otp = g_strdup (code);
  response = call (backend, request);
  g_assert_cmpint (response->error_code, ==, 0);
  lk_api_response_free (response);

  /* The send limit, lowered in Preferences, holds at once: one passcode
   * already went out in this window, so the next is 9512. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "admin.preferences", NULL));
  prefs = find_preferences ();
  lk_admin_test_wait_for (prefs_idle, prefs);
  /* Reopened: the secrets come back from the keyring. */
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (prefs->smtp_password_row)), ==, SMTP_PASSWORD);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (prefs->passcode_sms_row)), ==, "Acme code {code}");
  /* Fresh, with no toast over it: the screenshot for data/screenshots. */
  adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (prefs), "email");
  lk_admin_test_screenshot (GTK_WIDGET (prefs), "admin-preferences", FALSE);
  gtk_spin_button_set_value (prefs->limit_spin, 1);
  save (prefs);
  g_assert_cmpuint (g_settings_get_uint (stored, "send-limit"), ==, 1);
  gtk_window_destroy (GTK_WINDOW (prefs));
  request = lk_api_request_new (LK_API_OP_SEND_OTP);
  request->username = g_strdup (LOGIN);
  request->delivery_method = LK_DELIVERY_EMAIL;
  response = call_or_error (backend, request, &error);
  g_assert_null (response);
  g_assert_error (error, LK_API_ERROR, 9512);
  g_clear_error (&error);

  gtk_window_destroy (GTK_WINDOW (window));
  g_clear_object (&backend);
  sink_stop (&sink);
  g_settings_reset (stored, "send-limit");
}

/* The older delivery-config-file key still wins over the Preferences (its
 * file's texts, not the saved ones, arrive), the window says so, and "Use
 * These Settings" clears it. Runs after test_embedded, whose settings and
 * SMTP port are still in GSettings. */
static void
test_config_file (void)
{
  SmtpSink sink = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(LkBackend) backend = NULL;
  g_autoptr(GSettings) stored = g_settings_new (LK_APP_ID);
  g_autoptr(JsonObject) mail = NULL;
  g_autofree char *dir = g_build_filename (g_get_user_data_dir (), "latchkey-file-test", NULL);
  g_autofree char *db = g_build_filename (dir, "latchkey.db", NULL);
  g_autofree char *conf = g_build_filename (dir, "delivery.conf", NULL);
  g_autofree char *text = NULL;
  GAsyncResult *result = NULL;
  LkAdminPreferences *prefs;
  LkApiRequest *request;
  LkApiResponse *response;

  g_assert_cmpstr (g_settings_get_string (stored, "template-passcode-subject"), ==, "Acme sign-in code for {login}");
  sink_start (&sink, NULL);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  text = g_strdup_printf ("[delivery]\nissuer=FileCo\n"
                          "[smtp]\nhost=127.0.0.1\nport=%u\nsecurity=none\nfrom=file@example.org\n"
                          "[templates]\npasscode-subject=From the file: {login}\n", sink.port);
  g_file_set_contents (conf, text, -1, &error);
  g_assert_no_error (error);
  g_settings_set_string (stored, "delivery-config-file", conf);

  lk_admin_connect_embedded_async (db, NULL, got_result, &result);
  lk_admin_test_wait_for (result_ready, &result);
  backend = lk_admin_connect_finish (result, NULL, NULL, &error);
  g_clear_object (&result);
  g_assert_no_error (error);
  request = lk_api_request_new (LK_API_OP_ENROLL_USER);
  request->username = g_strdup ("kim");
  request->email = g_strdup ("kim@example.org");
  response = call (backend, request);
  lk_api_response_free (response);
  request = lk_api_request_new (LK_API_OP_SEND_OTP);
  request->username = g_strdup ("kim");
  request->delivery_method = LK_DELIVERY_EMAIL;
  response = call (backend, request);
  lk_api_response_free (response);
  wait_for_mail (&sink, 1);
  mail = sink_load (&sink, 0);
  g_assert_cmpstr (json_object_get_string_member (mail, "subject"), ==, "From the file: kim");
  g_assert_cmpstr (json_object_get_string_member (mail, "from"), ==, "FileCo <file@example.org>");

  prefs = lk_admin_preferences_new (NULL, backend);
  gtk_window_present (GTK_WINDOW (prefs));
  lk_admin_test_wait_for (prefs_idle, prefs);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (prefs->file_row)));
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (prefs->file_row), "delivery.conf"));
  click (prefs->file_button);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (prefs->file_row)));
  g_assert_cmpstr (g_settings_get_string (stored, "delivery-config-file"), ==, "");
  gtk_window_destroy (GTK_WINDOW (prefs));

  g_clear_object (&backend);
  sink_stop (&sink);
}

/* On a latchkeyd, the server's latchkeyd.conf decides: the page says so
 * and nothing can be edited or saved. */
static void
test_remote (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkBackend) backend = lk_remote_backend_new ("https://127.0.0.1:9/", "desk", "desk-key-0123456789", &error);
  LkAdminPreferences *prefs;

  g_assert_no_error (error);
  prefs = lk_admin_preferences_new (NULL, backend);
  gtk_window_present (GTK_WINDOW (prefs));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (prefs->remote_row)));
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (prefs->smtp_group)));
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (prefs->sms.group)));
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (prefs->passcode_templates_group)));
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (prefs->sending_group)));
  g_assert_false (gtk_widget_activate_action (GTK_WIDGET (prefs), "prefs.save", NULL) &&
                  lk_admin_preferences_get_status (prefs) != NULL);
  g_assert_null (lk_admin_preferences_get_status (prefs));
  lk_admin_test_screenshot (GTK_WIDGET (prefs), "admin-preferences-remote", FALSE);
  gtk_window_destroy (GTK_WINDOW (prefs));
}

int
main (int   argc,
      char *argv[])
{
  /* No G_TEST_OPTION_ISOLATE_DIRS: libadwaita needs XDG_DATA_DIRS; run
   * through lk-test-session.sh, which gives fresh user directories and a
   * keyring of its own. */
  g_test_init (&argc, &argv, NULL);
  {
    g_autofree char *schema_dir = g_build_filename (g_getenv ("LK_BUILD_ROOT"), "data", NULL);

    g_setenv ("GSETTINGS_SCHEMA_DIR", schema_dir, TRUE);
    g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
    g_setenv ("GTK_A11Y", "none", TRUE);
    g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
    g_setenv ("LANGUAGE", "C", TRUE);
  }
  gtk_init ();
  adw_init ();
  g_test_add_func ("/delivery/admin/preferences/embedded", test_embedded);
  g_test_add_func ("/delivery/admin/preferences/config-file", test_config_file);
  g_test_add_func ("/delivery/admin/preferences/remote", test_remote);
  return g_test_run ();
}
