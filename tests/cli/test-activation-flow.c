/* SPDX-License-Identifier: GPL-3.0-or-later
 * Multi-device activation end to end: latchkeyctl against a real latchkeyd over TLS, QR images
 * decoded with ZBar, and the token side in a real gnome-keyring (run under lk-test-session.sh). */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "lk-activation.h"
#include "lk-otp.h"
#include "lk-qr.h"
#include "lk-secure.h"
#include "lk-test-server.h"
#include "lk-wallet.h"

typedef struct
{
  LkTestServer *server;
  char         *dir;
} Fixture;

static Fixture fixture;

/* Standard input for the next ctl() call, or NULL. */
static const char *next_stdin;

/* Runs latchkeyctl with @args; the admin commands get --server, --account
 * and --tls-cert, the key comes through LATCHKEY_ACCOUNT_KEY. */
static int
ctl (gboolean      admin,
     char        **out_stdout,
     char        **out_stderr,
     const char   *first,
     ...)
{
  const char *input = g_steal_pointer (&next_stdin);
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                                       G_SUBPROCESS_FLAGS_STDERR_PIPE |
                                                                       (input != NULL ? G_SUBPROCESS_FLAGS_STDIN_PIPE
                                                                                      : G_SUBPROCESS_FLAGS_NONE));
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL, *err = NULL;
  va_list ap;

  g_ptr_array_add (argv, (gpointer) g_getenv ("LK_LATCHKEYCTL"));
  if (admin)
    {
      g_ptr_array_add (argv, (gpointer) "--server");
      g_ptr_array_add (argv, (gpointer) lk_test_server_get_url (fixture.server));
      g_ptr_array_add (argv, (gpointer) "--account");
      g_ptr_array_add (argv, (gpointer) lk_test_server_get_account (fixture.server));
    }
  va_start (ap, first);
  for (const char *arg = first; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (ap);
  if (admin)
    {
      g_ptr_array_add (argv, (gpointer) "--tls-cert");
      g_ptr_array_add (argv, (gpointer) lk_test_server_get_cert_file (fixture.server));
    }
  g_ptr_array_add (argv, NULL);

  g_subprocess_launcher_setenv (launcher, "LATCHKEY_ACCOUNT_KEY",
                                lk_test_server_get_account_key (fixture.server), TRUE);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (process, input, NULL, &out, &err, &error));
  g_assert_no_error (error);
  if (!g_subprocess_get_if_exited (process))
    g_error ("latchkeyctl %s died: %s", (const char *) argv->pdata[admin ? 5 : 1], err);
  if (out_stdout != NULL)
    *out_stdout = g_strdup (g_strstrip (out));
  if (out_stderr != NULL)
    *out_stderr = g_strdup (g_strstrip (err));
  return g_subprocess_get_exit_status (process);
}

