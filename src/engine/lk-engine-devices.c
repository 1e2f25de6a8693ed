/* SPDX-License-Identifier: GPL-3.0-or-later
 * OATH devices: adding (every vendor field, with defaults), provisioning,
 * QR codes, assignment, enabling and the other lifecycle operations. */
#include "config.h"

#include <string.h>

#include "lk-engine-private.h"
#include "lk-base32.h"
#include "lk-ocra.h"
#include "lk-otpauth.h"
#include "lk-qr.h"
#include "lk-secure.h"

#define SERIAL_MAX        64
#define ALIAS_MAX         64
#define DEVICE_ID_MAX     128
#define PIN_MIN           4
#define PIN_MAX           12
#define HOTP_WINDOW_MAX   100
#define PERIOD_MIN        10
#define PERIOD_MAX        600
#define DRIFT_MAX         10
#define DEFAULT_OCRA      "OCRA-1:HOTP-SHA1-6:QN08"

LkDevice *
lk_engine_device_from_row (LkStoreStmt *st)
{
  LkDevice *d = g_new0 (LkDevice, 1);

  d->id = lk_store_column_int64 (st, 0);
  d->account_id = lk_store_column_int64 (st, 1);
  d->serial = g_strdup (lk_store_column_text (st, 2));
  d->device_type = (LkDeviceType) lk_store_column_int64 (st, 3);
  d->otp_type = (LkOtpType) lk_store_column_int64 (st, 4);
  d->algorithm = (LkHash) lk_store_column_int64 (st, 5);
  d->digits = (guint) lk_store_column_int64 (st, 6);
  d->window = (guint) lk_store_column_int64 (st, 7);
  d->period = (guint) lk_store_column_int64 (st, 8);
  d->time_drift = (guint) lk_store_column_int64 (st, 9);
  d->ocra_suite = g_strdup (lk_store_column_text (st, 10));
  d->alias = g_strdup (lk_store_column_text (st, 11));
  d->mobile_auth = lk_store_column_int64 (st, 12) != 0;
  d->mobile_usage = (LkMobileUsage) lk_store_column_int64 (st, 13);
  d->counter = (guint64) lk_store_column_int64 (st, 14);
  d->last_time_step = lk_store_column_int64 (st, 15);
  d->time_shift = (gint) lk_store_column_int64 (st, 16);
  d->fail_count = (guint) lk_store_column_int64 (st, 17);
  d->state = (LkDeviceState) lk_store_column_int64 (st, 18);
  d->user_login = g_strdup (lk_store_column_text (st, 19));
  d->physical_device_id = g_strdup (lk_store_column_text (st, 20));
  d->has_pin = lk_store_column_int64 (st, 21) != 0;
  d->created_at = lk_store_column_int64 (st, 22);
  d->updated_at = lk_store_column_int64 (st, 23);
  d->activated_at = lk_store_column_int64 (st, 24);
  d->last_used_at = lk_store_column_int64 (st, 25);
  return d;
}

LkDevice *
lk_engine_get_device (LkEngine   *engine,
                      gint64      account_id,
                      const char *serial,
                      GError    **error)
{
  g_autoptr(LkStoreStmt) st = NULL;
  GError *local_error = NULL;
  LkStoreStep step;

  if (serial == NULL || *serial == '\0')
    {
      g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_MISSING_FIELD,
                   _("The field “%s” is required"), "deviceId");
      return NULL;
    }
  st = lk_engine_prepare (engine, "SELECT " LK_ENGINE_DEVICE_COLUMNS LK_ENGINE_DEVICE_FROM
                                  "WHERE d.account_id = ?1 AND d.serial = ?2", error);
  if (st == NULL)
    return NULL;
  lk_store_bind_int64 (st, 1, account_id);
  lk_store_bind_text (st, 2, serial);
  step = lk_store_step (st, &local_error);
  if (step == LK_STORE_STEP_ERROR)
    {
      lk_engine_propagate_store_error (error, local_error, 0);
      return NULL;
    }
  if (step == LK_STORE_STEP_DONE)
    {
      g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_DEVICE_NOT_FOUND, _("Device not found"));
      return NULL;
    }
  return lk_engine_device_from_row (st);
}

static gboolean
invalid (GError    **error,
         int         code,
         const char *message)
{
  g_set_error_literal (error, LK_ENGINE_ERROR, code, message);
  return FALSE;
}

