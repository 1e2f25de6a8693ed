/* SPDX-License-Identifier: GPL-3.0-or-later
 * JSON API types of multi-device activation: create_licence … deactivate_instance (docs/activation.md). */
#include "config.h"

#include <glib/gi18n.h>

#include "lk-api-activation.h"
#include "lk-secure.h"
#include "lk-api-writer.h"

gboolean
lk_api_activation_handles (LkApiOp op)
{
  switch (op)
    {
    case LK_API_OP_CREATE_LICENCE:
    case LK_API_OP_FIND_LICENCE:
    case LK_API_OP_START_ACTIVATION:
    case LK_API_OP_ADD_DEVICE_INSTANCE:
    case LK_API_OP_VERIFY_TEST_SIGNATURE:
    case LK_API_OP_LIST_INSTANCES:
    case LK_API_OP_DEACTIVATE_INSTANCE:
    case LK_API_OP_ISSUE_TEST_CHALLENGE:
      return TRUE;
    default:
      return FALSE;
    }
}

LkApiActivationRequest *
lk_api_activation_request_new (void)
{
  LkApiActivationRequest *request = g_new0 (LkApiActivationRequest, 1);

  request->max_instances = LK_UNSET;
  request->otp_type = LK_UNSET;
  request->otp_length = LK_UNSET;
  request->period = LK_UNSET;
  request->window = LK_UNSET;
  request->lifetime = LK_UNSET;
  request->max_attempts = LK_UNSET;
  request->instance = LK_UNSET;
  return request;
}

LkApiActivationRequest *
lk_api_activation_request_copy (const LkApiActivationRequest *request)
{
  LkApiActivationRequest *copy;

  if (request == NULL)
    return NULL;
  copy = g_memdup2 (request, sizeof *request);
  copy->serial = g_strdup (request->serial);
  copy->username = g_strdup (request->username);
  copy->algorithm = g_strdup (request->algorithm);
  copy->issuer = g_strdup (request->issuer);
  copy->label = g_strdup (request->label);
  copy->device_code = g_strdup (request->device_code);
  copy->otp = g_strdup (request->otp);
  copy->ocra_response = g_strdup (request->ocra_response);
  return copy;
}

void
lk_api_activation_request_free (LkApiActivationRequest *request)
{
  if (request == NULL)
    return;
  g_free (request->serial);
  g_free (request->username);
  g_free (request->algorithm);
  g_free (request->issuer);
  g_free (request->label);
  lk_secure_str_free (request->device_code);
  lk_secure_str_free (request->otp);
  lk_secure_str_free (request->ocra_response);
  g_free (request);
}

void
lk_api_activation_response_free (LkApiActivationResponse *response)
{
  if (response == NULL)
    return;
  g_clear_pointer (&response->licence, lk_licence_free);
  g_clear_pointer (&response->instance, lk_instance_free);
  g_clear_pointer (&response->instances, g_ptr_array_unref);
  lk_secure_str_free (response->am1);
  g_free (response->activation_id);
  g_free (response->am2);
  g_free (response->challenge);
  g_free (response->ocra_suite);
  g_free (response);
}

/* ---- requests ------------------------------------------------------------ */

static gboolean
require (const char  *value,
         const char  *name,
         GError     **error)
{
  if (value != NULL && *value != '\0')
    return TRUE;
  g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_MISSING_FIELD,
               _("The field “%s” is required"), name);
  return FALSE;
}

static gboolean
require_int (int          value,
             const char  *name,
             GError     **error)
{
  return value != LK_UNSET || require (NULL, name, error);
}

#define SERIAL_NAMES "serialNumber|licenceSerial"

