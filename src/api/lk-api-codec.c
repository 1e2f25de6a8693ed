/* SPDX-License-Identifier: GPL-3.0-or-later
 * The JSON API codec: requests and responses of every operation, both
 * directions, with the vendor's field names and the reader's leniency. */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "lk-api-codec.h"
#include "lk-api-activation.h"
#include "lk-api-bulk.h"
#include "lk-api-reader.h"
#include "lk-api-writer.h"
#include "lk-secure.h"

/* ---- operations ------------------------------------------------------------ */

static const char *const op_names[LK_API_N_OPS] = {
  [LK_API_OP_ENROLL_USER]       = "add_oath_user",
  [LK_API_OP_FIND_USER]         = "find_user",
  [LK_API_OP_FIND_USERS]        = "find_users",
  [LK_API_OP_UPDATE_USER]       = "update_user",
  [LK_API_OP_DELETE_USER]       = "delete_user",
  [LK_API_OP_VALIDATE_USER]     = "validate_user",
  [LK_API_OP_ENABLE_USER]       = "enable_user",
  [LK_API_OP_DISABLE_USER]      = "disable_user",
  [LK_API_OP_GET_USER_AUDIT]    = "get_user_audit",
  [LK_API_OP_ADD_DEVICE]        = "add_oath_device",
  [LK_API_OP_PROVISION_DEVICE]  = "provision_oath_device",
  [LK_API_OP_GET_DEVICE_QRCODE] = "get_oath_device_qrcode",
  [LK_API_OP_ACTIVATE_DEVICE]   = "active_oath_device",
  [LK_API_OP_SYNC_DEVICE]       = "sync_oath_device",
  [LK_API_OP_FIND_DEVICE]       = "find_device",
  [LK_API_OP_FIND_DEVICES]      = "find_devices",
  [LK_API_OP_ASSIGN_DEVICE]     = "assign_device",
  [LK_API_OP_UNASSIGN_DEVICE]   = "unassign_device",
  [LK_API_OP_ENABLE_DEVICE]     = "enable_device",
  [LK_API_OP_DISABLE_DEVICE]    = "disable_device",
  [LK_API_OP_DELETE_DEVICE]     = "delete_device",
  [LK_API_OP_UNLOCK_DEVICE]     = "unlock_device",
  [LK_API_OP_IMPORT_DEVICES]    = "import_oath_devices",
  [LK_API_OP_IMPORT_USERS]      = "import_users",
  [LK_API_OP_VALIDATE_OTP]      = "validate_oath_otp",
  [LK_API_OP_SEND_OTP]          = "send_oath_otp",
  [LK_API_OP_CREATE_ACCOUNT]    = "create_account",
  [LK_API_OP_CREATE_LICENCE]    = "create_licence",
  [LK_API_OP_FIND_LICENCE]      = "find_licence",
  [LK_API_OP_START_ACTIVATION]  = "start_activation",
  [LK_API_OP_ADD_DEVICE_INSTANCE] = "add_device_instance",
  [LK_API_OP_VERIFY_TEST_SIGNATURE] = "verify_test_signature",
  [LK_API_OP_LIST_INSTANCES]    = "list_instances",
  [LK_API_OP_DEACTIVATE_INSTANCE] = "deactivate_instance",
  [LK_API_OP_ISSUE_TEST_CHALLENGE] = "issue_test_challenge",
  [LK_API_OP_GET_DELIVERY]      = "get_delivery",
  [LK_API_OP_SELF_PROVISION_DEVICE] = "self_provision_oath_device",
};

static const struct
{
  const char *name;
  LkApiOp     op;
} op_aliases[] = {
  { "add_oath_account",      LK_API_OP_ENROLL_USER },
  { "enroll_user",           LK_API_OP_ENROLL_USER },
  { "enrolluser",            LK_API_OP_ENROLL_USER },
  { "activate_oath_device",  LK_API_OP_ACTIVATE_DEVICE },
  { "find_oath_device",      LK_API_OP_FIND_DEVICE },
  { "find_oath_devices",     LK_API_OP_FIND_DEVICES },
  { "enable_oath_device",    LK_API_OP_ENABLE_DEVICE },
  { "disable_oath_device",   LK_API_OP_DISABLE_DEVICE },
  { "delete_oath_device",    LK_API_OP_DELETE_DEVICE },
  { "unlock_oath_device",    LK_API_OP_UNLOCK_DEVICE },
  { "reset_device",          LK_API_OP_UNLOCK_DEVICE },
  { "reset_oath_device",     LK_API_OP_UNLOCK_DEVICE },
  { "assign_oath_device",    LK_API_OP_ASSIGN_DEVICE },
  { "unassign_oath_device",  LK_API_OP_UNASSIGN_DEVICE },
};

const char *
lk_api_op_to_string (LkApiOp op)
{
  if (op <= LK_API_OP_INVALID || op >= LK_API_N_OPS)
    return NULL;
  return op_names[op];
}

gboolean
lk_api_op_from_string (const char *text,
                       LkApiOp    *out_op)
{
  g_autofree char *copy = NULL;
  g_autofree char *key = NULL;

  if (text == NULL)
    return FALSE;
  copy = g_strdup (text);
  key = g_ascii_strdown (g_strstrip (copy), -1);
  for (int op = LK_API_OP_INVALID + 1; op < LK_API_N_OPS; op++)
    if (g_str_equal (op_names[op], key))
      {
        *out_op = op;
        return TRUE;
      }
  for (gsize i = 0; i < G_N_ELEMENTS (op_aliases); i++)
    if (g_str_equal (op_aliases[i].name, key))
      {
        *out_op = op_aliases[i].op;
        return TRUE;
      }
  return FALSE;
}

gboolean
lk_api_op_is_idempotent (LkApiOp op)
{
  switch (op)
    {
    case LK_API_OP_FIND_USER:
    case LK_API_OP_FIND_USERS:
    case LK_API_OP_FIND_DEVICE:
    case LK_API_OP_FIND_DEVICES:
    case LK_API_OP_GET_USER_AUDIT:
    case LK_API_OP_FIND_LICENCE:
    case LK_API_OP_LIST_INSTANCES:
    case LK_API_OP_GET_DELIVERY:
      return TRUE;
    default:
      return FALSE;
    }
}

