/* SPDX-License-Identifier: GPL-3.0-or-later
 * LkActivationDialog: token mode's side of multi-device activation — AM1 in,
 * the device code shown for reading aloud, AM2 in, the new token's first code
 * out as the test signature (docs/activation.md). */
#pragma once

#include <adwaita.h>
#include "lk-wallet.h"

G_BEGIN_DECLS

#define LK_TYPE_ACTIVATION_DIALOG (lk_activation_dialog_get_type ())
G_DECLARE_FINAL_TYPE (LkActivationDialog, lk_activation_dialog, LK, ACTIVATION_DIALOG, AdwWindow)

/* Opens on the "start" page, where an activation message can be pasted.
 * Not modal: the token window's scan buttons stay usable for AM2.
 *
 * Signals: "step-done" (gboolean ok) after each AM1 or AM2 has been
 * handled; "activated" (const LkWalletToken *, valid during the emission)
 * once the new token is in @wallet. */
GtkWidget  *lk_activation_dialog_new             (GtkWindow          *parent,
                                                  LkWallet           *wallet);

/* Hands over a scanned or pasted text ("LKAM1:…" or "LKAM2:…"; anything
 * else is refused with a message on the current page). */
void        lk_activation_dialog_take_text       (LkActivationDialog *self,
                                                  const char         *text);

/* "start", "busy", "code" or "done". */
const char *lk_activation_dialog_get_page        (LkActivationDialog *self);
/* The device code on show ("" before AM1). */
const char *lk_activation_dialog_get_device_code (LkActivationDialog *self);
/* The test signature on show ("" before AM2). */
const char *lk_activation_dialog_get_first_code  (LkActivationDialog *self);
/* The last problem shown ("" when none). */
const char *lk_activation_dialog_get_problem     (LkActivationDialog *self);

G_END_DECLS
