/* SPDX-License-Identifier: GPL-3.0-or-later
 * The import dialog under Xvfb with a real gnome-keyring: password, preview, duplicates, import, and Google multi-QR batches. */
#include "config.h"

#include <string.h>
#include <adwaita.h>
#include <glib/gstdio.h>

#include "../wallet/import-test-util.h"
#include "lk-import-dialog.h"
#include "lk-screen-capture.h"
#include "lk-token-window-private.h"
#include "lk-wallet.h"

#define WAIT_LIMIT_US (20 * G_USEC_PER_SEC)

static LkWallet *wallet;

static gboolean
wake_up (gpointer unused)
{
  return G_SOURCE_CONTINUE;
}

/* Iterates the main loop until the dialog shows @page (failing after WAIT_LIMIT_US). */
static void
wait_for_page (LkImportDialog *dialog,
               const char     *page)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_LIMIT_US;
  guint ticker = g_timeout_add (50, wake_up, NULL);

  while (g_strcmp0 (lk_import_dialog_get_page (dialog), page) != 0)
    {
      if (g_get_monotonic_time () >= deadline)
        g_error ("waited for page %s, still on %s", page, lk_import_dialog_get_page (dialog));
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_remove (ticker);
}

static GtkWidget *
find_widget (GtkWidget *root,
             GType      type,
             guint      skip)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (G_TYPE_CHECK_INSTANCE_TYPE (child, type) && gtk_widget_get_mapped (child))
        {
          if (skip == 0)
            return child;
          skip--;
        }
      found = find_widget (child, type, skip);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
count_rows (GtkWidget *root,
            guint     *rows,
            guint     *checks)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      if (ADW_IS_ACTION_ROW (child) && gtk_widget_get_mapped (child))
        (*rows)++;
      if (GTK_IS_CHECK_BUTTON (child) && gtk_widget_get_mapped (child))
        (*checks)++;
      count_rows (child, rows, checks);
    }
}

/* A modal window draws nothing through GtkWidgetPaintable here, so the
 * picture is read back from the X server: without a window manager every
 * toplevel sits at (0, 0). Waits a moment so the last frame is on screen. */
static void
save_screenshot (GtkWidget  *widget,
                 const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) screen = NULL;
  g_autoptr(GdkTexture) cropped = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *dir = g_build_filename (g_getenv ("LK_BUILD_ROOT"), "screenshots", NULL);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  gint64 until = g_get_monotonic_time () + G_USEC_PER_SEC / 2;
  guint ticker = g_timeout_add (50, wake_up, NULL);
  int width, height, screen_width, screen_height;
  guint8 *pixels;

  while (g_get_monotonic_time () < until)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (ticker);

  screen = lk_screen_capture_x11 (gtk_widget_get_display (widget), &error);
  g_assert_no_error (error);
  screen_width = gdk_texture_get_width (screen);
  screen_height = gdk_texture_get_height (screen);
  width = MIN (gtk_widget_get_width (widget), screen_width);
  height = MIN (gtk_widget_get_height (widget), screen_height);
  pixels = g_malloc ((gsize) screen_width * screen_height * 4);
  gdk_texture_download (screen, pixels, (gsize) screen_width * 4);
  bytes = g_bytes_new_take (pixels, (gsize) screen_width * screen_height * 4);
  cropped = gdk_memory_texture_new (width, height, GDK_MEMORY_DEFAULT, bytes, (gsize) screen_width * 4);
  g_mkdir_with_parents (dir, 0755);
  g_assert_true (gdk_texture_save_to_png (cropped, path));
  g_test_message ("screenshot: %s", path);
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

static guint
wallet_count (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) tokens = lk_wallet_list_sync (wallet, NULL, &error);

  g_assert_no_error (error);
  return tokens->len;
}

static void
on_imported (LkImportDialog *dialog,
             guint           n,
             guint          *out)
{
  *out = n;
}

static const char db_json[] =
  "{\"version\":2,\"entries\":["
  "{\"type\":\"totp\",\"uuid\":\"1\",\"name\":\"alice@example.com\",\"issuer\":\"ACME\",\"group\":\"Work\","
  " \"info\":{\"secret\":\"" RFC_B32_SHA1 "\",\"algo\":\"SHA1\",\"digits\":6,\"period\":30}},"
  "{\"type\":\"hotp\",\"uuid\":\"2\",\"name\":\"bob\",\"issuer\":\"VPN\","
  " \"info\":{\"secret\":\"" RFC_B32_SHA256 "\",\"algo\":\"SHA256\",\"digits\":8,\"counter\":3}},"
  "{\"type\":\"totp\",\"uuid\":\"3\",\"name\":\"carol\",\"issuer\":\"Legacy\","
  " \"info\":{\"secret\":\"" RFC_B32_SHA1 "\",\"algo\":\"MD5\",\"digits\":6,\"period\":30}},"
  "{\"type\":\"yandex\",\"uuid\":\"4\",\"name\":\"dave\",\"issuer\":\"Yandex\","
  " \"info\":{\"secret\":\"" RFC_B32_SHA256 "\",\"algo\":\"SHA256\",\"digits\":8,\"period\":30}}"
  "]}";

