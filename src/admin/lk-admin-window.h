/* SPDX-License-Identifier: GPL-3.0-or-later
 * The admin-mode main window: users on the left, the selected user on the right. */
#pragma once

#include <adwaita.h>

#include "lk-backend.h"

G_BEGIN_DECLS

#define LK_TYPE_ADMIN_WINDOW (lk_admin_window_get_type ())
G_DECLARE_FINAL_TYPE (LkAdminWindow, lk_admin_window, LK, ADMIN_WINDOW, AdwApplicationWindow)

/* The mode factory for LkApplication: a window connected as the settings
 * say (the embedded engine by default). */
GtkWindow  *lk_admin_window_new              (GtkApplication *app);

/* A window on a backend the caller already opened (tests, benchmarks). */
LkAdminWindow *lk_admin_window_new_for_backend (GtkApplication *app,
                                                LkBackend      *backend,
                                                const char     *connection_label);

LkBackend  *lk_admin_window_get_backend      (LkAdminWindow  *self);
/* "Embedded: /path/to/latchkey.db" or "https://server:8443 (account)". */
const char *lk_admin_window_get_connection_label (LkAdminWindow *self);

/* Registers the admin resources (templates, CSS) once. */
void        lk_admin_register_resources      (void);

G_END_DECLS