static gboolean
check_serial (const char  *serial,
              GError     **error)
{
  if (strlen (serial) > SERIAL_MAX)
    return invalid (error, LK_ENGINE_ERROR_INVALID_ARGUMENT, _("The serial number is too long (at most 64 characters)"));
  for (const char *p = serial; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
      return invalid (error, LK_ENGINE_ERROR_INVALID_ARGUMENT,
                      _("A serial number may contain only letters, digits, “-” and “_”"));
  return TRUE;
}

static gboolean
check_pin (const char  *pin,
           GError     **error)
{
  gsize len = strlen (pin);

  if (len < PIN_MIN || len > PIN_MAX)
    return invalid (error, LK_ENGINE_ERROR_INVALID_ARGUMENT, _("A PIN must have 4 to 12 digits"));
  for (const char *p = pin; *p; p++)
    if (!g_ascii_isdigit (*p))
      return invalid (error, LK_ENGINE_ERROR_INVALID_ARGUMENT, _("A PIN must have 4 to 12 digits"));
  return TRUE;
}

/* Hex with optional blanks; 16-64 bytes. */
static GBytes *
decode_hex_key (const char  *text,
                GError     **error)
{
  gsize n = strlen (text);
  guint8 *out;
  gsize len = 0;
  int nibble = -1;

  if (n > LK_ENGINE_SEED_MAX * 4)
    {
      invalid (error, LK_ENGINE_ERROR_INVALID_ARGUMENT, _("The secret key is too long"));
      return NULL;
    }
  out = g_malloc0 (n / 2 + 1);
  for (const char *p = text; *p; p++)
    {
      int v;
      if (*p == ' ' || *p == '\t')
        continue;
      v = g_ascii_xdigit_value (*p);
      if (v < 0)
        {
          lk_secure_wipe (out, n / 2 + 1);
          g_free (out);
          invalid (error, LK_ENGINE_ERROR_INVALID_ARGUMENT, _("The secret key is not valid hexadecimal"));
          return NULL;
        }
      if (nibble < 0)
        nibble = v;
      else
        {
          out[len++] = (guint8) (nibble << 4 | v);
          nibble = -1;
        }
    }
  if (nibble >= 0)
    {
      lk_secure_wipe (out, n / 2 + 1);
      g_free (out);
      invalid (error, LK_ENGINE_ERROR_INVALID_ARGUMENT, _("The secret key has an odd number of hex digits"));
      return NULL;
    }
  return lk_secure_bytes_new_take (out, len);
}

/* Strict Base64: the alphabet, correct padding, nothing else. */
static GBytes *
decode_base64_key (const char  *text,
                   GError     **error)
{
  g_autofree char *clean = NULL;
  gsize n = 0, pad = 0, len = 0;
  guint8 *out;

  if (strlen (text) > LK_ENGINE_SEED_MAX * 4)
    {
      invalid (error, LK_ENGINE_ERROR_INVALID_ARGUMENT, _("The secret key is too long"));
      return NULL;
    }
  clean = g_malloc (strlen (text) + 4);
  for (const char *p = text; *p; p++)
    {
      if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        continue;
      if (*p == '=')
        pad++;
      else if (pad > 0 || !(g_ascii_isalnum (*p) || *p == '+' || *p == '/'))
        goto bad;
      clean[n++] = *p;
    }
  /* Accept missing padding, as people paste it. */
  while (n % 4 != 0 && pad == 0 && n % 4 >= 2)
    clean[n++] = '=', pad++;
  clean[n] = '\0';
  if (n == 0 || n % 4 != 0 || pad > 2)
    goto bad;
  out = g_base64_decode (clean, &len);
  lk_secure_wipe (clean, n);
  return lk_secure_bytes_new_take (out, len);

bad:
  lk_secure_wipe (clean, strlen (text));
  invalid (error, LK_ENGINE_ERROR_INVALID_ARGUMENT, _("The secret key is not valid Base64"));
  return NULL;
}

static char *
generate_serial (GError **error)
{
  static const char alphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";
  guint8 raw[15];
  GString *s = g_string_new (NULL);

  if (!lk_random_bytes (raw, sizeof raw, error))
    {
      g_string_free (s, TRUE);
      return NULL;
    }
  for (guint i = 0; i < sizeof raw; i++)
    {
      if (i > 0 && i % 5 == 0)
        g_string_append_c (s, '-');
      g_string_append_c (s, alphabet[raw[i] & 31]);
    }
  return g_string_free (s, FALSE);
}

/* "OCRA-1:HOTP-SHA256-8:QN08" -> SHA256, 8; refuses what the engine cannot
 * validate (PIN and session inputs). */
static gboolean
parse_ocra (const char  *suite_text,
            LkHash      *out_hash,
            guint       *out_digits,
            GError     **error)
{
  g_autoptr(LkOcraSuite) suite = NULL;
  g_auto(GStrv) parts = NULL;
  g_auto(GStrv) fn = NULL;
  g_autoptr(GError) parse_error = NULL;

  if (strlen (suite_text) > 64)
    return invalid (error, LK_ENGINE_ERROR_INVALID_ARGUMENT, _("The OCRA suite is not valid"));
  suite = lk_ocra_suite_parse (suite_text, &parse_error);
  if (suite == NULL)
    return invalid (error, LK_ENGINE_ERROR_INVALID_ARGUMENT, _("The OCRA suite is not valid"));
  parts = g_strsplit (suite_text, ":", 3);
  if (g_strv_length (parts) != 3)
    return invalid (error, LK_ENGINE_ERROR_INVALID_ARGUMENT, _("The OCRA suite is not valid"));
  {
    g_auto(GStrv) inputs = g_strsplit (parts[2], "-", -1);
    gboolean session = FALSE;
    for (guint i = 0; inputs[i]; i++)
      session |= inputs[i][0] == 'S' || inputs[i][0] == 's';
    if (lk_ocra_suite_uses_password (suite) || session)
      return invalid (error, LK_ENGINE_ERROR_OTP_TYPE_INVALID,
                      _("OCRA suites with a PIN or session input are not supported"));
  }
  fn = g_strsplit (parts[1], "-", 3);
  if (g_strv_length (fn) != 3 || !lk_hash_from_string (fn[1], out_hash))
    return invalid (error, LK_ENGINE_ERROR_INVALID_ARGUMENT, _("The OCRA suite is not valid"));
  *out_digits = (guint) g_ascii_strtoull (fn[2], NULL, 10);
  if (*out_digits != 0 && (*out_digits < LK_OTP_MIN_DIGITS || *out_digits > LK_OTP_MAX_DIGITS))
    return invalid (error, LK_ENGINE_ERROR_INVALID_ARGUMENT, _("The OCRA suite is not valid"));
  if (*out_digits == 0)
    return invalid (error, LK_ENGINE_ERROR_INVALID_ARGUMENT, _("OCRA suites without truncation are not supported"));
  return TRUE;
}

typedef struct
{
  LkDeviceType  device_type;
  LkOtpType     otp_type;
  LkHash        algorithm;
  guint         digits;
  guint         window;
  guint         period;
  guint         time_drift;
  const char   *ocra_suite;
  int           notify;
  gboolean      mobile_auth;
  LkMobileUsage mobile_usage;
  const char   *alias;
} Params;

static gboolean
resolve_spec (const LkDeviceSpec  *spec,
              Params              *p,
              GError             **error)
{
  if (spec->device_type != LK_UNSET && (spec->device_type < 0 || spec->device_type > LK_DEVICE_TYPE_LAST))
    return invalid (error, LK_ENGINE_ERROR_DEVICE_TYPE_INVALID, _("Unknown device type (expected 0 to 3)"));
  p->device_type = spec->device_type == LK_UNSET ? LK_DEVICE_TYPE_MOBILE : spec->device_type;

  if (spec->otp_type != LK_UNSET && (spec->otp_type < 0 || spec->otp_type > LK_OTP_TYPE_LAST))
    return invalid (error, LK_ENGINE_ERROR_OTP_TYPE_INVALID, _("Unknown OTP type (expected 0 event, 1 time or 2 OCRA)"));
  p->otp_type = spec->otp_type == LK_UNSET ? LK_OTP_TYPE_TIME : spec->otp_type;

  p->algorithm = LK_HASH_SHA1;
  if (spec->algorithm != NULL && *spec->algorithm != '\0' &&
      (strlen (spec->algorithm) > 16 || !lk_hash_from_string (spec->algorithm, &p->algorithm)))
    return invalid (error, LK_ENGINE_ERROR_INVALID_ARGUMENT, _("Unknown algorithm (expected SHA1, SHA256 or SHA512)"));

  if (spec->otp_length != LK_UNSET && (spec->otp_length < LK_OTP_MIN_DIGITS || spec->otp_length > LK_OTP_MAX_DIGITS))
    return invalid (error, LK_ENGINE_ERROR_INVALID_ARGUMENT, _("The OTP length must be 6 to 10 digits"));
  p->digits = spec->otp_length == LK_UNSET ? 6 : (guint) spec->otp_length;

  if (spec->time_drift != LK_UNSET && (spec->time_drift < 0 || spec->time_drift > DRIFT_MAX))
    return invalid (error, LK_ENGINE_ERROR_TIME_DRIFT_INVALID, _("The time drift must be 0 to 10 steps"));

  p->window = 0;
  p->period = 30;
  p->time_drift = spec->time_drift == LK_UNSET ? 1 : (guint) spec->time_drift;
  p->ocra_suite = NULL;
  switch (p->otp_type)
    {
    case LK_OTP_TYPE_EVENT:
      if (spec->window_size != LK_UNSET && (spec->window_size < 1 || spec->window_size > HOTP_WINDOW_MAX))
        return invalid (error, LK_ENGINE_ERROR_INVALID_ARGUMENT, _("The window size of an event device must be 1 to 100"));
      p->window = spec->window_size == LK_UNSET ? 10 : (guint) spec->window_size;
      break;
    case LK_OTP_TYPE_TIME:
      /* The vendor's windowSize of a time device is its step in seconds. */
      if (spec->window_size != LK_UNSET && (spec->window_size < PERIOD_MIN || spec->window_size > PERIOD_MAX))
        return invalid (error, LK_ENGINE_ERROR_INVALID_ARGUMENT, _("The window size of a time device is its step: 10 to 600 seconds"));
      p->period = spec->window_size == LK_UNSET ? 30 : (guint) spec->window_size;
      break;
    case LK_OTP_TYPE_OCRA:
      {
        guint digits = 0;
        p->ocra_suite = spec->ocra_suite && *spec->ocra_suite ? spec->ocra_suite : DEFAULT_OCRA;
        if (!parse_ocra (p->ocra_suite, &p->algorithm, &digits, error))
          return FALSE;
        if (spec->otp_length != LK_UNSET && (guint) spec->otp_length != digits)
          return invalid (error, LK_ENGINE_ERROR_INVALID_ARGUMENT, _("The OTP length does not match the OCRA suite"));
        p->digits = digits;
        if (spec->window_size != LK_UNSET && (spec->window_size < 1 || spec->window_size > HOTP_WINDOW_MAX))
          return invalid (error, LK_ENGINE_ERROR_INVALID_ARGUMENT, _("The window size of an event device must be 1 to 100"));
        p->window = spec->window_size == LK_UNSET ? 10 : (guint) spec->window_size;
      }
      break;
    }

  if (spec->notification_method != LK_UNSET && (spec->notification_method < 0 || spec->notification_method > LK_NOTIFY_SMS))
    return invalid (error, LK_ENGINE_ERROR_INVALID_DELIVERY, _("Unknown notification method (expected 0 none, 1 email or 2 SMS)"));
  p->notify = spec->notification_method == LK_UNSET ? LK_NOTIFY_NONE : spec->notification_method;

  if (spec->mobile_auth != LK_UNSET && spec->mobile_auth != 0 && spec->mobile_auth != 1)
    return invalid (error, LK_ENGINE_ERROR_INVALID_ARGUMENT, _("mobileAuth must be 0 or 1"));
  p->mobile_auth = spec->mobile_auth == 1;

  if (spec->mobile_usage != LK_UNSET && (spec->mobile_usage < 0 || spec->mobile_usage > LK_MOBILE_USAGE_PUSH_OTP))
    return invalid (error, LK_ENGINE_ERROR_INVALID_ARGUMENT, _("mobileUsage must be 0, 1 or 2"));
  p->mobile_usage = spec->mobile_usage == LK_UNSET ? LK_MOBILE_USAGE_OTP : spec->mobile_usage;

  if (!lk_engine_check_text (spec->soft_token_alias, "softTokenAlias", ALIAS_MAX, error))
    return FALSE;
  p->alias = spec->soft_token_alias ? spec->soft_token_alias : "";

  if (spec->otp_pin != NULL && *spec->otp_pin != '\0' && !check_pin (spec->otp_pin, error))
    return FALSE;
  if (spec->psn != NULL && *spec->psn != '\0' && !check_serial (spec->psn, error))
    return FALSE;
  return TRUE;
}

static GBytes *
resolve_seed (const LkDeviceSpec  *spec,
              LkHash               algorithm,
              GError             **error)
{
  gboolean has_hex = spec->secret_key_hex != NULL && *spec->secret_key_hex != '\0';
  gboolean has_b64 = spec->secret_key_base64 != NULL && *spec->secret_key_base64 != '\0';
  g_autoptr(GBytes) seed = NULL;

  if (has_hex && has_b64)
    {
      invalid (error, LK_ENGINE_ERROR_INVALID_ARGUMENT, _("Give the secret key either in hex or in Base64, not both"));
      return NULL;
    }
  if (has_hex)
    seed = decode_hex_key (spec->secret_key_hex, error);
  else if (has_b64)
    seed = decode_base64_key (spec->secret_key_base64, error);
  else
    {
      g_autoptr(GError) local_error = NULL;
      seed = lk_otp_generate_seed (algorithm, &local_error);
      if (seed == NULL)
        g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_INTERNAL, _("Cannot generate a seed"));
      return g_steal_pointer (&seed);
    }
  if (seed == NULL)
    return NULL;
  if (g_bytes_get_size (seed) < LK_ENGINE_SEED_MIN || g_bytes_get_size (seed) > LK_ENGINE_SEED_MAX)
    {
      g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_INVALID_ARGUMENT,
                   _("The secret key must be %d to %d bytes long"), LK_ENGINE_SEED_MIN, LK_ENGINE_SEED_MAX);
      return NULL;
    }
  return g_steal_pointer (&seed);
}

