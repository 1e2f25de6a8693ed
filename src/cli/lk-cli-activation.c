/* SPDX-License-Identifier: GPL-3.0-or-later
 * latchkeyctl licence, activation and instance (the server side of multi-device activation, on
 * --db or --server alike) and token activate (the token side, into the keyring). */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <gio/gunixinputstream.h>

#include "lk-activation.h"
#include "lk-api-activation.h"
#include "lk-cli-admin.h"
#include "lk-core-error.h"
#include "lk-qr.h"
#include "lk-secure.h"
#include "lk-wallet-activation.h"

#define QR_SCALE 6

static gboolean
parse_count (const char *text,
             int        *out)
{
  guint64 value;

  if (text == NULL)
    return TRUE;
  if (!lk_cli_parse_uint64 (text, &value) || value > G_MAXINT)
    return FALSE;
  *out = (int) value;
  return TRUE;
}

static LkApiRequest *
activation_request (LkApiOp     op,
                    const char *serial)
{
  LkApiRequest *request = lk_api_request_new (op);

  request->activation = lk_api_activation_request_new ();
  request->activation->serial = g_strdup (serial);
  return request;
}

/* Writes @text as a QR code PNG, readable only by the owner: an AM1 holds
 * the activation key. */
static gboolean
write_qr_png (const char  *path,
              const char  *text,
              GError     **error)
{
  g_autoptr(GBytes) png = lk_qr_encode_png (text, QR_SCALE, error);

  if (png == NULL)
    return FALSE;
  return g_file_set_contents_full (path, g_bytes_get_data (png, NULL), (gssize) g_bytes_get_size (png),
                                   G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}

/* Reads a PNG and returns the first QR text that starts with @prefix. */
static char *
read_qr_png (const char  *path,
             const char  *prefix,
             GError     **error)
{
  g_autofree char *data = NULL;
  g_auto(GStrv) texts = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &data, &len, error))
    return NULL;
  texts = lk_qr_decode_png ((const guint8 *) data, len, error);
  if (texts == NULL)
    return NULL;
  for (guint i = 0; texts[i] != NULL; i++)
    if (g_ascii_strncasecmp (texts[i], prefix, strlen (prefix)) == 0)
      return g_strdup (texts[i]);
  g_set_error (error, LK_CORE_ERROR, LK_CORE_ERROR_ACTIVATION,
               _("The QR code in %s is not an activation message (it does not start with “%s”)"),
               path, prefix);
  return NULL;
}

/* ---- licence ------------------------------------------------------------- */

