/* SPDX-License-Identifier: GPL-3.0-or-later
 * WAL checkpoints for a SQLite database file, run on a background thread
 * so that the threads committing validations never copy pages into the
 * database file or wait for its fsync. One checkpointer is shared by every
 * connection to the same file. */
#pragma once

#include <glib.h>
#include <sqlite3.h>

G_BEGIN_DECLS

typedef struct _LkSqliteCheckpointer LkSqliteCheckpointer;

/* The checkpointer of @path (created on first use, reference counted), and
 * installs its WAL hook on @db, a connection to @path in WAL mode. From now
 * on a commit on @db that leaves the WAL longer than the soft limit wakes
 * the background thread; one that leaves it longer than the hard limit
 * (the thread cannot keep up) checkpoints inline, so the WAL stays bounded. */
LkSqliteCheckpointer *lk_sqlite_checkpointer_attach (const char *path,
                                                     sqlite3    *db);

/* Removes the hook from @db and drops the reference; the last one stops the
 * thread after a final checkpoint. */
void                  lk_sqlite_checkpointer_detach (LkSqliteCheckpointer *self,
                                                     sqlite3              *db);

/* Frames in the WAL that wake the thread and that make a committer
 * checkpoint inline (defaults 16384 and 65536: 64 and 256 MiB of 4 KiB
 * pages). For tests, which would otherwise need hundreds of megabytes. */
void                  lk_sqlite_checkpointer_set_limits (LkSqliteCheckpointer *self,
                                                         guint                 soft_frames,
                                                         guint                 hard_frames);

/* How many checkpoints ran, on the thread and inline (for tests and bench). */
void                  lk_sqlite_checkpointer_get_counts (LkSqliteCheckpointer *self,
                                                         guint                *out_background,
                                                         guint                *out_inline);

G_END_DECLS
