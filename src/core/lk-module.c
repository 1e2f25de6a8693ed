/* SPDX-License-Identifier: GPL-3.0-or-later
 * Finds, opens and keeps Latchkey's loadable modules (lk-module.h says why they exist). */
#include "config.h"

#include <glib/gi18n.h>
#include <gmodule.h>

#include "lk-core-error.h"
#include "lk-module.h"

/* The first directory of the search path that holds @file, or NULL. */
static char *
find_module (const char *file)
{
  const char *override = g_getenv ("LATCHKEY_MODULEDIR");
  g_auto(GStrv) dirs = NULL;

  if (override == NULL || *override == '\0')
    return g_build_filename (LK_MODULEDIR, file, NULL);

  dirs = g_strsplit (override, G_SEARCHPATH_SEPARATOR_S, -1);
  for (guint i = 0; dirs[i] != NULL; i++)
    {
      g_autofree char *path = NULL;

      if (*dirs[i] == '\0')
        continue;
      path = g_build_filename (dirs[i], file, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        return g_steal_pointer (&path);
    }
  return NULL;
}

gpointer
lk_module_lookup (const char  *name,
                  const char  *symbol,
                  GError     **error)
{
  g_autofree char *file = NULL, *path = NULL;
  gpointer address = NULL;
  GModule *module;

  g_return_val_if_fail (name != NULL && symbol != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  file = g_strconcat (name, ".so", NULL);
  path = find_module (file);
  if (path == NULL || !g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, LK_CORE_ERROR, LK_CORE_ERROR_MODULE,
                   _("A part of Latchkey is missing: “%s” was not found in %s. Reinstall Latchkey."),
                   file, path != NULL ? path : g_getenv ("LATCHKEY_MODULEDIR"));
      return NULL;
    }

  /* Local binding: a module's own symbols do not become visible to the
   * libraries loaded after it. Not lazy: an unresolved symbol is an error
   * here, not a crash later. Opening an open module returns it again. */
  module = g_module_open (path, G_MODULE_BIND_LOCAL);
  if (module == NULL)
    {
      g_set_error (error, LK_CORE_ERROR, LK_CORE_ERROR_MODULE,
                   _("A part of Latchkey could not be loaded (%s). Reinstall Latchkey."), g_module_error ());
      return NULL;
    }
  /* Its GTypes and callbacks outlive any caller: never unloaded. */
  g_module_make_resident (module);

  if (!g_module_symbol (module, symbol, &address) || address == NULL)
    {
      g_set_error (error, LK_CORE_ERROR, LK_CORE_ERROR_MODULE,
                   _("A part of Latchkey is damaged: “%s” lacks “%s”. Reinstall Latchkey."), file, symbol);
      return NULL;
    }
  return address;
}