gboolean
lk_api_activation_decode_request (LkApiRequest  *request,
                                  LkApiFields   *fields,
                                  GError       **error)
{
  LkApiActivationRequest *a;

  if (request->activation == NULL)
    request->activation = lk_api_activation_request_new ();
  a = request->activation;

  if (!lk_api_fields_read_string (fields, SERIAL_NAMES, &a->serial, error) ||
      !require (a->serial, "serialNumber", error))
    return FALSE;

  switch (request->op)
    {
    case LK_API_OP_CREATE_LICENCE:
      return lk_api_fields_read_string (fields, "username", &a->username, error)
             && lk_api_fields_read_int (fields, "maxInstances", &a->max_instances, error)
             && lk_api_fields_read_int (fields, "OtpType", &a->otp_type, error)
             && lk_api_fields_read_string (fields, "algorithm", &a->algorithm, error)
             && lk_api_fields_read_int (fields, "OtpLength", &a->otp_length, error)
             && lk_api_fields_read_int (fields, "period", &a->period, error)
             && lk_api_fields_read_int (fields, "windowSize", &a->window, error)
             && lk_api_fields_read_string (fields, "issuer", &a->issuer, error)
             && lk_api_fields_read_string (fields, "label", &a->label, error);

    case LK_API_OP_START_ACTIVATION:
      return lk_api_fields_read_int (fields, "lifetime", &a->lifetime, error)
             && lk_api_fields_read_int (fields, "maxAttempts", &a->max_attempts, error);

    case LK_API_OP_ADD_DEVICE_INSTANCE:
      return lk_api_fields_read_string (fields, "deviceCode", &a->device_code, error)
             && require (a->device_code, "deviceCode", error);

    case LK_API_OP_VERIFY_TEST_SIGNATURE:
      /* Either the first OTP or the answer to a challenge. */
      g_clear_pointer (&a->otp, lk_secure_str_free);
      g_clear_pointer (&a->ocra_response, lk_secure_str_free);
      return lk_api_fields_read_int (fields, "instance", &a->instance, error)
             && require_int (a->instance, "instance", error)
             && lk_api_fields_get_otp (fields, "otp", &a->otp, error)
             && lk_api_fields_get_otp (fields, "ocraResponse", &a->ocra_response, error)
             && (a->ocra_response != NULL || require (a->otp, "otp", error));

    case LK_API_OP_DEACTIVATE_INSTANCE:
    case LK_API_OP_ISSUE_TEST_CHALLENGE:
      return lk_api_fields_read_int (fields, "instance", &a->instance, error)
             && require_int (a->instance, "instance", error);

    case LK_API_OP_FIND_LICENCE:
    case LK_API_OP_LIST_INSTANCES:
      return TRUE;

    default:
      g_set_error_literal (error, LK_API_ERROR, LK_API_ERROR_UNKNOWN_TYPE, _("Unknown request type"));
      return FALSE;
    }
}

void
lk_api_activation_encode_request (const LkApiRequest *request,
                                  JsonBuilder        *builder)
{
  const LkApiActivationRequest *a = request->activation;

  if (a == NULL)
    return;
  lk_api_builder_add_string (builder, "serialNumber", a->serial);
  lk_api_builder_add_string (builder, "username", a->username);
  lk_api_builder_add_int (builder, "maxInstances", a->max_instances);
  lk_api_builder_add_int (builder, "OtpType", a->otp_type);
  lk_api_builder_add_string (builder, "algorithm", a->algorithm);
  lk_api_builder_add_int (builder, "OtpLength", a->otp_length);
  lk_api_builder_add_int (builder, "period", a->period);
  lk_api_builder_add_int (builder, "windowSize", a->window);
  lk_api_builder_add_string (builder, "issuer", a->issuer);
  lk_api_builder_add_string (builder, "label", a->label);
  lk_api_builder_add_int (builder, "lifetime", a->lifetime);
  lk_api_builder_add_int (builder, "maxAttempts", a->max_attempts);
  lk_api_builder_add_string (builder, "deviceCode", a->device_code);
  lk_api_builder_add_int (builder, "instance", a->instance);
  lk_api_builder_add_string (builder, "otp", a->otp);
  lk_api_builder_add_string (builder, "ocraResponse", a->ocra_response);
}

/* ---- responses ----------------------------------------------------------- */

static void
add_licence_members (JsonBuilder     *builder,
                     const LkLicence *licence)
{
  lk_api_builder_add_string (builder, "serialNumber", licence->serial);
  lk_api_builder_add_string (builder, "username", licence->user_login);
  lk_api_builder_add_int (builder, "maxInstances", licence->max_instances);
  lk_api_builder_add_int (builder, "OtpType", licence->otp_type);
  lk_api_builder_add_string (builder, "algorithm", lk_hash_to_string (licence->algorithm));
  lk_api_builder_add_int (builder, "OtpLength", licence->digits);
  lk_api_builder_add_int (builder, "period", licence->period);
  lk_api_builder_add_int (builder, "windowSize", licence->window);
  lk_api_builder_add_string (builder, "issuer", licence->issuer);
  lk_api_builder_add_string (builder, "label", licence->label);
  lk_api_builder_add_int (builder, "instanceCount", licence->instances);
  lk_api_builder_add_int (builder, "created", licence->created_at);
}

static void
add_instance_object (JsonBuilder      *builder,
                     const LkInstance *instance)
{
  json_builder_begin_object (builder);
  lk_api_builder_add_int (builder, "instance", instance->number);
  lk_api_builder_add_string (builder, "serialNumber", instance->licence_serial);
  lk_api_builder_add_string (builder, "deviceId", instance->device_serial);
  lk_api_builder_add_string (builder, "deviceBinding", instance->device_binding);
  lk_api_builder_add_string (builder, "state", lk_instance_state_to_string (instance->state));
  lk_api_builder_add_int (builder, "created", instance->created_at);
  lk_api_builder_add_int (builder, "activated", instance->activated_at);
  lk_api_builder_add_int (builder, "deactivated", instance->deactivated_at);
  lk_api_builder_add_int (builder, "replaces", instance->replaces);
  json_builder_end_object (builder);
}

