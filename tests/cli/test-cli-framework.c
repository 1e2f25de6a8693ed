/* SPDX-License-Identifier: GPL-3.0-or-later
 * Tests the latchkeyctl framework other command groups build on: dispatch, options, errors, numbers. */
#include <string.h>
#include <glib.h>

#include "lk-cli.h"
#include "lk-core-error.h"

static int last_argc;
static char *last_argv0;
static char *last_db;
static gboolean last_json;
static char *last_name;

static int
record_run (LkCliContext *ctx,
            int           argc,
            char        **argv)
{
  char *name = NULL;
  int status = 0;
  const GOptionEntry entries[] = {
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, "A name", "NAME" },
    { NULL }
  };

  if (!lk_cli_parse_options (ctx, entries, "ARG", NULL, &argc, &argv, &status))
    return status;
  last_argc = argc;
  g_free (last_argv0);
  last_argv0 = g_strdup (argv[0]);
  g_free (last_db);
  last_db = g_strdup (ctx->db_path);
  last_json = ctx->json;
  g_free (last_name);
  last_name = name;
  return 7;
}

static const LkCliCommand group_commands[] = {
  { "list", "List things", record_run },
  { "add", "Add a thing", record_run },
  { NULL }
};

static int
run_group (LkCliContext *ctx,
           const char   *first,
           ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
  va_list ap;
  int status;

  g_ptr_array_add (args, g_strdup ("thing"));
  va_start (ap, first);
  for (const char *a = first; a != NULL; a = va_arg (ap, const char *))
    g_ptr_array_add (args, g_strdup (a));
  va_end (ap);
  {
    /* GOption rearranges argv, so it gets a shallow copy of the array. */
    int argc = (int) args->len;
    g_autofree char **argv = g_new0 (char *, args->len + 1);

    memcpy (argv, args->pdata, args->len * sizeof (char *));
    status = lk_cli_dispatch (ctx, "thing", "Things.", group_commands, argc, argv);
  }
  return status;
}

static void
test_dispatch (void)
{
  LkCliContext ctx = { 0 };

  ctx.command = "thing";
  /* The sub-command sees itself as argv[0], and its own options parse. */
  g_assert_cmpint (run_group (&ctx, "add", "--name", "x", "positional", NULL), ==, 7);
  g_assert_cmpstr (last_argv0, ==, "add");
  g_assert_cmpint (last_argc, ==, 2);
  g_assert_cmpstr (last_name, ==, "x");
  g_assert_cmpstr (ctx.command, ==, "thing");

  /* Global options after the command name reach the context. */
  g_assert_cmpint (run_group (&ctx, "list", "--db", "/tmp/x.db", "--json", NULL), ==, 7);
  g_assert_cmpstr (last_db, ==, "/tmp/x.db");
  g_assert_true (last_json);
  g_assert_cmpstr (ctx.db_path, ==, "/tmp/x.db");

  /* A later --db replaces the earlier one without leaking it. */
  g_assert_cmpint (run_group (&ctx, "list", "--db=/tmp/y.db", NULL), ==, 7);
  g_assert_cmpstr (ctx.db_path, ==, "/tmp/y.db");

  lk_cli_context_clear (&ctx);
  g_assert_null (ctx.db_path);
  g_clear_pointer (&last_argv0, g_free);
  g_clear_pointer (&last_db, g_free);
  g_clear_pointer (&last_name, g_free);
}

typedef struct
{
  const char *args[4];
  gboolean    passes;
  const char *out;
  const char *err;
} OutputCase;

static const OutputCase output_cases[] = {
  { { "frob" }, FALSE, "", "latchkeyctl thing: unknown command *frob*" },
  { { "--help" }, TRUE, "*latchkeyctl thing COMMAND*list*List things*add*Add a thing*", "" },
  { { NULL }, FALSE, "", "latchkeyctl thing: give a command: list, add; try *latchkeyctl thing --help*\n" },
  /* A mistyped option's value (maybe a seed) is not repeated. */
  { { "add", "--nmae=secret" }, FALSE, "", "latchkeyctl thing add: Unknown option --nmae\n" },
  { { "add", "--help" }, TRUE, "*latchkeyctl thing add*--db=PATH*--server=URL*--account=NAME*--json*--name=NAME*", "" },
};

