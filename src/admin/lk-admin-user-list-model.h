/* SPDX-License-Identifier: GPL-3.0-or-later
 * A GListModel of a backend's users that loads pages on demand, so a list
 * of 100,000 users costs what the visible rows cost. */
#pragma once

#include <gtk/gtk.h>

#include "lk-backend.h"
#include "lk-admin-user-item.h"

G_BEGIN_DECLS

/* Users per request. Large enough that a fast scroll needs few calls, small
 * enough that a page arrives in a few milliseconds over the network. */
#define LK_ADMIN_USER_PAGE_SIZE 200

#define LK_TYPE_ADMIN_USER_LIST_MODEL (lk_admin_user_list_model_get_type ())
G_DECLARE_FINAL_TYPE (LkAdminUserListModel, lk_admin_user_list_model, LK, ADMIN_USER_LIST_MODEL, GObject)

/* Items are LkAdminUserItem. The count (n_items) is the backend's total
 * for the current search; items are placeholders (loaded = FALSE) until
 * their page arrives, and then fill in place without an items-changed. */
LkAdminUserListModel *lk_admin_user_list_model_new        (LkBackend            *backend);

/* Starts a new search from the main loop (keystrokes of one iteration make
 * one search), or at once with @immediate. A search in flight is cancelled. */
void        lk_admin_user_list_model_set_query            (LkAdminUserListModel *self,
                                                           const char           *query,
                                                           gboolean              immediate);
const char *lk_admin_user_list_model_get_query            (LkAdminUserListModel *self);
/* The backend's order, ascending or descending; reloads when it changes. */
void        lk_admin_user_list_model_set_sort             (LkAdminUserListModel *self,
                                                           LkUserSort            sort,
                                                           gboolean              descending);
LkUserSort  lk_admin_user_list_model_get_sort             (LkAdminUserListModel *self,
                                                           gboolean             *descending);
/* Reloads the current search (after an enrol, an edit or a delete). */
void        lk_admin_user_list_model_refresh              (LkAdminUserListModel *self);
/* The list view showing the model (kept as a weak pointer): a new result
 * first refills the rows it shows, found from its vertical adjustment. */
void        lk_admin_user_list_model_set_view             (LkAdminUserListModel *self,
                                                           GtkScrollable        *view);
/* Cancels everything in flight; the model keeps what it has. */
void        lk_admin_user_list_model_cancel               (LkAdminUserListModel *self);

/* TRUE while a search has been asked for and not answered (notify::loading). */
gboolean    lk_admin_user_list_model_get_loading          (LkAdminUserListModel *self);
/* The last search's error, or NULL (notify::error). */
const char *lk_admin_user_list_model_get_error            (LkAdminUserListModel *self);
/* Microseconds from sending the last search to its first page, for the bench. */
gint64      lk_admin_user_list_model_get_last_latency     (LkAdminUserListModel *self);
/* How many pages are held now (at most a fixed number; the rest are dropped). */
guint       lk_admin_user_list_model_get_n_cached_pages   (LkAdminUserListModel *self);
/* The position of @login among the loaded items, or among the stale items
 * a new result is about to fill with it; -1 if neither. */
int         lk_admin_user_list_model_find_loaded          (LkAdminUserListModel *self,
                                                           const char           *login);

G_END_DECLS
