/* SPDX-License-Identifier: GPL-3.0-or-later
 * LkCountdown: a small ring showing how much of a code's period is left. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define LK_TYPE_COUNTDOWN (lk_countdown_get_type ())
G_DECLARE_FINAL_TYPE (LkCountdown, lk_countdown, LK, COUNTDOWN, GtkWidget)

GtkWidget *lk_countdown_new      (void);

/* @seconds_left of @period; redraws only when the value changes. */
void       lk_countdown_set_time (LkCountdown *self,
                                  guint        seconds_left,
                                  guint        period);

G_END_DECLS
