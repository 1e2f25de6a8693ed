/* SPDX-License-Identifier: GPL-3.0-or-later
 * QR codes: made with libqrencode (PNG and SVG), read back with ZBar. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Encodes @text (error correction level M; every byte kept as it is, with
 * runs of digits or upper-case Base32 packed into numeric/alphanumeric
 * segments) as a PNG with a 4-module quiet zone, @scale pixels per module. */
GBytes   *lk_qr_encode_png   (const char   *text,
                              guint         scale,
                              GError      **error);

/* Encodes @text as a standalone SVG document. */
char     *lk_qr_encode_svg   (const char   *text,
                              GError      **error);

/* Encodes @text into a square 8-bit grey matrix (0 = dark, 255 = light)
 * including the quiet zone; for drawing into a GdkTexture. */
guint8   *lk_qr_encode_gray  (const char   *text,
                              guint         scale,
                              guint        *out_size,
                              GError      **error);

/* Finds QR codes in an 8-bit grey image and returns every decoded text
 * (NULL-terminated). No code found is an LK_CORE_ERROR_QR error. */
GStrv     lk_qr_decode_gray  (const guint8 *pixels,
                              guint         width,
                              guint         height,
                              guint         stride,
                              GError      **error);

/* Decodes a PNG (any colour type) and then its QR codes. Corrupt PNG data
 * is an LK_CORE_ERROR_QR error, never a crash. */
GStrv     lk_qr_decode_png   (const guint8 *data,
                              gsize         len,
                              GError      **error);

G_END_DECLS
