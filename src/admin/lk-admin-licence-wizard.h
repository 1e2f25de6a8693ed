/* SPDX-License-Identifier: GPL-3.0-or-later
 * The multi-device activation wizard: licence, AM1, device code, AM2, test signature. */
#pragma once

#include <adwaita.h>

#include "lk-admin-qr-view.h"
#include "lk-backend.h"

G_BEGIN_DECLS

#define LK_TYPE_ADMIN_LICENCE_WIZARD (lk_admin_licence_wizard_get_type ())
G_DECLARE_FINAL_TYPE (LkAdminLicenceWizard, lk_admin_licence_wizard, LK, ADMIN_LICENCE_WIZARD, AdwWindow)

/* Runs its calls on @backend with @cancellable (the admin window's), so
 * closing the window cancels them. Emits "finished" (serial, instance) when
 * an instance is active. */
LkAdminLicenceWizard *lk_admin_licence_wizard_new       (GtkWindow            *parent,
                                                         LkBackend            *backend,
                                                         GCancellable         *cancellable,
                                                         const char           *login);
/* "licence", "am1", "am2" or "done". */
const char           *lk_admin_licence_wizard_get_step  (LkAdminLicenceWizard *self);
gboolean              lk_admin_licence_wizard_get_busy  (LkAdminLicenceWizard *self);
const char           *lk_admin_licence_wizard_get_error (LkAdminLicenceWizard *self);
LkAdminQrView        *lk_admin_licence_wizard_get_am1_view (LkAdminLicenceWizard *self);
LkAdminQrView        *lk_admin_licence_wizard_get_am2_view (LkAdminLicenceWizard *self);

/* Test hooks: type into the step's field, as a person would. */
void                  lk_admin_licence_wizard_set_serial      (LkAdminLicenceWizard *self,
                                                               const char           *serial);
void                  lk_admin_licence_wizard_set_device_code (LkAdminLicenceWizard *self,
                                                               const char           *code);
void                  lk_admin_licence_wizard_set_test_otp    (LkAdminLicenceWizard *self,
                                                               const char           *otp);

G_END_DECLS
