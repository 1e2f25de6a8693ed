/* SPDX-License-Identifier: GPL-3.0-or-later
 * The error quark of latchkeyd. */
#include "config.h"

#include "lk-server-error.h"

G_DEFINE_QUARK (lk-server-error-quark, lk_server_error)
