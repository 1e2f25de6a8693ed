/* SPDX-License-Identifier: GPL-3.0-or-later
 * The core layer's error quark. */
#include "lk-core-error.h"

G_DEFINE_QUARK (lk-core-error-quark, lk_core_error)
