/* SPDX-License-Identifier: GPL-3.0-or-later
 * LkTokenWindow's ways in: image files, drag and drop, the clipboard, and the texts they carry. */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "lk-secure.h"
#include "lk-token-entry-dialog.h"
#include "lk-token-extras.h"
#include "lk-token-intake.h"
#include "lk-token-window-private.h"

typedef struct
{
  LkTokenWindow *self;
  char          *summary;   /* what the toast says on success */
} StoreData;

static void
store_data_free (StoreData *data)
{
  g_object_unref (data->self);
  g_free (data->summary);
  g_free (data);
}

static void
lk_token_window_fail (LkTokenWindow *self,
                      const char    *heading,
                      const char    *message)
{
  GtkWidget *dialog;

  /* A dialog, not a toast: the message explains what to do and must stay
   * until it is read. */
  dialog = adw_message_dialog_new (GTK_WINDOW (self), heading, message);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));

  lk_token_window_report_intake (self, FALSE, message);
}

const LkTokenExtras *
lk_token_window_extras (LkTokenWindow *self)
{
  g_autoptr(GError) error = NULL;
  const LkTokenExtras *extras = lk_token_extras_get (&error);

  if (extras == NULL)
    lk_token_window_fail (self, _("This Part of Latchkey Is Missing"), error->message);
  return extras;
}

static void
on_stored (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  StoreData *data = user_data;
  LkTokenWindow *self = data->self;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (g_object_get_data (G_OBJECT (result), "lk-many") != NULL)
    ok = lk_wallet_add_many_finish (LK_WALLET (source), result, &error);
  else
    ok = lk_wallet_add_finish (LK_WALLET (source), result, &error);

  if (!ok)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        lk_token_window_report_intake (self, FALSE, error->message);
      else
        lk_token_window_fail (self, _("The Token Was Not Added"), error->message);
    }
  else
    {
      lk_token_window_toast (self, data->summary);
      lk_token_window_reload (self);
      lk_token_window_report_intake (self, TRUE, data->summary);
    }

  store_data_free (data);
}

static void
on_stored_many (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_object_set_data (G_OBJECT (result), "lk-many", GINT_TO_POINTER (1));
  on_stored (source, result, user_data);
}

static void lk_token_window_store_uris (LkTokenWindow *self,
                                        GPtrArray     *uris);

void
lk_token_window_add_texts (LkTokenWindow      *self,
                           const char * const *texts)
{
  g_autoptr(GPtrArray) uris = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (LK_IS_TOKEN_WINDOW (self));
  g_return_if_fail (texts != NULL);

  /* A payload that belongs to another flow (a migration batch, an
   * activation message) goes to the module that registered for it. */
  for (guint i = 0; texts[i] != NULL; i++)
    if (lk_token_intake_dispatch (GTK_WINDOW (self), texts[i]))
      return;

  uris = lk_token_intake_parse_texts (texts, &error);
  if (uris == NULL)
    {
      lk_token_window_fail (self, _("The Token Was Not Added"), error->message);
      return;
    }

  lk_token_window_store_uris (self, uris);
}

/* Stores every token of @uris (LkOtpauth *) in one all-or-nothing step. */
static void
lk_token_window_store_uris (LkTokenWindow *self,
                            GPtrArray     *uris)
{
  StoreData *data;

  data = g_new0 (StoreData, 1);
  data->self = g_object_ref (self);

  if (uris->len == 1)
    {
      g_autoptr(LkWalletToken) token = lk_wallet_token_new (g_ptr_array_index (uris, 0));
      g_autofree char *name = lk_wallet_token_dup_name (token);

      data->summary = g_strdup_printf (_("Added “%s”"), name);
      lk_wallet_add_async (self->wallet, token, self->cancellable, on_stored, data);
    }
  else
    {
      g_autoptr(GPtrArray) tokens = g_ptr_array_new_with_free_func ((GDestroyNotify) lk_wallet_token_free);

      for (guint i = 0; i < uris->len; i++)
        g_ptr_array_add (tokens, lk_wallet_token_new (g_ptr_array_index (uris, i)));
      data->summary = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Added %u token", "Added %u tokens",
                                                    uris->len), uris->len);
      lk_wallet_add_many_async (self->wallet, tokens, NULL, NULL, NULL, self->cancellable,
                                on_stored_many, data);
    }
}

static void
lk_token_window_take_texts (LkTokenWindow *self,
                            GStrv          texts,
                            const GError  *error)
{
  if (texts == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        lk_token_window_report_intake (self, FALSE, error->message);
      else
        lk_token_window_fail (self, _("No Token Found"), error->message);
      return;
    }

  lk_token_window_add_texts (self, (const char * const *) texts);

  /* Decoded QR texts carry seeds. */
  for (guint i = 0; texts[i] != NULL; i++)
    lk_secure_wipe (texts[i], strlen (texts[i]));
  g_strfreev (texts);
}

