/* SPDX-License-Identifier: GPL-3.0-or-later
 * LkWalletToken and the text its keyring item holds; no keyring needed. */
#include "config.h"

#include <string.h>

#include "lk-secure.h"
#include "lk-wallet-private.h"

static LkWalletToken *
token_from_uri (const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkOtpauth) uri = lk_otpauth_parse (text, &error);

  g_assert_no_error (error);
  return lk_wallet_token_new (uri);
}

static void
test_roundtrip (void)
{
  g_autoptr(LkWalletToken) token = token_from_uri ("otpauth://hotp/Bank:bob%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=Bank&counter=42&digits=8&algorithm=SHA512");
  g_autoptr(LkWalletToken) back = NULL;
  g_autoptr(GError) error = NULL;
  char *text;

  token->note = g_strdup ("first line\nuri=otpauth://totp/evil?secret=AAAA");
  token->group = g_strdup ("Money & such");
  token->icon = g_bytes_new ("\x00\x01\x02\xff", 4);
  token->icon_mime = g_strdup ("image/png");
  token->created = 1700000000;

  text = lk_wallet_token_serialize (token);
  g_assert_true (g_str_has_prefix (text, "latchkey-token 1\n"));
  back = lk_wallet_token_deserialize (text, &error);
  lk_secure_str_free (text);
  g_assert_no_error (error);

  g_assert_cmpstr (back->id, ==, token->id);
  g_assert_true (lk_otpauth_equal (back->otpauth, token->otpauth));
  g_assert_cmpuint (back->otpauth->counter, ==, 42);
  /* A newline in a note cannot inject a second "uri=" line. */
  g_assert_cmpstr (back->note, ==, token->note);
  g_assert_cmpstr (back->group, ==, "Money & such");
  g_assert_true (g_bytes_equal (back->icon, token->icon));
  g_assert_cmpstr (back->icon_mime, ==, "image/png");
  g_assert_cmpint (back->created, ==, 1700000000);
}

static void
test_corrupt (void)
{
  const char *bad[] = {
    "",
    "not a token",
    "latchkey-token 1\n",
    "latchkey-token 1\nid=tok-1\n",
    "latchkey-token 1\nid=tok-1\nuri=otpauth://totp/x?secret=1111\n",
    "latchkey-token 1\nid=tok-1\nno equals sign\nuri=otpauth://totp/x?secret=JBSWY3DP\n",
    "latchkey-token 1\nuri=otpauth://totp/x?secret=JBSWY3DP\n",
    "latchkey-token 2\nid=tok-1\nuri=otpauth://totp/x?secret=JBSWY3DP\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(LkWalletToken) token = lk_wallet_token_deserialize (bad[i], &error);

      g_assert_null (token);
      g_assert_error (error, LK_WALLET_ERROR, LK_WALLET_ERROR_CORRUPT);
      /* The message never quotes the secret. */
      g_assert_null (strstr (error->message, "JBSWY3DP"));
    }
}

static void
test_unknown_keys_ignored (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkWalletToken) token =
    lk_wallet_token_deserialize ("latchkey-token 1\nid=tok-9\nfuture=thing\nuri=otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP&issuer=A\n", &error);

  g_assert_no_error (error);
  g_assert_cmpstr (token->id, ==, "tok-9");
  g_assert_cmpstr (token->otpauth->issuer, ==, "A");
}

static void
test_names (void)
{
  g_autoptr(LkWalletToken) a = token_from_uri ("otpauth://totp/ACME:Alice?secret=JBSWY3DPEHPK3PXP&issuer=ACME");
  g_autoptr(LkWalletToken) b = token_from_uri ("otpauth://totp/solo?secret=JBSWY3DPEHPK3PXP");
  g_autoptr(LkWalletToken) copy = lk_wallet_token_copy (a);
  g_autofree char *name_a = lk_wallet_token_dup_name (a);
  g_autofree char *name_b = lk_wallet_token_dup_name (b);

  g_assert_cmpstr (name_a, ==, "ACME:Alice");
  g_assert_cmpstr (name_b, ==, "solo");
  g_assert_true (lk_wallet_token_matches (a, "acme:alice"));
  g_assert_true (lk_wallet_token_matches (a, a->id));
  g_assert_false (lk_wallet_token_matches (a, "Alice"));
  g_assert_false (lk_wallet_token_matches (a, "\xff\xfe"));
  g_assert_true (lk_wallet_token_matches (b, "SOLO"));
  g_assert_true (g_str_has_prefix (a->id, "tok-"));
  g_assert_cmpuint (strlen (a->id), ==, 36);
  g_assert_cmpstr (a->id, !=, b->id);
  g_assert_cmpstr (copy->id, ==, a->id);
  g_assert_true (lk_otpauth_equal (copy->otpauth, a->otpauth));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/wallet/token/roundtrip", test_roundtrip);
  g_test_add_func ("/wallet/token/corrupt", test_corrupt);
  g_test_add_func ("/wallet/token/unknown-keys-ignored", test_unknown_keys_ignored);
  g_test_add_func ("/wallet/token/names", test_names);

  return g_test_run ();
}
