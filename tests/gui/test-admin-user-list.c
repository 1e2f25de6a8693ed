/* SPDX-License-Identifier: GPL-3.0-or-later
 * The admin window's user list under Xvfb on a real embedded engine with
 * more users than a page: a new result fills the rows a window shows before
 * its first frame and the rest of the page after it (never showing a stale
 * user as loaded), and fast typing ends on the last query's result. */
#include "config.h"

#include <string.h>
#include <adwaita.h>
#include <glib/gstdio.h>

#include "lk-admin-test-util.h"
#include "lk-admin-window-private.h"
#include "lk-engine.h"
#include "lk-local-backend.h"

#define ACCOUNT     "list-test"
#define ACCOUNT_KEY "list-test-account-key"
/* Per family: more than a page (LK_ADMIN_USER_PAGE_SIZE), so the first page
 * of either family is full. */
#define FAMILY_SIZE 260
/* The model's FILL_AT_ONCE: the rows filled before the first frame. */
#define FILLED_AT_ONCE 48

static LkAdminWindow *window;

static gboolean
settled (gpointer data)
{
  return !lk_admin_user_list_model_get_loading (window->model) &&
         g_strcmp0 (lk_admin_user_list_model_get_query (window->model), data) == 0;
}

static LkAdminUserItem *
item_at (guint position)
{
  return g_list_model_get_item (G_LIST_MODEL (window->model), position);
}

static gboolean
page_filled (gpointer data)
{
  guint n = MIN (g_list_model_get_n_items (G_LIST_MODEL (window->model)), LK_ADMIN_USER_PAGE_SIZE);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(LkAdminUserItem) item = item_at (i);

      if (!lk_admin_user_item_get_loaded (item))
        return FALSE;
    }
  return TRUE;
}

static void
assert_login_at (guint       position,
                 const char *family,
                 guint       number)
{
  g_autoptr(LkAdminUserItem) item = item_at (position);
  g_autofree char *expected = g_strdup_printf ("%s.%03u", family, number);

  g_assert_true (lk_admin_user_item_get_loaded (item));
  g_assert_cmpstr (lk_admin_user_item_get_login (item), ==, expected);
}

/* Whether a label under @widget shows text that contains @text. */
static gboolean
shows_text (GtkWidget  *widget,
            const char *text)
{
  if (GTK_IS_LABEL (widget) && gtk_widget_get_mapped (widget) &&
      strstr (gtk_label_get_text (GTK_LABEL (widget)), text) != NULL)
    return TRUE;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (shows_text (child, text))
      return TRUE;
  return FALSE;
}

static void
on_after_paint (GdkFrameClock *clock,
                gboolean      *painted)
{
  *painted = TRUE;
}

static gboolean
is_true (gpointer data)
{
  return *(gboolean *) data;
}

static void
wait_painted (void)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (window));
  gboolean painted = FALSE;
  gulong id = g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), &painted);

  gtk_widget_queue_draw (GTK_WIDGET (window->user_list));
  lk_admin_test_wait_for (is_true, &painted);
  g_signal_handler_disconnect (clock, id);
}

static gboolean
searching (gpointer data)
{
  return lk_admin_user_list_model_get_loading (window->model) &&
         g_strcmp0 (lk_admin_user_list_model_get_query (window->model), data) == 0;
}

static void
search (const char *query)
{
  gtk_editable_set_text (GTK_EDITABLE (window->search_entry), query);
  lk_admin_test_wait_for (settled, (gpointer) query);
}

/* From the full list (alpha.000… on the first page) to "beta": the rows a
 * window shows are refilled before the next frame, the others are stale
 * (not loaded, never found by login) until the idle after it fills them. */
