/* SPDX-License-Identifier: GPL-3.0-or-later
 * The PSKC reader on every example of RFC 6030 (figures 2-10), on
 * damaged and hostile files, and the writer read back by the reader. */
#include "config.h"

#include <string.h>
#include <glib.h>

#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "lk-pskc.h"
#include "pskc-test-sign.h"

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

static GPtrArray *
read_text (const char              *xml,
           const LkPskcProtection  *protection,
           LkPskcInfo              *info,
           GError                 **error)
{
  return lk_pskc_read_full (xml, strlen (xml), protection, info, error);
}

/* Replaces the first @from in @text with @to. */
static char *
replace (const char *text,
         const char *from,
         const char *to)
{
  const char *at = strstr (text, from);

  g_assert_nonnull (at);
  return g_strdup_printf ("%.*s%s%s", (int) (at - text), text, to, at + strlen (from));
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

/* Figure 4: the token derives its key from a master key the file only
 * names (KeyReference); nothing to import, and said so. */
static void
test_figure4 (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) keys = read_file ("figure4.pskcxml", NULL, &error);
  LkPskcKey *key;

  g_assert_no_error (error);
  g_assert_cmpuint (keys->len, ==, 1);
  key = keys->pdata[0];
  g_assert_cmpstr (key->serial, ==, "987654321");
  g_assert_cmpstr (key->id, ==, "12345678");
  g_assert_error (key->error, LK_BULK_ERROR, LK_BULK_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (key->error->message, "MasterKeyLabel"));
  g_assert_null (key->secret);
}

static void
test_figure5 (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) keys = read_file ("figure5.pskcxml", NULL, &error);
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

/* Figure 8 is encrypted to the RFC's certificate, whose private key is not
 * published: read, and refused with the reason (the key is needed); a
 * private key of another certificate is refused before any decryption. */
static void
test_figure8 (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) keys = read_file ("figure8.pskcxml", NULL, &error);
  g_autofree char *pem = NULL;
  LkPskcProtection p = { 0 };

  g_assert_null (keys);
  g_assert_error (error, LK_BULK_ERROR, LK_BULK_ERROR_KEY_NEEDED);
  g_assert_nonnull (strstr (error->message, "CN=PSKC Test,OU=KeyProv WG,O=IETF"));
  g_assert_nonnull (strstr (error->message, "--private-key"));
  g_clear_error (&error);

  pem = key_pem (pki ()->key);
  p.private_key_pem = pem;
  keys = read_file ("figure8.pskcxml", &p, &error);
  g_assert_null (keys);
  g_assert_error (error, LK_BULK_ERROR, LK_BULK_ERROR_WRONG_KEY);
  g_assert_nonnull (strstr (error->message, "PSKC Test"));
}

/* Figure 9's signature is a placeholder (its Reference names "#Device",
 * which is not in the file, and the SignatureValue repeats the digest): it
 * cannot verify, so the file is refused as a whole. */
static void
test_figure9 (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) keys = read_file ("figure9.pskcxml", NULL, &error);
  g_autofree char *pem = cert_pem (pki ()->cert);
  LkPskcProtection p = { 0 };

  g_assert_null (keys);
  g_assert_error (error, LK_BULK_ERROR, LK_BULK_ERROR_SIGNATURE);
  g_clear_error (&error);
  p.signer_cert_pem = pem;
  keys = read_file ("figure9.pskcxml", &p, &error);
  g_assert_null (keys);
  g_assert_error (error, LK_BULK_ERROR, LK_BULK_ERROR_SIGNATURE);
  g_clear_error (&error);
  p.signer_cert_pem = NULL;
  p.allow_untrusted_signer = TRUE;
  keys = read_file ("figure9.pskcxml", &p, &error);
  g_assert_null (keys);
  g_assert_error (error, LK_BULK_ERROR, LK_BULK_ERROR_SIGNATURE);
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

/* ---- XML signatures (RFC 6030 section 7) ------------------------------------------- */

static void
assert_signed_key (GPtrArray *keys)
{
  g_assert_nonnull (keys);
  g_assert_cmpuint (keys->len, ==, 1);
  g_assert_cmpstr (((LkPskcKey *) keys->pdata[0])->serial, ==, "SIG-1");
  assert_secret (keys->pdata[0], RFC_SECRET);
}

/* Exclusive C14N, SHA-256, the root by its Id, checked against the trusted
 * certificate; then C14N 1.0 and SHA-1 over URI "". */
