/* SPDX-License-Identifier: GPL-3.0-or-later
 * The PSKC reader on every example of RFC 6030 (figures 2-4 and 6-10), on
 * damaged and hostile files, and the writer read back by the reader. */
#include "config.h"

#include <string.h>
#include <glib.h>

#include "lk-pskc.h"

/* The secret the RFC's examples carry: "12345678901234567890". */
#define RFC_SECRET "12345678901234567890"

static char *
load (const char *name,
      gsize      *len)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "bulk", "rfc6030", name, NULL);
  g_autoptr(GError) error = NULL;
  char *data = NULL;

  g_assert_true (g_file_get_contents (path, &data, len, &error));
  g_assert_no_error (error);
  return data;
}

static GPtrArray *
read_file (const char              *name,
           const LkPskcProtection  *protection,
           GError                 **error)
{
  gsize len = 0;
  g_autofree char *data = load (name, &len);

  return lk_pskc_read (data, len, protection, error);
}

static void
assert_secret (const LkPskcKey *key,
               const char      *expected)
{
  gsize n = 0;
  const char *secret;

  g_assert_no_error (key->error);
  g_assert_nonnull (key->secret);
  secret = g_bytes_get_data (key->secret, &n);
  g_assert_cmpmem (secret, n, expected, strlen (expected));
}

static void
test_figure2 (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) keys = read_file ("figure2.pskcxml", NULL, &error);
  LkPskcKey *key;

  g_assert_no_error (error);
  g_assert_cmpuint (keys->len, ==, 1);
  key = keys->pdata[0];
  g_assert_cmpstr (key->id, ==, "12345678");
  g_assert_null (key->serial);
  g_assert_cmpstr (key->issuer, ==, "Issuer-A");
  g_assert_cmpint (key->kind, ==, LK_PSKC_HOTP);
  /* Figure 2's PlainValue is "MTIzNA==": the four bytes "1234". */
  assert_secret (key, "1234");
}

static void
test_figure3 (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) keys = read_file ("figure3.pskcxml", NULL, &error);
  LkPskcKey *key;

  g_assert_no_error (error);
  g_assert_cmpuint (keys->len, ==, 1);
  key = keys->pdata[0];
  g_assert_cmpstr (key->serial, ==, "987654321");
  g_assert_cmpstr (key->manufacturer, ==, "Manufacturer");
  g_assert_cmpstr (key->issuer, ==, "Issuer");
  g_assert_cmpuint (key->digits, ==, 8);
  g_assert_cmpuint (key->counter, ==, 0);
  assert_secret (key, RFC_SECRET);
}

static void
test_figure4 (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) keys = read_file ("figure4.pskcxml", NULL, &error);
  LkPskcKey *otp, *pin;

  g_assert_no_error (error);
  g_assert_cmpuint (keys->len, ==, 2);
  otp = keys->pdata[0];
  pin = keys->pdata[1];
  assert_secret (otp, RFC_SECRET);
  g_assert_cmpuint (otp->digits, ==, 8);
  /* The PIN key of the same device is not an OTP key: reported, not read. */
  g_assert_error (pin->error, LK_BULK_ERROR, LK_BULK_ERROR_UNSUPPORTED);
  g_assert_null (pin->secret);
}

static const guint8 figure6_key[16] = { 0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x34, 0x56,
                                        0x78, 0x90, 0x12, 0x34, 0x56, 0x78, 0x90, 0x12 };

static void
test_figure6 (void)
{
  LkPskcProtection p = { figure6_key, sizeof figure6_key, NULL, 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) keys = read_file ("figure6.pskcxml", &p, &error);
  LkPskcKey *key;

  g_assert_no_error (error);
  g_assert_cmpuint (keys->len, ==, 1);
  key = keys->pdata[0];
  g_assert_cmpstr (key->serial, ==, "987654321");
  g_assert_cmpstr (key->id, ==, "12345678");
  g_assert_cmpuint (key->digits, ==, 8);
  /* RFC 6030 section 6.1: the secret is 3132333435363738393031323334353637383930. */
  assert_secret (key, RFC_SECRET);
}

static void
test_figure6_needs_key (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) keys = read_file ("figure6.pskcxml", NULL, &error);

  g_assert_null (keys);
  g_assert_error (error, LK_BULK_ERROR, LK_BULK_ERROR_KEY_NEEDED);
  g_assert_nonnull (strstr (error->message, "Pre-shared-key"));
}

