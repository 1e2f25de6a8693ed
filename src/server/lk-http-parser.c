/* SPDX-License-Identifier: GPL-3.0-or-later
 * latchkeyd's HTTP/1.1 request parser (RFC 9112), strict where leniency
 * lets two parsers disagree about where a request ends (request smuggling):
 * bare LF, obs-fold, Content-Length lists, Transfer-Encoding with a length. */
#include "config.h"

#include <string.h>

#include "lk-http-parser.h"

/* Blank lines a client may send before a request line (RFC 9112 §2.2 says
 * a server SHOULD ignore at least one; some clients add one after a body). */
#define MAX_LEADING_CRLF 8
#define MAX_CHUNK_DIGITS 15     /* 60 bits: no overflow, far past any limit */
#define MAX_CHUNK_LINE   256    /* chunk extensions, each trailer line */
#define MAX_TRAILERS     8192

static gboolean
is_tchar (guchar c)
{
  /* token characters of RFC 9110 §5.6.2 */
  return g_ascii_isalnum (c) || (c != '\0' && strchr ("!#$%&'*+-.^_`|~", c) != NULL);
}

/* Field values: visible ASCII, obs-text, space and tab; no other control. */
static gboolean
is_value_char (guchar c)
{
  return c == '\t' || (c >= 0x20 && c != 0x7f);
}

void
lk_http_request_head_clear (LkHttpRequestHead *head)
{
  g_free (head->method);
  g_free (head->target);
  g_free (head->path);
  memset (head, 0, sizeof *head);
}

/* Case-insensitive compare of @len bytes at @s with the NUL-terminated @word. */
static gboolean
token_is (const char *s,
          gsize       len,
          const char *word)
{
  return strlen (word) == len && g_ascii_strncasecmp (s, word, len) == 0;
}