static void
test_signature_valid (void)
{
  SignSpec spec = { .uri = "#KC1" };
  g_autofree char *xml = signed_container (&spec);
  g_autofree char *pem = cert_pem (pki ()->cert);
  LkPskcProtection p = { .signer_cert_pem = pem };
  g_auto(LkPskcInfo) info = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) keys = read_text (xml, &p, &info, &error);

  g_assert_no_error (error);
  assert_signed_key (keys);
  g_assert_cmpint (info.signature, ==, LK_PSKC_SIGNED_TRUSTED);
  g_assert_cmpstr (info.signer, ==, "CN=Latchkey Test Vendor,O=Latchkey tests");
  lk_pskc_info_clear (&info);
  g_clear_pointer (&keys, g_ptr_array_unref);

  {
    SignSpec inc = { .uri = "", .inclusive = TRUE, .sha1 = TRUE };
    g_autofree char *xml2 = signed_container (&inc);

    keys = read_text (xml2, &p, &info, &error);
    g_assert_no_error (error);
    assert_signed_key (keys);
    g_assert_cmpint (info.signature, ==, LK_PSKC_SIGNED_TRUSTED);
  }
}

/* The same signed container written differently (an XML declaration,
 * attributes reordered and single-quoted, an empty-element tag, CRLF line
 * ends, a comment) has the same canonical form: it still verifies. */
static void
test_signature_canonical (void)
{
  SignSpec spec = { .uri = "#KC1" };
  g_autofree char *xml = signed_container (&spec);
  g_autofree char *a = replace (xml, SIGNED_OPEN, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
                                "<pskc:KeyContainer Version='1.0' xmlns:pskc=\"" NS_PSKC "\"\r\n   Id=\"KC1\" >");
  g_autofree char *b = replace (a, "<pskc:ResponseFormat Encoding=\"DECIMAL\" Length=\"8\"></pskc:ResponseFormat>",
                                "<pskc:ResponseFormat Length=\"8\"  Encoding='DECIMAL'/>");
  g_autofree char *c0 = replace (b, "</pskc:AlgorithmParameters>\n", "</pskc:AlgorithmParameters>\r\n");
  /* Same-document references leave comments out (XML-DSig 4.3.3.3). */
  g_autofree char *c1 = replace (c0, "<pskc:Data>", "<!-- written by hand --><pskc:Data>");
  /* A comment inside a value: left out of the digest, and the reader takes
   * the whole text, not the part before it (the SAML comment trick). */
  g_autofree char *c = replace (c1, ">SIG-1<", ">SIG-<!-- x -->1<");
  g_autofree char *pem = cert_pem (pki ()->cert);
  LkPskcProtection p = { .signer_cert_pem = pem };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) keys = read_text (c, &p, NULL, &error);

  g_assert_no_error (error);
  assert_signed_key (keys);
}

/* One changed byte anywhere signed refuses the whole file. */
static void
test_signature_tampered (void)
{
  SignSpec spec = { .uri = "#KC1" };
  g_autofree char *xml = signed_container (&spec);
  g_autofree char *pem = cert_pem (pki ()->cert);
  LkPskcProtection p = { .signer_cert_pem = pem };
  static const char *const edits[][2] = {
    { "MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=", "MTIzNDU2Nzg5MDEyMzQ1Njc4OTE=" },   /* the secret */
    { "<pskc:SerialNo>SIG-1<", "<pskc:SerialNo>SIG-2<" },
    { "Length=\"8\"", "Length=\"6\"" },
    { "</pskc:KeyPackage>\n", "</pskc:KeyPackage>\n<pskc:KeyPackage></pskc:KeyPackage>" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (edits); i++)
    {
      g_autofree char *bad = replace (xml, edits[i][0], edits[i][1]);
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) keys = read_text (bad, &p, NULL, &error);

      g_assert_null (keys);
      g_assert_error (error, LK_BULK_ERROR, LK_BULK_ERROR_SIGNATURE);
      g_assert_nonnull (strstr (error->message, "altered"));
    }
  /* A changed SignatureValue (the digest still right). */
  {
    const char *at = strstr (xml, "<ds:SignatureValue>") + strlen ("<ds:SignatureValue>");
    g_autofree char *bad = g_strdup (xml);
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) keys = NULL;

    bad[at - xml + 10] = bad[at - xml + 10] == 'A' ? 'B' : 'A';
    keys = read_text (bad, &p, NULL, &error);
    g_assert_null (keys);
    g_assert_error (error, LK_BULK_ERROR, LK_BULK_ERROR_SIGNATURE);
  }
}