static int
licence_create (LkCliContext *ctx,
                int           argc,
                char        **argv)
{
  g_auto(LkCliAdminOptions) opts = { 0 };
  g_autofree char *user = NULL, *max = NULL, *type = NULL, *algorithm = NULL, *digits = NULL;
  g_autofree char *period = NULL, *window = NULL, *issuer = NULL, *label = NULL;
  g_autoptr(LkApiRequest) request = NULL;
  g_autoptr(LkApiResponse) response = NULL;
  LkApiActivationRequest *a;
  int status = LK_CLI_EXIT_OK;
  const GOptionEntry entries[] = {
    { "user", 0, 0, G_OPTION_ARG_STRING, &user, N_("The licence belongs to LOGIN; its instances are LOGIN's devices"), N_("LOGIN") },
    { "max-instances", 0, 0, G_OPTION_ARG_STRING, &max, N_("At most N devices at once (default 3)"), "N" },
    { "otp-type", 0, 0, G_OPTION_ARG_STRING, &type, N_("time (default) or event"), N_("TYPE") },
    { "algorithm", 0, 0, G_OPTION_ARG_STRING, &algorithm, N_("SHA1 (default), SHA256 or SHA512"), N_("NAME") },
    { "digits", 0, 0, G_OPTION_ARG_STRING, &digits, N_("Digits per code, 6 to 10 (default 6)"), "N" },
    { "period", 0, 0, G_OPTION_ARG_STRING, &period, N_("Seconds per time step (default 30)"), "N" },
    { "window", 0, 0, G_OPTION_ARG_STRING, &window, N_("Look-ahead (event) or steps either side (time)"), "N" },
    { "issuer", 0, 0, G_OPTION_ARG_STRING, &issuer, N_("Issuer shown by the token"), N_("TEXT") },
    { "label", 0, 0, G_OPTION_ARG_STRING, &label, N_("Account name shown by the token"), N_("TEXT") },
    { NULL }
  };

  if (!lk_cli_admin_parse (ctx, &opts, entries, "SERIAL",
                           _("Creates a multi-device licence (create_licence)."), &argc, &argv, &status))
    return status;
  if ((status = lk_cli_admin_need_args (ctx, argc, 1, _("the licence serial"))) != 0)
    return status;

  request = activation_request (LK_API_OP_CREATE_LICENCE, argv[1]);
  a = request->activation;
  a->username = g_strdup (user);
  a->algorithm = g_strdup (algorithm);
  a->issuer = g_strdup (issuer);
  a->label = g_strdup (label);
  if (type != NULL)
    {
      if (g_ascii_strcasecmp (type, "time") == 0 || g_strcmp0 (type, "1") == 0)
        a->otp_type = LK_OTP_TYPE_TIME;
      else if (g_ascii_strcasecmp (type, "event") == 0 || g_strcmp0 (type, "0") == 0)
        a->otp_type = LK_OTP_TYPE_EVENT;
      else
        return lk_cli_usage_error (ctx, _("--otp-type is time or event"));
    }
  if (!parse_count (max, &a->max_instances) || !parse_count (digits, &a->otp_length) ||
      !parse_count (period, &a->period) || !parse_count (window, &a->window))
    return lk_cli_usage_error (ctx, _("--max-instances, --digits, --period and --window take a whole number"));

  response = lk_cli_admin_run (ctx, &opts, g_steal_pointer (&request), &status);
  if (response == NULL || ctx->json)
    return status;
  g_print (_("Created licence %s for up to %u devices.\n"), response->activation->licence->serial,
           response->activation->licence->max_instances);
  return LK_CLI_EXIT_OK;
}

static int
licence_show (LkCliContext *ctx,
              int           argc,
              char        **argv)
{
  g_auto(LkCliAdminOptions) opts = { 0 };
  g_autoptr(LkApiResponse) response = NULL;
  const LkLicence *licence;
  int status = LK_CLI_EXIT_OK;

  if (!lk_cli_admin_parse (ctx, &opts, NULL, "SERIAL", _("Shows a licence (find_licence)."),
                           &argc, &argv, &status))
    return status;
  if ((status = lk_cli_admin_need_args (ctx, argc, 1, _("the licence serial"))) != 0)
    return status;
  response = lk_cli_admin_run (ctx, &opts, activation_request (LK_API_OP_FIND_LICENCE, argv[1]), &status);
  if (response == NULL || ctx->json)
    return status;
  licence = response->activation->licence;
  g_print ("%s\n", licence->serial);
  g_print (_("  owner:      %s\n"), licence->user_login != NULL ? licence->user_login : "—");
  g_print (_("  instances:  %u of %u\n"), licence->instances, licence->max_instances);
  g_print (_("  tokens:     %s, %s, %u digits\n"),
           licence->otp_type == LK_OTP_TYPE_EVENT ? "event" : "time",
           lk_hash_to_string (licence->algorithm), licence->digits);
  g_print (_("  shown as:   %s: %s\n"), licence->issuer, licence->label);
  return LK_CLI_EXIT_OK;
}

static const LkCliCommand licence_commands[] = {
  { "create", N_("Create a multi-device licence"), licence_create },
  { "show", N_("Show a licence and how many instances it has"), licence_show },
  { NULL }
};

int
lk_cli_licence_run (LkCliContext *ctx,
                    int           argc,
                    char        **argv)
{
  return lk_cli_dispatch (ctx, "licence", _("Multi-device licences"), licence_commands, argc, argv);
}

/* ---- activation ---------------------------------------------------------- */

