/* SPDX-License-Identifier: GPL-3.0-or-later
 * The administration commands' shared plumbing (backend, account key, admin
 * options, output) and the "account" group. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <libsecret/secret.h>

#include "lk-cli-admin.h"
#include "lk-local-backend.h"
#include "lk-remote-backend.h"
#include "lk-secure.h"

/* ---- options ----------------------------------------------------------------- */

void
lk_cli_admin_options_clear (LkCliAdminOptions *opts)
{
  g_clear_pointer (&opts->key_file, g_free);
  g_clear_pointer (&opts->tls_pin, g_free);
  g_clear_pointer (&opts->tls_cert, g_free);
}

GOptionEntry *
lk_cli_join_entries (const GOptionEntry *a,
                     const GOptionEntry *b)
{
  gsize na = 0, nb = 0;
  GOptionEntry *joined;

  while (a != NULL && a[na].long_name != NULL)
    na++;
  while (b != NULL && b[nb].long_name != NULL)
    nb++;
  joined = g_new0 (GOptionEntry, na + nb + 1);
  if (na > 0)
    memcpy (joined, a, na * sizeof *a);
  if (nb > 0)
    memcpy (joined + na, b, nb * sizeof *b);
  return joined;
}

gboolean
lk_cli_admin_parse (LkCliContext        *ctx,
                    LkCliAdminOptions   *opts,
                    const GOptionEntry  *entries,
                    const char          *parameter_string,
                    const char          *description,
                    int                 *argc,
                    char              ***argv,
                    int                 *exit_status)
{
  const GOptionEntry admin_entries[] = {
    { "key-file", 0, 0, G_OPTION_ARG_FILENAME, &opts->key_file,
      N_("With --db: the master key file (default: the database path plus “.key”)"), N_("FILE") },
    { "tls-pin", 0, 0, G_OPTION_ARG_STRING, &opts->tls_pin,
      N_("With --server: accept only the certificate with this SHA-256 fingerprint"), N_("SHA256") },
    { "tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &opts->tls_cert,
      N_("With --server: accept only this (PEM) certificate"), N_("FILE") },
    { "timeout", 0, 0, G_OPTION_ARG_INT, &opts->timeout,
      N_("With --server: seconds to wait for an answer (default 20)"), N_("SECONDS") },
    { NULL }
  };
  g_autofree GOptionEntry *all = lk_cli_join_entries (entries, admin_entries);

  return lk_cli_parse_options (ctx, all, parameter_string, description, argc, argv, exit_status);
}

/* ---- account key and backend ---------------------------------------------------- */

/* The admin application's item for an account key (src/admin), so a key the
 * GUI saved serves latchkeyctl too: "location" is the database path or the
 * server URL, "account" the partner account. */
