/* SPDX-License-Identifier: GPL-3.0-or-later
 * Multi-device licences in the engine: licences, activations (AM1 → device code → AM2) and instances.
 *
 * A licence lets one person run the same authenticator on up to
 * max_instances devices. Each instance is a device row of its own (serial
 * "<licence serial>-<n>", deviceType 3), with its own random seed sealed at
 * rest like every seed, assigned to the licence's user, so validate_oath_otp
 * and the rest of the device operations work on it unchanged. It is new
 * (pending) until its test signature is verified. The message formats are in
 * docs/activation.md; the error codes 9600-9611 in docs/error-codes.md. */
#pragma once

#include <glib.h>
#include "lk-engine.h"

G_BEGIN_DECLS

/* LK_ENGINE_ERROR codes of multi-device activation (the range 9600-9699
 * that lk-engine-error.h reserves for it). */
typedef enum
{
  LK_ENGINE_ERROR_LICENCE_NOT_FOUND      = 9600,
  LK_ENGINE_ERROR_LICENCE_EXISTS         = 9601,
  LK_ENGINE_ERROR_ACTIVATION_NOT_FOUND   = 9602,  /* no activation was started for the licence */
  LK_ENGINE_ERROR_ACTIVATION_EXPIRED     = 9603,
  LK_ENGINE_ERROR_ACTIVATION_USED        = 9604,  /* AM1 already made an instance (single use) */
  LK_ENGINE_ERROR_ACTIVATION_LOCKED      = 9605,  /* too many wrong device codes */
  LK_ENGINE_ERROR_DEVICE_CODE_INVALID    = 9606,  /* mistyped, or not made from this activation's AM1 */
  LK_ENGINE_ERROR_MAX_INSTANCES          = 9607,
  LK_ENGINE_ERROR_INSTANCE_NOT_FOUND     = 9608,
  LK_ENGINE_ERROR_INSTANCE_NOT_PENDING   = 9609,  /* test signature for an instance already active or deactivated */
  LK_ENGINE_ERROR_TEST_SIGNATURE_INVALID = 9610,
  LK_ENGINE_ERROR_ACTIVATION_SUPERSEDED  = 9611,  /* a newer activation replaced this one */
} LkEngineActivationError;

/* A short, translated sentence for the codes above; NULL for any other. */
const char *lk_engine_activation_error_describe (int code);

typedef enum
{
  LK_INSTANCE_PENDING     = 0,  /* AM2 issued, test signature not yet verified */
  LK_INSTANCE_ACTIVE      = 1,
  LK_INSTANCE_DEACTIVATED = 2,  /* its device row and seed are gone */
} LkInstanceState;

const char *lk_instance_state_to_string (int state);  /* "pending", "active", "deactivated" */

typedef struct
{
  gint64      id;
  char       *serial;
  char       *user_login;       /* NULL when the licence has no user */
  guint       max_instances;
  LkOtpType   otp_type;         /* event or time */
  LkHash      algorithm;
  guint       digits;
  guint       period;           /* TOTP seconds; 0 for HOTP */
  guint       window;           /* HOTP look-ahead; TOTP steps either side */
  char       *issuer;           /* shown by the token; never NULL */
  char       *label;            /* the account name shown by the token; never NULL */
  guint       instances;        /* pending + active */
  gint64      created_at;
} LkLicence;

LkLicence *lk_licence_copy (const LkLicence *licence);
void       lk_licence_free (LkLicence *licence);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LkLicence, lk_licence_free)

typedef struct
{
  gint64           id;
  char            *licence_serial;
  guint            number;          /* 1, 2, ... never reused within a licence */
  char            *device_serial;   /* the device row: "<licence>-<number>"; NULL once deactivated */
  char            *device_binding;  /* hex device id from the device code */
  LkInstanceState  state;
  gint64           created_at;
  gint64           activated_at;    /* 0 = not yet */
  gint64           deactivated_at;  /* 0 = not */
  guint            replaces;        /* the instance it replaced on the same device, or 0 */
} LkInstance;

LkInstance *lk_instance_copy (const LkInstance *instance);
void        lk_instance_free (LkInstance *instance);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LkInstance, lk_instance_free)

