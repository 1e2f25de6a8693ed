/* SPDX-License-Identifier: GPL-3.0-or-later
 * Passcodes: validation (the hot path), activation and resynchronisation
 * with two consecutive OTPs, and sending a passcode through the outbox.
 *
 * Each check is one write transaction (BEGIN IMMEDIATE): read the device,
 * check the code, write the new counter or step, audit, commit. Two
 * submissions of one OTP are serialised by the write lock, and the second
 * sees the first one's counter: exactly one succeeds. */
#include "config.h"

#include <string.h>

#include "lk-engine-private.h"
#include "lk-group-commit.h"
#include "lk-ocra.h"
#include "lk-secure.h"

#define OTP_TEXT_MAX 32   /* a 12-digit PIN and a 10-digit OTP, with room */

#define SELECT_DEVICE \
  "SELECT " LK_ENGINE_DEVICE_COLUMNS ", COALESCE (u.enabled, 1)" LK_ENGINE_DEVICE_FROM
#define COL_USER_ENABLED 30

/* The device row with its sealed seed and PIN hash, as one unit of work. */
typedef struct
{
  LkDevice  *device;
  gint64     user_id;
  gboolean   user_enabled;
  GBytes    *sealed;
  gint64     key_version;
  GBytes    *pin_hash;
} Row;

static void
row_clear (Row *row)
{
  g_clear_pointer (&row->device, lk_device_free);
  g_clear_pointer (&row->sealed, g_bytes_unref);
  g_clear_pointer (&row->pin_hash, g_bytes_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Row, row_clear)

static void
row_read (Row         *row,
          LkStoreStmt *st)
{
  gsize len = 0;
  const void *data;

  row->device = lk_engine_device_from_row (st);
  row->user_id = lk_store_column_is_null (st, LK_DEVCOL_USER_ID) ? 0 : lk_store_column_int64 (st, LK_DEVCOL_USER_ID);
  data = lk_store_column_blob (st, LK_DEVCOL_SEED, &len);
  row->sealed = g_bytes_new (data, len);
  row->key_version = lk_store_column_int64 (st, LK_DEVCOL_KEY_VERSION);
  if (!lk_store_column_is_null (st, LK_DEVCOL_PIN_HASH))
    {
      data = lk_store_column_blob (st, LK_DEVCOL_PIN_HASH, &len);
      row->pin_hash = g_bytes_new (data, len);
    }
  row->user_enabled = lk_store_column_int64 (st, COL_USER_ENABLED) != 0;
}

static gboolean
fail (GError    **error,
      int         code,
      const char *message)
{
  g_set_error_literal (error, LK_ENGINE_ERROR, code, message);
  return FALSE;
}

/* Finds the device: by serial (owned by @login when given), or the user's
 * first active (or locked) device. */
static gboolean
find_device_row (LkEngine   *engine,
                 gint64      account_id,
                 const char *login,
                 const char *serial,
                 Row        *row,
                 GError    **error)
{
  g_autoptr(LkStoreStmt) st = NULL;
  GError *local_error = NULL;
  gint64 user_id = 0;
  gboolean enabled = TRUE;
  LkStoreStep step;

  if (serial == NULL || *serial == '\0')
    {
      /* The common case, one indexed join: the user by login, then the
       * user's first active or locked device. */
      g_autofree char *norm = NULL;

      if (login == NULL || *login == '\0')
        {
          g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_MISSING_FIELD,
                       _("The field “%s” is required"), "username");
          return FALSE;
        }
      norm = lk_engine_normalize (login);
      st = lk_engine_prepare (engine, SELECT_DEVICE "WHERE u.account_id = ?1 AND u.login_norm = ?2 "
                                      "AND d.state IN (1, 3) ORDER BY d.id LIMIT 1 FOR UPDATE", error);
      if (st == NULL)
        return FALSE;
      lk_store_bind_int64 (st, 1, account_id);
      lk_store_bind_text (st, 2, norm);
      step = lk_store_step (st, &local_error);
      if (step == LK_STORE_STEP_ERROR)
        {
          lk_engine_propagate_store_error (error, local_error, 0);
          return FALSE;
        }
      if (step == LK_STORE_STEP_ROW)
        {
          row_read (row, st);
          return TRUE;
        }
      g_clear_pointer (&st, lk_store_stmt_release);
      if (!lk_engine_lookup_user (engine, account_id, login, &user_id, &enabled, error))
        return FALSE;
      goto no_device;
    }

  if (login != NULL && *login != '\0' &&
      !lk_engine_lookup_user (engine, account_id, login, &user_id, &enabled, error))
    return FALSE;
  st = lk_engine_prepare (engine, SELECT_DEVICE "WHERE d.account_id = ?1 AND d.serial = ?2 FOR UPDATE", error);
  if (st == NULL)
    return FALSE;
  lk_store_bind_int64 (st, 1, account_id);
  lk_store_bind_text (st, 2, serial);

  step = lk_store_step (st, &local_error);
  if (step == LK_STORE_STEP_ERROR)
    {
      lk_engine_propagate_store_error (error, local_error, 0);
      return FALSE;
    }
  if (step == LK_STORE_STEP_ROW)
    {
      row_read (row, st);
      if (user_id != 0 && row->user_id != user_id)
        {
          row_clear (row);
          return fail (error, LK_ENGINE_ERROR_DEVICE_NOT_FOUND, _("This user has no device with that serial number"));
        }
      return TRUE;
    }
  return fail (error, LK_ENGINE_ERROR_DEVICE_NOT_FOUND, _("Device not found"));

no_device:
  /* No usable device: say why. */
  {
    g_autoptr(LkStoreStmt) count = lk_engine_prepare (engine,
        "SELECT COUNT(*), COALESCE (SUM (CASE WHEN state = 2 THEN 1 ELSE 0 END), 0) FROM devices WHERE user_id = ?1", error);
    gint64 n = 0, disabled = 0;
    if (count == NULL)
      return FALSE;
    lk_store_bind_int64 (count, 1, user_id);
    if (lk_store_step (count, NULL) == LK_STORE_STEP_ROW)
      {
        n = lk_store_column_int64 (count, 0);
        disabled = lk_store_column_int64 (count, 1);
      }
    if (n == 0)
      return fail (error, LK_ENGINE_ERROR_NO_DEVICES, _("The user has no device"));
    if (disabled == n)
      return fail (error, LK_ENGINE_ERROR_DEVICE_DISABLED, _("The device is disabled"));
    return fail (error, LK_ENGINE_ERROR_DEVICE_INVALID, _("The user's device is not activated yet"));
  }
}

