/* SPDX-License-Identifier: GPL-3.0-or-later
 * The CSV reader: RFC 4180 quoting, line numbers, BOM, bad records. */
#include "config.h"

#include <string.h>
#include <glib.h>

#include "lk-bulk-error.h"
#include "lk-csv.h"

static GPtrArray *
parse (const char *text)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *records = lk_csv_parse (text, strlen (text), &error);

  g_assert_no_error (error);
  g_assert_nonnull (records);
  return records;
}

static const LkCsvRecord *
rec (GPtrArray *records,
     guint      i)
{
  g_assert_cmpuint (i, <, records->len);
  return records->pdata[i];
}

static void
test_simple (void)
{
  g_autoptr(GPtrArray) r = parse ("a,b,c\r\n1,,3\n\n4,5,6");

  g_assert_cmpuint (r->len, ==, 3);
  g_assert_cmpuint (g_strv_length (rec (r, 0)->fields), ==, 3);
  g_assert_cmpstr (rec (r, 0)->fields[2], ==, "c");
  g_assert_cmpstr (rec (r, 1)->fields[1], ==, "");
  g_assert_cmpuint (rec (r, 1)->line, ==, 2);
  /* The blank line is skipped but counted. */
  g_assert_cmpuint (rec (r, 2)->line, ==, 4);
  g_assert_cmpstr (rec (r, 2)->fields[2], ==, "6");
}

static void
test_quoted (void)
{
  g_autoptr(GPtrArray) r = parse ("\"Smith, John\",\"say \"\"hi\"\"\",\"two\nlines\"\nnext,\"\",x\n\"trailing\",\n");

  g_assert_cmpuint (r->len, ==, 3);
  g_assert_null (rec (r, 0)->error);
  g_assert_cmpstr (rec (r, 0)->fields[0], ==, "Smith, John");
  g_assert_cmpstr (rec (r, 0)->fields[1], ==, "say \"hi\"");
  g_assert_cmpstr (rec (r, 0)->fields[2], ==, "two\nlines");
  /* The record after a field with a line break starts on line 3. */
  g_assert_cmpuint (rec (r, 1)->line, ==, 3);
  g_assert_cmpstr (rec (r, 1)->fields[1], ==, "");
  g_assert_cmpuint (g_strv_length (rec (r, 2)->fields), ==, 2);
  g_assert_cmpstr (rec (r, 2)->fields[0], ==, "trailing");
  g_assert_cmpuint (rec (r, 2)->line, ==, 4);
}

static void
test_trailing_empty (void)
{
  g_autoptr(GPtrArray) r = parse ("a,\nb,c,");

  g_assert_cmpuint (r->len, ==, 2);
  g_assert_cmpuint (g_strv_length (rec (r, 0)->fields), ==, 2);
  g_assert_cmpuint (g_strv_length (rec (r, 1)->fields), ==, 3);
}

static void
test_bom (void)
{
  g_autoptr(GPtrArray) r = parse ("\xEF\xBB\xBFlogin,email\nåsa,a@example.org\n");

  g_assert_cmpuint (r->len, ==, 2);
  g_assert_cmpstr (rec (r, 0)->fields[0], ==, "login");
  g_assert_cmpstr (rec (r, 1)->fields[0], ==, "åsa");
}

static void
test_bad_records (void)
{
  g_autoptr(GPtrArray) r = parse ("ok,1\nbad\xff,2\nx\"y,3\n\"a\"b,4\nfine,5\n\"open,6\n");

  g_assert_cmpuint (r->len, ==, 6);
  g_assert_null (rec (r, 0)->error);
  g_assert_nonnull (rec (r, 1)->error);   /* invalid UTF-8 */
  g_assert_cmpuint (rec (r, 1)->line, ==, 2);
  g_assert_nonnull (rec (r, 2)->error);   /* quote in an unquoted field */
  g_assert_nonnull (rec (r, 3)->error);   /* text after the closing quote */
  g_assert_null (rec (r, 4)->error);      /* the rest still read */
  g_assert_cmpstr (rec (r, 4)->fields[0], ==, "fine");
  g_assert_nonnull (rec (r, 5)->error);   /* never closed */
  g_assert_cmpuint (rec (r, 5)->line, ==, 6);
}

static void
test_limits (void)
{
  g_autoptr(GString) wide = g_string_new (NULL);
  g_autoptr(GPtrArray) r = NULL;

  for (guint i = 0; i < LK_CSV_MAX_FIELDS + 5; i++)
    g_string_append (wide, "x,");
  g_string_append (wide, "\nok\n");
  r = parse (wide->str);
  g_assert_cmpuint (r->len, ==, 2);
  g_assert_nonnull (rec (r, 0)->error);
  g_assert_null (rec (r, 1)->error);
  g_clear_pointer (&r, g_ptr_array_unref);
  r = parse ("");
  g_assert_cmpuint (r->len, ==, 0);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/bulk/csv/simple", test_simple);
  g_test_add_func ("/bulk/csv/quoted", test_quoted);
  g_test_add_func ("/bulk/csv/trailing-empty", test_trailing_empty);
  g_test_add_func ("/bulk/csv/bom", test_bom);
  g_test_add_func ("/bulk/csv/bad-records", test_bad_records);
  g_test_add_func ("/bulk/csv/limits", test_limits);
  return g_test_run ();
}
