/* SPDX-License-Identifier: GPL-3.0-or-later
 * LkTokenWindow: token mode's main window, the list of tokens and their rolling codes. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define LK_TYPE_TOKEN_WINDOW (lk_token_window_get_type ())
G_DECLARE_FINAL_TYPE (LkTokenWindow, lk_token_window, LK, TOKEN_WINDOW, AdwApplicationWindow)

/* The token-mode factory LkApplication calls (an LkModeWindowFactory). */
GtkWindow *lk_token_window_new            (GtkApplication *app);

/* Adds the tokens in the QR codes of the image @file; the outcome is shown
 * to the user and reported by the "intake-done" signal. */
void       lk_token_window_add_from_file  (LkTokenWindow  *self,
                                           GFile          *file);

/* Adds what the clipboard holds: an image with a QR code, or otpauth text. */
void       lk_token_window_paste          (LkTokenWindow  *self);

/* Adds the tokens in @texts (decoded QR contents or typed text). */
void       lk_token_window_add_texts      (LkTokenWindow      *self,
                                           const char * const *texts);

/* Opens the manual entry form; returns it (transfer none). */
GtkWidget *lk_token_window_enter_manually (LkTokenWindow  *self);

/* Looks for QR codes on the screen (screenshot portal, or X11). */
void       lk_token_window_scan_screen    (LkTokenWindow  *self);

/* Opens the camera scanner; @source (nullable) replaces the camera with a
 * GStreamer bin description producing video, e.g. for tests
 * "multifilesrc location=qr.png loop=true ! pngdec ! videoconvert". */
void       lk_token_window_scan_camera    (LkTokenWindow  *self,
                                           const char     *source);

G_END_DECLS
