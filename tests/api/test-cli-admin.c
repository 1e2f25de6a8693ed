/* SPDX-License-Identifier: GPL-3.0-or-later
 * Tests of latchkeyctl's administration commands: the built program run
 * through a whole helpdesk flow, on a database in a temporary directory
 * (--db), or with LK_TEST_BACKEND=remote on a real latchkeyd (--server, as
 * lk-with-server sets up: LK_TEST_SERVER_URL, LK_TEST_SERVER_CERT,
 * LK_TEST_ACCOUNT, LK_TEST_ACCOUNT_KEY). The same commands, the same
 * expectations. The program's path comes in LK_LATCHKEYCTL. */
#include "config.h"

#include <string.h>
#include <sys/stat.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "lk-otp.h"

typedef struct
{
  char     *dir;
  char     *db;
  char     *account_key;
  GStrv     target;    /* --db … or --server … --tls-cert …, then --account … */
  gboolean  remote;
  char     *prefix;    /* unique user and serial names per test case */
} Fixture;

typedef struct
{
  int   status;
  char *out;
  char *err;
} Run;

static void
run_clear (Run *run)
{
  g_clear_pointer (&run->out, g_free);
  g_clear_pointer (&run->err, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

/* Runs latchkeyctl ARGS… --db DB --account acme (or the --server options) with the account key in the
 * environment (unless @key is NULL) and stdin from /dev/null. */
static void
ctl (Fixture    *f,
     Run        *run,
     const char *key,
     ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_auto(GStrv) envp = g_get_environ ();
  g_autoptr(GError) error = NULL;
  int wait_status = 0;
  const char *arg;
  va_list args;

  g_ptr_array_add (argv, (gpointer) g_getenv ("LK_LATCHKEYCTL"));
  va_start (args, key);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  /* After the command: --tls-cert and --key-file are the command's options. */
  for (guint i = 0; f->target[i] != NULL; i++)
    g_ptr_array_add (argv, f->target[i]);
  g_ptr_array_add (argv, NULL);

  envp = g_environ_unsetenv (envp, "LATCHKEY_ACCOUNT_KEY");
  if (key != NULL)
    envp = g_environ_setenv (envp, "LATCHKEY_ACCOUNT_KEY", key, TRUE);
  /* No session bus: the keyring fallback must not be what makes it work. */
  envp = g_environ_unsetenv (envp, "DBUS_SESSION_BUS_ADDRESS");

  run_clear (run);
  g_assert_true (g_spawn_sync (f->dir, (char **) argv->pdata, envp, G_SPAWN_STDIN_FROM_DEV_NULL, NULL, NULL,
                               &run->out, &run->err, &wait_status, &error));
  g_assert_no_error (error);
  run->status = WIFEXITED (wait_status) ? WEXITSTATUS (wait_status) : -1;
  g_test_message ("exit %d\nstdout: %s\nstderr: %s", run->status, run->out, run->err);
}

static JsonObject *
parse_json (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonNode *root;

  g_assert_true (json_parser_load_from_data (parser, text, -1, &error));
  g_assert_no_error (error);
  root = json_parser_get_root (parser);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  return json_object_ref (json_node_get_object (root));
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_auto(Run) run = { 0 };
  g_autoptr(JsonObject) created = NULL;

  f->dir = g_dir_make_tmp ("lk-cli-admin-XXXXXX", &error);
  g_assert_no_error (error);
  f->db = g_build_filename (f->dir, "helpdesk.db", NULL);
  f->prefix = g_strdup_printf ("t%06x", g_random_int_range (0, 0xffffff));
  f->remote = g_strcmp0 (g_getenv ("LK_TEST_BACKEND"), "remote") == 0;

  if (f->remote)
    {
      const char *target[] = { "--server", g_getenv ("LK_TEST_SERVER_URL"), "--tls-cert",
                               g_getenv ("LK_TEST_SERVER_CERT"), "--account", g_getenv ("LK_TEST_ACCOUNT"), NULL };

      f->target = g_strdupv ((char **) target);
      f->account_key = g_strdup (g_getenv ("LK_TEST_ACCOUNT_KEY"));
      return;
    }
  {
    const char *target[] = { "--db", f->db, "--account", "acme", NULL };

    f->target = g_strdupv ((char **) target);
  }

  /* The key is generated and printed once. */
  ctl (f, &run, NULL, "--json", "account", "create", "acme", NULL);
  g_assert_cmpint (run.status, ==, 0);
  created = parse_json (run.out);
  g_assert_cmpstr (json_object_get_string_member (created, "account"), ==, "acme");
  f->account_key = g_strdup (json_object_get_string_member (created, "accountKey"));
  g_assert_cmpuint (strlen (f->account_key), >=, 24);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GDir) dir = g_dir_open (f->dir, 0, NULL);
  const char *entry;

  while (dir != NULL && (entry = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (f->dir, entry, NULL);

      g_remove (child);
    }
  g_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->db);
  g_free (f->account_key);
  g_free (f->prefix);
  g_strfreev (f->target);
}

/* A user or serial name of this test case. */
static char *
n (Fixture    *f,
   const char *name)
{
  return g_strdup_printf ("%s-%s", f->prefix, name);
}

static char *
hotp (guint64 counter)
{
  g_autoptr(LkOtpKey) key = lk_otp_key_new (LK_HASH_SHA1, (const guint8 *) "12345678901234567890", 20, NULL);
  char code[LK_OTP_CODE_SIZE];

  lk_hotp_generate (key, counter, 6, code);
  return g_strdup (code);
}

static void
test_flow (Fixture       *f,
           gconstpointer  data)
{
  g_auto(Run) run = { 0 };
  g_autofree char *png = g_build_filename (f->dir, "fob.png", NULL);
  g_autofree char *svg = g_build_filename (f->dir, "fob.svg", NULL);
  g_autofree char *c0 = hotp (0), *c1 = hotp (1), *c2 = hotp (2), *c3 = hotp (3);
  g_autofree char *c50 = hotp (50), *c51 = hotp (51), *c52 = hotp (52);
  const char *key = f->account_key;
  g_autofree char *mandy = n (f, "mandy");
  g_autofree char *fob = n (f, "FOB-1");
  g_autofree char *enrolled = g_strdup_printf ("Enrolled user %s.", mandy);
  g_autofree char *added = g_strdup_printf ("Added device %s (new).", fob);
  GStatBuf st;

  /* Enrol with a generated password, shown once. */
  ctl (f, &run, key, "user", "enroll", mandy, "--first-name", "Mandy", "--email", "mandy@example.com", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, enrolled));
  g_assert_nonnull (strstr (run.out, "Generated password (shown once): "));

  /* The RFC 4226 key fob. */
  ctl (f, &run, key, "device", "add", "--user", mandy, "--device-type", "hardware", "--otp-type", "event",
       "--serial", fob, "--key-hex", "3132333435363738393031323334353637383930", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, added));

  /* The QR code of the new device, as files only the owner can read. */
  ctl (f, &run, key, "device", "qrcode", fob, "--png", png, "--svg", svg, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpint (g_stat (png, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (st.st_size, >, 100);
  {
    g_autofree char *text = NULL;

    g_assert_true (g_file_get_contents (svg, &text, NULL, NULL));
    g_assert_nonnull (strstr (text, "<svg"));
  }
  ctl (f, &run, key, "device", "qrcode", fob, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_true (g_str_has_prefix (run.out, "otpauth://hotp/"));

  /* Activation with the first two codes, then real codes validate once. */
  ctl (f, &run, key, "device", "activate", fob, c0, c1, NULL);
  g_assert_cmpint (run.status, ==, 0);
  ctl (f, &run, key, "otp", "validate", mandy, c2, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, fob));
  ctl (f, &run, key, "otp", "validate", mandy, c2, NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "9002"));
  g_assert_true (strchr (run.err, '\n') == run.err + strlen (run.err) - 1);

  /* --json is one object with the API's members. */
  ctl (f, &run, key, "--json", "otp", "validate", mandy, c3, "--serial", fob, NULL);
  g_assert_cmpint (run.status, ==, 0);
  {
    g_autoptr(JsonObject) answer = parse_json (run.out);

    g_assert_cmpint (json_object_get_int_member (answer, "errorCode"), ==, 0);
    g_assert_cmpstr (json_object_get_string_member (answer, "type"), ==, "validate_oath_otp");
    g_assert_cmpstr (json_object_get_string_member (answer, "deviceId"), ==, fob);
  }
  ctl (f, &run, key, "--json", "otp", "validate", mandy, "000000", NULL);
  g_assert_cmpint (run.status, ==, 1);
  {
    g_autoptr(JsonObject) answer = parse_json (run.out);

    g_assert_cmpint (json_object_get_int_member (answer, "errorCode"), ==, 9003);
  }

  /* Resynchronise far ahead. */
  ctl (f, &run, key, "otp", "validate", mandy, c50, NULL);
  g_assert_cmpint (run.status, ==, 1);
  ctl (f, &run, key, "device", "sync", fob, c50, c51, NULL);
  g_assert_cmpint (run.status, ==, 0);
  ctl (f, &run, key, "otp", "validate", mandy, c52, NULL);
  g_assert_cmpint (run.status, ==, 0);

  /* Lists, as JSON. */
  ctl (f, &run, key, "--json", "user", "list", "--search", f->prefix, NULL);
  g_assert_cmpint (run.status, ==, 0);
  {
    g_autoptr(JsonObject) answer = parse_json (run.out);
    JsonArray *users = json_object_get_array_member (answer, "users");

    g_assert_cmpint (json_object_get_int_member (answer, "total"), ==, 1);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (users, 0), "username"),
                     ==, mandy);
  }
  ctl (f, &run, key, "--json", "device", "list", "--user", mandy, NULL);
  g_assert_cmpint (run.status, ==, 0);
  {
    g_autoptr(JsonObject) answer = parse_json (run.out);
    JsonObject *device = json_array_get_object_element (json_object_get_array_member (answer, "devices"), 0);

    g_assert_cmpstr (json_object_get_string_member (device, "deviceId"), ==, fob);
    g_assert_cmpstr (json_object_get_string_member (device, "state"), ==, "active");
    /* The seed is never printed. */
    g_assert_null (strstr (run.out, "3132333435"));
  }

  /* Disable the device, then the user; the audit shows all of it. */
  ctl (f, &run, key, "device", "disable", fob, NULL);
  g_assert_cmpint (run.status, ==, 0);
  ctl (f, &run, key, "otp", "validate", mandy, c3, NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "9028"));
  ctl (f, &run, key, "device", "enable", fob, NULL);
  g_assert_cmpint (run.status, ==, 0);
  ctl (f, &run, key, "user", "audit", mandy, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "sync_oath_device"));
  ctl (f, &run, key, "user", "delete", mandy, NULL);
  g_assert_cmpint (run.status, ==, 0);
  ctl (f, &run, key, "device", "find", fob, NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "9021"));
}

