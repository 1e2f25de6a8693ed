/* SPDX-License-Identifier: GPL-3.0-or-later
 * Over-the-air provisioning in the token window under Xvfb: a real latchkeyd over TLS on loopback, a real gnome-keyring, the user's own password. */
#include "config.h"

#include <string.h>
#include <adwaita.h>

#include "lk-provision-dialog.h"
#include "lk-remote-backend.h"
#include "lk-test-server.h"
#include "lk-token-test-util.h"
#include "lk-token-window-private.h"
#include "lk-wallet.h"
#include "lk-wallet-activation.h"

static LkTokenWindow *window;
static LkWallet *wallet;
static LkTestServer *server;
static SoupSession *session;
static char *serial;

#define USER "dora"
#define PASSWORD "Desk-t0p-Pa55"

static JsonObject *
call (const char *fields)
{
  g_autoptr(GError) error = NULL;
  JsonObject *answer = lk_test_server_call (server, session, fields, &error);

  g_assert_no_error (error);
  g_assert_nonnull (answer);
  return answer;
}

typedef struct
{
  gboolean done;
  gboolean ok;
  gboolean provisioned;
} Attempt;

static void
on_finished (LkProvisionDialog *dialog,
             gboolean           ok,
             Attempt           *attempt)
{
  attempt->done = TRUE;
  attempt->ok = ok;
}

static void
on_provisioned (LkProvisionDialog   *dialog,
                const LkWalletToken *token,
                Attempt             *attempt)
{
  attempt->provisioned = TRUE;
}

static gboolean
submit (LkProvisionDialog *dialog)
{
  Attempt attempt = { 0 };
  gulong finished = g_signal_connect (dialog, "finished", G_CALLBACK (on_finished), &attempt);
  gulong provisioned = g_signal_connect (dialog, "provisioned", G_CALLBACK (on_provisioned), &attempt);

  g_assert_true (lk_provision_dialog_submit (dialog));
  lk_token_test_wait_until (&attempt.done);
  g_assert_true (attempt.ok == attempt.provisioned);
  /* On success the dialog is gone, and its handlers with it. */
  if (!attempt.ok)
    {
      g_signal_handler_disconnect (dialog, finished);
      g_signal_handler_disconnect (dialog, provisioned);
    }
  return attempt.ok;
}

static LkProvisionDialog *
open_dialog (const char *url,
             const char *password)
{
  LkProvisionDialog *dialog = LK_PROVISION_DIALOG (lk_token_window_open_provision (window));

  lk_provision_dialog_set_fields (dialog, url, lk_test_server_get_account (server), USER, password, serial);
  return dialog;
}

static void
test_refusals (void)
{
  g_autofree char *plain = g_strdup_printf ("http://127.0.0.1:%u/", lk_test_server_get_port (server));
  GTlsCertificate *certificate = lk_test_server_get_certificate (server);   /* owned by the server */
  g_autofree char *expected = lk_certificate_fingerprint (certificate);
  LkProvisionDialog *dialog;

  /* Plain HTTP is refused before anything is sent. */
  dialog = open_dialog (plain, PASSWORD);
  g_assert_false (submit (dialog));
  g_assert_nonnull (strstr (lk_provision_dialog_get_problem (dialog), "https://"));
  g_assert_null (lk_provision_dialog_get_untrusted_fingerprint (dialog));
  g_assert_cmpuint (lk_token_test_wallet_count (wallet), ==, 0);

  /* The test server's self-signed certificate: not trusted, its
   * fingerprint offered, nothing stored. */
  lk_provision_dialog_set_fields (dialog, lk_test_server_get_base_url (server), NULL, NULL, NULL, NULL);
  g_assert_false (submit (dialog));
  g_assert_cmpstr (lk_provision_dialog_get_untrusted_fingerprint (dialog), ==, expected);
  g_assert_nonnull (strstr (lk_provision_dialog_get_problem (dialog), expected));
  g_assert_cmpuint (lk_token_test_wallet_count (wallet), ==, 0);
  lk_token_test_screenshot (GTK_WIDGET (dialog), "token-provision-untrusted.png");

  /* Trusted now, but the wrong password. */
  lk_provision_dialog_trust_certificate (dialog);
  lk_provision_dialog_set_fields (dialog, NULL, NULL, NULL, "not-the-password", NULL);
  g_assert_false (submit (dialog));
  g_assert_nonnull (strstr (lk_provision_dialog_get_problem (dialog), "password is wrong"));
  g_assert_null (lk_provision_dialog_get_untrusted_fingerprint (dialog));
  g_assert_cmpuint (lk_token_test_wallet_count (wallet), ==, 0);

  /* An organisation the server does not have looks the same. */
  lk_provision_dialog_set_fields (dialog, NULL, "no-such-organisation", NULL, PASSWORD, NULL);
  g_assert_false (submit (dialog));
  g_assert_nonnull (strstr (lk_provision_dialog_get_problem (dialog), "password is wrong"));
  g_assert_cmpuint (lk_token_test_wallet_count (wallet), ==, 0);
  gtk_window_destroy (GTK_WINDOW (dialog));
}