static void
test_encrypted_file (void)
{
  g_autofree char *vault = aegis_encrypted_vault (db_json, "hunter2", 1024, FALSE);
  g_autofree char *path = test_scratch_path ("vault.json");
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  LkImportDialog *dialog;
  GtkWidget *password, *import;
  guint rows = 0, checks = 0, imported = 0;

  wipe_wallet ();
  g_assert_true (g_file_set_contents (path, vault, -1, &error));
  dialog = lk_import_dialog_new (NULL, wallet);
  g_signal_connect (dialog, "imported", G_CALLBACK (on_imported), &imported);
  gtk_window_present (GTK_WINDOW (dialog));
  lk_import_dialog_open_file (dialog, file);
  wait_for_page (dialog, "password");

  /* A wrong password keeps the password page and says so. */
  password = find_widget (GTK_WIDGET (dialog), ADW_TYPE_PASSWORD_ENTRY_ROW, 0);
  g_assert_nonnull (password);
  gtk_editable_set_text (GTK_EDITABLE (password), "wrong");
  g_signal_emit_by_name (password, "entry-activated");
  wait_for_page (dialog, "loading");
  wait_for_page (dialog, "password");
  g_assert_nonnull (find_widget (GTK_WIDGET (dialog), GTK_TYPE_LABEL, 0));
  g_assert_cmpuint (wallet_count (), ==, 0);

  gtk_editable_set_text (GTK_EDITABLE (password), "hunter2");
  g_signal_emit_by_name (password, "entry-activated");
  wait_for_page (dialog, "preview");
  /* The password is not left in the entry. */
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (password)), ==, "");

  /* Every entry is listed; only the two usable ones can be ticked. */
  count_rows (GTK_WIDGET (dialog), &rows, &checks);
  g_assert_cmpuint (rows, ==, 4);
  g_assert_cmpuint (checks, ==, 2);
  save_screenshot (GTK_WIDGET (dialog), "import-preview.png");

  import = find_widget (GTK_WIDGET (dialog), GTK_TYPE_BUTTON, 0);
  g_assert_true (gtk_widget_get_sensitive (import));
  g_signal_emit_by_name (import, "clicked");
  wait_for_page (dialog, "done");
  g_assert_cmpuint (imported, ==, 2);
  g_assert_cmpuint (wallet_count (), ==, 2);
  gtk_window_destroy (GTK_WINDOW (dialog));

  /* The same file again: both are duplicates, nothing is selected. */
  dialog = lk_import_dialog_new (NULL, wallet);
  gtk_window_present (GTK_WINDOW (dialog));
  lk_import_dialog_open_file (dialog, file);
  wait_for_page (dialog, "password");
  password = find_widget (GTK_WIDGET (dialog), ADW_TYPE_PASSWORD_ENTRY_ROW, 0);
  gtk_editable_set_text (GTK_EDITABLE (password), "hunter2");
  g_signal_emit_by_name (password, "entry-activated");
  wait_for_page (dialog, "preview");
  import = find_widget (GTK_WIDGET (dialog), GTK_TYPE_BUTTON, 0);
  g_assert_false (gtk_widget_get_sensitive (import));
  gtk_window_destroy (GTK_WINDOW (dialog));
  g_unlink (path);
}

static void
test_corrupt_file (void)
{
  g_autofree char *path = test_scratch_path ("broken.json");
  g_autoptr(GFile) file = g_file_new_for_path (path);
  LkImportDialog *dialog;

  g_assert_true (g_file_set_contents (path, "{\"version\":1,\"header\":{},\"db\":{\"version\":2,", -1, NULL));
  dialog = lk_import_dialog_new (NULL, wallet);
  gtk_window_present (GTK_WINDOW (dialog));
  lk_import_dialog_open_file (dialog, file);
  wait_for_page (dialog, "error");
  gtk_window_destroy (GTK_WINDOW (dialog));
  g_unlink (path);
}

static char *
part (const char *account,
      int         size,
      int         index,
      int         id)
{
  /* Each account its own seed, so no part duplicates another. */
  GByteArray *otps[] = { pb_otp (account, account, "Google", 1, 1, 2, 0) };
  g_autoptr(GByteArray) payload = pb_payload (otps, 1, size, index, id);

  return migration_uri (payload, TRUE);
}

