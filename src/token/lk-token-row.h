/* SPDX-License-Identifier: GPL-3.0-or-later
 * LkTokenRow: a list row showing one token's issuer, account, code and time left.
 * Rows are recycled by the window's GtkListView: bound to an item while on
 * screen, unbound when scrolled away. */
#pragma once

#include <gtk/gtk.h>
#include "lk-token-item.h"

G_BEGIN_DECLS

#define LK_TYPE_TOKEN_ROW (lk_token_row_get_type ())
G_DECLARE_FINAL_TYPE (LkTokenRow, lk_token_row, LK, TOKEN_ROW, GtkBox)

GtkWidget   *lk_token_row_new            (void);
void         lk_token_row_bind           (LkTokenRow  *self,
                                          LkTokenItem *item,
                                          gboolean     hide_codes);
void         lk_token_row_unbind         (LkTokenRow  *self);
/* (nullable): the item while bound */
LkTokenItem *lk_token_row_get_item       (LkTokenRow  *self);
void         lk_token_row_set_hide_codes (LkTokenRow  *self,
                                          gboolean     hide_codes);

/* Updates the ring and the spoken label for @unix_time; cheap, and a
 * no-op when nothing visible changes. */
void         lk_token_row_tick           (LkTokenRow  *self,
                                          gint64       unix_time);

/* The text the code label shows ("123 456", "••• •••" when hidden). */
const char  *lk_token_row_get_code_text  (LkTokenRow  *self);

/* What a screen reader says for the code ("Code 1 2 3 4 5 6, 17 seconds
 * left"): the label set on the code's accessible. */
const char  *lk_token_row_get_spoken     (LkTokenRow  *self);

G_END_DECLS
