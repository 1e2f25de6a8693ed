/* SPDX-License-Identifier: GPL-3.0-or-later
 * LkTokenItem: one token in the window's list model, with its current code. */
#pragma once

#include <glib-object.h>
#include "lk-wallet.h"

G_BEGIN_DECLS

#define LK_TYPE_TOKEN_ITEM (lk_token_item_get_type ())
G_DECLARE_FINAL_TYPE (LkTokenItem, lk_token_item, LK, TOKEN_ITEM, GObject)

/* Takes ownership of @token. */
LkTokenItem         *lk_token_item_new            (LkWalletToken *token);

const LkWalletToken *lk_token_item_get_token      (LkTokenItem   *self);
const char          *lk_token_item_get_id         (LkTokenItem   *self);
const char          *lk_token_item_get_issuer     (LkTokenItem   *self);   /* "" when none */
const char          *lk_token_item_get_account    (LkTokenItem   *self);
gboolean             lk_token_item_is_hotp        (LkTokenItem   *self);
guint                lk_token_item_get_period     (LkTokenItem   *self);   /* 0 for HOTP */

/* TRUE when every word of @casefolded_query occurs in issuer or account. */
gboolean             lk_token_item_matches        (LkTokenItem   *self,
                                                   const char    *casefolded_query);

/* The code on show, or NULL (an HOTP token before "next code"). */
const char          *lk_token_item_get_code       (LkTokenItem   *self);

/* TOTP: recomputes the code when @unix_time is in a new period, and
 * notifies "code". Returns the unix time of the next period boundary
 * (G_MAXINT64 for HOTP). */
gint64               lk_token_item_refresh        (LkTokenItem   *self,
                                                   gint64         unix_time);
guint                lk_token_item_get_seconds_left (LkTokenItem *self,
                                                     gint64       unix_time);

/* HOTP: shows a code obtained from the wallet (which moved the counter). */
void                 lk_token_item_set_code       (LkTokenItem   *self,
                                                   const char    *code);

/* Hidden codes: a revealed item shows its code until the next period. */
gboolean             lk_token_item_get_revealed   (LkTokenItem   *self);
void                 lk_token_item_set_revealed   (LkTokenItem   *self,
                                                   gboolean       revealed);

G_END_DECLS
