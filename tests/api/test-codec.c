/* SPDX-License-Identifier: GPL-3.0-or-later
 * Tests of the API codec: every request and response type both ways, the
 * vendor's samples as written, and each refusal with its errorCode. */
#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "lk-api-codec.h"
#include "lk-api-activation.h"
#include "lk-api-bulk.h"
#include "lk-secure.h"

/* ---- requests ---------------------------------------------------------------- */

static LkApiRequest *
decode_text (const char *text,
             GError    **error)
{
  g_autoptr(LkApiRequest) request = lk_api_request_new (LK_API_OP_INVALID);

  if (!lk_api_request_decode (request, text, strlen (text), error))
    return NULL;
  return g_steal_pointer (&request);
}

static void
assert_decode_error (const char *text,
                     GQuark      domain,
                     int         code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkApiRequest) request = decode_text (text, &error);

  g_assert_null (request);
  g_assert_error (error, domain, code);
}

/* Fills every member a request of @op can carry with a distinct value. */
static LkApiRequest *
full_request (LkApiOp op)
{
  LkApiRequest *r = lk_api_request_new (op);

  r->account_name = g_strdup ("acme");
  r->account_key = g_strdup ("k3y-with-\"quote\"");
  switch (op)
    {
    case LK_API_OP_ENROLL_USER:
    case LK_API_OP_ADD_DEVICE:
      r->username = g_strdup ("mandy");
      if (op == LK_API_OP_ENROLL_USER)
        {
          r->first_name = g_strdup ("Mándy");
          r->last_name = g_strdup ("Last");
          r->email = g_strdup ("mandy@example.com");
          r->mobile_phone = g_strdup ("+1 407 555 1212");
          r->password = g_strdup ("M@5ndy58!");
          r->with_device = TRUE;
        }
      r->device_type = 1;
      r->otp_type = 0;
      r->otp_length = 8;
      r->window_size = 15;
      r->time_drift = 2;
      r->otp_pin = g_strdup ("0042");
      r->psn = g_strdup ("OATH_1");
      r->secret_key_hex = g_strdup ("3132333435363738393031323334353637383930");
      r->notification_method = 1;
      r->mobile_auth = 1;
      r->mobile_usage = 2;
      r->soft_token_alias = g_strdup ("Jim's token");
      r->algorithm = g_strdup ("SHA256");
      r->ocra_suite = g_strdup ("OCRA-1:HOTP-SHA1-6:QN08");
      break;
    case LK_API_OP_UPDATE_USER:
      r->username = g_strdup ("mandy");
      r->new_username = g_strdup ("mandy2");
      r->first_name = g_strdup ("F");
      r->last_name = g_strdup ("L");
      r->email = g_strdup ("");
      r->mobile_phone = g_strdup ("1");
      r->password = g_strdup ("pw");
      r->enabled = 0;
      break;
    case LK_API_OP_FIND_USERS:
    case LK_API_OP_GET_USER_AUDIT:
    case LK_API_OP_FIND_DEVICES:
      r->username = g_strdup ("mandy");
      r->search = g_strdup ("ma");
      r->offset = 20;
      r->limit = 10;
      break;
    case LK_API_OP_VALIDATE_USER:
      r->username = g_strdup ("mandy");
      r->password = g_strdup ("secret");
      break;
    case LK_API_OP_PROVISION_DEVICE:
    case LK_API_OP_SELF_PROVISION_DEVICE:
      r->username = g_strdup ("mandy");
      r->serial = g_strdup ("142o6-ar4v3-q2b85");
      r->physical_device_id = g_strdup ("Prod_Authenticator");
      r->password = g_strdup ("pw");
      break;
    case LK_API_OP_GET_DEVICE_QRCODE:
      r->username = g_strdup ("mandy");
      r->serial = g_strdup ("S1");
      r->png_scale = 4;
      break;
    case LK_API_OP_ACTIVATE_DEVICE:
    case LK_API_OP_SYNC_DEVICE:
      r->username = g_strdup ("mandy");
      r->serial = g_strdup ("S1");
      r->otp1 = g_strdup ("012345");
      r->otp2 = g_strdup ("000001");
      break;
    case LK_API_OP_VALIDATE_OTP:
      r->username = g_strdup ("mandy");
      r->serial = g_strdup ("S1");
      r->otp = g_strdup ("0042755224");
      r->challenge = g_strdup ("12345678");
      break;
    case LK_API_OP_SEND_OTP:
      r->username = g_strdup ("mandy");
      r->serial = g_strdup ("S1");
      r->delivery_method = LK_DELIVERY_VOICE;
      break;
    case LK_API_OP_ASSIGN_DEVICE:
      r->username = g_strdup ("mandy");
      r->serial = g_strdup ("S1");
      break;
    case LK_API_OP_FIND_USER:
    case LK_API_OP_DELETE_USER:
    case LK_API_OP_ENABLE_USER:
    case LK_API_OP_DISABLE_USER:
      r->username = g_strdup ("mandy");
      break;
    case LK_API_OP_FIND_DEVICE:
    case LK_API_OP_UNASSIGN_DEVICE:
    case LK_API_OP_ENABLE_DEVICE:
    case LK_API_OP_DISABLE_DEVICE:
    case LK_API_OP_DELETE_DEVICE:
    case LK_API_OP_UNLOCK_DEVICE:
      r->serial = g_strdup ("S1");
      break;
    case LK_API_OP_CREATE_LICENCE:
    case LK_API_OP_FIND_LICENCE:
    case LK_API_OP_START_ACTIVATION:
    case LK_API_OP_ADD_DEVICE_INSTANCE:
    case LK_API_OP_VERIFY_TEST_SIGNATURE:
    case LK_API_OP_LIST_INSTANCES:
    case LK_API_OP_DEACTIVATE_INSTANCE:
    case LK_API_OP_ISSUE_TEST_CHALLENGE:
      /* Multi-device activation: each operation's own members. */
      r->activation = lk_api_activation_request_new ();
      r->activation->serial = g_strdup ("LK-1");
      if (op == LK_API_OP_CREATE_LICENCE)
        {
          r->activation->username = g_strdup ("mandy");
          r->activation->max_instances = 3;
          r->activation->otp_type = 1;
          r->activation->algorithm = g_strdup ("SHA256");
          r->activation->otp_length = 8;
          r->activation->period = 60;
          r->activation->window = 2;
          r->activation->issuer = g_strdup ("ACME");
          r->activation->label = g_strdup ("mandy@acme");
        }
      else if (op == LK_API_OP_START_ACTIVATION)
        {
          r->activation->lifetime = 300;
          r->activation->max_attempts = 4;
        }
      else if (op == LK_API_OP_ADD_DEVICE_INSTANCE)
        r->activation->device_code = g_strdup ("2RRPK-6ETYA-4XCDZ-TG53B");
      else if (op == LK_API_OP_VERIFY_TEST_SIGNATURE)
        {
          r->activation->instance = 2;
          r->activation->otp = g_strdup ("012345");
        }
      else if (op == LK_API_OP_DEACTIVATE_INSTANCE || op == LK_API_OP_ISSUE_TEST_CHALLENGE)
        r->activation->instance = 2;
      break;
    case LK_API_OP_GET_DELIVERY:
      r->message_id = 42;
      break;
    case LK_API_OP_IMPORT_DEVICES:
      {
        g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func ((GDestroyNotify) lk_pskc_key_free);
        LkPskcKey *key = lk_pskc_key_new ();

        key->index = 7;
        key->serial = g_strdup ("FOB-7");
        key->kind = LK_PSKC_TOTP;
        key->hash = LK_HASH_SHA256;
        key->digits = 8;
        key->period = 60;
        key->time_drift = -3;
        key->secret = lk_secure_bytes_new ("12345678901234567890", 20);
        g_ptr_array_add (keys, key);
        key = lk_pskc_key_new ();
        key->index = 9;
        key->serial = g_strdup ("FOB-9");
        key->digits = 6;
        key->counter = 12345678901ull;
        key->secret = lk_secure_bytes_new ("abcdefghijklmnopqrstuvwxyz012345", 32);
        g_ptr_array_add (keys, key);
        r->bulk = lk_api_bulk_request_new (TRUE, keys, NULL);
      }
      break;
    case LK_API_OP_IMPORT_USERS:
      {
        g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) lk_bulk_user_row_free);
        LkBulkUserRow *row = g_new0 (LkBulkUserRow, 1);

        row->line = 3;
        row->login = g_strdup ("mandy");
        row->first_name = g_strdup ("Mandy");
        row->last_name = g_strdup ("Smith");
        row->email = g_strdup ("mandy@example.org");
        row->phone = g_strdup ("+15551234");
        row->serial = g_strdup ("FOB-7");
        g_ptr_array_add (rows, row);
        row = g_new0 (LkBulkUserRow, 1);
        row->line = 4;
        row->login = g_strdup ("zoë \"z\"");
        row->kind = g_strdup ("desktop");
        g_ptr_array_add (rows, row);
        r->bulk = lk_api_bulk_request_new (FALSE, NULL, rows);
      }
      break;
    case LK_API_OP_CREATE_ACCOUNT:
    case LK_API_OP_INVALID:
    case LK_API_N_OPS:
    default:
      break;
    }
  return r;
}

