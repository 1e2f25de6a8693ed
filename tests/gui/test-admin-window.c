/* SPDX-License-Identifier: GPL-3.0-or-later
 * The admin window under Xvfb on a real backend: enrol through the dialog and
 * search, add a soft token and scan its QR code off the screen, activate,
 * test passcodes, disable a device; screenshots of every main screen.
 *
 * The backend is the embedded engine in a scratch directory with its master
 * key in the session's real gnome-keyring, or, when run by lk-with-server
 * (LK_TEST_BACKEND=remote), a real latchkeyd over TLS on loopback. */
#include "config.h"

#include <string.h>
#include <adwaita.h>
#include <glib/gstdio.h>

#include <libsecret/secret.h>

#include "lk-admin-backend.h"
#include "lk-admin-connection-dialog.h"
#include "lk-admin-connection.h"
#include "lk-admin-device-dialog.h"
#include "lk-activation.h"
#include "lk-admin-enrol-dialog.h"
#include "lk-admin-licence-wizard.h"
#include "lk-admin-otp-dialog.h"
#include "lk-admin-provision-dialog.h"
#include "lk-admin-window-private.h"
#include "lk-local-backend.h"
#include "lk-otpauth.h"
#include "lk-qr.h"
#include "lk-remote-backend.h"
#include "lk-secret-key-provider.h"
#include "lk-secure.h"

#define WAIT_LIMIT_US (30 * G_USEC_PER_SEC)
#define LOGIN "zoe.okafor"

static LkBackend *backend;
static char *backend_label;
static gboolean remote;
static LkAdminWindow *window;
static char *soft_serial;

/* ---- helpers ------------------------------------------------------------- */

typedef gboolean (*Condition) (gpointer data);

static gboolean
wake (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Runs the main loop until @condition holds; fails the test after 30 s. */
static void
wait_for (Condition condition,
          gpointer  data)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_LIMIT_US;
  guint tick = g_timeout_add (50, wake, NULL);

  while (!condition (data))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("timed out waiting");
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_remove (tick);
}

static gboolean
ms_elapsed (gpointer data)
{
  return g_get_monotonic_time () >= *(gint64 *) data;
}

static void
wait_ms (guint ms)
{
  gint64 until = g_get_monotonic_time () + (gint64) ms * 1000;

  wait_for (ms_elapsed, &until);
}

/* The first toplevel of @type, or NULL. */
static GtkWindow *
find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) w = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (w, type) && gtk_widget_get_visible (GTK_WIDGET (w)))
        return w;
    }
  return NULL;
}

static gboolean
toplevel_shown (gpointer data)
{
  return find_toplevel (*(GType *) data) != NULL;
}

static GtkWindow *
wait_for_toplevel (GType type)
{
  wait_for (toplevel_shown, &type);
  return find_toplevel (type);
}

static gboolean
toplevel_gone (gpointer data)
{
  return find_toplevel (*(GType *) data) == NULL;
}

static void
wait_for_toplevel_gone (GType type)
{
  wait_for (toplevel_gone, &type);
}

static gboolean
list_settled (gpointer data)
{
  return !lk_admin_user_list_model_get_loading (window->model) && window->busy == 0;
}

static gboolean
window_idle (gpointer data)
{
  return window->busy == 0;
}

static gboolean
on_tick (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       data)
{
  (*(int *) data)++;
  return G_SOURCE_CONTINUE;
}

static gboolean
two_frames (gpointer data)
{
  return *(int *) data >= 2;
}

/* Waits until @widget's frame clock has ticked twice: layout is done. */
static void
wait_for_frames (GtkWidget *widget)
{
  int frames = 0;
  guint id = gtk_widget_add_tick_callback (widget, on_tick, &frames, NULL);

  gtk_widget_queue_draw (widget);
  wait_for (two_frames, &frames);
  gtk_widget_remove_tick_callback (widget, id);
}

static void
save_screenshot (GtkWidget  *widget,
                 const char *name)
{
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GtkSnapshot *snapshot;
  GskRenderNode *node;
  g_autofree char *dir = g_build_filename (g_getenv ("LK_BUILD_ROOT"), "screenshots", NULL);
  g_autofree char *file = g_strdup_printf ("%s%s.png", name, remote ? "-remote" : "");
  g_autofree char *path = g_build_filename (dir, file, NULL);
  int width;
  int height;

  /* Let layout, the list's rows and any transition settle; a window still
   * fading in has no content to draw yet, so try again for a while. */
  wait_ms (300);
  for (int attempt = 0; ; attempt++)
    {
      wait_for_frames (widget);
      width = gtk_widget_get_width (widget);
      height = gtk_widget_get_height (widget);
      g_assert_cmpint (width, >, 0);
      paintable = gtk_widget_paintable_new (widget);
      snapshot = gtk_snapshot_new ();
      gdk_paintable_snapshot (paintable, snapshot, width, height);
      node = gtk_snapshot_free_to_node (snapshot);
      g_clear_object (&paintable);
      if (node != NULL)
        break;
      if (attempt == 20)
        g_error ("no node for %s: visible %d mapped %d %dx%d", name, gtk_widget_get_visible (widget),
                 gtk_widget_get_mapped (widget), width, height);
      wait_ms (100);
    }
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (gtk_widget_get_native (widget)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  gsk_render_node_unref (node);
  g_mkdir_with_parents (dir, 0755);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
}

static LkApiResponse *
call_sync (LkApiRequest *request)
{
  g_autoptr(GError) error = NULL;
  LkApiResponse *response = lk_backend_call_sync (backend, request, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (response);
  return response;
}

static void
enrol_directly (const char *login,
                const char *first,
                const char *last,
                const char *email)
{
  LkApiRequest *request = lk_api_request_new (LK_API_OP_ENROLL_USER);
  g_autoptr(LkApiResponse) response = NULL;

  request->username = g_strdup (login);
  request->first_name = g_strdup (first);
  request->last_name = g_strdup (last);
  request->email = g_strdup (email);
  request->password = g_strdup ("correct horse battery");
  response = call_sync (request);
  g_assert_cmpint (response->error_code, ==, 0);
}

static LkDevice *
find_device (const char *serial)
{
  LkApiRequest *request = lk_api_request_new (LK_API_OP_FIND_DEVICE);
  g_autoptr(LkApiResponse) response = NULL;

  request->serial = g_strdup (serial);
  response = call_sync (request);
  g_assert_cmpint (response->error_code, ==, 0);
  return lk_device_copy (response->device);
}

/* ---- set-up -------------------------------------------------------------- */

static void
open_backend (void)
{
  g_autoptr(GError) error = NULL;

  if (g_strcmp0 (g_getenv ("LK_TEST_BACKEND"), "remote") == 0)
    {
      remote = TRUE;
      backend = lk_remote_backend_new (g_getenv ("LK_TEST_SERVER_URL"), g_getenv ("LK_TEST_ACCOUNT"),
                                       g_getenv ("LK_TEST_ACCOUNT_KEY"), &error);
      g_assert_no_error (error);
      lk_remote_backend_pin_certificate_file (LK_REMOTE_BACKEND (backend), g_getenv ("LK_TEST_SERVER_CERT"), &error);
      g_assert_no_error (error);
      backend_label = lk_backend_describe (backend);
    }
  else
    {
      const char *session = g_getenv ("LK_TEST_SESSION_DIR");
      g_autofree char *db = NULL;
      g_autoptr(LkKeyProvider) keys = NULL;
      g_autoptr(LkApiResponse) response = NULL;

      g_assert_nonnull (session);  /* run through lk-test-session.sh: real keyring */
      db = g_build_filename (session, "admin-test.db", NULL);
      keys = lk_secret_key_provider_new (db);
      backend = lk_local_backend_new (db, keys, "helpdesk", "helpdesk-key-0123456789");
      {
        LkApiRequest *request = lk_api_request_new (LK_API_OP_CREATE_ACCOUNT);

        request->account_name = g_strdup ("helpdesk");
        request->account_key = g_strdup ("helpdesk-key-0123456789");
        response = call_sync (request);
      }
      g_assert_cmpint (response->error_code, ==, 0);
      backend_label = lk_backend_describe (backend);
    }
}

/* ---- tests --------------------------------------------------------------- */

static void
test_empty (void)
{
  window = lk_admin_window_new_for_backend (NULL, backend, backend_label);
  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 760);
  gtk_window_present (GTK_WINDOW (window));
  wait_for (list_settled, NULL);

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (window->model)), ==, 0);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (window->list_stack), ==, "empty");
  g_assert_cmpstr (adw_window_title_get_subtitle (window->connection_title), ==, backend_label);
  save_screenshot (GTK_WIDGET (window), "admin-empty");
}

