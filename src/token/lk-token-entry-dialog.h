/* SPDX-License-Identifier: GPL-3.0-or-later
 * LkTokenEntryDialog: typing a token in by hand, checked as you type. */
#pragma once

#include <adwaita.h>
#include "lk-otpauth.h"

G_BEGIN_DECLS

#define LK_TYPE_TOKEN_ENTRY_DIALOG (lk_token_entry_dialog_get_type ())
G_DECLARE_FINAL_TYPE (LkTokenEntryDialog, lk_token_entry_dialog, LK, TOKEN_ENTRY_DIALOG, AdwWindow)

/* Emits "entered" (a const LkOtpauth *, valid during the emission) when the
 * user presses Add, then closes. */
GtkWidget  *lk_token_entry_dialog_new         (GtkWindow          *parent);

/* For tests and for callers that prefill: fills the fields. */
void        lk_token_entry_dialog_set_fields  (LkTokenEntryDialog *self,
                                               const char         *issuer,
                                               const char         *account,
                                               const char         *secret);

/* The current problem shown ("" when the entry is valid). */
const char *lk_token_entry_dialog_get_problem (LkTokenEntryDialog *self);

/* Presses Add; FALSE (and nothing happens) while the entry is invalid. */
gboolean    lk_token_entry_dialog_submit      (LkTokenEntryDialog *self);

G_END_DECLS
