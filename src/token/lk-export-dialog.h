/* SPDX-License-Identifier: GPL-3.0-or-later
 * LkExportDialog: moves tokens out — an encrypted Aegis vault, or QR codes shown on screen for a phone to scan. */
#pragma once

#include <adwaita.h>
#include "lk-wallet.h"

G_BEGIN_DECLS

#define LK_TYPE_EXPORT_DIALOG (lk_export_dialog_get_type ())
G_DECLARE_FINAL_TYPE (LkExportDialog, lk_export_dialog, LK, EXPORT_DIALOG, AdwWindow)

/* @tokens (LkWalletToken*, copied; nullable = every token in @wallet). */
LkExportDialog *lk_export_dialog_new            (GtkWindow      *parent,
                                                 LkWallet       *wallet,
                                                 GPtrArray      *tokens);

/* Shows the QR code page (what the "Show QR Codes" row does). */
void            lk_export_dialog_show_qr_codes  (LkExportDialog *self);

/* Writes the vault with the password typed on the password page to @file
 * (what the file chooser's answer leads to); in a worker, mode 0600. */
void            lk_export_dialog_save_vault     (LkExportDialog *self,
                                                 GFile          *file);

/* "loading", "choose", "password", "saving", "saved", "qr" or "error". */
const char     *lk_export_dialog_get_page       (LkExportDialog *self);

/* The token whose QR code is on screen (nullable), and the picture showing it. */
const LkWalletToken *lk_export_dialog_get_shown_token (LkExportDialog *self);
GdkPaintable   *lk_export_dialog_get_qr_paintable (LkExportDialog *self);

G_END_DECLS