/* ---- requests ---------------------------------------------------------------- */

LkApiRequest *
lk_api_request_new (LkApiOp op)
{
  LkApiRequest *request = g_new0 (LkApiRequest, 1);

  request->op = op;
  request->enabled = LK_UNSET;
  request->device_type = LK_UNSET;
  request->otp_type = LK_UNSET;
  request->otp_length = LK_UNSET;
  request->window_size = LK_UNSET;
  request->time_drift = LK_UNSET;
  request->notification_method = LK_UNSET;
  request->mobile_auth = LK_UNSET;
  request->mobile_usage = LK_UNSET;
  request->png_scale = LK_UNSET;
  request->delivery_method = LK_UNSET;
  request->offset = LK_UNSET;
  request->limit = LK_UNSET;
  request->sort = LK_UNSET;
  return request;
}

/* The string members, in one list for copy and free; the secret ones are
 * wiped on free. */
#define STRING_MEMBERS(X) \
  X (account_name, FALSE) X (account_key, TRUE) X (username, FALSE) X (new_username, FALSE) \
  X (first_name, FALSE) X (last_name, FALSE) X (email, FALSE) X (mobile_phone, FALSE) \
  X (password, TRUE) X (otp_pin, TRUE) X (psn, FALSE) X (secret_key_hex, TRUE) \
  X (secret_key_base64, TRUE) X (soft_token_alias, FALSE) X (algorithm, FALSE) \
  X (ocra_suite, FALSE) X (serial, FALSE) X (physical_device_id, FALSE) X (otp, TRUE) \
  X (otp1, TRUE) X (otp2, TRUE) X (challenge, FALSE) X (search, FALSE)

LkApiRequest *
lk_api_request_copy (const LkApiRequest *request)
{
  LkApiRequest *copy = g_memdup2 (request, sizeof *request);

#define COPY_STRING(member, secret) copy->member = g_strdup (request->member);
  STRING_MEMBERS (COPY_STRING)
#undef COPY_STRING
  copy->activation = lk_api_activation_request_copy (request->activation);
  copy->bulk = lk_api_bulk_request_copy (request->bulk);
  return copy;
}

void
lk_api_request_free (LkApiRequest *request)
{
  if (request == NULL)
    return;
#define FREE_STRING(member, secret) \
  if (secret) lk_secure_str_free (request->member); else g_free (request->member);
  STRING_MEMBERS (FREE_STRING)
#undef FREE_STRING
  lk_api_activation_request_free (request->activation);
  lk_api_bulk_request_free (request->bulk);
  g_free (request);
}

typedef gboolean (*EnumFromString) (const char *text, int *out);

static gboolean
device_type_from_string (const char *text, int *out)
{
  LkDeviceType value;

  if (!lk_device_type_from_string (text, &value))
    return FALSE;
  *out = value;
  return TRUE;
}

static gboolean
user_sort_from_string (const char *text, int *out)
{
  LkUserSort value;

  if (!lk_user_sort_from_string (text, &value))
    return FALSE;
  *out = value;
  return TRUE;
}

/* "order": "asc" (the default) or "desc". */
static gboolean
get_order (LkApiFields  *fields,
           gboolean     *descending,
           GError      **error)
{
  g_autofree char *text = NULL;

  if (!lk_api_fields_read_string (fields, "order", &text, error))
    return FALSE;
  if (text == NULL || *text == '\0' || g_ascii_strcasecmp (text, "asc") == 0)
    *descending = FALSE;
  else if (g_ascii_strcasecmp (text, "desc") == 0)
    *descending = TRUE;
  else
    {
      g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_INVALID_ARGUMENT,
                   _("The field “%s” has an invalid value"), "order");
      return FALSE;
    }
  return TRUE;
}

static gboolean
otp_type_from_string (const char *text, int *out)
{
  LkOtpType value;

  if (!lk_otp_type_from_string (text, &value))
    return FALSE;
  *out = value;
  return TRUE;
}

static gboolean
delivery_from_string (const char *text, int *out)
{
  LkDeliveryMethod value;

  if (!lk_delivery_method_from_string (text, &value))
    return FALSE;
  *out = value;
  return TRUE;
}

/* An enumerated field given as its number ("1", 1) or its name ("time").
 * A number is passed on for the engine to range-check with the vendor's
 * code; a name nobody knows is @invalid_code at once. */
static gboolean
get_enum (LkApiFields    *fields,
          const char     *name,
          EnumFromString  from_string,
          int             invalid_code,
          int            *slot,
          GError        **error)
{
  g_autofree char *text = NULL;
  gint64 value;

  if (!lk_api_fields_get_string (fields, name, &text, NULL))
    return lk_api_fields_read_int (fields, name, slot, error);   /* reports the type error */
  if (text == NULL || *g_strstrip (text) == '\0')
    {
      *slot = LK_UNSET;
      return TRUE;
    }
  if (g_ascii_isdigit (text[0]) || text[0] == '-')
    {
      if (!lk_api_fields_get_int (fields, name, G_MININT, G_MAXINT, LK_UNSET, &value, error))
        return FALSE;
      if (value < 0)
        {
          g_set_error (error, LK_ENGINE_ERROR, invalid_code, _("The field “%s” has an invalid value"), name);
          return FALSE;
        }
      *slot = (int) value;
      return TRUE;
    }
  if (!from_string (text, slot))
    {
      g_set_error (error, LK_ENGINE_ERROR, invalid_code, _("The field “%s” has an invalid value"), name);
      return FALSE;
    }
  return TRUE;
}

static gboolean
require (const char  *value,
         const char  *name,
         GError     **error)
{
  if (value != NULL && *value != '\0')
    return TRUE;
  g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_MISSING_FIELD,
               _("The field “%s” is missing"), name);
  return FALSE;
}

