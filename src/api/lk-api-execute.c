/* SPDX-License-Identifier: GPL-3.0-or-later
 * Runs a decoded request on the engine: partner login, then one engine call,
 * its result or error folded into an LkApiResponse. */
#include "config.h"

#include <glib/gi18n.h>

#include "lk-api-execute.h"
#include "lk-api-activation.h"
#include "lk-api-bulk.h"

static void
fill_device_spec (LkDeviceSpec       *spec,
                  const LkApiRequest *request)
{
  lk_device_spec_init (spec);
  spec->device_type = request->device_type;
  spec->otp_type = request->otp_type;
  spec->otp_length = request->otp_length;
  spec->window_size = request->window_size;
  spec->time_drift = request->time_drift;
  spec->otp_pin = request->otp_pin;
  spec->psn = request->psn;
  spec->secret_key_hex = request->secret_key_hex;
  spec->secret_key_base64 = request->secret_key_base64;
  spec->notification_method = request->notification_method;
  spec->mobile_auth = request->mobile_auth;
  spec->mobile_usage = request->mobile_usage;
  spec->soft_token_alias = request->soft_token_alias;
  spec->algorithm = request->algorithm;
  spec->ocra_suite = request->ocra_suite;
}

static guint
unset_to_zero (int value)
{
  return value == LK_UNSET ? 0 : (guint) value;
}

/* After an operation that changes a device, its record as it is now, so a
 * client sees the new state without a second call. */
static gboolean
refetch_device (LkEngine            *engine,
                gint64               account_id,
                const LkApiRequest  *request,
                LkApiResponse       *response,
                gboolean             done,
                GError             **error)
{
  if (!done)
    return FALSE;
  response->device = lk_engine_find_device (engine, account_id, request->serial, error);
  return response->device != NULL;
}

