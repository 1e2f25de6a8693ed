/* SPDX-License-Identifier: GPL-3.0-or-later
 * latchkeyctl import pskc|users and export pskc, run as a process on a
 * database in a temporary directory; run again by lk-with-server with
 * LK_TEST_BACKEND=remote, the imports go to a real latchkeyd (--server). */
#include "config.h"

#include <string.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <openssl/rsa.h>

#include "pskc-test-sign.h"

typedef struct
{
  char     *dir;
  char     *db;
  gboolean  remote;   /* LK_TEST_BACKEND=remote: lk-with-server started a latchkeyd for this program */
} Fixture;

static int
run (Fixture     *f,
     char       **out,
     char       **err,
     const char  *first,
     ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autofree char *exe = g_build_filename (g_getenv ("LK_BUILD_ROOT"), "src", "cli", "latchkeyctl", NULL);
  g_auto(GStrv) env = g_environ_setenv (g_get_environ (), "LATCHKEY_ACCOUNT_KEY",
                                        f->remote ? g_getenv ("LK_TEST_ACCOUNT_KEY") : "acme-secret-key", TRUE);
  g_autoptr(GError) error = NULL;
  int status = 0;
  va_list ap;

  g_ptr_array_add (args, exe);
  if (f->remote)
    {
      g_ptr_array_add (args, (char *) "--server");
      g_ptr_array_add (args, (char *) g_getenv ("LK_TEST_SERVER_URL"));
      g_ptr_array_add (args, (char *) "--account");
      g_ptr_array_add (args, (char *) g_getenv ("LK_TEST_ACCOUNT"));
    }
  else
    {
      g_ptr_array_add (args, (char *) "--db");
      g_ptr_array_add (args, f->db);
      g_ptr_array_add (args, (char *) "--account");
      g_ptr_array_add (args, (char *) "acme");
    }
  va_start (ap, first);
  for (const char *a = first; a != NULL; a = va_arg (ap, const char *))
    g_ptr_array_add (args, (char *) a);
  va_end (ap);
  /* --tls-cert is an option of the command, so it comes after it. */
  if (f->remote)
    {
      g_ptr_array_add (args, (char *) "--tls-cert");
      g_ptr_array_add (args, (char *) g_getenv ("LK_TEST_SERVER_CERT"));
    }
  g_ptr_array_add (args, NULL);
  g_assert_true (g_spawn_sync (f->dir, (char **) args->pdata, env, G_SPAWN_STDIN_FROM_DEV_NULL, NULL, NULL,
                               out, err, &status, &error));
  g_assert_no_error (error);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

static char *
figure (const char *name)
{
  return g_test_build_filename (G_TEST_DIST, "bulk", "rfc6030", name, NULL);
}

static void
setup (Fixture       *f,
       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL, *err = NULL;

  f->dir = g_dir_make_tmp ("lk-bulk-cli-XXXXXX", &error);
  g_assert_no_error (error);
  f->db = g_build_filename (f->dir, "t.db", NULL);
  f->remote = g_strcmp0 (g_getenv ("LK_TEST_BACKEND"), "remote") == 0;
  if (!f->remote)
    g_assert_cmpint (run (f, &out, &err, "account", "create", "acme", NULL), ==, 0);
}

static void
teardown (Fixture       *f,
          gconstpointer  data)
{
  const char *names[] = { "t.db", "t.db.key", "t.db-wal", "t.db-shm", "u.csv", "out.xml", "pw",
                          "key.pem", "vendor.pem", "other.pem", "signed.xml", "tampered.xml", "rsa.xml", NULL };

  for (guint i = 0; names[i]; i++)
    {
      g_autofree char *p = g_build_filename (f->dir, names[i], NULL);
      g_unlink (p);
    }
  g_rmdir (f->dir);
  g_free (f->db);
  g_free (f->dir);
}

static JsonObject *
parse_json (const char *text,
            JsonParser *parser)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (json_parser_load_from_data (parser, text, -1, &error));
  g_assert_no_error (error);
  return json_node_get_object (json_parser_get_root (parser));
}

