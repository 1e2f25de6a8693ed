/* SPDX-License-Identifier: GPL-3.0-or-later
 * The one codec of the JSON API: typed requests and responses for every
 * engine operation, encoded and decoded the same way by latchkeyd and by the
 * remote backend. Field names and numbering: docs/api.md. */
#pragma once

#include <glib.h>
#include "lk-api.h"
#include "lk-engine.h"
#include "lk-bulk-import.h"

G_BEGIN_DECLS

/* Every operation of the API. The wire name of each is
 * lk_api_op_to_string(); lk_api_op_from_string() also knows the aliases. */
typedef enum
{
  LK_API_OP_INVALID = 0,
  /* users */
  LK_API_OP_ENROLL_USER,          /* add_oath_user (aliases add_oath_account, enroll_user) */
  LK_API_OP_FIND_USER,            /* find_user */
  LK_API_OP_FIND_USERS,           /* find_users */
  LK_API_OP_UPDATE_USER,          /* update_user */
  LK_API_OP_DELETE_USER,          /* delete_user */
  LK_API_OP_VALIDATE_USER,        /* validate_user */
  LK_API_OP_ENABLE_USER,          /* enable_user */
  LK_API_OP_DISABLE_USER,         /* disable_user */
  LK_API_OP_GET_USER_AUDIT,       /* get_user_audit */
  /* devices */
  LK_API_OP_ADD_DEVICE,           /* add_oath_device */
  LK_API_OP_PROVISION_DEVICE,     /* provision_oath_device */
  LK_API_OP_GET_DEVICE_QRCODE,    /* get_oath_device_qrcode */
  LK_API_OP_ACTIVATE_DEVICE,      /* active_oath_device (alias activate_oath_device) */
  LK_API_OP_SYNC_DEVICE,          /* sync_oath_device */
  LK_API_OP_FIND_DEVICE,          /* find_device */
  LK_API_OP_FIND_DEVICES,         /* find_devices: a user's, or the unassigned ones */
  LK_API_OP_ASSIGN_DEVICE,        /* assign_device */
  LK_API_OP_UNASSIGN_DEVICE,      /* unassign_device */
  LK_API_OP_ENABLE_DEVICE,        /* enable_device */
  LK_API_OP_DISABLE_DEVICE,       /* disable_device */
  LK_API_OP_DELETE_DEVICE,        /* delete_device */
  LK_API_OP_UNLOCK_DEVICE,        /* unlock_device (aliases reset_device, reset_oath_device) */
  /* bulk import, a chunk per request (lk-api-bulk.c, docs/bulk.md) */
  LK_API_OP_IMPORT_DEVICES,       /* import_oath_devices: hardware keys with seed, counter, drift */
  LK_API_OP_IMPORT_USERS,         /* import_users: enrolment rows */
  /* passcodes */
  LK_API_OP_VALIDATE_OTP,         /* validate_oath_otp */
  LK_API_OP_SEND_OTP,             /* send_oath_otp */
  /* bootstrap; local only unless LkApiHandleOptions.allow_create_account */
  LK_API_OP_CREATE_ACCOUNT,       /* create_account */
  /* multi-device activation (lk-api-activation.c, docs/activation.md) */
  LK_API_OP_CREATE_LICENCE,       /* create_licence */
  LK_API_OP_FIND_LICENCE,         /* find_licence */
  LK_API_OP_START_ACTIVATION,     /* start_activation */
  LK_API_OP_ADD_DEVICE_INSTANCE,  /* add_device_instance */
  LK_API_OP_VERIFY_TEST_SIGNATURE,/* verify_test_signature */
  LK_API_OP_LIST_INSTANCES,       /* list_instances */
  LK_API_OP_DEACTIVATE_INSTANCE,  /* deactivate_instance */
  LK_API_OP_ISSUE_TEST_CHALLENGE, /* issue_test_challenge */
  /* delivery (docs/delivery.md) */
  LK_API_OP_GET_DELIVERY,         /* get_delivery: an outbox message's state */
  /* token mode: a user provisions their own device with their password,
   * no partner key (docs/api.md) */
  LK_API_OP_SELF_PROVISION_DEVICE, /* self_provision_oath_device */
  LK_API_N_OPS
} LkApiOp;

const char *lk_api_op_to_string   (LkApiOp      op);   /* static; NULL for INVALID */
gboolean    lk_api_op_from_string (const char  *text,   /* case-insensitive, blanks trimmed */
                                   LkApiOp     *out_op);
/* TRUE for the reads a client may safely send twice (find_*, get_user_audit). */
gboolean    lk_api_op_is_idempotent (LkApiOp    op);

/* The activation operations' own members (lk-api-activation.h). */
typedef struct _LkApiActivationRequest  LkApiActivationRequest;
typedef struct _LkApiActivationResponse LkApiActivationResponse;
/* The bulk operations' items (lk-api-bulk.h). */
typedef struct _LkApiBulkRequest        LkApiBulkRequest;

/* One request. Strings are owned (NULL = not sent); ints use LK_UNSET for
 * "not sent". account_key, password, otp_pin, secret keys and OTPs are
 * secrets: lk_api_request_free() wipes them. */