static void
assert_requests_equal (const LkApiRequest *a,
                       const LkApiRequest *b)
{
  g_assert_cmpint (a->op, ==, b->op);
#define CMP_STR(m) g_assert_cmpstr (a->m, ==, b->m);
#define CMP_INT(m) g_assert_cmpint (a->m, ==, b->m);
  CMP_STR (account_name) CMP_STR (account_key) CMP_STR (username) CMP_STR (new_username)
  CMP_STR (first_name) CMP_STR (last_name) CMP_STR (email) CMP_STR (mobile_phone) CMP_STR (password)
  CMP_INT (enabled) CMP_INT (with_device) CMP_INT (device_type) CMP_INT (otp_type) CMP_INT (otp_length)
  CMP_INT (window_size) CMP_INT (time_drift) CMP_STR (otp_pin) CMP_STR (psn) CMP_STR (secret_key_hex)
  CMP_STR (secret_key_base64) CMP_INT (notification_method) CMP_INT (mobile_auth) CMP_INT (mobile_usage)
  CMP_STR (soft_token_alias) CMP_STR (algorithm) CMP_STR (ocra_suite) CMP_STR (serial)
  CMP_STR (physical_device_id) CMP_INT (png_scale) CMP_STR (otp) CMP_STR (otp1) CMP_STR (otp2)
  CMP_STR (challenge) CMP_INT (delivery_method) CMP_INT (offset) CMP_INT (limit) CMP_INT (message_id)
#undef CMP_STR
#undef CMP_INT
  /* search travels only with find_users-like operations */
  g_assert_cmpstr (a->search, ==, b->search);

  g_assert_true ((a->activation == NULL) == (b->activation == NULL));
  if (a->activation != NULL)
    {
#define CMP_STR(m) g_assert_cmpstr (a->activation->m, ==, b->activation->m);
#define CMP_INT(m) g_assert_cmpint (a->activation->m, ==, b->activation->m);
      CMP_STR (serial) CMP_STR (username) CMP_INT (max_instances) CMP_INT (otp_type)
      CMP_STR (algorithm) CMP_INT (otp_length) CMP_INT (period) CMP_INT (window) CMP_STR (issuer)
      CMP_STR (label) CMP_INT (lifetime) CMP_INT (max_attempts) CMP_STR (device_code)
      CMP_INT (instance) CMP_STR (otp) CMP_STR (ocra_response)
#undef CMP_STR
#undef CMP_INT
    }

  g_assert_true ((a->bulk == NULL) == (b->bulk == NULL));
  if (a->bulk != NULL)
    {
      g_assert_cmpint (a->bulk->dry_run, ==, b->bulk->dry_run);
      g_assert_true ((a->bulk->keys == NULL) == (b->bulk->keys == NULL));
      g_assert_true ((a->bulk->rows == NULL) == (b->bulk->rows == NULL));
      for (guint i = 0; a->bulk->keys != NULL && i < MAX (a->bulk->keys->len, b->bulk->keys->len); i++)
        {
          const LkPskcKey *x = a->bulk->keys->pdata[i], *y = b->bulk->keys->pdata[i];

          g_assert_cmpuint (x->index, ==, y->index);
          g_assert_cmpstr (x->serial, ==, y->serial);
          g_assert_cmpint (x->kind, ==, y->kind);
          g_assert_cmpint (x->hash, ==, y->hash);
          g_assert_cmpuint (x->digits, ==, y->digits);
          g_assert_cmpuint (x->counter, ==, y->counter);
          g_assert_cmpint (x->time_drift, ==, y->time_drift);
          if (x->kind == LK_PSKC_TOTP)
            g_assert_cmpuint (x->period, ==, y->period);
          g_assert_true (g_bytes_equal (x->secret, y->secret));
          g_assert_null (y->error);
        }
      for (guint i = 0; a->bulk->rows != NULL && i < MAX (a->bulk->rows->len, b->bulk->rows->len); i++)
        {
          const LkBulkUserRow *x = a->bulk->rows->pdata[i], *y = b->bulk->rows->pdata[i];

          g_assert_cmpuint (x->line, ==, y->line);
          g_assert_cmpstr (x->login, ==, y->login);
          g_assert_cmpstr (x->first_name, ==, y->first_name);
          g_assert_cmpstr (x->last_name, ==, y->last_name);
          g_assert_cmpstr (x->email, ==, y->email);
          g_assert_cmpstr (x->phone, ==, y->phone);
          g_assert_cmpstr (x->serial, ==, y->serial);
          g_assert_cmpstr (x->kind, ==, y->kind);
        }
    }
}

