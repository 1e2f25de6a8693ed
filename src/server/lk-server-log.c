/* SPDX-License-Identifier: GPL-3.0-or-later
 * latchkeyd's logs: a GLib log writer (text or JSON lines on stderr) and the one-line-per-request access log. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "lk-server-log.h"

static GLogLevelFlags log_level = G_LOG_LEVEL_INFO;
static LkLogFormat log_format = LK_LOG_FORMAT_TEXT;
static gboolean log_access = TRUE;
static GMutex log_lock;

/* With the async writer on, lines go through a queue to one thread, so a
 * slow stderr (a busy journal, a full pipe) never blocks the main loop. */
#define QUEUE_MAX_LINES 65536
static GAsyncQueue *log_queue;
static GThread *log_thread;
static gint log_dropped;
static char stop_marker[] = "";

static const char *
level_name (GLogLevelFlags level)
{
  if (level & G_LOG_LEVEL_ERROR)
    return "error";
  if (level & G_LOG_LEVEL_CRITICAL)
    return "critical";
  if (level & G_LOG_LEVEL_WARNING)
    return "warning";
  if (level & G_LOG_LEVEL_MESSAGE)
    return "message";
  if (level & G_LOG_LEVEL_INFO)
    return "info";
  return "debug";
}

/* GLib's levels are bit flags ordered from most to least severe. */
static gboolean
level_enabled (GLogLevelFlags level)
{
  GLogLevelFlags severity = level & G_LOG_LEVEL_MASK;

  if (severity == 0)
    return TRUE;
  return (severity & ((log_level << 1) - 1)) != 0;
}

/* JSON strings; also used for text values, which are quoted the same way so
 * a client-controlled value can never start a new field or line. */