static LkOtpKey *
open_key (LkEngine  *engine,
          Row       *row,
          GBytes   **out_seed,
          GError   **error)
{
  g_autoptr(GBytes) seed = lk_engine_unseal (engine, LK_SEAL_SEED, row->device->account_id, row->device->serial,
                                             row->key_version, g_bytes_get_data (row->sealed, NULL),
                                             g_bytes_get_size (row->sealed), error);
  g_autoptr(GError) key_error = NULL;
  LkOtpKey *key;

  if (seed == NULL)
    return NULL;
  key = lk_otp_key_new (row->device->algorithm, g_bytes_get_data (seed, NULL), g_bytes_get_size (seed), &key_error);
  if (key == NULL)
    {
      g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_SEED_CORRUPT,
                   _("A stored seed cannot be used and was refused"));
      return NULL;
    }
  if (out_seed)
    *out_seed = g_steal_pointer (&seed);
  return key;
}

static gboolean
all_digits (const char *text)
{
  if (*text == '\0')
    return FALSE;
  for (; *text; text++)
    if (!g_ascii_isdigit (*text))
      return FALSE;
  return TRUE;
}

/* Splits PIN + OTP when the device has a PIN and checks the PIN; returns
 * the OTP part. @require_pin FALSE lets admin operations omit the PIN. */