LkDevice *
lk_engine_insert_device (LkEngine            *engine,
                         gint64               account_id,
                         gint64               user_id,
                         const LkDeviceSpec  *spec,
                         gint64              *out_outbox_id,
                         GError             **error)
{
  Params p;
  g_autoptr(GBytes) seed = NULL;
  g_autoptr(GBytes) pin_hash = NULL;
  g_autofree char *serial = NULL;
  gint64 now = lk_engine_now (engine);
  gint64 device_id = 0;
  gboolean generated = spec->psn == NULL || *spec->psn == '\0';

  if (out_outbox_id)
    *out_outbox_id = 0;
  if (!resolve_spec (spec, &p, error))
    return NULL;
  seed = resolve_seed (spec, p.algorithm, error);
  if (seed == NULL)
    return NULL;
  if (spec->otp_pin != NULL && *spec->otp_pin != '\0')
    {
      pin_hash = lk_engine_pin_hash (engine, spec->otp_pin, error);
      if (pin_hash == NULL)
        return NULL;
    }
  if (p.notify != LK_NOTIFY_NONE && user_id == 0)
    {
      invalid (error, LK_ENGINE_ERROR_INVALID_DELIVERY, _("A device without a user cannot send a welcome message"));
      return NULL;
    }

  /* A generated serial may collide (75 random bits; in practice never):
   * try a few. A given one that exists is the caller's error. */
  for (guint attempt = 0; attempt < 5 && device_id == 0; attempt++)
    {
      g_autoptr(GBytes) sealed = NULL;
      g_autoptr(LkStoreStmt) st = NULL;
      GError *local_error = NULL;
      LkStoreStep step;

      g_free (serial);
      serial = generated ? generate_serial (error) : g_strdup (spec->psn);
      if (serial == NULL)
        return NULL;
      sealed = lk_engine_seal (engine, LK_SEAL_SEED, account_id, serial,
                               g_bytes_get_data (seed, NULL), g_bytes_get_size (seed), error);
      if (sealed == NULL)
        return NULL;
      st = lk_engine_prepare (engine,
          "INSERT INTO devices (account_id, user_id, serial, device_type, otp_type, algorithm, digits, window, "
          "period, time_drift, ocra_suite, alias, mobile_auth, mobile_usage, seed, key_version, pin_hash, state, "
          "created_at, updated_at) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?19) "
          "ON CONFLICT (account_id, serial) DO NOTHING RETURNING id", error);
      if (st == NULL)
        return NULL;
      lk_store_bind_int64 (st, 1, account_id);
      if (user_id > 0)
        lk_store_bind_int64 (st, 2, user_id);
      else
        lk_store_bind_null (st, 2);
      lk_store_bind_text (st, 3, serial);
      lk_store_bind_int64 (st, 4, p.device_type);
      lk_store_bind_int64 (st, 5, p.otp_type);
      lk_store_bind_int64 (st, 6, p.algorithm);
      lk_store_bind_int64 (st, 7, p.digits);
      lk_store_bind_int64 (st, 8, p.window);
      lk_store_bind_int64 (st, 9, p.period);
      lk_store_bind_int64 (st, 10, p.time_drift);
      lk_store_bind_text (st, 11, p.ocra_suite);
      lk_store_bind_text (st, 12, p.alias);
      lk_store_bind_int64 (st, 13, p.mobile_auth);
      lk_store_bind_int64 (st, 14, p.mobile_usage);
      lk_store_bind_blob (st, 15, g_bytes_get_data (sealed, NULL), g_bytes_get_size (sealed));
      lk_store_bind_int64 (st, 16, engine->key_version);
      if (pin_hash != NULL)
        lk_store_bind_blob (st, 17, g_bytes_get_data (pin_hash, NULL), g_bytes_get_size (pin_hash));
      else
        lk_store_bind_null (st, 17);
      /* OCRA answers challenges: there are no two consecutive OTPs to
       * activate it with, so it starts active. */
      lk_store_bind_int64 (st, 18, p.otp_type == LK_OTP_TYPE_OCRA ? LK_DEVICE_STATE_ACTIVE : LK_DEVICE_STATE_NEW);
      lk_store_bind_int64 (st, 19, now);
      step = lk_store_step (st, &local_error);
      if (step == LK_STORE_STEP_ERROR)
        {
          lk_engine_propagate_store_error (error, local_error, LK_ENGINE_ERROR_DEVICE_EXISTS);
          return NULL;
        }
      if (step == LK_STORE_STEP_ROW)
        device_id = lk_store_column_int64 (st, 0);
      else if (!generated)
        {
          g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_DEVICE_EXISTS,
                       _("A device with the serial number “%s” already exists"), serial);
          return NULL;
        }
    }
  if (device_id == 0)
    {
      g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_INTERNAL, _("Cannot generate a unique serial number"));
      return NULL;
    }
  if (p.notify != LK_NOTIFY_NONE)
    {
      gint64 id = lk_engine_outbox_add (engine, account_id, LK_OUTBOX_KIND_WELCOME,
                                        p.notify == LK_NOTIFY_EMAIL ? LK_DELIVERY_EMAIL : LK_DELIVERY_SMS,
                                        user_id, serial, NULL, 0, error);
      if (id == 0)
        return NULL;
      if (out_outbox_id)
        *out_outbox_id = id;
    }
  return lk_engine_get_device (engine, account_id, serial, error);
}

