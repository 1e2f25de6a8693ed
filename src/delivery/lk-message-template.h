/* SPDX-License-Identifier: GPL-3.0-or-later
 * Message texts: translatable templates with {placeholders}, rendered for
 * one outbox message as an email (subject, plain text, HTML), an SMS or a
 * spoken voice message. */
#pragma once

#include "lk-delivery.h"
#include "lk-delivery-config.h"

G_BEGIN_DECLS

typedef enum
{
  LK_TEMPLATE_ESCAPE_NONE,
  LK_TEMPLATE_ESCAPE_HTML,   /* & < > " ' as entities (also right for XML) */
  LK_TEMPLATE_ESCAPE_JSON,   /* inside a JSON string literal */
} LkTemplateEscape;

/* Replaces every {name} ([a-z_]+ between braces) with its value from
 * @values (char * → char *), escaped with @escape. Other braces (JSON) are
 * copied. An unknown name is LK_DELIVERY_ERROR_TEMPLATE. */
char *lk_template_expand (const char        *tpl,
                          GHashTable        *values,
                          LkTemplateEscape   escape,
                          GError           **error);

/* Whether every {name} in @tpl (as lk_template_expand() sees them) is one
 * of @allowed; LK_DELIVERY_ERROR_TEMPLATE naming it and the allowed ones
 * otherwise. For checking a template when it is configured. */
gboolean lk_template_check_names (const char          *tpl,
                                  const char * const  *allowed,
                                  GError             **error);

typedef struct
{
  char *subject;   /* email subject (UTF-8, not yet encoded) */
  char *text;      /* email text/plain body */
  char *html;      /* email text/html body (a whole document) */
  char *sms;       /* a short text for SMS */
  char *spoken;    /* a text to speak (digits separated) */
} LkMessageText;

void lk_message_text_free (LkMessageText *text);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LkMessageText, lk_message_text_free)

/* The placeholder values for @message: name, login, code, code_spoken,
 * lifetime, issuer, serial. Values holding the code are wiped on destroy. */
GHashTable    *lk_message_values (const LkOutboxMessage *message,
                                  const char            *issuer,
                                  gint64                 now);

/* Renders every form of @message at time @now (unix seconds; the code's
 * remaining lifetime is counted from it). @issuer NULL = "Latchkey". */
LkMessageText *lk_message_render (const LkOutboxMessage *message,
                                  const char            *issuer,
                                  gint64                 now,
                                  GError               **error);

/* The same with the administrator's texts where @templates (nullable) has
 * one. A replaced email body also gives the HTML part: its text escaped,
 * blank lines as paragraphs. */
LkMessageText *lk_message_render_with (const LkOutboxMessage    *message,
                                       const char               *issuer,
                                       const LkMessageTemplates *templates,
                                       gint64                    now,
                                       GError                  **error);

/* The built-in text of @id in the current locale. */
const char    *lk_message_template_default (LkTemplateId id);

/* Whether @text may replace template @id: only the placeholders that kind
 * of message has ({code}, {code_spoken} and {lifetime} only in passcodes),
 * a passcode text other than the subject must carry {code} or
 * {code_spoken}, a subject is one line. LK_DELIVERY_ERROR_TEMPLATE
 * otherwise, naming the placeholder. */
gboolean       lk_message_template_check   (LkTemplateId  id,
                                            const char   *text,
                                            GError      **error);

G_END_DECLS
