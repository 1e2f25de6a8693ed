/* SPDX-License-Identifier: GPL-3.0-or-later
 * LkApplication: command line, mode choice and the app-wide actions. */
#include "config.h"

#include <glib/gi18n.h>

#include "lk-application.h"
#include "lk-welcome-window.h"

struct _LkApplication
{
  AdwApplication       parent_instance;

  GSettings           *settings;
  LkModeWindowFactory  factories[LK_APP_MODE_ADMIN + 1];
  GtkWindow           *windows[LK_APP_MODE_ADMIN + 1];
};

G_DEFINE_TYPE (LkApplication, lk_application, ADW_TYPE_APPLICATION)
G_DEFINE_QUARK (lk-app-error-quark, lk_app_error)

static const GOptionEntry option_entries[] = {
  { "token", 't', 0, G_OPTION_ARG_NONE, NULL, N_("Open token mode: your one-time password codes"), NULL },
  { "admin", 'a', 0, G_OPTION_ARG_NONE, NULL, N_("Open admin mode: enrol users and manage their devices"), NULL },
  { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Print the application id and version, then exit"), NULL },
  { NULL }
};

LkApplication *
lk_application_new (void)
{
  return g_object_new (LK_TYPE_APPLICATION,
                       "application-id", LK_APP_ID,
                       "flags", G_APPLICATION_HANDLES_COMMAND_LINE,
                       "resource-base-path", "/org/latchkey/Latchkey",
                       NULL);
}

void
lk_application_set_mode_factory (LkApplication       *self,
                                 LkAppMode            mode,
                                 LkModeWindowFactory  factory)
{
  g_return_if_fail (LK_IS_APPLICATION (self));
  g_return_if_fail (mode == LK_APP_MODE_TOKEN || mode == LK_APP_MODE_ADMIN);

  self->factories[mode] = factory;
}

gboolean
lk_application_has_mode (LkApplication *self,
                         LkAppMode      mode)
{
  g_return_val_if_fail (LK_IS_APPLICATION (self), FALSE);

  return mode > LK_APP_MODE_NONE && mode <= LK_APP_MODE_ADMIN && self->factories[mode] != NULL;
}

GSettings *
lk_application_get_settings (LkApplication *self)
{
  g_return_val_if_fail (LK_IS_APPLICATION (self), NULL);

  return self->settings;
}

static void
on_mode_window_destroyed (gpointer  data,
                          GObject  *where_the_object_was)
{
  LkApplication *self = data;

  for (guint i = 0; i < G_N_ELEMENTS (self->windows); i++)
    if (self->windows[i] == (GtkWindow *) where_the_object_was)
      self->windows[i] = NULL;
}

gboolean
lk_application_open_mode (LkApplication  *self,
                          LkAppMode       mode,
                          GError        **error)
{
  GtkWindow *window;

  g_return_val_if_fail (LK_IS_APPLICATION (self), FALSE);
  g_return_val_if_fail (mode == LK_APP_MODE_TOKEN || mode == LK_APP_MODE_ADMIN, FALSE);

  if (self->factories[mode] == NULL)
    {
      g_set_error_literal (error, LK_APP_ERROR, LK_APP_ERROR_MODE_UNAVAILABLE,
                           mode == LK_APP_MODE_ADMIN
                           ? _("Admin mode is not built into this version of Latchkey. Use token mode, "
                               "or install a version that includes the enrolment console.")
                           : _("Token mode is not built into this version of Latchkey."));
      return FALSE;
    }

  window = self->windows[mode];
  if (window == NULL)
    {
      window = self->factories[mode] (GTK_APPLICATION (self));
      /* A mode in a module that is missing or broken (lk-module.h). */
      if (window == NULL)
        {
          g_set_error_literal (error, LK_APP_ERROR, LK_APP_ERROR_MODE_UNAVAILABLE,
                               _("This mode of Latchkey could not be loaded: a part of the installation is "
                                 "missing. Reinstall Latchkey."));
          return FALSE;
        }
      self->windows[mode] = window;
      g_object_weak_ref (G_OBJECT (window), on_mode_window_destroyed, self);
    }

  g_settings_set_enum (self->settings, "mode", mode);
  gtk_window_present (window);
  return TRUE;
}

static void
lk_application_activate (GApplication *app)
{
  LkApplication *self = LK_APPLICATION (app);
  LkAppMode mode = g_settings_get_enum (self->settings, "mode");
  GtkWindow *window;

  if (mode != LK_APP_MODE_NONE && lk_application_has_mode (self, mode) &&
      lk_application_open_mode (self, mode, NULL))
    return;

  /* First run, or the remembered mode is not in this build (or its module
   * could not be loaded): let the user
   * choose. */
  window = gtk_application_get_active_window (GTK_APPLICATION (app));
  if (window == NULL)
    window = GTK_WINDOW (lk_welcome_window_new (self));
  gtk_window_present (window);
}

static int
lk_application_handle_local_options (GApplication *app,
                                     GVariantDict *options)
{
  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("%s %s\n", LK_APP_ID, LK_VERSION);
      return 0;
    }

  return -1;
}

