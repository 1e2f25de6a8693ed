/* SPDX-License-Identifier: GPL-3.0-or-later
 * latchkeyd's logs: a GLib log writer (text or JSON lines on stderr) and the one-line-per-request access log. */
#pragma once

#include <glib.h>

#include "lk-server-config.h"

G_BEGIN_DECLS

/* What one answered request leaves in the access log. Never a body, a key,
 * a password or an OTP: only these fields exist. */
typedef struct
{
  const char *client;        /* remote address */
  const char *method;
  const char *path;
  guint       status;        /* HTTP status */
  const char *type;          /* API operation, NULL when none was parsed */
  int         code;          /* the response's errorCode; -1 when not an API answer */
  const char *account;       /* partner account login name, NULL when unknown */
  double      seconds;       /* latency */
  gsize       request_bytes;
  gsize       response_bytes;
} LkAccessRecord;

/* Installs the writer for every GLib log call of the process. */
void lk_server_log_init   (GLogLevelFlags  level,
                           LkLogFormat     format,
                           gboolean        access_log);

/* Writes one access line (at level info) unless access logging is off. */
void lk_server_log_access (const LkAccessRecord *record);

/* Formats one access line without writing it; used by lk_server_log_access and tests. */
char *lk_server_log_format_access (const LkAccessRecord *record,
                                   LkLogFormat           format,
                                   GDateTime            *when);

G_END_DECLS