static int
activation_start (LkCliContext *ctx,
                  int           argc,
                  char        **argv)
{
  g_auto(LkCliAdminOptions) opts = { 0 };
  g_autofree char *lifetime = NULL, *attempts = NULL, *png = NULL;
  g_autoptr(LkApiRequest) request = NULL;
  g_autoptr(LkApiResponse) response = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) expires = NULL;
  g_autofree char *when = NULL;
  int status = LK_CLI_EXIT_OK;
  const GOptionEntry entries[] = {
    { "lifetime", 0, 0, G_OPTION_ARG_STRING, &lifetime, N_("Seconds the code stays valid (default 600)"), N_("SECONDS") },
    { "max-attempts", 0, 0, G_OPTION_ARG_STRING, &attempts, N_("Wrong device codes allowed (default 5)"), "N" },
    { "png", 0, 0, G_OPTION_ARG_FILENAME, &png, N_("Also write the QR code to FILE (mode 0600)"), N_("FILE") },
    { NULL }
  };

  if (!lk_cli_admin_parse (ctx, &opts, entries, "SERIAL",
                           _("Starts adding a device to a licence (start_activation) and prints Activation "
                             "Message 1 for the device to scan. It works once and expires."),
                           &argc, &argv, &status))
    return status;
  if ((status = lk_cli_admin_need_args (ctx, argc, 1, _("the licence serial"))) != 0)
    return status;
  request = activation_request (LK_API_OP_START_ACTIVATION, argv[1]);
  if (!parse_count (lifetime, &request->activation->lifetime) ||
      !parse_count (attempts, &request->activation->max_attempts))
    return lk_cli_usage_error (ctx, _("--lifetime and --max-attempts take a whole number"));

  response = lk_cli_admin_run (ctx, &opts, g_steal_pointer (&request), &status);
  if (response == NULL)
    return status;
  if (png != NULL && !write_qr_png (png, response->activation->am1, &error))
    return lk_cli_report_error (ctx, error);
  if (ctx->json)
    return LK_CLI_EXIT_OK;

  expires = g_date_time_new_from_unix_local (response->activation->expires_at);
  when = expires != NULL ? g_date_time_format (expires, "%H:%M:%S") : g_strdup ("?");
  g_print ("%s\n", response->activation->am1);
  g_printerr (_("Valid until %s, once, with at most %u wrong device codes.\n"),
              when, response->activation->max_attempts);
  return LK_CLI_EXIT_OK;
}

static int
activation_add_device (LkCliContext *ctx,
                       int           argc,
                       char        **argv)
{
  g_auto(LkCliAdminOptions) opts = { 0 };
  g_autofree char *png = NULL;
  g_autoptr(LkApiRequest) request = NULL;
  g_autoptr(LkApiResponse) response = NULL;
  g_autoptr(GError) error = NULL;
  int status = LK_CLI_EXIT_OK;
  const GOptionEntry entries[] = {
    { "png", 0, 0, G_OPTION_ARG_FILENAME, &png, N_("Also write the QR code to FILE (mode 0600)"), N_("FILE") },
    { NULL }
  };

  if (!lk_cli_admin_parse (ctx, &opts, entries, "SERIAL DEVICE-CODE",
                           _("Checks the device code the token shows (add_device_instance), creates a new "
                             "instance and prints Activation Message 2 for the device to scan."),
                           &argc, &argv, &status))
    return status;
  if ((status = lk_cli_admin_need_args (ctx, argc, 2, _("the licence serial and the device code"))) != 0)
    return status;

  /* The code is checked here first: a typo costs no attempt on the server. */
  {
    LkDeviceCode code;

    if (!lk_device_code_parse (argv[2], &code, &error))
      return lk_cli_report_error (ctx, error);
    lk_secure_wipe (&code, sizeof code);
  }

  request = activation_request (LK_API_OP_ADD_DEVICE_INSTANCE, argv[1]);
  request->activation->device_code = g_strdup (argv[2]);
  response = lk_cli_admin_run (ctx, &opts, g_steal_pointer (&request), &status);
  if (response == NULL)
    return status;
  if (png != NULL && !write_qr_png (png, response->activation->am2, &error))
    return lk_cli_report_error (ctx, error);
  if (ctx->json)
    return LK_CLI_EXIT_OK;

  g_print ("%s\n", response->activation->am2);
  if (response->activation->instance != NULL)
    g_printerr (_("Instance %u (device %s) is pending until its test signature is verified.\n"),
                response->activation->instance->number, response->activation->instance->device_serial);
  return LK_CLI_EXIT_OK;
}

