/* SPDX-License-Identifier: GPL-3.0-or-later
 * Multi-device licences: licences, activations and instances on the engine's store (docs/activation.md). */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "lk-activation.h"
#include "lk-core-error.h"
#include "lk-engine-activation.h"
#include "lk-engine-private.h"
#include "lk-secure.h"

#define LK_SEAL_ACTIVATION "lk-activation-v1"

#define DEFAULT_MAX_INSTANCES   3
#define MAX_MAX_INSTANCES       100
#define DEFAULT_LIFETIME        600
#define MAX_LIFETIME            86400
#define DEFAULT_MAX_ATTEMPTS    5
#define MAX_MAX_ATTEMPTS        20
#define DEFAULT_HOTP_WINDOW     10
#define DEFAULT_TOTP_WINDOW     1
#define MAX_WINDOW              100
/* The test signature is read aloud and typed by the helpdesk, which takes
 * longer than a login: TOTP accepts at least this many steps either side. */
#define TEST_SIGNATURE_MIN_STEPS 2
/* A challenge is read aloud, entered on the device and answered: minutes. */
#define TEST_CHALLENGE_LIFETIME 600

/* activations.state */
enum
{
  ACTIVATION_PENDING    = 0,
  ACTIVATION_USED       = 1,
  ACTIVATION_LOCKED     = 2,
  ACTIVATION_SUPERSEDED = 3,
};

const char lk_engine_activation_schema_1_sqlite[] =
  "CREATE TABLE licences ("
  "  id INTEGER PRIMARY KEY,"
  "  account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,"
  "  user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,"
  "  serial TEXT NOT NULL,"
  "  max_instances INTEGER NOT NULL,"
  "  otp_type INTEGER NOT NULL,"
  "  algorithm INTEGER NOT NULL,"
  "  digits INTEGER NOT NULL,"
  "  period INTEGER NOT NULL,"
  "  window INTEGER NOT NULL,"
  "  issuer TEXT NOT NULL,"
  "  label TEXT NOT NULL,"
  "  next_instance INTEGER NOT NULL DEFAULT 1,"
  "  created_at INTEGER NOT NULL,"
  "  updated_at INTEGER NOT NULL,"
  "  UNIQUE (account_id, serial));"
  "CREATE TABLE activations ("
  "  id INTEGER PRIMARY KEY,"
  "  licence_id INTEGER NOT NULL REFERENCES licences (id) ON DELETE CASCADE,"
  "  activation_id TEXT NOT NULL UNIQUE,"
  "  key_sealed BLOB NOT NULL,"
  "  key_version INTEGER NOT NULL,"
  "  expires_at INTEGER NOT NULL,"
  "  attempts INTEGER NOT NULL DEFAULT 0,"
  "  max_attempts INTEGER NOT NULL,"
  "  state INTEGER NOT NULL DEFAULT 0,"
  "  instance INTEGER,"
  "  created_at INTEGER NOT NULL,"
  "  updated_at INTEGER NOT NULL);"
  "CREATE INDEX activations_licence ON activations (licence_id, id);"
  "CREATE TABLE licence_instances ("
  "  id INTEGER PRIMARY KEY,"
  "  licence_id INTEGER NOT NULL REFERENCES licences (id) ON DELETE CASCADE,"
  "  number INTEGER NOT NULL,"
  "  device_id INTEGER REFERENCES devices (id) ON DELETE SET NULL,"
  "  device_binding TEXT NOT NULL,"
  "  state INTEGER NOT NULL DEFAULT 0,"
  "  replaces INTEGER NOT NULL DEFAULT 0,"
  "  created_at INTEGER NOT NULL,"
  "  activated_at INTEGER NOT NULL DEFAULT 0,"
  "  deactivated_at INTEGER NOT NULL DEFAULT 0,"
  "  UNIQUE (licence_id, number));"
  "CREATE INDEX licence_instances_device ON licence_instances (device_id);";

/* The challenge of the OCRA kind of test signature (one open per instance). */
const char lk_engine_activation_schema_2_sqlite[] =
  "ALTER TABLE licence_instances ADD COLUMN challenge TEXT;"
  "ALTER TABLE licence_instances ADD COLUMN challenge_expires INTEGER NOT NULL DEFAULT 0;";

/* ---- errors and records ------------------------------------------------- */

const char *
lk_engine_activation_error_describe (int code)
{
  switch (code)
    {
    case LK_ENGINE_ERROR_LICENCE_NOT_FOUND: return _("Licence not found");
    case LK_ENGINE_ERROR_LICENCE_EXISTS: return _("A licence with this serial number already exists");
    case LK_ENGINE_ERROR_ACTIVATION_NOT_FOUND: return _("No activation was started for this licence");
    case LK_ENGINE_ERROR_ACTIVATION_EXPIRED: return _("The activation has expired; start a new one");
    case LK_ENGINE_ERROR_ACTIVATION_USED: return _("The activation was already used; start a new one");
    case LK_ENGINE_ERROR_ACTIVATION_LOCKED: return _("Too many wrong device codes; start a new activation");
    case LK_ENGINE_ERROR_DEVICE_CODE_INVALID: return _("The device code is not valid");
    case LK_ENGINE_ERROR_MAX_INSTANCES: return _("The licence has no free instance");
    case LK_ENGINE_ERROR_INSTANCE_NOT_FOUND: return _("Instance not found");
    case LK_ENGINE_ERROR_INSTANCE_NOT_PENDING: return _("The instance is not waiting for a test signature");
    case LK_ENGINE_ERROR_TEST_SIGNATURE_INVALID: return _("The test signature is not valid");
    case LK_ENGINE_ERROR_ACTIVATION_SUPERSEDED: return _("A newer activation replaced this one");
    default: return NULL;
    }
}

const char *
lk_instance_state_to_string (int state)
{
  switch (state)
    {
    case LK_INSTANCE_PENDING: return "pending";
    case LK_INSTANCE_ACTIVE: return "active";
    case LK_INSTANCE_DEACTIVATED: return "deactivated";
    default: return NULL;
    }
}

LkLicence *
lk_licence_copy (const LkLicence *licence)
{
  LkLicence *copy = g_memdup2 (licence, sizeof *licence);

  copy->serial = g_strdup (licence->serial);
  copy->user_login = g_strdup (licence->user_login);
  copy->issuer = g_strdup (licence->issuer);
  copy->label = g_strdup (licence->label);
  return copy;
}

void
lk_licence_free (LkLicence *licence)
{
  if (licence == NULL)
    return;
  g_free (licence->serial);
  g_free (licence->user_login);
  g_free (licence->issuer);
  g_free (licence->label);
  g_free (licence);
}

LkInstance *
lk_instance_copy (const LkInstance *instance)
{
  LkInstance *copy = g_memdup2 (instance, sizeof *instance);

  copy->licence_serial = g_strdup (instance->licence_serial);
  copy->device_serial = g_strdup (instance->device_serial);
  copy->device_binding = g_strdup (instance->device_binding);
  return copy;
}

void
lk_instance_free (LkInstance *instance)
{
  if (instance == NULL)
    return;
  g_free (instance->licence_serial);
  g_free (instance->device_serial);
  g_free (instance->device_binding);
  g_free (instance);
}

void
lk_activation_start_free (LkActivationStart *start)
{
  if (start == NULL)
    return;
  lk_secure_str_free (start->am1);
  g_free (start->activation_id);
  g_free (start);
}

void
lk_add_device_result_free (LkAddDeviceResult *result)
{
  if (result == NULL)
    return;
  lk_instance_free (result->instance);
  g_free (result->am2);
  g_free (result);
}

