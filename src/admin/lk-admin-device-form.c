/* SPDX-License-Identifier: GPL-3.0-or-later
 * The fields of a new device, shared by the enrol and add-device dialogs.
 *
 * Soft tokens need nothing typed: the engine generates the seed and serial.
 * A key fob needs its serial and the key from its data sheet, checked for
 * encoding and length as it is typed. Everything else the seeds allow sits
 * under "Advanced" with its default. */
#include "config.h"

#include <glib/gi18n.h>

#include "lk-admin-init.h"
#include "lk-admin-device-form.h"
#include "lk-admin-error.h"
#include "lk-admin-validate.h"
#include "lk-secure.h"

/* Defaults (DESIGN.md): windowSize is the step in seconds for a time-based
 * device (30) and the look-ahead for an event-based one (10); timeDrift is
 * the steps accepted either side of now (1 covers a clock a few seconds off). */
#define TOTP_DEFAULT_PERIOD 30
#define HOTP_DEFAULT_WINDOW 10
#define TOTP_DEFAULT_DRIFT  1

struct _LkAdminDeviceForm
{
  AdwBin          parent_instance;

  AdwComboRow    *kind_row;
  AdwEntryRow    *serial_row;
  AdwPasswordEntryRow *key_row;
  AdwComboRow    *encoding_row;
  AdwEntryRow    *alias_row;
  AdwExpanderRow *advanced_row;
  AdwComboRow    *otp_type_row;
  AdwComboRow    *digits_row;
  AdwActionRow   *window_row;
  GtkSpinButton  *window_spin;
  AdwActionRow   *drift_row;
  GtkSpinButton  *drift_spin;
  AdwPasswordEntryRow *pin_row;
  GtkSwitch      *mobile_auth_switch;
  AdwComboRow    *mobile_usage_row;
  AdwComboRow    *notify_row;
  GtkLabel       *error_label;
};

G_DEFINE_FINAL_TYPE (LkAdminDeviceForm, lk_admin_device_form, ADW_TYPE_BIN)

enum {
  SIGNAL_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

void
lk_admin_device_spec_free (LkAdminDeviceSpec *spec)
{
  if (spec == NULL)
    return;
  g_free (spec->serial);
  lk_secure_str_free (spec->key_hex);
  g_free (spec->alias);
  lk_secure_str_free (spec->pin);
  g_free (spec);
}

static LkAdminDeviceKind
get_kind (LkAdminDeviceForm *self)
{
  switch (adw_combo_row_get_selected (self->kind_row))
    {
    case 1:
      return LK_ADMIN_DEVICE_KEY_FOB;
    case 2:
      return LK_ADMIN_DEVICE_LICENCE;
    default:
      return LK_ADMIN_DEVICE_SOFT_TOKEN;
    }
}

static const char *
row_text (gpointer row)
{
  return gtk_editable_get_text (GTK_EDITABLE (row));
}

/* Marks @row as wrong (or right) so the mistake is visible where it is. */
static void
mark (gpointer  row,
      char     *message)
{
  if (message != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (row), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (row), "error");
}

char *
lk_admin_device_form_check (LkAdminDeviceForm *self)
{
  g_autofree char *serial = NULL;
  g_autofree char *key = NULL;
  g_autofree char *alias = NULL;
  g_autofree char *pin = NULL;
  gboolean fob;

  g_return_val_if_fail (LK_IS_ADMIN_DEVICE_FORM (self), NULL);

  if (get_kind (self) == LK_ADMIN_DEVICE_LICENCE)
    return NULL;  /* the wizard asks for what it needs */
  fob = get_kind (self) == LK_ADMIN_DEVICE_KEY_FOB;
  serial = lk_admin_check_serial (row_text (self->serial_row));
  if (serial == NULL && fob && *row_text (self->serial_row) == '\0')
    serial = g_strdup (_("A key fob needs the serial number printed on it"));
  mark (self->serial_row, serial);

  if (fob)
    key = lk_admin_check_key (row_text (self->key_row),
                              adw_combo_row_get_selected (self->encoding_row) == 1
                                ? LK_ADMIN_KEY_BASE64 : LK_ADMIN_KEY_HEX);
  /* An empty key field is not yet an error worth painting red. */
  mark (self->key_row, *row_text (self->key_row) != '\0' ? key : NULL);

  alias = lk_admin_check_alias (row_text (self->alias_row));
  mark (self->alias_row, alias);
  pin = lk_admin_check_pin (row_text (self->pin_row));
  mark (self->pin_row, pin);

  if (serial != NULL)
    return g_steal_pointer (&serial);
  if (key != NULL)
    return g_steal_pointer (&key);
  if (alias != NULL)
    return g_steal_pointer (&alias);
  return g_steal_pointer (&pin);
}

static void
refresh (LkAdminDeviceForm *self)
{
  g_autofree char *message = lk_admin_device_form_check (self);

  /* Shown only when something was typed: an untouched form is not wrong. */
  if (message != NULL && (*row_text (self->serial_row) || *row_text (self->key_row) ||
                          *row_text (self->alias_row) || *row_text (self->pin_row)))
    {
      gtk_label_set_text (self->error_label, message);
      gtk_widget_set_visible (GTK_WIDGET (self->error_label), TRUE);
    }
  else
    gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

static void
on_changed (LkAdminDeviceForm *self)
{
  refresh (self);
}

static void
on_kind_changed (LkAdminDeviceForm *self)
{
  gboolean fob = get_kind (self) == LK_ADMIN_DEVICE_KEY_FOB;
  gboolean licence = get_kind (self) == LK_ADMIN_DEVICE_LICENCE;

  gtk_widget_set_visible (GTK_WIDGET (self->key_row), fob);
  gtk_widget_set_visible (GTK_WIDGET (self->encoding_row), fob);
  gtk_widget_set_visible (GTK_WIDGET (self->serial_row), !licence);
  gtk_widget_set_visible (GTK_WIDGET (self->alias_row), !licence);
  gtk_widget_set_visible (GTK_WIDGET (self->advanced_row), !licence);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->serial_row),
                                 fob ? _("Serial number (printed on the fob)")
                                     : _("Serial number (empty: generated)"));
  /* Most fobs are event-based; most apps are time-based. */
  adw_combo_row_set_selected (self->otp_type_row, fob ? 1 : 0);
  refresh (self);
}

