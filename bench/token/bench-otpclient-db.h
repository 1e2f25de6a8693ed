/* SPDX-License-Identifier: GPL-3.0-or-later
 * Gives OTPClient 3.x the bench's tokens: its encrypted database, its config file and its password in the Secret Service. */
#pragma once

#include <glib.h>

#include "lk-otpauth.h"

G_BEGIN_DECLS

/* Writes @tokens (LkOtpauth) as OTPClient's database at @db_path,
 * encrypted with a fresh random password; stores that password where
 * OTPClient 3.x looks for it in the Secret Service and points
 * $XDG_CONFIG_HOME/otpclient.cfg at the database, so OTPClient opens
 * straight to its token list without a prompt. */
gboolean bench_otpclient_db_write (GPtrArray   *tokens,
                                   const char  *db_path,
                                   GError     **error);

/* Runs `otpclient-cli list` and returns how many tokens it read from the
 * database, or -1 (with @error) when it could not open it. */
int      bench_otpclient_db_count (GError     **error);

G_END_DECLS