static void
test_figure6_wrong_key (void)
{
  guint8 wrong[16];
  LkPskcProtection p = { wrong, sizeof wrong, NULL, 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) keys = NULL;

  memcpy (wrong, figure6_key, sizeof wrong);
  wrong[15] ^= 1;
  keys = read_file ("figure6.pskcxml", &p, &error);
  g_assert_null (keys);
  /* Either the MAC key does not decrypt (bad padding) or, rarely, it
   * decrypts to garbage and the ValueMAC check fails. */
  g_assert_true (g_error_matches (error, LK_BULK_ERROR, LK_BULK_ERROR_WRONG_KEY)
                 || g_error_matches (error, LK_BULK_ERROR, LK_BULK_ERROR_MAC));
  g_clear_error (&error);

  /* An AES-256 key for an aes128-cbc file. */
  {
    guint8 longer[32] = { 0 };
    LkPskcProtection p2 = { longer, sizeof longer, NULL, 0 };

    keys = read_file ("figure6.pskcxml", &p2, &error);
    g_assert_null (keys);
    g_assert_error (error, LK_BULK_ERROR, LK_BULK_ERROR_WRONG_KEY);
  }
}

/* A changed ValueMAC refuses that key. */
static void
test_figure6_wrong_mac (void)
{
  LkPskcProtection p = { figure6_key, sizeof figure6_key, NULL, 0 };
  gsize len = 0;
  g_autofree char *data = load ("figure6.pskcxml", &len);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) keys = NULL;
  char *mac = strstr (data, "Su+NvtQfmvfJzF6bmQiJqoLRExc=");
  LkPskcKey *key;

  g_assert_nonnull (mac);
  mac[0] = 'T';
  keys = lk_pskc_read (data, len, &p, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (keys->len, ==, 1);
  key = keys->pdata[0];
  g_assert_error (key->error, LK_BULK_ERROR, LK_BULK_ERROR_MAC);
  g_assert_null (key->secret);
}

/* A changed ciphertext (the MAC still the original) refuses the key too. */
static void
test_figure6_altered_value (void)
{
  LkPskcProtection p = { figure6_key, sizeof figure6_key, NULL, 0 };
  gsize len = 0;
  g_autofree char *data = load ("figure6.pskcxml", &len);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) keys = NULL;
  char *cv = strstr (data, "AAECAwQFBgcICQoLDA0OD+");
  LkPskcKey *key;

  g_assert_nonnull (cv);
  cv[1] = 'B';   /* the IV: decryption still succeeds, the value differs */
  keys = lk_pskc_read (data, len, &p, &error);
  g_assert_no_error (error);
  key = keys->pdata[0];
  g_assert_nonnull (key->error);
  g_assert_null (key->secret);
}

static void
test_figure7 (void)
{
  LkPskcProtection p = { NULL, 0, "qwerty", 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) keys = read_file ("figure7.pskcxml", &p, &error);
  LkPskcKey *key;

  g_assert_no_error (error);
  g_assert_cmpuint (keys->len, ==, 1);
  key = keys->pdata[0];
  g_assert_cmpstr (key->serial, ==, "987654321");
  g_assert_cmpstr (key->manufacturer, ==, "TokenVendorAcme");
  g_assert_cmpstr (key->issuer, ==, "Example-Issuer");
  g_assert_cmpstr (key->id, ==, "123456");
  g_assert_cmpuint (key->digits, ==, 8);
  assert_secret (key, RFC_SECRET);
}

static void
test_figure7_wrong_password (void)
{
  LkPskcProtection p = { NULL, 0, "qwertz", 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) keys = read_file ("figure7.pskcxml", &p, &error);

  g_assert_null (keys);
  g_assert_true (g_error_matches (error, LK_BULK_ERROR, LK_BULK_ERROR_WRONG_KEY)
                 || g_error_matches (error, LK_BULK_ERROR, LK_BULK_ERROR_MAC));
  g_clear_error (&error);
  keys = read_file ("figure7.pskcxml", NULL, &error);
  g_assert_null (keys);
  g_assert_error (error, LK_BULK_ERROR, LK_BULK_ERROR_KEY_NEEDED);
}

/* Figure 8 encrypts with a public key: refused with a clear reason. */
static void
test_figure8 (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) keys = read_file ("figure8.pskcxml", NULL, &error);

  g_assert_null (keys);
  g_assert_error (error, LK_BULK_ERROR, LK_BULK_ERROR_UNSUPPORTED);
}

