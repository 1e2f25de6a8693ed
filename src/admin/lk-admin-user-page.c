/* SPDX-License-Identifier: GPL-3.0-or-later
 * The selected user: editable details, devices, passcodes and the audit trail.
 *
 * The page only shows and collects; every call is made by the window, which
 * owns the backend and the cancellable, through the admin.* and device.*
 * actions the page's buttons name. */
#include "config.h"

#include <glib/gi18n.h>

#include "lk-admin-init.h"
#include "lk-admin-device-row.h"
#include "lk-admin-user-page.h"
#include "lk-admin-validate.h"

struct _LkAdminUserPage
{
  AdwBin          parent_instance;

  AdwPreferencesPage *page;
  GtkButton      *save_button;
  AdwActionRow   *login_row;
  AdwEntryRow    *first_name_row;
  AdwEntryRow    *last_name_row;
  AdwEntryRow    *email_row;
  AdwEntryRow    *phone_row;
  GtkLabel       *details_error;
  GtkSwitch      *enabled_switch;
  GtkListBox     *devices_list;
  GtkLabel       *no_devices_label;
  AdwComboRow    *delivery_row;
  AdwEntryRow    *test_otp_row;
  GtkLabel       *passcode_result;
  GtkListBox     *audit_list;

  LkUser         *user;
  GPtrArray      *devices;      /* LkDevice, owned */
  gboolean        filling;      /* set_user() is writing the fields */
};

G_DEFINE_FINAL_TYPE (LkAdminUserPage, lk_admin_user_page, ADW_TYPE_BIN)

static const char *
text_of (gpointer row)
{
  return gtk_editable_get_text (GTK_EDITABLE (row));
}

static const char *
or_empty (const char *s)
{
  return s ? s : "";
}

gboolean
lk_admin_user_page_is_dirty (LkAdminUserPage *self)
{
  g_return_val_if_fail (LK_IS_ADMIN_USER_PAGE (self), FALSE);

  if (self->user == NULL)
    return FALSE;
  return g_strcmp0 (text_of (self->first_name_row), or_empty (self->user->first_name)) != 0 ||
         g_strcmp0 (text_of (self->last_name_row), or_empty (self->user->last_name)) != 0 ||
         g_strcmp0 (text_of (self->email_row), or_empty (self->user->email)) != 0 ||
         g_strcmp0 (text_of (self->phone_row), or_empty (self->user->mobile_phone)) != 0;
}

static char *
check_details (LkAdminUserPage *self)
{
  char *message;

  if ((message = lk_admin_check_name (text_of (self->first_name_row))) != NULL)
    return message;
  if ((message = lk_admin_check_name (text_of (self->last_name_row))) != NULL)
    return message;
  if ((message = lk_admin_check_email (text_of (self->email_row), FALSE)) != NULL)
    return message;
  return lk_admin_check_phone (text_of (self->phone_row), FALSE);
}

static void
on_field_changed (LkAdminUserPage *self)
{
  g_autofree char *message = NULL;
  gboolean dirty;

  if (self->filling)
    return;
  message = check_details (self);
  dirty = lk_admin_user_page_is_dirty (self);
  gtk_widget_set_sensitive (GTK_WIDGET (self->save_button), dirty && message == NULL);
  lk_admin_user_page_show_details_error (self, message);
}

static void
on_enabled_toggled (LkAdminUserPage *self)
{
  if (self->filling || self->user == NULL)
    return;
  if (gtk_switch_get_active (self->enabled_switch) == self->user->enabled)
    return;
  gtk_widget_activate_action (GTK_WIDGET (self), "admin.toggle-user", NULL);
}

static void
on_test_activated (LkAdminUserPage *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "admin.test-passcode", NULL);
}

static void
lk_admin_user_page_finalize (GObject *object)
{
  LkAdminUserPage *self = LK_ADMIN_USER_PAGE (object);

  g_clear_pointer (&self->user, lk_user_free);
  g_clear_pointer (&self->devices, g_ptr_array_unref);
  G_OBJECT_CLASS (lk_admin_user_page_parent_class)->finalize (object);
}

