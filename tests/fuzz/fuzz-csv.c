/* SPDX-License-Identifier: GPL-3.0-or-later
 * libFuzzer target: the CSV reader (records, line numbers, UTF-8 checks). */
#include "config.h"

#include "lk-csv.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) records = lk_csv_parse ((const char *) data, size, &error);
  guint last_line = 0;

  g_assert_nonnull (records);
  for (guint i = 0; i < records->len; i++)
    {
      LkCsvRecord *r = records->pdata[i];

      g_assert_nonnull (r->fields);
      g_assert_cmpuint (r->line, >, last_line);
      last_line = r->line;
      g_assert_cmpuint (g_strv_length (r->fields), <=, LK_CSV_MAX_FIELDS + 1);
      if (r->error == NULL)
        for (guint j = 0; r->fields[j] != NULL; j++)
          g_assert_true (g_utf8_validate (r->fields[j], -1, NULL));
    }
  return 0;
}
