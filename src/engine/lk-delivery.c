/* SPDX-License-Identifier: GPL-3.0-or-later
 * The delivery interface that outbox messages are handed to. */
#include "config.h"

#include "lk-delivery.h"

G_DEFINE_INTERFACE (LkDelivery, lk_delivery, G_TYPE_OBJECT)

static void
lk_delivery_default_init (LkDeliveryInterface *iface)
{
}

gboolean
lk_delivery_deliver (LkDelivery            *self,
                     const LkOutboxMessage *message,
                     GCancellable          *cancellable,
                     GError               **error)
{
  g_return_val_if_fail (LK_IS_DELIVERY (self), FALSE);
  g_return_val_if_fail (message != NULL, FALSE);
  return LK_DELIVERY_GET_IFACE (self)->deliver (self, message, cancellable, error);
}