typedef struct
{
  gboolean  done;
  char     *text;
} ClipRead;

static void
on_clip_text (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  ClipRead *read = data;

  read->text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, NULL);
  read->done = TRUE;
}

static gboolean
clip_read (gpointer data)
{
  return ((ClipRead *) data)->done;
}

static void
test_enrol_and_search (void)
{
  LkAdminEnrolDialog *dialog;
  const char *password;
  g_autofree char *problem = NULL;
  LkApiRequest *request;
  g_autoptr(LkApiResponse) response = NULL;
  LkAdminUserItem *item;
  static const char *people[][4] = {
    { "amelia.hart", "Amelia", "Hart", "amelia.hart@example.com" },
    { "bruno.costa", "Bruno", "Costa", "bruno.costa@example.com" },
    { "chen.wei", "Wei", "Chen", "wei.chen@example.com" },
    { "dara.ni", "Dara", "Ní Bhriain", "dara@example.com" },
    { "emil.lund", "Emil", "Lund", "emil.lund@example.com" },
    { "fatima.z", "Fatima", "Zahra", "fatima.zahra@example.com" },
    { "gustav.berg", "Gustav", "Berg", "g.berg@example.com" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (people); i++)
    enrol_directly (people[i][0], people[i][1], people[i][2], people[i][3]);

  gtk_widget_activate_action (GTK_WIDGET (window), "admin.enrol-user", NULL);
  dialog = LK_ADMIN_ENROL_DIALOG (wait_for_toplevel (LK_TYPE_ADMIN_ENROL_DIALOG));

  /* Validation as you type: a bad email is named and blocks the submit. */
  lk_admin_enrol_dialog_fill (dialog, LOGIN, "Zoë", "Okafor", "zoe@okafor", "+44 20 7946 0958", NULL);
  problem = lk_admin_enrol_dialog_check (dialog);
  g_assert_nonnull (problem);
  lk_admin_enrol_dialog_fill (dialog, LOGIN, "Zoë", "Okafor", "zoe.okafor@example.com", "+44 20 7946 0958", NULL);
  g_clear_pointer (&problem, g_free);
  problem = lk_admin_enrol_dialog_check (dialog);
  g_assert_null (problem);
  save_screenshot (GTK_WIDGET (dialog), "admin-enrol");

  gtk_widget_activate_action (GTK_WIDGET (dialog), "enrol.submit", NULL);
  wait_for (window_idle, NULL);
  password = lk_admin_enrol_dialog_get_shown_password (dialog);
  g_assert_nonnull (password);
  g_assert_cmpuint (strlen (password), >=, 8);
  save_screenshot (GTK_WIDGET (dialog), "admin-enrol-done");

  /* The copy button puts exactly that password on the clipboard. */
  {
    ClipRead read = { FALSE, NULL };

    gtk_widget_activate_action (GTK_WIDGET (dialog), "enrol.copy-password", NULL);
    gdk_clipboard_read_text_async (gtk_widget_get_clipboard (GTK_WIDGET (dialog)), NULL, on_clip_text, &read);
    wait_for (clip_read, &read);
    g_assert_cmpstr (read.text, ==, password);
    lk_secure_str_free (read.text);
    gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (dialog)), "");
  }

  /* The password shown is the one the engine keeps. */
  request = lk_api_request_new (LK_API_OP_VALIDATE_USER);
  request->username = g_strdup (LOGIN);
  request->password = g_strdup (password);
  response = call_sync (request);
  g_assert_cmpint (response->error_code, ==, 0);
  gtk_window_close (GTK_WINDOW (dialog));
  wait_for_toplevel_gone (LK_TYPE_ADMIN_ENROL_DIALOG);

  /* Search by a last-name prefix, as typed. */
  gtk_editable_set_text (GTK_EDITABLE (window->search_entry), "oka");
  wait_ms (400);
  wait_for (list_settled, NULL);
  g_test_message ("query “%s”: %u", lk_admin_user_list_model_get_query (window->model),
                  g_list_model_get_n_items (G_LIST_MODEL (window->model)));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (window->model)), ==, 1);
  item = g_list_model_get_item (G_LIST_MODEL (window->model), 0);
  g_assert_true (lk_admin_user_item_get_loaded (item));
  g_assert_cmpstr (lk_admin_user_item_get_login (item), ==, LOGIN);
  g_object_unref (item);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (window->list_stack), ==, "list");

  /* Nothing matches: the no-results state, not the empty one. */
  gtk_editable_set_text (GTK_EDITABLE (window->search_entry), "nobody-by-this-name");
  wait_ms (200);
  wait_for (list_settled, NULL);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (window->model)), ==, 0);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (window->list_stack), ==, "no-results");

  gtk_editable_set_text (GTK_EDITABLE (window->search_entry), "");
  wait_ms (200);
  wait_for (list_settled, NULL);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (window->model)), ==, G_N_ELEMENTS (people) + 1);

  /* Z–A puts the last login first; A–Z again puts it last. */
  gtk_widget_activate_action (GTK_WIDGET (window), "sort.order", "s", "desc");
  wait_for (list_settled, NULL);
  item = g_list_model_get_item (G_LIST_MODEL (window->model), 0);
  g_assert_cmpstr (lk_admin_user_item_get_login (item), ==, LOGIN);
  g_object_unref (item);
  item = g_list_model_get_item (G_LIST_MODEL (window->model), G_N_ELEMENTS (people));
  g_assert_cmpstr (lk_admin_user_item_get_login (item), ==, "amelia.hart");
  g_object_unref (item);
  gtk_widget_activate_action (GTK_WIDGET (window), "sort.order", "s", "asc");
  wait_for (list_settled, NULL);
  item = g_list_model_get_item (G_LIST_MODEL (window->model), 0);
  g_assert_cmpstr (lk_admin_user_item_get_login (item), ==, "amelia.hart");
  g_object_unref (item);
}