/* Signed by someone else than the certificate the admin trusts; a valid
 * signature by an unknown certificate without --allow-untrusted-signer. */
static void
test_signature_untrusted (void)
{
  SignSpec spec = { .uri = "#KC1" };
  g_autofree char *xml = signed_container (&spec);
  g_autofree char *other = cert_pem (pki_other ()->cert);
  g_auto(LkPskcInfo) info = { 0 };
  LkPskcProtection p = { .signer_cert_pem = other };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) keys = read_text (xml, &p, &info, &error);

  g_assert_null (keys);
  g_assert_error (error, LK_BULK_ERROR, LK_BULK_ERROR_UNTRUSTED_SIGNER);
  g_assert_nonnull (strstr (error->message, "Latchkey Test Vendor"));
  g_assert_nonnull (strstr (error->message, "Someone Else"));
  g_assert_cmpint (info.signature, ==, LK_PSKC_UNSIGNED);
  g_clear_error (&error);

  /* Without a certificate in the file, the trusted one does not verify it. */
  {
    SignSpec bare = { .uri = "#KC1", .no_cert = TRUE };
    g_autofree char *xml2 = signed_container (&bare);

    keys = read_text (xml2, &p, NULL, &error);
    g_assert_null (keys);
    g_assert_error (error, LK_BULK_ERROR, LK_BULK_ERROR_SIGNATURE);
    g_clear_error (&error);
    /* ... nor can anything without any certificate. */
    keys = read_text (xml2, NULL, NULL, &error);
    g_assert_null (keys);
    g_assert_error (error, LK_BULK_ERROR, LK_BULK_ERROR_UNTRUSTED_SIGNER);
    g_assert_nonnull (strstr (error->message, "--signer-cert"));
    g_clear_error (&error);
  }

  /* No --signer-cert: refused, the signer named... */
  keys = read_text (xml, NULL, &info, &error);
  g_assert_null (keys);
  g_assert_error (error, LK_BULK_ERROR, LK_BULK_ERROR_UNTRUSTED_SIGNER);
  g_assert_nonnull (strstr (error->message, "CN=Latchkey Test Vendor"));
  g_clear_error (&error);
  /* ... unless explicitly allowed, and then reported. */
  p.signer_cert_pem = NULL;
  p.allow_untrusted_signer = TRUE;
  keys = read_text (xml, &p, &info, &error);
  g_assert_no_error (error);
  assert_signed_key (keys);
  g_assert_cmpint (info.signature, ==, LK_PSKC_SIGNED_UNTRUSTED);
  g_assert_cmpstr (info.signer, ==, "CN=Latchkey Test Vendor,O=Latchkey tests");
  g_clear_pointer (&keys, g_ptr_array_unref);

  /* A signer certificate for an unsigned file: the admin expected a signature. */
  {
    g_autofree char *pem = cert_pem (pki ()->cert);
    LkPskcProtection q = { .signer_cert_pem = pem };
    g_autofree char *plain = g_strconcat (SIGNED_OPEN, SIGNED_BODY, SIGNED_CLOSE, NULL);

    keys = read_text (plain, &q, NULL, &error);
    g_assert_null (keys);
    g_assert_error (error, LK_BULK_ERROR, LK_BULK_ERROR_SIGNATURE);
    g_clear_error (&error);
    keys = read_text (plain, NULL, &info, &error);
    g_assert_no_error (error);
    assert_signed_key (keys);
    g_assert_cmpint (info.signature, ==, LK_PSKC_UNSIGNED);
    g_assert_null (info.signer);
    q.signer_cert_pem = "not a certificate";
    g_clear_pointer (&keys, g_ptr_array_unref);
    keys = read_text (plain, &q, NULL, &error);
    g_assert_null (keys);
    g_assert_error (error, LK_BULK_ERROR, LK_BULK_ERROR_INVALID);
  }
}

static void
assert_signature_refused (const char *xml,
                          const char *reason)
{
  g_autofree char *pem = cert_pem (pki ()->cert);
  LkPskcProtection p = { .signer_cert_pem = pem };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) keys = read_text (xml, &p, NULL, &error);

  g_assert_null (keys);
  g_assert_error (error, LK_BULK_ERROR, LK_BULK_ERROR_SIGNATURE);
  if (strstr (error->message, reason) == NULL)
    g_error ("expected “%s” in “%s”", reason, error->message);
}

