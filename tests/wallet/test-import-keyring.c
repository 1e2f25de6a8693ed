/* SPDX-License-Identifier: GPL-3.0-or-later
 * Import into a real gnome-keyring (run through lk-test-session.sh): all or nothing, duplicates, progress, and the latchkeyctl commands. */
#include "config.h"

#include <sys/stat.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "import-test-util.h"
#include "lk-import-aegis.h"
#include "lk-import-file.h"
#include "lk-qr.h"
#include "lk-wallet.h"

static const char uris_text[] =
  "# five tokens\n"
  "otpauth://totp/ACME:alice?secret=" RFC_B32_SHA1 "&issuer=ACME&digits=8\n"
  "otpauth://hotp/Vpn:bob?secret=" RFC_B32_SHA1 "&issuer=Vpn&counter=5\n"
  "otpauth://totp/Shop:carol?secret=" RFC_B32_SHA512 "&issuer=Shop&algorithm=SHA512\n"
  "otpauth://totp/Bank:dave?secret=" RFC_B32_SHA256 "&issuer=Bank&algorithm=SHA256\n"
  "otpauth://totp/Mail:erin?secret=JBSWY3DPEHPK3PXP&issuer=Mail\n"
  "otpauth://totp/Broken:x?secret=*\n";

static void
wipe_wallet (LkWallet *wallet)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) tokens = lk_wallet_list_sync (wallet, NULL, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < tokens->len; i++)
    {
      g_assert_true (lk_wallet_remove_sync (wallet, ((LkWalletToken *) tokens->pdata[i])->id, NULL, &error));
      g_assert_no_error (error);
    }
}

static guint
wallet_count (LkWallet *wallet)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) tokens = lk_wallet_list_sync (wallet, NULL, &error);

  g_assert_no_error (error);
  return tokens->len;
}

static GPtrArray *
parse_text (const char *text)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *entries = lk_import_parse ((const guint8 *) text, strlen (text), LK_IMPORT_FORMAT_AUTO, NULL, NULL, &error);

  g_assert_no_error (error);
  return entries;
}

static void
count_progress (guint    done,
                guint    total,
                gpointer user_data)
{
  guint *calls = user_data;

  g_assert_cmpuint (done, <=, total);
  (*calls)++;
}

