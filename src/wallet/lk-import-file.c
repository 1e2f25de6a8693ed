/* SPDX-License-Identifier: GPL-3.0-or-later
 * Format recognition, file reading and the all-or-nothing commit of an import. */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "lk-import-aegis.h"
#include "lk-import-andotp.h"
#include "lk-import-file.h"
#include "lk-import-freeotp.h"
#include "lk-import-google.h"
#include "lk-import-uris.h"
#include "lk-qr.h"
#include "lk-secure.h"

static const struct
{
  LkImportFormat format;
  const char    *name;
} format_names[] = {
  { LK_IMPORT_FORMAT_AUTO, "auto" },
  { LK_IMPORT_FORMAT_GOOGLE, "google" },
  { LK_IMPORT_FORMAT_AEGIS, "aegis" },
  { LK_IMPORT_FORMAT_ANDOTP, "andotp" },
  { LK_IMPORT_FORMAT_FREEOTP, "freeotp" },
  { LK_IMPORT_FORMAT_URIS, "uris" },
  { LK_IMPORT_FORMAT_QR_IMAGE, "qr-image" },
};

const char *
lk_import_format_to_string (LkImportFormat format)
{
  for (guint i = 0; i < G_N_ELEMENTS (format_names); i++)
    if (format_names[i].format == format)
      return format_names[i].name;
  return "auto";
}

gboolean
lk_import_format_from_string (const char     *name,
                              LkImportFormat *out_format)
{
  for (guint i = 0; i < G_N_ELEMENTS (format_names); i++)
    if (g_ascii_strcasecmp (name, format_names[i].name) == 0)
      {
        *out_format = format_names[i].format;
        return TRUE;
      }
  return FALSE;
}

const char *
lk_import_format_describe (LkImportFormat format)
{
  switch (format)
    {
    case LK_IMPORT_FORMAT_GOOGLE:
      return _("Google Authenticator export");
    case LK_IMPORT_FORMAT_AEGIS:
      return _("Aegis vault");
    case LK_IMPORT_FORMAT_ANDOTP:
      return _("andOTP backup");
    case LK_IMPORT_FORMAT_FREEOTP:
      return _("FreeOTP+ export");
    case LK_IMPORT_FORMAT_URIS:
      return _("List of otpauth links");
    case LK_IMPORT_FORMAT_QR_IMAGE:
      return _("QR code image");
    case LK_IMPORT_FORMAT_AUTO:
    default:
      return _("unknown format");
    }
}

static const guint8 *
skip_space (const guint8 *data,
            gsize        *len)
{
  if (*len >= 3 && memcmp (data, "\xef\xbb\xbf", 3) == 0)
    {
      data += 3;
      *len -= 3;
    }
  while (*len > 0 && g_ascii_isspace (*data))
    {
      data++;
      (*len)--;
    }
  return data;
}

LkImportFormat
lk_import_detect (const guint8 *data,
                  gsize         len)
{
  gsize rest_len = len;
  const guint8 *rest = skip_space (data, &rest_len);

  if (len >= 8 && memcmp (data, "\x89PNG\r\n\x1a\n", 8) == 0)
    return LK_IMPORT_FORMAT_QR_IMAGE;
  if (rest_len == 0)
    return LK_IMPORT_FORMAT_AUTO;
  if (rest[0] == '{')
    {
      if (lk_import_aegis_detect (data, len))
        return LK_IMPORT_FORMAT_AEGIS;
      if (lk_import_freeotp_detect (data, len))
        return LK_IMPORT_FORMAT_FREEOTP;
      return LK_IMPORT_FORMAT_AUTO;
    }
  if (rest[0] == '[')
    return lk_import_andotp_detect (data, len) ? LK_IMPORT_FORMAT_ANDOTP : LK_IMPORT_FORMAT_AUTO;
  if (lk_import_uris_detect (data, len))
    {
      const guint8 *newline = memchr (rest, '\n', rest_len);
      gsize first = newline != NULL ? (gsize) (newline - rest) : rest_len;

      if (first >= 18 && g_ascii_strncasecmp ((const char *) rest, "otpauth-migration:", 18) == 0)
        return LK_IMPORT_FORMAT_GOOGLE;
      return LK_IMPORT_FORMAT_URIS;
    }
  /* An encrypted andOTP backup is random bytes with no marker: the only
   * binary format we read. Text that matched nothing above is unknown. */
  if (!g_utf8_validate ((const char *) data, (gssize) len, NULL) || memchr (data, '\0', len) != NULL)
    return LK_IMPORT_FORMAT_ANDOTP;
  return LK_IMPORT_FORMAT_AUTO;
}

