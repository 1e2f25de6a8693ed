/* SPDX-License-Identifier: GPL-3.0-or-later
 * Unit tests for the admin forms' input checks (no GTK). */
#include "config.h"

#include <string.h>

#include "lk-admin-error.h"
#include "lk-admin-validate.h"

/* Asserts that @message is NULL (accepted) or not (refused), and frees it. */
static void
expect (char       *message,
        gboolean    accepted,
        const char *what)
{
  if (accepted && message != NULL)
    g_error ("“%s” refused: %s", what, message);
  if (!accepted && message == NULL)
    g_error ("“%s” accepted", what);
  g_free (message);
}

static void
test_login (void)
{
  expect (lk_admin_check_login ("mandy"), TRUE, "mandy");
  expect (lk_admin_check_login ("m.smith-2@corp+x_y"), TRUE, "punctuated");
  expect (lk_admin_check_login (""), FALSE, "empty");
  expect (lk_admin_check_login (NULL), FALSE, "NULL");
  expect (lk_admin_check_login ("mandy smith"), FALSE, "space");
  expect (lk_admin_check_login ("mändy"), FALSE, "non-ASCII");
  expect (lk_admin_check_login ("a;drop"), FALSE, "semicolon");
  {
    g_autofree char *max = g_strnfill (LK_ADMIN_LOGIN_MAX, 'a');
    g_autofree char *over = g_strnfill (LK_ADMIN_LOGIN_MAX + 1, 'a');

    expect (lk_admin_check_login (max), TRUE, "64 characters");
    expect (lk_admin_check_login (over), FALSE, "65 characters");
  }
}

static void
test_name (void)
{
  expect (lk_admin_check_name (""), TRUE, "empty name");
  expect (lk_admin_check_name ("Zoë O’Brien-Łukasz"), TRUE, "accented");
  expect (lk_admin_check_name ("tab\there"), FALSE, "tab");
  expect (lk_admin_check_name ("line\nbreak"), FALSE, "newline");
  expect (lk_admin_check_name ("\xff\xfe"), FALSE, "invalid UTF-8");
  {
    /* The limit counts characters, not bytes. */
    g_autoptr(GString) s = g_string_new (NULL);

    for (int i = 0; i < LK_ADMIN_NAME_MAX; i++)
      g_string_append (s, "é");
    expect (lk_admin_check_name (s->str), TRUE, "64 two-byte characters");
    g_string_append (s, "é");
    expect (lk_admin_check_name (s->str), FALSE, "65 characters");
  }
}

static void
test_email (void)
{
  expect (lk_admin_check_email ("Mandy5@myco.com", TRUE), TRUE, "vendor sample");
  expect (lk_admin_check_email ("a.b+c@mail.example.org", TRUE), TRUE, "subdomain");
  expect (lk_admin_check_email ("", FALSE), TRUE, "empty optional");
  expect (lk_admin_check_email ("", TRUE), FALSE, "empty required");
  expect (lk_admin_check_email ("mandy", FALSE), FALSE, "no @");
  expect (lk_admin_check_email ("@myco.com", FALSE), FALSE, "no local part");
  expect (lk_admin_check_email ("a@b@c.com", FALSE), FALSE, "two @");
  expect (lk_admin_check_email ("a@localhost", FALSE), FALSE, "undotted domain");
  expect (lk_admin_check_email ("a@myco.", FALSE), FALSE, "trailing dot");
  expect (lk_admin_check_email ("a@.myco.com", FALSE), FALSE, "leading dot");
  expect (lk_admin_check_email ("a@my..co", FALSE), FALSE, "double dot");
  expect (lk_admin_check_email ("a b@myco.com", FALSE), FALSE, "space");
}

