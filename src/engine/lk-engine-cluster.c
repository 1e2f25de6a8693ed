/* SPDX-License-Identifier: GPL-3.0-or-later
 * Servers sharing one database: each latchkeyd says it is alive, and learns
 * how many are, so that limits kept in each process's memory can be split
 * between them (docs/scale-out.md, "What holds across servers"). */
#include "config.h"

#include "lk-engine-private.h"

/* A row per running server; a server that stops deletes its row, one that
 * dies stops refreshing it and is no longer counted once it is stale. */
const char lk_engine_cluster_schema_1_sqlite[] =
  "CREATE TABLE server_heartbeats ("
  "  id TEXT PRIMARY KEY,"
  "  last_seen INTEGER NOT NULL);";

#define FORGET_AFTER_S (24 * 3600)   /* rows of servers long gone are deleted */

gboolean
lk_engine_server_heartbeat (LkEngine    *engine,
                            const char  *server_id,
                            guint        stale_after_s,
                            guint       *out_live,
                            GError     **error)
{
  g_autoptr(LkStoreStmt) upsert = NULL;
  g_autoptr(LkStoreStmt) forget = NULL;
  g_autoptr(LkStoreStmt) count = NULL;
  GError *local_error = NULL;
  gint64 now = lk_engine_now (engine);
  gint64 live = 1;

  g_return_val_if_fail (server_id != NULL && *server_id != '\0', FALSE);

  if (!lk_engine_tx_begin (engine, TRUE, error))
    return FALSE;
  upsert = lk_engine_prepare (engine, "INSERT INTO server_heartbeats (id, last_seen) VALUES (?1, ?2) "
                                      "ON CONFLICT (id) DO UPDATE SET last_seen = excluded.last_seen", error);
  if (upsert == NULL)
    goto fail;
  lk_store_bind_text (upsert, 1, server_id);
  lk_store_bind_int64 (upsert, 2, now);
  if (!lk_engine_step_done (upsert, 0, error))
    goto fail;

  forget = lk_engine_prepare (engine, "DELETE FROM server_heartbeats WHERE last_seen < ?1", error);
  if (forget == NULL)
    goto fail;
  lk_store_bind_int64 (forget, 1, now - FORGET_AFTER_S);
  if (!lk_engine_step_done (forget, 0, error))
    goto fail;

  count = lk_engine_prepare (engine, "SELECT COUNT(*) FROM server_heartbeats WHERE last_seen >= ?1", error);
  if (count == NULL)
    goto fail;
  lk_store_bind_int64 (count, 1, now - (gint64) stale_after_s);
  switch (lk_store_step (count, &local_error))
    {
    case LK_STORE_STEP_ROW:
      live = lk_store_column_int64 (count, 0);
      break;
    case LK_STORE_STEP_ERROR:
      lk_engine_propagate_store_error (error, local_error, 0);
      goto fail;
    default:
      break;
    }
  g_clear_pointer (&upsert, lk_store_stmt_release);
  g_clear_pointer (&forget, lk_store_stmt_release);
  g_clear_pointer (&count, lk_store_stmt_release);
  if (!lk_engine_tx_commit (engine, error))
    return FALSE;
  /* This server's own row, just written, is among them. */
  if (out_live)
    *out_live = (guint) CLAMP (live, 1, G_MAXINT);
  return TRUE;

fail:
  g_clear_pointer (&upsert, lk_store_stmt_release);
  g_clear_pointer (&forget, lk_store_stmt_release);
  g_clear_pointer (&count, lk_store_stmt_release);
  lk_engine_tx_rollback (engine);
  return FALSE;
}

gboolean
lk_engine_server_leave (LkEngine    *engine,
                        const char  *server_id,
                        GError     **error)
{
  g_autoptr(LkStoreStmt) st = lk_engine_prepare (engine, "DELETE FROM server_heartbeats WHERE id = ?1", error);

  if (st == NULL)
    return FALSE;
  lk_store_bind_text (st, 1, server_id);
  return lk_engine_step_done (st, 0, error);
}