/* Appends the links a source holds to @text, one per line: the decoded QR
 * codes of a PNG, or the source itself when it is a link list. */
static gboolean
append_links (GString       *text,
              const guint8  *data,
              gsize          len,
              guint          number,
              GError       **error)
{
  LkImportFormat format = lk_import_detect (data, len);

  if (format == LK_IMPORT_FORMAT_QR_IMAGE)
    {
      g_autoptr(GError) local_error = NULL;
      g_auto(GStrv) texts = lk_qr_decode_png (data, len, &local_error);

      if (texts == NULL)
        {
          g_set_error (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_CORRUPT,
                       _("Image %u: %s"), number, local_error->message);
          return FALSE;
        }
      for (guint i = 0; texts[i] != NULL; i++)
        {
          g_string_append (text, texts[i]);
          g_string_append_c (text, '\n');
          lk_secure_wipe (texts[i], strlen (texts[i]));
        }
      return TRUE;
    }
  if (format == LK_IMPORT_FORMAT_URIS || format == LK_IMPORT_FORMAT_GOOGLE)
    {
      g_string_append_len (text, (const char *) data, (gssize) len);
      g_string_append_c (text, '\n');
      return TRUE;
    }
  g_set_error (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_UNKNOWN_FORMAT,
               _("Source %u is neither a QR code image nor a list of otpauth links; "
                 "only those can be imported together."), number);
  return FALSE;
}

static void
wipe_string (GString *text)
{
  lk_secure_wipe (text->str, text->allocated_len);
  g_string_free (text, TRUE);
}

GPtrArray *
lk_import_parse_combined (GPtrArray  *sources,
                          GError    **error)
{
  GString *text;
  GPtrArray *entries = NULL;
  gsize total = 0;

  g_return_val_if_fail (sources != NULL, NULL);

  for (guint i = 0; i < sources->len; i++)
    total += g_bytes_get_size (g_ptr_array_index (sources, i));
  if (total > LK_IMPORT_MAX_FILE_SIZE)
    {
      g_set_error (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_TOO_LARGE,
                   _("The files are larger than %u MiB together."), LK_IMPORT_MAX_FILE_SIZE / (1024 * 1024));
      return NULL;
    }
  /* Sized once: a reallocation would leave an unwiped copy of the links. */
  text = g_string_sized_new (total + 64 * 1024);
  for (guint i = 0; i < sources->len; i++)
    {
      GBytes *source = g_ptr_array_index (sources, i);

      if (!append_links (text, g_bytes_get_data (source, NULL), g_bytes_get_size (source), i + 1, error))
        {
          wipe_string (text);
          return NULL;
        }
    }
  entries = lk_import_uris_parse ((const guint8 *) text->str, text->len, error);
  wipe_string (text);
  return entries;
}

GPtrArray *
lk_import_parse (const guint8   *data,
                 gsize           len,
                 LkImportFormat  format,
                 const char     *password,
                 LkImportFormat *out_format,
                 GError        **error)
{
  if (len > LK_IMPORT_MAX_FILE_SIZE)
    {
      g_set_error (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_TOO_LARGE,
                   _("The file is larger than %u MiB."), LK_IMPORT_MAX_FILE_SIZE / (1024 * 1024));
      return NULL;
    }
  if (format == LK_IMPORT_FORMAT_AUTO)
    format = lk_import_detect (data, len);
  if (out_format != NULL)
    *out_format = format;

  switch (format)
    {
    case LK_IMPORT_FORMAT_GOOGLE:
    case LK_IMPORT_FORMAT_URIS:
      return lk_import_uris_parse (data, len, error);
    case LK_IMPORT_FORMAT_AEGIS:
      return lk_import_aegis_parse (data, len, password, error);
    case LK_IMPORT_FORMAT_ANDOTP:
      return lk_import_andotp_parse (data, len, password, error);
    case LK_IMPORT_FORMAT_FREEOTP:
      return lk_import_freeotp_parse (data, len, error);
    case LK_IMPORT_FORMAT_QR_IMAGE:
      {
        g_autoptr(GPtrArray) sources = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

        g_ptr_array_add (sources, g_bytes_new_static (data, len));
        return lk_import_parse_combined (sources, error);
      }
    case LK_IMPORT_FORMAT_AUTO:
    default:
      g_set_error_literal (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_UNKNOWN_FORMAT,
                           _("The file is not in a format Latchkey can import (Aegis, andOTP, FreeOTP+, "
                             "Google Authenticator export, a list of otpauth links or a QR code image)."));
      return NULL;
    }
}