static void
test_commit_and_duplicates (void)
{
  g_autoptr(LkWallet) wallet = lk_wallet_new ();
  g_autoptr(GPtrArray) entries = parse_text (uris_text);
  g_autoptr(GPtrArray) again = NULL;
  g_autoptr(GPtrArray) stored = NULL;
  g_autoptr(GError) error = NULL;
  guint calls = 0, n = 0;
  gboolean found_note = FALSE;

  wipe_wallet (wallet);
  g_assert_true (lk_import_check_wallet_sync (wallet, entries, NULL, &error));
  g_assert_no_error (error);
  entry_at (entries, 0)->note = g_strdup ("from the old phone");
  entry_at (entries, 0)->group = g_strdup ("Work");

  g_assert_true (lk_import_commit_sync (wallet, entries, count_progress, &calls, &n, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 5);
  g_assert_cmpuint (calls, ==, 5);

  stored = lk_wallet_list_sync (wallet, NULL, &error);
  g_assert_cmpuint (stored->len, ==, 5);
  for (guint i = 0; i < stored->len; i++)
    {
      LkWalletToken *token = g_ptr_array_index (stored, i);
      char code[LK_OTP_CODE_SIZE];

      if (token->note != NULL)
        {
          g_assert_cmpstr (token->note, ==, "from the old phone");
          g_assert_cmpstr (token->group, ==, "Work");
          g_assert_true (lk_wallet_token_compute (token, 59, code, NULL, &error));
          g_assert_cmpstr (code, ==, "94287082");
          found_note = TRUE;
        }
    }
  g_assert_true (found_note);

  /* The same file again: everything is a duplicate now, nothing is stored. */
  again = parse_text (uris_text);
  g_assert_true (lk_import_check_wallet_sync (wallet, again, NULL, &error));
  for (guint i = 0; i < 5; i++)
    g_assert_true (entry_at (again, i)->duplicate);
  g_assert_false (lk_import_commit_sync (wallet, again, NULL, NULL, &n, NULL, &error));
  g_assert_error (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_NOTHING);
  g_assert_cmpuint (wallet_count (wallet), ==, 5);
}

static void
cancel_after_two (guint    done,
                  guint    total,
                  gpointer user_data)
{
  if (done == 2)
    g_cancellable_cancel (user_data);
}

static void
test_atomic (void)
{
  g_autoptr(LkWallet) wallet = lk_wallet_new ();
  g_autoptr(GPtrArray) entries = parse_text (uris_text);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  guint n = 99;

  wipe_wallet (wallet);
  g_assert_true (lk_import_check_wallet_sync (wallet, entries, NULL, &error));
  /* Interrupted after two items were written: both are taken back. */
  g_assert_false (lk_import_commit_sync (wallet, entries, cancel_after_two, cancellable, &n, cancellable, &error));
  g_assert_nonnull (error);
  g_assert_cmpuint (n, ==, 0);
  g_assert_cmpuint (wallet_count (wallet), ==, 0);
}

typedef struct
{
  GAsyncResult *result;
  guint         progress;
} AsyncState;

static void
async_progress (guint    done,
                guint    total,
                gpointer user_data)
{
  AsyncState *state = user_data;

  state->progress = done;
}

static void
on_committed (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  AsyncState *state = user_data;

  state->result = g_object_ref (result);
}

static void
test_async (void)
{
  g_autoptr(LkWallet) wallet = lk_wallet_new ();
  g_autoptr(GPtrArray) entries = parse_text (uris_text);
  g_autoptr(GError) error = NULL;
  AsyncState state = { NULL, 0 };
  guint n = 0;

  wipe_wallet (wallet);
  lk_import_mark_duplicates (entries, NULL);
  lk_import_commit_async (wallet, entries, async_progress, &state, NULL, NULL, on_committed, &state);
  while (state.result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (lk_import_commit_finish (wallet, state.result, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 5);
  g_assert_cmpuint (state.progress, ==, 5);
  g_assert_cmpuint (wallet_count (wallet), ==, 5);
  g_object_unref (state.result);
}

/* ---- latchkeyctl ---- */

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

static void
ctl (Run        *run,
     const char *input,
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
  va_start (ap, input);
  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (argv, g_strdup (arg));
  va_end (ap);
  g_ptr_array_add (argv, NULL);

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

static char *
scratch_file (const char *name,
              const char *contents)
{
  g_autoptr(GError) error = NULL;
  char *path = test_scratch_path (name);

  if (contents != NULL)
    {
      g_assert_true (g_file_set_contents (path, contents, -1, &error));
      g_assert_no_error (error);
    }
  return path;
}

static void
test_cli_import (void)
{
  g_autoptr(LkWallet) wallet = lk_wallet_new ();
  g_autofree char *list = scratch_file ("tokens.txt", uris_text);
  g_autoptr(JsonObject) preview = NULL;
  g_auto(Run) dry = { 0 }, real = { 0 }, again = { 0 }, stdin_run = { 0 }, missing = { 0 };
  JsonArray *entries;

  wipe_wallet (wallet);

  ctl (&dry, NULL, "token", "import", "--dry-run", "--json", list, NULL);
  g_assert_cmpint (dry.status, ==, 0);
  preview = parse_object (dry.out);
  g_assert_true (json_object_get_boolean_member (preview, "dry_run"));
  g_assert_cmpstr (json_object_get_string_member (preview, "format"), ==, "uris");
  entries = json_object_get_array_member (preview, "entries");
  g_assert_cmpuint (json_array_get_length (entries), ==, 6);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (entries, 0), "status"), ==, "new");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (entries, 5), "status"), ==, "refused");
  g_assert_nonnull (json_object_get_string_member (json_array_get_object_element (entries, 5), "reason"));
  /* The preview never prints a seed. */
  g_assert_null (strstr (dry.out, RFC_B32_SHA1));
  g_assert_cmpuint (wallet_count (wallet), ==, 0);

  ctl (&real, NULL, "token", "import", list, NULL);
  g_assert_cmpint (real.status, ==, 0);
  g_assert_nonnull (strstr (real.out, "Imported: 5;"));
  g_assert_cmpuint (wallet_count (wallet), ==, 5);

  ctl (&again, NULL, "token", "import", list, NULL);
  g_assert_cmpint (again.status, ==, 1);
  g_assert_nonnull (strstr (again.out, "duplicate"));
  g_assert_cmpuint (wallet_count (wallet), ==, 5);

  /* From standard input, which keeps links out of the process list. */
  ctl (&stdin_run, "otpauth://totp/New:frank?secret=MFRGGZDFMZTWQ2LK&issuer=New\n", "token", "import", "-", NULL);
  g_assert_cmpint (stdin_run.status, ==, 0);
  g_assert_cmpuint (wallet_count (wallet), ==, 6);

  ctl (&missing, NULL, "token", "import", "/nonexistent/file.json", NULL);
  g_assert_cmpint (missing.status, ==, 1);
  g_assert_cmpstr (missing.err, !=, "");
}