static void
trim (const char **s,
      gsize       *len)
{
  while (*len > 0 && ((*s)[0] == ' ' || (*s)[0] == '\t'))
    (*s)++, (*len)--;
  while (*len > 0 && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
    (*len)--;
}

/* Connection: a comma-separated list of tokens. */
static void
parse_connection (const char *value,
                  gsize       len,
                  gboolean   *close,
                  gboolean   *keep_alive)
{
  while (len > 0)
    {
      const char *comma = memchr (value, ',', len);
      gsize item = comma != NULL ? (gsize) (comma - value) : len;
      const char *token = value;
      gsize token_len = item;

      trim (&token, &token_len);
      if (token_is (token, token_len, "close"))
        *close = TRUE;
      else if (token_is (token, token_len, "keep-alive"))
        *keep_alive = TRUE;
      if (comma == NULL)
        break;
      value += item + 1;
      len -= item + 1;
    }
}

static gboolean
parse_length (const char *value,
              gsize       len,
              guint64    *out)
{
  guint64 n = 0;

  /* Digits only: no sign, no list ("5, 5"), no spaces inside. */
  if (len == 0)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    {
      if (!g_ascii_isdigit (value[i]))
        return FALSE;
      if (n > (G_MAXINT64 - 9) / 10)
        return FALSE;
      n = n * 10 + (guint64) (value[i] - '0');
    }
  *out = n;
  return TRUE;
}

/* The request line: METHOD SP request-target SP HTTP-version. */
static gboolean
parse_request_line (const char        *line,
                    gsize              len,
                    LkHttpRequestHead *head,
                    guint             *status)
{
  gsize i = 0, start;

  *status = 400;
  start = i;
  while (i < len && is_tchar ((guchar) line[i]))
    i++;
  if (i == start || i >= len || line[i] != ' ')
    return FALSE;
  head->method = g_strndup (line + start, i - start);

  start = ++i;
  while (i < len && (guchar) line[i] > 0x20 && (guchar) line[i] < 0x7f)
    i++;
  if (i == start || i >= len || line[i] != ' ')
    return FALSE;
  /* Origin-form only: latchkeyd is no proxy. */
  if (line[start] != '/')
    return FALSE;
  head->target = g_strndup (line + start, i - start);
  {
    const char *query = strchr (head->target, '?');

    head->path = query != NULL ? g_strndup (head->target, query - head->target) : g_strdup (head->target);
  }

  start = ++i;
  if (len - start != 8 || memcmp (line + start, "HTTP/", 5) != 0 ||
      !g_ascii_isdigit (line[start + 5]) || line[start + 6] != '.' || !g_ascii_isdigit (line[start + 7]))
    return FALSE;
  if (line[start + 5] != '1')
    {
      *status = 505;
      return FALSE;
    }
  head->minor = (guint) (line[start + 7] - '0');
  if (head->minor > 1)
    head->minor = 1;  /* a later 1.x speaks 1.1 at least (RFC 9110 §2.5) */
  return TRUE;
}

LkHttpParseResult
lk_http_parse_head (const char        *data,
                    gsize              len,
                    gsize              max_head,
                    LkHttpRequestHead *head,
                    guint             *out_status)
{
  gsize skip = 0, end = 0, scan, pos;
  gboolean found = FALSE;
  gboolean close = FALSE, keep_alive = FALSE, has_te = FALSE;
  guint hosts = 0, fields = 0;
  guint status = 400;

  memset (head, 0, sizeof *head);

  while (skip + 1 < len && data[skip] == '\r' && data[skip + 1] == '\n' && skip < 2 * MAX_LEADING_CRLF)
    skip += 2;

  /* Find the blank line; every LF on the way must follow a CR. */
  scan = MIN (len, max_head);
  for (pos = skip; pos < scan; pos++)
    {
      if (data[pos] != '\n')
        continue;
      if (pos == skip || data[pos - 1] != '\r')
        goto error;
      if (pos >= skip + 3 && data[pos - 2] == '\n' && data[pos - 3] == '\r')
        {
          end = pos + 1;
          found = TRUE;
          break;
        }
    }
  if (!found)
    {
      if (len >= max_head)
        {
          status = 431;
          goto error;
        }
      return LK_HTTP_PARSE_INCOMPLETE;
    }

  {
    const char *line = data + skip;
    const char *eol = memchr (line, '\r', end - skip);

    /* A CR must start a CRLF: a lone one inside a line is 400. */
    if (eol[1] != '\n')
      goto error;
    if (!parse_request_line (line, eol - line, head, &status))
      goto error;
    pos = (eol - data) + 2;
  }

  status = 400;
  /* Header fields until the blank line at end - 2. */
  while (pos < end - 2)
    {
      const char *line = data + pos;
      const char *eol = memchr (line, '\r', end - pos);
      gsize line_len = eol - line;
      const char *colon;
      const char *value;
      gsize name_len, value_len;

      if (eol[1] != '\n')
        goto error;
      /* A line starting with white space continues the previous one
       * (obs-fold): refused rather than guessed at. */
      if (line_len == 0 || line[0] == ' ' || line[0] == '\t')
        goto error;
      if (++fields > LK_HTTP_MAX_HEADERS)
        {
          status = 431;
          goto error;
        }
      colon = memchr (line, ':', line_len);
      if (colon == NULL || colon == line)
        goto error;
      name_len = colon - line;
      for (gsize i = 0; i < name_len; i++)
        if (!is_tchar ((guchar) line[i]))
          goto error;  /* includes white space before the colon */
      value = colon + 1;
      value_len = line_len - name_len - 1;
      for (gsize i = 0; i < value_len; i++)
        if (!is_value_char ((guchar) value[i]))
          goto error;
      trim (&value, &value_len);

      if (token_is (line, name_len, "Content-Length"))
        {
          if (head->has_length || !parse_length (value, value_len, &head->content_length))
            goto error;
          head->has_length = TRUE;
        }
      else if (token_is (line, name_len, "Transfer-Encoding"))
        {
          if (has_te)
            goto error;
          has_te = TRUE;
          if (!token_is (value, value_len, "chunked"))
            {
              status = 501;
              goto error;
            }
          head->chunked = TRUE;
        }
      else if (token_is (line, name_len, "Connection"))
        parse_connection (value, value_len, &close, &keep_alive);
      else if (token_is (line, name_len, "Host"))
        hosts++;
      else if (token_is (line, name_len, "Expect"))
        {
          if (!token_is (value, value_len, "100-continue"))
            {
              status = 417;
              goto error;
            }
          head->expect_continue = TRUE;
        }
      pos += line_len + 2;
    }

  /* Both framings at once is how requests are smuggled past a proxy. */
  if (head->has_length && head->chunked)
    goto error;
  /* HTTP/1.1 requires exactly one Host (RFC 9112 §3.2). */
  if (head->minor == 1 ? hosts != 1 : hosts > 1)
    goto error;
  /* HTTP/1.0 closes unless asked otherwise; 1.1 stays open unless asked. */
  head->keep_alive = head->minor == 1 ? !close : (keep_alive && !close);
  head->head_length = end;
  return LK_HTTP_PARSE_DONE;

error:
  lk_http_request_head_clear (head);
  *out_status = status;
  return LK_HTTP_PARSE_ERROR;
}

/* ---- chunked bodies ------------------------------------------------------ */

enum
{
  CHUNK_SIZE,        /* hex digits */
  CHUNK_EXT,         /* ";ext" until CR */
  CHUNK_SIZE_LF,
  CHUNK_DATA,
  CHUNK_DATA_CR,
  CHUNK_DATA_LF,
  CHUNK_TRAILER,     /* start of a trailer line, or the final CRLF */
  CHUNK_TRAILER_LINE,
  CHUNK_TRAILER_LF,
  CHUNK_LAST_LF,
  CHUNK_DONE,
};

void
lk_http_chunked_init (LkHttpChunked *chunked)
{
  memset (chunked, 0, sizeof *chunked);
  chunked->state = CHUNK_SIZE;
}

LkHttpParseResult
lk_http_chunked_feed (LkHttpChunked *c,
                      const char    *data,
                      gsize          len,
                      gsize         *consumed,
                      GByteArray    *body,
                      gsize          max_body,
                      guint         *out_status)
{
  gsize i = 0;

  *out_status = 400;
  while (i < len && c->state != CHUNK_DONE)
    {
      guchar ch = (guchar) data[i];

      switch (c->state)
        {
        case CHUNK_SIZE:
          if (g_ascii_isxdigit (ch))
            {
              if (++c->digits > MAX_CHUNK_DIGITS)
                goto error;
              c->remaining = (c->remaining << 4) | (guint64) g_ascii_xdigit_value (ch);
              i++;
              break;
            }
          if (c->digits == 0)
            goto error;
          if (ch == ';')
            {
              c->state = CHUNK_EXT;
              c->line_bytes = 0;
            }
          else if (ch == '\r')
            c->state = CHUNK_SIZE_LF;
          else
            goto error;
          i++;
          break;

        case CHUNK_EXT:
          if (ch == '\r')
            c->state = CHUNK_SIZE_LF;
          else if (!is_value_char (ch) || ++c->line_bytes > MAX_CHUNK_LINE)
            goto error;
          i++;
          break;

        case CHUNK_SIZE_LF:
          if (ch != '\n')
            goto error;
          i++;
          if (c->remaining > max_body || body->len + c->remaining > max_body)
            {
              *out_status = 413;
              goto error;
            }
          c->digits = 0;
          c->state = c->remaining == 0 ? CHUNK_TRAILER : CHUNK_DATA;
          break;

        case CHUNK_DATA:
          {
            gsize take = (gsize) MIN ((guint64) (len - i), c->remaining);

            g_byte_array_append (body, (const guint8 *) data + i, take);
            i += take;
            c->remaining -= take;
            if (c->remaining == 0)
              c->state = CHUNK_DATA_CR;
          }
          break;

        case CHUNK_DATA_CR:
          if (ch != '\r')
            goto error;
          c->state = CHUNK_DATA_LF;
          i++;
          break;

        case CHUNK_DATA_LF:
          if (ch != '\n')
            goto error;
          c->state = CHUNK_SIZE;
          i++;
          break;

        case CHUNK_TRAILER:
          if (ch == '\r')
            c->state = CHUNK_LAST_LF;
          else if (ch == ' ' || ch == '\t' || !is_tchar (ch))
            goto error;
          else
            {
              c->state = CHUNK_TRAILER_LINE;
              c->line_bytes = 1;
            }
          c->trailer_bytes++;
          i++;
          break;

        case CHUNK_TRAILER_LINE:
          /* Trailer fields are read and dropped: latchkeyd uses none. */
          if (ch == '\r')
            c->state = CHUNK_TRAILER_LF;
          else if (!is_value_char (ch) || ++c->line_bytes > MAX_CHUNK_LINE)
            goto error;
          if (++c->trailer_bytes > MAX_TRAILERS)
            goto error;
          i++;
          break;

        case CHUNK_TRAILER_LF:
          if (ch != '\n')
            goto error;
          c->state = CHUNK_TRAILER;
          i++;
          break;

        case CHUNK_LAST_LF:
          if (ch != '\n')
            goto error;
          c->state = CHUNK_DONE;
          i++;
          break;

        default:
          g_assert_not_reached ();
        }
    }
  *consumed = i;
  return c->state == CHUNK_DONE ? LK_HTTP_PARSE_DONE : LK_HTTP_PARSE_INCOMPLETE;

error:
  *consumed = i;
  return LK_HTTP_PARSE_ERROR;
}