static void
append_quoted (GString    *out,
               const char *value)
{
  g_string_append_c (out, '"');
  for (const char *p = value; p != NULL && *p != '\0'; p++)
    {
      guchar c = *p;

      switch (c)
        {
        case '"': g_string_append (out, "\\\""); break;
        case '\\': g_string_append (out, "\\\\"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\r': g_string_append (out, "\\r"); break;
        case '\t': g_string_append (out, "\\t"); break;
        default:
          if (c < 0x20 || c == 0x7f)
            g_string_append_printf (out, "\\u%04x", c);
          else
            g_string_append_c (out, c);
        }
    }
  g_string_append_c (out, '"');
}

static void
append_time (GString   *out,
             GDateTime *when)
{
  g_autofree char *text = g_date_time_format (when, "%Y-%m-%dT%H:%M:%S");

  g_string_append_printf (out, "%s.%03dZ", text, g_date_time_get_microsecond (when) / 1000);
}

static void
write_out (const char *text,
           gsize       len)
{
  g_mutex_lock (&log_lock);
  fwrite (text, 1, len, stderr);
  fflush (stderr);
  g_mutex_unlock (&log_lock);
}

static gpointer
writer_thread (gpointer data)
{
  g_autoptr(GString) batch = g_string_new (NULL);

  for (;;)
    {
      char *line = g_async_queue_pop (log_queue);
      gboolean stop = line == stop_marker;
      gint dropped;

      /* Everything already queued goes out in one write. */
      while (!stop)
        {
          g_string_append (batch, line);
          g_free (line);
          if (batch->len > 65536 || (line = g_async_queue_try_pop (log_queue)) == NULL)
            break;
          stop = line == stop_marker;
        }

      dropped = g_atomic_int_and (&log_dropped, 0);
      if (dropped > 0)
        g_string_append_printf (batch, "level=warning msg=\"%d log line(s) dropped: the log output could not keep up\"\n",
                                dropped);
      if (batch->len > 0)
        write_out (batch->str, batch->len);
      g_string_truncate (batch, 0);
      if (stop)
        return NULL;
    }
}

static void
write_line (GString *line)
{
  g_string_append_c (line, '\n');
  if (log_queue == NULL)
    {
      write_out (line->str, line->len);
      return;
    }
  if (g_async_queue_length (log_queue) >= QUEUE_MAX_LINES)
    {
      g_atomic_int_inc (&log_dropped);
      return;
    }
  g_async_queue_push (log_queue, g_strndup (line->str, line->len));
}

void
lk_server_log_start_async (void)
{
  if (log_queue != NULL)
    return;
  log_queue = g_async_queue_new ();
  log_thread = g_thread_new ("lk-log", writer_thread, NULL);
}

void
lk_server_log_stop_async (void)
{
  GAsyncQueue *queue = log_queue;

  if (queue == NULL)
    return;
  g_async_queue_push (queue, stop_marker);
  g_thread_join (log_thread);
  log_thread = NULL;
  /* Lines logged from now on are written directly again. */
  log_queue = NULL;
  g_async_queue_unref (queue);
}

static GLogWriterOutput
writer (GLogLevelFlags   level,
        const GLogField *fields,
        gsize            n_fields,
        gpointer         user_data)
{
  g_autoptr(GDateTime) now = NULL;
  g_autoptr(GString) line = NULL;
  const char *message = NULL;
  const char *domain = NULL;

  if (!level_enabled (level))
    return G_LOG_WRITER_HANDLED;

  for (gsize i = 0; i < n_fields; i++)
    {
      if (g_strcmp0 (fields[i].key, "MESSAGE") == 0)
        message = fields[i].value;
      else if (g_strcmp0 (fields[i].key, "GLIB_DOMAIN") == 0)
        domain = fields[i].value;
    }

  now = g_date_time_new_now_utc ();
  line = g_string_new (NULL);
  if (log_format == LK_LOG_FORMAT_JSON)
    {
      g_string_append (line, "{\"time\":\"");
      append_time (line, now);
      g_string_append_printf (line, "\",\"level\":\"%s\",\"domain\":", level_name (level));
      append_quoted (line, domain != NULL ? domain : "");
      g_string_append (line, ",\"msg\":");
      append_quoted (line, message);
      g_string_append_c (line, '}');
    }
  else
    {
      g_string_append (line, "time=");
      append_time (line, now);
      g_string_append_printf (line, " level=%s domain=%s msg=", level_name (level),
                              domain != NULL ? domain : "-");
      append_quoted (line, message);
    }
  write_line (line);

  return G_LOG_WRITER_HANDLED;
}

void
lk_server_log_configure (GLogLevelFlags level,
                         LkLogFormat    format,
                         gboolean       access_log)
{
  log_level = level;
  log_format = format;
  log_access = access_log;
}

void
lk_server_log_init (GLogLevelFlags level,
                    LkLogFormat    format,
                    gboolean       access_log)
{
  lk_server_log_configure (level, format, access_log);
  g_log_set_writer_func (writer, NULL, NULL);
}

char *
lk_server_log_format_access (const LkAccessRecord *record,
                             LkLogFormat           format,
                             GDateTime            *when)
{
  GString *line = g_string_new (NULL);
  char latency[32];

  g_snprintf (latency, sizeof latency, "%.3f", record->seconds * 1000.0);

  if (format == LK_LOG_FORMAT_JSON)
    {
      g_string_append (line, "{\"time\":\"");
      append_time (line, when);
      g_string_append (line, "\",\"level\":\"info\",\"event\":\"request\",\"client\":");
      append_quoted (line, record->client != NULL ? record->client : "");
      g_string_append (line, ",\"method\":");
      append_quoted (line, record->method != NULL ? record->method : "");
      g_string_append (line, ",\"path\":");
      append_quoted (line, record->path != NULL ? record->path : "");
      g_string_append_printf (line, ",\"status\":%u,\"type\":", record->status);
      if (record->type != NULL)
        append_quoted (line, record->type);
      else
        g_string_append (line, "null");
      if (record->code >= 0)
        g_string_append_printf (line, ",\"code\":%d", record->code);
      else
        g_string_append (line, ",\"code\":null");
      g_string_append (line, ",\"account\":");
      if (record->account != NULL)
        append_quoted (line, record->account);
      else
        g_string_append (line, "null");
      g_string_append_printf (line, ",\"latency_ms\":%s,\"bytes_in\":%" G_GSIZE_FORMAT
                              ",\"bytes_out\":%" G_GSIZE_FORMAT "}",
                              latency, record->request_bytes, record->response_bytes);
    }
  else
    {
      g_string_append (line, "time=");
      append_time (line, when);
      g_string_append (line, " level=info event=request client=");
      append_quoted (line, record->client != NULL ? record->client : "-");
      g_string_append_printf (line, " method=%s path=", record->method != NULL ? record->method : "-");
      append_quoted (line, record->path != NULL ? record->path : "-");
      g_string_append_printf (line, " status=%u type=", record->status);
      append_quoted (line, record->type != NULL ? record->type : "-");
      if (record->code >= 0)
        g_string_append_printf (line, " code=%d", record->code);
      else
        g_string_append (line, " code=-");
      g_string_append (line, " account=");
      append_quoted (line, record->account != NULL ? record->account : "-");
      g_string_append_printf (line, " latency_ms=%s bytes_in=%" G_GSIZE_FORMAT " bytes_out=%" G_GSIZE_FORMAT,
                              latency, record->request_bytes, record->response_bytes);
    }

  return g_string_free (line, FALSE);
}

void
lk_server_log_access (const LkAccessRecord *record)
{
  g_autoptr(GDateTime) now = NULL;
  g_autoptr(GString) line = NULL;
  g_autofree char *text = NULL;

  if (!log_access || !level_enabled (G_LOG_LEVEL_INFO))
    return;

  now = g_date_time_new_now_utc ();
  text = lk_server_log_format_access (record, log_format, now);
  line = g_string_new (text);
  write_line (line);
}
