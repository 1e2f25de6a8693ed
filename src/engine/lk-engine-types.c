/* SPDX-License-Identifier: GPL-3.0-or-later
 * Records and requests of the engine: copies, frees, initialisers and the
 * names of the enumerated fields. */
#include "config.h"

#include <string.h>

#include "lk-engine-types.h"
#include "lk-delivery.h"
#include "lk-secure.h"

static gboolean
parse_small_int (const char *text,
                 int         max,
                 int        *out)
{
  guint64 v;

  if (text == NULL || *text == '\0' || strlen (text) > 3)
    return FALSE;
  for (const char *p = text; *p; p++)
    if (!g_ascii_isdigit (*p))
      return FALSE;
  v = g_ascii_strtoull (text, NULL, 10);
  if (v > (guint64) max)
    return FALSE;
  *out = (int) v;
  return TRUE;
}

static const char *const device_type_names[] = { "mobile", "hardware", "desktop", "multi-device" };
static const char *const otp_type_names[] = { "event", "time", "ocra" };
static const char *const state_names[] = { "new", "active", "disabled", "locked" };
static const char *const delivery_names[] = { "sms", "email", "voice" };
static const char *const user_sort_names[] = { "login", "name", "email", "lastLogin", "created" };

const char *
lk_device_type_to_string (int type)
{
  return type >= 0 && type <= LK_DEVICE_TYPE_LAST ? device_type_names[type] : NULL;
}

gboolean
lk_device_type_from_string (const char   *text,
                            LkDeviceType *out)
{
  int v;

  for (guint i = 0; i < G_N_ELEMENTS (device_type_names); i++)
    if (text && g_ascii_strcasecmp (text, device_type_names[i]) == 0)
      {
        *out = i;
        return TRUE;
      }
  if (!parse_small_int (text, LK_DEVICE_TYPE_LAST, &v))
    return FALSE;
  *out = v;
  return TRUE;
}

const char *
lk_otp_type_to_string (int type)
{
  return type >= 0 && type <= LK_OTP_TYPE_LAST ? otp_type_names[type] : NULL;
}

gboolean
lk_otp_type_from_string (const char *text,
                         LkOtpType  *out)
{
  int v;

  for (guint i = 0; i < G_N_ELEMENTS (otp_type_names); i++)
    if (text && g_ascii_strcasecmp (text, otp_type_names[i]) == 0)
      {
        *out = i;
        return TRUE;
      }
  if (text && g_ascii_strcasecmp (text, "hotp") == 0)
    {
      *out = LK_OTP_TYPE_EVENT;
      return TRUE;
    }
  if (text && g_ascii_strcasecmp (text, "totp") == 0)
    {
      *out = LK_OTP_TYPE_TIME;
      return TRUE;
    }
  if (!parse_small_int (text, LK_OTP_TYPE_LAST, &v))
    return FALSE;
  *out = v;
  return TRUE;
}

const char *
lk_device_state_to_string (int state)
{
  return state >= 0 && state < (int) G_N_ELEMENTS (state_names) ? state_names[state] : NULL;
}

const char *
lk_delivery_method_to_string (int method)
{
  return method >= 0 && method < (int) G_N_ELEMENTS (delivery_names) ? delivery_names[method] : NULL;
}

gboolean
lk_delivery_method_from_string (const char       *text,
                                LkDeliveryMethod *out)
{
  int v;
  g_autofree char *stripped = NULL;

  if (text == NULL)
    return FALSE;
  stripped = g_strstrip (g_strdup (text));
  for (guint i = 0; i < G_N_ELEMENTS (delivery_names); i++)
    if (g_ascii_strcasecmp (stripped, delivery_names[i]) == 0)
      {
        *out = i;
        return TRUE;
      }
  if (!parse_small_int (stripped, LK_DELIVERY_VOICE, &v))
    return FALSE;
  *out = v;
  return TRUE;
}

