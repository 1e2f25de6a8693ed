/* SPDX-License-Identifier: GPL-3.0-or-later
 * Tests of the lenient JSON reader: comments, missing and trailing commas,
 * limits, duplicate names, and the field coercions. */
#include "config.h"

#include <string.h>

#include "lk-api.h"
#include "lk-api-reader.h"

static JsonObject *
read_ok (const char *text)
{
  g_autoptr(GError) error = NULL;
  JsonObject *object = lk_api_read_object (text, strlen (text), LK_API_MAX_BODY_SIZE, LK_API_MAX_DEPTH, &error);

  g_assert_no_error (error);
  g_assert_nonnull (object);
  return object;
}

static void
assert_refused (const char *text,
                int         code)
{
  g_autoptr(GError) error = NULL;
  JsonObject *object = lk_api_read_object (text, strlen (text), LK_API_MAX_BODY_SIZE, LK_API_MAX_DEPTH, &error);

  g_assert_null (object);
  g_assert_error (error, LK_API_ERROR, code);
}

static void
test_plain (void)
{
  g_autoptr(JsonObject) object = read_ok ("{\"a\": 1, \"b\": [true, null, \"x\"], \"c\": {\"d\": -2.5e3}}");

  g_assert_cmpint (json_object_get_int_member (object, "a"), ==, 1);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object, "b")), ==, 3);
  g_assert_cmpfloat (json_object_get_double_member (json_object_get_object_member (object, "c"), "d"), ==, -2500.0);
}

static void
test_comments (void)
{
  g_autoptr(JsonObject) object = read_ok ("{ // leading\n"
                                          "  \"url\": \"https://example.com//x\", /* block\n spanning */\n"
                                          "  \"note\": \"a /* not a comment */ b\" // trailing\n"
                                          "} // after");

  g_assert_cmpstr (json_object_get_string_member (object, "url"), ==, "https://example.com//x");
  g_assert_cmpstr (json_object_get_string_member (object, "note"), ==, "a /* not a comment */ b");

  assert_refused ("{\"a\": 1 /* never closed }", LK_API_ERROR_MALFORMED);
  assert_refused ("{\"a\": 1 / 2}", LK_API_ERROR_MALFORMED);
}

static void
test_escaped_quote (void)
{
  g_autoptr(JsonObject) object = read_ok ("{\"a\": \"say \\\"//hi\\\"\" // c\n}");

  g_assert_cmpstr (json_object_get_string_member (object, "a"), ==, "say \"//hi\"");
}

static void
test_missing_comma (void)
{
  g_autoptr(JsonObject) object = read_ok ("{\n \"a\": 0 // comment\n \"b\": 1,\n \"c\": [1\n 2]\n}");

  g_assert_cmpint (json_object_get_int_member (object, "b"), ==, 1);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object, "c")), ==, 2);

  /* On one line, with nothing between, a missing comma is still an error. */
  assert_refused ("{\"a\": 0 \"b\": 1}", LK_API_ERROR_MALFORMED);
  assert_refused ("{\"a\": 1,, \"b\": 2}", LK_API_ERROR_MALFORMED);
  assert_refused ("{, \"a\": 1}", LK_API_ERROR_MALFORMED);
}

static void
test_trailing_comma (void)
{
  g_autoptr(JsonObject) object = read_ok ("{\"a\": [1, 2,], \"b\": 2, // x\n}");

  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object, "a")), ==, 2);
  g_assert_cmpint (json_object_get_int_member (object, "b"), ==, 2);
}

static void
test_one_line_comments (void)
{
  /* The flattened form of the vendor's sample: comments end before the
   * next member when the body has no line end at all. */
  g_autoptr(JsonObject) object = read_ok ("{ \"a\": 1, // one \"b\": 2 // two \"c\": \"x\", // three }");

  g_assert_cmpint (json_object_get_int_member (object, "b"), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (object, "c"), ==, "x");

  /* A body that parses normally is never re-read that way. */
  {
    g_autoptr(JsonObject) plain = read_ok ("{\"a\": 1} // see \"b\": 2");

    g_assert_false (json_object_has_member (plain, "b"));
  }
}