static void
test_pskc (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *fig6 = figure ("figure6.pskcxml");
  g_autofree char *fig10 = figure ("figure10.pskcxml");
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *o;

  /* No key: a clear error, exit 1, nothing written. */
  g_assert_cmpint (run (f, &out, &err, "import", "pskc", fig6, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "--key"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (f, &out, &err, "import", "pskc", "--key", "00000000000000000000000000000000", fig6, NULL),
                   ==, 1);
  g_assert_nonnull (strstr (err, "wrong key"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (f, &out, &err, "import", "pskc", "--key", "12345", fig6, NULL), ==, 2);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run (f, &out, &err, "--json", "import", "pskc", "--key", "12345678901234567890123456789012",
                        fig6, NULL), ==, 0);
  o = parse_json (out, parser);
  g_assert_cmpint (json_object_get_int_member (o, "added"), ==, 1);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  /* Again: skipped. */
  g_assert_cmpint (run (f, &out, &err, "--json", "import", "pskc", "--key", "12345678901234567890123456789012",
                        fig6, NULL), ==, 0);
  o = parse_json (out, parser);
  g_assert_cmpint (json_object_get_int_member (o, "skipped"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (o, "added"), ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  /* The same serial with another seed is a conflict, on the server too
   * (the seed is compared there); a key with a counter and a drift is
   * taken by both backends. */
  {
    g_autofree char *other = g_build_filename (f->dir, "other.pskcxml", NULL);
    const char *xml =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<KeyContainer Version=\"1.0\" xmlns=\"urn:ietf:params:xml:ns:keyprov:pskc\">\n"
      "<KeyPackage><DeviceInfo><SerialNo>987654321</SerialNo></DeviceInfo>\n"
      "<Key Id=\"a\" Algorithm=\"urn:ietf:params:xml:ns:keyprov:pskc:hotp\">\n"
      "<AlgorithmParameters><ResponseFormat Length=\"8\" Encoding=\"DECIMAL\"/></AlgorithmParameters>\n"
      "<Data><Secret><PlainValue>AAECAwQFBgcICQoLDA0ODxAREhM=</PlainValue></Secret></Data></Key></KeyPackage>\n"
      "<KeyPackage><DeviceInfo><SerialNo>CTR-7</SerialNo></DeviceInfo>\n"
      "<Key Id=\"b\" Algorithm=\"urn:ietf:params:xml:ns:keyprov:pskc:totp\">\n"
      "<Data><Secret><PlainValue>AAECAwQFBgcICQoLDA0ODxAREhM=</PlainValue></Secret>\n"
      "<TimeInterval><PlainValue>30</PlainValue></TimeInterval>\n"
      "<TimeDrift><PlainValue>-3</PlainValue></TimeDrift></Data></Key></KeyPackage>\n"
      "</KeyContainer>\n";

    g_assert_true (g_file_set_contents (other, xml, -1, NULL));
    g_assert_cmpint (run (f, &out, &err, "--json", "import", "pskc", other, NULL), ==, 1);
    o = parse_json (out, parser);
    g_assert_cmpint (json_object_get_int_member (o, "conflict"), ==, 1);
    g_assert_cmpint (json_object_get_int_member (o, "added"), ==, 1);
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
  }
  /* Figure 10 has a repeated serial: reported, exit 1, the rest added. */
  g_assert_cmpint (run (f, &out, &err, "import", "pskc", fig10, NULL), ==, 1);
  g_assert_nonnull (strstr (out, "9999999: conflict"));
  g_assert_nonnull (strstr (out, "3 added"));
  /* Not a terminal: no progress bar. */
  g_assert_null (strstr (err, "["));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* Seeds leave only from the embedded engine. */
  if (f->remote)
    {
      g_assert_cmpint (run (f, &out, &err, "export", "pskc", "654321", NULL), ==, 2);
      return;
    }
  /* Export under a password, re-import into the same database: skipped. */
  {
    g_autofree char *pw = g_build_filename (f->dir, "pw", NULL);
    g_autofree char *xml = g_build_filename (f->dir, "out.xml", NULL);

    g_assert_true (g_file_set_contents (pw, "s3cret pass\n", -1, NULL));
    g_assert_cmpint (run (f, &out, &err, "export", "pskc", "--password-file", pw, "-o", xml, "654321", "987654321",
                          NULL), ==, 0);
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
    g_assert_cmpint (run (f, &out, &err, "--json", "import", "pskc", "--password-file", pw, xml, NULL), ==, 0);
    o = parse_json (out, parser);
    g_assert_cmpint (json_object_get_int_member (o, "skipped"), ==, 2);
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
    /* With a random key: printed once on stderr. */
    g_assert_cmpint (run (f, &out, &err, "export", "pskc", "-o", xml, "654321", NULL), ==, 0);
    g_assert_nonnull (strstr (err, "Pre-shared key"));
  }
}

static void
test_users (Fixture       *f,
            gconstpointer  data)
{
  g_autofree char *csv = g_build_filename (f->dir, "u.csv", NULL);
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *o;
  JsonArray *outcomes;

  g_assert_true (g_file_set_contents (csv, "Login,First name,Last name,Email\nann,Ann,A,ann@example.org\n"
                                      ",No,Login,x@example.org\nbob,Bob,B,bob@example.org\n", -1, NULL));
  g_assert_cmpint (run (f, &out, &err, "--json", "import", "users", "--dry-run", csv, NULL), ==, 1);
  o = parse_json (out, parser);
  g_assert_true (json_object_get_boolean_member (o, "dryRun"));
  g_assert_cmpint (json_object_get_int_member (o, "added"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (o, "failed"), ==, 1);
  outcomes = json_object_get_array_member (o, "outcomes");
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (outcomes, 1), "line"), ==, 3);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run (f, &out, &err, "user", "list", NULL), ==, 0);
  g_assert_null (strstr (out, "ann"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run (f, &out, &err, "import", "users", csv, NULL), ==, 1);
  g_assert_nonnull (strstr (out, "line 3"));
  g_assert_nonnull (strstr (out, "2 added"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (f, &out, &err, "import", "users", csv, NULL), ==, 1);
  g_assert_nonnull (strstr (out, "2 skipped"));
}

/* On a terminal (a pty from script(1)) the progress bar is drawn on stderr. */
static char *
write_file (Fixture    *f,
            const char *name,
            const char *text)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (f->dir, name, NULL);

  g_assert_true (g_file_set_contents (path, text, -1, &error));
  g_assert_no_error (error);
  return path;
}

/* --signer-cert, --allow-untrusted-signer and --private-key: signed and
 * RSA-encrypted files (made by pskc-test-sign.c) through the command. */
static void
test_pskc_signed_rsa (Fixture       *f,
                      gconstpointer  data)
{
  SignSpec spec = { .uri = "#KC1" };
  g_autofree char *xml = signed_container (&spec);
  g_autofree char *bad_xml = g_strdup (xml);
  g_autofree char *vendor_pem = cert_pem (pki ()->cert);
  g_autofree char *other_pem = cert_pem (pki_other ()->cert);
  g_autofree char *private_pem = key_pem (pki ()->key);
  g_autofree char *rsa_xml = rsa_container ("http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p",
                                            RSA_PKCS1_OAEP_PADDING, FALSE);
  g_autofree char *signed_path = NULL, *tampered = NULL, *vendor = NULL, *other = NULL, *key = NULL, *rsa = NULL;
  g_autofree char *out = NULL, *err = NULL;
  char *at = strstr (bad_xml, "SIG-1");

  at[4] = '2';
  signed_path = write_file (f, "signed.xml", xml);
  tampered = write_file (f, "tampered.xml", bad_xml);
  vendor = write_file (f, "vendor.pem", vendor_pem);
  other = write_file (f, "other.pem", other_pem);
  key = write_file (f, "key.pem", private_pem);
  rsa = write_file (f, "rsa.xml", rsa_xml);

  /* Signed, nobody trusted: refused, and the way out named. */
  g_assert_cmpint (run (f, &out, &err, "import", "pskc", signed_path, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "Latchkey Test Vendor"));
  g_assert_nonnull (strstr (err, "--allow-untrusted-signer"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  /* Another vendor's certificate; a tampered file. */
  g_assert_cmpint (run (f, &out, &err, "import", "pskc", "--signer-cert", other, signed_path, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "Someone Else"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (f, &out, &err, "import", "pskc", "--signer-cert", vendor, tampered, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "altered"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  /* A missing certificate file is an error, not an unsigned import. */
  g_assert_cmpint (run (f, &out, &err, "import", "pskc", "--signer-cert", "missing.pem", signed_path, NULL), ==, 1);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  /* The vendor's certificate: imported, and said so. */
  g_assert_cmpint (run (f, &out, &err, "import", "pskc", "--signer-cert", vendor, signed_path, NULL), ==, 0);
  g_assert_nonnull (strstr (err, "Signature verified"));
  g_assert_nonnull (strstr (out, "1 added"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  /* Accepted without a certificate only when asked, with a warning. */
  g_assert_cmpint (run (f, &out, &err, "import", "pskc", "--allow-untrusted-signer", signed_path, NULL), ==, 0);
  g_assert_nonnull (strstr (err, "Warning"));
  g_assert_nonnull (strstr (out, "1 skipped"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* Encrypted to the vendor's certificate. */
  g_assert_cmpint (run (f, &out, &err, "import", "pskc", rsa, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "--private-key"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (f, &out, &err, "import", "pskc", "--private-key", other, rsa, NULL), ==, 1);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (f, &out, &err, "import", "pskc", "--private-key", key, rsa, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "1 added"));
}

static void
test_progress_bar (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *script = g_find_program_in_path ("script");
  g_autofree char *exe = g_build_filename (g_getenv ("LK_BUILD_ROOT"), "src", "cli", "latchkeyctl", NULL);
  g_autofree char *fig10 = figure ("figure10.pskcxml");
  g_autofree char *cmd = NULL;
  g_autofree char *out = NULL;
  g_auto(GStrv) env = g_environ_setenv (g_get_environ (), "LATCHKEY_ACCOUNT_KEY", "acme-secret-key", TRUE);
  g_autoptr(GError) error = NULL;
  const char *argv[] = { NULL, "-qec", NULL, "/dev/null", NULL };
  int status = 0;

  if (script == NULL || f->remote)
    {
      g_test_skip ("needs script(1) and the embedded engine");
      return;
    }
  cmd = g_strdup_printf ("%s --db %s --account acme import pskc %s", exe, f->db, fig10);
  argv[0] = script;
  argv[2] = cmd;
  g_assert_true (g_spawn_sync (f->dir, (char **) argv, env, G_SPAWN_STDIN_FROM_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                               NULL, NULL, &out, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_nonnull (strstr (out, "\r["));
  g_assert_nonnull (strstr (out, "] 4/4"));
  g_assert_nonnull (strstr (out, "3 added"));
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/bulk/cli/pskc", Fixture, NULL, setup, test_pskc, teardown);
  g_test_add ("/bulk/cli/users", Fixture, NULL, setup, test_users, teardown);
  g_test_add ("/bulk/cli/progress-bar", Fixture, NULL, setup, test_progress_bar, teardown);
  g_test_add ("/bulk/cli/pskc-signed-rsa", Fixture, NULL, setup, test_pskc_signed_rsa, teardown);
  status = g_test_run ();
  pki_free_all ();
  return status;
}
