/* SPDX-License-Identifier: GPL-3.0-or-later
 * Tests otpauth:// URIs: the corpus for each parsing rule, round trips, codes, and every rejection. */
#include <string.h>
#include <glib.h>

#include "lk-base32.h"
#include "lk-core-error.h"
#include "lk-otpauth.h"

#define SECRET "JBSWY3DPEHPK3PXP"  /* "Hello!\xde\xad\xbe\xef" */

typedef struct
{
  const char   *uri;
  LkOtpauthType type;
  const char   *issuer;    /* NULL: none */
  const char   *account;
  const char   *secret;    /* canonical Base32 */
  LkHash        algorithm;
  guint         digits;
  guint         period;
  guint64       counter;
} Accepted;

static const Accepted accepted[] = {
  /* The basic forms. */
  { "otpauth://totp/Example:alice@google.com?secret=" SECRET "&issuer=Example",
    LK_OTPAUTH_TOTP, "Example", "alice@google.com", SECRET, LK_HASH_SHA1, 6, 30, 0 },
  { "otpauth://totp/ACME%20Co:john.doe@email.com?secret=HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ&issuer=ACME%20Co&algorithm=SHA1&digits=6&period=30",
    LK_OTPAUTH_TOTP, "ACME Co", "john.doe@email.com", "HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ", LK_HASH_SHA1, 6, 30, 0 },
  /* Label forms: an encoded colon, spaces after the colon (encoded and literal). */
  { "otpauth://totp/Example%3Aalice?secret=" SECRET,
    LK_OTPAUTH_TOTP, "Example", "alice", SECRET, LK_HASH_SHA1, 6, 30, 0 },
  { "otpauth://totp/Example%3a%20%20alice?secret=" SECRET,
    LK_OTPAUTH_TOTP, "Example", "alice", SECRET, LK_HASH_SHA1, 6, 30, 0 },
  { "otpauth://totp/Example:%20alice?secret=" SECRET,
    LK_OTPAUTH_TOTP, "Example", "alice", SECRET, LK_HASH_SHA1, 6, 30, 0 },
  { "otpauth://totp/Example: alice?secret=" SECRET,
    LK_OTPAUTH_TOTP, "Example", "alice", SECRET, LK_HASH_SHA1, 6, 30, 0 },
  { "otpauth://totp/Big%20Bank%20:alice?secret=" SECRET,
    LK_OTPAUTH_TOTP, "Big Bank", "alice", SECRET, LK_HASH_SHA1, 6, 30, 0 },
  /* '+' is a literal plus, never a space. */
  { "otpauth://totp/AT%26T+Mobile:bob+tag@x.com?secret=" SECRET "&issuer=AT%26T+Mobile",
    LK_OTPAUTH_TOTP, "AT&T+Mobile", "bob+tag@x.com", SECRET, LK_HASH_SHA1, 6, 30, 0 },
  /* Percent-encoding of UTF-8 and of reserved characters. */
  { "otpauth://totp/Caf%C3%A9:ren%C3%A9e%2Fops?secret=" SECRET "&issuer=Caf%C3%A9",
    LK_OTPAUTH_TOTP, "Café", "renée/ops", SECRET, LK_HASH_SHA1, 6, 30, 0 },
  /* The issuer rule: the parameter wins and the label prefix is dropped. */
  { "otpauth://totp/Old:alice?secret=" SECRET "&issuer=New",
    LK_OTPAUTH_TOTP, "New", "alice", SECRET, LK_HASH_SHA1, 6, 30, 0 },
  { "otpauth://totp/alice?secret=" SECRET "&issuer=Corp",
    LK_OTPAUTH_TOTP, "Corp", "alice", SECRET, LK_HASH_SHA1, 6, 30, 0 },
  { "otpauth://totp/Corp:alice?secret=" SECRET "&issuer=",
    LK_OTPAUTH_TOTP, "Corp", "alice", SECRET, LK_HASH_SHA1, 6, 30, 0 },
  { "otpauth://totp/A%3AB:alice?secret=" SECRET "&issuer=A%3AB",
    LK_OTPAUTH_TOTP, "A:B", "alice", SECRET, LK_HASH_SHA1, 6, 30, 0 },
  { "otpauth://totp/alice?secret=" SECRET,
    LK_OTPAUTH_TOTP, NULL, "alice", SECRET, LK_HASH_SHA1, 6, 30, 0 },
  { "otpauth://totp/:a:b?secret=" SECRET,
    LK_OTPAUTH_TOTP, NULL, "a:b", SECRET, LK_HASH_SHA1, 6, 30, 0 },
  { "otpauth://totp?secret=" SECRET,
    LK_OTPAUTH_TOTP, NULL, "", SECRET, LK_HASH_SHA1, 6, 30, 0 },
  /* Every parameter, names and values in any case. */
  { "otpauth://totp/x?secret=" SECRET "&algorithm=SHA256&digits=8&period=60",
    LK_OTPAUTH_TOTP, NULL, "x", SECRET, LK_HASH_SHA256, 8, 60, 0 },
  { "otpauth://totp/x?SECRET=" SECRET "&Algorithm=sha512&DIGITS=10&period=1",
    LK_OTPAUTH_TOTP, NULL, "x", SECRET, LK_HASH_SHA512, 10, 1, 0 },
  { "otpauth://totp/x?secret=" SECRET "&algorithm=SHA-256&digits=7&period=3600",
    LK_OTPAUTH_TOTP, NULL, "x", SECRET, LK_HASH_SHA256, 7, 3600, 0 },
  { "OTPAUTH://TOTP/x?secret=" SECRET,
    LK_OTPAUTH_TOTP, NULL, "x", SECRET, LK_HASH_SHA1, 6, 30, 0 },
  /* HOTP and its counter. */
  { "otpauth://hotp/Corp:bob?secret=" SECRET "&counter=42",
    LK_OTPAUTH_HOTP, "Corp", "bob", SECRET, LK_HASH_SHA1, 6, 30, 42 },
  { "otpauth://hotp/bob?secret=" SECRET "&counter=0&digits=8&algorithm=SHA512",
    LK_OTPAUTH_HOTP, NULL, "bob", SECRET, LK_HASH_SHA512, 8, 30, 0 },
  { "otpauth://hotp/bob?secret=" SECRET "&counter=9223372036854775807",
    LK_OTPAUTH_HOTP, NULL, "bob", SECRET, LK_HASH_SHA1, 6, 30, G_MAXINT64 },
  /* Steam, as its own type and as totp with encoder=steam. */
  { "otpauth://steam/Steam:gamer?secret=" SECRET,
    LK_OTPAUTH_STEAM, "Steam", "gamer", SECRET, LK_HASH_SHA1, 5, 30, 0 },
  { "otpauth://totp/Steam:gamer?secret=" SECRET "&issuer=Steam&encoder=steam&digits=5",
    LK_OTPAUTH_STEAM, "Steam", "gamer", SECRET, LK_HASH_SHA1, 5, 30, 0 },
  /* Lenient secrets: lower case, spaces, hyphens, padding. */
  { "otpauth://totp/x?secret=jbsw%20y3dp-ehpk-3pxp",
    LK_OTPAUTH_TOTP, NULL, "x", SECRET, LK_HASH_SHA1, 6, 30, 0 },
  { "otpauth://totp/x?secret=MZXW6YTBOI======",
    LK_OTPAUTH_TOTP, NULL, "x", "MZXW6YTBOI", LK_HASH_SHA1, 6, 30, 0 },
  /* Unknown parameters, empty pairs and a fragment are ignored. */
  { "otpauth://totp/x?secret=" SECRET "&image=https%3A%2F%2Fexample.com%2Flogo.png&color=red&&#frag",
    LK_OTPAUTH_TOTP, NULL, "x", SECRET, LK_HASH_SHA1, 6, 30, 0 },
  /* A TOTP link's counter does not matter. */
  { "otpauth://totp/x?secret=" SECRET "&counter=banana",
    LK_OTPAUTH_TOTP, NULL, "x", SECRET, LK_HASH_SHA1, 6, 30, 0 },
};

