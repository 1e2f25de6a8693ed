/* SPDX-License-Identifier: GPL-3.0-or-later
 * The token window under Xvfb with a real gnome-keyring: list, search, copy and clear, intake, delete. */
#include "config.h"

#include <string.h>
#include <adwaita.h>
#include <glib/gstdio.h>

#include "lk-camera-scanner.h"
#include "lk-countdown.h"
#include "lk-memory.h"
#include "lk-qr.h"
#include "lk-scanner-dialog.h"
#include "lk-token-entry-dialog.h"
#include "lk-screen-capture.h"
#include "lk-secure.h"
#include "lk-token-intake.h"
#include "lk-token-row.h"
#include "lk-token-window-private.h"
#include "lk-wallet.h"

#define WAIT_LIMIT_US (15 * G_USEC_PER_SEC)

static LkTokenWindow *window;
static LkWallet *wallet;

/* ---- helpers ---- */

static gboolean
wake_up (gpointer unused)
{
  return G_SOURCE_CONTINUE;
}

/* Iterates the main loop until *@flag, failing after WAIT_LIMIT_US; a
 * ticking source makes sure the deadline is checked even when nothing
 * else happens. */
static void
wait_until (gboolean *flag)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_LIMIT_US;
  guint ticker = g_timeout_add (100, wake_up, NULL);

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

static void
wait_ms (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, set_flag, &done);
  wait_until (&done);
}

static void
on_loaded (LkTokenWindow *w,
           gboolean      *flag)
{
  *flag = TRUE;
}

static void
reload_and_wait (void)
{
  gboolean loaded = FALSE;
  gulong id = g_signal_connect (window, "tokens-loaded", G_CALLBACK (on_loaded), &loaded);

  lk_token_window_reload (window);
  wait_until (&loaded);
  g_signal_handler_disconnect (window, id);
}

typedef struct
{
  gboolean done;
  gboolean ok;
  char    *message;
  gboolean loaded;
} Intake;

static void
on_intake_done (LkTokenWindow *w,
                gboolean       ok,
                const char    *message,
                Intake        *intake)
{
  intake->done = TRUE;
  intake->ok = ok;
  intake->message = g_strdup (message);
}

static void
on_intake_loaded (LkTokenWindow *w,
                  Intake        *intake)
{
  intake->loaded = TRUE;
}

/* Connects before @start runs, then waits for the outcome and, on success,
 * for the reload that follows it. Closes any error dialog. */
static void
run_intake (Intake *intake,
            void  (*start) (gpointer),
            gpointer data)
{
  gulong done_id = g_signal_connect (window, "intake-done", G_CALLBACK (on_intake_done), intake);
  gulong loaded_id = g_signal_connect (window, "tokens-loaded", G_CALLBACK (on_intake_loaded), intake);

  start (data);
  wait_until (&intake->done);
  if (intake->ok)
    wait_until (&intake->loaded);
  g_signal_handler_disconnect (window, done_id);
  g_signal_handler_disconnect (window, loaded_id);

  /* Error dialogs are transient for the window; close them. */
  {
    GListModel *toplevels = gtk_window_get_toplevels ();

    for (guint i = g_list_model_get_n_items (toplevels); i > 0; i--)
      {
        g_autoptr(GtkWindow) top = g_list_model_get_item (toplevels, i - 1);

        if (ADW_IS_MESSAGE_DIALOG (top))
          gtk_window_destroy (top);
      }
  }
}

static void
intake_clear (Intake *intake)
{
  g_free (intake->message);
}

static guint
wallet_count (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) tokens = lk_wallet_list_sync (wallet, NULL, &error);

  g_assert_no_error (error);
  return tokens->len;
}

static void
wipe_wallet (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) tokens = lk_wallet_list_sync (wallet, NULL, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < tokens->len; i++)
    g_assert_true (lk_wallet_remove_sync (wallet, ((LkWalletToken *) tokens->pdata[i])->id, NULL, NULL));
}

static LkWalletToken *
add_token (const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkOtpauth) uri = lk_otpauth_parse (text, &error);
  LkWalletToken *token;

  g_assert_no_error (error);
  token = lk_wallet_token_new (uri);
  g_assert_true (lk_wallet_add_sync (wallet, token, NULL, &error));
  g_assert_no_error (error);
  return token;
}

static LkTokenRow *
row_at (guint index)
{
  GtkWidget *row = NULL;
  gint64 deadline = g_get_monotonic_time () + WAIT_LIMIT_US;

  /* The list view binds rows when it lays them out. */
  while ((row = lk_token_window_get_row (window, index)) == NULL)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  return LK_TOKEN_ROW (row);
}

static const char *
visible_page (void)
{
  return gtk_stack_get_visible_child_name (GTK_STACK (window->stack));
}

typedef struct
{
  gboolean done;
  char    *text;
} ClipRead;

static void
on_clip_text (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  ClipRead *read = user_data;

  read->text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, NULL);
  read->done = TRUE;
}

static char *
clipboard_text (void)
{
  ClipRead read = { 0 };

  gdk_clipboard_read_text_async (gtk_widget_get_clipboard (GTK_WIDGET (window)), NULL, on_clip_text, &read);
  wait_until (&read.done);
  return read.text;
}

static void
save_screenshot (GtkWidget  *widget,
                 const char *name)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *dir = g_build_filename (g_getenv ("LK_BUILD_ROOT"), "screenshots", NULL);
  g_autofree char *path = NULL;
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);

  g_assert_cmpint (width, >, 0);
  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (gtk_widget_get_native (widget)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_mkdir_with_parents (dir, 0755);
  path = g_build_filename (dir, name, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
}

/* GtkWidgetPaintable draws nothing for a modal dialog here, so the
 * dialog's screenshot is read back from the X server instead: without a
 * window manager every toplevel sits at (0, 0), the newest on top. */
static void
save_screen_area (GtkWidget  *widget,
                  const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) screen = lk_screen_capture_x11 (gtk_widget_get_display (widget), &error);
  g_autoptr(GdkTexture) cropped = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *dir = g_build_filename (g_getenv ("LK_BUILD_ROOT"), "screenshots", NULL);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  int screen_width, screen_height;
  guint8 *pixels;

  g_assert_no_error (error);
  screen_width = gdk_texture_get_width (screen);
  screen_height = gdk_texture_get_height (screen);
  width = MIN (width, screen_width);
  height = MIN (height, screen_height);
  pixels = g_malloc ((gsize) screen_width * screen_height * 4);
  gdk_texture_download (screen, pixels, (gsize) screen_width * 4);
  bytes = g_bytes_new_take (pixels, (gsize) screen_width * screen_height * 4);
  cropped = gdk_memory_texture_new (width, height, GDK_MEMORY_DEFAULT, bytes, (gsize) screen_width * 4);
  g_mkdir_with_parents (dir, 0755);
  g_assert_true (gdk_texture_save_to_png (cropped, path));
  g_test_message ("screenshot: %s", path);
}

