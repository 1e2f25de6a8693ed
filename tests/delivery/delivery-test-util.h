/* SPDX-License-Identifier: GPL-3.0-or-later
 * Shared by the delivery tests: a real SMTP server (tests/delivery/smtp-sink.py,
 * aiosmtpd) and a real HTTP gateway (a libsoup server on its own thread). */
#pragma once

#include <string.h>
#include <glib/gstdio.h>
#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

static inline void
sink_remove_tree (const char *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const char *name;

  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *p = g_build_filename (dir, name, NULL);
      g_unlink (p);
    }
  g_dir_close (d);
  g_rmdir (dir);
}

/* ---- the SMTP server (tests/delivery/smtp-sink.py) ---- */

typedef struct
{
  GSubprocess *process;
  char        *dir;
  guint        port;
} SmtpSink;

static inline void
sink_start (SmtpSink   *sink,
            const char *rejected)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *script = g_test_build_filename (G_TEST_DIST, "delivery", "smtp-sink.py", NULL);
  const char *python = g_getenv ("LK_PYTHON") ? g_getenv ("LK_PYTHON") : "/usr/bin/python3";
  GInputStream *out;
  g_autoptr(GDataInputStream) data = NULL;
  g_autofree char *line = NULL;

  sink->dir = g_dir_make_tmp ("lk-smtp-XXXXXX", &error);
  g_assert_no_error (error);
  sink->process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                                    python, script, sink->dir, rejected, NULL);
  g_assert_no_error (error);
  out = g_subprocess_get_stdout_pipe (sink->process);
  data = g_data_input_stream_new (out);
  line = g_data_input_stream_read_line (data, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  sink->port = (guint) g_ascii_strtoull (line, NULL, 10);
  g_assert_cmpuint (sink->port, >, 0);
}

static inline void
sink_stop (SmtpSink *sink)
{
  g_autoptr(GError) error = NULL;

  if (sink->process == NULL)
    return;
  g_output_stream_close (g_subprocess_get_stdin_pipe (sink->process), NULL, NULL);
  g_subprocess_wait_check (sink->process, NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&sink->process);
  sink_remove_tree (sink->dir);
  g_clear_pointer (&sink->dir, g_free);
}

static inline guint
sink_count (SmtpSink *sink)
{
  g_autoptr(GDir) dir = g_dir_open (sink->dir, 0, NULL);
  const char *name;
  guint n = 0;

  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".json"))
      n++;
  return n;
}

static inline JsonObject *
sink_load (SmtpSink *sink,
           guint     index)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_strdup_printf ("%04u.json", index);
  g_autofree char *path = g_build_filename (sink->dir, name, NULL);

  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

/* ---- the HTTP gateway ---- */

typedef struct
{
  char *method;
  char *path;
  char *content_type;
  char *authorization;
  char *api_key;
  char *body;
} Request;

static inline void
request_free (Request *r)
{
  g_free (r->method);
  g_free (r->path);
  g_free (r->content_type);
  g_free (r->authorization);
  g_free (r->api_key);
  g_free (r->body);
  g_free (r);
}

typedef struct
{
  GThread      *thread;
  GMainContext *context;
  GMainLoop    *loop;
  GMutex        lock;
  GCond         cond;
  guint         port;
  GPtrArray    *requests;
  guint         status;     /* what to answer */
  char         *reply;
} Gateway;

static inline void
gateway_handler (SoupServer        *server,
                 SoupServerMessage *msg,
                 const char        *path,
                 GHashTable        *query,
                 gpointer           user_data)
{
  Gateway *gw = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  g_autoptr(GBytes) body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  Request *r = g_new0 (Request, 1);

  r->method = g_strdup (soup_server_message_get_method (msg));
  r->path = g_strdup (path);
  r->content_type = g_strdup (soup_message_headers_get_one (headers, "Content-Type"));
  r->authorization = g_strdup (soup_message_headers_get_one (headers, "Authorization"));
  r->api_key = g_strdup (soup_message_headers_get_one (headers, "X-Api-Key"));
  r->body = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  g_mutex_lock (&gw->lock);
  g_ptr_array_add (gw->requests, r);
  soup_server_message_set_status (msg, gw->status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, gw->reply, strlen (gw->reply));
  g_mutex_unlock (&gw->lock);
}

static inline gpointer
gateway_main (gpointer data)
{
  Gateway *gw = data;
  g_autoptr(GError) error = NULL;
  SoupServer *server;
  GSList *uris;

  g_main_context_push_thread_default (gw->context);
  server = soup_server_new (NULL, NULL);
  soup_server_add_handler (server, NULL, gateway_handler, gw, NULL);
  soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  g_mutex_lock (&gw->lock);
  gw->port = (guint) g_uri_get_port (uris->data);
  g_cond_broadcast (&gw->cond);
  g_mutex_unlock (&gw->lock);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  g_main_loop_run (gw->loop);
  soup_server_disconnect (server);
  g_object_unref (server);
  g_main_context_pop_thread_default (gw->context);
  return NULL;
}

static inline void
gateway_start (Gateway *gw)
{
  g_mutex_init (&gw->lock);
  g_cond_init (&gw->cond);
  gw->requests = g_ptr_array_new_with_free_func ((GDestroyNotify) request_free);
  gw->status = 200;
  gw->reply = g_strdup ("{\"status\": \"queued\"}");
  gw->context = g_main_context_new ();
  gw->loop = g_main_loop_new (gw->context, FALSE);
  gw->thread = g_thread_new ("gateway", gateway_main, gw);
  g_mutex_lock (&gw->lock);
  while (gw->port == 0)
    g_cond_wait (&gw->cond, &gw->lock);
  g_mutex_unlock (&gw->lock);
}

static inline void
gateway_set (Gateway    *gw,
             guint       status,
             const char *reply)
{
  g_mutex_lock (&gw->lock);
  gw->status = status;
  g_free (gw->reply);
  gw->reply = g_strdup (reply);
  g_mutex_unlock (&gw->lock);
}

static inline guint
gateway_count (Gateway *gw)
{
  guint n;

  g_mutex_lock (&gw->lock);
  n = gw->requests->len;
  g_mutex_unlock (&gw->lock);
  return n;
}

static inline gboolean
quit_loop (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

static inline void
gateway_stop (Gateway *gw)
{
  if (gw->thread == NULL)
    return;
  /* Through the thread's own context: a quit before its loop starts
   * running would be lost. */
  g_main_context_invoke (gw->context, quit_loop, gw->loop);
  g_thread_join (g_steal_pointer (&gw->thread));
  g_main_loop_unref (gw->loop);
  g_main_context_unref (gw->context);
  g_ptr_array_unref (gw->requests);
  g_free (gw->reply);
  g_mutex_clear (&gw->lock);
  g_cond_clear (&gw->cond);
}

