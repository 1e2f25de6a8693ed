/* SPDX-License-Identifier: GPL-3.0-or-later
 * Delivery settings: defaults, gateway presets, and the key-file reader. */
#include "config.h"

#include <string.h>
#include <gio/gio.h>
#include <glib/gi18n.h>

#include "lk-delivery-config.h"
#include "lk-delivery-error.h"
#include "lk-message-template.h"
#include "lk-secure.h"

static const char * const groups[] = { "delivery", "smtp", "sms", "voice", "templates", NULL };
/* send-limit and send-window configure the engine (LkEngineConfig), not a channel. */
static const char * const delivery_keys[] = { "issuer", "poll-interval", "batch", "send-limit", "send-window", NULL };
static const char * const smtp_keys[] = { "host", "port", "security", "username", "password",
                                          "from", "from-name", "ca-file", "timeout", NULL };
static const char * const gateway_keys[] = { "preset", "url", "method", "headers", "format", "body",
                                             "username", "password", "from", "ca-file", "timeout", NULL };
/* In LkTemplateId order. */
static const char * const template_keys[] = { "passcode-subject", "passcode-body", "passcode-sms", "passcode-voice",
                                              "welcome-subject", "welcome-body", "welcome-sms", NULL };
G_STATIC_ASSERT (G_N_ELEMENTS (template_keys) == LK_N_TEMPLATES + 1);

const char * const *
lk_delivery_config_groups (void)
{
  return groups;
}

const char * const *
lk_delivery_config_keys (const char *group)
{
  if (g_strcmp0 (group, "delivery") == 0)
    return delivery_keys;
  if (g_strcmp0 (group, "smtp") == 0)
    return smtp_keys;
  if (g_strcmp0 (group, "sms") == 0 || g_strcmp0 (group, "voice") == 0)
    return gateway_keys;
  if (g_strcmp0 (group, "templates") == 0)
    return template_keys;
  return NULL;
}

const char *
lk_message_template_key (LkTemplateId id)
{
  return (guint) id < LK_N_TEMPLATES ? template_keys[id] : NULL;
}

LkMessageTemplates *
lk_message_templates_new (void)
{
  return g_new0 (LkMessageTemplates, 1);
}

LkMessageTemplates *
lk_message_templates_copy (const LkMessageTemplates *templates)
{
  LkMessageTemplates *copy = lk_message_templates_new ();

  for (guint i = 0; templates != NULL && i < LK_N_TEMPLATES; i++)
    copy->text[i] = g_strdup (templates->text[i]);
  return copy;
}

void
lk_message_templates_free (LkMessageTemplates *templates)
{
  if (templates == NULL)
    return;
  for (guint i = 0; i < LK_N_TEMPLATES; i++)
    g_free (templates->text[i]);
  g_free (templates);
}

static void
free_secret (char *secret)
{
  if (secret != NULL)
    lk_secure_wipe (secret, strlen (secret));
  g_free (secret);
}

LkSmtpConfig *
lk_smtp_config_new (void)
{
  return g_new0 (LkSmtpConfig, 1);
}

void
lk_smtp_config_free (LkSmtpConfig *config)
{
  if (config == NULL)
    return;
  g_free (config->host);
  g_free (config->username);
  free_secret (config->password);
  g_free (config->from);
  g_free (config->from_name);
  g_free (config->ca_file);
  g_free (config);
}

LkGatewayConfig *
lk_gateway_config_new (void)
{
  LkGatewayConfig *config = g_new0 (LkGatewayConfig, 1);

  config->method = g_strdup ("POST");
  config->format = LK_GATEWAY_BODY_JSON;
  config->body = g_strdup ("{\"to\": \"{number}\", \"message\": \"{message}\"}");
  return config;
}

void
lk_gateway_config_free (LkGatewayConfig *config)
{
  if (config == NULL)
    return;
  g_free (config->url);
  g_free (config->method);
  /* Header values carry API keys. */
  for (gsize i = 0; config->headers != NULL && config->headers[i] != NULL; i++)
    lk_secure_wipe (config->headers[i], strlen (config->headers[i]));
  g_strfreev (config->headers);
  g_free (config->body);
  g_free (config->username);
  free_secret (config->password);
  g_free (config->from);
  g_free (config->ca_file);
  g_free (config);
}