static void
lk_admin_user_page_class_init (LkAdminUserPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  /* No gtk_widget_dispose_template(): the template's one child is the
   * AdwBin's child, which AdwBin's own dispose unparents. */
  object_class->finalize = lk_admin_user_page_finalize;

  lk_admin_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class, "/org/latchkey/Latchkey/admin/lk-admin-user-page.ui");
  gtk_widget_class_bind_template_child (widget_class, LkAdminUserPage, page);
  gtk_widget_class_bind_template_child (widget_class, LkAdminUserPage, save_button);
  gtk_widget_class_bind_template_child (widget_class, LkAdminUserPage, login_row);
  gtk_widget_class_bind_template_child (widget_class, LkAdminUserPage, first_name_row);
  gtk_widget_class_bind_template_child (widget_class, LkAdminUserPage, last_name_row);
  gtk_widget_class_bind_template_child (widget_class, LkAdminUserPage, email_row);
  gtk_widget_class_bind_template_child (widget_class, LkAdminUserPage, phone_row);
  gtk_widget_class_bind_template_child (widget_class, LkAdminUserPage, details_error);
  gtk_widget_class_bind_template_child (widget_class, LkAdminUserPage, enabled_switch);
  gtk_widget_class_bind_template_child (widget_class, LkAdminUserPage, devices_list);
  gtk_widget_class_bind_template_child (widget_class, LkAdminUserPage, no_devices_label);
  gtk_widget_class_bind_template_child (widget_class, LkAdminUserPage, delivery_row);
  gtk_widget_class_bind_template_child (widget_class, LkAdminUserPage, test_otp_row);
  gtk_widget_class_bind_template_child (widget_class, LkAdminUserPage, passcode_result);
  gtk_widget_class_bind_template_child (widget_class, LkAdminUserPage, audit_list);
  gtk_widget_class_bind_template_callback (widget_class, on_field_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_enabled_toggled);
  gtk_widget_class_bind_template_callback (widget_class, on_test_activated);
}

static void
lk_admin_user_page_init (LkAdminUserPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

void
lk_admin_user_page_set_user (LkAdminUserPage *self,
                             const LkUser    *user)
{
  gboolean same_user;

  g_return_if_fail (LK_IS_ADMIN_USER_PAGE (self));
  g_return_if_fail (user != NULL);

  same_user = self->user != NULL && g_strcmp0 (self->user->login, user->login) == 0;
  g_clear_pointer (&self->user, lk_user_free);
  self->user = lk_user_copy (user);

  self->filling = TRUE;
  adw_action_row_set_subtitle (self->login_row, user->login);
  gtk_editable_set_text (GTK_EDITABLE (self->first_name_row), or_empty (user->first_name));
  gtk_editable_set_text (GTK_EDITABLE (self->last_name_row), or_empty (user->last_name));
  gtk_editable_set_text (GTK_EDITABLE (self->email_row), or_empty (user->email));
  gtk_editable_set_text (GTK_EDITABLE (self->phone_row), or_empty (user->mobile_phone));
  gtk_switch_set_active (self->enabled_switch, user->enabled);
  self->filling = FALSE;

  gtk_widget_set_sensitive (GTK_WIDGET (self->save_button), FALSE);
  lk_admin_user_page_show_details_error (self, NULL);
  if (!same_user)
    {
      gtk_editable_set_text (GTK_EDITABLE (self->test_otp_row), "");
      gtk_widget_set_visible (GTK_WIDGET (self->passcode_result), FALSE);
      lk_admin_user_page_set_devices (self, NULL);
      lk_admin_user_page_set_audit (self, NULL);
    }
}

const LkUser *
lk_admin_user_page_get_user (LkAdminUserPage *self)
{
  g_return_val_if_fail (LK_IS_ADMIN_USER_PAGE (self), NULL);
  return self->user;
}

static void
clear_list (GtkListBox *list)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    gtk_list_box_remove (list, child);
}

