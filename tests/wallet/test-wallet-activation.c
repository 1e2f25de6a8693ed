/* SPDX-License-Identifier: GPL-3.0-or-later
 * Tests for lk-wallet-activation against a real gnome-keyring: binding secret, pending activations, AM2 into a token. */
#include "config.h"

#include <string.h>
#include <libsecret/secret.h>

#include "lk-activation.h"
#include "lk-core-error.h"
#include "lk-secure.h"
#include "lk-wallet-activation.h"

static const LkActivationOtp totp6 = { LK_ACTIVATION_OTP_TOTP, LK_HASH_SHA1, 6, 30 };

/* The same schema as the wallet's, to look at what the keyring holds. */
static const SecretSchema *
schema (void)
{
  static const SecretSchema s = {
    LK_APP_ID ".Activation", SECRET_SCHEMA_NONE,
    {
      { "app-id", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "kind", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "activation", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    },
    0, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  };
  return &s;
}

static GList *
items_of_kind (const char *kind)
{
  g_autoptr(GHashTable) attrs = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  GList *items;

  g_hash_table_insert (attrs, (gpointer) "app-id", (gpointer) LK_APP_ID);
  g_hash_table_insert (attrs, (gpointer) "kind", (gpointer) kind);
  items = secret_password_searchv_sync (schema (), attrs, SECRET_SEARCH_ALL, NULL, &error);
  g_assert_no_error (error);
  return items;
}

/* The server's side, in this process: AM1 for "LK-W", and AM2 for a code. */
static LkAm1 *
server_am1 (gint64 expires)
{
  g_autoptr(GError) error = NULL;
  LkAm1 *am1 = lk_am1_generate ("LK-W", "ACME", "carol", &totp6, expires, &error);

  g_assert_no_error (error);
  return am1;
}

static char *
server_am2 (const LkAm1 *am1,
            const char  *code_text,
            GBytes      *seed)
{
  g_autoptr(GError) error = NULL;
  LkDeviceCode code;
  char *am2;

  g_assert_true (lk_device_code_parse (code_text, &code, &error));
  g_assert_true (lk_device_code_verify (&code, am1->activation_id, am1->activation_key));
  am2 = lk_am2_build (am1->activation_id, am1->activation_key, &code, 4, &totp6, 0, seed, &error);
  g_assert_no_error (error);
  return am2;
}

static gint64
now (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

static void
test_binding_secret (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) first = lk_wallet_activation_get_binding_secret_sync (NULL, &error);
  g_autoptr(GBytes) second = NULL;
  GList *items;

  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (first), ==, LK_ACTIVATION_BINDING_SECRET_SIZE);
  second = lk_wallet_activation_get_binding_secret_sync (NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (first, second));

  items = items_of_kind ("binding");
  g_assert_cmpuint (g_list_length (items), ==, 1);
  g_list_free_full (items, g_object_unref);
}

