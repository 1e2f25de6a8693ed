/* SPDX-License-Identifier: GPL-3.0-or-later
 * The Preferences window. Plain settings are bound to a *delayed* GSettings,
 * so nothing is written until Save has checked the whole configuration with
 * latchkeyd.conf's own reader; passwords and gateway headers go to the
 * keyring. A good save applies to the embedded engine at once. */
#include "config.h"

#include <glib/gi18n.h>

#include "lk-admin-delivery-settings.h"
#include "lk-admin-preferences-private.h"
#include "lk-delivery-router.h"
#include "lk-message-template.h"
#include "lk-remote-backend.h"
#include "lk-secure.h"

G_DEFINE_FINAL_TYPE (LkAdminPreferences, lk_admin_preferences, ADW_TYPE_PREFERENCES_WINDOW)

/* Combo rows show these values in this order. */
static const char * const security_nicks[] = { "starttls", "tls", "none", NULL };
static const char * const method_nicks[] = { "POST", "PUT", "GET", NULL };
static const char * const format_nicks[] = { "json", "form", NULL };
static const char * const preset_names[] = { "", "twilio-sms", "twilio-voice", "json", NULL };

typedef enum
{
  STATUS_INFO,
  STATUS_ERROR,
} StatusKind;

/* What Save or a check said, under the Save button of every page (not a
 * toast: libadwaita 1.2 queues toasts, so an old error would linger on
 * screen after a good save). */
static void
set_status (LkAdminPreferences *self,
            const char         *text,
            StatusKind          kind)
{
  g_free (self->status);
  self->status = g_strdup (text);
  for (guint i = 0; i < G_N_ELEMENTS (self->status_labels); i++)
    {
      GtkWidget *label = GTK_WIDGET (self->status_labels[i]);

      gtk_label_set_text (self->status_labels[i], text);
      gtk_widget_set_visible (label, TRUE);
      if (kind == STATUS_ERROR)
        {
          gtk_widget_add_css_class (label, "error");
          gtk_widget_remove_css_class (label, "dim-label");
        }
      else
        {
          gtk_widget_remove_css_class (label, "error");
          gtk_widget_add_css_class (label, "dim-label");
        }
    }
}

static void
set_subtitle (AdwActionRow *row,
              const char   *text)
{
  g_autofree char *escaped = g_markup_escape_text (text, -1);

  adw_action_row_set_subtitle (row, escaped);
}

const char *
lk_admin_preferences_get_status (LkAdminPreferences *self)
{
  g_return_val_if_fail (LK_IS_ADMIN_PREFERENCES (self), NULL);

  return self->status;
}

/* ---- bindings -------------------------------------------------------------- */

static gboolean
nick_to_index (GValue   *value,
               GVariant *variant,
               gpointer  user_data)
{
  const char * const *nicks = user_data;
  const char *nick = g_variant_get_string (variant, NULL);

  for (guint i = 0; nicks[i] != NULL; i++)
    if (g_str_equal (nicks[i], nick))
      {
        g_value_set_uint (value, i);
        return TRUE;
      }
  return FALSE;
}

static GVariant *
index_to_nick (const GValue       *value,
               const GVariantType *expected_type,
               gpointer            user_data)
{
  const char * const *nicks = user_data;
  guint index = g_value_get_uint (value);

  if (index >= g_strv_length ((char **) nicks))
    return NULL;
  return g_variant_new_string (nicks[index]);
}

static gboolean
seconds_to_minutes (GValue   *value,
                    GVariant *variant,
                    gpointer  user_data)
{
  g_value_set_double (value, g_variant_get_uint32 (variant) / 60);
  return TRUE;
}

static GVariant *
minutes_to_seconds (const GValue       *value,
                    const GVariantType *expected_type,
                    gpointer            user_data)
{
  return g_variant_new_uint32 ((guint32) g_value_get_double (value) * 60);
}

