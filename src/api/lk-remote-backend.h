/* SPDX-License-Identifier: GPL-3.0-or-later
 * LkRemoteBackend: the backend interface over HTTPS to latchkeyd (libsoup 3),
 * with TLS verification or a pinned certificate, timeouts and retries of
 * idempotent reads. */
#pragma once

#include "lk-backend.h"

G_BEGIN_DECLS

#define LK_REMOTE_ERROR (lk_remote_error_quark ())

/* Why no response could be had from the server. */
typedef enum
{
  LK_REMOTE_ERROR_INVALID_URL,    /* not an http(s) URL */
  LK_REMOTE_ERROR_UNREACHABLE,    /* name not resolved, connection refused or reset */
  LK_REMOTE_ERROR_TIMEOUT,        /* no answer within the timeout */
  LK_REMOTE_ERROR_TLS_UNTRUSTED,  /* the certificate is not trusted (nor pinned): see the fingerprint */
  LK_REMOTE_ERROR_TLS_FAILED,     /* another TLS failure (handshake, pin mismatch is UNTRUSTED) */
  LK_REMOTE_ERROR_HTTP,           /* an HTTP status without an API response */
  LK_REMOTE_ERROR_PROTOCOL,       /* the answer is not an API response, or too large */
} LkRemoteError;

GQuark lk_remote_error_quark (void);

#define LK_TYPE_REMOTE_BACKEND (lk_remote_backend_get_type ())
G_DECLARE_FINAL_TYPE (LkRemoteBackend, lk_remote_backend, LK, REMOTE_BACKEND, GObject)

#define LK_REMOTE_DEFAULT_TIMEOUT 20   /* seconds */

/* @url is "https://host[:port][/path]"; with no path (or "/") requests go to
 * LK_API_DEFAULT_PATH. Plain http:// is accepted (latchkeyd allows it on
 * loopback). The session belongs to the thread-default main context at
 * creation: use the backend from that context only. */
LkBackend  *lk_remote_backend_new              (const char       *url,
                                                const char       *account,
                                                const char       *account_key,
                                                GError          **error);

/* Pins the server certificate by the SHA-256 of its DER form (hex, colons
 * and case ignored). With a pin, that certificate and no other is
 * accepted, whether or not the system trusts it. NULL removes the pin. */
gboolean    lk_remote_backend_set_pinned_fingerprint (LkRemoteBackend *self,
                                                      const char      *sha256,
                                                      GError         **error);
/* Pins the (first) certificate of a PEM file. */
gboolean    lk_remote_backend_pin_certificate_file   (LkRemoteBackend *self,
                                                      const char      *pem_path,
                                                      GError         **error);

/* I/O timeout for each attempt, in seconds (0 = LK_REMOTE_DEFAULT_TIMEOUT). */
void        lk_remote_backend_set_timeout      (LkRemoteBackend  *self,
                                                guint             seconds);

void        lk_remote_backend_set_credentials  (LkRemoteBackend  *self,
                                                const char       *account,
                                                const char       *account_key);

/* The fingerprint ("AB:CD:…", uppercase, colon-separated) of the last
 * certificate refused as untrusted, for "Trust this server?" dialogs; NULL
 * if none. It is also in that error's message. */
const char *lk_remote_backend_get_untrusted_fingerprint (LkRemoteBackend *self);

/* The request URL actually used (with the default path applied). */
const char *lk_remote_backend_get_url          (LkRemoteBackend  *self);

/* The SHA-256 fingerprint of @certificate's DER form, "AB:CD:…". */
char       *lk_certificate_fingerprint         (GTlsCertificate  *certificate);

G_END_DECLS