void
lk_licence_spec_init (LkLicenceSpec *spec)
{
  memset (spec, 0, sizeof *spec);
  spec->max_instances = LK_UNSET;
  spec->otp_type = LK_UNSET;
  spec->otp_length = LK_UNSET;
  spec->period = LK_UNSET;
  spec->window = LK_UNSET;
}

static gboolean
set_error (GError     **error,
           int          code,
           const char  *message)
{
  g_set_error_literal (error, LK_ENGINE_ERROR, code, message);
  return FALSE;
}

static char *
hex_encode (const guint8 *data,
            gsize         len)
{
  static const char digits[] = "0123456789abcdef";
  char *out = g_malloc (2 * len + 1);

  for (gsize i = 0; i < len; i++)
    {
      out[2 * i] = digits[data[i] >> 4];
      out[2 * i + 1] = digits[data[i] & 0xf];
    }
  out[2 * len] = '\0';
  return out;
}

/* ---- licences ----------------------------------------------------------- */

#define LICENCE_COLUMNS \
  "l.id, l.serial, u.login, l.max_instances, l.otp_type, l.algorithm, l.digits, l.period, " \
  "l.window, l.issuer, l.label, l.created_at, l.user_id, " \
  "(SELECT COUNT (*) FROM licence_instances i WHERE i.licence_id = l.id AND i.state IN (0, 1)" \
  " AND i.device_id IS NOT NULL) "
#define LICENCE_FROM " FROM licences l LEFT JOIN users u ON u.id = l.user_id "

static LkLicence *
licence_from_row (LkStoreStmt *st,
                  gint64      *out_user_id)
{
  LkLicence *licence = g_new0 (LkLicence, 1);

  licence->id = lk_store_column_int64 (st, 0);
  licence->serial = g_strdup (lk_store_column_text (st, 1));
  licence->user_login = g_strdup (lk_store_column_text (st, 2));
  licence->max_instances = (guint) lk_store_column_int64 (st, 3);
  licence->otp_type = (LkOtpType) lk_store_column_int64 (st, 4);
  licence->algorithm = (LkHash) lk_store_column_int64 (st, 5);
  licence->digits = (guint) lk_store_column_int64 (st, 6);
  licence->period = (guint) lk_store_column_int64 (st, 7);
  licence->window = (guint) lk_store_column_int64 (st, 8);
  licence->issuer = g_strdup (lk_store_column_text (st, 9));
  licence->label = g_strdup (lk_store_column_text (st, 10));
  licence->created_at = lk_store_column_int64 (st, 11);
  if (out_user_id != NULL)
    *out_user_id = lk_store_column_is_null (st, 12) ? 0 : lk_store_column_int64 (st, 12);
  licence->instances = (guint) lk_store_column_int64 (st, 13);
  return licence;
}

/* Reads a licence in the current transaction; 9600 when absent. */
static LkLicence *
get_licence (LkEngine    *engine,
             gint64       account_id,
             const char  *serial,
             gint64      *out_user_id,
             GError     **error)
{
  g_autoptr(LkStoreStmt) st = NULL;
  GError *local_error = NULL;
  LkStoreStep step;

  if (serial == NULL || *serial == '\0')
    {
      set_error (error, LK_ENGINE_ERROR_MISSING_FIELD, _("The licence serial number is missing"));
      return NULL;
    }
  st = lk_engine_prepare (engine, "SELECT " LICENCE_COLUMNS LICENCE_FROM
                          "WHERE l.account_id = ?1 AND l.serial = ?2", error);
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
      set_error (error, LK_ENGINE_ERROR_LICENCE_NOT_FOUND, _("No licence with this serial number"));
      return NULL;
    }
  return licence_from_row (st, out_user_id);
}

static gboolean
check_serial (const char  *serial,
              GError     **error)
{
  g_autoptr(GError) core_error = NULL;
  LkActivationOtp otp = { LK_ACTIVATION_OTP_TOTP, LK_HASH_SHA1, 6, 30 };
  g_autoptr(LkAm1) probe = NULL;

  if (serial == NULL || *serial == '\0')
    return set_error (error, LK_ENGINE_ERROR_MISSING_FIELD, _("The licence serial number is missing"));

  /* The serial travels in AM1, whose rules are the reference. */
  probe = lk_am1_generate (serial, NULL, NULL, &otp, 0, &core_error);
  if (probe == NULL)
    {
      g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_INVALID_ARGUMENT,
                   _("The licence serial number cannot be used: %s"), core_error->message);
      return FALSE;
    }
  return TRUE;
}

LkLicence *
lk_engine_create_licence (LkEngine             *engine,
                          gint64                account_id,
                          const LkLicenceSpec  *spec,
                          GError              **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(LkLicence) licence = NULL;
  g_autofree char *label = NULL;
  LkActivationOtp otp;
  LkOtpType otp_type;
  LkHash algorithm = LK_HASH_SHA1;
  const char *issuer;
  gint64 user_id = 0;
  gint64 now = lk_engine_now (engine);
  guint max_instances, window;

  g_return_val_if_fail (spec != NULL, NULL);

  if (!check_serial (spec->serial, &local_error))
    goto fail;

  max_instances = spec->max_instances == LK_UNSET ? DEFAULT_MAX_INSTANCES : (guint) MAX (spec->max_instances, 0);
  if (max_instances < 1 || max_instances > MAX_MAX_INSTANCES)
    {
      g_set_error (&local_error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_INVALID_ARGUMENT,
                   _("A licence has 1 to %d instances"), MAX_MAX_INSTANCES);
      goto fail;
    }

  otp_type = spec->otp_type == LK_UNSET ? LK_OTP_TYPE_TIME : (LkOtpType) spec->otp_type;
  if (otp_type != LK_OTP_TYPE_TIME && otp_type != LK_OTP_TYPE_EVENT)
    {
      set_error (&local_error, LK_ENGINE_ERROR_OTP_TYPE_INVALID,
                 _("A multi-device licence makes time-based or event-based tokens"));
      goto fail;
    }
  if (spec->algorithm != NULL && !lk_hash_from_string (spec->algorithm, &algorithm))
    {
      set_error (&local_error, LK_ENGINE_ERROR_INVALID_ARGUMENT,
                 _("The algorithm must be SHA1, SHA256 or SHA512"));
      goto fail;
    }

  otp.type = otp_type == LK_OTP_TYPE_TIME ? LK_ACTIVATION_OTP_TOTP : LK_ACTIVATION_OTP_HOTP;
  otp.algorithm = algorithm;
  otp.digits = spec->otp_length == LK_UNSET ? 6 : (guint) MAX (spec->otp_length, 0);
  otp.period = otp_type == LK_OTP_TYPE_EVENT ? 0 :
               spec->period == LK_UNSET ? 30 : (guint) MAX (spec->period, 0);
  if (!lk_activation_otp_check (&otp, &local_error))
    {
      g_autoptr(GError) core_error = g_steal_pointer (&local_error);

      set_error (&local_error, LK_ENGINE_ERROR_INVALID_ARGUMENT, core_error->message);
      goto fail;
    }

  window = spec->window == LK_UNSET
           ? (otp_type == LK_OTP_TYPE_EVENT ? DEFAULT_HOTP_WINDOW : DEFAULT_TOTP_WINDOW)
           : (guint) MAX (spec->window, 0);
  if (window > MAX_WINDOW || (otp_type == LK_OTP_TYPE_EVENT && window == 0))
    {
      g_set_error (&local_error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_INVALID_ARGUMENT,
                   _("The window must be 1 to %d (event) or 0 to %d (time)"), MAX_WINDOW, MAX_WINDOW);
      goto fail;
    }

  issuer = spec->issuer != NULL ? spec->issuer : engine->issuer;
  label = g_strdup (spec->label != NULL ? spec->label : spec->login != NULL ? spec->login : spec->serial);
  if (strlen (issuer) > LK_ACTIVATION_MAX_ISSUER || strlen (label) > LK_ACTIVATION_MAX_LABEL)
    {
      g_set_error (&local_error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_INVALID_ARGUMENT,
                   _("The issuer and the label have at most %d bytes each"), LK_ACTIVATION_MAX_LABEL);
      goto fail;
    }
  if (!lk_engine_check_text (issuer, "issuer", LK_ACTIVATION_MAX_ISSUER, &local_error) ||
      !lk_engine_check_text (label, "label", LK_ACTIVATION_MAX_LABEL, &local_error))
    goto fail;

  if (!lk_engine_tx_begin (engine, TRUE, &local_error))
    goto fail;

  if (spec->login != NULL && *spec->login != '\0' &&
      !lk_engine_lookup_user (engine, account_id, spec->login, &user_id, NULL, &local_error))
    goto rollback;

  {
    g_autoptr(LkStoreStmt) st = lk_engine_prepare (engine,
        "INSERT INTO licences (account_id, user_id, serial, max_instances, otp_type, algorithm, digits,"
        " period, window, issuer, label, created_at, updated_at)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)", &local_error);

    if (st == NULL)
      goto rollback;
    lk_store_bind_int64 (st, 1, account_id);
    if (user_id != 0)
      lk_store_bind_int64 (st, 2, user_id);
    else
      lk_store_bind_null (st, 2);
    lk_store_bind_text (st, 3, spec->serial);
    lk_store_bind_int64 (st, 4, max_instances);
    lk_store_bind_int64 (st, 5, otp_type);
    lk_store_bind_int64 (st, 6, algorithm);
    lk_store_bind_int64 (st, 7, otp.digits);
    lk_store_bind_int64 (st, 8, otp.period);
    lk_store_bind_int64 (st, 9, window);
    lk_store_bind_text (st, 10, issuer);
    lk_store_bind_text (st, 11, label);
    lk_store_bind_int64 (st, 12, now);
    if (!lk_engine_step_done (st, LK_ENGINE_ERROR_LICENCE_EXISTS, &local_error))
      goto rollback;
  }

  licence = get_licence (engine, account_id, spec->serial, NULL, &local_error);
  if (licence == NULL)
    goto rollback;
  lk_engine_audit (engine, account_id, "create_licence", spec->login, spec->serial, NULL, NULL);
  if (!lk_engine_tx_commit (engine, &local_error))
    goto fail;
  return g_steal_pointer (&licence);

rollback:
  lk_engine_tx_rollback (engine);
fail:
  lk_engine_audit (engine, account_id, "create_licence", spec->login, spec->serial, local_error, NULL);
  g_propagate_error (error, g_steal_pointer (&local_error));
  return NULL;
}

