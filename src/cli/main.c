/* SPDX-License-Identifier: GPL-3.0-or-later
 * latchkeyctl: parses the global options and runs one command from the table. */
#include "config.h"

#include <locale.h>
#include <string.h>
#include <glib/gi18n.h>

#include "lk-cli.h"

/* The command table. Adding a command group is one line here (see lk-cli.h). */
static const LkCliCommand commands[] = {
  { "code", N_("Print the current one-time password for a URI or a seed"), lk_cli_code_run },
  { "uri",  N_("Parse an otpauth:// URI and print its fields"), lk_cli_uri_run },
  { "token", N_("Manage the soft tokens in your keyring"), lk_cli_token_run },
  { "account", N_("Create partner accounts in a local database"), lk_cli_account_run },
  { "user", N_("Enrol and manage users (--db PATH or --server URL)"), lk_cli_user_run },
  { "device", N_("Add, provision, activate and manage OATH devices"), lk_cli_device_run },
  { "otp", N_("Validate and send one-time passwords"), lk_cli_otp_run },
  { "licence", N_("Create and show multi-device licences"), lk_cli_licence_run },
  { "activation", N_("Add a device to a licence: Activation Messages 1 and 2, test signature"), lk_cli_activation_run },
  { "instance", N_("List and deactivate a licence's instances"), lk_cli_instance_run },
  { "import", N_("Import PSKC hardware fobs and CSV user lists in bulk"), lk_cli_import_run },
  { "export", N_("Export devices as an encrypted PSKC file (--db PATH)"), lk_cli_export_run },
  { NULL }
};

static const LkCliCommand *
find_command (const char *name)
{
  for (const LkCliCommand *c = commands; c->name != NULL; c++)
    if (g_str_equal (c->name, name))
      return c;
  return NULL;
}

static char *
describe_commands (void)
{
  GString *out = g_string_new (_("Commands:\n"));
  gsize width = 0;

  for (const LkCliCommand *c = commands; c->name != NULL; c++)
    width = MAX (width, strlen (c->name));
  for (const LkCliCommand *c = commands; c->name != NULL; c++)
    g_string_append_printf (out, "  %-*s  %s\n", (int) width, c->name, _(c->summary));
  g_string_append (out, _("\nRun “latchkeyctl COMMAND --help” for the options of each command.\n"
                          "Exit status: 0 done, 1 the operation failed, 2 bad input."));
  return g_string_free (out, FALSE);
}

int
main (int    argc,
      char **argv)
{
  LkCliContext ctx = { 0 };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *description = NULL;
  gboolean version = FALSE, help = FALSE;
  const LkCliCommand *command;
  const char *name;
  char **sub_argv;
  int sub_argc;
  int status;
  const GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &ctx.db_path, N_("Use the embedded engine's database at PATH"), N_("PATH") },
    { "server", 0, 0, G_OPTION_ARG_STRING, &ctx.server_url, N_("Use the latchkeyd server at URL"), N_("URL") },
    { "account", 0, 0, G_OPTION_ARG_STRING, &ctx.account, N_("Partner account NAME on the server"), N_("NAME") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &ctx.json, N_("Print machine-readable JSON on stdout"), NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, N_("Print the version and exit"), NULL },
    { "help", 'h', 0, G_OPTION_ARG_NONE, &help, N_("Show this help"), NULL },
    { NULL }
  };

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LK_LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_prgname ("latchkeyctl");

  description = describe_commands ();
  context = g_option_context_new (_("COMMAND [OPTION…]"));
  g_option_context_set_summary (context, _("Latchkey from the command line: one-time passwords, tokens and administration."));
  g_option_context_set_description (context, description);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_help_enabled (context, FALSE);
  /* Stop at the command name: everything after it belongs to the command. */
  g_option_context_set_strict_posix (context, TRUE);

  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      status = lk_cli_option_error (&ctx, error);
      goto out;
    }
  if (version)
    {
      g_print ("latchkeyctl %s\n", LK_VERSION);
      status = LK_CLI_EXIT_OK;
      goto out;
    }
  if (help)
    {
      g_autofree char *text = g_option_context_get_help (context, FALSE, NULL);

      g_print ("%s", text);
      status = LK_CLI_EXIT_OK;
      goto out;
    }
  if (argc < 2)
    {
      status = lk_cli_usage_error (&ctx, _("no command given; try “latchkeyctl --help”"));
      goto out;
    }

  name = argv[1];
  sub_argc = argc - 1;
  sub_argv = argv + 1;

  /* "latchkeyctl help code" is "latchkeyctl code --help". */
  if (g_str_equal (name, "help"))
    {
      if (argc < 3)
        {
          g_autofree char *text = g_option_context_get_help (context, FALSE, NULL);

          g_print ("%s", text);
          status = LK_CLI_EXIT_OK;
          goto out;
        }
      command = find_command (argv[2]);
      if (command == NULL)
        {
          status = lk_cli_usage_error (&ctx, _("unknown command “%s”; try “latchkeyctl --help”"), argv[2]);
          goto out;
        }
      {
        char *help_argv[] = { argv[2], (char *) "--help", NULL };

        ctx.command = command->name;
        status = command->run (&ctx, 2, help_argv);
      }
      goto out;
    }

  command = find_command (name);
  if (command == NULL)
    {
      status = lk_cli_usage_error (&ctx, _("unknown command “%s”; try “latchkeyctl --help”"), name);
      goto out;
    }
  ctx.command = command->name;
  status = command->run (&ctx, sub_argc, sub_argv);

out:
  lk_cli_context_clear (&ctx);
  return status;
}
