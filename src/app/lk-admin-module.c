/* SPDX-License-Identifier: GPL-3.0-or-later
 * The admin module's entry point: admin mode's window factory, loaded by latchkey only when admin mode opens. */
#include "config.h"

#include <gmodule.h>

#include "lk-admin-window.h"

G_MODULE_EXPORT GtkWindow *lk_admin_module_window_new (GtkApplication *app);

GtkWindow *
lk_admin_module_window_new (GtkApplication *app)
{
  return lk_admin_window_new (app);
}