static gboolean
user_shown (gpointer data)
{
  return window->busy == 0 &&
         g_str_equal (gtk_stack_get_visible_child_name (window->content_stack), "user") &&
         lk_admin_user_page_get_user (window->user_page) != NULL &&
         g_strcmp0 (lk_admin_user_page_get_user (window->user_page)->login, data) == 0;
}

/* The login at @position of the list, loaded. */
static char *
login_at (guint position)
{
  g_autoptr(LkAdminUserItem) item = g_list_model_get_item (G_LIST_MODEL (window->model), position);

  g_assert_nonnull (item);
  g_assert_true (lk_admin_user_item_get_loaded (item));
  return g_strdup (lk_admin_user_item_get_login (item));
}

static void
assert_login_at (guint       position,
                 const char *login)
{
  g_autofree char *got = login_at (position);

  g_assert_cmpstr (got, ==, login);
}

static void
sort_by (const char *key,
         const char *order)
{
  g_test_message ("sort by %s %s", key, order);
  gtk_widget_activate_action (GTK_WIDGET (window), "sort.by", "s", key);
  gtk_widget_activate_action (GTK_WIDGET (window), "sort.order", "s", order);
  wait_for (list_settled, NULL);
}

static void
type_search (const char *text)
{
  g_test_message ("search “%s”", text);
  gtk_editable_set_text (GTK_EDITABLE (window->search_entry), text);
  wait_ms (50);   /* the entry's own zero-delay timeout */
  wait_for (list_settled, NULL);
}

/* Each order of the sort menu through the backend (embedded or latchkeyd),
 * the search inside an order, and rows refilled in place as one types.
 * Uses the users of enrol-and-search: eight people, Zoë enrolled (and
 * signed in) last. */
static void
test_sort_and_search (void)
{
  g_autoptr(LkAdminUserItem) first = NULL;
  g_autoptr(LkAdminUserItem) again = NULL;
  GtkPopover *popover;

  type_search ("");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (window->model)), ==, 8);

  sort_by ("name", "asc");   /* first name, then last name */
  assert_login_at (0, "amelia.hart");
  assert_login_at (6, "chen.wei");   /* Wei Chen */
  assert_login_at (7, LOGIN);
  g_assert_cmpstr (gtk_menu_button_get_label (window->sort_button), ==, "Name A–Z");
  sort_by ("name", "desc");
  assert_login_at (0, LOGIN);
  assert_login_at (1, "chen.wei");
  sort_by ("email", "asc");   /* g.berg@ then wei.chen@ then zoe.okafor@ */
  assert_login_at (5, "gustav.berg");
  assert_login_at (6, "chen.wei");
  sort_by ("created", "desc");
  assert_login_at (0, LOGIN);
  assert_login_at (7, "amelia.hart");
  g_assert_cmpstr (gtk_menu_button_get_label (window->sort_button), ==, "Created, Newest");
  sort_by ("lastLogin", "desc");   /* only Zoë has signed in */
  assert_login_at (0, LOGIN);
  sort_by ("lastLogin", "asc");
  assert_login_at (7, LOGIN);

  /* A search keeps the order: "b" is Bruno and Gustav Berg, Z–A by name. */
  sort_by ("name", "desc");
  type_search ("b");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (window->model)), ==, 2);
  assert_login_at (0, "gustav.berg");
  assert_login_at (1, "bruno.costa");

  /* Zoë, open since enrol-and-search, was selected in row 0 under Z–A;
   * that row now holds Gustav and is no longer selected. */
  wait_ms (50);   /* the reselection idle */
  g_assert_cmpuint (gtk_single_selection_get_selected (window->selection), ==, GTK_INVALID_LIST_POSITION);

  /* Typing on refills the rows on screen: the same item now holds Bruno,
   * and the row selected for Gustav is no longer selected. */
  gtk_single_selection_set_selected (window->selection, 0);
  wait_for (user_shown, (gpointer) "gustav.berg");
  first = g_list_model_get_item (G_LIST_MODEL (window->model), 0);
  type_search ("br");
  wait_ms (50);   /* the reselection idle */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (window->model)), ==, 1);
  again = g_list_model_get_item (G_LIST_MODEL (window->model), 0);
  g_assert_true (again == first);
  g_assert_cmpstr (lk_admin_user_item_get_login (again), ==, "bruno.costa");
  g_assert_cmpuint (gtk_single_selection_get_selected (window->selection), ==, GTK_INVALID_LIST_POSITION);

  /* The menu is a button the keyboard reaches, whose popover lists the orders. */
  g_assert_true (gtk_widget_grab_focus (GTK_WIDGET (window->sort_button)));
  g_assert_true (gtk_widget_is_ancestor (gtk_root_get_focus (GTK_ROOT (window)), GTK_WIDGET (window->sort_button)));
  gtk_menu_button_popup (window->sort_button);
  popover = gtk_menu_button_get_popover (window->sort_button);
  g_assert_nonnull (popover);
  wait_ms (300);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (popover)));
  save_screenshot (GTK_WIDGET (popover), "admin-sort-menu");
  save_screenshot (GTK_WIDGET (window), "admin-sorted");
  gtk_menu_button_popdown (window->sort_button);

  type_search ("");
  sort_by ("login", "asc");
  assert_login_at (0, "amelia.hart");
}

static gboolean
qr_drawn (gpointer data)
{
  LkAdminQrView *view = data;

  return lk_admin_qr_view_has_code (view) && gtk_widget_get_mapped (GTK_WIDGET (view)) &&
         gtk_widget_get_width (GTK_WIDGET (view)) > 0;
}

/* Reads the QR code off the texture the dialog shows, as a camera would. */
static char *
scan_texture (GdkTexture *texture)
{
  g_autoptr(GError) error = NULL;
  int width = gdk_texture_get_width (texture);
  int height = gdk_texture_get_height (texture);
  gsize stride = (gsize) width * 4;
  guint8 *argb = g_malloc (stride * height);
  guint8 *grey = g_malloc ((gsize) width * height);
  g_auto(GStrv) texts = NULL;

  gdk_texture_download (texture, argb, stride);
  for (int i = 0; i < width * height; i++)
    grey[i] = argb[4 * i + 1];  /* green: the same as any channel of grey */
  texts = lk_qr_decode_gray (grey, (guint) width, (guint) height, (guint) width, &error);
  lk_secure_wipe (argb, stride * height);
  lk_secure_wipe (grey, (gsize) width * height);
  g_free (argb);
  g_free (grey);
  g_assert_no_error (error);
  g_assert_nonnull (texts);
  g_assert_nonnull (texts[0]);
  return g_strdup (texts[0]);
}

