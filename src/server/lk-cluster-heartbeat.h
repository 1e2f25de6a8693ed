/* SPDX-License-Identifier: GPL-3.0-or-later
 * Rate limits across servers: latchkeyd on a shared (PostgreSQL) database
 * says every few seconds that it is alive, counts the live servers, and
 * splits its in-memory rate limits between them. */
#pragma once

#include "lk-engine.h"
#include "lk-rate-limiter.h"

G_BEGIN_DECLS

typedef struct _LkClusterHeartbeat LkClusterHeartbeat;

/* Opens its own engine handle on @db_path (one more database connection)
 * and starts a thread that beats every @interval_s seconds and applies the
 * count of live servers to each of @limiters (borrowed; they must outlive
 * the heartbeat). The first beat is made before this returns. */
LkClusterHeartbeat *lk_cluster_heartbeat_start (const char           *db_path,
                                                LkKeyProvider        *keys,
                                                const LkEngineConfig *config,
                                                guint                 interval_s,
                                                LkRateLimiter       **limiters,
                                                guint                 n_limiters,
                                                GError              **error);
/* Stops the thread and removes this server's row, so that the others take
 * over its share at their next beat. */
void                lk_cluster_heartbeat_stop  (LkClusterHeartbeat   *heartbeat);

/* Live servers at the last beat, this one included. */
guint               lk_cluster_heartbeat_get_servers (LkClusterHeartbeat *heartbeat);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LkClusterHeartbeat, lk_cluster_heartbeat_stop)

G_END_DECLS
