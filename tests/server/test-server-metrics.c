/* SPDX-License-Identifier: GPL-3.0-or-later
 * Unit tests of latchkeyd's Prometheus metrics: counters, histogram, label hygiene. */
#include "config.h"

#include <string.h>

#include "lk-server-metrics.h"

static char *
render (LkServerMetrics *metrics)
{
  GString *out = g_string_new (NULL);

  lk_server_metrics_render (metrics, 3, 2, out);
  return g_string_free (out, FALSE);
}

static void
assert_line (const char *text,
             const char *line)
{
  g_autofree char *needle = g_strconcat ("\n", line, "\n", NULL);
  g_autofree char *haystack = g_strconcat ("\n", text, NULL);

  if (strstr (haystack, needle) == NULL)
    g_error ("line «%s» missing from:\n%s", line, text);
}

static void
test_counters (void)
{
  g_autoptr(LkServerMetrics) metrics = lk_server_metrics_new ();
  g_autofree char *text = NULL;

  lk_server_metrics_record_request (metrics, "validate_oath_otp", 0, 0.0004);
  lk_server_metrics_record_request (metrics, "validate_oath_otp", 0, 0.003);
  lk_server_metrics_record_request (metrics, "validate_oath_otp", 9003, 0.03);
  lk_server_metrics_record_request (metrics, "validate_oath_otp", 9015, 20.0);
  lk_server_metrics_record_request (metrics, NULL, 9413, 0.0001);
  lk_server_metrics_record_http (metrics, 200);
  lk_server_metrics_record_http (metrics, 200);
  lk_server_metrics_record_http (metrics, 413);
  lk_server_metrics_record_rate_limit (metrics, LK_RATE_SCOPE_ADDRESS);
  lk_server_metrics_record_rate_limit (metrics, LK_RATE_SCOPE_ACCOUNT);
  lk_server_metrics_record_rate_limit (metrics, LK_RATE_SCOPE_ACCOUNT);
  lk_server_metrics_record_rejection (metrics, "body_too_large");
  lk_server_metrics_in_flight_add (metrics, 2);
  lk_server_metrics_in_flight_add (metrics, -1);

  text = render (metrics);
  assert_line (text, "latchkeyd_requests_total{type=\"validate_oath_otp\",code=\"0\"} 2");
  assert_line (text, "latchkeyd_requests_total{type=\"validate_oath_otp\",code=\"9003\"} 1");
  assert_line (text, "latchkeyd_requests_total{type=\"validate_oath_otp\",code=\"9015\"} 1");
  assert_line (text, "latchkeyd_requests_total{type=\"none\",code=\"9413\"} 1");
  assert_line (text, "latchkeyd_lockouts_total 1");
  assert_line (text, "latchkeyd_rate_limited_total{scope=\"address\"} 1");
  assert_line (text, "latchkeyd_rate_limited_total{scope=\"account\"} 2");
  assert_line (text, "latchkeyd_rejected_total{reason=\"body_too_large\"} 1");
  assert_line (text, "latchkeyd_http_responses_total{status=\"200\"} 2");
  assert_line (text, "latchkeyd_http_responses_total{status=\"413\"} 1");
  assert_line (text, "latchkeyd_requests_in_flight 1");
  assert_line (text, "latchkeyd_requests_queued 3");
  assert_line (text, "latchkeyd_workers 2");

  /* Cumulative buckets: 0.0004 and 0.0001 are ≤ 0.0005; 0.003 joins at 0.005;
   * 0.03 at 0.05; the 20 s one only at +Inf. */
  assert_line (text, "latchkeyd_request_duration_seconds_bucket{le=\"0.0005\"} 2");
  assert_line (text, "latchkeyd_request_duration_seconds_bucket{le=\"0.002\"} 2");
  assert_line (text, "latchkeyd_request_duration_seconds_bucket{le=\"0.005\"} 3");
  assert_line (text, "latchkeyd_request_duration_seconds_bucket{le=\"0.05\"} 4");
  assert_line (text, "latchkeyd_request_duration_seconds_bucket{le=\"10\"} 4");
  assert_line (text, "latchkeyd_request_duration_seconds_bucket{le=\"+Inf\"} 5");
  assert_line (text, "latchkeyd_request_duration_seconds_count 5");
}

static void
test_label_hygiene (void)
{
  g_autoptr(LkServerMetrics) metrics = lk_server_metrics_new ();
  g_autofree char *text = NULL;

  /* Client-chosen types must not inject label syntax or grow the label set. */
  lk_server_metrics_record_request (metrics, "evil\"} 1\nfake_metric{a=\"", 9010, 0.001);
  lk_server_metrics_record_request (metrics, "Validate_OATH_OTP", 9010, 0.001);
  for (int i = 0; i < 200; i++)
    {
      g_autofree char *type = g_strdup_printf ("type_%d", i);

      lk_server_metrics_record_request (metrics, type, 9010, 0.001);
    }

  text = render (metrics);
  g_assert_null (strstr (text, "fake_metric"));
  g_assert_null (strstr (text, "Validate_OATH_OTP"));
  assert_line (text, "latchkeyd_requests_total{type=\"type_0\",code=\"9010\"} 1");
  assert_line (text, "latchkeyd_requests_total{type=\"type_63\",code=\"9010\"} 1");
  g_assert_null (strstr (text, "type=\"type_64\""));
  /* Two bad names plus 136 types past the cap. */
  assert_line (text, "latchkeyd_requests_total{type=\"other\",code=\"9010\"} 138");
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/server/metrics/counters", test_counters);
  g_test_add_func ("/server/metrics/label-hygiene", test_label_hygiene);

  return g_test_run ();
}
