/* SPDX-License-Identifier: GPL-3.0-or-later
 * The engine's error domain, whose codes are the SurePassID errorCode numbers
 * (docs/error-codes.md has the full table and says which are our own). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define LK_ENGINE_ERROR (lk_engine_error_quark ())

/* The numeric value of each code is the `errorCode` the JSON API returns, so
 * the API layer passes error->code through unchanged. 9000-9099 are the
 * vendor's numbers; 9500-9599 are Latchkey's own where the vendor has none;
 * 9600-9699 are reserved for multi-device activation (issue 5). */
typedef enum
{
  LK_ENGINE_ERROR_PARTNER_LOGIN_FAILED  = 9000,  /* unknown partner account or wrong key */
  LK_ENGINE_ERROR_USER_LOGIN_FAILED     = 9001,  /* wrong or missing user password */
  LK_ENGINE_ERROR_OTP_ALREADY_USED      = 9002,  /* replay: counter/step at or below the last accepted */
  LK_ENGINE_ERROR_OTP_INVALID           = 9003,  /* no match in the window (or wrong PIN) */
  LK_ENGINE_ERROR_DEVICE_INVALID        = 9004,  /* device not usable for this (not activated, wrong kind) */
  LK_ENGINE_ERROR_USER_DISABLED         = 9007,
  LK_ENGINE_ERROR_DEVICE_TYPE_INVALID   = 9008,  /* deviceType outside 0..3 */
  LK_ENGINE_ERROR_OTP_TYPE_INVALID      = 9011,  /* OtpType outside 0..2, or an operation the type cannot do */
  LK_ENGINE_ERROR_LOCKED                = 9015,  /* too many consecutive failed OTPs */
  LK_ENGINE_ERROR_DEVICE_IN_USE         = 9019,  /* assigned or bound elsewhere */
  LK_ENGINE_ERROR_DEVICE_NOT_FOUND      = 9021,
  LK_ENGINE_ERROR_DEVICE_DISABLED       = 9028,
  LK_ENGINE_ERROR_TIME_DRIFT_INVALID    = 9035,  /* timeDrift out of range */
  LK_ENGINE_ERROR_NO_DEVICES            = 9036,  /* the user has no (active) device */
  LK_ENGINE_ERROR_SENT_OTP_EXPIRED      = 9043,
  LK_ENGINE_ERROR_INVALID_DELIVERY      = 9044,  /* unknown method, or the user has no address for it */

  /* Latchkey's own codes. */
  LK_ENGINE_ERROR_INTERNAL              = 9500,  /* a bug or an unexpected library failure */
  LK_ENGINE_ERROR_INVALID_ARGUMENT      = 9501,  /* a field with a bad value: length, encoding, range */
  LK_ENGINE_ERROR_MISSING_FIELD         = 9502,  /* a required field is absent or empty */
  LK_ENGINE_ERROR_USER_NOT_FOUND        = 9503,
  LK_ENGINE_ERROR_USER_EXISTS           = 9504,  /* login name taken in this account */
  LK_ENGINE_ERROR_DEVICE_EXISTS         = 9505,  /* serial (psn) taken in this account */
  LK_ENGINE_ERROR_ACCOUNT_EXISTS        = 9506,
  LK_ENGINE_ERROR_BUSY                  = 9507,  /* temporary: the store is locked or unreachable; retry */
  LK_ENGINE_ERROR_STORE                 = 9508,  /* the database cannot be opened, migrated or written */
  LK_ENGINE_ERROR_SEED_CORRUPT          = 9509,  /* a stored seed failed authentication (tampered or swapped) */
  LK_ENGINE_ERROR_MASTER_KEY            = 9510,  /* the master key is missing, unreadable or not this database's */
  LK_ENGINE_ERROR_NOT_FOUND             = 9511,  /* another record (outbox message, account) does not exist */
  LK_ENGINE_ERROR_SEND_RATE             = 9512,  /* too many passcodes sent to this user lately; try later */
} LkEngineError;

GQuark       lk_engine_error_quark    (void);

/* The API errorCode for any GError: the code itself for LK_ENGINE_ERROR,
 * LK_ENGINE_ERROR_INVALID_ARGUMENT for core parse errors, and
 * LK_ENGINE_ERROR_INTERNAL for anything else. 0 for NULL. */
int          lk_engine_error_to_code  (const GError *error);

/* A short, translated, secret-free sentence for @code (used as the
 * errorMessage when none is more specific); "OK" for 0. */
const char  *lk_engine_error_describe (int           code);

/* TRUE for the codes a client may simply retry (LK_ENGINE_ERROR_BUSY). */
gboolean     lk_engine_error_is_temporary (const GError *error);

G_END_DECLS
