/* SPDX-License-Identifier: GPL-3.0-or-later
 * The "code" and "uri" commands: one-time passwords and otpauth:// URIs from the command line. */
#include "config.h"

#include <glib/gi18n.h>

#include "lk-base32.h"
#include "lk-cli.h"
#include "lk-otpauth.h"
#include "lk-secure.h"

static int
reject_positional (LkCliContext *ctx,
                   int           argc,
                   char        **argv,
                   int           expected)
{
  if (argc > expected + 1)
    /* Not quoted: a stray argument may be a seed or a URI with one. */
    return lk_cli_usage_error (ctx, _("too many arguments (%d extra); see --help"), argc - 1 - expected);
  return LK_CLI_EXIT_OK;
}

/* Builds the token from --secret and its companions. */
static LkOtpauth *
otpauth_from_parts (LkCliContext *ctx,
                    const char   *secret,
                    const char   *type,
                    const char   *algorithm,
                    const char   *digits,
                    const char   *period,
                    int          *exit_status)
{
  g_autoptr(LkOtpauth) token = lk_otpauth_new ();
  g_autoptr(GError) error = NULL;
  guint64 number;

  if (type != NULL && !lk_otpauth_type_from_string (type, &token->type))
    {
      *exit_status = lk_cli_usage_error (ctx, _("--type must be totp, hotp or steam, not “%s”"), type);
      return NULL;
    }
  if (algorithm != NULL && !lk_hash_from_string (algorithm, &token->algorithm))
    {
      *exit_status = lk_cli_usage_error (ctx, _("--algorithm must be SHA1, SHA256 or SHA512, not “%s”"), algorithm);
      return NULL;
    }
  token->digits = token->type == LK_OTPAUTH_STEAM ? 5 : 6;
  if (digits != NULL)
    {
      if (token->type == LK_OTPAUTH_STEAM)
        {
          *exit_status = lk_cli_usage_error (ctx, _("--digits does not apply to steam codes, which always have 5 characters"));
          return NULL;
        }
      if (!lk_cli_parse_uint64 (digits, &number) || number < LK_OTP_MIN_DIGITS || number > LK_OTP_MAX_DIGITS)
        {
          *exit_status = lk_cli_usage_error (ctx, _("--digits must be 6 to 10, not “%s”"), digits);
          return NULL;
        }
      token->digits = (guint) number;
    }
  if (period != NULL)
    {
      if (token->type == LK_OTPAUTH_HOTP)
        {
          *exit_status = lk_cli_usage_error (ctx, _("--period does not apply to hotp, which counts instead of using the clock"));
          return NULL;
        }
      if (!lk_cli_parse_uint64 (period, &number) || number < LK_OTP_MIN_PERIOD || number > LK_OTP_MAX_PERIOD ||
          (token->type == LK_OTPAUTH_STEAM && number != 30))
        {
          *exit_status = lk_cli_usage_error (ctx, token->type == LK_OTPAUTH_STEAM
                                                    ? _("--period of steam codes is always 30, not “%s”")
                                                    : _("--period must be 1 to 3600 seconds, not “%s”"),
                                             period);
          return NULL;
        }
      token->period = (guint) number;
    }
  if (token->type == LK_OTPAUTH_STEAM && token->algorithm != LK_HASH_SHA1)
    {
      *exit_status = lk_cli_usage_error (ctx, _("--algorithm of steam codes is always SHA1"));
      return NULL;
    }

  g_clear_pointer (&token->secret, g_bytes_unref);
  token->secret = lk_base32_decode (secret, &error);
  if (token->secret == NULL)
    {
      *exit_status = lk_cli_usage_error (ctx, _("--secret is not valid: %s"), error->message);
      return NULL;
    }
  if (g_bytes_get_size (token->secret) == 0)
    {
      *exit_status = lk_cli_usage_error (ctx, _("--secret is empty"));
      return NULL;
    }
  return g_steal_pointer (&token);
}

