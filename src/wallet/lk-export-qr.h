/* SPDX-License-Identifier: GPL-3.0-or-later
 * QR codes of tokens, to move them to a phone by scanning the screen. */
#pragma once

#include <glib.h>
#include "lk-wallet.h"

G_BEGIN_DECLS

/* The token's otpauth URI as a PNG QR code (@scale pixels per module).
 * The bytes show the seed to anyone who sees them: display, never save
 * without asking. */
GBytes  *lk_export_qr_png   (const LkWalletToken *token,
                             guint                scale,
                             GError             **error);

/* The same as an 8-bit grey square (0 dark, 255 light) of *@out_size
 * pixels a side, for a GdkMemoryTexture; wiped by the caller (g_free after
 * lk_secure_wipe). */
guint8  *lk_export_qr_gray  (const LkWalletToken *token,
                             guint                scale,
                             guint               *out_size,
                             GError             **error);

G_END_DECLS
