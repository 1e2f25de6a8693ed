/* SPDX-License-Identifier: GPL-3.0-or-later
 * LkImportDialog: reads an export (asking for its password), previews every entry, and imports the chosen ones all or nothing. */
#pragma once

#include <adwaita.h>
#include "lk-wallet.h"

G_BEGIN_DECLS

#define LK_TYPE_IMPORT_DIALOG (lk_import_dialog_get_type ())
G_DECLARE_FINAL_TYPE (LkImportDialog, lk_import_dialog, LK, IMPORT_DIALOG, AdwWindow)

/* Emits "imported" (guint count) after a successful import. */
LkImportDialog *lk_import_dialog_new               (GtkWindow      *parent,
                                                    LkWallet       *wallet);

/* Reads @file in a worker thread; an encrypted file shows the password
 * page, then the preview. */
void            lk_import_dialog_open_file         (LkImportDialog *self,
                                                    GFile          *file);

/* Collects one QR code of a Google Authenticator export. Until every part
 * is scanned the dialog shows "2 of 3 scanned" and which parts are
 * missing; then the preview. A part of another export, or a damaged one,
 * is refused with @error and changes nothing. */
gboolean        lk_import_dialog_add_migration_uri (LkImportDialog *self,
                                                    const char     *uri,
                                                    GError        **error);

/* "loading", "password", "batch", "preview", "progress", "done" or "error". */
const char     *lk_import_dialog_get_page          (LkImportDialog *self);

G_END_DECLS