static void
on_otp_type_changed (LkAdminDeviceForm *self)
{
  gboolean time_based = adw_combo_row_get_selected (self->otp_type_row) == 0;

  gtk_spin_button_set_value (self->window_spin, time_based ? TOTP_DEFAULT_PERIOD : HOTP_DEFAULT_WINDOW);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->window_row),
                                 time_based ? _("Time step") : _("Look-ahead window"));
  adw_action_row_set_subtitle (self->window_row,
                               time_based ? _("Seconds each passcode lasts")
                                          : _("Button presses accepted ahead of the counter"));
  gtk_widget_set_visible (GTK_WIDGET (self->drift_row), time_based);
  adw_expander_row_set_subtitle (self->advanced_row,
                                 time_based ? _("Time-based, defaults that suit most tokens")
                                            : _("Event-based, defaults that suit most tokens"));
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

LkAdminDeviceSpec *
lk_admin_device_form_dup_spec (LkAdminDeviceForm  *self,
                               GError            **error)
{
  g_autoptr(LkAdminDeviceSpec) spec = NULL;
  g_autofree char *message = NULL;
  const char *text;

  g_return_val_if_fail (LK_IS_ADMIN_DEVICE_FORM (self), NULL);

  message = lk_admin_device_form_check (self);
  if (message != NULL)
    {
      g_set_error_literal (error, LK_ADMIN_ERROR, LK_ADMIN_ERROR_INVALID_INPUT, message);
      return NULL;
    }

  spec = g_new0 (LkAdminDeviceSpec, 1);
  spec->kind = get_kind (self);
  text = row_text (self->serial_row);
  spec->serial = *text ? g_strdup (text) : NULL;
  if (spec->kind == LK_ADMIN_DEVICE_KEY_FOB)
    {
      spec->key_hex = lk_admin_key_to_hex (row_text (self->key_row),
                                           adw_combo_row_get_selected (self->encoding_row) == 1
                                             ? LK_ADMIN_KEY_BASE64 : LK_ADMIN_KEY_HEX,
                                           error);
      if (spec->key_hex == NULL)
        return NULL;
    }
  text = row_text (self->alias_row);
  spec->alias = *text ? g_strdup (text) : NULL;
  spec->time_based = adw_combo_row_get_selected (self->otp_type_row) == 0;
  spec->digits = 6 + adw_combo_row_get_selected (self->digits_row);
  spec->window = (guint) gtk_spin_button_get_value_as_int (self->window_spin);
  spec->drift = spec->time_based ? (guint) gtk_spin_button_get_value_as_int (self->drift_spin) : 0;
  text = row_text (self->pin_row);
  spec->pin = *text ? g_strdup (text) : NULL;
  spec->mobile_auth = gtk_switch_get_active (self->mobile_auth_switch);
  spec->mobile_usage = adw_combo_row_get_selected (self->mobile_usage_row);
  spec->notification = adw_combo_row_get_selected (self->notify_row);
  return g_steal_pointer (&spec);
}