static void
check_accepted (const Accepted *a,
                LkOtpauth      *uri)
{
  g_autofree char *secret = lk_base32_encode (g_bytes_get_data (uri->secret, NULL), g_bytes_get_size (uri->secret));

  g_assert_cmpint (uri->type, ==, a->type);
  g_assert_cmpstr (uri->issuer, ==, a->issuer);
  g_assert_cmpstr (uri->account, ==, a->account);
  g_assert_cmpstr (secret, ==, a->secret);
  g_assert_cmpint (uri->algorithm, ==, a->algorithm);
  g_assert_cmpuint (uri->digits, ==, a->digits);
  if (a->type != LK_OTPAUTH_HOTP)
    g_assert_cmpuint (uri->period, ==, a->period);
  else
    g_assert_cmpuint (uri->counter, ==, a->counter);
}

static void
test_accepted (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (accepted); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(LkOtpauth) uri = lk_otpauth_parse (accepted[i].uri, &error);

      if (uri == NULL)
        g_error ("%s: %s", accepted[i].uri, error->message);
      check_accepted (&accepted[i], uri);
    }
}

/* Formatting a parsed URI and parsing the result gives the same token, and
 * the canonical form is a fixed point. */
static void
test_round_trip (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (accepted); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(LkOtpauth) first = lk_otpauth_parse (accepted[i].uri, &error);
      g_autofree char *text = lk_otpauth_format (first);
      g_autoptr(LkOtpauth) second = lk_otpauth_parse (text, &error);
      g_autofree char *again = NULL;
      g_autoptr(LkOtpauth) copy = lk_otpauth_copy (first);

      if (second == NULL)
        g_error ("%s → %s: %s", accepted[i].uri, text, error->message);
      check_accepted (&accepted[i], second);
      g_assert_true (lk_otpauth_equal (first, second));
      g_assert_true (lk_otpauth_equal (first, copy));
      again = lk_otpauth_format (second);
      g_assert_cmpstr (again, ==, text);
    }
}

