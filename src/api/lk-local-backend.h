/* SPDX-License-Identifier: GPL-3.0-or-later
 * LkLocalBackend: the embedded engine behind the backend interface, on one
 * worker thread that owns the database and runs requests in order. */
#pragma once

#include "lk-backend.h"
#include "lk-key-provider.h"
#include "lk-delivery.h"

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

/* Starts an outbox worker (src/delivery, docs/delivery.md) with its own
 * engine handle on this database, sending through @delivery; it is woken
 * after each successful send_oath_otp, add_oath_user and add_oath_device
 * made through this backend, and stopped when the backend is freed. */
gboolean    lk_local_backend_start_delivery  (LkLocalBackend *self,
                                              LkDelivery     *delivery,
                                              guint           poll_interval_ms,
                                              GError        **error);
/* The @delivery the running worker sends through, or NULL. (transfer none) */
LkDelivery *lk_local_backend_get_delivery    (LkLocalBackend *self);

/* The per-user send limit for the requests made from now on
 * (LkEngineConfig's send_limit/send_window; 0 = the engine default). */
void        lk_local_backend_set_send_limit  (LkLocalBackend *self,
                                              guint           limit,
                                              guint           window);

G_END_DECLS
