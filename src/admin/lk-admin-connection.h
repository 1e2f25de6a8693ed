/* SPDX-License-Identifier: GPL-3.0-or-later
 * Opening the admin console's backend: the embedded engine (the default,
 * nothing to set up) or a latchkeyd server, with the account key in the
 * keyring and a question before trusting an unknown certificate. */
#pragma once

#include <gio/gio.h>

#include "lk-backend.h"

G_BEGIN_DECLS

/* The embedded database: $XDG_DATA_HOME/latchkey/latchkey.db. (transfer full) */
char      *lk_admin_default_db_path        (void);

/* Opens the embedded engine at @db_path. The first time, creates the local
 * partner account with a random key kept in the keyring (never in a file);
 * the master key is the keyring's too. */
void       lk_admin_connect_embedded_async (const char          *db_path,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);

/* Connects to a latchkeyd at @url as @account. @key NULL or "" = the key
 * stored in the keyring for that server and account; a key given here is
 * stored there once the server accepts it. @pinned_sha256 (nullable, hex)
 * trusts exactly that certificate. An untrusted certificate fails with the
 * remote backend's error carrying its fingerprint
 * (see lk_admin_connect_finish()). */
void       lk_admin_connect_remote_async   (const char          *url,
                                            const char          *account,
                                            const char          *key,
                                            const char          *pinned_sha256,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);

/* Either connect's result: the backend, proven by one real call, and its
 * label for the header bar (@out_label nullable). When the server's
 * certificate is not trusted, the error is LK_REMOTE_ERROR_TLS_UNTRUSTED
 * and @out_fingerprint (nullable) gets its SHA-256 ("AB:CD:…"). */
LkBackend *lk_admin_connect_finish         (GAsyncResult        *result,
                                            char               **out_label,
                                            char               **out_fingerprint,
                                            GError             **error);

G_END_DECLS
