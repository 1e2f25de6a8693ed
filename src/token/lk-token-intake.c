/* SPDX-License-Identifier: GPL-3.0-or-later
 * Turns QR images and pasted text into otpauth tokens, refusing everything else clearly. */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "lk-core-error.h"
#include "lk-qr.h"
#include "lk-secure.h"
#include "lk-token-intake.h"

G_DEFINE_QUARK (lk-token-error-quark, lk_token_error)

/* From the generated lk-token-resources.c (manual registration, because an
 * object file in a static library that nothing references would be
 * dropped together with its constructor). */
void lk_token_register_resource (void);

void
lk_token_ensure_resources (void)
{
  static gsize done;

  if (g_once_init_enter (&done))
    {
      lk_token_register_resource ();
      g_once_init_leave (&done, 1);
    }
}

typedef struct
{
  char                 *scheme;
  LkTokenIntakeHandler  handler;
  gpointer              user_data;
} IntakeHandler;

static GPtrArray *intake_handlers;

void
lk_token_intake_add_handler (const char           *scheme,
                             LkTokenIntakeHandler  handler,
                             gpointer              user_data)
{
  IntakeHandler *entry;

  g_return_if_fail (scheme != NULL && handler != NULL);

  if (intake_handlers == NULL)
    intake_handlers = g_ptr_array_new ();

  entry = g_new0 (IntakeHandler, 1);
  entry->scheme = g_ascii_strdown (scheme, -1);
  entry->handler = handler;
  entry->user_data = user_data;
  g_ptr_array_add (intake_handlers, entry);
}

static char *
text_scheme (const char *text)
{
  const char *colon = strchr (text, ':');

  if (colon == NULL || colon == text)
    return NULL;
  for (const char *p = text; p < colon; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '+' && *p != '.')
      return NULL;

  return g_ascii_strdown (text, colon - text);
}

gboolean
lk_token_intake_dispatch (GtkWindow  *parent,
                          const char *text)
{
  g_autofree char *scheme = NULL;
  char *trimmed;
  gboolean taken = FALSE;

  g_return_val_if_fail (text != NULL, FALSE);

  if (intake_handlers == NULL)
    return FALSE;

  trimmed = g_strstrip (g_strdup (text));
  scheme = text_scheme (trimmed);

  for (guint i = 0; scheme != NULL && i < (intake_handlers->len) && !taken; i++)
    {
      IntakeHandler *entry = g_ptr_array_index (intake_handlers, i);

      if (g_str_equal (entry->scheme, scheme))
        {
          entry->handler (parent, trimmed, entry->user_data);
          taken = TRUE;
        }
    }

  /* A migration batch or an activation message carries seeds too. */
  lk_secure_str_free (trimmed);
  return taken;
}

GPtrArray *
lk_token_intake_parse_texts (const char * const  *texts,
                             GError             **error)
{
  g_autoptr(GPtrArray) tokens = g_ptr_array_new_with_free_func ((GDestroyNotify) lk_otpauth_free);
  g_autoptr(GError) first_error = NULL;
  g_autofree char *other_scheme = NULL;

  g_return_val_if_fail (texts != NULL, NULL);

  for (guint i = 0; texts[i] != NULL; i++)
    {
      char *trimmed = g_strstrip (g_strdup (texts[i]));
      g_autofree char *scheme = text_scheme (trimmed);
      g_autoptr(GError) local_error = NULL;
      LkOtpauth *uri;

      if (g_strcmp0 (scheme, "otpauth") != 0)
        {
          if (other_scheme == NULL && scheme != NULL)
            other_scheme = g_steal_pointer (&scheme);
          lk_secure_str_free (trimmed);
          continue;
        }

      uri = lk_otpauth_parse (trimmed, &local_error);
      lk_secure_str_free (trimmed);
      if (uri != NULL)
        g_ptr_array_add (tokens, uri);
      else if (first_error == NULL)
        first_error = g_steal_pointer (&local_error);
    }

  /* One bad token among good ones still refuses the whole lot: adding only
   * some of what the user showed us would look like success. */
  if (first_error != NULL)
    {
      g_set_error (error, LK_TOKEN_ERROR, LK_TOKEN_ERROR_NOT_A_TOKEN,
                   _("This token cannot be used: %s"), first_error->message);
      return NULL;
    }

  if (tokens->len == 0)
    {
      if (g_strcmp0 (other_scheme, "otpauth-migration") == 0)
        g_set_error_literal (error, LK_TOKEN_ERROR, LK_TOKEN_ERROR_NOT_A_TOKEN,
                             _("This is a Google Authenticator export. Use Import to bring its tokens in."));
      else if (other_scheme != NULL)
        g_set_error (error, LK_TOKEN_ERROR, LK_TOKEN_ERROR_NOT_A_TOKEN,
                     _("This code holds a “%s:” link, not a token. Token codes start with “otpauth://”."),
                     other_scheme);
      else
        g_set_error_literal (error, LK_TOKEN_ERROR, LK_TOKEN_ERROR_NOT_A_TOKEN,
                             _("This is not a token. Token codes start with “otpauth://”."));
      return NULL;
    }

  return g_steal_pointer (&tokens);
}