static void
test_scan_both (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkWallet) wallet = lk_wallet_new ();
  g_autoptr(LkAm1) am1 = server_am1 (now () + 600);
  g_autoptr(LkAm1) scanned = NULL;
  g_autoptr(LkWalletToken) token = NULL;
  g_autoptr(LkWalletToken) again = NULL;
  g_autoptr(GBytes) seed = lk_otp_generate_seed (LK_HASH_SHA1, &error);
  g_autofree char *am1_text = lk_am1_format (am1, &error);
  g_autofree char *am2 = NULL;
  g_autofree char *name = NULL;
  char code[LK_DEVICE_CODE_TEXT_SIZE];
  guint32 instance = 0;
  GList *items;

  g_assert_no_error (error);
  scanned = lk_wallet_activation_scan_am1_sync (am1_text, now (), code, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (scanned->label, ==, "carol");

  /* The pending item says nothing about issuer, label or licence. */
  items = items_of_kind ("pending");
  g_assert_cmpuint (g_list_length (items), ==, 1);
  {
    SecretItem *item = items->data;
    g_autoptr(GHashTable) attrs = secret_item_get_attributes (item);
    g_autofree char *label = secret_item_get_label (item);
    GHashTableIter iter;
    gpointer key, value;

    g_assert_cmpstr (label, ==, "Latchkey activation");
    g_hash_table_iter_init (&iter, attrs);
    while (g_hash_table_iter_next (&iter, &key, &value))
      {
        g_assert_null (strstr (value, "ACME"));
        g_assert_null (strstr (value, "carol"));
        g_assert_null (strstr (value, "LK-W"));
      }
  }
  g_list_free_full (items, g_object_unref);

  am2 = server_am2 (am1, code, seed);
  token = lk_wallet_activation_scan_am2_sync (wallet, am2, &instance, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (instance, ==, 4);
  name = lk_wallet_token_dup_name (token);
  g_assert_cmpstr (name, ==, "ACME:carol");
  g_assert_true (g_bytes_equal (token->otpauth->secret, seed));

  /* Stored in the wallet, and the pending activation is gone. */
  again = lk_wallet_find_sync (wallet, token->id, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (again->otpauth->secret, seed));
  items = items_of_kind ("pending");
  g_assert_cmpuint (g_list_length (items), ==, 0);
  g_assert_null (lk_wallet_activation_scan_am2_sync (wallet, am2, NULL, NULL, &error));
  g_assert_error (error, LK_WALLET_ERROR, LK_WALLET_ERROR_NOT_FOUND);

  g_assert_true (lk_wallet_remove_sync (wallet, token->id, NULL, NULL));
}

static void
test_refusals (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkWallet) wallet = lk_wallet_new ();
  g_autoptr(LkAm1) expired = server_am1 (now () - 1);
  g_autoptr(LkAm1) short_lived = server_am1 (now () + 5);
  g_autoptr(LkAm1) fresh = server_am1 (now () + 600);
  g_autoptr(LkAm1) scanned = NULL;
  g_autoptr(GBytes) seed = lk_otp_generate_seed (LK_HASH_SHA1, &error);
  g_autofree char *expired_text = lk_am1_format (expired, &error);
  g_autofree char *short_text = lk_am1_format (short_lived, &error);
  g_autofree char *fresh_text = lk_am1_format (fresh, &error);
  g_autofree char *am2 = NULL;
  char code[LK_DEVICE_CODE_TEXT_SIZE], short_code[LK_DEVICE_CODE_TEXT_SIZE];
  GList *items;

  /* Expired, and not an AM1 at all: refused, nothing kept. */
  g_assert_null (lk_wallet_activation_scan_am1_sync (expired_text, now (), code, NULL, &error));
  g_assert_error (error, LK_CORE_ERROR, LK_CORE_ERROR_ACTIVATION);
  g_clear_error (&error);
  g_assert_null (lk_wallet_activation_scan_am1_sync ("otpauth://totp/x?secret=AAAA", now (), code, NULL, &error));
  g_assert_error (error, LK_CORE_ERROR, LK_CORE_ERROR_ACTIVATION);
  g_clear_error (&error);
  items = items_of_kind ("pending");
  g_assert_cmpuint (g_list_length (items), ==, 0);

  /* A pending activation that expires is dropped by the next scan. */
  scanned = lk_wallet_activation_scan_am1_sync (short_text, now (), short_code, NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&scanned, lk_am1_free);
  scanned = lk_wallet_activation_scan_am1_sync (fresh_text, now () + 60, code, NULL, &error);
  g_assert_no_error (error);
  items = items_of_kind ("pending");
  g_assert_cmpuint (g_list_length (items), ==, 1);
  g_list_free_full (items, g_object_unref);
  am2 = server_am2 (short_lived, short_code, seed);
  g_assert_null (lk_wallet_activation_scan_am2_sync (wallet, am2, NULL, NULL, &error));
  g_assert_error (error, LK_WALLET_ERROR, LK_WALLET_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* A tampered AM2 for the live activation: refused, the pending kept. */
  g_clear_pointer (&am2, g_free);
  am2 = server_am2 (fresh, code, seed);
  am2[strlen (am2) - 3] = am2[strlen (am2) - 3] == 'A' ? 'B' : 'A';
  g_assert_null (lk_wallet_activation_scan_am2_sync (wallet, am2, NULL, NULL, &error));
  g_assert_error (error, LK_CORE_ERROR, LK_CORE_ERROR_ACTIVATION);
  items = items_of_kind ("pending");
  g_assert_cmpuint (g_list_length (items), ==, 1);
  g_list_free_full (items, g_object_unref);
}

typedef struct
{
  GMainLoop     *loop;
  LkAm1         *am1;
  LkWalletToken *token;
  guint32        instance;
  char           code[LK_DEVICE_CODE_TEXT_SIZE];
  GError        *error;
} AsyncState;

static void
on_am1 (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  AsyncState *state = user_data;

  state->am1 = lk_wallet_activation_scan_am1_finish (result, state->code, &state->error);
  g_main_loop_quit (state->loop);
}

static void
on_am2 (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  AsyncState *state = user_data;

  state->token = lk_wallet_activation_scan_am2_finish (LK_WALLET (source), result, &state->instance,
                                                       &state->error);
  g_main_loop_quit (state->loop);
}

static void
test_async (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkWallet) wallet = lk_wallet_new ();
  g_autoptr(LkAm1) am1 = server_am1 (now () + 600);
  g_autoptr(GBytes) seed = lk_otp_generate_seed (LK_HASH_SHA256, &error);
  g_autofree char *am1_text = lk_am1_format (am1, &error);
  g_autofree char *am2 = NULL;
  AsyncState state = { 0 };

  state.loop = g_main_loop_new (NULL, FALSE);
  lk_wallet_activation_scan_am1_async (am1_text, NULL, on_am1, &state);
  g_main_loop_run (state.loop);
  g_assert_no_error (state.error);
  g_assert_nonnull (state.am1);

  am2 = server_am2 (am1, state.code, seed);
  lk_wallet_activation_scan_am2_async (wallet, am2, NULL, on_am2, &state);
  g_main_loop_run (state.loop);
  g_assert_no_error (state.error);
  g_assert_nonnull (state.token);
  g_assert_cmpuint (state.instance, ==, 4);
  g_assert_true (g_bytes_equal (state.token->otpauth->secret, seed));

  g_assert_true (lk_wallet_remove_sync (wallet, state.token->id, NULL, NULL));
  lk_am1_free (state.am1);
  lk_wallet_token_free (state.token);
  g_main_loop_unref (state.loop);
}

int
main (int    argc,
      char **argv)
{
  /* No G_TEST_OPTION_ISOLATE_DIRS: lk-test-session.sh gives the run its
   * own HOME and XDG directories and a private keyring already. */
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/wallet/activation/binding-secret", test_binding_secret);
  g_test_add_func ("/wallet/activation/scan-both", test_scan_both);
  g_test_add_func ("/wallet/activation/refusals", test_refusals);
  g_test_add_func ("/wallet/activation/async", test_async);

  return g_test_run ();
}
