/* SPDX-License-Identifier: GPL-3.0-or-later
 * The bulk import dialog (lk-admin-import-dialog.h): the file is read and
 * decrypted off the main thread, then sent through the backend in chunks. */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "lk-admin-import-dialog.h"
#include "lk-backend-import.h"
#include "lk-pskc.h"
#include "lk-secure.h"

/* Rows listed on the report page; the CSV always has them all. */
#define MAX_LISTED_PROBLEMS 500
/* A PEM private key or certificate is a few KiB: anything larger is not one,
 * and the key is read into one buffer that is wiped (no reallocation that
 * would leave copies behind). */
#define MAX_PEM_SIZE (64 * 1024)

typedef enum
{
  CHOOSING_FILE,
  CHOOSING_SIGNER,
  CHOOSING_PRIVATE_KEY,
  CHOOSING_REPORT,
} Choosing;

struct _LkAdminImportDialog
{
  AdwWindow            parent_instance;

  /* template */
  AdwWindowTitle      *window_title;
  GtkButton           *close_button;
  GtkButton           *import_button;
  GtkStack            *stack;
  AdwComboRow         *kind_row;
  AdwActionRow        *file_row;
  AdwPreferencesGroup *protection_group;
  AdwPasswordEntryRow *key_row;
  AdwPasswordEntryRow *password_row;
  AdwExpanderRow      *advanced_row;
  AdwActionRow        *signer_row;
  AdwActionRow        *private_key_row;
  GtkSwitch           *untrusted_switch;
  GtkSwitch           *dry_run_switch;
  AdwPreferencesGroup *error_group;
  GtkLabel            *error_label;
  GtkLabel            *running_label;
  GtkProgressBar      *progress_bar;
  GtkLabel            *summary_label;
  GtkLabel            *detail_label;
  GtkScrolledWindow   *problems_scroller;
  GtkListBox          *problems_list;

  /* state */
  LkBackend            *backend;
  GFile                *file;
  GCancellable         *cancellable;   /* reading the file; cancelled on close */
  GCancellable         *stop;          /* the import: Stop, or close */
  GtkFileChooserNative *chooser;
  Choosing              choosing;
  GFile                *signer_file;       /* the vendor's certificate to trust, or NULL */
  GFile                *private_key_file;  /* read only while a file is read, then wiped */
  LkBulkReport         *report;
  LkPskcSignature       signature;         /* of the file the report is about */
  char                 *signer;            /* its signer's subject, or NULL */
  char                 *error;
};

enum
{
  SIGNAL_PROGRESS,
  SIGNAL_FINISHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (LkAdminImportDialog, lk_admin_import_dialog, ADW_TYPE_WINDOW)

static LkAdminImportKind
current_kind (LkAdminImportDialog *self)
{
  return adw_combo_row_get_selected (self->kind_row) == 1 ? LK_ADMIN_IMPORT_USERS : LK_ADMIN_IMPORT_PSKC;
}

static void
set_state (LkAdminImportDialog *self,
           const char          *state)
{
  gboolean setup = g_str_equal (state, "setup");
  gboolean running = g_str_equal (state, "running");

  gtk_stack_set_visible_child_name (self->stack, state);
  gtk_widget_set_visible (GTK_WIDGET (self->import_button), setup);
  /* While importing, the page's own Stop button is the way out. */
  gtk_widget_set_visible (GTK_WIDGET (self->close_button), !running);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "import.start", setup);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "import.stop", running);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "import.copy-report", g_str_equal (state, "report"));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "import.save-report", g_str_equal (state, "report"));
  gtk_button_set_label (self->close_button, setup ? _("_Cancel") : _("_Close"));
}

static void
show_error (LkAdminImportDialog *self,
            const char          *message)
{
  g_free (self->error);
  self->error = g_strdup (message);
  gtk_label_set_text (self->error_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_group), message != NULL);
  set_state (self, "setup");
  /* The error is at the top of the form: show it even when the Import
   * button was pressed with the Advanced section scrolled into view. */
  if (message != NULL)
    {
      GtkWidget *scroller = gtk_widget_get_ancestor (GTK_WIDGET (self->error_group), GTK_TYPE_SCROLLED_WINDOW);

      if (scroller != NULL)
        gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller)), 0.0);
      /* Focused, a screen reader reads it; unselected, it reads as text. */
      gtk_widget_grab_focus (GTK_WIDGET (self->error_label));
      gtk_label_select_region (self->error_label, 0, 0);
    }
}

/* ---- the report ------------------------------------------------------------ */

/* A login or a reason comes from the imported file: a cell that starts like
 * a formula (=, +, -, @, tab, CR) gets a leading apostrophe so that a
 * spreadsheet opening the report shows it as text instead of running it
 * (OWASP, CSV injection). */