/* Signature wrapping: a valid signature over something other than the
 * container that is imported. */
static void
test_signature_wrapping (void)
{
  /* 1. A correct signature over one Key (its digest is right): the other
   * KeyPackages would ride along unsigned. */
  {
    g_autofree char *key_c14n = replace (SIGNED_KEY, "<pskc:Key ", "<pskc:Key xmlns:pskc=\"" NS_PSKC "\" ");
    SignSpec spec = { .uri = "#K1", .covered = key_c14n };
    g_autofree char *xml = signed_container (&spec);

    assert_signature_refused (xml, "only part");
  }
  /* 2. The signed container's Id also carried by an attacker's element. */
  {
    SignSpec spec = { .uri = "#KC1" };
    g_autofree char *xml = signed_container (&spec);
    g_autofree char *bad = replace (xml, "Id=\"K1\"", "Id=\"KC1\"");

    assert_signature_refused (bad, "several");
  }
  /* 3. The original signed container moved inside the signature (its
   * Id now resolves there), the attacker's keys at the root. */
  {
    SignSpec spec = { .uri = "#KC1" };
    g_autofree char *xml = signed_container (&spec);
    g_autofree char *inner = g_strconcat ("<ds:Object>", xml, "</ds:Object></ds:Signature>", NULL);
    g_autofree char *outer = g_strconcat ("<pskc:KeyContainer xmlns:pskc=\"" NS_PSKC "\" Version=\"1.0\">",
                                          SIGNED_BODY, NULL);
    g_autofree char *sig = NULL, *wrapped = NULL, *with_object = NULL;
    const char *start = strstr (xml, "<ds:Signature");
    const char *end = strstr (xml, "</ds:Signature>");

    sig = g_strndup (start, (gsize) (end - start));
    wrapped = g_strconcat (outer, sig, inner, SIGNED_CLOSE, NULL);
    with_object = g_strdup (wrapped);
    assert_signature_refused (with_object, "more than one");
  }
  /* 4. Two signatures. */
  {
    SignSpec spec = { .uri = "#KC1" };
    g_autofree char *xml = signed_container (&spec);
    g_autofree char *sig = signature_for (&spec);
    g_autofree char *bad = replace (xml, SIGNED_CLOSE, "");
    g_autofree char *twice = g_strconcat (bad, sig, SIGNED_CLOSE, NULL);

    assert_signature_refused (twice, "more than one");
  }
  /* 5. A signature somewhere else than directly under the root. */
  {
    SignSpec spec = { .uri = "#KC1" };
    g_autofree char *sig = signature_for (&spec);
    g_autofree char *body = replace (SIGNED_BODY, "</pskc:KeyPackage>", "");
    g_autofree char *xml = g_strconcat (SIGNED_OPEN, body, sig, "</pskc:KeyPackage>", SIGNED_CLOSE, NULL);

    assert_signature_refused (xml, "direct child");
  }
  /* 6. A Reference to nothing in the file, and one with an XPointer. */
  {
    SignSpec spec = { .uri = "#nowhere" };
    g_autofree char *xml = signed_container (&spec);
    SignSpec xp = { .uri = "#xpointer(/)" };
    g_autofree char *xml2 = signed_container (&xp);

    assert_signature_refused (xml, "not in the file");
    assert_signature_refused (xml2, "Reference URI");
  }
  /* 7. What this verifier does not do is refused, not skipped: an HMAC
   * "signature" (anyone with the key could make it), an XSLT transform,
   * no enveloped-signature transform, two References. */
  {
    SignSpec spec = { .uri = "#KC1" };
    g_autofree char *xml = signed_container (&spec);
    g_autofree char *hmac = replace (xml, "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
                                     NS_DS "hmac-sha1");
    g_autofree char *xslt = replace (xml, "<ds:Transform Algorithm=\"" C14N_EXC "\">",
                                     "<ds:Transform Algorithm=\"http://www.w3.org/TR/1999/REC-xslt-19991116\">");
    g_autofree char *bare = replace (xml, "<ds:Transform Algorithm=\"" NS_DS "enveloped-signature\"></ds:Transform>",
                                     "");
    const char *ref = strstr (xml, "<ds:Reference ");
    const char *ref_end = strstr (xml, "</ds:Reference>") + strlen ("</ds:Reference>");
    g_autofree char *one = g_strndup (ref, (gsize) (ref_end - ref));
    g_autofree char *two = g_strconcat (one, one, NULL);
    g_autofree char *twice = replace (xml, one, two);

    assert_signature_refused (hmac, "signature method");
    assert_signature_refused (xslt, "transform other than");
    assert_signature_refused (bare, "no enveloped-signature");
    assert_signature_refused (twice, "exactly one Reference");
  }
}

