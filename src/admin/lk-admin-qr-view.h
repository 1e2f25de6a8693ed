/* SPDX-License-Identifier: GPL-3.0-or-later
 * A widget that draws a QR code crisply at any size, for scanning off the screen. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define LK_TYPE_ADMIN_QR_VIEW (lk_admin_qr_view_get_type ())
G_DECLARE_FINAL_TYPE (LkAdminQrView, lk_admin_qr_view, LK, ADMIN_QR_VIEW, GtkWidget)

GtkWidget  *lk_admin_qr_view_new            (void);

/* Sets the text to encode; NULL clears the code. The text is wiped from
 * memory when replaced, since a provisioning URI carries a seed. Fails
 * (and shows nothing) when the text is too long for a QR code. */
gboolean    lk_admin_qr_view_set_text       (LkAdminQrView  *self,
                                             const char     *text,
                                             GError        **error);
gboolean    lk_admin_qr_view_has_code       (LkAdminQrView  *self);

/* A concealed view keeps its code but draws a neutral placeholder. */
void        lk_admin_qr_view_set_concealed  (LkAdminQrView  *self,
                                             gboolean        concealed);
gboolean    lk_admin_qr_view_get_concealed  (LkAdminQrView  *self);

/* The texture as last drawn (or at @min_module_px pixels per module when it
 * has not been drawn at that size yet); NULL without a code.
 * (transfer full) */
GdkTexture *lk_admin_qr_view_get_texture    (LkAdminQrView  *self,
                                             guint           min_module_px);

/* The grey matrix at one pixel per module, quiet zone included; NULL
 * without a code. (transfer none) */
const guint8 *lk_admin_qr_view_get_modules  (LkAdminQrView  *self,
                                             guint          *size);

G_END_DECLS
