/* SPDX-License-Identifier: GPL-3.0-or-later
 * The export dialog under Xvfb with a real gnome-keyring: QR codes read back from the screen's texture, and the Aegis vault imported again. */
#include "config.h"

#include <string.h>
#include <sys/stat.h>
#include <adwaita.h>
#include <glib/gstdio.h>

#include "../wallet/import-test-util.h"
#include "lk-export-dialog.h"
#include "lk-import-aegis.h"
#include "lk-qr.h"
#include "lk-screen-capture.h"
#include "lk-wallet.h"

#define WAIT_LIMIT_US (30 * G_USEC_PER_SEC)

static LkWallet *wallet;

static gboolean
wake_up (gpointer unused)
{
  return G_SOURCE_CONTINUE;
}

static void
wait_for_page (LkExportDialog *dialog,
               const char     *page)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_LIMIT_US;
  guint ticker = g_timeout_add (50, wake_up, NULL);

  while (g_strcmp0 (lk_export_dialog_get_page (dialog), page) != 0)
    {
      if (g_get_monotonic_time () >= deadline)
        g_error ("waited for page %s, still on %s", page, lk_export_dialog_get_page (dialog));
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_remove (ticker);
}

static GtkWidget *
find_widget (GtkWidget  *root,
             GType       type,
             guint      *skip)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (G_TYPE_CHECK_INSTANCE_TYPE (child, type) && gtk_widget_get_mapped (child))
        {
          if (*skip == 0)
            return child;
          (*skip)--;
        }
      found = find_widget (child, type, skip);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static GtkWidget *
nth_widget (GtkWidget *root,
            GType      type,
            guint      n)
{
  return find_widget (root, type, &n);
}

static GtkWidget *
button_with_tooltip (GtkWidget  *root,
                     const char *tooltip)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (GTK_IS_BUTTON (child) && g_strcmp0 (gtk_widget_get_tooltip_text (child), tooltip) == 0)
        return child;
      found = button_with_tooltip (child, tooltip);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static GtkWidget *
button_with_label (GtkWidget  *root,
                   const char *label)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (GTK_IS_BUTTON (child) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (child)), label) == 0)
        return child;
      found = button_with_label (child, label);
      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Decodes the QR code the dialog shows, from the texture it paints. */
static LkOtpauth *
read_shown_qr (LkExportDialog *dialog)
{
  GdkTexture *texture = GDK_TEXTURE (lk_export_dialog_get_qr_paintable (dialog));
  int width = gdk_texture_get_width (texture);
  int height = gdk_texture_get_height (texture);
  g_autofree guint8 *rgba = g_malloc ((gsize) width * height * 4);
  g_autofree guint8 *gray = g_malloc ((gsize) width * height);
  g_auto(GStrv) texts = NULL;
  g_autoptr(GError) error = NULL;
  LkOtpauth *otp;

  gdk_texture_download (texture, rgba, (gsize) width * 4);
  for (gsize i = 0; i < (gsize) width * height; i++)
    gray[i] = rgba[4 * i + 1];
  texts = lk_qr_decode_gray (gray, (guint) width, (guint) height, (guint) width, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (texts), ==, 1);
  otp = lk_otpauth_parse (texts[0], &error);
  g_assert_no_error (error);
  return otp;
}

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
fill_wallet (void)
{
  const char *uris[] = {
    "otpauth://totp/ACME:alice@example.com?secret=" RFC_B32_SHA1 "&issuer=ACME",
    "otpauth://hotp/VPN:bob?secret=" RFC_B32_SHA256 "&issuer=VPN&counter=4&algorithm=SHA256&digits=8",
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) tokens = lk_wallet_list_sync (wallet, NULL, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < tokens->len; i++)
    g_assert_true (lk_wallet_remove_sync (wallet, ((LkWalletToken *) tokens->pdata[i])->id, NULL, NULL));
  for (guint i = 0; i < G_N_ELEMENTS (uris); i++)
    {
      g_autoptr(LkOtpauth) otp = lk_otpauth_parse (uris[i], &error);
      g_autoptr(LkWalletToken) token = NULL;

      g_assert_no_error (error);
      token = lk_wallet_token_new (otp);
      token->created = 1000 + i;
      g_assert_true (lk_wallet_add_sync (wallet, token, NULL, &error));
      g_assert_no_error (error);
    }
}

