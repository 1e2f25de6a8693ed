/* SPDX-License-Identifier: GPL-3.0-or-later
 * QR codes: encoding with libqrencode to PNG, SVG and grey pixels; decoding with ZBar. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <png.h>
#include <qrencode.h>
#include <zbar.h>
#include <glib/gi18n.h>

#include "lk-core-error.h"
#include "lk-qr.h"

/* The quiet zone the QR specification asks for, in modules. */
#define LK_QR_QUIET_ZONE 4

/* A module bigger than this many pixels helps nobody and only costs memory. */
#define LK_QR_MAX_SCALE 64

/* Images handed to ZBar or read from PNG files are bounded so a hostile
 * header (a 100000 x 100000 PNG in a few bytes) cannot make us allocate
 * gigabytes. 8192 x 8192 covers any screenshot or camera frame we scan. */
#define LK_QR_MAX_SIDE   8192
#define LK_QR_MAX_PIXELS ((guint64) 8192 * 8192)

/* A PNG larger than this is not a QR code somebody wants us to read. */
#define LK_QR_MAX_PNG_BYTES (64 * 1024 * 1024)

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QRcode, QRcode_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (zbar_image_scanner_t, zbar_image_scanner_destroy)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (zbar_image_t, zbar_image_destroy)

/* Runs libqrencode at level M; the version is chosen by size. */
static QRcode *
lk_qr_make (const char  *text,
            GError     **error)
{
  QRcode *code;
  gsize len;

  g_return_val_if_fail (text != NULL, NULL);

  len = strlen (text);
  if (len == 0)
    {
      g_set_error_literal (error, LK_CORE_ERROR, LK_CORE_ERROR_QR,
                           _("There is no text to put in a QR code"));
      return NULL;
    }
  if (len > G_MAXINT)
    {
      g_set_error (error, LK_CORE_ERROR, LK_CORE_ERROR_QR,
                   _("The text is too long for a QR code (%" G_GSIZE_FORMAT " bytes)"), len);
      return NULL;
    }

  /* Every byte is kept as it is (case-sensitive, 8-bit for anything
   * outside the QR alphanumeric set, never Kanji), so UTF-8 comes back from
   * a scanner byte for byte. Runs of digits or of upper-case Base32, as in
   * activation messages, are packed into numeric or alphanumeric segments,
   * which makes those codes two versions smaller and easier to scan. */
  errno = 0;
  code = QRcode_encodeString (text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
  if (code == NULL)
    {
      if (errno == ERANGE)
        g_set_error (error, LK_CORE_ERROR, LK_CORE_ERROR_QR,
                     _("The text is too long for a QR code (%" G_GSIZE_FORMAT " bytes)"), len);
      else
        g_set_error (error, LK_CORE_ERROR, LK_CORE_ERROR_QR,
                     _("The QR code could not be made: %s"), g_strerror (errno));
      return NULL;
    }

  return code;
}

static gboolean
lk_qr_check_scale (guint    scale,
                   GError **error)
{
  if (scale == 0 || scale > LK_QR_MAX_SCALE)
    {
      g_set_error (error, LK_CORE_ERROR, LK_CORE_ERROR_INVALID_ARGUMENT,
                   _("A QR module must be 1 to %u pixels wide, not %u"),
                   LK_QR_MAX_SCALE, scale);
      return FALSE;
    }
  return TRUE;
}

static inline gboolean
lk_qr_module_is_dark (const QRcode *code,
                      int           x,
                      int           y)
{
  /* Bit 0 of each libqrencode cell is the colour; the others describe the
   * module's role (finder, timing, data), which we do not need. */
  return (code->data[y * code->width + x] & 1) != 0;
}

/* Paints @code with its quiet zone into a new square grey buffer. */
static guint8 *
lk_qr_rasterize (const QRcode *code,
                 guint         scale,
                 guint        *out_size)
{
  guint modules = (guint) code->width + 2 * LK_QR_QUIET_ZONE;
  guint size = modules * scale;
  guint8 *pixels = g_malloc (size * size);

  memset (pixels, 0xff, size * size);

  for (int y = 0; y < code->width; y++)
    {
      guint8 *row = pixels + (gsize) (y + LK_QR_QUIET_ZONE) * scale * size;

      for (int x = 0; x < code->width; x++)
        {
          if (lk_qr_module_is_dark (code, x, y))
            memset (row + (gsize) (x + LK_QR_QUIET_ZONE) * scale, 0x00, scale);
        }

      /* The first pixel row of the module row is complete; the others copy it. */
      for (guint r = 1; r < scale; r++)
        memcpy (row + (gsize) r * size, row, size);
    }

  *out_size = size;
  return pixels;
}

guint8 *
lk_qr_encode_gray (const char  *text,
                   guint        scale,
                   guint       *out_size,
                   GError     **error)
{
  g_autoptr(QRcode) code = NULL;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (out_size != NULL, NULL);

  if (!lk_qr_check_scale (scale, error))
    return NULL;

  code = lk_qr_make (text, error);
  if (code == NULL)
    return NULL;

  return lk_qr_rasterize (code, scale, out_size);
}

GBytes *
lk_qr_encode_png (const char  *text,
                  guint        scale,
                  GError     **error)
{
  g_autofree guint8 *pixels = NULL;
  g_autofree guint8 *png = NULL;
  png_image image;
  png_alloc_size_t png_len = 0;
  guint size = 0;

  g_return_val_if_fail (text != NULL, NULL);

  pixels = lk_qr_encode_gray (text, scale, &size, error);
  if (pixels == NULL)
    return NULL;

  memset (&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  image.width = size;
  image.height = size;
  image.format = PNG_FORMAT_GRAY;

  /* libpng's simplified API does its own setjmp/longjmp error handling and
   * reports failure through its return value. The first call measures. */
  if (!png_image_write_to_memory (&image, NULL, &png_len, 0, pixels, (png_int_32) size, NULL) ||
      png_len == 0)
    {
      g_set_error (error, LK_CORE_ERROR, LK_CORE_ERROR_QR,
                   _("The QR code could not be written as PNG: %s"), image.message);
      png_image_free (&image);
      return NULL;
    }

  png = g_malloc (png_len);
  if (!png_image_write_to_memory (&image, png, &png_len, 0, pixels, (png_int_32) size, NULL))
    {
      g_set_error (error, LK_CORE_ERROR, LK_CORE_ERROR_QR,
                   _("The QR code could not be written as PNG: %s"), image.message);
      png_image_free (&image);
      return NULL;
    }

  return g_bytes_new_take (g_steal_pointer (&png), png_len);
}

char *
lk_qr_encode_svg (const char  *text,
                  GError     **error)
{
  g_autoptr(QRcode) code = NULL;
  GString *svg;
  guint modules;

  g_return_val_if_fail (text != NULL, NULL);

  code = lk_qr_make (text, error);
  if (code == NULL)
    return NULL;

  modules = (guint) code->width + 2 * LK_QR_QUIET_ZONE;
  svg = g_string_sized_new (4096);

  /* One unit per module; the viewer scales it. crispEdges keeps module
   * borders sharp so scanners see clean transitions. */
  g_string_append_printf (svg,
                          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                          "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" "
                          "viewBox=\"0 0 %u %u\" width=\"%u\" height=\"%u\" "
                          "shape-rendering=\"crispEdges\">\n"
                          "<rect width=\"%u\" height=\"%u\" fill=\"#ffffff\"/>\n"
                          "<path fill=\"#000000\" d=\"",
                          modules, modules, modules * 8, modules * 8, modules, modules);

  /* Each horizontal run of dark modules becomes one rectangle, which keeps
   * the path a few kilobytes even for large versions. */
  for (int y = 0; y < code->width; y++)
    {
      int x = 0;

      while (x < code->width)
        {
          int start;

          if (!lk_qr_module_is_dark (code, x, y))
            {
              x++;
              continue;
            }

          start = x;
          while (x < code->width && lk_qr_module_is_dark (code, x, y))
            x++;

          g_string_append_printf (svg, "M%d %dh%dv1h-%dz",
                                  start + LK_QR_QUIET_ZONE, y + LK_QR_QUIET_ZONE,
                                  x - start, x - start);
        }
    }

  g_string_append (svg, "\"/>\n</svg>\n");

  return g_string_free (svg, FALSE);
}

/* Turns one symbol's bytes into UTF-8 text, or NULL when it is not text.
 * ZBar runs in binary mode, so the bytes are exactly what was encoded; byte
 * mode without an ECI header is ISO-8859-1 by the QR standard, but nearly
 * every generator puts UTF-8 there, so UTF-8 is tried first. */
static char *
lk_qr_symbol_text (const char *data,
                   gsize       len)
{
  if (len == 0 || memchr (data, '\0', len) != NULL)
    return NULL;

  if (g_utf8_validate (data, (gssize) len, NULL))
    return g_strndup (data, len);

  return g_convert (data, (gssize) len, "UTF-8", "ISO-8859-1", NULL, NULL, NULL);
}

static gboolean
lk_qr_check_dimensions (guint64   width,
                        guint64   height,
                        GError  **error)
{
  if (width == 0 || height == 0)
    {
      g_set_error_literal (error, LK_CORE_ERROR, LK_CORE_ERROR_QR,
                           _("The image is empty"));
      return FALSE;
    }

  if (width > LK_QR_MAX_SIDE || height > LK_QR_MAX_SIDE || width * height > LK_QR_MAX_PIXELS)
    {
      g_set_error (error, LK_CORE_ERROR, LK_CORE_ERROR_QR,
                   _("The image is too large to scan (%" G_GUINT64_FORMAT " x %" G_GUINT64_FORMAT
                   " pixels; at most %u x %u)"),
                   width, height, LK_QR_MAX_SIDE, LK_QR_MAX_SIDE);
      return FALSE;
    }

  return TRUE;
}

GStrv
lk_qr_decode_gray (const guint8  *pixels,
                   guint          width,
                   guint          height,
                   guint          stride,
                   GError       **error)
{
  g_autoptr(zbar_image_scanner_t) scanner = NULL;
  g_autoptr(zbar_image_t) image = NULL;
  g_autoptr(GPtrArray) texts = NULL;
  g_autofree guint8 *packed = NULL;
  const guint8 *data = pixels;
  const zbar_symbol_t *symbol;
  gboolean found_any = FALSE;
  int n;

  g_return_val_if_fail (pixels != NULL || width == 0 || height == 0, NULL);

  if (!lk_qr_check_dimensions (width, height, error))
    return NULL;

  if (stride < width)
    {
      g_set_error (error, LK_CORE_ERROR, LK_CORE_ERROR_INVALID_ARGUMENT,
                   _("An image row of %u pixels cannot fit in a stride of %u bytes"), width, stride);
      return NULL;
    }

  /* ZBar's Y800 format has no stride; rows must be contiguous. */
  if (stride != width)
    {
      packed = g_malloc ((gsize) width * height);
      for (guint y = 0; y < height; y++)
        memcpy (packed + (gsize) y * width, pixels + (gsize) y * stride, width);
      data = packed;
    }

  scanner = zbar_image_scanner_create ();
  zbar_image_scanner_set_config (scanner, ZBAR_NONE, ZBAR_CFG_ENABLE, 0);
  zbar_image_scanner_set_config (scanner, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1);
  zbar_image_scanner_set_config (scanner, ZBAR_QRCODE, ZBAR_CFG_BINARY, 1);
  /* Screenshots of dark-themed pages show light modules on dark ground. */
  zbar_image_scanner_set_config (scanner, ZBAR_NONE, ZBAR_CFG_TEST_INVERTED, 1);

  image = zbar_image_create ();
  zbar_image_set_format (image, zbar_fourcc ('Y', '8', '0', '0'));
  zbar_image_set_size (image, width, height);
  zbar_image_set_data (image, data, (unsigned long) width * height, NULL);

  n = zbar_scan_image (scanner, image);
  if (n < 0)
    {
      g_set_error_literal (error, LK_CORE_ERROR, LK_CORE_ERROR_QR,
                           _("The image could not be scanned"));
      return NULL;
    }

  texts = g_ptr_array_new_with_free_func (g_free);
  for (symbol = zbar_image_first_symbol (image); symbol != NULL; symbol = zbar_symbol_next (symbol))
    {
      char *text;

      if (zbar_symbol_get_type (symbol) != ZBAR_QRCODE)
        continue;

      found_any = TRUE;
      text = lk_qr_symbol_text (zbar_symbol_get_data (symbol),
                                zbar_symbol_get_data_length (symbol));
      if (text != NULL)
        g_ptr_array_add (texts, text);
    }

  /* The image's data pointer is ours; detach it before the image goes. */
  zbar_image_set_data (image, NULL, 0, NULL);

  if (texts->len == 0)
    {
      if (found_any)
        g_set_error_literal (error, LK_CORE_ERROR, LK_CORE_ERROR_QR,
                             _("The QR code in the image holds binary data, not text"));
      else
        g_set_error_literal (error, LK_CORE_ERROR, LK_CORE_ERROR_QR,
                             _("No QR code was found in the image"));
      return NULL;
    }

  g_ptr_array_add (texts, NULL);
  g_ptr_array_set_free_func (texts, NULL);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&texts), FALSE);
}

