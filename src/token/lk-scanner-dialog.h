/* SPDX-License-Identifier: GPL-3.0-or-later
 * LkScannerDialog: the camera preview window; closes itself when it has read a QR code. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define LK_TYPE_SCANNER_DIALOG (lk_scanner_dialog_get_type ())
G_DECLARE_FINAL_TYPE (LkScannerDialog, lk_scanner_dialog, LK, SCANNER_DIALOG, AdwWindow)

/* @source and @device as for lk_camera_scanner_new(). Emits "scanned"
 * (GStrv texts) and then closes; on failure it shows why and stays open. */
GtkWidget *lk_scanner_dialog_new (GtkWindow  *parent,
                                  const char *source,
                                  const char *device);

/* "starting", "preview" (frames arrive) or "error". */
const char *lk_scanner_dialog_get_state (LkScannerDialog *self);

G_END_DECLS
