/* SPDX-License-Identifier: GPL-3.0-or-later
 * LkHttpConnection: the HTTP/1.1 protocol of one connection, driven by the
 * reactor. One request at a time: the next pipelined request stays in the
 * input buffer until the current one is answered, which keeps answers in
 * order without a queue. Everything runs in the reactor's thread. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>

#include "lk-http-connection.h"

/* Bytes asked of the socket per read. */
#define READ_CHUNK       16384
/* Bytes a closing connection may still receive (and drop) after its last
 * answer, so a client that was refused mid-upload reads the refusal
 * instead of a reset; past this it is cut. */
#define DISCARD_CAP      (32 * 1024 * 1024)
/* Seconds a closing connection waits for its client to hang up. */
#define LINGER_TIMEOUT_S 5

typedef enum
{
  ST_HEAD,     /* reading a request head (or idle between requests) */
  ST_BODY,     /* reading its body */
  ST_WAIT,     /* the server works on it */
  ST_CLOSING,  /* writing the last answer, then close */
  ST_LINGER,   /* answer sent and write side shut: dropping input until the client closes */
} State;

typedef enum
{
  DEADLINE_NONE,
  DEADLINE_IDLE,
  DEADLINE_HEADER,
  DEADLINE_BODY,
  DEADLINE_WRITE,
  DEADLINE_LINGER,
} DeadlineKind;

struct _LkHttpConnection
{
  LkReactorWatch         watch;
  LkReactor             *reactor;
  const LkHttpLimits    *limits;
  const LkHttpHandlers  *handlers;
  gpointer               data;
  gpointer               user_data;

  int                    fd;
  SSL                   *ssl;
  struct sockaddr_storage peer;
  socklen_t              peer_len;

  State                  state;
  GByteArray            *in;
  GByteArray            *out;
  gsize                  out_sent;

  LkHttpRequestHead      head;
  gboolean               have_head;
  LkHttpChunked          chunked;
  GByteArray            *chunk_body;
  gsize                  chunk_used;      /* input bytes after the head that the chunked decoder took */
  gsize                  request_bytes;   /* head and body of the current request, in @in */

  DeadlineKind           deadline_kind;
  gint64                 deadline;
  gsize                  discarded;
  gboolean               tls_read_wants_write;
  gboolean               tls_write_wants_read;
  gboolean               peer_eof;        /* the client sent its last byte */
  gboolean               processing;
  gboolean               dead;
};

static void process (LkHttpConnection *self);

/* ---- time ------------------------------------------------------------------ */

static void
set_deadline (LkHttpConnection *self,
              DeadlineKind      kind,
              guint             seconds)
{
  self->deadline_kind = kind;
  self->deadline = kind == DEADLINE_NONE ? 0 : g_get_monotonic_time () + (gint64) seconds * G_USEC_PER_SEC;
}

/* The Date header, formatted once a second; English names whatever the
 * locale (RFC 9110 §5.6.7). */
static const char *
http_date (void)
{
  static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
  static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
  static char text[40];
  static gint64 cached_second = -1;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  if (now != cached_second)
    {
      time_t t = (time_t) now;
      struct tm tm;

      gmtime_r (&t, &tm);
      g_snprintf (text, sizeof text, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday], tm.tm_mday,
                  months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
      cached_second = now;
    }
  return text;
}

const char *
lk_http_reason_phrase (guint status)
{
  switch (status)
    {
    case 100: return "Continue";
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 411: return "Length Required";
    case 413: return "Request Entity Too Large";
    case 417: return "Expectation Failed";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default:  return "Unknown";
    }
}

/* ---- closing ----------------------------------------------------------------- */

static void
connection_free (gpointer data)
{
  LkHttpConnection *self = data;

  lk_http_request_head_clear (&self->head);
  g_clear_pointer (&self->chunk_body, g_byte_array_unref);
  g_byte_array_unref (self->in);
  g_byte_array_unref (self->out);
  g_free (self);
}

void
lk_http_connection_close (LkHttpConnection *self)
{
  if (self->dead)
    return;
  self->dead = TRUE;
  lk_reactor_unwatch (self->reactor, &self->watch);
  if (self->handlers->closed != NULL)
    self->handlers->closed (self, self->data);
  if (self->ssl != NULL)
    SSL_free (self->ssl);
  self->ssl = NULL;
  close (self->fd);
  self->fd = -1;
  /* A later event of the reactor's current batch may still name us. */
  lk_reactor_defer_free (self->reactor, self, connection_free);
}