LkDeliveryConfig *
lk_delivery_config_new (void)
{
  return g_new0 (LkDeliveryConfig, 1);
}

void
lk_delivery_config_free (LkDeliveryConfig *config)
{
  if (config == NULL)
    return;
  g_free (config->issuer);
  lk_smtp_config_free (config->smtp);
  lk_gateway_config_free (config->sms);
  lk_gateway_config_free (config->voice);
  lk_message_templates_free (config->templates);
  g_free (config);
}

gboolean
lk_gateway_config_apply_preset (LkGatewayConfig  *config,
                                const char       *preset,
                                GError          **error)
{
  const char *body;
  LkGatewayBodyFormat format;

  /* Twilio-shaped gateways take a form with To/From and either Body (SMS)
   * or TwiML (voice, which must be XML-escaped) and HTTP Basic auth. */
  if (g_strcmp0 (preset, "twilio-sms") == 0)
    {
      format = LK_GATEWAY_BODY_FORM;
      body = "To={number}&From={from}&Body={message}";
    }
  else if (g_strcmp0 (preset, "twilio-voice") == 0)
    {
      format = LK_GATEWAY_BODY_FORM;
      body = "To={number}&From={from}&Twiml=<Response><Say>{message_xml}</Say></Response>";
    }
  else if (g_strcmp0 (preset, "json") == 0)
    {
      format = LK_GATEWAY_BODY_JSON;
      body = "{\"to\": \"{number}\", \"from\": \"{from}\", \"message\": \"{message}\"}";
    }
  else
    {
      g_set_error (error, LK_DELIVERY_ERROR, LK_DELIVERY_ERROR_CONFIG,
                   _("Unknown gateway preset “%s” (expected twilio-sms, twilio-voice or json)"), preset);
      return FALSE;
    }
  config->format = format;
  g_free (config->body);
  config->body = g_strdup (body);
  g_free (config->method);
  config->method = g_strdup ("POST");
  return TRUE;
}

static gboolean
check_keys (GKeyFile    *file,
            const char  *group,
            GError     **error)
{
  g_auto(GStrv) keys = g_key_file_get_keys (file, group, NULL, NULL);
  const char * const *known = lk_delivery_config_keys (group);

  for (gsize i = 0; keys != NULL && keys[i] != NULL; i++)
    if (!g_strv_contains (known, keys[i]))
      {
        g_set_error (error, LK_DELIVERY_ERROR, LK_DELIVERY_ERROR_CONFIG,
                     _("Unknown key “%s” in [%s]"), keys[i], group);
        return FALSE;
      }
  return TRUE;
}

static char *
get_string (GKeyFile   *file,
            const char *group,
            const char *key)
{
  char *value = g_key_file_get_string (file, group, key, NULL);

  if (value != NULL && *g_strstrip (value) == '\0')
    g_clear_pointer (&value, g_free);
  return value;
}

static gboolean
get_uint (GKeyFile    *file,
          const char  *group,
          const char  *key,
          guint        min,
          guint        max,
          guint       *out,
          GError     **error)
{
  g_autofree char *text = get_string (file, group, key);
  guint64 value;

  if (text == NULL)
    return TRUE;
  if (!g_ascii_string_to_unsigned (text, 10, min, max, &value, NULL))
    {
      g_set_error (error, LK_DELIVERY_ERROR, LK_DELIVERY_ERROR_CONFIG,
                   _("[%s] %s must be a whole number from %u to %u"), group, key, min, max);
      return FALSE;
    }
  *out = (guint) value;
  return TRUE;
}

static gboolean
is_loopback_host (const char *host)
{
  g_autoptr(GInetAddress) address = NULL;

  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;
  address = g_inet_address_new_from_string (host);
  return address != NULL && g_inet_address_get_is_loopback (address);
}

