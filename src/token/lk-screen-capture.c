/* SPDX-License-Identifier: GPL-3.0-or-later
 * Screen capture for QR scanning: xdg-desktop-portal first, the X11 root window as the fallback. */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>
#include <libportal-gtk4/portal-gtk4.h>
#ifdef LK_HAVE_X11
#include <gdk/x11/gdkx.h>
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#endif

#include "lk-screen-capture.h"
#include "lk-secure.h"
#include "lk-token-intake.h"

static guint
mask_shift (unsigned long mask)
{
  guint shift = 0;

  if (mask == 0)
    return 0;
  while ((mask & 1) == 0)
    {
      mask >>= 1;
      shift++;
    }
  return shift;
}

GdkTexture *
lk_screen_capture_x11 (GdkDisplay  *display,
                       GError     **error)
{
#ifdef LK_HAVE_X11
  Display *xdisplay;
  Window root;
  XWindowAttributes attrs;
  XImage *image;
  guint8 *pixels;
  gsize stride;
  GBytes *bytes;
  GdkTexture *texture;
  guint rs, gs, bs;

  if (display == NULL || !GDK_IS_X11_DISPLAY (display))
    goto not_x11;

  xdisplay = gdk_x11_display_get_xdisplay (display);
  root = DefaultRootWindow (xdisplay);
  if (!XGetWindowAttributes (xdisplay, root, &attrs) || attrs.width <= 0 || attrs.height <= 0)
    goto failed;

  image = XGetImage (xdisplay, root, 0, 0, attrs.width, attrs.height, AllPlanes, ZPixmap);
  if (image == NULL)
    goto failed;

  rs = mask_shift (image->red_mask);
  gs = mask_shift (image->green_mask);
  bs = mask_shift (image->blue_mask);
  stride = (gsize) attrs.width * 4;
  pixels = g_malloc (stride * attrs.height);
  for (int y = 0; y < attrs.height; y++)
    for (int x = 0; x < attrs.width; x++)
      {
        unsigned long p = XGetPixel (image, x, y);
        guint8 *dst = pixels + y * stride + 4 * x;

        dst[0] = (guint8) ((p & image->blue_mask) >> bs);
        dst[1] = (guint8) ((p & image->green_mask) >> gs);
        dst[2] = (guint8) ((p & image->red_mask) >> rs);
        dst[3] = 0xff;
      }
  /* The screen may show more than the QR code. */
  lk_secure_wipe (image->data, (gsize) image->bytes_per_line * image->height);
  XDestroyImage (image);

  bytes = lk_secure_bytes_new_take (pixels, stride * attrs.height);
  texture = gdk_memory_texture_new (attrs.width, attrs.height, GDK_MEMORY_B8G8R8A8, bytes, stride);
  g_bytes_unref (bytes);
  return texture;

failed:
  g_set_error_literal (error, LK_TOKEN_ERROR, LK_TOKEN_ERROR_SCREEN,
                       _("The screen could not be read."));
  return NULL;

not_x11:
#endif
  g_set_error_literal (error, LK_TOKEN_ERROR, LK_TOKEN_ERROR_SCREEN,
                       _("No screenshot service is available. Install xdg-desktop-portal with a "
                         "backend for your desktop (for example xdg-desktop-portal-gnome), or open "
                         "a picture of the QR code instead."));
  return NULL;
}

static gboolean
portal_missing (const GError *error)
{
  /* Nobody owns org.freedesktop.portal.Desktop, or it has no Screenshot
   * backend: both mean "use the fallback", not "the user said no". */
  return error->domain == G_DBUS_ERROR ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_DBUS_ERROR);
}

static void
on_screenshot (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *uri = xdp_portal_take_screenshot_finish (XDP_PORTAL (source), result, &error);
  g_autoptr(GFile) file = NULL;
  GdkTexture *texture;

  if (uri == NULL)
    {
      GtkWindow *parent = g_task_get_task_data (task);

      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && portal_missing (error))
        {
          GError *x11_error = NULL;

          g_debug ("Screenshot portal unavailable (%s); trying X11", error->message);
          texture = lk_screen_capture_x11 (gtk_widget_get_display (GTK_WIDGET (parent)), &x11_error);
          if (texture == NULL)
            g_task_return_error (task, x11_error);
          else
            g_task_return_pointer (task, texture, g_object_unref);
          return;
        }
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  file = g_file_new_for_uri (uri);
  texture = gdk_texture_new_from_file (file, &error);
  /* The portal wrote the capture to a file; it must not outlive the scan. */
  g_file_delete (file, NULL, NULL);
  if (texture == NULL)
    {
      g_task_return_new_error (task, LK_TOKEN_ERROR, LK_TOKEN_ERROR_SCREEN,
                               _("The screenshot could not be read: %s"), error->message);
      return;
    }

  g_task_return_pointer (task, texture, g_object_unref);
}

void
lk_screen_capture_async (GtkWindow           *parent,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(XdpPortal) portal = NULL;
  g_autoptr(XdpParent) xparent = NULL;
  GTask *task;

  g_return_if_fail (GTK_IS_WINDOW (parent));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, lk_screen_capture_async);
  g_task_set_task_data (task, g_object_ref (parent), g_object_unref);

  portal = xdp_portal_new ();
  xparent = xdp_parent_new_gtk (parent);
  /* The request needs its portal object alive until it answers. */
  g_object_set_data_full (G_OBJECT (task), "lk-portal", g_object_ref (portal), g_object_unref);
  xdp_portal_take_screenshot (portal, xparent, XDP_SCREENSHOT_FLAG_NONE, cancellable, on_screenshot, task);
}

GdkTexture *
lk_screen_capture_finish (GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
