/* SPDX-License-Identifier: GPL-3.0-or-later
 * The token-extras module's entry point: the table of the dialogs and scanners the token window loads on first use. */
#include "config.h"

#include <gmodule.h>

#include "lk-activation-dialog.h"
#include "lk-export-dialog.h"
#include "lk-import-dialog.h"
#include "lk-provision-dialog.h"
#include "lk-scanner-dialog.h"
#include "lk-screen-capture.h"
#include "lk-token-extras.h"

static const LkTokenExtras extras = {
  .scanner_dialog_new = lk_scanner_dialog_new,
  .screen_capture_async = lk_screen_capture_async,
  .screen_capture_finish = lk_screen_capture_finish,
  .import_dialog_new = lk_import_dialog_new,
  .import_dialog_open_file = lk_import_dialog_open_file,
  .import_dialog_add_migration_uri = lk_import_dialog_add_migration_uri,
  .import_dialog_get_page = lk_import_dialog_get_page,
  .export_dialog_new = lk_export_dialog_new,
  .activation_dialog_new = lk_activation_dialog_new,
  .activation_dialog_take_text = lk_activation_dialog_take_text,
  .provision_dialog_new = lk_provision_dialog_new,
};

G_MODULE_EXPORT const LkTokenExtras *lk_token_extras_module_get (void);

const LkTokenExtras *
lk_token_extras_module_get (void)
{
  return &extras;
}