/* ---- RSA key transport (RFC 6030 section 6.3) ------------------------------------ */

static void
test_rsa (void)
{
  static const struct { const char *uri; int padding; } cases[] = {
    { "http://www.w3.org/2001/04/xmlenc#rsa_1_5", RSA_PKCS1_PADDING },       /* as in figure 8 */
    { "http://www.w3.org/2001/04/xmlenc#rsa-1_5", RSA_PKCS1_PADDING },
    { "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p", RSA_PKCS1_OAEP_PADDING },
  };
  g_autofree char *pem = key_pem (pki ()->key);
  LkPskcProtection p = { .private_key_pem = pem };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *xml = rsa_container (cases[i].uri, cases[i].padding, TRUE);
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) keys = read_text (xml, &p, NULL, &error);
      LkPskcKey *key;

      g_assert_no_error (error);
      g_assert_cmpuint (keys->len, ==, 1);
      key = keys->pdata[0];
      g_assert_cmpstr (key->serial, ==, "RSA-1");
      assert_secret (key, RFC_SECRET);
      g_assert_cmpuint (key->counter, ==, 7);
    }
}

static void
test_rsa_refused (void)
{
  g_autofree char *xml = rsa_container ("http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p", RSA_PKCS1_OAEP_PADDING, TRUE);
  g_autofree char *other = key_pem (pki_other ()->key);
  g_autofree char *mine = key_pem (pki ()->key);
  LkPskcProtection p = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) keys = read_text (xml, NULL, NULL, &error);

  /* No private key. */
  g_assert_null (keys);
  g_assert_error (error, LK_BULK_ERROR, LK_BULK_ERROR_KEY_NEEDED);
  g_assert_nonnull (strstr (error->message, "Latchkey Test Vendor"));
  g_clear_error (&error);
  /* Another certificate's key. */
  p.private_key_pem = other;
  keys = read_text (xml, &p, NULL, &error);
  g_assert_null (keys);
  g_assert_error (error, LK_BULK_ERROR, LK_BULK_ERROR_WRONG_KEY);
  g_clear_error (&error);
  /* Not a key; a passphrase-protected key (refused, never prompted for). */
  p.private_key_pem = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
  keys = read_text (xml, &p, NULL, &error);
  g_assert_null (keys);
  g_assert_error (error, LK_BULK_ERROR, LK_BULK_ERROR_INVALID);
  g_clear_error (&error);
  {
    BIO *bio = BIO_new (BIO_s_mem ());
    g_autofree char *locked = NULL;

    g_assert_cmpint (PEM_write_bio_PKCS8PrivateKey (bio, pki ()->key, EVP_aes_128_cbc (), NULL, 0, NULL,
                                                    (void *) "passphrase"), ==, 1);
    locked = bio_text (bio);
    p.private_key_pem = locked;
    keys = read_text (xml, &p, NULL, &error);
    g_assert_null (keys);
    g_assert_error (error, LK_BULK_ERROR, LK_BULK_ERROR_INVALID);
    g_clear_error (&error);
  }
  /* An altered ciphertext: OAEP decoding fails for the key. */
  {
    const char *at = strstr (xml, "<xenc:CipherValue>") + strlen ("<xenc:CipherValue>") + 5;
    g_autofree char *bad = g_strdup (xml);

    bad[at - xml] = bad[at - xml] == 'A' ? 'B' : 'A';
    p.private_key_pem = mine;
    keys = read_text (bad, &p, NULL, &error);
    g_assert_null (keys);
    g_assert_error (error, LK_BULK_ERROR, LK_BULK_ERROR_WRONG_KEY);
  }
}

