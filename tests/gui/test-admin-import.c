/* SPDX-License-Identifier: GPL-3.0-or-later
 * The admin import dialog under Xvfb on a real backend: opened from the
 * admin window's action, a PSKC file with a wrong key (nothing written),
 * broken XML and a bad key, the right key; a large file stopped midway and
 * run again (what exists is skipped); users from CSV, dry run then real,
 * with the failed rows in the report and its CSV (formula cells defused);
 * signed PSKC files (trusted, another vendor's, tampered, an unchosen
 * signer accepted only with the switch) and files encrypted to a
 * certificate (right, wrong, passphrase-protected key), made by
 * tests/bulk/pskc-test-sign.c. Screenshots of the progress and report
 * pages and of the Advanced section; no GLib warning may be logged.
 *
 * The backend is the embedded engine (master key in the session's real
 * gnome-keyring) or, run by lk-with-server, a real latchkeyd over TLS. */
#include "config.h"

#include <string.h>
#include <adwaita.h>
#include <glib/gstdio.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "lk-admin-import-dialog.h"
#include "lk-admin-test-util.h"
#include "lk-admin-window.h"
#include "lk-pskc.h"
#include "lk-remote-backend.h"
#include "lk-secure.h"
#include "pskc-test-sign.h"

#define FIGURE6_KEY "12345678901234567890123456789012"
#define FIGURE6_SERIAL "987654321"
#define BIG_KEYS 1500

static LkBackend *backend;
static gboolean remote;
static char *dir;
static guint warnings;   /* warnings and criticals logged (libadwaita's included) */

static GLogWriterOutput
count_warnings (GLogLevelFlags   level,
                const GLogField *fields,
                gsize            n_fields,
                gpointer         user_data)
{
  if (level & (G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR))
    warnings++;
  return g_log_writer_default (level, fields, n_fields, user_data);
}

/* ---- helpers ------------------------------------------------------------- */

static GFile *
write_file (const char *name,
            const char *text,
            gssize      len)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, text, len, &error);
  g_assert_no_error (error);
  return g_file_new_for_path (path);
}

static gboolean
not_running (gpointer data)
{
  return !g_str_equal (lk_admin_import_dialog_get_state (data), "running");
}

/* Presses Import (through its action, as a click does) and waits for the
 * report or the error. */
static void
run_import (LkAdminImportDialog *dialog)
{
  g_assert_cmpstr (lk_admin_import_dialog_get_state (dialog), ==, "setup");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "import.start", NULL));
  lk_admin_test_wait_for (not_running, dialog);
}