/* The fields of a device to add, shared by add_oath_device and EnrollUser. */
static gboolean
decode_device_spec (LkApiRequest  *request,
                    LkApiFields   *fields,
                    GError       **error)
{
  return get_enum (fields, "deviceType", device_type_from_string, LK_ENGINE_ERROR_DEVICE_TYPE_INVALID,
                   &request->device_type, error)
         && get_enum (fields, "OtpType", otp_type_from_string, LK_ENGINE_ERROR_OTP_TYPE_INVALID,
                      &request->otp_type, error)
         && lk_api_fields_read_int (fields, "OtpLength", &request->otp_length, error)
         && lk_api_fields_read_int (fields, "windowSize|OtpWindow", &request->window_size, error)
         && lk_api_fields_read_int (fields, "timeDrift", &request->time_drift, error)
         && lk_api_fields_read_string (fields, "OtpPin", &request->otp_pin, error)
         && lk_api_fields_read_string (fields, "psn|deviceId", &request->psn, error)
         && lk_api_fields_read_string (fields, "secretKeyHex", &request->secret_key_hex, error)
         && lk_api_fields_read_string (fields, "secretKeyHexBase64|secretKeyBase64", &request->secret_key_base64, error)
         && lk_api_fields_read_int (fields, "notificationMethod", &request->notification_method, error)
         && lk_api_fields_read_int (fields, "mobileAuth", &request->mobile_auth, error)
         && lk_api_fields_read_int (fields, "mobileUsage", &request->mobile_usage, error)
         && lk_api_fields_read_string (fields, "softTokenAlias", &request->soft_token_alias, error)
         && lk_api_fields_read_string (fields, "algorithm", &request->algorithm, error)
         && lk_api_fields_read_string (fields, "ocraSuite", &request->ocra_suite, error);
}

static const char *const device_spec_fields[] = {
  "deviceType", "OtpType", "OtpLength", "windowSize", "OtpWindow", "timeDrift", "OtpPin", "psn",
  "secretKeyHex", "secretKeyHexBase64", "secretKeyBase64", "mobileAuth", "mobileUsage",
  "softTokenAlias", "algorithm", "ocraSuite",
};

#define SERIAL_NAMES "deviceId|printedSerialNumber|serialNumber|psn"