/* ---- tests ---- */

static void
test_empty_state (void)
{
  wipe_wallet ();
  reload_and_wait ();
  g_assert_cmpstr (visible_page (), ==, "empty");
  g_assert_cmpuint (lk_token_window_count_rows (window), ==, 0);
  wait_ms (300);
  save_screenshot (GTK_WIDGET (window), "token-window-empty.png");
}

/* What the first screen does not show is not prepared at start-up: the
 * status pages stay hidden and get their (SVG) icons only when shown, and the loading
 * spinner starts only if the keyring is slow. */
static void
test_start_up_pages (void)
{
  g_autoptr(LkWalletToken) a = NULL;
  LkTokenWindow *fresh;
  gboolean loaded = FALSE;
  GtkStack *stack;

  wipe_wallet ();
  a = add_token ("otpauth://totp/Start:up?secret=JBSWY3DPEHPK3PXP&issuer=Start");

  fresh = LK_TOKEN_WINDOW (lk_token_window_new (NULL));
  stack = GTK_STACK (fresh->stack);
  g_signal_connect (fresh, "tokens-loaded", G_CALLBACK (on_loaded), &loaded);
  g_assert_false (gtk_spinner_get_spinning (GTK_SPINNER (fresh->loading_spinner)));
  gtk_window_present (GTK_WINDOW (fresh));
  wait_until (&loaded);
  wait_ms (100);

  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "list");
  g_assert_false (gtk_spinner_get_spinning (GTK_SPINNER (fresh->loading_spinner)));
  g_assert_null (adw_status_page_get_icon_name (ADW_STATUS_PAGE (gtk_stack_get_child_by_name (stack, "empty"))));
  g_assert_null (adw_status_page_get_icon_name (ADW_STATUS_PAGE (gtk_stack_get_child_by_name (stack, "no-results"))));
  g_assert_null (adw_status_page_get_icon_name (ADW_STATUS_PAGE (fresh->error_page)));
  /* Hidden, so GTK styles none of their widgets. */
  g_assert_false (gtk_widget_get_visible (gtk_stack_get_child_by_name (stack, "empty")));
  g_assert_false (gtk_widget_get_visible (fresh->error_page));

  /* Shown, a page has its icon. */
  lk_token_window_set_search (fresh, "no such token");
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "no-results");
  g_assert_cmpstr (adw_status_page_get_icon_name (ADW_STATUS_PAGE (gtk_stack_get_child_by_name (stack, "no-results"))),
                   ==, "system-search-symbolic");
  g_assert_null (adw_status_page_get_icon_name (ADW_STATUS_PAGE (gtk_stack_get_child_by_name (stack, "empty"))));

  gtk_window_destroy (GTK_WINDOW (fresh));
  g_assert_true (lk_wallet_remove_sync (wallet, a->id, NULL, NULL));
}

/* With many tokens only about a screenful of rows is built (GTK 4.8's
 * list view would build 200: the list is a one-column grid view). */
static void
test_many_tokens_few_rows (void)
{
  g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func ((GDestroyNotify) lk_wallet_token_free);
  g_autoptr(GError) error = NULL;
  LkTokenWindow *fresh;
  gboolean loaded = FALSE;

  wipe_wallet ();
  for (guint i = 0; i < 80; i++)
    {
      g_autofree char *text = g_strdup_printf ("otpauth://totp/Many:user%02u?secret=JBSWY3DPEHPK3PXP&issuer=Many", i);
      g_autoptr(LkOtpauth) uri = lk_otpauth_parse (text, &error);

      g_assert_no_error (error);
      g_ptr_array_add (batch, lk_wallet_token_new (uri));
    }
  g_assert_true (lk_wallet_add_many_sync (wallet, batch, NULL, NULL, NULL, &error));
  g_assert_no_error (error);

  fresh = LK_TOKEN_WINDOW (lk_token_window_new (NULL));
  gtk_window_set_default_size (GTK_WINDOW (fresh), 460, 560);
  g_signal_connect (fresh, "tokens-loaded", G_CALLBACK (on_loaded), &loaded);
  gtk_window_present (GTK_WINDOW (fresh));
  wait_until (&loaded);
  wait_ms (200);

  g_assert_cmpuint (lk_token_window_count_rows (fresh), ==, 80);
  g_assert_cmpuint (g_hash_table_size (fresh->bound_rows), >, 0);
  g_assert_cmpuint (g_hash_table_size (fresh->bound_rows), <=, 40);

  gtk_window_destroy (GTK_WINDOW (fresh));
  wipe_wallet ();
}

/* Fills @depth frames of 16 KiB of the main thread's stack, as GTK's
 * recursive CSS selector tree does when libadwaita loads its style sheet. */
static __attribute__ ((noinline)) guint
deepen_stack (guint depth)
{
  volatile guint8 frame[16 * 1024];
  guint below;

  for (gsize i = 0; i < sizeof frame; i += 1024)
    frame[i] = (guint8) depth;
  below = depth > 0 ? deepen_stack (depth - 1) : 0;
  /* Read after the call, so each frame lives while the next is built. */
  return frame[0] + below;
}

/* Once a window's first list is painted, start-up's leftovers go back to
 * the kernel: the stack pages below the main loop are no longer resident. */