static void
test_format (void)
{
  g_autoptr(LkOtpauth) uri = lk_otpauth_new ();
  g_autofree char *text = NULL;
  g_autofree char *hotp = NULL;
  g_autofree char *steam = NULL;
  g_autofree char *colon = NULL;
  g_autoptr(GBytes) secret = lk_base32_decode ("HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ", NULL);

  g_bytes_unref (uri->secret);
  uri->secret = g_bytes_ref (secret);
  uri->issuer = g_strdup ("ACME Co");
  g_free (uri->account);
  uri->account = g_strdup ("john.doe+2fa@email.com");
  text = lk_otpauth_format (uri);
  g_assert_cmpstr (text, ==,
                   "otpauth://totp/ACME%20Co:john.doe%2B2fa@email.com?secret=HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ"
                   "&issuer=ACME%20Co&algorithm=SHA1&digits=6&period=30");

  uri->type = LK_OTPAUTH_HOTP;
  uri->counter = 7;
  uri->algorithm = LK_HASH_SHA256;
  uri->digits = 8;
  hotp = lk_otpauth_format (uri);
  g_assert_cmpstr (hotp, ==,
                   "otpauth://hotp/ACME%20Co:john.doe%2B2fa@email.com?secret=HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ"
                   "&issuer=ACME%20Co&algorithm=SHA256&digits=8&counter=7");

  uri->type = LK_OTPAUTH_STEAM;
  g_clear_pointer (&uri->issuer, g_free);
  steam = lk_otpauth_format (uri);
  g_assert_cmpstr (steam, ==, "otpauth://steam/john.doe%2B2fa@email.com?secret=HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ");

  /* An account with a colon and no issuer keeps its colon. */
  uri->type = LK_OTPAUTH_TOTP;
  g_free (uri->account);
  uri->account = g_strdup ("a:b");
  colon = lk_otpauth_format (uri);
  g_assert_cmpstr (colon, ==, "otpauth://totp/:a%3Ab?secret=HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ&algorithm=SHA256&digits=8&period=30");
}