/* ---- image files ---- */

static void
on_file_decoded (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(LkTokenWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  GStrv texts;

  texts = lk_token_intake_decode_file_finish (result, &error);
  lk_token_window_take_texts (self, texts, error);
}

void
lk_token_window_add_from_file (LkTokenWindow *self,
                               GFile         *file)
{
  g_return_if_fail (LK_IS_TOKEN_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  lk_token_intake_decode_file_async (file, self->cancellable, on_file_decoded, g_object_ref (self));
}

static void
on_file_chosen (GtkNativeDialog *dialog,
                int              response,
                gpointer         user_data)
{
  LkTokenWindow *self = LK_TOKEN_WINDOW (user_data);

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));

      if (file != NULL)
        lk_token_window_add_from_file (self, file);
    }

  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
}

static void
add_image_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  LkTokenWindow *self = LK_TOKEN_WINDOW (widget);
  GtkFileChooserNative *chooser;
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  /* GtkFileDialog needs GTK 4.10; the native chooser also goes through
   * the file chooser portal inside Flatpak. */
  chooser = gtk_file_chooser_native_new (_("Open a Picture of a QR Code"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
  gtk_file_filter_set_name (filter, _("Images"));
  gtk_file_filter_add_mime_type (filter, "image/png");
  gtk_file_filter_add_mime_type (filter, "image/jpeg");
  gtk_file_filter_add_mime_type (filter, "image/tiff");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (on_file_chosen), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* ---- textures (clipboard images, dropped images) ---- */

static void
decode_texture_thread (GTask        *task,
                       gpointer      source,
                       gpointer      task_data,
                       GCancellable *cancellable)
{
  GError *error = NULL;
  GStrv texts = lk_token_intake_decode_texture (task_data, &error);

  if (texts == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, texts, (GDestroyNotify) g_strfreev);
}

static void
on_texture_decoded (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  LkTokenWindow *self = LK_TOKEN_WINDOW (source);
  g_autoptr(GError) error = NULL;
  GStrv texts = g_task_propagate_pointer (G_TASK (result), &error);

  lk_token_window_take_texts (self, texts, error);
}

static void
lk_token_window_add_from_texture (LkTokenWindow *self,
                                  GdkTexture    *texture)
{
  g_autoptr(GTask) task = g_task_new (self, self->cancellable, on_texture_decoded, NULL);

  g_task_set_task_data (task, g_object_ref (texture), g_object_unref);
  g_task_run_in_thread (task, decode_texture_thread);
}

/* ---- clipboard ---- */

static void
on_clipboard_text (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(LkTokenWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  char *text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, &error);

  if (text == NULL)
    {
      lk_token_window_fail (self, _("Nothing to Paste"),
                            _("The clipboard holds neither a picture of a QR code nor an otpauth:// link."));
      return;
    }

  {
    const char *texts[] = { text, NULL };

    lk_token_window_add_texts (self, texts);
  }
  lk_secure_str_free (text);
}

static void
on_clipboard_texture (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(LkTokenWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = gdk_clipboard_read_texture_finish (GDK_CLIPBOARD (source), result, &error);

  if (texture == NULL)
    {
      lk_token_window_fail (self, _("Nothing to Paste"),
                            _("The picture on the clipboard could not be read."));
      return;
    }

  lk_token_window_add_from_texture (self, texture);
}

void
lk_token_window_paste (LkTokenWindow *self)
{
  GdkClipboard *clipboard;
  GdkContentFormats *formats;

  g_return_if_fail (LK_IS_TOKEN_WINDOW (self));

  clipboard = gtk_widget_get_clipboard (GTK_WIDGET (self));
  formats = gdk_clipboard_get_formats (clipboard);

  if (gdk_content_formats_contain_gtype (formats, GDK_TYPE_TEXTURE))
    gdk_clipboard_read_texture_async (clipboard, self->cancellable, on_clipboard_texture, g_object_ref (self));
  else
    gdk_clipboard_read_text_async (clipboard, self->cancellable, on_clipboard_text, g_object_ref (self));
}

static void
paste_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  lk_token_window_paste (LK_TOKEN_WINDOW (widget));
}

/* ---- the screen ---- */

static void
on_screen_captured (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(LkTokenWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  /* The module is loaded: the capture was started through it. */
  g_autoptr(GdkTexture) texture = lk_token_extras_get (NULL)->screen_capture_finish (result, &error);

  if (texture == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        lk_token_window_report_intake (self, FALSE, error->message);
      else
        lk_token_window_fail (self, _("The Screen Could Not Be Scanned"), error->message);
      return;
    }

  /* Decoded in a worker; the grey copy is wiped there and the texture
   * goes with the last reference, right after. */
  lk_token_window_add_from_texture (self, texture);
}

void
lk_token_window_scan_screen (LkTokenWindow *self)
{
  const LkTokenExtras *extras;

  g_return_if_fail (LK_IS_TOKEN_WINDOW (self));

  extras = lk_token_window_extras (self);
  if (extras != NULL)
    extras->screen_capture_async (GTK_WINDOW (self), self->cancellable, on_screen_captured, g_object_ref (self));
}

static void
scan_screen_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  lk_token_window_scan_screen (LK_TOKEN_WINDOW (widget));
}

/* ---- the camera ---- */

static void
on_scanned (LkTokenWindow *self,
            GStrv          texts)
{
  lk_token_window_add_texts (self, (const char * const *) texts);
}

void
lk_token_window_scan_camera (LkTokenWindow *self,
                             const char    *source)
{
  const LkTokenExtras *extras;
  g_autofree char *device = NULL;
  GtkWidget *dialog;

  g_return_if_fail (LK_IS_TOKEN_WINDOW (self));

  extras = lk_token_window_extras (self);
  if (extras == NULL)
    return;
  device = g_settings_get_string (self->settings, "camera");
  dialog = extras->scanner_dialog_new (GTK_WINDOW (self), source, device);
  g_signal_connect_object (dialog, "scanned", G_CALLBACK (on_scanned), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
scan_camera_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  lk_token_window_scan_camera (LK_TOKEN_WINDOW (widget), NULL);
}

/* ---- typed in ---- */

static void
on_entered (LkTokenWindow   *self,
            const LkOtpauth *uri)
{
  g_autoptr(GPtrArray) uris = g_ptr_array_new_with_free_func ((GDestroyNotify) lk_otpauth_free);

  g_ptr_array_add (uris, lk_otpauth_copy (uri));
  lk_token_window_store_uris (self, uris);
}

GtkWidget *
lk_token_window_enter_manually (LkTokenWindow *self)
{
  GtkWidget *dialog;

  g_return_val_if_fail (LK_IS_TOKEN_WINDOW (self), NULL);

  dialog = lk_token_entry_dialog_new (GTK_WINDOW (self));
  g_signal_connect_object (dialog, "entered", G_CALLBACK (on_entered), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
  return dialog;
}

static void
add_manual_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  lk_token_window_enter_manually (LK_TOKEN_WINDOW (widget));
}

/* ---- drag and drop ---- */

static gboolean
on_drop (GtkDropTarget *target,
         const GValue  *value,
         double         x,
         double         y,
         gpointer       user_data)
{
  LkTokenWindow *self = LK_TOKEN_WINDOW (user_data);

  if (G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    {
      GSList *files = g_value_get_boxed (value);

      if (files == NULL)
        return FALSE;
      lk_token_window_add_from_file (self, files->data);
      return TRUE;
    }
  if (G_VALUE_HOLDS (value, GDK_TYPE_TEXTURE))
    {
      lk_token_window_add_from_texture (self, g_value_get_object (value));
      return TRUE;
    }
  if (G_VALUE_HOLDS (value, G_TYPE_STRING))
    {
      const char *texts[] = { g_value_get_string (value), NULL };

      if (texts[0] == NULL)
        return FALSE;
      lk_token_window_add_texts (self, texts);
      return TRUE;
    }

  return FALSE;
}

void
lk_token_window_install_intake (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.add-image", NULL, add_image_action);
  gtk_widget_class_install_action (widget_class, "win.paste", NULL, paste_action);
  gtk_widget_class_install_action (widget_class, "win.scan-screen", NULL, scan_screen_action);
  gtk_widget_class_install_action (widget_class, "win.scan-camera", NULL, scan_camera_action);
  gtk_widget_class_install_action (widget_class, "win.add-manual", NULL, add_manual_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_v, GDK_CONTROL_MASK, "win.paste", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK, "win.add-image", NULL);
}

void
lk_token_window_init_intake (LkTokenWindow *self)
{
  GtkDropTarget *target;
  GType types[] = { GDK_TYPE_FILE_LIST, GDK_TYPE_TEXTURE, G_TYPE_STRING };

  target = gtk_drop_target_new (G_TYPE_INVALID, GDK_ACTION_COPY);
  gtk_drop_target_set_gtypes (target, types, G_N_ELEMENTS (types));
  g_signal_connect (target, "drop", G_CALLBACK (on_drop), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (target));
}