static const SecretSchema *
account_key_schema (void)
{
  static const SecretSchema schema = {
    "org.latchkey.Latchkey.AdminAccount", SECRET_SCHEMA_NONE,
    {
      { "location", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "account", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    },
    0, NULL, NULL, NULL, NULL, NULL, NULL, NULL
  };

  return &schema;
}

char *
lk_cli_admin_read_secret (const char *prompt)
{
  g_autoptr(GString) line = g_string_new (NULL);
  struct termios saved, quiet;
  gboolean tty = isatty (STDIN_FILENO) && tcgetattr (STDIN_FILENO, &saved) == 0;
  int c;

  if (tty)
    {
      g_printerr ("%s", prompt);
      quiet = saved;
      quiet.c_lflag &= ~(tcflag_t) ECHO;
      tcsetattr (STDIN_FILENO, TCSAFLUSH, &quiet);
    }
  while ((c = getchar ()) != EOF && c != '\n')
    g_string_append_c (line, (char) c);
  if (tty)
    {
      tcsetattr (STDIN_FILENO, TCSAFLUSH, &saved);
      g_printerr ("\n");
    }
  if (c == EOF && line->len == 0)
    {
      lk_secure_wipe (line->str, line->allocated_len);
      return NULL;
    }
  if (line->len > 0 && line->str[line->len - 1] == '\r')
    g_string_truncate (line, line->len - 1);
  {
    char *secret = g_strndup (line->str, line->len);

    lk_secure_wipe (line->str, line->allocated_len);
    return secret;
  }
}

/* The key of --account: the environment, a prompt on a terminal, or the
 * keyring (the admin application's item for this location and account). */
static char *
account_key (LkCliContext *ctx,
             const char   *where)
{
  const char *env = g_getenv ("LATCHKEY_ACCOUNT_KEY");
  g_autofree char *prompt = NULL;
  char *stored;

  if (env != NULL && *env != '\0')
    return g_strdup (env);
  if (isatty (STDIN_FILENO))
    {
      prompt = g_strdup_printf (_("Key of account %s: "), ctx->account);
      return lk_cli_admin_read_secret (prompt);
    }
  stored = secret_password_lookup_sync (account_key_schema (), NULL, NULL,
                                        "location", where, "account", ctx->account, NULL);
  if (stored != NULL)
    {
      char *copy = g_strdup (stored);

      secret_password_free (stored);
      return copy;
    }
  return NULL;
}

LkBackend *
lk_cli_admin_open (LkCliContext            *ctx,
                   const LkCliAdminOptions *opts,
                   gboolean                 need_account,
                   int                     *exit_status)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;
  g_autofree char *where = NULL;

  if ((ctx->db_path == NULL) == (ctx->server_url == NULL))
    {
      *exit_status = lk_cli_usage_error (ctx, _("give either --db PATH or --server URL"));
      return NULL;
    }
  if (need_account && (ctx->account == NULL || *ctx->account == '\0'))
    {
      *exit_status = lk_cli_usage_error (ctx, _("give the partner account with --account NAME"));
      return NULL;
    }
  where = ctx->db_path != NULL ? g_canonicalize_filename (ctx->db_path, NULL) : g_strdup (ctx->server_url);
  if (need_account)
    {
      key = account_key (ctx, where);
      if (key == NULL || *key == '\0')
        {
          *exit_status = lk_cli_usage_error (ctx, _("no key for account “%s”: set LATCHKEY_ACCOUNT_KEY"),
                                             ctx->account);
          return NULL;
        }
    }

  if (ctx->db_path != NULL)
    {
      g_autofree char *key_path = opts->key_file != NULL ? g_strdup (opts->key_file)
                                                         : g_strconcat (ctx->db_path, ".key", NULL);
      g_autoptr(LkKeyProvider) keys = NULL;
      LkBackend *backend;

      if (opts->tls_pin != NULL || opts->tls_cert != NULL)
        {
          *exit_status = lk_cli_usage_error (ctx, _("--tls-pin and --tls-cert apply to --server only"));
          lk_secure_str_free (g_steal_pointer (&key));
          return NULL;
        }
      keys = lk_file_key_provider_new (key_path);
      backend = lk_local_backend_new (ctx->db_path, keys, ctx->account, key);
      lk_local_backend_set_actor (LK_LOCAL_BACKEND (backend), "cli");
      lk_secure_str_free (g_steal_pointer (&key));
      return backend;
    }
  else
    {
      g_autoptr(LkBackend) backend = lk_remote_backend_new (ctx->server_url, ctx->account, key, &error);

      lk_secure_str_free (g_steal_pointer (&key));
      if (backend == NULL)
        {
          *exit_status = lk_cli_usage_error (ctx, "%s", error->message);
          return NULL;
        }
      if (opts->key_file != NULL)
        {
          *exit_status = lk_cli_usage_error (ctx, _("--key-file applies to --db only"));
          return NULL;
        }
      if ((opts->tls_pin != NULL
           && !lk_remote_backend_set_pinned_fingerprint (LK_REMOTE_BACKEND (backend), opts->tls_pin, &error))
          || (opts->tls_cert != NULL
              && !lk_remote_backend_pin_certificate_file (LK_REMOTE_BACKEND (backend), opts->tls_cert, &error)))
        {
          *exit_status = lk_cli_usage_error (ctx, "%s", error->message);
          return NULL;
        }
      if (opts->timeout < 0)
        {
          *exit_status = lk_cli_usage_error (ctx, _("--timeout must be a positive number of seconds"));
          return NULL;
        }
      lk_remote_backend_set_timeout (LK_REMOTE_BACKEND (backend), (guint) opts->timeout);
      return g_steal_pointer (&backend);
    }
}