static LkSmtpConfig *
load_smtp (GKeyFile  *file,
           GError   **error)
{
  g_autoptr(LkSmtpConfig) smtp = lk_smtp_config_new ();
  g_autofree char *security = get_string (file, "smtp", "security");

  smtp->host = get_string (file, "smtp", "host");
  smtp->from = get_string (file, "smtp", "from");
  if (smtp->host == NULL || smtp->from == NULL)
    {
      g_set_error (error, LK_DELIVERY_ERROR, LK_DELIVERY_ERROR_CONFIG,
                   _("[smtp] needs both host and from"));
      return NULL;
    }
  if (strchr (smtp->from, '@') == NULL || strpbrk (smtp->from, "<>\r\n \t") != NULL)
    {
      g_set_error (error, LK_DELIVERY_ERROR, LK_DELIVERY_ERROR_CONFIG,
                   _("[smtp] from must be a bare email address (put the name in from-name)"));
      return NULL;
    }
  if (security == NULL || g_strcmp0 (security, "starttls") == 0)
    smtp->security = LK_SMTP_SECURITY_STARTTLS;
  else if (g_strcmp0 (security, "tls") == 0)
    smtp->security = LK_SMTP_SECURITY_TLS;
  else if (g_strcmp0 (security, "none") == 0)
    smtp->security = LK_SMTP_SECURITY_NONE;
  else
    {
      g_set_error (error, LK_DELIVERY_ERROR, LK_DELIVERY_ERROR_CONFIG,
                   _("[smtp] security must be starttls, tls or none"));
      return NULL;
    }
  /* Passcodes in clear text may only cross the loopback interface. */
  if (smtp->security == LK_SMTP_SECURITY_NONE && !is_loopback_host (smtp->host))
    {
      g_set_error (error, LK_DELIVERY_ERROR, LK_DELIVERY_ERROR_CONFIG,
                   _("[smtp] security=none is only allowed for a loopback host"));
      return NULL;
    }
  if (!get_uint (file, "smtp", "port", 1, 65535, &smtp->port, error) ||
      !get_uint (file, "smtp", "timeout", 1, 600, &smtp->timeout, error))
    return NULL;
  smtp->username = get_string (file, "smtp", "username");
  smtp->password = get_string (file, "smtp", "password");
  smtp->from_name = get_string (file, "smtp", "from-name");
  smtp->ca_file = get_string (file, "smtp", "ca-file");
  return g_steal_pointer (&smtp);
}

