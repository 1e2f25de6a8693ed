/* SPDX-License-Identifier: GPL-3.0-or-later
 * LkWelcomeWindow: the first-run page that offers token mode and admin mode. */
#pragma once

#include <adwaita.h>
#include "lk-application.h"

G_BEGIN_DECLS

#define LK_TYPE_WELCOME_WINDOW (lk_welcome_window_get_type ())
G_DECLARE_FINAL_TYPE (LkWelcomeWindow, lk_welcome_window, LK, WELCOME_WINDOW, AdwApplicationWindow)

LkWelcomeWindow *lk_welcome_window_new (LkApplication *app);

G_END_DECLS
