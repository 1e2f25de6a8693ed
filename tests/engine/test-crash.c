/* SPDX-License-Identifier: GPL-3.0-or-later
 * Crash safety: a child process enrols users in a loop and is killed with
 * SIGKILL at a random moment; the database then opens cleanly, passes
 * integrity_check, and every user the child saw committed is intact, with
 * nothing half-written. */
#include "config.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <sqlite3.h>

#include "engine-test-util.h"

static G_NORETURN void
child_loop (Fixture *f,
            guint    round,
            int      fd)
{
  LkEngine *engine = fixture_open (f);

  for (guint i = 0; ; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(LkEnrollResult) r = NULL;
      g_autofree char *login = g_strdup_printf ("crash%u-%05u", round, i);
      g_autofree char *line = NULL;
      LkUserSpec us;

      lk_user_spec_init (&us);
      us.login = login;
      us.first_name = "Crash";
      us.email = "crash@example.org";
      us.with_device = TRUE;
      us.device.otp_type = LK_OTP_TYPE_EVENT;
      r = lk_engine_enroll_user (engine, f->account, &us, &error);
      if (r == NULL)
        _exit (3);
      /* Reported only after the commit returned. */
      line = g_strdup_printf ("%s %s\n", login, r->device->serial);
      if (write (fd, line, strlen (line)) != (ssize_t) strlen (line))
        _exit (4);
    }
}

static gint64
count (const char *path,
       const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  gint64 n = -1;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &st, NULL), ==, SQLITE_OK);
  if (sqlite3_step (st) == SQLITE_ROW)
    n = sqlite3_column_int64 (st, 0);
  sqlite3_finalize (st);
  sqlite3_close (db);
  return n;
}

static char *
integrity (const char *path)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  char *result = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA integrity_check", -1, &st, NULL), ==, SQLITE_OK);
  if (sqlite3_step (st) == SQLITE_ROW)
    result = g_strdup ((const char *) sqlite3_column_text (st, 0));
  sqlite3_finalize (st);
  sqlite3_close (db);
  return result;
}

static void
test_kill (Fixture *f, gconstpointer data)
{
  gint64 expected_users = 0;

  for (guint round = 0; round < 4; round++)
    {
      g_autoptr(GString) reported = g_string_new (NULL);
      g_auto(GStrv) lines = NULL;
      g_autofree char *check = NULL;
      int fds[2];
      pid_t pid;
      int status = 0;
      char buf[4096];
      ssize_t n;
      guint committed = 0;
      gint64 users;

      g_clear_pointer (&f->engine, lk_engine_close);
      g_assert_cmpint (pipe (fds), ==, 0);
      pid = fork ();
      g_assert_cmpint (pid, >=, 0);
      if (pid == 0)
        {
          close (fds[0]);
          child_loop (f, round, fds[1]);
        }
      close (fds[1]);
      /* Let it run a random while, then kill it without warning. */
      g_usleep ((gulong) g_test_rand_int_range (80, 400) * 1000);
      g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
      while ((n = read (fds[0], buf, sizeof buf)) > 0)
        g_string_append_len (reported, buf, n);
      close (fds[0]);
      g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
      g_assert_true (WIFSIGNALED (status));
      g_assert_cmpint (WTERMSIG (status), ==, SIGKILL);

      /* Opens cleanly and the file is sound. */
      f->engine = fixture_open (f);
      check = integrity (f->path);
      g_assert_cmpstr (check, ==, "ok");

      lines = g_strsplit (reported->str, "\n", -1);
      for (guint i = 0; lines[i] != NULL; i++)
        {
          g_auto(GStrv) parts = NULL;
          g_autoptr(GError) error = NULL;
          g_autoptr(LkUser) u = NULL;
          g_autoptr(GPtrArray) devices = NULL;

          /* A line cut by the kill was not reported whole: skip it. */
          if (lines[i + 1] == NULL)
            break;
          parts = g_strsplit (lines[i], " ", 2);
          u = lk_engine_find_user (f->engine, f->account, parts[0], &error);
          g_assert_no_error (error);
          g_assert_cmpstr (u->first_name, ==, "Crash");
          g_assert_cmpstr (u->email, ==, "crash@example.org");
          devices = lk_engine_list_user_devices (f->engine, f->account, parts[0], &error);
          g_assert_no_error (error);
          g_assert_cmpuint (devices->len, ==, 1);
          g_assert_cmpstr (((LkDevice *) devices->pdata[0])->serial, ==, parts[1]);
          committed++;
        }
      g_test_message ("round %u: %u enrolments reported before the kill", round, committed);

      /* Nothing half-written: every user has its device, and at most the
       * one enrolment in flight committed without being reported. */
      users = count (f->path, "SELECT COUNT(*) FROM users");
      g_assert_cmpint (users, >=, expected_users + committed);
      g_assert_cmpint (users, <=, expected_users + committed + 1);
      g_assert_cmpint (count (f->path, "SELECT COUNT(*) FROM users u WHERE "
                                       "(SELECT COUNT(*) FROM devices d WHERE d.user_id = u.id) <> 1"), ==, 0);
      expected_users = users;

      /* The engine keeps working on the recovered file. */
      {
        g_autoptr(GError) error = NULL;
        g_autoptr(LkEnrollResult) r = NULL;
        g_autofree char *login = g_strdup_printf ("after%u", round);
        LkUserSpec us;
        lk_user_spec_init (&us);
        us.login = login;
        us.with_device = TRUE;
        r = lk_engine_enroll_user (f->engine, f->account, &us, &error);
        g_assert_no_error (error);
        expected_users++;
      }
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  FIXTURE_TEST ("/engine/crash/sigkill-during-enrolment", test_kill);

  return g_test_run ();
}
