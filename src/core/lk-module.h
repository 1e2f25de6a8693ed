/* SPDX-License-Identifier: GPL-3.0-or-later
 * Latchkey's own loadable modules: features whose libraries a process should map only when they are first used. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Opens the module @name (the file "@name.so") and returns its @symbol,
 * or NULL with LK_CORE_ERROR_MODULE. Modules live in LK_MODULEDIR
 * (<libdir>/latchkey); LATCHKEY_MODULEDIR, a list of directories
 * separated by G_SEARCHPATH_SEPARATOR, replaces it for tests and
 * uninstalled runs. A module stays loaded for the life of the process.
 *
 * A program that loads a module must export its own symbols
 * (meson's export_dynamic): the module links the layers it needs
 * statically, and its references to what the program already has then
 * bind to the program's copy, so a GType is registered once. */
gpointer lk_module_lookup (const char  *name,
                           const char  *symbol,
                           GError     **error);

G_END_DECLS
