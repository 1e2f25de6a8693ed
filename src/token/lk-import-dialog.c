/* SPDX-License-Identifier: GPL-3.0-or-later
 * The import dialog: password, preview with reasons and duplicates, all-or-nothing import with a progress bar. */
#include "config.h"

#include <glib/gi18n.h>

#include "lk-import-dialog.h"
#include "lk-import-file.h"
#include "lk-import-google.h"
#include "lk-secure.h"
#include "lk-token-intake.h"

struct _LkImportDialog
{
  AdwWindow         parent_instance;

  GtkStack         *stack;
  GtkButton        *import_button;
  AdwPasswordEntryRow *password_row;
  GtkLabel         *password_error;
  AdwStatusPage    *batch_page;
  GtkLabel         *summary_label;
  GtkListBox       *entry_list;
  GtkProgressBar   *progress_bar;
  AdwStatusPage    *done_page;
  AdwStatusPage    *error_page;

  LkWallet         *wallet;
  GCancellable     *cancellable;
  GFile            *file;
  GPtrArray        *entries;       /* LkImportEntry */
  LkImportFormat    format;
  LkMigrationBatch *batch;
};

enum {
  SIGNAL_IMPORTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (LkImportDialog, lk_import_dialog, ADW_TYPE_WINDOW)

static void
show_error (LkImportDialog *self,
            const GError   *error)
{
  adw_status_page_set_description (self->error_page, error->message);
  gtk_stack_set_visible_child_name (self->stack, "error");
  gtk_widget_set_sensitive (GTK_WIDGET (self->import_button), FALSE);
}

static void
update_summary (LkImportDialog *self)
{
  guint selected = 0, duplicates = 0, refused = 0;
  g_autofree char *text = NULL;

  for (guint i = 0; i < self->entries->len; i++)
    {
      const LkImportEntry *entry = g_ptr_array_index (self->entries, i);

      if (entry->token == NULL || entry->reason != NULL)
        refused++;
      else if (entry->duplicate)
        duplicates++;
      if (entry->selected)
        selected++;
    }
  /* Translators: the first line above the import preview. */
  text = g_strdup_printf (_("%s: %u selected, %u duplicates (already in the keyring or earlier in the file), %u cannot be imported."),
                          lk_import_format_describe (self->format), selected, duplicates, refused);
  gtk_label_set_label (self->summary_label, text);
  gtk_widget_set_sensitive (GTK_WIDGET (self->import_button), selected > 0);
}

static void
on_entry_toggled (GtkCheckButton *check,
                  LkImportDialog *self)
{
  LkImportEntry *entry = g_object_get_data (G_OBJECT (check), "lk-import-entry");

  entry->selected = gtk_check_button_get_active (check);
  update_summary (self);
}

static GtkWidget *
create_row (LkImportDialog *self,
            LkImportEntry  *entry)
{
  GtkWidget *row = adw_action_row_new ();
  g_autofree char *subtitle = NULL;

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), entry->name);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  if (entry->token == NULL || entry->reason != NULL)
    {
      GtkWidget *icon = gtk_image_new_from_icon_name ("dialog-warning-symbolic");

      gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      _("Cannot be imported"), -1);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), entry->reason);
      gtk_widget_add_css_class (row, "import-refused");
    }
  else
    {
      GtkWidget *check = gtk_check_button_new ();

      gtk_check_button_set_active (GTK_CHECK_BUTTON (check), entry->selected);
      gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
      g_object_set_data (G_OBJECT (check), "lk-import-entry", entry);
      g_signal_connect (check, "toggled", G_CALLBACK (on_entry_toggled), self);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
      subtitle = g_strdup_printf ("%s · %s · %u%s%s%s",
                                  lk_otpauth_type_to_string (entry->token->type),
                                  lk_hash_to_string (entry->token->algorithm),
                                  entry->token->digits,
                                  entry->group != NULL ? " · " : "",
                                  entry->group != NULL ? entry->group : "",
                                  entry->duplicate ? _(" · duplicate") : "");
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
    }
  return row;
}

static void
show_preview (LkImportDialog *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->entry_list))) != NULL)
    gtk_list_box_remove (self->entry_list, child);
  for (guint i = 0; i < self->entries->len; i++)
    gtk_list_box_append (self->entry_list, create_row (self, g_ptr_array_index (self->entries, i)));
  update_summary (self);
  gtk_stack_set_visible_child_name (self->stack, "preview");
}

/* ---- checking the keyring for duplicates (blocking, so in a worker) ---- */

