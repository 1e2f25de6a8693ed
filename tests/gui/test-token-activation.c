/* SPDX-License-Identifier: GPL-3.0-or-later
 * Multi-device activation in the token window under Xvfb, with a real gnome-keyring and a real embedded engine making AM1 and AM2 and checking the test signature. */
#include "config.h"

#include <string.h>
#include <adwaita.h>
#include <glib/gstdio.h>

#include "lk-activation.h"
#include "lk-activation-dialog.h"
#include "lk-engine.h"
#include "lk-engine-activation.h"
#include "lk-key-provider.h"
#include "lk-qr.h"
#include "lk-secure.h"
#include "lk-token-test-util.h"
#include "lk-token-window-private.h"
#include "lk-wallet.h"

static LkTokenWindow *window;
static LkWallet *wallet;
static LkEngine *engine;
static LkKeyProvider *keys;
static char *engine_dir;
static gint64 account;
static gint64 clock_shift;   /* seconds added to the engine's clock */

static gint64
engine_clock (gpointer unused)
{
  return g_get_real_time () / G_USEC_PER_SEC + clock_shift;
}

static void
make_licence (const char *serial,
              int         otp_type)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkLicence) licence = NULL;
  LkLicenceSpec spec;

  lk_licence_spec_init (&spec);
  spec.serial = serial;
  spec.login = "alice";
  spec.otp_type = otp_type;
  spec.issuer = "ACME";
  spec.label = "alice@acme.example";
  licence = lk_engine_create_licence (engine, account, &spec, &error);
  g_assert_no_error (error);
}

static char *
start_activation (const char *serial)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkActivationStart) start = lk_engine_start_activation (engine, account, serial, 600, 5, &error);
  char *am1;

  g_assert_no_error (error);
  am1 = g_strdup (start->am1);
  return am1;
}

typedef struct
{
  gboolean done;
  gboolean ok;
} Step;

static void
on_step_done (LkActivationDialog *dialog,
              gboolean            ok,
              Step               *step)
{
  step->done = TRUE;
  step->ok = ok;
}

/* Runs @start and waits for the activation dialog's next step. The dialog
 * may not exist yet when @start hands a text to the window's intake. */
static gboolean
run_step (void      (*start) (gpointer),
          gpointer    data)
{
  Step step = { 0 };
  LkActivationDialog *dialog;
  gulong id = 0;

  dialog = lk_token_window_get_activation_dialog (window);
  if (dialog != NULL)
    id = g_signal_connect (dialog, "step-done", G_CALLBACK (on_step_done), &step);
  start (data);
  if (dialog == NULL)
    {
      gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

      /* A file is decoded in a worker first. The wallet step the handler
       * starts takes another main loop round at least, so connecting as
       * soon as the dialog exists misses nothing. */
      while ((dialog = lk_token_window_get_activation_dialog (window)) == NULL)
        {
          g_assert_cmpint (g_get_monotonic_time (), <, deadline);
          g_main_context_iteration (NULL, FALSE);
          g_usleep (1000);
        }
      id = g_signal_connect (dialog, "step-done", G_CALLBACK (on_step_done), &step);
    }
  lk_token_test_wait_until (&step.done);
  g_signal_handler_disconnect (dialog, id);
  return step.ok;
}

static void
start_file (gpointer path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);

  lk_token_window_add_from_file (window, file);
}

static void
start_paste (gpointer text)
{
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (window)), text);
  lk_token_window_paste (window);
}

static void
start_take (gpointer text)
{
  lk_activation_dialog_take_text (lk_token_window_get_activation_dialog (window), text);
}

static char *
write_qr_png (const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) png = lk_qr_encode_png (text, 6, &error);
  char *path = g_build_filename (engine_dir, "am1.png", NULL);

  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (path, g_bytes_get_data (png, NULL), g_bytes_get_size (png), &error));
  g_assert_no_error (error);
  return path;
}

static void
close_dialog (void)
{
  LkActivationDialog *dialog = lk_token_window_get_activation_dialog (window);

  if (dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (dialog));
  g_assert_null (lk_token_window_get_activation_dialog (window));
}

/* A changed character in the ciphertext: still Base32, fails the tag. */
static char *
tamper (const char *am2)
{
  char *copy = g_strdup (am2);
  gsize at = strlen (copy) - 12;

  copy[at] = copy[at] == 'A' ? 'B' : 'A';
  return copy;
}

