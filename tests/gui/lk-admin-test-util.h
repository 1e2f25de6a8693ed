/* SPDX-License-Identifier: GPL-3.0-or-later
 * Helpers of the admin widget tests: a real backend (embedded engine with its
 * master key in the session's keyring, or lk-with-server's latchkeyd), waiting
 * on the main loop with a deadline, and screenshots of a widget. */
#pragma once

#include <gtk/gtk.h>

#include "lk-backend.h"

G_BEGIN_DECLS

typedef gboolean (*LkAdminTestCondition) (gpointer data);

/* Iterates the main loop until @condition holds; fails after 30 s. */
void       lk_admin_test_wait_for   (LkAdminTestCondition  condition,
                                     gpointer              data);
void       lk_admin_test_wait_ms    (guint                 ms);

/* The backend the test runs on: with LK_TEST_BACKEND=remote (lk-with-server)
 * the real latchkeyd over TLS, else an embedded database @db_name in the
 * session directory (lk-test-session.sh) with a partner account made for it.
 * @out_remote tells which. */
LkBackend *lk_admin_test_open_backend (const char *db_name,
                                       gboolean   *out_remote);

/* Renders @widget to <LK_BUILD_ROOT>/screenshots/@name[-remote].png once
 * its layout has settled. */
void       lk_admin_test_screenshot (GtkWidget   *widget,
                                     const char  *name,
                                     gboolean     remote);

G_END_DECLS