static void
check_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  LkImportDialog *self = source_object;
  GError *error = NULL;

  if (!lk_import_check_wallet_sync (self->wallet, task_data, cancellable, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
on_checked (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  LkImportDialog *self = LK_IMPORT_DIALOG (source);
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error (self, error);
      return;
    }
  show_preview (self);
}

static void
check_and_preview (LkImportDialog *self,
                   GPtrArray      *entries)
{
  g_autoptr(GTask) task = NULL;

  g_clear_pointer (&self->entries, g_ptr_array_unref);
  self->entries = entries;
  gtk_stack_set_visible_child_name (self->stack, "loading");
  /* The task holds a reference on self, so the dialog outlives the worker. */
  task = g_task_new (self, self->cancellable, on_checked, NULL);
  g_task_set_task_data (task, g_ptr_array_ref (entries), (GDestroyNotify) g_ptr_array_unref);
  g_task_run_in_thread (task, check_thread);
}

/* ---- reading the file ---- */

static void on_parsed (GObject *source, GAsyncResult *result, gpointer user_data);

static void
parse_file (LkImportDialog *self,
            const char     *password)
{
  gtk_stack_set_visible_child_name (self->stack, "loading");
  lk_import_parse_file_async (self->file, LK_IMPORT_FORMAT_AUTO, password, self->cancellable,
                              on_parsed, g_object_ref (self));
}

static void
on_parsed (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(LkImportDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  GPtrArray *entries;

  entries = lk_import_parse_file_finish (result, &self->format, &error);
  if (entries == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      if (g_error_matches (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_NEEDS_PASSWORD) ||
          g_error_matches (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_WRONG_PASSWORD))
        {
          gboolean wrong = error->code == LK_IMPORT_ERROR_WRONG_PASSWORD;

          gtk_label_set_label (self->password_error, wrong ? error->message : "");
          gtk_widget_set_visible (GTK_WIDGET (self->password_error), wrong);
          gtk_stack_set_visible_child_name (self->stack, "password");
          gtk_widget_grab_focus (GTK_WIDGET (self->password_row));
          return;
        }
      show_error (self, error);
      return;
    }
  check_and_preview (self, entries);
}

static void
on_unlock (LkImportDialog *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->password_row));
  char *password;

  if (self->file == NULL || !g_str_equal (gtk_stack_get_visible_child_name (self->stack), "password"))
    return;
  password = g_strdup (text);
  /* The entry's buffer is cleared at once; the copy is wiped after use. */
  gtk_editable_set_text (GTK_EDITABLE (self->password_row), "");
  parse_file (self, password);
  lk_secure_str_free (password);
}

/* ---- importing ---- */

static void
on_progress (guint    done,
             guint    total,
             gpointer user_data)
{
  LkImportDialog *self = user_data;

  gtk_progress_bar_set_fraction (self->progress_bar, total > 0 ? (double) done / total : 1.0);
}

