/* SPDX-License-Identifier: GPL-3.0-or-later
 * Tests for lk-qr: encode to PNG, SVG and grey pixels, decode again with ZBar, refuse bad images. */
#include "config.h"

#include <string.h>

#include <png.h>

#include "lk-core-error.h"
#include "lk-qr.h"

/* Payloads of the kinds Latchkey puts into QR codes: otpauth URIs (with
 * UTF-8 in the label), activation messages in Base32, and a long one that
 * needs a high QR version. */
static const char *payloads[] = {
  "otpauth://totp/ACME%20Co:alice@example.com?secret=JBSWY3DPEHPK3PXP&issuer=ACME%20Co&algorithm=SHA1&digits=6&period=30",
  "otpauth://hotp/Caf%C3%A9:j%C3%BCrgen?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Caf\xc3\xa9&counter=7",
  "LKAM1:AEAAABQADYASGRLHRGV433YAAEBAGBAFAYDQQCIKBMGA2DQPAAAAAADJKW4QACKMJMWTAMBQGA2DEBCBINGUKELBNRUWGZKAMV4GC3LQNRSS4Y3PNXMR6IXJ",
  "A",
  "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
  "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
  "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
  "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
};

static void
assert_single_text (GStrv        texts,
                    const char  *expected)
{
  g_assert_nonnull (texts);
  g_assert_cmpuint (g_strv_length (texts), ==, 1);
  g_assert_cmpstr (texts[0], ==, expected);
}

static void
test_png_round_trip (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (payloads); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) png = NULL;
      g_auto(GStrv) texts = NULL;
      gsize len;
      const guint8 *data;

      png = lk_qr_encode_png (payloads[i], 4, &error);
      g_assert_no_error (error);
      g_assert_nonnull (png);

      data = g_bytes_get_data (png, &len);
      g_assert_cmpuint (len, >, 8);
      g_assert_cmpint (png_sig_cmp ((png_const_bytep) data, 0, 8), ==, 0);

      texts = lk_qr_decode_png (data, len, &error);
      g_assert_no_error (error);
      assert_single_text (texts, payloads[i]);
    }
}

static void
test_gray_round_trip (void)
{
  for (guint scale = 1; scale <= 5; scale += 2)
    {
      g_autoptr(GError) error = NULL;
      g_autofree guint8 *pixels = NULL;
      g_auto(GStrv) texts = NULL;
      guint size = 0;

      pixels = lk_qr_encode_gray (payloads[0], scale, &size, &error);
      g_assert_no_error (error);
      g_assert_nonnull (pixels);
      g_assert_cmpuint (size % scale, ==, 0);

      /* Quiet zone: the whole first four module rows are light. */
      for (guint i = 0; i < 4 * scale * size; i++)
        g_assert_cmpuint (pixels[i], ==, 0xff);

      /* Scale 1 is one pixel per module: too small for ZBar to be
       * expected to read, so only the bigger ones are decoded. */
      if (scale == 1)
        continue;

      texts = lk_qr_decode_gray (pixels, size, size, size, &error);
      g_assert_no_error (error);
      assert_single_text (texts, payloads[0]);
    }
}

static void
test_gray_stride (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *pixels = NULL;
  g_autofree guint8 *padded = NULL;
  g_auto(GStrv) texts = NULL;
  guint size = 0;
  guint stride;

  pixels = lk_qr_encode_gray (payloads[2], 3, &size, &error);
  g_assert_no_error (error);

  /* Rows padded with dark junk, as a GdkTexture or camera frame may be:
   * the decoder must honour the stride and never look at the padding. */
  stride = size + 13;
  padded = g_malloc0 ((gsize) stride * size);
  for (guint y = 0; y < size; y++)
    memcpy (padded + (gsize) y * stride, pixels + (gsize) y * size, size);

  texts = lk_qr_decode_gray (padded, size, size, stride, &error);
  g_assert_no_error (error);
  assert_single_text (texts, payloads[2]);

  g_clear_pointer (&texts, g_strfreev);
  texts = lk_qr_decode_gray (padded, size, size, size - 1, &error);
  g_assert_error (error, LK_CORE_ERROR, LK_CORE_ERROR_INVALID_ARGUMENT);
  g_assert_null (texts);
}

