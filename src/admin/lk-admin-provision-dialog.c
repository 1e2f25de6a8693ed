/* SPDX-License-Identifier: GPL-3.0-or-later
 * Provisioning a soft token: the QR code to scan, its link, saving, printing, binding.
 *
 * The QR code and the link are the seed. The dialog keeps one copy of the
 * link, wipes it when it closes, hides the code once the token is bound, and
 * (by default) whenever the window loses focus, so a code left on a screen
 * is not photographed by the next person at the desk. */
#include "config.h"

#include <glib/gi18n.h>

#include "lk-admin-init.h"
#include "lk-admin-error.h"
#include "lk-admin-provision-dialog.h"
#include "lk-admin-validate.h"
#include "lk-qr.h"
#include "lk-secure.h"

/* Pixels per module in a saved PNG: about 500 px for a typical link, sharp
 * when printed or shown on another screen. */
#define PNG_MODULE_PX 10
/* Printed size of the code; phone cameras read 50 mm codes at arm's length. */
#define PRINT_SIDE_MM 60.0

struct _LkAdminProvisionDialog
{
  AdwWindow        parent_instance;

  AdwWindowTitle  *window_title;
  GtkSpinner      *spinner;
  AdwToastOverlay *toast_overlay;
  LkAdminQrView   *qr_view;
  GtkButton       *reveal_button;
  GtkLabel        *caption_label;
  AdwEntryRow     *device_id_row;
  GtkButton       *bind_button;
  GtkSwitch       *hide_switch;
  GtkLabel        *status_label;

  char            *login;
  char            *serial;
  char            *uri;        /* the seed; wiped */
  gboolean         busy;
  gboolean         bound;
  GtkFileChooserNative *chooser;
};

G_DEFINE_FINAL_TYPE (LkAdminProvisionDialog, lk_admin_provision_dialog, ADW_TYPE_WINDOW)

enum {
  SIGNAL_BIND,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
toast (LkAdminProvisionDialog *self,
       const char             *text)
{
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (text));
}

static void
set_concealed (LkAdminProvisionDialog *self,
               gboolean                concealed)
{
  lk_admin_qr_view_set_concealed (self->qr_view, concealed);
  gtk_widget_set_visible (GTK_WIDGET (self->reveal_button), concealed && !self->bound);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "provision.copy-uri", !concealed);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "provision.save-png", !concealed);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "provision.print", !concealed);
}

static void
on_is_active_changed (LkAdminProvisionDialog *self)
{
  if (!gtk_window_is_active (GTK_WINDOW (self)) && gtk_switch_get_active (self->hide_switch))
    set_concealed (self, TRUE);
}

static void
reveal_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  LkAdminProvisionDialog *self = LK_ADMIN_PROVISION_DIALOG (widget);

  if (!self->bound)
    set_concealed (self, FALSE);
}

static void
copy_uri_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  LkAdminProvisionDialog *self = LK_ADMIN_PROVISION_DIALOG (widget);

  if (self->uri == NULL || lk_admin_qr_view_get_concealed (self->qr_view))
    return;
  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), self->uri);
  toast (self, _("Link copied; it holds the token’s secret"));
}

/* ---- save PNG ------------------------------------------------------------ */

