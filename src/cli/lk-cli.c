/* SPDX-License-Identifier: GPL-3.0-or-later
 * Helpers shared by every latchkeyctl command: option parsing, dispatch, errors, JSON output. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <glib/gi18n.h>

#include "lk-cli.h"
#include "lk-core-error.h"
#include "lk-secure.h"

G_DEFINE_QUARK (lk-cli-error-quark, lk_cli_error)

void
lk_cli_context_clear (LkCliContext *ctx)
{
  g_clear_pointer (&ctx->db_path, g_free);
  g_clear_pointer (&ctx->server_url, g_free);
  g_clear_pointer (&ctx->account, g_free);
}

/* Writes @message on stderr as a single line: scripts and helpdesk logs
 * read the first line only. */
static void
print_one_line (LkCliContext *ctx,
                const char   *message)
{
  g_autofree char *line = g_strdup (message);

  g_strdelimit (line, "\r\n", ' ');
  g_printerr ("latchkeyctl%s%s: %s\n",
              ctx->command ? " " : "", ctx->command ? ctx->command : "", line);
}

int
lk_cli_usage_error (LkCliContext *ctx,
                    const char   *format,
                    ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  print_one_line (ctx, message);
  return LK_CLI_EXIT_USAGE;
}

int
lk_cli_option_error (LkCliContext *ctx,
                     const GError *error)
{
  g_autofree char *message = g_strdup (error->message);
  char *option = strstr (message, "--");
  char *eq = option != NULL ? strchr (option, '=') : NULL;

  /* "Unknown option --secrt=JBSW…" must not repeat a mistyped secret. */
  if (eq != NULL)
    *eq = '\0';
  return lk_cli_usage_error (ctx, "%s", message);
}

int
lk_cli_report_error (LkCliContext *ctx,
                     const GError *error)
{
  print_one_line (ctx, error->message);

  if (error->domain == LK_CLI_ERROR)
    return error->code == LK_CLI_ERROR_USAGE ? LK_CLI_EXIT_USAGE : LK_CLI_EXIT_FAILURE;
  if (error->domain == G_OPTION_ERROR)
    return LK_CLI_EXIT_USAGE;
  /* Core errors are about what the person typed (a URI, a Base32 seed, a
   * digit count), except for a failing crypto library. */
  if (error->domain == LK_CORE_ERROR)
    return error->code == LK_CORE_ERROR_CRYPTO ? LK_CLI_EXIT_FAILURE : LK_CLI_EXIT_USAGE;
  return LK_CLI_EXIT_FAILURE;
}

void
lk_cli_print_json (LkCliContext *ctx,
                   JsonNode     *node)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_root (generator, node);
  json_generator_set_pretty (generator, FALSE);
  text = json_generator_to_data (generator, NULL);
  g_print ("%s\n", text);
  /* The object may hold a seed (uri --json). */
  lk_secure_wipe (text, strlen (text));
}

gboolean
lk_cli_parse_uint64 (const char *text,
                     guint64    *out_value)
{
  guint64 value;
  char *end = NULL;

  if (text == NULL || !g_ascii_isdigit (text[0]))
    return FALSE;
  errno = 0;
  value = g_ascii_strtoull (text, &end, 10);
  if (errno != 0 || *end != '\0')
    return FALSE;
  *out_value = value;
  return TRUE;
}

gboolean
lk_cli_parse_int64 (const char *text,
                    gint64     *out_value)
{
  gint64 value;
  char *end = NULL;
  const char *digits = text;

  if (text == NULL)
    return FALSE;
  if (*digits == '-')
    digits++;
  if (!g_ascii_isdigit (digits[0]))
    return FALSE;
  errno = 0;
  value = g_ascii_strtoll (text, &end, 10);
  if (errno != 0 || *end != '\0')
    return FALSE;
  *out_value = value;
  return TRUE;
}

/* Replaces a context string when the option was given on this level. */
static void
take_global (char **slot,
             char  *value)
{
  if (value == NULL)
    return;
  g_free (*slot);
  *slot = value;
}

