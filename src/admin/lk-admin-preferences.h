/* SPDX-License-Identifier: GPL-3.0-or-later
 * The admin app's Preferences window: how the embedded database sends
 * passcodes and welcome messages (email, SMS and voice gateways, message
 * texts, the per-user send limit). */
#pragma once

#include <adwaita.h>

#include "lk-backend.h"

G_BEGIN_DECLS

#define LK_TYPE_ADMIN_PREFERENCES (lk_admin_preferences_get_type ())
G_DECLARE_FINAL_TYPE (LkAdminPreferences, lk_admin_preferences, LK, ADMIN_PREFERENCES, AdwPreferencesWindow)

/* @backend (nullable) is the admin window's connection: a local one gets
 * the saved settings at once; with a remote one the window only says that
 * the server's latchkeyd.conf decides. */
LkAdminPreferences *lk_admin_preferences_new        (GtkWindow          *parent,
                                                     LkBackend          *backend);

/* What the last save or check said (for the UI's tests), or NULL. */
const char         *lk_admin_preferences_get_status (LkAdminPreferences *self);

G_END_DECLS
