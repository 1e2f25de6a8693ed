/* SPDX-License-Identifier: GPL-3.0-or-later
 * A SQLite VFS that wraps the platform's own and writes each commit's WAL
 * frames with one system call instead of two per frame. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The name to pass to sqlite3_open_v2() (the VFS is registered on first
 * call, not as the default), or NULL when it cannot be registered, in
 * which case SQLite's default VFS is the right fallback. */
const char *lk_sqlite_wal_vfs_name (void);

/* Write calls that reached the wrapped VFS for WAL files, and the write
 * calls SQLite made on them (for tests and the engine benchmark). */
void        lk_sqlite_wal_vfs_get_counts (guint64 *out_sqlite_writes,
                                          guint64 *out_file_writes);

G_END_DECLS