LkLicence *
lk_engine_find_licence (LkEngine    *engine,
                        gint64       account_id,
                        const char  *serial,
                        GError     **error)
{
  LkLicence *licence;

  if (!lk_engine_tx_begin (engine, FALSE, error))
    return NULL;
  licence = get_licence (engine, account_id, serial, NULL, error);
  lk_engine_tx_rollback (engine);
  return licence;
}

/* ---- activations -------------------------------------------------------- */

LkActivationStart *
lk_engine_start_activation (LkEngine    *engine,
                            gint64       account_id,
                            const char  *serial,
                            guint        lifetime,
                            guint        max_attempts,
                            GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(LkLicence) licence = NULL;
  g_autoptr(LkAm1) am1 = NULL;
  g_autoptr(GBytes) sealed = NULL;
  g_autoptr(LkActivationStart) start = NULL;
  g_autofree char *detail = NULL;
  LkActivationOtp otp;
  gint64 now = lk_engine_now (engine);

  if (lifetime == 0)
    lifetime = DEFAULT_LIFETIME;
  if (max_attempts == 0)
    max_attempts = DEFAULT_MAX_ATTEMPTS;
  if (lifetime > MAX_LIFETIME || max_attempts > MAX_MAX_ATTEMPTS)
    {
      g_set_error (&local_error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_INVALID_ARGUMENT,
                   _("An activation lives at most %d seconds and allows at most %d wrong device codes"),
                   MAX_LIFETIME, MAX_MAX_ATTEMPTS);
      goto fail;
    }

  if (!lk_engine_tx_begin (engine, TRUE, &local_error))
    goto fail;

  licence = get_licence (engine, account_id, serial, NULL, &local_error);
  if (licence == NULL)
    goto rollback;

  /* A full licence is not refused here: a device that already holds an
   * instance may replace it. The limit is enforced when the device code
   * arrives and the device is known. */
  otp.type = licence->otp_type == LK_OTP_TYPE_EVENT ? LK_ACTIVATION_OTP_HOTP : LK_ACTIVATION_OTP_TOTP;
  otp.algorithm = licence->algorithm;
  otp.digits = licence->digits;
  otp.period = licence->period;

  am1 = lk_am1_generate (licence->serial, licence->issuer, licence->label, &otp,
                         now + lifetime, &local_error);
  if (am1 == NULL)
    goto rollback;

  start = g_new0 (LkActivationStart, 1);
  start->activation_id = hex_encode (am1->activation_id, LK_ACTIVATION_ID_SIZE);
  start->expires_at = am1->expires;
  start->max_attempts = max_attempts;
  start->am1 = lk_am1_format (am1, &local_error);
  if (start->am1 == NULL)
    goto rollback;

  sealed = lk_engine_seal (engine, LK_SEAL_ACTIVATION, account_id, start->activation_id,
                           am1->activation_key, LK_ACTIVATION_KEY_SIZE, &local_error);
  if (sealed == NULL)
    goto rollback;

  /* One live activation per licence: fewer keys in the database, and a
   * device code typed from an old AM1 cannot meet a newer one by chance. */
  {
    g_autoptr(LkStoreStmt) st = lk_engine_prepare (engine,
        "UPDATE activations SET state = ?2, updated_at = ?3 WHERE licence_id = ?1 AND state = ?4",
        &local_error);
    if (st == NULL)
      goto rollback;
    lk_store_bind_int64 (st, 1, licence->id);
    lk_store_bind_int64 (st, 2, ACTIVATION_SUPERSEDED);
    lk_store_bind_int64 (st, 3, now);
    lk_store_bind_int64 (st, 4, ACTIVATION_PENDING);
    if (!lk_engine_step_done (st, 0, &local_error))
      goto rollback;
  }
  {
    g_autoptr(LkStoreStmt) st = lk_engine_prepare (engine,
        "INSERT INTO activations (licence_id, activation_id, key_sealed, key_version, expires_at,"
        " max_attempts, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
        &local_error);
    if (st == NULL)
      goto rollback;
    lk_store_bind_int64 (st, 1, licence->id);
    lk_store_bind_text (st, 2, start->activation_id);
    lk_store_bind_blob (st, 3, g_bytes_get_data (sealed, NULL), g_bytes_get_size (sealed));
    lk_store_bind_int64 (st, 4, engine->key_version);
    lk_store_bind_int64 (st, 5, start->expires_at);
    lk_store_bind_int64 (st, 6, max_attempts);
    lk_store_bind_int64 (st, 7, now);
    if (!lk_engine_step_done (st, 0, &local_error))
      goto rollback;
  }

  detail = g_strdup_printf ("activation %s, expires %" G_GINT64_FORMAT, start->activation_id, start->expires_at);
  lk_engine_audit (engine, account_id, "start_activation", licence->user_login, licence->serial, NULL, detail);
  if (!lk_engine_tx_commit (engine, &local_error))
    goto fail;
  return g_steal_pointer (&start);

rollback:
  lk_engine_tx_rollback (engine);
fail:
  lk_engine_audit (engine, account_id, "start_activation", NULL, serial, local_error, NULL);
  g_propagate_error (error, g_steal_pointer (&local_error));
  return NULL;
}

