/* SPDX-License-Identifier: GPL-3.0-or-later
 * latchkeyctl token: the soft-token wallet (list, add, code, remove, rename) from the command line. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <glib/gi18n.h>

#include "lk-cli.h"
#include "lk-cli-token-import.h"
#include "lk-otpauth.h"
#include "lk-secure.h"
#include "lk-wallet.h"

static JsonNode *
token_to_json (const LkWalletToken *token)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  const LkOtpauth *uri = token->otpauth;
  g_autofree char *name = lk_wallet_token_dup_name (token);

  /* Never the seed: only what identifies and describes the token. */
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, token->id);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, name);
  json_builder_set_member_name (builder, "issuer");
  if (uri->issuer != NULL)
    json_builder_add_string_value (builder, uri->issuer);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "account");
  json_builder_add_string_value (builder, uri->account);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, lk_otpauth_type_to_string (uri->type));
  json_builder_set_member_name (builder, "algorithm");
  json_builder_add_string_value (builder, lk_hash_to_string (uri->algorithm));
  json_builder_set_member_name (builder, "digits");
  json_builder_add_int_value (builder, uri->digits);
  if (uri->type == LK_OTPAUTH_HOTP)
    {
      json_builder_set_member_name (builder, "counter");
      json_builder_add_int_value (builder, (gint64) uri->counter);
    }
  else
    {
      json_builder_set_member_name (builder, "period");
      json_builder_add_int_value (builder, uri->period);
    }
  if (token->note != NULL)
    {
      json_builder_set_member_name (builder, "note");
      json_builder_add_string_value (builder, token->note);
    }
  if (token->group != NULL)
    {
      json_builder_set_member_name (builder, "group");
      json_builder_add_string_value (builder, token->group);
    }
  json_builder_set_member_name (builder, "created");
  json_builder_add_int_value (builder, token->created);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

/* The commands that change one token answer with it: as JSON under --json
 * (returns TRUE), else the caller prints its own human line. */
static gboolean
print_token_json (LkCliContext        *ctx,
                  const LkWalletToken *token)
{
  g_autoptr(JsonNode) root = NULL;

  if (!ctx->json)
    return FALSE;
  root = token_to_json (token);
  lk_cli_print_json (ctx, root);
  return TRUE;
}

static int
token_list (LkCliContext *ctx,
            int           argc,
            char        **argv)
{
  g_autoptr(LkWallet) wallet = lk_wallet_new ();
  g_autoptr(GPtrArray) tokens = NULL;
  g_autoptr(GError) error = NULL;
  int status;
  const GOptionEntry entries[] = { { NULL } };

  if (!lk_cli_parse_options (ctx, entries, "", _("Lists the tokens in the keyring. Seeds are never printed."),
                             &argc, &argv, &status))
    return status;
  if (argc != 1)
    return lk_cli_usage_error (ctx, _("takes no arguments"));

  tokens = lk_wallet_list_sync (wallet, NULL, &error);
  if (tokens == NULL)
    return lk_cli_report_error (ctx, error);

  if (ctx->json)
    {
      g_autoptr(JsonArray) array = json_array_new ();
      g_autoptr(JsonObject) object = json_object_new ();
      g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);

      for (guint i = 0; i < tokens->len; i++)
        json_array_add_element (array, token_to_json (g_ptr_array_index (tokens, i)));
      json_object_set_array_member (object, "tokens", g_steal_pointer (&array));
      json_node_set_object (root, object);
      lk_cli_print_json (ctx, root);
      return LK_CLI_EXIT_OK;
    }

  for (guint i = 0; i < tokens->len; i++)
    {
      LkWalletToken *token = g_ptr_array_index (tokens, i);
      g_autofree char *name = lk_wallet_token_dup_name (token);

      g_print ("%s  %-5s  %s\n", token->id, lk_otpauth_type_to_string (token->otpauth->type), name);
    }
  return LK_CLI_EXIT_OK;
}

/* Reads one line from stdin into wiped memory: the way to give a URI
 * without leaving its seed in the process list or the shell history. */