/* Figure 9 is signed; the key is read (the signature is not checked). */
static void
test_figure9 (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) keys = read_file ("figure9.pskcxml", NULL, &error);
  LkPskcKey *key;

  g_assert_no_error (error);
  g_assert_cmpuint (keys->len, ==, 1);
  key = keys->pdata[0];
  g_assert_cmpstr (key->serial, ==, "0755225266");
  g_assert_cmpuint (key->digits, ==, 6);
  assert_secret (key, RFC_SECRET);
}

static void
test_figure10 (void)
{
  static const char *const serials[] = { "654321", "123456", "9999999", "9999999" };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) keys = read_file ("figure10.pskcxml", NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (keys->len, ==, 4);
  for (guint i = 0; i < 4; i++)
    {
      LkPskcKey *key = keys->pdata[i];
      g_autofree char *id = g_strdup_printf ("%u", i + 1);

      g_assert_cmpuint (key->index, ==, i + 1);
      g_assert_cmpstr (key->serial, ==, serials[i]);
      g_assert_cmpstr (key->id, ==, id);
      g_assert_cmpstr (key->manufacturer, ==, "TokenVendorAcme");
      g_assert_cmpuint (key->digits, ==, 8);
      assert_secret (key, RFC_SECRET);
    }
}

static void
assert_refused (const char *xml,
                int         code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) keys = lk_pskc_read (xml, strlen (xml), NULL, &error);

  g_assert_null (keys);
  g_assert_error (error, LK_BULK_ERROR, code);
}

static void
test_broken (void)
{
  gsize len = 0;
  g_autofree char *data = load ("figure3.pskcxml", &len);

  assert_refused ("", LK_BULK_ERROR_PARSE);
  assert_refused ("<KeyContainer xmlns=\"urn:ietf:params:xml:ns:keyprov:pskc\"><KeyPackage>", LK_BULK_ERROR_PARSE);
  assert_refused ("<html/>", LK_BULK_ERROR_PARSE);
  assert_refused ("<KeyContainer xmlns=\"urn:example\"/>", LK_BULK_ERROR_PARSE);
  /* Messages quoting broken bytes stay valid UTF-8 (found by fuzz-pskc). */
  {
    static const char bad[] = "<KeyContainer xmlns=\"urn:ietf:params:xml:ns:keyprov:pskc\"><\xff\xfe/>";
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) keys = lk_pskc_read (bad, sizeof bad - 1, NULL, &error);

    g_assert_null (keys);
    g_assert_nonnull (error);
    g_assert_true (g_utf8_validate (error->message, -1, NULL));
  }
  /* Every truncation of a real file is refused as a whole, never half read. */
  for (gsize cut = 0; cut < len - 20; cut += 7)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) keys = lk_pskc_read (data, cut, NULL, &error);

      g_assert_null (keys);
      g_assert_error (error, LK_BULK_ERROR, LK_BULK_ERROR_PARSE);
    }
}

static void
test_hostile (void)
{
  /* Billion laughs. */
  assert_refused ("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n"
                  " <!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
                  " <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n]>\n"
                  "<KeyContainer xmlns=\"urn:ietf:params:xml:ns:keyprov:pskc\">&lol3;</KeyContainer>",
                  LK_BULK_ERROR_REFUSED);
  /* External entity (XXE). */
  assert_refused ("<?xml version=\"1.0\"?><!DOCTYPE k [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
                  "<KeyContainer xmlns=\"urn:ietf:params:xml:ns:keyprov:pskc\"><KeyPackage><Key "
                  "Algorithm=\"urn:ietf:params:xml:ns:keyprov:pskc:hotp\"><Issuer>&x;</Issuer></Key>"
                  "</KeyPackage></KeyContainer>", LK_BULK_ERROR_REFUSED);
  /* UTF-16 would hide a DOCTYPE from the byte scan: refused. */
  {
    static const char utf16[] = "<\0?\0x\0m\0l\0";
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) keys = lk_pskc_read (utf16, sizeof utf16 - 1, NULL, &error);

    g_assert_null (keys);
    g_assert_error (error, LK_BULK_ERROR, LK_BULK_ERROR_REFUSED);
  }
  /* A PBKDF2 iteration count meant to hang the reader. */
  {
    gsize len = 0;
    g_autofree char *data = load ("figure7.pskcxml", &len);
    g_autofree char *bad = NULL;
    LkPskcProtection p = { NULL, 0, "qwerty", 0 };
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) keys = NULL;
    char *at = strstr (data, "<IterationCount>1000<");

    g_assert_nonnull (at);
    *at = '\0';
    bad = g_strconcat (data, "<IterationCount>999999999999<", at + strlen ("<IterationCount>1000<"), NULL);
    keys = lk_pskc_read (bad, strlen (bad), &p, &error);
    g_assert_null (keys);
    g_assert_error (error, LK_BULK_ERROR, LK_BULK_ERROR_REFUSED);
  }
}