static void
test_equal (void)
{
  g_autoptr(LkOtpauth) a = lk_otpauth_parse ("otpauth://totp/I:a?secret=" SECRET, NULL);
  g_autoptr(LkOtpauth) b = lk_otpauth_copy (a);

  g_assert_true (lk_otpauth_equal (a, b));
  g_assert_true (lk_otpauth_equal (NULL, NULL));
  g_assert_false (lk_otpauth_equal (a, NULL));
  b->digits = 7;
  g_assert_false (lk_otpauth_equal (a, b));
  b->digits = 6;
  b->counter = 99;  /* not part of a TOTP token */
  g_assert_true (lk_otpauth_equal (a, b));
  b->period = 60;
  g_assert_false (lk_otpauth_equal (a, b));
  b->period = 30;
  g_bytes_unref (b->secret);
  b->secret = lk_base32_decode ("MZXW6YTBOI", NULL);
  g_assert_false (lk_otpauth_equal (a, b));
  g_bytes_unref (b->secret);
  b->secret = g_bytes_ref (a->secret);
  g_free (b->issuer);
  b->issuer = g_strdup ("J");
  g_assert_false (lk_otpauth_equal (a, b));
  g_clear_pointer (&a->issuer, g_free);
  g_free (b->issuer);
  b->issuer = g_strdup ("");
  g_assert_true (lk_otpauth_equal (a, b));
}