int
lk_cli_code_run (LkCliContext *ctx,
                 int           argc,
                 char        **argv)
{
  g_autofree char *uri = NULL, *time_text = NULL, *counter_text = NULL;
  g_autofree char *type = NULL, *algorithm = NULL, *digits = NULL, *period = NULL;
  char *secret = NULL;
  g_autoptr(LkOtpauth) token = NULL;
  g_autoptr(GError) error = NULL;
  char code[LK_OTP_CODE_SIZE];
  gint64 now;
  int status = LK_CLI_EXIT_OK;
  const GOptionEntry entries[] = {
    { "uri", 0, 0, G_OPTION_ARG_STRING, &uri, N_("The token as an otpauth:// URI"), N_("URI") },
    { "time", 0, 0, G_OPTION_ARG_STRING, &time_text, N_("Compute a time-based code for this Unix time instead of now"), N_("UNIX_SECONDS") },
    { "counter", 0, 0, G_OPTION_ARG_STRING, &counter_text, N_("The counter of an hotp token (overrides the URI’s counter)"), N_("N") },
    { "secret", 0, 0, G_OPTION_ARG_STRING, &secret, N_("The seed in Base32, instead of --uri"), N_("BASE32") },
    { "type", 0, 0, G_OPTION_ARG_STRING, &type, N_("With --secret: totp (default), hotp or steam"), N_("TYPE") },
    { "algorithm", 0, 0, G_OPTION_ARG_STRING, &algorithm, N_("With --secret: SHA1 (default), SHA256 or SHA512"), N_("HASH") },
    { "digits", 0, 0, G_OPTION_ARG_STRING, &digits, N_("With --secret: 6 (default) to 10 digits"), N_("N") },
    { "period", 0, 0, G_OPTION_ARG_STRING, &period, N_("With --secret: the time step of totp, 1 to 3600 seconds (default 30)"), N_("SECONDS") },
    { NULL }
  };

  if (!lk_cli_parse_options (ctx, entries, NULL,
                             _("Prints the one-time password of a token and nothing else.\n"
                               "Give the token either as --uri or as --secret with its parameters.\n"
                               "Examples:\n"
                               "  latchkeyctl code --uri 'otpauth://totp/Example:alice?secret=JBSWY3DPEHPK3PXP'\n"
                               "  latchkeyctl code --secret JBSWY3DPEHPK3PXP --type hotp --counter 1"),
                             &argc, &argv, &status))
    goto out;
  if ((status = reject_positional (ctx, argc, argv, 0)) != LK_CLI_EXIT_OK)
    goto out;

  if (uri != NULL && secret != NULL)
    {
      status = lk_cli_usage_error (ctx, _("give either --uri or --secret, not both"));
      goto out;
    }
  if (uri != NULL && (type != NULL || algorithm != NULL || digits != NULL || period != NULL))
    {
      status = lk_cli_usage_error (ctx, _("--type, --algorithm, --digits and --period go with --secret; a URI carries its own"));
      goto out;
    }
  if (uri == NULL && secret == NULL)
    {
      status = lk_cli_usage_error (ctx, _("give the token with --uri URI or --secret BASE32; see --help"));
      goto out;
    }

  if (uri != NULL)
    {
      token = lk_otpauth_parse (uri, &error);
      if (token == NULL)
        {
          status = lk_cli_report_error (ctx, error);
          goto out;
        }
    }
  else
    {
      token = otpauth_from_parts (ctx, secret, type, algorithm, digits, period, &status);
      if (token == NULL)
        goto out;
    }

  if (counter_text != NULL)
    {
      if (token->type != LK_OTPAUTH_HOTP)
        {
          status = lk_cli_usage_error (ctx, _("--counter applies to hotp tokens only; this one is %s"),
                                       lk_otpauth_type_to_string (token->type));
          goto out;
        }
      if (!lk_cli_parse_uint64 (counter_text, &token->counter) || token->counter > G_MAXINT64)
        {
          status = lk_cli_usage_error (ctx, _("--counter must be a whole number from 0 to 9223372036854775807, not “%s”"), counter_text);
          goto out;
        }
    }
  else if (token->type == LK_OTPAUTH_HOTP && uri == NULL)
    {
      status = lk_cli_usage_error (ctx, _("an hotp token needs --counter N"));
      goto out;
    }

  now = g_get_real_time () / G_USEC_PER_SEC;
  if (time_text != NULL)
    {
      if (token->type == LK_OTPAUTH_HOTP)
        {
          status = lk_cli_usage_error (ctx, _("--time applies to time-based tokens only; hotp uses --counter"));
          goto out;
        }
      if (!lk_cli_parse_int64 (time_text, &now))
        {
          status = lk_cli_usage_error (ctx, _("--time must be a whole number of seconds since 1970, not “%s”"), time_text);
          goto out;
        }
    }

  if (!lk_otpauth_generate (token, now, code, &error))
    {
      status = lk_cli_report_error (ctx, error);
      goto out;
    }

  if (ctx->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "code");
      json_builder_add_string_value (builder, code);
      json_builder_set_member_name (builder, "type");
      json_builder_add_string_value (builder, lk_otpauth_type_to_string (token->type));
      if (token->type == LK_OTPAUTH_HOTP)
        {
          json_builder_set_member_name (builder, "counter");
          json_builder_add_int_value (builder, (gint64) token->counter);
        }
      else
        {
          json_builder_set_member_name (builder, "time");
          json_builder_add_int_value (builder, now);
          json_builder_set_member_name (builder, "valid_for");
          json_builder_add_int_value (builder, (gint64) token->period - ((now % token->period) + token->period) % token->period);
        }
      json_builder_end_object (builder);
      root = json_builder_get_root (builder);
      lk_cli_print_json (ctx, root);
    }
  else
    g_print ("%s\n", code);
  lk_secure_wipe (code, sizeof code);