static void
test_gray_inverted (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *pixels = NULL;
  g_auto(GStrv) texts = NULL;
  guint size = 0;

  pixels = lk_qr_encode_gray (payloads[0], 3, &size, &error);
  g_assert_no_error (error);

  /* Light modules on dark ground: a QR code on a dark-themed page. */
  for (gsize i = 0; i < (gsize) size * size; i++)
    pixels[i] = 0xff - pixels[i];

  texts = lk_qr_decode_gray (pixels, size, size, size, &error);
  g_assert_no_error (error);
  assert_single_text (texts, payloads[0]);
}

static void
test_two_codes (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *a = NULL;
  g_autofree guint8 *b = NULL;
  g_autofree guint8 *both = NULL;
  g_auto(GStrv) texts = NULL;
  guint size_a = 0, size_b = 0, width, height;

  a = lk_qr_encode_gray ("first code", 3, &size_a, &error);
  g_assert_no_error (error);
  b = lk_qr_encode_gray ("second code", 3, &size_b, &error);
  g_assert_no_error (error);

  width = size_a + size_b;
  height = MAX (size_a, size_b);
  both = g_malloc (width * height);
  memset (both, 0xff, width * height);
  for (guint y = 0; y < size_a; y++)
    memcpy (both + y * width, a + y * size_a, size_a);
  for (guint y = 0; y < size_b; y++)
    memcpy (both + y * width + size_a, b + y * size_b, size_b);

  texts = lk_qr_decode_gray (both, width, height, width, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (texts), ==, 2);
  g_assert_true (g_strv_contains ((const char * const *) texts, "first code"));
  g_assert_true (g_strv_contains ((const char * const *) texts, "second code"));
}

/* Collects what the SVG parser sees, so the test can check the document's
 * structure and then redraw its path into pixels. */
typedef struct
{
  gboolean seen_svg;
  gboolean seen_rect;
  guint    n_paths;
  guint    view_size;
  char    *path_d;
} SvgInfo;

static void
svg_start_element (GMarkupParseContext  *context,
                   const char           *element_name,
                   const char          **attribute_names,
                   const char          **attribute_values,
                   gpointer              user_data,
                   GError              **error)
{
  SvgInfo *info = user_data;

  if (g_str_equal (element_name, "svg"))
    {
      const char *viewbox = NULL;
      const char *xmlns = NULL;
      guint x = 1, y = 1, w = 0, h = 0;

      g_markup_collect_attributes (element_name, attribute_names, attribute_values, error,
                                   G_MARKUP_COLLECT_STRING, "xmlns", &xmlns,
                                   G_MARKUP_COLLECT_STRING, "viewBox", &viewbox,
                                   G_MARKUP_COLLECT_STRING | G_MARKUP_COLLECT_OPTIONAL, "version", NULL,
                                   G_MARKUP_COLLECT_STRING | G_MARKUP_COLLECT_OPTIONAL, "width", NULL,
                                   G_MARKUP_COLLECT_STRING | G_MARKUP_COLLECT_OPTIONAL, "height", NULL,
                                   G_MARKUP_COLLECT_STRING | G_MARKUP_COLLECT_OPTIONAL, "shape-rendering", NULL,
                                   G_MARKUP_COLLECT_INVALID);
      g_assert_no_error (error ? *error : NULL);
      g_assert_cmpstr (xmlns, ==, "http://www.w3.org/2000/svg");
      g_assert_cmpint (sscanf (viewbox, "%u %u %u %u", &x, &y, &w, &h), ==, 4);
      g_assert_cmpuint (x, ==, 0);
      g_assert_cmpuint (y, ==, 0);
      g_assert_cmpuint (w, ==, h);
      info->view_size = w;
      info->seen_svg = TRUE;
    }
  else if (g_str_equal (element_name, "rect"))
    {
      g_assert_true (info->seen_svg);
      info->seen_rect = TRUE;
    }
  else if (g_str_equal (element_name, "path"))
    {
      const char *d = NULL;

      g_assert_true (info->seen_svg);
      g_markup_collect_attributes (element_name, attribute_names, attribute_values, error,
                                   G_MARKUP_COLLECT_STRING, "d", &d,
                                   G_MARKUP_COLLECT_STRING | G_MARKUP_COLLECT_OPTIONAL, "fill", NULL,
                                   G_MARKUP_COLLECT_INVALID);
      info->path_d = g_strdup (d);
      info->n_paths++;
    }
  else
    {
      g_set_error (error, G_MARKUP_ERROR, G_MARKUP_ERROR_UNKNOWN_ELEMENT,
                   "unexpected element <%s>", element_name);
    }
}