static void
test_start_up_memory (void)
{
  g_autoptr(LkWalletToken) a = NULL;
  LkTokenWindow *fresh;
  gboolean loaded = FALSE;

  wipe_wallet ();
  a = add_token ("otpauth://totp/Memory:user?secret=JBSWY3DPEHPK3PXP&issuer=Memory");
  g_assert_cmpuint (deepen_stack (40), ==, 40 * 41 / 2);
  g_assert_cmpint (lk_memory_stack_resident (), >=, 640 * 1024);

  fresh = LK_TOKEN_WINDOW (lk_token_window_new (NULL));
  g_signal_connect (fresh, "tokens-loaded", G_CALLBACK (on_loaded), &loaded);
  gtk_window_present (GTK_WINDOW (fresh));
  wait_until (&loaded);
  g_assert_cmpint (lk_memory_stack_resident (), >=, 640 * 1024);
  wait_ms (300);

  g_assert_cmpuint (lk_token_window_count_rows (fresh), ==, 1);
  g_test_message ("main stack resident after the first list: %" G_GSSIZE_FORMAT " KiB",
                  lk_memory_stack_resident () / 1024);
  g_assert_cmpint (lk_memory_stack_resident (), <, 256 * 1024);

  gtk_window_destroy (GTK_WINDOW (fresh));
  g_assert_true (lk_wallet_remove_sync (wallet, a->id, NULL, NULL));
}

static void
test_list_and_search (void)
{
  g_autoptr(LkWalletToken) a = NULL;
  g_autoptr(LkWalletToken) b = NULL;
  g_autoptr(LkWalletToken) c = NULL;
  g_autoptr(LkWalletToken) d = NULL;
  g_autoptr(LkWalletToken) e = NULL;
  char code[LK_OTP_CODE_SIZE];
  g_autofree char *grouped = NULL;
  gint64 now;

  wipe_wallet ();
  a = add_token ("otpauth://totp/ACME%20Corp:alice@acme.example?secret=JBSWY3DPEHPK3PXP&issuer=ACME%20Corp");
  b = add_token ("otpauth://totp/GitHub:alice-dev?secret=JBSWY3DPEHPK3PXQ&issuer=GitHub");
  c = add_token ("otpauth://hotp/First%20Bank:a.smith?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=0&issuer=First%20Bank");
  d = add_token ("otpauth://totp/Corporate%20VPN:asmith?secret=JBSWY3DPEHPK3PXR&issuer=Corporate%20VPN&digits=8");
  e = add_token ("otpauth://totp/Mail:alice@mail.example?secret=JBSWY3DPEHPK3PXS&issuer=Mail&algorithm=SHA256");
  reload_and_wait ();

  g_assert_cmpstr (visible_page (), ==, "list");
  g_assert_cmpuint (lk_token_window_count_rows (window), ==, 5);

  /* Sorted by issuer: ACME Corp first; its code is the wallet's, grouped. */
  g_assert_cmpstr (lk_token_item_get_id (lk_token_row_get_item (row_at (0))), ==, a->id);
  do
    {
      now = g_get_real_time () / G_USEC_PER_SEC;
      g_assert_true (lk_wallet_token_compute (a, now, code, NULL, NULL));
      grouped = lk_token_format_code (code);
    }
  while (now != g_get_real_time () / G_USEC_PER_SEC);
  wait_ms (50);
  if (g_get_real_time () / G_USEC_PER_SEC / 30 == now / 30)
    g_assert_cmpstr (lk_token_row_get_code_text (row_at (0)), ==, grouped);

  /* What a screen reader hears: the digits one by one and the time left. */
  {
    g_autofree char *spelled = lk_token_spell_code (code);
    g_autofree char *prefix = g_strdup_printf ("Code %s, ", spelled);
    const char *spoken = lk_token_row_get_spoken (row_at (0));

    if (g_get_real_time () / G_USEC_PER_SEC / 30 == now / 30)
      {
        g_assert_true (g_str_has_prefix (spoken, prefix));
        g_assert_true (g_str_has_suffix (spoken, "seconds left") || g_str_has_suffix (spoken, "second left"));
      }
  }

  /* Type anywhere: the search bar listens to the whole window. */
  g_assert_true (gtk_search_bar_get_key_capture_widget (GTK_SEARCH_BAR (window->search_bar)) == GTK_WIDGET (window));

  /* Timers run while the window shows and stop while it is hidden. */
  g_assert_cmpuint (window->boundary_source, !=, 0);
  gtk_widget_set_visible (GTK_WIDGET (window), FALSE);
  g_assert_cmpuint (window->boundary_source, ==, 0);
  g_assert_cmpuint (window->tick_source, ==, 0);
  gtk_window_present (GTK_WINDOW (window));
  {
    gint64 deadline = g_get_monotonic_time () + WAIT_LIMIT_US;

    while (!gtk_widget_get_mapped (GTK_WIDGET (window)))
      {
        g_assert_cmpint (g_get_monotonic_time (), <, deadline);
        wait_ms (20);
      }
  }
  g_assert_cmpuint (window->boundary_source, !=, 0);

  wait_ms (300);
  save_screenshot (GTK_WIDGET (window), "token-window.png");

  /* Search as you type: words match issuer or account, in any case. */
  gtk_search_bar_set_search_mode (GTK_SEARCH_BAR (window->search_bar), TRUE);
  gtk_editable_set_text (GTK_EDITABLE (window->search_entry), "git");
  wait_ms (400);   /* GtkSearchEntry delays search-changed */
  g_assert_cmpuint (lk_token_window_count_rows (window), ==, 1);
  g_assert_cmpstr (lk_token_item_get_id (lk_token_row_get_item (row_at (0))), ==, b->id);

  gtk_editable_set_text (GTK_EDITABLE (window->search_entry), "ALICE mail");
  wait_ms (400);
  g_assert_cmpuint (lk_token_window_count_rows (window), ==, 1);
  g_assert_cmpstr (lk_token_item_get_id (lk_token_row_get_item (row_at (0))), ==, e->id);

  gtk_editable_set_text (GTK_EDITABLE (window->search_entry), "nothing-like-this");
  wait_ms (400);
  g_assert_cmpuint (lk_token_window_count_rows (window), ==, 0);
  g_assert_cmpstr (visible_page (), ==, "no-results");

  gtk_editable_set_text (GTK_EDITABLE (window->search_entry), "");
  wait_ms (400);
  g_assert_cmpuint (lk_token_window_count_rows (window), ==, 5);
  gtk_search_bar_set_search_mode (GTK_SEARCH_BAR (window->search_bar), FALSE);
}

