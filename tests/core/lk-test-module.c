/* SPDX-License-Identifier: GPL-3.0-or-later
 * A loadable module for test-module: one exported function, found by lk_module_lookup(). */
#include <gmodule.h>

G_MODULE_EXPORT int lk_test_module_answer (void);

int
lk_test_module_answer (void)
{
  return 42;
}
