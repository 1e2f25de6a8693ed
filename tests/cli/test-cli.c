/* SPDX-License-Identifier: GPL-3.0-or-later
 * Tests latchkeyctl's code and uri commands and its framework by running the built program. */
#include <string.h>
#include <glib.h>
#include <json-glib/json-glib.h>

static const char *latchkeyctl;

#define RFC_KEY_20 "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
#define RFC_KEY_32 "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA"
#define RFC_KEY_64 "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNA"

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

/* Runs latchkeyctl with the NULL-terminated arguments. */
static void
run_ctl (Run        *run,
         const char *first,
         ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  int wait_status = 0;
  va_list args;

  g_ptr_array_add (argv, (gpointer) latchkeyctl);
  va_start (args, first);
  for (const char *a = first; a != NULL; a = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) a);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                &run->out, &run->err, &wait_status, &error);
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (wait_status));
  run->status = WEXITSTATUS (wait_status);
}

static void
assert_code (const char *expected,
             const char *first,
             ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *line = g_strconcat (expected, "\n", NULL);
  int wait_status = 0;
  va_list args;

  g_ptr_array_add (argv, (gpointer) latchkeyctl);
  g_ptr_array_add (argv, (gpointer) "code");
  va_start (args, first);
  for (const char *a = first; a != NULL; a = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) a);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &wait_status, &error);
  g_assert_no_error (error);
  if (!WIFEXITED (wait_status) || WEXITSTATUS (wait_status) != 0)
    g_error ("latchkeyctl code %s … failed: %s", first, err);
  /* The code and nothing else. */
  g_assert_cmpstr (out, ==, line);
  g_assert_cmpstr (err, ==, "");
}

static void
test_code_uri (void)
{
  assert_code ("94287082", "--uri", "otpauth://totp/RFC:6238?secret=" RFC_KEY_20 "&digits=8", "--time", "59", NULL);
  assert_code ("07081804", "--uri", "otpauth://totp/RFC:6238?secret=" RFC_KEY_20 "&digits=8", "--time=1111111109", NULL);
  assert_code ("91819424", "--uri", "otpauth://totp/x?secret=" RFC_KEY_32 "&digits=8&algorithm=SHA256", "--time", "1234567890", NULL);
  assert_code ("47863826", "--uri", "otpauth://totp/x?secret=" RFC_KEY_64 "&digits=8&algorithm=SHA512", "--time", "20000000000", NULL);
  assert_code ("755224", "--uri", "otpauth://hotp/x?secret=" RFC_KEY_20 "&counter=0", NULL);
  /* --counter overrides the URI's counter. */
  assert_code ("359152", "--uri", "otpauth://hotp/x?secret=" RFC_KEY_20 "&counter=0", "--counter", "2", NULL);
  /* Period 60 at time 118 is step 1. */
  assert_code ("94287082", "--uri", "otpauth://totp/x?secret=" RFC_KEY_20 "&digits=8&period=60", "--time", "118", NULL);
}

static void
test_code_parts (void)
{
  assert_code ("287082", "--secret", RFC_KEY_20, "--type", "hotp", "--counter", "1", NULL);
  assert_code ("5520489", "--secret", "gezd gnbv gy3t qojq gezd gnbv gy3t qojq", "--type", "HOTP", "--counter", "9", "--digits", "7", NULL);
  assert_code ("94287082", "--secret", RFC_KEY_20, "--digits", "8", "--time", "59", NULL);
  assert_code ("46119246", "--secret", RFC_KEY_32, "--algorithm", "SHA256", "--digits", "8", "--time", "59", NULL);
  assert_code ("90693936", "--secret", RFC_KEY_64, "--algorithm", "sha512", "--digits", "8", "--time", "59", NULL);
  assert_code ("94287082", "--secret", RFC_KEY_20, "--type", "totp", "--digits", "8", "--period", "1", "--time", "1", NULL);
  assert_code ("1094287082", "--secret", RFC_KEY_20, "--digits", "10", "--period", "3600", "--time", "3600", NULL);
}

