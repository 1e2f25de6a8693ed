/* SPDX-License-Identifier: GPL-3.0-or-later
 * The delivery layer's error domain. */
#include "config.h"

#include "lk-delivery-error.h"

G_DEFINE_QUARK (lk-delivery-error-quark, lk_delivery_error)