GPtrArray *
lk_import_parse_file_sync (GFile          *file,
                           LkImportFormat  format,
                           const char     *password,
                           LkImportFormat *out_format,
                           GCancellable   *cancellable,
                           GError        **error)
{
  g_autoptr(GFileInputStream) stream = NULL;
  g_autoptr(GFileInfo) info = NULL;
  guint8 *buffer;
  gsize read = 0;
  GPtrArray *entries;

  g_return_val_if_fail (G_IS_FILE (file), NULL);

  stream = g_file_read (file, cancellable, error);
  if (stream == NULL)
    return NULL;
  info = g_file_input_stream_query_info (stream, G_FILE_ATTRIBUTE_STANDARD_SIZE, cancellable, NULL);
  if (info != NULL && g_file_info_has_attribute (info, G_FILE_ATTRIBUTE_STANDARD_SIZE) &&
      g_file_info_get_size (info) > LK_IMPORT_MAX_FILE_SIZE)
    {
      g_set_error (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_TOO_LARGE,
                   _("The file is larger than %u MiB."), LK_IMPORT_MAX_FILE_SIZE / (1024 * 1024));
      return NULL;
    }
  /* One byte more than the bound, so an overlong pipe or device is caught too. */
  buffer = g_malloc (LK_IMPORT_MAX_FILE_SIZE + 1);
  if (!g_input_stream_read_all (G_INPUT_STREAM (stream), buffer, LK_IMPORT_MAX_FILE_SIZE + 1,
                                &read, cancellable, error))
    {
      lk_secure_wipe (buffer, LK_IMPORT_MAX_FILE_SIZE + 1);
      g_free (buffer);
      return NULL;
    }
  entries = lk_import_parse (buffer, read, format, password, out_format, error);
  lk_secure_wipe (buffer, read);
  g_free (buffer);
  return entries;
}

typedef struct
{
  GFile          *file;
  LkImportFormat  format;
  char           *password;
  LkImportFormat  out_format;
} ParseData;

static void
parse_data_free (ParseData *data)
{
  g_clear_object (&data->file);
  g_clear_pointer (&data->password, lk_secure_str_free);
  g_free (data);
}

static void
parse_file_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  ParseData *data = task_data;
  GError *error = NULL;
  GPtrArray *entries;

  entries = lk_import_parse_file_sync (data->file, data->format, data->password, &data->out_format,
                                       cancellable, &error);
  if (entries == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, entries, (GDestroyNotify) g_ptr_array_unref);
}

void
lk_import_parse_file_async (GFile              *file,
                            LkImportFormat      format,
                            const char         *password,
                            GCancellable       *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer            user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  ParseData *data = g_new0 (ParseData, 1);

  data->file = g_object_ref (file);
  data->format = format;
  data->password = g_strdup (password);
  g_task_set_source_tag (task, lk_import_parse_file_async);
  g_task_set_task_data (task, data, (GDestroyNotify) parse_data_free);
  g_task_run_in_thread (task, parse_file_thread);
}

GPtrArray *
lk_import_parse_file_finish (GAsyncResult   *result,
                             LkImportFormat *out_format,
                             GError        **error)
{
  GTask *task = G_TASK (result);
  ParseData *data = g_task_get_task_data (task);

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  if (out_format != NULL)
    *out_format = data->out_format;
  return g_task_propagate_pointer (task, error);
}

