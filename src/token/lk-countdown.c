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

static void
lk_countdown_snapshot (GtkWidget   *widget,
                       GtkSnapshot *snapshot)
{
  LkCountdown *self = LK_COUNTDOWN (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  double size = MIN (width, height);
  double radius = size / 2.0 - 2.0;
  double fraction;
  GdkRGBA color;
  cairo_t *cr;

  if (self->period == 0 || radius <= 0)
    return;

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &color);
  G_GNUC_END_IGNORE_DEPRECATIONS

  fraction = (double) self->seconds_left / self->period;
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  cairo_set_line_width (cr, 3.0);

  /* The track, faint, then the time left, starting at twelve o'clock. */
  cairo_set_source_rgba (cr, color.red, color.green, color.blue, color.alpha * 0.15);
  cairo_arc (cr, width / 2.0, height / 2.0, radius, 0, 2 * G_PI);
  cairo_stroke (cr);

  cairo_set_source_rgba (cr, color.red, color.green, color.blue, color.alpha);
  cairo_arc (cr, width / 2.0, height / 2.0, radius, -G_PI / 2, -G_PI / 2 + 2 * G_PI * fraction);
  cairo_stroke (cr);
  cairo_destroy (cr);
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
