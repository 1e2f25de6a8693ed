/* SPDX-License-Identifier: GPL-3.0-or-later
 * The export dialog: an encrypted Aegis vault written in a worker, or each token's QR code on screen. */
#include "config.h"

#include <glib/gi18n.h>

#include "lk-export-aegis.h"
#include "lk-export-dialog.h"
#include "lk-export-qr.h"
#include "lk-secure.h"
#include "lk-token-intake.h"

#define QR_SCALE 6

struct _LkExportDialog
{
  AdwWindow            parent_instance;

  GtkStack            *stack;
  AdwPasswordEntryRow *password_row;
  AdwPasswordEntryRow *confirm_row;
  GtkButton           *save_button;
  GtkLabel            *password_hint;
  AdwStatusPage       *saved_page;
  AdwStatusPage       *error_page;
  GtkPicture          *qr_picture;
  GtkLabel            *qr_name;
  GtkLabel            *qr_position;
  GtkButton           *previous_button;
  GtkButton           *next_button;

  LkWallet            *wallet;
  GCancellable        *cancellable;
  GPtrArray           *tokens;     /* LkWalletToken */
  guint                shown;
};

G_DEFINE_FINAL_TYPE (LkExportDialog, lk_export_dialog, ADW_TYPE_WINDOW)

static void
show_error (LkExportDialog *self,
            const GError   *error)
{
  adw_status_page_set_description (self->error_page, error->message);
  gtk_stack_set_visible_child_name (self->stack, "error");
}

/* ---- QR codes ---- */

static void
show_token_qr (LkExportDialog *self)
{
  const LkWalletToken *token = g_ptr_array_index (self->tokens, self->shown);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *name = lk_wallet_token_dup_name (token);
  g_autofree char *position = NULL;
  guint size = 0;
  guint8 *pixels, *rgb;

  pixels = lk_export_qr_gray (token, QR_SCALE, &size, &error);
  if (pixels == NULL)
    {
      show_error (self, error);
      return;
    }
  /* GTK 4.8 has no grey memory format: expand to RGB. The pixels show the
   * seed to a camera, so both buffers are wiped (the RGB one when the
   * texture goes). */
  rgb = g_malloc ((gsize) size * size * 3);
  for (gsize i = 0; i < (gsize) size * size; i++)
    rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = pixels[i];
  lk_secure_wipe (pixels, (gsize) size * size);
  g_free (pixels);
  bytes = lk_secure_bytes_new_take (rgb, (gsize) size * size * 3);
  texture = gdk_memory_texture_new ((int) size, (int) size, GDK_MEMORY_R8G8B8, bytes, (gsize) size * 3);
  gtk_picture_set_paintable (self->qr_picture, GDK_PAINTABLE (texture));
  gtk_label_set_label (self->qr_name, name);
  position = g_strdup_printf (_("%u of %u"), self->shown + 1, self->tokens->len);
  gtk_label_set_label (self->qr_position, position);
  gtk_widget_set_sensitive (GTK_WIDGET (self->previous_button), self->shown > 0);
  gtk_widget_set_sensitive (GTK_WIDGET (self->next_button), self->shown + 1 < self->tokens->len);
}

static void
on_previous (LkExportDialog *self)
{
  if (self->shown > 0)
    {
      self->shown--;
      show_token_qr (self);
    }
}

static void
on_next (LkExportDialog *self)
{
  if (self->shown + 1 < self->tokens->len)
    {
      self->shown++;
      show_token_qr (self);
    }
}

void
lk_export_dialog_show_qr_codes (LkExportDialog *self)
{
  g_return_if_fail (LK_IS_EXPORT_DIALOG (self));

  if (self->tokens == NULL || self->tokens->len == 0)
    return;
  self->shown = 0;
  show_token_qr (self);
  gtk_stack_set_visible_child_name (self->stack, "qr");
}

/* ---- the Aegis vault ---- */