/* ---- answers ------------------------------------------------------------------- */

void
lk_cli_admin_print_json (LkCliContext        *ctx,
                         const LkApiResponse *response)
{
  g_autoptr(GBytes) body = lk_api_response_encode (response, NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *object;

  if (!json_parser_load_from_data (parser, g_bytes_get_data (body, NULL), g_bytes_get_size (body), NULL))
    return;
  object = json_node_get_object (json_parser_get_root (parser));
  /* Images go to files (--png, --svg), not into a line of JSON. */
  json_object_remove_member (object, "qrCodePng");
  json_object_remove_member (object, "qrCodeSvg");
  lk_cli_print_json (ctx, json_parser_get_root (parser));
}

/* errorCodes that say the input was wrong rather than the operation. */
static gboolean
is_input_error (int code)
{
  switch (code)
    {
    case LK_ENGINE_ERROR_INVALID_ARGUMENT:
    case LK_ENGINE_ERROR_MISSING_FIELD:
    case LK_ENGINE_ERROR_DEVICE_TYPE_INVALID:
    case LK_ENGINE_ERROR_OTP_TYPE_INVALID:
    case LK_ENGINE_ERROR_TIME_DRIFT_INVALID:
    case LK_ENGINE_ERROR_INVALID_DELIVERY:
    case LK_API_ERROR_MALFORMED:
    case LK_API_ERROR_TOO_DEEP:
    case LK_API_ERROR_UNKNOWN_TYPE:
    case LK_API_ERROR_FIELD_TYPE:
    case LK_API_ERROR_DUPLICATE_FIELD:
    case LK_API_ERROR_BODY_TOO_LARGE:
      return TRUE;
    default:
      return FALSE;
    }
}

LkApiResponse *
lk_cli_admin_call (LkCliContext *ctx,
                   LkBackend    *backend,
                   LkApiRequest *request,
                   int          *exit_status)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkApiResponse) response = lk_backend_call_sync (backend, request, NULL, &error);
  g_autofree char *line = NULL;

  if (response == NULL)
    {
      *exit_status = lk_cli_report_error (ctx, error);
      return NULL;
    }
  if (response->error_code == 0)
    return g_steal_pointer (&response);

  if (ctx->json)
    lk_cli_admin_print_json (ctx, response);
  line = g_strdup_printf (_("%s (error %d)"),
                          response->error_message != NULL && *response->error_message != '\0'
                          ? response->error_message : lk_api_error_describe (response->error_code),
                          response->error_code);
  if (is_input_error (response->error_code))
    *exit_status = lk_cli_usage_error (ctx, "%s", line);
  else
    {
      g_autoptr(GError) failed = g_error_new_literal (LK_CLI_ERROR, LK_CLI_ERROR_FAILED, line);

      *exit_status = lk_cli_report_error (ctx, failed);
    }
  return NULL;
}

LkApiResponse *
lk_cli_admin_run (LkCliContext            *ctx,
                  const LkCliAdminOptions *opts,
                  LkApiRequest            *request,
                  int                     *exit_status)
{
  g_autoptr(LkApiRequest) owned = request;
  g_autoptr(LkBackend) backend = lk_cli_admin_open (ctx, opts, TRUE, exit_status);
  LkApiResponse *response;

  if (backend == NULL)
    return NULL;
  response = lk_cli_admin_call (ctx, backend, g_steal_pointer (&owned), exit_status);
  if (response != NULL && ctx->json)
    lk_cli_admin_print_json (ctx, response);
  return response;
}

