/* SPDX-License-Identifier: GPL-3.0-or-later
 * The bulk import dialog: a PSKC file of hardware fobs (with its pre-shared
 * key or password; signed files checked against the vendor's certificate,
 * files encrypted to a certificate opened with its private key) or a CSV file of users, imported through the backend in
 * chunks with a progress bar, a Stop button that takes effect between
 * chunks, and a report of every failed or conflicting item (docs/admin.md). */
#pragma once

#include <adwaita.h>

#include "lk-backend.h"
#include "lk-bulk-import.h"
#include "lk-pskc.h"

G_BEGIN_DECLS

#define LK_TYPE_ADMIN_IMPORT_DIALOG (lk_admin_import_dialog_get_type ())
G_DECLARE_FINAL_TYPE (LkAdminImportDialog, lk_admin_import_dialog, LK, ADMIN_IMPORT_DIALOG, AdwWindow)

typedef enum
{
  LK_ADMIN_IMPORT_PSKC,    /* hardware fobs from a PSKC (RFC 6030) file */
  LK_ADMIN_IMPORT_USERS,   /* users from a CSV file */
} LkAdminImportKind;

/* Runs on @backend. Emits "progress" (done, total) after each chunk and
 * "finished" when a report is shown (also after Stop). */
LkAdminImportDialog *lk_admin_import_dialog_new        (GtkWindow           *parent,
                                                        LkBackend           *backend);

/* "setup", "running" or "report". */
const char          *lk_admin_import_dialog_get_state  (LkAdminImportDialog *self);
/* The error shown on the setup page (a file that cannot be read, a wrong
 * key, a server that cannot be reached), or NULL. */
const char          *lk_admin_import_dialog_get_error  (LkAdminImportDialog *self);
/* The last report (on the report page), or NULL. */
const LkBulkReport  *lk_admin_import_dialog_get_report (LkAdminImportDialog *self);
/* The report's failed and conflicting items as CSV (line,item,status,reason),
 * what Copy and Save… give; NULL without a report. */
char                *lk_admin_import_dialog_dup_report_csv (LkAdminImportDialog *self);

/* What a person does in the dialog, for tests and for the window (a file
 * dropped on it): choose the file and its kind, type the key or password,
 * switch the dry run, press Import and Stop. */
void                 lk_admin_import_dialog_set_file     (LkAdminImportDialog *self,
                                                          LkAdminImportKind    kind,
                                                          GFile               *file);
void                 lk_admin_import_dialog_set_key      (LkAdminImportDialog *self,
                                                          const char          *key_hex,
                                                          const char          *password);
/* Advanced (PSKC): the vendor's signing certificate to trust and the
 * private key of a file encrypted to a certificate (PEM files, NULL for
 * none; the key is read only while the file is read, then wiped), and
 * whether a signature by the certificate inside the file is accepted. */
void                 lk_admin_import_dialog_set_pem_files (LkAdminImportDialog *self,
                                                          GFile               *signer_cert,
                                                          GFile               *private_key,
                                                          gboolean             allow_untrusted_signer);
void                 lk_admin_import_dialog_set_advanced_expanded (LkAdminImportDialog *self,
                                                          gboolean             expanded);
/* The signature of the file the last report is about, and its signer's
 * subject (@signer: nullable, owned by the dialog). */
LkPskcSignature      lk_admin_import_dialog_get_signature (LkAdminImportDialog *self,
                                                          const char         **signer);
void                 lk_admin_import_dialog_set_dry_run  (LkAdminImportDialog *self,
                                                          gboolean             dry_run);
void                 lk_admin_import_dialog_start        (LkAdminImportDialog *self);
/* What Save as CSV… does once the file is chosen (the detail line then says
 * where it went, or why not). */
void                 lk_admin_import_dialog_save_report  (LkAdminImportDialog *self,
                                                          GFile               *file);
void                 lk_admin_import_dialog_stop         (LkAdminImportDialog *self);

G_END_DECLS