void
lk_api_activation_encode_response (const LkApiResponse *response,
                                   JsonBuilder         *builder)
{
  const LkApiActivationResponse *a = response->activation;

  if (a == NULL)
    return;
  if (a->licence != NULL)
    add_licence_members (builder, a->licence);
  if (a->instance != NULL)
    {
      json_builder_set_member_name (builder, "instance");
      add_instance_object (builder, a->instance);
    }
  if (a->instances != NULL)
    {
      json_builder_set_member_name (builder, "instances");
      json_builder_begin_array (builder);
      for (guint i = 0; i < a->instances->len; i++)
        add_instance_object (builder, g_ptr_array_index (a->instances, i));
      json_builder_end_array (builder);
    }
  lk_api_builder_add_string (builder, "activationMessage1", a->am1);
  lk_api_builder_add_string (builder, "activationId", a->activation_id);
  if (a->am1 != NULL)
    {
      lk_api_builder_add_int (builder, "expires", a->expires_at);
      lk_api_builder_add_int (builder, "maxAttempts", a->max_attempts);
    }
  lk_api_builder_add_string (builder, "activationMessage2", a->am2);
  lk_api_builder_add_string (builder, "challenge", a->challenge);
  lk_api_builder_add_string (builder, "ocraSuite", a->ocra_suite);
}

static char *
read_string (LkApiFields *fields,
             const char  *name)
{
  char *value = NULL;

  /* A member of the wrong type is read as absent: the client cannot do
   * better than what the server told it. */
  if (!lk_api_fields_get_string (fields, name, &value, NULL))
    return NULL;
  return value;
}

static gint64
read_int (LkApiFields *fields,
          const char  *name)
{
  gint64 value = 0;

  if (!lk_api_fields_get_int (fields, name, G_MININT64, G_MAXINT64, 0, &value, NULL))
    return 0;
  return value;
}

static LkInstance *
decode_instance (JsonObject *object)
{
  g_autoptr(LkApiFields) fields = lk_api_fields_new (object);
  LkInstance *instance = g_new0 (LkInstance, 1);
  g_autofree char *state = read_string (fields, "state");

  instance->number = (guint) read_int (fields, "instance");
  instance->licence_serial = read_string (fields, "serialNumber");
  instance->device_serial = read_string (fields, "deviceId");
  instance->device_binding = read_string (fields, "deviceBinding");
  instance->state = g_strcmp0 (state, "active") == 0 ? LK_INSTANCE_ACTIVE
                    : g_strcmp0 (state, "pending") == 0 ? LK_INSTANCE_PENDING
                    : LK_INSTANCE_DEACTIVATED;
  instance->created_at = read_int (fields, "created");
  instance->activated_at = read_int (fields, "activated");
  instance->deactivated_at = read_int (fields, "deactivated");
  instance->replaces = (guint) read_int (fields, "replaces");
  return instance;
}

void
lk_api_activation_decode_response (LkApiResponse *response,
                                   JsonObject    *object)
{
  g_autoptr(LkApiFields) fields = lk_api_fields_new (object);
  LkApiActivationResponse *a = g_new0 (LkApiActivationResponse, 1);
  JsonObject *nested = NULL;
  JsonArray *array = NULL;

  response->activation = a;
  if ((response->op == LK_API_OP_CREATE_LICENCE || response->op == LK_API_OP_FIND_LICENCE) &&
      lk_api_fields_has (fields, "maxInstances"))
    {
      g_autofree char *algorithm = read_string (fields, "algorithm");
      LkLicence *licence = g_new0 (LkLicence, 1);

      licence->serial = read_string (fields, "serialNumber");
      licence->user_login = read_string (fields, "username");
      licence->max_instances = (guint) read_int (fields, "maxInstances");
      licence->otp_type = (LkOtpType) read_int (fields, "OtpType");
      if (algorithm == NULL || !lk_hash_from_string (algorithm, &licence->algorithm))
        licence->algorithm = LK_HASH_SHA1;
      licence->digits = (guint) read_int (fields, "OtpLength");
      licence->period = (guint) read_int (fields, "period");
      licence->window = (guint) read_int (fields, "windowSize");
      licence->issuer = read_string (fields, "issuer");
      licence->label = read_string (fields, "label");
      licence->instances = (guint) read_int (fields, "instanceCount");
      licence->created_at = read_int (fields, "created");
      if (licence->issuer == NULL)
        licence->issuer = g_strdup ("");
      if (licence->label == NULL)
        licence->label = g_strdup ("");
      a->licence = licence;
    }
  if (lk_api_fields_get_object (fields, "instance", &nested, NULL) && nested != NULL)
    a->instance = decode_instance (nested);
  if (lk_api_fields_get_array (fields, "instances", &array, NULL) && array != NULL)
    {
      a->instances = g_ptr_array_new_with_free_func ((GDestroyNotify) lk_instance_free);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *node = json_array_get_element (array, i);

          if (JSON_NODE_HOLDS_OBJECT (node))
            g_ptr_array_add (a->instances, decode_instance (json_node_get_object (node)));
        }
    }
  a->am1 = read_string (fields, "activationMessage1");
  a->activation_id = read_string (fields, "activationId");
  a->expires_at = read_int (fields, "expires");
  a->max_attempts = (guint) read_int (fields, "maxAttempts");
  a->am2 = read_string (fields, "activationMessage2");
  a->challenge = read_string (fields, "challenge");
  a->ocra_suite = read_string (fields, "ocraSuite");
}

