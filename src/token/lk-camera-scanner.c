/* SPDX-License-Identifier: GPL-3.0-or-later
 * LkCameraScanner: camera → videoconvert → appsink; frames go to the preview and to ZBar (lk-qr). */
#include "config.h"

#include <string.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <gst/gst.h>
#include <gst/app/gstappsink.h>
#include <libportal-gtk4/portal-gtk4.h>

#include "lk-camera-scanner.h"
#include "lk-qr.h"
#include "lk-secure.h"
#include "lk-token-intake.h"

/* Decoding every frame would burn a core for nothing: a code held in front
 * of the camera stays there for many frames. */
#define DECODE_INTERVAL_US (150 * 1000)

struct _LkCameraScanner
{
  GObject       parent_instance;

  char         *source;
  char         *device;
  GMainContext *context;
  GstElement   *pipeline;
  guint         bus_watch;
  XdpPortal    *portal;
  GCancellable *cancellable;
  int           pipewire_fd;

  gint          found;            /* atomic: a code was read; ignore further frames */
  gint          preview_pending;  /* atomic: a frame is on its way to the main context */
  gint64        last_decode;      /* streaming thread only */
};

enum {
  SIGNAL_FRAME,
  SIGNAL_CODE_FOUND,
  SIGNAL_FAILED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (LkCameraScanner, lk_camera_scanner, G_TYPE_OBJECT)

static void
lk_camera_scanner_dispose (GObject *object)
{
  LkCameraScanner *self = LK_CAMERA_SCANNER (object);

  lk_camera_scanner_stop (self);
  g_clear_object (&self->portal);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (lk_camera_scanner_parent_class)->dispose (object);
}

static void
lk_camera_scanner_finalize (GObject *object)
{
  LkCameraScanner *self = LK_CAMERA_SCANNER (object);

  g_free (self->source);
  g_free (self->device);
  g_main_context_unref (self->context);

  G_OBJECT_CLASS (lk_camera_scanner_parent_class)->finalize (object);
}

static void
lk_camera_scanner_class_init (LkCameraScannerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = lk_camera_scanner_dispose;
  object_class->finalize = lk_camera_scanner_finalize;

  signals[SIGNAL_FRAME] =
    g_signal_new ("frame", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, GDK_TYPE_TEXTURE);
  signals[SIGNAL_CODE_FOUND] =
    g_signal_new ("code-found", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRV);
  signals[SIGNAL_FAILED] =
    g_signal_new ("failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
lk_camera_scanner_init (LkCameraScanner *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->cancellable = g_cancellable_new ();
  self->pipewire_fd = -1;
}

LkCameraScanner *
lk_camera_scanner_new (const char *source,
                       const char *device)
{
  LkCameraScanner *self = g_object_new (LK_TYPE_CAMERA_SCANNER, NULL);

  self->source = g_strdup (source);
  self->device = g_strdup (device);
  return self;
}

gboolean
lk_camera_scanner_is_running (LkCameraScanner *self)
{
  g_return_val_if_fail (LK_IS_CAMERA_SCANNER (self), FALSE);
  return self->pipeline != NULL;
}

void
lk_camera_scanner_stop (LkCameraScanner *self)
{
  g_return_if_fail (LK_IS_CAMERA_SCANNER (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->bus_watch, g_source_remove);
  if (self->pipeline != NULL)
    {
      /* Returns once the streaming threads have stopped, so no callback
       * runs after this. */
      gst_element_set_state (self->pipeline, GST_STATE_NULL);
      g_clear_object (&self->pipeline);
    }
  if (self->pipewire_fd >= 0)
    {
      close (self->pipewire_fd);
      self->pipewire_fd = -1;
    }
}

/* ---- from the streaming thread to the main context ---- */

/* g_main_context_invoke() would run @func right here when nobody holds
 * @context at this instant; an idle source always runs it on @context's
 * own thread. */
static void
run_on_context (GMainContext   *context,
                GSourceFunc     func,
                gpointer        data,
                GDestroyNotify  destroy)
{
  GSource *source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, func, data, destroy);
  g_source_attach (source, context);
  g_source_unref (source);
}

typedef struct
{
  LkCameraScanner *self;
  GdkTexture      *frame;
  GStrv            texts;
} Delivery;

static void
delivery_free (gpointer data)
{
  Delivery *delivery = data;

  g_clear_object (&delivery->frame);
  if (delivery->texts != NULL)
    {
      for (guint i = 0; delivery->texts[i] != NULL; i++)
        lk_secure_wipe (delivery->texts[i], strlen (delivery->texts[i]));
      g_strfreev (delivery->texts);
    }
  g_object_unref (delivery->self);
  g_free (delivery);
}

static gboolean
deliver_frame (gpointer data)
{
  Delivery *delivery = data;

  g_atomic_int_set (&delivery->self->preview_pending, 0);
  if (delivery->self->pipeline != NULL)
    g_signal_emit (delivery->self, signals[SIGNAL_FRAME], 0, delivery->frame);
  return G_SOURCE_REMOVE;
}

static gboolean
deliver_code (gpointer data)
{
  Delivery *delivery = data;

  if (delivery->self->pipeline == NULL)
    return G_SOURCE_REMOVE;

  /* The camera goes off the moment a code is read. */
  lk_camera_scanner_stop (delivery->self);
  g_signal_emit (delivery->self, signals[SIGNAL_CODE_FOUND], 0, delivery->texts);
  return G_SOURCE_REMOVE;
}

static GstFlowReturn
on_new_sample (GstAppSink *sink,
               gpointer    user_data)
{
  LkCameraScanner *self = user_data;
  g_autoptr(GstSample) sample = gst_app_sink_pull_sample (sink);
  GstBuffer *buffer;
  GstCaps *caps;
  GstStructure *structure;
  GstMapInfo map;
  int width = 0, height = 0;
  gsize stride;
  gint64 now;

  if (sample == NULL)
    return GST_FLOW_EOS;
  if (g_atomic_int_get (&self->found))
    return GST_FLOW_OK;

  caps = gst_sample_get_caps (sample);
  buffer = gst_sample_get_buffer (sample);
  if (caps == NULL || buffer == NULL)
    return GST_FLOW_OK;
  structure = gst_caps_get_structure (caps, 0);
  if (!gst_structure_get_int (structure, "width", &width) ||
      !gst_structure_get_int (structure, "height", &height) ||
      width <= 0 || height <= 0)
    return GST_FLOW_OK;

  stride = (gsize) width * 4;
  if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
    return GST_FLOW_OK;
  if (map.size < stride * height)
    {
      gst_buffer_unmap (buffer, &map);
      return GST_FLOW_OK;
    }

  if (g_atomic_int_compare_and_exchange (&self->preview_pending, 0, 1))
    {
      Delivery *delivery = g_new0 (Delivery, 1);
      g_autoptr(GBytes) bytes = g_bytes_new (map.data, stride * height);

      delivery->self = g_object_ref (self);
      delivery->frame = gdk_memory_texture_new (width, height, GDK_MEMORY_B8G8R8A8, bytes, stride);
      run_on_context (self->context, deliver_frame, delivery, delivery_free);
    }

  now = g_get_monotonic_time ();
  if (now - self->last_decode >= DECODE_INTERVAL_US)
    {
      guint8 *gray = g_malloc ((gsize) width * height);
      g_autoptr(GError) error = NULL;
      GStrv texts;

      self->last_decode = now;
      for (int y = 0; y < height; y++)
        {
          const guint8 *src = map.data + y * stride;
          guint8 *dst = gray + (gsize) y * width;

          for (int x = 0; x < width; x++)
            dst[x] = (guint8) ((src[4 * x + 2] * 77 + src[4 * x + 1] * 150 + src[4 * x] * 29) >> 8);
        }

      texts = lk_qr_decode_gray (gray, width, height, width, &error);
      lk_secure_wipe (gray, (gsize) width * height);
      g_free (gray);

      if (texts != NULL && g_atomic_int_compare_and_exchange (&self->found, 0, 1))
        {
          Delivery *delivery = g_new0 (Delivery, 1);

          delivery->self = g_object_ref (self);
          delivery->texts = texts;
          run_on_context (self->context, deliver_code, delivery, delivery_free);
        }
      else if (texts != NULL)
        {
          g_strfreev (texts);
        }
    }

  gst_buffer_unmap (buffer, &map);
  return GST_FLOW_OK;
}

static gboolean
on_bus_message (GstBus     *bus,
                GstMessage *message,
                gpointer    user_data)
{
  LkCameraScanner *self = user_data;
  g_autofree char *text = NULL;

  switch (GST_MESSAGE_TYPE (message))
    {
    case GST_MESSAGE_ERROR:
      {
        g_autoptr(GError) error = NULL;

        gst_message_parse_error (message, &error, NULL);
        text = g_strdup_printf (_("The camera could not be used: %s"), error->message);
      }
      break;
    case GST_MESSAGE_EOS:
      text = g_strdup (_("The camera stopped sending pictures before a QR code was found."));
      break;
    default:
      return G_SOURCE_CONTINUE;
    }

  self->bus_watch = 0;
  g_object_ref (self);
  lk_camera_scanner_stop (self);
  g_signal_emit (self, signals[SIGNAL_FAILED], 0, text);
  g_object_unref (self);
  return G_SOURCE_REMOVE;
}

static gboolean
lk_camera_scanner_launch (LkCameraScanner  *self,
                          const char       *source,
                          GError          **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *description = NULL;
  g_autoptr(GstElement) sink = NULL;
  g_autoptr(GstBus) bus = NULL;
  GstAppSinkCallbacks callbacks = { 0 };
  GstElement *pipeline;

  /* One fixed tail: whatever the source, frames reach the appsink as
   * BGRA, which is both GdkMemoryTexture's format and easy to grey. */
  description = g_strdup_printf ("%s ! videoconvert ! videoscale ! "
                                 "video/x-raw,format=BGRA,pixel-aspect-ratio=1/1 ! "
                                 "appsink name=lk_sink max-buffers=1 drop=true sync=false",
                                 source);
  pipeline = gst_parse_launch (description, &local_error);
  if (pipeline == NULL || local_error != NULL)
    {
      g_set_error (error, LK_TOKEN_ERROR, LK_TOKEN_ERROR_CAMERA,
                   _("The camera pipeline could not be built: %s"),
                   local_error != NULL ? local_error->message : "?");
      if (pipeline != NULL)
        gst_object_unref (pipeline);
      return FALSE;
    }
  self->pipeline = gst_object_ref_sink (pipeline);

  callbacks.new_sample = on_new_sample;
  /* The device is set as a property, never pasted into the description,
   * so no path can inject pipeline syntax. */
  if (self->device != NULL && *self->device != '\0' && self->source == NULL)
    {
      g_autoptr(GstElement) camera = gst_bin_get_by_name (GST_BIN (self->pipeline), "lk_camera");

      if (camera != NULL)
        g_object_set (camera, "device", self->device, NULL);
    }
  sink = gst_bin_get_by_name (GST_BIN (self->pipeline), "lk_sink");
  gst_app_sink_set_callbacks (GST_APP_SINK (sink), &callbacks, self, NULL);

  bus = gst_element_get_bus (self->pipeline);
  self->bus_watch = gst_bus_add_watch (bus, on_bus_message, self);

  if (gst_element_set_state (self->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    {
      /* The bus usually has the reason; if not, say what we know. */
      g_autoptr(GstMessage) message = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
      g_autoptr(GError) gst_error = NULL;

      if (message != NULL)
        gst_message_parse_error (message, &gst_error, NULL);
      lk_camera_scanner_stop (self);
      g_set_error (error, LK_TOKEN_ERROR, LK_TOKEN_ERROR_CAMERA,
                   _("The camera could not be started: %s"),
                   gst_error != NULL ? gst_error->message : _("no camera was found"));
      return FALSE;
    }

  return TRUE;
}

static void
on_camera_access (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(LkCameraScanner) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *description = NULL;
  g_autofree char *message = NULL;

  if (!xdp_portal_access_camera_finish (XDP_PORTAL (source), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      message = g_strdup_printf (_("Latchkey may not use the camera: %s"), error->message);
      g_signal_emit (self, signals[SIGNAL_FAILED], 0, message);
      return;
    }

  self->pipewire_fd = xdp_portal_open_pipewire_remote_for_camera (self->portal);
  if (self->pipewire_fd < 0)
    {
      g_signal_emit (self, signals[SIGNAL_FAILED], 0, _("No camera was found."));
      return;
    }

  description = g_strdup_printf ("pipewiresrc fd=%d", self->pipewire_fd);
  if (!lk_camera_scanner_launch (self, description, &error))
    g_signal_emit (self, signals[SIGNAL_FAILED], 0, error->message);
}

gboolean
lk_camera_scanner_start (LkCameraScanner  *self,
                         GtkWindow        *parent,
                         GError          **error)
{
  g_autoptr(GError) init_error = NULL;
  g_autofree char *description = NULL;

  g_return_val_if_fail (LK_IS_CAMERA_SCANNER (self), FALSE);
  g_return_val_if_fail (self->pipeline == NULL, FALSE);

  if (!gst_init_check (NULL, NULL, &init_error))
    {
      g_set_error (error, LK_TOKEN_ERROR, LK_TOKEN_ERROR_CAMERA,
                   _("GStreamer could not be started: %s"), init_error->message);
      return FALSE;
    }

  g_atomic_int_set (&self->found, 0);
  g_cancellable_reset (self->cancellable);

  if (self->source != NULL)
    return lk_camera_scanner_launch (self, self->source, error);

  if (xdp_portal_running_under_flatpak ())
    {
      /* Inside the sandbox the camera is reached only through the camera
       * portal, which asks the user and hands over a PipeWire remote. */
      g_autoptr(XdpParent) xparent = parent != NULL ? xdp_parent_new_gtk (parent) : NULL;

      if (self->portal == NULL)
        self->portal = xdp_portal_new ();
      xdp_portal_access_camera (self->portal, xparent, XDP_CAMERA_FLAG_NONE, self->cancellable,
                                on_camera_access, g_object_ref (self));
      return TRUE;
    }

  description = g_strdup ("v4l2src name=lk_camera");
  return lk_camera_scanner_launch (self, description, error);
}