static void
test_copy_and_clear (void)
{
  g_autoptr(GSettings) settings = g_settings_new (LK_APP_ID);
  g_autoptr(LkWalletToken) a = NULL;
  g_autofree char *copied = NULL;
  g_autofree char *after = NULL;
  g_autofree char *kept = NULL;
  char expected[LK_OTP_CODE_SIZE];
  gint64 now;

  wipe_wallet ();
  a = add_token ("otpauth://totp/Copy:me?secret=JBSWY3DPEHPK3PXP&issuer=Copy");
  reload_and_wait ();
  g_settings_set_uint (settings, "clipboard-clear-delay", 2);

  /* Stay clear of a period boundary between copy and compare. */
  while ((g_get_real_time () / G_USEC_PER_SEC) % 30 > 25)
    wait_ms (500);

  lk_token_window_activate (window, 0);
  now = g_get_real_time () / G_USEC_PER_SEC;
  g_assert_true (lk_wallet_token_compute (a, now, expected, NULL, NULL));
  copied = clipboard_text ();
  g_assert_cmpstr (copied, ==, expected);

  /* The clear delay passes: the code is gone. Poll rather than sleep a
   * fixed time, because a loaded CI machine can run the timer late; the
   * deadline still fails the test if the clipboard is never cleared. */
  for (guint tries = 0; tries < 40; tries++)
    {
      wait_ms (250);
      g_clear_pointer (&after, g_free);
      after = clipboard_text ();
      if (after == NULL || g_strcmp0 (after, expected) != 0)
        break;
    }
  g_assert_true (after == NULL || g_strcmp0 (after, expected) != 0);

  /* Something the user copied after our code is left alone. */
  lk_token_window_activate (window, 0);
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (window)), "the user's own text");
  wait_ms (4000);   /* well past the 2 s delay, so a wrong clear would have run */
  kept = clipboard_text ();
  g_assert_cmpstr (kept, ==, "the user's own text");

  g_settings_reset (settings, "clipboard-clear-delay");
}

static void
test_hide_codes (void)
{
  g_autoptr(GSettings) settings = g_settings_new (LK_APP_ID);
  g_autoptr(LkWalletToken) a = NULL;

  wipe_wallet ();
  a = add_token ("otpauth://totp/Hide:me?secret=JBSWY3DPEHPK3PXP&issuer=Hide");
  reload_and_wait ();

  g_settings_set_boolean (settings, "hide-codes", TRUE);
  g_assert_cmpstr (lk_token_row_get_code_text (row_at (0)), ==, "*** ***");
  /* Activating reveals (and copies) it. */
  lk_token_window_activate (window, 0);
  g_assert_cmpstr (lk_token_row_get_code_text (row_at (0)), !=, "*** ***");
  g_assert_cmpuint (strlen (lk_token_row_get_code_text (row_at (0))), ==, 7);
  g_settings_reset (settings, "hide-codes");
}

static void
test_hotp_next (void)
{
  g_autoptr(LkWalletToken) h = NULL;
  g_autoptr(LkWalletToken) stored = NULL;

  wipe_wallet ();
  h = add_token ("otpauth://hotp/Counter:c?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=0&issuer=Counter");
  reload_and_wait ();

  g_assert_null (lk_token_item_get_code (lk_token_row_get_item (row_at (0))));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.next-code", "s", h->id);
  while (lk_token_item_get_code (lk_token_row_get_item (row_at (0))) == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (lk_token_item_get_code (lk_token_row_get_item (row_at (0))), ==, "755224");
  g_assert_cmpstr (lk_token_row_get_code_text (row_at (0)), ==, "755 224");

  stored = lk_wallet_find_sync (wallet, h->id, NULL, NULL);
  g_assert_cmpuint (stored->otpauth->counter, ==, 1);
}

/* The buttons of a row: the next-code button only on HOTP rows, and the
 * options button's menu made on its first click, for this row's token. */
static GtkWidget *
find_button (LkTokenRow *row,
             const char *icon_name)
{
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (row)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_BUTTON (child) && g_strcmp0 (gtk_button_get_icon_name (GTK_BUTTON (child)), icon_name) == 0)
      return child;
  return NULL;
}

static void
test_row_buttons (void)
{
  g_autoptr(LkWalletToken) t = NULL;
  g_autoptr(LkWalletToken) h = NULL;
  LkTokenRow *totp_row, *hotp_row;
  GtkWidget *next, *options, *popover;
  GMenuModel *menu;
  g_autoptr(GVariant) target = NULL;

  wipe_wallet ();
  t = add_token ("otpauth://totp/Alpha:a?secret=JBSWY3DPEHPK3PXP&issuer=Alpha");
  h = add_token ("otpauth://hotp/Beta:b?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=0&issuer=Beta");
  reload_and_wait ();
  totp_row = lk_token_item_is_hotp (lk_token_row_get_item (row_at (0))) ? row_at (1) : row_at (0);
  hotp_row = totp_row == row_at (0) ? row_at (1) : row_at (0);
  g_assert_false (lk_token_item_is_hotp (lk_token_row_get_item (totp_row)));
  g_assert_true (lk_token_item_is_hotp (lk_token_row_get_item (hotp_row)));

  next = find_button (totp_row, "view-refresh-symbolic");
  g_assert_true (next == NULL || !gtk_widget_get_visible (next));
  next = find_button (hotp_row, "view-refresh-symbolic");
  g_assert_nonnull (next);
  g_assert_true (gtk_widget_get_visible (next));
  g_assert_cmpstr (gtk_actionable_get_action_name (GTK_ACTIONABLE (next)), ==, "win.next-code");

  options = find_button (hotp_row, "view-more-symbolic");
  g_assert_nonnull (options);
  g_assert_false (GTK_IS_POPOVER_MENU (gtk_widget_get_last_child (options)));
  g_signal_emit_by_name (options, "clicked");
  popover = gtk_widget_get_last_child (options);
  g_assert_true (GTK_IS_POPOVER_MENU (popover));
  g_assert_true (gtk_widget_get_visible (popover));
  menu = gtk_popover_menu_get_menu_model (GTK_POPOVER_MENU (popover));
  g_assert_cmpint (g_menu_model_get_n_items (menu), ==, 3);
  target = g_menu_model_get_item_attribute_value (menu, 0, G_MENU_ATTRIBUTE_TARGET, G_VARIANT_TYPE_STRING);
  g_assert_cmpstr (g_variant_get_string (target, NULL), ==, h->id);
  /* Let it map and unmap as a user's click and Escape would. */
  while (!gtk_widget_get_mapped (popover))
    g_main_context_iteration (NULL, TRUE);
  gtk_popover_popdown (GTK_POPOVER (popover));
  while (gtk_widget_get_mapped (popover))
    g_main_context_iteration (NULL, TRUE);
  wait_ms (100);

  /* A reload rebinds the rows: the old menu goes with the old binding. */
  reload_and_wait ();
  g_assert_false (GTK_IS_POPOVER_MENU (gtk_widget_get_last_child (find_button (row_at (0), "view-more-symbolic"))));
}