/* A template row shows the built-in text when none is set, so the
 * administrator edits it rather than a blank; an unchanged or emptied text
 * is stored as "" and stays translated. */
static gboolean
template_to_text (GValue   *value,
                  GVariant *variant,
                  gpointer  user_data)
{
  const char *text = g_variant_get_string (variant, NULL);

  g_value_set_string (value, *text != '\0' ? text : lk_message_template_default (GPOINTER_TO_INT (user_data)));
  return TRUE;
}

static GVariant *
text_to_template (const GValue       *value,
                  const GVariantType *expected_type,
                  gpointer            user_data)
{
  const char *text = g_value_get_string (value);
  g_autofree char *stripped = g_strstrip (g_strdup (text ? text : ""));

  if (*stripped == '\0' || g_str_equal (text, lk_message_template_default (GPOINTER_TO_INT (user_data))))
    return g_variant_new_string ("");
  return g_variant_new_string (text);
}

static void
bind_text (LkAdminPreferences *self,
           const char         *key,
           gpointer            row)
{
  g_settings_bind (self->settings, key, row, "text", G_SETTINGS_BIND_DEFAULT);
}

static void
bind_choice (LkAdminPreferences  *self,
             const char          *key,
             AdwComboRow         *row,
             const char * const  *nicks)
{
  g_settings_bind_with_mapping (self->settings, key, row, "selected", G_SETTINGS_BIND_DEFAULT,
                                nick_to_index, index_to_nick, (gpointer) nicks, NULL);
}

static void
bind_gateway (LkAdminPreferences *self,
              const char         *channel,
              LkAdminGatewayRows *rows)
{
  static const char * const fields[] = { "url", "username", "from", "body" };
  gpointer targets[] = { rows->url_row, rows->username_row, rows->from_row, rows->body_row };

  for (gsize i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      g_autofree char *key = g_strconcat (channel, "-", fields[i], NULL);

      bind_text (self, key, targets[i]);
    }
  {
    g_autofree char *method = g_strconcat (channel, "-method", NULL);
    g_autofree char *format = g_strconcat (channel, "-format", NULL);

    bind_choice (self, method, rows->method_row, method_nicks);
    bind_choice (self, format, rows->format_row, format_nicks);
  }
}

static void
bind_templates (LkAdminPreferences *self)
{
  gpointer targets[LK_N_TEMPLATES] = {
    self->passcode_subject_row, gtk_text_view_get_buffer (self->passcode_body_view),
    self->passcode_sms_row, self->passcode_voice_row,
    self->welcome_subject_row, gtk_text_view_get_buffer (self->welcome_body_view), self->welcome_sms_row,
  };
  GtkWidget *rows[LK_N_TEMPLATES] = {
    GTK_WIDGET (self->passcode_subject_row), GTK_WIDGET (self->passcode_body_row),
    GTK_WIDGET (self->passcode_sms_row), GTK_WIDGET (self->passcode_voice_row),
    GTK_WIDGET (self->welcome_subject_row), GTK_WIDGET (self->welcome_body_row), GTK_WIDGET (self->welcome_sms_row),
  };

  for (guint i = 0; i < LK_N_TEMPLATES; i++)
    {
      g_autofree char *key = g_strconcat ("template-", lk_message_template_key (i), NULL);

      self->template_rows[i] = rows[i];
      g_settings_bind_with_mapping (self->settings, key, targets[i], "text", G_SETTINGS_BIND_DEFAULT,
                                    template_to_text, text_to_template, GINT_TO_POINTER (i), NULL);
    }
}

/* ---- secrets ---------------------------------------------------------------- */

