/* SPDX-License-Identifier: GPL-3.0-or-later
 * LkScannerDialog: shows the camera picture and hands the first QR code read back to the caller. */
#include "config.h"

#include <glib/gi18n.h>

#include "lk-camera-scanner.h"
#include "lk-scanner-dialog.h"
#include "lk-token-intake.h"

struct _LkScannerDialog
{
  AdwWindow        parent_instance;

  LkCameraScanner *scanner;

  GtkWidget       *stack;
  GtkWidget       *preview;
  GtkWidget       *error_page;
};

enum {
  SIGNAL_SCANNED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (LkScannerDialog, lk_scanner_dialog, ADW_TYPE_WINDOW)

static void
on_frame (LkScannerDialog *self,
          GdkTexture      *frame)
{
  gtk_picture_set_paintable (GTK_PICTURE (self->preview), GDK_PAINTABLE (frame));
  gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "preview");
}

static void
on_code_found (LkScannerDialog *self,
               GStrv            texts)
{
  /* The last frame may show the code; it goes with the camera. */
  gtk_picture_set_paintable (GTK_PICTURE (self->preview), NULL);
  g_signal_emit (self, signals[SIGNAL_SCANNED], 0, texts);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
show_error (LkScannerDialog *self,
            const char      *message)
{
  gtk_picture_set_paintable (GTK_PICTURE (self->preview), NULL);
  adw_status_page_set_description (ADW_STATUS_PAGE (self->error_page), message);
  gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "error");
}

static void
on_failed (LkScannerDialog *self,
           const char      *message)
{
  show_error (self, message);
}

static void
lk_scanner_dialog_unmap (GtkWidget *widget)
{
  LkScannerDialog *self = LK_SCANNER_DIALOG (widget);

  /* A hidden scanner never keeps the camera on. */
  if (self->scanner != NULL)
    lk_camera_scanner_stop (self->scanner);

  GTK_WIDGET_CLASS (lk_scanner_dialog_parent_class)->unmap (widget);
}

static void
lk_scanner_dialog_dispose (GObject *object)
{
  LkScannerDialog *self = LK_SCANNER_DIALOG (object);

  if (self->scanner != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->scanner, self);
      lk_camera_scanner_stop (self->scanner);
      g_clear_object (&self->scanner);
    }
  gtk_widget_dispose_template (GTK_WIDGET (object), LK_TYPE_SCANNER_DIALOG);

  G_OBJECT_CLASS (lk_scanner_dialog_parent_class)->dispose (object);
}

static void
lk_scanner_dialog_class_init (LkScannerDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lk_scanner_dialog_dispose;
  widget_class->unmap = lk_scanner_dialog_unmap;

  /**
   * LkScannerDialog::scanned:
   * @texts: every QR text in the frame that had a code
   */
  signals[SIGNAL_SCANNED] =
    g_signal_new ("scanned", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRV);

  lk_token_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class, "/org/latchkey/Latchkey/ui/lk-scanner-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, LkScannerDialog, stack);
  gtk_widget_class_bind_template_child (widget_class, LkScannerDialog, preview);
  gtk_widget_class_bind_template_child (widget_class, LkScannerDialog, error_page);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
lk_scanner_dialog_init (LkScannerDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
lk_scanner_dialog_new (GtkWindow  *parent,
                       const char *source,
                       const char *device)
{
  LkScannerDialog *self = g_object_new (LK_TYPE_SCANNER_DIALOG, "transient-for", parent, NULL);
  g_autoptr(GError) error = NULL;

  self->scanner = lk_camera_scanner_new (source, device);
  g_signal_connect_swapped (self->scanner, "frame", G_CALLBACK (on_frame), self);
  g_signal_connect_swapped (self->scanner, "code-found", G_CALLBACK (on_code_found), self);
  g_signal_connect_swapped (self->scanner, "failed", G_CALLBACK (on_failed), self);

  if (!lk_camera_scanner_start (self->scanner, parent, &error))
    show_error (self, error->message);

  return GTK_WIDGET (self);
}

const char *
lk_scanner_dialog_get_state (LkScannerDialog *self)
{
  g_return_val_if_fail (LK_IS_SCANNER_DIALOG (self), NULL);

  return gtk_stack_get_visible_child_name (GTK_STACK (self->stack));
}