static void
test_refill_after_frame (void)
{
  g_autoptr(LkAdminUserItem) first_before = NULL;
  g_autoptr(LkAdminUserItem) first_after = NULL;
  g_autoptr(LkAdminUserItem) stale = NULL;

  search ("");
  lk_admin_test_wait_for (page_filled, NULL);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (window->model)), ==, 2 * FAMILY_SIZE);
  assert_login_at (0, "alpha", 0);
  assert_login_at (LK_ADMIN_USER_PAGE_SIZE - 1, "alpha", LK_ADMIN_USER_PAGE_SIZE - 1);
  wait_painted ();
  first_before = item_at (0);
  g_assert_cmpstr (gtk_label_get_text (window->count_label), ==, "520 users");

  /* While the search runs, the count stays the last result's: never the
   * old number next to the new query. */
  gtk_editable_set_text (GTK_EDITABLE (window->search_entry), "beta");
  lk_admin_test_wait_for (searching, (gpointer) "beta");
  g_assert_cmpstr (gtk_label_get_text (window->count_label), ==, "520 users");
  lk_admin_test_wait_for (settled, (gpointer) "beta");
  g_assert_cmpstr (gtk_label_get_text (window->count_label), ==, "260 users match “beta”");
  /* The answer is in; the idle that fills the rest has not run yet (it
   * runs below the priority of the frame). */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (window->model)), ==, FAMILY_SIZE);
  for (guint i = 0; i < FILLED_AT_ONCE; i++)
    assert_login_at (i, "beta", i);
  stale = item_at (FILLED_AT_ONCE);
  g_assert_false (lk_admin_user_item_get_loaded (stale));
  g_assert_cmpstr (lk_admin_user_item_get_login (stale), ==, "alpha.048");
  /* Stale rows are never taken for the user they still show, but for the
   * one they are about to show (the open user stays selected). */
  g_assert_cmpint (lk_admin_user_list_model_find_loaded (window->model, "alpha.048"), ==, -1);
  g_assert_cmpint (lk_admin_user_list_model_find_loaded (window->model, "beta.047"), ==, FILLED_AT_ONCE - 1);
  g_assert_cmpint (lk_admin_user_list_model_find_loaded (window->model, "beta.150"), ==, 150);
  g_assert_cmpint (lk_admin_user_list_model_find_loaded (window->model, "beta.210"), ==, -1);  /* page 2 */
  /* The rows are the same objects, refilled in place. */
  first_after = item_at (0);
  g_assert_true (first_after == first_before);

  /* The frame shows the new first rows. */
  wait_painted ();
  g_assert_true (shows_text (GTK_WIDGET (window->user_list), "beta.000"));
  g_assert_false (shows_text (GTK_WIDGET (window->user_list), "alpha.000"));
  lk_admin_test_screenshot (GTK_WIDGET (window), "admin-user-list-search", FALSE);

  /* Then the rest of the page fills in. */
  lk_admin_test_wait_for (page_filled, NULL);
  for (guint i = 0; i < LK_ADMIN_USER_PAGE_SIZE; i++)
    assert_login_at (i, "beta", i);
  g_assert_cmpint (lk_admin_user_list_model_find_loaded (window->model, "beta.150"), ==, 150);
  /* The second page comes on demand, as before. */
  {
    g_autoptr(LkAdminUserItem) far = item_at (FAMILY_SIZE - 1);
    lk_admin_test_wait_for ((LkAdminTestCondition) lk_admin_user_item_get_loaded, far);
    assert_login_at (FAMILY_SIZE - 1, "beta", FAMILY_SIZE - 1);
  }
}

/* Scrolled down to row 100, a new result first refills the rows shown
 * there, not the top of the page. */
static void
test_refill_where_scrolled (void)
{
  GtkAdjustment *adjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (window->user_list));
  g_autoptr(LkAdminUserItem) top = NULL;
  double row;

  search ("");
  lk_admin_test_wait_for (page_filled, NULL);
  wait_painted ();
  row = gtk_adjustment_get_upper (adjustment) / (2 * FAMILY_SIZE);
  gtk_adjustment_set_value (adjustment, 100 * row);
  wait_painted ();
  wait_painted ();
  g_assert_true (shows_text (GTK_WIDGET (window->user_list), "alpha.100"));

  search ("beta");
  for (guint i = 100; i < 100 + FILLED_AT_ONCE - 8; i++)
    assert_login_at (i, "beta", i);
  top = item_at (0);
  g_assert_false (lk_admin_user_item_get_loaded (top));
  wait_painted ();
  g_assert_cmpfloat (gtk_adjustment_get_value (adjustment), >, 90 * row);
  g_assert_true (shows_text (GTK_WIDGET (window->user_list), "beta.100"));
  g_assert_false (shows_text (GTK_WIDGET (window->user_list), "alpha.100"));
  g_assert_false (shows_text (GTK_WIDGET (window->user_list), "alpha.110"));
  lk_admin_test_wait_for (page_filled, NULL);
  assert_login_at (0, "beta", 0);
  gtk_adjustment_set_value (adjustment, 0);
}

/* Keystrokes typed faster than the answers come back, and a new search
 * while the previous result is still filling its rows: the list ends on
 * the last query's result, whole, with nothing of the earlier ones. */