static void
append_csv_field (GString    *out,
                  const char *text)
{
  gboolean formula;

  if (text == NULL)
    return;
  formula = strchr ("=+-@\t\r", text[0]) != NULL && text[0] != '\0';
  if (strpbrk (text, ",\"\r\n") == NULL)
    {
      if (formula)
        g_string_append_c (out, '\'');
      g_string_append (out, text);
      return;
    }
  g_string_append_c (out, '"');
  if (formula)
    g_string_append_c (out, '\'');
  for (const char *p = text; *p; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

char *
lk_admin_import_dialog_dup_report_csv (LkAdminImportDialog *self)
{
  GString *out;

  g_return_val_if_fail (LK_IS_ADMIN_IMPORT_DIALOG (self), NULL);

  if (self->report == NULL)
    return NULL;
  out = g_string_new ("line,item,status,reason\r\n");
  for (guint i = 0; i < self->report->outcomes->len; i++)
    {
      const LkBulkOutcome *o = self->report->outcomes->pdata[i];

      if (o->status != LK_BULK_FAILED && o->status != LK_BULK_CONFLICT)
        continue;
      g_string_append_printf (out, "%u,", o->line);
      append_csv_field (out, o->item);
      g_string_append_printf (out, ",%s,", lk_bulk_status_to_string (o->status));
      append_csv_field (out, o->message);
      g_string_append (out, "\r\n");
    }
  return g_string_free (out, FALSE);
}

static GtkWidget *
problem_row (const LkBulkOutcome *o,
             LkAdminImportKind    kind)
{
  GtkWidget *row = adw_action_row_new ();
  const char *item = o->item != NULL ? o->item : _("(none)");
  g_autofree char *title = NULL;

  /* A CSV row by its line; a PSKC key by its place in the file. */
  if (kind == LK_ADMIN_IMPORT_USERS)
    title = g_strdup_printf (o->status == LK_BULK_CONFLICT ? _("Line %u · %s · conflict") : _("Line %u · %s · failed"),
                             o->line, item);
  else
    title = g_strdup_printf (o->status == LK_BULK_CONFLICT ? _("Key %u · %s · conflict") : _("Key %u · %s · failed"),
                             o->line, item);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), o->message != NULL ? o->message : "");
  adw_preferences_row_set_title_selectable (ADW_PREFERENCES_ROW (row), TRUE);
  return row;
}

static void
show_report (LkAdminImportDialog *self)
{
  const LkBulkReport *r = self->report;
  guint done = r->outcomes->len;
  guint problems = r->counts[LK_BULK_FAILED] + r->counts[LK_BULK_CONFLICT];
  guint listed = 0;
  g_autofree char *summary = NULL;
  g_autoptr(GString) detail = g_string_new (NULL);
  GtkListBoxRow *row;

  if (r->cancelled)
    summary = g_strdup_printf (_("Stopped after %u of %u items"), done, r->total);
  else if (r->dry_run)
    summary = g_strdup_printf (_("Dry run of %u items: nothing was written"), r->total);
  else
    summary = g_strdup_printf (_("Import finished: %u items"), r->total);
  gtk_label_set_text (self->summary_label, summary);

  g_string_append_printf (detail, _("Added: %u · Assigned: %u · Skipped (already there): %u · Conflicts: %u · "
                                    "Failed: %u"),
                          r->counts[LK_BULK_ADDED], r->counts[LK_BULK_ASSIGNED], r->counts[LK_BULK_SKIPPED],
                          r->counts[LK_BULK_CONFLICT], r->counts[LK_BULK_FAILED]);
  if (self->signature == LK_PSKC_SIGNED_TRUSTED)
    {
      g_string_append (detail, "\n");
      g_string_append_printf (detail, _("Signature verified: signed by “%s”."), self->signer);
    }
  else if (self->signature == LK_PSKC_SIGNED_UNTRUSTED)
    {
      g_string_append (detail, "\n");
      g_string_append_printf (detail, _("Warning: the signature is valid, but its signer “%s” is the certificate "
                                        "inside the file, not one you chose."), self->signer);
    }
  if (r->cancelled)
    {
      g_string_append (detail, "\n");
      g_string_append (detail, _("What was imported stays. Import the same file again to resume: items already "
                                 "there are skipped."));
    }
  gtk_label_set_text (self->detail_label, detail->str);

  /* Rows only: the placeholder is a child of the list too. */
  while ((row = gtk_list_box_get_row_at_index (self->problems_list, 0)) != NULL)
    gtk_list_box_remove (self->problems_list, GTK_WIDGET (row));
  for (guint i = 0; i < r->outcomes->len && listed < MAX_LISTED_PROBLEMS; i++)
    {
      const LkBulkOutcome *o = r->outcomes->pdata[i];

      if (o->status == LK_BULK_FAILED || o->status == LK_BULK_CONFLICT)
        {
          gtk_list_box_append (self->problems_list, problem_row (o, current_kind (self)));
          listed++;
        }
    }
  if (problems > listed)
    {
      GtkWidget *more_row = adw_action_row_new ();
      g_autofree char *more = g_strdup_printf (_("%u more: save the report to see them all"), problems - listed);

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (more_row), more);
      gtk_list_box_append (self->problems_list, more_row);
    }
  set_state (self, "report");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "import.copy-report", problems > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "import.save-report", problems > 0);
  gtk_widget_grab_focus (GTK_WIDGET (self->close_button));
  g_signal_emit (self, signals[SIGNAL_FINISHED], 0);
}

