/* SPDX-License-Identifier: GPL-3.0-or-later
 * The token side of multi-device activation, kept in the Secret Service: the
 * device-binding secret and the pending activations between AM1 and AM2.
 *
 * Both live as items of the schema LK_APP_ID ".Activation" in the default
 * collection, with a neutral label and attributes that say only what kind
 * of item it is (and, for a pending activation, its public activation id).
 * Nothing is ever written to a plain file. Formats: docs/activation.md. */
#pragma once

#include <gio/gio.h>
#include "lk-activation.h"
#include "lk-wallet.h"

G_BEGIN_DECLS

/* This keyring's device-binding secret (LK_ACTIVATION_BINDING_SECRET_SIZE
 * bytes, wiped on free), made on first use. It stays the same as long as
 * the keyring does, so the server recognises the device when it activates
 * the same licence again. */
GBytes        *lk_wallet_activation_get_binding_secret_sync (GCancellable  *cancellable,
                                                             GError       **error);

/* Scans AM1: parses it (an expired one is refused), computes the device
 * code, and keeps AM1 and the code as a pending activation. Pending
 * activations that have expired are dropped on the way. Writes the code to
 * show into @out_code_text (LK_DEVICE_CODE_TEXT_SIZE bytes) and returns the
 * parsed AM1 (for the issuer and label to show). */
LkAm1         *lk_wallet_activation_scan_am1_sync  (const char    *am1_text,
                                                 gint64         now,
                                                 char          *out_code_text,
                                                 GCancellable  *cancellable,
                                                 GError       **error);

/* Scans AM2: finds its pending activation (LK_WALLET_ERROR_NOT_FOUND when
 * there is none: AM1 was not scanned on this device, or it expired), opens
 * it, stores the new token in @wallet, and only then forgets the pending
 * activation. The stored token is returned; its first code is the test
 * signature. A tampered AM2 or one for another device code is an
 * LK_CORE_ERROR_ACTIVATION error and changes nothing. */
LkWalletToken *lk_wallet_activation_scan_am2_sync (LkWallet      *wallet,
                                                 const char    *am2_text,
                                                 guint32       *out_instance,
                                                 GCancellable  *cancellable,
                                                 GError       **error);

/* The same in a worker thread, for token mode's window. The text is copied;
 * the callback runs on the caller's thread-default main context. */
void           lk_wallet_activation_scan_am1_async  (const char          *am1_text,
                                                     GCancellable        *cancellable,
                                                     GAsyncReadyCallback  callback,
                                                     gpointer             user_data);
/* @out_code_text as for the sync call. */
LkAm1         *lk_wallet_activation_scan_am1_finish (GAsyncResult        *result,
                                                     char                *out_code_text,
                                                     GError             **error);
void           lk_wallet_activation_scan_am2_async  (LkWallet            *wallet,
                                                     const char          *am2_text,
                                                     GCancellable        *cancellable,
                                                     GAsyncReadyCallback  callback,
                                                     gpointer             user_data);
LkWalletToken *lk_wallet_activation_scan_am2_finish (LkWallet            *wallet,
                                                     GAsyncResult        *result,
                                                     guint32             *out_instance,
                                                     GError             **error);

G_END_DECLS