void
lk_admin_user_page_set_devices (LkAdminUserPage *self,
                                GPtrArray       *devices)
{
  g_return_if_fail (LK_IS_ADMIN_USER_PAGE (self));

  clear_list (self->devices_list);
  g_clear_pointer (&self->devices, g_ptr_array_unref);
  if (devices == NULL)
    {
      gtk_widget_set_visible (GTK_WIDGET (self->devices_list), FALSE);
      gtk_label_set_text (self->no_devices_label, _("Loading devices…"));
      gtk_widget_set_visible (GTK_WIDGET (self->no_devices_label), TRUE);
      return;
    }
  self->devices = g_ptr_array_new_with_free_func ((GDestroyNotify) lk_device_free);
  for (guint i = 0; i < devices->len; i++)
    {
      const LkDevice *device = g_ptr_array_index (devices, i);

      g_ptr_array_add (self->devices, lk_device_copy (device));
      gtk_list_box_append (self->devices_list, lk_admin_device_row_new (device));
    }
  gtk_widget_set_visible (GTK_WIDGET (self->devices_list), devices->len > 0);
  gtk_label_set_text (self->no_devices_label, _("No devices yet. Add a soft token or a key fob."));
  gtk_widget_set_visible (GTK_WIDGET (self->no_devices_label), devices->len == 0);
}

const LkDevice *
lk_admin_user_page_find_device (LkAdminUserPage *self,
                                const char      *serial)
{
  g_return_val_if_fail (LK_IS_ADMIN_USER_PAGE (self), NULL);

  for (guint i = 0; self->devices != NULL && i < self->devices->len; i++)
    {
      const LkDevice *device = g_ptr_array_index (self->devices, i);

      if (g_strcmp0 (device->serial, serial) == 0)
        return device;
    }
  return NULL;
}

GtkWidget *
lk_admin_user_page_get_device_row (LkAdminUserPage *self,
                                   const char      *serial)
{
  g_return_val_if_fail (LK_IS_ADMIN_USER_PAGE (self), NULL);

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->devices_list));
       child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      if (LK_IS_ADMIN_DEVICE_ROW (child) &&
          g_strcmp0 (lk_admin_device_row_get_device (LK_ADMIN_DEVICE_ROW (child))->serial, serial) == 0)
        return child;
    }
  return NULL;
}

static const char *
operation_label (const char *operation)
{
  static const struct { const char *op; const char *label; } names[] = {
    { "enroll_user", N_("Enrolled") },
    { "add_oath_user", N_("Enrolled") },
    { "update_user", N_("Details changed") },
    { "set_user_enabled", N_("Enabled or disabled") },
    { "validate_user", N_("Password checked") },
    { "add_oath_device", N_("Device added") },
    { "provision_oath_device", N_("Device provisioned") },
    { "get_oath_device_qrcode", N_("QR code shown") },
    { "active_oath_device", N_("Device activated") },
    { "sync_oath_device", N_("Device resynchronised") },
    { "validate_oath_otp", N_("Passcode checked") },
    { "send_oath_otp", N_("Passcode sent") },
    { "enable_device", N_("Device enabled") },
    { "disable_device", N_("Device disabled") },
    { "unlock_device", N_("Device unlocked") },
    { "delete_device", N_("Device deleted") },
    { "assign_device", N_("Device assigned") },
    { "unassign_device", N_("Device unassigned") },
  };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_strcmp0 (names[i].op, operation) == 0)
      return _(names[i].label);
  return operation;
}

void
lk_admin_user_page_set_audit (LkAdminUserPage *self,
                              GPtrArray       *entries)
{
  g_return_if_fail (LK_IS_ADMIN_USER_PAGE (self));

  clear_list (self->audit_list);
  if (entries == NULL)
    return;
  if (entries->len == 0)
    {
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Nothing recorded yet"));
      gtk_list_box_append (self->audit_list, row);
      return;
    }
  for (guint i = 0; i < entries->len; i++)
    {
      const LkAuditEntry *entry = g_ptr_array_index (entries, i);
      g_autofree char *when = lk_admin_format_time (entry->time);
      g_autofree char *subtitle = NULL;
      g_autofree char *title = NULL;
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *result = gtk_label_new (entry->result == 0 ? _("OK") : NULL);

      title = entry->serial ? g_strdup_printf ("%s · %s", operation_label (entry->operation), entry->serial)
                            : g_strdup (operation_label (entry->operation));
      subtitle = entry->detail ? g_strdup_printf ("%s · %s · %s", when, or_empty (entry->actor), entry->detail)
                               : g_strdup_printf ("%s · %s", when, or_empty (entry->actor));
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      if (entry->result != 0)
        {
          g_autofree char *code = g_strdup_printf (_("Error %d"), entry->result);

          gtk_label_set_text (GTK_LABEL (result), code);
          gtk_widget_add_css_class (result, "error");
        }
      else
        gtk_widget_add_css_class (result, "success");
      gtk_widget_add_css_class (result, "caption");
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), result);
      gtk_list_box_append (self->audit_list, row);
    }
}

