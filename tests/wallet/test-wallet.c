/* SPDX-License-Identifier: GPL-3.0-or-later
 * LkWallet against a real gnome-keyring in a private D-Bus session (run through lk-test-session.sh). */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <libsecret/secret.h>

#include "lk-secure.h"
#include "lk-wallet.h"

/* RFC 4226 appendix D and RFC 6238 appendix B use this ASCII seed. */
#define RFC_SECRET "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

static LkWalletToken *
token_from_uri (const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkOtpauth) uri = lk_otpauth_parse (text, &error);

  g_assert_no_error (error);
  return lk_wallet_token_new (uri);
}

static void
wipe_wallet (LkWallet *wallet)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) tokens = lk_wallet_list_sync (wallet, NULL, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < tokens->len; i++)
    {
      LkWalletToken *token = g_ptr_array_index (tokens, i);

      g_assert_true (lk_wallet_remove_sync (wallet, token->id, NULL, &error));
      g_assert_no_error (error);
    }
}

static void
test_add_list (void)
{
  g_autoptr(LkWallet) wallet = lk_wallet_new ();
  g_autoptr(LkWalletToken) a = token_from_uri ("otpauth://totp/ACME:alice@example.com?secret=JBSWY3DPEHPK3PXP&issuer=ACME");
  g_autoptr(LkWalletToken) b = token_from_uri ("otpauth://hotp/Bank:bob?secret=" RFC_SECRET "&counter=5&issuer=Bank&digits=8&algorithm=SHA256");
  g_autoptr(GPtrArray) tokens = NULL;
  g_autoptr(GError) error = NULL;

  wipe_wallet (wallet);

  a->note = g_strdup ("line one\nline=two");
  a->group = g_strdup ("Work");
  a->icon = g_bytes_new_static ("\x89PNG\r\n", 6);
  a->icon_mime = g_strdup ("image/png");
  g_assert_true (lk_wallet_add_sync (wallet, a, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (a->created, >, 0);
  b->created = a->created + 1;   /* list order is by creation */
  g_assert_true (lk_wallet_add_sync (wallet, b, NULL, &error));
  g_assert_no_error (error);

  tokens = lk_wallet_list_sync (wallet, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tokens->len, ==, 2);
  {
    LkWalletToken *la = g_ptr_array_index (tokens, 0);
    LkWalletToken *lb = g_ptr_array_index (tokens, 1);

    g_assert_cmpstr (la->id, ==, a->id);
    g_assert_true (lk_otpauth_equal (la->otpauth, a->otpauth));
    g_assert_cmpstr (la->note, ==, "line one\nline=two");
    g_assert_cmpstr (la->group, ==, "Work");
    g_assert_cmpstr (la->icon_mime, ==, "image/png");
    g_assert_true (g_bytes_equal (la->icon, a->icon));
    g_assert_cmpstr (lb->id, ==, b->id);
    g_assert_true (lk_otpauth_equal (lb->otpauth, b->otpauth));
    g_assert_cmpuint (lb->otpauth->counter, ==, 5);
    g_assert_cmpint (lb->otpauth->algorithm, ==, LK_HASH_SHA256);
  }

  wipe_wallet (wallet);
}

/* What anyone on the session bus can see without unlocking: the label and
 * the attributes. Neither may name the issuer or the account. */
static void
test_metadata_leaks_nothing (void)
{
  g_autoptr(LkWallet) wallet = lk_wallet_new ();
  g_autoptr(LkWalletToken) token = token_from_uri ("otpauth://totp/Sekrit%20Corp:ceo@sekrit.example?secret=JBSWY3DPEHPK3PXP&issuer=Sekrit%20Corp");
  g_autoptr(GError) error = NULL;
  g_autoptr(SecretService) service = NULL;
  g_autoptr(GHashTable) query = g_hash_table_new (g_str_hash, g_str_equal);
  GList *items;

  wipe_wallet (wallet);
  g_assert_true (lk_wallet_add_sync (wallet, token, NULL, &error));
  g_assert_no_error (error);

  service = secret_service_get_sync (SECRET_SERVICE_NONE, NULL, &error);
  g_assert_no_error (error);
  g_hash_table_insert (query, (gpointer) "xdg:schema", (gpointer) lk_wallet_get_schema_name ());
  items = secret_service_search_sync (service, NULL, query, SECRET_SEARCH_ALL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_length (items), ==, 1);

  {
    SecretItem *item = items->data;
    g_autofree char *label = secret_item_get_label (item);
    g_autoptr(GHashTable) attrs = secret_item_get_attributes (item);
    GHashTableIter iter;
    gpointer key, value;

    g_assert_cmpstr (label, ==, "Latchkey token");
    g_assert_cmpuint (g_hash_table_size (attrs), ==, 3);
    g_assert_cmpstr (g_hash_table_lookup (attrs, "token-id"), ==, token->id);
    g_assert_cmpstr (g_hash_table_lookup (attrs, "app-id"), ==, LK_APP_ID);
    g_assert_cmpstr (g_hash_table_lookup (attrs, "xdg:schema"), ==, LK_APP_ID ".Token");
    g_hash_table_iter_init (&iter, attrs);
    while (g_hash_table_iter_next (&iter, &key, &value))
      {
        g_assert_null (strstr (value, "Sekrit"));
        g_assert_null (strstr (value, "ceo"));
        g_assert_null (strstr (value, "JBSWY3DP"));
      }
  }
  g_list_free_full (items, g_object_unref);

  wipe_wallet (wallet);
}

static void
test_find_rename_remove (void)
{
  g_autoptr(LkWallet) wallet = lk_wallet_new ();
  g_autoptr(LkWalletToken) a = token_from_uri ("otpauth://totp/ACME:alice?secret=JBSWY3DPEHPK3PXP&issuer=ACME");
  g_autoptr(LkWalletToken) b = token_from_uri ("otpauth://totp/ACME:alice?secret=JBSWY3DPEHPK3PXQ&issuer=ACME");
  g_autoptr(LkWalletToken) found = NULL;
  g_autoptr(GError) error = NULL;

  wipe_wallet (wallet);
  g_assert_true (lk_wallet_add_sync (wallet, a, NULL, &error));
  g_assert_no_error (error);

  found = lk_wallet_find_sync (wallet, "acme:ALICE", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found->id, ==, a->id);
  g_clear_pointer (&found, lk_wallet_token_free);

  /* Two tokens with one name: the name is ambiguous, the ids are not. */
  g_assert_true (lk_wallet_add_sync (wallet, b, NULL, &error));
  g_assert_no_error (error);
  found = lk_wallet_find_sync (wallet, "ACME:alice", NULL, &error);
  g_assert_error (error, LK_WALLET_ERROR, LK_WALLET_ERROR_AMBIGUOUS);
  g_assert_null (found);
  g_clear_error (&error);
  found = lk_wallet_find_sync (wallet, b->id, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (lk_otpauth_equal (found->otpauth, b->otpauth));
  g_clear_pointer (&found, lk_wallet_token_free);

  g_assert_true (lk_wallet_rename_sync (wallet, b->id, "Example", "bob", NULL, &error));
  g_assert_no_error (error);
  found = lk_wallet_find_sync (wallet, "Example:bob", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found->id, ==, b->id);
  /* Renaming keeps the seed and the creation time. */
  g_assert_true (g_bytes_equal (found->otpauth->secret, b->otpauth->secret));
  g_assert_cmpint (found->created, ==, b->created);
  g_clear_pointer (&found, lk_wallet_token_free);

  g_assert_false (lk_wallet_rename_sync (wallet, b->id, "Example", "  ", NULL, &error));
  g_assert_error (error, LK_WALLET_ERROR, LK_WALLET_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (lk_wallet_rename_sync (wallet, b->id, "Ex:ample", "bob", NULL, &error));
  g_assert_error (error, LK_WALLET_ERROR, LK_WALLET_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (lk_wallet_rename_sync (wallet, "tok-missing", "X", "y", NULL, &error));
  g_assert_error (error, LK_WALLET_ERROR, LK_WALLET_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_assert_true (lk_wallet_remove_sync (wallet, a->id, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (lk_wallet_remove_sync (wallet, a->id, NULL, &error));
  g_assert_error (error, LK_WALLET_ERROR, LK_WALLET_ERROR_NOT_FOUND);
  g_clear_error (&error);
  found = lk_wallet_find_sync (wallet, "ACME:alice", NULL, &error);
  g_assert_error (error, LK_WALLET_ERROR, LK_WALLET_ERROR_NOT_FOUND);
  g_clear_error (&error);

  wipe_wallet (wallet);
}

static void
test_code (void)
{
  /* RFC 6238 appendix B: SHA-1, 8 digits, T = 59 s gives 94287082. */
  g_autoptr(LkWalletToken) token = token_from_uri ("otpauth://totp/RFC:6238?secret=" RFC_SECRET "&digits=8&period=30");
  g_autoptr(GError) error = NULL;
  char code[LK_OTP_CODE_SIZE];
  guint left = 0;

  g_assert_true (lk_wallet_token_compute (token, 59, code, &left, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (code, ==, "94287082");
  g_assert_cmpuint (left, ==, 1);
  g_assert_true (lk_wallet_token_compute (token, 1111111109, code, &left, &error));
  g_assert_cmpstr (code, ==, "07081804");
  g_assert_cmpuint (left, ==, 1);
  g_assert_true (lk_wallet_token_compute (token, 1111111111, code, &left, &error));
  g_assert_cmpstr (code, ==, "14050471");
  g_assert_cmpuint (left, ==, 29);
}

static void
test_hotp_next (void)
{
  g_autoptr(LkWallet) wallet = lk_wallet_new ();
  g_autoptr(LkWalletToken) token = token_from_uri ("otpauth://hotp/RFC:4226?secret=" RFC_SECRET "&counter=0");
  g_autoptr(LkWalletToken) totp = token_from_uri ("otpauth://totp/T:t?secret=" RFC_SECRET);
  g_autoptr(LkWalletToken) stored = NULL;
  g_autoptr(GError) error = NULL;
  /* RFC 4226 appendix D, counters 0..3. */
  const char *expected[] = { "755224", "287082", "359152", "969429" };

  wipe_wallet (wallet);
  g_assert_true (lk_wallet_add_sync (wallet, token, NULL, &error));
  g_assert_true (lk_wallet_add_sync (wallet, totp, NULL, &error));
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      char *code = lk_wallet_next_hotp_code_sync (wallet, token->id, NULL, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (code, ==, expected[i]);
      lk_secure_str_free (code);
    }

  stored = lk_wallet_find_sync (wallet, token->id, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (stored->otpauth->counter, ==, 4);

  g_assert_null (lk_wallet_next_hotp_code_sync (wallet, totp->id, NULL, &error));
  g_assert_error (error, LK_WALLET_ERROR, LK_WALLET_ERROR_INVALID);

  wipe_wallet (wallet);
}

/* The child half of /wallet/hotp/survives-kill: prints one code, then
 * waits to be killed. */
static int
hotp_child (const char *id)
{
  g_autoptr(LkWallet) wallet = lk_wallet_new ();
  g_autoptr(GError) error = NULL;
  char *code = lk_wallet_next_hotp_code_sync (wallet, id, NULL, &error);

  if (code == NULL)
    {
      g_printerr ("child: %s\n", error->message);
      return 1;
    }
  g_print ("%s\n", code);
  fflush (stdout);
  lk_secure_str_free (code);
  for (;;)
    pause ();
}

static void
test_hotp_survives_kill (void)
{
  g_autoptr(LkWallet) wallet = lk_wallet_new ();
  g_autoptr(LkWalletToken) token = token_from_uri ("otpauth://hotp/RFC:4226?secret=" RFC_SECRET "&counter=0");
  g_autoptr(GError) error = NULL;
  g_autoptr(GIOChannel) channel = NULL;
  g_autofree char *line = NULL;
  g_autofree char *self_exe = g_file_read_link ("/proc/self/exe", NULL);
  char *argv[] = { self_exe, (char *) "--hotp-child", token->id, NULL };
  char *code;
  GPid pid;
  int out_fd;
  int status;

  wipe_wallet (wallet);
  g_assert_true (lk_wallet_add_sync (wallet, token, NULL, &error));
  g_assert_no_error (error);

  /* A separate process, not a fork of this one: GDBus threads do not
   * survive fork(). */
  g_assert_true (g_spawn_async_with_pipes (NULL, argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                                           &pid, NULL, &out_fd, NULL, &error));
  g_assert_no_error (error);
  channel = g_io_channel_unix_new (out_fd);
  g_io_channel_set_close_on_unref (channel, TRUE);
  g_assert_cmpint (g_io_channel_read_line (channel, &line, NULL, NULL, &error), ==, G_IO_STATUS_NORMAL);
  g_assert_no_error (error);
  g_strchomp (line);
  g_assert_cmpstr (line, ==, "755224");

  /* The child has shown its code; it dies without any chance to clean up. */
  g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFSIGNALED (status));
  g_spawn_close_pid (pid);

  code = lk_wallet_next_hotp_code_sync (wallet, token->id, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (code, !=, line);
  g_assert_cmpstr (code, ==, "287082");
  lk_secure_str_free (code);

  wipe_wallet (wallet);
}

/* The child half of /wallet/hotp/two-processes: takes @n codes. */
static int
hotp_burst (const char *id,
            guint       n)
{
  g_autoptr(LkWallet) wallet = lk_wallet_new ();

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;
      char *code = lk_wallet_next_hotp_code_sync (wallet, id, NULL, &error);

      if (code == NULL)
        {
          g_printerr ("child: %s\n", error->message);
          return 1;
        }
      g_print ("%s\n", code);
      lk_secure_str_free (code);
    }
  return 0;
}

static void
test_hotp_two_processes (void)
{
  g_autoptr(LkWallet) wallet = lk_wallet_new ();
  g_autoptr(LkWalletToken) token = token_from_uri ("otpauth://hotp/RFC:4226?secret=" RFC_SECRET "&counter=0");
  g_autoptr(LkWalletToken) stored = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *self_exe = g_file_read_link ("/proc/self/exe", NULL);
  char *argv[] = { self_exe, (char *) "--hotp-burst", token->id, (char *) "8", NULL };
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  GSubprocess *procs[2];

  wipe_wallet (wallet);
  g_assert_true (lk_wallet_add_sync (wallet, token, NULL, &error));
  g_assert_no_error (error);

  /* Two processes race for codes of one token: none may be handed out
   * twice. GLib's test isolation gives children /dev/null as their XDG
   * directories; give them a real runtime directory, as a session has. */
  g_subprocess_launcher_setenv (launcher, "XDG_RUNTIME_DIR", g_get_user_runtime_dir (), TRUE);
  g_mkdir_with_parents (g_get_user_runtime_dir (), 0700);
  for (guint i = 0; i < 2; i++)
    {
      procs[i] = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv, &error);
      g_assert_no_error (error);
    }
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *out = NULL;
      g_auto(GStrv) lines = NULL;

      g_assert_true (g_subprocess_communicate_utf8 (procs[i], NULL, NULL, &out, NULL, &error));
      g_assert_no_error (error);
      g_assert_cmpint (g_subprocess_get_exit_status (procs[i]), ==, 0);
      lines = g_strsplit (g_strchomp (out), "\n", -1);
      g_assert_cmpuint (g_strv_length (lines), ==, 8);
      for (guint j = 0; lines[j] != NULL; j++)
        g_assert_true (g_hash_table_add (seen, g_strdup (lines[j])));
      g_object_unref (procs[i]);
    }

  stored = lk_wallet_find_sync (wallet, token->id, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (stored->otpauth->counter, ==, 16);
  wipe_wallet (wallet);
}

static void
count_progress (guint    done,
                guint    total,
                gpointer user_data)
{
  guint *calls = user_data;

  g_assert_cmpuint (done, ==, *calls + 1);
  g_assert_cmpuint (total, ==, 5);
  (*calls)++;
}

static GPtrArray *
make_batch (guint n)
{
  GPtrArray *tokens = g_ptr_array_new_with_free_func ((GDestroyNotify) lk_wallet_token_free);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *text = g_strdup_printf ("otpauth://totp/Batch:user%u?secret=JBSWY3DPEHPK3PXP&issuer=Batch", i);

      g_ptr_array_add (tokens, token_from_uri (text));
    }
  return tokens;
}

static void
test_add_many (void)
{
  g_autoptr(LkWallet) wallet = lk_wallet_new ();
  g_autoptr(GPtrArray) batch = make_batch (5);
  g_autoptr(GPtrArray) tokens = NULL;
  g_autoptr(GError) error = NULL;
  guint calls = 0;

  wipe_wallet (wallet);
  g_assert_true (lk_wallet_add_many_sync (wallet, batch, count_progress, &calls, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (calls, ==, 5);

  tokens = lk_wallet_list_sync (wallet, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tokens->len, ==, 5);

  /* The same batch again: its ids are stored, so nothing is written. */
  g_assert_false (lk_wallet_add_many_sync (wallet, batch, NULL, NULL, NULL, &error));
  g_assert_error (error, LK_WALLET_ERROR, LK_WALLET_ERROR_INVALID);
  g_clear_error (&error);
  g_clear_pointer (&tokens, g_ptr_array_unref);
  tokens = lk_wallet_list_sync (wallet, NULL, &error);
  g_assert_cmpuint (tokens->len, ==, 5);

  wipe_wallet (wallet);
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
test_add_many_rolls_back (void)
{
  g_autoptr(LkWallet) wallet = lk_wallet_new ();
  g_autoptr(GPtrArray) batch = make_batch (5);
  g_autoptr(GPtrArray) dup = make_batch (3);
  g_autoptr(GPtrArray) tokens = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;

  wipe_wallet (wallet);

  /* Interrupted after two items were written: both are taken back. */
  g_assert_false (lk_wallet_add_many_sync (wallet, batch, cancel_after_two, cancellable, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  tokens = lk_wallet_list_sync (wallet, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tokens->len, ==, 0);
  g_clear_pointer (&tokens, g_ptr_array_unref);

  /* A batch that repeats an id is refused before anything is written. */
  g_free (((LkWalletToken *) dup->pdata[2])->id);
  ((LkWalletToken *) dup->pdata[2])->id = g_strdup (((LkWalletToken *) dup->pdata[0])->id);
  g_assert_false (lk_wallet_add_many_sync (wallet, dup, NULL, NULL, NULL, &error));
  g_assert_error (error, LK_WALLET_ERROR, LK_WALLET_ERROR_INVALID);
  g_clear_error (&error);
  tokens = lk_wallet_list_sync (wallet, NULL, &error);
  g_assert_cmpuint (tokens->len, ==, 0);
}

typedef struct
{
  GMainLoop *loop;
  guint      progress_calls;
  gboolean   ok;
  GError    *error;
  GThread   *main_thread;
} AsyncState;

static void
async_progress (guint    done,
                guint    total,
                gpointer user_data)
{
  AsyncState *state = user_data;

  /* Progress arrives on the caller's main context, so a UI can use it. */
  g_assert_true (g_thread_self () == state->main_thread);
  state->progress_calls++;
}

static void
on_add_many_done (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  AsyncState *state = user_data;

  state->ok = lk_wallet_add_many_finish (LK_WALLET (source), result, &state->error);
  g_main_loop_quit (state->loop);
}

static void
test_add_many_async (void)
{
  g_autoptr(LkWallet) wallet = lk_wallet_new ();
  g_autoptr(GPtrArray) batch = make_batch (5);
  g_autoptr(GPtrArray) tokens = NULL;
  g_autoptr(GError) error = NULL;
  AsyncState state = { 0 };

  wipe_wallet (wallet);
  state.loop = g_main_loop_new (NULL, FALSE);
  state.main_thread = g_thread_self ();
  lk_wallet_add_many_async (wallet, batch, async_progress, &state, NULL, NULL, on_add_many_done, &state);
  g_main_loop_run (state.loop);
  /* Progress calls queued before completion run before or right after it. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_no_error (state.error);
  g_assert_true (state.ok);
  g_assert_cmpuint (state.progress_calls, ==, 5);
  g_main_loop_unref (state.loop);

  tokens = lk_wallet_list_sync (wallet, NULL, &error);
  g_assert_cmpuint (tokens->len, ==, 5);
  wipe_wallet (wallet);
}

/* An item under our schema that is not a token must not hide the others. */
static void
test_corrupt_item_skipped (void)
{
  g_autoptr(LkWallet) wallet = lk_wallet_new ();
  g_autoptr(LkWalletToken) good = token_from_uri ("otpauth://totp/Good:one?secret=JBSWY3DPEHPK3PXP&issuer=Good");
  g_autoptr(GPtrArray) tokens = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) attrs = g_hash_table_new (g_str_hash, g_str_equal);
  static const SecretSchema schema = {
    LK_APP_ID ".Token", SECRET_SCHEMA_NONE,
    { { "token-id", SECRET_SCHEMA_ATTRIBUTE_STRING }, { "app-id", SECRET_SCHEMA_ATTRIBUTE_STRING }, { NULL, 0 } },
    0, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  };

  wipe_wallet (wallet);
  g_assert_true (lk_wallet_add_sync (wallet, good, NULL, &error));
  g_hash_table_insert (attrs, (gpointer) "token-id", (gpointer) "tok-broken");
  g_hash_table_insert (attrs, (gpointer) "app-id", (gpointer) LK_APP_ID);
  g_assert_true (secret_password_storev_sync (&schema, attrs, SECRET_COLLECTION_DEFAULT, "Latchkey token",
                                              "not a token", NULL, &error));
  g_assert_no_error (error);

  g_test_expect_message ("Latchkey-Wallet", G_LOG_LEVEL_WARNING, "*tok-broken*");
  tokens = lk_wallet_list_sync (wallet, NULL, &error);
  g_test_assert_expected_messages ();
  g_assert_no_error (error);
  g_assert_cmpuint (tokens->len, ==, 1);
  g_assert_cmpstr (((LkWalletToken *) tokens->pdata[0])->id, ==, good->id);

  g_assert_true (lk_wallet_remove_sync (wallet, "tok-broken", NULL, &error));
  wipe_wallet (wallet);
}

int
main (int    argc,
      char **argv)
{
  if (argc == 3 && g_str_equal (argv[1], "--hotp-child"))
    return hotp_child (argv[2]);
  if (argc == 4 && g_str_equal (argv[1], "--hotp-burst"))
    return hotp_burst (argv[2], (guint) atoi (argv[3]));

  /* --libsecret-path runs everything through libsecret's item objects,
   * the path taken inside Flatpak and for locked items, instead of the
   * fast read by object path. */
  if (argc > 1 && g_str_equal (argv[1], "--libsecret-path"))
    {
      g_setenv ("SECRET_BACKEND", "service", TRUE);
      argv[1] = argv[0];
      argc--;
      argv++;
    }

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/wallet/add-list", test_add_list);
  g_test_add_func ("/wallet/metadata-leaks-nothing", test_metadata_leaks_nothing);
  g_test_add_func ("/wallet/find-rename-remove", test_find_rename_remove);
  g_test_add_func ("/wallet/code", test_code);
  g_test_add_func ("/wallet/hotp/next", test_hotp_next);
  g_test_add_func ("/wallet/hotp/survives-kill", test_hotp_survives_kill);
  g_test_add_func ("/wallet/hotp/two-processes", test_hotp_two_processes);
  g_test_add_func ("/wallet/add-many/all", test_add_many);
  g_test_add_func ("/wallet/add-many/rolls-back", test_add_many_rolls_back);
  g_test_add_func ("/wallet/add-many/async", test_add_many_async);
  g_test_add_func ("/wallet/corrupt-item-skipped", test_corrupt_item_skipped);

  return g_test_run ();
}