/* The last answer is out: say so, stop writing, and wait (briefly) for
 * the client to close, reading and dropping what it still sends. */
static void
begin_linger (LkHttpConnection *self)
{
  if (self->ssl != NULL)
    {
      /* One close_notify; its answer is not waited for. */
      SSL_shutdown (self->ssl);
    }
  shutdown (self->fd, SHUT_WR);
  self->state = ST_LINGER;
  set_deadline (self, DEADLINE_LINGER, LINGER_TIMEOUT_S);
}

/* ---- I/O ------------------------------------------------------------------------ */

static LkIoStatus
raw_read (LkHttpConnection *self,
          void             *buffer,
          gsize             size,
          gsize            *out_read)
{
  ssize_t n = recv (self->fd, buffer, size, 0);

  *out_read = n > 0 ? (gsize) n : 0;
  if (n > 0)
    return LK_IO_DONE;
  if (n == 0)
    return LK_IO_EOF;
  if (errno == EAGAIN || errno == EINTR)
    return LK_IO_WANT_READ;
  return LK_IO_ERROR;
}

/* Reads what the socket holds into @in (or drops it while lingering).
 * FALSE when the connection was closed. */
/* Input kept unread beyond this: a request can need max_head + max_body. */
static gsize
input_cap (LkHttpConnection *self)
{
  return self->limits->max_head + self->limits->max_body + READ_CHUNK;
}

static gboolean
fill (LkHttpConnection *self)
{
  gsize cap = input_cap (self);

  for (;;)
    {
      LkIoStatus status;
      gsize n = 0;

      if (self->state == ST_LINGER)
        {
          char scratch[READ_CHUNK];

          /* Raw bytes: after our close_notify nothing is decrypted any more. */
          status = raw_read (self, scratch, sizeof scratch, &n);
          self->discarded += n;
          if (self->discarded > DISCARD_CAP)
            status = LK_IO_ERROR;
        }
      else
        {
          guint old_len = self->in->len;

          if (old_len >= cap)
            return TRUE;
          g_byte_array_set_size (self->in, old_len + READ_CHUNK);
          if (self->ssl != NULL)
            status = lk_http_tls_read (self->ssl, self->in->data + old_len, READ_CHUNK, &n);
          else
            status = raw_read (self, self->in->data + old_len, READ_CHUNK, &n);
          g_byte_array_set_size (self->in, old_len + n);
          /* The first byte of a head starts its clock. */
          if (n > 0 && self->state == ST_HEAD && self->deadline_kind == DEADLINE_IDLE)
            set_deadline (self, DEADLINE_HEADER, self->limits->header_timeout_s);
        }

      switch (status)
        {
        case LK_IO_DONE:
          /* A short plain read emptied the socket: spare the EAGAIN call. */
          if (self->ssl == NULL && n < READ_CHUNK)
            return TRUE;
          continue;
        case LK_IO_WANT_READ:
          return TRUE;
        case LK_IO_WANT_WRITE:
          self->tls_read_wants_write = TRUE;
          return TRUE;
        case LK_IO_EOF:
          /* A client may send a request and hang up at once: what is
           * buffered is still served (and counted); process() closes
           * once nothing is left to do. */
          if (self->state != ST_LINGER)
            {
              self->peer_eof = TRUE;
              return TRUE;
            }
          lk_http_connection_close (self);
          return FALSE;
        case LK_IO_ERROR:
        default:
          lk_http_connection_close (self);
          return FALSE;
        }
    }
}