static const char *
changed_or_null (gpointer    row,
                 const char *old)
{
  const char *text = text_of (row);

  return g_strcmp0 (text, or_empty (old)) == 0 ? NULL : text;
}

gboolean
lk_admin_user_page_get_update (LkAdminUserPage  *self,
                               LkUserUpdate     *update,
                               char            **message)
{
  g_autofree char *problem = NULL;

  g_return_val_if_fail (LK_IS_ADMIN_USER_PAGE (self), FALSE);

  lk_user_update_init (update);
  problem = check_details (self);
  if (problem != NULL || self->user == NULL)
    {
      if (message != NULL)
        *message = g_steal_pointer (&problem);
      return FALSE;
    }
  /* Borrowed from the entries: valid until the page changes. */
  update->first_name = changed_or_null (self->first_name_row, self->user->first_name);
  update->last_name = changed_or_null (self->last_name_row, self->user->last_name);
  update->email = changed_or_null (self->email_row, self->user->email);
  update->mobile_phone = changed_or_null (self->phone_row, self->user->mobile_phone);
  return TRUE;
}

LkDeliveryMethod
lk_admin_user_page_get_delivery (LkAdminUserPage *self)
{
  g_return_val_if_fail (LK_IS_ADMIN_USER_PAGE (self), LK_DELIVERY_SMS);

  switch (adw_combo_row_get_selected (self->delivery_row))
    {
    case 1:
      return LK_DELIVERY_EMAIL;
    case 2:
      return LK_DELIVERY_VOICE;
    default:
      return LK_DELIVERY_SMS;
    }
}

const char *
lk_admin_user_page_get_test_otp (LkAdminUserPage *self)
{
  g_return_val_if_fail (LK_IS_ADMIN_USER_PAGE (self), NULL);
  return text_of (self->test_otp_row);
}

void
lk_admin_user_page_clear_test_otp (LkAdminUserPage *self)
{
  g_return_if_fail (LK_IS_ADMIN_USER_PAGE (self));
  gtk_editable_set_text (GTK_EDITABLE (self->test_otp_row), "");
}

void
lk_admin_user_page_show_passcode_result (LkAdminUserPage *self,
                                         gboolean         ok,
                                         const char      *message)
{
  g_return_if_fail (LK_IS_ADMIN_USER_PAGE (self));

  gtk_label_set_text (self->passcode_result, message);
  gtk_widget_remove_css_class (GTK_WIDGET (self->passcode_result), ok ? "error" : "success");
  gtk_widget_add_css_class (GTK_WIDGET (self->passcode_result), ok ? "success" : "error");
  gtk_widget_set_visible (GTK_WIDGET (self->passcode_result), TRUE);
}

const char *
lk_admin_user_page_get_passcode_result (LkAdminUserPage *self)
{
  g_return_val_if_fail (LK_IS_ADMIN_USER_PAGE (self), NULL);

  if (!gtk_widget_get_visible (GTK_WIDGET (self->passcode_result)))
    return NULL;
  return gtk_label_get_text (self->passcode_result);
}

void
lk_admin_user_page_show_details_error (LkAdminUserPage *self,
                                       const char      *message)
{
  g_return_if_fail (LK_IS_ADMIN_USER_PAGE (self));

  gtk_label_set_text (self->details_error, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->details_error), message != NULL);
}

void
lk_admin_user_page_set_test_otp (LkAdminUserPage *self,
                                 const char      *otp)
{
  g_return_if_fail (LK_IS_ADMIN_USER_PAGE (self));
  gtk_editable_set_text (GTK_EDITABLE (self->test_otp_row), otp);
}

void
lk_admin_user_page_set_first_name (LkAdminUserPage *self,
                                   const char      *first_name)
{
  g_return_if_fail (LK_IS_ADMIN_USER_PAGE (self));
  gtk_editable_set_text (GTK_EDITABLE (self->first_name_row), first_name);
}
