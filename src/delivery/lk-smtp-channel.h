/* SPDX-License-Identifier: GPL-3.0-or-later
 * The email channel: an LkDelivery that sends MIME mail over SMTP (libcurl). */
#pragma once

#include "lk-delivery.h"
#include "lk-delivery-config.h"

G_BEGIN_DECLS

#define LK_TYPE_SMTP_CHANNEL (lk_smtp_channel_get_type ())
G_DECLARE_FINAL_TYPE (LkSmtpChannel, lk_smtp_channel, LK, SMTP_CHANNEL, GObject)

/* @config is copied by reference semantics: the channel takes ownership. */
LkSmtpChannel *lk_smtp_channel_new (LkSmtpConfig *config,
                                    const char   *issuer);

/* Builds the whole RFC 5322 message for @message (exposed for tests). */
char *lk_smtp_build_message (const LkSmtpConfig    *config,
                             const char            *issuer,
                             const LkOutboxMessage *message,
                             gint64                 now,
                             GError               **error);

/* RFC 2047 "B" encoded-words for a header value; ASCII text is returned as is. */
char *lk_smtp_encode_header (const char *text);

G_END_DECLS