static gboolean
device_exists (const char *serial)
{
  LkApiRequest *request = lk_api_request_new (LK_API_OP_FIND_DEVICE);
  g_autoptr(LkApiResponse) response = NULL;
  g_autoptr(GError) error = NULL;

  request->serial = g_strdup (serial);
  response = lk_backend_call_sync (backend, request, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (response->error_code == 0 || response->error_code == LK_ENGINE_ERROR_DEVICE_NOT_FOUND);
  return response->error_code == 0;
}

static LkUser *
find_user (const char *login)
{
  LkApiRequest *request = lk_api_request_new (LK_API_OP_FIND_USER);
  g_autoptr(LkApiResponse) response = NULL;
  g_autoptr(GError) error = NULL;

  request->username = g_strdup (login);
  response = lk_backend_call_sync (backend, request, NULL, &error);
  g_assert_no_error (error);
  return response->error_code == 0 ? g_steal_pointer (&response->user) : NULL;
}

static LkAdminImportDialog *
open_dialog (LkAdminWindow **out_window)
{
  LkAdminWindow *window = lk_admin_window_new_for_backend (NULL, backend, "test");
  GListModel *toplevels;
  LkAdminImportDialog *dialog = NULL;

  gtk_window_present (GTK_WINDOW (window));
  /* From the window, as the menu item and Ctrl+I do. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "admin.import", NULL));
  toplevels = gtk_window_get_toplevels ();
  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) w = g_list_model_get_item (toplevels, i);

      if (LK_IS_ADMIN_IMPORT_DIALOG (w))
        dialog = LK_ADMIN_IMPORT_DIALOG (w);
    }
  g_assert_nonnull (dialog);
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (dialog)) == GTK_WINDOW (window));
  *out_window = window;
  return dialog;
}

static char *
figure6 (void)
{
  g_autofree char *path = g_build_filename (LK_TEST_RFC6030_DIR, "figure6.pskcxml", NULL);
  char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return text;
}

/* ---- tests --------------------------------------------------------------- */

static void
test_pskc_keys (void)
{
  LkAdminWindow *window = NULL;
  LkAdminImportDialog *dialog = open_dialog (&window);
  g_autofree char *text = figure6 ();
  g_autoptr(GFile) file = write_file ("figure6.pskcxml", text, -1);
  g_autoptr(GFile) broken = write_file ("broken.pskcxml", "<KeyContainer xmlns=\"urn:ietf:params:xml:ns:keyprov:pskc\"><Key", -1);
  const LkBulkReport *report;

  /* No file yet. */
  run_import (dialog);
  g_assert_nonnull (lk_admin_import_dialog_get_error (dialog));

  /* The wrong key: said plainly, nothing written. */
  lk_admin_import_dialog_set_file (dialog, LK_ADMIN_IMPORT_PSKC, file);
  lk_admin_import_dialog_set_key (dialog, "00000000000000000000000000000000", NULL);
  run_import (dialog);
  g_assert_cmpstr (lk_admin_import_dialog_get_state (dialog), ==, "setup");
  g_assert_nonnull (strstr (lk_admin_import_dialog_get_error (dialog), "wrong key"));
  g_assert_false (device_exists (FIGURE6_SERIAL));
  lk_admin_test_screenshot (GTK_WIDGET (dialog), "admin-import-wrong-key", remote);

  /* No key at all, a key that is not hex, both key and password. */
  lk_admin_import_dialog_set_key (dialog, NULL, NULL);
  run_import (dialog);
  g_assert_nonnull (strstr (lk_admin_import_dialog_get_error (dialog), "key"));
  lk_admin_import_dialog_set_key (dialog, "12345", NULL);
  run_import (dialog);
  g_assert_nonnull (strstr (lk_admin_import_dialog_get_error (dialog), "hexadecimal"));
  lk_admin_import_dialog_set_key (dialog, FIGURE6_KEY, "qwerty");
  run_import (dialog);
  g_assert_nonnull (strstr (lk_admin_import_dialog_get_error (dialog), "not both"));

  /* Broken XML. */
  lk_admin_import_dialog_set_file (dialog, LK_ADMIN_IMPORT_PSKC, broken);
  lk_admin_import_dialog_set_key (dialog, NULL, NULL);
  run_import (dialog);
  g_assert_cmpstr (lk_admin_import_dialog_get_state (dialog), ==, "setup");
  g_assert_nonnull (lk_admin_import_dialog_get_error (dialog));
  g_assert_false (device_exists (FIGURE6_SERIAL));

  /* The right key: one fob added. */
  lk_admin_import_dialog_set_file (dialog, LK_ADMIN_IMPORT_PSKC, file);
  lk_admin_import_dialog_set_key (dialog, FIGURE6_KEY, NULL);
  run_import (dialog);
  g_assert_null (lk_admin_import_dialog_get_error (dialog));
  report = lk_admin_import_dialog_get_report (dialog);
  g_assert_nonnull (report);
  g_assert_cmpuint (report->counts[LK_BULK_ADDED], ==, 1);
  g_assert_true (device_exists (FIGURE6_SERIAL));

  /* Again: skipped. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "import.again", NULL));
  run_import (dialog);
  report = lk_admin_import_dialog_get_report (dialog);
  g_assert_cmpuint (report->counts[LK_BULK_SKIPPED], ==, 1);
  g_assert_cmpuint (report->counts[LK_BULK_ADDED], ==, 0);

  gtk_window_destroy (GTK_WINDOW (dialog));
  gtk_window_destroy (GTK_WINDOW (window));
}

typedef struct
{
  LkAdminImportDialog *dialog;
  guint                calls;
  gboolean             stop;
  gboolean             shot;
} Watch;

static void
on_progress (LkAdminImportDialog *dialog,
             guint                done,
             guint                total,
             Watch               *watch)
{
  watch->calls++;
  g_assert_cmpuint (total, ==, BIG_KEYS);
  if (done == 0 || done == total)
    return;
  /* The import waits for this handler before it sends the next chunk. */
  if (!watch->shot)
    {
      watch->shot = TRUE;
      lk_admin_test_screenshot (GTK_WIDGET (dialog), "admin-import-progress", remote);
    }
  if (watch->stop)
    lk_admin_import_dialog_stop (dialog);
}

static void
test_stop_and_resume (void)
{
  LkAdminWindow *window = NULL;
  LkAdminImportDialog *dialog = open_dialog (&window);
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func ((GDestroyNotify) lk_pskc_key_free);
  g_autoptr(GFile) file = NULL;
  g_autofree char *serial = NULL;
  Watch watch = { dialog, 0, TRUE, FALSE };
  const LkBulkReport *report;
  char *xml;
  guint first;

  /* A vendor file of 1500 TOTP fobs, written with the project's writer
   * under a password. */
  for (guint i = 0; i < BIG_KEYS; i++)
    {
      LkPskcKey *key = lk_pskc_key_new ();
      guint8 seed[20];

      for (guint b = 0; b < sizeof seed; b++)
        seed[b] = (guint8) (i * 7 + b * 13);
      key->index = i + 1;
      key->id = g_strdup_printf ("GUI-%04u", i);
      key->serial = g_strdup (key->id);
      key->kind = LK_PSKC_TOTP;
      key->digits = 6;
      key->period = 30;
      key->secret = lk_secure_bytes_new (seed, sizeof seed);
      g_ptr_array_add (keys, key);
    }
  {
    LkPskcProtection protection = { .password = "fob vendor", .iterations = 1000 };
    g_autoptr(GError) error = NULL;

    xml = lk_pskc_write (keys, &protection, &error);
    g_assert_no_error (error);
    file = write_file ("fobs.pskcxml", xml, -1);
    lk_secure_str_free (xml);
  }

  g_signal_connect (dialog, "progress", G_CALLBACK (on_progress), &watch);
  lk_admin_import_dialog_set_file (dialog, LK_ADMIN_IMPORT_PSKC, file);
  lk_admin_import_dialog_set_key (dialog, NULL, "fob vendor");
  run_import (dialog);
  report = lk_admin_import_dialog_get_report (dialog);
  g_assert_nonnull (report);
  g_assert_true (report->cancelled);
  first = report->counts[LK_BULK_ADDED];
  g_assert_cmpuint (first, >, 0);
  g_assert_cmpuint (first, <, BIG_KEYS);
  serial = g_strdup_printf ("GUI-%04u", first - 1);
  g_assert_true (device_exists (serial));
  g_free (serial);
  serial = g_strdup_printf ("GUI-%04u", BIG_KEYS - 1);
  g_assert_false (device_exists (serial));
  lk_admin_test_screenshot (GTK_WIDGET (dialog), "admin-import-stopped", remote);

  /* Run again to the end: what is there is skipped. */
  watch.stop = FALSE;
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "import.again", NULL));
  run_import (dialog);
  report = lk_admin_import_dialog_get_report (dialog);
  g_assert_false (report->cancelled);
  g_assert_cmpuint (report->counts[LK_BULK_SKIPPED], ==, first);
  g_assert_cmpuint (report->counts[LK_BULK_ADDED], ==, BIG_KEYS - first);
  g_assert_true (device_exists (serial));
  g_assert_cmpuint (watch.calls, >=, 4);

  gtk_window_destroy (GTK_WINDOW (dialog));
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
close_on_progress (LkAdminImportDialog *dialog,
                   guint                done,
                   guint                total,
                   gpointer             data)
{
  if (done > 0 && done < total)
    gtk_window_destroy (GTK_WINDOW (dialog));
}

static gboolean
is_true (gpointer data)
{
  return *(gboolean *) data;
}

static void
on_finalized (gpointer  data,
              GObject  *where)
{
  *(gboolean *) data = TRUE;
}

/* Closing the dialog while a chunk is under way: the chunk completes, no
 * other is sent, and the answer arriving after the close is dropped. */
static void
test_close_while_running (void)
{
  LkAdminWindow *window = NULL;
  LkAdminImportDialog *dialog = open_dialog (&window);
  g_autoptr(GString) csv = g_string_new ("login,email\n");
  g_autoptr(GFile) file = NULL;
  g_autoptr(LkUser) last = NULL;
  gboolean finalized = FALSE;

  for (guint i = 0; i < 3000; i++)
    g_string_append_printf (csv, "closer%04u,closer%04u@example.org\n", i, i);
  file = write_file ("closer.csv", csv->str, (gssize) csv->len);
  g_signal_connect (dialog, "progress", G_CALLBACK (close_on_progress), NULL);
  g_object_weak_ref (G_OBJECT (dialog), on_finalized, &finalized);
  lk_admin_import_dialog_set_file (dialog, LK_ADMIN_IMPORT_USERS, file);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "import.start", NULL));
  /* The dialog lives until the chunk under way has answered. */
  lk_admin_test_wait_for (is_true, &finalized);
  last = find_user ("closer2999");
  g_assert_null (last);
  last = find_user ("closer0000");
  g_assert_nonnull (last);
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
got_clipboard (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  char **slot = user_data;

  *slot = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, NULL);
  if (*slot == NULL)
    *slot = g_strdup ("");
}

