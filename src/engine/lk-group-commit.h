/* SPDX-License-Identifier: GPL-3.0-or-later
 * Durable group commit (issue 12): one writer thread owns an engine,
 * collects the validations that worker threads submit while it is busy,
 * runs them in order inside one transaction and answers each only after
 * that transaction's commit has reached the disk. On SQLite the fsync of
 * one group overlaps the next group's work (lk-group-commit.c). */
#pragma once

#include "lk-engine.h"

G_BEGIN_DECLS

typedef struct _LkGroupCommit LkGroupCommit;

/* Opens the writer's own engine on @path (durable: synchronous_full, or the
 * pipelined fsync on SQLite) and starts the writer thread. @max_group bounds the validations in one
 * transaction (0 = 256). */
LkGroupCommit *lk_group_commit_new          (const char            *path,
                                             LkKeyProvider         *keys,
                                             const LkEngineConfig  *config,
                                             guint                  max_group,
                                             GError               **error);
/* Stops the writer after the queued validations are answered. */
void           lk_group_commit_free         (LkGroupCommit         *group);

/* Same contract as lk_engine_validate_otp(), callable from any thread; it
 * blocks until the validation's group is durable (or failed as a whole,
 * in which case every member gets the commit's error, e.g. 9507). */
gboolean       lk_group_commit_validate_otp (LkGroupCommit         *group,
                                             gint64                 account_id,
                                             const char            *login,
                                             const char            *serial,
                                             const char            *otp,
                                             const char            *challenge,
                                             char                 **out_serial,
                                             GError               **error);

/* Makes @engine's lk_engine_validate_otp() go through @group (latchkeyd's
 * worker threads keep their own handles for everything else). @group must
 * outlive @engine, or be detached first (@group NULL detaches). */
void           lk_group_commit_attach       (LkGroupCommit         *group,
                                             LkEngine              *engine);
/* lk_group_commit_validate_otp() with the audit actor of the caller. */
gboolean       lk_group_commit_validate_for (LkGroupCommit         *group,
                                             const char            *actor,
                                             gint64                 account_id,
                                             const char            *login,
                                             const char            *serial,
                                             const char            *otp,
                                             const char            *challenge,
                                             char                 **out_serial,
                                             GError               **error);

/* The asynchronous submit (latchkeyd's reactor): no thread waits. @run
 * executes on the writer thread inside the group's transaction, with the
 * writer's engine (its validations run inline there); @done runs once the
 * group's COMMIT is durable, or with @commit_error set when the group
 * failed as a whole (its commit, or the fsync that was to make it durable)
 * — then the caller must not report success. @done runs on the writer or
 * the syncer thread, possibly both at once for different groups: it must
 * only hand the result over (queue it, thread-safely), never block. */
typedef void   (*LkGroupCommitRunFunc)      (LkEngine              *engine,
                                             gpointer               user_data);
typedef void   (*LkGroupCommitDoneFunc)     (gpointer               user_data,
                                             const GError          *commit_error);
/* Called on the thread that ran @done, once per group, after every @done of that
 * group ran, if the group held at least one asynchronous job: one wake-up
 * of the submitter per group, not per job. */
typedef void   (*LkGroupCommitNotifyFunc)   (gpointer               user_data);

/* Queues @run for the next group. Returns FALSE (and neither callback is
 * called) when the writer is stopping: the caller answers "busy". */
gboolean       lk_group_commit_submit       (LkGroupCommit         *group,
                                             LkGroupCommitRunFunc   run,
                                             LkGroupCommitDoneFunc  done,
                                             gpointer               user_data);
/* lk_group_commit_submit() for several jobs (@user_data: their data, each
 * with the same @run and @done) with one wake-up of the writer, so they
 * can share the next group instead of the first one starting alone.
 * Returns FALSE, having queued none, when the writer is stopping. */
gboolean       lk_group_commit_submit_batch (LkGroupCommit         *group,
                                             LkGroupCommitRunFunc   run,
                                             LkGroupCommitDoneFunc  done,
                                             GPtrArray             *user_data);
/* Set before the first lk_group_commit_submit(). */
void           lk_group_commit_set_notify   (LkGroupCommit         *group,
                                             LkGroupCommitNotifyFunc notify,
                                             gpointer               user_data);

/* fdatasync() calls of the pipelined syncer so far; 0 when the engine
 * syncs each group's commit itself (PostgreSQL) — for tests and benchmarks. */
guint64        lk_group_commit_get_syncs    (LkGroupCommit         *group);

/* Groups committed and validations answered so far (for benchmarks). */
void           lk_group_commit_get_stats    (LkGroupCommit         *group,
                                             guint64               *out_groups,
                                             guint64               *out_validations);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LkGroupCommit, lk_group_commit_free)

G_END_DECLS