static void
test_user_commands (Fixture       *f,
                    gconstpointer  data)
{
  g_auto(Run) run = { 0 };
  const char *key = f->account_key;
  g_autofree char *zed = n (f, "zed");

  ctl (f, &run, key, "user", "enroll", zed, "--password", "Zed-pa55word", "--device", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_null (strstr (run.out, "Generated password"));
  g_assert_nonnull (strstr (run.out, "Added device "));

  ctl (f, &run, key, "user", "update", zed, "--last-name", "Zedson", "--phone", "+15550100", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "Zedson"));

  ctl (f, &run, key, "user", "validate", zed, "--password", "Zed-pa55word", NULL);
  g_assert_cmpint (run.status, ==, 0);
  ctl (f, &run, key, "user", "validate", zed, "--password", "wrong", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "9001"));
  ctl (f, &run, key, "user", "disable", zed, NULL);
  g_assert_cmpint (run.status, ==, 0);
  ctl (f, &run, key, "user", "validate", zed, "--password", "Zed-pa55word", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "9007"));
  ctl (f, &run, key, "--json", "user", "find", zed, NULL);
  g_assert_cmpint (run.status, ==, 0);
  {
    g_autoptr(JsonObject) answer = parse_json (run.out);

    g_assert_false (json_object_get_boolean_member (answer, "enabled"));
    g_assert_cmpstr (json_object_get_string_member (answer, "lastName"), ==, "Zedson");
  }
  ctl (f, &run, key, "user", "enroll", zed, NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "9504"));
}