/* ---- running --------------------------------------------------------------- */

static void
on_progress (guint    done,
             guint    total,
             gpointer user_data)
{
  LkAdminImportDialog *self = user_data;
  g_autofree char *text = g_strdup_printf (_("%u of %u"), done, total);

  gtk_progress_bar_set_fraction (self->progress_bar, total > 0 ? (double) done / total : 1.0);
  gtk_progress_bar_set_text (self->progress_bar, text);
  g_signal_emit (self, signals[SIGNAL_PROGRESS], 0, done, total);
}

static void
imported (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(LkAdminImportDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  LkBulkReport *report = lk_backend_import_finish (LK_BACKEND (source), result, &error);

  /* Closed while the last chunk ran: its widgets are gone. */
  if (g_cancellable_is_cancelled (self->cancellable))
    {
      g_clear_pointer (&report, lk_bulk_report_free);
      return;
    }
  if (report == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error (self, error->message);
      return;
    }
  g_clear_pointer (&self->report, lk_bulk_report_free);
  self->report = report;
  show_report (self);
}

typedef struct
{
  LkAdminImportKind kind;
  GBytes           *contents;    /* wiped: a plain PSKC file holds seeds */
  guint8            key[32];
  gsize             key_len;
  char             *password;
  GFile            *signer_file;
  GFile            *private_key_file;
  gboolean          allow_untrusted_signer;
  LkPskcInfo        info;        /* out: the signature found */
} ParseData;

static void
parse_data_free (ParseData *data)
{
  g_clear_pointer (&data->contents, g_bytes_unref);
  lk_secure_wipe (data->key, sizeof data->key);
  lk_secure_str_free (data->password);
  g_clear_object (&data->signer_file);
  g_clear_object (&data->private_key_file);
  lk_pskc_info_clear (&data->info);
  g_free (data);
}

/* Reads a PEM file of at most MAX_PEM_SIZE bytes into one buffer of
 * *out_size bytes (NUL-terminated), which the caller wipes and frees: it
 * may hold a private key. */
static char *
load_pem (GFile         *file,
          gboolean       private_key,
          gsize         *out_size,
          GCancellable  *cancellable,
          GError       **error)
{
  g_autoptr(GFileInputStream) in = NULL;
  g_autoptr(GError) local = NULL;
  g_autofree char *name = g_file_get_parse_name (file);
  gsize size = MAX_PEM_SIZE + 1;
  char *buf;
  gsize n = 0;

  in = g_file_read (file, cancellable, &local);
  if (in == NULL)
    {
      g_set_error (error, local->domain, local->code,
                   private_key ? _("The private key could not be read: %s")
                               : _("The signing certificate could not be read: %s"), local->message);
      return NULL;
    }
  buf = g_malloc (size);
  if (!g_input_stream_read_all (G_INPUT_STREAM (in), buf, size, &n, cancellable, &local) || n == size)
    {
      lk_secure_wipe (buf, size);
      g_free (buf);
      if (local != NULL)
        g_set_error (error, local->domain, local->code,
                     private_key ? _("The private key could not be read: %s")
                                 : _("The signing certificate could not be read: %s"), local->message);
      else
        g_set_error (error, LK_BULK_ERROR, LK_BULK_ERROR_REFUSED,
                     _("“%s” is larger than 64 KiB: not a PEM certificate or key"), name);
      return NULL;
    }
  buf[n] = '\0';
  *out_size = size;
  return buf;
}

static GPtrArray *
read_pskc (ParseData     *data,
           const char    *text,
           gsize          len,
           GCancellable  *cancellable,
           GError       **error)
{
  LkPskcProtection protection = { 0 };
  g_autofree char *signer_pem = NULL;
  char *private_pem = NULL;
  gsize signer_size = 0, private_size = 0;
  GPtrArray *items;

  if (data->key_len > 0)
    {
      protection.key = data->key;
      protection.key_len = data->key_len;
    }
  protection.password = data->password;
  protection.allow_untrusted_signer = data->allow_untrusted_signer;
  if (data->signer_file != NULL)
    {
      signer_pem = load_pem (data->signer_file, FALSE, &signer_size, cancellable, error);
      if (signer_pem == NULL)
        return NULL;
      protection.signer_cert_pem = signer_pem;
    }
  if (data->private_key_file != NULL)
    {
      private_pem = load_pem (data->private_key_file, TRUE, &private_size, cancellable, error);
      if (private_pem == NULL)
        return NULL;
      protection.private_key_pem = private_pem;
    }
  items = lk_pskc_read_full (text, len, &protection, &data->info, error);
  if (private_pem != NULL)
    {
      lk_secure_wipe (private_pem, private_size);
      g_free (private_pem);
    }
  return items;
}

static void
parse_in_thread (GTask        *task,
                 gpointer      source,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  ParseData *data = task_data;
  gsize len = 0;
  const char *text = g_bytes_get_data (data->contents, &len);
  GError *error = NULL;
  GPtrArray *items;

  if (data->kind == LK_ADMIN_IMPORT_PSKC)
    items = read_pskc (data, text, len, cancellable, &error);
  else
    items = lk_bulk_user_rows (text, len, &error);
  if (items == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, items, (GDestroyNotify) g_ptr_array_unref);
}

/* @message without its last clause when that clause names a command-line
 * option (“…: give it with --key”): the dialog says where its own field is
 * instead. The clause follows the last colon before the option, in every
 * translation. */
static char *
without_option_clause (const char *message)
{
  const char *option = strstr (message, "--");
  const char *colon = NULL;
  g_autofree char *head = NULL;

  for (const char *p = message; option != NULL && p < option; p++)
    if (*p == ':')
      colon = p;
  if (colon == NULL)
    return g_strdup (message);
  head = g_strndup (message, (gsize) (colon - message));
  return g_strconcat (g_strchomp (head), ".", NULL);
}

/* The reader's messages name the command's options; say where the dialog
 * has them. */
static void
show_parse_error (LkAdminImportDialog *self,
                  const GError        *error)
{
  /* The option names are not translated: they tell which key is missing. */
  gboolean rsa = strstr (error->message, "--private-key") != NULL;
  g_autofree char *text = NULL;
  const char *hint = NULL;

  if (g_error_matches (error, LK_BULK_ERROR, LK_BULK_ERROR_UNTRUSTED_SIGNER))
    hint = _("Under Advanced, choose the vendor’s signing certificate.");
  else if (g_error_matches (error, LK_BULK_ERROR, LK_BULK_ERROR_KEY_NEEDED) && rsa)
    hint = _("Under Advanced, choose the private key of the certificate the file is encrypted to.");
  else if (g_error_matches (error, LK_BULK_ERROR, LK_BULK_ERROR_KEY_NEEDED))
    hint = _("Give it in the Protection section above.");
  if (g_error_matches (error, LK_BULK_ERROR, LK_BULK_ERROR_UNTRUSTED_SIGNER) || (hint != NULL && rsa))
    adw_expander_row_set_expanded (self->advanced_row, TRUE);
  if (hint != NULL)
    {
      g_autofree char *message = without_option_clause (error->message);

      text = g_strdup_printf ("%s\n%s", message, hint);
    }
  else
    text = g_strdup (error->message);
  show_error (self, text);
}

static void
parsed (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  g_autoptr(LkAdminImportDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) items = g_task_propagate_pointer (G_TASK (result), &error);
  ParseData *data = g_task_get_task_data (G_TASK (result));
  gboolean dry_run = gtk_switch_get_active (self->dry_run_switch);

  if (items == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_parse_error (self, error);
      return;
    }
  self->signature = data->info.signature;
  g_free (self->signer);
  self->signer = g_strdup (data->info.signer);
  gtk_label_set_text (self->running_label, current_kind (self) == LK_ADMIN_IMPORT_PSKC
                                           ? (dry_run ? _("Checking key fobs…") : _("Importing key fobs…"))
                                           : (dry_run ? _("Checking users…") : _("Importing users…")));
  g_clear_object (&self->stop);
  self->stop = g_cancellable_new ();
  /* The progress callback needs no reference: it is not called once
   * self->stop is cancelled, which dispose does. */
  if (current_kind (self) == LK_ADMIN_IMPORT_PSKC)
    lk_backend_import_keys_async (self->backend, items, dry_run, on_progress, self, NULL, self->stop, imported,
                                  g_object_ref (self));
  else
    lk_backend_import_user_rows_async (self->backend, items, dry_run, on_progress, self, NULL, self->stop,
                                       imported, g_object_ref (self));
}

static void
file_loaded (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  GTask *outer = user_data;
  ParseData *data = g_task_get_task_data (outer);
  g_autoptr(GError) error = NULL;
  char *contents = NULL;
  gsize len = 0;

  if (!g_file_load_contents_finish (G_FILE (source), result, &contents, &len, NULL, &error))
    {
      g_task_return_error (outer, g_steal_pointer (&error));
      g_object_unref (outer);
      return;
    }
  data->contents = lk_secure_bytes_new_take (contents, len);
  g_task_run_in_thread (outer, parse_in_thread);
  g_object_unref (outer);
}

void
lk_admin_import_dialog_start (LkAdminImportDialog *self)
{
  g_autofree char *key_hex = NULL;
  const char *password;
  ParseData *data;
  GTask *task;

  g_return_if_fail (LK_IS_ADMIN_IMPORT_DIALOG (self));

  if (!g_str_equal (lk_admin_import_dialog_get_state (self), "setup"))
    return;   /* one import at a time */
  if (self->file == NULL)
    {
      show_error (self, _("Choose a file first."));
      return;
    }
  data = g_new0 (ParseData, 1);
  data->kind = current_kind (self);
  if (data->kind == LK_ADMIN_IMPORT_PSKC)
    {
      key_hex = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->key_row)));
      password = gtk_editable_get_text (GTK_EDITABLE (self->password_row));
      if (*g_strstrip (key_hex) != '\0' && *password != '\0')
        {
          lk_secure_wipe (key_hex, strlen (key_hex));
          parse_data_free (data);
          show_error (self, _("Give the pre-shared key or the password, not both."));
          return;
        }
      if (*key_hex != '\0' && !lk_bulk_parse_hex_key (key_hex, data->key, &data->key_len))
        {
          lk_secure_wipe (key_hex, strlen (key_hex));
          parse_data_free (data);
          show_error (self, _("The pre-shared key must be 32, 48 or 64 hexadecimal digits."));
          return;
        }
      lk_secure_wipe (key_hex, strlen (key_hex));
      if (*password != '\0')
        data->password = g_strdup (password);
      g_set_object (&data->signer_file, self->signer_file);
      g_set_object (&data->private_key_file, self->private_key_file);
      data->allow_untrusted_signer = gtk_switch_get_active (self->untrusted_switch);
    }
  self->signature = LK_PSKC_UNSIGNED;
  g_clear_pointer (&self->signer, g_free);

  gtk_widget_set_visible (GTK_WIDGET (self->error_group), FALSE);
  g_clear_pointer (&self->error, g_free);
  gtk_label_set_text (self->running_label, _("Reading the file…"));
  gtk_progress_bar_set_fraction (self->progress_bar, 0.0);
  gtk_progress_bar_set_text (self->progress_bar, "");
  set_state (self, "running");

  /* Read and decrypt off the main thread: PBKDF2 and large files take time. */
  task = g_task_new (self, self->cancellable, parsed, g_object_ref (self));
  g_task_set_source_tag (task, lk_admin_import_dialog_start);
  g_task_set_task_data (task, data, (GDestroyNotify) parse_data_free);
  g_file_load_contents_async (self->file, self->cancellable, file_loaded, task);
}