/* The ring is a texture, not a cairo node: GTK 4.8's cairo renderer on X11
 * drew cairo nodes through a window-sized shared-memory image. Half the
 * period left: the right half is drawn in full, the left half faintly. */
static void
test_countdown_texture (void)
{
  g_autoptr(LkWalletToken) t = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  GtkSnapshot *snapshot;
  GtkWidget *ring = NULL;
  GdkTexture *texture;
  g_autofree guchar *pixels = NULL;
  int w, h;

  wipe_wallet ();
  t = add_token ("otpauth://totp/Ring:r?secret=JBSWY3DPEHPK3PXP&issuer=Ring");
  reload_and_wait ();
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (row_at (0))); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (LK_IS_COUNTDOWN (child))
      ring = child;
  g_assert_nonnull (ring);
  lk_countdown_set_time (LK_COUNTDOWN (ring), 15, 30);
  while (gtk_widget_get_width (ring) == 0)
    g_main_context_iteration (NULL, TRUE);

  snapshot = gtk_snapshot_new ();
  GTK_WIDGET_GET_CLASS (ring)->snapshot (ring, snapshot);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  g_assert_cmpint (gsk_render_node_get_node_type (node), ==, GSK_TEXTURE_NODE);

  texture = gsk_texture_node_get_texture (node);
  w = gdk_texture_get_width (texture);
  h = gdk_texture_get_height (texture);
  pixels = g_malloc ((gsize) w * h * 4);
  gdk_texture_download (texture, pixels, (gsize) w * 4);
  /* Alpha (GDK_MEMORY_DEFAULT: B, G, R, A) where the ring crosses the
   * horizontal middle: 2 px in from each side, the line being 3 px wide. */
  {
    guchar right = pixels[((gsize) (h / 2) * w + (w - 3)) * 4 + 3];
    guchar left = pixels[((gsize) (h / 2) * w + 2) * 4 + 3];

    g_assert_cmpuint (right, >, 128);
    g_assert_cmpuint (left, >, 0);
    g_assert_cmpuint (left, <, right / 3);
  }
}

