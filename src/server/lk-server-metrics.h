/* SPDX-License-Identifier: GPL-3.0-or-later
 * latchkeyd's counters and latency histogram, rendered as Prometheus text; main context only. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _LkServerMetrics LkServerMetrics;

typedef enum
{
  LK_RATE_SCOPE_ADDRESS,        /* requests per client address */
  LK_RATE_SCOPE_ACCOUNT,        /* requests per partner account */
  LK_RATE_SCOPE_LOGIN_FAILURE,  /* failed partner logins per client address */
  LK_RATE_SCOPE_N
} LkRateScope;

LkServerMetrics *lk_server_metrics_new               (void);
void             lk_server_metrics_free              (LkServerMetrics *metrics);

/* One API request answered: @type is the operation (sanitised here, so a
 * client cannot blow up the label set), @code the response's errorCode. */
void             lk_server_metrics_record_request    (LkServerMetrics *metrics,
                                                      const char      *type,
                                                      int              code,
                                                      double           seconds);
/* One HTTP response of any endpoint, by status. */
void             lk_server_metrics_record_http       (LkServerMetrics *metrics,
                                                      guint            status);
void             lk_server_metrics_record_rate_limit (LkServerMetrics *metrics,
                                                      LkRateScope      scope);
/* A request refused before it reached the API: body_too_large, overloaded, draining … */
void             lk_server_metrics_record_rejection  (LkServerMetrics *metrics,
                                                      const char      *reason);
void             lk_server_metrics_in_flight_add     (LkServerMetrics *metrics,
                                                      int              delta);
guint            lk_server_metrics_get_in_flight     (LkServerMetrics *metrics);

/* Appends the Prometheus text exposition (version 0.0.4). */
void             lk_server_metrics_render            (LkServerMetrics *metrics,
                                                      guint            queued,
                                                      guint            workers,
                                                      GString         *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LkServerMetrics, lk_server_metrics_free)

G_END_DECLS
