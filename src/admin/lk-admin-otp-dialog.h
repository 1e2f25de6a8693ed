/* SPDX-License-Identifier: GPL-3.0-or-later
 * Two consecutive passcodes, to activate or resynchronise a device. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

typedef enum
{
  LK_ADMIN_OTP_ACTIVATE,
  LK_ADMIN_OTP_RESYNC,
} LkAdminOtpMode;

#define LK_TYPE_ADMIN_OTP_DIALOG (lk_admin_otp_dialog_get_type ())
G_DECLARE_FINAL_TYPE (LkAdminOtpDialog, lk_admin_otp_dialog, LK, ADMIN_OTP_DIALOG, AdwWindow)

/* Emits "submit" (otp1, otp2) when both codes pass the check; the owner
 * runs the call and answers with set_busy() and show_error() or close. */
LkAdminOtpDialog *lk_admin_otp_dialog_new        (GtkWindow        *parent,
                                                  LkAdminOtpMode    mode,
                                                  const char       *serial,
                                                  guint             digits);
LkAdminOtpMode    lk_admin_otp_dialog_get_mode   (LkAdminOtpDialog *self);
const char       *lk_admin_otp_dialog_get_serial (LkAdminOtpDialog *self);
void              lk_admin_otp_dialog_set_busy   (LkAdminOtpDialog *self,
                                                  gboolean          busy);
void              lk_admin_otp_dialog_show_error (LkAdminOtpDialog *self,
                                                  const char       *message);
/* Test hook: types the two codes. */
void              lk_admin_otp_dialog_set_codes  (LkAdminOtpDialog *self,
                                                  const char       *otp1,
                                                  const char       *otp2);

G_END_DECLS
