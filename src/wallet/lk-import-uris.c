/* SPDX-License-Identifier: GPL-3.0-or-later
 * Reading text files of otpauth:// (and otpauth-migration://) URIs, line by line. */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "lk-import-google.h"
#include "lk-import-uris.h"
#include "lk-secure.h"

static gboolean
is_skipped (const char *line)
{
  return *line == '\0' || *line == '#';
}

gboolean
lk_import_uris_detect (const guint8 *data,
                       gsize         len)
{
  gsize i = 0;

  if (len >= 3 && memcmp (data, "\xef\xbb\xbf", 3) == 0)
    i = 3;
  while (i < len)
    {
      gsize end = i;

      while (end < len && data[end] != '\n')
        end++;
      while (i < end && g_ascii_isspace (data[i]))
        i++;
      if (i < end && data[i] != '#')
        return (end - i >= 8 && g_ascii_strncasecmp ((const char *) data + i, "otpauth:", 8) == 0) ||
               (end - i >= 18 && g_ascii_strncasecmp ((const char *) data + i, "otpauth-migration:", 18) == 0);
      i = end + 1;
    }
  return FALSE;
}

typedef struct
{
  LkMigrationBatch *batch;
  guint             position;   /* where its entries go in the result */
  guint             first_line;
} PendingBatch;

static void
pending_batch_free (PendingBatch *pending)
{
  g_clear_object (&pending->batch);
  g_free (pending);
}

GPtrArray *
lk_import_uris_parse (const guint8 *data,
                      gsize         len,
                      GError      **error)
{
  g_autoptr(GPtrArray) entries = lk_import_entries_new ();
  g_autoptr(GPtrArray) batches = g_ptr_array_new_with_free_func ((GDestroyNotify) pending_batch_free);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  const char *end = NULL;

  if (len > LK_IMPORT_MAX_FILE_SIZE)
    {
      g_set_error (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_TOO_LARGE,
                   _("The file is larger than %u MiB."), LK_IMPORT_MAX_FILE_SIZE / (1024 * 1024));
      return NULL;
    }
  if (!g_utf8_validate ((const char *) data, (gssize) len, &end) || memchr (data, '\0', len) != NULL)
    {
      g_set_error_literal (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_CORRUPT,
                           _("The file is not a text file (it is not valid UTF-8)."));
      return NULL;
    }
  text = g_strndup ((const char *) data, len);
  lines = g_strsplit (text, "\n", -1);
  lk_secure_wipe (text, len);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = g_strstrip (lines[i]);
      guint number = i + 1;
      g_autofree char *name = g_strdup_printf (_("line %u"), number);
      g_autoptr(GError) local_error = NULL;
      LkImportEntry *entry;

      if (i == 0 && g_str_has_prefix (line, "\xef\xbb\xbf"))
        line = g_strstrip (line + 3);
      if (is_skipped (line))
        continue;
      if (entries->len + batches->len >= LK_IMPORT_MAX_ENTRIES)
        {
          g_set_error (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_TOO_LARGE,
                       _("The file holds more than %u tokens."), LK_IMPORT_MAX_ENTRIES);
          goto wipe;
        }
      if (strlen (line) > LK_IMPORT_URIS_MAX_LINE)
        {
          entry = lk_import_entry_new (name);
          lk_import_entry_refuse (entry, _("The line is longer than %u characters."), LK_IMPORT_URIS_MAX_LINE);
          g_ptr_array_add (entries, entry);
          continue;
        }

      if (lk_import_google_is_migration_uri (line))
        {
          PendingBatch *pending = NULL;
          LkMigrationPart part;
          g_autoptr(GPtrArray) parsed = lk_import_google_parse (line, &part, &local_error);

          if (parsed == NULL)
            {
              entry = lk_import_entry_new (name);
              lk_import_entry_refuse (entry, "%s", local_error->message);
              g_ptr_array_add (entries, entry);
              continue;
            }
          /* Parts of one export may be spread over the file in any order. */
          for (guint b = 0; b < batches->len && pending == NULL; b++)
            {
              PendingBatch *candidate = g_ptr_array_index (batches, b);

              if (lk_migration_batch_add (candidate->batch, line, NULL, NULL))
                pending = candidate;
            }
          if (pending == NULL)
            {
              pending = g_new0 (PendingBatch, 1);
              pending->batch = lk_migration_batch_new ();
              pending->position = entries->len;
              pending->first_line = number;
              if (!lk_migration_batch_add (pending->batch, line, NULL, &local_error))
                {
                  pending_batch_free (pending);
                  entry = lk_import_entry_new (name);
                  lk_import_entry_refuse (entry, "%s", local_error->message);
                  g_ptr_array_add (entries, entry);
                  continue;
                }
              g_ptr_array_add (batches, pending);
            }
          continue;
        }

      {
        LkOtpauth *token = lk_otpauth_parse (line, &local_error);

        entry = lk_import_entry_new (name);
        if (token == NULL)
          lk_import_entry_refuse (entry, "%s", local_error->message);
        else
          lk_import_entry_take_token (entry, token);
        g_ptr_array_add (entries, entry);
      }
    }

  /* Expand the Google batches where their first line was, last first so
   * earlier positions stay valid. */
  for (guint b = batches->len; b > 0; b--)
    {
      PendingBatch *pending = g_ptr_array_index (batches, b - 1);
      g_autoptr(GError) local_error = NULL;
      g_autoptr(GPtrArray) expanded = lk_migration_batch_dup_entries (pending->batch, &local_error);

      if (expanded == NULL)
        {
          g_autofree char *name = g_strdup_printf (_("line %u"), pending->first_line);
          LkImportEntry *entry = lk_import_entry_new (name);

          lk_import_entry_refuse (entry, "%s", local_error->message);
          g_ptr_array_insert (entries, (gint) pending->position, entry);
          continue;
        }
      {
        gsize n = 0;
        g_autofree gpointer *items = g_ptr_array_steal (expanded, &n);

        for (gsize k = 0; k < n; k++)
          g_ptr_array_insert (entries, (gint) (pending->position + k), items[k]);
      }
      if (entries->len > LK_IMPORT_MAX_ENTRIES)
        {
          g_set_error (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_TOO_LARGE,
                       _("The file holds more than %u tokens."), LK_IMPORT_MAX_ENTRIES);
          goto wipe;
        }
    }

  for (guint i = 0; lines[i] != NULL; i++)
    lk_secure_wipe (lines[i], strlen (lines[i]));
  return g_steal_pointer (&entries);

wipe:
  for (guint i = 0; lines[i] != NULL; i++)
    lk_secure_wipe (lines[i], strlen (lines[i]));
  return NULL;
}
