/* SPDX-License-Identifier: GPL-3.0-or-later
 * Tests of latchkeyd's HTTP request parser (lk-http-parser.c): good heads,
 * every malformed form it must refuse, pipelining and split bodies. */
#include "config.h"

#include <string.h>

#include "lk-http-parser.h"

#define MAX_HEAD 8192

static LkHttpParseResult
parse (const char        *text,
       LkHttpRequestHead *head,
       guint             *status)
{
  *status = 0;
  return lk_http_parse_head (text, strlen (text), MAX_HEAD, head, status);
}

static void
assert_refused (const char *text,
                guint       expected)
{
  LkHttpRequestHead head;
  guint status = 0;

  g_test_message ("refusing %s", text);
  g_assert_cmpint (parse (text, &head, &status), ==, LK_HTTP_PARSE_ERROR);
  g_assert_cmpuint (status, ==, expected);
  /* Nothing is left allocated on a refusal. */
  g_assert_null (head.method);
  g_assert_null (head.path);
}

static void
test_good (void)
{
  const char *text = "POST /api/v1?x=1 HTTP/1.1\r\nHost: a\r\nContent-Length:  12 \r\n"
                     "Content-Type: application/json\r\n\r\n{\"type\":\"x\"}";
  LkHttpRequestHead head;
  guint status;

  g_assert_cmpint (parse (text, &head, &status), ==, LK_HTTP_PARSE_DONE);
  g_assert_cmpstr (head.method, ==, "POST");
  g_assert_cmpstr (head.target, ==, "/api/v1?x=1");
  g_assert_cmpstr (head.path, ==, "/api/v1");
  g_assert_cmpuint (head.minor, ==, 1);
  g_assert_true (head.keep_alive);
  g_assert_true (head.has_length);
  g_assert_cmpuint (head.content_length, ==, 12);
  g_assert_false (head.chunked);
  g_assert_cmpuint (head.head_length, ==, strlen (text) - 12);
  lk_http_request_head_clear (&head);

  /* HTTP/1.0: closes unless asked to keep alive; Host optional. */
  g_assert_cmpint (parse ("GET /healthz HTTP/1.0\r\n\r\n", &head, &status), ==, LK_HTTP_PARSE_DONE);
  g_assert_false (head.keep_alive);
  lk_http_request_head_clear (&head);
  g_assert_cmpint (parse ("GET /healthz HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", &head, &status), ==,
                   LK_HTTP_PARSE_DONE);
  g_assert_true (head.keep_alive);
  lk_http_request_head_clear (&head);
  g_assert_cmpint (parse ("GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade, close\r\n\r\n", &head, &status), ==,
                   LK_HTTP_PARSE_DONE);
  g_assert_false (head.keep_alive);
  lk_http_request_head_clear (&head);

  /* Chunked, and Expect: 100-continue. */
  g_assert_cmpint (parse ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\nExpect: 100-continue\r\n\r\n",
                          &head, &status), ==, LK_HTTP_PARSE_DONE);
  g_assert_true (head.chunked);
  g_assert_true (head.expect_continue);
  g_assert_false (head.has_length);
  lk_http_request_head_clear (&head);

  /* A blank line left over before the request line is skipped. */
  g_assert_cmpint (parse ("\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", &head, &status), ==, LK_HTTP_PARSE_DONE);
  g_assert_cmpuint (head.head_length, ==, 29);
  lk_http_request_head_clear (&head);
}