int
lk_cli_admin_need_args (LkCliContext *ctx,
                        int           argc,
                        int           wanted,
                        const char   *what)
{
  if (argc == wanted + 1)
    return LK_CLI_EXIT_OK;
  return lk_cli_usage_error (ctx, _("expected %s; see --help"), what);
}

LkApiResponse *
lk_cli_admin_run_one_arg (LkCliContext          *ctx,
                          const LkCliOneArgCmd  *cmd,
                          int                    argc,
                          char                 **argv,
                          char                 **argument,
                          int                   *exit_status)
{
  g_auto(LkCliAdminOptions) opts = { 0 };
  g_autoptr(LkApiRequest) request = NULL;
  const GOptionEntry entries[] = { { NULL } };

  if (!lk_cli_admin_parse (ctx, &opts, entries, cmd->parameter_string, cmd->description,
                           &argc, &argv, exit_status))
    return NULL;
  if ((*exit_status = lk_cli_admin_need_args (ctx, argc, 1, cmd->what)) != LK_CLI_EXIT_OK)
    return NULL;
  request = lk_api_request_new (cmd->op);
  cmd->set_argument (request, argv[1]);
  *argument = g_strdup (argv[1]);
  return lk_cli_admin_run (ctx, &opts, g_steal_pointer (&request), exit_status);
}

static const char *
or_dash (const char *text)
{
  return text != NULL && *text != '\0' ? text : "-";
}

static char *
format_time (gint64 unix_time)
{
  g_autoptr(GDateTime) time = NULL;

  if (unix_time <= 0)
    return g_strdup (_("never"));
  time = g_date_time_new_from_unix_utc (unix_time);
  return g_date_time_format (time, "%Y-%m-%d %H:%M:%S UTC");
}

void
lk_cli_admin_print_user (const LkUser *user)
{
  g_autofree char *created = format_time (user->created_at);
  g_autofree char *last = format_time (user->last_login_at);

  g_print (_("User:         %s\n"), user->login);
  g_print (_("Name:         %s %s\n"), user->first_name, user->last_name);
  g_print (_("Email:        %s\n"), or_dash (user->email));
  g_print (_("Mobile phone: %s\n"), or_dash (user->mobile_phone));
  g_print (_("State:        %s\n"), user->enabled ? _("enabled") : _("disabled"));
  g_print (_("Devices:      %u\n"), user->device_count);
  g_print (_("Created:      %s\n"), created);
  g_print (_("Last login:   %s\n"), last);
}

void
lk_cli_admin_print_device (const LkDevice *device)
{
  g_autofree char *last = format_time (device->last_used_at);

  g_print (_("Device:       %s\n"), device->serial);
  g_print (_("Type:         %s, %s, %s, %u digits\n"), or_dash (lk_device_type_to_string (device->device_type)),
           or_dash (lk_otp_type_to_string (device->otp_type)), lk_hash_to_string (device->algorithm),
           device->digits);
  if (device->otp_type == LK_OTP_TYPE_TIME)
    g_print (_("Timing:       %u s steps, ±%u steps, shift %d\n"), device->period, device->time_drift,
             device->time_shift);
  else if (device->otp_type == LK_OTP_TYPE_EVENT)
    g_print (_("Counter:      %" G_GUINT64_FORMAT ", look-ahead %u\n"), device->counter, device->window);
  g_print (_("State:        %s (%u failures)\n"), or_dash (lk_device_state_to_string (device->state)),
           device->fail_count);
  g_print (_("User:         %s\n"), or_dash (device->user_login));
  g_print (_("Alias:        %s\n"), or_dash (device->alias));
  g_print (_("Physical id:  %s\n"), or_dash (device->physical_device_id));
  g_print (_("PIN:          %s\n"), device->has_pin ? _("yes") : _("no"));
  g_print (_("Last used:    %s\n"), last);
}

