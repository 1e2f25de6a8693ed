/* SPDX-License-Identifier: GPL-3.0-or-later
 * Small JsonBuilder helpers shared by every encoder of the API (the codec,
 * activation and bulk types), so that absent values are left out the same
 * way everywhere. */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Adds "name": value unless @value is NULL. */
void lk_api_builder_add_string (JsonBuilder *builder,
                                const char  *name,
                                const char  *value);

/* Adds "name": value unless @value is LK_UNSET (absent). */
void lk_api_builder_add_int    (JsonBuilder *builder,
                                const char  *name,
                                gint64       value);

/* Adds "name": value always: for fields where -1 is a value (a drift of
 * one step back). */
void lk_api_builder_add_number (JsonBuilder *builder,
                                const char  *name,
                                gint64       value);

G_END_DECLS