static void
test_bad_request_line (void)
{
  assert_refused ("BLAH /api/v1 HTTP/9.9\r\nHost\r\n\r\n", 505);
  assert_refused ("GET /\r\nHost: a\r\n\r\n", 400);
  assert_refused ("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400);
  assert_refused ("GET / HTTP/1.1 \r\nHost: a\r\n\r\n", 400);
  assert_refused ("GET http://x/ HTTP/1.1\r\nHost: a\r\n\r\n", 400);
  assert_refused ("G(T / HTTP/1.1\r\nHost: a\r\n\r\n", 400);
  assert_refused ("GET / FTP/1.1\r\nHost: a\r\n\r\n", 400);
  assert_refused ("GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505);
  assert_refused ("GET /a\x01 HTTP/1.1\r\nHost: a\r\n\r\n", 400);
  /* Blank lines before a request line: a few are skipped, not endlessly. */
  assert_refused ("\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n", 400);
}

static void
test_bad_headers (void)
{
  /* bare LF, anywhere */
  assert_refused ("GET / HTTP/1.1\nHost: a\n\n", 400);
  assert_refused ("GET / HTTP/1.1\r\nHost: a\n\r\n", 400);
  /* a lone CR */
  assert_refused ("GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", 400);
  /* obs-fold */
  assert_refused ("GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n", 400);
  /* white space before the colon, no colon, empty name */
  assert_refused ("GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400);
  assert_refused ("GET / HTTP/1.1\r\nHost\r\n\r\n", 400);
  assert_refused ("GET / HTTP/1.1\r\n: a\r\nHost: a\r\n\r\n", 400);
  /* control characters in a value */
  assert_refused ("GET / HTTP/1.1\r\nHost: a\x7f\r\n\r\n", 400);
  /* Host: none or two on HTTP/1.1 */
  assert_refused ("GET / HTTP/1.1\r\n\r\n", 400);
  assert_refused ("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400);
  /* Expect other than 100-continue */
  assert_refused ("POST / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\n\r\n", 417);
}

static void
test_bad_length (void)
{
  assert_refused ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n", 400);
  assert_refused ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n", 400);
  assert_refused ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -5\r\n\r\n", 400);
  assert_refused ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n", 400);
  assert_refused ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x10\r\n\r\n", 400);
  assert_refused ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", 400);
  assert_refused ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n", 400);
  assert_refused ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9223372036854775808\r\n\r\n", 400);
  /* Both framings; codings latchkeyd does not decode. */
  assert_refused ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 400);
  assert_refused ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501);
  assert_refused ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
                  400);

  {
    LkHttpRequestHead head;
    guint status;

    /* The largest value that fits is a length like any other. */
    g_assert_cmpint (parse ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9223372036854775799\r\n\r\n",
                            &head, &status), ==, LK_HTTP_PARSE_DONE);
    g_assert_cmpuint (head.content_length, ==, G_GUINT64_CONSTANT (9223372036854775799));
    lk_http_request_head_clear (&head);
  }
}

static void
test_huge_head (void)
{
  g_autoptr(GString) text = g_string_new ("GET / HTTP/1.1\r\nHost: a\r\n");
  LkHttpRequestHead head;
  guint status = 0;

  /* Incomplete while below the limit ... */
  g_string_append (text, "X-Big: ");
  while (text->len < MAX_HEAD - 1)
    g_string_append_c (text, 'x');
  g_assert_cmpint (lk_http_parse_head (text->str, text->len, MAX_HEAD, &head, &status), ==,
                   LK_HTTP_PARSE_INCOMPLETE);
  /* ... 431 once it reaches it without an end. */
  g_string_append (text, "xx\r\n\r\n");
  g_assert_cmpint (lk_http_parse_head (text->str, text->len, MAX_HEAD, &head, &status), ==, LK_HTTP_PARSE_ERROR);
  g_assert_cmpuint (status, ==, 431);

  /* Too many fields, each small. */
  g_string_assign (text, "GET / HTTP/1.1\r\nHost: a\r\n");
  for (guint i = 0; i < LK_HTTP_MAX_HEADERS + 1; i++)
    g_string_append_printf (text, "X-%u: y\r\n", i);
  g_string_append (text, "\r\n");
  g_assert_cmpint (lk_http_parse_head (text->str, text->len, 65536, &head, &status), ==, LK_HTTP_PARSE_ERROR);
  g_assert_cmpuint (status, ==, 431);
}

/* Every prefix of a head is incomplete, never an error and never a
 * different request; the bytes after it are the next request's. */
static void
test_pipelining (void)
{
  const char *two = "POST /api/v1 HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n{}"
                    "GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n";
  gsize first_head = strlen ("POST /api/v1 HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n");
  LkHttpRequestHead head;
  guint status;

  for (gsize n = 0; n < first_head; n++)
    g_assert_cmpint (lk_http_parse_head (two, n, MAX_HEAD, &head, &status), ==, LK_HTTP_PARSE_INCOMPLETE);
  g_assert_cmpint (lk_http_parse_head (two, strlen (two), MAX_HEAD, &head, &status), ==, LK_HTTP_PARSE_DONE);
  g_assert_cmpuint (head.head_length, ==, first_head);
  g_assert_cmpuint (head.content_length, ==, 2);
  lk_http_request_head_clear (&head);

  {
    const char *second = two + first_head + 2;

    g_assert_cmpint (lk_http_parse_head (second, strlen (second), MAX_HEAD, &head, &status), ==,
                     LK_HTTP_PARSE_DONE);
    g_assert_cmpstr (head.method, ==, "GET");
    g_assert_cmpstr (head.path, ==, "/healthz");
    g_assert_cmpuint (head.head_length, ==, strlen (second));
    lk_http_request_head_clear (&head);
  }
}

