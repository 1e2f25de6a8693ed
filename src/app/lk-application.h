/* SPDX-License-Identifier: GPL-3.0-or-later
 * LkApplication: the single-instance application that opens token or admin mode. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define LK_APP_ERROR (lk_app_error_quark ())

typedef enum
{
  LK_APP_ERROR_MODE_UNAVAILABLE,  /* the mode is not built into this version */
} LkAppError;

GQuark lk_app_error_quark (void);

typedef enum
{
  LK_APP_MODE_NONE,    /* first run: the welcome page */
  LK_APP_MODE_TOKEN,
  LK_APP_MODE_ADMIN,
} LkAppMode;

/* Creates the main window of one mode. Mode modules register one with
 * lk_application_set_mode_factory() before g_application_run(); a mode
 * without a factory is reported as "not built in this version". The admin
 * module (src/admin/) provides `GtkWindow *lk_admin_window_new (GtkApplication *app)`
 * in lk-admin-window.h; src/app/meson.build notices that header and main.c
 * registers it. */
typedef GtkWindow *(*LkModeWindowFactory) (GtkApplication *app);

#define LK_TYPE_APPLICATION (lk_application_get_type ())
G_DECLARE_FINAL_TYPE (LkApplication, lk_application, LK, APPLICATION, AdwApplication)

LkApplication *lk_application_new              (void);

void           lk_application_set_mode_factory (LkApplication       *self,
                                                LkAppMode            mode,
                                                LkModeWindowFactory  factory);
gboolean       lk_application_has_mode         (LkApplication       *self,
                                                LkAppMode            mode);

/* Opens (or presents) the window of @mode and remembers it as the last
 * mode. Returns FALSE and sets @error when the mode is not built in. */
gboolean       lk_application_open_mode        (LkApplication       *self,
                                                LkAppMode            mode,
                                                GError             **error);

/* The app's settings (schema LK_APP_ID). (transfer none) */
GSettings     *lk_application_get_settings     (LkApplication       *self);

G_END_DECLS