static void
on_committed (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(LkImportDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *description = NULL;
  guint n = 0;

  if (!lk_import_commit_finish (LK_WALLET (source), result, &n, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_prefix_error (&error, "%s ", _("Nothing was imported."));
      show_error (self, error);
      return;
    }
  description = g_strdup_printf (ngettext ("%u token is now in the keyring.",
                                           "%u tokens are now in the keyring.", n), n);
  adw_status_page_set_description (self->done_page, description);
  gtk_stack_set_visible_child_name (self->stack, "done");
  g_signal_emit (self, signals[SIGNAL_IMPORTED], 0, n);
}

static void
on_import_clicked (LkImportDialog *self)
{
  if (self->entries == NULL || !g_str_equal (gtk_stack_get_visible_child_name (self->stack), "preview"))
    return;
  gtk_widget_set_sensitive (GTK_WIDGET (self->import_button), FALSE);
  gtk_progress_bar_set_fraction (self->progress_bar, 0.0);
  gtk_stack_set_visible_child_name (self->stack, "progress");
  lk_import_commit_async (self->wallet, self->entries, on_progress, g_object_ref (self), g_object_unref,
                          self->cancellable, on_committed, g_object_ref (self));
}

/* ---- Google multi-QR batches ---- */

static void
update_batch_page (LkImportDialog *self)
{
  g_autofree char *title = lk_migration_batch_describe (self->batch);
  g_autoptr(GArray) missing = lk_migration_batch_get_missing (self->batch);
  g_autoptr(GString) list = g_string_new (NULL);
  g_autofree char *description = NULL;

  for (guint i = 0; i < missing->len; i++)
    g_string_append_printf (list, "%s%u", i > 0 ? ", " : "", g_array_index (missing, guint, i));
  description = g_strdup_printf (_("Scan the remaining QR codes of this Google Authenticator export, "
                                   "in any order. Still missing: %s."), list->str);
  adw_status_page_set_title (self->batch_page, title);
  adw_status_page_set_description (self->batch_page, description);
  gtk_stack_set_visible_child_name (self->stack, "batch");
}

gboolean
lk_import_dialog_add_migration_uri (LkImportDialog  *self,
                                    const char      *uri,
                                    GError         **error)
{
  GPtrArray *entries;

  g_return_val_if_fail (LK_IS_IMPORT_DIALOG (self), FALSE);

  if (self->batch == NULL)
    self->batch = lk_migration_batch_new ();
  if (!lk_migration_batch_add (self->batch, uri, NULL, error))
    return FALSE;
  if (!lk_migration_batch_is_complete (self->batch))
    {
      update_batch_page (self);
      return TRUE;
    }
  entries = lk_migration_batch_dup_entries (self->batch, error);
  if (entries == NULL)
    return FALSE;
  self->format = LK_IMPORT_FORMAT_GOOGLE;
  check_and_preview (self, entries);
  return TRUE;
}

void
lk_import_dialog_open_file (LkImportDialog *self,
                            GFile          *file)
{
  g_return_if_fail (LK_IS_IMPORT_DIALOG (self));
  g_return_if_fail (G_IS_FILE (file));

  g_set_object (&self->file, file);
  parse_file (self, NULL);
}

const char *
lk_import_dialog_get_page (LkImportDialog *self)
{
  g_return_val_if_fail (LK_IS_IMPORT_DIALOG (self), NULL);
  return gtk_stack_get_visible_child_name (self->stack);
}

static gboolean
lk_import_dialog_close_request (GtkWindow *window)
{
  LkImportDialog *self = LK_IMPORT_DIALOG (window);

  /* Closing mid-import cancels it, and the wallet takes back what it wrote. */
  g_cancellable_cancel (self->cancellable);
  return GTK_WINDOW_CLASS (lk_import_dialog_parent_class)->close_request (window);
}

static void
lk_import_dialog_dispose (GObject *object)
{
  LkImportDialog *self = LK_IMPORT_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (object), LK_TYPE_IMPORT_DIALOG);
  G_OBJECT_CLASS (lk_import_dialog_parent_class)->dispose (object);
}

static void
lk_import_dialog_finalize (GObject *object)
{
  LkImportDialog *self = LK_IMPORT_DIALOG (object);

  g_clear_object (&self->wallet);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->file);
  g_clear_object (&self->batch);
  g_clear_pointer (&self->entries, g_ptr_array_unref);
  G_OBJECT_CLASS (lk_import_dialog_parent_class)->finalize (object);
}

static void
lk_import_dialog_class_init (LkImportDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = lk_import_dialog_dispose;
  object_class->finalize = lk_import_dialog_finalize;
  window_class->close_request = lk_import_dialog_close_request;

  signals[SIGNAL_IMPORTED] =
    g_signal_new ("imported", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_UINT);

  lk_token_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class, "/org/latchkey/Latchkey/ui/lk-import-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, LkImportDialog, stack);
  gtk_widget_class_bind_template_child (widget_class, LkImportDialog, import_button);
  gtk_widget_class_bind_template_child (widget_class, LkImportDialog, password_row);
  gtk_widget_class_bind_template_child (widget_class, LkImportDialog, password_error);
  gtk_widget_class_bind_template_child (widget_class, LkImportDialog, batch_page);
  gtk_widget_class_bind_template_child (widget_class, LkImportDialog, summary_label);
  gtk_widget_class_bind_template_child (widget_class, LkImportDialog, entry_list);
  gtk_widget_class_bind_template_child (widget_class, LkImportDialog, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, LkImportDialog, done_page);
  gtk_widget_class_bind_template_child (widget_class, LkImportDialog, error_page);
  gtk_widget_class_bind_template_callback (widget_class, on_unlock);
  gtk_widget_class_bind_template_callback (widget_class, on_import_clicked);
}

static void
lk_import_dialog_init (LkImportDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->format = LK_IMPORT_FORMAT_AUTO;
}

LkImportDialog *
lk_import_dialog_new (GtkWindow *parent,
                      LkWallet  *wallet)
{
  LkImportDialog *self;

  g_return_val_if_fail (LK_IS_WALLET (wallet), NULL);

  self = g_object_new (LK_TYPE_IMPORT_DIALOG, "transient-for", parent, NULL);
  self->wallet = g_object_ref (wallet);
  return self;
}