/* Writes what is queued. FALSE when the connection was closed. */
static gboolean
flush (LkHttpConnection *self)
{
  while (self->out_sent < self->out->len)
    {
      const guint8 *data = self->out->data + self->out_sent;
      gsize size = self->out->len - self->out_sent;
      LkIoStatus status;
      gsize n = 0;

      if (self->ssl != NULL)
        status = lk_http_tls_write (self->ssl, data, size, &n);
      else
        {
          ssize_t written = send (self->fd, data, size, MSG_NOSIGNAL);

          if (written >= 0)
            {
              n = (gsize) written;
              status = LK_IO_DONE;
            }
          else if (errno == EAGAIN || errno == EINTR)
            status = LK_IO_WANT_WRITE;
          else
            status = LK_IO_ERROR;
        }

      if (status == LK_IO_DONE)
        {
          self->out_sent += n;
          continue;
        }
      if (status == LK_IO_WANT_READ)
        self->tls_write_wants_read = TRUE;
      if (status == LK_IO_WANT_READ || status == LK_IO_WANT_WRITE)
        {
          /* A client that stops reading is cut after a while. */
          if (self->deadline_kind != DEADLINE_WRITE && self->deadline_kind != DEADLINE_LINGER &&
              self->state != ST_HEAD && self->state != ST_BODY)
            set_deadline (self, DEADLINE_WRITE, self->limits->write_timeout_s);
          return TRUE;
        }
      lk_http_connection_close (self);
      return FALSE;
    }

  if (self->out->len == 0)
    return TRUE;
  g_byte_array_set_size (self->out, 0);
  self->out_sent = 0;
  if (self->deadline_kind == DEADLINE_WRITE)
    set_deadline (self, DEADLINE_NONE, 0);
  if (self->state == ST_CLOSING)
    begin_linger (self);
  if (self->handlers->flushed != NULL)
    self->handlers->flushed (self, self->data);
  return !self->dead;
}

/* States in which input is read. ST_WAIT too: a pipelined request is
 * buffered (not parsed) while the current one is worked on, a hang-up is
 * seen, and, above all, the epoll interest does not flip off and on again
 * around every request (two epoll_ctl calls each). */
static gboolean
is_reading (LkHttpConnection *self)
{
  return self->state == ST_HEAD || self->state == ST_BODY || self->state == ST_WAIT || self->state == ST_LINGER;
}

static void
update_interest (LkHttpConnection *self)
{
  guint32 events = 0;
  gboolean reading = is_reading (self);

  if (self->dead)
    return;
  if ((reading && !self->peer_eof && self->in->len < input_cap (self)) || self->tls_write_wants_read)
    events |= EPOLLIN;
  if ((self->out_sent < self->out->len && !self->tls_write_wants_read) || self->tls_read_wants_write)
    events |= EPOLLOUT;
  lk_reactor_update (self->reactor, &self->watch, events);
}

static void
on_event (gpointer data,
          guint32  events)
{
  LkHttpConnection *self = data;
  gboolean reading;

  if (self->dead)
    return;
  reading = is_reading (self);
  /* A reset, or a hang-up while only an answer was left to write. */
  if ((events & EPOLLERR) || ((events & EPOLLHUP) && !reading && !self->tls_write_wants_read))
    {
      lk_http_connection_close (self);
      return;
    }
  if (self->tls_write_wants_read && (events & (EPOLLIN | EPOLLHUP)))
    {
      self->tls_write_wants_read = FALSE;
      if (!flush (self))
        return;
    }
  if ((events & EPOLLOUT) && self->out_sent < self->out->len && !flush (self))
    return;
  reading = is_reading (self);
  if ((events & (EPOLLIN | EPOLLHUP)) || (self->tls_read_wants_write && (events & EPOLLOUT)))
    {
      self->tls_read_wants_write = FALSE;
      if (reading && !fill (self))
        return;
    }
  process (self);
}

/* ---- answers ---------------------------------------------------------------------- */

static void
append (GByteArray *out,
        const char *text)
{
  g_byte_array_append (out, (const guint8 *) text, strlen (text));
}