static gboolean
parse_instance (const char *text,
                int        *out)
{
  return text != NULL && parse_count (text, out) && *out > 0;
}

static int
activation_verify (LkCliContext *ctx,
                   int           argc,
                   char        **argv)
{
  g_auto(LkCliAdminOptions) opts = { 0 };
  g_autoptr(LkApiRequest) request = NULL;
  g_autoptr(LkApiResponse) response = NULL;
  gboolean ocra = FALSE;
  int status = LK_CLI_EXIT_OK;
  const GOptionEntry entries[] = {
    { "ocra", 0, 0, G_OPTION_ARG_NONE, &ocra, N_("CODE answers the challenge of “activation challenge”"), NULL },
    { NULL }
  };

  if (!lk_cli_admin_parse (ctx, &opts, entries, "SERIAL INSTANCE CODE",
                           _("Checks the test signature of a new instance (verify_test_signature): its first "
                             "code, or with --ocra the answer to a challenge. The instance becomes active."),
                           &argc, &argv, &status))
    return status;
  if ((status = lk_cli_admin_need_args (ctx, argc, 3, _("the licence serial, the instance number and the code"))) != 0)
    return status;
  request = activation_request (LK_API_OP_VERIFY_TEST_SIGNATURE, argv[1]);
  if (!parse_instance (argv[2], &request->activation->instance))
    return lk_cli_usage_error (ctx, _("the instance is a number from 1"));
  if (ocra)
    request->activation->ocra_response = g_strdup (argv[3]);
  else
    request->activation->otp = g_strdup (argv[3]);
  response = lk_cli_admin_run (ctx, &opts, g_steal_pointer (&request), &status);
  if (response == NULL || ctx->json)
    return status;
  g_print (_("Instance %s of %s is active.\n"), argv[2], argv[1]);
  return LK_CLI_EXIT_OK;
}

static int
activation_challenge (LkCliContext *ctx,
                      int           argc,
                      char        **argv)
{
  g_auto(LkCliAdminOptions) opts = { 0 };
  g_autoptr(LkApiRequest) request = NULL;
  g_autoptr(LkApiResponse) response = NULL;
  int status = LK_CLI_EXIT_OK;

  if (!lk_cli_admin_parse (ctx, &opts, NULL, "SERIAL INSTANCE",
                           _("Draws a challenge for a new instance (issue_test_challenge); the device answers it "
                             "with “token activate --challenge” and “activation verify --ocra” checks the answer."),
                           &argc, &argv, &status))
    return status;
  if ((status = lk_cli_admin_need_args (ctx, argc, 2, _("the licence serial and the instance number"))) != 0)
    return status;
  request = activation_request (LK_API_OP_ISSUE_TEST_CHALLENGE, argv[1]);
  if (!parse_instance (argv[2], &request->activation->instance))
    return lk_cli_usage_error (ctx, _("the instance is a number from 1"));
  response = lk_cli_admin_run (ctx, &opts, g_steal_pointer (&request), &status);
  if (response == NULL || ctx->json)
    return status;
  g_print ("%s\n", response->activation->challenge);
  g_printerr (_("Read it to the device; it answers with %s. Valid 10 minutes, for one answer.\n"),
              response->activation->ocra_suite);
  return LK_CLI_EXIT_OK;
}

