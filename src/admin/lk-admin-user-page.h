/* SPDX-License-Identifier: GPL-3.0-or-later
 * The selected user: editable details, devices, passcodes and the audit trail. */
#pragma once

#include <adwaita.h>

#include "lk-engine-types.h"

G_BEGIN_DECLS

#define LK_TYPE_ADMIN_USER_PAGE (lk_admin_user_page_get_type ())
G_DECLARE_FINAL_TYPE (LkAdminUserPage, lk_admin_user_page, LK, ADMIN_USER_PAGE, AdwBin)

/* Shows @user; resets edits. Devices and audit are set separately since
 * they arrive from their own calls. */
void            lk_admin_user_page_set_user       (LkAdminUserPage *self,
                                                   const LkUser    *user);
const LkUser   *lk_admin_user_page_get_user       (LkAdminUserPage *self);
/* @devices: LkDevice array (borrowed), NULL while loading. */
void            lk_admin_user_page_set_devices    (LkAdminUserPage *self,
                                                   GPtrArray       *devices);
const LkDevice *lk_admin_user_page_find_device    (LkAdminUserPage *self,
                                                   const char      *serial);
/* @entries: LkAuditEntry array (borrowed), NULL while loading. */
void            lk_admin_user_page_set_audit      (LkAdminUserPage *self,
                                                   GPtrArray       *entries);

/* The edited details; NULL when they fail a check (the message goes to
 * *@message). Fields that did not change are NULL in the update. */
gboolean        lk_admin_user_page_get_update     (LkAdminUserPage *self,
                                                   LkUserUpdate    *update,
                                                   char           **message);
gboolean        lk_admin_user_page_is_dirty       (LkAdminUserPage *self);

LkDeliveryMethod lk_admin_user_page_get_delivery  (LkAdminUserPage *self);
const char     *lk_admin_user_page_get_test_otp   (LkAdminUserPage *self);
void            lk_admin_user_page_clear_test_otp (LkAdminUserPage *self);
/* Shows the answer of a send or a test under the passcode rows. */
void            lk_admin_user_page_show_passcode_result (LkAdminUserPage *self,
                                                         gboolean         ok,
                                                         const char      *message);
void            lk_admin_user_page_show_details_error   (LkAdminUserPage *self,
                                                         const char      *message);

/* The answer shown under the passcode rows, or NULL. */
const char     *lk_admin_user_page_get_passcode_result (LkAdminUserPage *self);

/* Test hooks. */
void            lk_admin_user_page_set_test_otp   (LkAdminUserPage *self,
                                                   const char      *otp);
void            lk_admin_user_page_set_first_name (LkAdminUserPage *self,
                                                   const char      *first_name);
GtkWidget      *lk_admin_user_page_get_device_row (LkAdminUserPage *self,
                                                   const char      *serial);

G_END_DECLS
