/* SPDX-License-Identifier: GPL-3.0-or-later
 * latchkeyd's counters and latency histogram, rendered as Prometheus text; main context only. */
#include "config.h"

#include <string.h>

#include "lk-server-metrics.h"

/* The errorCode the engine returns when a device locks after too many failures. */
#define LK_CODE_LOCKED 9015

#define MAX_TYPE_LABELS 64

/* Bounds with their label text, so the labels read as written here. */
static const struct
{
  double      seconds;
  const char *label;
} latency_bounds[] = {
  { 0.0005, "0.0005" }, { 0.001, "0.001" }, { 0.002, "0.002" }, { 0.005, "0.005" },
  { 0.01, "0.01" }, { 0.02, "0.02" }, { 0.05, "0.05" }, { 0.1, "0.1" }, { 0.25, "0.25" },
  { 0.5, "0.5" }, { 1.0, "1" }, { 2.5, "2.5" }, { 5.0, "5" }, { 10.0, "10" },
};

struct _LkServerMetrics
{
  GHashTable *requests;         /* "type\ncode" → guint64* */
  GHashTable *http;             /* status → guint64* */
  GHashTable *rejections;       /* reason → guint64* */
  guint       type_labels;      /* distinct types seen, to cap cardinality */
  GHashTable *types;            /* set of type labels */
  guint64     buckets[G_N_ELEMENTS (latency_bounds)];
  guint64     latency_count;
  double      latency_sum;
  guint64     lockouts;
  guint64     rate_limited[LK_RATE_SCOPE_N];
  guint       in_flight;
  gint64      started_us;
};

LkServerMetrics *
lk_server_metrics_new (void)
{
  LkServerMetrics *metrics = g_new0 (LkServerMetrics, 1);

  metrics->requests = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  metrics->http = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_free);
  metrics->rejections = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  metrics->types = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  metrics->started_us = g_get_real_time ();
  return metrics;
}

void
lk_server_metrics_free (LkServerMetrics *metrics)
{
  if (metrics == NULL)
    return;
  g_hash_table_unref (metrics->requests);
  g_hash_table_unref (metrics->http);
  g_hash_table_unref (metrics->rejections);
  g_hash_table_unref (metrics->types);
  g_free (metrics);
}

static void
bump (GHashTable *table,
      gpointer    key,
      gboolean    key_is_string)
{
  guint64 *count = g_hash_table_lookup (table, key);

  if (count == NULL)
    {
      count = g_new0 (guint64, 1);
      g_hash_table_insert (table, key_is_string ? g_strdup (key) : key, count);
    }
  (*count)++;
}

/* Types come from clients: only short [a-z0-9_] names make a label, and only
 * the first MAX_TYPE_LABELS of them; everything else is "other". */
static const char *
type_label (LkServerMetrics *metrics,
            const char      *type)
{
  gsize len;

  if (type == NULL || *type == '\0')
    return "none";
  len = strlen (type);
  if (len > 48)
    return "other";
  for (gsize i = 0; i < len; i++)
    if (!(g_ascii_islower (type[i]) || g_ascii_isdigit (type[i]) || type[i] == '_'))
      return "other";
  if (!g_hash_table_contains (metrics->types, type))
    {
      if (metrics->type_labels >= MAX_TYPE_LABELS)
        return "other";
      g_hash_table_add (metrics->types, g_strdup (type));
      metrics->type_labels++;
    }
  return type;
}

void
lk_server_metrics_record_request (LkServerMetrics *metrics,
                                  const char      *type,
                                  int              code,
                                  double           seconds)
{
  g_autofree char *key = g_strdup_printf ("%s\n%d", type_label (metrics, type), code);

  bump (metrics->requests, key, TRUE);
  if (code == LK_CODE_LOCKED)
    metrics->lockouts++;

  for (gsize i = 0; i < G_N_ELEMENTS (latency_bounds); i++)
    if (seconds <= latency_bounds[i].seconds)
      metrics->buckets[i]++;
  metrics->latency_count++;
  metrics->latency_sum += seconds;
}

void
lk_server_metrics_record_http (LkServerMetrics *metrics,
                               guint            status)
{
  bump (metrics->http, GUINT_TO_POINTER (status), FALSE);
}

void
lk_server_metrics_record_rate_limit (LkServerMetrics *metrics,
                                     LkRateScope      scope)
{
  g_return_if_fail (scope < LK_RATE_SCOPE_N);
  metrics->rate_limited[scope]++;
}

void
lk_server_metrics_record_rejection (LkServerMetrics *metrics,
                                    const char      *reason)
{
  bump (metrics->rejections, (gpointer) reason, TRUE);
}

void
lk_server_metrics_in_flight_add (LkServerMetrics *metrics,
                                 int              delta)
{
  g_return_if_fail (delta >= 0 || metrics->in_flight >= (guint) -delta);
  metrics->in_flight += delta;
}

guint
lk_server_metrics_get_in_flight (LkServerMetrics *metrics)
{
  return metrics->in_flight;
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char **) a, *(const char **) b);
}

static int
compare_uints (gconstpointer a,
               gconstpointer b)
{
  guint x = GPOINTER_TO_UINT (*(gpointer *) a);
  guint y = GPOINTER_TO_UINT (*(gpointer *) b);

  return x < y ? -1 : x > y;
}

/* Sorted output keeps scrapes diffable and tests simple. */
static GPtrArray *
sorted_keys (GHashTable   *table,
             GCompareFunc  compare)
{
  GPtrArray *keys = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, table);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (keys, key);
  g_ptr_array_sort (keys, compare);
  return keys;
}