static void
test_delete_undo (void)
{
  g_autoptr(LkWalletToken) a = NULL;
  g_autoptr(LkWalletToken) b = NULL;

  wipe_wallet ();
  a = add_token ("otpauth://totp/Keep:me?secret=JBSWY3DPEHPK3PXP&issuer=Keep");
  b = add_token ("otpauth://totp/Drop:me?secret=JBSWY3DPEHPK3PXQ&issuer=Drop");
  reload_and_wait ();
  g_assert_cmpuint (lk_token_window_count_rows (window), ==, 2);

  /* Delete, then undo: back in the list, still in the keyring. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.delete-token", "s", b->id);
  g_assert_cmpuint (lk_token_window_count_rows (window), ==, 1);
  g_assert_true (g_hash_table_contains (window->pending_deletes, b->id));
  /* What the toast's Undo button does. */
  g_assert_nonnull (window->delete_toast);
  g_signal_emit_by_name (window->delete_toast, "button-clicked");
  g_assert_cmpuint (lk_token_window_count_rows (window), ==, 2);
  wait_ms (300);
  g_assert_cmpuint (wallet_count (), ==, 2);

  /* Delete and let the toast time out: gone from the keyring. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.delete-token", "s", b->id);
  {
    gint64 deadline = g_get_monotonic_time () + WAIT_LIMIT_US;

    while (wallet_count () != 1)
      {
        g_assert_cmpint (g_get_monotonic_time (), <, deadline);
        wait_ms (250);
      }
  }
  g_assert_cmpuint (lk_token_window_count_rows (window), ==, 1);
}

static char *
write_qr_png (const char *text,
              const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) png = lk_qr_encode_png (text, 6, &error);
  char *path = g_build_filename (g_get_tmp_dir (), name, NULL);

  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (path, g_bytes_get_data (png, NULL), g_bytes_get_size (png), &error));
  g_assert_no_error (error);
  return path;
}

static void
start_file (gpointer path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);

  lk_token_window_add_from_file (window, file);
}

static void
start_paste (gpointer unused)
{
  lk_token_window_paste (window);
}

static void
assert_stored (const char *name,
               const char *uri_text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkWalletToken) stored = lk_wallet_find_sync (wallet, name, NULL, &error);
  g_autoptr(LkOtpauth) expected = lk_otpauth_parse (uri_text, NULL);

  g_assert_no_error (error);
  g_assert_true (lk_otpauth_equal (stored->otpauth, expected));
}

#define FILE_URI "otpauth://totp/Files%20Inc:carol?secret=JBSWY3DPEHPK3PXP&issuer=Files%20Inc&algorithm=SHA512&digits=8&period=60"
#define PASTE_IMAGE_URI "otpauth://hotp/Clip%20Art:dave?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=7&issuer=Clip%20Art"
#define PASTE_TEXT_URI "otpauth://totp/Text%20Co:erin?secret=JBSWY3DPEHPK3PXQ&issuer=Text%20Co"

static void
test_intake_file (void)
{
  g_autofree char *path = write_qr_png (FILE_URI, "lk-test-token-qr.png");
  Intake intake = { 0 };

  wipe_wallet ();
  reload_and_wait ();
  run_intake (&intake, start_file, path);
  g_assert_true (intake.ok);
  assert_stored ("Files Inc:carol", FILE_URI);
  g_assert_cmpuint (lk_token_window_count_rows (window), ==, 1);
  intake_clear (&intake);
  g_unlink (path);
}

static void
test_intake_clipboard (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) png = lk_qr_encode_png (PASTE_IMAGE_URI, 4, &error);
  g_autoptr(GdkTexture) texture = gdk_texture_new_from_bytes (png, &error);
  GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (window));
  Intake image = { 0 }, text = { 0 };

  g_assert_no_error (error);
  wipe_wallet ();
  reload_and_wait ();

  gdk_clipboard_set_texture (clipboard, texture);
  run_intake (&image, start_paste, NULL);
  g_assert_true (image.ok);
  assert_stored ("Clip Art:dave", PASTE_IMAGE_URI);

  gdk_clipboard_set_text (clipboard, "  " PASTE_TEXT_URI "\n");
  run_intake (&text, start_paste, NULL);
  g_assert_true (text.ok);
  assert_stored ("Text Co:erin", PASTE_TEXT_URI);
  g_assert_cmpuint (wallet_count (), ==, 2);

  intake_clear (&image);
  intake_clear (&text);
}

static void
test_intake_bad_input (void)
{
  g_autofree char *not_token = write_qr_png ("https://example.com/not-a-token", "lk-test-url-qr.png");
  g_autofree char *bad_secret = write_qr_png ("otpauth://totp/Bad:secret?secret=1111!!", "lk-test-bad-qr.png");
  g_autofree char *no_code = g_build_filename (g_get_tmp_dir (), "lk-test-blank.png", NULL);
  g_autofree char *garbage = g_build_filename (g_get_tmp_dir (), "lk-test-garbage.png", NULL);
  g_autofree char *missing = g_build_filename (g_get_tmp_dir (), "lk-test-missing.png", NULL);
  const char *paths[] = { not_token, bad_secret, no_code, garbage, missing };
  guint8 *blank = g_malloc (64 * 64 * 4);
  g_autoptr(GBytes) blank_bytes = NULL;
  g_autoptr(GdkTexture) blank_texture = NULL;
  guint before;

  memset (blank, 0xff, 64 * 64 * 4);
  blank_bytes = g_bytes_new_take (blank, 64 * 64 * 4);
  blank_texture = gdk_memory_texture_new (64, 64, GDK_MEMORY_R8G8B8A8, blank_bytes, 64 * 4);
  g_assert_true (gdk_texture_save_to_png (blank_texture, no_code));
  g_assert_true (g_file_set_contents (garbage, "\x89PNG\r\n\x1a\nthis is not really a png", -1, NULL));
  g_unlink (missing);

  wipe_wallet ();
  add_token ("otpauth://totp/Already:there?secret=JBSWY3DPEHPK3PXP&issuer=Already");
  reload_and_wait ();
  before = wallet_count ();

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      Intake intake = { 0 };

      run_intake (&intake, start_file, (gpointer) paths[i]);
      g_assert_false (intake.ok);
      g_assert_nonnull (intake.message);
      g_test_message ("%s: %s", paths[i], intake.message);
      /* Never the secret in what the user is told. */
      g_assert_null (strstr (intake.message, "1111"));
      g_assert_cmpuint (wallet_count (), ==, before);
      intake_clear (&intake);
    }

  /* Text that is not a token, pasted. */
  {
    Intake intake = { 0 };

    gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (window)), "hello there");
    run_intake (&intake, start_paste, NULL);
    g_assert_false (intake.ok);
    g_assert_cmpuint (wallet_count (), ==, before);
    intake_clear (&intake);
  }

  g_unlink (not_token);
  g_unlink (bad_secret);
  g_unlink (no_code);
  g_unlink (garbage);
}


#define CAMERA_URI "otpauth://totp/Camera%20Corp:frank?secret=JBSWY3DPEHPK3PXP&issuer=Camera%20Corp&digits=7"
#define SCREEN_URI "otpauth://totp/Helpdesk:gina?secret=JBSWY3DPEHPK3PXR&issuer=Helpdesk"

static void
start_camera (gpointer source)
{
  lk_token_window_scan_camera (window, source);
}

static void
test_intake_camera (void)
{
  g_autofree char *path = write_qr_png (CAMERA_URI, "lk-test-camera-qr.png");
  g_autofree char *source = g_strdup_printf ("multifilesrc location=%s loop=true caps=image/png,framerate=5/1 ! pngdec", path);
  Intake intake = { 0 };

  wipe_wallet ();
  reload_and_wait ();
  /* The image goes through the whole pipeline: decoder, videoconvert,
   * appsink, grey conversion, ZBar. */
  run_intake (&intake, start_camera, source);
  g_assert_true (intake.ok);
  assert_stored ("Camera Corp:frank", CAMERA_URI);
  intake_clear (&intake);
  g_unlink (path);
}

/* The scanners live in the token-extras module: without it the window
 * says which file is missing and stores nothing. In a subprocess, because
 * a process loads the module once and keeps it. */