LkDevice *
lk_engine_add_device (LkEngine            *engine,
                      gint64               account_id,
                      const char          *login,
                      const LkDeviceSpec  *spec,
                      gint64              *out_outbox_id,
                      GError             **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(LkDevice) device = NULL;
  gint64 user_id = 0;

  g_return_val_if_fail (spec != NULL, NULL);

  if (!lk_engine_tx_begin (engine, TRUE, &local_error))
    goto out;
  if (login != NULL && *login != '\0' &&
      !lk_engine_lookup_user (engine, account_id, login, &user_id, NULL, &local_error))
    goto rollback;
  device = lk_engine_insert_device (engine, account_id, user_id, spec, out_outbox_id, &local_error);
  if (device == NULL)
    goto rollback;
  lk_engine_audit (engine, account_id, "add_oath_device", login, device->serial, NULL, NULL);
  if (!lk_engine_tx_commit (engine, &local_error))
    goto out;
  return g_steal_pointer (&device);

rollback:
  lk_engine_tx_rollback (engine);
out:
  lk_engine_audit (engine, account_id, "add_oath_device", login, spec->psn, local_error, NULL);
  g_propagate_error (error, g_steal_pointer (&local_error));
  return NULL;
}

GBytes *
lk_engine_load_seed (LkEngine   *engine,
                     gint64      account_id,
                     const char *serial,
                     GError    **error)
{
  g_autoptr(LkStoreStmt) st = lk_engine_prepare (engine,
      "SELECT seed, key_version FROM devices WHERE account_id = ?1 AND serial = ?2", error);
  const guint8 *blob;
  gsize len = 0;

  if (st == NULL)
    return NULL;
  lk_store_bind_int64 (st, 1, account_id);
  lk_store_bind_text (st, 2, serial);
  if (lk_store_step (st, NULL) != LK_STORE_STEP_ROW)
    {
      g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_DEVICE_NOT_FOUND, _("Device not found"));
      return NULL;
    }
  blob = lk_store_column_blob (st, 0, &len);
  return lk_engine_unseal (engine, LK_SEAL_SEED, account_id, serial, lk_store_column_int64 (st, 1),
                           blob, len, error);
}

