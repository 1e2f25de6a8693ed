/* SPDX-License-Identifier: GPL-3.0-or-later
 * Servers sharing a database: heartbeats count the live servers, a stale
 * or departed one stops counting, and two handles (two servers) see each
 * other. Runs on SQLite and, as engine-pg-cluster, on PostgreSQL. */
#include "config.h"

#include "engine-test-util.h"

#define STALE_S 15

static guint
heartbeat (LkEngine   *engine,
           const char *id)
{
  g_autoptr(GError) error = NULL;
  guint live = 0;

  g_assert_true (lk_engine_server_heartbeat (engine, id, STALE_S, &live, &error));
  g_assert_no_error (error);
  return live;
}

static void
test_live_servers (Fixture       *f,
                   gconstpointer  data)
{
  LkEngine *other = fixture_open (f);   /* a second server's handle */
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (heartbeat (f->engine, "server-a"), ==, 1);
  g_assert_cmpuint (heartbeat (other, "server-b"), ==, 2);
  g_assert_cmpuint (heartbeat (f->engine, "server-a"), ==, 2);

  /* b stops refreshing: once its row is older than STALE_S it is gone. */
  f->now += STALE_S - 1;
  g_assert_cmpuint (heartbeat (f->engine, "server-a"), ==, 2);
  f->now += 2;
  g_assert_cmpuint (heartbeat (f->engine, "server-a"), ==, 1);

  /* b comes back, then leaves cleanly: the others count one fewer at once. */
  g_assert_cmpuint (heartbeat (other, "server-b"), ==, 2);
  g_assert_true (lk_engine_server_leave (other, "server-b", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (heartbeat (f->engine, "server-a"), ==, 1);
  lk_engine_close (other);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  FIXTURE_TEST ("/engine/cluster/live-servers", test_live_servers);
  return g_test_run ();
}
