/* SPDX-License-Identifier: GPL-3.0-or-later
 * Tests for lk-activation: the test vectors of docs/activation.md, round trips, and every refusal. */
#include "config.h"

#include <string.h>

#include "lk-activation.h"
#include "lk-activation-private.h"
#include "lk-base32.h"
#include "lk-core-error.h"
#include "lk-otp.h"
#include "lk-secure.h"

/* The fixed inputs and expected outputs of docs/activation.md, computed
 * there by tests/core/activation-vectors.py, an independent Python
 * implementation. */
typedef struct
{
  const char      *activation_id_hex;
  const char      *activation_key_hex;
  gint64           expires;
  const char      *serial;
  const char      *issuer;
  const char      *label;
  LkActivationOtp  otp;
  const char      *binding_secret_hex;
  guint32          instance;
  const char      *nonce_hex;
  guint64          counter;
  const char      *seed;
  gint64           otp_time;
  /* expected */
  const char      *am1;
  const char      *device_id_hex;
  const char      *device_code_hex;
  const char      *device_code;
  const char      *am2;
  const char      *first_otp;
} Vector;

static const Vector vectors[] = {
  {
    "0123456789abcdef", "000102030405060708090a0b0c0d0e0f", 1767225600,
    "LK-000042", "ACME", "alice@example.com",
    { LK_ACTIVATION_OTP_TOTP, LK_HASH_SHA1, 6, 30 },
    "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf",
    1, "c0c1c2c3c4c5c6c7c8c9cacb", 0, "12345678901234567890", 1767225000,
    "LKAM1:AEAAABQADYASGRLHRGV433YAAEBAGBAFAYDQQCIKBMGA2DQPAAAAAADJKW4QACKMJMWTAMBQGA2DEBCBINGUKELBNRUWGZKAMV4GC3LQNRSS4Y3PNXMR6IXJ",
    "a800c3c3f7ce7d",
    "01a800c3c3f7ce7d032fe979",
    "2RRPK-6ETYA-4XCDZ-TG53B",
    "LKAM2:AEASGRLHRGV433YAAAAADQGBYLB4JROGY7EMTSWLRUZ5P7ERPQC55323LFVPOZNYTYRDUVZRUSSUZBWAGK3VQYHLTSITPPAPPRVGVDFWI3KYZHRNWOXHTW7E",
    "108609",
  },
  {
    "fedcba9876543210", "404142434445464748494a4b4c4d4e4f", 4102444800,
    "MDL-7", "Caf\xc3\xa9 R\xc3\xbcsli", "j\xc3\xbcrgen",
    { LK_ACTIVATION_OTP_HOTP, LK_HASH_SHA256, 8, 0 },
    "0000000000000000000000000000000000000000000000000000000000000000",
    65537, "000000000000000000000000", 0, "12345678901234567890123456789012", 0,
    "LKAM1:AEAQCCAAAD7NZOUYOZKDEECAIFBEGRCFIZDUQSKKJNGE2TSPAAAAAAHUQZLQABKNIRGC2NYMINQWNQ5JEBJMHPDTNRUQO2WDXRZGOZLOM7QQOSI",
    "608f83a5a31da5",
    "01608f83a5a31da5d37729d5",
    "2MWXV-HN3NE-GWU26-J5DED",
    "LKAM2:AH7NZOUYOZKDEEAAAEAACAAAAAAAAAAAAAAAAAAAJUIAIWYEJ6ZIBIEPHRVBORYH32DSR2NYQ7QJKTYPKAQFGM2BRPKMJ7Q2YN2WJBMKQJTL2LG6LGR7GOKETTXCJVVVYWUQUFCPQRZQ",
    "18920136",
  },
};

static guint8 binding_secret[LK_ACTIVATION_BINDING_SECRET_SIZE] = {
  0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00,
  0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80, 0x90, 0xa0, 0xb0, 0xc0, 0xd0, 0xe0, 0xf0, 0x01,
};

static const LkActivationOtp totp6 = { LK_ACTIVATION_OTP_TOTP, LK_HASH_SHA1, 6, 30 };

static void
hex_to_bytes (const char *hex,
              guint8     *out,
              gsize       len)
{
  g_assert_cmpuint (strlen (hex), ==, 2 * len);
  for (gsize i = 0; i < len; i++)
    out[i] = (guint8) (g_ascii_xdigit_value (hex[2 * i]) * 16 + g_ascii_xdigit_value (hex[2 * i + 1]));
}

static char *
bytes_to_hex (const guint8 *data,
              gsize         len)
{
  GString *s = g_string_new (NULL);

  for (gsize i = 0; i < len; i++)
    g_string_append_printf (s, "%02x", data[i]);
  return g_string_free (s, FALSE);
}