static void
test_code_json (void)
{
  g_auto(Run) run = { 0 };
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *object;

  run_ctl (&run, "--json", "code", "--secret", RFC_KEY_20, "--digits", "8", "--time", "59", NULL);
  g_assert_cmpint (run.status, ==, 0);
  json_parser_load_from_data (parser, run.out, -1, &error);
  g_assert_no_error (error);
  object = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (object, "code"), ==, "94287082");
  g_assert_cmpstr (json_object_get_string_member (object, "type"), ==, "totp");
  g_assert_cmpint (json_object_get_int_member (object, "valid_for"), ==, 1);
}

static void
test_code_steam (void)
{
  g_auto(Run) run = { 0 };

  run_ctl (&run, "code", "--uri", "otpauth://steam/Steam:me?secret=" RFC_KEY_20, "--time", "59", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpuint (strlen (run.out), ==, 6);
  for (int i = 0; i < 5; i++)
    g_assert_nonnull (strchr ("23456789BCDFGHJKMNPQRTVWXY", run.out[i]));
}

static guint
count_lines (const char *text)
{
  guint n = 0;

  for (const char *p = text; *p != '\0'; p++)
    n += *p == '\n';
  return n;
}

static JsonObject *
parse_uri_json (JsonParser *parser,
                Run        *run,
                const char *uri)
{
  g_autoptr(GError) error = NULL;
  JsonObject *object;
  static const char *keys[] = { "type", "issuer", "account", "secret", "algorithm", "digits", "period", "counter" };

  run_ctl (run, "uri", uri, "--json", NULL);
  g_assert_cmpint (run->status, ==, 0);
  g_assert_cmpstr (run->err, ==, "");
  /* One line, one object, exactly these keys. */
  g_assert_true (g_str_has_suffix (run->out, "}\n"));
  g_assert_cmpuint (count_lines (run->out), ==, 1);
  json_parser_load_from_data (parser, run->out, -1, &error);
  g_assert_no_error (error);
  object = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpuint (json_object_get_size (object), ==, G_N_ELEMENTS (keys));
  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    g_assert_true (json_object_has_member (object, keys[i]));
  return object;
}

static void
test_uri_json (void)
{
  g_autoptr(JsonParser) totp_parser = json_parser_new ();
  g_autoptr(JsonParser) hotp_parser = json_parser_new ();
  g_autoptr(JsonParser) bare_parser = json_parser_new ();
  g_auto(Run) totp_run = { 0 };
  g_auto(Run) hotp_run = { 0 };
  g_auto(Run) bare_run = { 0 };
  JsonObject *o;

  o = parse_uri_json (totp_parser, &totp_run,
                      "otpauth://totp/ACME%20Co:%20john+doe@example.com?secret=jbsw-y3dp-ehpk-3pxp%3D%3D&issuer=ACME%20Co&algorithm=sha256&digits=8&period=60");
  g_assert_cmpstr (json_object_get_string_member (o, "type"), ==, "totp");
  g_assert_cmpstr (json_object_get_string_member (o, "issuer"), ==, "ACME Co");
  g_assert_cmpstr (json_object_get_string_member (o, "account"), ==, "john+doe@example.com");
  g_assert_cmpstr (json_object_get_string_member (o, "secret"), ==, "JBSWY3DPEHPK3PXP");
  g_assert_cmpstr (json_object_get_string_member (o, "algorithm"), ==, "SHA256");
  g_assert_cmpint (json_object_get_int_member (o, "digits"), ==, 8);
  g_assert_cmpint (json_object_get_int_member (o, "period"), ==, 60);
  g_assert_true (json_object_get_null_member (o, "counter"));

  o = parse_uri_json (hotp_parser, &hotp_run, "otpauth://hotp/Corp:bob?secret=JBSWY3DPEHPK3PXP&counter=9223372036854775807");
  g_assert_cmpstr (json_object_get_string_member (o, "type"), ==, "hotp");
  g_assert_true (json_object_get_null_member (o, "period"));
  /* The counter is written as the exact decimal number. */
  g_assert_nonnull (strstr (hotp_run.out, "\"counter\":9223372036854775807"));

  o = parse_uri_json (bare_parser, &bare_run, "otpauth://totp/alice?secret=JBSWY3DPEHPK3PXP");
  g_assert_true (json_object_get_null_member (o, "issuer"));
  g_assert_cmpstr (json_object_get_string_member (o, "account"), ==, "alice");
  g_assert_cmpint (json_object_get_int_member (o, "digits"), ==, 6);
  g_assert_cmpint (json_object_get_int_member (o, "period"), ==, 30);
  g_assert_cmpstr (json_object_get_string_member (o, "algorithm"), ==, "SHA1");
}

static void
test_uri_human_and_canonical (void)
{
  g_auto(Run) human = { 0 };
  g_auto(Run) canonical = { 0 };

  run_ctl (&human, "uri", "otpauth://totp/Example:alice?secret=JBSWY3DPEHPK3PXP&issuer=Example", NULL);
  g_assert_cmpint (human.status, ==, 0);
  g_assert_nonnull (strstr (human.out, "Example"));
  g_assert_nonnull (strstr (human.out, "alice"));
  g_assert_null (strstr (human.out, "JBSWY3DPEHPK3PXP"));

  run_ctl (&canonical, "uri", "--canonical", "otpauth://totp/Old:alice?secret=jbswy3dpehpk3pxp&issuer=New", NULL);
  g_assert_cmpint (canonical.status, ==, 0);
  g_assert_cmpstr (canonical.out, ==,
                   "otpauth://totp/New:alice?secret=JBSWY3DPEHPK3PXP&issuer=New&algorithm=SHA1&digits=6&period=30\n");
}

/* Bad input: exit 2, nothing on stdout, one line on stderr, no secret. */
static void
test_bad_input (void)
{
  const char *uri = "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP";
  const char *hotp = "otpauth://hotp/x?secret=JBSWY3DPEHPK3PXP&counter=1";
  const char *cases[][12] = {
    { "code", NULL },
    { "code", "--uri", "http://example.com", NULL },
    { "code", "--uri", "otpauth://totp/x?secret=JBSWY3DPEHPK3PX1", NULL },
    { "code", "--uri", "otpauth://hotp/x?secret=JBSWY3DPEHPK3PXP", NULL },
    { "code", "--secret", "JBSWY3DPEHPK3PX1", NULL },
    { "code", "--secret", "", NULL },
    { "code", "--secret", "JBSWY3DPEHPK3PXP", "--digits", "5", NULL },
    { "code", "--secret", "JBSWY3DPEHPK3PXP", "--digits", "six", NULL },
    { "code", "--secret", "JBSWY3DPEHPK3PXP", "--period", "0", NULL },
    { "code", "--secret", "JBSWY3DPEHPK3PXP", "--period", "3601", NULL },
    { "code", "--secret", "JBSWY3DPEHPK3PXP", "--type", "motp", NULL },
    { "code", "--secret", "JBSWY3DPEHPK3PXP", "--algorithm", "MD5", NULL },
    { "code", "--secret", "JBSWY3DPEHPK3PXP", "--counter", "3", NULL },
    { "code", "--secret", "JBSWY3DPEHPK3PXP", "--type", "hotp", NULL },
    { "code", "--secret", "JBSWY3DPEHPK3PXP", "--type", "hotp", "--counter", "-1", NULL },
    { "code", "--secret", "JBSWY3DPEHPK3PXP", "--type", "hotp", "--counter", "9223372036854775808", NULL },
    { "code", "--secret", "JBSWY3DPEHPK3PXP", "--type", "hotp", "--period", "30", "--counter", "1", NULL },
    { "code", "--secret", "JBSWY3DPEHPK3PXP", "--time", "soon", NULL },
    { "code", "--secret", "JBSWY3DPEHPK3PXP", "--type", "steam", "--digits", "6", NULL },
    { "code", "--uri", hotp, "--time", "5", NULL },
    { "code", "--uri", uri, "--secret", "JBSWY3DPEHPK3PXP", NULL },
    { "code", "--uri", uri, "--digits", "8", NULL },
    { "code", "--uri", uri, "extra", NULL },
    { "code", "--frobnicate", NULL },
    { "code", "--uri", NULL },
    { "uri", NULL },
    { "uri", "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&digits=12", NULL },
    { "uri", "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&algorithm=MD5", NULL },
    { "uri", uri, uri, NULL },
    { "frobnicate", NULL },
    { "--frobnicate", NULL },
    { "code", "--secrt=JBSWY3DPEHPK3PXP", NULL },
    { "--secrt=JBSWY3DPEHPK3PXP", "code", NULL },
    { NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GPtrArray) argv = g_ptr_array_new ();
      g_autoptr(GError) error = NULL;
      g_autofree char *out = NULL, *err = NULL;
      int wait_status = 0;

      g_ptr_array_add (argv, (gpointer) latchkeyctl);
      for (int a = 0; cases[i][a] != NULL; a++)
        g_ptr_array_add (argv, (gpointer) cases[i][a]);
      g_ptr_array_add (argv, NULL);
      g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &wait_status, &error);
      g_assert_no_error (error);

      if (!WIFEXITED (wait_status) || WEXITSTATUS (wait_status) != 2)
        g_error ("case %" G_GSIZE_FORMAT " (%s %s): exit %d, stderr %s", i, cases[i][0],
                 cases[i][0] ? cases[i][1] : "", WEXITSTATUS (wait_status), err);
      g_assert_cmpstr (out, ==, "");
      /* One line, naming the program. */
      g_assert_true (g_str_has_prefix (err, "latchkeyctl"));
      g_assert_true (g_str_has_suffix (err, "\n"));
      g_assert_cmpuint (count_lines (err), ==, 1);
      g_assert_null (strstr (err, "JBSWY3DPEHPK3PXP"));
    }
}