static void
test_limits (void)
{
  g_autoptr(GString) big = g_string_new ("{\"a\": \"");
  g_autoptr(GString) deep = g_string_new (NULL);
  g_autoptr(JsonObject) ok_depth = NULL;

  while (big->len <= LK_API_MAX_BODY_SIZE)
    g_string_append (big, "xxxxxxxxxxxxxxxx");
  g_string_append (big, "\"}");
  assert_refused (big->str, LK_API_ERROR_BODY_TOO_LARGE);

  /* Exactly the limit deep is fine, one more is not. */
  g_string_append (deep, "{\"a\":");
  for (int i = 1; i < LK_API_MAX_DEPTH; i++)
    g_string_append (deep, "[");
  g_string_append (deep, "1");
  for (int i = 1; i < LK_API_MAX_DEPTH; i++)
    g_string_append (deep, "]");
  g_string_append (deep, "}");
  ok_depth = read_ok (deep->str);
  g_assert_nonnull (ok_depth);

  g_string_insert (deep, 5, "[");
  g_string_insert (deep, deep->len - 1, "]");
  assert_refused (deep->str, LK_API_ERROR_TOO_DEEP);

  /* A million opening brackets stop at the limit, not the stack. */
  {
    g_autofree char *brackets = g_strnfill (60000, '[');

    assert_refused (brackets, LK_API_ERROR_TOO_DEEP);
  }
}

static void
test_not_objects (void)
{
  assert_refused ("", LK_API_ERROR_MALFORMED);
  assert_refused ("[1, 2]", LK_API_ERROR_MALFORMED);
  assert_refused ("\"text\"", LK_API_ERROR_MALFORMED);
  assert_refused ("{\"a\": 1", LK_API_ERROR_MALFORMED);
  assert_refused ("{\"a\": 1]}", LK_API_ERROR_MALFORMED);
  assert_refused ("{\"a\": \"unterminated}", LK_API_ERROR_MALFORMED);
  assert_refused ("{\"a\": 0x10}", LK_API_ERROR_MALFORMED);
  assert_refused ("{\"a\": 1.}", LK_API_ERROR_MALFORMED);
  assert_refused ("{\"a\": tru}", LK_API_ERROR_MALFORMED);
  assert_refused ("{\"a\": 1} {\"b\": 2}", LK_API_ERROR_MALFORMED);
  assert_refused ("{\"a\": \"\xff\xfe\"}", LK_API_ERROR_MALFORMED);
  assert_refused ("{'a': 1}", LK_API_ERROR_MALFORMED);
  {
    static const char with_nul[] = "{\"a\": \"x\0y\"}";
    g_autoptr(GError) error = NULL;

    g_assert_null (lk_api_read_object (with_nul, sizeof with_nul - 1, LK_API_MAX_BODY_SIZE,
                                       LK_API_MAX_DEPTH, &error));
    g_assert_error (error, LK_API_ERROR, LK_API_ERROR_MALFORMED);
  }
}

static void
test_duplicates (void)
{
  assert_refused ("{\"a\": 1, \"a\": 2}", LK_API_ERROR_DUPLICATE_FIELD);
  assert_refused ("{\"userName\": \"x\", \" USERNAME \": \"y\"}", LK_API_ERROR_DUPLICATE_FIELD);
  assert_refused ("{\"o\": {\"k\": 1, \"K\": 2}}", LK_API_ERROR_DUPLICATE_FIELD);
  {
    /* The same name in sibling objects is not a duplicate. */
    g_autoptr(JsonObject) object = read_ok ("{\"l\": [{\"k\": 1}, {\"k\": 2}], \"k\": 3}");

    g_assert_nonnull (object);
  }
}

static void
test_leading_zero_number (void)
{
  g_autoptr(JsonObject) object = read_ok ("{\"otp\": 012345, \"n\": 0, \"m\": -0.5}");

  g_assert_cmpstr (json_object_get_string_member (object, "otp"), ==, "012345");
  assert_refused ("{\"otp\": -0123}", LK_API_ERROR_MALFORMED);
}

static LkApiFields *
fields_for (const char *text)
{
  g_autoptr(JsonObject) object = read_ok (text);

  return lk_api_fields_new (object);
}

static void
test_field_names (void)
{
  g_autoptr(LkApiFields) fields = fields_for ("{\"deviceType  \": 1, \"OTPTYPE\": \"0\", \"  Psn\": \"S1\"}");
  g_autofree char *psn = NULL;
  gint64 value;

  g_assert_true (lk_api_fields_get_int (fields, "deviceType", 0, 10, -1, &value, NULL));
  g_assert_cmpint (value, ==, 1);
  g_assert_true (lk_api_fields_get_int (fields, "OtpType", 0, 10, -1, &value, NULL));
  g_assert_cmpint (value, ==, 0);
  g_assert_true (lk_api_fields_get_string (fields, "psn", &psn, NULL));
  g_assert_cmpstr (psn, ==, "S1");
  g_assert_true (lk_api_fields_has (fields, "PSN"));
  g_assert_false (lk_api_fields_has (fields, "username"));
}

