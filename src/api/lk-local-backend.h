/* SPDX-License-Identifier: GPL-3.0-or-later
 * LkLocalBackend: the embedded engine behind the backend interface, on one
 * worker thread that owns the database and runs requests in order. */
#pragma once

#include "lk-backend.h"
#include "lk-key-provider.h"

G_BEGIN_DECLS

#define LK_TYPE_LOCAL_BACKEND (lk_local_backend_get_type ())
G_DECLARE_FINAL_TYPE (LkLocalBackend, lk_local_backend, LK, LOCAL_BACKEND, GObject)

/* Opens nothing yet: the worker thread opens (and creates) the database at
 * @db_path with the master key from @keys on the first request, and reports
 * an open failure to that request (and tries again on the next). Requests
 * log in as @account with @account_key (nullable for create_account only).
 * create_account is allowed here: the local user owns the database. */
LkBackend  *lk_local_backend_new             (const char     *db_path,
                                              LkKeyProvider  *keys,
                                              const char     *account,
                                              const char     *account_key);

/* Switches the partner account for the requests made from now on. */
void        lk_local_backend_set_credentials (LkLocalBackend *self,
                                              const char     *account,
                                              const char     *account_key);

/* Who acts, for the audit log ("cli", "gui"); default "local". */
void        lk_local_backend_set_actor       (LkLocalBackend *self,
                                              const char     *actor);

const char *lk_local_backend_get_path        (LkLocalBackend *self);

G_END_DECLS