static void
test_request_round_trip (void)
{
  for (int op = LK_API_OP_INVALID + 1; op < LK_API_N_OPS; op++)
    {
      g_autoptr(LkApiRequest) request = full_request (op);
      g_autoptr(LkApiRequest) decoded = lk_api_request_new (LK_API_OP_INVALID);
      g_autoptr(GBytes) body = lk_api_request_encode (request);
      g_autoptr(GError) error = NULL;
      gsize len;
      const char *data = g_bytes_get_data (body, &len);

      g_test_message ("op %s", lk_api_op_to_string (op));
      g_assert_true (lk_api_request_decode (decoded, data, len, &error));
      g_assert_no_error (error);
      assert_requests_equal (request, decoded);
    }
}

static void
test_op_names (void)
{
  LkApiOp op;

  for (int i = LK_API_OP_INVALID + 1; i < LK_API_N_OPS; i++)
    {
      g_assert_true (lk_api_op_from_string (lk_api_op_to_string (i), &op));
      g_assert_cmpint (op, ==, i);
    }
  g_assert_true (lk_api_op_from_string (" Add_OATH_Account ", &op));
  g_assert_cmpint (op, ==, LK_API_OP_ENROLL_USER);
  g_assert_true (lk_api_op_from_string ("activate_oath_device", &op));
  g_assert_cmpint (op, ==, LK_API_OP_ACTIVATE_DEVICE);
  g_assert_false (lk_api_op_from_string ("drop_tables", &op));
  g_assert_null (lk_api_op_to_string (LK_API_OP_INVALID));
  g_assert_true (lk_api_op_is_idempotent (LK_API_OP_FIND_USERS));
  g_assert_false (lk_api_op_is_idempotent (LK_API_OP_VALIDATE_OTP));
}

static char *
read_sample (const char *name)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "api", "samples", name, NULL);
  g_autoptr(GError) error = NULL;
  char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, &error));
  g_assert_no_error (error);
  return text;
}

