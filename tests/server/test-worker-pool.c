/* SPDX-License-Identifier: GPL-3.0-or-later
 * Unit tests of latchkeyd's worker pool: per-thread state, every job run once, clean failure. */
#include "config.h"

#include <gio/gio.h>

#include "lk-worker-pool.h"

typedef struct
{
  guint    index;
  GThread *thread;
  guint    jobs;
} State;

typedef struct
{
  gint     opened;
  gint     fail_index;   /* -1: none */
  gint     ran;
} Fixture;

typedef struct
{
  Fixture *fixture;
  State   *ran_on;
  guint    value;
} Job;

static gpointer
open_state (guint index, gpointer user_data, GError **error)
{
  Fixture *fixture = user_data;
  State *state;

  if ((gint) index == fixture->fail_index)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED, "worker %u cannot open", index);
      return NULL;
    }
  state = g_new0 (State, 1);
  state->index = index;
  state->thread = g_thread_self ();
  g_atomic_int_inc (&fixture->opened);
  return state;
}

static void
close_state (gpointer data)
{
  State *state = data;

  /* Closed on the thread that opened it, like a SQLite connection must be. */
  g_assert_true (state->thread == g_thread_self ());
  g_free (state);
}

static void
run_job (gpointer state_data, gpointer job_data, gpointer user_data)
{
  State *state = state_data;
  Job *job = job_data;
  Fixture *fixture = user_data;

  g_assert_true (state->thread == g_thread_self ());
  state->jobs++;
  job->ran_on = state;
  g_usleep (100);
  g_atomic_int_inc (&fixture->ran);
}

static void
test_runs_every_job (void)
{
  Fixture fixture = { .fail_index = -1 };
  g_autoptr(GError) error = NULL;
  LkWorkerPool *pool;
  Job jobs[200];

  pool = lk_worker_pool_new (3, "test", open_state, close_state, run_job, &fixture, &error);
  g_assert_no_error (error);
  g_assert_nonnull (pool);
  g_assert_cmpint (fixture.opened, ==, 3);
  g_assert_cmpuint (lk_worker_pool_size (pool), ==, 3);

  for (guint i = 0; i < G_N_ELEMENTS (jobs); i++)
    {
      jobs[i] = (Job) { &fixture, NULL, i };
      lk_worker_pool_push (pool, &jobs[i]);
    }
  /* Freeing waits for the queue to drain before the threads stop. */
  lk_worker_pool_free (pool);
  g_assert_cmpint (fixture.ran, ==, G_N_ELEMENTS (jobs));
  for (guint i = 0; i < G_N_ELEMENTS (jobs); i++)
    g_assert_nonnull (jobs[i].ran_on);
}

static void
test_open_failure (void)
{
  Fixture fixture = { .fail_index = 2 };
  g_autoptr(GError) error = NULL;
  LkWorkerPool *pool;

  pool = lk_worker_pool_new (4, "test", open_state, close_state, run_job, &fixture, &error);
  g_assert_null (pool);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
  g_assert_cmpstr (error->message, ==, "worker 2 cannot open");
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/server/worker-pool/runs-every-job", test_runs_every_job);
  g_test_add_func ("/server/worker-pool/open-failure", test_open_failure);

  return g_test_run ();
}