/* The PNG chunk CRC: CRC-32 (ISO 3309) over the chunk type and data. */
static guint32
lk_qr_png_crc (const guint8 *data,
               gsize         len)
{
  static guint32 table[256];
  static gsize table_ready = 0;
  guint32 crc = 0xffffffff;

  if (g_once_init_enter (&table_ready))
    {
      for (guint32 n = 0; n < 256; n++)
        {
          guint32 c = n;

          for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xedb88320 ^ (c >> 1) : c >> 1;
          table[n] = c;
        }
      g_once_init_leave (&table_ready, 1);
    }

  for (gsize i = 0; i < len; i++)
    crc = table[(crc ^ data[i]) & 0xff] ^ (crc >> 8);
  return crc ^ 0xffffffff;
}

/* Walks the chunks after the signature and checks each one's length and
 * CRC, up to IEND. libpng only warns about some damage (a bad IDAT CRC,
 * short image data) and goes on with whatever it salvaged; a damaged file
 * should instead be reported as damaged. */
static gboolean
lk_qr_png_check_chunks (const guint8  *data,
                        gsize          len,
                        GError       **error)
{
  gsize pos = 8;

  while (TRUE)
    {
      guint32 chunk_len, crc;

      if (len - pos < 12)
        break;
      chunk_len = ((guint32) data[pos] << 24) | ((guint32) data[pos + 1] << 16) |
                  ((guint32) data[pos + 2] << 8) | data[pos + 3];
      if (chunk_len > len - pos - 12)
        break;
      crc = ((guint32) data[pos + 8 + chunk_len] << 24) | ((guint32) data[pos + 9 + chunk_len] << 16) |
            ((guint32) data[pos + 10 + chunk_len] << 8) | data[pos + 11 + chunk_len];
      if (lk_qr_png_crc (data + pos + 4, (gsize) chunk_len + 4) != crc)
        {
          g_set_error (error, LK_CORE_ERROR, LK_CORE_ERROR_QR,
                       _("The PNG image is damaged: a checksum does not match at byte %" G_GSIZE_FORMAT),
                       pos);
          return FALSE;
        }
      if (memcmp (data + pos + 4, "IEND", 4) == 0)
        return TRUE;
      pos += 12 + (gsize) chunk_len;
    }

  g_set_error_literal (error, LK_CORE_ERROR, LK_CORE_ERROR_QR,
                       _("The PNG image is damaged: it is cut short"));
  return FALSE;
}

