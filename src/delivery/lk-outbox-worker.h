/* SPDX-License-Identifier: GPL-3.0-or-later
 * The outbox worker: a thread with its own engine handle that claims due
 * outbox messages and hands them to an LkDelivery, until stopped. Used by
 * latchkeyd, and by the admin app for the embedded engine. */
#pragma once

#include "lk-engine.h"

G_BEGIN_DECLS

typedef struct _LkOutboxWorker LkOutboxWorker;

/* Opens its own engine on @db_path with @keys and @engine_config (copied;
 * NULL = defaults). @poll_interval_ms: how often to look for due messages
 * (retries) when nobody calls _wake(); 0 = 5000. @batch 0 = 10. */
LkOutboxWorker *lk_outbox_worker_new   (const char            *db_path,
                                        LkKeyProvider         *keys,
                                        const LkEngineConfig  *engine_config,
                                        LkDelivery            *delivery,
                                        guint                  poll_interval_ms,
                                        guint                  batch);
/* Opens the engine and starts the thread. */
gboolean        lk_outbox_worker_start (LkOutboxWorker        *worker,
                                        GError               **error);
/* Looks at the outbox now (call after writing a message). Thread-safe. */
void            lk_outbox_worker_wake  (LkOutboxWorker        *worker);
/* How many messages the worker has delivered so far. Thread-safe. */
guint           lk_outbox_worker_get_delivered (LkOutboxWorker *worker);
/* How many scans of the outbox have finished. Thread-safe. */
guint           lk_outbox_worker_get_rounds    (LkOutboxWorker *worker);
/* Cancels a send in progress, joins the thread and closes the engine. A
 * message whose send was interrupted stays pending and is retried after
 * its lease. Safe to call twice. */
void            lk_outbox_worker_stop  (LkOutboxWorker        *worker);
void            lk_outbox_worker_free  (LkOutboxWorker        *worker);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LkOutboxWorker, lk_outbox_worker_free)

G_END_DECLS