gboolean
lk_api_request_decode (LkApiRequest  *request,
                       const char    *data,
                       gsize          len,
                       GError       **error)
{
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(LkApiFields) fields = NULL;
  g_autofree char *type = NULL;
  int add_device = -1;
  gint64 value;

  object = lk_api_read_object (data, len, LK_API_MAX_BODY_SIZE, LK_API_MAX_DEPTH, error);
  if (object == NULL)
    return FALSE;
  fields = lk_api_fields_new (object);

  /* The account first, so even a refused request can be logged by name. */
  if (!lk_api_fields_read_string (fields, "spAccountLoginName", &request->account_name, error)
      || !lk_api_fields_read_string (fields, "type", &type, error))
    return FALSE;
  if (type == NULL || *g_strstrip (type) == '\0')
    return require (NULL, "type", error);
  if (!lk_api_op_from_string (type, &request->op))
    {
      request->op = LK_API_OP_INVALID;
      g_set_error (error, LK_API_ERROR, LK_API_ERROR_UNKNOWN_TYPE, _("Unknown request type"));
      return FALSE;
    }

  /* A user provisioning their own device authenticates with their own
   * password: the partner key stays with the helpdesk. */
  if (!lk_api_fields_read_string (fields, "spAccountLoginKey", &request->account_key, error)
      || !require (request->account_name, "spAccountLoginName", error)
      || (request->op != LK_API_OP_SELF_PROVISION_DEVICE
          && !require (request->account_key, "spAccountLoginKey", error)))
    return FALSE;

  /* Every operation reads the fields it knows; unknown ones are ignored,
   * as the reference server does. */
  switch (request->op)
    {
    case LK_API_OP_ENROLL_USER:
      if (!lk_api_fields_read_string (fields, "username|loginName", &request->username, error)
          || !lk_api_fields_read_string (fields, "firstName", &request->first_name, error)
          || !lk_api_fields_read_string (fields, "lastName", &request->last_name, error)
          || !lk_api_fields_read_string (fields, "email", &request->email, error)
          || !lk_api_fields_read_string (fields, "mobilePhone", &request->mobile_phone, error)
          || !lk_api_fields_read_string (fields, "loginPassword|password", &request->password, error)
          || !lk_api_fields_get_bool (fields, "addDevice", &add_device, error)
          || !decode_device_spec (request, fields, error))
        return FALSE;
      if (add_device >= 0)
        request->with_device = add_device == 1;
      else
        for (gsize i = 0; i < G_N_ELEMENTS (device_spec_fields); i++)
          if (lk_api_fields_has (fields, device_spec_fields[i]))
            request->with_device = TRUE;
      return require (request->username, "username", error);

    case LK_API_OP_FIND_USER:
    case LK_API_OP_DELETE_USER:
    case LK_API_OP_ENABLE_USER:
    case LK_API_OP_DISABLE_USER:
      return lk_api_fields_read_string (fields, "username|loginName", &request->username, error)
             && require (request->username, "username", error);

    case LK_API_OP_VALIDATE_USER:
      return lk_api_fields_read_string (fields, "username|loginName", &request->username, error)
             && lk_api_fields_read_string (fields, "loginPassword|password", &request->password, error)
             && require (request->username, "username", error)
             && require (request->password, "loginPassword", error);

    case LK_API_OP_UPDATE_USER:
      if (!lk_api_fields_read_string (fields, "username|loginName", &request->username, error)
          || !lk_api_fields_read_string (fields, "newUsername|newLoginName", &request->new_username, error)
          || !lk_api_fields_read_string (fields, "firstName", &request->first_name, error)
          || !lk_api_fields_read_string (fields, "lastName", &request->last_name, error)
          || !lk_api_fields_read_string (fields, "email", &request->email, error)
          || !lk_api_fields_read_string (fields, "mobilePhone", &request->mobile_phone, error)
          || !lk_api_fields_read_string (fields, "loginPassword|password", &request->password, error)
          || !lk_api_fields_get_bool (fields, "enabled", &request->enabled, error))
        return FALSE;
      return require (request->username, "username", error);

    case LK_API_OP_FIND_USERS:
    case LK_API_OP_GET_USER_AUDIT:
    case LK_API_OP_FIND_DEVICES:
      if (!lk_api_fields_read_string (fields, "username|loginName", &request->username, error)
          || !lk_api_fields_read_string (fields, "search", &request->search, error)
          || !lk_api_fields_get_int (fields, "offset", 0, G_MAXINT, LK_UNSET, &value, error))
        return FALSE;
      request->offset = (int) value;
      if (!lk_api_fields_get_int (fields, "limit", 0, 1000, LK_UNSET, &value, error))
        return FALSE;
      request->limit = (int) value;
      if (request->op == LK_API_OP_FIND_USERS)
        return get_enum (fields, "sort", user_sort_from_string, LK_ENGINE_ERROR_INVALID_ARGUMENT,
                         &request->sort, error)
               && get_order (fields, &request->descending, error);
      return TRUE;

    case LK_API_OP_ADD_DEVICE:
      return lk_api_fields_read_string (fields, "username|loginName", &request->username, error)
             && decode_device_spec (request, fields, error);

    case LK_API_OP_PROVISION_DEVICE:
    case LK_API_OP_SELF_PROVISION_DEVICE:
      return lk_api_fields_read_string (fields, "username|loginName", &request->username, error)
             && lk_api_fields_read_string (fields, SERIAL_NAMES, &request->serial, error)
             && lk_api_fields_read_string (fields, "physicalDeviceId", &request->physical_device_id, error)
             && lk_api_fields_read_string (fields, "loginPassword|password", &request->password, error)
             && require (request->username, "username", error)
             && (request->op != LK_API_OP_SELF_PROVISION_DEVICE || require (request->password, "loginPassword", error))
             && require (request->serial, "deviceId", error)
             && require (request->physical_device_id, "physicalDeviceId", error);

    case LK_API_OP_GET_DEVICE_QRCODE:
      return lk_api_fields_read_string (fields, "username|loginName", &request->username, error)
             && lk_api_fields_read_string (fields, SERIAL_NAMES, &request->serial, error)
             && lk_api_fields_read_int (fields, "qrScale", &request->png_scale, error)
             && require (request->serial, "deviceId", error);

    case LK_API_OP_ACTIVATE_DEVICE:
    case LK_API_OP_SYNC_DEVICE:
      return lk_api_fields_read_string (fields, "username|loginName", &request->username, error)
             && lk_api_fields_read_string (fields, SERIAL_NAMES, &request->serial, error)
             && lk_api_fields_get_otp (fields, "otp1", &request->otp1, error)
             && lk_api_fields_get_otp (fields, "otp2", &request->otp2, error)
             && require (request->serial, "deviceId", error)
             && require (request->otp1, "otp1", error)
             && require (request->otp2, "otp2", error);

    case LK_API_OP_ASSIGN_DEVICE:
      return lk_api_fields_read_string (fields, "username|loginName", &request->username, error)
             && lk_api_fields_read_string (fields, SERIAL_NAMES, &request->serial, error)
             && require (request->serial, "deviceId", error)
             && require (request->username, "username", error);

    case LK_API_OP_FIND_DEVICE:
    case LK_API_OP_UNASSIGN_DEVICE:
    case LK_API_OP_ENABLE_DEVICE:
    case LK_API_OP_DISABLE_DEVICE:
    case LK_API_OP_DELETE_DEVICE:
    case LK_API_OP_UNLOCK_DEVICE:
      return lk_api_fields_read_string (fields, "username|loginName", &request->username, error)
             && lk_api_fields_read_string (fields, SERIAL_NAMES, &request->serial, error)
             && require (request->serial, "deviceId", error);

    case LK_API_OP_VALIDATE_OTP:
      if (!lk_api_fields_read_string (fields, "username|loginName", &request->username, error)
          || !lk_api_fields_read_string (fields, SERIAL_NAMES, &request->serial, error)
          || !lk_api_fields_get_otp (fields, "otp|passcode", &request->otp, error)
          || !lk_api_fields_read_string (fields, "challenge", &request->challenge, error)
          || !require (request->otp, "otp", error))
        return FALSE;
      if ((request->username == NULL || *request->username == '\0')
          && (request->serial == NULL || *request->serial == '\0'))
        return require (NULL, "username", error);
      return TRUE;

    case LK_API_OP_SEND_OTP:
      return lk_api_fields_read_string (fields, "username|loginName", &request->username, error)
             && lk_api_fields_read_string (fields, SERIAL_NAMES, &request->serial, error)
             && get_enum (fields, "deliveryMethod", delivery_from_string, LK_ENGINE_ERROR_INVALID_DELIVERY,
                          &request->delivery_method, error)
             && require (request->username, "username", error)
             && (request->delivery_method != LK_UNSET || require (NULL, "deliveryMethod", error));

    case LK_API_OP_CREATE_ACCOUNT:
      return TRUE;

    case LK_API_OP_GET_DELIVERY:
      if (!lk_api_fields_get_int (fields, "messageId", 1, G_MAXINT64, 0, &value, error))
        return FALSE;
      request->message_id = value;
      return request->message_id > 0 || require (NULL, "messageId", error);

    case LK_API_OP_CREATE_LICENCE:
    case LK_API_OP_FIND_LICENCE:
    case LK_API_OP_START_ACTIVATION:
    case LK_API_OP_ADD_DEVICE_INSTANCE:
    case LK_API_OP_VERIFY_TEST_SIGNATURE:
    case LK_API_OP_LIST_INSTANCES:
    case LK_API_OP_DEACTIVATE_INSTANCE:
    case LK_API_OP_ISSUE_TEST_CHALLENGE:
      return lk_api_activation_decode_request (request, fields, error);

    case LK_API_OP_IMPORT_DEVICES:
    case LK_API_OP_IMPORT_USERS:
      return lk_api_bulk_decode_request (request, fields, error);

    case LK_API_OP_INVALID:
    case LK_API_N_OPS:
    default:
      break;
    }
  g_assert_not_reached ();
}

static void
add_bool (JsonBuilder *builder,
          const char  *name,
          int          value)
{
  if (value == LK_UNSET)
    return;
  json_builder_set_member_name (builder, name);
  json_builder_add_boolean_value (builder, value != 0);
}

static GBytes *
builder_to_bytes (JsonBuilder *builder)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  gsize len = 0;
  char *text;

  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, &len);
  /* Bodies carry keys, passwords and seeds: wipe them when done. */
  return lk_secure_bytes_new_take (text, len);
}