static void
test_provision (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) tokens = NULL;
  g_autoptr(JsonObject) answer = NULL;
  g_autofree char *fields = NULL;
  char code[16], next[16];
  gint64 now;
  LkProvisionDialog *dialog;
  LkWalletToken *token;

  dialog = open_dialog (lk_test_server_get_base_url (server), PASSWORD);
  lk_token_test_screenshot (GTK_WIDGET (dialog), "token-provision.png");
  g_assert_false (submit (dialog));
  lk_provision_dialog_trust_certificate (dialog);
  g_assert_true (submit (dialog));

  tokens = lk_wallet_list_sync (wallet, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tokens->len, ==, 1);
  token = tokens->pdata[0];

  /* The stored seed is the server's: two consecutive codes activate the
   * device (a provisioned device is new until then). */
  now = g_get_real_time () / G_USEC_PER_SEC;
  g_assert_true (lk_wallet_token_compute (token, now, code, NULL, &error));
  g_assert_true (lk_wallet_token_compute (token, now + 30, next, NULL, &error));
  g_assert_no_error (error);
  fields = g_strdup_printf ("\"type\":\"active_oath_device\",\"username\":\"" USER "\",\"deviceId\":\"%s\","
                            "\"otp1\":\"%s\",\"otp2\":\"%s\"", serial, code, next);
  answer = call (fields);
  g_assert_cmpint (json_object_get_int_member (answer, "errorCode"), ==, 0);

  /* The device is bound to this keyring's id for this server. */
  {
    g_autoptr(GBytes) binding = lk_wallet_activation_get_binding_secret_sync (NULL, &error);
    g_autofree char *expected = NULL;
    g_autofree char *find = g_strdup_printf ("\"type\":\"find_device\",\"deviceId\":\"%s\"", serial);
    g_autoptr(JsonObject) found = NULL;

    g_assert_no_error (error);
    expected = lk_provision_physical_device_id (binding, lk_test_server_get_host (server),
                                                lk_test_server_get_account (server));
    found = call (find);
    g_assert_cmpstr (json_object_get_string_member (found, "physicalDeviceId"), ==, expected);
  }
}

/* After a token came from a server, the dialog remembers the server, the
 * organisation and the certificate the user trusted (GSettings, nothing
 * secret), offers them next time, and does not ask about the certificate
 * again. */
static void
test_remembered (void)
{
  g_autoptr(GSettings) settings = g_settings_new (LK_APP_ID);
  g_autoptr(GVariant) servers = g_settings_get_value (settings, "provision-servers");
  g_autofree char *printed = g_variant_print (servers, FALSE);
  g_autofree char *expected = lk_certificate_fingerprint (lk_test_server_get_certificate (server));
  g_autofree char *shown = NULL, *organisation = NULL;
  const char *url, *account, *pin;
  LkProvisionDialog *dialog;
  guint before = lk_token_test_wallet_count (wallet);

  /* The refused attempts of /token/provision/refusals left nothing. */
  g_assert_cmpuint (g_variant_n_children (servers), ==, 1);
  g_variant_get_child (servers, 0, "(&s&s&s)", &url, &account, &pin);
  g_assert_cmpstr (url, ==, lk_test_server_get_base_url (server));
  g_assert_cmpstr (account, ==, lk_test_server_get_account (server));
  g_assert_cmpstr (pin, ==, expected);
  g_assert_null (strstr (printed, PASSWORD));
  g_assert_null (strstr (printed, USER));
  g_assert_null (strstr (printed, serial));

  dialog = LK_PROVISION_DIALOG (lk_token_window_open_provision (window));
  shown = lk_provision_dialog_dup_server (dialog, &organisation);
  g_assert_cmpstr (shown, ==, lk_test_server_get_base_url (server));
  g_assert_cmpstr (organisation, ==, lk_test_server_get_account (server));

  /* The same serial again from the same keyring (as after a reinstall):
   * the remembered pin is used, so no certificate question comes first. */
  lk_provision_dialog_set_fields (dialog, NULL, NULL, USER, PASSWORD, serial);
  g_assert_true (submit (dialog));
  g_assert_cmpuint (lk_token_test_wallet_count (wallet), ==, before + 1);
}

