/* SPDX-License-Identifier: GPL-3.0-or-later
 * Delivery settings of the embedded engine: GSettings and keyring to a
 * checked LkDeliveryConfig, and that config to the local backend's worker. */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>
#include <libsecret/secret.h>

#include "lk-admin-delivery-settings.h"
#include "lk-delivery-router.h"
#include "lk-local-backend.h"
#include "lk-secure.h"

#define POLL_MS 5000

static const char * const secret_names[] = {
  "smtp-password", "sms-password", "sms-headers", "voice-password", "voice-headers",
};
G_STATIC_ASSERT (G_N_ELEMENTS (secret_names) == LK_ADMIN_N_SECRETS);

static const SecretSchema *
delivery_schema (void)
{
  /* As the account keys' schema (lk-admin-connection.c): the attributes say
   * whose secret it is, never what it is. */
  static const SecretSchema schema = {
    "org.latchkey.Latchkey.DeliverySecret", SECRET_SCHEMA_NONE,
    {
      { "app", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "setting", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    },
    0, NULL, NULL, NULL, NULL, NULL, NULL, NULL
  };

  return &schema;
}

const char *
lk_admin_delivery_secret_name (LkAdminSecret secret)
{
  return (guint) secret < LK_ADMIN_N_SECRETS ? secret_names[secret] : NULL;
}

LkAdminDeliverySecrets *
lk_admin_delivery_secrets_new (void)
{
  return g_new0 (LkAdminDeliverySecrets, 1);
}

void
lk_admin_delivery_secrets_free (LkAdminDeliverySecrets *secrets)
{
  if (secrets == NULL)
    return;
  for (guint i = 0; i < LK_ADMIN_N_SECRETS; i++)
    lk_secure_str_free (secrets->value[i]);
  g_free (secrets);
}

/* ---- the keyring: one item per secret, read and written in turn ---------- */

typedef struct
{
  LkAdminDeliverySecrets *secrets;
  guint                   next;
} SecretsOp;

static void
secrets_op_free (SecretsOp *op)
{
  lk_admin_delivery_secrets_free (op->secrets);
  g_free (op);
}

static void load_next (GTask *task);

static void
looked_up (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SecretsOp *op = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  char *value = secret_password_lookup_finish (result, &error);

  if (error != NULL)
    {
      g_prefix_error (&error, "%s", _("The keyring could not be read: "));
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (value != NULL)
    {
      op->secrets->value[op->next] = g_strdup (value);
      secret_password_free (value);
    }
  op->next++;
  load_next (g_steal_pointer (&task));
}

static void
load_next (GTask *task)
{
  SecretsOp *op = g_task_get_task_data (task);

  if (op->next == LK_ADMIN_N_SECRETS)
    {
      g_task_return_pointer (task, g_steal_pointer (&op->secrets), (GDestroyNotify) lk_admin_delivery_secrets_free);
      g_object_unref (task);
      return;
    }
  secret_password_lookup (delivery_schema (), g_task_get_cancellable (task), looked_up, task,
                          "app", LK_APP_ID, "setting", secret_names[op->next], NULL);
}

void
lk_admin_delivery_secrets_load_async (GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  SecretsOp *op = g_new0 (SecretsOp, 1);

  g_task_set_source_tag (task, lk_admin_delivery_secrets_load_async);
  op->secrets = lk_admin_delivery_secrets_new ();
  g_task_set_task_data (task, op, (GDestroyNotify) secrets_op_free);
  load_next (task);
}

LkAdminDeliverySecrets *
lk_admin_delivery_secrets_load_finish (GAsyncResult  *result,
                                       GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void store_next (GTask *task);

static void
stored (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SecretsOp *op = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  const char *value = op->secrets->value[op->next];

  if (value != NULL && *value != '\0')
    secret_password_store_finish (result, &error);
  else
    secret_password_clear_finish (result, &error);
  if (error != NULL)
    {
      g_prefix_error (&error, "%s", _("The keyring could not be written: "));
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  op->next++;
  store_next (g_steal_pointer (&task));
}

static const char *
secret_label (LkAdminSecret secret)
{
  switch (secret)
    {
    case LK_ADMIN_SECRET_SMTP_PASSWORD: return _("Latchkey: SMTP password");
    case LK_ADMIN_SECRET_SMS_PASSWORD: return _("Latchkey: SMS gateway password");
    case LK_ADMIN_SECRET_SMS_HEADERS: return _("Latchkey: SMS gateway headers");
    case LK_ADMIN_SECRET_VOICE_PASSWORD: return _("Latchkey: voice gateway password");
    case LK_ADMIN_SECRET_VOICE_HEADERS: return _("Latchkey: voice gateway headers");
    case LK_ADMIN_N_SECRETS:
    default: break;
    }
  g_return_val_if_reached (NULL);
}

static void
store_next (GTask *task)
{
  SecretsOp *op = g_task_get_task_data (task);
  const char *value;

  if (op->next == LK_ADMIN_N_SECRETS)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  value = op->secrets->value[op->next];
  if (value != NULL && *value != '\0')
    secret_password_store (delivery_schema (), SECRET_COLLECTION_DEFAULT, secret_label (op->next), value,
                           g_task_get_cancellable (task), stored, task,
                           "app", LK_APP_ID, "setting", secret_names[op->next], NULL);
  else
    secret_password_clear (delivery_schema (), g_task_get_cancellable (task), stored, task,
                           "app", LK_APP_ID, "setting", secret_names[op->next], NULL);
}

void
lk_admin_delivery_secrets_store_async (const LkAdminDeliverySecrets *secrets,
                                       GCancellable                 *cancellable,
                                       GAsyncReadyCallback           callback,
                                       gpointer                      user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  SecretsOp *op = g_new0 (SecretsOp, 1);

  g_task_set_source_tag (task, lk_admin_delivery_secrets_store_async);
  op->secrets = lk_admin_delivery_secrets_new ();
  for (guint i = 0; i < LK_ADMIN_N_SECRETS; i++)
    op->secrets->value[i] = g_strdup (secrets->value[i]);
  g_task_set_task_data (task, op, (GDestroyNotify) secrets_op_free);
  store_next (task);
}

gboolean
lk_admin_delivery_secrets_store_finish (GAsyncResult  *result,
                                        GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- GSettings + secrets → latchkeyd.conf's groups ------------------------ */

static void
copy_string (GKeyFile   *file,
             GSettings  *settings,
             const char *key,
             const char *group,
             const char *conf_key)
{
  g_autofree char *value = g_settings_get_string (settings, key);

  if (*value != '\0')
    g_key_file_set_string (file, group, conf_key, value);
}

static void
set_secret (GKeyFile   *file,
            const char *group,
            const char *conf_key,
            const char *value)
{
  if (value != NULL && *value != '\0')
    g_key_file_set_string (file, group, conf_key, value);
}

static void
copy_gateway (GKeyFile   *file,
              GSettings  *settings,
              const char *group,
              const char *password,
              const char *headers)
{
  g_autofree char *url_key = g_strconcat (group, "-url", NULL);
  g_autofree char *url = g_settings_get_string (settings, url_key);
  g_autofree char *format_key = g_strconcat (group, "-format", NULL);
  g_autofree char *format = g_settings_get_string (settings, format_key);
  static const char * const plain[] = { "method", "body", "username", "from" };

  if (*url == '\0')
    return;
  g_key_file_set_string (file, group, "url", url);
  g_key_file_set_string (file, group, "format", format);
  for (gsize i = 0; i < G_N_ELEMENTS (plain); i++)
    {
      g_autofree char *key = g_strconcat (group, "-", plain[i], NULL);

      copy_string (file, settings, key, group, plain[i]);
    }
  set_secret (file, group, "password", password);
  if (headers != NULL && *headers != '\0')
    {
      /* One entry per ';', as in latchkeyd.conf; spaces around are not
       * part of a header. */
      g_auto(GStrv) entries = g_strsplit (headers, ";", -1);
      g_autoptr(GStrvBuilder) kept = g_strv_builder_new ();
      g_auto(GStrv) list = NULL;

      for (gsize i = 0; entries[i] != NULL; i++)
        if (*g_strstrip (entries[i]) != '\0')
          g_strv_builder_add (kept, entries[i]);
      list = g_strv_builder_end (kept);
      if (list[0] != NULL)
        g_key_file_set_string_list (file, group, "headers", (const char * const *) list, g_strv_length (list));
      for (gsize i = 0; entries[i] != NULL; i++)
        lk_secure_wipe (entries[i], strlen (entries[i]));
      for (gsize i = 0; list[i] != NULL; i++)
        lk_secure_wipe (list[i], strlen (list[i]));
    }
}

LkDeliveryConfig *
lk_admin_delivery_config_from_settings (GSettings                    *settings,
                                        const LkAdminDeliverySecrets *secrets,
                                        GError                      **error)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autofree char *host = g_settings_get_string (settings, "smtp-host");
  const char *none[LK_ADMIN_N_SECRETS] = { NULL };
  const char * const *s = secrets != NULL ? (const char * const *) secrets->value : none;

  copy_string (file, settings, "delivery-issuer", "delivery", "issuer");
  if (*host != '\0')
    {
      guint port = g_settings_get_uint (settings, "smtp-port");
      g_autofree char *security = g_settings_get_string (settings, "smtp-security");

      g_key_file_set_string (file, "smtp", "host", host);
      if (port != 0)
        g_key_file_set_integer (file, "smtp", "port", (int) port);
      g_key_file_set_string (file, "smtp", "security", security);
      copy_string (file, settings, "smtp-username", "smtp", "username");
      copy_string (file, settings, "smtp-from", "smtp", "from");
      copy_string (file, settings, "smtp-from-name", "smtp", "from-name");
      set_secret (file, "smtp", "password", s[LK_ADMIN_SECRET_SMTP_PASSWORD]);
    }
  copy_gateway (file, settings, "sms", s[LK_ADMIN_SECRET_SMS_PASSWORD], s[LK_ADMIN_SECRET_SMS_HEADERS]);
  copy_gateway (file, settings, "voice", s[LK_ADMIN_SECRET_VOICE_PASSWORD], s[LK_ADMIN_SECRET_VOICE_HEADERS]);
  for (guint i = 0; i < LK_N_TEMPLATES; i++)
    {
      g_autofree char *key = g_strconcat ("template-", lk_message_template_key (i), NULL);
      g_autofree char *value = g_settings_get_string (settings, key);

      if (*value != '\0')
        g_key_file_set_string (file, "templates", lk_message_template_key (i), value);
    }
  return lk_delivery_config_load (file, error);
}

/* ---- applying ------------------------------------------------------------ */

gboolean
lk_admin_delivery_apply (LkBackend              *backend,
                         const LkDeliveryConfig *config,
                         guint                   send_limit,
                         guint                   send_window,
                         GError                **error)
{
  LkLocalBackend *local;
  LkDelivery *running;
  g_autoptr(LkDeliveryRouter) router = NULL;

  if (backend == NULL || !LK_IS_LOCAL_BACKEND (backend))
    return TRUE;
  local = LK_LOCAL_BACKEND (backend);
  lk_local_backend_set_send_limit (local, send_limit, send_window);
  running = lk_local_backend_get_delivery (local);
  if (running != NULL)
    {
      if (LK_IS_DELIVERY_ROUTER (running))
        lk_delivery_router_reconfigure (LK_DELIVERY_ROUTER (running), config);
      return TRUE;
    }
  /* Without any channel no worker runs: messages wait in the outbox
   * instead of failing for want of a channel. */
  if (config->smtp == NULL && config->sms == NULL && config->voice == NULL)
    return TRUE;
  router = lk_delivery_router_new_from_config (config);
  return lk_local_backend_start_delivery (local, LK_DELIVERY (router),
                                          (config->poll_interval ? config->poll_interval * 1000 : POLL_MS), error);
}

typedef struct
{
  LkBackend *backend;
  GSettings *settings;
} Start;

static void
start_free (Start *start)
{
  g_object_unref (start->backend);
  g_object_unref (start->settings);
  g_free (start);
}

static void
start_secrets_loaded (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  Start *start = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(LkAdminDeliverySecrets) secrets = lk_admin_delivery_secrets_load_finish (result, &error);
  g_autoptr(LkDeliveryConfig) config = NULL;

  if (secrets != NULL)
    config = lk_admin_delivery_config_from_settings (start->settings, secrets, &error);
  if (config != NULL)
    lk_admin_delivery_apply (start->backend, config, g_settings_get_uint (start->settings, "send-limit"),
                             g_settings_get_uint (start->settings, "send-window"), &error);
  if (error != NULL)
    g_warning ("Delivery is off: %s", error->message);
  start_free (start);
}

/* delivery-config-file: a latchkeyd.conf-format file that overrides the
 * preferences (kept for those who set it up before they existed). */
static void
start_from_file (LkBackend  *backend,
                 const char *path)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(LkDeliveryConfig) config = NULL;
  g_autoptr(GError) error = NULL;
  guint64 limit = 0, window = 0;

  if (g_key_file_load_from_file (file, path, G_KEY_FILE_NONE, &error) &&
      (config = lk_delivery_config_load (file, &error)) != NULL)
    {
      g_autofree char *l = g_key_file_get_string (file, "delivery", "send-limit", NULL);
      g_autofree char *w = g_key_file_get_string (file, "delivery", "send-window", NULL);

      if ((l != NULL && !g_ascii_string_to_unsigned (g_strstrip (l), 10, 1, G_MAXUINT, &limit, &error)) ||
          (w != NULL && !g_ascii_string_to_unsigned (g_strstrip (w), 10, 1, G_MAXUINT, &window, &error)))
        g_prefix_error (&error, "[delivery] send-limit/send-window: ");
      else
        lk_admin_delivery_apply (backend, config, (guint) limit, (guint) window, &error);
    }
  if (error != NULL)
    g_warning ("Delivery is off: %s: %s", path, error->message);
}

void
lk_admin_delivery_start (LkBackend *backend)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = source ? g_settings_schema_source_lookup (source, LK_APP_ID, TRUE) : NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autofree char *path = NULL;
  Start *start;

  if (schema == NULL || !g_settings_schema_has_key (schema, "smtp-host") || !LK_IS_LOCAL_BACKEND (backend))
    return;
  settings = g_settings_new (LK_APP_ID);
  path = g_settings_get_string (settings, "delivery-config-file");
  if (*path != '\0')
    {
      start_from_file (backend, path);
      return;
    }
  start = g_new0 (Start, 1);
  start->backend = g_object_ref (backend);
  start->settings = g_steal_pointer (&settings);
  lk_admin_delivery_secrets_load_async (NULL, start_secrets_loaded, start);
}