static void
test_cli_encrypted (void)
{
  g_autoptr(LkWallet) wallet = lk_wallet_new ();
  const char *db = "{\"version\":2,\"entries\":[{\"type\":\"totp\",\"uuid\":\"1\",\"name\":\"alice\",\"issuer\":\"ACME\","
                   "\"info\":{\"secret\":\"" RFC_B32_SHA1 "\",\"algo\":\"SHA1\",\"digits\":8,\"period\":30}}]}";
  g_autofree char *vault_text = aegis_encrypted_vault (db, "hunter2", 1024, FALSE);
  g_autofree char *tampered_text = aegis_encrypted_vault (db, "hunter2", 1024, TRUE);
  g_autofree char *vault = scratch_file ("vault.json", vault_text);
  g_autofree char *tampered = scratch_file ("tampered.json", tampered_text);
  g_autofree char *right = scratch_file ("right.txt", "hunter2\n");
  g_autofree char *wrong = scratch_file ("wrong.txt", "hunter3\n");
  g_auto(Run) none = { 0 }, bad = { 0 }, corrupt = { 0 }, good = { 0 };

  wipe_wallet (wallet);

  ctl (&none, NULL, "token", "import", vault, NULL);
  g_assert_cmpint (none.status, ==, 1);
  g_assert_nonnull (strstr (none.err, "--password-file"));

  ctl (&bad, NULL, "token", "import", "--password-file", wrong, vault, NULL);
  g_assert_cmpint (bad.status, ==, 1);
  g_assert_nonnull (strstr (bad.err, "password"));

  ctl (&corrupt, NULL, "token", "import", "--password-file", right, tampered, NULL);
  g_assert_cmpint (corrupt.status, ==, 1);
  g_assert_nonnull (strstr (corrupt.err, "integrity"));
  g_assert_cmpuint (wallet_count (wallet), ==, 0);

  ctl (&good, "hunter2\n", "token", "import", "--password-file", "-", vault, NULL);
  g_assert_cmpint (good.status, ==, 0);
  g_assert_cmpuint (wallet_count (wallet), ==, 1);
}