static void
check_vendor_add_device (const char *name,
                         gboolean    has_tail)
{
  g_autofree char *text = read_sample (name);
  g_autoptr(GError) error = NULL;
  g_autoptr(LkApiRequest) request = decode_text (text, &error);

  g_assert_no_error (error);
  g_assert_cmpint (request->op, ==, LK_API_OP_ADD_DEVICE);
  g_assert_cmpstr (request->username, ==, "Mandy");
  g_assert_cmpstr (request->account_name, ==, "accountLogin");
  g_assert_cmpstr (request->account_key, ==, "accountKey");
  g_assert_cmpint (request->device_type, ==, 1);
  g_assert_cmpint (request->otp_type, ==, 1);
  g_assert_cmpint (request->otp_length, ==, 6);
  g_assert_cmpint (request->window_size, ==, 30);
  g_assert_cmpstr (request->otp_pin, ==, "");
  g_assert_cmpstr (request->psn, ==, "OATH_12345678");
  g_assert_cmpstr (request->secret_key_hex, ==, "3132333435363738383031323334353637383830");
  g_assert_cmpint (request->notification_method, ==, 0);
  if (has_tail)
    {
      g_assert_cmpint (request->mobile_auth, ==, 0);
      g_assert_cmpint (request->mobile_usage, ==, 1);
      g_assert_cmpstr (request->soft_token_alias, ==, "Jims test token");
    }
}

static void
test_vendor_samples (void)
{
  check_vendor_add_device ("vendor-001-add-device.json", FALSE);
  check_vendor_add_device ("vendor-002-add-device.json", TRUE);
  check_vendor_add_device ("vendor-002-add-device-one-line.json", TRUE);

  {
    g_autofree char *text = read_sample ("vendor-000-provision.json");
    g_autoptr(GError) error = NULL;
    g_autoptr(LkApiRequest) request = decode_text (text, &error);

    g_assert_no_error (error);
    g_assert_cmpint (request->op, ==, LK_API_OP_PROVISION_DEVICE);
    g_assert_cmpstr (request->serial, ==, "142o6-ar4v3-q2b85");
    g_assert_cmpstr (request->physical_device_id, ==, "Prod_Authenticator");
  }
  {
    g_autofree char *text = read_sample ("vendor-003-send-otp.json");
    g_autoptr(GError) error = NULL;
    g_autoptr(LkApiRequest) request = decode_text (text, &error);

    g_assert_no_error (error);
    g_assert_cmpint (request->op, ==, LK_API_OP_SEND_OTP);
    g_assert_cmpint (request->delivery_method, ==, LK_DELIVERY_SMS);
    g_assert_null (request->serial);
  }
}

static void
test_request_leniency (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkApiRequest) a = decode_text ("{\"TYPE\": \" Validate_Oath_Otp \", \"SPACCOUNTLOGINNAME\": \"a\","
                                           " \"spAccountLoginKey\": 12345678, \"UserName \": \"u\","
                                           " \"otp\": 123, \"printedSerialNumber\": 42}", &error);
  g_autoptr(LkApiRequest) b = NULL;

  g_assert_no_error (error);
  g_assert_cmpint (a->op, ==, LK_API_OP_VALIDATE_OTP);
  g_assert_cmpstr (a->account_key, ==, "12345678");
  g_assert_cmpstr (a->username, ==, "u");
  g_assert_cmpstr (a->otp, ==, "000123");
  g_assert_cmpstr (a->serial, ==, "42");

  /* Enumerations by name or by number in a string; deliveryMethod by WCF number. */
  b = decode_text ("{\"type\": \"add_oath_account\", \"spAccountLoginName\": \"a\", \"spAccountLoginKey\": \"k\","
                   " \"loginName\": \"u\", \"deviceType\": \"hardware\", \"OtpType\": \"0\", \"OtpWindow\": \"20\","
                   " \"mobileAuth\": true}", &error);
  g_assert_no_error (error);
  g_assert_cmpint (b->op, ==, LK_API_OP_ENROLL_USER);
  g_assert_true (b->with_device);
  g_assert_cmpint (b->device_type, ==, LK_DEVICE_TYPE_HARDWARE);
  g_assert_cmpint (b->otp_type, ==, LK_OTP_TYPE_EVENT);
  g_assert_cmpint (b->window_size, ==, 20);
  g_assert_cmpint (b->mobile_auth, ==, 1);
  g_clear_pointer (&b, lk_api_request_free);

  b = decode_text ("{\"type\": \"send_oath_otp\", \"spAccountLoginName\": \"a\", \"spAccountLoginKey\": \"k\","
                   " \"username\": \"u\", \"deliveryMethod\": 1} /* email */", &error);
  g_assert_no_error (error);
  g_assert_cmpint (b->delivery_method, ==, LK_DELIVERY_EMAIL);
  g_clear_pointer (&b, lk_api_request_free);

  /* An enrolment without device fields adds no device; addDevice forces it. */
  b = decode_text ("{\"type\": \"add_oath_user\", \"spAccountLoginName\": \"a\", \"spAccountLoginKey\": \"k\","
                   " \"username\": \"u\"}", &error);
  g_assert_no_error (error);
  g_assert_false (b->with_device);
  g_clear_pointer (&b, lk_api_request_free);
  b = decode_text ("{\"type\": \"add_oath_user\", \"spAccountLoginName\": \"a\", \"spAccountLoginKey\": \"k\","
                   " \"username\": \"u\", \"addDevice\": \"yes\", \"unknownField\": {\"x\": 1}}", &error);
  g_assert_no_error (error);
  g_assert_true (b->with_device);
}