static const LkCliCommand activation_commands[] = {
  { "start", N_("Print Activation Message 1 for a licence (text, and QR with --png)"), activation_start },
  { "add-device", N_("Check a device code and print Activation Message 2"), activation_add_device },
  { "challenge", N_("Draw a challenge for a new instance's test signature"), activation_challenge },
  { "verify", N_("Check a new instance's test signature and activate it"), activation_verify },
  { NULL }
};

int
lk_cli_activation_run (LkCliContext *ctx,
                       int           argc,
                       char        **argv)
{
  return lk_cli_dispatch (ctx, "activation", _("Add devices to multi-device licences"),
                          activation_commands, argc, argv);
}

/* ---- instance ------------------------------------------------------------ */

static int
instance_list (LkCliContext *ctx,
               int           argc,
               char        **argv)
{
  g_auto(LkCliAdminOptions) opts = { 0 };
  g_autoptr(LkApiResponse) response = NULL;
  GPtrArray *instances;
  int status = LK_CLI_EXIT_OK;

  if (!lk_cli_admin_parse (ctx, &opts, NULL, "SERIAL", _("Lists a licence's instances (list_instances)."),
                           &argc, &argv, &status))
    return status;
  if ((status = lk_cli_admin_need_args (ctx, argc, 1, _("the licence serial"))) != 0)
    return status;
  response = lk_cli_admin_run (ctx, &opts, activation_request (LK_API_OP_LIST_INSTANCES, argv[1]), &status);
  if (response == NULL || ctx->json)
    return status;
  instances = response->activation->instances;
  if (instances == NULL || instances->len == 0)
    {
      g_print (_("No instances.\n"));
      return LK_CLI_EXIT_OK;
    }
  for (guint i = 0; i < instances->len; i++)
    {
      const LkInstance *instance = g_ptr_array_index (instances, i);

      g_print ("%3u  %-11s  %-16s  %s\n", instance->number, lk_instance_state_to_string (instance->state),
               instance->device_serial != NULL ? instance->device_serial : "—", instance->device_binding);
    }
  return LK_CLI_EXIT_OK;
}

static int
instance_deactivate (LkCliContext *ctx,
                     int           argc,
                     char        **argv)
{
  g_auto(LkCliAdminOptions) opts = { 0 };
  g_autoptr(LkApiRequest) request = NULL;
  g_autoptr(LkApiResponse) response = NULL;
  int status = LK_CLI_EXIT_OK;

  if (!lk_cli_admin_parse (ctx, &opts, NULL, "SERIAL INSTANCE",
                           _("Deactivates one instance (deactivate_instance): its device and seed are deleted "
                             "and its slot is free again."), &argc, &argv, &status))
    return status;
  if ((status = lk_cli_admin_need_args (ctx, argc, 2, _("the licence serial and the instance number"))) != 0)
    return status;
  request = activation_request (LK_API_OP_DEACTIVATE_INSTANCE, argv[1]);
  if (!parse_instance (argv[2], &request->activation->instance))
    return lk_cli_usage_error (ctx, _("the instance is a number from 1"));
  response = lk_cli_admin_run (ctx, &opts, g_steal_pointer (&request), &status);
  if (response == NULL || ctx->json)
    return status;
  g_print (_("Instance %s of %s is deactivated.\n"), argv[2], argv[1]);
  return LK_CLI_EXIT_OK;
}

static const LkCliCommand instance_commands[] = {
  { "list", N_("List a licence's instances"), instance_list },
  { "deactivate", N_("Deactivate one instance"), instance_deactivate },
  { NULL }
};

int
lk_cli_instance_run (LkCliContext *ctx,
                     int           argc,
                     char        **argv)
{
  return lk_cli_dispatch (ctx, "instance", _("Instances of multi-device licences"),
                          instance_commands, argc, argv);
}

/* ---- token activate ------------------------------------------------------ */