static char *
make_uri (LkEngine        *engine,
          const LkDevice  *device,
          GBytes          *seed,
          GError         **error)
{
  g_autoptr(LkOtpauth) uri = NULL;

  if (device->otp_type == LK_OTP_TYPE_OCRA)
    {
      /* otpauth has no OCRA type; a token that knows Latchkey reads this. */
      g_autofree char *b32 = lk_base32_encode (g_bytes_get_data (seed, NULL), g_bytes_get_size (seed));
      g_autofree char *issuer = g_uri_escape_string (engine->issuer, NULL, FALSE);
      g_autofree char *label = g_uri_escape_string (device->user_login ? device->user_login : device->serial, NULL, FALSE);
      g_autofree char *suite = g_uri_escape_string (device->ocra_suite, NULL, FALSE);
      char *text = g_strdup_printf ("otpauth://ocra/%s:%s?secret=%s&issuer=%s&suite=%s",
                                    issuer, label, b32, issuer, suite);
      lk_secure_wipe (b32, strlen (b32));
      return text;
    }
  uri = lk_otpauth_new ();
  uri->type = device->otp_type == LK_OTP_TYPE_EVENT ? LK_OTPAUTH_HOTP : LK_OTPAUTH_TOTP;
  uri->issuer = g_strdup (engine->issuer);
  g_free (uri->account);
  uri->account = g_strdup (device->user_login ? device->user_login : device->serial);
  uri->secret = g_bytes_ref (seed);
  uri->algorithm = device->algorithm;
  uri->digits = device->digits;
  uri->period = device->period;
  uri->counter = device->counter;
  (void) error;
  return lk_otpauth_format (uri);
}