const char *
lk_user_sort_to_string (int sort)
{
  return sort >= 0 && sort <= LK_USER_SORT_LAST ? user_sort_names[sort] : NULL;
}

gboolean
lk_user_sort_from_string (const char *text,
                          LkUserSort *out)
{
  if (text == NULL)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (user_sort_names); i++)
    if (g_ascii_strcasecmp (text, user_sort_names[i]) == 0)
      {
        *out = i;
        return TRUE;
      }
  return FALSE;
}

LkUser *
lk_user_copy (const LkUser *user)
{
  LkUser *copy;

  if (user == NULL)
    return NULL;
  copy = g_memdup2 (user, sizeof *user);
  copy->login = g_strdup (user->login);
  copy->first_name = g_strdup (user->first_name);
  copy->last_name = g_strdup (user->last_name);
  copy->email = g_strdup (user->email);
  copy->mobile_phone = g_strdup (user->mobile_phone);
  return copy;
}

void
lk_user_free (LkUser *user)
{
  if (user == NULL)
    return;
  g_free (user->login);
  g_free (user->first_name);
  g_free (user->last_name);
  g_free (user->email);
  g_free (user->mobile_phone);
  g_free (user);
}

LkDevice *
lk_device_copy (const LkDevice *device)
{
  LkDevice *copy;

  if (device == NULL)
    return NULL;
  copy = g_memdup2 (device, sizeof *device);
  copy->serial = g_strdup (device->serial);
  copy->ocra_suite = g_strdup (device->ocra_suite);
  copy->alias = g_strdup (device->alias);
  copy->user_login = g_strdup (device->user_login);
  copy->physical_device_id = g_strdup (device->physical_device_id);
  return copy;
}

void
lk_device_free (LkDevice *device)
{
  if (device == NULL)
    return;
  g_free (device->serial);
  g_free (device->ocra_suite);
  g_free (device->alias);
  g_free (device->user_login);
  g_free (device->physical_device_id);
  g_free (device);
}

void
lk_audit_entry_free (LkAuditEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->actor);
  g_free (entry->operation);
  g_free (entry->user_login);
  g_free (entry->serial);
  g_free (entry->detail);
  g_free (entry);
}

void
lk_device_spec_init (LkDeviceSpec *spec)
{
  memset (spec, 0, sizeof *spec);
  spec->device_type = LK_UNSET;
  spec->otp_type = LK_UNSET;
  spec->otp_length = LK_UNSET;
  spec->window_size = LK_UNSET;
  spec->time_drift = LK_UNSET;
  spec->notification_method = LK_UNSET;
  spec->mobile_auth = LK_UNSET;
  spec->mobile_usage = LK_UNSET;
}

void
lk_user_spec_init (LkUserSpec *spec)
{
  memset (spec, 0, sizeof *spec);
  lk_device_spec_init (&spec->device);
}

void
lk_user_update_init (LkUserUpdate *update)
{
  memset (update, 0, sizeof *update);
  update->enabled = LK_UNSET;
}

void
lk_enroll_result_free (LkEnrollResult *result)
{
  if (result == NULL)
    return;
  lk_user_free (result->user);
  lk_device_free (result->device);
  lk_secure_str_free (result->generated_password);
  g_free (result);
}

void
lk_provision_result_free (LkProvisionResult *result)
{
  if (result == NULL)
    return;
  lk_device_free (result->device);
  lk_secure_str_free (result->uri);
  g_clear_pointer (&result->png, g_bytes_unref);
  g_free (result->svg);
  g_free (result);
}

void
lk_outbox_message_free (LkOutboxMessage *message)
{
  if (message == NULL)
    return;
  g_free (message->user_login);
  g_free (message->first_name);
  g_free (message->last_name);
  g_free (message->destination);
  g_free (message->serial);
  lk_secure_str_free (message->code);
  g_free (message->last_error);
  g_free (message);
}
