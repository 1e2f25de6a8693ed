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

/* Sets the level, format and access logging without touching GLib's writer. */
void lk_server_log_configure (GLogLevelFlags  level,
                              LkLogFormat     format,
                              gboolean        access_log);

/* lk_server_log_configure() and installs the writer for every GLib log
 * call of the process (once per process: GLib allows no second writer). */
void lk_server_log_init   (GLogLevelFlags  level,
                           LkLogFormat     format,
                           gboolean        access_log);

/* Hands lines to a writer thread from now on, so writing logs never blocks
 * the caller (the main loop). When the output cannot keep up, at most
 * 65,536 lines wait; later ones are dropped and counted in a warning line. */
void lk_server_log_start_async (void);
/* Writes every queued line, stops the thread, and writes directly again. */
void lk_server_log_stop_async  (void);

/* Writes one access line (at level info) unless access logging is off. */
void lk_server_log_access (const LkAccessRecord *record);

/* Formats one access line without writing it; used by lk_server_log_access and tests. */
char *lk_server_log_format_access (const LkAccessRecord *record,
                                   LkLogFormat           format,
                                   GDateTime            *when);

G_END_DECLS