static void
test_request_refusals (void)
{
  LkApiRequest *partial = lk_api_request_new (LK_API_OP_INVALID);
  g_autoptr(GError) error = NULL;
  const char *unknown = "{\"type\": \"drop_tables\", \"spAccountLoginName\": \"acme\"}";

  assert_decode_error ("not json", LK_API_ERROR, LK_API_ERROR_MALFORMED);
  assert_decode_error ("{\"spAccountLoginName\": \"a\", \"spAccountLoginKey\": \"k\"}",
                       LK_ENGINE_ERROR, LK_ENGINE_ERROR_MISSING_FIELD);
  assert_decode_error ("{\"type\": [\"find_user\"]}", LK_API_ERROR, LK_API_ERROR_FIELD_TYPE);
  /* A user's own provisioning needs no partner key but their password. */
  assert_decode_error ("{\"type\": \"self_provision_oath_device\", \"spAccountLoginName\": \"a\","
                       " \"username\": \"u\", \"deviceId\": \"S\", \"physicalDeviceId\": \"P\"}",
                       LK_ENGINE_ERROR, LK_ENGINE_ERROR_MISSING_FIELD);
  assert_decode_error ("{\"type\": \"self_provision_oath_device\", \"username\": \"u\","
                       " \"loginPassword\": \"p\", \"deviceId\": \"S\", \"physicalDeviceId\": \"P\"}",
                       LK_ENGINE_ERROR, LK_ENGINE_ERROR_MISSING_FIELD);
  assert_decode_error ("{\"type\": \"find_user\", \"spAccountLoginName\": \"a\", \"username\": \"u\"}",
                       LK_ENGINE_ERROR, LK_ENGINE_ERROR_MISSING_FIELD);
  assert_decode_error ("{\"type\": \"find_user\", \"spAccountLoginName\": \"a\", \"spAccountLoginKey\": \"k\"}",
                       LK_ENGINE_ERROR, LK_ENGINE_ERROR_MISSING_FIELD);
  assert_decode_error ("{\"type\": \"find_user\", \"spAccountLoginName\": \"a\", \"spAccountLoginKey\": \"k\","
                       " \"username\": {\"x\": 1}}", LK_API_ERROR, LK_API_ERROR_FIELD_TYPE);
  assert_decode_error ("{\"type\": \"add_oath_device\", \"spAccountLoginName\": \"a\", \"spAccountLoginKey\": \"k\","
                       " \"OtpLength\": \"six\"}", LK_API_ERROR, LK_API_ERROR_FIELD_TYPE);
  assert_decode_error ("{\"type\": \"add_oath_device\", \"spAccountLoginName\": \"a\", \"spAccountLoginKey\": \"k\","
                       " \"deviceType\": \"banana\"}", LK_ENGINE_ERROR, LK_ENGINE_ERROR_DEVICE_TYPE_INVALID);
  assert_decode_error ("{\"type\": \"add_oath_device\", \"spAccountLoginName\": \"a\", \"spAccountLoginKey\": \"k\","
                       " \"OtpType\": \"sometimes\"}", LK_ENGINE_ERROR, LK_ENGINE_ERROR_OTP_TYPE_INVALID);
  assert_decode_error ("{\"type\": \"add_oath_device\", \"spAccountLoginName\": \"a\", \"spAccountLoginKey\": \"k\","
                       " \"OtpLength\": -6}", LK_ENGINE_ERROR, LK_ENGINE_ERROR_INVALID_ARGUMENT);
  assert_decode_error ("{\"type\": \"send_oath_otp\", \"spAccountLoginName\": \"a\", \"spAccountLoginKey\": \"k\","
                       " \"username\": \"u\", \"deliveryMethod\": \"fax\"}",
                       LK_ENGINE_ERROR, LK_ENGINE_ERROR_INVALID_DELIVERY);
  assert_decode_error ("{\"type\": \"send_oath_otp\", \"spAccountLoginName\": \"a\", \"spAccountLoginKey\": \"k\","
                       " \"username\": \"u\"}", LK_ENGINE_ERROR, LK_ENGINE_ERROR_MISSING_FIELD);
  assert_decode_error ("{\"type\": \"validate_oath_otp\", \"spAccountLoginName\": \"a\", \"spAccountLoginKey\": \"k\","
                       " \"otp\": \"123456\"}", LK_ENGINE_ERROR, LK_ENGINE_ERROR_MISSING_FIELD);
  assert_decode_error ("{\"type\": \"active_oath_device\", \"spAccountLoginName\": \"a\", \"spAccountLoginKey\": \"k\","
                       " \"deviceId\": \"S\", \"otp1\": \"1\"}", LK_ENGINE_ERROR, LK_ENGINE_ERROR_MISSING_FIELD);
  assert_decode_error ("{\"type\": \"active_oath_device\", \"spAccountLoginName\": \"a\", \"spAccountLoginKey\": \"k\","
                       " \"deviceId\": \"S\", \"printedSerialNumber\": \"T\", \"otp1\": \"1\", \"otp2\": \"2\"}",
                       LK_API_ERROR, LK_API_ERROR_DUPLICATE_FIELD);
  assert_decode_error ("{\"type\": \"find_users\", \"spAccountLoginName\": \"a\", \"spAccountLoginKey\": \"k\","
                       " \"limit\": 5000}", LK_ENGINE_ERROR, LK_ENGINE_ERROR_INVALID_ARGUMENT);

  /* What was read before the fault stays, for the server's log. */
  g_assert_false (lk_api_request_decode (partial, unknown, strlen (unknown), &error));
  g_assert_error (error, LK_API_ERROR, LK_API_ERROR_UNKNOWN_TYPE);
  g_assert_cmpstr (partial->account_name, ==, "acme");
  g_assert_cmpint (partial->op, ==, LK_API_OP_INVALID);
  lk_api_request_free (partial);
}

