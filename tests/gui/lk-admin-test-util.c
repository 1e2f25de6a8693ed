/* SPDX-License-Identifier: GPL-3.0-or-later
 * Helpers of the admin widget tests (lk-admin-test-util.h). */
#include "config.h"

#include <glib/gstdio.h>

#include "lk-admin-test-util.h"
#include "lk-local-backend.h"
#include "lk-remote-backend.h"
#include "lk-secret-key-provider.h"

#define WAIT_LIMIT_US (30 * G_USEC_PER_SEC)

static gboolean
wake (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

void
lk_admin_test_wait_for (LkAdminTestCondition condition,
                        gpointer             data)
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
time_reached (gpointer data)
{
  return g_get_monotonic_time () >= *(gint64 *) data;
}

void
lk_admin_test_wait_ms (guint ms)
{
  gint64 until = g_get_monotonic_time () + (gint64) ms * 1000;

  lk_admin_test_wait_for (time_reached, &until);
}

static LkApiResponse *
call_sync (LkBackend    *backend,
           LkApiRequest *request)
{
  g_autoptr(GError) error = NULL;
  LkApiResponse *response = lk_backend_call_sync (backend, request, NULL, &error);

  g_assert_no_error (error);
  return response;
}

LkBackend *
lk_admin_test_open_backend (const char *db_name,
                            gboolean   *out_remote)
{
  g_autoptr(GError) error = NULL;
  LkBackend *backend;

  *out_remote = g_strcmp0 (g_getenv ("LK_TEST_BACKEND"), "remote") == 0;
  if (*out_remote)
    {
      backend = lk_remote_backend_new (g_getenv ("LK_TEST_SERVER_URL"), g_getenv ("LK_TEST_ACCOUNT"),
                                       g_getenv ("LK_TEST_ACCOUNT_KEY"), &error);
      g_assert_no_error (error);
      lk_remote_backend_pin_certificate_file (LK_REMOTE_BACKEND (backend), g_getenv ("LK_TEST_SERVER_CERT"), &error);
      g_assert_no_error (error);
    }
  else
    {
      const char *session = g_getenv ("LK_TEST_SESSION_DIR");
      g_autofree char *db = NULL;
      g_autoptr(LkKeyProvider) keys = NULL;
      g_autoptr(LkApiResponse) response = NULL;
      LkApiRequest *request = lk_api_request_new (LK_API_OP_CREATE_ACCOUNT);

      g_assert_nonnull (session);  /* run through lk-test-session.sh: a real keyring */
      db = g_build_filename (session, db_name, NULL);
      keys = lk_secret_key_provider_new (db);
      backend = lk_local_backend_new (db, keys, "helpdesk", "helpdesk-key-0123456789");
      request->account_name = g_strdup ("helpdesk");
      request->account_key = g_strdup ("helpdesk-key-0123456789");
      response = call_sync (backend, request);
      g_assert_cmpint (response->error_code, ==, 0);
    }
  return backend;
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

void
lk_admin_test_screenshot (GtkWidget  *widget,
                          const char *name,
                          gboolean    remote)
{
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *dir = g_build_filename (g_getenv ("LK_BUILD_ROOT"), "screenshots", NULL);
  g_autofree char *file = g_strdup_printf ("%s%s.png", name, remote ? "-remote" : "");
  g_autofree char *path = g_build_filename (dir, file, NULL);
  GskRenderNode *node = NULL;
  int width = 0;
  int height = 0;

  /* A window still mapping has nothing to draw yet: wait for two frames,
   * and try again for a while. */
  lk_admin_test_wait_ms (200);
  for (int attempt = 0; node == NULL; attempt++)
    {
      g_autoptr(GdkPaintable) paintable = NULL;
      GtkSnapshot *snapshot;
      int frames = 0;
      guint id = gtk_widget_add_tick_callback (widget, on_tick, &frames, NULL);

      gtk_widget_queue_draw (widget);
      lk_admin_test_wait_for (two_frames, &frames);
      gtk_widget_remove_tick_callback (widget, id);
      width = gtk_widget_get_width (widget);
      height = gtk_widget_get_height (widget);
      g_assert_cmpint (width, >, 0);
      paintable = gtk_widget_paintable_new (widget);
      snapshot = gtk_snapshot_new ();
      gdk_paintable_snapshot (paintable, snapshot, width, height);
      node = gtk_snapshot_free_to_node (snapshot);
      if (node == NULL && attempt == 20)
        g_error ("nothing drawn for %s", name);
      if (node == NULL)
        lk_admin_test_wait_ms (100);
    }
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (gtk_widget_get_native (widget)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  gsk_render_node_unref (node);
  g_mkdir_with_parents (dir, 0755);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
}