static void
test_field_ints (void)
{
  g_autoptr(LkApiFields) fields = fields_for ("{\"a\": \" 42 \", \"b\": 7.0, \"c\": 7.5, \"d\": \"x1\","
                                              " \"e\": \"\", \"f\": null, \"g\": [1], \"h\": 99, \"i\": true,"
                                              " \"j\": 1e300, \"k\": -1e300, \"l\": 99999999999999999999}");
  g_autoptr(GError) error = NULL;
  gint64 value;

  g_assert_true (lk_api_fields_get_int (fields, "a", 0, 100, -1, &value, NULL));
  g_assert_cmpint (value, ==, 42);
  g_assert_true (lk_api_fields_get_int (fields, "b", 0, 100, -1, &value, NULL));
  g_assert_cmpint (value, ==, 7);
  g_assert_true (lk_api_fields_get_int (fields, "e", 0, 100, -1, &value, NULL));
  g_assert_cmpint (value, ==, -1);
  g_assert_true (lk_api_fields_get_int (fields, "f", 0, 100, -1, &value, NULL));
  g_assert_cmpint (value, ==, -1);
  g_assert_true (lk_api_fields_get_int (fields, "absent", 0, 100, -1, &value, NULL));
  g_assert_cmpint (value, ==, -1);
  g_assert_true (lk_api_fields_get_int (fields, "i", 0, 100, -1, &value, NULL));
  g_assert_cmpint (value, ==, 1);

  g_assert_false (lk_api_fields_get_int (fields, "c", 0, 100, -1, &value, &error));
  g_assert_error (error, LK_API_ERROR, LK_API_ERROR_FIELD_TYPE);
  g_clear_error (&error);
  g_assert_false (lk_api_fields_get_int (fields, "d", 0, 100, -1, &value, &error));
  g_assert_error (error, LK_API_ERROR, LK_API_ERROR_FIELD_TYPE);
  g_clear_error (&error);
  g_assert_false (lk_api_fields_get_int (fields, "g", 0, 100, -1, &value, &error));
  g_assert_error (error, LK_API_ERROR, LK_API_ERROR_FIELD_TYPE);
  g_clear_error (&error);
  g_assert_false (lk_api_fields_get_int (fields, "h", 0, 10, -1, &value, &error));
  g_assert_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* Numbers no integer holds are refused, not wrapped. */
  for (gsize i = 0; i < 3; i++)
    {
      const char *huge[] = { "j", "k", "l" };

      g_assert_false (lk_api_fields_get_int (fields, huge[i], G_MININT64, G_MAXINT64, -1, &value, &error));
      g_assert_error (error, LK_API_ERROR, LK_API_ERROR_FIELD_TYPE);
      g_clear_error (&error);
    }
}

static void
test_field_strings (void)
{
  g_autoptr(LkApiFields) fields = fields_for ("{\"s\": \"x\", \"n\": 12345678, \"o\": {}, \"d\": 1.5,"
                                              " \"big\": 123456789012345678901234,"
                                              " \"deviceId\": \"A\", \"printedSerialNumber\": \"B\","
                                              " \"serialNumber\": \"A\"}");
  g_autoptr(GError) error = NULL;
  char *text = NULL;

  g_assert_true (lk_api_fields_get_string (fields, "n", &text, NULL));
  g_assert_cmpstr (text, ==, "12345678");
  g_clear_pointer (&text, g_free);
  /* A serial typed as a huge number keeps every digit. */
  g_assert_true (lk_api_fields_get_string (fields, "big", &text, NULL));
  g_assert_cmpstr (text, ==, "123456789012345678901234");
  g_clear_pointer (&text, g_free);
  g_assert_false (lk_api_fields_get_string (fields, "o", &text, &error));
  g_assert_error (error, LK_API_ERROR, LK_API_ERROR_FIELD_TYPE);
  g_assert_null (text);
  g_clear_error (&error);
  g_assert_false (lk_api_fields_get_string (fields, "d", &text, &error));
  g_assert_error (error, LK_API_ERROR, LK_API_ERROR_FIELD_TYPE);
  g_clear_error (&error);

  /* Aliases that agree are fine; that disagree are refused. */
  g_assert_true (lk_api_fields_get_string (fields, "deviceId|serialNumber", &text, NULL));
  g_assert_cmpstr (text, ==, "A");
  g_clear_pointer (&text, g_free);
  g_assert_false (lk_api_fields_get_string (fields, "deviceId|printedSerialNumber", &text, &error));
  g_assert_error (error, LK_API_ERROR, LK_API_ERROR_DUPLICATE_FIELD);
}