static int
lk_application_command_line (GApplication            *app,
                             GApplicationCommandLine *command_line)
{
  LkApplication *self = LK_APPLICATION (app);
  GVariantDict *options = g_application_command_line_get_options_dict (command_line);
  g_autoptr(GError) error = NULL;
  LkAppMode mode = LK_APP_MODE_NONE;

  if (g_variant_dict_contains (options, "token") && g_variant_dict_contains (options, "admin"))
    {
      g_application_command_line_printerr (command_line, "%s\n",
                                           _("Choose one of --token and --admin."));
      return 2;
    }

  if (g_variant_dict_contains (options, "token"))
    mode = LK_APP_MODE_TOKEN;
  else if (g_variant_dict_contains (options, "admin"))
    mode = LK_APP_MODE_ADMIN;

  if (mode == LK_APP_MODE_NONE)
    {
      g_application_activate (app);
      return 0;
    }

  if (!lk_application_open_mode (self, mode, &error))
    {
      g_application_command_line_printerr (command_line, "%s\n", error->message);
      return 1;
    }

  return 0;
}

static void
quit_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static void
about_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  GtkApplication *app = GTK_APPLICATION (user_data);
  GtkWidget *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "application-name", _("Latchkey"),
                        "application-icon", LK_APP_ID,
                        "version", LK_VERSION,
                        "license-type", GTK_LICENSE_GPL_3_0,
                        "comments", _("One-time passwords for helpdesks and the people they help"),
                        "transient-for", gtk_application_get_active_window (app),
                        NULL);
  gtk_window_present (GTK_WINDOW (about));
}

static void
open_mode_activated (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  LkApplication *self = LK_APPLICATION (user_data);
  const char *name = g_variant_get_string (parameter, NULL);
  LkAppMode mode = g_str_equal (name, "admin") ? LK_APP_MODE_ADMIN : LK_APP_MODE_TOKEN;
  g_autoptr(GError) error = NULL;

  if (!lk_application_open_mode (self, mode, &error))
    g_warning ("%s", error->message);
}

static const GActionEntry app_actions[] = {
  { "quit", quit_activated, NULL, NULL, NULL, { 0 } },
  { "about", about_activated, NULL, NULL, NULL, { 0 } },
  { "open-mode", open_mode_activated, "s", NULL, NULL, { 0 } },
};

static void
lk_application_startup (GApplication *app)
{
  const char *quit_accels[] = { "<Control>q", NULL };

  G_APPLICATION_CLASS (lk_application_parent_class)->startup (app);

  /* Here rather than in init, so --version works without the schema. */
  LK_APPLICATION (app)->settings = g_settings_new (LK_APP_ID);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions, G_N_ELEMENTS (app_actions), app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
}

static void
lk_application_window_added (GtkApplication *app,
                             GtkWindow      *window)
{
  /* A development build gets libadwaita's striped header bar, so it is not
   * mistaken for the release installed beside it. */
  if (LK_DEVEL_PROFILE)
    gtk_widget_add_css_class (GTK_WIDGET (window), "devel");

  GTK_APPLICATION_CLASS (lk_application_parent_class)->window_added (app, window);
}

static void
lk_application_dispose (GObject *object)
{
  LkApplication *self = LK_APPLICATION (object);

  for (guint i = 0; i < G_N_ELEMENTS (self->windows); i++)
    if (self->windows[i] != NULL)
      {
        g_object_weak_unref (G_OBJECT (self->windows[i]), on_mode_window_destroyed, self);
        self->windows[i] = NULL;
      }
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (lk_application_parent_class)->dispose (object);
}

static void
lk_application_class_init (LkApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = lk_application_dispose;
  app_class->activate = lk_application_activate;
  app_class->startup = lk_application_startup;
  app_class->handle_local_options = lk_application_handle_local_options;
  app_class->command_line = lk_application_command_line;
  GTK_APPLICATION_CLASS (klass)->window_added = lk_application_window_added;
}

static void
lk_application_init (LkApplication *self)
{
  g_application_add_main_option_entries (G_APPLICATION (self), option_entries);
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _("Latchkey opens in the mode you used last; "
                                              "--token or --admin chooses one."));
}