void
lk_server_metrics_render (LkServerMetrics *metrics,
                          guint            queued,
                          guint            workers,
                          GString         *out)
{
  g_autoptr(GPtrArray) keys = NULL;
  char number[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append (out,
                   "# HELP latchkeyd_requests_total API requests answered, by operation type and errorCode.\n"
                   "# TYPE latchkeyd_requests_total counter\n");
  keys = sorted_keys (metrics->requests, compare_strings);
  for (guint i = 0; i < keys->len; i++)
    {
      const char *key = g_ptr_array_index (keys, i);
      const char *newline = strchr (key, '\n');
      guint64 *count = g_hash_table_lookup (metrics->requests, key);

      g_string_append_printf (out, "latchkeyd_requests_total{type=\"%.*s\",code=\"%s\"} %" G_GUINT64_FORMAT "\n",
                              (int) (newline - key), key, newline + 1, *count);
    }
  g_clear_pointer (&keys, g_ptr_array_unref);

  g_string_append (out,
                   "# HELP latchkeyd_request_duration_seconds Time from the complete request to the response, API requests only.\n"
                   "# TYPE latchkeyd_request_duration_seconds histogram\n");
  for (gsize i = 0; i < G_N_ELEMENTS (latency_bounds); i++)
    g_string_append_printf (out, "latchkeyd_request_duration_seconds_bucket{le=\"%s\"} %" G_GUINT64_FORMAT "\n",
                            latency_bounds[i].label, metrics->buckets[i]);
  g_string_append_printf (out, "latchkeyd_request_duration_seconds_bucket{le=\"+Inf\"} %" G_GUINT64_FORMAT "\n",
                          metrics->latency_count);
  g_string_append_printf (out, "latchkeyd_request_duration_seconds_sum %s\n",
                          g_ascii_dtostr (number, sizeof number, metrics->latency_sum));
  g_string_append_printf (out, "latchkeyd_request_duration_seconds_count %" G_GUINT64_FORMAT "\n",
                          metrics->latency_count);

  g_string_append_printf (out,
                          "# HELP latchkeyd_lockouts_total Validations answered 9015 (device locked after too many failures).\n"
                          "# TYPE latchkeyd_lockouts_total counter\n"
                          "latchkeyd_lockouts_total %" G_GUINT64_FORMAT "\n",
                          metrics->lockouts);

  g_string_append_printf (out,
                          "# HELP latchkeyd_rate_limited_total Requests refused with 9429 by a rate limit, by scope.\n"
                          "# TYPE latchkeyd_rate_limited_total counter\n"
                          "latchkeyd_rate_limited_total{scope=\"address\"} %" G_GUINT64_FORMAT "\n"
                          "latchkeyd_rate_limited_total{scope=\"account\"} %" G_GUINT64_FORMAT "\n"
                          "latchkeyd_rate_limited_total{scope=\"login_failure\"} %" G_GUINT64_FORMAT "\n",
                          metrics->rate_limited[LK_RATE_SCOPE_ADDRESS],
                          metrics->rate_limited[LK_RATE_SCOPE_ACCOUNT],
                          metrics->rate_limited[LK_RATE_SCOPE_LOGIN_FAILURE]);

  g_string_append (out,
                   "# HELP latchkeyd_rejected_total Requests refused before they reached the API, by reason.\n"
                   "# TYPE latchkeyd_rejected_total counter\n");
  keys = sorted_keys (metrics->rejections, compare_strings);
  for (guint i = 0; i < keys->len; i++)
    {
      const char *reason = g_ptr_array_index (keys, i);
      guint64 *count = g_hash_table_lookup (metrics->rejections, reason);

      g_string_append_printf (out, "latchkeyd_rejected_total{reason=\"%s\"} %" G_GUINT64_FORMAT "\n",
                              reason, *count);
    }
  g_clear_pointer (&keys, g_ptr_array_unref);

  g_string_append (out,
                   "# HELP latchkeyd_http_responses_total HTTP responses of every endpoint, by status.\n"
                   "# TYPE latchkeyd_http_responses_total counter\n");
  keys = sorted_keys (metrics->http, compare_uints);
  for (guint i = 0; i < keys->len; i++)
    {
      gpointer status = g_ptr_array_index (keys, i);
      guint64 *count = g_hash_table_lookup (metrics->http, status);

      g_string_append_printf (out, "latchkeyd_http_responses_total{status=\"%u\"} %" G_GUINT64_FORMAT "\n",
                              GPOINTER_TO_UINT (status), *count);
    }

  g_string_append_printf (out,
                          "# HELP latchkeyd_requests_in_flight API requests received and not yet answered.\n"
                          "# TYPE latchkeyd_requests_in_flight gauge\n"
                          "latchkeyd_requests_in_flight %u\n"
                          "# HELP latchkeyd_requests_queued API requests waiting for a worker.\n"
                          "# TYPE latchkeyd_requests_queued gauge\n"
                          "latchkeyd_requests_queued %u\n"
                          "# HELP latchkeyd_workers Worker threads, each with its own database connection.\n"
                          "# TYPE latchkeyd_workers gauge\n"
                          "latchkeyd_workers %u\n"
                          "# HELP latchkeyd_start_time_seconds When the server started, in seconds since the epoch.\n"
                          "# TYPE latchkeyd_start_time_seconds gauge\n"
                          "latchkeyd_start_time_seconds %" G_GINT64_FORMAT "\n",
                          metrics->in_flight, queued, workers,
                          metrics->started_us / G_USEC_PER_SEC);
}