static void
on_password_changed (LkExportDialog *self)
{
  const char *password = gtk_editable_get_text (GTK_EDITABLE (self->password_row));
  const char *confirm = gtk_editable_get_text (GTK_EDITABLE (self->confirm_row));
  gboolean match = g_strcmp0 (password, confirm) == 0;
  gboolean ok = g_utf8_strlen (password, -1) >= 8 && match;

  gtk_widget_set_sensitive (GTK_WIDGET (self->save_button), ok);
  if (*password != '\0' && g_utf8_strlen (password, -1) < 8)
    gtk_label_set_label (self->password_hint, _("Use at least 8 characters."));
  else if (*confirm != '\0' && !match)
    gtk_label_set_label (self->password_hint, _("The passwords do not match."));
  else
    gtk_label_set_label (self->password_hint, "");
}

static void
on_choose_vault (LkExportDialog *self)
{
  gtk_stack_set_visible_child_name (self->stack, "password");
  gtk_widget_grab_focus (GTK_WIDGET (self->password_row));
}

typedef struct
{
  GFile     *file;
  char      *password;
  GPtrArray *tokens;
} SaveData;

static void
save_data_free (SaveData *data)
{
  g_clear_object (&data->file);
  g_clear_pointer (&data->password, lk_secure_str_free);
  g_clear_pointer (&data->tokens, g_ptr_array_unref);
  g_free (data);
}

static void
save_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  SaveData *data = task_data;
  g_autoptr(GBytes) vault = NULL;
  g_autofree char *path = g_file_get_path (data->file);
  GError *error = NULL;

  vault = lk_export_aegis (data->tokens, data->password, &error);
  if (vault == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (path == NULL)
    {
      /* Not a local file (a portal path always is): write through GIO. */
      if (!g_file_replace_contents (data->file, g_bytes_get_data (vault, NULL), g_bytes_get_size (vault),
                                    NULL, FALSE, G_FILE_CREATE_PRIVATE | G_FILE_CREATE_REPLACE_DESTINATION,
                                    NULL, cancellable, &error))
        {
          g_task_return_error (task, error);
          return;
        }
    }
  else if (!g_file_set_contents_full (path, g_bytes_get_data (vault, NULL), (gssize) g_bytes_get_size (vault),
                                      G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static void
on_saved (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  LkExportDialog *self = LK_EXPORT_DIALOG (source);
  g_autoptr(GError) error = NULL;
  g_autofree char *description = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error (self, error);
      return;
    }
  description = g_strdup_printf (ngettext ("%u token was written to an encrypted Aegis vault.",
                                           "%u tokens were written to an encrypted Aegis vault.",
                                           self->tokens->len), self->tokens->len);
  adw_status_page_set_description (self->saved_page, description);
  gtk_stack_set_visible_child_name (self->stack, "saved");
}

void
lk_export_dialog_save_vault (LkExportDialog *self,
                             GFile          *file)
{
  g_autoptr(GTask) task = NULL;
  SaveData *data;

  g_return_if_fail (LK_IS_EXPORT_DIALOG (self));
  g_return_if_fail (G_IS_FILE (file));

  data = g_new0 (SaveData, 1);
  data->file = g_object_ref (file);
  data->password = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->password_row)));
  data->tokens = g_ptr_array_ref (self->tokens);
  gtk_editable_set_text (GTK_EDITABLE (self->password_row), "");
  gtk_editable_set_text (GTK_EDITABLE (self->confirm_row), "");
  gtk_stack_set_visible_child_name (self->stack, "saving");

  task = g_task_new (self, self->cancellable, on_saved, NULL);
  g_task_set_task_data (task, data, (GDestroyNotify) save_data_free);
  g_task_run_in_thread (task, save_thread);
}

static void
on_save_response (GtkNativeDialog *chooser,
                  int              response,
                  LkExportDialog  *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

      if (file != NULL)
        lk_export_dialog_save_vault (self, file);
    }
  g_object_unref (chooser);
}

