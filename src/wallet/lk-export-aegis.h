/* SPDX-License-Identifier: GPL-3.0-or-later
 * Exporting the wallet as an encrypted Aegis vault that Aegis itself can open. */
#pragma once

#include <glib.h>
#include "lk-wallet.h"

G_BEGIN_DECLS

/* The scrypt cost of the password slot, as Aegis writes it. */
#define LK_EXPORT_AEGIS_SCRYPT_N  32768
#define LK_EXPORT_AEGIS_SCRYPT_R  8
#define LK_EXPORT_AEGIS_SCRYPT_P  1

/* Writes @tokens (LkWalletToken*) as an Aegis vault, version 1 with a
 * database of version 2: one password slot (scrypt N=2^15 r=8 p=1, random
 * 32-byte salt) wrapping a random master key with AES-256-GCM, and the
 * database encrypted with the master key. The returned bytes (UTF-8 JSON)
 * hold no secret in the clear. An empty password is refused. */
GBytes  *lk_export_aegis   (GPtrArray   *tokens,
                            const char  *password,
                            GError     **error);

/* The plain database JSON alone (what the vault encrypts); the result
 * holds seeds: wipe it (lk_secure_str_free). Used by lk_export_aegis(). */
char    *lk_export_aegis_db_json (GPtrArray *tokens,
                                  gsize     *out_len);

G_END_DECLS
