/* SPDX-License-Identifier: GPL-3.0-or-later
 * The admin layer's error quark. */
#include "lk-admin-error.h"

G_DEFINE_QUARK (lk-admin-error-quark, lk_admin_error)