/* Common checks of provision and qrcode: the device exists and, when a
 * login is given, belongs to that user, who is enabled. */
static LkDevice *
get_owned_device (LkEngine   *engine,
                  gint64      account_id,
                  const char *login,
                  const char *serial,
                  GError    **error)
{
  g_autoptr(LkDevice) device = NULL;
  gboolean enabled = TRUE;

  if (login != NULL && !lk_engine_lookup_user (engine, account_id, login, NULL, &enabled, error))
    return NULL;
  device = lk_engine_get_device (engine, account_id, serial, error);
  if (device == NULL)
    return NULL;
  if (login != NULL)
    {
      g_autofree char *a = lk_engine_normalize (login);
      g_autofree char *b = lk_engine_normalize (device->user_login);
      if (device->user_login == NULL || strcmp (a, b) != 0)
        {
          g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_DEVICE_NOT_FOUND,
                       _("This user has no device with that serial number"));
          return NULL;
        }
      if (!enabled)
        {
          g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_USER_DISABLED, _("The user is disabled"));
          return NULL;
        }
    }
  if (device->state == LK_DEVICE_STATE_DISABLED)
    {
      g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_DEVICE_DISABLED, _("The device is disabled"));
      return NULL;
    }
  return g_steal_pointer (&device);
}

LkProvisionResult *
lk_engine_provision_device (LkEngine    *engine,
                            gint64       account_id,
                            const char  *login,
                            const char  *serial,
                            const char  *physical_device_id,
                            const char  *password,
                            GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(LkProvisionResult) result = g_new0 (LkProvisionResult, 1);
  g_autoptr(GBytes) seed = NULL;
  g_autofree char *password_hash = NULL;

  if (login == NULL || *login == '\0')
    {
      g_set_error (&local_error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_MISSING_FIELD,
                   _("The field “%s” is required"), "username");
      goto out;
    }
  if (physical_device_id == NULL || *physical_device_id == '\0')
    {
      g_set_error (&local_error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_MISSING_FIELD,
                   _("The field “%s” is required"), "physicalDeviceId");
      goto out;
    }
  if (!lk_engine_check_text (physical_device_id, "physicalDeviceId", DEVICE_ID_MAX, &local_error))
    goto out;

  /* mobileAuth: the password check is slow, so it runs before the lock. */
  {
    g_autoptr(LkDevice) peek = get_owned_device (engine, account_id, login, serial, &local_error);
    if (peek == NULL)
      goto out;
    if (peek->mobile_auth)
      {
        g_autoptr(LkStoreStmt) st = NULL;
        g_autofree char *norm = lk_engine_normalize (login);
        st = lk_engine_prepare (engine, "SELECT password_hash FROM users WHERE account_id = ?1 AND login_norm = ?2", &local_error);
        if (st == NULL)
          goto out;
        lk_store_bind_int64 (st, 1, account_id);
        lk_store_bind_text (st, 2, norm);
        if (lk_store_step (st, NULL) == LK_STORE_STEP_ROW)
          password_hash = g_strdup (lk_store_column_text (st, 0));
        if (password == NULL || *password == '\0' || strlen (password) > 256 ||
            !lk_engine_password_verify (password, password_hash))
          {
            g_set_error (&local_error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_USER_LOGIN_FAILED,
                         _("This device requires the user's password to provision"));
            goto out;
          }
      }
  }

  if (!lk_engine_tx_begin (engine, TRUE, &local_error))
    goto out;
  result->device = get_owned_device (engine, account_id, login, serial, &local_error);
  if (result->device == NULL)
    goto rollback;
  if (result->device->physical_device_id != NULL &&
      strcmp (result->device->physical_device_id, physical_device_id) != 0)
    {
      g_set_error (&local_error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_DEVICE_IN_USE,
                   _("The device is already provisioned on another physical device"));
      goto rollback;
    }
  {
    g_autoptr(LkStoreStmt) st = lk_engine_prepare (engine,
        "UPDATE devices SET physical_device_id = ?2, updated_at = ?3 WHERE id = ?1", &local_error);
    if (st == NULL)
      goto rollback;
    lk_store_bind_int64 (st, 1, result->device->id);
    lk_store_bind_text (st, 2, physical_device_id);
    lk_store_bind_int64 (st, 3, lk_engine_now (engine));
    if (!lk_engine_step_done (st, 0, &local_error))
      goto rollback;
  }
  g_free (result->device->physical_device_id);
  result->device->physical_device_id = g_strdup (physical_device_id);
  seed = lk_engine_load_seed (engine, account_id, serial, &local_error);
  if (seed == NULL)
    goto rollback;
  result->uri = make_uri (engine, result->device, seed, &local_error);
  if (result->uri == NULL)
    goto rollback;
  lk_engine_audit (engine, account_id, "provision_oath_device", login, serial, NULL, NULL);
  if (!lk_engine_tx_commit (engine, &local_error))
    goto out;
  return g_steal_pointer (&result);

rollback:
  lk_engine_tx_rollback (engine);
out:
  lk_engine_audit (engine, account_id, "provision_oath_device", login, serial, local_error, NULL);
  g_propagate_error (error, g_steal_pointer (&local_error));
  return NULL;
}