static void
test_bad_input (Fixture       *f,
                gconstpointer  data)
{
  g_auto(Run) run = { 0 };
  const char *key = f->account_key;

  /* Each: one line on stderr, exit 2, nothing on stdout. */
  ctl (f, &run, key, "device", "add", "--otp-type", "sometimes", NULL);
  g_assert_cmpint (run.status, ==, 2);
  g_assert_cmpstr (run.out, ==, "");
  g_assert_true (strchr (run.err, '\n') == run.err + strlen (run.err) - 1);

  ctl (f, &run, key, "device", "add", "--digits", "six", NULL);
  g_assert_cmpint (run.status, ==, 2);
  ctl (f, &run, key, "device", "add", "--key-hex", "zz", NULL);
  g_assert_cmpint (run.status, ==, 2);
  g_assert_nonnull (strstr (run.err, "9501"));
  ctl (f, &run, key, "device", "activate", "FOB-1", "123456", NULL);
  g_assert_cmpint (run.status, ==, 2);
  ctl (f, &run, key, "otp", "send", "someone", "--method", "fax", NULL);
  g_assert_cmpint (run.status, ==, 2);
  ctl (f, &run, key, "user", "frobnicate", NULL);
  g_assert_cmpint (run.status, ==, 2);
  ctl (f, &run, key, "user", "list", "--limit", "5000", NULL);
  g_assert_cmpint (run.status, ==, 2);

  /* No account key anywhere. */
  ctl (f, &run, NULL, "user", "list", NULL);
  g_assert_cmpint (run.status, ==, 2);
  g_assert_nonnull (strstr (run.err, "LATCHKEY_ACCOUNT_KEY"));

  /* A wrong account key is an operation error with the vendor's code. */
  ctl (f, &run, "not-the-key", "user", "list", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "9000"));
  g_assert_null (strstr (run.err, "not-the-key"));

  /* An account exists once. */
  ctl (f, &run, "another-key-123", "account", "create", "acme", NULL);
  if (f->remote)
    {
      /* Never over the network: the server's own database only. */
      g_assert_cmpint (run.status, ==, 2);
      g_assert_nonnull (strstr (run.err, "--db"));
    }
  else
    {
      g_assert_cmpint (run.status, ==, 1);
      g_assert_nonnull (strstr (run.err, "9506"));
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  if (g_getenv ("LK_LATCHKEYCTL") == NULL)
    {
      g_printerr ("LK_LATCHKEYCTL must name the latchkeyctl to test\n");
      return 1;
    }

  g_test_add ("/api/cli/flow", Fixture, NULL, fixture_set_up, test_flow, fixture_tear_down);
  g_test_add ("/api/cli/user-commands", Fixture, NULL, fixture_set_up, test_user_commands, fixture_tear_down);
  g_test_add ("/api/cli/bad-input", Fixture, NULL, fixture_set_up, test_bad_input, fixture_tear_down);

  return g_test_run ();
}