typedef struct
{
  gint64  row_id;
  char   *activation_id;
  GBytes *key;          /* unsealed; wipes itself */
  gint64  expires_at;
  guint   attempts;
  guint   max_attempts;
  int     state;
} Activation;

static void
activation_clear (Activation *a)
{
  g_clear_pointer (&a->activation_id, g_free);
  g_clear_pointer (&a->key, g_bytes_unref);
}

/* Loads the licence's newest activation and says why it cannot be used,
 * if it cannot. The key is only unsealed for a usable one. */
static gboolean
load_usable_activation (LkEngine     *engine,
                        gint64        account_id,
                        gint64        licence_id,
                        Activation   *out,
                        GError      **error)
{
  g_autoptr(LkStoreStmt) st = NULL;
  GError *local_error = NULL;
  LkStoreStep step;
  gsize blob_len = 0;
  const guint8 *blob;

  st = lk_engine_prepare (engine,
      "SELECT id, activation_id, key_sealed, key_version, expires_at, attempts, max_attempts, state"
      " FROM activations WHERE licence_id = ?1 ORDER BY id DESC LIMIT 1 FOR UPDATE", error);
  if (st == NULL)
    return FALSE;
  lk_store_bind_int64 (st, 1, licence_id);
  step = lk_store_step (st, &local_error);
  if (step == LK_STORE_STEP_ERROR)
    {
      lk_engine_propagate_store_error (error, local_error, 0);
      return FALSE;
    }
  if (step == LK_STORE_STEP_DONE)
    return set_error (error, LK_ENGINE_ERROR_ACTIVATION_NOT_FOUND,
                      _("No activation was started for this licence; start one and scan its code"));

  out->row_id = lk_store_column_int64 (st, 0);
  out->activation_id = g_strdup (lk_store_column_text (st, 1));
  out->expires_at = lk_store_column_int64 (st, 4);
  out->attempts = (guint) lk_store_column_int64 (st, 5);
  out->max_attempts = (guint) lk_store_column_int64 (st, 6);
  out->state = (int) lk_store_column_int64 (st, 7);

  switch (out->state)
    {
    case ACTIVATION_USED:
      return set_error (error, LK_ENGINE_ERROR_ACTIVATION_USED,
                        _("This activation already added a device; an activation code works once"));
    case ACTIVATION_LOCKED:
      return set_error (error, LK_ENGINE_ERROR_ACTIVATION_LOCKED,
                        _("Too many wrong device codes were entered; start a new activation"));
    case ACTIVATION_SUPERSEDED:
      return set_error (error, LK_ENGINE_ERROR_ACTIVATION_SUPERSEDED,
                        _("A newer activation replaced this one"));
    case ACTIVATION_PENDING:
      break;
    default:
      return set_error (error, LK_ENGINE_ERROR_STORE, _("An activation has an unknown state"));
    }

  if (lk_engine_now (engine) >= out->expires_at)
    return set_error (error, LK_ENGINE_ERROR_ACTIVATION_EXPIRED,
                      _("The activation has expired; start a new one"));

  blob = lk_store_column_blob (st, 2, &blob_len);
  out->key = lk_engine_unseal (engine, LK_SEAL_ACTIVATION, account_id, out->activation_id,
                               lk_store_column_int64 (st, 3), blob, blob_len, &local_error);
  if (out->key == NULL || g_bytes_get_size (out->key) != LK_ACTIVATION_KEY_SIZE)
    {
      /* After a master key rotation a pending activation cannot be read:
       * it lives minutes, so it is simply started again. */
      g_clear_error (&local_error);
      return set_error (error, LK_ENGINE_ERROR_ACTIVATION_EXPIRED,
                        _("The activation can no longer be read (the master key changed); start a new one"));
    }
  return TRUE;
}

static gboolean
hex_decode (const char *hex,
            guint8     *out,
            gsize       len)
{
  if (hex == NULL || strlen (hex) != 2 * len)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    {
      int hi = g_ascii_xdigit_value (hex[2 * i]);
      int lo = g_ascii_xdigit_value (hex[2 * i + 1]);

      if (hi < 0 || lo < 0)
        return FALSE;
      out[i] = (guint8) (hi * 16 + lo);
    }
  return TRUE;
}

/* Records a wrong device code in its own transaction (the caller rolled
 * back), locking the activation at its limit. Returns the error to report. */
static void
record_wrong_attempt (LkEngine    *engine,
                      gint64       row_id,
                      guint        attempts,
                      guint        max_attempts,
                      GError     **error)
{
  g_autoptr(GError) store_error = NULL;
  guint used = attempts + 1;
  gboolean locked = used >= max_attempts;

  if (lk_engine_tx_begin (engine, TRUE, &store_error))
    {
      g_autoptr(LkStoreStmt) st = lk_engine_prepare (engine,
          "UPDATE activations SET attempts = attempts + 1, state = CASE WHEN attempts + 1 >= max_attempts"
          " THEN ?2 ELSE state END, updated_at = ?3 WHERE id = ?1 AND state = ?4", &store_error);

      if (st != NULL)
        {
          lk_store_bind_int64 (st, 1, row_id);
          lk_store_bind_int64 (st, 2, ACTIVATION_LOCKED);
          lk_store_bind_int64 (st, 3, lk_engine_now (engine));
          lk_store_bind_int64 (st, 4, ACTIVATION_PENDING);
        }
      if (st == NULL || !lk_engine_step_done (st, 0, &store_error))
        lk_engine_tx_rollback (engine);
      else
        {
          g_clear_pointer (&st, lk_store_stmt_release);
          lk_engine_tx_commit (engine, &store_error);
        }
    }

  if (store_error != NULL)
    {
      /* The attempt could not be counted: report that, never a plain
       * "wrong code", so a failing store cannot lift the limit unnoticed. */
      g_propagate_error (error, g_steal_pointer (&store_error));
      return;
    }

  if (locked)
    g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_ACTIVATION_LOCKED,
                 _("The device code does not match this activation. That was the last attempt: start a new activation"));
  else
    g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_DEVICE_CODE_INVALID,
                 _("The device code does not match this activation (attempts left: %u)"),
                 max_attempts - used);
}

static LkInstance *
instance_from_row (LkStoreStmt *st,
                   const char  *licence_serial)
{
  LkInstance *instance = g_new0 (LkInstance, 1);

  /* columns: number, device serial, binding, state, created, activated, deactivated, replaces, id */
  instance->licence_serial = g_strdup (licence_serial);
  instance->number = (guint) lk_store_column_int64 (st, 0);
  instance->device_serial = g_strdup (lk_store_column_text (st, 1));
  instance->device_binding = g_strdup (lk_store_column_text (st, 2));
  instance->state = (LkInstanceState) lk_store_column_int64 (st, 3);
  instance->created_at = lk_store_column_int64 (st, 4);
  instance->activated_at = lk_store_column_int64 (st, 5);
  instance->deactivated_at = lk_store_column_int64 (st, 6);
  instance->replaces = (guint) lk_store_column_int64 (st, 7);
  instance->id = lk_store_column_int64 (st, 8);
  /* A device deleted through the device operations takes its instance with it. */
  if (instance->device_serial == NULL)
    instance->state = LK_INSTANCE_DEACTIVATED;
  return instance;
}

