/* SPDX-License-Identifier: GPL-3.0-or-later
 * Tests of durable group commit (lk-group-commit.c): concurrent validations
 * share commits, each success is on disk when it is answered, and one OTP
 * submitted many times at once wins exactly once. */
#include "config.h"

#include "engine-test-util.h"
#include "lk-group-commit.h"

#define THREADS 8
#define USERS   8
#define ROUNDS  40

typedef struct
{
  Fixture        *f;
  LkGroupCommit  *group;
  LkEngine       *observer;   /* a second connection: sees only what is committed */
  GMutex          lock;
  guint           round;
  guint           ready;
  gint            wins[USERS][ROUNDS];
  gint            replays;
  gint            not_visible;
} Shared;

typedef struct
{
  Shared *shared;
  guint   index;
} Worker;

static gpointer
worker_main (gpointer data)
{
  Worker *w = data;
  Shared *s = w->shared;

  for (guint r = 0; r < ROUNDS; r++)
    {
      /* Every thread submits the code of every user for this round, so
       * each OTP is raced THREADS times, often inside one group. */
      for (guint k = 0; k < USERS; k++)
        {
          guint u = (k + w->index) % USERS;
          g_autofree char *login = g_strdup_printf ("user%u", u);
          g_autoptr(GError) error = NULL;
          char code[LK_OTP_CODE_SIZE];

          otp_for (RFC_SEED_HEX, LK_HASH_SHA1, 2 + r, 6, code);
          if (lk_group_commit_validate_otp (s->group, s->f->account, login, NULL, code, NULL, NULL, &error))
            g_atomic_int_inc (&s->wins[u][r]);
          else if (g_error_matches (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_OTP_ALREADY_USED))
            g_atomic_int_inc (&s->replays);
          else
            g_error ("unexpected error: %s", error->message);
        }
    }
  return NULL;
}

static void
test_concurrent_one_winner (Fixture       *f,
                            gconstpointer  data)
{
  Shared s = { 0 };
  Worker workers[THREADS];
  GThread *threads[THREADS];
  LkEngineConfig config;
  g_autoptr(GError) error = NULL;
  guint64 groups = 0, validations = 0;

  for (guint u = 0; u < USERS; u++)
    {
      g_autofree char *login = g_strdup_printf ("user%u", u);
      g_autoptr(LkDevice) d = add_user_with_device (f, login, NULL);
      activate_hotp (f, login, d->serial);
    }

  fixture_config (f, &config);
  s.f = f;
  s.group = lk_group_commit_new (f->path, f->keys, &config, 0, &error);
  g_assert_no_error (error);
  g_assert_nonnull (s.group);
  for (guint i = 0; i < THREADS; i++)
    {
      workers[i].shared = &s;
      workers[i].index = i;
      threads[i] = g_thread_new ("validator", worker_main, &workers[i]);
    }
  for (guint i = 0; i < THREADS; i++)
    g_thread_join (threads[i]);

  /* One winner per OTP, every other submission a replay. */
  for (guint u = 0; u < USERS; u++)
    for (guint r = 0; r < ROUNDS; r++)
      g_assert_cmpint (s.wins[u][r], ==, 1);
  g_assert_cmpint (s.replays, ==, USERS * ROUNDS * (THREADS - 1));

  lk_group_commit_get_stats (s.group, &groups, &validations);
  g_test_message ("%" G_GUINT64_FORMAT " validations in %" G_GUINT64_FORMAT " commits",
                  validations, groups);
  g_assert_cmpuint (validations, ==, (guint64) USERS * ROUNDS * THREADS);
  /* Concurrent requests did share commits. */
  g_assert_cmpuint (groups, <, validations);
  /* On SQLite the fsync is pipelined: the syncer thread made the groups
   * durable, each fdatasync() covering one or more of them. */
  g_assert_cmpuint (lk_group_commit_get_syncs (s.group), >, 0);
  g_assert_cmpuint (lk_group_commit_get_syncs (s.group), <=, groups);
  g_clear_pointer (&s.group, lk_group_commit_free);

  /* What was answered is what is in the database: a fresh connection sees
   * every device's counter past the last round. */
  {
    LkEngine *fresh = fixture_open (f);
    for (guint u = 0; u < USERS; u++)
      {
        g_autofree char *login = g_strdup_printf ("user%u", u);
        g_autoptr(GPtrArray) devices = lk_engine_list_user_devices (fresh, f->account, login, &error);
        g_assert_no_error (error);
        g_assert_cmpuint (devices->len, ==, 1);
        g_assert_cmpuint (((LkDevice *) devices->pdata[0])->counter, ==, 2 + ROUNDS);
      }
    lk_engine_close (fresh);
  }
}

