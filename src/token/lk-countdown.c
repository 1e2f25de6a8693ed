/* SPDX-License-Identifier: GPL-3.0-or-later
 * LkCountdown: draws a ring for the time left; redrawn once a second at most, never animated. */
#include "config.h"

#include <math.h>

#include "lk-countdown.h"

#define RING_SIZE 22
#define WARN_SECONDS 5

struct _LkCountdown
{
  GtkWidget parent_instance;

  guint     seconds_left;
  guint     period;
};

G_DEFINE_FINAL_TYPE (LkCountdown, lk_countdown, GTK_TYPE_WIDGET)

static void
lk_countdown_measure (GtkWidget      *widget,
                      GtkOrientation  orientation,
                      int             for_size,
                      int            *minimum,
                      int            *natural,
                      int            *minimum_baseline,
                      int            *natural_baseline)
{
  *minimum = *natural = RING_SIZE;
}

/* Draws the ring into a small image and hands GTK a texture, not a cairo
 * node: GTK 4.8's cairo renderer replays a cairo node as a recording
 * surface, which cairo's X11 backend cannot composite, so it mapped the
 * whole area being repainted into a shared-memory image (up to the
 * window's size, ~1 MiB, kept afterwards) to draw each ring. A texture
 * is uploaded like an icon. */
static GdkTexture *
lk_countdown_render (LkCountdown   *self,
                     int            width,
                     int            height,
                     int            scale,
                     const GdkRGBA *color)
{
  double radius = MIN (width, height) / 2.0 - 2.0;
  double fraction = (double) self->seconds_left / self->period;
  g_autoptr(GBytes) bytes = NULL;
  cairo_surface_t *surface;
  cairo_t *cr;

  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width * scale, height * scale);
  cairo_surface_set_device_scale (surface, scale, scale);
  cr = cairo_create (surface);
  cairo_set_line_width (cr, 3.0);

  /* The track, faint, then the time left, starting at twelve o'clock. */
  cairo_set_source_rgba (cr, color->red, color->green, color->blue, color->alpha * 0.15);
  cairo_arc (cr, width / 2.0, height / 2.0, radius, 0, 2 * G_PI);
  cairo_stroke (cr);

  cairo_set_source_rgba (cr, color->red, color->green, color->blue, color->alpha);
  cairo_arc (cr, width / 2.0, height / 2.0, radius, -G_PI / 2, -G_PI / 2 + 2 * G_PI * fraction);
  cairo_stroke (cr);
  cairo_destroy (cr);

  cairo_surface_flush (surface);
  bytes = g_bytes_new (cairo_image_surface_get_data (surface),
                       (gsize) cairo_image_surface_get_stride (surface) * height * scale);
  cairo_surface_destroy (surface);
  /* GDK_MEMORY_DEFAULT is cairo's ARGB32 layout in this byte order. */
  return gdk_memory_texture_new (width * scale, height * scale, GDK_MEMORY_DEFAULT, bytes,
                                 cairo_format_stride_for_width (CAIRO_FORMAT_ARGB32, width * scale));
}

static void
lk_countdown_snapshot (GtkWidget   *widget,
                       GtkSnapshot *snapshot)
{
  LkCountdown *self = LK_COUNTDOWN (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  g_autoptr(GdkTexture) texture = NULL;
  GdkRGBA color;

  if (self->period == 0 || MIN (width, height) / 2.0 - 2.0 <= 0)
    return;

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &color);
  G_GNUC_END_IGNORE_DEPRECATIONS

  texture = lk_countdown_render (self, width, height, gtk_widget_get_scale_factor (widget), &color);
  gtk_snapshot_append_texture (snapshot, texture, &GRAPHENE_RECT_INIT (0, 0, width, height));
}

static void
lk_countdown_class_init (LkCountdownClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  widget_class->measure = lk_countdown_measure;
  widget_class->snapshot = lk_countdown_snapshot;
  gtk_widget_class_set_css_name (widget_class, "countdown");
  /* The code label already says how many seconds are left. */
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_PRESENTATION);
}

static void
lk_countdown_init (LkCountdown *self)
{
  gtk_widget_set_valign (GTK_WIDGET (self), GTK_ALIGN_CENTER);
}

GtkWidget *
lk_countdown_new (void)
{
  return g_object_new (LK_TYPE_COUNTDOWN, NULL);
}

void
lk_countdown_set_time (LkCountdown *self,
                       guint        seconds_left,
                       guint        period)
{
  g_return_if_fail (LK_IS_COUNTDOWN (self));

  if (self->seconds_left == seconds_left && self->period == period)
    return;

  self->seconds_left = seconds_left;
  self->period = period;
  if (period > 0 && seconds_left <= WARN_SECONDS)
    gtk_widget_add_css_class (GTK_WIDGET (self), "warning");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self), "warning");
  gtk_widget_queue_draw (GTK_WIDGET (self));
}
