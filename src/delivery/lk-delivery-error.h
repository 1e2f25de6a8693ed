/* SPDX-License-Identifier: GPL-3.0-or-later
 * Errors of the delivery layer: configuration problems (channel failures
 * use G_IO_ERROR so the engine's outbox can tell permanent from temporary). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define LK_DELIVERY_ERROR (lk_delivery_error_quark ())

typedef enum
{
  LK_DELIVERY_ERROR_CONFIG,     /* a bad or incomplete [delivery]/[smtp]/[sms]/[voice] setting */
  LK_DELIVERY_ERROR_TEMPLATE,   /* a message template that cannot be expanded */
} LkDeliveryError;

GQuark lk_delivery_error_quark (void);

G_END_DECLS