LkProvisionResult *
lk_engine_get_device_qrcode (LkEngine   *engine,
                             gint64      account_id,
                             const char *login,
                             const char *serial,
                             guint       png_scale,
                             GError    **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(LkProvisionResult) result = g_new0 (LkProvisionResult, 1);
  g_autoptr(GBytes) seed = NULL;
  g_autoptr(GError) qr_error = NULL;

  if (png_scale == 0)
    png_scale = 6;
  png_scale = MIN (png_scale, 32);
  if (!lk_engine_tx_begin (engine, FALSE, &local_error))
    goto out;
  result->device = get_owned_device (engine, account_id, login, serial, &local_error);
  if (result->device == NULL)
    goto rollback;
  if (result->device->state != LK_DEVICE_STATE_NEW)
    {
      g_set_error (&local_error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_DEVICE_IN_USE,
                   _("The device is already activated; its seed is not shown again"));
      goto rollback;
    }
  seed = lk_engine_load_seed (engine, account_id, serial, &local_error);
  if (seed == NULL)
    goto rollback;
  result->uri = make_uri (engine, result->device, seed, &local_error);
  if (result->uri == NULL)
    goto rollback;
  lk_engine_tx_commit (engine, NULL);

  result->png = lk_qr_encode_png (result->uri, png_scale, &qr_error);
  if (result->png != NULL)
    result->svg = lk_qr_encode_svg (result->uri, &qr_error);
  if (result->png == NULL || result->svg == NULL)
    {
      g_set_error (&local_error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_INTERNAL,
                   _("Cannot draw the QR code: %s"), qr_error->message);
      goto out;
    }
  lk_engine_audit (engine, account_id, "get_oath_device_qrcode", login, serial, NULL, NULL);
  return g_steal_pointer (&result);

rollback:
  lk_engine_tx_rollback (engine);
out:
  lk_engine_audit (engine, account_id, "get_oath_device_qrcode", login, serial, local_error, NULL);
  g_propagate_error (error, g_steal_pointer (&local_error));
  return NULL;
}

/* Runs one UPDATE on a device found by serial, inside a write transaction,
 * with audit. @check may refuse based on the current record. */
typedef gboolean (*DeviceCheck) (LkEngine *engine, LkDevice *device, gpointer data, GError **error);