static gboolean
is_set (gpointer data)
{
  return *(char **) data != NULL;
}

typedef struct
{
  const char *path;
  const char *text;
} SavedFile;

/* The file is written in one replace: either absent or complete. */
static gboolean
file_holds (gpointer data)
{
  SavedFile *wanted = data;
  g_autofree char *text = NULL;

  return g_file_get_contents (wanted->path, &text, NULL, NULL) && g_str_equal (text, wanted->text);
}

static void
test_users_csv (void)
{
  LkAdminWindow *window = NULL;
  LkAdminImportDialog *dialog = open_dialog (&window);
  g_autoptr(GFile) file = write_file ("staff.csv",
                                      "Login,First name,Last name,Email,Serial\n"
                                      "ann.lee,Ann,Lee,ann@example.org," FIGURE6_SERIAL "\n"
                                      ",Nobody,Here,nobody@example.org,\n"
                                      "bo.chen,Bo,\"Chen, Jr.\",bo@example.org,\n"
                                      "ANN.LEE,Ann,Again,ann2@example.org,\n"
                                      "cy.diaz,Cy,Díaz,not an address,\n"
                                      "dee.ray,Dee,Ray,dee@example.org,\n", -1);
  g_autoptr(LkUser) user = NULL;
  g_autofree char *csv = NULL;
  g_autofree char *clip = NULL;
  const LkBulkReport *report;

  lk_admin_import_dialog_set_file (dialog, LK_ADMIN_IMPORT_USERS, file);
  lk_admin_import_dialog_set_dry_run (dialog, TRUE);
  run_import (dialog);
  report = lk_admin_import_dialog_get_report (dialog);
  g_assert_nonnull (report);
  g_assert_true (report->dry_run);
  g_assert_cmpuint (report->counts[LK_BULK_ADDED], ==, 3);
  g_assert_null (find_user ("ann.lee"));

  lk_admin_import_dialog_set_dry_run (dialog, FALSE);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "import.again", NULL));
  run_import (dialog);
  report = lk_admin_import_dialog_get_report (dialog);
  g_assert_false (report->dry_run);
  g_assert_cmpuint (report->total, ==, 6);
  g_assert_cmpuint (report->counts[LK_BULK_ADDED], ==, 3);
  g_assert_cmpuint (report->counts[LK_BULK_FAILED], ==, 3);
  user = find_user ("ann.lee");
  g_assert_nonnull (user);
  g_assert_cmpuint (user->device_count, ==, 1);
  g_clear_pointer (&user, lk_user_free);
  user = find_user ("bo.chen");
  g_assert_cmpstr (user->last_name, ==, "Chen, Jr.");
  lk_admin_test_screenshot (GTK_WIDGET (dialog), "admin-import-report", remote);

  /* The failed rows with their lines, as CSV; the same on the clipboard. */
  csv = lk_admin_import_dialog_dup_report_csv (dialog);
  g_assert_true (g_str_has_prefix (csv, "line,item,status,reason\r\n"));
  g_assert_nonnull (strstr (csv, "\r\n3,,failed,"));
  g_assert_nonnull (strstr (csv, "\r\n5,ANN.LEE,failed,"));
  g_assert_nonnull (strstr (csv, "\r\n6,cy.diaz,failed,"));
  g_assert_null (strstr (csv, "bo.chen"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "import.copy-report", NULL));
  gdk_clipboard_read_text_async (gtk_widget_get_clipboard (GTK_WIDGET (dialog)), NULL, got_clipboard, &clip);
  lk_admin_test_wait_for (is_set, &clip);
  g_assert_cmpstr (clip, ==, csv);
  /* Saved as a file: the same text. */
  {
    g_autofree char *path = g_build_filename (dir, "report.csv", NULL);
    g_autoptr(GFile) out = g_file_new_for_path (path);
    g_autofree char *saved = NULL;

    SavedFile wanted = { path, csv };

    lk_admin_import_dialog_save_report (dialog, out);
    lk_admin_test_wait_for (file_holds, &wanted);
    g_assert_true (g_file_get_contents (path, &saved, NULL, NULL));
    g_assert_cmpstr (saved, ==, csv);
  }

  /* A second run skips every user already there. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "import.again", NULL));
  run_import (dialog);
  report = lk_admin_import_dialog_get_report (dialog);
  g_assert_cmpuint (report->counts[LK_BULK_SKIPPED], ==, 3);
  g_assert_cmpuint (report->counts[LK_BULK_ADDED], ==, 0);

  gtk_window_destroy (GTK_WINDOW (dialog));
  gtk_window_destroy (GTK_WINDOW (window));
}

/* Cells that a spreadsheet would run as formulas come out as text. */
static void
test_report_formulas (void)
{
  LkAdminWindow *window = NULL;
  LkAdminImportDialog *dialog = open_dialog (&window);
  g_autoptr(GFile) file = write_file ("formulas.csv",
                                      "login,email\n"
                                      "\"=HYPERLINK(\"\"http://evil.example/\"\")\",bad address\n"
                                      "+1+1,bad address\n"
                                      "-2+3,bad address\n"
                                      "@SUM(1),bad address\n"
                                      "\"=1,2\",bad address\n"
                                      "plain.user,bad address\n"
                                      "\"\tab\",bad address\n", -1);
  g_autofree char *csv = NULL;
  const LkBulkReport *report;

  lk_admin_import_dialog_set_file (dialog, LK_ADMIN_IMPORT_USERS, file);
  run_import (dialog);
  report = lk_admin_import_dialog_get_report (dialog);
  g_assert_nonnull (report);
  g_assert_cmpuint (report->counts[LK_BULK_FAILED], ==, 7);
  csv = lk_admin_import_dialog_dup_report_csv (dialog);
  g_test_message ("%s", csv);
  g_assert_nonnull (strstr (csv, "\r\n2,\"'=HYPERLINK(\"\"http://evil.example/\"\")\",failed,"));
  g_assert_nonnull (strstr (csv, "\r\n3,'+1+1,failed,"));
  g_assert_nonnull (strstr (csv, "\r\n4,'-2+3,failed,"));
  g_assert_nonnull (strstr (csv, "\r\n5,'@SUM(1),failed,"));
  g_assert_nonnull (strstr (csv, "\r\n6,\"'=1,2\",failed,"));
  g_assert_nonnull (strstr (csv, "\r\n7,plain.user,failed,"));
  g_assert_nonnull (strstr (csv, "\r\n8,'\tab,failed,"));
  /* No cell of any line starts a formula. */
  for (const char *c = "=+-@\t"; *c != '\0'; c++)
    {
      g_autofree char *bare = g_strdup_printf (",%c", *c);
      g_autofree char *quoted = g_strdup_printf (",\"%c", *c);

      g_assert_null (strstr (csv, bare));
      g_assert_null (strstr (csv, quoted));
    }
  gtk_window_destroy (GTK_WINDOW (dialog));
  gtk_window_destroy (GTK_WINDOW (window));
}

