/* SPDX-License-Identifier: GPL-3.0-or-later
 * Unit tests of latchkeyd's access log lines: fields, quoting, and JSON validity. */
#include "config.h"

#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "lk-server-log.h"

static void
test_text (void)
{
  g_autoptr(GDateTime) when = g_date_time_new_utc (2026, 11, 23, 12, 0, 1.5);
  LkAccessRecord record = {
    .client = "127.0.0.1", .method = "POST", .path = "/api/v1", .status = 200,
    .type = "validate_oath_otp", .code = 9003, .account = "acme",
    .seconds = 0.00125, .request_bytes = 120, .response_bytes = 80,
  };
  g_autofree char *line = lk_server_log_format_access (&record, LK_LOG_FORMAT_TEXT, when);

  g_assert_cmpstr (line, ==,
                   "time=2026-11-23T12:00:01.500Z level=info event=request client=\"127.0.0.1\" "
                   "method=POST path=\"/api/v1\" status=200 type=\"validate_oath_otp\" code=9003 "
                   "account=\"acme\" latency_ms=1.250 bytes_in=120 bytes_out=80");
}

static void
test_text_injection (void)
{
  g_autoptr(GDateTime) when = g_date_time_new_utc (2026, 1, 2, 3, 4, 5);
  LkAccessRecord record = {
    .client = "::1", .method = "POST", .path = "/api/v1", .status = 200,
    .type = "x\" code=0\nlevel=error forged=\"1", .code = 9010, .account = NULL,
    .seconds = 0.0, .request_bytes = 0, .response_bytes = 0,
  };
  g_autofree char *line = lk_server_log_format_access (&record, LK_LOG_FORMAT_TEXT, when);

  /* A client-chosen value can neither end the line nor close its quotes. */
  g_assert_null (strchr (line, '\n'));
  g_assert_nonnull (strstr (line, "type=\"x\\\" code=0\\nlevel=error forged=\\\"1\""));
  g_assert_nonnull (strstr (line, " code=9010 account=\"-\""));
}

static void
test_json (void)
{
  g_autoptr(GDateTime) when = g_date_time_new_utc (2026, 11, 23, 12, 0, 0);
  LkAccessRecord record = {
    .client = "10.0.0.7", .method = "POST", .path = "/AuthServer/REST/U2F/U2FServer.aspx",
    .status = 413, .type = NULL, .code = 9413, .account = "a\"b\x01",
    .seconds = 0.5, .request_bytes = 10, .response_bytes = 20,
  };
  g_autofree char *line = lk_server_log_format_access (&record, LK_LOG_FORMAT_JSON, when);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *object;

  g_assert_true (json_parser_load_from_data (parser, line, -1, &error));
  g_assert_no_error (error);
  object = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (object, "time"), ==, "2026-11-23T12:00:00.000Z");
  g_assert_cmpstr (json_object_get_string_member (object, "client"), ==, "10.0.0.7");
  g_assert_cmpint (json_object_get_int_member (object, "status"), ==, 413);
  g_assert_cmpint (json_object_get_int_member (object, "code"), ==, 9413);
  g_assert_true (json_object_get_null_member (object, "type"));
  g_assert_cmpstr (json_object_get_string_member (object, "account"), ==, "a\"b\x01");
  g_assert_cmpfloat (json_object_get_double_member (object, "latency_ms"), ==, 500.0);
  /* Only these fields exist: no body, key, password or OTP can appear. */
  g_assert_cmpuint (json_object_get_size (object), ==, 13);
}

/* Lines handed to the writer thread all come out, whole and in order. */
static void
test_async_writer (void)
{
  g_autofree char *path = g_build_filename (g_get_tmp_dir (), "lk-log-test.txt", NULL);
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;
  int saved = dup (STDERR_FILENO);
  int fd = g_open (path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  guint requests = 0;

  g_assert_cmpint (fd, >=, 0);
  fflush (stderr);
  dup2 (fd, STDERR_FILENO);
  close (fd);

  lk_server_log_configure (G_LOG_LEVEL_INFO, LK_LOG_FORMAT_TEXT, TRUE);
  lk_server_log_start_async ();
  for (guint i = 0; i < 2000; i++)
    {
      g_autofree char *client = g_strdup_printf ("10.0.%u.%u", i / 256, i % 256);
      LkAccessRecord record = { .client = client, .method = "POST", .path = "/api/v1", .status = 200,
                                .type = "find_users", .code = 0 };

      lk_server_log_access (&record);
    }
  lk_server_log_stop_async ();
  /* Stopped: lines are written directly again. */
  {
    LkAccessRecord record = { .client = "after", .method = "GET", .path = "/", .status = 404, .code = 9404 };

    lk_server_log_access (&record);
  }
  /* Below the level: nothing. */
  lk_server_log_configure (G_LOG_LEVEL_WARNING, LK_LOG_FORMAT_TEXT, TRUE);
  {
    LkAccessRecord record = { .client = "hidden", .method = "GET", .path = "/", .status = 404, .code = 9404 };

    lk_server_log_access (&record);
  }

  fflush (stderr);
  dup2 (saved, STDERR_FILENO);
  close (saved);

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  lines = g_strsplit (contents, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 2002);   /* 2001 lines and the empty tail */
  for (guint i = 0; i < 2000; i++)
    {
      g_autofree char *client = g_strdup_printf ("client=\"10.0.%u.%u\"", i / 256, i % 256);

      g_assert_nonnull (strstr (lines[i], client));
      g_assert_true (g_str_has_suffix (lines[i], "bytes_out=0"));
      requests++;
    }
  g_assert_cmpuint (requests, ==, 2000);
  g_assert_nonnull (strstr (lines[2000], "client=\"after\""));
  g_assert_null (strstr (contents, "hidden"));
  g_unlink (path);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/server/log/text", test_text);
  g_test_add_func ("/server/log/text-injection", test_text_injection);
  g_test_add_func ("/server/log/json", test_json);
  g_test_add_func ("/server/log/async-writer", test_async_writer);

  return g_test_run ();
}