#define INSTANCE_COLUMNS \
  "i.number, d.serial, i.device_binding, i.state, i.created_at, i.activated_at, i.deactivated_at, i.replaces, i.id"
#define INSTANCE_FROM " FROM licence_instances i LEFT JOIN devices d ON d.id = i.device_id "

/* Deletes the device row of instance @number and marks it deactivated. */
static gboolean
deactivate_in_tx (LkEngine  *engine,
                  gint64     licence_id,
                  guint      number,
                  GError   **error)
{
  gint64 now = lk_engine_now (engine);

  {
    g_autoptr(LkStoreStmt) st = lk_engine_prepare (engine,
        "DELETE FROM devices WHERE id = (SELECT device_id FROM licence_instances"
        " WHERE licence_id = ?1 AND number = ?2)", error);
    if (st == NULL)
      return FALSE;
    lk_store_bind_int64 (st, 1, licence_id);
    lk_store_bind_int64 (st, 2, number);
    if (!lk_engine_step_done (st, 0, error))
      return FALSE;
  }
  {
    g_autoptr(LkStoreStmt) st = lk_engine_prepare (engine,
        "UPDATE licence_instances SET state = ?3, device_id = NULL, deactivated_at = ?4"
        " WHERE licence_id = ?1 AND number = ?2", error);
    if (st == NULL)
      return FALSE;
    lk_store_bind_int64 (st, 1, licence_id);
    lk_store_bind_int64 (st, 2, number);
    lk_store_bind_int64 (st, 3, LK_INSTANCE_DEACTIVATED);
    lk_store_bind_int64 (st, 4, now);
    return lk_engine_step_done (st, 0, error);
  }
}

LkAddDeviceResult *
lk_engine_add_device_instance (LkEngine    *engine,
                               gint64       account_id,
                               const char  *serial,
                               const char  *device_code,
                               GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(LkLicence) licence = NULL;
  g_autoptr(GBytes) seed = NULL;
  g_autoptr(GBytes) sealed = NULL;
  g_autoptr(LkAddDeviceResult) result = NULL;
  g_autofree char *binding = NULL;
  g_autofree char *device_serial = NULL;
  g_autofree char *detail = NULL;
  Activation activation = { 0 };
  LkActivationOtp otp;
  LkDeviceCode code;
  guint8 activation_id[LK_ACTIVATION_ID_SIZE];
  guint8 device_id[LK_ACTIVATION_DEVICE_ID_SIZE];
  gint64 user_id = 0, device_row = 0;
  gint64 now = lk_engine_now (engine);
  guint replaces = 0, number, counted;

  /* Syntax first, with no state change: a typo is not a guess. */
  if (device_code == NULL || *device_code == '\0')
    {
      set_error (&local_error, LK_ENGINE_ERROR_MISSING_FIELD, _("The device code is missing"));
      goto fail;
    }
  if (!lk_device_code_parse (device_code, &code, &local_error))
    {
      g_autoptr(GError) core_error = g_steal_pointer (&local_error);

      set_error (&local_error, LK_ENGINE_ERROR_DEVICE_CODE_INVALID, core_error->message);
      goto fail;
    }
  lk_device_code_get_device_id (&code, device_id);
  binding = hex_encode (device_id, sizeof device_id);

  if (!lk_engine_tx_begin (engine, TRUE, &local_error))
    goto fail;

  licence = get_licence (engine, account_id, serial, &user_id, &local_error);
  if (licence == NULL)
    goto rollback;

  if (!load_usable_activation (engine, account_id, licence->id, &activation, &local_error))
    goto rollback;

  if (!hex_decode (activation.activation_id, activation_id, sizeof activation_id))
    {
      set_error (&local_error, LK_ENGINE_ERROR_STORE, _("An activation id in the database is damaged"));
      goto rollback;
    }

  if (!lk_device_code_verify (&code, activation_id, g_bytes_get_data (activation.key, NULL)))
    {
      lk_engine_tx_rollback (engine);
      record_wrong_attempt (engine, activation.row_id, activation.attempts, activation.max_attempts,
                            &local_error);
      goto fail;
    }

  /* The same device again (a reinstalled app, a reset phone): its new
   * instance replaces the old one instead of taking another slot. */
  {
    g_autoptr(LkStoreStmt) st = lk_engine_prepare (engine,
        "SELECT number FROM licence_instances WHERE licence_id = ?1 AND device_binding = ?2"
        " AND state IN (0, 1) AND device_id IS NOT NULL ORDER BY number DESC LIMIT 1", &local_error);
    LkStoreStep step;

    if (st == NULL)
      goto rollback;
    lk_store_bind_int64 (st, 1, licence->id);
    lk_store_bind_text (st, 2, binding);
    step = lk_store_step (st, &local_error);
    if (step == LK_STORE_STEP_ERROR)
      {
        g_autoptr(GError) store_error = g_steal_pointer (&local_error);

        lk_engine_propagate_store_error (&local_error, g_steal_pointer (&store_error), 0);
        goto rollback;
      }
    if (step == LK_STORE_STEP_ROW)
      replaces = (guint) lk_store_column_int64 (st, 0);
  }

  counted = licence->instances - (replaces != 0 ? 1 : 0);
  if (counted >= licence->max_instances)
    {
      g_set_error (&local_error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_MAX_INSTANCES,
                   _("The licence already has its %u instances; deactivate one first"),
                   licence->max_instances);
      goto rollback;
    }

  if (replaces != 0 && !deactivate_in_tx (engine, licence->id, replaces, &local_error))
    goto rollback;

  /* The instance number comes from the licence row, so numbers are never
   * reused and a deactivated instance's number keeps meaning that one. */
  {
    g_autoptr(LkStoreStmt) st = lk_engine_prepare (engine,
        "UPDATE licences SET next_instance = next_instance + 1, updated_at = ?2 WHERE id = ?1"
        " RETURNING next_instance - 1", &local_error);
    LkStoreStep step;

    if (st == NULL)
      goto rollback;
    lk_store_bind_int64 (st, 1, licence->id);
    lk_store_bind_int64 (st, 2, now);
    step = lk_store_step (st, &local_error);
    if (step != LK_STORE_STEP_ROW)
      {
        if (step == LK_STORE_STEP_ERROR)
          {
            g_autoptr(GError) store_error = g_steal_pointer (&local_error);

            lk_engine_propagate_store_error (&local_error, g_steal_pointer (&store_error), 0);
          }
        else
          set_error (&local_error, LK_ENGINE_ERROR_STORE, _("The licence row vanished"));
        goto rollback;
      }
    number = (guint) lk_store_column_int64 (st, 0);
  }

  otp.type = licence->otp_type == LK_OTP_TYPE_EVENT ? LK_ACTIVATION_OTP_HOTP : LK_ACTIVATION_OTP_TOTP;
  otp.algorithm = licence->algorithm;
  otp.digits = licence->digits;
  otp.period = licence->period;

  seed = lk_otp_generate_seed (licence->algorithm, &local_error);
  if (seed == NULL)
    goto rollback;

  device_serial = g_strdup_printf ("%s-%u", licence->serial, number);
  sealed = lk_engine_seal (engine, LK_SEAL_SEED, account_id, device_serial,
                           g_bytes_get_data (seed, NULL), g_bytes_get_size (seed), &local_error);
  if (sealed == NULL)
    goto rollback;

  {
    g_autoptr(LkStoreStmt) st = lk_engine_prepare (engine,
        "INSERT INTO devices (account_id, user_id, serial, device_type, otp_type, algorithm, digits,"
        " window, period, time_drift, alias, seed, key_version, state, physical_device_id,"
        " created_at, updated_at)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?16)"
        " RETURNING id", &local_error);
    g_autofree char *alias = g_strdup_printf ("%s #%u", licence->label, number);
    LkStoreStep step;

    if (st == NULL)
      goto rollback;
    lk_store_bind_int64 (st, 1, account_id);
    if (user_id != 0)
      lk_store_bind_int64 (st, 2, user_id);
    else
      lk_store_bind_null (st, 2);
    lk_store_bind_text (st, 3, device_serial);
    lk_store_bind_int64 (st, 4, LK_DEVICE_TYPE_MULTI_DEVICE);
    lk_store_bind_int64 (st, 5, licence->otp_type);
    lk_store_bind_int64 (st, 6, licence->algorithm);
    lk_store_bind_int64 (st, 7, licence->digits);
    lk_store_bind_int64 (st, 8, licence->otp_type == LK_OTP_TYPE_EVENT ? licence->window : DEFAULT_HOTP_WINDOW);
    lk_store_bind_int64 (st, 9, licence->otp_type == LK_OTP_TYPE_EVENT ? 30 : licence->period);
    lk_store_bind_int64 (st, 10, licence->otp_type == LK_OTP_TYPE_EVENT ? 0 : licence->window);
    lk_store_bind_text (st, 11, alias);
    lk_store_bind_blob (st, 12, g_bytes_get_data (sealed, NULL), g_bytes_get_size (sealed));
    lk_store_bind_int64 (st, 13, engine->key_version);
    lk_store_bind_int64 (st, 14, LK_DEVICE_STATE_NEW);
    lk_store_bind_text (st, 15, binding);
    lk_store_bind_int64 (st, 16, now);
    step = lk_store_step (st, &local_error);
    if (step != LK_STORE_STEP_ROW)
      {
        if (step == LK_STORE_STEP_ERROR)
          {
            g_autoptr(GError) store_error = g_steal_pointer (&local_error);

            lk_engine_propagate_store_error (&local_error, g_steal_pointer (&store_error),
                                             LK_ENGINE_ERROR_DEVICE_EXISTS);
          }
        else
          set_error (&local_error, LK_ENGINE_ERROR_STORE, _("The device row was not written"));
        goto rollback;
      }
    device_row = lk_store_column_int64 (st, 0);
  }

  {
    g_autoptr(LkStoreStmt) st = lk_engine_prepare (engine,
        "INSERT INTO licence_instances (licence_id, number, device_id, device_binding, state, replaces, created_at)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", &local_error);
    if (st == NULL)
      goto rollback;
    lk_store_bind_int64 (st, 1, licence->id);
    lk_store_bind_int64 (st, 2, number);
    lk_store_bind_int64 (st, 3, device_row);
    lk_store_bind_text (st, 4, binding);
    lk_store_bind_int64 (st, 5, LK_INSTANCE_PENDING);
    lk_store_bind_int64 (st, 6, replaces);
    lk_store_bind_int64 (st, 7, now);
    if (!lk_engine_step_done (st, 0, &local_error))
      goto rollback;
  }

  {
    g_autoptr(LkStoreStmt) st = lk_engine_prepare (engine,
        "UPDATE activations SET state = ?2, instance = ?3, updated_at = ?4 WHERE id = ?1", &local_error);
    if (st == NULL)
      goto rollback;
    lk_store_bind_int64 (st, 1, activation.row_id);
    lk_store_bind_int64 (st, 2, ACTIVATION_USED);
    lk_store_bind_int64 (st, 3, number);
    lk_store_bind_int64 (st, 4, now);
    if (!lk_engine_step_done (st, 0, &local_error))
      goto rollback;
  }

  result = g_new0 (LkAddDeviceResult, 1);
  result->am2 = lk_am2_build (activation_id, g_bytes_get_data (activation.key, NULL), &code, number,
                              &otp, 0, seed, &local_error);
  if (result->am2 == NULL)
    goto rollback;

  result->instance = g_new0 (LkInstance, 1);
  result->instance->licence_serial = g_strdup (licence->serial);
  result->instance->number = number;
  result->instance->device_serial = g_strdup (device_serial);
  result->instance->device_binding = g_strdup (binding);
  result->instance->state = LK_INSTANCE_PENDING;
  result->instance->created_at = now;
  result->instance->replaces = replaces;

  if (replaces != 0)
    detail = g_strdup_printf ("instance %u for device %s, replaces instance %u", number, binding, replaces);
  else
    detail = g_strdup_printf ("instance %u for device %s", number, binding);
  lk_engine_audit (engine, account_id, "add_device_instance", licence->user_login, licence->serial, NULL, detail);
  if (!lk_engine_tx_commit (engine, &local_error))
    goto fail;

  activation_clear (&activation);
  lk_secure_wipe (&code, sizeof code);
  return g_steal_pointer (&result);

rollback:
  lk_engine_tx_rollback (engine);
fail:
  activation_clear (&activation);
  lk_secure_wipe (&code, sizeof code);
  lk_engine_audit (engine, account_id, "add_device_instance", NULL, serial, local_error, NULL);
  g_propagate_error (error, g_steal_pointer (&local_error));
  return NULL;
}

