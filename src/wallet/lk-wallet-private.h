/* SPDX-License-Identifier: GPL-3.0-or-later
 * Internals shared by the wallet's files and its tests: the secret's text format. */
#pragma once

#include "lk-wallet.h"

G_BEGIN_DECLS

/* The text stored as an item's secret: a version line, then one "key=value"
 * line each for id, created, uri (the canonical otpauth URI), and, when set,
 * note, group, icon-type and icon (Base64). Free with lk_secure_str_free(). */
char          *lk_wallet_token_serialize   (const LkWalletToken *token);

/* Parses lk_wallet_token_serialize()'s output. Every copy of the URI made
 * on the way is wiped. A malformed text is LK_WALLET_ERROR_CORRUPT. */
LkWalletToken *lk_wallet_token_deserialize (const char          *text,
                                            GError             **error);

G_END_DECLS
