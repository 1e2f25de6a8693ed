/* SPDX-License-Identifier: GPL-3.0-or-later
 * The engine's records (users, devices, audit entries) and request structs,
 * with the vendor's numbering for every enumerated field. */
#pragma once

#include <glib.h>
#include "lk-otp.h"

G_BEGIN_DECLS

/* A request field the caller did not send: the engine applies the default
 * documented in docs/engine.md. Every int field of a request uses it. */
#define LK_UNSET (-1)

/* deviceType (vendor numbering, docs/engine.md). */
typedef enum
{
  LK_DEVICE_TYPE_MOBILE       = 0,  /* mobile soft token (default) */
  LK_DEVICE_TYPE_HARDWARE     = 1,  /* hardware key fob */
  LK_DEVICE_TYPE_DESKTOP      = 2,  /* desktop soft token (Latchkey's token mode) */
  LK_DEVICE_TYPE_MULTI_DEVICE = 3,  /* multi-device licence (issue 5) */
} LkDeviceType;
#define LK_DEVICE_TYPE_LAST LK_DEVICE_TYPE_MULTI_DEVICE

/* OtpType, as in the vendor sample where 1 is "time based otp". */
typedef enum
{
  LK_OTP_TYPE_EVENT = 0,  /* HOTP, RFC 4226 */
  LK_OTP_TYPE_TIME  = 1,  /* TOTP, RFC 6238 (default) */
  LK_OTP_TYPE_OCRA  = 2,  /* OCRA, RFC 6287 */
} LkOtpType;
#define LK_OTP_TYPE_LAST LK_OTP_TYPE_OCRA

typedef enum
{
  LK_DEVICE_STATE_NEW      = 0,  /* added, not yet activated with two OTPs */
  LK_DEVICE_STATE_ACTIVE   = 1,
  LK_DEVICE_STATE_DISABLED = 2,  /* by an administrator */
  LK_DEVICE_STATE_LOCKED   = 3,  /* too many consecutive failures; unlock resets */
} LkDeviceState;

/* notificationMethod on enrolment and add_oath_device. */
typedef enum
{
  LK_NOTIFY_NONE  = 0,
  LK_NOTIFY_EMAIL = 1,
  LK_NOTIFY_SMS   = 2,
} LkNotificationMethod;

/* deliveryMethod of send_oath_otp (the WCF numbering; REST sends the names
 * "sms", "email", "voice"). */
typedef enum
{
  LK_DELIVERY_SMS   = 0,
  LK_DELIVERY_EMAIL = 1,
  LK_DELIVERY_VOICE = 2,
} LkDeliveryMethod;

/* mobileUsage. */
typedef enum
{
  LK_MOBILE_USAGE_PUSH     = 0,
  LK_MOBILE_USAGE_OTP      = 1,  /* default */
  LK_MOBILE_USAGE_PUSH_OTP = 2,
} LkMobileUsage;

const char *lk_device_type_to_string   (int type);   /* "mobile", "hardware", "desktop", "multi-device"; NULL if unknown */
gboolean    lk_device_type_from_string (const char *text, LkDeviceType *out);  /* names or digits */
const char *lk_otp_type_to_string      (int type);   /* "event", "time", "ocra" */
gboolean    lk_otp_type_from_string    (const char *text, LkOtpType *out);
const char *lk_device_state_to_string  (int state);  /* "new", "active", "disabled", "locked" */
const char *lk_delivery_method_to_string (int method);  /* "sms", "email", "voice" */
/* "sms", "email", "voice" (any case) or "0", "1", "2". */
gboolean    lk_delivery_method_from_string (const char *text, LkDeliveryMethod *out);

/* The orders find_users can list users in; each has an index, and ties
 * are broken by the user's id so paging is stable. */
typedef enum
{
  LK_USER_SORT_LOGIN      = 0,  /* default */
  LK_USER_SORT_NAME       = 1,  /* first name, then last name */
  LK_USER_SORT_EMAIL      = 2,
  LK_USER_SORT_LAST_LOGIN = 3,  /* last successful validate_user; never = 0 sorts first */
  LK_USER_SORT_CREATED    = 4,
  LK_USER_SORT_LAST       = LK_USER_SORT_CREATED,
} LkUserSort;

const char *lk_user_sort_to_string     (int sort);   /* "login", "name", "email", "lastLogin", "created"; NULL if unknown */
gboolean    lk_user_sort_from_string   (const char *text, LkUserSort *out);  /* those names, any case */

/* ---- records returned by the engine (owned by the caller) ---- */

typedef struct
{
  gint64    id;
  gint64    account_id;
  char     *login;
  char     *first_name;     /* never NULL; may be empty */
  char     *last_name;
  char     *email;
  char     *mobile_phone;
  gboolean  enabled;
  guint     device_count;   /* devices assigned to the user */
  gint64    created_at;     /* unix seconds */
  gint64    updated_at;
  gint64    last_login_at;  /* last successful validate_user; 0 = never (see LkDevice.last_used_at for OTPs) */
} LkUser;

LkUser  *lk_user_copy (const LkUser *user);
void     lk_user_free (LkUser *user);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LkUser, lk_user_free)

