/* SPDX-License-Identifier: GPL-3.0-or-later
 * libFuzzer target: Google Authenticator migration payloads, as raw protobuf and as otpauth-migration URIs, and batches. */
#include "config.h"

#include <string.h>

#include "import-fuzz-common.h"
#include "lk-import-google.h"

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autofree char *text = NULL;
  g_autoptr(LkMigrationBatch) batch = NULL;
  LkMigrationPart part;

  if (size >= 18 && g_ascii_strncasecmp ((const char *) data, "otpauth-migration:", 18) == 0)
    {
      text = g_strndup ((const char *) data, size);
      entries = lk_import_google_parse (text, &part, &error);
      check_import_result (entries, error);
      if (entries != NULL)
        {
          g_assert_cmpuint (part.index, <, part.size);
          /* The same URI as the first part of a batch. */
          batch = lk_migration_batch_new ();
          g_assert_true (lk_migration_batch_add (batch, text, NULL, NULL));
          g_assert_cmpuint (lk_migration_batch_get_received (batch), ==, 1);
          g_free (lk_migration_batch_describe (batch));
          g_array_unref (lk_migration_batch_get_missing (batch));
          if (lk_migration_batch_is_complete (batch))
            {
              g_autoptr(GPtrArray) all = lk_migration_batch_dup_entries (batch, NULL);

              g_assert_nonnull (all);
              g_assert_cmpuint (all->len, ==, entries->len);
            }
        }
      return 0;
    }

  entries = lk_import_google_parse_payload (data, size, &part, &error);
  check_import_result (entries, error);
  return 0;
}