static gboolean
concealed (gpointer data)
{
  return lk_admin_qr_view_get_concealed (data) && window->busy == 0;
}

static gboolean
result_shown (gpointer data)
{
  return window->busy == 0;
}

static void
code_at (const LkOtpauth *uri,
         gint64           step,
         char            *code)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (lk_otpauth_generate (uri, step * uri->period, code, &error));
  g_assert_no_error (error);
}

/* Enrol with a first device in the same step, then provision it from the
 * result page. */
static void
test_enrol_with_device (void)
{
  LkAdminEnrolDialog *dialog;
  LkAdminProvisionDialog *provision;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *text = NULL;
  g_autofree char *problem = NULL;

  gtk_widget_activate_action (GTK_WIDGET (window), "admin.enrol-user", NULL);
  dialog = LK_ADMIN_ENROL_DIALOG (wait_for_toplevel (LK_TYPE_ADMIN_ENROL_DIALOG));
  lk_admin_enrol_dialog_fill (dialog, "yusuf.adeyemi", "Yusuf", "Adeyemi", "yusuf@example.com", NULL, "a-long-enough-pass");
  lk_admin_enrol_dialog_set_with_device (dialog, TRUE);
  /* A key fob without its serial and key blocks the whole form. */
  lk_admin_device_form_set_kind (lk_admin_enrol_dialog_get_form (dialog), LK_ADMIN_DEVICE_KEY_FOB);
  problem = lk_admin_enrol_dialog_check (dialog);
  g_assert_nonnull (problem);
  lk_admin_device_form_set_kind (lk_admin_enrol_dialog_get_form (dialog), LK_ADMIN_DEVICE_SOFT_TOKEN);
  g_clear_pointer (&problem, g_free);
  problem = lk_admin_enrol_dialog_check (dialog);
  g_assert_null (problem);
  gtk_widget_activate_action (GTK_WIDGET (dialog), "enrol.submit", NULL);
  wait_for (window_idle, NULL);
  /* The password was typed, so none is shown. */
  g_assert_null (lk_admin_enrol_dialog_get_shown_password (dialog));
  gtk_widget_activate_action (GTK_WIDGET (dialog), "enrol.provision", NULL);
  provision = LK_ADMIN_PROVISION_DIALOG (wait_for_toplevel (LK_TYPE_ADMIN_PROVISION_DIALOG));
  gtk_window_present (GTK_WINDOW (provision));
  wait_for (qr_drawn, lk_admin_provision_dialog_get_qr_view (provision));
  texture = lk_admin_qr_view_get_texture (lk_admin_provision_dialog_get_qr_view (provision), 1);
  text = scan_texture (texture);
  g_assert_true (g_str_has_prefix (text, "otpauth://totp/"));
  lk_secure_wipe (text, strlen (text));
  gtk_window_close (GTK_WINDOW (provision));
  wait_for_toplevel_gone (LK_TYPE_ADMIN_PROVISION_DIALOG);
  gtk_window_close (GTK_WINDOW (dialog));
  wait_for_toplevel_gone (LK_TYPE_ADMIN_ENROL_DIALOG);
  wait_for (window_idle, NULL);
}

static gboolean
qr_concealed (gpointer data)
{
  return lk_admin_qr_view_get_concealed (data);
}

static gboolean png_saved;

static void
saved_png (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (lk_admin_provision_dialog_save_png_finish (LK_ADMIN_PROVISION_DIALOG (source), result, &error));
  g_assert_no_error (error);
  *(gboolean *) data = TRUE;
}

static gboolean
flag_set (gpointer data)
{
  return *(gboolean *) data;
}

