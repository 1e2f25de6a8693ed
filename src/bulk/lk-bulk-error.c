/* SPDX-License-Identifier: GPL-3.0-or-later
 * The bulk layer's error quark. */
#include "config.h"

#include "lk-bulk-error.h"

G_DEFINE_QUARK (lk-bulk-error-quark, lk_bulk_error)
