/* SPDX-License-Identifier: GPL-3.0-or-later
 * Admin-mode benchmark: cold start to the first painted user list, search
 * as you type and far jumps on 100,000 users, each against a peer in the
 * same run.
 *
 *   admin-bench [--users N] [--db PATH] [--rounds N]
 *
 * Needs a display (run it through tests/common/lk-test-session.sh --xvfb).
 * The database is populated through the engine once and reused by later
 * runs. Its master key is a fixed in-memory key: the data is synthetic.
 *
 * Peers:
 * - cold start: a plain GTK window with a GtkListView over a GtkStringList
 *   of the same 200 rows (no backend, no database), started the same way;
 * - search as you type: each query is typed one character at a time into
 *   the window's search entry, and each keystroke is timed until the frame
 *   showing its result has been painted. Peers, for the same prefix:
 *   lk_engine_find_users() on its own connection to the same database (the
 *   engine's own cost, without the backend worker, the main loop and the
 *   list model), and SQLite's own floor, a raw prefix range on the login
 *   index (one index, no count) through sqlite3 directly. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <adwaita.h>
#include <sqlite3.h>

#include "lk-admin-window-private.h"
#include "lk-engine.h"
#include "lk-local-backend.h"

#define ACCOUNT "bench"
#define ACCOUNT_KEY "bench-account-key"
#define PAGE LK_ADMIN_USER_PAGE_SIZE

static const guint8 bench_master_key[LK_MASTER_KEY_SIZE] = {
  0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42,
  0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42,
};

static const char *first_names[] = {
  "Ada", "Amelia", "Ana", "Ben", "Bruno", "Carla", "Chen", "Dara", "David", "Emil", "Emma", "Fatima",
  "Felix", "Grace", "Gustav", "Hana", "Ivan", "Jonas", "Kai", "Lena", "Liam", "Maya", "Mehmet", "Nora",
  "Omar", "Paula", "Quinn", "Rosa", "Sami", "Tariq", "Uma", "Vera", "Wei", "Xavier", "Yara", "Zoe",
};
static const char *last_names[] = {
  "Adams", "Berg", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Hart", "Ivanova", "Jensen", "Kowalski",
  "Lund", "Moreau", "Nakamura", "Okafor", "Petrov", "Quist", "Rossi", "Silva", "Tanaka", "Ueda", "Varga",
  "Weber", "Xu", "Yilmaz", "Zahra",
};

static void
die (const char   *what,
     const GError *error)
{
  g_printerr ("admin-bench: %s: %s\n", what, error ? error->message : "failed");
  exit (1);
}

static int
compare_double (const void *a,
                const void *b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
percentile (GArray *values,
            double  p)
{
  guint index;

  g_array_sort (values, compare_double);
  index = (guint) (p * (values->len - 1) + 0.5);
  return g_array_index (values, double, index);
}

/* CPU milliseconds used by this process (every thread), or by the children
 * waited for. The machine is shared, so wall-clock figures carry other
 * people's load; CPU time is what the work itself costs. */
static double
cpu_ms (int who)
{
  struct rusage ru;

  getrusage (who, &ru);
  return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

/* ---- the database -------------------------------------------------------- */

static LkEngine *
open_engine (const char  *db,
             gint64      *account)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkKeyProvider) keys = lk_memory_key_provider_new (bench_master_key);
  LkEngineConfig config;
  LkEngine *engine;

  lk_engine_config_init (&config);
  /* The fastest password hash the engine allows: the bench measures
   * search, not enrolment, and must populate 100,000 users. */
  config.password_kdf_log2n = 10;
  engine = lk_engine_open (db, keys, &config, &error);
  if (engine == NULL)
    die ("open", error);
  if (!lk_engine_login_account (engine, ACCOUNT, ACCOUNT_KEY, account, &error))
    {
      g_clear_error (&error);
      if (!lk_engine_create_account (engine, ACCOUNT, ACCOUNT_KEY, account, &error))
        die ("create account", error);
    }
  return engine;
}

