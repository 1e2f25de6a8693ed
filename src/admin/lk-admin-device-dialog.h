/* SPDX-License-Identifier: GPL-3.0-or-later
 * Add a device to the selected user. */
#pragma once

#include <adwaita.h>

#include "lk-admin-device-form.h"

G_BEGIN_DECLS

#define LK_TYPE_ADMIN_DEVICE_DIALOG (lk_admin_device_dialog_get_type ())
G_DECLARE_FINAL_TYPE (LkAdminDeviceDialog, lk_admin_device_dialog, LK, ADMIN_DEVICE_DIALOG, AdwWindow)

/* Emits "submit" when the form passes its checks; the owner reads the spec,
 * runs the call and answers with set_busy() and show_error() or close. */
LkAdminDeviceDialog *lk_admin_device_dialog_new        (GtkWindow           *parent,
                                                        const char          *login);
const char          *lk_admin_device_dialog_get_login  (LkAdminDeviceDialog *self);
LkAdminDeviceForm   *lk_admin_device_dialog_get_form   (LkAdminDeviceDialog *self);
void                 lk_admin_device_dialog_set_busy   (LkAdminDeviceDialog *self,
                                                        gboolean             busy);
void                 lk_admin_device_dialog_show_error (LkAdminDeviceDialog *self,
                                                        const char          *message);

G_END_DECLS
