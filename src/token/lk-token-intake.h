/* SPDX-License-Identifier: GPL-3.0-or-later
 * Turning what the user gives us (decoded QR texts, images, pasted text) into tokens. */
#pragma once

#include <gtk/gtk.h>
#include "lk-otpauth.h"

G_BEGIN_DECLS

#define LK_TOKEN_ERROR (lk_token_error_quark ())

typedef enum
{
  LK_TOKEN_ERROR_NOT_A_TOKEN,   /* a QR code or text that holds something other than a token */
  LK_TOKEN_ERROR_NO_CODE,       /* an image without a readable QR code */
  LK_TOKEN_ERROR_BAD_IMAGE,     /* data that is not an image we can read */
  LK_TOKEN_ERROR_CAMERA,        /* no camera, or the camera pipeline failed */
  LK_TOKEN_ERROR_SCREEN,        /* the screen could not be captured */
} LkTokenError;

GQuark lk_token_error_quark (void);

/* Registers the token layer's templates and styles (once; idempotent). */
void        lk_token_ensure_resources     (void);

/* Extension point for payloads that are not otpauth:// URIs but lead to
 * tokens: a Google Authenticator migration batch, a multi-device
 * activation message. The window hands such a text (whose scheme is the
 * one registered, e.g. "otpauth-migration") to the handler instead of
 * refusing it; the handler owns the flow from there. */
typedef void (*LkTokenIntakeHandler) (GtkWindow  *parent,
                                      const char *text,
                                      gpointer    user_data);

void        lk_token_intake_add_handler   (const char           *scheme,
                                           LkTokenIntakeHandler  handler,
                                           gpointer              user_data);
/* TRUE when a handler took @text. */
gboolean    lk_token_intake_dispatch      (GtkWindow            *parent,
                                           const char           *text);

/* Parses each of @texts (decoded QR contents or pasted text; surrounding
 * white space ignored) as an otpauth URI. Returns the tokens (LkOtpauth*,
 * at least one) or an error: LK_TOKEN_ERROR_NOT_A_TOKEN when no text is
 * an otpauth URI, or the parser's own message when one is but its secret
 * or parameters are bad. Texts a registered handler claims are not here:
 * call lk_token_intake_dispatch() first. */
GPtrArray  *lk_token_intake_parse_texts   (const char * const   *texts,
                                           GError              **error);

/* Decodes every QR code in @texture (composited over white, converted to
 * grey; the grey copy is wiped at once). NULL-terminated texts, or
 * LK_TOKEN_ERROR_NO_CODE. Safe to call from a worker thread. */
GStrv       lk_token_intake_decode_texture (GdkTexture          *texture,
                                            GError             **error);

/* The same for encoded image data (PNG, JPEG, TIFF); data that is not an
 * image is LK_TOKEN_ERROR_BAD_IMAGE. */
GStrv       lk_token_intake_decode_bytes  (GBytes               *bytes,
                                           GError              **error);

/* Reads @file in a worker thread and decodes its QR codes. */
void        lk_token_intake_decode_file_async  (GFile               *file,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
GStrv       lk_token_intake_decode_file_finish (GAsyncResult        *result,
                                                GError             **error);

/* "123 456", "1234 5678": a code split into groups for reading aloud. */
char       *lk_token_format_code          (const char           *code);

/* "1 2 3 4 5 6": a code as a screen reader should say it. */
char       *lk_token_spell_code           (const char           *code);

G_END_DECLS