typedef struct
{
  LkApiOp   op;
  char     *account_name;        /* spAccountLoginName */
  char     *account_key;         /* spAccountLoginKey */

  /* users */
  char     *username;            /* username (alias loginName) */
  char     *new_username;        /* newUsername (update_user) */
  char     *first_name;          /* firstName */
  char     *last_name;           /* lastName */
  char     *email;               /* email */
  char     *mobile_phone;        /* mobilePhone */
  char     *password;            /* loginPassword (alias password) */
  int       enabled;             /* enabled (update_user): LK_UNSET, 0, 1 */

  /* add_oath_device, and EnrollUser's first device */
  gboolean  with_device;         /* EnrollUser: addDevice, or any device field present */
  int       device_type;         /* deviceType */
  int       otp_type;            /* OtpType */
  int       otp_length;          /* OtpLength */
  int       window_size;         /* windowSize (alias OtpWindow) */
  int       time_drift;          /* timeDrift */
  char     *otp_pin;             /* OtpPin */
  char     *psn;                 /* psn: the serial of a new device */
  char     *secret_key_hex;      /* secretKeyHex */
  char     *secret_key_base64;   /* secretKeyHexBase64 (alias secretKeyBase64) */
  int       notification_method; /* notificationMethod */
  int       mobile_auth;         /* mobileAuth */
  int       mobile_usage;        /* mobileUsage */
  char     *soft_token_alias;    /* softTokenAlias */
  char     *algorithm;           /* algorithm: SHA1, SHA256, SHA512 */
  char     *ocra_suite;          /* ocraSuite */

  /* existing devices */
  char     *serial;              /* deviceId (aliases printedSerialNumber, serialNumber; psn where no device is added) */
  char     *physical_device_id;  /* physicalDeviceId */
  int       png_scale;           /* qrScale: pixels per module of the PNG */

  /* passcodes */
  char     *otp;                 /* otp */
  char     *otp1;                /* otp1 */
  char     *otp2;                /* otp2 */
  char     *challenge;           /* challenge (OCRA) */
  int       delivery_method;     /* deliveryMethod: LkDeliveryMethod */
  gint64    message_id;          /* messageId (get_delivery); 0 = not sent */

  /* lists */
  char     *search;              /* search: prefix of login, name or email */
  int       offset;              /* offset */
  int       limit;               /* limit */
  int       sort;                /* sort (find_users): LkUserSort by name, LK_UNSET = login */
  gboolean  descending;          /* order (find_users): "desc" (TRUE) or "asc" */

  LkApiActivationRequest *activation;  /* activation operations only; owned */
  LkApiBulkRequest       *bulk;        /* import_oath_devices / import_users only; owned */
} LkApiRequest;

LkApiRequest *lk_api_request_new  (LkApiOp             op);
LkApiRequest *lk_api_request_copy (const LkApiRequest *request);
void          lk_api_request_free (LkApiRequest       *request);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LkApiRequest, lk_api_request_free)

/* Fills @request from a request body. Refuses with LK_API_ERROR (code =
 * errorCode) or LK_ENGINE_ERROR_INVALID_ARGUMENT/MISSING_FIELD; on failure
 * @request keeps what was read before the fault (op and account_name, for
 * the server's logs). */
gboolean      lk_api_request_decode (LkApiRequest  *request,
                                     const char    *data,
                                     gsize          len,
                                     GError       **error);

/* The request as a JSON body with the vendor's field names (transfer full;
 * it holds the account key: wipe or drop it after sending). */
GBytes       *lk_api_request_encode (const LkApiRequest *request);

/* One response. Which members are set depends on the operation
 * (docs/api.md). Owned; lk_api_response_free() wipes the secrets
 * (generated_password, uri). */
typedef struct
{
  LkApiOp          op;
  int              error_code;          /* errorCode; 0 = OK */
  char            *error_message;       /* errorMessage */

  LkUser          *user;                /* one user: enroll, find_user, update_user, enable/disable_user */
  LkDevice        *device;              /* one device: add, provision, qrcode, find_device, enroll with a device, ... */
  GPtrArray       *users;               /* find_users: LkUser */
  GPtrArray       *devices;             /* find_devices: LkDevice */
  GPtrArray       *audit;               /* get_user_audit: LkAuditEntry */
  guint            total;               /* find_users / find_devices: all matches */
  char            *generated_password;  /* enroll: loginPassword when generated */
  char            *uri;                 /* provision / qrcode: otpauthUri (holds the seed) */
  GBytes          *png;                 /* qrcode: qrCodePng (base64 on the wire) */
  char            *svg;                 /* qrcode: qrCodeSvg */
  char            *serial;              /* validate_oath_otp / send_oath_otp: the device used (deviceId) */
  gint64           message_id;          /* send_oath_otp / enroll / add: the outbox message queued, or 0 */
  LkOutboxMessage *delivery;            /* get_delivery: the message, without its code */
  LkApiActivationResponse *activation;  /* activation operations only; owned */
  LkBulkReport    *report;              /* import_oath_devices / import_users: every item's outcome */
} LkApiResponse;

LkApiResponse *lk_api_response_new   (LkApiOp        op);
void           lk_api_response_free  (LkApiResponse *response);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LkApiResponse, lk_api_response_free)

/* An error response for @op (may be INVALID) with @code and @message
 * (NULL = lk_api_error_describe (@code)). */
LkApiResponse *lk_api_response_new_error (LkApiOp     op,
                                          int         code,
                                          const char *message);

/* The response as a JSON body: errorCode, errorMessage, type and the
 * operation's members. @type_text overrides the type (for an unknown type
 * echoed back); NULL = the op's name or "". */
GBytes        *lk_api_response_encode (const LkApiResponse *response,
                                       const char          *type_text);

/* Reads a response body (a client's side; up to LK_API_MAX_RESPONSE_SIZE).
 * FALSE with LK_API_ERROR_MALFORMED when it is not a response at all. */
LkApiResponse *lk_api_response_decode (const char  *data,
                                       gsize        len,
                                       GError     **error);

/* The response's error as a GError (LK_API_ERROR, code = errorCode), or
 * FALSE and nothing when errorCode is 0. */
gboolean       lk_api_response_propagate_error (const LkApiResponse  *response,
                                                GError              **error);

G_END_DECLS
