/* SPDX-License-Identifier: GPL-3.0-or-later
 * latchkeyctl token against a real gnome-keyring (run through lk-test-session.sh). */
#include "config.h"

#include <string.h>
#include <json-glib/json-glib.h>

typedef struct
{
  int   status;
  char *out;
  char *err;
} Run;

static void
run_clear (Run *run)
{
  g_free (run->out);
  g_free (run->err);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

/* Runs latchkeyctl with @args (NULL-terminated), @input on stdin, and
 * @bus (nullable) as the session bus address. */
static void
ctl (Run         *run,
     const char  *input,
     const char  *bus,
     ...)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                                                       G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                                       G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  const char *arg;
  va_list ap;

  g_ptr_array_add (argv, g_build_filename (g_getenv ("LK_BUILD_ROOT"), "src", "cli", "latchkeyctl", NULL));
  va_start (ap, bus);
  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (argv, g_strdup (arg));
  va_end (ap);
  g_ptr_array_add (argv, NULL);

  if (bus != NULL)
    g_subprocess_launcher_setenv (launcher, "DBUS_SESSION_BUS_ADDRESS", bus, TRUE);
  g_subprocess_launcher_unsetenv (launcher, "DISPLAY");
  proc = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, input, NULL, &run->out, &run->err, &error);
  g_assert_no_error (error);
  run->status = g_subprocess_get_exit_status (proc);
}

static JsonObject *
parse_object (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static void
test_cli_flow (void)
{
  g_auto(Run) add1 = { 0 }, add2 = { 0 }, list = { 0 }, code1 = { 0 }, code2 = { 0 };
  g_auto(Run) rename = { 0 }, remove = { 0 }, list2 = { 0 }, totp = { 0 };
  g_autoptr(JsonObject) listed = NULL;
  g_autoptr(JsonObject) totp_json = NULL;
  JsonArray *tokens;

  ctl (&add1, NULL, NULL, "token", "add", "otpauth://totp/ACME:alice?secret=JBSWY3DPEHPK3PXP&issuer=ACME", NULL);
  g_assert_cmpint (add1.status, ==, 0);
  /* From stdin, so the seed stays out of the process list. */
  ctl (&add2, "otpauth://hotp/Bank:bob?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=0&issuer=Bank\n", NULL,
       "token", "add", NULL);
  g_assert_cmpint (add2.status, ==, 0);

  ctl (&list, NULL, NULL, "--json", "token", "list", NULL);
  g_assert_cmpint (list.status, ==, 0);
  g_assert_null (strstr (list.out, "JBSWY3DP"));
  g_assert_null (strstr (list.out, "GEZDGNBV"));
  listed = parse_object (list.out);
  tokens = json_object_get_array_member (listed, "tokens");
  g_assert_cmpuint (json_array_get_length (tokens), ==, 2);

  /* HOTP: RFC 4226 codes for counters 0 and 1, the name matched without case. */
  ctl (&code1, NULL, NULL, "token", "code", "Bank:bob", NULL);
  g_assert_cmpint (code1.status, ==, 0);
  g_assert_cmpstr (code1.out, ==, "755224\n");
  ctl (&code2, NULL, NULL, "token", "code", "bank:BOB", NULL);
  g_assert_cmpstr (code2.out, ==, "287082\n");

  ctl (&totp, NULL, NULL, "token", "code", "--json", "ACME:alice", NULL);
  g_assert_cmpint (totp.status, ==, 0);
  totp_json = parse_object (totp.out);
  g_assert_cmpuint (strlen (json_object_get_string_member (totp_json, "code")), ==, 6);
  g_assert_cmpint (json_object_get_int_member (totp_json, "seconds_left"), >=, 1);
  g_assert_cmpint (json_object_get_int_member (totp_json, "seconds_left"), <=, 30);

  ctl (&rename, NULL, NULL, "token", "rename", "Bank:bob", "Big Bank:robert", NULL);
  g_assert_cmpint (rename.status, ==, 0);
  ctl (&remove, NULL, NULL, "token", "remove", "Big Bank:robert", NULL);
  g_assert_cmpint (remove.status, ==, 0);
  ctl (&list2, NULL, NULL, "token", "list", NULL);
  g_assert_nonnull (strstr (list2.out, "ACME:alice"));
  g_assert_null (strstr (list2.out, "Bank"));
}

static void
test_cli_bad_input (void)
{
  g_auto(Run) bad_secret = { 0 }, not_uri = { 0 }, missing = { 0 }, list = { 0 }, usage = { 0 };
  g_autoptr(JsonObject) listed = NULL;
  guint before;

  ctl (&list, NULL, NULL, "--json", "token", "list", NULL);
  listed = parse_object (list.out);
  before = json_array_get_length (json_object_get_array_member (listed, "tokens"));

  ctl (&bad_secret, NULL, NULL, "token", "add", "otpauth://totp/X:y?secret=11111111", NULL);
  g_assert_cmpint (bad_secret.status, ==, 2);
  g_assert_nonnull (strstr (bad_secret.err, "Base32"));
  ctl (&not_uri, NULL, NULL, "token", "add", "https://example.com/", NULL);
  g_assert_cmpint (not_uri.status, ==, 2);
  ctl (&missing, NULL, NULL, "token", "code", "Nobody:here", NULL);
  g_assert_cmpint (missing.status, ==, 1);
  g_assert_nonnull (strstr (missing.err, "Nobody:here"));
  ctl (&usage, NULL, NULL, "token", "rename", "only-one", NULL);
  g_assert_cmpint (usage.status, ==, 2);

  {
    g_auto(Run) after = { 0 };
    g_autoptr(JsonObject) again = NULL;

    ctl (&after, NULL, NULL, "--json", "token", "list", NULL);
    again = parse_object (after.out);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (again, "tokens")), ==, before);
  }
}

static void
test_cli_no_keyring (void)
{
  g_auto(Run) run = { 0 };

  /* No Secret Service: a plain explanation and exit 1, never a file. */
  ctl (&run, NULL, "unix:path=/nonexistent/lk-no-bus", "token", "list", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "gnome-keyring"));
  g_assert_nonnull (strstr (run.err, "never in plain files"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/wallet/cli/flow", test_cli_flow);
  g_test_add_func ("/wallet/cli/bad-input", test_cli_bad_input);
  g_test_add_func ("/wallet/cli/no-keyring", test_cli_no_keyring);

  return g_test_run ();
}
