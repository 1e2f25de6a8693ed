/* SPDX-License-Identifier: GPL-3.0-or-later
 * Chooses GTK's renderer before GTK starts: cairo without OpenGL when no GPU device is reachable. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Whether @dev_dir (normally "/dev") holds a GPU device node: a DRM
 * render or card node under dri/, or NVIDIA's control node. */
gboolean lk_renderer_have_gpu      (const char *dev_dir);

/* Call before gtk_init() or g_application_run(). Without a GPU device,
 * sets GSK_RENDERER=cairo and GDK_DEBUG=gl-disable, so GTK neither loads
 * a software GL driver nor draws through it. Leaves both alone when the
 * user set either. Returns TRUE when it chose cairo. */
gboolean lk_renderer_choose        (const char *dev_dir);

G_END_DECLS
