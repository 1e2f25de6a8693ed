/* SPDX-License-Identifier: GPL-3.0-or-later
 * Chooses GTK's renderer before GTK starts: cairo without OpenGL when no GPU device is reachable. */
#include "config.h"

#include "lk-renderer.h"

/* GTK 4.8 draws with OpenGL whenever a GL driver loads. Where no GPU is
 * reachable (a virtual machine without 3D, a remote X session, a sandbox
 * without --device=dri) that driver is Mesa's llvmpipe, a software
 * rasteriser: LLVM and the driver add about 100 MiB to the process and the
 * first frame waits for shader compilation, while cairo draws this app's
 * plain widgets in a fraction of that (docs/performance.md, bench/token).
 * With a GPU node present GTK's own choice stands: the decision needs no
 * GL driver loaded, so it cannot tell a working GPU driver from a fallback,
 * and it only acts where software rendering is certain. */

gboolean
lk_renderer_have_gpu (const char *dev_dir)
{
  g_autofree char *dri = g_build_filename (dev_dir, "dri", NULL);
  g_autofree char *nvidia = g_build_filename (dev_dir, "nvidiactl", NULL);
  g_autoptr(GDir) dir = NULL;
  const char *name;

  /* NVIDIA's driver can run without DRM nodes. */
  if (g_file_test (nvidia, G_FILE_TEST_EXISTS))
    return TRUE;

  dir = g_dir_open (dri, 0, NULL);
  if (dir == NULL)
    return FALSE;
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, "renderD") || g_str_has_prefix (name, "card"))
      return TRUE;
  return FALSE;
}

gboolean
lk_renderer_choose (const char *dev_dir)
{
  /* The user's own choice (GSK_RENDERER=gl, or GDK debugging) wins. */
  if (g_getenv ("GSK_RENDERER") != NULL || g_getenv ("GDK_DEBUG") != NULL)
    return FALSE;
  if (lk_renderer_have_gpu (dev_dir))
    return FALSE;

  /* GSK_RENDERER alone would still load the GL driver (GDK opens GL to
   * pick its X11 visual); gl-disable stops that. */
  g_setenv ("GSK_RENDERER", "cairo", TRUE);
  g_setenv ("GDK_DEBUG", "gl-disable", TRUE);
  return TRUE;
}