/* Signed and encrypted to the same vendor: both checks in one file. */
static void
test_rsa_signed (void)
{
  g_autofree char *xml = rsa_container ("http://www.w3.org/2001/04/xmlenc#rsa-1_5", RSA_PKCS1_PADDING, TRUE);
  SignSpec spec = { .uri = "" };
  g_autofree char *signed_xml = sign_document (xml, &spec);
  g_autofree char *key = key_pem (pki ()->key);
  g_autofree char *cert = cert_pem (pki ()->cert);
  LkPskcProtection p = { .private_key_pem = key, .signer_cert_pem = cert };
  g_auto(LkPskcInfo) info = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) keys = read_text (xml, &p, NULL, &error);

  /* Unsigned, and a signer was named: refused before any decryption. */
  g_assert_null (keys);
  g_assert_error (error, LK_BULK_ERROR, LK_BULK_ERROR_SIGNATURE);
  g_clear_error (&error);

  keys = read_text (signed_xml, &p, &info, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (keys->len, ==, 1);
  assert_secret (keys->pdata[0], RFC_SECRET);
  g_assert_cmpuint (((LkPskcKey *) keys->pdata[0])->counter, ==, 7);
  g_assert_cmpint (info.signature, ==, LK_PSKC_SIGNED_TRUSTED);
  g_clear_pointer (&keys, g_ptr_array_unref);

  /* The ciphertext is signed too: a swapped CipherValue is caught by the
   * signature before decryption is tried. */
  {
    const char *at = strstr (signed_xml, "<xenc:CipherValue>") + strlen ("<xenc:CipherValue>") + 7;
    g_autofree char *bad = g_strdup (signed_xml);

    bad[at - signed_xml] = bad[at - signed_xml] == 'A' ? 'B' : 'A';
    keys = read_text (bad, &p, NULL, &error);
    g_assert_null (keys);
    g_assert_error (error, LK_BULK_ERROR, LK_BULK_ERROR_SIGNATURE);
  }
}

/* KeyInfo with a chain: the certificate that verifies is the signer, and
 * a trusted certificate only listed there (not the signer) is refused. */
static void
test_signature_chain (void)
{
  SignSpec spec = { .uri = "#KC1", .chain_first = pki_other () };
  g_autofree char *xml = signed_container (&spec);
  g_autofree char *vendor = cert_pem (pki ()->cert);
  g_autofree char *other = cert_pem (pki_other ()->cert);
  LkPskcProtection p = { .allow_untrusted_signer = TRUE };
  g_auto(LkPskcInfo) info = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) keys = read_text (xml, &p, &info, &error);

  g_assert_no_error (error);
  assert_signed_key (keys);
  g_assert_cmpint (info.signature, ==, LK_PSKC_SIGNED_UNTRUSTED);
  g_assert_cmpstr (info.signer, ==, "CN=Latchkey Test Vendor,O=Latchkey tests");
  g_clear_pointer (&keys, g_ptr_array_unref);

  p.allow_untrusted_signer = FALSE;
  p.signer_cert_pem = vendor;
  keys = read_text (xml, &p, &info, &error);
  g_assert_no_error (error);
  assert_signed_key (keys);
  g_assert_cmpint (info.signature, ==, LK_PSKC_SIGNED_TRUSTED);
  g_clear_pointer (&keys, g_ptr_array_unref);

  p.signer_cert_pem = other;
  keys = read_text (xml, &p, &info, &error);
  g_assert_null (keys);
  g_assert_error (error, LK_BULK_ERROR, LK_BULK_ERROR_SIGNATURE);
  g_assert_nonnull (strstr (error->message, "trusted signer"));
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/bulk/pskc/rfc6030/figure2", test_figure2);
  g_test_add_func ("/bulk/pskc/rfc6030/figure3", test_figure3);
  g_test_add_func ("/bulk/pskc/rfc6030/figure4", test_figure4);
  g_test_add_func ("/bulk/pskc/rfc6030/figure5", test_figure5);
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
  g_test_add_func ("/bulk/pskc/signature/valid", test_signature_valid);
  g_test_add_func ("/bulk/pskc/signature/canonical", test_signature_canonical);
  g_test_add_func ("/bulk/pskc/signature/tampered", test_signature_tampered);
  g_test_add_func ("/bulk/pskc/signature/untrusted", test_signature_untrusted);
  g_test_add_func ("/bulk/pskc/signature/wrapping", test_signature_wrapping);
  g_test_add_func ("/bulk/pskc/signature/chain", test_signature_chain);
  g_test_add_func ("/bulk/pskc/rsa/decrypt", test_rsa);
  g_test_add_func ("/bulk/pskc/rsa/refused", test_rsa_refused);
  g_test_add_func ("/bulk/pskc/rsa/signed", test_rsa_signed);
  status = g_test_run ();
  pki_free_all ();
  return status;
}