static void
test_field_bools (void)
{
  g_autoptr(LkApiFields) fields = fields_for ("{\"a\": true, \"b\": 0, \"c\": \"Yes\", \"d\": \"false\","
                                              " \"e\": 2, \"f\": \"maybe\"}");
  g_autoptr(GError) error = NULL;
  int value;

  g_assert_true (lk_api_fields_get_bool (fields, "a", &value, NULL));
  g_assert_cmpint (value, ==, 1);
  g_assert_true (lk_api_fields_get_bool (fields, "b", &value, NULL));
  g_assert_cmpint (value, ==, 0);
  g_assert_true (lk_api_fields_get_bool (fields, "c", &value, NULL));
  g_assert_cmpint (value, ==, 1);
  g_assert_true (lk_api_fields_get_bool (fields, "d", &value, NULL));
  g_assert_cmpint (value, ==, 0);
  g_assert_true (lk_api_fields_get_bool (fields, "none", &value, NULL));
  g_assert_cmpint (value, ==, -1);
  g_assert_false (lk_api_fields_get_bool (fields, "e", &value, &error));
  g_assert_error (error, LK_API_ERROR, LK_API_ERROR_FIELD_TYPE);
  g_clear_error (&error);
  g_assert_false (lk_api_fields_get_bool (fields, "f", &value, &error));
  g_assert_error (error, LK_API_ERROR, LK_API_ERROR_FIELD_TYPE);
}

static void
test_field_otps (void)
{
  g_autoptr(LkApiFields) fields = fields_for ("{\"a\": \"012345\", \"b\": 12345, \"c\": \"123 456\","
                                              " \"d\": 12345678, \"e\": [1], \"f\": -5, \"g\": 001234}");
  g_autoptr(GError) error = NULL;
  char *otp = NULL;

  g_assert_true (lk_api_fields_get_otp (fields, "a", &otp, NULL));
  g_assert_cmpstr (otp, ==, "012345");
  g_clear_pointer (&otp, g_free);
  g_assert_true (lk_api_fields_get_otp (fields, "b", &otp, NULL));
  g_assert_cmpstr (otp, ==, "012345");
  g_clear_pointer (&otp, g_free);
  g_assert_true (lk_api_fields_get_otp (fields, "c", &otp, NULL));
  g_assert_cmpstr (otp, ==, "123456");
  g_clear_pointer (&otp, g_free);
  g_assert_true (lk_api_fields_get_otp (fields, "d", &otp, NULL));
  g_assert_cmpstr (otp, ==, "12345678");
  g_clear_pointer (&otp, g_free);
  g_assert_true (lk_api_fields_get_otp (fields, "g", &otp, NULL));
  g_assert_cmpstr (otp, ==, "001234");
  g_clear_pointer (&otp, g_free);
  g_assert_false (lk_api_fields_get_otp (fields, "e", &otp, &error));
  g_assert_error (error, LK_API_ERROR, LK_API_ERROR_FIELD_TYPE);
  g_clear_error (&error);
  g_assert_false (lk_api_fields_get_otp (fields, "f", &otp, &error));
  g_assert_error (error, LK_API_ERROR, LK_API_ERROR_FIELD_TYPE);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/api/reader/plain", test_plain);
  g_test_add_func ("/api/reader/comments", test_comments);
  g_test_add_func ("/api/reader/escaped-quote", test_escaped_quote);
  g_test_add_func ("/api/reader/missing-comma", test_missing_comma);
  g_test_add_func ("/api/reader/trailing-comma", test_trailing_comma);
  g_test_add_func ("/api/reader/one-line-comments", test_one_line_comments);
  g_test_add_func ("/api/reader/limits", test_limits);
  g_test_add_func ("/api/reader/not-objects", test_not_objects);
  g_test_add_func ("/api/reader/duplicates", test_duplicates);
  g_test_add_func ("/api/reader/leading-zero-number", test_leading_zero_number);
  g_test_add_func ("/api/fields/names", test_field_names);
  g_test_add_func ("/api/fields/ints", test_field_ints);
  g_test_add_func ("/api/fields/strings", test_field_strings);
  g_test_add_func ("/api/fields/bools", test_field_bools);
  g_test_add_func ("/api/fields/otps", test_field_otps);

  return g_test_run ();
}