static LkAdminDeliverySecrets *
secrets_from_rows (LkAdminPreferences *self)
{
  LkAdminDeliverySecrets *secrets = lk_admin_delivery_secrets_new ();

  secrets->value[LK_ADMIN_SECRET_SMTP_PASSWORD] = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->smtp_password_row)));
  secrets->value[LK_ADMIN_SECRET_SMS_PASSWORD] = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->sms.password_row)));
  secrets->value[LK_ADMIN_SECRET_SMS_HEADERS] = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->sms.headers_row)));
  secrets->value[LK_ADMIN_SECRET_VOICE_PASSWORD] = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->voice.password_row)));
  secrets->value[LK_ADMIN_SECRET_VOICE_HEADERS] = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->voice.headers_row)));
  return secrets;
}

static void
update_actions (LkAdminPreferences *self)
{
  gboolean ready = !self->remote && self->secrets_loaded;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "prefs.save", ready && self->busy == 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "prefs.reset-templates", !self->remote);
}

static void
secrets_loaded (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(LkAdminPreferences) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(LkAdminDeliverySecrets) secrets = lk_admin_delivery_secrets_load_finish (result, &error);
  struct { LkAdminSecret id; gpointer row; } fill[] = {
    { LK_ADMIN_SECRET_SMTP_PASSWORD, self->smtp_password_row },
    { LK_ADMIN_SECRET_SMS_PASSWORD, self->sms.password_row },
    { LK_ADMIN_SECRET_SMS_HEADERS, self->sms.headers_row },
    { LK_ADMIN_SECRET_VOICE_PASSWORD, self->voice.password_row },
    { LK_ADMIN_SECRET_VOICE_HEADERS, self->voice.headers_row },
  };

  if (secrets == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        set_status (self, error->message, STATUS_ERROR);
      return;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (fill); i++)
    if (secrets->value[fill[i].id] != NULL)
      gtk_editable_set_text (GTK_EDITABLE (fill[i].row), secrets->value[fill[i].id]);
  self->secrets_loaded = TRUE;
  update_actions (self);
}

/* ---- save ------------------------------------------------------------------- */

static void
secrets_stored (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(LkAdminPreferences) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(LkDeliveryConfig) config = NULL;
  g_autoptr(LkAdminDeliverySecrets) secrets = NULL;
  g_autoptr(GSettings) direct = NULL;
  g_autofree char *file = NULL;

  self->busy--;
  update_actions (self);
  if (!lk_admin_delivery_secrets_store_finish (result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        set_status (self, error->message, STATUS_ERROR);
      return;
    }
  g_settings_apply (self->settings);
  direct = g_settings_new (LK_APP_ID);
  file = g_settings_get_string (direct, "delivery-config-file");
  if (*file != '\0')
    {
      set_status (self, _("Saved. The delivery file still overrides these settings."), STATUS_INFO);
      return;
    }
  secrets = secrets_from_rows (self);
  config = lk_admin_delivery_config_from_settings (direct, secrets, &error);
  if (config == NULL ||
      !lk_admin_delivery_apply (self->backend, config, g_settings_get_uint (direct, "send-limit"),
                                g_settings_get_uint (direct, "send-window"), &error))
    {
      g_autofree char *text = g_strdup_printf (_("Saved, but not applied: %s"), error->message);

      set_status (self, text, STATUS_ERROR);
      return;
    }
  set_status (self, self->backend != NULL && !self->remote
                    ? _("Saved. The next message uses these settings.")
                    : _("Saved. The embedded database uses these settings when you connect to it."), STATUS_INFO);
}

static void
save_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  LkAdminPreferences *self = LK_ADMIN_PREFERENCES (widget);
  g_autoptr(LkAdminDeliverySecrets) secrets = NULL;
  g_autoptr(LkDeliveryConfig) config = NULL;
  g_autoptr(GError) error = NULL;

  if (self->remote || !self->secrets_loaded || self->busy > 0)
    return;
  /* Each text first, so the row at fault can be marked. */
  for (guint i = 0; i < LK_N_TEMPLATES; i++)
    {
      g_autofree char *key = g_strconcat ("template-", lk_message_template_key (i), NULL);
      g_autofree char *text = g_settings_get_string (self->settings, key);

      gtk_widget_remove_css_class (self->template_rows[i], "error");
      gtk_widget_set_tooltip_text (self->template_rows[i], NULL);
      if (*text != '\0' && !lk_message_template_check (i, text, &error))
        {
          g_autofree char *message = g_strdup_printf (_("Not saved: %s: %s"),
                                                      adw_preferences_row_get_title (ADW_PREFERENCES_ROW (self->template_rows[i])),
                                                      error->message);

          gtk_widget_add_css_class (self->template_rows[i], "error");
          gtk_widget_set_tooltip_text (self->template_rows[i], error->message);
          adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (self), "messages");
          /* Focus scrolls the row into view and puts the cursor in it. */
          gtk_widget_grab_focus (self->template_rows[i]);
          set_status (self, message, STATUS_ERROR);
          return;
        }
    }
  secrets = secrets_from_rows (self);
  config = lk_admin_delivery_config_from_settings (self->settings, secrets, &error);
  if (config == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Not saved: %s"), error->message);

      set_status (self, message, STATUS_ERROR);
      return;
    }
  self->busy++;
  update_actions (self);
  set_status (self, _("Saving…"), STATUS_INFO);
  lk_admin_delivery_secrets_store_async (secrets, self->cancellable, secrets_stored, g_object_ref (self));
}