GBytes *
lk_api_request_encode (const LkApiRequest *request)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  /* The vendor names the device differently per page; use each page's. */
  const char *serial_name = (request->op == LK_API_OP_VALIDATE_OTP || request->op == LK_API_OP_SEND_OTP)
                            ? "printedSerialNumber" : "deviceId";

  json_builder_begin_object (builder);
  lk_api_builder_add_string (builder, "type", lk_api_op_to_string (request->op));
  lk_api_builder_add_string (builder, "spAccountLoginName", request->account_name);
  lk_api_builder_add_string (builder, "spAccountLoginKey", request->account_key);
  lk_api_builder_add_string (builder, "username", request->username);
  lk_api_builder_add_string (builder, "newUsername", request->new_username);
  lk_api_builder_add_string (builder, "firstName", request->first_name);
  lk_api_builder_add_string (builder, "lastName", request->last_name);
  lk_api_builder_add_string (builder, "email", request->email);
  lk_api_builder_add_string (builder, "mobilePhone", request->mobile_phone);
  lk_api_builder_add_string (builder, "loginPassword", request->password);
  add_bool (builder, "enabled", request->enabled);
  if (request->op == LK_API_OP_ENROLL_USER)
    add_bool (builder, "addDevice", request->with_device);
  if (request->op == LK_API_OP_ADD_DEVICE || (request->op == LK_API_OP_ENROLL_USER && request->with_device))
    {
      lk_api_builder_add_int (builder, "deviceType", request->device_type);
      lk_api_builder_add_int (builder, "OtpType", request->otp_type);
      lk_api_builder_add_int (builder, "OtpLength", request->otp_length);
      lk_api_builder_add_int (builder, "windowSize", request->window_size);
      lk_api_builder_add_int (builder, "timeDrift", request->time_drift);
      lk_api_builder_add_string (builder, "OtpPin", request->otp_pin);
      lk_api_builder_add_string (builder, "psn", request->psn);
      lk_api_builder_add_string (builder, "secretKeyHex", request->secret_key_hex);
      lk_api_builder_add_string (builder, "secretKeyHexBase64", request->secret_key_base64);
      lk_api_builder_add_int (builder, "notificationMethod", request->notification_method);
      lk_api_builder_add_int (builder, "mobileAuth", request->mobile_auth);
      lk_api_builder_add_int (builder, "mobileUsage", request->mobile_usage);
      lk_api_builder_add_string (builder, "softTokenAlias", request->soft_token_alias);
      lk_api_builder_add_string (builder, "algorithm", request->algorithm);
      lk_api_builder_add_string (builder, "ocraSuite", request->ocra_suite);
    }
  lk_api_builder_add_string (builder, serial_name, request->serial);
  lk_api_builder_add_string (builder, "physicalDeviceId", request->physical_device_id);
  lk_api_builder_add_int (builder, "qrScale", request->png_scale);
  lk_api_builder_add_string (builder, "otp", request->otp);
  lk_api_builder_add_string (builder, "otp1", request->otp1);
  lk_api_builder_add_string (builder, "otp2", request->otp2);
  lk_api_builder_add_string (builder, "challenge", request->challenge);
  if (request->delivery_method != LK_UNSET)
    lk_api_builder_add_string (builder, "deliveryMethod", lk_delivery_method_to_string (request->delivery_method));
  lk_api_builder_add_string (builder, "search", request->search);
  lk_api_builder_add_int (builder, "offset", request->offset);
  lk_api_builder_add_int (builder, "limit", request->limit);
  if (request->sort != LK_UNSET)
    lk_api_builder_add_string (builder, "sort", lk_user_sort_to_string (request->sort));
  if (request->descending)
    lk_api_builder_add_string (builder, "order", "desc");
  if (request->message_id > 0)
    lk_api_builder_add_int (builder, "messageId", request->message_id);
  lk_api_activation_encode_request (request, builder);
  lk_api_bulk_encode_request (request, builder);
  json_builder_end_object (builder);

  return builder_to_bytes (builder);
}

/* ---- responses ------------------------------------------------------------- */

LkApiResponse *
lk_api_response_new (LkApiOp op)
{
  LkApiResponse *response = g_new0 (LkApiResponse, 1);

  response->op = op;
  return response;
}

LkApiResponse *
lk_api_response_new_error (LkApiOp     op,
                           int         code,
                           const char *message)
{
  LkApiResponse *response = lk_api_response_new (op);

  response->error_code = code;
  response->error_message = g_strdup (message != NULL ? message : lk_api_error_describe (code));
  return response;
}

void
lk_api_response_free (LkApiResponse *response)
{
  if (response == NULL)
    return;
  g_free (response->error_message);
  g_clear_pointer (&response->user, lk_user_free);
  g_clear_pointer (&response->device, lk_device_free);
  g_clear_pointer (&response->users, g_ptr_array_unref);
  g_clear_pointer (&response->devices, g_ptr_array_unref);
  g_clear_pointer (&response->audit, g_ptr_array_unref);
  g_clear_pointer (&response->delivery, lk_outbox_message_free);
  lk_secure_str_free (response->generated_password);
  lk_secure_str_free (response->uri);
  g_clear_pointer (&response->png, g_bytes_unref);
  g_free (response->svg);
  g_free (response->serial);
  lk_api_activation_response_free (response->activation);
  lk_bulk_report_free (response->report);
  g_free (response);
}

gboolean
lk_api_response_propagate_error (const LkApiResponse  *response,
                                 GError              **error)
{
  if (response->error_code == 0)
    return FALSE;
  g_set_error_literal (error, LK_API_ERROR, response->error_code,
                       response->error_message != NULL && *response->error_message != '\0'
                       ? response->error_message : lk_api_error_describe (response->error_code));
  return TRUE;
}

static void
add_time (JsonBuilder *builder,
          const char  *name,
          gint64       value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, value);
}

/* A user's members, into the current object. */
static void
add_user_members (JsonBuilder  *builder,
                  const LkUser *user)
{
  lk_api_builder_add_string (builder, "username", user->login);
  lk_api_builder_add_string (builder, "firstName", user->first_name);
  lk_api_builder_add_string (builder, "lastName", user->last_name);
  lk_api_builder_add_string (builder, "email", user->email);
  lk_api_builder_add_string (builder, "mobilePhone", user->mobile_phone);
  add_bool (builder, "enabled", user->enabled ? 1 : 0);
  lk_api_builder_add_int (builder, "deviceCount", user->device_count);
  add_time (builder, "createdAt", user->created_at);
  add_time (builder, "updatedAt", user->updated_at);
  add_time (builder, "lastLoginAt", user->last_login_at);
}