static char *
read_uri_from_stdin (void)
{
  char buffer[4096];
  char *line;
  gsize len;

  if (fgets (buffer, sizeof buffer, stdin) == NULL)
    {
      lk_secure_wipe (buffer, sizeof buffer);
      return NULL;
    }
  len = strcspn (buffer, "\r\n");
  line = g_strndup (buffer, len);
  lk_secure_wipe (buffer, sizeof buffer);
  return line;
}

static int
token_add (LkCliContext *ctx,
           int           argc,
           char        **argv)
{
  g_autoptr(LkWallet) wallet = lk_wallet_new ();
  g_autoptr(LkOtpauth) uri = NULL;
  g_autoptr(LkWalletToken) token = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *note = NULL;
  g_autofree char *name = NULL;
  char *text;
  int status;
  const GOptionEntry entries[] = {
    { "note", 0, 0, G_OPTION_ARG_STRING, &note, N_("Keep TEXT as the token's note"), N_("TEXT") },
    { NULL }
  };

  if (!lk_cli_parse_options (ctx, entries, "[URI|-]",
                             _("Adds an otpauth:// URI to the keyring. Without URI, or with “-”, "
                               "the URI is read from the first line of standard input, which keeps "
                               "the seed out of the process list."),
                             &argc, &argv, &status))
    return status;
  if (argc > 2)
    return lk_cli_usage_error (ctx, _("takes one URI"));

  if (argc == 1 || g_str_equal (argv[1], "-"))
    text = read_uri_from_stdin ();
  else
    text = g_strdup (argv[1]);
  if (text == NULL || *text == '\0')
    {
      lk_secure_str_free (text);
      return lk_cli_usage_error (ctx, _("no URI given"));
    }

  uri = lk_otpauth_parse (text, &error);
  lk_secure_str_free (text);
  if (uri == NULL)
    return lk_cli_report_error (ctx, error);

  token = lk_wallet_token_new (uri);
  if (note != NULL && *note != '\0')
    token->note = g_strdup (note);
  if (!lk_wallet_add_sync (wallet, token, NULL, &error))
    return lk_cli_report_error (ctx, error);

  name = lk_wallet_token_dup_name (token);
  if (!print_token_json (ctx, token))
    g_print (_("Added %s (%s)\n"), name, token->id);
  return LK_CLI_EXIT_OK;
}

static int
token_code (LkCliContext *ctx,
            int           argc,
            char        **argv)
{
  g_autoptr(LkWallet) wallet = lk_wallet_new ();
  g_autoptr(LkWalletToken) token = NULL;
  g_autoptr(GError) error = NULL;
  char code[LK_OTP_CODE_SIZE] = { 0 };
  guint seconds_left = 0;
  int status;
  const GOptionEntry entries[] = { { NULL } };

  if (!lk_cli_parse_options (ctx, entries, "NAME",
                             _("Prints the current code of the token NAME (its id or “Issuer:account”). "
                               "For a counter-based (HOTP) token this uses the next code and moves the "
                               "counter on."),
                             &argc, &argv, &status))
    return status;
  if (argc != 2)
    return lk_cli_usage_error (ctx, _("takes one token name"));

  token = lk_wallet_find_sync (wallet, argv[1], NULL, &error);
  if (token == NULL)
    return lk_cli_report_error (ctx, error);

  if (token->otpauth->type == LK_OTPAUTH_HOTP)
    {
      char *next = lk_wallet_next_hotp_code_sync (wallet, token->id, NULL, &error);

      if (next == NULL)
        return lk_cli_report_error (ctx, error);
      g_strlcpy (code, next, sizeof code);
      lk_secure_str_free (next);
    }
  else if (!lk_wallet_token_compute (token, g_get_real_time () / G_USEC_PER_SEC, code, &seconds_left, &error))
    {
      return lk_cli_report_error (ctx, error);
    }

  if (ctx->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_string_value (builder, token->id);
      json_builder_set_member_name (builder, "code");
      json_builder_add_string_value (builder, code);
      if (token->otpauth->type != LK_OTPAUTH_HOTP)
        {
          json_builder_set_member_name (builder, "seconds_left");
          json_builder_add_int_value (builder, seconds_left);
        }
      json_builder_end_object (builder);
      root = json_builder_get_root (builder);
      lk_cli_print_json (ctx, root);
    }
  else
    {
      g_print ("%s\n", code);
    }

  lk_secure_wipe (code, sizeof code);
  return LK_CLI_EXIT_OK;
}