static const char *
strip_pin (LkEngine   *engine,
           Row        *row,
           const char *otp,
           gboolean    require_pin,
           gboolean   *out_pin_ok)
{
  gsize len = strlen (otp);
  guint digits = row->device->digits;

  *out_pin_ok = TRUE;
  if (row->pin_hash == NULL)
    return otp;
  if (len <= digits)
    {
      *out_pin_ok = !require_pin;
      return otp;
    }
  *out_pin_ok = lk_engine_pin_verify (engine, otp, len - digits, g_bytes_get_data (row->pin_hash, NULL),
                                      g_bytes_get_size (row->pin_hash));
  return otp + (len - digits);
}

static gint64
current_step (LkEngine *engine,
              guint     period)
{
  return lk_totp_time_step (lk_engine_now (engine), 0, period);
}

/* ---- OCRA ---- */

static gboolean
ocra_check (LkEngine       *engine,
            const LkDevice *device,
            GBytes         *seed,
            const char     *challenge,
            const char     *code,
            guint64        *io_counter,
            gint64         *io_step,
            GError        **error)
{
  g_autoptr(LkOcraSuite) suite = lk_ocra_suite_parse (device->ocra_suite, NULL);
  LkOcraInput input = { 0 };
  char response[LK_OTP_CODE_SIZE];
  gboolean found = FALSE;

  if (suite == NULL)
    return fail (error, LK_ENGINE_ERROR_SEED_CORRUPT, _("The device's OCRA suite is damaged"));
  if (challenge == NULL || *challenge == '\0')
    return fail (error, LK_ENGINE_ERROR_MISSING_FIELD, _("An OCRA device needs the challenge"));
  if (strlen (challenge) > 128)
    return fail (error, LK_ENGINE_ERROR_INVALID_ARGUMENT, _("The challenge is too long"));
  input.question = challenge;

  if (lk_ocra_suite_uses_counter (suite))
    {
      for (guint64 c = *io_counter; c <= *io_counter + device->window && !found; c++)
        {
          input.counter = c;
          if (!lk_ocra_compute (suite, g_bytes_get_data (seed, NULL), g_bytes_get_size (seed), &input, response, NULL))
            return fail (error, LK_ENGINE_ERROR_INVALID_ARGUMENT, _("The challenge does not fit the device's OCRA suite"));
          if (lk_secure_str_equal (response, code))
            {
              *io_counter = c + 1;
              found = TRUE;
            }
        }
    }
  else if (lk_ocra_suite_uses_timestamp (suite))
    {
      guint ts = MAX (lk_ocra_suite_get_timestep (suite), 1);
      gint64 centre = lk_engine_now (engine) / ts;
      for (gint64 s = centre - device->time_drift; s <= centre + (gint64) device->time_drift && !found; s++)
        {
          input.timestamp = (guint64) s;
          if (!lk_ocra_compute (suite, g_bytes_get_data (seed, NULL), g_bytes_get_size (seed), &input, response, NULL))
            return fail (error, LK_ENGINE_ERROR_INVALID_ARGUMENT, _("The challenge does not fit the device's OCRA suite"));
          if (lk_secure_str_equal (response, code))
            {
              if (s <= *io_step)
                {
                  lk_secure_wipe (response, sizeof response);
                  return fail (error, LK_ENGINE_ERROR_OTP_ALREADY_USED, _("This passcode has already been used"));
                }
              *io_step = s;
              found = TRUE;
            }
        }
    }
  else
    {
      if (!lk_ocra_compute (suite, g_bytes_get_data (seed, NULL), g_bytes_get_size (seed), &input, response, NULL))
        return fail (error, LK_ENGINE_ERROR_INVALID_ARGUMENT, _("The challenge does not fit the device's OCRA suite"));
      found = lk_secure_str_equal (response, code);
    }
  lk_secure_wipe (response, sizeof response);
  if (!found)
    return fail (error, LK_ENGINE_ERROR_OTP_INVALID, _("The passcode is not valid"));
  return TRUE;
}

/* ---- validation ---- */

