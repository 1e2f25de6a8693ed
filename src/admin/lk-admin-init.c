/* SPDX-License-Identifier: GPL-3.0-or-later
 * Registers the admin layer's resources once.
 *
 * The resource bundle is built with --manual-register: a constructor in a
 * static library is dropped by the linker when nothing references its
 * object file, so each widget class calls this from class_init instead. */
#include "config.h"

#include "lk-admin-init.h"
#include "lk-admin-resources.h"

void
lk_admin_ensure_resources (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      lk_admin_register_resource ();
      g_once_init_leave (&done, 1);
    }
}