static void
test_help (void)
{
  static const char *code_options[] = { "--uri", "--time", "--counter", "--secret", "--type", "--algorithm",
                                        "--digits", "--period", "--json", "--help" };
  g_auto(Run) top = { 0 };
  g_auto(Run) code = { 0 };
  g_auto(Run) via_help = { 0 };
  g_auto(Run) uri = { 0 };
  g_auto(Run) version = { 0 };

  run_ctl (&top, "--help", NULL);
  g_assert_cmpint (top.status, ==, 0);
  for (const char *const *w = (const char *[]) { "code", "uri", "--db", "--server", "--account", "--json", NULL }; *w; w++)
    g_assert_nonnull (strstr (top.out, *w));

  run_ctl (&code, "code", "--help", NULL);
  g_assert_cmpint (code.status, ==, 0);
  for (gsize i = 0; i < G_N_ELEMENTS (code_options); i++)
    if (strstr (code.out, code_options[i]) == NULL)
      g_error ("code --help does not document %s", code_options[i]);

  run_ctl (&via_help, "help", "code", NULL);
  g_assert_cmpint (via_help.status, ==, 0);
  g_assert_cmpstr (via_help.out, ==, code.out);

  run_ctl (&uri, "uri", "--help", NULL);
  g_assert_cmpint (uri.status, ==, 0);
  g_assert_nonnull (strstr (uri.out, "--canonical"));
  g_assert_nonnull (strstr (uri.out, "--json"));

  run_ctl (&version, "--version", NULL);
  g_assert_cmpint (version.status, ==, 0);
  g_assert_true (g_str_has_prefix (version.out, "latchkeyctl "));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  latchkeyctl = g_getenv ("LK_LATCHKEYCTL");
  if (latchkeyctl == NULL)
    g_error ("LK_LATCHKEYCTL must name the built latchkeyctl (meson sets it)");

  g_test_add_func ("/cli/code/uri", test_code_uri);
  g_test_add_func ("/cli/code/parts", test_code_parts);
  g_test_add_func ("/cli/code/json", test_code_json);
  g_test_add_func ("/cli/code/steam", test_code_steam);
  g_test_add_func ("/cli/uri/json", test_uri_json);
  g_test_add_func ("/cli/uri/human-and-canonical", test_uri_human_and_canonical);
  g_test_add_func ("/cli/bad-input", test_bad_input);
  g_test_add_func ("/cli/help", test_help);

  return g_test_run ();
}