static GFile *
write_pem (const char *name,
           char       *pem)   /* freed */
{
  GFile *file = write_file (name, pem, -1);

  lk_secure_str_free (pem);
  return file;
}

/* With @signer_cert and @private_key chosen, Import is refused with an
 * error holding @expected, and the fob @serial is not written. */
static void
assert_refused (LkAdminImportDialog *dialog,
                GFile               *signer_cert,
                GFile               *private_key,
                gboolean             allow_untrusted,
                const char          *expected,
                const char          *serial)
{
  const char *error;

  lk_admin_import_dialog_set_pem_files (dialog, signer_cert, private_key, allow_untrusted);
  run_import (dialog);
  g_assert_cmpstr (lk_admin_import_dialog_get_state (dialog), ==, "setup");
  error = lk_admin_import_dialog_get_error (dialog);
  g_assert_nonnull (error);
  if (expected != NULL && strstr (error, expected) == NULL)
    g_error ("“%s” is not in the error “%s”", expected, error);
  g_assert_false (device_exists (serial));
}

/* Signed files: another vendor's certificate, a tampered file and an
 * unchosen signer are refused with nothing written; the vendor's
 * certificate imports and the report names the signer; the switch accepts
 * the file's own certificate with a warning. */
static void
test_pskc_signed (void)
{
  LkAdminWindow *window = NULL;
  LkAdminImportDialog *dialog = open_dialog (&window);
  SignSpec spec = { .uri = "#KC1" };
  g_autofree char *xml = signed_container (&spec);
  g_autofree char *bad_xml = g_strdup (xml);
  g_autoptr(GFile) signed_file = NULL, tampered = NULL, vendor = NULL, other = NULL;
  const LkBulkReport *report;
  const char *signer = NULL;

  strstr (bad_xml, "SIG-1")[4] = '2';
  signed_file = write_file ("signed.xml", xml, -1);
  tampered = write_file ("tampered.xml", bad_xml, -1);
  vendor = write_pem ("vendor.pem", cert_pem (pki ()->cert));
  other = write_pem ("other.pem", cert_pem (pki_other ()->cert));

  /* Tampered: refused even with the right certificate. */
  lk_admin_import_dialog_set_file (dialog, LK_ADMIN_IMPORT_PSKC, tampered);
  assert_refused (dialog, vendor, NULL, FALSE, "altered", "SIG-2");

  /* Another vendor's certificate. */
  lk_admin_import_dialog_set_file (dialog, LK_ADMIN_IMPORT_PSKC, signed_file);
  assert_refused (dialog, other, NULL, FALSE, "Someone Else", "SIG-1");

  /* No certificate chosen, switch off: refused, and the way out named. */
  assert_refused (dialog, NULL, NULL, FALSE, "Latchkey Test Vendor", "SIG-1");
  g_assert_nonnull (strstr (lk_admin_import_dialog_get_error (dialog), "Advanced"));
  g_assert_null (strstr (lk_admin_import_dialog_get_error (dialog), "--"));
  lk_admin_test_screenshot (GTK_WIDGET (dialog), "admin-import-untrusted", remote);

  /* A certificate file that is missing, or not PEM. */
  {
    g_autofree char *missing_path = g_build_filename (dir, "missing.pem", NULL);
    g_autoptr(GFile) missing = g_file_new_for_path (missing_path);

    assert_refused (dialog, missing, NULL, FALSE, "could not be read", "SIG-1");
    assert_refused (dialog, signed_file, NULL, FALSE, NULL, "SIG-1");
  }

  /* The vendor's certificate: imported, the signer named. */
  lk_admin_import_dialog_set_pem_files (dialog, vendor, NULL, FALSE);
  run_import (dialog);
  g_assert_null (lk_admin_import_dialog_get_error (dialog));
  report = lk_admin_import_dialog_get_report (dialog);
  g_assert_nonnull (report);
  g_assert_cmpuint (report->counts[LK_BULK_ADDED], ==, 1);
  g_assert_cmpint (lk_admin_import_dialog_get_signature (dialog, &signer), ==, LK_PSKC_SIGNED_TRUSTED);
  g_assert_nonnull (strstr (signer, "Latchkey Test Vendor"));
  g_assert_true (device_exists ("SIG-1"));
  lk_admin_test_screenshot (GTK_WIDGET (dialog), "admin-import-signed-report", remote);

  /* Without a certificate, accepted only with the switch, and said so. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "import.again", NULL));
  lk_admin_import_dialog_set_pem_files (dialog, NULL, NULL, TRUE);
  run_import (dialog);
  report = lk_admin_import_dialog_get_report (dialog);
  g_assert_nonnull (report);
  g_assert_cmpuint (report->counts[LK_BULK_SKIPPED], ==, 1);
  g_assert_cmpint (lk_admin_import_dialog_get_signature (dialog, &signer), ==, LK_PSKC_SIGNED_UNTRUSTED);
  g_assert_nonnull (strstr (signer, "Latchkey Test Vendor"));

  g_assert_cmpuint (warnings, ==, 0);
  gtk_window_destroy (GTK_WINDOW (dialog));
  gtk_window_destroy (GTK_WINDOW (window));
}

static char *
encrypted_key_pem (EVP_PKEY *key)
{
  BIO *bio = BIO_new (BIO_s_mem ());

  g_assert_cmpint (PEM_write_bio_PrivateKey (bio, key, EVP_aes_128_cbc (), (unsigned char *) "passphrase", 10,
                                             NULL, NULL), ==, 1);
  return bio_text (bio);
}

/* A file encrypted to the vendor's certificate: no key, another key, a
 * passphrase-protected key and text that is no key are refused with
 * nothing written; the right key imports. The Advanced section open is the
 * screenshot data/screenshots/admin-import-signed.png comes from. */
static void
test_pskc_rsa (void)
{
  LkAdminWindow *window = NULL;
  LkAdminImportDialog *dialog = open_dialog (&window);
  g_autofree char *xml = rsa_container ("http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p", RSA_PKCS1_OAEP_PADDING,
                                        TRUE);
  g_autoptr(GFile) file = write_file ("rsa.xml", xml, -1);
  g_autoptr(GFile) right = write_pem ("vendor-key.pem", key_pem (pki ()->key));
  g_autoptr(GFile) wrong = write_pem ("other-key.pem", key_pem (pki_other ()->key));
  g_autoptr(GFile) locked = write_pem ("locked-key.pem", encrypted_key_pem (pki ()->key));
  g_autoptr(GFile) vendor = write_pem ("vendor-cert.pem", cert_pem (pki ()->cert));
  g_autoptr(GFile) garbage = write_file ("garbage.pem", "-----BEGIN PRIVATE KEY-----\nnot base64\n", -1);
  const LkBulkReport *report;

  lk_admin_import_dialog_set_file (dialog, LK_ADMIN_IMPORT_PSKC, file);
  assert_refused (dialog, NULL, NULL, FALSE, "private key", "RSA-1");
  g_assert_nonnull (strstr (lk_admin_import_dialog_get_error (dialog), "Advanced"));
  g_assert_null (strstr (lk_admin_import_dialog_get_error (dialog), "--"));
  assert_refused (dialog, NULL, wrong, FALSE, "does not belong", "RSA-1");
  assert_refused (dialog, NULL, locked, FALSE, "unencrypted RSA private key", "RSA-1");
  assert_refused (dialog, NULL, garbage, FALSE, "unencrypted RSA private key", "RSA-1");
  /* The file is not signed: a chosen certificate refuses it. */
  assert_refused (dialog, vendor, right, FALSE, "not signed", "RSA-1");

  /* The Advanced section with both files chosen, error cleared. */
  lk_admin_import_dialog_set_pem_files (dialog, vendor, right, FALSE);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "import.again", NULL));
  lk_admin_import_dialog_set_advanced_expanded (dialog, TRUE);
  /* Tall enough to show the whole form in the screenshot. */
  gtk_window_set_default_size (GTK_WINDOW (dialog), 620, 900);
  lk_admin_test_wait_ms (300);
  lk_admin_test_screenshot (GTK_WIDGET (dialog), "admin-import-signed", remote);
  g_assert_cmpuint (warnings, ==, 0);

  lk_admin_import_dialog_set_pem_files (dialog, NULL, right, FALSE);
  run_import (dialog);
  g_assert_null (lk_admin_import_dialog_get_error (dialog));
  report = lk_admin_import_dialog_get_report (dialog);
  g_assert_nonnull (report);
  g_assert_cmpuint (report->counts[LK_BULK_ADDED], ==, 1);
  g_assert_cmpint (lk_admin_import_dialog_get_signature (dialog, NULL), ==, LK_PSKC_UNSIGNED);
  g_assert_true (device_exists ("RSA-1"));

  g_assert_cmpuint (warnings, ==, 0);
  gtk_window_destroy (GTK_WINDOW (dialog));
  gtk_window_destroy (GTK_WINDOW (window));
}

