/* SPDX-License-Identifier: GPL-3.0-or-later
 * libFuzzer target: PNG images scanned for QR codes (files and clipboard images in token mode). */
#include "config.h"

#include <string.h>

#include "lk-core-error.h"
#include "lk-qr.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static guint32
chunk_crc (const guint8 *p,
           gsize         len)
{
  guint32 crc = 0xffffffff;

  for (gsize i = 0; i < len; i++)
    {
      crc ^= p[i];
      for (int k = 0; k < 8; k++)
        crc = (crc >> 1) ^ (0xedb88320 & (0u - (crc & 1)));
    }
  return crc ^ 0xffffffff;
}

/* Rewrites every chunk CRC, so that mutations get past lk-qr's CRC check
 * and exercise libpng's decoder and ZBar rather than only the check. */
static void
fix_crcs (guint8 *data,
          gsize   size)
{
  gsize pos = 8;

  while (size - pos >= 12)
    {
      guint32 len = ((guint32) data[pos] << 24) | ((guint32) data[pos + 1] << 16) |
                    ((guint32) data[pos + 2] << 8) | data[pos + 3];
      guint32 crc;

      if (len > size - pos - 12)
        break;
      crc = chunk_crc (data + pos + 4, (gsize) len + 4);
      data[pos + 8 + len] = (guint8) (crc >> 24);
      data[pos + 9 + len] = (guint8) (crc >> 16);
      data[pos + 10 + len] = (guint8) (crc >> 8);
      data[pos + 11 + len] = (guint8) crc;
      pos += 12 + (gsize) len;
    }
}

static void
decode_once (const guint8 *data,
             gsize         size)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) texts = lk_qr_decode_png (data, size, &error);

  /* Either texts or an LK_CORE_ERROR_QR error, never both, never neither. */
  if (texts == NULL)
    g_assert_error (error, LK_CORE_ERROR, LK_CORE_ERROR_QR);
  else
    {
      g_assert_no_error (error);
      for (guint i = 0; texts[i] != NULL; i++)
        g_assert_true (g_utf8_validate (texts[i], -1, NULL));
    }
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autofree guint8 *fixed = NULL;

  decode_once (data, size);

  if (size > 8)
    {
      fixed = g_memdup2 (data, size);
      fix_crcs (fixed, size);
      if (memcmp (fixed, data, size) != 0)
        decode_once (fixed, size);
    }
  return 0;
}