static gboolean
write_device_state (LkEngine  *engine,
                    Row       *row,
                    guint64    counter,
                    gint64     last_step,
                    gint       time_shift,
                    guint      fail_count,
                    int        state,
                    gboolean   used,
                    GError   **error)
{
  gint64 now = lk_engine_now (engine);
  g_autoptr(LkStoreStmt) st = lk_engine_prepare (engine,
      "UPDATE devices SET counter = ?2, last_step = ?3, time_shift = ?4, fail_count = ?5, state = ?6, "
      "last_used_at = CASE WHEN ?7 THEN ?8 ELSE last_used_at END, updated_at = ?8 WHERE id = ?1", error);

  if (st == NULL)
    return FALSE;
  lk_store_bind_int64 (st, 1, row->device->id);
  lk_store_bind_int64 (st, 2, (gint64) counter);
  lk_store_bind_int64 (st, 3, last_step);
  lk_store_bind_int64 (st, 4, time_shift);
  lk_store_bind_int64 (st, 5, fail_count);
  lk_store_bind_int64 (st, 6, state);
  lk_store_bind_int64 (st, 7, used);
  lk_store_bind_int64 (st, 8, now);
  return lk_engine_step_done (st, 0, error);
}

gboolean
lk_engine_validate_otp (LkEngine    *engine,
                        gint64       account_id,
                        const char  *login,
                        const char  *serial,
                        const char  *otp,
                        const char  *challenge,
                        char       **out_serial,
                        GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GError) verdict = NULL;
  g_auto(Row) row = { 0 };
  g_autoptr(LkOtpKey) key = NULL;
  g_autoptr(GBytes) seed = NULL;
  const char *code;
  gboolean pin_ok = TRUE;
  gboolean matched = FALSE;
  LkDevice *d;
  guint64 counter;
  gint64 step;
  gint shift;

  /* A durable group commit (issue 12) runs the validation on its writer
   * thread, together with the others that arrive meanwhile. */
  if (engine->group_commit != NULL && !engine->in_batch)
    return lk_group_commit_validate_for (engine->group_commit, engine->actor, account_id, login, serial,
                                         otp, challenge, out_serial, error);

  if (otp == NULL || *otp == '\0')
    {
      g_set_error (&local_error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_MISSING_FIELD,
                   _("The field “%s” is required"), "otp");
      goto out;
    }
  if ((login == NULL || *login == '\0') && (serial == NULL || *serial == '\0'))
    {
      g_set_error (&local_error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_MISSING_FIELD,
                   _("The field “%s” is required"), "username");
      goto out;
    }
  if (strlen (otp) > OTP_TEXT_MAX || !all_digits (otp))
    {
      fail (&local_error, LK_ENGINE_ERROR_OTP_INVALID, _("The passcode is not valid"));
      goto out;
    }

  if (!lk_engine_tx_begin (engine, TRUE, &local_error))
    goto out;
  if (!find_device_row (engine, account_id, login, serial, &row, &local_error))
    {
      gboolean found = FALSE;
      g_autoptr(GError) store_error = NULL;

      /* A user without a device may hold a one-off code (send_oath_otp). */
      if (!g_error_matches (local_error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_NO_DEVICES) ||
          (serial != NULL && *serial != '\0'))
        goto rollback;
      if (!lk_engine_oneoff_validate (engine, account_id, login, otp, &found, &verdict, &store_error))
        {
          g_clear_error (&local_error);
          local_error = g_steal_pointer (&store_error);
          goto rollback;
        }
      if (!found)
        goto rollback;
      g_clear_error (&local_error);
      lk_engine_audit (engine, account_id, "validate_oath_otp", login, NULL, verdict, "one-off code");
      if (!lk_engine_tx_commit (engine, &local_error))
        goto out_no_audit;
      if (verdict != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&verdict));
          return FALSE;
        }
      return TRUE;
    }
  d = row.device;
  if (!row.user_enabled)
    {
      fail (&local_error, LK_ENGINE_ERROR_USER_DISABLED, _("The user is disabled"));
      goto rollback;
    }
  switch (d->state)
    {
    case LK_DEVICE_STATE_NEW:
      fail (&local_error, LK_ENGINE_ERROR_DEVICE_INVALID, _("The device is not activated yet"));
      goto rollback;
    case LK_DEVICE_STATE_DISABLED:
      fail (&local_error, LK_ENGINE_ERROR_DEVICE_DISABLED, _("The device is disabled"));
      goto rollback;
    case LK_DEVICE_STATE_LOCKED:
      fail (&local_error, LK_ENGINE_ERROR_LOCKED, _("The device is locked after too many failed passcodes"));
      goto rollback;
    case LK_DEVICE_STATE_ACTIVE:
    default:
      break;
    }

  key = open_key (engine, &row, &seed, &local_error);
  if (key == NULL)
    goto rollback;
  code = strip_pin (engine, &row, otp, TRUE, &pin_ok);

  counter = d->counter;
  step = d->last_time_step;
  shift = d->time_shift;
  if (!pin_ok || strlen (code) != d->digits)
    fail (&verdict, LK_ENGINE_ERROR_OTP_INVALID, _("The passcode is not valid"));
  else if (d->otp_type == LK_OTP_TYPE_EVENT)
    {
      guint64 m = 0;
      if (lk_hotp_validate (key, d->digits, d->counter, d->window, code, &m))
        {
          counter = m + 1;
          matched = TRUE;
        }
      else
        {
          guint64 start = d->counter > d->window ? d->counter - d->window : 0;
          /* start < counter also guards a device with a window of 0 (made
           * by another path) from an unsigned wrap-around. */
          if (start < d->counter && lk_hotp_validate (key, d->digits, start, (guint) (d->counter - 1 - start), code, &m))
            fail (&verdict, LK_ENGINE_ERROR_OTP_ALREADY_USED, _("This passcode has already been used"));
          else
            fail (&verdict, LK_ENGINE_ERROR_OTP_INVALID, _("The passcode is not valid"));
        }
    }
  else if (d->otp_type == LK_OTP_TYPE_TIME)
    {
      gint64 m = 0;
      gint64 now = lk_engine_now (engine);
      if (lk_totp_validate (key, d->digits, now, 0, d->period, d->time_shift, d->time_drift, code, &m))
        {
          if (m <= d->last_time_step)
            fail (&verdict, LK_ENGINE_ERROR_OTP_ALREADY_USED, _("This passcode has already been used"));
          else
            {
              /* Remember where this token's clock is, so a slowly drifting
               * token stays inside the window. */
              step = m;
              shift = (gint) CLAMP (m - lk_totp_time_step (now, 0, d->period),
                                    -(gint64) engine->config.sync_window, (gint64) engine->config.sync_window);
              matched = TRUE;
            }
        }
      else
        fail (&verdict, LK_ENGINE_ERROR_OTP_INVALID, _("The passcode is not valid"));
    }
  else
    {
      matched = ocra_check (engine, d, seed, challenge, code, &counter, &step, &verdict);
      if (!matched && verdict->code != LK_ENGINE_ERROR_OTP_INVALID &&
          verdict->code != LK_ENGINE_ERROR_OTP_ALREADY_USED)
        {
          g_propagate_error (&local_error, g_steal_pointer (&verdict));
          goto rollback;
        }
    }

  if (matched)
    {
      if (!write_device_state (engine, &row, counter, step, shift, 0, LK_DEVICE_STATE_ACTIVE, TRUE, &local_error))
        goto rollback;
    }
  else if (verdict->code == LK_ENGINE_ERROR_OTP_INVALID)
    {
      /* A replay is not a guess, so only wrong codes count toward the lock. */
      guint fails = d->fail_count + 1;
      gboolean lock = fails >= engine->config.max_failures;
      if (!write_device_state (engine, &row, d->counter, d->last_time_step, d->time_shift, fails,
                               lock ? LK_DEVICE_STATE_LOCKED : LK_DEVICE_STATE_ACTIVE, FALSE, &local_error))
        goto rollback;
      if (lock)
        {
          g_clear_error (&verdict);
          fail (&verdict, LK_ENGINE_ERROR_LOCKED, _("Too many failed passcodes: the device is now locked"));
        }
    }
  lk_engine_audit (engine, account_id, "validate_oath_otp", d->user_login ? d->user_login : login, d->serial, verdict, NULL);
  if (!lk_engine_tx_commit (engine, &local_error))
    goto out_no_audit;
  if (verdict != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&verdict));
      return FALSE;
    }
  if (out_serial)
    *out_serial = g_strdup (d->serial);
  return TRUE;