static void
test_fast_typing (void)
{
  static const char typed[] = "beta.12";
  int position = 0;

  search ("");
  /* The full list's rows are still filling when the typing starts. */
  g_assert_false (page_filled (NULL));
  gtk_editable_set_text (GTK_EDITABLE (window->search_entry), "");
  for (gsize i = 0; i < strlen (typed); i++)
    gtk_editable_insert_text (GTK_EDITABLE (window->search_entry), typed + i, 1, &position);
  lk_admin_test_wait_for (settled, (gpointer) typed);
  lk_admin_test_wait_for (page_filled, NULL);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (window->model)), ==, 10);
  for (guint i = 0; i < 10; i++)
    assert_login_at (i, "beta", 120 + i);
  wait_painted ();
  g_assert_true (shows_text (GTK_WIDGET (window->user_list), "beta.129"));
  g_assert_false (shows_text (GTK_WIDGET (window->user_list), "alpha."));

  /* A search sent while a long result fills its rows cancels that fill:
   * the short result that follows is not overwritten by it. */
  search ("alpha");
  g_assert_false (page_filled (NULL));
  search ("alpha.25");
  lk_admin_test_wait_for (page_filled, NULL);
  wait_painted ();
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (window->model)), ==, 10);
  for (guint i = 0; i < 10; i++)
    assert_login_at (i, "alpha", 250 + i);
  /* Nothing comes later to change them. */
  for (int i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
  for (guint i = 0; i < 10; i++)
    assert_login_at (i, "alpha", 250 + i);
}

/* Closing the window while rows are still to be filled drops the fill. */
static void
test_close_while_filling (void)
{
  gpointer model;

  search ("");
  g_assert_false (page_filled (NULL));
  model = window->model;
  g_object_add_weak_pointer (model, &model);
  gtk_window_destroy (GTK_WINDOW (window));
  window = NULL;
  for (int i = 0; i < 50; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_null (model);
}

static void
populate (const char *db,
          LkKeyProvider *keys)
{
  g_autoptr(GError) error = NULL;
  LkEngineConfig config;
  LkEngine *engine;
  gint64 account = 0;
  static const char *families[] = { "alpha", "beta" };

  lk_engine_config_init (&config);
  config.password_kdf_log2n = 10;
  engine = lk_engine_open (db, keys, &config, &error);
  g_assert_no_error (error);
  g_assert_true (lk_engine_create_account (engine, ACCOUNT, ACCOUNT_KEY, &account, &error));
  g_assert_true (lk_engine_batch_begin (engine, &error));
  for (guint f = 0; f < G_N_ELEMENTS (families); f++)
    for (guint i = 0; i < FAMILY_SIZE; i++)
      {
        g_autoptr(LkEnrollResult) result = NULL;
        g_autofree char *login = g_strdup_printf ("%s.%03u", families[f], i);
        g_autofree char *email = g_strdup_printf ("%s.%03u@example.org", families[f], i);
        LkUserSpec spec;

        lk_user_spec_init (&spec);
        spec.login = login;
        /* Names that no query of these tests matches. */
        spec.first_name = "Kim";
        spec.last_name = "Lee";
        spec.email = email;
        spec.password = "list-test-password";
        result = lk_engine_enroll_user (engine, account, &spec, &error);
        g_assert_no_error (error);
      }
  g_assert_true (lk_engine_batch_commit (engine, &error));
  lk_engine_close (engine);
}

int
main (int argc, char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkKeyProvider) keys = NULL;
  g_autoptr(LkBackend) backend = NULL;
  g_autofree char *schema_dir = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *db = NULL;
  int status;

  /* No G_TEST_OPTION_ISOLATE_DIRS (it hides the icon theme from GTK);
   * lk-test-session.sh gives fresh HOME and XDG directories. */
  g_test_init (&argc, &argv, NULL);
  schema_dir = g_build_filename (g_getenv ("LK_BUILD_ROOT"), "data", NULL);
  g_setenv ("GSETTINGS_SCHEMA_DIR", schema_dir, TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  gtk_init ();
  adw_init ();

  dir = g_dir_make_tmp ("lk-admin-user-list-XXXXXX", &error);
  g_assert_no_error (error);
  db = g_build_filename (dir, "engine.db", NULL);
  keys = lk_memory_key_provider_new (NULL);
  populate (db, keys);

  backend = lk_local_backend_new (db, keys, ACCOUNT, ACCOUNT_KEY);
  window = lk_admin_window_new_for_backend (NULL, backend, db);
  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 700);
  gtk_window_present (GTK_WINDOW (window));
  lk_admin_test_wait_for (settled, (gpointer) "");

  g_test_add_func ("/admin/user-list/refill-after-frame", test_refill_after_frame);
  g_test_add_func ("/admin/user-list/refill-where-scrolled", test_refill_where_scrolled);
  g_test_add_func ("/admin/user-list/fast-typing", test_fast_typing);
  g_test_add_func ("/admin/user-list/close-while-filling", test_close_while_filling);
  status = g_test_run ();

  if (window != NULL)
    gtk_window_destroy (GTK_WINDOW (window));
  g_clear_object (&backend);
  g_unlink (db);
  {
    g_autofree char *wal = g_strconcat (db, "-wal", NULL);
    g_autofree char *shm = g_strconcat (db, "-shm", NULL);
    g_unlink (wal);
    g_unlink (shm);
  }
  g_rmdir (dir);
  return status;
}
