/* SPDX-License-Identifier: GPL-3.0-or-later
 * A widget that draws a QR code crisply at any size, for scanning off the screen.
 *
 * The code is encoded once at one pixel per module. When the widget is drawn
 * it picks the largest whole number of device pixels per module that fits and
 * builds a texture at exactly that size, so every module edge is sharp
 * (nearest-neighbour scaling): a blurred edge costs a phone camera the code. */
#include "config.h"

#include <math.h>
#include <glib/gi18n.h>

#include "lk-admin-qr-view.h"
#include "lk-qr.h"
#include "lk-secure.h"

/* A phone camera reads a code off a laptop screen reliably from about
 * 4 device pixels per module; 6 gives room to spare. */
#define NATURAL_MODULE_PX 6
#define MINIMUM_MODULE_PX 3

struct _LkAdminQrView
{
  GtkWidget   parent_instance;

  char       *text;      /* wiped when replaced */
  guint8     *modules;   /* size * size, 0 = dark, 255 = light */
  guint       size;
  gboolean    concealed;

  GdkTexture *texture;   /* cache for the current module size */
  guint       texture_px;
};

G_DEFINE_FINAL_TYPE (LkAdminQrView, lk_admin_qr_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_CONCEALED,
  PROP_HAS_CODE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
clear_code (LkAdminQrView *self)
{
  g_clear_pointer (&self->text, lk_secure_str_free);
  if (self->modules != NULL)
    {
      /* The matrix encodes the seed as surely as the text does. */
      lk_secure_wipe (self->modules, (gsize) self->size * self->size);
      g_clear_pointer (&self->modules, g_free);
    }
  self->size = 0;
  g_clear_object (&self->texture);
  self->texture_px = 0;
}

static GdkTexture *
build_texture (LkAdminQrView *self,
               guint          px)
{
  g_autoptr(GBytes) bytes = NULL;
  guint side = self->size * px;
  gsize stride = (gsize) side * 3;
  guint8 *rgb = g_malloc (stride * side);

  for (guint y = 0; y < side; y++)
    {
      const guint8 *row = self->modules + (gsize) (y / px) * self->size;
      guint8 *out = rgb + (gsize) y * stride;

      for (guint x = 0; x < side; x++)
        {
          guint8 v = row[x / px];

          out[3 * x] = out[3 * x + 1] = out[3 * x + 2] = v;
        }
    }
  bytes = lk_secure_bytes_new_take (rgb, stride * side);
  return gdk_memory_texture_new ((int) side, (int) side, GDK_MEMORY_R8G8B8, bytes, stride);
}

static GdkTexture *
ensure_texture (LkAdminQrView *self,
                guint          px)
{
  if (self->modules == NULL)
    return NULL;
  px = MAX (px, 1);
  if (self->texture == NULL || self->texture_px != px)
    {
      g_clear_object (&self->texture);
      self->texture = build_texture (self, px);
      self->texture_px = px;
    }
  return self->texture;
}

static void
lk_admin_qr_view_measure (GtkWidget      *widget,
                          GtkOrientation  orientation,
                          int             for_size,
                          int            *minimum,
                          int            *natural,
                          int            *minimum_baseline,
                          int            *natural_baseline)
{
  LkAdminQrView *self = LK_ADMIN_QR_VIEW (widget);
  guint size = self->size != 0 ? self->size : 41;

  *minimum = (int) (size * MINIMUM_MODULE_PX);
  *natural = (int) (size * NATURAL_MODULE_PX);
}

static void
lk_admin_qr_view_snapshot (GtkWidget   *widget,
                           GtkSnapshot *snapshot)
{
  LkAdminQrView *self = LK_ADMIN_QR_VIEW (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  int scale = gtk_widget_get_scale_factor (widget);
  double side;
  double x;
  double y;
  guint px;
  GdkTexture *texture;

  if (self->modules == NULL)
    return;

  /* Whole device pixels per module, then back to logical units. */
  px = (guint) (MIN (width, height) * scale) / self->size;
  px = MAX (px, 1);
  side = (double) (px * self->size) / scale;
  x = floor ((width - side) / 2);
  y = floor ((height - side) / 2);

  if (self->concealed)
    {
      GdkRGBA grey = { 0.5, 0.5, 0.5, 0.15 };

      gtk_snapshot_append_color (snapshot, &grey, &GRAPHENE_RECT_INIT (x, y, side, side));
      return;
    }

  texture = ensure_texture (self, px);
  gtk_snapshot_append_texture (snapshot, texture, &GRAPHENE_RECT_INIT (x, y, side, side));
}

static void
lk_admin_qr_view_finalize (GObject *object)
{
  clear_code (LK_ADMIN_QR_VIEW (object));
  G_OBJECT_CLASS (lk_admin_qr_view_parent_class)->finalize (object);
}

static void
lk_admin_qr_view_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  LkAdminQrView *self = LK_ADMIN_QR_VIEW (object);

  switch (prop_id)
    {
    case PROP_CONCEALED:
      g_value_set_boolean (value, self->concealed);
      break;
    case PROP_HAS_CODE:
      g_value_set_boolean (value, self->modules != NULL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lk_admin_qr_view_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  LkAdminQrView *self = LK_ADMIN_QR_VIEW (object);

  switch (prop_id)
    {
    case PROP_CONCEALED:
      lk_admin_qr_view_set_concealed (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lk_admin_qr_view_class_init (LkAdminQrViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = lk_admin_qr_view_finalize;
  object_class->get_property = lk_admin_qr_view_get_property;
  object_class->set_property = lk_admin_qr_view_set_property;
  widget_class->measure = lk_admin_qr_view_measure;
  widget_class->snapshot = lk_admin_qr_view_snapshot;

  properties[PROP_CONCEALED] =
    g_param_spec_boolean ("concealed", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_HAS_CODE] =
    g_param_spec_boolean ("has-code", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "lk-qr-view");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
lk_admin_qr_view_init (LkAdminQrView *self)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Provisioning QR code"),
                                  -1);
}

GtkWidget *
lk_admin_qr_view_new (void)
{
  return g_object_new (LK_TYPE_ADMIN_QR_VIEW, NULL);
}

gboolean
lk_admin_qr_view_set_text (LkAdminQrView  *self,
                           const char     *text,
                           GError        **error)
{
  gboolean had_code;
  guint8 *modules = NULL;
  guint size = 0;

  g_return_val_if_fail (LK_IS_ADMIN_QR_VIEW (self), FALSE);

  had_code = self->modules != NULL;
  if (text != NULL)
    {
      modules = lk_qr_encode_gray (text, 1, &size, error);
      if (modules == NULL)
        text = NULL;
    }
  clear_code (self);
  if (modules != NULL)
    {
      self->text = g_strdup (text);
      self->modules = modules;
      self->size = size;
    }

  if (had_code != (self->modules != NULL))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HAS_CODE]);
  gtk_widget_queue_resize (GTK_WIDGET (self));
  return text == NULL || modules != NULL;
}

gboolean
lk_admin_qr_view_has_code (LkAdminQrView *self)
{
  g_return_val_if_fail (LK_IS_ADMIN_QR_VIEW (self), FALSE);
  return self->modules != NULL;
}

void
lk_admin_qr_view_set_concealed (LkAdminQrView *self,
                                gboolean       concealed)
{
  g_return_if_fail (LK_IS_ADMIN_QR_VIEW (self));

  concealed = !!concealed;
  if (self->concealed == concealed)
    return;
  self->concealed = concealed;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONCEALED]);
}

gboolean
lk_admin_qr_view_get_concealed (LkAdminQrView *self)
{
  g_return_val_if_fail (LK_IS_ADMIN_QR_VIEW (self), FALSE);
  return self->concealed;
}

GdkTexture *
lk_admin_qr_view_get_texture (LkAdminQrView *self,
                              guint          min_module_px)
{
  GdkTexture *texture;

  g_return_val_if_fail (LK_IS_ADMIN_QR_VIEW (self), NULL);

  if (self->texture != NULL && self->texture_px >= min_module_px)
    return g_object_ref (self->texture);
  texture = ensure_texture (self, min_module_px);
  return texture != NULL ? g_object_ref (texture) : NULL;
}

const guint8 *
lk_admin_qr_view_get_modules (LkAdminQrView *self,
                              guint         *size)
{
  g_return_val_if_fail (LK_IS_ADMIN_QR_VIEW (self), NULL);

  if (size != NULL)
    *size = self->size;
  return self->modules;
}