static void
test_generate (void)
{
  /* The RFC 4226 and RFC 6238 key, as Base32. */
  const char *key = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
  g_autofree char *hotp_uri = g_strdup_printf ("otpauth://hotp/x?secret=%s&counter=1", key);
  g_autofree char *totp_uri = g_strdup_printf ("otpauth://totp/x?secret=%s&digits=8", key);
  g_autofree char *steam_uri = g_strdup_printf ("otpauth://steam/x?secret=%s", key);
  g_autoptr(LkOtpauth) hotp = lk_otpauth_parse (hotp_uri, NULL);
  g_autoptr(LkOtpauth) totp = lk_otpauth_parse (totp_uri, NULL);
  g_autoptr(LkOtpauth) steam = lk_otpauth_parse (steam_uri, NULL);
  g_autoptr(LkOtpauth) empty = lk_otpauth_new ();
  g_autoptr(GError) error = NULL;
  char code[LK_OTP_CODE_SIZE];

  g_assert_true (lk_otpauth_generate (hotp, 0, code, &error));
  g_assert_cmpstr (code, ==, "287082");
  g_assert_true (lk_otpauth_generate (totp, 59, code, &error));
  g_assert_cmpstr (code, ==, "94287082");
  g_assert_true (lk_otpauth_generate (totp, 1111111109, code, &error));
  g_assert_cmpstr (code, ==, "07081804");

  /* Steam: time step 1's truncated value 0x41397eea written in base 26
   * with the alphabet 23456789BCDFGHJKMNPQRTVWXY, lowest digit first. */
  g_assert_true (lk_otpauth_generate (steam, 59, code, &error));
  {
    guint32 value = 0x41397eea;
    const char alphabet[] = "23456789BCDFGHJKMNPQRTVWXY";
    char expected[6];

    for (int i = 0; i < 5; i++, value /= 26)
      expected[i] = alphabet[value % 26];
    expected[5] = '\0';
    g_assert_cmpstr (code, ==, expected);
  }
  g_assert_no_error (error);

  g_assert_false (lk_otpauth_generate (empty, 0, code, &error));
  g_assert_error (error, LK_CORE_ERROR, LK_CORE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  totp->digits = 11;
  g_assert_false (lk_otpauth_generate (totp, 0, code, &error));
  g_assert_error (error, LK_CORE_ERROR, LK_CORE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  totp->digits = 6;
  totp->period = 0;
  g_assert_false (lk_otpauth_generate (totp, 0, code, &error));
  g_assert_error (error, LK_CORE_ERROR, LK_CORE_ERROR_INVALID_ARGUMENT);
}

/* Each rejection: the URI and words its message must contain. */
static const struct { const char *uri; const char *words; } rejected[] = {
  /* Missing or empty secret. */
  { "otpauth://totp/x", "no secret" },
  { "otpauth://totp/x?issuer=A", "no secret" },
  { "otpauth://totp/x?secret=", "no secret" },
  { "otpauth://totp/x?secret", "no secret" },
  { "otpauth://totp/x?secret===", "empty" },
  /* A secret that is not Base32, with the position. */
  { "otpauth://totp/x?secret=JBSW1Y3D", "position 5" },
  { "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP+", "“+” at position 17" },
  { "otpauth://totp/x?secret=JBS", "3 Base32 characters" },
  /* Digits. */
  { "otpauth://totp/x?secret=" SECRET "&digits=5", "digits=5" },
  { "otpauth://totp/x?secret=" SECRET "&digits=11", "6 to 10" },
  { "otpauth://totp/x?secret=" SECRET "&digits=abc", "digits=abc" },
  { "otpauth://totp/x?secret=" SECRET "&digits=", "6 to 10" },
  { "otpauth://totp/x?secret=" SECRET "&digits=6x", "6 to 10" },
  { "otpauth://totp/x?secret=" SECRET "&digits=-6", "6 to 10" },
  { "otpauth://totp/x?secret=" SECRET "&digits=99999999999999999999", "6 to 10" },
  { "otpauth://hotp/x?secret=" SECRET "&counter=1&digits=4", "6 to 10" },
  /* Algorithm. */
  { "otpauth://totp/x?secret=" SECRET "&algorithm=MD5", "“MD5” is not supported" },
  { "otpauth://totp/x?secret=" SECRET "&algorithm=SHA384", "SHA1, SHA256 or SHA512" },
  { "otpauth://totp/x?secret=" SECRET "&algorithm=", "SHA1, SHA256 or SHA512" },
  /* Period. */
  { "otpauth://totp/x?secret=" SECRET "&period=0", "1 to 3600 seconds" },
  { "otpauth://totp/x?secret=" SECRET "&period=3601", "period=3601" },
  { "otpauth://totp/x?secret=" SECRET "&period=30s", "period=30s" },
  /* HOTP counter. */
  { "otpauth://hotp/x?secret=" SECRET, "needs a “counter=” parameter" },
  { "otpauth://hotp/x?secret=" SECRET "&counter=", "counter=" },
  { "otpauth://hotp/x?secret=" SECRET "&counter=abc", "counter=abc" },
  { "otpauth://hotp/x?secret=" SECRET "&counter=-1", "whole number" },
  { "otpauth://hotp/x?secret=" SECRET "&counter=18446744073709551616", "whole number" },
  { "otpauth://hotp/x?secret=" SECRET "&counter=9223372036854775808", "9223372036854775807" },
  /* Scheme and type. */
  { "http://totp/x?secret=" SECRET, "otpauth://" },
  { "otpauth:/totp/x?secret=" SECRET, "otpauth://" },
  { "", "otpauth://" },
  { SECRET, "otpauth://" },
  { "otpauth://motp/x?secret=" SECRET, "“motp” is not supported" },
  { "otpauth:///x?secret=" SECRET, "does not say its type" },
  { "otpauth://to\ntp/x?secret=" SECRET, "“to?tp” is not supported" },
  { "otpauth://totp/x?secret=" SECRET "&digits=%0A", "digits=?" },
  { "otpauth://?secret=" SECRET, "does not say its type" },
  /* Percent-encoding. */
  { "otpauth://totp/a%4?secret=" SECRET, "broken %-escape" },
  { "otpauth://totp/a%G0b?secret=" SECRET, "broken %-escape" },
  { "otpauth://totp/a%?secret=" SECRET, "broken %-escape" },
  { "otpauth://totp/a%00b?secret=" SECRET, "NUL" },
  { "otpauth://totp/a%FFb?secret=" SECRET, "UTF-8" },
  { "otpauth://totp/x?secret=" SECRET "&issuer=%C3", "UTF-8" },
  { "otpauth://totp/x?secret=" SECRET "&issuer=a%2", "broken %-escape" },
  { "otpauth://totp/x?secret=JBSW%ZZ", "broken %-escape" },
  /* Ambiguity. */
  { "otpauth://totp/x?secret=" SECRET "&secret=" SECRET, "“secret” twice" },
  { "otpauth://totp/x?secret=" SECRET "&digits=6&DIGITS=8", "“digits” twice" },
  /* Steam's fixed parameters. */
  { "otpauth://steam/x?secret=" SECRET "&digits=6", "5 characters" },
  { "otpauth://steam/x?secret=" SECRET "&algorithm=SHA256", "SHA1" },
  { "otpauth://steam/x?secret=" SECRET "&period=60", "30 seconds" },
  { "otpauth://hotp/x?secret=" SECRET "&counter=1&encoder=steam", "time-based" },
};

static void
test_rejected (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (rejected); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(LkOtpauth) uri = lk_otpauth_parse (rejected[i].uri, &error);

      if (uri != NULL)
        g_error ("“%s” was accepted", rejected[i].uri);
      g_assert_error (error, LK_CORE_ERROR, LK_CORE_ERROR_URI);
      if (strstr (error->message, rejected[i].words) == NULL)
        g_error ("“%s”: message “%s” lacks “%s”", rejected[i].uri, error->message, rejected[i].words);
      /* One line of valid UTF-8, and never the secret itself. */
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      g_assert_null (strchr (error->message, '\n'));
      g_assert_null (strstr (error->message, SECRET));
      g_assert_null (strstr (error->message, "JBSW"));
    }
}

static void
test_too_long (void)
{
  g_autoptr(GString) uri = g_string_new ("otpauth://totp/x?secret=" SECRET "&image=");
  g_autoptr(GError) error = NULL;
  g_autoptr(LkOtpauth) parsed = NULL;

  while (uri->len <= 8192)
    g_string_append_c (uri, 'a');
  parsed = lk_otpauth_parse (uri->str, &error);
  g_assert_null (parsed);
  g_assert_error (error, LK_CORE_ERROR, LK_CORE_ERROR_URI);
  g_assert_nonnull (strstr (error->message, "too long"));
}

static void
test_type_names (void)
{
  LkOtpauthType type = LK_OTPAUTH_TOTP;

  g_assert_cmpstr (lk_otpauth_type_to_string (LK_OTPAUTH_TOTP), ==, "totp");
  g_assert_cmpstr (lk_otpauth_type_to_string (LK_OTPAUTH_HOTP), ==, "hotp");
  g_assert_cmpstr (lk_otpauth_type_to_string (LK_OTPAUTH_STEAM), ==, "steam");
  g_assert_true (lk_otpauth_type_from_string ("HOTP", &type));
  g_assert_cmpint (type, ==, LK_OTPAUTH_HOTP);
  g_assert_false (lk_otpauth_type_from_string ("motp", &type));
  g_assert_false (lk_otpauth_type_from_string (NULL, &type));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/core/otpauth/parse/accepted", test_accepted);
  g_test_add_func ("/core/otpauth/parse/rejected", test_rejected);
  g_test_add_func ("/core/otpauth/parse/too-long", test_too_long);
  g_test_add_func ("/core/otpauth/round-trip", test_round_trip);
  g_test_add_func ("/core/otpauth/format", test_format);
  g_test_add_func ("/core/otpauth/equal", test_equal);
  g_test_add_func ("/core/otpauth/generate", test_generate);
  g_test_add_func ("/core/otpauth/type-names", test_type_names);

  return g_test_run ();
}