void
lk_admin_import_dialog_stop (LkAdminImportDialog *self)
{
  g_return_if_fail (LK_IS_ADMIN_IMPORT_DIALOG (self));

  if (self->stop != NULL)
    g_cancellable_cancel (self->stop);
  gtk_label_set_text (self->running_label, _("Stopping after the batch under way…"));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "import.stop", FALSE);
}

/* ---- setup ----------------------------------------------------------------- */

void
lk_admin_import_dialog_set_file (LkAdminImportDialog *self,
                                 LkAdminImportKind    kind,
                                 GFile               *file)
{
  g_autofree char *name = NULL;

  g_return_if_fail (LK_IS_ADMIN_IMPORT_DIALOG (self));

  adw_combo_row_set_selected (self->kind_row, kind == LK_ADMIN_IMPORT_USERS ? 1 : 0);
  g_set_object (&self->file, file);
  name = file != NULL ? g_file_get_basename (file) : NULL;
  adw_action_row_set_subtitle (self->file_row, name != NULL ? name : _("None chosen"));
}

void
lk_admin_import_dialog_set_key (LkAdminImportDialog *self,
                                const char          *key_hex,
                                const char          *password)
{
  g_return_if_fail (LK_IS_ADMIN_IMPORT_DIALOG (self));

  gtk_editable_set_text (GTK_EDITABLE (self->key_row), key_hex != NULL ? key_hex : "");
  gtk_editable_set_text (GTK_EDITABLE (self->password_row), password != NULL ? password : "");
}