/* ---- device options --------------------------------------------------------------- */

GOptionEntry *
lk_cli_device_option_entries (LkCliDeviceOptions *o)
{
  const GOptionEntry entries[] = {
    { "device-type", 0, 0, G_OPTION_ARG_STRING, &o->device_type,
      N_("mobile, hardware, desktop or multi-device (deviceType 0-3; default mobile)"), N_("TYPE") },
    { "otp-type", 0, 0, G_OPTION_ARG_STRING, &o->otp_type, N_("event, time or ocra (OtpType 0-2; default time)"), N_("TYPE") },
    { "digits", 0, 0, G_OPTION_ARG_STRING, &o->digits, N_("OTP length, 6 to 10 (OtpLength)"), N_("N") },
    { "window", 0, 0, G_OPTION_ARG_STRING, &o->window,
      N_("windowSize: look-ahead (event) or step seconds (time)"), N_("N") },
    { "drift", 0, 0, G_OPTION_ARG_STRING, &o->drift, N_("timeDrift: steps accepted either side (time)"), N_("N") },
    { "otp-pin", 0, 0, G_OPTION_ARG_STRING, &o->otp_pin, N_("A PIN typed before each OTP (OtpPin)"), N_("PIN") },
    { "serial", 0, 0, G_OPTION_ARG_STRING, &o->serial, N_("Serial number (psn; default generated)"), N_("PSN") },
    { "key-hex", 0, 0, G_OPTION_ARG_STRING, &o->key_hex, N_("The seed in hex (secretKeyHex; default generated)"), N_("HEX") },
    { "key-base64", 0, 0, G_OPTION_ARG_STRING, &o->key_base64, N_("The seed in Base64 (secretKeyHexBase64)"), N_("B64") },
    { "alias", 0, 0, G_OPTION_ARG_STRING, &o->alias, N_("A name for the token (softTokenAlias)"), N_("TEXT") },
    { "algorithm", 0, 0, G_OPTION_ARG_STRING, &o->algorithm, N_("SHA1 (default), SHA256 or SHA512"), N_("HASH") },
    { "ocra-suite", 0, 0, G_OPTION_ARG_STRING, &o->ocra_suite, N_("The OCRA suite of an OCRA device"), N_("SUITE") },
    { "notify", 0, 0, G_OPTION_ARG_STRING, &o->notify, N_("Welcome message: none, email or sms (notificationMethod)"), N_("HOW") },
    { "mobile-auth", 0, 0, G_OPTION_ARG_NONE, &o->mobile_auth, N_("Provisioning needs the user's password (mobileAuth)"), NULL },
    { "mobile-usage", 0, 0, G_OPTION_ARG_STRING, &o->mobile_usage, N_("push, otp (default) or push-otp (mobileUsage)"), N_("USE") },
    { NULL }
  };

  return lk_cli_join_entries (entries, NULL);
}

gboolean
lk_cli_device_options_any (const LkCliDeviceOptions *o)
{
  return o->device_type || o->otp_type || o->digits || o->window || o->drift || o->otp_pin || o->serial
         || o->key_hex || o->key_base64 || o->alias || o->algorithm || o->ocra_suite || o->notify
         || o->mobile_usage || o->mobile_auth;
}

static gboolean
parse_small (LkCliContext *ctx,
             const char   *option,
             const char   *text,
             int          *slot,
             int          *exit_status)
{
  guint64 value;

  if (text == NULL)
    return TRUE;
  if (!lk_cli_parse_uint64 (text, &value) || value > 100000)
    {
      *exit_status = lk_cli_usage_error (ctx, _("%s must be a number, not “%s”"), option, text);
      return FALSE;
    }
  *slot = (int) value;
  return TRUE;
}