static JsonObject *
parse_json (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (json_parser_load_from_data (parser, text, -1, &error));
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static char *
path_in_dir (const char *name)
{
  return g_build_filename (fixture.dir, name, NULL);
}

/* The helpdesk's side of "activation start": the AM1 PNG it wrote, read
 * back with ZBar as a token's camera would. */
static char *
start_activation (const char *serial,
                  const char *png_name,
                  const char *extra1,
                  const char *extra2)
{
  g_autofree char *png = path_in_dir (png_name);
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *data = NULL;
  g_auto(GStrv) texts = NULL;
  g_autoptr(GError) error = NULL;
  gsize len;

  g_assert_cmpint (ctl (TRUE, &out, &err, "activation", "start", serial, "--png", png, extra1, extra2, NULL), ==, 0);
  g_assert_true (g_str_has_prefix (out, LK_AM1_PREFIX));
  g_assert_true (g_file_get_contents (png, &data, &len, &error));
  texts = lk_qr_decode_png ((const guint8 *) data, len, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (texts[0], ==, out);
  return g_steal_pointer (&out);
}

/* A second device, simulated in this process with its own binding secret. */
typedef struct
{
  guint8        binding[LK_ACTIVATION_BINDING_SECRET_SIZE];
  LkAm1        *am1;
  LkDeviceCode  code;
  char          code_text[LK_DEVICE_CODE_TEXT_SIZE];
} OtherDevice;

static void
other_scan (OtherDevice *d,
            const char  *am1)
{
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&d->am1, lk_am1_free);
  d->am1 = lk_am1_parse (am1, &error);
  g_assert_no_error (error);
  g_assert_true (lk_device_code_compute (d->am1, d->binding, sizeof d->binding, &d->code, &error));
  lk_device_code_format (&d->code, d->code_text);
}

static GBytes *
other_open (OtherDevice *d,
            const char  *am2,
            char        *first_code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) seed = NULL;
  g_autoptr(LkOtpKey) key = NULL;
  LkActivationOtp otp;

  g_assert_true (lk_am2_open (am2, d->am1, &d->code, NULL, &otp, NULL, &seed, &error));
  g_assert_no_error (error);
  key = lk_otp_key_new (otp.algorithm, g_bytes_get_data (seed, NULL), g_bytes_get_size (seed), &error);
  g_assert_no_error (error);
  lk_totp_generate (key, g_get_real_time () / G_USEC_PER_SEC, 0, otp.period, otp.digits, first_code);
  return g_steal_pointer (&seed);
}

static guint
count_state (const char *serial,
             const char *state)
{
  g_autofree char *out = NULL;
  g_autoptr(JsonObject) object = NULL;
  JsonArray *instances;
  guint n = 0;

  g_assert_cmpint (ctl (TRUE, &out, NULL, "--json", "instance", "list", serial, NULL), ==, 0);
  object = parse_json (out);
  instances = json_object_get_array_member (object, "instances");
  for (guint i = 0; i < json_array_get_length (instances); i++)
    if (state == NULL || g_strcmp0 (json_object_get_string_member (json_array_get_object_element (instances, i),
                                                                    "state"), state) == 0)
      n++;
  return n;
}

static guint
count_tokens (void)
{
  g_autoptr(LkWallet) wallet = lk_wallet_new ();
  g_autoptr(GPtrArray) tokens = NULL;
  g_autoptr(GError) error = NULL;

  tokens = lk_wallet_list_sync (wallet, NULL, &error);
  g_assert_no_error (error);
  return tokens->len;
}

