/* SPDX-License-Identifier: GPL-3.0-or-later
 * QR codes of tokens through lk-qr, with the URI wiped as soon as it is encoded. */
#include "config.h"

#include "lk-export-qr.h"
#include "lk-qr.h"
#include "lk-secure.h"

GBytes *
lk_export_qr_png (const LkWalletToken *token,
                  guint                scale,
                  GError             **error)
{
  char *uri = lk_otpauth_format (token->otpauth);
  GBytes *png = lk_qr_encode_png (uri, scale, error);

  lk_secure_str_free (uri);
  return png;
}

guint8 *
lk_export_qr_gray (const LkWalletToken *token,
                   guint                scale,
                   guint               *out_size,
                   GError             **error)
{
  char *uri = lk_otpauth_format (token->otpauth);
  guint8 *pixels = lk_qr_encode_gray (uri, scale, out_size, error);

  lk_secure_str_free (uri);
  return pixels;
}
