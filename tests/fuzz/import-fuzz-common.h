/* SPDX-License-Identifier: GPL-3.0-or-later
 * Invariants every import fuzz target checks on a parser's result. */
#pragma once

#include <glib.h>
#include "lk-import-entry.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

/* Either entries or an error with a readable message, never both; every
 * entry has a name, and a token or a reason but not both. */
static inline void
check_import_result (GPtrArray *entries,
                     GError    *error)
{
  g_assert_true ((entries == NULL) != (error == NULL));
  if (entries == NULL)
    {
      g_assert_true (error->domain == LK_IMPORT_ERROR);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      g_assert_cmpstr (error->message, !=, "");
      return;
    }
  g_assert_cmpuint (entries->len, <=, LK_IMPORT_MAX_ENTRIES);
  for (guint i = 0; i < entries->len; i++)
    {
      const LkImportEntry *entry = g_ptr_array_index (entries, i);

      g_assert_nonnull (entry->name);
      g_assert_true (g_utf8_validate (entry->name, -1, NULL));
      if (entry->token == NULL)
        {
          g_assert_nonnull (entry->reason);
          g_assert_true (g_utf8_validate (entry->reason, -1, NULL));
        }
      else
        {
          g_assert_null (entry->reason);
          g_assert_cmpuint (g_bytes_get_size (entry->token->secret), >, 0);
        }
    }
  /* Duplicate marking must cope with whatever came out. */
  lk_import_mark_duplicates (entries, NULL);
}