static void
test_physical_id (void)
{
  guint8 secret[32];
  g_autoptr(GBytes) binding = NULL;
  g_autoptr(GBytes) other = NULL;
  g_autofree char *a = NULL;
  g_autofree char *a_upper = NULL;
  g_autofree char *b = NULL;
  g_autofree char *c = NULL;
  g_autofree char *d = NULL;

  memset (secret, 7, sizeof secret);
  binding = g_bytes_new (secret, sizeof secret);
  secret[0] = 8;
  other = g_bytes_new (secret, sizeof secret);
  a = lk_provision_physical_device_id (binding, "auth.example.com", "acme");
  a_upper = lk_provision_physical_device_id (binding, "AUTH.example.com", "acme");
  b = lk_provision_physical_device_id (binding, "auth.example.org", "acme");
  c = lk_provision_physical_device_id (binding, "auth.example.com", "acme2");
  d = lk_provision_physical_device_id (other, "auth.example.com", "acme");

  g_assert_true (g_str_has_prefix (a, "lk1-"));
  g_assert_cmpuint (strlen (a), ==, 24);
  for (const char *p = a + 4; *p != '\0'; p++)
    g_assert_true (g_ascii_isxdigit (*p) && !g_ascii_isupper (*p));
  /* Host names are case-insensitive; anything else gives another id. */
  g_assert_cmpstr (a, ==, a_upper);
  g_assert_cmpstr (a, !=, b);
  g_assert_cmpstr (a, !=, c);
  g_assert_cmpstr (a, !=, d);
  /* The host and organisation are separated, not run together. */
  {
    g_autofree char *e = lk_provision_physical_device_id (binding, "ab", "c");
    g_autofree char *f = lk_provision_physical_device_id (binding, "a", "bc");

    g_assert_cmpstr (e, !=, f);
  }
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) user = NULL;
  g_autoptr(JsonObject) device = NULL;
  g_autofree char *schema_dir = NULL;
  int status;

  /* No G_TEST_OPTION_ISOLATE_DIRS (it hides the icon theme from GTK);
   * lk-test-session.sh gives fresh HOME and XDG directories. */
  g_test_init (&argc, &argv, NULL);
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  schema_dir = g_build_filename (g_getenv ("LK_BUILD_ROOT"), "data", NULL);
  g_setenv ("GSETTINGS_SCHEMA_DIR", schema_dir, TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  gtk_init ();
  adw_init ();

  server = lk_test_server_start (NULL, &error);
  g_assert_no_error (error);
  session = lk_test_server_new_session (server);
  user = call ("\"type\":\"add_oath_user\",\"username\":\"" USER "\",\"loginPassword\":\"" PASSWORD "\"");
  g_assert_cmpint (json_object_get_int_member (user, "errorCode"), ==, 0);
  device = call ("\"type\":\"add_oath_device\",\"username\":\"" USER "\",\"deviceType\":\"desktop\","
                 "\"OtpType\":\"time\",\"mobileAuth\":1");
  g_assert_cmpint (json_object_get_int_member (device, "errorCode"), ==, 0);
  serial = g_strdup (json_object_get_string_member (device, "psn"));
  g_assert_nonnull (serial);

  wallet = lk_wallet_new ();
  window = LK_TOKEN_WINDOW (lk_token_window_new (NULL));
  gtk_window_set_default_size (GTK_WINDOW (window), 460, 560);
  gtk_window_present (GTK_WINDOW (window));

  g_test_add_func ("/token/provision/physical-id", test_physical_id);
  g_test_add_func ("/token/provision/refusals", test_refusals);
  g_test_add_func ("/token/provision/stored", test_provision);
  g_test_add_func ("/token/provision/remembered", test_remembered);

  status = g_test_run ();

  gtk_window_destroy (GTK_WINDOW (window));
  g_object_unref (wallet);
  g_object_unref (session);
  g_assert_cmpint (lk_test_server_stop (server, NULL), ==, 0);
  lk_test_server_free (server);
  g_free (serial);
  return status;
}