/* A device's members, into the current object. Never its seed or PIN. */
static void
add_device_members (JsonBuilder    *builder,
                    const LkDevice *device)
{
  lk_api_builder_add_string (builder, "deviceId", device->serial);
  lk_api_builder_add_int (builder, "deviceType", device->device_type);
  lk_api_builder_add_int (builder, "OtpType", device->otp_type);
  lk_api_builder_add_int (builder, "OtpLength", device->digits);
  /* windowSize means what the vendor says for the device's OTP type. */
  lk_api_builder_add_int (builder, "windowSize", device->otp_type == LK_OTP_TYPE_TIME ? device->period : device->window);
  lk_api_builder_add_int (builder, "lookAhead", device->window);
  lk_api_builder_add_int (builder, "period", device->period);
  lk_api_builder_add_int (builder, "timeDrift", device->time_drift);
  lk_api_builder_add_string (builder, "algorithm", lk_hash_to_string (device->algorithm));
  lk_api_builder_add_string (builder, "ocraSuite", device->ocra_suite);
  lk_api_builder_add_string (builder, "softTokenAlias", device->alias);
  lk_api_builder_add_int (builder, "mobileAuth", device->mobile_auth ? 1 : 0);
  lk_api_builder_add_int (builder, "mobileUsage", device->mobile_usage);
  lk_api_builder_add_string (builder, "state", lk_device_state_to_string (device->state));
  json_builder_set_member_name (builder, "username");
  if (device->user_login != NULL)
    json_builder_add_string_value (builder, device->user_login);
  else
    json_builder_add_null_value (builder);
  lk_api_builder_add_string (builder, "physicalDeviceId", device->physical_device_id);
  add_bool (builder, "hasPin", device->has_pin ? 1 : 0);
  lk_api_builder_add_int (builder, "counter", (gint64) device->counter);
  lk_api_builder_add_int (builder, "lastTimeStep", device->last_time_step);
  json_builder_set_member_name (builder, "timeShift");
  json_builder_add_int_value (builder, device->time_shift);
  lk_api_builder_add_int (builder, "failCount", device->fail_count);
  add_time (builder, "createdAt", device->created_at);
  add_time (builder, "updatedAt", device->updated_at);
  add_time (builder, "activatedAt", device->activated_at);
  add_time (builder, "lastUsedAt", device->last_used_at);
}

/* get_delivery: an outbox message's progress. Never the code. */
static void
add_delivery (JsonBuilder           *builder,
              const LkOutboxMessage *m)
{
  static const char *const states[] = { "pending", "delivered", "failed" };

  json_builder_set_member_name (builder, "delivery");
  json_builder_begin_object (builder);
  lk_api_builder_add_int (builder, "messageId", m->id);
  lk_api_builder_add_string (builder, "kind", m->kind == LK_OUTBOX_KIND_WELCOME ? "welcome" : "passcode");
  lk_api_builder_add_string (builder, "deliveryMethod", lk_delivery_method_to_string (m->method));
  lk_api_builder_add_string (builder, "state", (guint) m->state < G_N_ELEMENTS (states) ? states[m->state] : "pending");
  lk_api_builder_add_string (builder, "username", m->user_login);
  lk_api_builder_add_string (builder, "destination", m->destination);
  lk_api_builder_add_string (builder, "deviceId", m->serial);
  lk_api_builder_add_int (builder, "attempts", m->attempts);
  lk_api_builder_add_string (builder, "lastError", m->last_error);
  lk_api_builder_add_int (builder, "createdAt", m->created_at);
  lk_api_builder_add_int (builder, "expiresAt", m->expires_at);
  json_builder_end_object (builder);
}

static void
add_audit_members (JsonBuilder        *builder,
                   const LkAuditEntry *entry)
{
  lk_api_builder_add_int (builder, "id", entry->id);
  add_time (builder, "time", entry->time);
  lk_api_builder_add_string (builder, "actor", entry->actor);
  lk_api_builder_add_string (builder, "operation", entry->operation);
  lk_api_builder_add_string (builder, "username", entry->user_login);
  lk_api_builder_add_string (builder, "deviceId", entry->serial);
  json_builder_set_member_name (builder, "result");
  json_builder_add_int_value (builder, entry->result);
  lk_api_builder_add_string (builder, "detail", entry->detail);
}