/* ---- execution ----------------------------------------------------------- */

static guint
unset_to_zero (int value)
{
  return value == LK_UNSET ? 0 : (guint) value;
}

gboolean
lk_api_activation_execute (LkEngine            *engine,
                           gint64               account_id,
                           const LkApiRequest  *request,
                           LkApiResponse       *response,
                           GError             **error)
{
  const LkApiActivationRequest *a = request->activation;
  LkApiActivationResponse *out;

  if (a == NULL)
    {
      g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_MISSING_FIELD,
                   _("The field “%s” is required"), "serialNumber");
      return FALSE;
    }
  out = g_new0 (LkApiActivationResponse, 1);
  response->activation = out;

  switch (request->op)
    {
    case LK_API_OP_CREATE_LICENCE:
      {
        LkLicenceSpec spec;

        lk_licence_spec_init (&spec);
        spec.serial = a->serial;
        spec.login = a->username != NULL && *a->username != '\0' ? a->username : NULL;
        spec.max_instances = a->max_instances;
        spec.otp_type = a->otp_type;
        spec.algorithm = a->algorithm;
        spec.otp_length = a->otp_length;
        spec.period = a->period;
        spec.window = a->window;
        spec.issuer = a->issuer;
        spec.label = a->label;
        out->licence = lk_engine_create_licence (engine, account_id, &spec, error);
        return out->licence != NULL;
      }

    case LK_API_OP_FIND_LICENCE:
      out->licence = lk_engine_find_licence (engine, account_id, a->serial, error);
      return out->licence != NULL;

    case LK_API_OP_START_ACTIVATION:
      {
        g_autoptr(LkActivationStart) start = lk_engine_start_activation (engine, account_id, a->serial,
                                                                         unset_to_zero (a->lifetime),
                                                                         unset_to_zero (a->max_attempts),
                                                                         error);
        if (start == NULL)
          return FALSE;
        out->am1 = g_steal_pointer (&start->am1);
        out->activation_id = g_steal_pointer (&start->activation_id);
        out->expires_at = start->expires_at;
        out->max_attempts = start->max_attempts;
        return TRUE;
      }

    case LK_API_OP_ADD_DEVICE_INSTANCE:
      {
        g_autoptr(LkAddDeviceResult) result = lk_engine_add_device_instance (engine, account_id, a->serial,
                                                                             a->device_code, error);
        if (result == NULL)
          return FALSE;
        out->instance = g_steal_pointer (&result->instance);
        out->am2 = g_steal_pointer (&result->am2);
        return TRUE;
      }

    case LK_API_OP_VERIFY_TEST_SIGNATURE:
      if (a->ocra_response != NULL)
        return lk_engine_verify_test_response (engine, account_id, a->serial, unset_to_zero (a->instance),
                                               a->ocra_response, error);
      return lk_engine_verify_test_signature (engine, account_id, a->serial, unset_to_zero (a->instance),
                                              a->otp, error);

    case LK_API_OP_ISSUE_TEST_CHALLENGE:
      out->challenge = lk_engine_issue_test_challenge (engine, account_id, a->serial,
                                                       unset_to_zero (a->instance), &out->ocra_suite, error);
      return out->challenge != NULL;

    case LK_API_OP_LIST_INSTANCES:
      out->instances = lk_engine_list_instances (engine, account_id, a->serial, error);
      return out->instances != NULL;

    case LK_API_OP_DEACTIVATE_INSTANCE:
      return lk_engine_deactivate_instance (engine, account_id, a->serial, unset_to_zero (a->instance), error);

    default:
      g_set_error_literal (error, LK_API_ERROR, LK_API_ERROR_UNKNOWN_TYPE, _("Unknown request type"));
      return FALSE;
    }
}