static void
reset_templates_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  LkAdminPreferences *self = LK_ADMIN_PREFERENCES (widget);

  for (guint i = 0; i < LK_N_TEMPLATES; i++)
    {
      g_autofree char *key = g_strconcat ("template-", lk_message_template_key (i), NULL);

      g_settings_reset (self->settings, key);
      gtk_widget_remove_css_class (self->template_rows[i], "error");
    }
}

/* ---- presets ------------------------------------------------------------------ */

static void
preset_selected (AdwComboRow *row,
                 GParamSpec  *pspec,
                 gpointer     user_data)
{
  LkAdminGatewayRows *rows = user_data;
  guint selected = adw_combo_row_get_selected (row);
  g_autoptr(LkGatewayConfig) preset = lk_gateway_config_new ();

  if (selected == 0 || selected >= G_N_ELEMENTS (preset_names) - 1 ||
      !lk_gateway_config_apply_preset (preset, preset_names[selected], NULL))
    return;
  /* The same shapes as latchkeyd.conf's preset= key. */
  adw_combo_row_set_selected (rows->method_row, 0);
  adw_combo_row_set_selected (rows->format_row, preset->format == LK_GATEWAY_BODY_JSON ? 0 : 1);
  gtk_editable_set_text (GTK_EDITABLE (rows->body_row), preset->body);
  adw_expander_row_set_expanded (rows->request_row, TRUE);
}

/* ---- test messages ---------------------------------------------------------- */

typedef struct
{
  LkDelivery      *channel;
  LkOutboxMessage *message;
  AdwActionRow    *result_row;
  GtkWidget       *button;
} TestSend;

static void
test_send_free (TestSend *send)
{
  g_clear_object (&send->channel);
  lk_outbox_message_free (send->message);
  g_clear_object (&send->result_row);
  g_clear_object (&send->button);
  g_free (send);
}

