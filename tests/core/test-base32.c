/* SPDX-License-Identifier: GPL-3.0-or-later
 * Tests Base32: RFC 4648 vectors, the lenient forms people type, and every rejection with its position. */
#include <string.h>
#include <glib.h>

#include "lk-base32.h"
#include "lk-core-error.h"
#include "lk-secure.h"

/* RFC 4648 section 10, without the padding Latchkey never writes. */
static const struct { const char *plain, *encoded, *padded; } rfc4648[] = {
  { "", "", "" },
  { "f", "MY", "MY======" },
  { "fo", "MZXQ", "MZXQ====" },
  { "foo", "MZXW6", "MZXW6===" },
  { "foob", "MZXW6YQ", "MZXW6YQ=" },
  { "fooba", "MZXW6YTB", "MZXW6YTB" },
  { "foobar", "MZXW6YTBOI", "MZXW6YTBOI======" },
};

static void
assert_decodes (const char *text,
                const char *expected)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = lk_base32_decode (text, &error);

  g_assert_no_error (error);
  g_assert_nonnull (bytes);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), expected, strlen (expected));
}

static void
test_rfc4648 (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (rfc4648); i++)
    {
      g_autofree char *encoded = lk_base32_encode ((const guint8 *) rfc4648[i].plain, strlen (rfc4648[i].plain));

      g_assert_cmpstr (encoded, ==, rfc4648[i].encoded);
      assert_decodes (rfc4648[i].encoded, rfc4648[i].plain);
      assert_decodes (rfc4648[i].padded, rfc4648[i].plain);
    }
}

static void
test_lenient (void)
{
  assert_decodes ("mzxw6ytboi", "foobar");
  assert_decodes ("MzXw6YtBoI", "foobar");
  assert_decodes ("MZXW 6YTB OI", "foobar");
  assert_decodes ("MZXW-6YTB-OI", "foobar");
  assert_decodes ("  mzxw - 6ytb - oi  ", "foobar");
  assert_decodes ("mzXW 6y-tB oi==", "foobar");
  assert_decodes ("MZXW6YTBOI=", "foobar");
  assert_decodes ("MZXW6YTBOI= = =", "foobar");
  assert_decodes ("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", "12345678901234567890");
  assert_decodes ("gezd gnbv gy3t qojq gezd gnbv gy3t qojq", "12345678901234567890");
  assert_decodes ("   ", "");
  assert_decodes ("====", "");
}

static void
assert_rejected (const char *text,
                 const char *fragment)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = lk_base32_decode (text, &error);

  g_assert_null (bytes);
  g_assert_error (error, LK_CORE_ERROR, LK_CORE_ERROR_BASE32);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  if (strstr (error->message, fragment) == NULL)
    g_error ("decoding “%s”: “%s” does not mention “%s”", text, error->message, fragment);
}

static void
test_rejections (void)
{
  /* Characters outside the alphabet, with their 1-based position. */
  assert_rejected ("MZXW1", "“1” at position 5");
  assert_rejected ("0ZXW", "“0” at position 1");
  assert_rejected ("MZ8W", "“8” at position 3");
  assert_rejected ("MZ9W", "“9” at position 3");
  assert_rejected ("MZ XW_", "“_” at position 6");
  assert_rejected ("MZXW+6", "“+” at position 5");
  assert_rejected ("MZXW/6", "“/” at position 5");
  assert_rejected ("MZXW.6", "“.” at position 5");
  assert_rejected ("MZXW,6", "“,” at position 5");
  assert_rejected ("MZ\tXW", "U+0009");
  assert_rejected ("MZ\tXW", "position 3");
  assert_rejected ("MZ\nXW", "U+000A");
  /* Positions count characters, not bytes. */
  assert_rejected ("MZé", "“é” at position 3");
  assert_rejected ("éé MZ€", "“é” at position 1");
  assert_rejected ("MZ€", "“€” at position 3");
  /* Bytes that are not UTF-8 are named by value. */
  assert_rejected ("MZ\xff", "byte 0xFF at position 3");
  /* Data after padding. */
  assert_rejected ("MZXW6YTB=A", "“A” at position 10 after the “=” padding");
  assert_rejected ("MY==MY", "position 5");
  /* Lengths no byte string has: 1, 3 or 6 symbols past a multiple of 8. */
  assert_rejected ("M", "1 Base32 characters");
  assert_rejected ("MZX", "3 Base32 characters");
  assert_rejected ("MZXW6Y", "6 Base32 characters");
  assert_rejected ("MZXW6YTBM", "9 Base32 characters");
}

static void
test_round_trip (void)
{
  for (gsize len = 0; len <= 70; len++)
    {
      g_autofree guint8 *data = g_malloc (len + 1);
      g_autofree char *encoded = NULL;
      g_autoptr(GBytes) decoded = NULL;
      g_autoptr(GError) error = NULL;

      for (gsize i = 0; i < len; i++)
        data[i] = (guint8) g_test_rand_int_range (0, 256);
      encoded = lk_base32_encode (data, len);
      g_assert_cmpuint (strlen (encoded), ==, (len * 8 + 4) / 5);
      g_assert_null (strchr (encoded, '='));
      for (const char *p = encoded; *p; p++)
        g_assert_true ((*p >= 'A' && *p <= 'Z') || (*p >= '2' && *p <= '7'));
      decoded = lk_base32_decode (encoded, &error);
      g_assert_no_error (error);
      g_assert_cmpmem (g_bytes_get_data (decoded, NULL), g_bytes_get_size (decoded), data, len);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/core/base32/rfc4648", test_rfc4648);
  g_test_add_func ("/core/base32/lenient", test_lenient);
  g_test_add_func ("/core/base32/rejections", test_rejections);
  g_test_add_func ("/core/base32/round-trip", test_round_trip);

  return g_test_run ();
}