rollback:
  lk_engine_tx_rollback (engine);
out:
  lk_engine_audit (engine, account_id, "validate_oath_otp", login, serial, local_error, NULL);
out_no_audit:
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

/* ---- activation and resynchronisation ---- */

static gboolean
code_at (LkOtpKey   *key,
         guint       digits,
         guint64     counter,
         const char *code)
{
  char buf[LK_OTP_CODE_SIZE];
  gboolean eq;

  lk_hotp_generate (key, counter, digits, buf);
  eq = lk_secure_str_equal (buf, code);
  lk_secure_wipe (buf, sizeof buf);
  return eq;
}

/* Looks for otp1 at c and otp2 at c+1 with c in [@from, @to]; nearest to
 * @centre first for time steps, lowest first for counters. */
static gboolean
find_pair (LkOtpKey   *key,
           guint       digits,
           gint64      from,
           gint64      to,
           gint64      centre,
           const char *otp1,
           const char *otp2,
           gint64     *out_first)
{
  gint64 span = MAX (centre - from, to - centre);

  for (gint64 i = 0; i <= span; i++)
    for (int sign = 0; sign < 2; sign++)
      {
        gint64 c = sign == 0 ? centre + i : centre - i;
        if ((sign == 1 && i == 0) || c < from || c > to || c < 0)
          continue;
        if (code_at (key, digits, (guint64) c, otp1) && code_at (key, digits, (guint64) c + 1, otp2))
          {
            *out_first = c;
            return TRUE;
          }
      }
  return FALSE;
}