typedef struct
{
  gint64         id;
  gint64         account_id;
  char          *serial;             /* psn / deviceId / printedSerialNumber */
  LkDeviceType   device_type;
  LkOtpType      otp_type;
  LkHash         algorithm;
  guint          digits;             /* OtpLength, 6..10 */
  guint          window;             /* HOTP look-ahead (windowSize of an event device) */
  guint          period;             /* TOTP step seconds (windowSize of a time device) */
  guint          time_drift;         /* TOTP: steps accepted either side (timeDrift) */
  char          *ocra_suite;         /* OCRA only; else NULL */
  char          *alias;              /* softTokenAlias; never NULL, may be empty */
  gboolean       mobile_auth;        /* provisioning requires the user's password */
  LkMobileUsage  mobile_usage;
  guint64        counter;            /* HOTP: next counter expected */
  gint64         last_time_step;     /* TOTP: last accepted step; -1 = none */
  gint           time_shift;         /* TOTP: learned drift in steps */
  guint          fail_count;         /* consecutive failures */
  LkDeviceState  state;
  char          *user_login;         /* assigned user, or NULL */
  char          *physical_device_id; /* bound at provisioning, or NULL */
  gboolean       has_pin;
  gint64         created_at;
  gint64         updated_at;
  gint64         activated_at;       /* 0 = never */
  gint64         last_used_at;       /* last accepted OTP; 0 = never */
} LkDevice;

LkDevice *lk_device_copy (const LkDevice *device);
void      lk_device_free (LkDevice *device);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LkDevice, lk_device_free)

typedef struct
{
  gint64  id;
  gint64  time;          /* unix seconds */
  gint64  account_id;    /* 0 when the partner login itself failed */
  char   *actor;         /* who: the partner account name plus the actor set with lk_engine_set_actor() */
  char   *operation;     /* what: "enroll_user", "validate_oath_otp", ... */
  char   *user_login;    /* target user, or NULL */
  char   *serial;        /* target device, or NULL */
  int     result;        /* 0 or the errorCode */
  char   *detail;        /* a short secret-free note, or NULL */
} LkAuditEntry;

void lk_audit_entry_free (LkAuditEntry *entry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LkAuditEntry, lk_audit_entry_free)

/* ---- requests (stack-allocated; strings are borrowed, NULL = absent) ---- */

/* Every field of add_oath_device / the device part of EnrollUser. Call
 * lk_device_spec_init() first: it sets every int to LK_UNSET and every
 * string to NULL. Defaults for absent fields are in docs/engine.md. */
typedef struct
{
  int          device_type;          /* deviceType */
  int          otp_type;             /* OtpType */
  int          otp_length;           /* OtpLength */
  int          window_size;          /* windowSize: look-ahead (event) or step seconds (time) */
  int          time_drift;           /* timeDrift: ± steps (time) */
  const char  *otp_pin;              /* OtpPin: 4-12 digits, NULL/"" = no PIN */
  const char  *psn;                  /* serial; NULL/"" = generated */
  const char  *secret_key_hex;       /* secretKeyHex; at most one of the two keys */
  const char  *secret_key_base64;    /* secretKeyHexBase64 */
  int          notification_method;  /* LkNotificationMethod */
  int          mobile_auth;          /* 0 or 1 */
  int          mobile_usage;         /* LkMobileUsage */
  const char  *soft_token_alias;     /* softTokenAlias */
  const char  *algorithm;            /* "SHA1" (default), "SHA256", "SHA512" */
  const char  *ocra_suite;           /* OTP type OCRA; NULL = "OCRA-1:HOTP-SHA1-6:QN08" */
} LkDeviceSpec;

void lk_device_spec_init (LkDeviceSpec *spec);

/* EnrollUser / add_oath_user. login is required; password NULL = generate. */
typedef struct
{
  const char   *login;
  const char   *first_name;
  const char   *last_name;
  const char   *email;
  const char   *mobile_phone;
  const char   *password;
  gboolean      with_device;   /* also add `device` and assign it */
  LkDeviceSpec  device;
} LkUserSpec;

void lk_user_spec_init (LkUserSpec *spec);

/* update_user: NULL leaves a field as it is; "" clears an optional one.
 * enabled is LK_UNSET, 0 or 1. */
typedef struct
{
  const char  *new_login;
  const char  *first_name;
  const char  *last_name;
  const char  *email;
  const char  *mobile_phone;
  const char  *password;
  int          enabled;
} LkUserUpdate;

void lk_user_update_init (LkUserUpdate *update);

/* ---- results ---- */

typedef struct
{
  LkUser    *user;
  LkDevice  *device;              /* NULL unless with_device */
  char      *generated_password;  /* NULL unless generated; shown once; wiped on free */
  gint64     outbox_id;           /* welcome message queued, or 0 */
} LkEnrollResult;

void lk_enroll_result_free (LkEnrollResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LkEnrollResult, lk_enroll_result_free)

/* provision_oath_device and get_oath_device_qrcode. `uri` carries the seed:
 * it is wiped on free and must never be logged. */
typedef struct
{
  LkDevice  *device;
  char      *uri;      /* otpauth:// (hotp/totp); for OCRA a Latchkey-specific "ocra" URI */
  GBytes    *png;      /* get_oath_device_qrcode only, else NULL */
  char      *svg;      /* get_oath_device_qrcode only, else NULL */
} LkProvisionResult;

void lk_provision_result_free (LkProvisionResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LkProvisionResult, lk_provision_result_free)

G_END_DECLS
