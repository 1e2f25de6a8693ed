/* SPDX-License-Identifier: GPL-3.0-or-later
 * One device of the selected user, with its details and actions.
 *
 * Buttons carry the serial as an action target, so one set of device.*
 * actions on the window serves every row, and a row never needs to know
 * which backend it is talking to. */
#include "config.h"

#include <glib/gi18n.h>

#include "lk-admin-init.h"
#include "lk-admin-device-row.h"

struct _LkAdminDeviceRow
{
  AdwExpanderRow  parent_instance;

  GtkImage       *kind_icon;
  GtkLabel       *state_label;
  AdwActionRow   *serial_row;
  AdwActionRow   *params_row;
  AdwActionRow   *last_use_row;
  GtkButton      *provision_button;
  GtkButton      *activate_button;
  GtkButton      *resync_button;
  GtkButton      *unlock_button;
  GtkButton      *toggle_button;
  GtkButton      *delete_button;

  LkDevice       *device;
};

G_DEFINE_FINAL_TYPE (LkAdminDeviceRow, lk_admin_device_row, ADW_TYPE_EXPANDER_ROW)

const char *
lk_admin_device_type_label (LkDeviceType type)
{
  switch (type)
    {
    case LK_DEVICE_TYPE_MOBILE:
      return _("Mobile soft token");
    case LK_DEVICE_TYPE_HARDWARE:
      return _("Hardware key fob");
    case LK_DEVICE_TYPE_DESKTOP:
      return _("Desktop soft token");
    case LK_DEVICE_TYPE_MULTI_DEVICE:
      return _("Multi-device licence");
    default:
      return _("Unknown device");
    }
}

const char *
lk_admin_device_state_label (LkDeviceState state)
{
  switch (state)
    {
    case LK_DEVICE_STATE_NEW:
      return _("Not activated");
    case LK_DEVICE_STATE_ACTIVE:
      return _("Active");
    case LK_DEVICE_STATE_DISABLED:
      return _("Disabled");
    case LK_DEVICE_STATE_LOCKED:
      return _("Locked");
    default:
      return _("Unknown");
    }
}

char *
lk_admin_format_time (gint64 unix_time)
{
  g_autoptr(GDateTime) when = NULL;
  g_autoptr(GDateTime) now = NULL;

  if (unix_time <= 0)
    return g_strdup (_("Never"));
  when = g_date_time_new_from_unix_local (unix_time);
  now = g_date_time_new_now_local ();
  if (when == NULL || now == NULL)
    return g_strdup (_("Unknown"));
  if (g_date_time_get_year (when) == g_date_time_get_year (now) &&
      g_date_time_get_day_of_year (when) == g_date_time_get_day_of_year (now))
    /* Translators: a time today, see g_date_time_format() */
    return g_date_time_format (when, _("Today %H:%M"));
  /* Translators: a date and time, see g_date_time_format() */
  return g_date_time_format (when, _("%e %b %Y %H:%M"));
}

static void
set_target (GtkButton  *button,
            const char *serial)
{
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (button), g_variant_new_string (serial));
}

static void
lk_admin_device_row_finalize (GObject *object)
{
  LkAdminDeviceRow *self = LK_ADMIN_DEVICE_ROW (object);

  g_clear_pointer (&self->device, lk_device_free);
  G_OBJECT_CLASS (lk_admin_device_row_parent_class)->finalize (object);
}

static void
lk_admin_device_row_class_init (LkAdminDeviceRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = lk_admin_device_row_finalize;

  lk_admin_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class, "/org/latchkey/Latchkey/admin/lk-admin-device-row.ui");
  gtk_widget_class_bind_template_child (widget_class, LkAdminDeviceRow, kind_icon);
  gtk_widget_class_bind_template_child (widget_class, LkAdminDeviceRow, state_label);
  gtk_widget_class_bind_template_child (widget_class, LkAdminDeviceRow, serial_row);
  gtk_widget_class_bind_template_child (widget_class, LkAdminDeviceRow, params_row);
  gtk_widget_class_bind_template_child (widget_class, LkAdminDeviceRow, last_use_row);
  gtk_widget_class_bind_template_child (widget_class, LkAdminDeviceRow, provision_button);
  gtk_widget_class_bind_template_child (widget_class, LkAdminDeviceRow, activate_button);
  gtk_widget_class_bind_template_child (widget_class, LkAdminDeviceRow, resync_button);
  gtk_widget_class_bind_template_child (widget_class, LkAdminDeviceRow, unlock_button);
  gtk_widget_class_bind_template_child (widget_class, LkAdminDeviceRow, toggle_button);
  gtk_widget_class_bind_template_child (widget_class, LkAdminDeviceRow, delete_button);
}

