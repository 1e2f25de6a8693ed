/* SPDX-License-Identifier: GPL-3.0-or-later
 * The delivery seam: outbox messages that send_oath_otp writes, and the
 * interface a channel (email, SMS, voice; issue 9) implements to send them. */
#pragma once

#include <gio/gio.h>
#include "lk-engine-types.h"

G_BEGIN_DECLS

typedef enum
{
  LK_OUTBOX_PENDING   = 0,  /* written, not yet sent (or due for a retry) */
  LK_OUTBOX_DELIVERED = 1,
  LK_OUTBOX_FAILED    = 2,  /* given up; `last_error` says why */
} LkOutboxState;

typedef enum
{
  LK_OUTBOX_KIND_PASSCODE = 0,  /* send_oath_otp: `code` holds the passcode */
  LK_OUTBOX_KIND_WELCOME  = 1,  /* notificationMethod on enrolment / add device */
} LkOutboxKind;

/* One message as claimed from the outbox. `code` is a secret: it is stored
 * encrypted under the master key and wiped when the message is freed. */
typedef struct
{
  gint64              id;
  gint64              account_id;
  LkOutboxKind        kind;
  LkDeliveryMethod    method;
  char               *user_login;
  char               *first_name;    /* nullable */
  char               *last_name;     /* nullable */
  char               *destination;   /* email address or phone number */
  char               *serial;        /* nullable: the device the code is for */
  char               *code;          /* nullable (welcome messages); wiped on free */
  gint64              expires_at;    /* unix seconds; 0 = no expiry */
  guint               attempts;      /* delivery attempts made so far */
  LkOutboxState       state;
  char               *last_error;    /* nullable */
  gint64              created_at;
} LkOutboxMessage;

void lk_outbox_message_free (LkOutboxMessage *message);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LkOutboxMessage, lk_outbox_message_free)

#define LK_TYPE_DELIVERY (lk_delivery_get_type ())
G_DECLARE_INTERFACE (LkDelivery, lk_delivery, LK, DELIVERY, GObject)

struct _LkDeliveryInterface
{
  GTypeInterface g_iface;

  /* Sends @message now, blocking (called on an engine worker thread).
   * FALSE with an error means "retry later" unless the error is
   * G_IO_ERROR_INVALID_DATA/G_IO_ERROR_NOT_SUPPORTED (permanent). */
  gboolean (*deliver) (LkDelivery            *self,
                       const LkOutboxMessage *message,
                       GCancellable          *cancellable,
                       GError               **error);
};

gboolean lk_delivery_deliver (LkDelivery            *self,
                              const LkOutboxMessage *message,
                              GCancellable          *cancellable,
                              GError               **error);

G_END_DECLS