static void
test_qr_codes (void)
{
  LkExportDialog *dialog;
  g_autoptr(LkOtpauth) first = NULL;
  g_autoptr(LkOtpauth) second = NULL;
  const LkWalletToken *shown;
  GtkWidget *next;

  fill_wallet ();
  dialog = lk_export_dialog_new (NULL, wallet, NULL);
  gtk_window_present (GTK_WINDOW (dialog));
  wait_for_page (dialog, "choose");

  lk_export_dialog_show_qr_codes (dialog);
  wait_for_page (dialog, "qr");
  shown = lk_export_dialog_get_shown_token (dialog);
  first = read_shown_qr (dialog);
  g_assert_true (lk_otpauth_equal (first, shown->otpauth));
  save_screenshot (GTK_WIDGET (dialog), "export-qr.png");

  next = button_with_tooltip (GTK_WIDGET (dialog), "Next Token");
  g_assert_nonnull (next);
  g_assert_true (gtk_widget_get_sensitive (next));
  g_signal_emit_by_name (next, "clicked");
  g_assert_false (gtk_widget_get_sensitive (next));
  shown = lk_export_dialog_get_shown_token (dialog);
  second = read_shown_qr (dialog);
  g_assert_true (lk_otpauth_equal (second, shown->otpauth));
  g_assert_false (lk_otpauth_equal (first, second));
  gtk_window_destroy (GTK_WINDOW (dialog));
}

static void
test_vault (void)
{
  g_autofree char *path = test_scratch_path ("export.json");
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autofree char *text = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GError) error = NULL;
  LkExportDialog *dialog;
  GtkWidget *password, *confirm, *save;
  GStatBuf st;
  gsize len = 0;

  fill_wallet ();
  dialog = lk_export_dialog_new (NULL, wallet, NULL);
  gtk_window_present (GTK_WINDOW (dialog));
  wait_for_page (dialog, "choose");
  g_signal_emit_by_name (nth_widget (GTK_WIDGET (dialog), ADW_TYPE_ACTION_ROW, 0), "activated");
  wait_for_page (dialog, "password");

  password = nth_widget (GTK_WIDGET (dialog), ADW_TYPE_PASSWORD_ENTRY_ROW, 0);
  confirm = nth_widget (GTK_WIDGET (dialog), ADW_TYPE_PASSWORD_ENTRY_ROW, 1);
  g_assert_nonnull (confirm);

  /* Too short, then not matching: no saving. */
  gtk_editable_set_text (GTK_EDITABLE (password), "short");
  gtk_editable_set_text (GTK_EDITABLE (confirm), "short");
  save = button_with_label (GTK_WIDGET (dialog), "_Save Vault…");
  g_assert_nonnull (save);
  g_assert_false (gtk_widget_get_sensitive (save));
  gtk_editable_set_text (GTK_EDITABLE (password), "correct horse");
  gtk_editable_set_text (GTK_EDITABLE (confirm), "correct horsf");
  g_assert_false (gtk_widget_get_sensitive (save));
  gtk_editable_set_text (GTK_EDITABLE (confirm), "correct horse");
  g_assert_true (gtk_widget_get_sensitive (save));

  lk_export_dialog_save_vault (dialog, file);
  wait_for_page (dialog, "saved");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (password)), ==, "");
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  g_assert_true (g_file_get_contents (path, &text, &len, &error));
  entries = lk_import_aegis_parse ((const guint8 *) text, len, "correct horse", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (entries->len, ==, 2);
  assert_code (entry_at (entries, 0), 59, "287082");
  g_assert_cmpuint (entry_at (entries, 1)->token->counter, ==, 4);
  gtk_window_destroy (GTK_WINDOW (dialog));
  g_unlink (path);
}

int
main (int    argc,
      char **argv)
{
  int status;

  /* No G_TEST_OPTION_ISOLATE_DIRS: it hides the icon theme from GTK;
   * lk-test-session.sh already gives fresh HOME and XDG directories. */
  g_test_init (&argc, &argv, NULL);
  gtk_init ();
  adw_init ();
  wallet = lk_wallet_new ();

  g_test_add_func ("/export/dialog/qr-codes", test_qr_codes);
  g_test_add_func ("/export/dialog/vault", test_vault);

  status = g_test_run ();
  g_object_unref (wallet);
  return status;
}
