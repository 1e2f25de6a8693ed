/* SPDX-License-Identifier: GPL-3.0-or-later
 * The embedded engine's delivery settings: plain ones in GSettings, the
 * passwords and gateway headers in the keyring, read through latchkeyd.conf's
 * own reader so both places accept exactly the same settings. */
#pragma once

#include <gio/gio.h>

#include "lk-backend.h"
#include "lk-delivery-config.h"

G_BEGIN_DECLS

/* The delivery settings that are secrets: each is one keyring item. */
typedef enum
{
  LK_ADMIN_SECRET_SMTP_PASSWORD = 0,
  LK_ADMIN_SECRET_SMS_PASSWORD,
  LK_ADMIN_SECRET_SMS_HEADERS,       /* "Name: value" entries separated by ';' */
  LK_ADMIN_SECRET_VOICE_PASSWORD,
  LK_ADMIN_SECRET_VOICE_HEADERS,
  LK_ADMIN_N_SECRETS
} LkAdminSecret;

typedef struct
{
  char *value[LK_ADMIN_N_SECRETS];   /* NULL or "" = none; wiped on free */
} LkAdminDeliverySecrets;

LkAdminDeliverySecrets *lk_admin_delivery_secrets_new  (void);
void                    lk_admin_delivery_secrets_free (LkAdminDeliverySecrets *secrets);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LkAdminDeliverySecrets, lk_admin_delivery_secrets_free)

/* The keyring item name of @secret ("smtp-password", …), its "setting"
 * attribute. */
const char *lk_admin_delivery_secret_name (LkAdminSecret secret);

/* Reads every delivery secret from the keyring (missing ones are NULL). */
void                    lk_admin_delivery_secrets_load_async   (GCancellable                 *cancellable,
                                                                GAsyncReadyCallback           callback,
                                                                gpointer                      user_data);
LkAdminDeliverySecrets *lk_admin_delivery_secrets_load_finish  (GAsyncResult                 *result,
                                                                GError                      **error);
/* Stores each non-empty secret and removes each empty one. @secrets is
 * copied. */
void                    lk_admin_delivery_secrets_store_async  (const LkAdminDeliverySecrets *secrets,
                                                                GCancellable                 *cancellable,
                                                                GAsyncReadyCallback           callback,
                                                                gpointer                      user_data);
gboolean                lk_admin_delivery_secrets_store_finish (GAsyncResult                 *result,
                                                                GError                      **error);

/* The [delivery], [smtp], [sms], [voice] and [templates] groups that
 * @settings (the app's schema; delayed changes included) and @secrets
 * describe, checked by lk_delivery_config_load(): the same errors as a
 * latchkeyd.conf with those values. */
LkDeliveryConfig *lk_admin_delivery_config_from_settings (GSettings                    *settings,
                                                          const LkAdminDeliverySecrets *secrets,
                                                          GError                      **error);

/* Makes a local backend send with @config: reconfigures its running worker
 * (the next message uses the new settings), or starts one when @config has
 * a channel; and sets its per-user send limit. Other backends are left
 * alone (their server has its own settings). */
gboolean lk_admin_delivery_apply (LkBackend              *backend,
                                  const LkDeliveryConfig *config,
                                  guint                   send_limit,
                                  guint                   send_window,
                                  GError                **error);

/* At connection: reads the settings (the delivery-config-file key's file
 * when it is set, else GSettings and the keyring) and applies them to the
 * local @backend; a problem is logged and leaves messages in the outbox. */
void     lk_admin_delivery_start (LkBackend *backend);

G_END_DECLS