static int
token_activate_am1 (LkCliContext *ctx,
                    const char   *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkAm1) am1 = NULL;
  char code[LK_DEVICE_CODE_TEXT_SIZE];

  am1 = lk_wallet_activation_scan_am1_sync (text, g_get_real_time () / G_USEC_PER_SEC, code, NULL, &error);
  if (am1 == NULL)
    return lk_cli_report_error (ctx, error);

  if (ctx->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "deviceCode");
      json_builder_add_string_value (builder, code);
      json_builder_set_member_name (builder, "serialNumber");
      json_builder_add_string_value (builder, am1->serial);
      json_builder_set_member_name (builder, "issuer");
      json_builder_add_string_value (builder, am1->issuer);
      json_builder_set_member_name (builder, "label");
      json_builder_add_string_value (builder, am1->label);
      json_builder_set_member_name (builder, "expires");
      json_builder_add_int_value (builder, am1->expires);
      json_builder_end_object (builder);
      root = json_builder_get_root (builder);
      lk_cli_print_json (ctx, root);
    }
  else
    {
      g_printerr (_("Activating %s%s%s (licence %s). Read this device code to the helpdesk:\n"),
                  am1->issuer, *am1->issuer != '\0' ? ": " : "", am1->label, am1->serial);
      g_print ("%s\n", code);
      g_printerr (_("Then scan Activation Message 2 with: latchkeyctl token activate --am2 …\n"));
    }
  lk_secure_wipe (code, sizeof code);
  return LK_CLI_EXIT_OK;
}

static int
token_activate_am2 (LkCliContext *ctx,
                    const char   *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkWallet) wallet = lk_wallet_new ();
  g_autoptr(LkWalletToken) token = NULL;
  g_autofree char *name = NULL;
  char code[LK_OTP_CODE_SIZE];
  guint32 instance = 0;

  token = lk_wallet_activation_scan_am2_sync (wallet, text, &instance, NULL, &error);
  if (token == NULL)
    return lk_cli_report_error (ctx, error);
  if (!lk_wallet_token_compute (token, g_get_real_time () / G_USEC_PER_SEC, code, NULL, &error))
    return lk_cli_report_error (ctx, error);
  name = lk_wallet_token_dup_name (token);

  if (ctx->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_string_value (builder, token->id);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, name);
      json_builder_set_member_name (builder, "instance");
      json_builder_add_int_value (builder, instance);
      json_builder_set_member_name (builder, "testSignature");
      json_builder_add_string_value (builder, code);
      json_builder_end_object (builder);
      root = json_builder_get_root (builder);
      lk_cli_print_json (ctx, root);
    }
  else
    {
      g_printerr (_("Stored %s (instance %u) in the keyring. Its first code, the test signature:\n"),
                  name, instance);
      g_print ("%s\n", code);
    }
  lk_secure_wipe (code, sizeof code);
  return LK_CLI_EXIT_OK;
}

/* The answer to a helpdesk challenge, from the stored token's seed. */
static int
token_activate_challenge (LkCliContext *ctx,
                          const char   *challenge,
                          const char   *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkWallet) wallet = lk_wallet_new ();
  g_autoptr(LkWalletToken) token = NULL;
  const LkOtpauth *uri;
  LkActivationOtp otp;
  char response[LK_OTP_CODE_SIZE];

  token = lk_wallet_find_sync (wallet, name, NULL, &error);
  if (token == NULL)
    return lk_cli_report_error (ctx, error);
  uri = token->otpauth;
  if (uri->type == LK_OTPAUTH_STEAM)
    return lk_cli_usage_error (ctx, _("a Steam token cannot answer a challenge"));
  otp.type = uri->type == LK_OTPAUTH_HOTP ? LK_ACTIVATION_OTP_HOTP : LK_ACTIVATION_OTP_TOTP;
  otp.algorithm = uri->algorithm;
  otp.digits = uri->digits;
  otp.period = uri->type == LK_OTPAUTH_HOTP ? 0 : uri->period;
  if (!lk_activation_test_response (&otp, g_bytes_get_data (uri->secret, NULL), g_bytes_get_size (uri->secret),
                                    challenge, response, &error))
    return lk_cli_report_error (ctx, error);

  if (ctx->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "ocraResponse");
      json_builder_add_string_value (builder, response);
      json_builder_end_object (builder);
      root = json_builder_get_root (builder);
      lk_cli_print_json (ctx, root);
    }
  else
    g_print ("%s\n", response);
  lk_secure_wipe (response, sizeof response);
  return LK_CLI_EXIT_OK;
}

