/* SPDX-License-Identifier: GPL-3.0-or-later
 * What bulk import and export (src/bulk, issue 11) need from the engine
 * beyond the vendor operations: a hardware fob with its vendor counter, and
 * a device's seed for a PSKC export or an idempotent re-import check. */
#pragma once

#include "lk-engine.h"

G_BEGIN_DECLS

/* Adds an unassigned device from @spec (spec->psn required) and sets its
 * HOTP counter to @counter and its TOTP clock drift to @time_shift steps
 * (the vendor's measured drift), in one transaction (a savepoint in a
 * batch). Audited as "import_device". */
LkDevice *lk_engine_import_device (LkEngine            *engine,
                                   gint64               account_id,
                                   const LkDeviceSpec  *spec,
                                   guint64              counter,
                                   gint                 time_shift,
                                   GError             **error);

/* Whether the stored seed of @serial equals @seed (constant time), with
 * the device in @out_device (nullable): a re-import's "same key" check.
 * Not audited: no seed leaves the engine. */
gboolean  lk_engine_device_seed_equals (LkEngine      *engine,
                                        gint64         account_id,
                                        const char    *serial,
                                        const guint8  *seed,
                                        gsize          seed_len,
                                        gboolean      *out_equal,
                                        LkDevice     **out_device,
                                        GError       **error);

/* The seed of @serial (wiped on free), with the device record in
 * @out_device (nullable). Audited as "export_device_seed": the seed leaves
 * the engine. */
GBytes   *lk_engine_export_device_seed (LkEngine     *engine,
                                        gint64        account_id,
                                        const char   *serial,
                                        LkDevice    **out_device,
                                        GError      **error);

G_END_DECLS