/* find_users' order: names in any case, "asc"/"desc", a round trip, and
 * a clear 9501 for anything else. */
static void
test_request_find_users_sort (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkApiRequest) request = NULL;
  g_autoptr(LkApiRequest) decoded = lk_api_request_new (LK_API_OP_INVALID);
  g_autoptr(GBytes) body = NULL;
  gsize len;
  const char *data;

  request = decode_text ("{\"type\": \"find_users\", \"spAccountLoginName\": \"a\", \"spAccountLoginKey\": \"k\","
                         " \"sort\": \"LASTLOGIN\", \"order\": \"desc\"}", &error);
  g_assert_no_error (error);
  g_assert_cmpint (request->sort, ==, LK_USER_SORT_LAST_LOGIN);
  g_assert_true (request->descending);
  g_clear_pointer (&request, lk_api_request_free);
  request = decode_text ("{\"type\": \"find_users\", \"spAccountLoginName\": \"a\", \"spAccountLoginKey\": \"k\"}", &error);
  g_assert_no_error (error);
  g_assert_cmpint (request->sort, ==, LK_UNSET);
  g_assert_false (request->descending);

  request->sort = LK_USER_SORT_CREATED;
  request->descending = TRUE;
  body = lk_api_request_encode (request);
  data = g_bytes_get_data (body, &len);
  g_assert_nonnull (strstr (data, "\"created\""));
  g_assert_true (lk_api_request_decode (decoded, data, len, &error));
  g_assert_no_error (error);
  g_assert_cmpint (decoded->sort, ==, LK_USER_SORT_CREATED);
  g_assert_true (decoded->descending);

  assert_decode_error ("{\"type\": \"find_users\", \"spAccountLoginName\": \"a\", \"spAccountLoginKey\": \"k\","
                       " \"sort\": \"shoe size\"}", LK_ENGINE_ERROR, LK_ENGINE_ERROR_INVALID_ARGUMENT);
  assert_decode_error ("{\"type\": \"find_users\", \"spAccountLoginName\": \"a\", \"spAccountLoginKey\": \"k\","
                       " \"order\": \"sideways\"}", LK_ENGINE_ERROR, LK_ENGINE_ERROR_INVALID_ARGUMENT);
  assert_decode_error ("{\"type\": \"find_users\", \"spAccountLoginName\": \"a\", \"spAccountLoginKey\": \"k\","
                       " \"sort\": [\"name\"]}", LK_API_ERROR, LK_API_ERROR_FIELD_TYPE);
}

/* ---- responses ------------------------------------------------------------- */

static LkUser *
make_user (const char *login)
{
  LkUser *user = g_new0 (LkUser, 1);

  user->login = g_strdup (login);
  user->first_name = g_strdup ("Mändy");
  user->last_name = g_strdup ("Last");
  user->email = g_strdup ("m@example.com");
  user->mobile_phone = g_strdup ("");
  user->enabled = TRUE;
  user->device_count = 2;
  user->created_at = 1700000000;
  user->updated_at = 1700000001;
  user->last_login_at = 0;
  return user;
}

static LkDevice *
make_device (const char *serial,
             LkOtpType   otp_type)
{
  LkDevice *device = g_new0 (LkDevice, 1);

  device->serial = g_strdup (serial);
  device->device_type = LK_DEVICE_TYPE_HARDWARE;
  device->otp_type = otp_type;
  device->algorithm = LK_HASH_SHA256;
  device->digits = 8;
  device->window = 10;
  device->period = 60;
  device->time_drift = 2;
  device->alias = g_strdup ("fob");
  device->mobile_auth = TRUE;
  device->mobile_usage = LK_MOBILE_USAGE_PUSH_OTP;
  device->counter = 17;
  device->last_time_step = 5000;
  device->time_shift = -1;
  device->fail_count = 3;
  device->state = LK_DEVICE_STATE_LOCKED;
  device->user_login = g_strdup ("mandy");
  device->physical_device_id = g_strdup ("phone-1");
  device->has_pin = TRUE;
  device->created_at = 1;
  device->updated_at = 2;
  device->activated_at = 3;
  device->last_used_at = 4;
  return device;
}

static void
assert_users_equal (const LkUser *a,
                    const LkUser *b)
{
  g_assert_cmpstr (a->login, ==, b->login);
  g_assert_cmpstr (a->first_name, ==, b->first_name);
  g_assert_cmpstr (a->last_name, ==, b->last_name);
  g_assert_cmpstr (a->email, ==, b->email);
  g_assert_cmpstr (a->mobile_phone, ==, b->mobile_phone);
  g_assert_cmpint (a->enabled, ==, b->enabled);
  g_assert_cmpuint (a->device_count, ==, b->device_count);
  g_assert_cmpint (a->created_at, ==, b->created_at);
  g_assert_cmpint (a->updated_at, ==, b->updated_at);
  g_assert_cmpint (a->last_login_at, ==, b->last_login_at);
}