static void
save_png_replaced (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_file_replace_contents_finish (G_FILE (source), result, NULL, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

void
lk_admin_provision_dialog_save_png_async (LkAdminProvisionDialog *self,
                                          GFile                  *file,
                                          GCancellable           *cancellable,
                                          GAsyncReadyCallback     callback,
                                          gpointer                user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) png = NULL;

  g_return_if_fail (LK_IS_ADMIN_PROVISION_DIALOG (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, lk_admin_provision_dialog_save_png_async);
  png = self->uri ? lk_qr_encode_png (self->uri, PNG_MODULE_PX, &error) : NULL;
  if (png == NULL)
    {
      if (error == NULL)
        g_set_error_literal (&error, LK_ADMIN_ERROR, LK_ADMIN_ERROR_FAILED, _("There is no code to save"));
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  /* G_FILE_CREATE_PRIVATE: the picture is the seed, so only its owner reads it. */
  g_file_replace_contents_bytes_async (file, png, NULL, FALSE, G_FILE_CREATE_PRIVATE | G_FILE_CREATE_REPLACE_DESTINATION,
                                       cancellable, save_png_replaced, g_steal_pointer (&task));
}

gboolean
lk_admin_provision_dialog_save_png_finish (LkAdminProvisionDialog  *self,
                                           GAsyncResult            *result,
                                           GError                 **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
save_png_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  LkAdminProvisionDialog *self = LK_ADMIN_PROVISION_DIALOG (source);
  g_autoptr(GError) error = NULL;

  if (!lk_admin_provision_dialog_save_png_finish (self, result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        lk_admin_provision_dialog_show_error (self, error->message);
      return;
    }
  toast (self, _("Image saved; only you can read the file"));
}

static void
on_chooser_response (GtkNativeDialog        *chooser,
                     int                     response,
                     LkAdminProvisionDialog *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

      lk_admin_provision_dialog_save_png_async (self, file, NULL, save_png_done, NULL);
    }
  g_clear_object (&self->chooser);
}

static void
save_png_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  LkAdminProvisionDialog *self = LK_ADMIN_PROVISION_DIALOG (widget);
  g_autofree char *name = NULL;
  g_autoptr(GtkFileFilter) filter = NULL;

  if (self->uri == NULL || self->chooser != NULL)
    return;
  self->chooser = gtk_file_chooser_native_new (_("Save QR Code"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  name = g_strdup_printf ("%s.png", self->serial);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), name);
  filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, _("PNG images"));
  gtk_file_filter_add_mime_type (filter, "image/png");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
  g_signal_connect (self->chooser, "response", G_CALLBACK (on_chooser_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

/* ---- print --------------------------------------------------------------- */

static void
on_draw_page (GtkPrintOperation      *operation,
              GtkPrintContext        *context,
              int                     page_nr,
              LkAdminProvisionDialog *self)
{
  cairo_t *cr = gtk_print_context_get_cairo_context (context);
  const guint8 *modules;
  guint size = 0;
  cairo_surface_t *surface;
  cairo_pattern_t *pattern;
  double side;
  double x;
  g_autofree char *heading = NULL;
  PangoLayout *layout;

  modules = lk_admin_qr_view_get_modules (self->qr_view, &size);
  if (modules == NULL)
    return;

  surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, (int) size, (int) size);
  cairo_surface_flush (surface);
  for (guint y = 0; y < size; y++)
    {
      guint32 *row = (guint32 *) (gpointer) (cairo_image_surface_get_data (surface) +
                                             y * cairo_image_surface_get_stride (surface));

      for (guint i = 0; i < size; i++)
        {
          guint8 v = modules[y * size + i];

          row[i] = (guint32) v << 16 | (guint32) v << 8 | v;
        }
    }
  cairo_surface_mark_dirty (surface);

  heading = g_strdup_printf (_("Soft token %s for %s"), self->serial, self->login);
  layout = gtk_print_context_create_pango_layout (context);
  pango_layout_set_text (layout, heading, -1);
  cairo_move_to (cr, 0, 0);
  pango_cairo_show_layout (cr, layout);
  g_object_unref (layout);

  /* Context units are points by default (GTK_UNIT_POINTS). */
  side = PRINT_SIDE_MM * 72.0 / 25.4;
  x = (gtk_print_context_get_width (context) - side) / 2;
  cairo_translate (cr, x, 48);
  cairo_scale (cr, side / size, side / size);
  cairo_set_source_surface (cr, surface, 0, 0);
  pattern = cairo_get_source (cr);
  /* Nearest-neighbour: a smoothed module edge is a misread module. */
  cairo_pattern_set_filter (pattern, CAIRO_FILTER_NEAREST);
  cairo_paint (cr);

  /* The surface held the seed's picture. */
  memset (cairo_image_surface_get_data (surface), 0,
          (gsize) cairo_image_surface_get_stride (surface) * size);
  cairo_surface_destroy (surface);
}

static void
print_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  LkAdminProvisionDialog *self = LK_ADMIN_PROVISION_DIALOG (widget);
  g_autoptr(GtkPrintOperation) operation = NULL;
  g_autoptr(GError) error = NULL;
  GtkPrintOperationResult result;

  if (!lk_admin_qr_view_has_code (self->qr_view))
    return;
  operation = gtk_print_operation_new ();
  gtk_print_operation_set_n_pages (operation, 1);
  gtk_print_operation_set_job_name (operation, self->serial);
  /* Export-to-file makes printing testable without a printer. */
  if (g_getenv ("LK_ADMIN_PRINT_TO_FILE") != NULL)
    gtk_print_operation_set_export_filename (operation, g_getenv ("LK_ADMIN_PRINT_TO_FILE"));
  g_signal_connect (operation, "draw-page", G_CALLBACK (on_draw_page), self);
  result = gtk_print_operation_run (operation,
                                    g_getenv ("LK_ADMIN_PRINT_TO_FILE") ? GTK_PRINT_OPERATION_ACTION_EXPORT
                                                                         : GTK_PRINT_OPERATION_ACTION_PRINT_DIALOG,
                                    GTK_WINDOW (self), &error);
  if (result == GTK_PRINT_OPERATION_RESULT_ERROR)
    lk_admin_provision_dialog_show_error (self, error->message);
}

/* ---- bind ---------------------------------------------------------------- */

static void
on_device_id_changed (LkAdminProvisionDialog *self)
{
  g_autofree char *message = lk_admin_check_device_id (gtk_editable_get_text (GTK_EDITABLE (self->device_id_row)));

  gtk_widget_set_sensitive (GTK_WIDGET (self->bind_button), message == NULL && !self->busy && !self->bound);
}

static void
bind (LkAdminProvisionDialog *self)
{
  const char *device_id = gtk_editable_get_text (GTK_EDITABLE (self->device_id_row));
  g_autofree char *message = lk_admin_check_device_id (device_id);

  if (self->busy || self->bound)
    return;
  if (message != NULL)
    {
      lk_admin_provision_dialog_show_error (self, message);
      return;
    }
  g_signal_emit (self, signals[SIGNAL_BIND], 0, device_id);
}

static void
on_device_id_activated (LkAdminProvisionDialog *self)
{
  bind (self);
}

static void
bind_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  bind (LK_ADMIN_PROVISION_DIALOG (widget));
}

/* ---- life cycle ---------------------------------------------------------- */

static void
lk_admin_provision_dialog_dispose (GObject *object)
{
  LkAdminProvisionDialog *self = LK_ADMIN_PROVISION_DIALOG (object);

  if (self->chooser != NULL)
    {
      gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
      g_clear_object (&self->chooser);
    }
  if (self->qr_view != NULL)
    lk_admin_qr_view_set_text (self->qr_view, NULL, NULL);
  g_clear_pointer (&self->uri, lk_secure_str_free);
  gtk_widget_dispose_template (GTK_WIDGET (object), LK_TYPE_ADMIN_PROVISION_DIALOG);
  G_OBJECT_CLASS (lk_admin_provision_dialog_parent_class)->dispose (object);
}

static void
lk_admin_provision_dialog_finalize (GObject *object)
{
  LkAdminProvisionDialog *self = LK_ADMIN_PROVISION_DIALOG (object);

  g_free (self->login);
  g_free (self->serial);
  G_OBJECT_CLASS (lk_admin_provision_dialog_parent_class)->finalize (object);
}

static void
lk_admin_provision_dialog_class_init (LkAdminProvisionDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lk_admin_provision_dialog_dispose;
  object_class->finalize = lk_admin_provision_dialog_finalize;

  signals[SIGNAL_BIND] =
    g_signal_new ("bind", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  g_type_ensure (LK_TYPE_ADMIN_QR_VIEW);
  lk_admin_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class, "/org/latchkey/Latchkey/admin/lk-admin-provision-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, LkAdminProvisionDialog, window_title);
  gtk_widget_class_bind_template_child (widget_class, LkAdminProvisionDialog, spinner);
  gtk_widget_class_bind_template_child (widget_class, LkAdminProvisionDialog, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, LkAdminProvisionDialog, qr_view);
  gtk_widget_class_bind_template_child (widget_class, LkAdminProvisionDialog, reveal_button);
  gtk_widget_class_bind_template_child (widget_class, LkAdminProvisionDialog, caption_label);
  gtk_widget_class_bind_template_child (widget_class, LkAdminProvisionDialog, device_id_row);
  gtk_widget_class_bind_template_child (widget_class, LkAdminProvisionDialog, bind_button);
  gtk_widget_class_bind_template_child (widget_class, LkAdminProvisionDialog, hide_switch);
  gtk_widget_class_bind_template_child (widget_class, LkAdminProvisionDialog, status_label);
  gtk_widget_class_bind_template_callback (widget_class, on_device_id_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_device_id_activated);

  gtk_widget_class_install_action (widget_class, "provision.reveal", NULL, reveal_action);
  gtk_widget_class_install_action (widget_class, "provision.copy-uri", NULL, copy_uri_action);
  gtk_widget_class_install_action (widget_class, "provision.save-png", NULL, save_png_action);
  gtk_widget_class_install_action (widget_class, "provision.print", NULL, print_action);
  gtk_widget_class_install_action (widget_class, "provision.bind", NULL, bind_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_c, GDK_CONTROL_MASK, "provision.copy-uri", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "provision.save-png", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_p, GDK_CONTROL_MASK, "provision.print", NULL);
}

static void
lk_admin_provision_dialog_init (LkAdminProvisionDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect (self, "notify::is-active", G_CALLBACK (on_is_active_changed), NULL);
}

LkAdminProvisionDialog *
lk_admin_provision_dialog_new (GtkWindow  *parent,
                               const char *login,
                               const char *serial,
                               const char *uri)
{
  LkAdminProvisionDialog *self = g_object_new (LK_TYPE_ADMIN_PROVISION_DIALOG,
                                               "transient-for", parent,
                                               NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *subtitle = NULL;

  self->login = g_strdup (login);
  self->serial = g_strdup (serial);
  self->uri = g_strdup (uri);
  subtitle = g_strdup_printf ("%s · %s", login, serial);
  adw_window_title_set_subtitle (self->window_title, subtitle);
  if (!lk_admin_qr_view_set_text (self->qr_view, uri, &error))
    lk_admin_provision_dialog_show_error (self, error->message);
  set_concealed (self, FALSE);
  return self;
}

const char *
lk_admin_provision_dialog_get_serial (LkAdminProvisionDialog *self)
{
  g_return_val_if_fail (LK_IS_ADMIN_PROVISION_DIALOG (self), NULL);
  return self->serial;
}

LkAdminQrView *
lk_admin_provision_dialog_get_qr_view (LkAdminProvisionDialog *self)
{
  g_return_val_if_fail (LK_IS_ADMIN_PROVISION_DIALOG (self), NULL);
  return self->qr_view;
}

void
lk_admin_provision_dialog_set_busy (LkAdminProvisionDialog *self,
                                    gboolean                busy)
{
  g_return_if_fail (LK_IS_ADMIN_PROVISION_DIALOG (self));

  self->busy = busy;
  /* Drop the focus first: a focused entry made insensitive never gets its
   * focus-out (GTK 4.8 warns), and the keyboard would be stuck in it. */
  if (busy)
    gtk_window_set_focus (GTK_WINDOW (self), NULL);
  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->device_id_row), !busy && !self->bound);
  on_device_id_changed (self);
}

void
lk_admin_provision_dialog_show_error (LkAdminProvisionDialog *self,
                                      const char             *message)
{
  g_return_if_fail (LK_IS_ADMIN_PROVISION_DIALOG (self));

  gtk_label_set_text (self->status_label, message ? message : "");
  gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "success");
  gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "error");
  gtk_widget_set_visible (GTK_WIDGET (self->status_label), message != NULL);
}

void
lk_admin_provision_dialog_set_bound (LkAdminProvisionDialog *self,
                                     const char             *physical_device_id)
{
  g_autofree char *text = NULL;

  g_return_if_fail (LK_IS_ADMIN_PROVISION_DIALOG (self));

  self->bound = TRUE;
  set_concealed (self, TRUE);
  text = g_strdup_printf (_("Provisioned to device “%s”. The code is hidden now; activate the device with two passcodes from the app."),
                          physical_device_id);
  gtk_label_set_text (self->status_label, text);
  gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "error");
  gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "success");
  gtk_widget_set_visible (GTK_WIDGET (self->status_label), TRUE);
  gtk_label_set_text (self->caption_label, _("This token is provisioned."));
  lk_admin_provision_dialog_set_busy (self, FALSE);
}

void
lk_admin_provision_dialog_set_device_id (LkAdminProvisionDialog *self,
                                         const char             *device_id)
{
  g_return_if_fail (LK_IS_ADMIN_PROVISION_DIALOG (self));
  gtk_editable_set_text (GTK_EDITABLE (self->device_id_row), device_id);
}