static void
test_send_thread (GTask        *task,
                  gpointer      source,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  TestSend *send = task_data;
  GError *error = NULL;

  if (lk_delivery_deliver (send->channel, send->message, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
test_sent (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  LkAdminPreferences *self = LK_ADMIN_PREFERENCES (source);
  TestSend *send = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  self->busy--;
  update_actions (self);
  gtk_widget_set_sensitive (send->button, TRUE);
  if (g_task_propagate_boolean (G_TASK (result), &error))
    {
      text = g_strdup_printf (_("Sent to %s: the server accepted it."), send->message->destination);
      gtk_widget_remove_css_class (GTK_WIDGET (send->result_row), "error");
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  else
    {
      /* The server's own words: that is what the administrator needs. */
      text = g_strdup_printf (_("Not sent: %s"), error->message);
      gtk_widget_add_css_class (GTK_WIDGET (send->result_row), "error");
    }
  set_subtitle (send->result_row, text);
}

static void
send_test (LkAdminPreferences *self,
           LkDeliveryMethod    method,
           AdwEntryRow        *to_row,
           AdwActionRow       *result_row,
           GtkWidget          *button)
{
  g_autoptr(LkAdminDeliverySecrets) secrets = secrets_from_rows (self);
  g_autoptr(LkDeliveryConfig) config = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GTask) task = NULL;
  g_autofree char *to = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (to_row))));
  LkDelivery *channel = NULL;
  TestSend *send;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  gtk_widget_set_visible (GTK_WIDGET (result_row), TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (result_row), "error");
  if (*to == '\0')
    {
      set_subtitle (result_row, method == LK_DELIVERY_EMAIL ? _("Type the address to send the test to.")
                                                                           : _("Type the number to send the test to."));
      return;
    }
  config = lk_admin_delivery_config_from_settings (self->settings, secrets, &error);
  if (config != NULL)
    channel = lk_delivery_channel_new_from_config (config, method);
  if (channel == NULL)
    {
      g_autofree char *text = NULL;

      if (error != NULL)
        text = g_strdup_printf (_("Not sent: %s"), error->message);
      set_subtitle (result_row, text != NULL ? text
                                   : method == LK_DELIVERY_EMAIL ? _("Fill in the SMTP server and the From address first.")
                                                                 : _("Fill in the gateway URL first."));
      return;
    }
  gtk_widget_remove_css_class (GTK_WIDGET (result_row), "error");
  set_subtitle (result_row, _("Sending…"));
  send = g_new0 (TestSend, 1);
  send->channel = channel;
  send->result_row = g_object_ref (result_row);
  send->button = g_object_ref (button);
  send->message = g_new0 (LkOutboxMessage, 1);
  send->message->kind = LK_OUTBOX_KIND_PASSCODE;
  send->message->method = method;
  send->message->user_login = g_strdup ("test");
  send->message->first_name = g_strdup (_("Test"));
  send->message->destination = g_steal_pointer (&to);
  /* A sample, valid nowhere: the test is about the channel and the text. */
  send->message->code = g_strdup ("123456");
  send->message->created_at = now;
  send->message->expires_at = now + 600;
  gtk_widget_set_sensitive (button, FALSE);
  self->busy++;
  update_actions (self);
  task = g_task_new (self, self->cancellable, test_sent, NULL);
  g_task_set_task_data (task, send, (GDestroyNotify) test_send_free);
  g_task_run_in_thread (task, test_send_thread);
}

static void
on_email_test_clicked (LkAdminPreferences *self)
{
  send_test (self, LK_DELIVERY_EMAIL, self->email_test_row, self->email_test_result,
             GTK_WIDGET (self->email_test_button));
}

static void
on_sms_test_clicked (LkAdminPreferences *self)
{
  send_test (self, LK_DELIVERY_SMS, self->sms.test_row, self->sms.test_result, GTK_WIDGET (self->sms.test_button));
}

static void
on_voice_test_clicked (LkAdminPreferences *self)
{
  send_test (self, LK_DELIVERY_VOICE, self->voice.test_row, self->voice.test_result,
             GTK_WIDGET (self->voice.test_button));
}

static void
on_file_button_clicked (LkAdminPreferences *self)
{
  g_autoptr(GSettings) direct = g_settings_new (LK_APP_ID);

  g_settings_set_string (direct, "delivery-config-file", "");
  gtk_widget_set_visible (GTK_WIDGET (self->file_row), FALSE);
  set_status (self, _("The file is no longer used. Save to apply these settings."), STATUS_INFO);
  gtk_widget_set_visible (GTK_WIDGET (self->notice_group), FALSE);
}