GBytes *
lk_api_response_encode (const LkApiResponse *response,
                        const char          *type_text)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  const char *type = type_text != NULL ? type_text : lk_api_op_to_string (response->op);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "errorCode");
  json_builder_add_int_value (builder, response->error_code);
  json_builder_set_member_name (builder, "errorMessage");
  json_builder_add_string_value (builder, response->error_message != NULL ? response->error_message
                                          : lk_api_error_describe (response->error_code));
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, type != NULL ? type : "");

  if (response->error_code == 0)
    {
      /* The main record's members at the top level (as the vendor's
       * provisioning response does); a second record nested. */
      if (response->user != NULL)
        {
          add_user_members (builder, response->user);
          if (response->device != NULL)
            {
              json_builder_set_member_name (builder, "device");
              json_builder_begin_object (builder);
              add_device_members (builder, response->device);
              json_builder_end_object (builder);
              lk_api_builder_add_string (builder, "deviceId", response->device->serial);
            }
        }
      else if (response->device != NULL)
        {
          add_device_members (builder, response->device);
          if (response->op == LK_API_OP_ADD_DEVICE)
            lk_api_builder_add_string (builder, "psn", response->device->serial);
        }
      if (response->users != NULL)
        {
          json_builder_set_member_name (builder, "users");
          json_builder_begin_array (builder);
          for (guint i = 0; i < response->users->len; i++)
            {
              json_builder_begin_object (builder);
              add_user_members (builder, g_ptr_array_index (response->users, i));
              json_builder_end_object (builder);
            }
          json_builder_end_array (builder);
        }
      if (response->devices != NULL)
        {
          json_builder_set_member_name (builder, "devices");
          json_builder_begin_array (builder);
          for (guint i = 0; i < response->devices->len; i++)
            {
              json_builder_begin_object (builder);
              add_device_members (builder, g_ptr_array_index (response->devices, i));
              json_builder_end_object (builder);
            }
          json_builder_end_array (builder);
        }
      if (response->users != NULL || response->devices != NULL)
        lk_api_builder_add_int (builder, "total", response->total);
      if (response->audit != NULL)
        {
          json_builder_set_member_name (builder, "audit");
          json_builder_begin_array (builder);
          for (guint i = 0; i < response->audit->len; i++)
            {
              json_builder_begin_object (builder);
              add_audit_members (builder, g_ptr_array_index (response->audit, i));
              json_builder_end_object (builder);
            }
          json_builder_end_array (builder);
        }
      lk_api_builder_add_string (builder, "loginPassword", response->generated_password);
      lk_api_builder_add_string (builder, "otpauthUri", response->uri);
      if (response->png != NULL)
        {
          g_autofree char *base64 = g_base64_encode (g_bytes_get_data (response->png, NULL),
                                                     g_bytes_get_size (response->png));
          lk_api_builder_add_string (builder, "qrCodePng", base64);
        }
      lk_api_builder_add_string (builder, "qrCodeSvg", response->svg);
      if (response->device == NULL)
        lk_api_builder_add_string (builder, "deviceId", response->serial);
      if (response->message_id > 0)
        lk_api_builder_add_int (builder, "messageId", response->message_id);
      if (response->delivery != NULL)
        add_delivery (builder, response->delivery);
      lk_api_activation_encode_response (response, builder);
      lk_api_bulk_encode_response (response, builder);
    }
  json_builder_end_object (builder);

  return builder_to_bytes (builder);
}

static gint64
read_int (LkApiFields *fields,
          const char  *name,
          gint64       unset)
{
  gint64 value = unset;

  /* A response member of the wrong type is read as absent: the client
   * cannot do better than the server told it. */
  if (!lk_api_fields_get_int (fields, name, G_MININT64, G_MAXINT64, unset, &value, NULL))
    return unset;
  return value;
}

static char *
read_string (LkApiFields *fields,
             const char  *name)
{
  char *value = NULL;

  if (!lk_api_fields_get_string (fields, name, &value, NULL))
    return NULL;
  return value;
}

static LkUser *
decode_user (JsonObject *object)
{
  g_autoptr(LkApiFields) fields = lk_api_fields_new (object);
  LkUser *user = g_new0 (LkUser, 1);
  int enabled = -1;

  user->login = read_string (fields, "username");
  user->first_name = read_string (fields, "firstName");
  user->last_name = read_string (fields, "lastName");
  user->email = read_string (fields, "email");
  user->mobile_phone = read_string (fields, "mobilePhone");
#define EMPTY_IF_NULL(s) if ((s) == NULL) (s) = g_strdup ("")
  EMPTY_IF_NULL (user->login);
  EMPTY_IF_NULL (user->first_name);
  EMPTY_IF_NULL (user->last_name);
  EMPTY_IF_NULL (user->email);
  EMPTY_IF_NULL (user->mobile_phone);
  lk_api_fields_get_bool (fields, "enabled", &enabled, NULL);
  user->enabled = enabled != 0;
  user->device_count = (guint) read_int (fields, "deviceCount", 0);
  user->created_at = read_int (fields, "createdAt", 0);
  user->updated_at = read_int (fields, "updatedAt", 0);
  user->last_login_at = read_int (fields, "lastLoginAt", 0);
  return user;
}

static LkDevice *
decode_device (JsonObject *object)
{
  g_autoptr(LkApiFields) fields = lk_api_fields_new (object);
  LkDevice *device = g_new0 (LkDevice, 1);
  g_autofree char *algorithm = read_string (fields, "algorithm");
  g_autofree char *state = read_string (fields, "state");
  int has_pin = -1;
  LkHash hash = LK_HASH_SHA1;

  device->serial = read_string (fields, "deviceId");
  EMPTY_IF_NULL (device->serial);
  device->device_type = (LkDeviceType) read_int (fields, "deviceType", 0);
  device->otp_type = (LkOtpType) read_int (fields, "OtpType", 0);
  if (algorithm != NULL && lk_hash_from_string (algorithm, &hash))
    device->algorithm = hash;
  device->digits = (guint) read_int (fields, "OtpLength", 6);
  device->window = (guint) read_int (fields, "lookAhead", 0);
  device->period = (guint) read_int (fields, "period", 0);
  device->time_drift = (guint) read_int (fields, "timeDrift", 0);
  device->ocra_suite = read_string (fields, "ocraSuite");
  device->alias = read_string (fields, "softTokenAlias");
  EMPTY_IF_NULL (device->alias);
  device->mobile_auth = read_int (fields, "mobileAuth", 0) != 0;
  device->mobile_usage = (LkMobileUsage) read_int (fields, "mobileUsage", LK_MOBILE_USAGE_OTP);
  device->state = LK_DEVICE_STATE_NEW;
  for (int s = LK_DEVICE_STATE_NEW; s <= LK_DEVICE_STATE_LOCKED; s++)
    if (state != NULL && g_strcmp0 (lk_device_state_to_string (s), state) == 0)
      device->state = s;
  device->user_login = read_string (fields, "username");
  device->physical_device_id = read_string (fields, "physicalDeviceId");
  lk_api_fields_get_bool (fields, "hasPin", &has_pin, NULL);
  device->has_pin = has_pin == 1;
  device->counter = (guint64) read_int (fields, "counter", 0);
  device->last_time_step = read_int (fields, "lastTimeStep", -1);
  device->time_shift = (gint) read_int (fields, "timeShift", 0);
  device->fail_count = (guint) read_int (fields, "failCount", 0);
  device->created_at = read_int (fields, "createdAt", 0);
  device->updated_at = read_int (fields, "updatedAt", 0);
  device->activated_at = read_int (fields, "activatedAt", 0);
  device->last_used_at = read_int (fields, "lastUsedAt", 0);
  return device;
}
#undef EMPTY_IF_NULL

