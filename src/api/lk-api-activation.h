/* SPDX-License-Identifier: GPL-3.0-or-later
 * The multi-device activation part of the JSON API: its request and response members, how the
 * codec reads and writes them, and how they run on the engine. Field names: docs/activation.md.
 *
 * The codec (lk-api-codec.c) and the executor (lk-api-execute.c) call into
 * this file for the operations lk_api_activation_handles() says are its own,
 * so the activation types live in one place without growing the core codec. */
#pragma once

#include <json-glib/json-glib.h>
#include "lk-api-codec.h"
#include "lk-api-reader.h"
#include "lk-engine-activation.h"

G_BEGIN_DECLS

struct _LkApiActivationRequest
{
  char  *serial;          /* serialNumber (alias licenceSerial): the licence */
  char  *username;        /* username: the licence's owner (create_licence) */
  int    max_instances;   /* maxInstances */
  int    otp_type;        /* OtpType: 0 event, 1 time */
  char  *algorithm;       /* algorithm */
  int    otp_length;      /* OtpLength */
  int    period;          /* period: TOTP seconds */
  int    window;          /* windowSize: HOTP look-ahead or TOTP steps either side */
  char  *issuer;          /* issuer */
  char  *label;           /* label */
  int    lifetime;        /* lifetime: seconds AM1 stays valid */
  int    max_attempts;    /* maxAttempts: wrong device codes allowed */
  char  *device_code;     /* deviceCode */
  int    instance;        /* instance: its number */
  char  *otp;             /* otp: the test signature (a secret: wiped) */
  char  *ocra_response;   /* ocraResponse: the other kind, the answer to issue_test_challenge */
};

struct _LkApiActivationResponse
{
  LkLicence  *licence;          /* create_licence, find_licence */
  LkInstance *instance;         /* add_device_instance */
  GPtrArray  *instances;        /* list_instances: LkInstance */
  char       *am1;              /* start_activation: activationMessage1 (holds the key: wiped) */
  char       *activation_id;    /* start_activation: activationId */
  gint64      expires_at;       /* start_activation: expires */
  guint       max_attempts;     /* start_activation: maxAttempts */
  char       *am2;              /* add_device_instance: activationMessage2 */
  char       *challenge;        /* issue_test_challenge: challenge */
  char       *ocra_suite;       /* issue_test_challenge: ocraSuite */
};

/* TRUE for the operations this file implements. */
gboolean   lk_api_activation_handles          (LkApiOp               op);

LkApiActivationRequest  *lk_api_activation_request_new   (void);
LkApiActivationRequest  *lk_api_activation_request_copy  (const LkApiActivationRequest *request);
void                     lk_api_activation_request_free  (LkApiActivationRequest *request);
void                     lk_api_activation_response_free (LkApiActivationResponse *response);

/* Codec hooks. decode_request fills request->activation (made if NULL). */
gboolean   lk_api_activation_decode_request   (LkApiRequest          *request,
                                               LkApiFields           *fields,
                                               GError               **error);
void       lk_api_activation_encode_request   (const LkApiRequest    *request,
                                               JsonBuilder           *builder);
void       lk_api_activation_encode_response  (const LkApiResponse   *response,
                                               JsonBuilder           *builder);
void       lk_api_activation_decode_response  (LkApiResponse         *response,
                                               JsonObject            *object);

/* Runs one activation operation for the logged-in @account_id. */
gboolean   lk_api_activation_execute          (LkEngine              *engine,
                                               gint64                 account_id,
                                               const LkApiRequest    *request,
                                               LkApiResponse         *response,
                                               GError               **error);

G_END_DECLS