static void
test_full_run (void)
{
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *am1 = NULL, *am1_b = NULL, *am1_c = NULL;
  g_autofree char *am2_png = path_in_dir ("am2.png");
  g_autofree char *am1_png = path_in_dir ("am1.png");
  g_autofree char *code = NULL;
  g_autofree char *am2_text = NULL;
  g_autoptr(JsonObject) token_json = NULL;
  g_autoptr(JsonObject) added = NULL;
  g_autoptr(LkWallet) wallet = lk_wallet_new ();
  g_autoptr(LkWalletToken) token = NULL;
  g_autoptr(GBytes) seed_b = NULL;
  g_autoptr(GError) error = NULL;
  OtherDevice laptop = { { 0 } }, intruder = { { 0 } };
  char first_b[LK_OTP_CODE_SIZE];
  const char *token_id;
  guint tokens_before;

  memset (laptop.binding, 0x4c, sizeof laptop.binding);
  memset (intruder.binding, 0x49, sizeof intruder.binding);

  g_assert_cmpint (ctl (TRUE, &out, &err, "licence", "create", "LK-E2E", "--max-instances", "2",
                        "--issuer", "ACME", "--label", "alice", NULL), ==, 0);
  g_clear_pointer (&out, g_free);

  /* 1. AM1 → PNG → ZBar, on the token side too (token activate --am1-png). */
  am1 = start_activation ("LK-E2E", "am1.png", NULL, NULL);
  g_assert_cmpint (ctl (FALSE, &code, &err, "token", "activate", "--am1-png", am1_png, NULL), ==, 0);
  g_assert_cmpuint (strlen (code), ==, 23);
  g_clear_pointer (&err, g_free);

  /* 2. The device code goes to the server, which answers with AM2. */
  g_assert_cmpint (ctl (TRUE, &out, &err, "--json", "activation", "add-device", "LK-E2E", code,
                        "--png", am2_png, NULL), ==, 0);
  added = parse_json (out);
  am2_text = g_strdup (json_object_get_string_member (added, "activationMessage2"));
  g_assert_true (g_str_has_prefix (am2_text, LK_AM2_PREFIX));
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (added, "instance"), "instance"), ==, 1);
  g_assert_cmpuint (count_state ("LK-E2E", "pending"), ==, 1);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* The same AM1 again is refused: single use. */
  g_assert_cmpint (ctl (TRUE, &out, &err, "activation", "add-device", "LK-E2E", code, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "9604"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* A tampered AM2 is refused by the token, and nothing is stored. */
  tokens_before = count_tokens ();
  {
    g_autofree char *tampered = g_strdup (am2_text);
    gsize at = strlen (tampered) - 10;

    tampered[at] = tampered[at] == 'A' ? 'B' : 'A';
    g_assert_cmpint (ctl (FALSE, &out, &err, "token", "activate", "--am2", tampered, NULL), !=, 0);
    g_assert_nonnull (strstr (err, "does not match"));
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
  }
  g_assert_cmpuint (count_tokens (), ==, tokens_before);

  /* 3. AM2 → PNG → ZBar → seed in the keyring; its first code … */
  g_assert_cmpint (ctl (FALSE, &out, &err, "--json", "token", "activate", "--am2-png", am2_png, NULL), ==, 0);
  token_json = parse_json (out);
  g_assert_cmpint (json_object_get_int_member (token_json, "instance"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (token_json, "name"), ==, "ACME:alice");
  token_id = json_object_get_string_member (token_json, "id");
  g_assert_cmpuint (count_tokens (), ==, tokens_before + 1);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* … 4. activates the instance. */
  g_assert_cmpint (ctl (TRUE, &out, &err, "activation", "verify", "LK-E2E", "1",
                        json_object_get_string_member (token_json, "testSignature"), NULL), ==, 0);
  g_assert_cmpuint (count_state ("LK-E2E", "active"), ==, 1);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* The pending activation is gone from the keyring: AM2 cannot be replayed. */
  g_assert_cmpint (ctl (FALSE, &out, &err, "token", "activate", "--am2", am2_text, NULL), !=, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* A second device: another instance with another seed. */
  am1_b = start_activation ("LK-E2E", "am1-b.png", NULL, NULL);
  other_scan (&laptop, am1_b);
  g_assert_cmpint (ctl (TRUE, &out, &err, "--json", "activation", "add-device", "LK-E2E", laptop.code_text, NULL), ==, 0);
  {
    g_autoptr(JsonObject) b = parse_json (out);

    seed_b = other_open (&laptop, json_object_get_string_member (b, "activationMessage2"), first_b);
  }
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (ctl (TRUE, &out, &err, "activation", "verify", "LK-E2E", "2", first_b, NULL), ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  token = lk_wallet_find_sync (wallet, token_id, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (g_bytes_equal (token->otpauth->secret, seed_b));
  g_assert_cmpuint (count_state ("LK-E2E", "active"), ==, 2);

  /* Past the maximum: a third device is refused and nothing is made. */
  am1_c = start_activation ("LK-E2E", "am1-c.png", NULL, NULL);
  other_scan (&intruder, am1_c);
  g_assert_cmpint (ctl (TRUE, &out, &err, "activation", "add-device", "LK-E2E", intruder.code_text, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "9607"));
  g_assert_cmpuint (count_state ("LK-E2E", NULL), ==, 2);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  lk_am1_free (laptop.am1);
  lk_am1_free (intruder.am1);
}

static void
test_expiry_and_attempts (void)
{
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *am1 = NULL, *am1_b = NULL;
  OtherDevice device = { { 0 } }, forger = { { 0 } };
  LkActivationOtp otp = { LK_ACTIVATION_OTP_TOTP, LK_HASH_SHA1, 6, 30 };
  g_autoptr(LkAm1) forged = NULL;
  g_autoptr(GError) error = NULL;

  memset (device.binding, 0x44, sizeof device.binding);
  memset (forger.binding, 0x46, sizeof forger.binding);
  g_assert_cmpint (ctl (TRUE, NULL, NULL, "licence", "create", "LK-EXP", NULL), ==, 0);

  /* Expired AM1: refused by the server, and by the token as well. */
  am1 = start_activation ("LK-EXP", "exp.png", "--lifetime", "1");
  other_scan (&device, am1);
  g_usleep (2100 * G_TIME_SPAN_MILLISECOND);
  g_assert_cmpint (ctl (TRUE, &out, &err, "activation", "add-device", "LK-EXP", device.code_text, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "9603"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (ctl (FALSE, &out, &err, "token", "activate", "--am1", am1, NULL), !=, 0);
  g_assert_nonnull (strstr (err, "expired"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* Too many wrong device codes: the activation dies, the right code too. */
  am1_b = start_activation ("LK-EXP", "att.png", "--max-attempts", "2");
  other_scan (&device, am1_b);
  forged = lk_am1_generate ("LK-EXP", NULL, NULL, &otp, G_MAXINT32, &error);
  g_assert_no_error (error);
  forger.am1 = g_steal_pointer (&forged);
  g_assert_true (lk_device_code_compute (forger.am1, forger.binding, sizeof forger.binding, &forger.code, &error));
  lk_device_code_format (&forger.code, forger.code_text);

  g_assert_cmpint (ctl (TRUE, &out, &err, "activation", "add-device", "LK-EXP", forger.code_text, NULL), !=, 0);
  g_assert_nonnull (strstr (err, "9606"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (ctl (TRUE, &out, &err, "activation", "add-device", "LK-EXP", forger.code_text, NULL), !=, 0);
  g_assert_nonnull (strstr (err, "9605"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (ctl (TRUE, &out, &err, "activation", "add-device", "LK-EXP", device.code_text, NULL), !=, 0);
  g_assert_nonnull (strstr (err, "9605"));
  g_assert_cmpuint (count_state ("LK-EXP", NULL), ==, 0);

  lk_am1_free (device.am1);
  lk_am1_free (forger.am1);
}

/* An AM2 made for another device's pending activation is refused by the
 * token in the keyring, which never started that activation. */
static void
test_wrong_pending (void)
{
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *am1_mine = NULL, *am1_other = NULL;
  g_autofree char *code = NULL;
  OtherDevice other = { { 0 } };
  guint before = count_tokens ();

  memset (other.binding, 0x57, sizeof other.binding);
  g_assert_cmpint (ctl (TRUE, NULL, NULL, "licence", "create", "LK-WP", "--max-instances", "3", NULL), ==, 0);
  am1_mine = start_activation ("LK-WP", "wp1.png", NULL, NULL);
  /* From standard input, so the activation key stays off the command line. */
  next_stdin = am1_mine;
  g_assert_cmpint (ctl (FALSE, &code, NULL, "token", "activate", "--am1", "-", NULL), ==, 0);
  g_assert_cmpuint (strlen (code), ==, 23);

  /* The helpdesk starts another activation (superseding ours) for another device. */
  am1_other = start_activation ("LK-WP", "wp2.png", NULL, NULL);
  other_scan (&other, am1_other);
  g_assert_cmpint (ctl (TRUE, &out, &err, "--json", "activation", "add-device", "LK-WP", other.code_text, NULL), ==, 0);
  {
    g_autoptr(JsonObject) added = parse_json (out);
    g_autofree char *tout = NULL, *terr = NULL;

    g_assert_cmpint (ctl (FALSE, &tout, &terr, "token", "activate", "--am2",
                          json_object_get_string_member (added, "activationMessage2"), NULL), !=, 0);
    g_assert_nonnull (strstr (terr, "no activation started on this device"));
  }
  g_assert_cmpuint (count_tokens (), ==, before);

  /* Our own code now meets the newer activation: refused, nothing made. */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (ctl (TRUE, &out, &err, "activation", "add-device", "LK-WP", code, NULL), !=, 0);
  g_assert_cmpuint (count_state ("LK-WP", NULL), ==, 1);
  lk_am1_free (other.am1);
}

/* The other test signature: the helpdesk draws a challenge, the token in
 * the keyring answers it with an OCRA response of its new seed. */
static void
test_challenge (void)
{
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *am1 = NULL, *code = NULL;
  g_autofree char *am1_png = NULL;
  g_autofree char *am2_png = path_in_dir ("ch-am2.png");
  g_autoptr(JsonObject) token_json = NULL;
  g_autoptr(JsonObject) issued = NULL;
  g_autoptr(JsonObject) answer = NULL;
  const char *challenge;

  g_assert_cmpint (ctl (TRUE, NULL, NULL, "licence", "create", "LK-CH", NULL), ==, 0);
  am1 = start_activation ("LK-CH", "ch-am1.png", NULL, NULL);
  am1_png = path_in_dir ("ch-am1.png");
  g_assert_cmpint (ctl (FALSE, &code, NULL, "token", "activate", "--am1-png", am1_png, NULL), ==, 0);
  g_assert_cmpint (ctl (TRUE, NULL, NULL, "activation", "add-device", "LK-CH", code, "--png", am2_png, NULL), ==, 0);
  g_assert_cmpint (ctl (FALSE, &out, NULL, "--json", "token", "activate", "--am2-png", am2_png, NULL), ==, 0);
  token_json = parse_json (out);
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (ctl (TRUE, &out, NULL, "--json", "activation", "challenge", "LK-CH", "1", NULL), ==, 0);
  issued = parse_json (out);
  challenge = json_object_get_string_member (issued, "challenge");
  g_assert_cmpuint (strlen (challenge), ==, 8);
  g_assert_cmpstr (json_object_get_string_member (issued, "ocraSuite"), ==, "OCRA-1:HOTP-SHA1-6:QN08");
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (ctl (FALSE, &out, &err, "--json", "token", "activate", "--challenge", challenge,
                        "--token", json_object_get_string_member (token_json, "id"), NULL), ==, 0);
  answer = parse_json (out);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (ctl (TRUE, &out, &err, "activation", "verify", "LK-CH", "1",
                        json_object_get_string_member (answer, "ocraResponse"), "--ocra", NULL), ==, 0);
  g_assert_cmpuint (count_state ("LK-CH", "active"), ==, 1);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  /* No G_TEST_OPTION_ISOLATE_DIRS: lk-test-session.sh already gives this
   * run its own HOME and XDG directories, and latchkeyctl's TLS and proxy
   * modules need the system's XDG_DATA_DIRS to find their GSettings schemas. */
  g_test_init (&argc, &argv, NULL);

  if (g_getenv ("LK_LATCHKEYCTL") == NULL)
    {
      g_test_skip ("LK_LATCHKEYCTL is not set");
      return 0;
    }
  fixture.server = lk_test_server_start (NULL, &error);
  g_assert_no_error (error);
  fixture.dir = g_dir_make_tmp ("lk-activation-flow-XXXXXX", &error);
  g_assert_no_error (error);

  g_test_add_func ("/cli/activation/full-run", test_full_run);
  g_test_add_func ("/cli/activation/expiry-and-attempts", test_expiry_and_attempts);
  g_test_add_func ("/cli/activation/wrong-pending", test_wrong_pending);
  g_test_add_func ("/cli/activation/challenge", test_challenge);
  status = g_test_run ();

  g_assert_cmpint (lk_test_server_stop (fixture.server, &error), ==, 0);
  lk_test_server_free (fixture.server);
  {
    GDir *dir = g_dir_open (fixture.dir, 0, NULL);
    const char *name;

    while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *path = g_build_filename (fixture.dir, name, NULL);

        g_unlink (path);
      }
    if (dir != NULL)
      g_dir_close (dir);
    g_rmdir (fixture.dir);
  }
  g_free (fixture.dir);
  return status;
}
