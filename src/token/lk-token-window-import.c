/* SPDX-License-Identifier: GPL-3.0-or-later
 * LkTokenWindow's import and export: the menu actions, and Google export QR codes arriving through any intake path. */
#include "config.h"

#include <glib/gi18n.h>

#include "lk-token-extras.h"
#include "lk-token-intake.h"
#include "lk-token-window-private.h"

#define OPEN_IMPORT_DIALOG "lk-import-dialog"

static void
on_imported (LkImportDialog *dialog,
             guint           n,
             LkTokenWindow  *self)
{
  g_autofree char *title = g_strdup_printf (ngettext ("%u token imported", "%u tokens imported", n), n);

  lk_token_window_reload (self);
  lk_token_window_toast (self, title);
}

static void
on_dialog_destroyed (GtkWidget     *dialog,
                     LkTokenWindow *self)
{
  if (g_object_get_data (G_OBJECT (self), OPEN_IMPORT_DIALOG) == dialog)
    g_object_set_data (G_OBJECT (self), OPEN_IMPORT_DIALOG, NULL);
}

static LkImportDialog *
new_import_dialog (LkTokenWindow       *self,
                   const LkTokenExtras *extras)
{
  LkImportDialog *dialog = extras->import_dialog_new (GTK_WINDOW (self), self->wallet);

  g_signal_connect_object (dialog, "imported", G_CALLBACK (on_imported), self, 0);
  g_signal_connect_object (dialog, "destroy", G_CALLBACK (on_dialog_destroyed), self, 0);
  g_object_set_data (G_OBJECT (self), OPEN_IMPORT_DIALOG, dialog);
  return dialog;
}

/* Every QR code of a Google export goes to one dialog, which collects the
 * batch. It is not modal, so the window's scan buttons stay usable for the
 * remaining codes. */
static void
migration_handler (GtkWindow  *parent,
                   const char *text,
                   gpointer    user_data)
{
  LkTokenWindow *self;
  LkImportDialog *dialog;
  const LkTokenExtras *extras;
  g_autoptr(GError) error = NULL;

  if (!LK_IS_TOKEN_WINDOW (parent))
    return;
  self = LK_TOKEN_WINDOW (parent);
  extras = lk_token_window_extras (self);
  if (extras == NULL)
    return;
  dialog = g_object_get_data (G_OBJECT (self), OPEN_IMPORT_DIALOG);
  if (dialog == NULL)
    {
      dialog = new_import_dialog (self, extras);
      gtk_window_set_modal (GTK_WINDOW (dialog), FALSE);
    }
  if (!extras->import_dialog_add_migration_uri (dialog, text, &error))
    {
      GtkWidget *message = adw_message_dialog_new (GTK_WINDOW (self), _("The QR Code Was Not Used"),
                                                   error->message);

      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (message), "close", _("_Close"));
      gtk_window_present (GTK_WINDOW (message));
      lk_token_window_report_intake (self, FALSE, error->message);
      if (g_str_equal (extras->import_dialog_get_page (dialog), "loading"))
        gtk_window_destroy (GTK_WINDOW (dialog));
      return;
    }
  gtk_window_present (GTK_WINDOW (dialog));
  lk_token_window_report_intake (self, TRUE, NULL);
}

static void
on_import_file_chosen (GtkNativeDialog *chooser,
                       int              response,
                       LkTokenWindow   *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

      const LkTokenExtras *extras = file != NULL ? lk_token_window_extras (self) : NULL;

      if (extras != NULL)
        {
          LkImportDialog *dialog = new_import_dialog (self, extras);

          extras->import_dialog_open_file (dialog, file);
          gtk_window_present (GTK_WINDOW (dialog));
        }
    }
  g_object_unref (chooser);
}

static void
import_tokens_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  LkTokenWindow *self = LK_TOKEN_WINDOW (widget);
  GtkFileChooserNative *chooser;

  chooser = gtk_file_chooser_native_new (_("Import Tokens"), GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_OPEN,
                                         _("_Open"), _("_Cancel"));
  g_signal_connect_object (chooser, "response", G_CALLBACK (on_import_file_chosen), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
export_tokens_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  LkTokenWindow *self = LK_TOKEN_WINDOW (widget);
  const LkTokenExtras *extras = lk_token_window_extras (self);

  if (extras != NULL)
    gtk_window_present (GTK_WINDOW (extras->export_dialog_new (GTK_WINDOW (self), self->wallet, NULL)));
}

void
lk_token_window_install_import (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.import-tokens", NULL, import_tokens_action);
  gtk_widget_class_install_action (widget_class, "win.export-tokens", NULL, export_tokens_action);
  lk_token_intake_add_handler ("otpauth-migration", migration_handler, NULL);
}
