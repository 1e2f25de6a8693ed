/* SPDX-License-Identifier: GPL-3.0-or-later
 * The error domain of the admin layer: input a helpdesk person typed that cannot be used. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define LK_ADMIN_ERROR (lk_admin_error_quark ())

typedef enum
{
  LK_ADMIN_ERROR_INVALID_INPUT,   /* a form field that fails its check */
  LK_ADMIN_ERROR_FAILED,          /* a file could not be written, a print failed */
} LkAdminError;

GQuark lk_admin_error_quark (void);

G_END_DECLS