/* create_licence. Strings are borrowed; ints LK_UNSET for the default. */
typedef struct
{
  const char *serial;          /* required: 1-32 printable ASCII, no spaces */
  const char *login;           /* owner; NULL = none */
  int         max_instances;   /* default 3, 1..100 */
  int         otp_type;        /* LK_OTP_TYPE_EVENT or _TIME (default) */
  const char *algorithm;       /* "SHA1" (default), "SHA256", "SHA512" */
  int         otp_length;      /* default 6 */
  int         period;          /* TOTP, default 30 */
  int         window;          /* default 10 (HOTP) or 1 (TOTP) */
  const char *issuer;          /* NULL = the engine's issuer */
  const char *label;           /* NULL = the login, or the serial */
} LkLicenceSpec;

void        lk_licence_spec_init (LkLicenceSpec *spec);

LkLicence  *lk_engine_create_licence (LkEngine             *engine,
                                      gint64                account_id,
                                      const LkLicenceSpec  *spec,
                                      GError              **error);
LkLicence  *lk_engine_find_licence   (LkEngine             *engine,
                                      gint64                account_id,
                                      const char           *serial,
                                      GError              **error);

typedef struct
{
  char    *am1;            /* "LKAM1:…": holds the activation key; wiped on free */
  char    *activation_id;  /* hex, for the audit and the operator */
  gint64   expires_at;
  guint    max_attempts;
} LkActivationStart;

void lk_activation_start_free (LkActivationStart *start);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LkActivationStart, lk_activation_start_free)

/* start_activation (generate AM1): a fresh activation key, sealed at rest,
 * valid for @lifetime seconds (0 = 600, at most 86400) and @max_attempts
 * wrong device codes (0 = 5, at most 20). Any older pending activation of
 * the licence is superseded. The licence must have room for an instance. */
LkActivationStart *lk_engine_start_activation (LkEngine    *engine,
                                               gint64       account_id,
                                               const char  *serial,
                                               guint        lifetime,
                                               guint        max_attempts,
                                               GError     **error);

typedef struct
{
  LkInstance *instance;
  char       *am2;     /* "LKAM2:…" */
} LkAddDeviceResult;

void lk_add_device_result_free (LkAddDeviceResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LkAddDeviceResult, lk_add_device_result_free)

/* add_device_instance: checks @device_code against the licence's pending
 * activation, creates a pending instance with a fresh seed and returns AM2.
 * One transaction: a failure leaves no instance, device or used activation
 * behind. Only a well-formed code that fails its keyed check counts as a
 * wrong attempt (committed on its own). A device already holding an
 * instance of this licence gets a new one that replaces the old. */
LkAddDeviceResult *lk_engine_add_device_instance (LkEngine    *engine,
                                                  gint64       account_id,
                                                  const char  *serial,
                                                  const char  *device_code,
                                                  GError     **error);

/* verify_test_signature: the instance's first OTP moves it from pending to
 * active. */
gboolean    lk_engine_verify_test_signature (LkEngine    *engine,
                                             gint64       account_id,
                                             const char  *serial,
                                             guint        instance,
                                             const char  *otp,
                                             GError     **error);

/* issue_test_challenge: the other kind of test signature. Draws an 8-digit
 * challenge for the pending instance (valid 10 minutes, one answer, a new
 * one replaces it) and returns it; @out_suite (nullable) gets the OCRA suite
 * the token answers with (docs/activation.md). */
char       *lk_engine_issue_test_challenge  (LkEngine    *engine,
                                             gint64       account_id,
                                             const char  *serial,
                                             guint        instance,
                                             char       **out_suite,
                                             GError     **error);

/* verify_test_signature with an OCRA @response to the open challenge
 * instead of an OTP: the instance becomes active. */
gboolean    lk_engine_verify_test_response  (LkEngine    *engine,
                                             gint64       account_id,
                                             const char  *serial,
                                             guint        instance,
                                             const char  *response,
                                             GError     **error);

/* list_instances: every instance, deactivated ones included, by number. A
 * GPtrArray of LkInstance. */
GPtrArray  *lk_engine_list_instances (LkEngine    *engine,
                                      gint64       account_id,
                                      const char  *serial,
                                      GError     **error);

/* deactivate_instance: deletes the instance's device row (and so its seed);
 * the instance stays listed as deactivated and frees its slot. */
gboolean    lk_engine_deactivate_instance (LkEngine    *engine,
                                           gint64       account_id,
                                           const char  *serial,
                                           guint        instance,
                                           GError     **error);

G_END_DECLS