static void
populate (LkEngine *engine,
          gint64    account,
          guint     users)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) probe = NULL;
  guint have = 0;
  gint64 start;

  probe = lk_engine_find_users (engine, account, NULL, 0, 1, &have, &error);
  if (probe == NULL)
    die ("count", error);
  if (have >= users)
    return;
  g_printerr ("populating %u users through the engine…\n", users - have);
  start = g_get_monotonic_time ();
  for (guint i = have; i < users; i++)
    {
      g_autoptr(LkEnrollResult) result = NULL;
      const char *first = first_names[i % G_N_ELEMENTS (first_names)];
      const char *last = last_names[(i / G_N_ELEMENTS (first_names)) % G_N_ELEMENTS (last_names)];
      g_autofree char *login = g_strdup_printf ("%c%s.%06u", g_ascii_tolower (first[0]), last, i);
      g_autofree char *email = g_strdup_printf ("%s.%s.%u@example.org", first, last, i);
      LkUserSpec spec;

      if ((i - have) % 1000 == 0 && !lk_engine_batch_begin (engine, &error))
        die ("batch", error);
      lk_user_spec_init (&spec);
      spec.login = login;
      spec.first_name = first;
      spec.last_name = last;
      spec.email = email;
      spec.password = "bench-password";
      result = lk_engine_enroll_user (engine, account, &spec, &error);
      if (result == NULL)
        die ("enrol", error);
      if (((i - have) % 1000 == 999 || i + 1 == users) && !lk_engine_batch_commit (engine, &error))
        die ("commit", error);
    }
  g_printerr ("populated in %.1f s\n", (g_get_monotonic_time () - start) / 1e6);
}

/* ---- waiting on the main loop -------------------------------------------- */

static gboolean
wake (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

typedef gboolean (*Condition) (gpointer data);

static void
wait_for (Condition condition,
          gpointer  data)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  guint tick = g_timeout_add (20, wake, NULL);

  while (!condition (data))
    {
      if (g_get_monotonic_time () > deadline)
        die ("timed out", NULL);
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_remove (tick);
}

typedef struct
{
  gboolean painted;
} Paint;

static void
on_after_paint (GdkFrameClock *clock,
                Paint         *paint)
{
  paint->painted = TRUE;
}

static gboolean
is_painted (gpointer data)
{
  return ((Paint *) data)->painted;
}

/* Waits for the next frame of @widget's window to be painted. */
static void
wait_painted (GtkWidget *widget)
{
  Paint paint = { FALSE };
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);
  gulong id;

  gtk_widget_queue_draw (widget);
  id = g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), &paint);
  wait_for (is_painted, &paint);
  g_signal_handler_disconnect (clock, id);
}

/* ---- cold start (child processes) ---------------------------------------- */

static gboolean
first_row_loaded (gpointer data)
{
  LkAdminWindow *window = data;
  g_autoptr(LkAdminUserItem) item = NULL;

  if (window->model == NULL || g_list_model_get_n_items (G_LIST_MODEL (window->model)) == 0)
    return FALSE;
  item = g_list_model_get_item (G_LIST_MODEL (window->model), 0);
  return lk_admin_user_item_get_loaded (item) && gtk_widget_get_mapped (GTK_WIDGET (window->user_list));
}

static int
cold_start_admin (const char *db)
{
  g_autoptr(LkKeyProvider) keys = lk_memory_key_provider_new (bench_master_key);
  g_autoptr(LkBackend) backend = NULL;
  LkAdminWindow *window;

  adw_init ();
  backend = lk_local_backend_new (db, keys, ACCOUNT, ACCOUNT_KEY);
  window = lk_admin_window_new_for_backend (NULL, backend, db);
  gtk_window_present (GTK_WINDOW (window));
  wait_for (first_row_loaded, window);
  wait_painted (GTK_WIDGET (window->user_list));
  printf ("painted %u\n", g_list_model_get_n_items (G_LIST_MODEL (window->model)));
  fflush (stdout);
  return 0;
}

