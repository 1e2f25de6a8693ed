/* SPDX-License-Identifier: GPL-3.0-or-later
 * RFC 4180 CSV reader (lk-csv.h). */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "lk-bulk-error.h"
#include "lk-csv.h"

void
lk_csv_record_free (LkCsvRecord *record)
{
  if (record == NULL)
    return;
  g_strfreev (record->fields);
  g_free (record->error);
  g_free (record);
}

static void
finish_record (GPtrArray  *records,
               GPtrArray  *fields,
               guint       line,
               char       *error)
{
  LkCsvRecord *record;
  gboolean blank = fields->len == 1 && *(char *) g_ptr_array_index (fields, 0) == '\0';

  if (blank && error == NULL)
    {
      g_ptr_array_set_size (fields, 0);
      return;
    }
  record = g_new0 (LkCsvRecord, 1);
  record->line = line;
  record->error = error;
  for (guint i = 0; i < fields->len && record->error == NULL; i++)
    if (!g_utf8_validate (g_ptr_array_index (fields, i), -1, NULL))
      record->error = g_strdup_printf (_("field %u is not valid UTF-8"), i + 1);
  g_ptr_array_add (fields, NULL);
  record->fields = (GStrv) g_ptr_array_steal (fields, NULL);
  g_ptr_array_add (records, record);
}

GPtrArray *
lk_csv_parse (const char  *data,
              gsize        len,
              GError     **error)
{
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func ((GDestroyNotify) lk_csv_record_free);
  g_autoptr(GPtrArray) fields = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) field = g_string_new (NULL);
  const char *p = data, *end = data + len;
  guint line = 1, record_line = 1;
  char *record_error = NULL;

  if (len > LK_CSV_MAX_SIZE)
    {
      g_set_error (error, LK_BULK_ERROR, LK_BULK_ERROR_REFUSED, _("The file is larger than %d MiB"),
                   LK_CSV_MAX_SIZE / (1024 * 1024));
      return NULL;
    }
  if (len >= 3 && memcmp (p, "\xEF\xBB\xBF", 3) == 0)
    p += 3;

  while (p < end)
    {
      gboolean at_end_of_record = FALSE;

      g_string_truncate (field, 0);
      if (*p == '"')
        {
          gboolean closed = FALSE;

          p++;
          while (p < end)
            {
              if (*p == '"')
                {
                  if (p + 1 < end && p[1] == '"')
                    {
                      g_string_append_c (field, '"');
                      p += 2;
                      continue;
                    }
                  p++;
                  closed = TRUE;
                  break;
                }
              if (*p == '\n')
                line++;
              g_string_append_c (field, *p++);
            }
          if (!closed && record_error == NULL)
            record_error = g_strdup (_("a quoted field is not closed"));
          /* After the closing quote only a separator or the end of the line may follow. */
          if (p < end && *p != ',' && *p != '\n' && *p != '\r' && record_error == NULL)
            record_error = g_strdup (_("text after a closing quote"));
          while (p < end && *p != ',' && *p != '\n')
            p++;
        }
      else
        {
          while (p < end && *p != ',' && *p != '\n')
            {
              if (*p == '"' && record_error == NULL)
                record_error = g_strdup (_("a quote inside an unquoted field"));
              g_string_append_c (field, *p++);
            }
          if (field->len > 0 && field->str[field->len - 1] == '\r')
            g_string_truncate (field, field->len - 1);
        }
      if (fields->len < LK_CSV_MAX_FIELDS)
        g_ptr_array_add (fields, g_strndup (field->str, field->len));
      else if (record_error == NULL)
        record_error = g_strdup_printf (_("more than %d fields"), LK_CSV_MAX_FIELDS);

      if (p >= end)
        at_end_of_record = TRUE;
      else if (*p == ',')
        {
          p++;
          if (p >= end)
            g_ptr_array_add (fields, g_strdup (""));
          at_end_of_record = p >= end;
        }
      else /* '\n' */
        {
          p++;
          line++;
          at_end_of_record = TRUE;
        }
      if (at_end_of_record)
        {
          finish_record (records, fields, record_line, g_steal_pointer (&record_error));
          record_line = line;
        }
    }
  if (fields->len > 0)
    finish_record (records, fields, record_line, g_steal_pointer (&record_error));
  g_free (record_error);
  return g_steal_pointer (&records);
}