static void
test_soft_token_qr (void)
{
  LkAdminDeviceDialog *device_dialog;
  LkAdminProvisionDialog *provision;
  LkAdminOtpDialog *otp_dialog;
  LkAdminQrView *view;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *uri_text = NULL;
  g_autoptr(LkOtpauth) uri = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(LkDevice) device = NULL;
  char otp1[LK_OTP_CODE_SIZE];
  char otp2[LK_OTP_CODE_SIZE];
  char otp3[LK_OTP_CODE_SIZE];
  gint64 step;

  lk_admin_window_select_login (window, LOGIN);
  wait_for (user_shown, (gpointer) LOGIN);

  gtk_widget_activate_action (GTK_WIDGET (window), "admin.add-device", NULL);
  device_dialog = LK_ADMIN_DEVICE_DIALOG (wait_for_toplevel (LK_TYPE_ADMIN_DEVICE_DIALOG));
  save_screenshot (GTK_WIDGET (device_dialog), "admin-add-device");
  gtk_widget_activate_action (GTK_WIDGET (device_dialog), "device-dialog.submit", NULL);

  /* A soft token goes straight to its provisioning page. */
  provision = LK_ADMIN_PROVISION_DIALOG (wait_for_toplevel (LK_TYPE_ADMIN_PROVISION_DIALOG));
  wait_for_toplevel_gone (LK_TYPE_ADMIN_DEVICE_DIALOG);
  soft_serial = g_strdup (lk_admin_provision_dialog_get_serial (provision));
  view = lk_admin_provision_dialog_get_qr_view (provision);
  gtk_window_present (GTK_WINDOW (provision));
  wait_for (qr_drawn, view);
  save_screenshot (GTK_WIDGET (provision), "admin-provision");

  /* Large enough to scan from the screen: at least 4 px per module. */
  texture = lk_admin_qr_view_get_texture (view, 1);
  {
    guint modules = 0;

    lk_admin_qr_view_get_modules (view, &modules);
    g_assert_cmpint (gdk_texture_get_width (texture), >=, (int) modules * 4);
  }
  uri_text = scan_texture (texture);
  uri = lk_otpauth_parse (uri_text, &error);
  g_assert_no_error (error);
  g_assert_cmpint (uri->type, ==, LK_OTPAUTH_TOTP);

  /* Save PNG: the same code, in a file only its owner can read. */
  {
    g_autofree char *png_path = g_build_filename (g_get_tmp_dir (), "lk-admin-test-qr.png", NULL);
    g_autoptr(GFile) file = g_file_new_for_path (png_path);
    g_autofree char *contents = NULL;
    gsize length = 0;
    g_auto(GStrv) texts = NULL;
    GStatBuf st;

    lk_admin_provision_dialog_save_png_async (provision, file, NULL, saved_png, &png_saved);
    wait_for (flag_set, &png_saved);
    g_assert_true (g_file_get_contents (png_path, &contents, &length, &error));
    g_assert_no_error (error);
    texts = lk_qr_decode_png ((const guint8 *) contents, length, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (texts[0], ==, uri_text);
    g_assert_cmpint (g_stat (png_path, &st), ==, 0);
    g_assert_cmpint (st.st_mode & 0077, ==, 0);
    lk_secure_wipe (contents, length);
    g_unlink (png_path);
  }

  /* Print, exported to PDF so no printer is needed. */
  {
    g_autofree char *pdf = g_build_filename (g_get_tmp_dir (), "lk-admin-test-qr.pdf", NULL);
    GStatBuf st;

    g_setenv ("LK_ADMIN_PRINT_TO_FILE", pdf, TRUE);
    gtk_widget_activate_action (GTK_WIDGET (provision), "provision.print", NULL);
    g_unsetenv ("LK_ADMIN_PRINT_TO_FILE");
    g_assert_cmpint (g_stat (pdf, &st), ==, 0);
    g_assert_cmpint (st.st_size, >, 1000);
    g_unlink (pdf);
  }
  lk_secure_wipe (uri_text, strlen (uri_text));

  /* Another window takes the focus: the code hides, and comes back on
   * request. */
  {
    GtkWidget *other = gtk_window_new ();

    gtk_window_set_default_size (GTK_WINDOW (other), 200, 100);
    gtk_window_present (GTK_WINDOW (other));
    wait_for (qr_concealed, view);
    gtk_window_destroy (GTK_WINDOW (other));
    gtk_window_present (GTK_WINDOW (provision));
    gtk_widget_activate_action (GTK_WIDGET (provision), "provision.reveal", NULL);
    g_assert_false (lk_admin_qr_view_get_concealed (view));
  }

  /* Bind the physical device; the code hides afterwards. */
  lk_admin_provision_dialog_set_device_id (provision, "helpdesk-test-phone");
  gtk_widget_activate_action (GTK_WIDGET (provision), "provision.bind", NULL);
  wait_for (concealed, view);
  device = find_device (soft_serial);
  g_assert_cmpstr (device->physical_device_id, ==, "helpdesk-test-phone");
  g_assert_cmpint (device->state, ==, LK_DEVICE_STATE_NEW);
  g_clear_pointer (&device, lk_device_free);
  gtk_window_close (GTK_WINDOW (provision));
  wait_for_toplevel_gone (LK_TYPE_ADMIN_PROVISION_DIALOG);
  wait_for (window_idle, NULL);

  /* Activate with two consecutive codes from the scanned seed. */
  step = g_get_real_time () / G_USEC_PER_SEC / uri->period;
  code_at (uri, step - 1, otp1);
  code_at (uri, step, otp2);
  code_at (uri, step + 1, otp3);
  gtk_widget_activate_action (GTK_WIDGET (window), "device.activate", "s", soft_serial);
  otp_dialog = LK_ADMIN_OTP_DIALOG (wait_for_toplevel (LK_TYPE_ADMIN_OTP_DIALOG));
  lk_admin_otp_dialog_set_codes (otp_dialog, otp1, otp2);
  save_screenshot (GTK_WIDGET (otp_dialog), "admin-activate");
  gtk_widget_activate_action (GTK_WIDGET (otp_dialog), "otp.submit", NULL);
  wait_for_toplevel_gone (LK_TYPE_ADMIN_OTP_DIALOG);
  wait_for (user_shown, (gpointer) LOGIN);
  device = find_device (soft_serial);
  g_assert_cmpint (device->state, ==, LK_DEVICE_STATE_ACTIVE);
  g_clear_pointer (&device, lk_device_free);

  /* A wrong passcode: the server's message, shown plainly. */
  lk_admin_user_page_set_test_otp (window->user_page, "000000");
  gtk_widget_activate_action (GTK_WIDGET (window), "admin.test-passcode", NULL);
  wait_for (result_shown, NULL);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window->user_page)));

  /* The engine accepts the next code of the scanned seed. */
  lk_admin_user_page_set_test_otp (window->user_page, otp3);
  gtk_widget_activate_action (GTK_WIDGET (window), "admin.test-passcode", NULL);
  wait_for (result_shown, NULL);
  wait_for (user_shown, (gpointer) LOGIN);
  device = find_device (soft_serial);
  g_assert_cmpint (device->last_used_at, >, 0);
  g_assert_cmpint (device->fail_count, ==, 0);
  {
    /* And not twice: the same code again is a replay. */
    LkApiRequest *request = lk_api_request_new (LK_API_OP_VALIDATE_OTP);
    g_autoptr(LkApiResponse) response = NULL;

    request->username = g_strdup (LOGIN);
    request->otp = g_strdup (otp3);
    response = call_sync (request);
    g_assert_cmpint (response->error_code, ==, LK_ENGINE_ERROR_OTP_ALREADY_USED);
  }
  lk_secure_wipe (otp1, sizeof otp1);
  lk_secure_wipe (otp2, sizeof otp2);
  lk_secure_wipe (otp3, sizeof otp3);

}

static gboolean
device_disabled_shown (gpointer data)
{
  const LkDevice *device = lk_admin_user_page_find_device (window->user_page, data);

  return window->busy == 0 && device != NULL && device->state == LK_DEVICE_STATE_DISABLED;
}

static void
test_disable_device (void)
{
  g_autoptr(LkDevice) device = NULL;

  g_assert_nonnull (soft_serial);
  gtk_widget_activate_action (GTK_WIDGET (window), "device.toggle", "s", soft_serial);
  wait_for (device_disabled_shown, soft_serial);
  device = find_device (soft_serial);
  g_assert_cmpint (device->state, ==, LK_DEVICE_STATE_DISABLED);

  /* And back: the same action enables it. */
  gtk_widget_activate_action (GTK_WIDGET (window), "device.toggle", "s", soft_serial);
  wait_for (window_idle, NULL);
  wait_for (user_shown, (gpointer) LOGIN);
  g_clear_pointer (&device, lk_device_free);
  device = find_device (soft_serial);
  g_assert_cmpint (device->state, !=, LK_DEVICE_STATE_DISABLED);

  /* The user page with the device open, once the toasts have gone. */
  {
    GtkWidget *row = lk_admin_user_page_get_device_row (window->user_page, soft_serial);

    g_assert_nonnull (row);
    adw_expander_row_set_expanded (ADW_EXPANDER_ROW (row), TRUE);
  }
  gtk_window_set_default_size (GTK_WINDOW (window), 1180, 860);
  wait_ms (4500);
  save_screenshot (GTK_WIDGET (window), "admin-user");
}