gboolean
lk_cli_device_options_apply (LkCliContext             *ctx,
                             const LkCliDeviceOptions *o,
                             LkApiRequest             *request,
                             int                      *exit_status)
{
  if (o->device_type != NULL)
    {
      LkDeviceType type;

      if (!lk_device_type_from_string (o->device_type, &type))
        {
          *exit_status = lk_cli_usage_error (ctx, _("--device-type must be mobile, hardware, desktop or multi-device, not “%s”"),
                                             o->device_type);
          return FALSE;
        }
      request->device_type = type;
    }
  if (o->otp_type != NULL)
    {
      LkOtpType type;

      if (!lk_otp_type_from_string (o->otp_type, &type))
        {
          *exit_status = lk_cli_usage_error (ctx, _("--otp-type must be event, time or ocra, not “%s”"), o->otp_type);
          return FALSE;
        }
      request->otp_type = type;
    }
  if (o->algorithm != NULL)
    {
      LkHash hash;

      if (!lk_hash_from_string (o->algorithm, &hash))
        {
          *exit_status = lk_cli_usage_error (ctx, _("--algorithm must be SHA1, SHA256 or SHA512, not “%s”"), o->algorithm);
          return FALSE;
        }
      request->algorithm = g_strdup (lk_hash_to_string (hash));
    }
  if (o->notify != NULL)
    {
      if (g_ascii_strcasecmp (o->notify, "none") == 0)
        request->notification_method = LK_NOTIFY_NONE;
      else if (g_ascii_strcasecmp (o->notify, "email") == 0)
        request->notification_method = LK_NOTIFY_EMAIL;
      else if (g_ascii_strcasecmp (o->notify, "sms") == 0)
        request->notification_method = LK_NOTIFY_SMS;
      else
        {
          *exit_status = lk_cli_usage_error (ctx, _("--notify must be none, email or sms, not “%s”"), o->notify);
          return FALSE;
        }
    }
  if (o->mobile_usage != NULL)
    {
      if (g_ascii_strcasecmp (o->mobile_usage, "push") == 0)
        request->mobile_usage = LK_MOBILE_USAGE_PUSH;
      else if (g_ascii_strcasecmp (o->mobile_usage, "otp") == 0)
        request->mobile_usage = LK_MOBILE_USAGE_OTP;
      else if (g_ascii_strcasecmp (o->mobile_usage, "push-otp") == 0)
        request->mobile_usage = LK_MOBILE_USAGE_PUSH_OTP;
      else
        {
          *exit_status = lk_cli_usage_error (ctx, _("--mobile-usage must be push, otp or push-otp, not “%s”"),
                                             o->mobile_usage);
          return FALSE;
        }
    }
  if (o->key_hex != NULL && o->key_base64 != NULL)
    {
      *exit_status = lk_cli_usage_error (ctx, _("give --key-hex or --key-base64, not both"));
      return FALSE;
    }
  if (!parse_small (ctx, "--digits", o->digits, &request->otp_length, exit_status)
      || !parse_small (ctx, "--window", o->window, &request->window_size, exit_status)
      || !parse_small (ctx, "--drift", o->drift, &request->time_drift, exit_status))
    return FALSE;
  if (o->mobile_auth)
    request->mobile_auth = 1;
  request->otp_pin = g_strdup (o->otp_pin);
  request->psn = g_strdup (o->serial);
  request->secret_key_hex = g_strdup (o->key_hex);
  request->secret_key_base64 = g_strdup (o->key_base64);
  request->soft_token_alias = g_strdup (o->alias);
  request->ocra_suite = g_strdup (o->ocra_suite);
  return TRUE;
}