static LkAm1 *
vector_am1 (const Vector *v)
{
  LkAm1 *am1 = lk_am1_new ();

  hex_to_bytes (v->activation_id_hex, am1->activation_id, LK_ACTIVATION_ID_SIZE);
  hex_to_bytes (v->activation_key_hex, am1->activation_key, LK_ACTIVATION_KEY_SIZE);
  am1->expires = v->expires;
  am1->serial = g_strdup (v->serial);
  am1->issuer = g_strdup (v->issuer);
  am1->label = g_strdup (v->label);
  am1->otp = v->otp;
  return am1;
}

static void
test_vectors (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (vectors); i++)
    {
      const Vector *v = &vectors[i];
      g_autoptr(GError) error = NULL;
      g_autoptr(LkAm1) am1 = vector_am1 (v);
      g_autoptr(LkAm1) parsed = NULL;
      g_autoptr(GBytes) seed = NULL;
      g_autoptr(GBytes) opened_seed = NULL;
      g_autoptr(LkOtpKey) key = NULL;
      g_autofree char *am1_text = NULL;
      g_autofree char *am2_text = NULL;
      g_autofree char *hex = NULL;
      guint8 secret[LK_ACTIVATION_BINDING_SECRET_SIZE];
      guint8 nonce[12];
      guint8 device_id[LK_ACTIVATION_DEVICE_ID_SIZE];
      char code_text[LK_DEVICE_CODE_TEXT_SIZE];
      char otp[LK_OTP_CODE_SIZE];
      LkDeviceCode code, typed;
      LkActivationOtp opened_otp;
      guint64 counter = 99;
      guint32 instance = 0;

      /* AM1: the server's formatting, the token's parsing. */
      am1_text = lk_am1_format (am1, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (am1_text, ==, v->am1);

      parsed = lk_am1_parse (v->am1, &error);
      g_assert_no_error (error);
      g_assert_cmpmem (parsed->activation_id, 8, am1->activation_id, 8);
      g_assert_cmpmem (parsed->activation_key, 16, am1->activation_key, 16);
      g_assert_cmpint (parsed->expires, ==, v->expires);
      g_assert_cmpstr (parsed->serial, ==, v->serial);
      g_assert_cmpstr (parsed->issuer, ==, v->issuer);
      g_assert_cmpstr (parsed->label, ==, v->label);
      g_assert_cmpint (parsed->otp.type, ==, v->otp.type);
      g_assert_cmpint (parsed->otp.algorithm, ==, v->otp.algorithm);
      g_assert_cmpuint (parsed->otp.digits, ==, v->otp.digits);
      g_assert_cmpuint (parsed->otp.period, ==, v->otp.period);

      /* Device code: the token computes it, a person types it. */
      hex_to_bytes (v->binding_secret_hex, secret, sizeof secret);
      g_assert_true (lk_device_code_compute (parsed, secret, sizeof secret, &code, &error));
      g_assert_no_error (error);
      hex = bytes_to_hex (code.bytes, sizeof code.bytes);
      g_assert_cmpstr (hex, ==, v->device_code_hex);
      g_clear_pointer (&hex, g_free);

      lk_device_code_get_device_id (&code, device_id);
      hex = bytes_to_hex (device_id, sizeof device_id);
      g_assert_cmpstr (hex, ==, v->device_id_hex);

      lk_device_code_format (&code, code_text);
      g_assert_cmpstr (code_text, ==, v->device_code);

      g_assert_true (lk_device_code_parse (v->device_code, &typed, &error));
      g_assert_no_error (error);
      g_assert_cmpmem (typed.bytes, sizeof typed.bytes, code.bytes, sizeof code.bytes);
      g_assert_true (lk_device_code_verify (&typed, am1->activation_id, am1->activation_key));

      /* AM2: built with the vector's nonce, then opened by the token. */
      hex_to_bytes (v->nonce_hex, nonce, sizeof nonce);
      seed = g_bytes_new_static (v->seed, strlen (v->seed));
      am2_text = lk_am2_build_with_nonce (am1->activation_id, am1->activation_key, &typed,
                                          v->instance, &v->otp, v->counter, seed, nonce, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (am2_text, ==, v->am2);

      g_assert_true (lk_am2_open (v->am2, parsed, &code, &instance, &opened_otp, &counter,
                                  &opened_seed, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (instance, ==, v->instance);
      g_assert_cmpuint (counter, ==, v->counter);
      g_assert_cmpint (opened_otp.type, ==, v->otp.type);
      g_assert_cmpint (opened_otp.algorithm, ==, v->otp.algorithm);
      g_assert_cmpuint (opened_otp.digits, ==, v->otp.digits);
      g_assert_cmpuint (opened_otp.period, ==, v->otp.period);
      g_assert_true (g_bytes_equal (opened_seed, seed));

      /* The test signature: the first code of the new instance. */
      key = lk_otp_key_new (opened_otp.algorithm, g_bytes_get_data (opened_seed, NULL),
                            g_bytes_get_size (opened_seed), &error);
      g_assert_no_error (error);
      if (opened_otp.type == LK_ACTIVATION_OTP_TOTP)
        lk_totp_generate (key, v->otp_time, 0, opened_otp.period, opened_otp.digits, otp);
      else
        lk_hotp_generate (key, counter, opened_otp.digits, otp);
      g_assert_cmpstr (otp, ==, v->first_otp);
    }
}

static void
test_am1_round_trip (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkAm1) a = NULL;
  g_autoptr(LkAm1) b = NULL;
  g_autoptr(LkAm1) parsed = NULL;
  g_autoptr(LkAm1) copy = NULL;
  g_autofree char *text = NULL;
  g_autofree char *messy = NULL;
  g_autofree char *lower = NULL;

  a = lk_am1_generate ("LK-1", "ACME", "bob", &totp6, 2000000000, &error);
  g_assert_no_error (error);
  b = lk_am1_generate ("LK-1", "ACME", "bob", &totp6, 2000000000, &error);
  g_assert_no_error (error);

  /* Two activations never share an id or a key. */
  g_assert_false (memcmp (a->activation_id, b->activation_id, LK_ACTIVATION_ID_SIZE) == 0);
  g_assert_false (memcmp (a->activation_key, b->activation_key, LK_ACTIVATION_KEY_SIZE) == 0);

  text = lk_am1_format (a, &error);
  g_assert_no_error (error);
  /* Small enough for a QR code people scan from a screen. */
  g_assert_cmpuint (strlen (text), <, 150);

  /* White space around it and lower case, as a mail client may deliver it. */
  lower = g_ascii_strdown (text, -1);
  messy = g_strdup_printf ("  \n%s \r\n", lower);
  parsed = lk_am1_parse (messy, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (parsed->activation_key, 16, a->activation_key, 16);
  g_assert_cmpstr (parsed->serial, ==, "LK-1");
  g_assert_cmpstr (parsed->issuer, ==, "ACME");
  g_assert_cmpstr (parsed->label, ==, "bob");

  copy = lk_am1_copy (parsed);
  g_assert_cmpstr (copy->serial, ==, parsed->serial);
  g_assert_cmpmem (copy->activation_key, 16, a->activation_key, 16);

  g_assert_false (lk_am1_is_expired (parsed, 1999999999));
  g_assert_true (lk_am1_is_expired (parsed, 2000000000));

  lk_secure_str_free (g_steal_pointer (&text));
}

static void
test_am1_generate_errors (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *long_serial = g_strnfill (33, 'A');
  g_autofree char *long_label = g_strnfill (65, 'a');
  LkActivationOtp bad = totp6;
  LkAm1 *am1;

  am1 = lk_am1_generate ("", NULL, NULL, &totp6, 1, &error);
  g_assert_error (error, LK_CORE_ERROR, LK_CORE_ERROR_INVALID_ARGUMENT);
  g_assert_null (am1);
  g_clear_error (&error);

  am1 = lk_am1_generate (long_serial, NULL, NULL, &totp6, 1, &error);
  g_assert_error (error, LK_CORE_ERROR, LK_CORE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  am1 = lk_am1_generate ("has space", NULL, NULL, &totp6, 1, &error);
  g_assert_error (error, LK_CORE_ERROR, LK_CORE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  am1 = lk_am1_generate ("LK-1", NULL, long_label, &totp6, 1, &error);
  g_assert_error (error, LK_CORE_ERROR, LK_CORE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  am1 = lk_am1_generate ("LK-1", "bad\nissuer", NULL, &totp6, 1, &error);
  g_assert_error (error, LK_CORE_ERROR, LK_CORE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  am1 = lk_am1_generate ("LK-1", "\xff\xfe", NULL, &totp6, 1, &error);
  g_assert_error (error, LK_CORE_ERROR, LK_CORE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  bad.digits = 5;
  am1 = lk_am1_generate ("LK-1", NULL, NULL, &bad, 1, &error);
  g_assert_error (error, LK_CORE_ERROR, LK_CORE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  bad = totp6;
  bad.period = 0;
  am1 = lk_am1_generate ("LK-1", NULL, NULL, &bad, 1, &error);
  g_assert_error (error, LK_CORE_ERROR, LK_CORE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  bad = (LkActivationOtp) { LK_ACTIVATION_OTP_HOTP, LK_HASH_SHA1, 6, 30 };
  am1 = lk_am1_generate ("LK-1", NULL, NULL, &bad, 1, &error);
  g_assert_error (error, LK_CORE_ERROR, LK_CORE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  am1 = lk_am1_generate ("LK-1", NULL, NULL, &totp6, -5, &error);
  g_assert_error (error, LK_CORE_ERROR, LK_CORE_ERROR_INVALID_ARGUMENT);
  g_assert_null (am1);
}

/* Builds "LKAM1:" text around raw bytes, with a correct check value
 * appended when @fix_check, so a field check (not the checksum) must refuse it. */
static char *
am1_text_from_bytes (const guint8 *body,
                     gsize         len,
                     gboolean      fix_check)
{
  g_autofree guint8 *buf = g_malloc (len + 4);
  g_autofree char *b32 = NULL;
  GChecksum *sum;
  guint8 digest[32];
  gsize digest_len = sizeof digest;

  memcpy (buf, body, len);
  if (fix_check)
    {
      sum = g_checksum_new (G_CHECKSUM_SHA256);
      g_checksum_update (sum, body, len);
      g_checksum_get_digest (sum, digest, &digest_len);
      g_checksum_free (sum);
      memcpy (buf + len, digest, 4);
      len += 4;
    }
  b32 = lk_base32_encode (buf, len);
  return g_strconcat (LK_AM1_PREFIX, b32, NULL);
}

static void
assert_am1_refused (const char *text,
                    const char *message_part)
{
  g_autoptr(GError) error = NULL;
  LkAm1 *am1 = lk_am1_parse (text, &error);

  g_assert_null (am1);
  g_assert_error (error, LK_CORE_ERROR, LK_CORE_ERROR_ACTIVATION);
  if (message_part != NULL && strstr (error->message, message_part) == NULL)
    g_error ("“%s” does not mention “%s”", error->message, message_part);
}

static void
test_am1_parse_errors (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) good = NULL;
  g_autofree guint8 *body = NULL;
  g_autofree char *huge = NULL;
  const guint8 *data;
  gsize len, body_len;

  assert_am1_refused ("", "does not start");
  assert_am1_refused ("otpauth://totp/x?secret=AAAA", "does not start");
  assert_am1_refused (vectors[0].am2, "does not start");
  assert_am1_refused ("LKAM1:", "incomplete");
  assert_am1_refused ("LKAM1:AEAA!BQ", "damaged");

  huge = g_strdup_printf ("LKAM1:%0*d", 2000, 0);
  assert_am1_refused (huge, "too long");

  good = lk_base32_decode (vectors[0].am1 + strlen (LK_AM1_PREFIX), &error);
  g_assert_no_error (error);
  data = g_bytes_get_data (good, &len);
  body_len = len - 4;
  body = g_malloc0 (len + 8);
  memcpy (body, data, len);

  /* Every truncation, and one extra byte: framing errors. */
  for (gsize cut = 0; cut < len; cut++)
    {
      g_autofree char *text = am1_text_from_bytes (data, cut, FALSE);
      g_autoptr(LkAm1) am1 = lk_am1_parse (text, &error);

      g_assert_null (am1);
      g_assert_error (error, LK_CORE_ERROR, LK_CORE_ERROR_ACTIVATION);
      g_clear_error (&error);
    }
  {
    g_autofree char *text = NULL;

    body[len] = 0;
    text = am1_text_from_bytes (body, len + 1, FALSE);
    assert_am1_refused (text, "extra data");
  }

  /* Any flipped bit in the body or the check value: caught by the checksum. */
  for (gsize i = 1; i < len; i++)
    {
      g_autofree char *text = NULL;

      memcpy (body, data, len);
      body[i] ^= 0x01;
      text = am1_text_from_bytes (body, len, FALSE);
      {
        g_autoptr(LkAm1) am1 = lk_am1_parse (text, &error);

        g_assert_null (am1);
        g_assert_error (error, LK_CORE_ERROR, LK_CORE_ERROR_ACTIVATION);
        g_clear_error (&error);
      }
    }

  /* A future format version says so rather than "damaged". */
  {
    g_autofree char *text = NULL;

    memcpy (body, data, body_len);
    body[0] = 2;
    text = am1_text_from_bytes (body, body_len, TRUE);
    assert_am1_refused (text, "version 2");
  }

  /* Well framed and checksummed, but a field out of range. */
  {
    struct { gsize offset; guint8 value; } bad_fields[] = {
      { 1, 7 },     /* OTP type */
      { 2, 9 },     /* algorithm */
      { 3, 5 },     /* digits */
      { 3, 11 },    /* digits */
      { 4, 0xff },  /* period 65310 */
      { 30, 0x80 }, /* expiry above G_MAXINT64 */
      { 39, ' ' },  /* serial character */
      { 49, 0x01 }, /* issuer: control character */
      { 49, 0xff }, /* issuer: not UTF-8 */
    };

    for (gsize i = 0; i < G_N_ELEMENTS (bad_fields); i++)
      {
        g_autofree char *text = NULL;

        memcpy (body, data, body_len);
        body[bad_fields[i].offset] = bad_fields[i].value;
        text = am1_text_from_bytes (body, body_len, TRUE);
        assert_am1_refused (text, NULL);
      }
  }
}

static void
test_device_code_typos (void)
{
  g_autoptr(GError) error = NULL;
  const char *good = vectors[0].device_code;
  char compact[21];
  gsize n = 0;
  LkDeviceCode code, reference;

  for (const char *p = good; *p; p++)
    if (*p != '-')
      compact[n++] = *p;
  compact[n] = '\0';
  g_assert_cmpuint (n, ==, 20);

  g_assert_true (lk_device_code_parse (good, &reference, &error));
  g_assert_no_error (error);

  /* Lower case, spaces instead of hyphens, no separators at all. */
  {
    g_autofree char *lower = g_ascii_strdown (good, -1);
    g_autofree char *spaced = g_strdelimit (g_strdup (good), "-", ' ');

    g_assert_true (lk_device_code_parse (lower, &code, &error));
    g_assert_cmpmem (code.bytes, 12, reference.bytes, 12);
    g_assert_true (lk_device_code_parse (spaced, &code, &error));
    g_assert_cmpmem (code.bytes, 12, reference.bytes, 12);
    g_assert_true (lk_device_code_parse (compact, &code, &error));
    g_assert_cmpmem (code.bytes, 12, reference.bytes, 12);
    g_assert_no_error (error);
  }

  /* Every single wrong character at every position is caught locally. */
  for (gsize pos = 0; pos < 20; pos++)
    for (const char *c = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"; *c; c++)
      {
        char typo[21];

        if (*c == compact[pos])
          continue;
        memcpy (typo, compact, sizeof typo);
        typo[pos] = *c;
        g_assert_false (lk_device_code_parse (typo, &code, &error));
        g_assert_error (error, LK_CORE_ERROR, LK_CORE_ERROR_ACTIVATION);
        g_clear_error (&error);
      }

  /* And every swap of two different characters, neighbours or not. */
  for (gsize i = 0; i < 20; i++)
    for (gsize j = i + 1; j < 20; j++)
      {
        char swapped[21];

        if (compact[i] == compact[j])
          continue;
        memcpy (swapped, compact, sizeof swapped);
        swapped[i] = compact[j];
        swapped[j] = compact[i];
        g_assert_false (lk_device_code_parse (swapped, &code, &error));
        g_assert_error (error, LK_CORE_ERROR, LK_CORE_ERROR_ACTIVATION);
        g_clear_error (&error);
      }
}

static void
test_device_code_syntax (void)
{
  g_autoptr(GError) error = NULL;
  LkDeviceCode code;
  const char *refused[] = {
    "",
    "2RRPK-6ETYA-4XCDZ-TG53",          /* 19 characters */
    "2RRPK-6ETYA-4XCDZ-TG53BB",        /* 21 */
    "2RRPK-6ETYA-4XCDZ-TG530",         /* a zero */
    "2RRPK-6ETYA-4XCDZ-TG53O",         /* a letter O */
    "2RRPK-6ETYA-4XCDZ-TG531",
    "2RRPK-6ETYA-4XCDZ-TG53I",
    "2RRPK-6ETYA-4XCDZ-TG53l",
    "2RRPK_6ETYA-4XCDZ-TG53B",
    "2RRPK-6ETYA-4XCDZ-TG53\xc3\xa9",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_assert_false (lk_device_code_parse (refused[i], &code, &error));
      g_assert_error (error, LK_CORE_ERROR, LK_CORE_ERROR_ACTIVATION);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      g_clear_error (&error);
    }

  /* The ambiguous characters are named, so the helpdesk knows what to ask. */
  g_assert_false (lk_device_code_parse ("2RRPK-6ETYA-4XCDZ-TG53O", &code, &error));
  g_assert_nonnull (strstr (error->message, "“O”"));
  g_clear_error (&error);

  /* A well-formed code of another protocol version: refused by version. */
  {
    LkDeviceCode other = { { 0 } };
    char text[LK_DEVICE_CODE_TEXT_SIZE];

    other.bytes[0] = 0x02;
    other.bytes[5] = 0x42;
    lk_device_code_format (&other, text);
    g_assert_false (lk_device_code_parse (text, &code, &error));
    g_assert_error (error, LK_CORE_ERROR, LK_CORE_ERROR_ACTIVATION);
    g_assert_nonnull (strstr (error->message, "version"));
    g_clear_error (&error);
  }

  /* The largest 19-digit number does not fit the version byte either. */
  g_assert_false (lk_device_code_parse ("ZZZZZ-ZZZZZ-ZZZZZ-ZZZZ8", &code, &error));
  g_assert_error (error, LK_CORE_ERROR, LK_CORE_ERROR_ACTIVATION);
}

/* Format and parse are inverse for random codes of this version. */
static void
test_device_code_random_round_trip (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);

  for (guint i = 0; i < 2000; i++)
    {
      g_autoptr(GError) error = NULL;
      LkDeviceCode code, parsed;
      char text[LK_DEVICE_CODE_TEXT_SIZE];

      code.bytes[0] = 0x01;
      for (gsize k = 1; k < sizeof code.bytes; k++)
        code.bytes[k] = (guint8) g_rand_int_range (rand, 0, 256);
      lk_device_code_format (&code, text);
      g_assert_cmpuint (strlen (text), ==, 23);
      g_assert_true (lk_device_code_parse (text, &parsed, &error));
      g_assert_no_error (error);
      g_assert_cmpmem (parsed.bytes, 12, code.bytes, 12);
    }
}

static void
test_device_code_binding (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkAm1) first = lk_am1_generate ("LK-9", NULL, NULL, &totp6, 1, &error);
  g_autoptr(LkAm1) second = lk_am1_generate ("LK-9", NULL, NULL, &totp6, 1, &error);
  g_autoptr(LkAm1) other_licence = lk_am1_generate ("LK-10", NULL, NULL, &totp6, 1, &error);
  guint8 other_secret[LK_ACTIVATION_BINDING_SECRET_SIZE] = { 0 };
  guint8 id_a[7], id_b[7], id_c[7], id_d[7];
  LkDeviceCode a, b, c, d;

  g_assert_no_error (error);
  g_assert_true (lk_device_code_compute (first, binding_secret, sizeof binding_secret, &a, &error));
  g_assert_true (lk_device_code_compute (second, binding_secret, sizeof binding_secret, &b, &error));
  g_assert_true (lk_device_code_compute (other_licence, binding_secret, sizeof binding_secret, &c, &error));
  g_assert_true (lk_device_code_compute (first, other_secret, sizeof other_secret, &d, &error));
  g_assert_no_error (error);

  lk_device_code_get_device_id (&a, id_a);
  lk_device_code_get_device_id (&b, id_b);
  lk_device_code_get_device_id (&c, id_c);
  lk_device_code_get_device_id (&d, id_d);

  /* One device, one licence: the same id across activations ... */
  g_assert_cmpmem (id_a, 7, id_b, 7);
  /* ... but the codes differ, since each check is keyed by its activation. */
  g_assert_false (memcmp (a.bytes, b.bytes, 12) == 0);
  /* Another licence or another device: another id. */
  g_assert_false (memcmp (id_a, id_c, 7) == 0);
  g_assert_false (memcmp (id_a, id_d, 7) == 0);

  /* The server accepts a code only for its own activation. */
  g_assert_true (lk_device_code_verify (&a, first->activation_id, first->activation_key));
  g_assert_false (lk_device_code_verify (&a, second->activation_id, second->activation_key));
  g_assert_false (lk_device_code_verify (&b, first->activation_id, first->activation_key));
  g_assert_false (lk_device_code_verify (&a, second->activation_id, first->activation_key));

  /* A forged device id with the old check value fails. */
  b = a;
  b.bytes[3] ^= 0x10;
  g_assert_false (lk_device_code_verify (&b, first->activation_id, first->activation_key));

  /* A short binding secret is a programmer's mistake we refuse. */
  g_assert_false (lk_device_code_compute (first, binding_secret, 16, &d, &error));
  g_assert_error (error, LK_CORE_ERROR, LK_CORE_ERROR_INVALID_ARGUMENT);
}

/* A fresh activation with a device code, for the AM2 tests. */
typedef struct
{
  LkAm1        *am1;
  LkDeviceCode  code;
} Pending;

static void
pending_init (Pending     *p,
              const char  *serial,
              const guint8 *secret)
{
  g_autoptr(GError) error = NULL;

  p->am1 = lk_am1_generate (serial, "ACME", "carol", &totp6, 2000000000, &error);
  g_assert_no_error (error);
  g_assert_true (lk_device_code_compute (p->am1, secret, LK_ACTIVATION_BINDING_SECRET_SIZE,
                                         &p->code, &error));
  g_assert_no_error (error);
}

static char *
build_am2 (const Pending *p,
           guint32        instance,
           GBytes        *seed)
{
  g_autoptr(GError) error = NULL;
  char *text = lk_am2_build (p->am1->activation_id, p->am1->activation_key, &p->code,
                             instance, &totp6, 0, seed, &error);

  g_assert_no_error (error);
  g_assert_nonnull (text);
  return text;
}

static void
assert_am2_refused (const char    *text,
                    const Pending *p,
                    const char    *message_part)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) seed = NULL;
  LkActivationOtp otp;

  g_assert_false (lk_am2_open (text, p->am1, &p->code, NULL, &otp, NULL, &seed, &error));
  g_assert_error (error, LK_CORE_ERROR, LK_CORE_ERROR_ACTIVATION);
  g_assert_null (seed);
  if (message_part != NULL && strstr (error->message, message_part) == NULL)
    g_error ("“%s” does not mention “%s”", error->message, message_part);
}

static char *
am2_text_from_bytes (const guint8 *data,
                     gsize         len)
{
  g_autofree char *b32 = lk_base32_encode (data, len);

  return g_strconcat (LK_AM2_PREFIX, b32, NULL);
}

static void
test_am2 (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) seed = NULL;
  g_autoptr(GBytes) opened = NULL;
  g_autoptr(GBytes) raw = NULL;
  g_autofree char *text = NULL;
  guint8 other_secret[LK_ACTIVATION_BINDING_SECRET_SIZE];
  guint8 id[LK_ACTIVATION_ID_SIZE];
  Pending mine, other, same_device_other_code;
  LkActivationOtp otp;
  guint32 instance = 0;
  const guint8 *data;
  gsize len;

  memset (other_secret, 0x5c, sizeof other_secret);
  pending_init (&mine, "LK-3", binding_secret);
  pending_init (&other, "LK-3", other_secret);
  seed = lk_otp_generate_seed (LK_HASH_SHA1, &error);
  g_assert_no_error (error);

  text = build_am2 (&mine, 3, seed);
  /* Well inside what a phone camera reads from a screen. */
  g_assert_cmpuint (strlen (text), <, 160);

  g_assert_true (lk_am2_peek (text, id, &instance, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (id, 8, mine.am1->activation_id, 8);
  g_assert_cmpuint (instance, ==, 3);

  instance = 0;
  g_assert_true (lk_am2_open (text, mine.am1, &mine.code, &instance, &otp, NULL, &opened, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (instance, ==, 3);
  g_assert_true (g_bytes_equal (opened, seed));

  /* Delivered to another pending activation: refused by its id. */
  assert_am2_refused (text, &other, "different activation");

  /* Same activation id but another device code (a guess, or another
   * device that photographed AM1): the tag does not verify. */
  same_device_other_code.am1 = lk_am1_copy (mine.am1);
  same_device_other_code.code = other.code;
  assert_am2_refused (text, &same_device_other_code, "does not match");

  /* Every flipped bit of the message: header, nonce, ciphertext, tag. */
  raw = lk_base32_decode (text + strlen (LK_AM2_PREFIX), &error);
  g_assert_no_error (error);
  data = g_bytes_get_data (raw, &len);
  for (gsize i = 0; i < len; i++)
    for (guint bit = 0; bit < 8; bit += 3)
      {
        g_autofree guint8 *copy = g_memdup2 (data, len);
        g_autofree char *tampered = NULL;

        copy[i] ^= (guint8) (1u << bit);
        tampered = am2_text_from_bytes (copy, len);
        assert_am2_refused (tampered, &mine, NULL);
      }

  /* The header rewritten to claim the other activation, opened by it:
   * the id check passes, the key and associated data do not. */
  {
    g_autofree guint8 *copy = g_memdup2 (data, len);
    g_autofree char *forged = NULL;

    memcpy (copy + 1, other.am1->activation_id, 8);
    forged = am2_text_from_bytes (copy, len);
    assert_am2_refused (forged, &other, "does not match");
  }

  /* Truncated and overlong. */
  {
    g_autofree char *shorter = am2_text_from_bytes (data, len - 1);
    g_autofree guint8 *longer_data = g_malloc0 (len + 60);
    g_autofree char *longer = NULL;

    memcpy (longer_data, data, len);
    longer = am2_text_from_bytes (longer_data, len + 60);
    assert_am2_refused (shorter, &mine, NULL);
    assert_am2_refused (longer, &mine, "extra data");
    assert_am2_refused (vectors[0].am1, &mine, "does not start");
  }

  lk_am1_free (mine.am1);
  lk_am1_free (other.am1);
  lk_am1_free (same_device_other_code.am1);
}

static void
test_am2_build_errors (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) short_seed = g_bytes_new_static ("0123456789", 10);
  g_autoptr(GBytes) seed = g_bytes_new_static ("01234567890123456789", 20);
  LkActivationOtp bad = totp6;
  Pending p;
  char *text;

  pending_init (&p, "LK-4", binding_secret);

  text = lk_am2_build (p.am1->activation_id, p.am1->activation_key, &p.code, 1, &totp6, 0,
                       short_seed, &error);
  g_assert_null (text);
  g_assert_error (error, LK_CORE_ERROR, LK_CORE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  bad.digits = 12;
  text = lk_am2_build (p.am1->activation_id, p.am1->activation_key, &p.code, 1, &bad, 0,
                       seed, &error);
  g_assert_null (text);
  g_assert_error (error, LK_CORE_ERROR, LK_CORE_ERROR_INVALID_ARGUMENT);

  lk_am1_free (p.am1);
}

/* Two instances of one licence get different seeds and open only with
 * their own device code. */
static void
test_two_instances (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) seed1 = lk_otp_generate_seed (LK_HASH_SHA256, &error);
  g_autoptr(GBytes) seed2 = lk_otp_generate_seed (LK_HASH_SHA256, &error);
  g_autoptr(GBytes) out1 = NULL;
  g_autoptr(GBytes) out2 = NULL;
  g_autofree char *am2_1 = NULL;
  g_autofree char *am2_2 = NULL;
  guint8 second_device[LK_ACTIVATION_BINDING_SECRET_SIZE];
  Pending a, b;

  memset (second_device, 0x77, sizeof second_device);
  pending_init (&a, "LK-5", binding_secret);
  pending_init (&b, "LK-5", second_device);

  am2_1 = build_am2 (&a, 1, seed1);
  am2_2 = build_am2 (&b, 2, seed2);
  g_assert_true (lk_am2_open (am2_1, a.am1, &a.code, NULL, NULL, NULL, &out1, &error));
  g_assert_true (lk_am2_open (am2_2, b.am1, &b.code, NULL, NULL, NULL, &out2, &error));
  g_assert_no_error (error);
  g_assert_false (g_bytes_equal (out1, out2));
  g_assert_true (g_bytes_equal (out1, seed1));
  g_assert_true (g_bytes_equal (out2, seed2));

  assert_am2_refused (am2_1, &b, NULL);
  assert_am2_refused (am2_2, &a, NULL);

  lk_am1_free (a.am1);
  lk_am1_free (b.am1);
}

static void
test_pending (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkAm1) restored = NULL;
  g_autofree char *text = NULL;
  g_autofree char *damaged = NULL;
  LkDeviceCode code;
  LkAm1 *none = NULL;
  Pending p;

  pending_init (&p, "LK-6", binding_secret);

  text = lk_activation_pending_serialize (p.am1, &p.code, &error);
  g_assert_no_error (error);
  g_assert_true (lk_activation_pending_deserialize (text, &restored, &code, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (restored->activation_key, 16, p.am1->activation_key, 16);
  g_assert_cmpmem (restored->activation_id, 8, p.am1->activation_id, 8);
  g_assert_cmpstr (restored->serial, ==, "LK-6");
  g_assert_cmpmem (code.bytes, 12, p.code.bytes, 12);

  g_assert_false (lk_activation_pending_deserialize ("LKAM1:AAAA", &none, &code, &error));
  g_assert_error (error, LK_CORE_ERROR, LK_CORE_ERROR_ACTIVATION);
  g_assert_null (none);
  g_clear_error (&error);

  damaged = g_strdup (text);
  damaged[strlen (damaged) - 1] = damaged[strlen (damaged) - 1] == 'Z' ? 'Y' : 'Z';
  g_assert_false (lk_activation_pending_deserialize (damaged, &none, &code, &error));
  g_assert_error (error, LK_CORE_ERROR, LK_CORE_ERROR_ACTIVATION);
  g_assert_null (none);

  lk_secure_str_free (g_steal_pointer (&text));
  lk_am1_free (p.am1);
}

/* The challenge kind of test signature, checked against RFC 6287's
 * one-way challenge-response vectors (OCRA-1:HOTP-SHA1-6:QN08). */
static void
test_ocra (void)
{
  static const struct { const char *challenge; const char *response; } rfc[] = {
    { "00000000", "237653" },
    { "11111111", "243178" },
    { "22222222", "653583" },
    { "33333333", "740991" },
    { "99999999", "294470" },
  };
  static const guint8 seed[] = "12345678901234567890";
  g_autoptr(GError) error = NULL;
  g_autofree char *suite = lk_activation_ocra_suite (&totp6);
  g_autofree char *suite8 = NULL;
  LkActivationOtp hotp8 = { LK_ACTIVATION_OTP_HOTP, LK_HASH_SHA256, 8, 0 };
  char challenge[LK_ACTIVATION_CHALLENGE_DIGITS + 1], other[LK_ACTIVATION_CHALLENGE_DIGITS + 1];
  char response[LK_OTP_CODE_SIZE];

  g_assert_cmpstr (suite, ==, "OCRA-1:HOTP-SHA1-6:QN08");
  suite8 = lk_activation_ocra_suite (&hotp8);
  g_assert_cmpstr (suite8, ==, "OCRA-1:HOTP-SHA256-8:QN08");

  for (gsize i = 0; i < G_N_ELEMENTS (rfc); i++)
    {
      g_assert_true (lk_activation_test_response (&totp6, seed, 20, rfc[i].challenge, response, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (response, ==, rfc[i].response);
    }

  g_assert_true (lk_activation_new_challenge (challenge, &error));
  g_assert_true (lk_activation_new_challenge (other, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (strlen (challenge), ==, 8);
  g_assert_cmpuint (strspn (challenge, "0123456789"), ==, 8);
  /* Two draws agree with probability 10^-8. */
  g_assert_cmpstr (challenge, !=, other);

  g_assert_false (lk_activation_test_response (&totp6, seed, 20, "1234567", response, &error));
  g_assert_error (error, LK_CORE_ERROR, LK_CORE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (lk_activation_test_response (&totp6, seed, 20, "1234567a", response, &error));
  g_assert_error (error, LK_CORE_ERROR, LK_CORE_ERROR_INVALID_ARGUMENT);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/core/activation/vectors", test_vectors);
  g_test_add_func ("/core/activation/am1/round-trip", test_am1_round_trip);
  g_test_add_func ("/core/activation/am1/generate-errors", test_am1_generate_errors);
  g_test_add_func ("/core/activation/am1/parse-errors", test_am1_parse_errors);
  g_test_add_func ("/core/activation/device-code/typos", test_device_code_typos);
  g_test_add_func ("/core/activation/device-code/syntax", test_device_code_syntax);
  g_test_add_func ("/core/activation/device-code/round-trip", test_device_code_random_round_trip);
  g_test_add_func ("/core/activation/device-code/binding", test_device_code_binding);
  g_test_add_func ("/core/activation/am2/open", test_am2);
  g_test_add_func ("/core/activation/am2/build-errors", test_am2_build_errors);
  g_test_add_func ("/core/activation/am2/two-instances", test_two_instances);
  g_test_add_func ("/core/activation/pending", test_pending);
  g_test_add_func ("/core/activation/ocra", test_ocra);

  return g_test_run ();
}
