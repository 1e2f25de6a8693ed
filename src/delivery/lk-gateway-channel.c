/* SPDX-License-Identifier: GPL-3.0-or-later
 * SMS and voice delivery through an HTTP gateway: a JSON or form body from
 * a template, Basic auth or header credentials, 4xx = refused for good. */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>
#include <libsoup/soup.h>

#include "lk-gateway-channel.h"
#include "lk-message-template.h"
#include "lk-secure.h"

struct _LkGatewayChannel
{
  GObject           parent_instance;
  LkGatewayConfig  *config;
  char             *issuer;
  gboolean          voice;
  LkMessageTemplates *templates;  /* nullable: the default texts */
};

static void lk_gateway_channel_delivery_init (LkDeliveryInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (LkGatewayChannel, lk_gateway_channel, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (LK_TYPE_DELIVERY, lk_gateway_channel_delivery_init))

static void
lk_gateway_channel_finalize (GObject *object)
{
  LkGatewayChannel *self = LK_GATEWAY_CHANNEL (object);

  lk_gateway_config_free (self->config);
  g_free (self->issuer);
  lk_message_templates_free (self->templates);
  G_OBJECT_CLASS (lk_gateway_channel_parent_class)->finalize (object);
}

static void
lk_gateway_channel_class_init (LkGatewayChannelClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = lk_gateway_channel_finalize;
}

static void
lk_gateway_channel_init (LkGatewayChannel *self)
{
}

LkGatewayChannel *
lk_gateway_channel_new (LkGatewayConfig *config,
                        const char      *issuer,
                        gboolean         voice)
{
  LkGatewayChannel *self = g_object_new (LK_TYPE_GATEWAY_CHANNEL, NULL);

  g_return_val_if_fail (config != NULL, NULL);
  self->config = config;
  self->issuer = g_strdup (issuer ? issuer : "Latchkey");
  self->voice = voice;
  return self;
}

void
lk_gateway_channel_set_templates (LkGatewayChannel         *self,
                                  const LkMessageTemplates *templates)
{
  g_return_if_fail (LK_IS_GATEWAY_CHANNEL (self));

  lk_message_templates_free (self->templates);
  self->templates = templates != NULL ? lk_message_templates_copy (templates) : NULL;
}

static void
redact_one (GString    *text,
            const char *secret)
{
  if (secret != NULL && strlen (secret) >= 4)
    g_string_replace (text, secret, "***", 0);
}

char *
lk_gateway_redact (const LkGatewayConfig *config,
                   const char            *text)
{
  g_autoptr(GString) out = g_string_new (text);

  redact_one (out, config->password);
  for (gsize i = 0; config->headers != NULL && config->headers[i] != NULL; i++)
    {
      g_autofree char *value = g_strstrip (g_strdup (strchr (config->headers[i], ':') + 1));
      redact_one (out, value);
    }
  if (config->username != NULL && config->password != NULL)
    {
      g_autofree char *pair = g_strdup_printf ("%s:%s", config->username, config->password);
      g_autofree char *b64 = g_base64_encode ((const guchar *) pair, strlen (pair));
      redact_one (out, b64);
      lk_secure_wipe (pair, strlen (pair));
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* A form template is name=value pairs joined by '&'; each value is expanded
 * first and then form-encoded, so a message may hold '&' or '='. */
static char *
build_form (const char  *tpl,
            GHashTable  *values,
            GError     **error)
{
  g_auto(GStrv) pairs = g_strsplit (tpl, "&", -1);
  g_autoptr(GString) out = g_string_new (NULL);

  for (gsize i = 0; pairs[i] != NULL; i++)
    {
      char *eq = strchr (pairs[i], '=');
      g_autofree char *value = NULL;
      g_autofree char *name_enc = NULL;
      g_autofree char *value_enc = NULL;

      if (*pairs[i] == '\0')
        continue;
      if (eq != NULL)
        *eq = '\0';
      value = lk_template_expand (eq ? eq + 1 : "", values, LK_TEMPLATE_ESCAPE_NONE, error);
      if (value == NULL)
        {
          lk_secure_wipe (out->str, out->len);
          return NULL;
        }
      name_enc = g_uri_escape_string (pairs[i], NULL, FALSE);
      value_enc = g_uri_escape_string (value, NULL, FALSE);
      g_string_append_printf (out, "%s%s=%s", out->len ? "&" : "", name_enc, value_enc);
      lk_secure_wipe (value, strlen (value));
      lk_secure_wipe (value_enc, strlen (value_enc));
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static gboolean
lk_gateway_channel_deliver (LkDelivery            *delivery,
                            const LkOutboxMessage *message,
                            GCancellable          *cancellable,
                            GError               **error)
{
  LkGatewayChannel *self = LK_GATEWAY_CHANNEL (delivery);
  const LkGatewayConfig *cfg = self->config;
  g_autoptr(LkMessageText) text = NULL;
  g_autoptr(GHashTable) values = NULL;
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) reply = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *body = NULL;
  g_autofree char *number = NULL;
  const char *content_type;
  guint status;

  text = lk_message_render_with (message, self->issuer, self->templates, message->created_at, error);
  if (text == NULL)
    return FALSE;
  /* Gateways want E.164: keep the leading + and the digits. */
  number = g_strdup (message->destination ? message->destination : "");
  {
    char *w = number;
    for (const char *r = number; *r; r++)
      if (g_ascii_isdigit (*r) || (*r == '+' && w == number))
        *w++ = *r;
    *w = '\0';
  }
  if (strlen (number) < 5)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("“%s” is not a phone number"),
                   message->destination ? message->destination : "");
      return FALSE;
    }
  values = lk_message_values (message, self->issuer, message->created_at);
  g_hash_table_insert (values, (gpointer) "number", g_strdup (number));
  g_hash_table_insert (values, (gpointer) "message", g_strdup (self->voice ? text->spoken : text->sms));
  g_hash_table_insert (values, (gpointer) "from", g_strdup (cfg->from ? cfg->from : ""));
  {
    g_autoptr(GString) xml = g_string_new (NULL);
    g_autofree char *escaped = g_markup_escape_text (self->voice ? text->spoken : text->sms, -1);
    g_string_append (xml, escaped);
    lk_secure_wipe (escaped, strlen (escaped));
    g_hash_table_insert (values, (gpointer) "message_xml", g_string_free (g_steal_pointer (&xml), FALSE));
  }
  if (cfg->format == LK_GATEWAY_BODY_FORM)
    {
      body = build_form (cfg->body, values, error);
      content_type = "application/x-www-form-urlencoded";
    }
  else
    {
      body = lk_template_expand (cfg->body, values, LK_TEMPLATE_ESCAPE_JSON, error);
      content_type = "application/json";
    }
  if (body == NULL)
    return FALSE;

  if (g_strcmp0 (cfg->method, "GET") == 0)
    {
      /* GET gateways take the form as the query string. */
      g_autofree char *url = g_strdup_printf ("%s%c%s", cfg->url, strchr (cfg->url, '?') ? '&' : '?', body);
      msg = soup_message_new ("GET", url);
      lk_secure_wipe (url, strlen (url));
    }
  else
    {
      g_autoptr(GBytes) bytes = NULL;
      msg = soup_message_new (cfg->method, cfg->url);
      bytes = g_bytes_new_with_free_func (body, strlen (body), (GDestroyNotify) lk_secure_str_free, body);
      body = NULL;
      if (msg != NULL)
        soup_message_set_request_body_from_bytes (msg, content_type, bytes);
    }
  if (msg == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, _("The gateway URL cannot be used"));
      return FALSE;
    }
  for (gsize i = 0; cfg->headers != NULL && cfg->headers[i] != NULL; i++)
    {
      const char *colon = strchr (cfg->headers[i], ':');
      g_autofree char *name = g_strstrip (g_strndup (cfg->headers[i], (gsize) (colon - cfg->headers[i])));
      g_autofree char *value = g_strstrip (g_strdup (colon + 1));
      soup_message_headers_replace (soup_message_get_request_headers (msg), name, value);
      lk_secure_wipe (value, strlen (value));
    }
  if (cfg->username != NULL)
    {
      g_autofree char *pair = g_strdup_printf ("%s:%s", cfg->username, cfg->password ? cfg->password : "");
      g_autofree char *b64 = g_base64_encode ((const guchar *) pair, strlen (pair));
      g_autofree char *auth = g_strdup_printf ("Basic %s", b64);
      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
      lk_secure_wipe (pair, strlen (pair));
      lk_secure_wipe (b64, strlen (b64));
      lk_secure_wipe (auth, strlen (auth));
    }
  session = soup_session_new_with_options ("timeout", cfg->timeout ? cfg->timeout : 30,
                                           "user-agent", "Latchkey/" LK_VERSION, NULL);
  if (cfg->ca_file != NULL)
    {
      g_autoptr(GTlsDatabase) db = g_tls_file_database_new (cfg->ca_file, error);
      if (db == NULL)
        return FALSE;
      soup_session_set_tls_database (session, db);
    }
  reply = soup_session_send_and_read (session, msg, cancellable, &local_error);
  status = soup_message_get_status (msg);
  if (reply == NULL)
    {
      g_autofree char *safe = lk_gateway_redact (cfg, local_error->message);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Cannot reach the gateway: %s"), safe);
      return FALSE;
    }
  if (status >= 200 && status < 300)
    return TRUE;
  {
    gsize n = 0;
    const char *data = g_bytes_get_data (reply, &n);
    g_autofree char *snippet = g_utf8_make_valid (data ? data : "", (gssize) MIN (n, 200));
    g_autofree char *safe = lk_gateway_redact (cfg, g_strstrip (snippet));
    /* 4xx: the gateway will never take this request (bad number, bad
     * credentials); 408/429 and 5xx are worth retrying. */
    gboolean permanent = status >= 400 && status < 500 && status != 408 && status != 429;
    g_set_error (error, G_IO_ERROR, permanent ? G_IO_ERROR_INVALID_DATA : G_IO_ERROR_FAILED,
                 _("The gateway answered %u %s: %s"), status,
                 soup_message_get_reason_phrase (msg) ? soup_message_get_reason_phrase (msg) : "", safe);
  }
  return FALSE;
}

static void
lk_gateway_channel_delivery_init (LkDeliveryInterface *iface)
{
  iface->deliver = lk_gateway_channel_deliver;
}
