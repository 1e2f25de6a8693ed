/* SPDX-License-Identifier: GPL-3.0-or-later
 * One device of the selected user, with its details and actions. */
#pragma once

#include <adwaita.h>

#include "lk-engine-types.h"

G_BEGIN_DECLS

#define LK_TYPE_ADMIN_DEVICE_ROW (lk_admin_device_row_get_type ())
G_DECLARE_FINAL_TYPE (LkAdminDeviceRow, lk_admin_device_row, LK, ADMIN_DEVICE_ROW, AdwExpanderRow)

/* The row's buttons activate the window's device.* actions with the
 * device's serial as their target. */
GtkWidget      *lk_admin_device_row_new         (const LkDevice   *device);
const LkDevice *lk_admin_device_row_get_device  (LkAdminDeviceRow *self);

/* Translated names for a device's type and state. */
const char     *lk_admin_device_type_label      (LkDeviceType      type);
const char     *lk_admin_device_state_label     (LkDeviceState     state);
/* "never", "today 14:03", "3 Jan 2026". (transfer full) */
char           *lk_admin_format_time            (gint64            unix_time);

G_END_DECLS