static int
token_remove (LkCliContext *ctx,
              int           argc,
              char        **argv)
{
  g_autoptr(LkWallet) wallet = lk_wallet_new ();
  g_autoptr(LkWalletToken) token = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  int status;
  const GOptionEntry entries[] = { { NULL } };

  if (!lk_cli_parse_options (ctx, entries, "NAME",
                             _("Deletes the token NAME (its id or “Issuer:account”) from the keyring."),
                             &argc, &argv, &status))
    return status;
  if (argc != 2)
    return lk_cli_usage_error (ctx, _("takes one token name"));

  token = lk_wallet_find_sync (wallet, argv[1], NULL, &error);
  if (token == NULL)
    return lk_cli_report_error (ctx, error);
  if (!lk_wallet_remove_sync (wallet, token->id, NULL, &error))
    return lk_cli_report_error (ctx, error);

  name = lk_wallet_token_dup_name (token);
  if (!print_token_json (ctx, token))
    g_print (_("Removed %s (%s)\n"), name, token->id);
  return LK_CLI_EXIT_OK;
}

static int
token_rename (LkCliContext *ctx,
              int           argc,
              char        **argv)
{
  g_autoptr(LkWallet) wallet = lk_wallet_new ();
  g_autoptr(LkWalletToken) token = NULL;
  g_autoptr(LkWalletToken) renamed = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *issuer = NULL;
  const char *account;
  const char *colon;
  int status;
  const GOptionEntry entries[] = { { NULL } };

  if (!lk_cli_parse_options (ctx, entries, "NAME NEW",
                             _("Renames the token NAME. NEW is “Issuer:account”, “:account” "
                               "(no issuer) or “account” (the issuer stays)."),
                             &argc, &argv, &status))
    return status;
  if (argc != 3)
    return lk_cli_usage_error (ctx, _("takes the token name and its new name"));

  token = lk_wallet_find_sync (wallet, argv[1], NULL, &error);
  if (token == NULL)
    return lk_cli_report_error (ctx, error);

  colon = strchr (argv[2], ':');
  if (colon != NULL)
    {
      issuer = g_strndup (argv[2], (gsize) (colon - argv[2]));
      account = colon + 1;
    }
  else
    {
      issuer = g_strdup (token->otpauth->issuer);
      account = argv[2];
    }

  if (!lk_wallet_rename_sync (wallet, token->id, issuer, account, NULL, &error))
    {
      if (g_error_matches (error, LK_WALLET_ERROR, LK_WALLET_ERROR_INVALID))
        return lk_cli_usage_error (ctx, "%s", error->message);
      return lk_cli_report_error (ctx, error);
    }

  renamed = lk_wallet_find_sync (wallet, token->id, NULL, &error);
  if (renamed == NULL)
    return lk_cli_report_error (ctx, error);

  if (!print_token_json (ctx, renamed))
    {
      g_autofree char *name = lk_wallet_token_dup_name (renamed);

      g_print (_("Renamed to %s (%s)\n"), name, renamed->id);
    }
  return LK_CLI_EXIT_OK;
}

/* The import engineer's "import" and "export" join this table. */
static const LkCliCommand token_commands[] = {
  { "list", N_("List the tokens in the keyring"), token_list },
  { "add", N_("Add a token from an otpauth:// URI"), token_add },
  { "code", N_("Print a token's current code"), token_code },
  { "remove", N_("Delete a token"), token_remove },
  { "rename", N_("Rename a token"), token_rename },
  { "import", N_("Import tokens from Aegis, andOTP, FreeOTP+, Google Authenticator or otpauth links"), lk_cli_token_import_run },
  { "export", N_("Export tokens as an encrypted Aegis vault (or, with a warning, plain links or a QR code)"), lk_cli_token_export_run },
  { "activate", N_("Join a multi-device licence: --am1 shows the device code, --am2 stores the token"), lk_cli_token_activate_run },
  { NULL }
};

int
lk_cli_token_run (LkCliContext *ctx,
                  int           argc,
                  char        **argv)
{
  return lk_cli_dispatch (ctx, "token", N_("The soft tokens in this session's keyring"),
                          token_commands, argc, argv);
}