static void
test_phone (void)
{
  expect (lk_admin_check_phone ("+1(407)555-1212", TRUE), TRUE, "vendor sample");
  expect (lk_admin_check_phone ("+44 20 7946 0958", TRUE), TRUE, "spaced");
  expect (lk_admin_check_phone ("", FALSE), TRUE, "empty optional");
  expect (lk_admin_check_phone ("", TRUE), FALSE, "empty required");
  expect (lk_admin_check_phone ("555-12", FALSE), FALSE, "6 digits");
  expect (lk_admin_check_phone ("1234567890123456", FALSE), FALSE, "16 digits");
  expect (lk_admin_check_phone ("12+34567890", FALSE), FALSE, "inner plus");
  expect (lk_admin_check_phone ("555-CALL-NOW", FALSE), FALSE, "letters");
}

static void
test_serial_alias_pin_device (void)
{
  expect (lk_admin_check_serial (""), TRUE, "empty serial (generated)");
  expect (lk_admin_check_serial ("OATH_12345678"), TRUE, "vendor serial");
  expect (lk_admin_check_serial ("OATH 1"), FALSE, "space in serial");
  expect (lk_admin_check_serial ("a/b"), FALSE, "slash in serial");
  expect (lk_admin_check_alias ("Jims test token"), TRUE, "vendor alias");
  expect (lk_admin_check_alias ("a\x01"), FALSE, "control in alias");
  expect (lk_admin_check_pin (""), TRUE, "no PIN");
  expect (lk_admin_check_pin ("1234"), TRUE, "4-digit PIN");
  expect (lk_admin_check_pin ("123"), FALSE, "3-digit PIN");
  expect (lk_admin_check_pin ("12a4"), FALSE, "letter in PIN");
  expect (lk_admin_check_pin ("1234567890123"), FALSE, "13-digit PIN");
  expect (lk_admin_check_device_id ("34xcdfg67dvgv45r"), TRUE, "vendor device id");
  expect (lk_admin_check_device_id (""), FALSE, "empty device id");
}

static void
test_otp (void)
{
  expect (lk_admin_check_otp ("123456", 6), TRUE, "6 of 6");
  expect (lk_admin_check_otp ("12345678", 8), TRUE, "8 of 8");
  expect (lk_admin_check_otp ("012345", 0), TRUE, "leading zero, any length");
  expect (lk_admin_check_otp ("1234567", 6), FALSE, "7 of 6");
  expect (lk_admin_check_otp ("12345", 0), FALSE, "5, any length");
  expect (lk_admin_check_otp ("12 3456", 6), FALSE, "space");
  expect (lk_admin_check_otp ("", 6), FALSE, "empty");
}

static void
test_key_hex (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) key = NULL;
  g_autofree char *hex = NULL;

  /* The vendor's sample key: "12345678801234567880" as hex, 20 bytes. */
  key = lk_admin_parse_key ("3132333435363738383031323334353637383830", LK_ADMIN_KEY_HEX, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (key), ==, 20);
  g_assert_cmpmem (g_bytes_get_data (key, NULL), 20, "12345678801234567880", 20);

  /* Spaces and upper case are fine; the hex form comes back canonical. */
  hex = lk_admin_key_to_hex ("31 32 33 34 35 36 37 38 39 30 31 32 33 34 35 36", LK_ADMIN_KEY_HEX, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (hex, ==, "31323334353637383930313233343536");

  expect (lk_admin_check_key ("ABCDEFabcdef0123456789ABCDEFabcd", LK_ADMIN_KEY_HEX), TRUE, "mixed case");
  expect (lk_admin_check_key ("", LK_ADMIN_KEY_HEX), FALSE, "empty");
  expect (lk_admin_check_key ("3132333435363738383031323334353637383830f", LK_ADMIN_KEY_HEX), FALSE, "odd length");
  expect (lk_admin_check_key ("313233343536373838303132333435363738383g", LK_ADMIN_KEY_HEX), FALSE, "non-hex");
  expect (lk_admin_check_key ("313233343536373839303132333435", LK_ADMIN_KEY_HEX), FALSE, "15 bytes");
  {
    g_autofree char *k64 = g_strnfill (128, 'a');
    g_autofree char *k65 = g_strnfill (130, 'a');

    expect (lk_admin_check_key (k64, LK_ADMIN_KEY_HEX), TRUE, "64 bytes");
    expect (lk_admin_check_key (k65, LK_ADMIN_KEY_HEX), FALSE, "65 bytes");
  }

  /* The message names the position but never echoes the key. */
  g_clear_pointer (&key, g_bytes_unref);
  key = lk_admin_parse_key ("31323334353637383830313233343536373838zz", LK_ADMIN_KEY_HEX, &error);
  g_assert_null (key);
  g_assert_error (error, LK_ADMIN_ERROR, LK_ADMIN_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "39"));
  g_assert_null (strstr (error->message, "3132"));
}