/* Keys with bad fields are reported one by one; the others are read. */
static void
test_bad_keys (void)
{
  const char *xml =
    "<KeyContainer Version=\"1.0\" xmlns=\"urn:ietf:params:xml:ns:keyprov:pskc\">"
    "<KeyPackage><DeviceInfo><SerialNo>A</SerialNo></DeviceInfo>"
    "<Key Id=\"1\" Algorithm=\"urn:ietf:params:xml:ns:keyprov:pskc:hotp\">"
    "<AlgorithmParameters><ResponseFormat Length=\"4\" Encoding=\"DECIMAL\"/></AlgorithmParameters>"
    "<Data><Secret><PlainValue>MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=</PlainValue></Secret></Data></Key></KeyPackage>"
    "<KeyPackage><DeviceInfo><SerialNo>B</SerialNo></DeviceInfo>"
    "<Key Id=\"2\" Algorithm=\"urn:ietf:params:xml:ns:keyprov:pskc:totp\">"
    "<AlgorithmParameters><Suite>HMAC-SHA256</Suite><ResponseFormat Length=\"6\"/></AlgorithmParameters>"
    "<Data><Secret><PlainValue>MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=</PlainValue></Secret>"
    "<TimeInterval><PlainValue>60</PlainValue></TimeInterval>"
    "<TimeDrift><PlainValue>-2</PlainValue></TimeDrift></Data></Key></KeyPackage>"
    "<KeyPackage><DeviceInfo><SerialNo>C</SerialNo></DeviceInfo>"
    "<Key Id=\"3\" Algorithm=\"urn:ietf:params:xml:ns:keyprov:pskc:hotp\">"
    "<Data><Secret><PlainValue>not base64!</PlainValue></Secret></Data></Key></KeyPackage>"
    "<KeyPackage><Key Id=\"4\" Algorithm=\"urn:ietf:params:xml:ns:keyprov:pskc:hotp\">"
    "<Data><Secret><PlainValue>MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=</PlainValue></Secret>"
    "<Counter><PlainValue>-1</PlainValue></Counter></Data></Key></KeyPackage>"
    "</KeyContainer>";
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) keys = lk_pskc_read (xml, strlen (xml), NULL, &error);
  LkPskcKey *totp;

  g_assert_no_error (error);
  g_assert_cmpuint (keys->len, ==, 4);
  g_assert_error (((LkPskcKey *) keys->pdata[0])->error, LK_BULK_ERROR, LK_BULK_ERROR_INVALID);
  totp = keys->pdata[1];
  assert_secret (totp, RFC_SECRET);
  g_assert_cmpint (totp->kind, ==, LK_PSKC_TOTP);
  g_assert_cmpint (totp->hash, ==, LK_HASH_SHA256);
  g_assert_cmpuint (totp->period, ==, 60);
  g_assert_cmpint (totp->time_drift, ==, -2);
  g_assert_error (((LkPskcKey *) keys->pdata[2])->error, LK_BULK_ERROR, LK_BULK_ERROR_INVALID);
  g_assert_error (((LkPskcKey *) keys->pdata[3])->error, LK_BULK_ERROR, LK_BULK_ERROR_INVALID);
}

static GPtrArray *
sample_keys (void)
{
  GPtrArray *keys = g_ptr_array_new_with_free_func ((GDestroyNotify) lk_pskc_key_free);
  LkPskcKey *k = lk_pskc_key_new ();

  k->index = 1;
  k->id = g_strdup ("HW-1");
  k->serial = g_strdup ("HW-1");
  k->manufacturer = g_strdup ("Acme & Sons <fobs>");
  k->kind = LK_PSKC_HOTP;
  k->digits = 8;
  k->counter = 42;
  k->secret = g_bytes_new (RFC_SECRET, 20);
  g_ptr_array_add (keys, k);
  k = lk_pskc_key_new ();
  k->index = 2;
  k->serial = g_strdup ("HW-2");
  k->kind = LK_PSKC_TOTP;
  k->hash = LK_HASH_SHA512;
  k->period = 60;
  k->time_drift = -3;
  k->secret = g_bytes_new ("0123456789abcdef0123456789abcdef", 32);
  g_ptr_array_add (keys, k);
  return keys;
}