static void
assert_devices_equal (const LkDevice *a,
                      const LkDevice *b)
{
  g_assert_cmpstr (a->serial, ==, b->serial);
  g_assert_cmpint (a->device_type, ==, b->device_type);
  g_assert_cmpint (a->otp_type, ==, b->otp_type);
  g_assert_cmpint (a->algorithm, ==, b->algorithm);
  g_assert_cmpuint (a->digits, ==, b->digits);
  g_assert_cmpuint (a->window, ==, b->window);
  g_assert_cmpuint (a->period, ==, b->period);
  g_assert_cmpuint (a->time_drift, ==, b->time_drift);
  g_assert_cmpstr (a->alias, ==, b->alias);
  g_assert_cmpint (a->mobile_auth, ==, b->mobile_auth);
  g_assert_cmpint (a->mobile_usage, ==, b->mobile_usage);
  g_assert_cmpuint (a->counter, ==, b->counter);
  g_assert_cmpint (a->last_time_step, ==, b->last_time_step);
  g_assert_cmpint (a->time_shift, ==, b->time_shift);
  g_assert_cmpuint (a->fail_count, ==, b->fail_count);
  g_assert_cmpint (a->state, ==, b->state);
  g_assert_cmpstr (a->user_login, ==, b->user_login);
  g_assert_cmpstr (a->physical_device_id, ==, b->physical_device_id);
  g_assert_cmpint (a->has_pin, ==, b->has_pin);
  g_assert_cmpint (a->activated_at, ==, b->activated_at);
  g_assert_cmpint (a->last_used_at, ==, b->last_used_at);
}

static LkApiResponse *
round_trip (const LkApiResponse *response)
{
  g_autoptr(GBytes) body = lk_api_response_encode (response, NULL);
  g_autoptr(GError) error = NULL;
  gsize len;
  const char *data = g_bytes_get_data (body, &len);
  LkApiResponse *decoded = lk_api_response_decode (data, len, &error);

  g_assert_no_error (error);
  g_assert_nonnull (decoded);
  g_assert_cmpint (decoded->op, ==, response->op);
  g_assert_cmpint (decoded->error_code, ==, response->error_code);
  return decoded;
}

static void
test_response_round_trip (void)
{
  /* One user; enrolment with its device and generated password. */
  {
    g_autoptr(LkApiResponse) r = lk_api_response_new (LK_API_OP_ENROLL_USER);
    g_autoptr(LkApiResponse) d = NULL;

    r->user = make_user ("mandy");
    r->device = make_device ("OATH_1", LK_OTP_TYPE_TIME);
    r->generated_password = g_strdup ("Gen3rated!");
    r->message_id = 9;
    d = round_trip (r);
    assert_users_equal (r->user, d->user);
    assert_devices_equal (r->device, d->device);
    g_assert_cmpstr (d->generated_password, ==, "Gen3rated!");
    g_assert_cmpint (d->message_id, ==, 9);
  }
  /* Every single-device operation. */
  for (LkApiOp op = LK_API_OP_ADD_DEVICE; op <= LK_API_OP_UNLOCK_DEVICE; op++)
    {
      g_autoptr(LkApiResponse) r = lk_api_response_new (op);
      g_autoptr(LkApiResponse) d = NULL;

      if (op == LK_API_OP_FIND_DEVICES || op == LK_API_OP_DELETE_DEVICE)
        continue;
      r->device = make_device ("S-1", op % 2 ? LK_OTP_TYPE_EVENT : LK_OTP_TYPE_TIME);
      if (op == LK_API_OP_PROVISION_DEVICE || op == LK_API_OP_GET_DEVICE_QRCODE)
        r->uri = g_strdup ("otpauth://totp/Latchkey:mandy?secret=GEZDGNBV&issuer=Latchkey");
      if (op == LK_API_OP_GET_DEVICE_QRCODE)
        {
          r->png = g_bytes_new ("\x89PNG\r\n\x1a\n\0\1\2", 11);
          r->svg = g_strdup ("<svg xmlns=\"http://www.w3.org/2000/svg\"/>");
        }
      d = round_trip (r);
      assert_devices_equal (r->device, d->device);
      g_assert_cmpstr (d->uri, ==, r->uri);
      g_assert_cmpstr (d->svg, ==, r->svg);
      if (r->png != NULL)
        g_assert_true (g_bytes_equal (r->png, d->png));
    }
  /* Lists. */
  {
    g_autoptr(LkApiResponse) r = lk_api_response_new (LK_API_OP_FIND_USERS);
    g_autoptr(LkApiResponse) d = NULL;

    r->users = g_ptr_array_new_with_free_func ((GDestroyNotify) lk_user_free);
    g_ptr_array_add (r->users, make_user ("a"));
    g_ptr_array_add (r->users, make_user ("b"));
    r->total = 1234;
    d = round_trip (r);
    g_assert_cmpuint (d->users->len, ==, 2);
    assert_users_equal (r->users->pdata[1], d->users->pdata[1]);
    g_assert_cmpuint (d->total, ==, 1234);
  }
  {
    g_autoptr(LkApiResponse) r = lk_api_response_new (LK_API_OP_FIND_DEVICES);
    g_autoptr(LkApiResponse) d = NULL;

    r->devices = g_ptr_array_new_with_free_func ((GDestroyNotify) lk_device_free);
    g_ptr_array_add (r->devices, make_device ("X", LK_OTP_TYPE_EVENT));
    r->total = 1;
    d = round_trip (r);
    g_assert_cmpuint (d->devices->len, ==, 1);
    assert_devices_equal (r->devices->pdata[0], d->devices->pdata[0]);
    g_assert_null (d->device);
  }
  {
    g_autoptr(LkApiResponse) r = lk_api_response_new (LK_API_OP_GET_USER_AUDIT);
    g_autoptr(LkApiResponse) d = NULL;
    LkAuditEntry *entry = g_new0 (LkAuditEntry, 1);
    LkAuditEntry *got;

    entry->id = 5;
    entry->time = 1700000000;
    entry->actor = g_strdup ("acme/cli");
    entry->operation = g_strdup ("validate_oath_otp");
    entry->user_login = g_strdup ("mandy");
    entry->serial = g_strdup ("S");
    entry->result = 9003;
    r->audit = g_ptr_array_new_with_free_func ((GDestroyNotify) lk_audit_entry_free);
    g_ptr_array_add (r->audit, entry);
    d = round_trip (r);
    g_assert_cmpuint (d->audit->len, ==, 1);
    got = d->audit->pdata[0];
    g_assert_cmpint (got->id, ==, 5);
    g_assert_cmpint (got->time, ==, 1700000000);
    g_assert_cmpstr (got->actor, ==, "acme/cli");
    g_assert_cmpstr (got->operation, ==, "validate_oath_otp");
    g_assert_cmpstr (got->serial, ==, "S");
    g_assert_cmpint (got->result, ==, 9003);
    g_assert_null (got->detail);
  }
  /* Passcodes. */
  {
    g_autoptr(LkApiResponse) r = lk_api_response_new (LK_API_OP_VALIDATE_OTP);
    g_autoptr(LkApiResponse) d = NULL;

    r->serial = g_strdup ("S-9");
    d = round_trip (r);
    g_assert_cmpstr (d->serial, ==, "S-9");
    g_assert_null (d->device);
  }
  {
    g_autoptr(LkApiResponse) r = lk_api_response_new (LK_API_OP_SEND_OTP);
    g_autoptr(LkApiResponse) d = NULL;

    r->message_id = 77;
    d = round_trip (r);
    g_assert_cmpint (d->message_id, ==, 77);
  }
  /* Operations with nothing but the status. */
  {
    LkApiOp plain[] = { LK_API_OP_DELETE_USER, LK_API_OP_VALIDATE_USER, LK_API_OP_DELETE_DEVICE,
                        LK_API_OP_CREATE_ACCOUNT };

    for (gsize i = 0; i < G_N_ELEMENTS (plain); i++)
      {
        g_autoptr(LkApiResponse) r = lk_api_response_new (plain[i]);
        g_autoptr(LkApiResponse) d = round_trip (r);

        g_assert_null (d->user);
        g_assert_null (d->device);
      }
  }
}