static gboolean
two_otps (LkEngine    *engine,
          gint64       account_id,
          const char  *login,
          const char  *serial,
          const char  *otp1,
          const char  *otp2,
          gboolean     activation,
          GError     **error)
{
  const char *operation = activation ? "active_oath_device" : "sync_oath_device";
  g_autoptr(GError) local_error = NULL;
  g_auto(Row) row = { 0 };
  g_autoptr(LkOtpKey) key = NULL;
  const char *c1, *c2;
  gboolean pin1 = TRUE, pin2 = TRUE;
  LkDevice *d;
  gint64 first = 0;
  guint64 counter;
  gint64 step;
  gint shift;

  if (serial == NULL || *serial == '\0')
    {
      g_set_error (&local_error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_MISSING_FIELD,
                   _("The field “%s” is required"), "deviceId");
      goto out;
    }
  if (otp1 == NULL || *otp1 == '\0' || otp2 == NULL || *otp2 == '\0')
    {
      g_set_error (&local_error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_MISSING_FIELD,
                   _("The field “%s” is required"), otp1 == NULL || *otp1 == '\0' ? "otp1" : "otp2");
      goto out;
    }
  if (strlen (otp1) > OTP_TEXT_MAX || strlen (otp2) > OTP_TEXT_MAX || !all_digits (otp1) || !all_digits (otp2))
    {
      fail (&local_error, LK_ENGINE_ERROR_OTP_INVALID, _("The passcode is not valid"));
      goto out;
    }
  if (!lk_engine_tx_begin (engine, TRUE, &local_error))
    goto out;
  if (!find_device_row (engine, account_id, login, serial, &row, &local_error))
    goto rollback;
  d = row.device;
  if (d->otp_type == LK_OTP_TYPE_OCRA)
    {
      fail (&local_error, LK_ENGINE_ERROR_OTP_TYPE_INVALID, _("OCRA devices are not activated or synchronised with OTPs"));
      goto rollback;
    }
  if (d->state == LK_DEVICE_STATE_DISABLED)
    {
      fail (&local_error, LK_ENGINE_ERROR_DEVICE_DISABLED, _("The device is disabled"));
      goto rollback;
    }
  if (activation && d->state != LK_DEVICE_STATE_NEW)
    {
      fail (&local_error, LK_ENGINE_ERROR_DEVICE_INVALID, _("The device is already activated"));
      goto rollback;
    }
  if (!activation && d->state == LK_DEVICE_STATE_NEW)
    {
      fail (&local_error, LK_ENGINE_ERROR_DEVICE_INVALID, _("The device is not activated yet"));
      goto rollback;
    }
  key = open_key (engine, &row, NULL, &local_error);
  if (key == NULL)
    goto rollback;
  c1 = strip_pin (engine, &row, otp1, FALSE, &pin1);
  c2 = strip_pin (engine, &row, otp2, FALSE, &pin2);
  counter = d->counter;
  step = d->last_time_step;
  shift = d->time_shift;
  if (!pin1 || !pin2 || strlen (c1) != d->digits || strlen (c2) != d->digits)
    {
      fail (&local_error, LK_ENGINE_ERROR_OTP_INVALID, _("The passcodes are not valid"));
      goto rollback;
    }
  if (d->otp_type == LK_OTP_TYPE_EVENT)
    {
      gint64 from = (gint64) MIN (d->counter, (guint64) G_MAXINT64 - engine->config.sync_window - 2);
      if (!find_pair (key, d->digits, from, from + engine->config.sync_window, from, c1, c2, &first))
        {
          gint64 back = MAX (from - (gint64) engine->config.sync_window, 0);
          if (from > 0 && find_pair (key, d->digits, back, from - 1, from - 1, c1, c2, &first))
            fail (&local_error, LK_ENGINE_ERROR_OTP_ALREADY_USED, _("These passcodes have already been used"));
          else
            fail (&local_error, LK_ENGINE_ERROR_OTP_INVALID, _("The passcodes are not two consecutive valid codes"));
          goto rollback;
        }
      counter = (guint64) first + 2;
    }
  else
    {
      gint64 now_step = current_step (engine, d->period);
      gint64 w = engine->config.sync_window;
      if (!find_pair (key, d->digits, now_step - w, now_step + w, now_step, c1, c2, &first))
        {
          fail (&local_error, LK_ENGINE_ERROR_OTP_INVALID, _("The passcodes are not two consecutive valid codes"));
          goto rollback;
        }
      if (first + 1 <= d->last_time_step)
        {
          fail (&local_error, LK_ENGINE_ERROR_OTP_ALREADY_USED, _("These passcodes have already been used"));
          goto rollback;
        }
      step = first + 1;
      shift = (gint) (step - now_step);
    }
  if (!write_device_state (engine, &row, counter, step, shift, 0, LK_DEVICE_STATE_ACTIVE, TRUE, &local_error))
    goto rollback;
  if (activation)
    {
      g_autoptr(LkStoreStmt) st = lk_engine_prepare (engine, "UPDATE devices SET activated_at = ?2 WHERE id = ?1", &local_error);
      if (st == NULL)
        goto rollback;
      lk_store_bind_int64 (st, 1, d->id);
      lk_store_bind_int64 (st, 2, lk_engine_now (engine));
      if (!lk_engine_step_done (st, 0, &local_error))
        goto rollback;
    }
  lk_engine_audit (engine, account_id, operation, d->user_login, d->serial, NULL, NULL);
  if (!lk_engine_tx_commit (engine, &local_error))
    goto out;
  return TRUE;

rollback:
  lk_engine_tx_rollback (engine);
out:
  lk_engine_audit (engine, account_id, operation, login, serial, local_error, NULL);
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

gboolean
lk_engine_activate_device (LkEngine    *engine,
                           gint64       account_id,
                           const char  *login,
                           const char  *serial,
                           const char  *otp1,
                           const char  *otp2,
                           GError     **error)
{
  return two_otps (engine, account_id, login, serial, otp1, otp2, TRUE, error);
}

gboolean
lk_engine_sync_device (LkEngine    *engine,
                       gint64       account_id,
                       const char  *login,
                       const char  *serial,
                       const char  *otp1,
                       const char  *otp2,
                       GError     **error)
{
  return two_otps (engine, account_id, login, serial, otp1, otp2, FALSE, error);
}

/* ---- sending ---- */

gint64
lk_engine_send_otp (LkEngine          *engine,
                    gint64             account_id,
                    const char        *login,
                    const char        *serial,
                    LkDeliveryMethod   method,
                    GError           **error)
{
  g_autoptr(GError) local_error = NULL;
  g_auto(Row) row = { 0 };
  g_autoptr(LkOtpKey) key = NULL;
  char code[LK_OTP_CODE_SIZE];
  gint64 expires, id = 0;
  LkDevice *d;

  if ((int) method < LK_DELIVERY_SMS || method > LK_DELIVERY_VOICE)
    {
      fail (&local_error, LK_ENGINE_ERROR_INVALID_DELIVERY, _("Unknown delivery method (expected sms, email or voice)"));
      goto out;
    }
  if (login == NULL || *login == '\0')
    {
      g_set_error (&local_error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_MISSING_FIELD,
                   _("The field “%s” is required"), "username");
      goto out;
    }
  if (!lk_engine_tx_begin (engine, TRUE, &local_error))
    goto out;
  if (!find_device_row (engine, account_id, login, serial, &row, &local_error))
    {
      /* No device at all: a one-off code with an expiry (9043 once past it). */
      if (!g_error_matches (local_error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_NO_DEVICES) ||
          (serial != NULL && *serial != '\0'))
        goto rollback;
      g_clear_error (&local_error);
      id = lk_engine_oneoff_send (engine, account_id, login, method, &local_error);
      if (id == 0)
        goto rollback;
      lk_engine_audit (engine, account_id, "send_oath_otp", login, NULL, NULL, "one-off code");
      if (!lk_engine_tx_commit (engine, &local_error))
        goto out;
      return id;
    }
  d = row.device;
  if (!row.user_enabled)
    {
      fail (&local_error, LK_ENGINE_ERROR_USER_DISABLED, _("The user is disabled"));
      goto rollback;
    }
  if (d->state != LK_DEVICE_STATE_ACTIVE)
    {
      fail (&local_error, d->state == LK_DEVICE_STATE_LOCKED ? LK_ENGINE_ERROR_LOCKED
                          : d->state == LK_DEVICE_STATE_DISABLED ? LK_ENGINE_ERROR_DEVICE_DISABLED
                          : LK_ENGINE_ERROR_DEVICE_INVALID,
            _("The device cannot send a passcode in its current state"));
      goto rollback;
    }
  if (d->otp_type == LK_OTP_TYPE_OCRA)
    {
      fail (&local_error, LK_ENGINE_ERROR_OTP_TYPE_INVALID, _("An OCRA device answers challenges; it has no passcode to send"));
      goto rollback;
    }
  if (!lk_engine_outbox_check_rate (engine, account_id, d->user_login, &local_error))
    goto rollback;
  key = open_key (engine, &row, NULL, &local_error);
  if (key == NULL)
    goto rollback;
  if (d->otp_type == LK_OTP_TYPE_TIME)
    {
      /* The current code of the device's own clock; valid while the
       * validation window still covers it. */
      gint64 now = lk_engine_now (engine);
      gint64 s = lk_totp_time_step (now, 0, d->period) + d->time_shift;
      lk_hotp_generate (key, (guint64) MAX (s, 0), d->digits, code);
      expires = (s + 1 + d->time_drift) * (gint64) d->period - d->time_shift * (gint64) d->period;
    }
  else
    {
      /* The next counter value: validation accepts it and moves past it,
       * so it works exactly once. */
      lk_hotp_generate (key, d->counter, d->digits, code);
      expires = lk_engine_now (engine) + 600;
    }
  id = lk_engine_outbox_add (engine, account_id, LK_OUTBOX_KIND_PASSCODE, method, row.user_id,
                             d->serial, code, expires, &local_error);
  lk_secure_wipe (code, sizeof code);
  if (id == 0)
    goto rollback;
  lk_engine_audit (engine, account_id, "send_oath_otp", d->user_login, d->serial, NULL,
                   lk_delivery_method_to_string (method));
  if (!lk_engine_tx_commit (engine, &local_error))
    goto out;
  return id;

rollback:
  lk_engine_tx_rollback (engine);
out:
  lk_engine_audit (engine, account_id, "send_oath_otp", login, serial, local_error, NULL);
  g_propagate_error (error, g_steal_pointer (&local_error));
  return 0;
}
