/* SPDX-License-Identifier: GPL-3.0-or-later
 * What bulk import and export (src/bulk, issue 11) need from the engine
 * beyond the vendor operations: a hardware fob with its vendor counter, and
 * a device's seed for a PSKC export or an idempotent re-import check. */
#pragma once

#include "lk-engine.h"

G_BEGIN_DECLS

/* Adds an unassigned device from @spec (spec->psn required) and sets its
 * HOTP counter to @counter, in one transaction (a savepoint in a batch).
 * Audited as "import_device". */
LkDevice *lk_engine_import_device (LkEngine            *engine,
                                   gint64               account_id,
                                   const LkDeviceSpec  *spec,
                                   guint64              counter,
                                   GError             **error);

/* The seed of @serial (wiped on free), with the device record in
 * @out_device (nullable). Audited as "export_device_seed": the seed leaves
 * the engine. */
GBytes   *lk_engine_export_device_seed (LkEngine     *engine,
                                        gint64        account_id,
                                        const char   *serial,
                                        LkDevice    **out_device,
                                        GError      **error);

G_END_DECLS