static void
test_response_errors (void)
{
  g_autoptr(LkApiResponse) r = lk_api_response_new_error (LK_API_OP_VALIDATE_OTP, 9003, NULL);
  g_autoptr(GBytes) body = lk_api_response_encode (r, NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(LkApiResponse) d = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *object;

  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (body, NULL), g_bytes_get_size (body), NULL));
  object = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpint (json_object_get_int_member (object, "errorCode"), ==, 9003);
  g_assert_cmpstr (json_object_get_string_member (object, "type"), ==, "validate_oath_otp");
  g_assert_true (strlen (json_object_get_string_member (object, "errorMessage")) > 0);
  g_assert_cmpuint (json_object_get_size (object), ==, 3);

  d = round_trip (r);
  g_assert_true (lk_api_response_propagate_error (d, &error));
  g_assert_error (error, LK_API_ERROR, 9003);
  g_clear_error (&error);

  /* An unknown type is echoed as given; no op at all gives "". */
  {
    g_autoptr(LkApiResponse) u = lk_api_response_new_error (LK_API_OP_INVALID, LK_API_ERROR_UNKNOWN_TYPE, NULL);
    g_autoptr(GBytes) ub = lk_api_response_encode (u, NULL);

    g_assert_nonnull (strstr (g_bytes_get_data (ub, NULL), "\"type\":\"\""));
  }

  /* Not a response at all. */
  g_assert_null (lk_api_response_decode ("{\"hello\": 1}", 12, &error));
  g_assert_error (error, LK_API_ERROR, LK_API_ERROR_MALFORMED);
  g_clear_error (&error);
  g_assert_null (lk_api_response_decode ("<html>", 6, &error));
  g_assert_error (error, LK_API_ERROR, LK_API_ERROR_MALFORMED);
  g_clear_error (&error);

  /* A success answer has nothing to propagate. */
  {
    g_autoptr(LkApiResponse) ok = lk_api_response_new (LK_API_OP_FIND_USER);

    g_assert_false (lk_api_response_propagate_error (ok, &error));
    g_assert_no_error (error);
  }
}

static void
test_describe (void)
{
  for (int code = LK_API_ERROR_MALFORMED; code <= LK_API_ERROR_NOT_ALLOWED; code++)
    g_assert_true (strlen (lk_api_error_describe (code)) > 0);
  g_assert_cmpstr (lk_api_error_describe (0), ==, "OK");
  g_assert_cmpint (lk_api_limits.max_body_size, ==, 64 * 1024);
  g_assert_cmpuint (lk_api_limits.max_depth, ==, LK_API_MAX_DEPTH);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/api/codec/op-names", test_op_names);
  g_test_add_func ("/api/codec/request/round-trip", test_request_round_trip);
  g_test_add_func ("/api/codec/request/vendor-samples", test_vendor_samples);
  g_test_add_func ("/api/codec/request/leniency", test_request_leniency);
  g_test_add_func ("/api/codec/request/refusals", test_request_refusals);
  g_test_add_func ("/api/codec/request/find-users-sort", test_request_find_users_sort);
  g_test_add_func ("/api/codec/response/round-trip", test_response_round_trip);
  g_test_add_func ("/api/codec/response/errors", test_response_errors);
  g_test_add_func ("/api/codec/describe", test_describe);

  return g_test_run ();
}
