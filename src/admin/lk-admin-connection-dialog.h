/* SPDX-License-Identifier: GPL-3.0-or-later
 * Where the admin console connects: the embedded engine or a latchkeyd server. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define LK_TYPE_ADMIN_CONNECTION_DIALOG (lk_admin_connection_dialog_get_type ())
G_DECLARE_FINAL_TYPE (LkAdminConnectionDialog, lk_admin_connection_dialog, LK, ADMIN_CONNECTION_DIALOG, AdwWindow)

/* Emits "submit" when the fields pass; the owner reads them, connects, and
 * answers with set_busy() and show_error() or close. */
LkAdminConnectionDialog *lk_admin_connection_dialog_new (GtkWindow  *parent,
                                                         const char *db_path,
                                                         gboolean    remote,
                                                         const char *url,
                                                         const char *account);
gboolean    lk_admin_connection_dialog_get_remote  (LkAdminConnectionDialog *self);
const char *lk_admin_connection_dialog_get_url     (LkAdminConnectionDialog *self);
const char *lk_admin_connection_dialog_get_account (LkAdminConnectionDialog *self);
/* Empty when the stored key should be used. */
const char *lk_admin_connection_dialog_get_key     (LkAdminConnectionDialog *self);
void        lk_admin_connection_dialog_set_busy    (LkAdminConnectionDialog *self,
                                                    gboolean                 busy);
gboolean    lk_admin_connection_dialog_get_busy    (LkAdminConnectionDialog *self);
void        lk_admin_connection_dialog_show_error  (LkAdminConnectionDialog *self,
                                                    const char              *message);
/* The message shown, or NULL. */
const char *lk_admin_connection_dialog_get_error   (LkAdminConnectionDialog *self);
/* Test hook. */
void        lk_admin_connection_dialog_fill        (LkAdminConnectionDialog *self,
                                                    gboolean                 remote,
                                                    const char              *url,
                                                    const char              *account,
                                                    const char              *key);

/* The checks the dialog applies; NULL when acceptable. Pure functions. */
char       *lk_admin_check_server_url              (const char *url);

G_END_DECLS