static gboolean
mapped (gpointer data)
{
  return gtk_widget_get_mapped (data);
}

static int
cold_start_peer (void)
{
  GtkStringList *strings = gtk_string_list_new (NULL);
  g_autoptr(GtkListItemFactory) factory = NULL;
  GtkWidget *window;
  GtkWidget *scrolled;
  GtkWidget *list;

  adw_init ();
  for (guint i = 0; i < PAGE; i++)
    {
      g_autofree char *row = g_strdup_printf ("%s %s", first_names[i % G_N_ELEMENTS (first_names)],
                                              last_names[i % G_N_ELEMENTS (last_names)]);
      gtk_string_list_append (strings, row);
    }
  factory = gtk_builder_list_item_factory_new_from_bytes (NULL, g_bytes_new_static (
    "<interface><template class=\"GtkListItem\"><property name=\"child\"><object class=\"GtkLabel\">"
    "<binding name=\"label\"><lookup name=\"string\" type=\"GtkStringObject\"><lookup name=\"item\">GtkListItem</lookup>"
    "</lookup></binding></object></property></template></interface>", strlen (
    "<interface><template class=\"GtkListItem\"><property name=\"child\"><object class=\"GtkLabel\">"
    "<binding name=\"label\"><lookup name=\"string\" type=\"GtkStringObject\"><lookup name=\"item\">GtkListItem</lookup>"
    "</lookup></binding></object></property></template></interface>")));
  list = gtk_list_view_new (GTK_SELECTION_MODEL (gtk_single_selection_new (G_LIST_MODEL (strings))),
                            g_object_ref (factory));
  scrolled = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), list);
  window = adw_application_window_new (NULL);
  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 760);
  adw_application_window_set_content (ADW_APPLICATION_WINDOW (window), scrolled);
  gtk_window_present (GTK_WINDOW (window));
  wait_for (mapped, list);
  wait_painted (list);
  printf ("painted %u\n", PAGE);
  fflush (stdout);
  return 0;
}

/* Runs this program in @mode and returns milliseconds from spawn to the
 * child's report of its first painted list. */
static double
time_child (const char *self_path,
            const char *mode,
            const char *db,
            double     *out_cpu)
{
  double cpu_before = cpu_ms (RUSAGE_CHILDREN);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) child = NULL;
  g_autofree char *out = NULL;
  gint64 start = g_get_monotonic_time ();
  GDataInputStream *stream;
  char *line;
  double ms;

  child = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, self_path, "--cold-start", mode, "--db", db, NULL);
  if (child == NULL)
    die ("spawn", error);
  stream = g_data_input_stream_new (g_subprocess_get_stdout_pipe (child));
  line = g_data_input_stream_read_line (stream, NULL, NULL, &error);
  ms = (g_get_monotonic_time () - start) / 1000.0;
  if (line == NULL || !g_str_has_prefix (line, "painted "))
    die ("child", error);
  g_free (line);
  g_object_unref (stream);
  if (!g_subprocess_wait_check (child, NULL, &error))
    die ("child exit", error);
  *out_cpu = cpu_ms (RUSAGE_CHILDREN) - cpu_before;
  return ms;
}

/* ---- search in the window ------------------------------------------------ */

static gboolean
settled (gpointer data)
{
  LkAdminWindow *window = data;

  return !lk_admin_user_list_model_get_loading (window->model);
}

typedef struct
{
  LkAdminUserListModel *model;
  guint                 position;
} Far;

static gboolean
far_loaded (gpointer data)
{
  Far *far = data;
  g_autoptr(LkAdminUserItem) item = g_list_model_get_item (G_LIST_MODEL (far->model), far->position);

  return lk_admin_user_item_get_loaded (item);
}