int
lk_cli_token_activate_run (LkCliContext *ctx,
                           int           argc,
                           char        **argv)
{
  g_autofree char *am1 = NULL, *am1_png = NULL, *am2 = NULL, *am2_png = NULL;
  g_autofree char *challenge = NULL, *token_name = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  int status = LK_CLI_EXIT_OK;
  int given;
  const GOptionEntry entries[] = {
    { "am1", 0, 0, G_OPTION_ARG_STRING, &am1, N_("Activation Message 1 as text (LKAM1:…), or - to read it from standard input"), N_("TEXT") },
    { "am1-png", 0, 0, G_OPTION_ARG_FILENAME, &am1_png, N_("Activation Message 1 from a QR code image"), N_("FILE") },
    { "am2", 0, 0, G_OPTION_ARG_STRING, &am2, N_("Activation Message 2 as text (LKAM2:…), or - to read it from standard input"), N_("TEXT") },
    { "am2-png", 0, 0, G_OPTION_ARG_FILENAME, &am2_png, N_("Activation Message 2 from a QR code image"), N_("FILE") },
    { "challenge", 0, 0, G_OPTION_ARG_STRING, &challenge, N_("Answer the helpdesk's test challenge (with --token)"), N_("DIGITS") },
    { "token", 0, 0, G_OPTION_ARG_STRING, &token_name, N_("The token that answers --challenge (id or name)"), N_("TOKEN") },
    { NULL }
  };

  if (!lk_cli_parse_options (ctx, entries, "",
                             _("Adds this device to a multi-device licence in two steps: --am1 prints the device "
                               "code to read to the helpdesk; --am2 stores the new token in the keyring and prints "
                               "its first code, the test signature."),
                             &argc, &argv, &status))
    return status;
  if (argc != 1)
    return lk_cli_usage_error (ctx, _("expected no arguments; see --help"));
  given = (am1 != NULL) + (am1_png != NULL) + (am2 != NULL) + (am2_png != NULL) + (challenge != NULL);
  if (given != 1)
    return lk_cli_usage_error (ctx, _("give exactly one of --am1, --am1-png, --am2, --am2-png and --challenge"));
  if ((challenge != NULL) != (token_name != NULL))
    return lk_cli_usage_error (ctx, _("--challenge and --token go together"));
  if (challenge != NULL)
    return token_activate_challenge (ctx, challenge, token_name);

  /* "-" keeps the message off the command line, where other local users
   * could read it in the process list (AM1 holds the activation key). */
  if (g_strcmp0 (am1, "-") == 0 || g_strcmp0 (am2, "-") == 0)
    {
      g_autoptr(GInputStream) in = g_unix_input_stream_new (0, FALSE);
      g_autoptr(GDataInputStream) data = g_data_input_stream_new (in);

      text = g_data_input_stream_read_line_utf8 (data, NULL, NULL, &error);
      if (text == NULL)
        {
          if (error == NULL)
            return lk_cli_usage_error (ctx, _("nothing to read on standard input"));
          return lk_cli_report_error (ctx, error);
        }
      g_strstrip (text);
    }
  else if (am1_png != NULL || am2_png != NULL)
    {
      text = read_qr_png (am1_png != NULL ? am1_png : am2_png,
                          am1_png != NULL ? LK_AM1_PREFIX : LK_AM2_PREFIX, &error);
      if (text == NULL)
        return lk_cli_report_error (ctx, error);
    }

  /* The message came from standard input or an image (text), or inline. */
  if (am1 != NULL || am1_png != NULL)
    status = token_activate_am1 (ctx, text != NULL ? text : am1);
  else
    status = token_activate_am2 (ctx, text != NULL ? text : am2);

  if (text != NULL)
    lk_secure_wipe (text, strlen (text));
  if (am1 != NULL)
    lk_secure_wipe (am1, strlen (am1));
  return status;
}