static void
test_module_missing (void)
{
  if (g_test_subprocess ())
    {
      g_autofree char *dir = g_dir_make_tmp ("lk-no-modules-XXXXXX", NULL);
      Intake intake = { 0 };

      g_setenv ("LATCHKEY_MODULEDIR", dir, TRUE);
      run_intake (&intake, start_camera, (gpointer) "videotestsrc");
      g_assert_false (intake.ok);
      g_assert_nonnull (strstr (intake.message, "lk-token-extras.so"));
      intake_clear (&intake);
      g_assert_cmpint (g_rmdir (dir), ==, 0);
      return;
    }
  g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

static void
on_scanner_failed (LkCameraScanner *scanner,
                   const char      *message,
                   char           **out)
{
  *out = g_strdup (message);
}

static void
test_camera_errors (void)
{
  g_autoptr(LkCameraScanner) bogus = lk_camera_scanner_new ("no-such-element-anywhere", NULL);
  g_autoptr(LkCameraScanner) nodev = lk_camera_scanner_new (NULL, "/dev/lk-no-such-camera");
  g_autoptr(GError) error = NULL;
  g_autofree char *failure = NULL;

  g_assert_false (lk_camera_scanner_start (bogus, NULL, &error));
  g_assert_error (error, LK_TOKEN_ERROR, LK_TOKEN_ERROR_CAMERA);
  g_clear_error (&error);

  /* A camera that is not there: refused at once or reported by "failed". */
  g_signal_connect (nodev, "failed", G_CALLBACK (on_scanner_failed), &failure);
  if (lk_camera_scanner_start (nodev, NULL, &error))
    {
      gint64 deadline = g_get_monotonic_time () + WAIT_LIMIT_US;

      while (failure == NULL)
        {
          g_assert_cmpint (g_get_monotonic_time (), <, deadline);
          g_main_context_iteration (NULL, TRUE);
        }
      g_test_message ("camera failure: %s", failure);
    }
  else
    {
      g_assert_error (error, LK_TOKEN_ERROR, LK_TOKEN_ERROR_CAMERA);
      g_test_message ("camera failure: %s", error->message);
    }
  g_assert_false (lk_camera_scanner_is_running (nodev));
}

/* A QR code with one finder pattern rubbed out, on a grey desk: it looks
 * like a code in the preview but can never be read, so the scanner stays
 * open for its screenshot. */
static char *
write_unreadable_scene (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  guint size = 0;
  guint8 *qr = lk_qr_encode_gray ("otpauth://totp/Preview:only?secret=JBSWY3DPEHPK3PXP", 7, &size, &error);
  const int width = 640, height = 480;
  guint8 *rgba = g_malloc ((gsize) width * height * 4);
  char *path = g_build_filename (g_get_tmp_dir (), "lk-test-scene.png", NULL);
  int ox, oy;

  g_assert_no_error (error);
  g_assert_cmpuint (size, <, 460);
  for (int i = 0; i < width * height; i++)
    {
      rgba[4 * i + 0] = 0x5a;
      rgba[4 * i + 1] = 0x60;
      rgba[4 * i + 2] = 0x66;
      rgba[4 * i + 3] = 0xff;
    }
  ox = (width - (int) size) / 2;
  oy = (height - (int) size) / 2;
  for (guint y = 0; y < size; y++)
    for (guint x = 0; x < size; x++)
      {
        /* Rub out the top-left finder pattern (4-module quiet zone, 7 modules). */
        gboolean rubbed = x >= 4 * 7 && x < 11 * 7 && y >= 4 * 7 && y < 11 * 7;
        guint8 v = rubbed ? 0xf4 : qr[y * size + x];
        guint8 *dst = rgba + 4 * ((gsize) (oy + y) * width + ox + x);

        dst[0] = dst[1] = dst[2] = v;
      }
  g_free (qr);

  bytes = g_bytes_new_take (rgba, (gsize) width * height * 4);
  texture = gdk_memory_texture_new (width, height, GDK_MEMORY_R8G8B8A8, bytes, width * 4);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  return path;
}

static void
test_scanner_screenshot (void)
{
  g_autofree char *path = write_unreadable_scene ();
  g_autofree char *source = g_strdup_printf ("multifilesrc location=%s loop=true caps=image/png,framerate=5/1 ! pngdec", path);
  GtkWindow *dialog = NULL;
  gint64 deadline;
  GListModel *toplevels = gtk_window_get_toplevels ();

  lk_token_window_scan_camera (window, source);
  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) top = g_list_model_get_item (toplevels, i);

      if (g_strcmp0 (G_OBJECT_TYPE_NAME (top), "LkScannerDialog") == 0)
        dialog = top;
    }
  g_assert_nonnull (dialog);

  /* Wait for frames: the dialog leaves "starting" on the first one. */
  deadline = g_get_monotonic_time () + WAIT_LIMIT_US;
  while (g_strcmp0 (lk_scanner_dialog_get_state (LK_SCANNER_DIALOG (dialog)), "preview") != 0)
    {
      g_assert_cmpstr (lk_scanner_dialog_get_state (LK_SCANNER_DIALOG (dialog)), !=, "error");
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      wait_ms (100);
    }
  wait_ms (500);
  save_screen_area (GTK_WIDGET (dialog), "token-scanner.png");

  /* Nothing was read, nothing was stored, and closing stops the camera. */
  gtk_window_close (dialog);
  wait_ms (100);
  g_unlink (path);
}

static void
start_screen (gpointer unused)
{
  lk_token_window_scan_screen (window);
}

static void
test_intake_screen (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) png = lk_qr_encode_png (SCREEN_URI, 6, &error);
  g_autoptr(GdkTexture) texture = gdk_texture_new_from_bytes (png, &error);
  GtkWidget *shown = gtk_window_new ();
  GtkWidget *picture = gtk_picture_new_for_paintable (GDK_PAINTABLE (texture));
  Intake intake = { 0 };

  g_assert_no_error (error);
  wipe_wallet ();
  reload_and_wait ();

  /* What a helpdesk shows on screen; no portal runs in this session, so
   * this exercises the X11 fallback. */
  gtk_picture_set_can_shrink (GTK_PICTURE (picture), FALSE);
  gtk_window_set_child (GTK_WINDOW (shown), picture);
  gtk_window_present (GTK_WINDOW (shown));
  wait_ms (800);

  run_intake (&intake, start_screen, NULL);
  g_assert_true (intake.ok);
  assert_stored ("Helpdesk:gina", SCREEN_URI);
  gtk_window_destroy (GTK_WINDOW (shown));
  intake_clear (&intake);
}


static void
submit_entry (gpointer dialog)
{
  g_assert_true (lk_token_entry_dialog_submit (dialog));
}

