/* SPDX-License-Identifier: GPL-3.0-or-later
 * What token mode loads on first use: the dialogs and scanners whose libraries (GStreamer, libportal, libsoup, the import formats) the token list does not need. */
#pragma once

#include <adwaita.h>

#include "lk-activation-dialog.h"
#include "lk-export-dialog.h"
#include "lk-import-dialog.h"
#include "lk-wallet.h"

G_BEGIN_DECLS

/* The module's entry points, one per function the window calls. The
 * window reaches these files only through this table, so none of their
 * objects (nor the libraries they need) is linked into the program. */
typedef struct _LkTokenExtras
{
  GtkWidget      *(*scanner_dialog_new)          (GtkWindow *parent, const char *source, const char *device);
  void            (*screen_capture_async)        (GtkWindow *parent, GCancellable *cancellable,
                                                  GAsyncReadyCallback callback, gpointer user_data);
  GdkTexture     *(*screen_capture_finish)       (GAsyncResult *result, GError **error);
  LkImportDialog *(*import_dialog_new)           (GtkWindow *parent, LkWallet *wallet);
  void            (*import_dialog_open_file)     (LkImportDialog *dialog, GFile *file);
  gboolean        (*import_dialog_add_migration_uri) (LkImportDialog *dialog, const char *uri, GError **error);
  const char     *(*import_dialog_get_page)      (LkImportDialog *dialog);
  LkExportDialog *(*export_dialog_new)           (GtkWindow *parent, LkWallet *wallet, GPtrArray *tokens);
  GtkWidget      *(*activation_dialog_new)       (GtkWindow *parent, LkWallet *wallet);
  void            (*activation_dialog_take_text) (LkActivationDialog *dialog, const char *text);
  GtkWidget      *(*provision_dialog_new)        (GtkWindow *parent, LkWallet *wallet);
} LkTokenExtras;

/* The module file (LK_MODULEDIR/LK_TOKEN_EXTRAS_MODULE.so) and its one
 * exported function, which returns the table. */
#define LK_TOKEN_EXTRAS_MODULE "lk-token-extras"
#define LK_TOKEN_EXTRAS_SYMBOL "lk_token_extras_module_get"

/* Loads the module the first time (lk_module_lookup) and returns its
 * table; NULL with an error the window shows when it is missing. */
const LkTokenExtras *lk_token_extras_get (GError **error);

G_END_DECLS
