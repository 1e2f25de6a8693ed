/* SPDX-License-Identifier: GPL-3.0-or-later
 * Capturing the screen to look for a QR code: the screenshot portal, or X11 without one. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Takes a screenshot through the screenshot portal; when no portal is
 * running and the display is X11, reads the root window instead. The
 * portal's file is deleted as soon as it is loaded. Errors are
 * LK_TOKEN_ERROR_SCREEN with a sentence saying what to install, or
 * G_IO_ERROR_CANCELLED when the user declined. */
void        lk_screen_capture_async  (GtkWindow           *parent,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
GdkTexture *lk_screen_capture_finish (GAsyncResult        *result,
                                      GError             **error);

/* The X11 path alone (for tests and for sessions without portals); NULL
 * with LK_TOKEN_ERROR_SCREEN when the display is not X11. */
GdkTexture *lk_screen_capture_x11    (GdkDisplay          *display,
                                      GError             **error);

G_END_DECLS
