/* SPDX-License-Identifier: GPL-3.0-or-later
 * One entry of the paged user list: a placeholder until its page arrives. */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define LK_TYPE_ADMIN_USER_ITEM (lk_admin_user_item_get_type ())
G_DECLARE_FINAL_TYPE (LkAdminUserItem, lk_admin_user_item, LK, ADMIN_USER_ITEM, GObject)

LkAdminUserItem *lk_admin_user_item_new          (void);

/* Fills a placeholder (or refreshes an item) in place and notifies every
 * property that changed, so bound rows update without the list changing. */
void         lk_admin_user_item_fill             (LkAdminUserItem *self,
                                                  const char      *login,
                                                  const char      *first_name,
                                                  const char      *last_name,
                                                  const char      *email,
                                                  const char      *phone,
                                                  gboolean         enabled);

/* Makes a filled item a placeholder again (get_loaded() FALSE, drawn
 * faint) that keeps its texts until the next fill: the list model does
 * this to rows it refills after the frame that shows the first ones. */
void         lk_admin_user_item_mark_stale       (LkAdminUserItem *self);
gboolean     lk_admin_user_item_get_loaded       (LkAdminUserItem *self);
const char  *lk_admin_user_item_get_login        (LkAdminUserItem *self);
const char  *lk_admin_user_item_get_first_name   (LkAdminUserItem *self);
const char  *lk_admin_user_item_get_last_name    (LkAdminUserItem *self);
const char  *lk_admin_user_item_get_email        (LkAdminUserItem *self);
const char  *lk_admin_user_item_get_phone        (LkAdminUserItem *self);
gboolean     lk_admin_user_item_get_enabled      (LkAdminUserItem *self);
/* "First Last", or the login when both names are empty. */
char        *lk_admin_user_item_dup_display_name (LkAdminUserItem *self);

G_END_DECLS