static void
assert_round_trip (const LkPskcProtection *write_with,
                   const LkPskcProtection *read_with)
{
  g_autoptr(GPtrArray) keys = sample_keys ();
  g_autoptr(GError) error = NULL;
  g_autofree char *xml = lk_pskc_write (keys, write_with, &error);
  g_autoptr(GPtrArray) back = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (xml);
  /* Plain values are in the text; protected ones are not. */
  if (write_with == NULL)
    g_assert_nonnull (strstr (xml, "MTIzNDU2Nzg5MDEyMzQ1Njc4OTA"));
  else
    g_assert_null (strstr (xml, "MTIzNDU2Nzg5MDEyMzQ1Njc4OTA"));
  back = lk_pskc_read (xml, strlen (xml), read_with, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (back->len, ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      LkPskcKey *a = keys->pdata[i], *b = back->pdata[i];

      g_assert_no_error (b->error);
      g_assert_cmpstr (a->serial, ==, b->serial);
      g_assert_cmpstr (a->manufacturer, ==, b->manufacturer);
      g_assert_cmpint (a->kind, ==, b->kind);
      g_assert_cmpint (a->hash, ==, b->hash);
      g_assert_cmpuint (a->digits, ==, b->digits);
      g_assert_cmpuint (a->counter, ==, b->counter);
      g_assert_cmpuint (a->period, ==, b->period);
      g_assert_cmpint (a->time_drift, ==, b->time_drift);
      g_assert_true (g_bytes_equal (a->secret, b->secret));
    }
}

static void
test_write_round_trip (void)
{
  static const guint8 k16[16] = "0123456789ABCDEF";
  static const guint8 k32[32] = "0123456789ABCDEF0123456789ABCDEF";
  LkPskcProtection psk16 = { k16, 16, NULL, 0 };
  LkPskcProtection psk32 = { k32, 32, NULL, 0 };
  LkPskcProtection pw = { NULL, 0, "correct horse", 1000 };
  LkPskcProtection wrong_pw = { NULL, 0, "incorrect horse", 0 };
  g_autoptr(GPtrArray) keys = sample_keys ();
  g_autoptr(GError) error = NULL;
  g_autofree char *xml = NULL;
  g_autoptr(GPtrArray) back = NULL;

  assert_round_trip (NULL, NULL);
  assert_round_trip (&psk16, &psk16);
  assert_round_trip (&psk32, &psk32);
  assert_round_trip (&pw, &pw);

  xml = lk_pskc_write (keys, &pw, &error);
  g_assert_no_error (error);
  back = lk_pskc_read (xml, strlen (xml), &wrong_pw, &error);
  g_assert_null (back);
  g_assert_nonnull (error);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/bulk/pskc/rfc6030/figure2", test_figure2);
  g_test_add_func ("/bulk/pskc/rfc6030/figure3", test_figure3);
  g_test_add_func ("/bulk/pskc/rfc6030/figure4", test_figure4);
  g_test_add_func ("/bulk/pskc/rfc6030/figure6", test_figure6);
  g_test_add_func ("/bulk/pskc/rfc6030/figure6/needs-key", test_figure6_needs_key);
  g_test_add_func ("/bulk/pskc/rfc6030/figure6/wrong-key", test_figure6_wrong_key);
  g_test_add_func ("/bulk/pskc/rfc6030/figure6/wrong-mac", test_figure6_wrong_mac);
  g_test_add_func ("/bulk/pskc/rfc6030/figure6/altered-value", test_figure6_altered_value);
  g_test_add_func ("/bulk/pskc/rfc6030/figure7", test_figure7);
  g_test_add_func ("/bulk/pskc/rfc6030/figure7/wrong-password", test_figure7_wrong_password);
  g_test_add_func ("/bulk/pskc/rfc6030/figure8", test_figure8);
  g_test_add_func ("/bulk/pskc/rfc6030/figure9", test_figure9);
  g_test_add_func ("/bulk/pskc/rfc6030/figure10", test_figure10);
  g_test_add_func ("/bulk/pskc/broken", test_broken);
  g_test_add_func ("/bulk/pskc/hostile", test_hostile);
  g_test_add_func ("/bulk/pskc/bad-keys", test_bad_keys);
  g_test_add_func ("/bulk/pskc/write/round-trip", test_write_round_trip);
  return g_test_run ();
}
