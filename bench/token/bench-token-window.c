/* SPDX-License-Identifier: GPL-3.0-or-later
 * The token window as `latchkey --token` opens it (same renderer choice), reporting on stdout when its first code is painted. */
#include "config.h"

#include <stdio.h>
#include <adwaita.h>

#include "lk-memory.h"
#include "lk-renderer.h"
#include "lk-token-window-private.h"

static gboolean reported;
static gint64 started, toolkit_ready, window_built, tokens_loaded;

static void
on_after_paint (GdkFrameClock *clock,
                gpointer       user_data)
{
  LkTokenWindow *window = user_data;

  /* The first frame drawn after the rows exist: codes are on screen. */
  if (reported || lk_token_window_count_rows (window) == 0)
    return;
  reported = TRUE;
  /* Phases in ms since main(): toolkit ready, window built, tokens read
   * from the keyring, first frame with codes; then the renderer that drew it. */
  printf ("painted %u %.1f %.1f %.1f %.1f %s\n", lk_token_window_count_rows (window),
          (toolkit_ready - started) / 1000.0, (window_built - started) / 1000.0,
          (tokens_loaded - started) / 1000.0,
          (g_get_monotonic_time () - started) / 1000.0,
          G_OBJECT_TYPE_NAME (gtk_native_get_renderer (GTK_NATIVE (window))));
  fflush (stdout);
}

static void
on_loaded (LkTokenWindow *window)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (window));

  if (tokens_loaded == 0)
    tokens_loaded = g_get_monotonic_time ();

  g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), window);
  gtk_widget_queue_draw (GTK_WIDGET (window));
}

int
main (int    argc,
      char **argv)
{
  GtkWindow *window;

  started = g_get_monotonic_time ();
  lk_memory_limit_arenas ();
  lk_renderer_choose ("/dev");
  gtk_init ();
  adw_init ();
  toolkit_ready = g_get_monotonic_time ();

  window = lk_token_window_new (NULL);
  window_built = g_get_monotonic_time ();
  g_signal_connect (window, "tokens-loaded", G_CALLBACK (on_loaded), NULL);
  gtk_window_present (window);

  /* Runs until the driver has read its memory use and kills it. */
  while (TRUE)
    g_main_context_iteration (NULL, TRUE);
  return 0;
}
