/* SPDX-License-Identifier: GPL-3.0-or-later
 * An LkDelivery that hands each message to the channel for its method
 * (email, SMS, voice), built from an LkDeliveryConfig. */
#pragma once

#include "lk-delivery.h"
#include "lk-delivery-config.h"

G_BEGIN_DECLS

#define LK_TYPE_DELIVERY_ROUTER (lk_delivery_router_get_type ())
G_DECLARE_FINAL_TYPE (LkDeliveryRouter, lk_delivery_router, LK, DELIVERY_ROUTER, GObject)

LkDeliveryRouter *lk_delivery_router_new         (void);
/* Routes @method to @channel (NULL removes it). A method without a channel
 * fails its messages for good with G_IO_ERROR_NOT_SUPPORTED. */
void              lk_delivery_router_set_channel (LkDeliveryRouter *self,
                                                  LkDeliveryMethod  method,
                                                  LkDelivery       *channel);
/* A router with the channels @config describes. @config is not kept. */
LkDeliveryRouter *lk_delivery_router_new_from_config (const LkDeliveryConfig *config);

/* Replaces every channel with those @config describes (none where it has
 * no section), safely while a worker thread sends through the router: the
 * next message uses the new settings, one in progress finishes with the
 * old. */
void              lk_delivery_router_reconfigure     (LkDeliveryRouter       *self,
                                                      const LkDeliveryConfig *config);
/* Whether any method has a channel. */
gboolean          lk_delivery_router_has_channels    (LkDeliveryRouter       *self);

/* The channel for @method alone (the admin app's "Send test message"), or
 * NULL when @config has no section for it. (transfer full) */
LkDelivery       *lk_delivery_channel_new_from_config (const LkDeliveryConfig *config,
                                                       LkDeliveryMethod        method);

/* Reads the [delivery], [smtp], [sms] and [voice] groups of the key file
 * at @path (latchkeyd.conf's format; other groups are ignored). NULL with
 * @error for an unreadable or bad file; NULL without error when it
 * configures no channel. @out_poll_ms (nullable) gets poll-interval. */
LkDeliveryRouter *lk_delivery_router_new_from_file (const char  *path,
                                                    guint       *out_poll_ms,
                                                    GError     **error);

G_END_DECLS