static void
test_intake_manual (void)
{
  LkTokenEntryDialog *dialog;
  g_autoptr(LkWalletToken) stored = NULL;
  g_autoptr(GError) error = NULL;
  Intake intake = { 0 };

  wipe_wallet ();
  reload_and_wait ();
  dialog = LK_TOKEN_ENTRY_DIALOG (lk_token_window_enter_manually (window));

  /* Validation as you type: each mistake is named, nothing can be added. */
  lk_token_entry_dialog_set_fields (dialog, "Typed", "henry", "JBSWY3DP1HPK3PXP");
  g_assert_nonnull (strstr (lk_token_entry_dialog_get_problem (dialog), "1"));
  g_assert_false (lk_token_entry_dialog_submit (dialog));
  lk_token_entry_dialog_set_fields (dialog, "Typed", "henry", "JBSWY3DP");
  g_assert_nonnull (strstr (lk_token_entry_dialog_get_problem (dialog), "short"));
  g_assert_false (lk_token_entry_dialog_submit (dialog));
  lk_token_entry_dialog_set_fields (dialog, "Typed", "  ", "JBSWY3DPEHPK3PXP");
  g_assert_cmpstr (lk_token_entry_dialog_get_problem (dialog), !=, "");
  g_assert_false (lk_token_entry_dialog_submit (dialog));
  lk_token_entry_dialog_set_fields (dialog, "Ty:ped", "henry", "JBSWY3DPEHPK3PXP");
  g_assert_cmpstr (lk_token_entry_dialog_get_problem (dialog), !=, "");
  g_assert_cmpuint (wallet_count (), ==, 0);

  /* Spaces and lower case, as people copy keys from web pages. */
  lk_token_entry_dialog_set_fields (dialog, "Typed", "henry", "jbsw y3dp ehpk 3pxp");
  g_assert_cmpstr (lk_token_entry_dialog_get_problem (dialog), ==, "");
  wait_ms (400);
  save_screen_area (GTK_WIDGET (dialog), "token-manual-entry.png");

  run_intake (&intake, submit_entry, dialog);
  g_assert_true (intake.ok);
  stored = lk_wallet_find_sync (wallet, "Typed:henry", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (stored->otpauth->type, ==, LK_OTPAUTH_TOTP);
  g_assert_cmpuint (g_bytes_get_size (stored->otpauth->secret), ==, 10);
  intake_clear (&intake);
}

static void
record_text (GtkWindow  *parent,
             const char *text,
             gpointer    user_data)
{
  g_assert_true (parent == GTK_WINDOW (window));
  *(char **) user_data = g_strdup (text);
}

static void
test_intake_handler (void)
{
  g_autofree char *seen = NULL;
  const char *texts[] = { "  LK-Test-Scheme:payload\n", NULL };
  guint before;

  /* A payload of another flow goes to the module that registered for its
   * scheme, trimmed, and the otpauth path stores nothing. */
  wipe_wallet ();
  before = wallet_count ();
  lk_token_intake_add_handler ("lk-test-scheme", record_text, &seen);
  lk_token_window_add_texts (window, texts);
  g_assert_cmpstr (seen, ==, "LK-Test-Scheme:payload");
  g_assert_cmpuint (wallet_count (), ==, before);
}

static void
test_code_format (void)
{
  const struct { const char *in, *out, *spoken; } cases[] = {
    { "123456", "123 456", "1 2 3 4 5 6" },
    { "12345678", "1234 5678", "1 2 3 4 5 6 7 8" },
    { "1234567", "123 4567", "1 2 3 4 5 6 7" },
    { "1234567890", "123 456 7890", "1 2 3 4 5 6 7 8 9 0" },
    { "ABCDE", "ABC DE", "A B C D E" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *grouped = lk_token_format_code (cases[i].in);
      g_autofree char *spoken = lk_token_spell_code (cases[i].in);

      g_assert_cmpstr (grouped, ==, cases[i].out);
      g_assert_cmpstr (spoken, ==, cases[i].spoken);
    }
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *schema_dir = NULL;
  int status;

  /* No G_TEST_OPTION_ISOLATE_DIRS: it also replaces XDG_DATA_DIRS, which
   * hides the MIME database and the icon theme from GTK (every symbolic
   * icon then fails to load). lk-test-session.sh already gives this
   * process fresh HOME and XDG user directories. */
  g_test_init (&argc, &argv, NULL);

  schema_dir = g_build_filename (g_getenv ("LK_BUILD_ROOT"), "data", NULL);
  g_setenv ("GSETTINGS_SCHEMA_DIR", schema_dir, TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);

  gtk_init ();
  adw_init ();

  wallet = lk_wallet_new ();
  window = LK_TOKEN_WINDOW (lk_token_window_new (NULL));
  gtk_window_set_default_size (GTK_WINDOW (window), 460, 560);
  gtk_window_present (GTK_WINDOW (window));

  g_test_add_func ("/token/format-code", test_code_format);
  g_test_add_func ("/token/window/empty-state", test_empty_state);
  g_test_add_func ("/token/window/start-up-pages", test_start_up_pages);
  g_test_add_func ("/token/window/many-tokens-few-rows", test_many_tokens_few_rows);
  g_test_add_func ("/token/window/start-up-memory", test_start_up_memory);
  g_test_add_func ("/token/window/list-and-search", test_list_and_search);
  g_test_add_func ("/token/window/copy-and-clear", test_copy_and_clear);
  g_test_add_func ("/token/window/hide-codes", test_hide_codes);
  g_test_add_func ("/token/window/hotp-next", test_hotp_next);
  g_test_add_func ("/token/window/row-buttons", test_row_buttons);
  g_test_add_func ("/token/window/countdown-texture", test_countdown_texture);
  g_test_add_func ("/token/window/delete-undo", test_delete_undo);
  g_test_add_func ("/token/intake/file", test_intake_file);
  g_test_add_func ("/token/intake/clipboard", test_intake_clipboard);
  g_test_add_func ("/token/intake/bad-input", test_intake_bad_input);
  g_test_add_func ("/token/intake/camera", test_intake_camera);
  g_test_add_func ("/token/intake/camera-errors", test_camera_errors);
  g_test_add_func ("/token/intake/module-missing", test_module_missing);
  g_test_add_func ("/token/intake/screen", test_intake_screen);
  g_test_add_func ("/token/scanner/screenshot", test_scanner_screenshot);
  g_test_add_func ("/token/intake/manual", test_intake_manual);
  g_test_add_func ("/token/intake/handler", test_intake_handler);

  status = g_test_run ();

  gtk_window_destroy (GTK_WINDOW (window));
  g_object_unref (wallet);
  return status;
}
