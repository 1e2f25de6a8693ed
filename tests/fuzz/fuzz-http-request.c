/* SPDX-License-Identifier: GPL-3.0-or-later
 * libFuzzer target: latchkeyd's HTTP request parser (lk-http-parser.c) —
 * the head, then the rest as a chunked body — with the properties a
 * reactor relies on: a prefix never parses as something else, and a body's
 * split across reads changes nothing. */
#include "config.h"

#include <string.h>

#include "lk-http-parser.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

#define MAX_HEAD 4096
#define MAX_BODY 4096

static LkHttpParseResult
decode_chunked (const char *data,
                gsize       len,
                gsize       split,
                GByteArray *out,
                gsize      *used,
                guint      *status)
{
  LkHttpChunked chunked;
  gsize consumed = 0;

  lk_http_chunked_init (&chunked);
  *used = 0;
  while (*used < len)
    {
      gsize n = MIN (split, len - *used);
      LkHttpParseResult result = lk_http_chunked_feed (&chunked, data + *used, n, &consumed, out, MAX_BODY, status);

      g_assert (consumed <= n);
      *used += consumed;
      if (result != LK_HTTP_PARSE_INCOMPLETE)
        return result;
      g_assert (consumed == n);
    }
  return LK_HTTP_PARSE_INCOMPLETE;
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  const char *text = (const char *) data;
  LkHttpRequestHead head;
  guint status = 0;
  LkHttpParseResult result;
  gsize rest_at = 0;

  result = lk_http_parse_head (text, size, MAX_HEAD, &head, &status);
  if (result == LK_HTTP_PARSE_ERROR)
    g_assert (status >= 400 && status <= 505);
  if (result == LK_HTTP_PARSE_DONE)
    {
      LkHttpRequestHead again;
      guint again_status = 0;

      g_assert (head.head_length > 0 && head.head_length <= size && head.head_length <= MAX_HEAD);
      g_assert (head.method != NULL && head.path != NULL && head.path[0] == '/');
      g_assert (!(head.has_length && head.chunked));
      g_assert (!head.has_length || head.content_length <= G_MAXINT64);
      /* The head alone parses the same: what follows it cannot change it. */
      g_assert (lk_http_parse_head (text, head.head_length, MAX_HEAD, &again, &again_status) == LK_HTTP_PARSE_DONE);
      g_assert (again.head_length == head.head_length);
      g_assert (strcmp (again.method, head.method) == 0 && strcmp (again.target, head.target) == 0);
      g_assert (again.content_length == head.content_length && again.chunked == head.chunked);
      lk_http_request_head_clear (&again);
      rest_at = head.head_length;
      lk_http_request_head_clear (&head);
    }

  /* What follows (or everything) as a chunked body, whole and byte by byte. */
  {
    g_autoptr(GByteArray) whole = g_byte_array_new ();
    g_autoptr(GByteArray) bytewise = g_byte_array_new ();
    gsize used_whole = 0, used_bytewise = 0;
    guint status_whole = 0, status_bytewise = 0;
    LkHttpParseResult r1 = decode_chunked (text + rest_at, size - rest_at, size, whole, &used_whole, &status_whole);
    LkHttpParseResult r2 = decode_chunked (text + rest_at, size - rest_at, 1, bytewise, &used_bytewise,
                                           &status_bytewise);

    g_assert (r1 == r2);
    g_assert (whole->len <= MAX_BODY);
    if (r1 != LK_HTTP_PARSE_ERROR)
      {
        g_assert (used_whole == used_bytewise);
        g_assert (whole->len == bytewise->len);
        g_assert (whole->len == 0 || memcmp (whole->data, bytewise->data, whole->len) == 0);
      }
    else
      g_assert (status_whole == status_bytewise);
  }
  return 0;
}
