/* SPDX-License-Identifier: GPL-3.0-or-later
 * The SMS and voice channels: an LkDelivery that posts each message to an
 * HTTP gateway (libsoup) with a configurable request template. */
#pragma once

#include "lk-delivery.h"
#include "lk-delivery-config.h"

G_BEGIN_DECLS

#define LK_TYPE_GATEWAY_CHANNEL (lk_gateway_channel_get_type ())
G_DECLARE_FINAL_TYPE (LkGatewayChannel, lk_gateway_channel, LK, GATEWAY_CHANNEL, GObject)

/* Takes ownership of @config. @voice: send the spoken text (else the SMS text). */
LkGatewayChannel *lk_gateway_channel_new (LkGatewayConfig *config,
                                          const char      *issuer,
                                          gboolean         voice);

/* Uses the administrator's texts (copied; NULL = the defaults). Call
 * before the channel is used. */
void              lk_gateway_channel_set_templates (LkGatewayChannel         *self,
                                                    const LkMessageTemplates *templates);

/* Replaces every secret of @config (password, header values) in @text with
 * "***", so a gateway reply that echoes one can be logged and stored. */
char *lk_gateway_redact (const LkGatewayConfig *config,
                         const char            *text);

G_END_DECLS