static gboolean
run (LkEngine            *engine,
     gint64               account_id,
     const LkApiRequest  *request,
     LkApiResponse       *response,
     GError             **error)
{
  const char *login = request->username != NULL && *request->username != '\0' ? request->username : NULL;
  const char *serial = request->serial != NULL && *request->serial != '\0' ? request->serial : NULL;

  switch (request->op)
    {
    case LK_API_OP_ENROLL_USER:
      {
        LkUserSpec spec;
        g_autoptr(LkEnrollResult) result = NULL;

        lk_user_spec_init (&spec);
        spec.login = request->username;
        spec.first_name = request->first_name;
        spec.last_name = request->last_name;
        spec.email = request->email;
        spec.mobile_phone = request->mobile_phone;
        spec.password = request->password;
        spec.with_device = request->with_device;
        fill_device_spec (&spec.device, request);
        result = lk_engine_enroll_user (engine, account_id, &spec, error);
        if (result == NULL)
          return FALSE;
        response->user = g_steal_pointer (&result->user);
        response->device = g_steal_pointer (&result->device);
        response->generated_password = g_steal_pointer (&result->generated_password);
        response->message_id = result->outbox_id;
        return TRUE;
      }

    case LK_API_OP_FIND_USER:
      response->user = lk_engine_find_user (engine, account_id, request->username, error);
      return response->user != NULL;

    case LK_API_OP_FIND_USERS:
      response->users = lk_engine_find_users_sorted (engine, account_id, request->search,
                                                     unset_to_zero (request->sort), request->descending,
                                                     unset_to_zero (request->offset), unset_to_zero (request->limit),
                                                     &response->total, error);
      return response->users != NULL;

    case LK_API_OP_UPDATE_USER:
      {
        LkUserUpdate update;

        lk_user_update_init (&update);
        update.new_login = request->new_username;
        update.first_name = request->first_name;
        update.last_name = request->last_name;
        update.email = request->email;
        update.mobile_phone = request->mobile_phone;
        update.password = request->password;
        update.enabled = request->enabled;
        response->user = lk_engine_update_user (engine, account_id, request->username, &update, error);
        return response->user != NULL;
      }

    case LK_API_OP_DELETE_USER:
      return lk_engine_delete_user (engine, account_id, request->username, error);

    case LK_API_OP_VALIDATE_USER:
      return lk_engine_validate_user (engine, account_id, request->username, request->password, error);

    case LK_API_OP_ENABLE_USER:
    case LK_API_OP_DISABLE_USER:
      if (!lk_engine_set_user_enabled (engine, account_id, request->username,
                                       request->op == LK_API_OP_ENABLE_USER, error))
        return FALSE;
      response->user = lk_engine_find_user (engine, account_id, request->username, error);
      return response->user != NULL;

    case LK_API_OP_GET_USER_AUDIT:
      response->audit = lk_engine_list_audit (engine, account_id, login, unset_to_zero (request->offset),
                                              unset_to_zero (request->limit), error);
      return response->audit != NULL;

    case LK_API_OP_ADD_DEVICE:
      {
        LkDeviceSpec spec;

        fill_device_spec (&spec, request);
        response->device = lk_engine_add_device (engine, account_id, login, &spec, &response->message_id, error);
        return response->device != NULL;
      }

    case LK_API_OP_PROVISION_DEVICE:
    case LK_API_OP_SELF_PROVISION_DEVICE:
    case LK_API_OP_GET_DEVICE_QRCODE:
      {
        g_autoptr(LkProvisionResult) result = NULL;

        /* The user's own password stands in for the partner key: a wrong
         * one (or an unknown user) is 9001, a disabled user 9007. */
        if (request->op == LK_API_OP_SELF_PROVISION_DEVICE
            && !lk_engine_validate_user (engine, account_id, login, request->password, error))
          {
            if (g_error_matches (*error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_USER_NOT_FOUND))
              {
                g_clear_error (error);
                g_set_error_literal (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_USER_LOGIN_FAILED,
                                     _("User login failed"));
              }
            return FALSE;
          }
        if (request->op != LK_API_OP_GET_DEVICE_QRCODE)
          result = lk_engine_provision_device (engine, account_id, request->username, serial,
                                               request->physical_device_id, request->password, error);
        else
          result = lk_engine_get_device_qrcode (engine, account_id, login, serial,
                                                unset_to_zero (request->png_scale), error);
        if (result == NULL)
          return FALSE;
        response->device = g_steal_pointer (&result->device);
        response->uri = g_steal_pointer (&result->uri);
        response->png = g_steal_pointer (&result->png);
        response->svg = g_steal_pointer (&result->svg);
        return TRUE;
      }

    case LK_API_OP_ACTIVATE_DEVICE:
      return refetch_device (engine, account_id, request, response,
                             lk_engine_activate_device (engine, account_id, login, serial,
                                                        request->otp1, request->otp2, error), error);

    case LK_API_OP_SYNC_DEVICE:
      return refetch_device (engine, account_id, request, response,
                             lk_engine_sync_device (engine, account_id, login, serial,
                                                    request->otp1, request->otp2, error), error);

    case LK_API_OP_FIND_DEVICE:
      response->device = lk_engine_find_device (engine, account_id, serial, error);
      return response->device != NULL;

    case LK_API_OP_FIND_DEVICES:
      if (login != NULL)
        {
          response->devices = lk_engine_list_user_devices (engine, account_id, login, error);
          if (response->devices != NULL)
            response->total = response->devices->len;
        }
      else
        response->devices = lk_engine_list_unassigned_devices (engine, account_id, unset_to_zero (request->offset),
                                                               unset_to_zero (request->limit),
                                                               &response->total, error);
      return response->devices != NULL;

    case LK_API_OP_ASSIGN_DEVICE:
      return refetch_device (engine, account_id, request, response,
                             lk_engine_assign_device (engine, account_id, serial, request->username, error), error);

    case LK_API_OP_UNASSIGN_DEVICE:
      return refetch_device (engine, account_id, request, response,
                             lk_engine_unassign_device (engine, account_id, serial, error), error);

    case LK_API_OP_ENABLE_DEVICE:
    case LK_API_OP_DISABLE_DEVICE:
      return refetch_device (engine, account_id, request, response,
                             lk_engine_set_device_enabled (engine, account_id, serial,
                                                           request->op == LK_API_OP_ENABLE_DEVICE, error),
                             error);

    case LK_API_OP_UNLOCK_DEVICE:
      return refetch_device (engine, account_id, request, response,
                             lk_engine_unlock_device (engine, account_id, serial, error), error);

    case LK_API_OP_DELETE_DEVICE:
      return lk_engine_delete_device (engine, account_id, serial, error);

    case LK_API_OP_VALIDATE_OTP:
      return lk_engine_validate_otp (engine, account_id, login, serial, request->otp,
                                     request->challenge, &response->serial, error);

    case LK_API_OP_SEND_OTP:
      response->message_id = lk_engine_send_otp (engine, account_id, login, serial,
                                                 (LkDeliveryMethod) request->delivery_method, error);
      if (response->message_id <= 0)
        return FALSE;
      response->serial = g_strdup (serial);
      return TRUE;

    case LK_API_OP_GET_DELIVERY:
      /* Scoped to the account: another partner's message is 9511. */
      response->delivery = lk_engine_outbox_get (engine, account_id, request->message_id, error);
      return response->delivery != NULL;

    case LK_API_OP_CREATE_LICENCE:
    case LK_API_OP_FIND_LICENCE:
    case LK_API_OP_START_ACTIVATION:
    case LK_API_OP_ADD_DEVICE_INSTANCE:
    case LK_API_OP_VERIFY_TEST_SIGNATURE:
    case LK_API_OP_LIST_INSTANCES:
    case LK_API_OP_DEACTIVATE_INSTANCE:
    case LK_API_OP_ISSUE_TEST_CHALLENGE:
      return lk_api_activation_execute (engine, account_id, request, response, error);

    case LK_API_OP_IMPORT_DEVICES:
    case LK_API_OP_IMPORT_USERS:
      return lk_api_bulk_execute (engine, account_id, request, response, error);

    case LK_API_OP_CREATE_ACCOUNT:
    case LK_API_OP_INVALID:
    case LK_API_N_OPS:
    default:
      break;
    }
  g_set_error_literal (error, LK_API_ERROR, LK_API_ERROR_UNKNOWN_TYPE, _("Unknown request type"));
  return FALSE;
}

