/* SPDX-License-Identifier: GPL-3.0-or-later
 * Writing the plain otpauth list, in a buffer that is wiped when freed. */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "lk-export-uris.h"
#include "lk-secure.h"

char *
lk_export_uris (GPtrArray *tokens,
                gsize     *out_len)
{
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func ((GDestroyNotify) lk_secure_str_free);
  const char *warning = _("# Latchkey export: these otpauth links are NOT encrypted.\n"
                          "# Anyone who reads this file can generate your codes. Delete it after use.\n");
  gsize total = strlen (warning);
  char *out, *p;

  /* Sized once so no reallocation leaves a copy of a seed behind. */
  for (guint i = 0; i < tokens->len; i++)
    {
      const LkWalletToken *token = g_ptr_array_index (tokens, i);
      char *line = lk_otpauth_format (token->otpauth);

      total += strlen (line) + 1;
      g_ptr_array_add (lines, line);
    }
  out = g_malloc (total + 1);
  p = g_stpcpy (out, warning);
  for (guint i = 0; i < lines->len; i++)
    {
      p = g_stpcpy (p, g_ptr_array_index (lines, i));
      *p++ = '\n';
    }
  *p = '\0';
  if (out_len != NULL)
    *out_len = total;
  return out;
}
