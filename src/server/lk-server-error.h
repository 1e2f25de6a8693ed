/* SPDX-License-Identifier: GPL-3.0-or-later
 * The error domain of latchkeyd: configuration, TLS, listening and start-up failures. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define LK_SERVER_ERROR (lk_server_error_quark ())

typedef enum
{
  LK_SERVER_ERROR_CONFIG,    /* a configuration file or option that cannot be used */
  LK_SERVER_ERROR_TLS,       /* the certificate or key cannot be loaded */
  LK_SERVER_ERROR_INSECURE,  /* plain HTTP on a non-loopback address without --insecure-http */
  LK_SERVER_ERROR_LISTEN,    /* an address that cannot be bound */
  LK_SERVER_ERROR_DATABASE,  /* the database or its master key cannot be opened */
} LkServerError;

GQuark lk_server_error_quark (void);

G_END_DECLS