LkApiResponse *
lk_api_execute (LkEngine           *engine,
                const LkApiRequest *request,
                gboolean            allow_create_account)
{
  g_autoptr(LkApiResponse) response = lk_api_response_new (request->op);
  g_autoptr(GError) error = NULL;
  gint64 account_id = 0;
  gboolean ok;

  if (request->op == LK_API_OP_CREATE_ACCOUNT)
    {
      if (!allow_create_account)
        return lk_api_response_new_error (request->op, LK_API_ERROR_NOT_ALLOWED,
                                          _("Partner accounts are created on the server itself (latchkeyctl account create)"));
      ok = lk_engine_create_account (engine, request->account_name, request->account_key, &account_id, &error);
    }
  else if (request->op == LK_API_OP_SELF_PROVISION_DEVICE)
    {
      /* No partner login: the account only names where the user lives,
       * and an unknown one looks like a wrong password. */
      ok = lk_engine_lookup_account (engine, request->account_name, &account_id, NULL);
      if (!ok)
        g_set_error_literal (&error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_USER_LOGIN_FAILED, _("User login failed"));
      ok = ok && run (engine, account_id, request, response, &error);
    }
  else
    {
      ok = lk_engine_login_account (engine, request->account_name, request->account_key, &account_id, &error)
           && run (engine, account_id, request, response, &error);
    }

  if (!ok)
    {
      int code = lk_api_error_to_code (error);

      /* A failed operation returns nothing but its error. */
      return lk_api_response_new_error (request->op, code != 0 ? code : LK_ENGINE_ERROR_INTERNAL,
                                        error != NULL ? error->message : NULL);
    }
  response->error_code = 0;
  response->error_message = g_strdup ("OK");
  return g_steal_pointer (&response);
}
