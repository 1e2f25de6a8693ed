/* SPDX-License-Identifier: GPL-3.0-or-later
 * Dispatches outbox messages to the email, SMS or voice channel. */
#include "config.h"

#include <glib/gi18n.h>

#include "lk-delivery-router.h"
#include "lk-gateway-channel.h"
#include "lk-smtp-channel.h"

struct _LkDeliveryRouter
{
  GObject      parent_instance;
  GMutex       lock;          /* channels change on the main thread while the worker sends */
  LkDelivery  *channels[3];   /* indexed by LkDeliveryMethod */
};

static void lk_delivery_router_delivery_init (LkDeliveryInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (LkDeliveryRouter, lk_delivery_router, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (LK_TYPE_DELIVERY, lk_delivery_router_delivery_init))

static void
lk_delivery_router_dispose (GObject *object)
{
  LkDeliveryRouter *self = LK_DELIVERY_ROUTER (object);

  for (guint i = 0; i < G_N_ELEMENTS (self->channels); i++)
    g_clear_object (&self->channels[i]);
  G_OBJECT_CLASS (lk_delivery_router_parent_class)->dispose (object);
}

static void
lk_delivery_router_finalize (GObject *object)
{
  g_mutex_clear (&LK_DELIVERY_ROUTER (object)->lock);
  G_OBJECT_CLASS (lk_delivery_router_parent_class)->finalize (object);
}

static void
lk_delivery_router_class_init (LkDeliveryRouterClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = lk_delivery_router_dispose;
  G_OBJECT_CLASS (klass)->finalize = lk_delivery_router_finalize;
}

static void
lk_delivery_router_init (LkDeliveryRouter *self)
{
  g_mutex_init (&self->lock);
}

LkDeliveryRouter *
lk_delivery_router_new (void)
{
  return g_object_new (LK_TYPE_DELIVERY_ROUTER, NULL);
}

void
lk_delivery_router_set_channel (LkDeliveryRouter *self,
                                LkDeliveryMethod  method,
                                LkDelivery       *channel)
{
  g_return_if_fail (LK_IS_DELIVERY_ROUTER (self));
  g_return_if_fail ((guint) method < G_N_ELEMENTS (self->channels));
  g_mutex_lock (&self->lock);
  g_set_object (&self->channels[method], channel);
  g_mutex_unlock (&self->lock);
}

static LkGatewayConfig *
copy_gateway (const LkGatewayConfig *src)
{
  LkGatewayConfig *c = lk_gateway_config_new ();

  g_free (c->method);
  g_free (c->body);
  c->url = g_strdup (src->url);
  c->method = g_strdup (src->method);
  c->headers = g_strdupv (src->headers);
  c->format = src->format;
  c->body = g_strdup (src->body);
  c->username = g_strdup (src->username);
  c->password = g_strdup (src->password);
  c->from = g_strdup (src->from);
  c->ca_file = g_strdup (src->ca_file);
  c->timeout = src->timeout;
  return c;
}

LkDelivery *
lk_delivery_channel_new_from_config (const LkDeliveryConfig *config,
                                     LkDeliveryMethod        method)
{
  if (method == LK_DELIVERY_EMAIL && config->smtp != NULL)
    {
      LkSmtpConfig *c = lk_smtp_config_new ();
      LkSmtpChannel *channel;

      *c = *config->smtp;
      c->host = g_strdup (config->smtp->host);
      c->username = g_strdup (config->smtp->username);
      c->password = g_strdup (config->smtp->password);
      c->from = g_strdup (config->smtp->from);
      c->from_name = g_strdup (config->smtp->from_name);
      c->ca_file = g_strdup (config->smtp->ca_file);
      channel = lk_smtp_channel_new (c, config->issuer);
      lk_smtp_channel_set_templates (channel, config->templates);
      return LK_DELIVERY (channel);
    }
  if ((method == LK_DELIVERY_SMS && config->sms != NULL) || (method == LK_DELIVERY_VOICE && config->voice != NULL))
    {
      gboolean voice = method == LK_DELIVERY_VOICE;
      LkGatewayChannel *channel = lk_gateway_channel_new (copy_gateway (voice ? config->voice : config->sms),
                                                          config->issuer, voice);

      lk_gateway_channel_set_templates (channel, config->templates);
      return LK_DELIVERY (channel);
    }
  return NULL;
}

void
lk_delivery_router_reconfigure (LkDeliveryRouter       *self,
                                const LkDeliveryConfig *config)
{
  LkDelivery *fresh[G_N_ELEMENTS (self->channels)];
  LkDelivery *old[G_N_ELEMENTS (self->channels)];

  g_return_if_fail (LK_IS_DELIVERY_ROUTER (self));

  /* Built outside the lock; a send in progress keeps its own reference on
   * the channel it started with. */
  for (guint i = 0; i < G_N_ELEMENTS (fresh); i++)
    fresh[i] = lk_delivery_channel_new_from_config (config, i);
  g_mutex_lock (&self->lock);
  for (guint i = 0; i < G_N_ELEMENTS (fresh); i++)
    {
      old[i] = self->channels[i];
      self->channels[i] = fresh[i];
    }
  g_mutex_unlock (&self->lock);
  for (guint i = 0; i < G_N_ELEMENTS (old); i++)
    g_clear_object (&old[i]);
}

gboolean
lk_delivery_router_has_channels (LkDeliveryRouter *self)
{
  gboolean any = FALSE;

  g_return_val_if_fail (LK_IS_DELIVERY_ROUTER (self), FALSE);
  g_mutex_lock (&self->lock);
  for (guint i = 0; i < G_N_ELEMENTS (self->channels); i++)
    any = any || self->channels[i] != NULL;
  g_mutex_unlock (&self->lock);
  return any;
}

LkDeliveryRouter *
lk_delivery_router_new_from_config (const LkDeliveryConfig *config)
{
  LkDeliveryRouter *self = lk_delivery_router_new ();

  lk_delivery_router_reconfigure (self, config);
  return self;
}

LkDeliveryRouter *
lk_delivery_router_new_from_file (const char  *path,
                                  guint       *out_poll_ms,
                                  GError     **error)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(LkDeliveryConfig) config = NULL;

  if (!g_key_file_load_from_file (file, path, G_KEY_FILE_NONE, error))
    return NULL;
  config = lk_delivery_config_load (file, error);
  if (config == NULL)
    {
      g_prefix_error (error, "%s: ", path);
      return NULL;
    }
  if (config->smtp == NULL && config->sms == NULL && config->voice == NULL)
    return NULL;
  if (out_poll_ms != NULL)
    *out_poll_ms = (config->poll_interval ? config->poll_interval : 5) * 1000;
  return lk_delivery_router_new_from_config (config);
}

static gboolean
lk_delivery_router_deliver (LkDelivery            *delivery,
                            const LkOutboxMessage *message,
                            GCancellable          *cancellable,
                            GError               **error)
{
  LkDeliveryRouter *self = LK_DELIVERY_ROUTER (delivery);
  g_autoptr(LkDelivery) channel = NULL;

  g_mutex_lock (&self->lock);
  if ((guint) message->method < G_N_ELEMENTS (self->channels) && self->channels[message->method] != NULL)
    channel = g_object_ref (self->channels[message->method]);
  g_mutex_unlock (&self->lock);
  if (channel == NULL)
    {
      const char *name = lk_delivery_method_to_string (message->method);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("No %s channel is configured"), name != NULL ? name : "?");
      return FALSE;
    }
  return lk_delivery_deliver (channel, message, cancellable, error);
}

static void
lk_delivery_router_delivery_init (LkDeliveryInterface *iface)
{
  iface->deliver = lk_delivery_router_deliver;
}
