/* SPDX-License-Identifier: GPL-3.0-or-later
 * LkProvisionDialog: over-the-air provisioning in token mode — the user's own
 * login fetches the seed of a device assigned to them from latchkeyd, over
 * verified TLS only, into the keyring (docs/token.md). */
#pragma once

#include <adwaita.h>
#include "lk-wallet.h"

G_BEGIN_DECLS

#define LK_TYPE_PROVISION_DIALOG (lk_provision_dialog_get_type ())
G_DECLARE_FINAL_TYPE (LkProvisionDialog, lk_provision_dialog, LK, PROVISION_DIALOG, AdwWindow)

/* Signals: "finished" (gboolean ok) after each attempt; "provisioned"
 * (const LkWalletToken *, valid during the emission) once the token is in
 * @wallet, after which the dialog closes. */
GtkWidget  *lk_provision_dialog_new        (GtkWindow         *parent,
                                            LkWallet          *wallet);

/* For tests and callers that prefill. NULL leaves a field as it is. */
void        lk_provision_dialog_set_fields (LkProvisionDialog *self,
                                            const char        *server,
                                            const char        *organisation,
                                            const char        *username,
                                            const char        *password,
                                            const char        *serial);

/* Presses Provision; FALSE when a field is still empty. */
gboolean    lk_provision_dialog_submit     (LkProvisionDialog *self);

/* For tests: the server address shown and (nullable out) the
 * organisation, as the user would submit them. */
char       *lk_provision_dialog_dup_server (LkProvisionDialog *self,
                                            char             **organisation);

/* The problem shown ("" when none). */
const char *lk_provision_dialog_get_problem (LkProvisionDialog *self);

/* The fingerprint of a refused certificate the user may choose to trust
 * (NULL when none is offered), and trusting it (then submit again). */
const char *lk_provision_dialog_get_untrusted_fingerprint (LkProvisionDialog *self);
void        lk_provision_dialog_trust_certificate         (LkProvisionDialog *self);

/* "lk1-" and 20 hex digits: this keyring's physical device id for one
 * server and organisation, derived from the activation binding secret, so
 * that the server recognises the same desktop again but two servers cannot
 * link it. */
char       *lk_provision_physical_device_id (GBytes            *binding_secret,
                                             const char        *host,
                                             const char        *organisation);

G_END_DECLS