static void
show_pem_file (AdwActionRow *row,
               GFile        *file)
{
  g_autofree char *name = file != NULL ? g_file_get_basename (file) : NULL;

  adw_action_row_set_subtitle (row, name != NULL ? name : _("None chosen"));
}

void
lk_admin_import_dialog_set_pem_files (LkAdminImportDialog *self,
                                      GFile               *signer_cert,
                                      GFile               *private_key,
                                      gboolean             allow_untrusted_signer)
{
  g_return_if_fail (LK_IS_ADMIN_IMPORT_DIALOG (self));

  g_set_object (&self->signer_file, signer_cert);
  g_set_object (&self->private_key_file, private_key);
  show_pem_file (self->signer_row, signer_cert);
  show_pem_file (self->private_key_row, private_key);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "import.clear-signer", signer_cert != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "import.clear-private-key", private_key != NULL);
  gtk_switch_set_active (self->untrusted_switch, allow_untrusted_signer);
}

void
lk_admin_import_dialog_set_advanced_expanded (LkAdminImportDialog *self,
                                              gboolean             expanded)
{
  g_return_if_fail (LK_IS_ADMIN_IMPORT_DIALOG (self));

  adw_expander_row_set_expanded (self->advanced_row, expanded);
}

LkPskcSignature
lk_admin_import_dialog_get_signature (LkAdminImportDialog *self,
                                      const char         **signer)
{
  g_return_val_if_fail (LK_IS_ADMIN_IMPORT_DIALOG (self), LK_PSKC_UNSIGNED);

  if (signer != NULL)
    *signer = self->signer;
  return self->signature;
}

