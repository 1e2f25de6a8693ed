/* SPDX-License-Identifier: GPL-3.0-or-later
 * A fixed set of threads, each owning private state (its own database connection), fed from one queue. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _LkWorkerPool LkWorkerPool;

/* Called in each new thread to make its private state (an LkEngine).
 * Returning NULL with @error set makes lk_worker_pool_new() fail. */
typedef gpointer (*LkWorkerOpenFunc)  (guint      index,
                                       gpointer   user_data,
                                       GError   **error);
/* Called in the thread as it ends, with what LkWorkerOpenFunc returned. */
typedef void     (*LkWorkerCloseFunc) (gpointer   state);
/* Runs one job in a worker thread, with that thread's state. */
typedef void     (*LkWorkerJobFunc)   (gpointer   state,
                                       gpointer   job,
                                       gpointer   user_data);

/* Starts @n_threads threads and waits until each has opened its state.
 * On failure every thread that did open is closed again. */
LkWorkerPool *lk_worker_pool_new     (guint              n_threads,
                                      const char        *name,
                                      LkWorkerOpenFunc   open_func,
                                      LkWorkerCloseFunc  close_func,
                                      LkWorkerJobFunc    job_func,
                                      gpointer           user_data,
                                      GError           **error);

/* Queues @job (non-NULL); a worker will run it. */
void          lk_worker_pool_push    (LkWorkerPool      *pool,
                                      gpointer           job);

/* Jobs queued and not yet picked up by a worker. */
guint         lk_worker_pool_queued  (LkWorkerPool      *pool);
guint         lk_worker_pool_size    (LkWorkerPool      *pool);

/* Lets the threads finish every queued job, then closes their state and
 * joins them. */
void          lk_worker_pool_free    (LkWorkerPool      *pool);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LkWorkerPool, lk_worker_pool_free)

G_END_DECLS