static LkAdminWindow *window_for_query;

static gboolean
query_is (gpointer data)
{
  return window_for_query != NULL &&
         g_strcmp0 (lk_admin_user_list_model_get_query (window_for_query->model), data) == 0;
}

/* ---- where a keystroke's time goes --------------------------------------- */

/* Timestamps of one keystroke's steps: the search entry's search-changed,
 * the model's items-changed (the answer applied), the model settled, and
 * the phases of each frame clock cycle until the result is painted. The
 * frame clock's handlers that lay out and paint the window were connected
 * before these, so "layout" and "paint" mark the ends of those phases. */
typedef struct
{
  gint64 start;         /* the key */
  gint64 changed;       /* search-changed */
  gint64 applied;       /* last items-changed or loading → FALSE */
  gint64 frame_start;   /* before-paint of the frame that painted it */
  gint64 layout_end;
  gint64 paint_end;
  gint64 painted;       /* after-paint */
  gboolean armed;       /* the answer is in: the next frame is the one */
} Trace;

static Trace trace;

static void
trace_changed (void)
{
  if (trace.changed == 0)
    trace.changed = g_get_monotonic_time ();
}

static void
trace_applied (void)
{
  trace.applied = g_get_monotonic_time ();
}

static void
trace_before_paint (void)
{
  trace.frame_start = g_get_monotonic_time ();
}

static void
trace_layout (void)
{
  trace.layout_end = g_get_monotonic_time ();
}

static void
trace_paint (void)
{
  trace.paint_end = g_get_monotonic_time ();
}

static void
trace_after_paint (void)
{
  if (trace.armed && trace.painted == 0)
    trace.painted = g_get_monotonic_time ();
}

static void
trace_connect (LkAdminWindow *window)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (window));

  g_signal_connect_swapped (window->search_entry, "search-changed", G_CALLBACK (trace_changed), NULL);
  g_signal_connect_swapped (clock, "before-paint", G_CALLBACK (trace_before_paint), NULL);
  g_signal_connect_swapped (clock, "layout", G_CALLBACK (trace_layout), NULL);
  g_signal_connect_swapped (clock, "paint", G_CALLBACK (trace_paint), NULL);
  g_signal_connect_swapped (clock, "after-paint", G_CALLBACK (trace_after_paint), NULL);
}

static void
trace_loading (LkAdminUserListModel *model)
{
  /* The window's own handlers (count, stack) ran before this one. */
  if (!lk_admin_user_list_model_get_loading (model))
    trace_applied ();
}

/* The steps of one keystroke, in milliseconds, appended to @steps[0..5]:
 * key → search-changed, → answer on the main thread, → answer applied
 * (items-changed, count, stack), → the frame starts, layout, paint. */
static void
trace_record (GArray  **steps,
              double    answer_ms)
{
  double changed = (trace.changed - trace.start) / 1000.0;
  double applied = (trace.applied - trace.start) / 1000.0;
  double values[6];

  values[0] = changed;
  values[1] = answer_ms;
  values[2] = MAX (applied - changed - answer_ms, 0);
  values[3] = (trace.frame_start - trace.applied) / 1000.0;
  values[4] = (trace.layout_end - trace.frame_start) / 1000.0;
  values[5] = (trace.paint_end - trace.layout_end) / 1000.0;
  for (guint i = 0; i < 6; i++)
    g_array_append_val (steps[i], values[i]);
}

/* ---- SQLite's floor ------------------------------------------------------ */

static sqlite3_stmt *raw_stmt;