/* Paints the "Mx yhNv1h-Nz" runs of the path, scale pixels per unit. */
static guint8 *
svg_rasterize (const SvgInfo *info,
               guint          scale,
               guint         *out_size)
{
  guint size = info->view_size * scale;
  guint8 *pixels = g_malloc (size * size);
  const char *p = info->path_d;

  memset (pixels, 0xff, size * size);
  while (*p != '\0')
    {
      guint x, y, w, w2;
      int consumed = 0;

      g_assert_cmpint (sscanf (p, "M%u %uh%uv1h-%uz%n", &x, &y, &w, &w2, &consumed), ==, 4);
      g_assert_cmpuint (w, ==, w2);
      g_assert_cmpuint (x + w, <=, info->view_size);
      g_assert_cmpuint (y, <, info->view_size);
      for (guint r = 0; r < scale; r++)
        memset (pixels + (gsize) (y * scale + r) * size + x * scale, 0x00, w * scale);
      p += consumed;
    }

  *out_size = size;
  return pixels;
}

static void
test_svg (void)
{
  static const GMarkupParser parser = { svg_start_element, NULL, NULL, NULL, NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *svg = NULL;
  g_autofree guint8 *pixels = NULL;
  g_autofree guint8 *reference = NULL;
  g_autoptr(GMarkupParseContext) context = NULL;
  g_auto(GStrv) texts = NULL;
  SvgInfo info = { 0 };
  guint size = 0, ref_size = 0;

  svg = lk_qr_encode_svg (payloads[1], &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (svg, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg "));

  context = g_markup_parse_context_new (&parser, 0, &info, NULL);
  g_assert_true (g_markup_parse_context_parse (context, svg, -1, &error));
  g_assert_no_error (error);
  g_assert_true (g_markup_parse_context_end_parse (context, &error));
  g_assert_no_error (error);

  g_assert_true (info.seen_svg);
  g_assert_true (info.seen_rect);
  g_assert_cmpuint (info.n_paths, ==, 1);
  g_assert_nonnull (info.path_d);

  /* The SVG draws exactly the modules of the grey matrix ... */
  pixels = svg_rasterize (&info, 3, &size);
  reference = lk_qr_encode_gray (payloads[1], 3, &ref_size, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (size, ==, ref_size);
  g_assert_cmpmem (pixels, (gsize) size * size, reference, (gsize) ref_size * ref_size);

  /* ... and so it scans back to the text. */
  texts = lk_qr_decode_gray (pixels, size, size, size, &error);
  g_assert_no_error (error);
  assert_single_text (texts, payloads[1]);

  g_free (info.path_d);
}

/* Activation messages are upper-case Base32: they must use alphanumeric
 * segments and come out two versions smaller than in byte mode (126
 * characters: version 6, 41 modules, instead of version 8). */
static void
test_alphanumeric (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *pixels = NULL;
  g_autofree guint8 *lower_pixels = NULL;
  g_autofree char *lower = g_ascii_strdown (payloads[2], -1);
  g_auto(GStrv) texts = NULL;
  guint size = 0, lower_size = 0;

  g_assert_cmpuint (strlen (payloads[2]), ==, 126);
  pixels = lk_qr_encode_gray (payloads[2], 1, &size, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (size - 8, ==, 41);

  /* The same text in lower case needs byte mode, and is kept as it is. */
  lower_pixels = lk_qr_encode_gray (lower, 3, &lower_size, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lower_size / 3 - 8, >, 41);
  texts = lk_qr_decode_gray (lower_pixels, lower_size, lower_size, lower_size, &error);
  g_assert_no_error (error);
  assert_single_text (texts, lower);
}

static void
test_encode_errors (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *huge = g_strnfill (4000, 'x');
  guint size = 0;

  g_assert_null (lk_qr_encode_png ("", 4, &error));
  g_assert_error (error, LK_CORE_ERROR, LK_CORE_ERROR_QR);
  g_clear_error (&error);

  /* Version 40 at level M holds 2331 bytes; 4000 cannot fit. */
  g_assert_null (lk_qr_encode_svg (huge, &error));
  g_assert_error (error, LK_CORE_ERROR, LK_CORE_ERROR_QR);
  g_assert_nonnull (strstr (error->message, "too long"));
  g_clear_error (&error);

  g_assert_null (lk_qr_encode_gray ("abc", 0, &size, &error));
  g_assert_error (error, LK_CORE_ERROR, LK_CORE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  g_assert_null (lk_qr_encode_png ("abc", 1000, &error));
  g_assert_error (error, LK_CORE_ERROR, LK_CORE_ERROR_INVALID_ARGUMENT);
}

static void
test_no_code (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *white = g_malloc (200 * 200);
  g_autofree guint8 *noise = g_malloc (200 * 200);
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  GStrv texts;

  memset (white, 0xff, 200 * 200);
  texts = lk_qr_decode_gray (white, 200, 200, 200, &error);
  g_assert_error (error, LK_CORE_ERROR, LK_CORE_ERROR_QR);
  g_assert_null (texts);
  g_clear_error (&error);

  for (guint i = 0; i < 200 * 200; i++)
    noise[i] = g_rand_boolean (rand) ? 0xff : 0x00;
  texts = lk_qr_decode_gray (noise, 200, 200, 200, &error);
  g_assert_error (error, LK_CORE_ERROR, LK_CORE_ERROR_QR);
  g_assert_null (texts);
  g_clear_error (&error);

  texts = lk_qr_decode_gray (white, 0, 200, 200, &error);
  g_assert_error (error, LK_CORE_ERROR, LK_CORE_ERROR_QR);
  g_assert_null (texts);
  g_clear_error (&error);

  texts = lk_qr_decode_gray (white, 100000, 100000, 100000, &error);
  g_assert_error (error, LK_CORE_ERROR, LK_CORE_ERROR_QR);
  g_assert_null (texts);
}

static void
test_png_no_code (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *white = g_malloc (64 * 64);
  g_autofree void *png = NULL;
  png_alloc_size_t png_len = 0;
  png_image image = { 0 };
  GStrv texts;

  memset (white, 0xff, 64 * 64);
  image.version = PNG_IMAGE_VERSION;
  image.width = image.height = 64;
  image.format = PNG_FORMAT_GRAY;
  g_assert_true (png_image_write_get_memory_size (image, png_len, 0, white, 0, NULL));
  png = g_malloc (png_len);
  g_assert_true (png_image_write_to_memory (&image, png, &png_len, 0, white, 0, NULL));

  texts = lk_qr_decode_png (png, png_len, &error);
  g_assert_error (error, LK_CORE_ERROR, LK_CORE_ERROR_QR);
  g_assert_null (texts);
}

/* A transparent RGBA PNG with black modules, the way design tools export
 * QR codes, must scan like a grey one. */
static void
test_png_rgba (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *grey = NULL;
  g_autofree guint8 *rgba = NULL;
  g_autofree void *png = NULL;
  g_auto(GStrv) texts = NULL;
  png_alloc_size_t png_len = 0;
  png_image image = { 0 };
  guint size = 0;

  grey = lk_qr_encode_gray (payloads[0], 3, &size, &error);
  g_assert_no_error (error);
  rgba = g_malloc0 ((gsize) size * size * 4);
  for (gsize i = 0; i < (gsize) size * size; i++)
    if (grey[i] == 0)
      rgba[4 * i + 3] = 0xff;  /* opaque black; the rest transparent black */

  image.version = PNG_IMAGE_VERSION;
  image.width = image.height = size;
  image.format = PNG_FORMAT_RGBA;
  g_assert_true (png_image_write_get_memory_size (image, png_len, 0, rgba, 0, NULL));
  png = g_malloc (png_len);
  g_assert_true (png_image_write_to_memory (&image, png, &png_len, 0, rgba, 0, NULL));

  texts = lk_qr_decode_png (png, png_len, &error);
  g_assert_no_error (error);
  assert_single_text (texts, payloads[0]);
}

/* The PNG chunk CRC (ISO 3309, reflected 0xEDB88320), bit by bit: enough
 * to forge a header that libpng accepts. */
static guint32
crc_of_chunk (const guint8 *type_and_data,
              gsize         len)
{
  guint32 crc = 0xffffffff;

  for (gsize i = 0; i < len; i++)
    {
      crc ^= type_and_data[i];
      for (int k = 0; k < 8; k++)
        crc = (crc >> 1) ^ (0xedb88320 & (0u - (crc & 1)));
    }
  return crc ^ 0xffffffff;
}

static void
test_png_corrupt (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) png = NULL;
  g_autofree guint8 *copy = NULL;
  const guint8 *data;
  gsize len;
  GStrv texts;

  png = lk_qr_encode_png (payloads[0], 4, &error);
  g_assert_no_error (error);
  data = g_bytes_get_data (png, &len);

  /* Not a PNG at all. */
  texts = lk_qr_decode_png ((const guint8 *) "GIF89a....", 10, &error);
  g_assert_error (error, LK_CORE_ERROR, LK_CORE_ERROR_QR);
  g_assert_null (texts);
  g_clear_error (&error);

  texts = lk_qr_decode_png ((const guint8 *) "", 0, &error);
  g_assert_error (error, LK_CORE_ERROR, LK_CORE_ERROR_QR);
  g_clear_error (&error);

  /* Every truncation point: signature only, inside IHDR, inside IDAT. */
  for (gsize cut = 8; cut < len; cut += MAX (len / 23, 1))
    {
      texts = lk_qr_decode_png (data, cut, &error);
      g_assert_error (error, LK_CORE_ERROR, LK_CORE_ERROR_QR);
      g_assert_null (texts);
      g_clear_error (&error);
    }

  /* A flipped byte inside the image data: the chunk CRC no longer matches. */
  copy = g_memdup2 (data, len);
  copy[len / 2] ^= 0x5a;
  texts = lk_qr_decode_png (copy, len, &error);
  g_assert_error (error, LK_CORE_ERROR, LK_CORE_ERROR_QR);
  g_assert_null (texts);
  g_clear_error (&error);

  /* A valid header claiming 100000 x 100000 pixels (the CRC fixed up, so
   * libpng accepts it): refused before any pixel memory is allocated. */
  memcpy (copy, data, len);
  g_assert_cmpmem (copy + 12, 4, "IHDR", 4);
  {
    guint32 big = GUINT32_TO_BE (100000);
    guint32 crc;

    memcpy (copy + 16, &big, 4);
    memcpy (copy + 20, &big, 4);
    crc = GUINT32_TO_BE (crc_of_chunk (copy + 12, 4 + 13));
    memcpy (copy + 29, &crc, 4);
  }
  texts = lk_qr_decode_png (copy, len, &error);
  g_assert_error (error, LK_CORE_ERROR, LK_CORE_ERROR_QR);
  g_assert_nonnull (strstr (error->message, "too large"));
  g_assert_null (texts);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/core/qr/png/round-trip", test_png_round_trip);
  g_test_add_func ("/core/qr/png/rgba", test_png_rgba);
  g_test_add_func ("/core/qr/png/no-code", test_png_no_code);
  g_test_add_func ("/core/qr/png/corrupt", test_png_corrupt);
  g_test_add_func ("/core/qr/gray/round-trip", test_gray_round_trip);
  g_test_add_func ("/core/qr/gray/stride", test_gray_stride);
  g_test_add_func ("/core/qr/gray/inverted", test_gray_inverted);
  g_test_add_func ("/core/qr/gray/two-codes", test_two_codes);
  g_test_add_func ("/core/qr/gray/no-code", test_no_code);
  g_test_add_func ("/core/qr/svg", test_svg);
  g_test_add_func ("/core/qr/alphanumeric", test_alphanumeric);
  g_test_add_func ("/core/qr/encode-errors", test_encode_errors);

  return g_test_run ();
}