void
lk_http_connection_respond (LkHttpConnection   *self,
                            guint               status,
                            const char         *content_type,
                            GBytes             *body,
                            const char * const *extra_headers,
                            gboolean            close)
{
  gsize body_len = body != NULL ? g_bytes_get_size (body) : 0;
  gboolean early = self->state != ST_WAIT;
  gboolean keep;
  char line[128];

  if (self->dead || self->state == ST_CLOSING || self->state == ST_LINGER)
    return;
  /* An answer before the body was read leaves the body on the wire: the
   * connection cannot find the next request, so it ends. */
  keep = !close && !early && self->have_head && self->head.keep_alive;

  g_snprintf (line, sizeof line, "HTTP/1.1 %u %s\r\nDate: %s\r\nServer: latchkeyd\r\n", status,
              lk_http_reason_phrase (status), http_date ());
  append (self->out, line);
  if (content_type != NULL)
    {
      append (self->out, "Content-Type: ");
      append (self->out, content_type);
      append (self->out, "\r\n");
    }
  g_snprintf (line, sizeof line, "Content-Length: %" G_GSIZE_FORMAT "\r\n", body_len);
  append (self->out, line);
  for (gsize i = 0; extra_headers != NULL && extra_headers[i] != NULL; i++)
    {
      append (self->out, extra_headers[i]);
      append (self->out, "\r\n");
    }
  if (!keep)
    append (self->out, "Connection: close\r\n");
  else if (self->head.minor == 0)
    append (self->out, "Connection: keep-alive\r\n");
  append (self->out, "\r\n");
  if (body_len > 0 && !(self->have_head && strcmp (self->head.method, "HEAD") == 0))
    g_byte_array_append (self->out, g_bytes_get_data (body, NULL), body_len);

  if (keep)
    {
      /* On to the next request, which may already be in the buffer. */
      g_byte_array_remove_range (self->in, 0, self->request_bytes);
      self->request_bytes = 0;
      lk_http_request_head_clear (&self->head);
      self->have_head = FALSE;
      g_clear_pointer (&self->chunk_body, g_byte_array_unref);
      self->state = ST_HEAD;
      set_deadline (self, DEADLINE_IDLE, self->limits->idle_timeout_s);
    }
  else
    {
      self->state = ST_CLOSING;
      set_deadline (self, DEADLINE_WRITE, self->limits->write_timeout_s);
    }
  /* From a completion (not from inside process()): write now. */
  process (self);
}

static void
refuse (LkHttpConnection *self,
        guint             status)
{
  if (self->handlers->refused != NULL)
    self->handlers->refused (self, status, self->data);
  if (!self->dead && self->state != ST_CLOSING && self->state != ST_LINGER)
    {
      g_autofree char *text = g_strdup_printf ("%s\n", lk_http_reason_phrase (status));
      g_autoptr(GBytes) body = g_bytes_new_take (g_steal_pointer (&text), strlen (lk_http_reason_phrase (status)) + 1);

      lk_http_connection_respond (self, status, "text/plain; charset=utf-8", body, NULL, TRUE);
    }
}

/* ---- the request loop ----------------------------------------------------------------- */

/* Moves through the requests in @in as far as the bytes allow. Never
 * re-entered: an answer given from a callback is picked up by the loop. */
static void
process (LkHttpConnection *self)
{
  if (self->processing || self->dead)
    return;
  self->processing = TRUE;

  while (!self->dead)
    {
      if (self->state == ST_HEAD)
        {
          guint status = 0;
          LkHttpParseResult result;

          if (self->in->len == 0)
            break;
          result = lk_http_parse_head ((const char *) self->in->data, self->in->len, self->limits->max_head,
                                       &self->head, &status);
          if (result == LK_HTTP_PARSE_INCOMPLETE)
            break;
          if (result == LK_HTTP_PARSE_ERROR)
            {
              refuse (self, status);
              continue;
            }
          self->have_head = TRUE;
          self->state = ST_BODY;
          set_deadline (self, DEADLINE_BODY, self->limits->body_timeout_s);
          if (self->head.chunked)
            {
              lk_http_chunked_init (&self->chunked);
              self->chunk_body = g_byte_array_new ();
              self->chunk_used = 0;
            }
          else if (self->head.content_length > self->limits->max_body)
            {
              /* Refused on its declared length, before reading a byte of it. */
              refuse (self, 413);
              continue;
            }
          if (self->handlers->head != NULL)
            self->handlers->head (self, &self->head, self->data);
          if (self->state == ST_BODY && self->head.expect_continue &&
              (self->head.chunked || self->head.content_length > 0))
            append (self->out, "HTTP/1.1 100 Continue\r\n\r\n");
        }
      else if (self->state == ST_BODY)
        {
          g_autoptr(GBytes) body = NULL;
          gsize head_len = self->head.head_length;

          if (self->head.chunked)
            {
              guint status = 0;
              gsize consumed = 0;
              LkHttpParseResult result;

              result = lk_http_chunked_feed (&self->chunked, (const char *) self->in->data + head_len + self->chunk_used,
                                             self->in->len - head_len - self->chunk_used, &consumed,
                                             self->chunk_body, self->limits->max_body, &status);
              self->chunk_used += consumed;
              if (result == LK_HTTP_PARSE_INCOMPLETE)
                {
                  /* Decoded bytes live in chunk_body: drop them from the
                   * input so a long body does not fill it. */
                  g_byte_array_remove_range (self->in, head_len, self->chunk_used);
                  self->chunk_used = 0;
                  break;
                }
              if (result == LK_HTTP_PARSE_ERROR)
                {
                  refuse (self, status);
                  continue;
                }
              body = g_byte_array_free_to_bytes (g_steal_pointer (&self->chunk_body));
              self->request_bytes = head_len + self->chunk_used;
            }
          else
            {
              if (self->in->len - head_len < self->head.content_length)
                break;
              body = g_bytes_new (self->in->data + head_len, self->head.content_length);
              self->request_bytes = head_len + self->head.content_length;
            }
          self->state = ST_WAIT;
          set_deadline (self, DEADLINE_NONE, 0);
          self->handlers->request (self, &self->head, body, self->data);
        }
      else
        break;
    }

  self->processing = FALSE;
  if (self->dead || !flush (self))
    return;
  if (self->peer_eof && self->state != ST_WAIT && self->state != ST_CLOSING)
    {
      lk_http_connection_close (self);
      return;
    }
  /* Decrypted bytes OpenSSL still holds raise no epoll event: a read
   * stopped at the buffer cap leaves some, and they may hold the next
   * pipelined request. */
  if (self->ssl != NULL && (self->state == ST_HEAD || self->state == ST_BODY) &&
      self->in->len < input_cap (self) && SSL_pending (self->ssl) > 0)
    {
      if (fill (self))
        process (self);
      return;
    }
  update_interest (self);
}