static void
test_dispatch_output (gconstpointer data)
{
  const OutputCase *c = data;

  if (g_test_subprocess ())
    {
      LkCliContext ctx = { 0 };
      int status = run_group (&ctx, c->args[0], c->args[1], c->args[2], NULL);

      lk_cli_context_clear (&ctx);
      g_free (last_argv0);
      g_free (last_db);
      g_free (last_name);
      exit (status);
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  if (c->passes)
    g_test_trap_assert_passed ();
  else
    g_test_trap_assert_failed ();
  g_test_trap_assert_stdout (c->out);
  g_test_trap_assert_stderr (c->err);
}

static void
test_exit_codes (void)
{
  if (g_test_subprocess ())
    {
      LkCliContext ctx = { .command = "x" };
      g_autoptr(GError) usage = g_error_new_literal (LK_CLI_ERROR, LK_CLI_ERROR_USAGE, "u");
      g_autoptr(GError) failed = g_error_new_literal (LK_CLI_ERROR, LK_CLI_ERROR_FAILED, "f");
      g_autoptr(GError) uri = g_error_new_literal (LK_CORE_ERROR, LK_CORE_ERROR_URI, "bad\nlink");
      g_autoptr(GError) crypto = g_error_new_literal (LK_CORE_ERROR, LK_CORE_ERROR_CRYPTO, "c");
      g_autoptr(GError) io = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "io");

      g_assert_cmpint (lk_cli_report_error (&ctx, usage), ==, LK_CLI_EXIT_USAGE);
      g_assert_cmpint (lk_cli_report_error (&ctx, failed), ==, LK_CLI_EXIT_FAILURE);
      g_assert_cmpint (lk_cli_report_error (&ctx, uri), ==, LK_CLI_EXIT_USAGE);
      g_assert_cmpint (lk_cli_report_error (&ctx, crypto), ==, LK_CLI_EXIT_FAILURE);
      g_assert_cmpint (lk_cli_report_error (&ctx, io), ==, LK_CLI_EXIT_FAILURE);
      g_assert_cmpint (lk_cli_usage_error (&ctx, "n=%d", 3), ==, LK_CLI_EXIT_USAGE);
      exit (0);
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  /* Every message is one line, prefixed with the command. */
  g_test_trap_assert_stderr ("latchkeyctl x: u\nlatchkeyctl x: f\nlatchkeyctl x: bad link\n"
                             "latchkeyctl x: c\nlatchkeyctl x: io\nlatchkeyctl x: n=3\n");
}

static void
test_numbers (void)
{
  guint64 u = 0;
  gint64 s = 0;

  g_assert_true (lk_cli_parse_uint64 ("0", &u));
  g_assert_cmpuint (u, ==, 0);
  g_assert_true (lk_cli_parse_uint64 ("18446744073709551615", &u));
  g_assert_cmpuint (u, ==, G_MAXUINT64);
  g_assert_false (lk_cli_parse_uint64 ("18446744073709551616", &u));
  g_assert_false (lk_cli_parse_uint64 ("-1", &u));
  g_assert_false (lk_cli_parse_uint64 ("+1", &u));
  g_assert_false (lk_cli_parse_uint64 (" 1", &u));
  g_assert_false (lk_cli_parse_uint64 ("1x", &u));
  g_assert_false (lk_cli_parse_uint64 ("", &u));
  g_assert_false (lk_cli_parse_uint64 (NULL, &u));

  g_assert_true (lk_cli_parse_int64 ("-9223372036854775808", &s));
  g_assert_cmpint (s, ==, G_MININT64);
  g_assert_true (lk_cli_parse_int64 ("42", &s));
  g_assert_cmpint (s, ==, 42);
  g_assert_false (lk_cli_parse_int64 ("9223372036854775808", &s));
  g_assert_false (lk_cli_parse_int64 ("-", &s));
  g_assert_false (lk_cli_parse_int64 ("--1", &s));
  g_assert_false (lk_cli_parse_int64 ("1.5", &s));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_set_prgname ("latchkeyctl");

  g_test_add_func ("/cli/framework/dispatch", test_dispatch);
  for (gsize i = 0; i < G_N_ELEMENTS (output_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/cli/framework/dispatch-output/%" G_GSIZE_FORMAT, i);

      g_test_add_data_func (path, &output_cases[i], test_dispatch_output);
    }
  g_test_add_func ("/cli/framework/exit-codes", test_exit_codes);
  g_test_add_func ("/cli/framework/numbers", test_numbers);

  return g_test_run ();
}