static void
lk_admin_device_row_init (LkAdminDeviceRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
lk_admin_device_row_new (const LkDevice *device)
{
  LkAdminDeviceRow *self;
  g_autofree char *subtitle = NULL;
  g_autofree char *params = NULL;
  g_autofree char *last_use = NULL;
  g_autofree char *serial_line = NULL;
  const char *style;
  gboolean soft;

  g_return_val_if_fail (device != NULL, NULL);

  self = g_object_new (LK_TYPE_ADMIN_DEVICE_ROW, NULL);
  self->device = lk_device_copy (device);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self),
                                 device->alias && *device->alias ? device->alias : device->serial);
  subtitle = g_strdup_printf ("%s · %s", lk_admin_device_type_label (device->device_type), device->serial);
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (self), subtitle);
  gtk_image_set_from_icon_name (self->kind_icon,
                                device->device_type == LK_DEVICE_TYPE_HARDWARE ? "dialog-password-symbolic"
                                : device->device_type == LK_DEVICE_TYPE_DESKTOP ? "computer-symbolic"
                                : "phone-symbolic");

  gtk_label_set_text (self->state_label, lk_admin_device_state_label (device->state));
  style = device->state == LK_DEVICE_STATE_ACTIVE ? "success"
        : device->state == LK_DEVICE_STATE_NEW ? "accent"
        : device->state == LK_DEVICE_STATE_LOCKED ? "error" : "warning";
  gtk_widget_add_css_class (GTK_WIDGET (self->state_label), style);

  serial_line = device->physical_device_id
    ? g_strdup_printf (_("%s, bound to %s"), device->serial, device->physical_device_id)
    : g_strdup (device->serial);
  adw_action_row_set_subtitle (self->serial_row, serial_line);

  if (device->otp_type == LK_OTP_TYPE_TIME)
    params = g_strdup_printf (_("Time-based, %u digits every %u s, ±%u steps%s"),
                              device->digits, device->period, device->time_drift,
                              device->has_pin ? _(", with PIN") : "");
  else if (device->otp_type == LK_OTP_TYPE_EVENT)
    params = g_strdup_printf (_("Event-based, %u digits, look-ahead %u%s"),
                              device->digits, device->window,
                              device->has_pin ? _(", with PIN") : "");
  else
    params = g_strdup_printf (_("Challenge-response (%s)"), device->ocra_suite ? device->ocra_suite : "OCRA");
  if (device->fail_count > 0)
    {
      g_autofree char *with_fails = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s; %u failed attempt",
                                                                  "%s; %u failed attempts", device->fail_count),
                                                     params, device->fail_count);
      g_free (params);
      params = g_steal_pointer (&with_fails);
    }
  adw_action_row_set_subtitle (self->params_row, params);
  last_use = lk_admin_format_time (device->last_used_at);
  adw_action_row_set_subtitle (self->last_use_row, last_use);

  soft = device->device_type == LK_DEVICE_TYPE_MOBILE || device->device_type == LK_DEVICE_TYPE_DESKTOP;
  /* The engine shows a seed only while the device is new (9019 after). */
  gtk_widget_set_visible (GTK_WIDGET (self->provision_button), soft && device->state == LK_DEVICE_STATE_NEW);
  gtk_widget_set_visible (GTK_WIDGET (self->activate_button), device->state == LK_DEVICE_STATE_NEW);
  gtk_widget_set_visible (GTK_WIDGET (self->resync_button), device->state == LK_DEVICE_STATE_ACTIVE);
  gtk_widget_set_visible (GTK_WIDGET (self->unlock_button),
                          device->state == LK_DEVICE_STATE_LOCKED || device->fail_count > 0);
  gtk_button_set_label (self->toggle_button,
                        device->state == LK_DEVICE_STATE_DISABLED ? _("_Enable") : _("Di_sable"));

  set_target (self->provision_button, device->serial);
  set_target (self->activate_button, device->serial);
  set_target (self->resync_button, device->serial);
  set_target (self->unlock_button, device->serial);
  set_target (self->toggle_button, device->serial);
  set_target (self->delete_button, device->serial);
  return GTK_WIDGET (self);
}

const LkDevice *
lk_admin_device_row_get_device (LkAdminDeviceRow *self)
{
  g_return_val_if_fail (LK_IS_ADMIN_DEVICE_ROW (self), NULL);
  return self->device;
}