static void
test_key_fob_form (void)
{
  LkAdminDeviceDialog *dialog;
  LkAdminDeviceForm *form;
  g_autofree char *problem = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(LkAdminDeviceSpec) spec = NULL;

  gtk_widget_activate_action (GTK_WIDGET (window), "admin.add-device", NULL);
  dialog = LK_ADMIN_DEVICE_DIALOG (wait_for_toplevel (LK_TYPE_ADMIN_DEVICE_DIALOG));
  form = lk_admin_device_dialog_get_form (dialog);
  lk_admin_device_form_set_kind (form, LK_ADMIN_DEVICE_KEY_FOB);

  /* A fob without a serial, then with a 15-byte key, is refused. */
  problem = lk_admin_device_form_check (form);
  g_assert_nonnull (problem);
  g_clear_pointer (&problem, g_free);
  lk_admin_device_form_set_key (form, "FOB-0001", "313233343536373839303132333435", FALSE);
  problem = lk_admin_device_form_check (form);
  g_assert_nonnull (problem);
  g_clear_pointer (&problem, g_free);

  /* The vendor's sample key in Base64 goes through as hex. */
  lk_admin_device_form_set_key (form, "FOB-0001", "MTIzNDU2Nzg4MDEyMzQ1Njc4ODA=", TRUE);
  problem = lk_admin_device_form_check (form);
  g_assert_null (problem);
  spec = lk_admin_device_form_dup_spec (form, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (spec->key_hex, ==, "3132333435363738383031323334353637383830");
  g_assert_false (spec->time_based);
  save_screenshot (GTK_WIDGET (dialog), "admin-add-key-fob");

  gtk_widget_activate_action (GTK_WIDGET (dialog), "device-dialog.submit", NULL);
  wait_for_toplevel_gone (LK_TYPE_ADMIN_DEVICE_DIALOG);
  wait_for (window_idle, NULL);
  {
    g_autoptr(LkDevice) device = find_device ("FOB-0001");

    g_assert_cmpint (device->device_type, ==, LK_DEVICE_TYPE_HARDWARE);
    g_assert_cmpint (device->otp_type, ==, LK_OTP_TYPE_EVENT);
    g_assert_cmpstr (device->user_login, ==, LOGIN);
  }
}

static gboolean
wizard_at (gpointer data)
{
  LkAdminLicenceWizard *wizard = LK_ADMIN_LICENCE_WIZARD (find_toplevel (LK_TYPE_ADMIN_LICENCE_WIZARD));

  return wizard != NULL && !lk_admin_licence_wizard_get_busy (wizard) &&
         (g_str_equal (lk_admin_licence_wizard_get_step (wizard), data) ||
          lk_admin_licence_wizard_get_error (wizard) != NULL);
}

/* Multi-device activation end to end: the wizard shows AM1, the token side
 * (src/core) turns it into a device code, the wizard shows AM2, the token
 * opens it into a seed, and its first passcode makes the instance active. */
static void
test_licence_wizard (void)
{
  LkAdminLicenceWizard *wizard;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *am1_text = NULL;
  g_autofree char *am2_text = NULL;
  g_autoptr(LkAm1) am1 = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) seed = NULL;
  g_autoptr(LkOtpKey) key = NULL;
  g_autoptr(LkDevice) device = NULL;
  guint8 binding[LK_ACTIVATION_BINDING_SECRET_SIZE];
  LkDeviceCode code;
  char code_text[LK_DEVICE_CODE_TEXT_SIZE];
  char typo[LK_DEVICE_CODE_TEXT_SIZE];
  LkActivationOtp otp;
  guint32 instance = 0;
  guint64 counter = 0;
  char first[LK_OTP_CODE_SIZE];
  g_autofree char *instance_serial = NULL;

  lk_admin_window_select_login (window, LOGIN);
  wait_for (user_shown, (gpointer) LOGIN);
  gtk_widget_activate_action (GTK_WIDGET (window), "admin.add-licence", NULL);
  wizard = LK_ADMIN_LICENCE_WIZARD (wait_for_toplevel (LK_TYPE_ADMIN_LICENCE_WIZARD));
  lk_admin_licence_wizard_set_serial (wizard, "LIC-ZOE-1");
  gtk_widget_activate_action (GTK_WIDGET (wizard), "wizard.next", NULL);
  wait_for (wizard_at, (gpointer) "am1");
  g_assert_null (lk_admin_licence_wizard_get_error (wizard));
  g_assert_cmpstr (lk_admin_licence_wizard_get_step (wizard), ==, "am1");
  wait_for (qr_drawn, lk_admin_licence_wizard_get_am1_view (wizard));
  save_screenshot (GTK_WIDGET (wizard), "admin-licence-am1");

  texture = lk_admin_qr_view_get_texture (lk_admin_licence_wizard_get_am1_view (wizard), 1);
  am1_text = scan_texture (texture);
  g_clear_object (&texture);
  am1 = lk_am1_parse (am1_text, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (am1->serial, ==, "LIC-ZOE-1");
  g_assert_true (lk_random_bytes (binding, sizeof binding, &error));
  g_assert_true (lk_device_code_compute (am1, binding, sizeof binding, &code, &error));
  g_assert_no_error (error);
  lk_device_code_format (&code, code_text);

  /* A typo is caught in the console, before the server counts an attempt. */
  memcpy (typo, code_text, sizeof typo);
  typo[0] = typo[0] == 'A' ? 'B' : 'A';
  lk_admin_licence_wizard_set_device_code (wizard, typo);
  gtk_widget_activate_action (GTK_WIDGET (wizard), "wizard.next", NULL);
  g_assert_nonnull (lk_admin_licence_wizard_get_error (wizard));
  g_assert_cmpstr (lk_admin_licence_wizard_get_step (wizard), ==, "am1");

  lk_admin_licence_wizard_set_device_code (wizard, code_text);
  gtk_widget_activate_action (GTK_WIDGET (wizard), "wizard.next", NULL);
  wait_for (wizard_at, (gpointer) "am2");
  g_assert_null (lk_admin_licence_wizard_get_error (wizard));
  wait_for (qr_drawn, lk_admin_licence_wizard_get_am2_view (wizard));
  save_screenshot (GTK_WIDGET (wizard), "admin-licence-am2");

  texture = lk_admin_qr_view_get_texture (lk_admin_licence_wizard_get_am2_view (wizard), 1);
  am2_text = scan_texture (texture);
  g_assert_true (lk_am2_open (am2_text, am1, &code, &instance, &otp, &counter, &seed, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (instance, ==, 1);
  key = lk_otp_key_new (otp.algorithm, g_bytes_get_data (seed, NULL), g_bytes_get_size (seed), &error);
  g_assert_no_error (error);
  if (otp.type == LK_ACTIVATION_OTP_TOTP)
    lk_totp_generate (key, g_get_real_time () / G_USEC_PER_SEC, 0, otp.period, otp.digits, first);
  else
    lk_hotp_generate (key, counter, otp.digits, first);

  lk_admin_licence_wizard_set_test_otp (wizard, first);
  gtk_widget_activate_action (GTK_WIDGET (wizard), "wizard.next", NULL);
  wait_for (wizard_at, (gpointer) "done");
  g_assert_null (lk_admin_licence_wizard_get_error (wizard));
  save_screenshot (GTK_WIDGET (wizard), "admin-licence-done");

  instance_serial = g_strdup_printf ("LIC-ZOE-1-%u", instance);
  device = find_device (instance_serial);
  g_assert_cmpint (device->state, ==, LK_DEVICE_STATE_ACTIVE);
  g_assert_cmpstr (device->user_login, ==, LOGIN);
  gtk_window_close (GTK_WINDOW (wizard));
  wait_for_toplevel_gone (LK_TYPE_ADMIN_LICENCE_WIZARD);
  lk_secure_wipe (binding, sizeof binding);
  lk_secure_wipe (first, sizeof first);
  lk_secure_wipe (am1_text, strlen (am1_text));
}

static gboolean
first_name_is (gpointer data)
{
  const LkUser *user = lk_admin_user_page_get_user (window->user_page);

  return window->busy == 0 && user != NULL && g_strcmp0 (user->first_name, data) == 0;
}

static LkUser *
find_user (const char *login)
{
  LkApiRequest *request = lk_api_request_new (LK_API_OP_FIND_USER);
  g_autoptr(LkApiResponse) response = NULL;

  request->username = g_strdup (login);
  response = call_sync (request);
  g_assert_cmpint (response->error_code, ==, 0);
  return lk_user_copy (response->user);
}

/* Edit, disable, send and test passcodes, unlock, delete: each through the
 * window's actions, each checked on the backend. */
static void
test_user_actions (void)
{
  g_autoptr(LkUser) user = NULL;
  g_autoptr(LkDevice) device = NULL;
  AdwMessageDialog *confirm;
  const char *result;

  lk_admin_window_select_login (window, LOGIN);
  wait_for (user_shown, (gpointer) LOGIN);

  /* Edit a detail and save. */
  lk_admin_user_page_set_first_name (window->user_page, "Zoe");
  g_assert_true (lk_admin_user_page_is_dirty (window->user_page));
  gtk_widget_activate_action (GTK_WIDGET (window), "admin.save-user", NULL);
  wait_for (first_name_is, (gpointer) "Zoe");
  user = find_user (LOGIN);
  g_assert_cmpstr (user->first_name, ==, "Zoe");
  g_clear_pointer (&user, lk_user_free);

  /* Send a passcode by SMS: queued for the user's phone. */
  gtk_widget_activate_action (GTK_WIDGET (window), "admin.send-passcode", NULL);
  wait_for (result_shown, NULL);
  result = lk_admin_user_page_get_passcode_result (window->user_page);
  g_assert_nonnull (result);
  g_test_message ("send: %s", result);

  /* Activate the fob with its first two codes: its key is the vendor
   * sample's, "12345678801234567880". */
  {
    LkApiRequest *request = lk_api_request_new (LK_API_OP_ACTIVATE_DEVICE);
    g_autoptr(LkApiResponse) response = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(LkOtpKey) key = lk_otp_key_new (LK_HASH_SHA1, (const guint8 *) "12345678801234567880", 20, &error);
    char c0[LK_OTP_CODE_SIZE];
    char c1[LK_OTP_CODE_SIZE];

    g_assert_no_error (error);
    lk_hotp_generate (key, 0, 6, c0);
    lk_hotp_generate (key, 1, 6, c1);
    request->username = g_strdup (LOGIN);
    request->serial = g_strdup ("FOB-0001");
    request->otp1 = g_strdup (c0);
    request->otp2 = g_strdup (c1);
    response = call_sync (request);
    g_assert_cmpint (response->error_code, ==, 0);
  }

  /* Wrong passcodes on the fob leave failures; Unlock clears them. */
  for (int i = 0; i < 2; i++)
    {
      LkApiRequest *request = lk_api_request_new (LK_API_OP_VALIDATE_OTP);
      g_autoptr(LkApiResponse) response = NULL;

      request->username = g_strdup (LOGIN);
      request->serial = g_strdup ("FOB-0001");
      request->otp = g_strdup ("000000");
      response = call_sync (request);
      g_assert_cmpint (response->error_code, !=, 0);
    }
  device = find_device ("FOB-0001");
  g_assert_cmpuint (device->fail_count, ==, 2);
  g_clear_pointer (&device, lk_device_free);
  lk_admin_window_reload_user (window);
  wait_for (user_shown, (gpointer) LOGIN);
  gtk_widget_activate_action (GTK_WIDGET (window), "device.unlock", "s", "FOB-0001");
  wait_for (window_idle, NULL);
  wait_for (user_shown, (gpointer) LOGIN);
  device = find_device ("FOB-0001");
  g_assert_cmpuint (device->fail_count, ==, 0);
  g_clear_pointer (&device, lk_device_free);

  /* Delete the fob, after confirming. */
  gtk_widget_activate_action (GTK_WIDGET (window), "device.delete", "s", "FOB-0001");
  confirm = ADW_MESSAGE_DIALOG (wait_for_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  adw_message_dialog_response (confirm, "delete");
  gtk_window_close (GTK_WINDOW (confirm));
  wait_for_toplevel_gone (ADW_TYPE_MESSAGE_DIALOG);
  wait_for (window_idle, NULL);
  wait_for (user_shown, (gpointer) LOGIN);
  g_assert_null (lk_admin_user_page_find_device (window->user_page, "FOB-0001"));
  {
    LkApiRequest *request = lk_api_request_new (LK_API_OP_FIND_DEVICE);
    g_autoptr(LkApiResponse) response = NULL;

    request->serial = g_strdup ("FOB-0001");
    response = call_sync (request);
    g_assert_cmpint (response->error_code, ==, LK_ENGINE_ERROR_DEVICE_NOT_FOUND);
  }

  /* Disable the user, then enable again. */
  gtk_widget_activate_action (GTK_WIDGET (window), "admin.toggle-user", NULL);
  wait_for (window_idle, NULL);
  wait_for (user_shown, (gpointer) LOGIN);
  user = find_user (LOGIN);
  g_assert_false (user->enabled);
  g_clear_pointer (&user, lk_user_free);
  gtk_widget_activate_action (GTK_WIDGET (window), "admin.toggle-user", NULL);
  wait_for (window_idle, NULL);
  wait_for (user_shown, (gpointer) LOGIN);
  user = find_user (LOGIN);
  g_assert_true (user->enabled);
}

static void
test_shortcuts (void)
{
  GtkWindow *overlay;

  gtk_widget_activate_action (GTK_WIDGET (window), "win.show-help-overlay", NULL);
  overlay = wait_for_toplevel (GTK_TYPE_SHORTCUTS_WINDOW);
  save_screenshot (GTK_WIDGET (overlay), "admin-shortcuts");
  gtk_window_close (overlay);
}

static void
test_close_cancels (void)
{
  /* Closing with calls in flight: they are cancelled and dropped quietly. */
  lk_admin_user_list_model_set_query (window->model, "a", TRUE);
  lk_admin_window_reload_user (window);
  g_assert_cmpuint (window->busy, >, 0);
  gtk_window_destroy (GTK_WINDOW (window));
  window = NULL;
  wait_ms (500);
}

static gboolean
connected (gpointer data)
{
  LkAdminWindow *w = data;

  return w->backend != NULL && w->model != NULL && !lk_admin_user_list_model_get_loading (w->model) &&
         w->busy == 0;
}

/* The default needs nothing: an embedded database under the XDG data dir,
 * its partner key created once and kept in the keyring. */
static void
test_default_embedded (void)
{
  g_autofree char *path = lk_admin_default_db_path ();
  g_autofree char *expected = NULL;
  g_autofree char *key = NULL;
  g_autoptr(GError) error = NULL;
  LkAdminWindow *first;
  LkAdminWindow *second;

  if (remote)
    {
      g_test_skip ("the embedded default is tested with the local backend");
      return;
    }
  g_assert_true (g_str_has_prefix (path, g_get_user_data_dir ()));
  first = LK_ADMIN_WINDOW (lk_admin_window_new (NULL));
  gtk_window_present (GTK_WINDOW (first));
  wait_for (connected, first);
  expected = g_strdup_printf ("Embedded: %s", path);
  g_assert_cmpstr (lk_admin_window_get_connection_label (first), ==, expected);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (first->list_stack), ==, "empty");

  /* The partner key is in the keyring, not in a file next to the database. */
  {
    static const SecretSchema schema = {
      "org.latchkey.Latchkey.AdminAccount", SECRET_SCHEMA_NONE,
      { { "location", SECRET_SCHEMA_ATTRIBUTE_STRING }, { "account", SECRET_SCHEMA_ATTRIBUTE_STRING }, { NULL, 0 } }
    };

    key = secret_password_lookup_sync (&schema, NULL, &error, "location", path, "account", "local", NULL);
    g_assert_no_error (error);
    g_assert_nonnull (key);
    g_assert_cmpuint (strlen (key), >=, 16);
  }
  gtk_window_destroy (GTK_WINDOW (first));

  /* A second start finds the key and the account again. */
  second = LK_ADMIN_WINDOW (lk_admin_window_new (NULL));
  gtk_window_present (GTK_WINDOW (second));
  wait_for (connected, second);
  g_assert_null (second->connect_error);
  gtk_window_destroy (GTK_WINDOW (second));
  secret_password_free (g_steal_pointer (&key));
}

static gboolean
connection_error_shown (gpointer data)
{
  return !lk_admin_connection_dialog_get_busy (data) && lk_admin_connection_dialog_get_error (data) != NULL;
}

static gboolean
message_shown (gpointer data)
{
  return find_toplevel (ADW_TYPE_MESSAGE_DIALOG) != NULL;
}

/* A server whose certificate the system does not trust: the fingerprint is
 * shown and nothing connects until the helpdesk says so. */
static void
test_connect_untrusted (void)
{
  LkAdminWindow *w;
  LkAdminConnectionDialog *dialog;
  AdwMessageDialog *question;
  g_autofree char *expected = NULL;
  const char *body;

  if (!remote)
    {
      g_test_skip ("needs latchkeyd (admin-window-remote)");
      return;
    }
  w = lk_admin_window_new_for_backend (NULL, NULL, "none");
  gtk_window_present (GTK_WINDOW (w));
  gtk_widget_activate_action (GTK_WIDGET (w), "admin.connect", NULL);
  dialog = LK_ADMIN_CONNECTION_DIALOG (wait_for_toplevel (LK_TYPE_ADMIN_CONNECTION_DIALOG));

  /* A wrong key first: the server's refusal, plainly, and no connection. */
  lk_admin_connection_dialog_fill (dialog, TRUE, g_getenv ("LK_TEST_SERVER_URL"), g_getenv ("LK_TEST_ACCOUNT"), "wrong-key");
  gtk_widget_activate_action (GTK_WIDGET (dialog), "connection.connect", NULL);
  wait_for (message_shown, NULL);
  question = ADW_MESSAGE_DIALOG (find_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  body = adw_message_dialog_get_body (question);
  g_assert_nonnull (strstr (body, "SHA-256"));
  g_assert_nonnull (strchr (body, ':'));
  save_screenshot (GTK_WIDGET (question), "admin-trust");
  /* As the button does: the response, then the dialog goes. */
  adw_message_dialog_response (question, "trust");
  gtk_window_close (GTK_WINDOW (question));
  wait_for_toplevel_gone (ADW_TYPE_MESSAGE_DIALOG);
  wait_for (connection_error_shown, dialog);
  g_assert_null (w->backend);
  g_test_message ("wrong key: %s", lk_admin_connection_dialog_get_error (dialog));

  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (dialog)));

  /* The right key; the certificate trusted a moment ago is not asked about again. */
  lk_admin_connection_dialog_fill (dialog, TRUE, g_getenv ("LK_TEST_SERVER_URL"), g_getenv ("LK_TEST_ACCOUNT"),
                                   g_getenv ("LK_TEST_ACCOUNT_KEY"));
  gtk_widget_activate_action (GTK_WIDGET (dialog), "connection.connect", NULL);
  wait_for (connected, w);
  g_assert_null (find_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  expected = g_strdup_printf ("%s (%s)", g_getenv ("LK_TEST_SERVER_URL"), g_getenv ("LK_TEST_ACCOUNT"));
  g_assert_cmpstr (lk_admin_window_get_connection_label (w), ==, expected);
  wait_for_toplevel_gone (LK_TYPE_ADMIN_CONNECTION_DIALOG);
  gtk_window_destroy (GTK_WINDOW (w));
}

int
main (int argc, char *argv[])
{
  int status;

  /* No G_TEST_OPTION_ISOLATE_DIRS: it empties XDG_DATA_DIRS, which hides
   * the icon theme and leaves libadwaita without a schema source.
   * lk-test-session.sh already gives this process fresh HOME and XDG user
   * directories; the app's schema is compiled in the build tree. */
  g_test_init (&argc, &argv, NULL);
  {
    g_autofree char *schema_dir = g_build_filename (g_getenv ("LK_BUILD_ROOT"), "data", NULL);

    g_setenv ("GSETTINGS_SCHEMA_DIR", schema_dir, TRUE);
    g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
    /* The accessibility bus would start a registry that writes to stdout. */
    g_setenv ("GTK_A11Y", "none", TRUE);
  }
  gtk_init ();
  adw_init ();
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  open_backend ();

  g_test_add_func ("/admin/window/default-embedded", test_default_embedded);
  g_test_add_func ("/admin/window/connect-untrusted", test_connect_untrusted);
  g_test_add_func ("/admin/window/empty", test_empty);
  g_test_add_func ("/admin/window/enrol-and-search", test_enrol_and_search);
  g_test_add_func ("/admin/window/sort-and-search", test_sort_and_search);
  g_test_add_func ("/admin/window/enrol-with-device", test_enrol_with_device);
  g_test_add_func ("/admin/window/soft-token-qr", test_soft_token_qr);
  g_test_add_func ("/admin/window/disable-device", test_disable_device);
  g_test_add_func ("/admin/window/key-fob", test_key_fob_form);
  g_test_add_func ("/admin/window/user-actions", test_user_actions);
  g_test_add_func ("/admin/window/licence-wizard", test_licence_wizard);
  g_test_add_func ("/admin/window/shortcuts", test_shortcuts);
  g_test_add_func ("/admin/window/close-cancels", test_close_cancels);

  status = g_test_run ();
  g_clear_object (&backend);
  g_free (backend_label);
  g_free (soft_serial);
  return status;
}