void
lk_admin_import_dialog_set_dry_run (LkAdminImportDialog *self,
                                    gboolean             dry_run)
{
  g_return_if_fail (LK_IS_ADMIN_IMPORT_DIALOG (self));

  gtk_switch_set_active (self->dry_run_switch, dry_run);
}

static void
on_kind_changed (LkAdminImportDialog *self)
{
  gtk_widget_set_visible (GTK_WIDGET (self->protection_group), current_kind (self) == LK_ADMIN_IMPORT_PSKC);
}

static void
on_file_chosen (GtkNativeDialog     *chooser,
                int                  response,
                LkAdminImportDialog *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      gboolean untrusted = gtk_switch_get_active (self->untrusted_switch);

      if (self->choosing == CHOOSING_SIGNER)
        lk_admin_import_dialog_set_pem_files (self, file, self->private_key_file, untrusted);
      else if (self->choosing == CHOOSING_PRIVATE_KEY)
        lk_admin_import_dialog_set_pem_files (self, self->signer_file, file, untrusted);
      else
        lk_admin_import_dialog_set_file (self, current_kind (self), file);
    }
  g_clear_object (&self->chooser);
}

/* Opens a file chooser for @choosing with @filter and "All files". */
static void
open_chooser (LkAdminImportDialog *self,
              const char          *title,
              GtkFileFilter       *filter,
              Choosing             choosing)
{
  g_autoptr(GtkFileFilter) all = gtk_file_filter_new ();

  gtk_file_filter_set_name (all, _("All files"));
  gtk_file_filter_add_pattern (all, "*");
  g_clear_object (&self->chooser);
  self->chooser = gtk_file_chooser_native_new (title, GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"),
                                               _("_Cancel"));
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), all);
  self->choosing = choosing;
  g_signal_connect (self->chooser, "response", G_CALLBACK (on_file_chosen), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
choose_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  LkAdminImportDialog *self = LK_ADMIN_IMPORT_DIALOG (widget);
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  if (current_kind (self) == LK_ADMIN_IMPORT_PSKC)
    {
      gtk_file_filter_set_name (filter, _("PSKC files"));
      gtk_file_filter_add_pattern (filter, "*.xml");
      gtk_file_filter_add_pattern (filter, "*.pskc");
      gtk_file_filter_add_pattern (filter, "*.pskcxml");
    }
  else
    {
      gtk_file_filter_set_name (filter, _("CSV files"));
      gtk_file_filter_add_pattern (filter, "*.csv");
      gtk_file_filter_add_mime_type (filter, "text/csv");
    }
  open_chooser (self, _("Choose the File to Import"), filter, CHOOSING_FILE);
}

static void
choose_pem_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  gboolean signer = g_str_equal (action_name, "import.choose-signer");
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, signer ? _("Certificates (PEM)") : _("Private keys (PEM)"));
  gtk_file_filter_add_pattern (filter, "*.pem");
  gtk_file_filter_add_pattern (filter, signer ? "*.crt" : "*.key");
  gtk_file_filter_add_pattern (filter, signer ? "*.cer" : "*.pkey");
  open_chooser (LK_ADMIN_IMPORT_DIALOG (widget),
                signer ? _("Choose the Vendor’s Signing Certificate") : _("Choose the Private Key"), filter,
                signer ? CHOOSING_SIGNER : CHOOSING_PRIVATE_KEY);
}

static void
clear_pem_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  LkAdminImportDialog *self = LK_ADMIN_IMPORT_DIALOG (widget);
  gboolean signer = g_str_equal (action_name, "import.clear-signer");

  lk_admin_import_dialog_set_pem_files (self, signer ? NULL : self->signer_file,
                                        signer ? self->private_key_file : NULL,
                                        gtk_switch_get_active (self->untrusted_switch));
}

static void
start_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  lk_admin_import_dialog_start (LK_ADMIN_IMPORT_DIALOG (widget));
}

