/* SPDX-License-Identifier: GPL-3.0-or-later
 * Helpers of the token dialogs' widget tests: waiting on the main loop with a deadline, screenshots from the Xvfb screen, the wallet's contents. */
#pragma once

#include <gtk/gtk.h>
#include "lk-wallet.h"

G_BEGIN_DECLS

/* Iterates the main loop until *@flag, failing the test after 20 s. */
void lk_token_test_wait_until (gboolean   *flag);
void lk_token_test_wait_ms    (guint       ms);

/* Saves the top-left area the size of @widget's surface of the Xvfb screen (without a
 * window manager every toplevel sits at (0, 0), the newest on top) as
 * <LK_BUILD_ROOT>/screenshots/@name. GtkWidgetPaintable draws nothing for
 * a modal dialog, hence the X server. */
void lk_token_test_screenshot (GtkWidget  *widget,
                               const char *name);

/* The number of tokens in @wallet, and removing them all; both fail the
 * test on a wallet error. */
guint lk_token_test_wallet_count (LkWallet *wallet);
void  lk_token_test_wipe_wallet  (LkWallet *wallet);

G_END_DECLS