/* ---- the rest ---------------------------------------------------------------------- */

LkHttpConnection *
lk_http_connection_new (LkReactor             *reactor,
                        int                    fd,
                        SSL                   *ssl,
                        const struct sockaddr *peer,
                        socklen_t              peer_len,
                        const LkHttpLimits    *limits,
                        const LkHttpHandlers  *handlers,
                        gpointer               data,
                        GError               **error)
{
  LkHttpConnection *self = g_new0 (LkHttpConnection, 1);

  self->reactor = reactor;
  self->fd = fd;
  self->ssl = ssl;
  self->limits = limits;
  self->handlers = handlers;
  self->data = data;
  self->peer_len = MIN (peer_len, (socklen_t) sizeof self->peer);
  memcpy (&self->peer, peer, self->peer_len);
  self->in = g_byte_array_sized_new (READ_CHUNK);
  self->out = g_byte_array_new ();
  self->state = ST_HEAD;
  /* The first request (and a TLS handshake) must come within the header
   * timeout: a connection opened to sit idle is cut early. */
  set_deadline (self, DEADLINE_HEADER, limits->header_timeout_s);
  if (!lk_reactor_watch (reactor, &self->watch, fd, EPOLLIN, on_event, self, error))
    {
      if (ssl != NULL)
        SSL_free (ssl);
      close (fd);
      connection_free (self);
      return NULL;
    }
  return self;
}

void
lk_http_connection_check_timeout (LkHttpConnection *self,
                                  gint64            now_us)
{
  if (!self->dead && self->deadline_kind != DEADLINE_NONE && now_us >= self->deadline)
    {
      g_debug ("Closing a connection: %s timeout",
               self->deadline_kind == DEADLINE_IDLE ? "idle" :
               self->deadline_kind == DEADLINE_HEADER ? "header" :
               self->deadline_kind == DEADLINE_BODY ? "body" :
               self->deadline_kind == DEADLINE_WRITE ? "write" : "linger");
      lk_http_connection_close (self);
    }
}

const LkHttpRequestHead *
lk_http_connection_get_head (LkHttpConnection *self)
{
  return self->have_head ? &self->head : NULL;
}

gboolean
lk_http_connection_is_busy (LkHttpConnection *self)
{
  return !self->dead && (self->state == ST_WAIT || self->out_sent < self->out->len);
}

const struct sockaddr *
lk_http_connection_get_peer (LkHttpConnection *self,
                             socklen_t        *out_len)
{
  *out_len = self->peer_len;
  return (const struct sockaddr *) &self->peer;
}

void
lk_http_connection_set_user_data (LkHttpConnection *self,
                                  gpointer          user_data)
{
  self->user_data = user_data;
}

gpointer
lk_http_connection_get_user_data (LkHttpConnection *self)
{
  return self->user_data;
}