/* A server that cannot be reached: said plainly, and the form stays. */
static void
test_unreachable (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkBackend) dead = lk_remote_backend_new ("https://127.0.0.1:9/api/v1", "helpdesk", "some-key", &error);
  LkAdminImportDialog *dialog;
  g_autoptr(GFile) file = write_file ("one.csv", "login\nsolo.user\n", -1);

  g_assert_no_error (error);
  dialog = lk_admin_import_dialog_new (NULL, dead);
  gtk_window_present (GTK_WINDOW (dialog));
  lk_admin_import_dialog_set_file (dialog, LK_ADMIN_IMPORT_USERS, file);
  run_import (dialog);
  g_assert_cmpstr (lk_admin_import_dialog_get_state (dialog), ==, "setup");
  g_assert_nonnull (lk_admin_import_dialog_get_error (dialog));
  g_assert_null (lk_admin_import_dialog_get_report (dialog));
  gtk_window_destroy (GTK_WINDOW (dialog));
}

int
main (int argc, char *argv[])
{
  int status;

  /* No G_TEST_OPTION_ISOLATE_DIRS: lk-test-session.sh gives fresh dirs,
   * and isolation would hide the icon theme (see test-admin-window.c). */
  g_test_init (&argc, &argv, NULL);
  g_log_set_writer_func (count_warnings, NULL, NULL);
  {
    g_autofree char *schema_dir = g_build_filename (g_getenv ("LK_BUILD_ROOT"), "data", NULL);

    g_setenv ("GSETTINGS_SCHEMA_DIR", schema_dir, TRUE);
    g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
    g_setenv ("GTK_A11Y", "none", TRUE);
  }
  gtk_init ();
  adw_init ();
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  dir = g_dir_make_tmp ("lk-admin-import-XXXXXX", NULL);
  g_assert_nonnull (dir);
  backend = lk_admin_test_open_backend ("admin-import.db", &remote);

  g_test_add_func ("/admin/import/pskc", test_pskc_keys);
  g_test_add_func ("/admin/import/stop-and-resume", test_stop_and_resume);
  g_test_add_func ("/admin/import/users-csv", test_users_csv);
  g_test_add_func ("/admin/import/report-formulas", test_report_formulas);
  g_test_add_func ("/admin/import/pskc-signed", test_pskc_signed);
  g_test_add_func ("/admin/import/pskc-rsa", test_pskc_rsa);
  g_test_add_func ("/admin/import/unreachable", test_unreachable);
  g_test_add_func ("/admin/import/close-while-running", test_close_while_running);

  status = g_test_run ();
  g_clear_object (&backend);
  pki_free_all ();
  {
    g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
    const char *name;

    while (d != NULL && (name = g_dir_read_name (d)) != NULL)
      {
        g_autofree char *path = g_build_filename (dir, name, NULL);

        g_remove (path);
      }
    g_rmdir (dir);
  }
  g_free (dir);
  return status;
}