void
lk_cli_device_options_clear (LkCliDeviceOptions *o)
{
  g_clear_pointer (&o->device_type, g_free);
  g_clear_pointer (&o->otp_type, g_free);
  g_clear_pointer (&o->digits, g_free);
  g_clear_pointer (&o->window, g_free);
  g_clear_pointer (&o->drift, g_free);
  g_clear_pointer (&o->otp_pin, lk_secure_str_free);
  g_clear_pointer (&o->serial, g_free);
  g_clear_pointer (&o->key_hex, lk_secure_str_free);
  g_clear_pointer (&o->key_base64, lk_secure_str_free);
  g_clear_pointer (&o->alias, g_free);
  g_clear_pointer (&o->algorithm, g_free);
  g_clear_pointer (&o->ocra_suite, g_free);
  g_clear_pointer (&o->notify, g_free);
  g_clear_pointer (&o->mobile_usage, g_free);
}

/* ---- account ------------------------------------------------------------------------ */

static int
account_create (LkCliContext *ctx,
                int           argc,
                char        **argv)
{
  g_auto(LkCliAdminOptions) opts = { 0 };
  g_autoptr(LkBackend) backend = NULL;
  g_autoptr(LkApiRequest) request = NULL;
  g_autoptr(LkApiResponse) response = NULL;
  g_autofree char *generated = NULL;
  const char *env = g_getenv ("LATCHKEY_ACCOUNT_KEY");
  int status = LK_CLI_EXIT_OK;
  const GOptionEntry entries[] = { { NULL } };

  if (!lk_cli_admin_parse (ctx, &opts, entries, _("NAME"),
                           _("Creates a partner account in the local database (--db). Its key is taken from\n"
                             "LATCHKEY_ACCOUNT_KEY, or generated and printed once."),
                           &argc, &argv, &status))
    return status;
  if (argc != 2 || *argv[1] == '\0')
    return lk_cli_usage_error (ctx, _("give the account NAME; see --help"));
  if (ctx->server_url != NULL)
    return lk_cli_usage_error (ctx, _("accounts are created on the server's own database: use --db there"));

  if (env == NULL || *env == '\0')
    {
      guint8 raw[24];
      g_autoptr(GError) error = NULL;

      if (!lk_random_bytes (raw, sizeof raw, &error))
        return lk_cli_report_error (ctx, error);
      generated = g_base64_encode (raw, sizeof raw);
      lk_secure_wipe (raw, sizeof raw);
      /* URL- and shell-safe: no '/', '+' or '='. */
      g_strdelimit (generated, "/", '_');
      g_strdelimit (generated, "+", '-');
    }

  backend = lk_cli_admin_open (ctx, &opts, FALSE, &status);
  if (backend == NULL)
    return status;
  request = lk_api_request_new (LK_API_OP_CREATE_ACCOUNT);
  request->account_name = g_strdup (argv[1]);
  request->account_key = g_strdup (generated != NULL ? generated : env);
  response = lk_cli_admin_call (ctx, backend, g_steal_pointer (&request), &status);
  if (response == NULL)
    {
      lk_secure_str_free (g_steal_pointer (&generated));
      return status;
    }

  if (ctx->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "errorCode");
      json_builder_add_int_value (builder, 0);
      json_builder_set_member_name (builder, "account");
      json_builder_add_string_value (builder, argv[1]);
      if (generated != NULL)
        {
          json_builder_set_member_name (builder, "accountKey");
          json_builder_add_string_value (builder, generated);
        }
      json_builder_end_object (builder);
      root = json_builder_get_root (builder);
      lk_cli_print_json (ctx, root);
    }
  else
    {
      g_print (_("Created account %s.\n"), argv[1]);
      if (generated != NULL)
        g_print (_("Account key (shown once, keep it safe): %s\n"), generated);
    }
  lk_secure_str_free (g_steal_pointer (&generated));
  return LK_CLI_EXIT_OK;
}

static const LkCliCommand account_commands[] = {
  { "create", N_("Create a partner account in a local database"), account_create },
  { NULL }
};

int
lk_cli_account_run (LkCliContext *ctx,
                    int           argc,
                    char        **argv)
{
  return lk_cli_dispatch (ctx, "account", N_("Partner accounts (spAccountLoginName) of the embedded engine."),
                          account_commands, argc, argv);
}