/* A success is committed before it is answered: another connection sees
 * the moved counter the moment the call returns. */
static void
test_answered_after_commit (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(LkDevice) d = add_user_with_device (f, "kim", NULL);
  g_autoptr(LkGroupCommit) group = NULL;
  LkEngineConfig config;
  g_autoptr(GError) error = NULL;

  activate_hotp (f, "kim", d->serial);
  fixture_config (f, &config);
  group = lk_group_commit_new (f->path, f->keys, &config, 4, &error);
  g_assert_no_error (error);
  for (guint64 c = 2; c < 12; c++)
    {
      char code[LK_OTP_CODE_SIZE];
      g_autoptr(GPtrArray) devices = NULL;
      g_autofree char *used = NULL;

      otp_for (RFC_SEED_HEX, LK_HASH_SHA1, c, 6, code);
      g_assert_true (lk_group_commit_validate_otp (group, f->account, "kim", NULL, code, NULL, &used, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (used, ==, d->serial);
      devices = lk_engine_list_user_devices (f->engine, f->account, "kim", &error);
      g_assert_no_error (error);
      g_assert_cmpuint (((LkDevice *) devices->pdata[0])->counter, ==, c + 1);
    }
  /* An engine handle attached to the group sends its validations there. */
  {
    LkEngine *worker = fixture_open (f);
    char code[LK_OTP_CODE_SIZE];
    guint64 before = 0, after = 0;
    g_autoptr(GPtrArray) devices = NULL;

    lk_group_commit_attach (group, worker);
    lk_engine_set_actor (worker, "10.0.0.9");
    lk_group_commit_get_stats (group, NULL, &before);
    otp_for (RFC_SEED_HEX, LK_HASH_SHA1, 12, 6, code);
    g_assert_true (lk_engine_validate_otp (worker, f->account, "kim", NULL, code, NULL, NULL, &error));
    g_assert_no_error (error);
    lk_group_commit_get_stats (group, NULL, &after);
    g_assert_cmpuint (after, ==, before + 1);
    devices = lk_engine_list_user_devices (f->engine, f->account, "kim", &error);
    g_assert_cmpuint (((LkDevice *) devices->pdata[0])->counter, ==, 13);
    lk_group_commit_attach (NULL, worker);
    lk_engine_close (worker);
  }
  /* Wrong codes in a group count as failures, and are durable too. */
  g_assert_false (lk_group_commit_validate_otp (group, f->account, "kim", NULL, "000000", NULL, NULL, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_OTP_INVALID);
  g_clear_error (&error);
  {
    g_autoptr(GPtrArray) devices = lk_engine_list_user_devices (f->engine, f->account, "kim", &error);
    g_assert_no_error (error);
    g_assert_cmpuint (((LkDevice *) devices->pdata[0])->fail_count, ==, 1);
  }
}

/* ---- asynchronous submit --------------------------------------------------- */

#define ASYNC_JOBS 48

typedef struct
{
  GMutex      lock;
  GCond       cond;
  Fixture    *f;
  guint       finished;
  guint       notified;
  guint       wins;
  guint       replays;
  guint       committed_visible;  /* successes whose counter a second connection saw in @done */
  LkEngine   *observer;
} AsyncShared;

typedef struct
{
  AsyncShared *shared;
  char         code[LK_OTP_CODE_SIZE];
  gboolean     ok;
  GError      *error;
} AsyncJob;

static void
async_run (LkEngine *engine,
           gpointer  data)
{
  AsyncJob *job = data;

  /* Inside the group's transaction: the writer validates inline. */
  job->ok = lk_engine_validate_otp (engine, job->shared->f->account, "ada", NULL, job->code, NULL, NULL,
                                    &job->error);
}

static void
async_done (gpointer      data,
            const GError *commit_error)
{
  AsyncJob *job = data;
  AsyncShared *s = job->shared;

  g_assert_null (commit_error);
  g_mutex_lock (&s->lock);
  if (job->ok)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) devices = NULL;

      s->wins++;
      /* Durable before @done: another connection already sees the counter. */
      devices = lk_engine_list_user_devices (s->observer, s->f->account, "ada", &error);
      g_assert_no_error (error);
      if (((LkDevice *) devices->pdata[0])->counter == 3)
        s->committed_visible++;
    }
  else if (g_error_matches (job->error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_OTP_ALREADY_USED))
    s->replays++;
  s->finished++;
  g_mutex_unlock (&s->lock);
}

static void
async_notify (gpointer data)
{
  AsyncShared *s = data;

  /* After the group's @done calls: wake the waiter once per group. */
  g_mutex_lock (&s->lock);
  s->notified++;
  g_cond_broadcast (&s->cond);
  g_mutex_unlock (&s->lock);
}

/* The reactor's path: jobs submitted without anyone blocking, one OTP
 * raced ASYNC_JOBS times, exactly one winner, each answer after the
 * commit, and one notification per group rather than per job. */
static void
test_async_submit (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(LkDevice) d = add_user_with_device (f, "ada", NULL);
  g_autoptr(LkGroupCommit) group = NULL;
  AsyncShared s = { 0 };
  AsyncJob jobs[ASYNC_JOBS];
  LkEngineConfig config;
  g_autoptr(GError) error = NULL;
  guint64 groups = 0, validations = 0;

  activate_hotp (f, "ada", d->serial);
  fixture_config (f, &config);
  group = lk_group_commit_new (f->path, f->keys, &config, 0, &error);
  g_assert_no_error (error);
  g_mutex_init (&s.lock);
  g_cond_init (&s.cond);
  s.f = f;
  s.observer = fixture_open (f);
  lk_group_commit_set_notify (group, async_notify, &s);

  /* Half one at a time, half as one batch (one wake-up of the writer). */
  {
    g_autoptr(GPtrArray) batch = g_ptr_array_new ();

    for (guint i = 0; i < ASYNC_JOBS; i++)
      {
        jobs[i] = (AsyncJob) { .shared = &s };
        otp_for (RFC_SEED_HEX, LK_HASH_SHA1, 2, 6, jobs[i].code);
        if (i < ASYNC_JOBS / 2)
          g_assert_true (lk_group_commit_submit (group, async_run, async_done, &jobs[i]));
        else
          g_ptr_array_add (batch, &jobs[i]);
      }
    g_assert_true (lk_group_commit_submit_batch (group, async_run, async_done, batch));
  }
  g_mutex_lock (&s.lock);
  while (s.finished < ASYNC_JOBS)
    g_cond_wait (&s.cond, &s.lock);
  g_mutex_unlock (&s.lock);

  g_assert_cmpuint (s.wins, ==, 1);
  g_assert_cmpuint (s.committed_visible, ==, 1);
  g_assert_cmpuint (s.replays, ==, ASYNC_JOBS - 1);
  lk_group_commit_get_stats (group, &groups, &validations);
  g_assert_cmpuint (validations, ==, ASYNC_JOBS);
  g_assert_cmpuint (s.notified, ==, groups);
  /* Submitted faster than one fsync: they shared commits. */
  g_assert_cmpuint (groups, <, ASYNC_JOBS);
  for (guint i = 0; i < ASYNC_JOBS; i++)
    g_clear_error (&jobs[i].error);

  g_clear_pointer (&group, lk_group_commit_free);
  lk_engine_close (s.observer);
  g_mutex_clear (&s.lock);
  g_cond_clear (&s.cond);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  FIXTURE_TEST ("/engine/group-commit/concurrent-one-winner", test_concurrent_one_winner);
  FIXTURE_TEST ("/engine/group-commit/answered-after-commit", test_answered_after_commit);
  FIXTURE_TEST ("/engine/group-commit/async-submit", test_async_submit);
  return g_test_run ();
}