static LkHttpParseResult
feed_split (const char *body,
            gsize       split,
            GByteArray *out,
            gsize       max_body,
            gsize      *used,
            guint      *status)
{
  LkHttpChunked chunked;
  LkHttpParseResult result;
  gsize len = strlen (body);
  gsize consumed = 0;

  lk_http_chunked_init (&chunked);
  *used = 0;
  /* The body in pieces of @split bytes, as reads would deliver it. */
  while (*used < len)
    {
      gsize n = MIN (split, len - *used);

      result = lk_http_chunked_feed (&chunked, body + *used, n, &consumed, out, max_body, status);
      *used += consumed;
      if (result != LK_HTTP_PARSE_INCOMPLETE)
        return result;
      g_assert_cmpuint (consumed, ==, n);
    }
  return LK_HTTP_PARSE_INCOMPLETE;
}

static void
test_chunked_split (void)
{
  const char *body = "5;name=value\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\nGET";

  /* Whatever the split, the same bytes come out and the next request's
   * first bytes are left alone. */
  for (gsize split = 1; split <= strlen (body); split++)
    {
      g_autoptr(GByteArray) out = g_byte_array_new ();
      gsize used;
      guint status;

      g_assert_cmpint (feed_split (body, split, out, 1024, &used, &status), ==, LK_HTTP_PARSE_DONE);
      g_assert_cmpuint (out->len, ==, 12);
      g_assert_cmpmem (out->data, out->len, "hello, world", 12);
      g_assert_cmpuint (used, ==, strlen (body) - 3);
    }
}

static void
test_chunked_bad (void)
{
  const struct { const char *body; guint status; } cases[] = {
    { "g\r\n", 400 },                         /* not hex */
    { "\r\n", 400 },                          /* no size */
    { "5\nhello\r\n", 400 },                  /* bare LF */
    { "5\r\nhelloX\r\n", 400 },               /* data longer than its size */
    { "1000000000000000\r\n", 400 },          /* 16 digits: overflow guard */
    { "-1\r\n", 400 },
    { "800\r\n", 413 },                       /* one chunk past the limit */
    { "400\r\n", 0 },                         /* at the limit: fine so far */
    { "0\r\n X: folded\r\n\r\n", 400 },        /* obs-fold in a trailer */
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GByteArray) out = g_byte_array_new ();
      gsize used;
      guint status = 0;
      LkHttpParseResult result = feed_split (cases[i].body, 3, out, 1024, &used, &status);

      g_test_message ("chunked case %" G_GSIZE_FORMAT, i);
      if (cases[i].status == 0)
        g_assert_cmpint (result, ==, LK_HTTP_PARSE_INCOMPLETE);
      else
        {
          g_assert_cmpint (result, ==, LK_HTTP_PARSE_ERROR);
          g_assert_cmpuint (status, ==, cases[i].status);
        }
    }

  /* Many small chunks adding up past the limit. */
  {
    g_autoptr(GString) body = g_string_new (NULL);
    g_autoptr(GByteArray) out = g_byte_array_new ();
    gsize used;
    guint status = 0;

    for (int i = 0; i < 300; i++)
      g_string_append (body, "4\r\nabcd\r\n");
    g_assert_cmpint (feed_split (body->str, 100, out, 1024, &used, &status), ==, LK_HTTP_PARSE_ERROR);
    g_assert_cmpuint (status, ==, 413);
    g_assert_cmpuint (out->len, <=, 1024);
  }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/server/http-parser/good", test_good);
  g_test_add_func ("/server/http-parser/bad-request-line", test_bad_request_line);
  g_test_add_func ("/server/http-parser/bad-headers", test_bad_headers);
  g_test_add_func ("/server/http-parser/bad-length", test_bad_length);
  g_test_add_func ("/server/http-parser/huge-head", test_huge_head);
  g_test_add_func ("/server/http-parser/pipelining", test_pipelining);
  g_test_add_func ("/server/http-parser/chunked-split", test_chunked_split);
  g_test_add_func ("/server/http-parser/chunked-bad", test_chunked_bad);
  return g_test_run ();
}
