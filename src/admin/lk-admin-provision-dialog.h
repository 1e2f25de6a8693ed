/* SPDX-License-Identifier: GPL-3.0-or-later
 * Provisioning a soft token: the QR code to scan, its link, saving, printing, binding. */
#pragma once

#include <adwaita.h>

#include "lk-admin-qr-view.h"

G_BEGIN_DECLS

#define LK_TYPE_ADMIN_PROVISION_DIALOG (lk_admin_provision_dialog_get_type ())
G_DECLARE_FINAL_TYPE (LkAdminProvisionDialog, lk_admin_provision_dialog, LK, ADMIN_PROVISION_DIALOG, AdwWindow)

/* @uri carries the seed: the dialog wipes its copy when it closes. Emits
 * "bind" (physical device id); the owner runs the call and answers with
 * set_busy() and show_error() or set_bound(). */
LkAdminProvisionDialog *lk_admin_provision_dialog_new        (GtkWindow   *parent,
                                                              const char  *login,
                                                              const char  *serial,
                                                              const char  *uri);
const char             *lk_admin_provision_dialog_get_serial (LkAdminProvisionDialog *self);
LkAdminQrView          *lk_admin_provision_dialog_get_qr_view (LkAdminProvisionDialog *self);
void                    lk_admin_provision_dialog_set_busy   (LkAdminProvisionDialog *self,
                                                              gboolean                busy);
void                    lk_admin_provision_dialog_show_error (LkAdminProvisionDialog *self,
                                                              const char             *message);
/* The device is provisioned: the code is hidden for good. */
void                    lk_admin_provision_dialog_set_bound  (LkAdminProvisionDialog *self,
                                                              const char             *physical_device_id);
/* Test hook: types the physical device id. */
void                    lk_admin_provision_dialog_set_device_id (LkAdminProvisionDialog *self,
                                                                 const char             *device_id);

/* Writes the code as a PNG (mode 0600: the image is the seed). */
void                    lk_admin_provision_dialog_save_png_async  (LkAdminProvisionDialog *self,
                                                                   GFile                  *file,
                                                                   GCancellable           *cancellable,
                                                                   GAsyncReadyCallback     callback,
                                                                   gpointer                user_data);
gboolean                lk_admin_provision_dialog_save_png_finish (LkAdminProvisionDialog *self,
                                                                   GAsyncResult           *result,
                                                                   GError                **error);

G_END_DECLS