gboolean
lk_cli_parse_options (LkCliContext        *ctx,
                      const GOptionEntry  *entries,
                      const char          *parameter_string,
                      const char          *description,
                      int                 *argc,
                      char              ***argv,
                      int                 *exit_status)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *usage = NULL;
  g_autofree char *prgname = NULL;
  char *db_path = NULL, *server_url = NULL, *account = NULL;
  gboolean json = FALSE, help = FALSE;
  GOptionGroup *global;
  const GOptionEntry help_entries[] = {
    { "help", 'h', 0, G_OPTION_ARG_NONE, &help, N_("Show this help"), NULL },
    { NULL }
  };
  const GOptionEntry global_entries[] = {
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db_path, N_("Use the embedded engine's database at PATH"), N_("PATH") },
    { "server", 0, 0, G_OPTION_ARG_STRING, &server_url, N_("Use the latchkeyd server at URL"), N_("URL") },
    { "account", 0, 0, G_OPTION_ARG_STRING, &account, N_("Partner account NAME on the server"), N_("NAME") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print machine-readable JSON on stdout"), NULL },
    { NULL }
  };
  gboolean ok;

  /* Help text reads "latchkeyctl code [OPTION…] URI". */
  prgname = g_strdup (g_get_prgname ());
  usage = g_strdup_printf ("latchkeyctl %s", ctx->command ? ctx->command : "");
  context = g_option_context_new (parameter_string);
  g_option_context_set_help_enabled (context, FALSE);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  if (entries != NULL)
    g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, help_entries, GETTEXT_PACKAGE);
  global = g_option_group_new ("global", _("Global options:"), _("Show the global options"), NULL, NULL);
  g_option_group_add_entries (global, global_entries);
  g_option_group_set_translation_domain (global, GETTEXT_PACKAGE);
  g_option_context_add_group (context, global);
  if (description != NULL)
    g_option_context_set_description (context, description);

  ok = g_option_context_parse (context, argc, argv, &error);
  take_global (&ctx->db_path, db_path);
  take_global (&ctx->server_url, server_url);
  take_global (&ctx->account, account);
  ctx->json = ctx->json || json;

  if (!ok)
    {
      *exit_status = lk_cli_option_error (ctx, error);
      return FALSE;
    }
  if (help)
    {
      g_autofree char *text = NULL;

      g_set_prgname (usage);
      text = g_option_context_get_help (context, FALSE, NULL);
      g_set_prgname (prgname);
      g_print ("%s", text);
      *exit_status = LK_CLI_EXIT_OK;
      return FALSE;
    }
  return TRUE;
}

static void
print_command_list (GString            *out,
                    const LkCliCommand *commands)
{
  gsize width = 0;

  for (const LkCliCommand *c = commands; c->name != NULL; c++)
    width = MAX (width, strlen (c->name));
  for (const LkCliCommand *c = commands; c->name != NULL; c++)
    g_string_append_printf (out, "  %-*s  %s\n", (int) width, c->name, _(c->summary));
}

int
lk_cli_dispatch (LkCliContext        *ctx,
                 const char          *group,
                 const char          *summary,
                 const LkCliCommand  *commands,
                 int                  argc,
                 char               **argv)
{
  const char *name = argc > 1 ? argv[1] : NULL;
  g_autofree char *full_name = NULL;
  const char *parent = ctx->command;
  int status;

  if (name == NULL)
    {
      g_autoptr(GString) names = g_string_new (NULL);

      for (const LkCliCommand *c = commands; c->name != NULL; c++)
        g_string_append_printf (names, "%s%s", names->len ? ", " : "", c->name);
      ctx->command = group;
      status = lk_cli_usage_error (ctx, _("give a command: %s; try “latchkeyctl %s --help”"), names->str, group);
      ctx->command = parent;
      return status;
    }
  if (g_str_equal (name, "--help") || g_str_equal (name, "-h") || g_str_equal (name, "help"))
    {
      g_autoptr(GString) out = g_string_new (NULL);

      g_string_append_printf (out, _("Usage:\n  latchkeyctl %s COMMAND [OPTION…]\n\n%s\n\nCommands:\n"),
                              group, _(summary));
      print_command_list (out, commands);
      g_string_append_printf (out, _("\nRun “latchkeyctl %s COMMAND --help” for the options of each command.\n"), group);
      g_print ("%s", out->str);
      return LK_CLI_EXIT_OK;
    }

  for (const LkCliCommand *c = commands; c->name != NULL; c++)
    {
      if (!g_str_equal (c->name, name))
        continue;
      full_name = g_strdup_printf ("%s %s", group, name);
      ctx->command = full_name;
      status = c->run (ctx, argc - 1, argv + 1);
      ctx->command = parent;
      return status;
    }

  ctx->command = group;
  status = lk_cli_usage_error (ctx, _("unknown command “%s”; try “latchkeyctl %s --help”"), name, group);
  ctx->command = parent;
  return status;
}