gboolean
lk_import_check_wallet_sync (LkWallet      *wallet,
                             GPtrArray     *entries,
                             GCancellable  *cancellable,
                             GError       **error)
{
  g_autoptr(GPtrArray) stored = NULL;
  g_autoptr(GPtrArray) existing = g_ptr_array_new ();

  stored = lk_wallet_list_sync (wallet, cancellable, error);
  if (stored == NULL)
    return FALSE;
  for (guint i = 0; i < stored->len; i++)
    g_ptr_array_add (existing, ((LkWalletToken *) g_ptr_array_index (stored, i))->otpauth);
  lk_import_mark_duplicates (entries, existing);
  return TRUE;
}

GPtrArray *
lk_import_dup_wallet_tokens (GPtrArray *entries)
{
  GPtrArray *tokens = g_ptr_array_new_with_free_func ((GDestroyNotify) lk_wallet_token_free);

  for (guint i = 0; i < entries->len; i++)
    {
      const LkImportEntry *entry = g_ptr_array_index (entries, i);
      LkWalletToken *token;

      if (!entry->selected || entry->token == NULL || entry->reason != NULL)
        continue;
      token = lk_wallet_token_new (entry->token);
      token->note = g_strdup (entry->note);
      token->group = g_strdup (entry->group);
      if (entry->icon != NULL && entry->icon_mime != NULL)
        {
          token->icon = g_bytes_ref (entry->icon);
          token->icon_mime = g_strdup (entry->icon_mime);
        }
      g_ptr_array_add (tokens, token);
    }
  return tokens;
}

static gboolean
check_nothing (GPtrArray  *tokens,
               GError    **error)
{
  if (tokens->len == 0)
    {
      g_set_error_literal (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_NOTHING,
                           _("Nothing to import: no entry is selected, or none can be imported."));
      return FALSE;
    }
  return TRUE;
}

gboolean
lk_import_commit_sync (LkWallet             *wallet,
                       GPtrArray            *entries,
                       LkWalletProgressFunc  progress,
                       gpointer              progress_data,
                       guint                *n_imported,
                       GCancellable         *cancellable,
                       GError              **error)
{
  g_autoptr(GPtrArray) tokens = lk_import_dup_wallet_tokens (entries);

  if (n_imported != NULL)
    *n_imported = 0;
  if (!check_nothing (tokens, error))
    return FALSE;
  if (!lk_wallet_add_many_sync (wallet, tokens, progress, progress_data, cancellable, error))
    return FALSE;
  if (n_imported != NULL)
    *n_imported = tokens->len;
  return TRUE;
}

static void
commit_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!lk_wallet_add_many_finish (LK_WALLET (source), result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
lk_import_commit_async (LkWallet             *wallet,
                        GPtrArray            *entries,
                        LkWalletProgressFunc  progress,
                        gpointer              progress_data,
                        GDestroyNotify        progress_data_free,
                        GCancellable         *cancellable,
                        GAsyncReadyCallback   callback,
                        gpointer              user_data)
{
  g_autoptr(GTask) task = g_task_new (wallet, cancellable, callback, user_data);
  g_autoptr(GPtrArray) tokens = lk_import_dup_wallet_tokens (entries);
  GError *error = NULL;

  g_task_set_source_tag (task, lk_import_commit_async);
  g_task_set_task_data (task, GUINT_TO_POINTER (tokens->len), NULL);
  if (!check_nothing (tokens, &error))
    {
      if (progress_data_free != NULL)
        progress_data_free (progress_data);
      g_task_return_error (task, error);
      return;
    }
  lk_wallet_add_many_async (wallet, tokens, progress, progress_data, progress_data_free,
                            cancellable, commit_done, g_steal_pointer (&task));
}

gboolean
lk_import_commit_finish (LkWallet      *wallet,
                         GAsyncResult  *result,
                         guint         *n_imported,
                         GError       **error)
{
  GTask *task = G_TASK (result);
  gboolean ok;

  g_return_val_if_fail (g_task_is_valid (result, wallet), FALSE);
  ok = g_task_propagate_boolean (task, error);
  if (n_imported != NULL)
    *n_imported = ok ? GPOINTER_TO_UINT (g_task_get_task_data (task)) : 0;
  return ok;
}