static void
test_key_base64 (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) key = NULL;
  g_autofree char *hex = NULL;

  /* base64("12345678801234567880") */
  key = lk_admin_parse_key ("MTIzNDU2Nzg4MDEyMzQ1Njc4ODA=", LK_ADMIN_KEY_BASE64, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (key, NULL), g_bytes_get_size (key), "12345678801234567880", 20);

  hex = lk_admin_key_to_hex ("MTIzNDU2Nzg4MDEyMzQ1Njc4ODA", LK_ADMIN_KEY_BASE64, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (hex, ==, "3132333435363738383031323334353637383830");

  expect (lk_admin_check_key ("MTIzNDU2Nzg4MDEyMzQ1Njc4ODA=", LK_ADMIN_KEY_BASE64), TRUE, "padded");
  expect (lk_admin_check_key ("MTIzNDU2Nzg4MDEy MzQ1Njc4ODA=", LK_ADMIN_KEY_BASE64), TRUE, "spaced");
  expect (lk_admin_check_key ("MTIzNDU2Nzg4MDEyMzQ1Njc4ODA==", LK_ADMIN_KEY_BASE64), FALSE, "over-padded");
  expect (lk_admin_check_key ("MTIzNDU2Nzg4MDEyMzQ1Njc4O=DA", LK_ADMIN_KEY_BASE64), FALSE, "inner padding");
  expect (lk_admin_check_key ("MTIzNDU2Nzg4MDEyMzQ1Njc4ODB=", LK_ADMIN_KEY_BASE64), FALSE, "stray bits");
  expect (lk_admin_check_key ("MTIzNDU2Nzg4MDEyMzQ1Njc4O", LK_ADMIN_KEY_BASE64), FALSE, "lone symbol");
  expect (lk_admin_check_key ("MTIzNDU2Nzg4MDEyMzQ1Njc4ODA-", LK_ADMIN_KEY_BASE64), FALSE, "URL alphabet");
  expect (lk_admin_check_key ("MTIzNDU2Nzg4MDEy", LK_ADMIN_KEY_BASE64), FALSE, "12 bytes");
  /* Hex text is not mistaken for Base64 of the right length by accident: 40
   * hex digits as Base64 are 30 bytes, valid, so the form's encoding choice matters. */
  expect (lk_admin_check_key ("3132333435363738383031323334353637383830", LK_ADMIN_KEY_BASE64), TRUE, "hex read as Base64");
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/admin/validate/login", test_login);
  g_test_add_func ("/admin/validate/name", test_name);
  g_test_add_func ("/admin/validate/email", test_email);
  g_test_add_func ("/admin/validate/phone", test_phone);
  g_test_add_func ("/admin/validate/serial-alias-pin-device", test_serial_alias_pin_device);
  g_test_add_func ("/admin/validate/otp", test_otp);
  g_test_add_func ("/admin/validate/key/hex", test_key_hex);
  g_test_add_func ("/admin/validate/key/base64", test_key_base64);

  return g_test_run ();
}