static LkAuditEntry *
decode_audit (JsonObject *object)
{
  g_autoptr(LkApiFields) fields = lk_api_fields_new (object);
  LkAuditEntry *entry = g_new0 (LkAuditEntry, 1);

  entry->id = read_int (fields, "id", 0);
  entry->time = read_int (fields, "time", 0);
  entry->actor = read_string (fields, "actor");
  entry->operation = read_string (fields, "operation");
  entry->user_login = read_string (fields, "username");
  entry->serial = read_string (fields, "deviceId");
  entry->result = (int) read_int (fields, "result", 0);
  entry->detail = read_string (fields, "detail");
  return entry;
}

typedef gpointer (*DecodeFunc) (JsonObject *object);

static GPtrArray *
decode_array (JsonArray      *array,
              DecodeFunc      decode,
              GDestroyNotify  free_func)
{
  GPtrArray *items = g_ptr_array_new_with_free_func (free_func);

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);

      if (JSON_NODE_HOLDS_OBJECT (node))
        g_ptr_array_add (items, decode (json_node_get_object (node)));
    }
  return items;
}

static LkOutboxMessage *
decode_delivery (JsonObject *object)
{
  g_autoptr(LkApiFields) fields = lk_api_fields_new (object);
  LkOutboxMessage *m = g_new0 (LkOutboxMessage, 1);
  g_autofree char *text = NULL;

  m->id = read_int (fields, "messageId", 0);
  text = read_string (fields, "kind");
  m->kind = g_strcmp0 (text, "welcome") == 0 ? LK_OUTBOX_KIND_WELCOME : LK_OUTBOX_KIND_PASSCODE;
  g_clear_pointer (&text, g_free);
  text = read_string (fields, "deliveryMethod");
  if (text == NULL || !lk_delivery_method_from_string (text, &m->method))
    m->method = LK_DELIVERY_SMS;
  g_clear_pointer (&text, g_free);
  text = read_string (fields, "state");
  m->state = g_strcmp0 (text, "delivered") == 0 ? LK_OUTBOX_DELIVERED
           : g_strcmp0 (text, "failed") == 0 ? LK_OUTBOX_FAILED : LK_OUTBOX_PENDING;
  m->user_login = read_string (fields, "username");
  m->destination = read_string (fields, "destination");
  m->serial = read_string (fields, "deviceId");
  m->attempts = (guint) read_int (fields, "attempts", 0);
  m->last_error = read_string (fields, "lastError");
  m->created_at = read_int (fields, "createdAt", 0);
  m->expires_at = read_int (fields, "expiresAt", 0);
  return m;
}

static gboolean
op_has_user (LkApiOp op)
{
  return op == LK_API_OP_ENROLL_USER || op == LK_API_OP_FIND_USER || op == LK_API_OP_UPDATE_USER
         || op == LK_API_OP_ENABLE_USER || op == LK_API_OP_DISABLE_USER;
}

LkApiResponse *
lk_api_response_decode (const char  *data,
                        gsize        len,
                        GError     **error)
{
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(LkApiFields) fields = NULL;
  g_autoptr(LkApiResponse) response = NULL;
  g_autofree char *type = NULL;
  g_autofree char *png = NULL;
  JsonObject *nested = NULL;
  JsonArray *array = NULL;
  gint64 code;
  LkApiOp op = LK_API_OP_INVALID;

  object = lk_api_read_object (data, len, LK_API_MAX_RESPONSE_SIZE, LK_API_MAX_DEPTH, error);
  if (object == NULL)
    return NULL;
  fields = lk_api_fields_new (object);
  if (!lk_api_fields_has (fields, "errorCode")
      || !lk_api_fields_get_int (fields, "errorCode", G_MININT, G_MAXINT, 0, &code, NULL))
    {
      g_set_error_literal (error, LK_API_ERROR, LK_API_ERROR_MALFORMED,
                           _("The server's answer is not an API response"));
      return NULL;
    }
  type = read_string (fields, "type");
  if (type != NULL)
    lk_api_op_from_string (type, &op);

  response = lk_api_response_new (op);
  response->error_code = (int) code;
  response->error_message = read_string (fields, "errorMessage");
  if (code != 0)
    return g_steal_pointer (&response);

  if (op_has_user (op) && lk_api_fields_has (fields, "username"))
    response->user = decode_user (object);
  if (lk_api_fields_get_object (fields, "device", &nested, NULL) && nested != NULL)
    response->device = decode_device (nested);
  else if (!op_has_user (op) && op != LK_API_OP_VALIDATE_OTP && op != LK_API_OP_SEND_OTP
           && lk_api_fields_has (fields, "deviceId") && lk_api_fields_has (fields, "deviceType"))
    response->device = decode_device (object);

  if (lk_api_fields_get_array (fields, "users", &array, NULL) && array != NULL)
    response->users = decode_array (array, (DecodeFunc) decode_user, (GDestroyNotify) lk_user_free);
  if (lk_api_fields_get_array (fields, "devices", &array, NULL) && array != NULL)
    response->devices = decode_array (array, (DecodeFunc) decode_device, (GDestroyNotify) lk_device_free);
  if (lk_api_fields_get_array (fields, "audit", &array, NULL) && array != NULL)
    response->audit = decode_array (array, (DecodeFunc) decode_audit, (GDestroyNotify) lk_audit_entry_free);
  response->total = (guint) read_int (fields, "total", 0);
  response->generated_password = read_string (fields, "loginPassword");
  response->uri = read_string (fields, "otpauthUri");
  png = read_string (fields, "qrCodePng");
  if (png != NULL)
    {
      gsize size = 0;
      guchar *bytes = g_base64_decode (png, &size);

      response->png = g_bytes_new_take (bytes, size);
    }
  response->svg = read_string (fields, "qrCodeSvg");
  if (response->device == NULL)
    response->serial = read_string (fields, "deviceId");
  else
    response->serial = g_strdup (response->device->serial);
  response->message_id = read_int (fields, "messageId", 0);
  if (lk_api_fields_get_object (fields, "delivery", &nested, NULL) && nested != NULL)
    response->delivery = decode_delivery (nested);
  if (lk_api_activation_handles (op))
    lk_api_activation_decode_response (response, object);
  if (lk_api_bulk_handles (op))
    lk_api_bulk_decode_response (response, object);
  return g_steal_pointer (&response);
}
