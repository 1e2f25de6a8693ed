/* SPDX-License-Identifier: GPL-3.0-or-later
 * The latchkeyctl command framework: the command table, the shared context and helpers.
 *
 * Adding a command group:
 *   1. write src/cli/lk-cli-<group>.c with `int lk_cli_<group>_run (LkCliContext *ctx, int argc, char **argv)`
 *      and declare it below (one line in the "Command groups" list);
 *   2. add the file to cli_sources in src/cli/meson.build;
 *   3. add one line to the table in src/cli/main.c.
 * A group with sub-commands ("token list", "token add" …) keeps its own
 * LkCliCommand array and calls lk_cli_dispatch() with it. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define LK_CLI_ERROR (lk_cli_error_quark ())

typedef enum
{
  LK_CLI_ERROR_USAGE,      /* a bad option or argument on the command line */
  LK_CLI_ERROR_FAILED,     /* the operation itself failed */
} LkCliError;

GQuark lk_cli_error_quark (void);

/* Process exit statuses every command uses. */
typedef enum
{
  LK_CLI_EXIT_OK      = 0,  /* done */
  LK_CLI_EXIT_FAILURE = 1,  /* the operation failed or said no (server error, wrong OTP …) */
  LK_CLI_EXIT_USAGE   = 2,  /* bad input: unknown option, malformed URI, out-of-range value */
} LkCliExit;

/* Options given before (or after) the command name, shared by every command.
 * Strings are owned by the context; NULL when not given. */
typedef struct
{
  char     *db_path;      /* --db PATH: the embedded engine's database */
  char     *server_url;   /* --server URL: a remote latchkeyd */
  char     *account;      /* --account NAME: the partner account on that server */
  gboolean  json;         /* --json: machine-readable output on stdout */
  const char *command;    /* the full command name being run, e.g. "token list" */
} LkCliContext;

/* Runs one command. @argv[0] is the command name; the rest are its
 * arguments and options. Returns an LkCliExit value. */
typedef int (*LkCliRunFunc) (LkCliContext *ctx,
                             int           argc,
                             char        **argv);

typedef struct
{
  const char   *name;      /* "code", "token", "account" … */
  const char   *summary;   /* one line for --help, marked with N_() */
  LkCliRunFunc  run;
} LkCliCommand;

/* Looks up @argv[1] in @commands (terminated by a { NULL } entry) and runs it
 * with argv shifted by one, so the sub-command sees itself as argv[0].
 * @group is the group's name ("token"); "--help" or "help" print the group's
 * sub-commands (exit 0). No name or an unknown one is a usage error: one
 * line on stderr, exit 2. */
int       lk_cli_dispatch       (LkCliContext        *ctx,
                                 const char          *group,
                                 const char          *summary,
                                 const LkCliCommand  *commands,
                                 int                  argc,
                                 char               **argv);

/* Parses the options of one command with GOption. The global options
 * (--db, --server, --account, --json) are accepted here too, so they may
 * come after the command name. @parameter_string is shown after the
 * command name in --help (e.g. "URI"); @description is shown below the
 * options (may be NULL). On success @argc/@argv hold the remaining
 * positional arguments (argv[0] is still the command). "--help" prints the
 * help and sets *@exit_status to 0; a parse error prints one line on stderr
 * and sets it to 2. Returns FALSE in both cases: return *@exit_status. */
gboolean  lk_cli_parse_options  (LkCliContext        *ctx,
                                 const GOptionEntry  *entries,
                                 const char          *parameter_string,
                                 const char          *description,
                                 int                 *argc,
                                 char              ***argv,
                                 int                 *exit_status);

/* Prints "latchkeyctl COMMAND: MESSAGE" on stderr as one line and returns
 * LK_CLI_EXIT_USAGE. */
int       lk_cli_usage_error    (LkCliContext        *ctx,
                                 const char          *format,
                                 ...) G_GNUC_PRINTF (2, 3);

/* Prints a GOption parse error as a usage error (exit 2), leaving out any
 * "=value" after the option name so a mistyped --secret=… is not echoed. */
int       lk_cli_option_error   (LkCliContext        *ctx,
                                 const GError        *error);

/* Prints @error's message on one line on stderr and returns the exit status
 * for it: LK_CLI_EXIT_USAGE for LK_CLI_ERROR_USAGE and for core parse
 * errors (bad Base32, bad URI, bad argument), LK_CLI_EXIT_FAILURE otherwise. */
int       lk_cli_report_error   (LkCliContext        *ctx,
                                 const GError        *error);

/* Prints @node (usually an object) as one line of JSON on stdout. */
void      lk_cli_print_json     (LkCliContext        *ctx,
                                 JsonNode            *node);

/* Parses a whole decimal number; FALSE for empty, signs, junk or overflow. */
gboolean  lk_cli_parse_uint64   (const char          *text,
                                 guint64             *out_value);
gboolean  lk_cli_parse_int64    (const char          *text,
                                 gint64              *out_value);

void      lk_cli_context_clear  (LkCliContext        *ctx);

/* Command groups (one line each; keep in the order of the table in main.c). */
int lk_cli_code_run (LkCliContext *ctx, int argc, char **argv);
int lk_cli_uri_run  (LkCliContext *ctx, int argc, char **argv);
int lk_cli_token_run (LkCliContext *ctx, int argc, char **argv);
int lk_cli_account_run (LkCliContext *ctx, int argc, char **argv);
int lk_cli_user_run    (LkCliContext *ctx, int argc, char **argv);
int lk_cli_device_run  (LkCliContext *ctx, int argc, char **argv);
int lk_cli_otp_run     (LkCliContext *ctx, int argc, char **argv);
int lk_cli_licence_run    (LkCliContext *ctx, int argc, char **argv);
int lk_cli_activation_run (LkCliContext *ctx, int argc, char **argv);
int lk_cli_instance_run   (LkCliContext *ctx, int argc, char **argv);
int lk_cli_import_run     (LkCliContext *ctx, int argc, char **argv);
int lk_cli_export_run     (LkCliContext *ctx, int argc, char **argv);
/* "token activate", a sub-command of the token group (lk-cli-activation.c). */
int lk_cli_token_activate_run (LkCliContext *ctx, int argc, char **argv);

G_END_DECLS