static void
test_google_batch (void)
{
  g_autofree char *p0 = part ("zero", 3, 0, 77);
  g_autofree char *p1 = part ("one", 3, 1, 77);
  g_autofree char *p2 = part ("two", 3, 2, 77);
  g_autofree char *other = part ("stranger", 2, 0, 78);
  g_autoptr(GError) error = NULL;
  LkImportDialog *dialog;
  AdwStatusPage *page;
  guint rows = 0, checks = 0;

  wipe_wallet ();
  dialog = lk_import_dialog_new (NULL, wallet);
  gtk_window_present (GTK_WINDOW (dialog));

  g_assert_true (lk_import_dialog_add_migration_uri (dialog, p1, &error));
  g_assert_no_error (error);
  wait_for_page (dialog, "batch");
  page = ADW_STATUS_PAGE (find_widget (GTK_WIDGET (dialog), ADW_TYPE_STATUS_PAGE, 0));
  g_assert_cmpstr (adw_status_page_get_title (page), ==, "1 of 3 scanned");
  g_assert_nonnull (strstr (adw_status_page_get_description (page), "1, 3"));

  g_assert_false (lk_import_dialog_add_migration_uri (dialog, other, &error));
  g_assert_error (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_OTHER_BATCH);
  g_clear_error (&error);

  g_assert_true (lk_import_dialog_add_migration_uri (dialog, p2, &error));
  g_assert_cmpstr (adw_status_page_get_title (page), ==, "2 of 3 scanned");
  save_screenshot (GTK_WIDGET (dialog), "import-google-batch.png");
  g_assert_true (lk_import_dialog_add_migration_uri (dialog, p0, &error));
  g_assert_no_error (error);
  wait_for_page (dialog, "preview");
  count_rows (GTK_WIDGET (dialog), &rows, &checks);
  g_assert_cmpuint (rows, ==, 3);
  g_assert_cmpuint (checks, ==, 3);
  g_assert_cmpuint (wallet_count (), ==, 0);
  gtk_window_destroy (GTK_WINDOW (dialog));
}

static void
on_intake_done (LkTokenWindow *window,
                gboolean       ok,
                const char    *message,
                int           *result)
{
  *result = ok ? 1 : 0;
}

/* The Google export QR codes come in through the token window's intake
 * (as from the screen, camera, image or clipboard) and end in the keyring. */
static void
test_window_batch (void)
{
  g_autofree char *p0 = part ("win-zero", 2, 0, 91);
  g_autofree char *p1 = part ("win-one", 2, 1, 91);
  g_autofree char *stranger = part ("stranger", 3, 0, 92);
  LkTokenWindow *window;
  LkImportDialog *dialog;
  GtkWidget *import;
  int result = -1;

  wipe_wallet ();
  window = LK_TOKEN_WINDOW (lk_token_window_new (NULL));
  g_signal_connect (window, "intake-done", G_CALLBACK (on_intake_done), &result);
  gtk_window_present (GTK_WINDOW (window));

  lk_token_window_add_texts (window, (const char * const[]) { p1, NULL });
  g_assert_cmpint (result, ==, 1);
  dialog = g_object_get_data (G_OBJECT (window), "lk-import-dialog");
  g_assert_nonnull (dialog);
  g_assert_false (gtk_window_get_modal (GTK_WINDOW (dialog)));
  wait_for_page (dialog, "batch");

  /* A code of another export is refused and the batch is kept. */
  result = -1;
  lk_token_window_add_texts (window, (const char * const[]) { stranger, NULL });
  g_assert_cmpint (result, ==, 0);
  g_assert_true (g_object_get_data (G_OBJECT (window), "lk-import-dialog") == dialog);
  g_assert_cmpstr (lk_import_dialog_get_page (dialog), ==, "batch");

  lk_token_window_add_texts (window, (const char * const[]) { p0, NULL });
  wait_for_page (dialog, "preview");
  import = find_widget (GTK_WIDGET (dialog), GTK_TYPE_BUTTON, 0);
  g_signal_emit_by_name (import, "clicked");
  wait_for_page (dialog, "done");
  g_assert_cmpuint (wallet_count (), ==, 2);
  gtk_window_destroy (GTK_WINDOW (dialog));
  g_assert_null (g_object_get_data (G_OBJECT (window), "lk-import-dialog"));
  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *schema_dir = NULL;
  int status;

  /* No G_TEST_OPTION_ISOLATE_DIRS: it hides the icon theme from GTK;
   * lk-test-session.sh already gives fresh HOME and XDG directories. */
  g_test_init (&argc, &argv, NULL);
  schema_dir = g_build_filename (g_getenv ("LK_BUILD_ROOT"), "data", NULL);
  g_setenv ("GSETTINGS_SCHEMA_DIR", schema_dir, TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  gtk_init ();
  adw_init ();
  wallet = lk_wallet_new ();

  g_test_add_func ("/import/dialog/encrypted-file", test_encrypted_file);
  g_test_add_func ("/import/dialog/corrupt-file", test_corrupt_file);
  g_test_add_func ("/import/dialog/google-batch", test_google_batch);
  g_test_add_func ("/import/dialog/window-batch", test_window_batch);

  status = g_test_run ();
  g_object_unref (wallet);
  return status;
}
