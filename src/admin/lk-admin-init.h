/* SPDX-License-Identifier: GPL-3.0-or-later
 * Registers the admin layer's resources (templates, CSS) once, before any
 * of its widget classes reads a template. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

void lk_admin_ensure_resources (void);

G_END_DECLS
