/* SPDX-License-Identifier: GPL-3.0-or-later
 * Token buckets keyed by a string (a partner account or a client address), safe from any thread. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _LkRateLimiter LkRateLimiter;

/* @rate tokens per second refill each bucket up to @burst; a @rate of 0
 * makes every check succeed. At most @max_keys buckets are kept: when full,
 * buckets that have refilled completely are dropped first, and keys that
 * still find no room share one overflow bucket (so a flood of distinct keys
 * cannot grow memory without bound). */
LkRateLimiter *lk_rate_limiter_new    (double         rate,
                                       guint          burst,
                                       guint          max_keys);
void           lk_rate_limiter_free   (LkRateLimiter *limiter);

/* Takes one token for @key at monotonic time @now_us (g_get_monotonic_time()).
 * Returns FALSE when the bucket is empty; then *@retry_after_s, if given,
 * is the whole number of seconds until a token is back (at least 1). */
gboolean       lk_rate_limiter_check  (LkRateLimiter *limiter,
                                       const char    *key,
                                       gint64         now_us,
                                       guint         *retry_after_s);

/* TRUE when @key's bucket has a token, without taking it. For limits that
 * are charged after the fact (a failed login), checked before the work. */
gboolean       lk_rate_limiter_peek   (LkRateLimiter *limiter,
                                       const char    *key,
                                       gint64         now_us,
                                       guint         *retry_after_s);

/* Splits the configured rate and burst evenly between @n_servers servers
 * that share one database (each keeps its buckets in its own memory), so
 * that a client spreading its requests over all of them still gets no
 * more than the configured figures in total. 1 restores them. */
void           lk_rate_limiter_set_share (LkRateLimiter *limiter,
                                          guint          n_servers);

/* Number of buckets currently held (for tests and metrics). */
guint          lk_rate_limiter_size   (LkRateLimiter *limiter);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LkRateLimiter, lk_rate_limiter_free)

G_END_DECLS