static void
test_flow (gconstpointer data)
{
  int otp_type = GPOINTER_TO_INT (data);
  const char *serial = otp_type == LK_OTP_TYPE_TIME ? "LIC-TOTP" : "LIC-HOTP";
  g_autoptr(GError) error = NULL;
  g_autofree char *am1 = NULL;
  g_autofree char *png = NULL;
  g_autofree char *bad_am2 = NULL;
  g_autofree char *device_code = NULL;
  g_autoptr(LkAddDeviceResult) added = NULL;
  g_autoptr(GPtrArray) tokens = NULL;
  g_autoptr(LkWalletToken) stored = NULL;
  LkActivationDialog *dialog;
  LkDeviceCode parsed;

  lk_token_test_wipe_wallet (wallet);
  make_licence (serial, otp_type);
  am1 = start_activation (serial);

  /* AM1 as a QR code in an image file, through the window's intake. */
  png = write_qr_png (am1);
  g_assert_true (run_step (start_file, png));
  dialog = lk_token_window_get_activation_dialog (window);
  g_assert_cmpstr (lk_activation_dialog_get_page (dialog), ==, "code");
  device_code = g_strdup (lk_activation_dialog_get_device_code (dialog));
  g_assert_true (lk_device_code_parse (device_code, &parsed, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (lk_token_test_wallet_count (wallet), ==, 0);
  if (otp_type == LK_OTP_TYPE_TIME)
    lk_token_test_screenshot (GTK_WIDGET (dialog), "token-activation-code.png");

  /* The helpdesk types the code read aloud into the console. */
  added = lk_engine_add_device_instance (engine, account, serial, device_code, &error);
  g_assert_no_error (error);

  /* A tampered AM2 pasted from the clipboard: refused, nothing stored,
   * and the device code still on show for the real one. */
  bad_am2 = tamper (added->am2);
  g_assert_false (run_step (start_paste, bad_am2));
  g_assert_cmpstr (lk_activation_dialog_get_page (dialog), ==, "code");
  g_assert_cmpstr (lk_activation_dialog_get_problem (dialog), !=, "");
  g_assert_cmpuint (lk_token_test_wallet_count (wallet), ==, 0);

  /* The real AM2, pasted as text. */
  g_assert_true (run_step (start_paste, added->am2));
  g_assert_cmpstr (lk_activation_dialog_get_page (dialog), ==, "done");
  g_assert_cmpstr (lk_activation_dialog_get_problem (dialog), ==, "");
  tokens = lk_wallet_list_sync (wallet, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tokens->len, ==, 1);
  stored = lk_wallet_find_sync (wallet, "ACME:alice@acme.example", NULL, &error);
  g_assert_no_error (error);
  if (otp_type == LK_OTP_TYPE_TIME)
    lk_token_test_screenshot (GTK_WIDGET (dialog), "token-activation-done.png");

  /* The test signature shown is what the engine expects of the instance. */
  g_assert_true (lk_engine_verify_test_signature (engine, account, serial, added->instance->number,
                                                  lk_activation_dialog_get_first_code (dialog), &error));
  g_assert_no_error (error);

  /* HOTP: the counter moved past the test signature, so the next code is
   * a new one the server accepts as a login. */
  if (otp_type == LK_OTP_TYPE_EVENT)
    {
      g_autofree char *next = lk_wallet_next_hotp_code_sync (wallet, stored->id, NULL, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (next, !=, lk_activation_dialog_get_first_code (dialog));
      g_assert_true (lk_engine_validate_otp (engine, account, "alice", added->instance->device_serial, next,
                                             NULL, NULL, &error));
      g_assert_no_error (error);
    }

  /* The same AM2 once more: its pending activation is gone. */
  g_assert_false (run_step (start_take, added->am2));
  g_assert_cmpuint (lk_token_test_wallet_count (wallet), ==, 1);
  close_dialog ();
  g_unlink (png);
}

static void
test_expired (void)
{
  g_autofree char *am1 = NULL;
  LkActivationDialog *dialog;

  lk_token_test_wipe_wallet (wallet);
  make_licence ("LIC-OLD", LK_OTP_TYPE_TIME);
  clock_shift = -3600;
  am1 = start_activation ("LIC-OLD");
  clock_shift = 0;

  g_assert_false (run_step (start_paste, am1));
  dialog = lk_token_window_get_activation_dialog (window);
  g_assert_cmpstr (lk_activation_dialog_get_page (dialog), ==, "start");
  g_assert_cmpstr (lk_activation_dialog_get_device_code (dialog), ==, "");
  g_assert_nonnull (strstr (lk_activation_dialog_get_problem (dialog), "expired"));
  g_assert_cmpuint (lk_token_test_wallet_count (wallet), ==, 0);
  close_dialog ();
}

/* AM1 scanned in time, AM2 made by the server in time, but opened by the
 * token after AM1's expiry: refused, nothing stored, the pending
 * activation gone (the same AM2 then names no activation). */
static void
test_expired_am2 (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkAddDeviceResult) added = NULL;
  g_autofree char *am1 = NULL;
  LkActivationDialog *dialog;
  gint64 expires;

  lk_token_test_wipe_wallet (wallet);
  make_licence ("LIC-LATE", LK_OTP_TYPE_TIME);
  /* 600 s of lifetime, of which 6 s are left in real time. */
  clock_shift = -594;
  am1 = start_activation ("LIC-LATE");
  expires = g_get_real_time () / G_USEC_PER_SEC + 6;
  g_assert_true (run_step (start_paste, am1));
  dialog = lk_token_window_get_activation_dialog (window);
  added = lk_engine_add_device_instance (engine, account, "LIC-LATE",
                                         lk_activation_dialog_get_device_code (dialog), &error);
  g_assert_no_error (error);
  clock_shift = 0;

  while (g_get_real_time () / G_USEC_PER_SEC <= expires)
    lk_token_test_wait_ms (250);
  g_assert_false (run_step (start_paste, added->am2));
  g_assert_nonnull (strstr (lk_activation_dialog_get_problem (dialog), "expired"));
  g_assert_cmpuint (lk_token_test_wallet_count (wallet), ==, 0);
  g_assert_false (run_step (start_paste, added->am2));
  g_assert_null (strstr (lk_activation_dialog_get_problem (dialog), "expired"));
  g_assert_cmpuint (lk_token_test_wallet_count (wallet), ==, 0);
  close_dialog ();
}

/* An AM2 for a device code this keyring never showed. */
static void
test_foreign_am2 (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkAm1) am1 = NULL;
  g_autoptr(LkAddDeviceResult) added = NULL;
  g_autofree char *am1_text = NULL;
  guint8 other_binding[LK_ACTIVATION_BINDING_SECRET_SIZE];
  LkDeviceCode code;
  char code_text[LK_DEVICE_CODE_TEXT_SIZE];

  lk_token_test_wipe_wallet (wallet);
  make_licence ("LIC-OTHER", LK_OTP_TYPE_TIME);
  am1_text = start_activation ("LIC-OTHER");
  am1 = lk_am1_parse (am1_text, &error);
  g_assert_no_error (error);
  memset (other_binding, 0x5a, sizeof other_binding);
  g_assert_true (lk_device_code_compute (am1, other_binding, sizeof other_binding, &code, &error));
  lk_device_code_format (&code, code_text);
  added = lk_engine_add_device_instance (engine, account, "LIC-OTHER", code_text, &error);
  g_assert_no_error (error);

  g_assert_false (run_step (start_paste, added->am2));
  g_assert_cmpstr (lk_activation_dialog_get_problem (lk_token_window_get_activation_dialog (window)), !=, "");
  g_assert_cmpuint (lk_token_test_wallet_count (wallet), ==, 0);

  /* Not an activation message at all, typed into the dialog. */
  g_assert_false (run_step (start_take, (gpointer) "hello"));
  g_assert_cmpuint (lk_token_test_wallet_count (wallet), ==, 0);
  close_dialog ();
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      g_unlink (child);
    }
  g_rmdir (path);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *schema_dir = NULL;
  g_autofree char *db = NULL;
  LkEngineConfig config;
  LkUserSpec user;
  int status;

  /* No G_TEST_OPTION_ISOLATE_DIRS (it hides the icon theme from GTK);
   * lk-test-session.sh gives fresh HOME and XDG directories. */
  g_test_init (&argc, &argv, NULL);
  schema_dir = g_build_filename (g_getenv ("LK_BUILD_ROOT"), "data", NULL);
  g_setenv ("GSETTINGS_SCHEMA_DIR", schema_dir, TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  gtk_init ();
  adw_init ();

  engine_dir = g_dir_make_tmp ("lk-token-activation-XXXXXX", &error);
  g_assert_no_error (error);
  db = g_build_filename (engine_dir, "engine.db", NULL);
  keys = lk_memory_key_provider_new (NULL);
  lk_engine_config_init (&config);
  config.clock = engine_clock;
  config.password_kdf_log2n = 10;
  engine = lk_engine_open (db, keys, &config, &error);
  g_assert_no_error (error);
  g_assert_true (lk_engine_create_account (engine, "acme", "partner-key-1", &account, &error));
  lk_user_spec_init (&user);
  user.login = "alice";
  user.password = "correct horse battery";
  {
    g_autoptr(LkEnrollResult) enrolled = lk_engine_enroll_user (engine, account, &user, &error);
    g_assert_no_error (error);
  }

  wallet = lk_wallet_new ();
  window = LK_TOKEN_WINDOW (lk_token_window_new (NULL));
  gtk_window_set_default_size (GTK_WINDOW (window), 460, 560);
  gtk_window_present (GTK_WINDOW (window));

  g_test_add_data_func ("/token/activation/totp", GINT_TO_POINTER (LK_OTP_TYPE_TIME), test_flow);
  g_test_add_data_func ("/token/activation/hotp", GINT_TO_POINTER (LK_OTP_TYPE_EVENT), test_flow);
  g_test_add_func ("/token/activation/expired", test_expired);
  g_test_add_func ("/token/activation/expired-am2", test_expired_am2);
  g_test_add_func ("/token/activation/foreign-am2", test_foreign_am2);

  status = g_test_run ();

  gtk_window_destroy (GTK_WINDOW (window));
  g_object_unref (wallet);
  lk_engine_close (engine);
  g_object_unref (keys);
  remove_tree (engine_dir);
  g_free (engine_dir);
  return status;
}
