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

/* Uses the administrator's texts (copied; NULL = the defaults). Call
 * before the channel is used. */
void           lk_smtp_channel_set_templates (LkSmtpChannel            *self,
                                              const LkMessageTemplates *templates);

/* Builds the whole RFC 5322 message for @message (exposed for tests).
 * @templates nullable. */
char *lk_smtp_build_message (const LkSmtpConfig       *config,
                             const char               *issuer,
                             const LkMessageTemplates *templates,
                             const LkOutboxMessage    *message,
                             gint64                 now,
                             GError               **error);

/* RFC 2047 "B" encoded-words for a header value; ASCII text is returned as is. */
char *lk_smtp_encode_header (const char *text);

G_END_DECLS