GStrv
lk_qr_decode_png (const guint8  *data,
                  gsize          len,
                  GError       **error)
{
  g_autofree guint8 *pixels = NULL;
  png_image image;
  png_color white = { 0xff, 0xff, 0xff };
  gsize stride;

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  if (len < 8 || png_sig_cmp ((png_const_bytep) data, 0, 8) != 0)
    {
      g_set_error_literal (error, LK_CORE_ERROR, LK_CORE_ERROR_QR,
                           _("The file is not a PNG image"));
      return NULL;
    }

  if (len > LK_QR_MAX_PNG_BYTES)
    {
      g_set_error (error, LK_CORE_ERROR, LK_CORE_ERROR_QR,
                   _("The PNG image is too large to scan (%" G_GSIZE_FORMAT " bytes)"), len);
      return NULL;
    }

  if (!lk_qr_png_check_chunks (data, len, error))
    return NULL;

  memset (&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;

  /* The simplified API wraps libpng's setjmp/longjmp error handling: a
   * corrupt stream comes back as a 0 return with image.message set. Only
   * the header is read here, so the size can be checked before any pixel
   * memory is allocated. */
  if (!png_image_begin_read_from_memory (&image, data, len))
    {
      g_set_error (error, LK_CORE_ERROR, LK_CORE_ERROR_QR,
                   _("The PNG image is damaged: %s"), image.message);
      png_image_free (&image);
      return NULL;
    }

  if (!lk_qr_check_dimensions (image.width, image.height, error))
    {
      png_image_free (&image);
      return NULL;
    }

  /* Every colour type becomes 8-bit grey; transparency is laid over white,
   * the paper a QR code is normally printed on. */
  image.format = PNG_FORMAT_GRAY;
  stride = PNG_IMAGE_ROW_STRIDE (image);
  pixels = g_malloc (PNG_IMAGE_BUFFER_SIZE (image, stride));

  if (!png_image_finish_read (&image, &white, pixels, (png_int_32) stride, NULL))
    {
      g_set_error (error, LK_CORE_ERROR, LK_CORE_ERROR_QR,
                   _("The PNG image is damaged: %s"), image.message);
      png_image_free (&image);
      return NULL;
    }

  return lk_qr_decode_gray (pixels, image.width, image.height, (guint) stride, error);
}