static void
stop_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  lk_admin_import_dialog_stop (LK_ADMIN_IMPORT_DIALOG (widget));
}

static void
again_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  show_error (LK_ADMIN_IMPORT_DIALOG (widget), NULL);
}

static void
copy_report_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  g_autofree char *csv = lk_admin_import_dialog_dup_report_csv (LK_ADMIN_IMPORT_DIALOG (widget));

  if (csv != NULL)
    gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), csv);
}

static void
report_saved (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(LkAdminImportDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_file_get_basename (G_FILE (source));
  g_autofree char *text = NULL;

  g_file_replace_contents_finish (G_FILE (source), result, NULL, &error);
  if (g_cancellable_is_cancelled (self->cancellable))
    return;   /* closed meanwhile */
  if (error != NULL)
    text = g_strdup_printf (_("The report could not be saved: %s"), error->message);
  else
    text = g_strdup_printf (_("Report saved as %s."), name);
  gtk_label_set_text (self->detail_label, text);
}

void
lk_admin_import_dialog_save_report (LkAdminImportDialog *self,
                                    GFile               *file)
{
  char *csv;
  g_autoptr(GBytes) bytes = NULL;

  g_return_if_fail (LK_IS_ADMIN_IMPORT_DIALOG (self));

  csv = lk_admin_import_dialog_dup_report_csv (self);
  if (csv == NULL)
    return;
  bytes = g_bytes_new_take (csv, strlen (csv));
  g_file_replace_contents_bytes_async (file, bytes, NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION,
                                       self->cancellable, report_saved, g_object_ref (self));
}

static void
on_save_chosen (GtkNativeDialog     *chooser,
                int                  response,
                LkAdminImportDialog *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

      lk_admin_import_dialog_save_report (self, file);
    }
  g_clear_object (&self->chooser);
}

static void
save_report_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  LkAdminImportDialog *self = LK_ADMIN_IMPORT_DIALOG (widget);

  g_clear_object (&self->chooser);
  self->chooser = gtk_file_chooser_native_new (_("Save the Import Report"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), "import-report.csv");
  self->choosing = CHOOSING_REPORT;
  g_signal_connect (self->chooser, "response", G_CALLBACK (on_save_chosen), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

/* ---- accessors ------------------------------------------------------------- */

const char *
lk_admin_import_dialog_get_state (LkAdminImportDialog *self)
{
  g_return_val_if_fail (LK_IS_ADMIN_IMPORT_DIALOG (self), NULL);

  return gtk_stack_get_visible_child_name (self->stack);
}

const char *
lk_admin_import_dialog_get_error (LkAdminImportDialog *self)
{
  g_return_val_if_fail (LK_IS_ADMIN_IMPORT_DIALOG (self), NULL);

  return self->error;
}

const LkBulkReport *
lk_admin_import_dialog_get_report (LkAdminImportDialog *self)
{
  g_return_val_if_fail (LK_IS_ADMIN_IMPORT_DIALOG (self), NULL);

  return g_str_equal (lk_admin_import_dialog_get_state (self), "report") ? self->report : NULL;
}

/* ---- life cycle ------------------------------------------------------------ */

/* Closing (gtk_window_destroy) only unrealizes while a call still holds a
 * reference: stop the import here, between chunks, and drop any answer. */
static void
lk_admin_import_dialog_unrealize (GtkWidget *widget)
{
  LkAdminImportDialog *self = LK_ADMIN_IMPORT_DIALOG (widget);

  g_cancellable_cancel (self->cancellable);
  if (self->stop != NULL)
    g_cancellable_cancel (self->stop);
  GTK_WIDGET_CLASS (lk_admin_import_dialog_parent_class)->unrealize (widget);
}

static void
lk_admin_import_dialog_dispose (GObject *object)
{
  LkAdminImportDialog *self = LK_ADMIN_IMPORT_DIALOG (object);

  /* Closing stops the import between chunks and drops any answer. */
  g_cancellable_cancel (self->cancellable);
  if (self->stop != NULL)
    g_cancellable_cancel (self->stop);
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  gtk_widget_dispose_template (GTK_WIDGET (object), LK_TYPE_ADMIN_IMPORT_DIALOG);

  G_OBJECT_CLASS (lk_admin_import_dialog_parent_class)->dispose (object);
}

static void
lk_admin_import_dialog_finalize (GObject *object)
{
  LkAdminImportDialog *self = LK_ADMIN_IMPORT_DIALOG (object);

  g_clear_object (&self->backend);
  g_clear_object (&self->file);
  g_clear_object (&self->signer_file);
  g_clear_object (&self->private_key_file);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->stop);
  g_clear_pointer (&self->report, lk_bulk_report_free);
  g_free (self->signer);
  g_free (self->error);

  G_OBJECT_CLASS (lk_admin_import_dialog_parent_class)->finalize (object);
}