static void
test_cli_export (void)
{
  g_autoptr(LkWallet) wallet = lk_wallet_new ();
  g_autofree char *list = scratch_file ("export-src.txt", uris_text);
  g_autofree char *plain_path = scratch_file ("plain.txt", NULL);
  g_autofree char *vault_path = scratch_file ("export.json", NULL);
  g_autofree char *qr_path = scratch_file ("one.png", NULL);
  g_autofree char *password = scratch_file ("export-pw.txt", "tr0ub4dor\n");
  g_autofree char *plain_text = NULL;
  g_autofree char *vault_text = NULL;
  g_autoptr(GPtrArray) back = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(Run) load = { 0 }, refused = { 0 }, plain = { 0 }, nopw = { 0 }, aegis = { 0 }, qr = { 0 }, qr_all = { 0 };
  GStatBuf st;
  gsize len = 0;

  wipe_wallet (wallet);
  ctl (&load, NULL, "token", "import", list, NULL);
  g_assert_cmpint (load.status, ==, 0);

  /* Plain output needs the explicit flag, and says why. */
  ctl (&refused, NULL, "token", "export", "--format", "uris", plain_path, NULL);
  g_assert_cmpint (refused.status, ==, 2);
  g_assert_nonnull (strstr (refused.err, "UNENCRYPTED"));
  g_assert_false (g_file_test (plain_path, G_FILE_TEST_EXISTS));

  ctl (&plain, NULL, "token", "export", "--format", "uris", "--i-understand-this-is-plain", plain_path, NULL);
  g_assert_cmpint (plain.status, ==, 0);
  g_assert_cmpint (g_stat (plain_path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_true (g_file_get_contents (plain_path, &plain_text, &len, &error));
  back = lk_import_parse ((const guint8 *) plain_text, len, LK_IMPORT_FORMAT_AUTO, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (back->len, ==, 5);
  g_clear_pointer (&back, g_ptr_array_unref);

  ctl (&nopw, NULL, "token", "export", "--format", "aegis", vault_path, NULL);
  g_assert_cmpint (nopw.status, ==, 2);

  ctl (&aegis, NULL, "token", "export", "--format", "aegis", "--password-file", password, vault_path, NULL);
  g_assert_cmpint (aegis.status, ==, 0);
  g_assert_cmpint (g_stat (vault_path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_true (g_file_get_contents (vault_path, &vault_text, &len, &error));
  back = lk_import_aegis_parse ((const guint8 *) vault_text, len, "tr0ub4dor", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (back->len, ==, 5);
  for (guint i = 0; i < back->len; i++)
    g_assert_null (entry_at (back, i)->reason);

  ctl (&qr_all, NULL, "token", "export", "--format", "qr", "--i-understand-this-is-plain", qr_path, NULL);
  g_assert_cmpint (qr_all.status, ==, 2);
  ctl (&qr, NULL, "token", "export", "--format", "qr", "--i-understand-this-is-plain", "--token", "ACME:alice", qr_path, NULL);
  g_assert_cmpint (qr.status, ==, 0);
  g_assert_true (g_file_test (qr_path, G_FILE_TEST_EXISTS));
}

static char *
png_file (const char *name,
          const char *account,
          int         index)
{
  GByteArray *otps[] = { pb_otp (account, account, "Phone", 1, 1, 2, 0) };
  g_autoptr(GByteArray) payload = pb_payload (otps, 1, 3, index, 4242);
  g_autofree char *uri = migration_uri (payload, TRUE);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) png = lk_qr_encode_png (uri, 4, &error);
  char *path = test_scratch_path (name);

  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (path, g_bytes_get_data (png, NULL), (gssize) g_bytes_get_size (png), &error));
  return path;
}

/* Three screenshots of a Google export, in the wrong order, on one command line. */
static void
test_cli_google_images (void)
{
  g_autoptr(LkWallet) wallet = lk_wallet_new ();
  g_autofree char *p0 = png_file ("g0.png", "zero", 0);
  g_autofree char *p1 = png_file ("g1.png", "one", 1);
  g_autofree char *p2 = png_file ("g2.png", "two", 2);
  g_auto(Run) partial = { 0 }, whole = { 0 };

  wipe_wallet (wallet);
  ctl (&partial, NULL, "token", "import", p2, p0, NULL);
  g_assert_cmpint (partial.status, ==, 1);
  g_assert_nonnull (strstr (partial.out, "2 of 3 scanned"));
  g_assert_cmpuint (wallet_count (wallet), ==, 0);

  ctl (&whole, NULL, "token", "import", p2, p0, p1, NULL);
  g_assert_cmpint (whole.status, ==, 0);
  g_assert_nonnull (strstr (whole.out, "Imported: 3;"));
  g_assert_cmpuint (wallet_count (wallet), ==, 3);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/import/keyring/commit-and-duplicates", test_commit_and_duplicates);
  g_test_add_func ("/import/keyring/atomic", test_atomic);
  g_test_add_func ("/import/keyring/async", test_async);
  g_test_add_func ("/import/keyring/cli/import", test_cli_import);
  g_test_add_func ("/import/keyring/cli/encrypted", test_cli_encrypted);
  g_test_add_func ("/import/keyring/cli/export", test_cli_export);
  g_test_add_func ("/import/keyring/cli/google-images", test_cli_google_images);

  return g_test_run ();
}