/* ---- instances ---------------------------------------------------------- */

static LkInstance *
get_instance (LkEngine         *engine,
              const LkLicence  *licence,
              guint             number,
              gint64           *out_device_row,
              GError          **error)
{
  g_autoptr(LkStoreStmt) st = NULL;
  GError *local_error = NULL;
  LkStoreStep step;

  st = lk_engine_prepare (engine, "SELECT " INSTANCE_COLUMNS ", i.device_id" INSTANCE_FROM
                          "WHERE i.licence_id = ?1 AND i.number = ?2", error);
  if (st == NULL)
    return NULL;
  lk_store_bind_int64 (st, 1, licence->id);
  lk_store_bind_int64 (st, 2, number);
  step = lk_store_step (st, &local_error);
  if (step == LK_STORE_STEP_ERROR)
    {
      lk_engine_propagate_store_error (error, local_error, 0);
      return NULL;
    }
  if (step == LK_STORE_STEP_DONE)
    {
      g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_INSTANCE_NOT_FOUND,
                   _("The licence has no instance %u"), number);
      return NULL;
    }
  if (out_device_row != NULL)
    *out_device_row = lk_store_column_is_null (st, 9) ? 0 : lk_store_column_int64 (st, 9);
  return instance_from_row (st, licence->serial);
}

/* Both kinds of test signature: the instance's first OTP, or (with
 * @by_challenge) the OCRA response to the challenge issued for it. */