out:
  lk_secure_str_free (secret);
  return status;
}

static void
add_nullable_string (JsonBuilder *builder,
                     const char  *name,
                     const char  *value)
{
  json_builder_set_member_name (builder, name);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

int
lk_cli_uri_run (LkCliContext *ctx,
                int           argc,
                char        **argv)
{
  g_autoptr(LkOtpauth) token = NULL;
  g_autoptr(GError) error = NULL;
  gboolean canonical = FALSE;
  int status = LK_CLI_EXIT_OK;
  const GOptionEntry entries[] = {
    { "canonical", 0, 0, G_OPTION_ARG_NONE, &canonical, N_("Print the URI in Latchkey’s canonical form instead"), NULL },
    { NULL }
  };

  if (!lk_cli_parse_options (ctx, entries, N_("URI"),
                             _("Parses an otpauth:// URI and prints its fields.\n"
                               "With --json: one JSON object with the keys type, issuer, account, secret\n"
                               "(Base32, upper case, no padding), algorithm, digits, period and counter;\n"
                               "period is null for hotp and counter is null for totp and steam.\n"
                               "The human-readable form leaves the secret out."),
                             &argc, &argv, &status))
    return status;
  if (argc < 2)
    return lk_cli_usage_error (ctx, _("give the otpauth:// URI to parse; see --help"));
  if ((status = reject_positional (ctx, argc, argv, 1)) != LK_CLI_EXIT_OK)
    return status;

  token = lk_otpauth_parse (argv[1], &error);
  if (token == NULL)
    return lk_cli_report_error (ctx, error);

  if (canonical)
    {
      char *text = lk_otpauth_format (token);

      g_print ("%s\n", text);
      lk_secure_str_free (text);
    }
  else if (ctx->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;
      char *secret = lk_base32_encode (g_bytes_get_data (token->secret, NULL), g_bytes_get_size (token->secret));

      json_builder_begin_object (builder);
      add_nullable_string (builder, "type", lk_otpauth_type_to_string (token->type));
      add_nullable_string (builder, "issuer", token->issuer);
      add_nullable_string (builder, "account", token->account);
      add_nullable_string (builder, "secret", secret);
      add_nullable_string (builder, "algorithm", lk_hash_to_string (token->algorithm));
      json_builder_set_member_name (builder, "digits");
      json_builder_add_int_value (builder, token->digits);
      json_builder_set_member_name (builder, "period");
      if (token->type == LK_OTPAUTH_HOTP)
        json_builder_add_null_value (builder);
      else
        json_builder_add_int_value (builder, token->period);
      json_builder_set_member_name (builder, "counter");
      if (token->type == LK_OTPAUTH_HOTP)
        json_builder_add_int_value (builder, (gint64) token->counter);
      else
        json_builder_add_null_value (builder);
      json_builder_end_object (builder);
      root = json_builder_get_root (builder);
      lk_cli_print_json (ctx, root);
      lk_secure_str_free (secret);
    }
  else
    {
      g_print (_("Type:      %s\n"), lk_otpauth_type_to_string (token->type));
      g_print (_("Issuer:    %s\n"), token->issuer != NULL ? token->issuer : _("(none)"));
      g_print (_("Account:   %s\n"), token->account);
      g_print (_("Secret:    %" G_GSIZE_FORMAT " bytes (shown with --json)\n"), g_bytes_get_size (token->secret));
      g_print (_("Algorithm: %s\n"), lk_hash_to_string (token->algorithm));
      g_print (_("Digits:    %u\n"), token->digits);
      if (token->type == LK_OTPAUTH_HOTP)
        g_print (_("Counter:   %" G_GUINT64_FORMAT "\n"), token->counter);
      else
        g_print (_("Period:    %u s\n"), token->period);
    }
  return LK_CLI_EXIT_OK;
}
