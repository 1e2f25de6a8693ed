/* SPDX-License-Identifier: GPL-3.0-or-later
 * Enrol a user, optionally with a first device; shows a generated password once. */
#pragma once

#include <adwaita.h>

#include "lk-admin-device-form.h"

G_BEGIN_DECLS

/* What the form holds, checked; the password wipes itself when freed. */
typedef struct
{
  char              *login;
  char              *first_name;
  char              *last_name;
  char              *email;
  char              *mobile_phone;
  char              *password;   /* NULL: the engine generates one */
  LkAdminDeviceSpec *device;     /* NULL: no first device */
} LkAdminEnrolSpec;

void lk_admin_enrol_spec_free (LkAdminEnrolSpec *spec);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LkAdminEnrolSpec, lk_admin_enrol_spec_free)

#define LK_TYPE_ADMIN_ENROL_DIALOG (lk_admin_enrol_dialog_get_type ())
G_DECLARE_FINAL_TYPE (LkAdminEnrolDialog, lk_admin_enrol_dialog, LK, ADMIN_ENROL_DIALOG, AdwWindow)

/* Emits "submit" when the form passes; the owner reads dup_spec(), runs the
 * call, and answers with set_busy(), show_error() or show_result().
 * "provision" (login, serial) asks for the provisioning page of the new device. */
LkAdminEnrolDialog *lk_admin_enrol_dialog_new         (GtkWindow          *parent);
char               *lk_admin_enrol_dialog_check       (LkAdminEnrolDialog *self);
LkAdminEnrolSpec   *lk_admin_enrol_dialog_dup_spec    (LkAdminEnrolDialog *self,
                                                       GError            **error);
void                lk_admin_enrol_dialog_set_busy    (LkAdminEnrolDialog *self,
                                                       gboolean            busy);
void                lk_admin_enrol_dialog_show_error  (LkAdminEnrolDialog *self,
                                                       const char         *message);
/* Switches to the result page. @generated_password (nullable) is shown once
 * and wiped when the dialog goes; @serial names a soft token to provision. */
void                lk_admin_enrol_dialog_show_result (LkAdminEnrolDialog *self,
                                                       const char         *login,
                                                       const char         *generated_password,
                                                       const char         *soft_token_serial);

/* Test hooks: fill the form the way a person would. */
void                lk_admin_enrol_dialog_fill        (LkAdminEnrolDialog *self,
                                                       const char         *login,
                                                       const char         *first_name,
                                                       const char         *last_name,
                                                       const char         *email,
                                                       const char         *mobile_phone,
                                                       const char         *password);
void                lk_admin_enrol_dialog_set_with_device (LkAdminEnrolDialog *self,
                                                       gboolean            with_device);
LkAdminDeviceForm  *lk_admin_enrol_dialog_get_form    (LkAdminEnrolDialog *self);
/* The generated password as shown, or NULL. (transfer none) */
const char         *lk_admin_enrol_dialog_get_shown_password (LkAdminEnrolDialog *self);

G_END_DECLS
