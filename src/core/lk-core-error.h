/* SPDX-License-Identifier: GPL-3.0-or-later
 * The error domain of the core layer: everything a parser or a primitive can refuse. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define LK_CORE_ERROR (lk_core_error_quark ())

typedef enum
{
  LK_CORE_ERROR_INVALID_ARGUMENT,  /* a parameter out of range: digits, period, key length */
  LK_CORE_ERROR_BASE32,            /* a character or length Base32 cannot hold */
  LK_CORE_ERROR_URI,               /* an otpauth:// URI that cannot be used */
  LK_CORE_ERROR_OCRA,              /* an OCRA suite or input that does not fit */
  LK_CORE_ERROR_CRYPTO,            /* OpenSSL refused or failed; never carries key material */
  LK_CORE_ERROR_QR,                /* a QR code that could not be made or found */
  LK_CORE_ERROR_ACTIVATION,        /* an activation message that is malformed, expired or forged */
  LK_CORE_ERROR_MODULE,            /* one of Latchkey's loadable modules is missing or broken (lk-module.h) */
} LkCoreError;

GQuark lk_core_error_quark (void);

G_END_DECLS