void
lk_admin_device_form_reset (LkAdminDeviceForm *self)
{
  g_return_if_fail (LK_IS_ADMIN_DEVICE_FORM (self));

  adw_combo_row_set_selected (self->kind_row, 0);
  gtk_editable_set_text (GTK_EDITABLE (self->serial_row), "");
  gtk_editable_set_text (GTK_EDITABLE (self->key_row), "");
  gtk_editable_set_text (GTK_EDITABLE (self->alias_row), "");
  gtk_editable_set_text (GTK_EDITABLE (self->pin_row), "");
  adw_combo_row_set_selected (self->encoding_row, 0);
  adw_combo_row_set_selected (self->otp_type_row, 0);
  adw_combo_row_set_selected (self->digits_row, 0);
  gtk_spin_button_set_value (self->window_spin, TOTP_DEFAULT_PERIOD);
  gtk_spin_button_set_value (self->drift_spin, TOTP_DEFAULT_DRIFT);
  gtk_switch_set_active (self->mobile_auth_switch, FALSE);
  adw_combo_row_set_selected (self->mobile_usage_row, 1);
  adw_combo_row_set_selected (self->notify_row, 0);
  refresh (self);
}

void
lk_admin_device_form_set_kind (LkAdminDeviceForm *self,
                               LkAdminDeviceKind  kind)
{
  g_return_if_fail (LK_IS_ADMIN_DEVICE_FORM (self));
  adw_combo_row_set_selected (self->kind_row, kind == LK_ADMIN_DEVICE_KEY_FOB ? 1 : kind == LK_ADMIN_DEVICE_LICENCE ? 2 : 0);
}

void
lk_admin_device_form_set_key (LkAdminDeviceForm *self,
                              const char        *serial,
                              const char        *key,
                              gboolean           base64)
{
  g_return_if_fail (LK_IS_ADMIN_DEVICE_FORM (self));
  adw_combo_row_set_selected (self->encoding_row, base64 ? 1 : 0);
  gtk_editable_set_text (GTK_EDITABLE (self->serial_row), serial ? serial : "");
  gtk_editable_set_text (GTK_EDITABLE (self->key_row), key ? key : "");
}

static void
lk_admin_device_form_dispose (GObject *object)
{
  /* The key row may hold a seed: clear it before the widget goes. */
  LkAdminDeviceForm *self = LK_ADMIN_DEVICE_FORM (object);

  if (self->key_row != NULL)
    gtk_editable_set_text (GTK_EDITABLE (self->key_row), "");
  self->key_row = NULL;
  /* No gtk_widget_dispose_template(): the template's one child is the
   * AdwBin's child, which AdwBin's own dispose unparents. */
  G_OBJECT_CLASS (lk_admin_device_form_parent_class)->dispose (object);
}

static void
lk_admin_device_form_class_init (LkAdminDeviceFormClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lk_admin_device_form_dispose;

  signals[SIGNAL_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  lk_admin_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class, "/org/latchkey/Latchkey/admin/lk-admin-device-form.ui");
  gtk_widget_class_bind_template_child (widget_class, LkAdminDeviceForm, kind_row);
  gtk_widget_class_bind_template_child (widget_class, LkAdminDeviceForm, serial_row);
  gtk_widget_class_bind_template_child (widget_class, LkAdminDeviceForm, key_row);
  gtk_widget_class_bind_template_child (widget_class, LkAdminDeviceForm, encoding_row);
  gtk_widget_class_bind_template_child (widget_class, LkAdminDeviceForm, alias_row);
  gtk_widget_class_bind_template_child (widget_class, LkAdminDeviceForm, advanced_row);
  gtk_widget_class_bind_template_child (widget_class, LkAdminDeviceForm, otp_type_row);
  gtk_widget_class_bind_template_child (widget_class, LkAdminDeviceForm, digits_row);
  gtk_widget_class_bind_template_child (widget_class, LkAdminDeviceForm, window_row);
  gtk_widget_class_bind_template_child (widget_class, LkAdminDeviceForm, window_spin);
  gtk_widget_class_bind_template_child (widget_class, LkAdminDeviceForm, drift_row);
  gtk_widget_class_bind_template_child (widget_class, LkAdminDeviceForm, drift_spin);
  gtk_widget_class_bind_template_child (widget_class, LkAdminDeviceForm, pin_row);
  gtk_widget_class_bind_template_child (widget_class, LkAdminDeviceForm, mobile_auth_switch);
  gtk_widget_class_bind_template_child (widget_class, LkAdminDeviceForm, mobile_usage_row);
  gtk_widget_class_bind_template_child (widget_class, LkAdminDeviceForm, notify_row);
  gtk_widget_class_bind_template_child (widget_class, LkAdminDeviceForm, error_label);
  gtk_widget_class_bind_template_callback (widget_class, on_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_kind_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_otp_type_changed);
}

static void
lk_admin_device_form_init (LkAdminDeviceForm *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
