/* SPDX-License-Identifier: GPL-3.0-or-later
 * Delivery settings: the SMTP server for email, the HTTP gateways for SMS
 * and voice, and the worker's pace. Read from latchkeyd.conf's [delivery],
 * [smtp], [sms], [voice] and [templates] groups, or filled in by the admin app. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  LK_SMTP_SECURITY_STARTTLS = 0,  /* plain connect, then STARTTLS (required) */
  LK_SMTP_SECURITY_TLS      = 1,  /* implicit TLS (smtps, usually port 465) */
  LK_SMTP_SECURITY_NONE     = 2,  /* no TLS: only to a loopback address */
} LkSmtpSecurity;

typedef struct
{
  char            *host;
  guint            port;          /* 0 = 587 (starttls), 465 (tls), 25 (none) */
  LkSmtpSecurity   security;
  char            *username;      /* NULL = no AUTH */
  char            *password;      /* a secret: never logged */
  char            *from;          /* envelope and header address */
  char            *from_name;     /* display name; NULL = the issuer */
  char            *ca_file;       /* PEM to trust instead of the system store */
  guint            timeout;       /* seconds; 0 = 30 */
} LkSmtpConfig;

typedef enum
{
  LK_GATEWAY_BODY_FORM = 0,       /* application/x-www-form-urlencoded */
  LK_GATEWAY_BODY_JSON = 1,       /* application/json */
} LkGatewayBodyFormat;

typedef struct
{
  char                 *url;
  char                 *method;       /* "POST" (default), "PUT" or "GET" */
  char                **headers;      /* "Name: value" lines; values are secrets */
  LkGatewayBodyFormat   format;
  char                 *body;         /* template with {number} {message} {from} {message_xml} */
  char                 *username;     /* HTTP Basic user (e.g. an account SID), or NULL */
  char                 *password;     /* HTTP Basic password / token: a secret */
  char                 *from;         /* the sending number, for {from} */
  char                 *ca_file;
  guint                 timeout;      /* seconds; 0 = 30 */
} LkGatewayConfig;

/* The message texts an administrator may replace ([templates] in
 * latchkeyd.conf, the admin app's preferences). */
typedef enum
{
  LK_TEMPLATE_PASSCODE_SUBJECT = 0,
  LK_TEMPLATE_PASSCODE_BODY,          /* email text; the HTML part is made from it */
  LK_TEMPLATE_PASSCODE_SMS,
  LK_TEMPLATE_PASSCODE_VOICE,
  LK_TEMPLATE_WELCOME_SUBJECT,
  LK_TEMPLATE_WELCOME_BODY,
  LK_TEMPLATE_WELCOME_SMS,
  LK_N_TEMPLATES
} LkTemplateId;

typedef struct
{
  char *text[LK_N_TEMPLATES];         /* NULL = the translated default */
} LkMessageTemplates;

typedef struct
{
  char             *issuer;           /* shown in messages; NULL = "Latchkey" */
  guint             poll_interval;    /* seconds between outbox scans; 0 = 5 */
  guint             batch;            /* messages per claim; 0 = 10 */
  LkSmtpConfig     *smtp;             /* NULL = no email channel */
  LkGatewayConfig  *sms;              /* NULL = no SMS channel */
  LkGatewayConfig  *voice;            /* NULL = no voice channel */
  LkMessageTemplates *templates;      /* NULL = every text is the default */
} LkDeliveryConfig;

LkMessageTemplates *lk_message_templates_new  (void);
LkMessageTemplates *lk_message_templates_copy (const LkMessageTemplates *templates);
void                lk_message_templates_free (LkMessageTemplates *templates);
/* The [templates] key of @id ("passcode-subject", …), or NULL out of range. */
const char         *lk_message_template_key   (LkTemplateId id);

LkSmtpConfig     *lk_smtp_config_new       (void);
void              lk_smtp_config_free      (LkSmtpConfig *config);
LkGatewayConfig  *lk_gateway_config_new    (void);
void              lk_gateway_config_free   (LkGatewayConfig *config);
LkDeliveryConfig *lk_delivery_config_new   (void);
void              lk_delivery_config_free  (LkDeliveryConfig *config);

/* Fills @config with a named gateway shape: "twilio-sms", "twilio-voice"
 * (form POST, Basic auth) or "json" (a generic JSON POST). Keys read
 * afterwards override the preset. FALSE for an unknown name. */
gboolean lk_gateway_config_apply_preset (LkGatewayConfig  *config,
                                         const char       *preset,
                                         GError          **error);

/* Reads the [delivery], [smtp], [sms], [voice] and [templates] groups of
 * @file (any may be absent: no group, no channel; no template, the default
 * text). Unknown keys, bad values and templates with an unknown
 * placeholder are errors naming the group and key. */
LkDeliveryConfig *lk_delivery_config_load  (GKeyFile     *file,
                                            GError      **error);

/* The groups and keys lk_delivery_config_load() understands, for a caller
 * that checks a whole file for typos. NULL-terminated. */
const char * const *lk_delivery_config_groups (void);
const char * const *lk_delivery_config_keys   (const char *group);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LkSmtpConfig, lk_smtp_config_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LkGatewayConfig, lk_gateway_config_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LkDeliveryConfig, lk_delivery_config_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LkMessageTemplates, lk_message_templates_free)

G_END_DECLS