static void
on_save_clicked (LkExportDialog *self)
{
  GtkFileChooserNative *chooser;

  chooser = gtk_file_chooser_native_new (_("Save Aegis Vault"), GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_SAVE,
                                         _("_Save"), _("_Cancel"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), "latchkey-aegis-export.json");
  g_signal_connect (chooser, "response", G_CALLBACK (on_save_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* ---- loading the tokens ---- */

static void
on_listed (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(LkExportDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  GPtrArray *tokens = lk_wallet_list_finish (LK_WALLET (source), result, &error);

  if (tokens == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error (self, error);
      return;
    }
  self->tokens = tokens;
  if (tokens->len == 0)
    {
      g_set_error_literal (&error, LK_WALLET_ERROR, LK_WALLET_ERROR_NOT_FOUND, _("There are no tokens to export."));
      show_error (self, error);
      return;
    }
  gtk_stack_set_visible_child_name (self->stack, "choose");
}

const char *
lk_export_dialog_get_page (LkExportDialog *self)
{
  g_return_val_if_fail (LK_IS_EXPORT_DIALOG (self), NULL);
  return gtk_stack_get_visible_child_name (self->stack);
}

const LkWalletToken *
lk_export_dialog_get_shown_token (LkExportDialog *self)
{
  g_return_val_if_fail (LK_IS_EXPORT_DIALOG (self), NULL);
  if (self->tokens == NULL || !g_str_equal (gtk_stack_get_visible_child_name (self->stack), "qr"))
    return NULL;
  return g_ptr_array_index (self->tokens, self->shown);
}

GdkPaintable *
lk_export_dialog_get_qr_paintable (LkExportDialog *self)
{
  g_return_val_if_fail (LK_IS_EXPORT_DIALOG (self), NULL);
  return gtk_picture_get_paintable (self->qr_picture);
}

static void
lk_export_dialog_dispose (GObject *object)
{
  LkExportDialog *self = LK_EXPORT_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (object), LK_TYPE_EXPORT_DIALOG);
  G_OBJECT_CLASS (lk_export_dialog_parent_class)->dispose (object);
}

static void
lk_export_dialog_finalize (GObject *object)
{
  LkExportDialog *self = LK_EXPORT_DIALOG (object);

  g_clear_object (&self->wallet);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->tokens, g_ptr_array_unref);
  G_OBJECT_CLASS (lk_export_dialog_parent_class)->finalize (object);
}

static void
lk_export_dialog_class_init (LkExportDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lk_export_dialog_dispose;
  object_class->finalize = lk_export_dialog_finalize;

  lk_token_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class, "/org/latchkey/Latchkey/ui/lk-export-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, LkExportDialog, stack);
  gtk_widget_class_bind_template_child (widget_class, LkExportDialog, password_row);
  gtk_widget_class_bind_template_child (widget_class, LkExportDialog, confirm_row);
  gtk_widget_class_bind_template_child (widget_class, LkExportDialog, save_button);
  gtk_widget_class_bind_template_child (widget_class, LkExportDialog, password_hint);
  gtk_widget_class_bind_template_child (widget_class, LkExportDialog, saved_page);
  gtk_widget_class_bind_template_child (widget_class, LkExportDialog, error_page);
  gtk_widget_class_bind_template_child (widget_class, LkExportDialog, qr_picture);
  gtk_widget_class_bind_template_child (widget_class, LkExportDialog, qr_name);
  gtk_widget_class_bind_template_child (widget_class, LkExportDialog, qr_position);
  gtk_widget_class_bind_template_child (widget_class, LkExportDialog, previous_button);
  gtk_widget_class_bind_template_child (widget_class, LkExportDialog, next_button);
  gtk_widget_class_bind_template_callback (widget_class, on_choose_vault);
  gtk_widget_class_bind_template_callback (widget_class, lk_export_dialog_show_qr_codes);
  gtk_widget_class_bind_template_callback (widget_class, on_password_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_save_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_previous);
  gtk_widget_class_bind_template_callback (widget_class, on_next);
}

static void
lk_export_dialog_init (LkExportDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
}

LkExportDialog *
lk_export_dialog_new (GtkWindow *parent,
                      LkWallet  *wallet,
                      GPtrArray *tokens)
{
  LkExportDialog *self;

  g_return_val_if_fail (LK_IS_WALLET (wallet), NULL);

  self = g_object_new (LK_TYPE_EXPORT_DIALOG, "transient-for", parent, NULL);
  self->wallet = g_object_ref (wallet);
  if (tokens != NULL)
    {
      self->tokens = g_ptr_array_new_with_free_func ((GDestroyNotify) lk_wallet_token_free);
      for (guint i = 0; i < tokens->len; i++)
        g_ptr_array_add (self->tokens, lk_wallet_token_copy (g_ptr_array_index (tokens, i)));
      gtk_stack_set_visible_child_name (self->stack, "choose");
    }
  else
    lk_wallet_list_async (wallet, self->cancellable, on_listed, g_object_ref (self));
  return self;
}
