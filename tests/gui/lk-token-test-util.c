/* SPDX-License-Identifier: GPL-3.0-or-later
 * Helpers of the token dialogs' widget tests: waiting on the main loop with a deadline, screenshots from the Xvfb screen, the wallet's contents. */
#include "config.h"

#include "lk-screen-capture.h"
#include "lk-token-test-util.h"

#define WAIT_LIMIT_US (20 * G_USEC_PER_SEC)

static gboolean
wake_up (gpointer unused)
{
  return G_SOURCE_CONTINUE;
}

void
lk_token_test_wait_until (gboolean *flag)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_LIMIT_US;
  guint ticker = g_timeout_add (100, wake_up, NULL);

  /* The ticker makes sure the deadline is checked even when nothing else
   * happens. */
  while (!*flag)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_remove (ticker);
}

static gboolean
set_flag (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

void
lk_token_test_wait_ms (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, set_flag, &done);
  lk_token_test_wait_until (&done);
}

void
lk_token_test_screenshot (GtkWidget  *widget,
                          const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) screen = NULL;
  g_autoptr(GdkTexture) cropped = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *dir = g_build_filename (g_getenv ("LK_BUILD_ROOT"), "screenshots", NULL);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  GdkSurface *surface;
  int width, height, screen_width, screen_height;
  guint8 *pixels;

  /* Let the frame clock paint what the test just changed. */
  lk_token_test_wait_ms (300);
  screen = lk_screen_capture_x11 (gtk_widget_get_display (widget), &error);
  g_assert_no_error (error);
  screen_width = gdk_texture_get_width (screen);
  screen_height = gdk_texture_get_height (screen);
  /* The surface, not the widget: client-side decorations add their
   * shadow around the window. */
  surface = gtk_native_get_surface (gtk_widget_get_native (widget));
  width = MIN (gdk_surface_get_width (surface), screen_width);
  height = MIN (gdk_surface_get_height (surface), screen_height);
  g_assert_cmpint (width, >, 0);
  pixels = g_malloc ((gsize) screen_width * screen_height * 4);
  gdk_texture_download (screen, pixels, (gsize) screen_width * 4);
  bytes = g_bytes_new_take (pixels, (gsize) screen_width * screen_height * 4);
  cropped = gdk_memory_texture_new (width, height, GDK_MEMORY_DEFAULT, bytes, (gsize) screen_width * 4);
  g_mkdir_with_parents (dir, 0755);
  g_assert_true (gdk_texture_save_to_png (cropped, path));
  g_test_message ("screenshot: %s", path);
}

guint
lk_token_test_wallet_count (LkWallet *wallet)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) tokens = lk_wallet_list_sync (wallet, NULL, &error);

  g_assert_no_error (error);
  return tokens->len;
}

void
lk_token_test_wipe_wallet (LkWallet *wallet)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) tokens = lk_wallet_list_sync (wallet, NULL, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < tokens->len; i++)
    {
      lk_wallet_remove_sync (wallet, ((LkWalletToken *) tokens->pdata[i])->id, NULL, &error);
      g_assert_no_error (error);
    }
}