static void
lk_admin_import_dialog_class_init (LkAdminImportDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lk_admin_import_dialog_dispose;
  object_class->finalize = lk_admin_import_dialog_finalize;
  widget_class->unrealize = lk_admin_import_dialog_unrealize;

  signals[SIGNAL_PROGRESS] = g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                           NULL, G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_UINT);
  signals[SIGNAL_FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                           NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/latchkey/Latchkey/admin/lk-admin-import-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, LkAdminImportDialog, window_title);
  gtk_widget_class_bind_template_child (widget_class, LkAdminImportDialog, close_button);
  gtk_widget_class_bind_template_child (widget_class, LkAdminImportDialog, import_button);
  gtk_widget_class_bind_template_child (widget_class, LkAdminImportDialog, stack);
  gtk_widget_class_bind_template_child (widget_class, LkAdminImportDialog, kind_row);
  gtk_widget_class_bind_template_child (widget_class, LkAdminImportDialog, file_row);
  gtk_widget_class_bind_template_child (widget_class, LkAdminImportDialog, protection_group);
  gtk_widget_class_bind_template_child (widget_class, LkAdminImportDialog, key_row);
  gtk_widget_class_bind_template_child (widget_class, LkAdminImportDialog, password_row);
  gtk_widget_class_bind_template_child (widget_class, LkAdminImportDialog, advanced_row);
  gtk_widget_class_bind_template_child (widget_class, LkAdminImportDialog, signer_row);
  gtk_widget_class_bind_template_child (widget_class, LkAdminImportDialog, private_key_row);
  gtk_widget_class_bind_template_child (widget_class, LkAdminImportDialog, untrusted_switch);
  gtk_widget_class_bind_template_child (widget_class, LkAdminImportDialog, dry_run_switch);
  gtk_widget_class_bind_template_child (widget_class, LkAdminImportDialog, error_group);
  gtk_widget_class_bind_template_child (widget_class, LkAdminImportDialog, error_label);
  gtk_widget_class_bind_template_child (widget_class, LkAdminImportDialog, running_label);
  gtk_widget_class_bind_template_child (widget_class, LkAdminImportDialog, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, LkAdminImportDialog, summary_label);
  gtk_widget_class_bind_template_child (widget_class, LkAdminImportDialog, detail_label);
  gtk_widget_class_bind_template_child (widget_class, LkAdminImportDialog, problems_scroller);
  gtk_widget_class_bind_template_child (widget_class, LkAdminImportDialog, problems_list);

  gtk_widget_class_install_action (widget_class, "import.start", NULL, start_action);
  gtk_widget_class_install_action (widget_class, "import.stop", NULL, stop_action);
  gtk_widget_class_install_action (widget_class, "import.choose", NULL, choose_action);
  gtk_widget_class_install_action (widget_class, "import.again", NULL, again_action);
  gtk_widget_class_install_action (widget_class, "import.choose-signer", NULL, choose_pem_action);
  gtk_widget_class_install_action (widget_class, "import.choose-private-key", NULL, choose_pem_action);
  gtk_widget_class_install_action (widget_class, "import.clear-signer", NULL, clear_pem_action);
  gtk_widget_class_install_action (widget_class, "import.clear-private-key", NULL, clear_pem_action);
  gtk_widget_class_install_action (widget_class, "import.copy-report", NULL, copy_report_action);
  gtk_widget_class_install_action (widget_class, "import.save-report", NULL, save_report_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
lk_admin_import_dialog_init (LkAdminImportDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  {
    GtkWidget *placeholder = gtk_label_new (_("No item failed or conflicted."));

    gtk_widget_add_css_class (placeholder, "dim-label");
    gtk_widget_set_margin_top (placeholder, 18);
    gtk_widget_set_margin_bottom (placeholder, 18);
    gtk_list_box_set_placeholder (self->problems_list, placeholder);
  }
  self->cancellable = g_cancellable_new ();
  g_signal_connect_swapped (self->kind_row, "notify::selected", G_CALLBACK (on_kind_changed), self);
  /* Enter in the key or password field imports, as the button does. */
  g_signal_connect_swapped (self->key_row, "entry-activated", G_CALLBACK (lk_admin_import_dialog_start), self);
  g_signal_connect_swapped (self->password_row, "entry-activated", G_CALLBACK (lk_admin_import_dialog_start), self);
  on_kind_changed (self);
  lk_admin_import_dialog_set_pem_files (self, NULL, NULL, FALSE);
  set_state (self, "setup");
}

LkAdminImportDialog *
lk_admin_import_dialog_new (GtkWindow *parent,
                            LkBackend *backend)
{
  LkAdminImportDialog *self;

  g_return_val_if_fail (LK_IS_BACKEND (backend), NULL);

  self = g_object_new (LK_TYPE_ADMIN_IMPORT_DIALOG, "transient-for", parent, NULL);
  self->backend = g_object_ref (backend);
  return self;
}