GStrv
lk_token_intake_decode_texture (GdkTexture  *texture,
                                GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  int width, height;
  gsize stride;
  guint8 *argb;
  guint8 *gray;
  GStrv texts;

  g_return_val_if_fail (GDK_IS_TEXTURE (texture), NULL);

  width = gdk_texture_get_width (texture);
  height = gdk_texture_get_height (texture);
  if (width <= 0 || height <= 0 || width > 16384 || height > 16384)
    {
      g_set_error_literal (error, LK_TOKEN_ERROR, LK_TOKEN_ERROR_BAD_IMAGE,
                           _("The image is empty or too large to scan."));
      return NULL;
    }

  stride = (gsize) width * 4;
  argb = g_malloc (stride * height);
  gdk_texture_download (texture, argb, stride);

  /* Premultiplied ARGB over white, then luminance: a transparent
   * background must read as paper, not as ink. */
  gray = g_malloc ((gsize) width * height);
  for (int y = 0; y < height; y++)
    {
      const guint8 *src = argb + y * stride;
      guint8 *dst = gray + (gsize) y * width;

      for (int x = 0; x < width; x++)
        {
          /* CAIRO_FORMAT_ARGB32 in memory: B, G, R, A on little endian. */
          guint b = src[4 * x + (G_BYTE_ORDER == G_LITTLE_ENDIAN ? 0 : 3)];
          guint g = src[4 * x + (G_BYTE_ORDER == G_LITTLE_ENDIAN ? 1 : 2)];
          guint r = src[4 * x + (G_BYTE_ORDER == G_LITTLE_ENDIAN ? 2 : 1)];
          guint a = src[4 * x + (G_BYTE_ORDER == G_LITTLE_ENDIAN ? 3 : 0)];
          guint luma = (r * 77 + g * 150 + b * 29) >> 8;

          dst[x] = (guint8) MIN (255u, luma + (255 - a));
        }
    }
  lk_secure_wipe (argb, stride * height);
  g_free (argb);

  texts = lk_qr_decode_gray (gray, width, height, width, &local_error);
  /* The capture may show more than a token (a whole screen): gone now. */
  lk_secure_wipe (gray, (gsize) width * height);
  g_free (gray);

  if (texts == NULL)
    {
      g_set_error_literal (error, LK_TOKEN_ERROR, LK_TOKEN_ERROR_NO_CODE,
                           _("No QR code was found in the image. Make sure the whole code is visible and sharp."));
      return NULL;
    }

  return texts;
}

GStrv
lk_token_intake_decode_bytes (GBytes  *bytes,
                              GError **error)
{
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (bytes != NULL, NULL);

  texture = gdk_texture_new_from_bytes (bytes, &local_error);
  if (texture == NULL)
    {
      g_set_error_literal (error, LK_TOKEN_ERROR, LK_TOKEN_ERROR_BAD_IMAGE,
                           _("The file is not an image Latchkey can read (PNG, JPEG or TIFF)."));
      return NULL;
    }

  return lk_token_intake_decode_texture (texture, error);
}

#define MAX_IMAGE_FILE_SIZE (64 * 1024 * 1024)

static void
decode_file_thread (GTask        *task,
                    gpointer      source,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  GFile *file = task_data;
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GBytes) bytes = NULL;
  GError *error = NULL;
  GStrv texts;

  info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_SIZE, G_FILE_QUERY_INFO_NONE, cancellable, &error);
  if (info != NULL && g_file_info_get_size (info) > MAX_IMAGE_FILE_SIZE)
    {
      g_task_return_new_error (task, LK_TOKEN_ERROR, LK_TOKEN_ERROR_BAD_IMAGE,
                               _("The file is too large to be a QR code image."));
      return;
    }

  if (error == NULL)
    bytes = g_file_load_bytes (file, cancellable, NULL, &error);
  if (bytes == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  texts = lk_token_intake_decode_bytes (bytes, &error);
  if (texts == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, texts, (GDestroyNotify) g_strfreev);
}

void
lk_token_intake_decode_file_async (GFile               *file,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (G_IS_FILE (file));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, lk_token_intake_decode_file_async);
  g_task_set_task_data (task, g_object_ref (file), g_object_unref);
  g_task_run_in_thread (task, decode_file_thread);
}

GStrv
lk_token_intake_decode_file_finish (GAsyncResult  *result,
                                    GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

char *
lk_token_format_code (const char *code)
{
  GString *out;
  gsize len;
  gsize group;

  g_return_val_if_fail (code != NULL, NULL);

  len = strlen (code);
  if (len < 5)
    return g_strdup (code);

  /* Groups people can hold in their head: 3+3, 4+4, 3+4, 3+3+4. */
  group = (len % 4 == 0 && len % 3 != 0) ? 4 : 3;
  out = g_string_sized_new (len * 2);
  for (gsize i = 0; i < len; i++)
    {
      gsize left = len - i;

      if (i > 0 && i % group == 0 && left > 1)
        g_string_append_c (out, ' ');
      g_string_append_c (out, code[i]);
    }

  return g_string_free (out, FALSE);
}

char *
lk_token_spell_code (const char *code)
{
  GString *out;

  g_return_val_if_fail (code != NULL, NULL);

  out = g_string_new (NULL);
  for (const char *p = code; *p != '\0'; p++)
    {
      if (p != code)
        g_string_append_c (out, ' ');
      g_string_append_c (out, *p);
    }

  return g_string_free (out, FALSE);
}
