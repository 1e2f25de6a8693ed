/* SPDX-License-Identifier: GPL-3.0-or-later
 * LkCameraScanner: a GStreamer pipeline that shows camera frames and reads QR codes from them. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define LK_TYPE_CAMERA_SCANNER (lk_camera_scanner_get_type ())
G_DECLARE_FINAL_TYPE (LkCameraScanner, lk_camera_scanner, LK, CAMERA_SCANNER, GObject)

/* @source (nullable) is a gst-launch description of the element(s) that
 * produce video, replacing the camera; tests feed a QR image through the
 * whole pipeline with "multifilesrc location=F loop=true
 * caps=image/png,framerate=5/1 ! pngdec". NULL uses the camera: the camera
 * portal and pipewiresrc inside Flatpak, v4l2src (device @device, or the
 * first one when NULL or empty) outside it.
 *
 * Signals, all on the main context:
 *   "frame"      (GdkTexture *frame)     a preview frame, at most ~15 a second
 *   "code-found" (GStrv texts)           every QR text in the first frame that had any;
 *                                        the pipeline is already stopped
 *   "failed"     (const char *message)   the camera could not be opened or stopped working */
LkCameraScanner *lk_camera_scanner_new   (const char      *source,
                                          const char      *device);

/* Builds and starts the pipeline. Errors in the description or a missing
 * GStreamer element fail here; a camera that cannot be opened is reported
 * later through "failed". */
gboolean         lk_camera_scanner_start (LkCameraScanner *self,
                                          GtkWindow       *parent,
                                          GError         **error);

/* Stops the camera; idempotent. Also done on dispose. */
void             lk_camera_scanner_stop  (LkCameraScanner *self);

gboolean         lk_camera_scanner_is_running (LkCameraScanner *self);

G_END_DECLS
