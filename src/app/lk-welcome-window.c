/* SPDX-License-Identifier: GPL-3.0-or-later
 * LkWelcomeWindow: the first-run page; picking a mode opens it and closes this page. */
#include "config.h"

#include <glib/gi18n.h>

#include "lk-welcome-window.h"

struct _LkWelcomeWindow
{
  AdwApplicationWindow  parent_instance;

  GtkWidget            *admin_button;
  GtkWidget            *admin_unavailable_label;
  GtkWidget            *token_button;
};

G_DEFINE_FINAL_TYPE (LkWelcomeWindow, lk_welcome_window, ADW_TYPE_APPLICATION_WINDOW)

/* From the generated lk-app-resources.c (manual registration: a static
 * library drops an unreferenced object file with its constructor). */
void lk_app_register_resource (void);

static void
lk_app_ensure_resources (void)
{
  static gsize done;

  if (g_once_init_enter (&done))
    {
      lk_app_register_resource ();
      g_once_init_leave (&done, 1);
    }
}

static void
open_mode (LkWelcomeWindow *self,
           LkAppMode        mode)
{
  LkApplication *app = LK_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)));
  g_autoptr(GError) error = NULL;

  if (!lk_application_open_mode (app, mode, &error))
    {
      /* Not reachable through the UI (the button is insensitive), but a
       * clear message beats a silent button. */
      gtk_label_set_label (GTK_LABEL (self->admin_unavailable_label), error->message);
      return;
    }

  gtk_window_destroy (GTK_WINDOW (self));
}

static void
on_token_clicked (LkWelcomeWindow *self)
{
  open_mode (self, LK_APP_MODE_TOKEN);
}

static void
on_admin_clicked (LkWelcomeWindow *self)
{
  open_mode (self, LK_APP_MODE_ADMIN);
}

static void
lk_welcome_window_class_init (LkWelcomeWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  lk_app_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class, "/org/latchkey/Latchkey/ui/lk-welcome-window.ui");
  gtk_widget_class_bind_template_child (widget_class, LkWelcomeWindow, admin_button);
  gtk_widget_class_bind_template_child (widget_class, LkWelcomeWindow, admin_unavailable_label);
  gtk_widget_class_bind_template_child (widget_class, LkWelcomeWindow, token_button);
  gtk_widget_class_bind_template_callback (widget_class, on_token_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_admin_clicked);
}

static void
lk_welcome_window_init (LkWelcomeWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

LkWelcomeWindow *
lk_welcome_window_new (LkApplication *app)
{
  LkWelcomeWindow *self = g_object_new (LK_TYPE_WELCOME_WINDOW, "application", app, NULL);
  gboolean has_admin = lk_application_has_mode (app, LK_APP_MODE_ADMIN);

  gtk_widget_set_sensitive (self->admin_button, has_admin);
  gtk_widget_set_visible (self->admin_unavailable_label, !has_admin);
  gtk_widget_set_sensitive (self->token_button, lk_application_has_mode (app, LK_APP_MODE_TOKEN));
  gtk_widget_grab_focus (self->token_button);

  return self;
}