/* ---- life cycle --------------------------------------------------------------- */

static void
lk_admin_preferences_dispose (GObject *object)
{
  LkAdminPreferences *self = LK_ADMIN_PREFERENCES (object);

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), LK_TYPE_ADMIN_PREFERENCES);
  G_OBJECT_CLASS (lk_admin_preferences_parent_class)->dispose (object);
}

static void
lk_admin_preferences_finalize (GObject *object)
{
  LkAdminPreferences *self = LK_ADMIN_PREFERENCES (object);

  /* Unsaved (delayed) changes are dropped with the object. */
  g_clear_object (&self->settings);
  g_clear_object (&self->backend);
  g_clear_object (&self->cancellable);
  g_free (self->status);
  G_OBJECT_CLASS (lk_admin_preferences_parent_class)->finalize (object);
}

#define BIND(name) gtk_widget_class_bind_template_child (widget_class, LkAdminPreferences, name)
#define BIND_GW(channel, field) \
  gtk_widget_class_bind_template_child_full (widget_class, #channel "_" #field, FALSE, \
                                             G_STRUCT_OFFSET (LkAdminPreferences, channel.field))

static void
lk_admin_preferences_class_init (LkAdminPreferencesClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lk_admin_preferences_dispose;
  object_class->finalize = lk_admin_preferences_finalize;

  gtk_widget_class_set_template_from_resource (widget_class, "/org/latchkey/Latchkey/admin/lk-admin-preferences.ui");
  BIND (notice_group);
  BIND (remote_row);
  BIND (file_row);
  BIND (file_button);
  BIND (sending_group);
  BIND (issuer_row);
  BIND (limit_spin);
  BIND (window_spin);
  BIND (smtp_group);
  BIND (smtp_host_row);
  BIND (smtp_port_spin);
  BIND (smtp_security_row);
  BIND (smtp_username_row);
  BIND (smtp_password_row);
  BIND (sender_group);
  BIND (smtp_from_row);
  BIND (smtp_from_name_row);
  BIND (email_test_group);
  BIND (email_test_row);
  BIND (email_test_button);
  BIND (email_test_result);
  BIND (passcode_templates_group);
  BIND (welcome_templates_group);
  BIND (passcode_subject_row);
  BIND (passcode_body_row);
  BIND (passcode_body_view);
  BIND (passcode_sms_row);
  BIND (passcode_voice_row);
  BIND (welcome_subject_row);
  BIND (welcome_body_row);
  BIND (welcome_body_view);
  BIND (welcome_sms_row);
  gtk_widget_class_bind_template_child_full (widget_class, "status_general", FALSE,
                                             G_STRUCT_OFFSET (LkAdminPreferences, status_labels[0]));
  gtk_widget_class_bind_template_child_full (widget_class, "status_email", FALSE,
                                             G_STRUCT_OFFSET (LkAdminPreferences, status_labels[1]));
  gtk_widget_class_bind_template_child_full (widget_class, "status_gateways", FALSE,
                                             G_STRUCT_OFFSET (LkAdminPreferences, status_labels[2]));
  gtk_widget_class_bind_template_child_full (widget_class, "status_messages", FALSE,
                                             G_STRUCT_OFFSET (LkAdminPreferences, status_labels[3]));
#define BIND_GATEWAY(channel) \
  BIND_GW (channel, group); BIND_GW (channel, preset_row); BIND_GW (channel, url_row); \
  BIND_GW (channel, username_row); BIND_GW (channel, password_row); BIND_GW (channel, from_row); \
  BIND_GW (channel, request_row); BIND_GW (channel, method_row); BIND_GW (channel, format_row); \
  BIND_GW (channel, body_row); BIND_GW (channel, headers_row); BIND_GW (channel, test_row); \
  BIND_GW (channel, test_button); BIND_GW (channel, test_result)
  BIND_GATEWAY (sms);
  BIND_GATEWAY (voice);
#undef BIND_GATEWAY
  gtk_widget_class_bind_template_callback (widget_class, on_email_test_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_sms_test_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_voice_test_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_file_button_clicked);

  gtk_widget_class_install_action (widget_class, "prefs.save", NULL, save_action);
  gtk_widget_class_install_action (widget_class, "prefs.reset-templates", NULL, reset_templates_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "prefs.save", NULL);
}