static gboolean
update_device (LkEngine    *engine,
               gint64       account_id,
               const char  *serial,
               const char  *operation,
               const char  *sql,
               gint64       param2,
               DeviceCheck  check,
               gpointer     data,
               GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(LkDevice) device = NULL;

  if (!lk_engine_tx_begin (engine, TRUE, &local_error))
    goto out;
  device = lk_engine_get_device (engine, account_id, serial, &local_error);
  if (device == NULL)
    goto rollback;
  if (check != NULL && !check (engine, device, data, &local_error))
    goto rollback;
  if (sql != NULL)
    {
      g_autoptr(LkStoreStmt) st = lk_engine_prepare (engine, sql, &local_error);
      if (st == NULL)
        goto rollback;
      lk_store_bind_int64 (st, 1, device->id);
      lk_store_bind_int64 (st, 2, param2);
      lk_store_bind_int64 (st, 3, lk_engine_now (engine));
      if (!lk_engine_step_done (st, 0, &local_error))
        goto rollback;
    }
  lk_engine_audit (engine, account_id, operation, device->user_login, serial, NULL, NULL);
  if (!lk_engine_tx_commit (engine, &local_error))
    goto out;
  return TRUE;

rollback:
  lk_engine_tx_rollback (engine);
out:
  lk_engine_audit (engine, account_id, operation, device ? device->user_login : NULL, serial, local_error, NULL);
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

gboolean
lk_engine_set_device_enabled (LkEngine    *engine,
                              gint64       account_id,
                              const char  *serial,
                              gboolean     enabled,
                              GError     **error)
{
  if (enabled)
    /* Back to active if it ever was, else to new; a locked device stays
     * locked (unlock is its own operation). */
    return update_device (engine, account_id, serial, "enable_device",
                          "UPDATE devices SET state = CASE WHEN state <> 2 THEN state "
                          "WHEN activated_at > 0 THEN 1 ELSE 0 END, updated_at = ?3 WHERE id = ?1 AND ?2 = ?2",
                          0, NULL, NULL, error);
  return update_device (engine, account_id, serial, "disable_device",
                        "UPDATE devices SET state = ?2, updated_at = ?3 WHERE id = ?1",
                        LK_DEVICE_STATE_DISABLED, NULL, NULL, error);
}

static gboolean
check_assignable (LkEngine  *engine,
                  LkDevice  *device,
                  gpointer   data,
                  GError   **error)
{
  gint64 user_id = *(gint64 *) data;
  g_autoptr(LkStoreStmt) st = lk_engine_prepare (engine, "SELECT user_id FROM devices WHERE id = ?1", error);
  gint64 current = 0;

  if (st == NULL)
    return FALSE;
  lk_store_bind_int64 (st, 1, device->id);
  if (lk_store_step (st, NULL) == LK_STORE_STEP_ROW && !lk_store_column_is_null (st, 0))
    current = lk_store_column_int64 (st, 0);
  if (current != 0 && current != user_id)
    return invalid (error, LK_ENGINE_ERROR_DEVICE_IN_USE, _("The device is assigned to another user"));
  return TRUE;
}

gboolean
lk_engine_assign_device (LkEngine    *engine,
                         gint64       account_id,
                         const char  *serial,
                         const char  *login,
                         GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  gint64 user_id = 0;

  if (!lk_engine_lookup_user (engine, account_id, login, &user_id, NULL, &local_error))
    {
      lk_engine_audit (engine, account_id, "assign_device", login, serial, local_error, NULL);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return update_device (engine, account_id, serial, "assign_device",
                        "UPDATE devices SET user_id = ?2, updated_at = ?3 WHERE id = ?1",
                        user_id, check_assignable, &user_id, error);
}

gboolean
lk_engine_unassign_device (LkEngine    *engine,
                           gint64       account_id,
                           const char  *serial,
                           GError     **error)
{
  /* Leaving its user also ends the binding to a phone. */
  return update_device (engine, account_id, serial, "unassign_device",
                        "UPDATE devices SET user_id = NULL, physical_device_id = NULL, updated_at = ?3 "
                        "WHERE id = ?1 AND ?2 = ?2",
                        0, NULL, NULL, error);
}

gboolean
lk_engine_delete_device (LkEngine    *engine,
                         gint64       account_id,
                         const char  *serial,
                         GError     **error)
{
  return update_device (engine, account_id, serial, "delete_device",
                        "DELETE FROM devices WHERE id = ?1 AND ?2 = ?2 AND ?3 = ?3",
                        0, NULL, NULL, error);
}

gboolean
lk_engine_unlock_device (LkEngine    *engine,
                         gint64       account_id,
                         const char  *serial,
                         GError     **error)
{
  return update_device (engine, account_id, serial, "unlock_device",
                        "UPDATE devices SET fail_count = 0, state = CASE WHEN state = ?2 THEN 1 ELSE state END, "
                        "updated_at = ?3 WHERE id = ?1",
                        LK_DEVICE_STATE_LOCKED, NULL, NULL, error);
}

LkDevice *
lk_engine_find_device (LkEngine    *engine,
                       gint64       account_id,
                       const char  *serial,
                       GError     **error)
{
  return lk_engine_get_device (engine, account_id, serial, error);
}

static GPtrArray *
collect_devices (LkStoreStmt  *st,
                 GError      **error)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) lk_device_free);
  GError *local_error = NULL;
  LkStoreStep step;

  while ((step = lk_store_step (st, &local_error)) == LK_STORE_STEP_ROW)
    g_ptr_array_add (out, lk_engine_device_from_row (st));
  if (step == LK_STORE_STEP_ERROR)
    {
      lk_engine_propagate_store_error (error, local_error, 0);
      return NULL;
    }
  return g_steal_pointer (&out);
}

GPtrArray *
lk_engine_list_user_devices (LkEngine    *engine,
                             gint64       account_id,
                             const char  *login,
                             GError     **error)
{
  g_autoptr(LkStoreStmt) st = NULL;
  gint64 user_id = 0;

  if (!lk_engine_lookup_user (engine, account_id, login, &user_id, NULL, error))
    return NULL;
  st = lk_engine_prepare (engine, "SELECT " LK_ENGINE_DEVICE_COLUMNS LK_ENGINE_DEVICE_FROM
                                  "WHERE d.user_id = ?1 AND d.account_id = ?2 ORDER BY d.id", error);
  if (st == NULL)
    return NULL;
  lk_store_bind_int64 (st, 1, user_id);
  lk_store_bind_int64 (st, 2, account_id);
  return collect_devices (st, error);
}

GPtrArray *
lk_engine_list_unassigned_devices (LkEngine    *engine,
                                   gint64       account_id,
                                   guint        offset,
                                   guint        limit,
                                   guint       *out_total,
                                   GError     **error)
{
  g_autoptr(GPtrArray) out = NULL;

  if (limit == 0)
    limit = 100;
  limit = MIN (limit, 1000);
  if (!lk_engine_tx_begin (engine, FALSE, error))
    return NULL;
  {
    g_autoptr(LkStoreStmt) st = lk_engine_prepare (engine, "SELECT " LK_ENGINE_DEVICE_COLUMNS LK_ENGINE_DEVICE_FROM
                                                   "WHERE d.account_id = ?1 AND d.user_id IS NULL "
                                                   "ORDER BY d.id LIMIT ?2 OFFSET ?3", error);
    if (st == NULL)
      goto fail;
    lk_store_bind_int64 (st, 1, account_id);
    lk_store_bind_int64 (st, 2, limit);
    lk_store_bind_int64 (st, 3, offset);
    out = collect_devices (st, error);
    if (out == NULL)
      goto fail;
  }
  if (out_total != NULL)
    {
      g_autoptr(LkStoreStmt) st = lk_engine_prepare (engine,
          "SELECT COUNT(*) FROM devices WHERE account_id = ?1 AND user_id IS NULL", error);
      if (st == NULL)
        goto fail;
      lk_store_bind_int64 (st, 1, account_id);
      *out_total = lk_store_step (st, NULL) == LK_STORE_STEP_ROW ? (guint) lk_store_column_int64 (st, 0) : 0;
    }
  lk_engine_tx_commit (engine, NULL);
  return g_steal_pointer (&out);

fail:
  lk_engine_tx_rollback (engine);
  return NULL;
}