static LkGatewayConfig *
load_gateway (GKeyFile    *file,
              const char  *group,
              GError     **error)
{
  g_autoptr(LkGatewayConfig) gw = lk_gateway_config_new ();
  g_autofree char *preset = get_string (file, group, "preset");
  g_autofree char *format = get_string (file, group, "format");
  g_autofree char *method = get_string (file, group, "method");
  g_autofree char *body = get_string (file, group, "body");
  g_autoptr(GUri) uri = NULL;

  if (preset != NULL && !lk_gateway_config_apply_preset (gw, preset, error))
    {
      g_prefix_error (error, "[%s] ", group);
      return NULL;
    }
  gw->url = get_string (file, group, "url");
  if (gw->url == NULL)
    {
      g_set_error (error, LK_DELIVERY_ERROR, LK_DELIVERY_ERROR_CONFIG, _("[%s] needs a url"), group);
      return NULL;
    }
  uri = g_uri_parse (gw->url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL || (g_strcmp0 (g_uri_get_scheme (uri), "https") != 0 &&
                      g_strcmp0 (g_uri_get_scheme (uri), "http") != 0))
    {
      g_set_error (error, LK_DELIVERY_ERROR, LK_DELIVERY_ERROR_CONFIG,
                   _("[%s] url must be an http or https URL"), group);
      return NULL;
    }
  /* Credentials over plain HTTP only on loopback (a test gateway). */
  if (g_strcmp0 (g_uri_get_scheme (uri), "http") == 0 && !is_loopback_host (g_uri_get_host (uri)))
    {
      g_set_error (error, LK_DELIVERY_ERROR, LK_DELIVERY_ERROR_CONFIG,
                   _("[%s] url must use https unless the gateway is on a loopback address"), group);
      return NULL;
    }
  if (method != NULL)
    {
      if (!g_strv_contains ((const char * const[]) { "POST", "PUT", "GET", NULL }, method))
        {
          g_set_error (error, LK_DELIVERY_ERROR, LK_DELIVERY_ERROR_CONFIG,
                       _("[%s] method must be POST, PUT or GET"), group);
          return NULL;
        }
      g_free (gw->method);
      gw->method = g_steal_pointer (&method);
    }
  if (format != NULL)
    {
      if (g_strcmp0 (format, "json") == 0)
        gw->format = LK_GATEWAY_BODY_JSON;
      else if (g_strcmp0 (format, "form") == 0)
        gw->format = LK_GATEWAY_BODY_FORM;
      else
        {
          g_set_error (error, LK_DELIVERY_ERROR, LK_DELIVERY_ERROR_CONFIG,
                       _("[%s] format must be json or form"), group);
          return NULL;
        }
    }
  if (body != NULL)
    {
      g_free (gw->body);
      gw->body = g_steal_pointer (&body);
    }
  /* The gateway channel's values (lk-gateway-channel.c) and the message's:
   * a typo here would otherwise fail every message at send time. */
  if (!lk_template_check_names (gw->body, (const char * const[]) {
                                  "number", "message", "message_xml", "from", "name", "login", "code",
                                  "code_spoken", "lifetime", "issuer", "serial", NULL }, error))
    {
      g_prefix_error (error, "[%s] body: ", group);
      return NULL;
    }
  if (strstr (gw->body, "{number}") == NULL || strstr (gw->body, "{message") == NULL)
    {
      g_set_error (error, LK_DELIVERY_ERROR, LK_DELIVERY_ERROR_CONFIG,
                   _("[%s] body must contain {number} and {message}"), group);
      return NULL;
    }
  gw->headers = g_key_file_get_string_list (file, group, "headers", NULL, NULL);
  for (gsize i = 0; gw->headers != NULL && gw->headers[i] != NULL; i++)
    {
      const char *colon = strchr (gw->headers[i], ':');
      if (colon == NULL || colon == gw->headers[i] || strpbrk (gw->headers[i], "\r\n") != NULL)
        {
          /* Do not echo the line: it may hold an API key. */
          g_set_error (error, LK_DELIVERY_ERROR, LK_DELIVERY_ERROR_CONFIG,
                       _("[%s] headers entry %zu is not “Name: value”"), group, i + 1);
          return NULL;
        }
    }
  if (!get_uint (file, group, "timeout", 1, 600, &gw->timeout, error))
    return NULL;
  gw->username = get_string (file, group, "username");
  gw->password = get_string (file, group, "password");
  gw->from = get_string (file, group, "from");
  gw->ca_file = get_string (file, group, "ca-file");
  return g_steal_pointer (&gw);
}

/* Not get_string(): a template keeps its spaces and line breaks (\n). */
static LkMessageTemplates *
load_templates (GKeyFile  *file,
                GError   **error)
{
  g_autoptr(LkMessageTemplates) templates = lk_message_templates_new ();

  for (guint i = 0; i < LK_N_TEMPLATES; i++)
    {
      g_autofree char *text = g_key_file_get_string (file, "templates", template_keys[i], NULL);

      if (text == NULL || *text == '\0')
        continue;
      if (!lk_message_template_check (i, text, error))
        {
          g_prefix_error (error, "[templates] %s: ", template_keys[i]);
          return NULL;
        }
      templates->text[i] = g_steal_pointer (&text);
    }
  return g_steal_pointer (&templates);
}

LkDeliveryConfig *
lk_delivery_config_load (GKeyFile  *file,
                         GError   **error)
{
  g_autoptr(LkDeliveryConfig) config = lk_delivery_config_new ();

  for (gsize i = 0; groups[i] != NULL; i++)
    if (g_key_file_has_group (file, groups[i]) && !check_keys (file, groups[i], error))
      return NULL;
  config->issuer = get_string (file, "delivery", "issuer");
  if (!get_uint (file, "delivery", "poll-interval", 1, 3600, &config->poll_interval, error) ||
      !get_uint (file, "delivery", "batch", 1, 1000, &config->batch, error))
    return NULL;
  if (g_key_file_has_group (file, "smtp") && (config->smtp = load_smtp (file, error)) == NULL)
    return NULL;
  if (g_key_file_has_group (file, "sms") && (config->sms = load_gateway (file, "sms", error)) == NULL)
    return NULL;
  if (g_key_file_has_group (file, "voice") && (config->voice = load_gateway (file, "voice", error)) == NULL)
    return NULL;
  if (g_key_file_has_group (file, "templates") && (config->templates = load_templates (file, error)) == NULL)
    return NULL;
  return g_steal_pointer (&config);
}