static sqlite3 *
open_raw (const char *db)
{
  sqlite3 *raw = NULL;

  if (sqlite3_open_v2 (db, &raw, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
      sqlite3_prepare_v3 (raw, "SELECT id, login, first_name, last_name, email FROM users "
                               "WHERE account_id = ?1 AND login_norm >= ?2 AND login_norm < ?3 "
                               "ORDER BY login_norm LIMIT ?4", -1, SQLITE_PREPARE_PERSISTENT,
                          &raw_stmt, NULL) != SQLITE_OK)
    {
      g_printerr ("admin-bench: sqlite3: %s\n", sqlite3_errmsg (raw));
      exit (1);
    }
  return raw;
}

/* One page of logins starting with @prefix, straight off the login index:
 * the least any store can do for a keystroke (no other column, no count). */
static void
raw_prefix_page (sqlite3    *raw,
                 gint64      account,
                 const char *prefix)
{
  g_autofree char *low = g_ascii_strdown (prefix, -1);
  g_autofree char *high = g_strconcat (low, "\xf4\x8f\xbf\xbf", NULL);
  sqlite3_stmt *st = raw_stmt;
  int rows = 0;

  sqlite3_reset (st);
  sqlite3_bind_int64 (st, 1, account);
  sqlite3_bind_text (st, 2, low, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 3, high, -1, SQLITE_STATIC);
  sqlite3_bind_int (st, 4, PAGE);
  while (sqlite3_step (st) == SQLITE_ROW)
    {
      /* Read the columns, as a caller would. */
      for (int c = 1; c < 5; c++)
        rows += sqlite3_column_bytes (st, c) > 0;
    }
  (void) rows;
}

int
main (int argc, char *argv[])
{
  g_autoptr(GOptionContext) context = g_option_context_new ("- admin-mode benchmark");
  g_autoptr(GError) error = NULL;
  g_autofree char *db = NULL;
  g_autofree char *cold = NULL;
  int users = 100000;
  int rounds = 5;
  gboolean populate_only = FALSE;
  const GOptionEntry entries[] = {
    { "users", 0, 0, G_OPTION_ARG_INT, &users, "Users in the database (default 100000)", "N" },
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db, "Database file (kept between runs)", "PATH" },
    { "rounds", 0, 0, G_OPTION_ARG_INT, &rounds, "Repetitions of each measurement (default 5)", "N" },
    { "populate-only", 0, 0, G_OPTION_ARG_NONE, &populate_only, "Only fill the database, measure nothing", NULL },
    { "cold-start", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &cold, NULL, NULL },
    G_OPTION_ENTRY_NULL
  };
  static const char *queries[] = {
    "a", "m", "sa", "ok", "ber", "zah", "eweber", "kjensen.0001", "fatima", "grace.okafor", "nomatch-xyz",
  };
  g_autoptr(GArray) gui_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) engine_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) far_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) model_latency = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) admin_cold_cpu = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) peer_cold_cpu = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) gui_cpu = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) frame_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) engine_cpu = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) raw_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) first_key_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) later_key_ms = g_array_new (FALSE, FALSE, sizeof (double));
  sqlite3 *raw;
  g_autoptr(GArray) admin_cold = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) peer_cold = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(LkKeyProvider) keys = NULL;
  g_autoptr(LkBackend) backend = NULL;
  LkAdminWindow *window;
  LkEngine *engine;
  gint64 account = 0;
  guint max_pages = 0;
  double gui_p50, engine_p50;
  GArray *first_steps[6];
  GArray *later_steps[6];
  static const char *step_names[] = {
    "key to search-changed", "search-changed to answer", "answer applied (model, count)",
    "wait for the frame", "layout", "paint",
  };

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    die ("options", error);
  if (db == NULL)
    db = g_build_filename (g_get_user_cache_dir (), "latchkey-admin-bench.db", NULL);
  /* No accessibility bus: it is not part of what is measured. */
  g_setenv ("GTK_A11Y", "none", TRUE);

  if (cold != NULL)
    {
      gtk_init ();
      return g_str_equal (cold, "admin") ? cold_start_admin (db) : cold_start_peer ();
    }

  engine = open_engine (db, &account);
  populate (engine, account, (guint) users);
  if (populate_only)
    {
      lk_engine_close (engine);
      return 0;
    }
  rounds = MAX (rounds, 1);
  gtk_init ();
  adw_init ();

  /* Cold start: alternate the two so drifting load hits both alike. */
  for (int r = 0; r < rounds; r++)
    {
      double a_cpu;
      double p_cpu;
      double a = time_child (argv[0], "admin", db, &a_cpu);
      double p = time_child (argv[0], "peer", db, &p_cpu);

      g_array_append_val (admin_cold, a);
      g_array_append_val (peer_cold, p);
      g_array_append_val (admin_cold_cpu, a_cpu);
      g_array_append_val (peer_cold_cpu, p_cpu);
    }

  keys = lk_memory_key_provider_new (bench_master_key);
  backend = lk_local_backend_new (db, keys, ACCOUNT, ACCOUNT_KEY);
  window = lk_admin_window_new_for_backend (NULL, backend, db);
  window_for_query = window;
  gtk_window_present (GTK_WINDOW (window));
  wait_for (settled, window);
  trace_connect (window);
  g_signal_connect (window->model, "notify::loading", G_CALLBACK (trace_loading), NULL);
  for (guint i = 0; i < G_N_ELEMENTS (first_steps); i++)
    {
      first_steps[i] = g_array_new (FALSE, FALSE, sizeof (double));
      later_steps[i] = g_array_new (FALSE, FALSE, sizeof (double));
    }

  raw = open_raw (db);
  for (int r = 0; r < rounds; r++)
    for (guint q = 0; q < G_N_ELEMENTS (queries); q++)
      {
        /* Start each query from the full list, as after clearing the entry. */
        gtk_editable_set_text (GTK_EDITABLE (window->search_entry), "");
        wait_for (settled, window);
        wait_painted (GTK_WIDGET (window->user_list));

        for (gsize k = 1; k <= strlen (queries[q]); k++)
          {
            g_autofree char *prefix = g_strndup (queries[q], k);
            g_autoptr(GPtrArray) found = NULL;
            int position = (int) k - 1;
            g_autofree char *painted_login = NULL;
            guint painted_n = 0;
            guint total = 0;
            gint64 start;
            double ms;
            double model_ms;
            double cpu;

            /* The window: one keystroke (a character inserted where the
             * cursor is, as the key press does) → the search entry's
             * search-changed → the model → the backend → the first page →
             * the frame that shows it. */
            cpu = cpu_ms (RUSAGE_SELF);
            start = g_get_monotonic_time ();
            memset (&trace, 0, sizeof trace);
            trace.start = start;
            gtk_editable_insert_text (GTK_EDITABLE (window->search_entry), queries[q] + k - 1, 1, &position);
            wait_for (query_is, prefix);
            wait_for (settled, window);
            model_ms = lk_admin_user_list_model_get_last_latency (window->model) / 1000.0;
            g_array_append_val (model_latency, model_ms);
            trace.armed = TRUE;
            wait_painted (GTK_WIDGET (window->user_list));
            ms = (g_get_monotonic_time () - start) / 1000.0;
            trace_record (k == 1 ? first_steps : later_steps, model_ms);
            /* What that frame showed, checked against the engine below. */
            painted_n = g_list_model_get_n_items (G_LIST_MODEL (window->model));
            if (painted_n > 0)
              {
                g_autoptr(LkAdminUserItem) top = g_list_model_get_item (G_LIST_MODEL (window->model), 0);

                painted_login = lk_admin_user_item_get_loaded (top) ? g_strdup (lk_admin_user_item_get_login (top)) : NULL;
              }
            g_array_append_val (gui_ms, ms);
            g_array_append_val (k == 1 ? first_key_ms : later_key_ms, ms);
            cpu = cpu_ms (RUSAGE_SELF) - cpu;
            g_array_append_val (gui_cpu, cpu);

            /* The same frame again with nothing changed: what one repaint
             * of the window costs on this display, apart from the search. */
            start = g_get_monotonic_time ();
            wait_painted (GTK_WIDGET (window->user_list));
            ms = (g_get_monotonic_time () - start) / 1000.0;
            g_array_append_val (frame_ms, ms);

            /* Peer: the engine alone, same prefix, same page size. */
            cpu = cpu_ms (RUSAGE_SELF);
            start = g_get_monotonic_time ();
            found = lk_engine_find_users (engine, account, prefix, 0, PAGE, &total, &error);
            if (found == NULL)
              die ("find_users", error);
            ms = (g_get_monotonic_time () - start) / 1000.0;
            g_array_append_val (engine_ms, ms);
            cpu = cpu_ms (RUSAGE_SELF) - cpu;
            g_array_append_val (engine_cpu, cpu);
            /* The painted frame held the whole answer: the count and the
             * first row, loaded. */
            if (painted_n != total ||
                (total > 0 && g_strcmp0 (painted_login, ((LkUser *) g_ptr_array_index (found, 0))->login) != 0))
              {
                g_printerr ("admin-bench: “%s” painted %u users starting with %s; the engine finds %u\n",
                            prefix, painted_n, painted_login ? painted_login : "(a placeholder)", total);
                exit (1);
              }

            /* Peer: SQLite's floor, one index range, one page. */
            start = g_get_monotonic_time ();
            raw_prefix_page (raw, account, prefix);
            ms = (g_get_monotonic_time () - start) / 1000.0;
            g_array_append_val (raw_ms, ms);

            if (r == 0 && k == strlen (queries[q]))
              printf ("  typed %-14s %6u matches, last keystroke painted after %7.1f ms (model %6.1f ms), %u pages held\n",
                      queries[q], total, g_array_index (gui_ms, double, gui_ms->len - 1), model_ms,
                      lk_admin_user_list_model_get_n_cached_pages (window->model));
          }
      }
  sqlite3_finalize (raw_stmt);
  sqlite3_close (raw);

  /* Far jumps in the full list: a placeholder far away fills in. */
  lk_admin_user_list_model_set_query (window->model, "", TRUE);
  wait_for (settled, window);
  for (int r = 0; r < rounds * 4; r++)
    {
      Far far = { window->model, (guint) g_random_int_range (0, (gint32) g_list_model_get_n_items (G_LIST_MODEL (window->model))) };
      g_autoptr(GObject) item = NULL;
      gint64 start = g_get_monotonic_time ();
      double ms;

      item = g_list_model_get_item (G_LIST_MODEL (window->model), far.position);
      wait_for (far_loaded, &far);
      ms = (g_get_monotonic_time () - start) / 1000.0;
      g_array_append_val (far_ms, ms);
      max_pages = MAX (max_pages, lk_admin_user_list_model_get_n_cached_pages (window->model));
    }

  {
    /* percentile() sorts in place; take every figure before printing. */
    double admin_cold_p50 = percentile (admin_cold, 0.5);
    double admin_cold_min = g_array_index (admin_cold, double, 0);
    double peer_cold_p50 = percentile (peer_cold, 0.5);
    double peer_cold_min = g_array_index (peer_cold, double, 0);
    double gui_p95 = percentile (gui_ms, 0.95);
    double gui_max = g_array_index (gui_ms, double, gui_ms->len - 1);
    double model_p50 = percentile (model_latency, 0.5);
    double model_p95 = percentile (model_latency, 0.95);
    double model_max = g_array_index (model_latency, double, model_latency->len - 1);
    double engine_p95 = percentile (engine_ms, 0.95);
    double engine_max = g_array_index (engine_ms, double, engine_ms->len - 1);
    double raw_p95 = percentile (raw_ms, 0.95);
    double raw_p50 = percentile (raw_ms, 0.5);
    double far_p50 = percentile (far_ms, 0.5);
    double far_max = g_array_index (far_ms, double, far_ms->len - 1);

    gui_p50 = percentile (gui_ms, 0.5);
    engine_p50 = percentile (engine_ms, 0.5);
    printf ("\nadmin-bench: %u users, %d rounds, renderer %s\n", g_list_model_get_n_items (G_LIST_MODEL (window->model)),
            rounds, G_OBJECT_TYPE_NAME (gtk_native_get_renderer (GTK_NATIVE (window))));
    printf ("cold start to first painted list  admin %8.1f ms p50 (min %.1f)  peer GtkListView %8.1f ms p50 (min %.1f)  ratio %.2f\n",
            admin_cold_p50, admin_cold_min, peer_cold_p50, peer_cold_min, admin_cold_p50 / peer_cold_p50);
    printf ("keystrokes timed                    %u (each query typed one character at a time)\n", gui_ms->len);
    printf ("keystroke: sent to first page in model admin %7.2f ms p50, %7.2f ms p95, %7.2f ms max\n",
            model_p50, model_p95, model_max);
    printf ("keystroke: engine find_users alone     peer  %7.2f ms p50, %7.2f ms p95, %7.2f ms max  ratio %.2f\n",
            engine_p50, engine_p95, engine_max, model_p50 / MAX (engine_p50, 0.001));
    printf ("keystroke: raw SQLite login range      floor %7.2f ms p50, %7.2f ms p95\n", raw_p50, raw_p95);
    printf ("keystroke to painted result            admin %7.2f ms p50, %7.2f ms p95, %7.2f ms max  "
            "ratio to engine %.1f, to SQLite floor %.0f\n",
            gui_p50, gui_p95, gui_max, gui_p50 / MAX (engine_p50, 0.001), gui_p50 / MAX (raw_p50, 0.001));
    printf ("  first keystroke (1 character)          admin %7.2f ms p50, %7.2f ms p95\n",
            percentile (first_key_ms, 0.5), percentile (first_key_ms, 0.95));
    printf ("  later keystrokes (2 or more)           admin %7.2f ms p50, %7.2f ms p95\n",
            percentile (later_key_ms, 0.5), percentile (later_key_ms, 0.95));
    for (guint i = 0; i < G_N_ELEMENTS (first_steps); i++)
      printf ("  step %-32s first %6.2f / %6.2f ms  later %6.2f / %6.2f ms (p50 / p95)\n", step_names[i],
              percentile (first_steps[i], 0.5), percentile (first_steps[i], 0.95),
              percentile (later_steps[i], 0.5), percentile (later_steps[i], 0.95));
    printf ("one unchanged repaint (p50)         admin %7.2f ms (the display's own frame cost)\n",
            percentile (frame_ms, 0.5));
    printf ("CPU per cold start (p50)            admin %8.1f ms              peer GtkListView %8.1f ms             ratio %.2f\n",
            percentile (admin_cold_cpu, 0.5), percentile (peer_cold_cpu, 0.5),
            percentile (admin_cold_cpu, 0.5) / MAX (percentile (peer_cold_cpu, 0.5), 0.001));
    printf ("CPU per search (p50), this process  admin %7.2f ms (search + list + paint)  engine alone %7.2f ms  ratio %.2f\n",
            percentile (gui_cpu, 0.5), percentile (engine_cpu, 0.5),
            percentile (gui_cpu, 0.5) / MAX (percentile (engine_cpu, 0.5), 0.001));
    printf ("far jump (random position) filled   admin %7.2f ms p50, %7.2f ms max; at most %u pages (%u users) held\n",
            far_p50, far_max, max_pages, max_pages * PAGE);
  }

  for (guint i = 0; i < G_N_ELEMENTS (first_steps); i++)
    {
      g_array_unref (first_steps[i]);
      g_array_unref (later_steps[i]);
    }
  gtk_window_destroy (GTK_WINDOW (window));
  lk_engine_close (engine);
  return 0;
}