static void
lk_admin_preferences_init (LkAdminPreferences *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->settings = g_settings_new (LK_APP_ID);
  g_settings_delay (self->settings);

  bind_text (self, "delivery-issuer", self->issuer_row);
  g_settings_bind (self->settings, "send-limit", self->limit_spin, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind_with_mapping (self->settings, "send-window", self->window_spin, "value", G_SETTINGS_BIND_DEFAULT,
                                seconds_to_minutes, minutes_to_seconds, NULL, NULL);
  bind_text (self, "smtp-host", self->smtp_host_row);
  g_settings_bind (self->settings, "smtp-port", self->smtp_port_spin, "value", G_SETTINGS_BIND_DEFAULT);
  bind_choice (self, "smtp-security", self->smtp_security_row, security_nicks);
  bind_text (self, "smtp-username", self->smtp_username_row);
  bind_text (self, "smtp-from", self->smtp_from_row);
  bind_text (self, "smtp-from-name", self->smtp_from_name_row);
  bind_gateway (self, "sms", &self->sms);
  bind_gateway (self, "voice", &self->voice);
  bind_templates (self);
  g_signal_connect (self->sms.preset_row, "notify::selected", G_CALLBACK (preset_selected), &self->sms);
  g_signal_connect (self->voice.preset_row, "notify::selected", G_CALLBACK (preset_selected), &self->voice);
  update_actions (self);
}

LkAdminPreferences *
lk_admin_preferences_new (GtkWindow *parent,
                          LkBackend *backend)
{
  LkAdminPreferences *self = g_object_new (LK_TYPE_ADMIN_PREFERENCES, "transient-for", parent, NULL);
  g_autofree char *file = g_settings_get_string (self->settings, "delivery-config-file");

  self->backend = backend != NULL ? g_object_ref (backend) : NULL;
  self->remote = backend != NULL && LK_IS_REMOTE_BACKEND (backend);
  if (self->remote)
    {
      GtkWidget *groups[] = {
        GTK_WIDGET (self->sending_group), GTK_WIDGET (self->smtp_group), GTK_WIDGET (self->sender_group),
        GTK_WIDGET (self->email_test_group), GTK_WIDGET (self->sms.group), GTK_WIDGET (self->voice.group),
        GTK_WIDGET (self->passcode_templates_group), GTK_WIDGET (self->welcome_templates_group),
      };

      gtk_widget_set_visible (GTK_WIDGET (self->notice_group), TRUE);
      gtk_widget_set_visible (GTK_WIDGET (self->remote_row), TRUE);
      for (gsize i = 0; i < G_N_ELEMENTS (groups); i++)
        gtk_widget_set_sensitive (groups[i], FALSE);
    }
  else
    {
      if (*file != '\0')
        {
          g_autofree char *text = g_strdup_printf (_("%s (the delivery-config-file setting) is used instead of the "
                                                     "settings here; its passwords stay in that file."), file);

          set_subtitle (self->file_row, text);
          gtk_widget_set_visible (GTK_WIDGET (self->notice_group), TRUE);
          gtk_widget_set_visible (GTK_WIDGET (self->file_row), TRUE);
        }
      lk_admin_delivery_secrets_load_async (self->cancellable, secrets_loaded, g_object_ref (self));
    }
  update_actions (self);
  return self;
}