static gboolean
verify_instance (LkEngine    *engine,
                 gint64       account_id,
                 const char  *serial,
                 guint        number,
                 const char  *otp,
                 gboolean     by_challenge,
                 GError     **error)
{
  const char *operation = by_challenge ? "verify_test_response" : "verify_test_signature";
  g_autofree char *challenge = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(LkLicence) licence = NULL;
  g_autoptr(LkInstance) instance = NULL;
  g_autoptr(GBytes) seed = NULL;
  g_autoptr(LkOtpKey) key = NULL;
  g_autofree char *detail = g_strdup_printf ("instance %u", number);
  gint64 device_row = 0, now = lk_engine_now (engine);
  gint64 matched_step = -1;
  guint64 matched_counter = 0, counter = 0;
  guint window = 0;
  gboolean ok;

  if (otp == NULL || *otp == '\0')
    {
      set_error (&local_error, LK_ENGINE_ERROR_MISSING_FIELD, _("The test signature is missing"));
      goto fail;
    }

  if (!lk_engine_tx_begin (engine, TRUE, &local_error))
    goto fail;
  licence = get_licence (engine, account_id, serial, NULL, &local_error);
  if (licence == NULL)
    goto rollback;
  instance = get_instance (engine, licence, number, &device_row, &local_error);
  if (instance == NULL)
    goto rollback;
  if (instance->state != LK_INSTANCE_PENDING)
    {
      g_set_error (&local_error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_INSTANCE_NOT_PENDING,
                   _("Instance %u is %s, not waiting for a test signature"),
                   number, lk_instance_state_to_string (instance->state));
      goto rollback;
    }

  if (by_challenge)
    {
      g_autoptr(LkStoreStmt) st = lk_engine_prepare (engine,
          "SELECT challenge, challenge_expires FROM licence_instances WHERE licence_id = ?1 AND number = ?2",
          &local_error);
      LkStoreStep step;

      if (st == NULL)
        goto rollback;
      lk_store_bind_int64 (st, 1, licence->id);
      lk_store_bind_int64 (st, 2, number);
      step = lk_store_step (st, &local_error);
      if (step == LK_STORE_STEP_ERROR)
        {
          g_autoptr(GError) store_error = g_steal_pointer (&local_error);

          lk_engine_propagate_store_error (&local_error, g_steal_pointer (&store_error), 0);
          goto rollback;
        }
      if (step == LK_STORE_STEP_ROW && !lk_store_column_is_null (st, 0) &&
          now < lk_store_column_int64 (st, 1))
        challenge = g_strdup (lk_store_column_text (st, 0));
      if (challenge == NULL)
        {
          set_error (&local_error, LK_ENGINE_ERROR_TEST_SIGNATURE_INVALID,
                     _("No challenge is open for this instance (none was issued, it expired, or it was used); issue a new one"));
          goto rollback;
        }
    }

  {
    g_autoptr(LkStoreStmt) st = lk_engine_prepare (engine,
        "SELECT seed, key_version, counter, window, state FROM devices WHERE id = ?1 AND account_id = ?2",
        &local_error);
    LkStoreStep step;
    gsize blob_len = 0;
    const guint8 *blob;

    if (st == NULL)
      goto rollback;
    lk_store_bind_int64 (st, 1, device_row);
    lk_store_bind_int64 (st, 2, account_id);
    step = lk_store_step (st, &local_error);
    if (step != LK_STORE_STEP_ROW)
      {
        if (step == LK_STORE_STEP_ERROR)
          {
            g_autoptr(GError) store_error = g_steal_pointer (&local_error);

            lk_engine_propagate_store_error (&local_error, g_steal_pointer (&store_error), 0);
          }
        else
          set_error (&local_error, LK_ENGINE_ERROR_INSTANCE_NOT_FOUND, _("The instance's device is gone"));
        goto rollback;
      }
    blob = lk_store_column_blob (st, 0, &blob_len);
    seed = lk_engine_unseal (engine, LK_SEAL_SEED, account_id, instance->device_serial,
                             lk_store_column_int64 (st, 1), blob, blob_len, &local_error);
    if (seed == NULL)
      goto rollback;
    counter = (guint64) lk_store_column_int64 (st, 2);
    window = (guint) lk_store_column_int64 (st, 3);
    /* Wrong test signatures lock the device like wrong logins do; a locked
     * one takes no more guesses. */
    if (lk_store_column_int64 (st, 4) == LK_DEVICE_STATE_LOCKED)
      {
        set_error (&local_error, LK_ENGINE_ERROR_LOCKED,
                   _("Too many wrong test signatures locked the new instance; deactivate it and add the device again"));
        goto rollback;
      }
  }

  if (by_challenge)
    {
      LkActivationOtp params;
      char expected[LK_OTP_CODE_SIZE];

      params.type = licence->otp_type == LK_OTP_TYPE_EVENT ? LK_ACTIVATION_OTP_HOTP : LK_ACTIVATION_OTP_TOTP;
      params.algorithm = licence->algorithm;
      params.digits = licence->digits;
      params.period = licence->period;
      if (!lk_activation_test_response (&params, g_bytes_get_data (seed, NULL), g_bytes_get_size (seed),
                                        challenge, expected, &local_error))
        goto rollback;
      ok = lk_secure_str_equal (expected, otp);
      lk_secure_wipe (expected, sizeof expected);

      /* One answer per challenge: a wrong one needs a new challenge, so
       * guessing costs a round trip to the helpdesk each time. */
      {
        g_autoptr(LkStoreStmt) st = lk_engine_prepare (engine,
            "UPDATE licence_instances SET challenge = NULL, challenge_expires = 0"
            " WHERE licence_id = ?1 AND number = ?2", &local_error);
        if (st == NULL)
          goto rollback;
        lk_store_bind_int64 (st, 1, licence->id);
        lk_store_bind_int64 (st, 2, number);
        if (!lk_engine_step_done (st, 0, &local_error))
          goto rollback;
      }
    }
  else
    {
      key = lk_otp_key_new (licence->algorithm, g_bytes_get_data (seed, NULL), g_bytes_get_size (seed),
                            &local_error);
      if (key == NULL)
        goto rollback;
      if (licence->otp_type == LK_OTP_TYPE_EVENT)
        ok = lk_hotp_validate (key, licence->digits, counter, window, otp, &matched_counter);
      else
        ok = lk_totp_validate (key, licence->digits, now, 0, licence->period, 0,
                               MAX (licence->window, TEST_SIGNATURE_MIN_STEPS), otp, &matched_step);
    }

  if (!ok)
    {
      /* Count it on the device like any failed OTP, so guessing locks it. */
      g_autoptr(LkStoreStmt) st = lk_engine_prepare (engine,
          "UPDATE devices SET fail_count = fail_count + 1, state = CASE WHEN fail_count + 1 >= ?2"
          " THEN ?3 ELSE state END, updated_at = ?4 WHERE id = ?1", &local_error);
      if (st == NULL)
        goto rollback;
      lk_store_bind_int64 (st, 1, device_row);
      lk_store_bind_int64 (st, 2, engine->config.max_failures);
      lk_store_bind_int64 (st, 3, LK_DEVICE_STATE_LOCKED);
      lk_store_bind_int64 (st, 4, now);
      if (!lk_engine_step_done (st, 0, &local_error))
        goto rollback;
      g_clear_pointer (&st, lk_store_stmt_release);
      set_error (&local_error, LK_ENGINE_ERROR_TEST_SIGNATURE_INVALID,
                 by_challenge
                 ? _("The response does not match the challenge for the new instance; issue a new challenge")
                 : _("The test signature does not match the new instance; check the code shown on the device"));
      if (!lk_engine_tx_commit (engine, NULL))
        lk_engine_tx_rollback (engine);
      goto fail;
    }

  {
    /* The accepted code counts as used: the next login needs a newer one. */
    g_autoptr(LkStoreStmt) st = lk_engine_prepare (engine,
        "UPDATE devices SET state = ?2, activated_at = ?3, updated_at = ?3, fail_count = 0,"
        " counter = ?4, last_step = ?5, last_used_at = ?3 WHERE id = ?1", &local_error);
    if (st == NULL)
      goto rollback;
    lk_store_bind_int64 (st, 1, device_row);
    lk_store_bind_int64 (st, 2, LK_DEVICE_STATE_ACTIVE);
    lk_store_bind_int64 (st, 3, now);
    /* An OCRA response uses no counter or time step. */
    lk_store_bind_int64 (st, 4, (gint64) (licence->otp_type == LK_OTP_TYPE_EVENT && !by_challenge
                                          ? matched_counter + 1 : counter));
    lk_store_bind_int64 (st, 5, licence->otp_type == LK_OTP_TYPE_EVENT || by_challenge ? -1 : matched_step);
    if (!lk_engine_step_done (st, 0, &local_error))
      goto rollback;
  }
  {
    g_autoptr(LkStoreStmt) st = lk_engine_prepare (engine,
        "UPDATE licence_instances SET state = ?3, activated_at = ?4 WHERE licence_id = ?1 AND number = ?2",
        &local_error);
    if (st == NULL)
      goto rollback;
    lk_store_bind_int64 (st, 1, licence->id);
    lk_store_bind_int64 (st, 2, number);
    lk_store_bind_int64 (st, 3, LK_INSTANCE_ACTIVE);
    lk_store_bind_int64 (st, 4, now);
    if (!lk_engine_step_done (st, 0, &local_error))
      goto rollback;
  }

  lk_engine_audit (engine, account_id, operation, licence->user_login, licence->serial, NULL, detail);
  if (!lk_engine_tx_commit (engine, &local_error))
    goto fail;
  return TRUE;

rollback:
  lk_engine_tx_rollback (engine);
fail:
  lk_engine_audit (engine, account_id, operation, NULL, serial, local_error, detail);
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

gboolean
lk_engine_verify_test_signature (LkEngine    *engine,
                                 gint64       account_id,
                                 const char  *serial,
                                 guint        number,
                                 const char  *otp,
                                 GError     **error)
{
  return verify_instance (engine, account_id, serial, number, otp, FALSE, error);
}

gboolean
lk_engine_verify_test_response (LkEngine    *engine,
                                gint64       account_id,
                                const char  *serial,
                                guint        number,
                                const char  *response,
                                GError     **error)
{
  return verify_instance (engine, account_id, serial, number, response, TRUE, error);
}

char *
lk_engine_issue_test_challenge (LkEngine    *engine,
                                gint64       account_id,
                                const char  *serial,
                                guint        number,
                                char       **out_suite,
                                GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(LkLicence) licence = NULL;
  g_autoptr(LkInstance) instance = NULL;
  g_autofree char *detail = g_strdup_printf ("instance %u", number);
  char challenge[LK_ACTIVATION_CHALLENGE_DIGITS + 1];
  gint64 now = lk_engine_now (engine);

  if (!lk_engine_tx_begin (engine, TRUE, &local_error))
    goto fail;
  licence = get_licence (engine, account_id, serial, NULL, &local_error);
  if (licence == NULL)
    goto rollback;
  instance = get_instance (engine, licence, number, NULL, &local_error);
  if (instance == NULL)
    goto rollback;
  if (instance->state != LK_INSTANCE_PENDING)
    {
      g_set_error (&local_error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_INSTANCE_NOT_PENDING,
                   _("Instance %u is %s, not waiting for a test signature"),
                   number, lk_instance_state_to_string (instance->state));
      goto rollback;
    }
  if (!lk_activation_new_challenge (challenge, &local_error))
    goto rollback;
  {
    g_autoptr(LkStoreStmt) st = lk_engine_prepare (engine,
        "UPDATE licence_instances SET challenge = ?3, challenge_expires = ?4 WHERE licence_id = ?1 AND number = ?2",
        &local_error);
    if (st == NULL)
      goto rollback;
    lk_store_bind_int64 (st, 1, licence->id);
    lk_store_bind_int64 (st, 2, number);
    lk_store_bind_text (st, 3, challenge);
    lk_store_bind_int64 (st, 4, now + TEST_CHALLENGE_LIFETIME);
    if (!lk_engine_step_done (st, 0, &local_error))
      goto rollback;
  }
  lk_engine_audit (engine, account_id, "issue_test_challenge", licence->user_login, licence->serial, NULL, detail);
  if (!lk_engine_tx_commit (engine, &local_error))
    goto fail;

  if (out_suite != NULL)
    {
      LkActivationOtp params;

      params.type = licence->otp_type == LK_OTP_TYPE_EVENT ? LK_ACTIVATION_OTP_HOTP : LK_ACTIVATION_OTP_TOTP;
      params.algorithm = licence->algorithm;
      params.digits = licence->digits;
      params.period = licence->period;
      *out_suite = lk_activation_ocra_suite (&params);
    }
  return g_strdup (challenge);

rollback:
  lk_engine_tx_rollback (engine);
fail:
  lk_engine_audit (engine, account_id, "issue_test_challenge", NULL, serial, local_error, detail);
  g_propagate_error (error, g_steal_pointer (&local_error));
  return NULL;
}

GPtrArray *
lk_engine_list_instances (LkEngine    *engine,
                          gint64       account_id,
                          const char  *serial,
                          GError     **error)
{
  g_autoptr(GPtrArray) instances = g_ptr_array_new_with_free_func ((GDestroyNotify) lk_instance_free);
  g_autoptr(LkLicence) licence = NULL;
  g_autoptr(LkStoreStmt) st = NULL;
  GError *local_error = NULL;
  LkStoreStep step;

  if (!lk_engine_tx_begin (engine, FALSE, error))
    return NULL;
  licence = get_licence (engine, account_id, serial, NULL, error);
  if (licence == NULL)
    goto rollback;
  st = lk_engine_prepare (engine, "SELECT " INSTANCE_COLUMNS INSTANCE_FROM
                          "WHERE i.licence_id = ?1 ORDER BY i.number", error);
  if (st == NULL)
    goto rollback;
  lk_store_bind_int64 (st, 1, licence->id);
  while ((step = lk_store_step (st, &local_error)) == LK_STORE_STEP_ROW)
    g_ptr_array_add (instances, instance_from_row (st, licence->serial));
  if (step == LK_STORE_STEP_ERROR)
    {
      lk_engine_propagate_store_error (error, local_error, 0);
      goto rollback;
    }
  g_clear_pointer (&st, lk_store_stmt_release);
  lk_engine_tx_rollback (engine);
  return g_steal_pointer (&instances);

rollback:
  g_clear_pointer (&st, lk_store_stmt_release);
  lk_engine_tx_rollback (engine);
  return NULL;
}

gboolean
lk_engine_deactivate_instance (LkEngine    *engine,
                               gint64       account_id,
                               const char  *serial,
                               guint        number,
                               GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(LkLicence) licence = NULL;
  g_autoptr(LkInstance) instance = NULL;
  g_autofree char *detail = g_strdup_printf ("instance %u", number);

  if (!lk_engine_tx_begin (engine, TRUE, &local_error))
    goto fail;
  licence = get_licence (engine, account_id, serial, NULL, &local_error);
  if (licence == NULL)
    goto rollback;
  instance = get_instance (engine, licence, number, NULL, &local_error);
  if (instance == NULL)
    goto rollback;
  if (instance->state == LK_INSTANCE_DEACTIVATED)
    {
      g_set_error (&local_error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_INSTANCE_NOT_FOUND,
                   _("Instance %u is already deactivated"), number);
      goto rollback;
    }
  if (!deactivate_in_tx (engine, licence->id, number, &local_error))
    goto rollback;
  lk_engine_audit (engine, account_id, "deactivate_instance", licence->user_login, licence->serial, NULL, detail);
  if (!lk_engine_tx_commit (engine, &local_error))
    goto fail;
  return TRUE;

rollback:
  lk_engine_tx_rollback (engine);
fail:
  lk_engine_audit (engine, account_id, "deactivate_instance", NULL, serial, local_error, detail);
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}
