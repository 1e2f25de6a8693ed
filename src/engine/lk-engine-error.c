/* SPDX-License-Identifier: GPL-3.0-or-later
 * The engine's error quark and the errorCode table (docs/error-codes.md). */
#include "config.h"

#include <glib/gi18n.h>

#include "lk-engine-error.h"
#include "lk-engine-activation.h"
#include "lk-core-error.h"

G_DEFINE_QUARK (lk-engine-error-quark, lk_engine_error)

int
lk_engine_error_to_code (const GError *error)
{
  if (error == NULL)
    return 0;
  if (error->domain == LK_ENGINE_ERROR)
    return error->code;
  if (error->domain == LK_CORE_ERROR &&
      (error->code == LK_CORE_ERROR_INVALID_ARGUMENT ||
       error->code == LK_CORE_ERROR_BASE32 ||
       error->code == LK_CORE_ERROR_URI))
    return LK_ENGINE_ERROR_INVALID_ARGUMENT;
  return LK_ENGINE_ERROR_INTERNAL;
}

gboolean
lk_engine_error_is_temporary (const GError *error)
{
  return error != NULL && error->domain == LK_ENGINE_ERROR &&
         error->code == LK_ENGINE_ERROR_BUSY;
}

const char *
lk_engine_error_describe (int code)
{
  switch (code)
    {
    case 0: return _("OK");
    case LK_ENGINE_ERROR_PARTNER_LOGIN_FAILED: return _("Partner account login failed");
    case LK_ENGINE_ERROR_USER_LOGIN_FAILED: return _("User login failed");
    case LK_ENGINE_ERROR_OTP_ALREADY_USED: return _("This passcode has already been used");
    case LK_ENGINE_ERROR_OTP_INVALID: return _("The passcode is not valid");
    case LK_ENGINE_ERROR_DEVICE_INVALID: return _("The device cannot be used for this");
    case LK_ENGINE_ERROR_USER_DISABLED: return _("The user is disabled");
    case LK_ENGINE_ERROR_DEVICE_TYPE_INVALID: return _("Unknown device type");
    case LK_ENGINE_ERROR_OTP_TYPE_INVALID: return _("Unknown or unsuitable OTP type");
    case LK_ENGINE_ERROR_LOCKED: return _("The device is locked after too many failed passcodes");
    case LK_ENGINE_ERROR_DEVICE_IN_USE: return _("The device is in use");
    case LK_ENGINE_ERROR_DEVICE_NOT_FOUND: return _("Device not found");
    case LK_ENGINE_ERROR_DEVICE_DISABLED: return _("The device is disabled");
    case LK_ENGINE_ERROR_TIME_DRIFT_INVALID: return _("The time drift is out of range");
    case LK_ENGINE_ERROR_NO_DEVICES: return _("The user has no device");
    case LK_ENGINE_ERROR_SENT_OTP_EXPIRED: return _("The passcode sent has expired");
    case LK_ENGINE_ERROR_INVALID_DELIVERY: return _("Invalid delivery method");
    case LK_ENGINE_ERROR_INTERNAL: return _("Internal error");
    case LK_ENGINE_ERROR_INVALID_ARGUMENT: return _("Invalid value");
    case LK_ENGINE_ERROR_MISSING_FIELD: return _("A required field is missing");
    case LK_ENGINE_ERROR_USER_NOT_FOUND: return _("User not found");
    case LK_ENGINE_ERROR_USER_EXISTS: return _("A user with this login already exists");
    case LK_ENGINE_ERROR_DEVICE_EXISTS: return _("A device with this serial number already exists");
    case LK_ENGINE_ERROR_ACCOUNT_EXISTS: return _("An account with this name already exists");
    case LK_ENGINE_ERROR_BUSY: return _("The database is busy; try again");
    case LK_ENGINE_ERROR_STORE: return _("The database cannot be used");
    case LK_ENGINE_ERROR_SEED_CORRUPT: return _("A stored seed is damaged and was refused");
    case LK_ENGINE_ERROR_MASTER_KEY: return _("The master key is missing or does not belong to this database");
    case LK_ENGINE_ERROR_NOT_FOUND: return _("Not found");
    case LK_ENGINE_ERROR_SEND_RATE: return _("Too many passcodes were sent to this user; try again later");
    default:
      /* 9600-9699: multi-device activation keeps its own table. */
      return lk_engine_activation_error_describe (code) ? lk_engine_activation_error_describe (code)
                                                        : _("Unknown error");
    }
}
