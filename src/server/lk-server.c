/* SPDX-License-Identifier: GPL-3.0-or-later
 * LkServer: latchkeyd's HTTP front — listeners, endpoints, limits, the worker pool and a draining shutdown.
 *
 * Everything here runs on the main context except job_run(), which runs on
 * a worker thread with that thread's own engine (one SQLite connection per
 * thread). A request is paused while its job is queued or running and is
 * unpaused from the main context when the answer is ready. */
#include "config.h"

#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <glib/gi18n.h>
#include <libsoup/soup.h>

#include "lk-api.h"
#include "lk-delivery-router.h"
#include "lk-engine.h"
#include "lk-group-commit.h"
#include "lk-outbox-worker.h"
#include "lk-rate-limiter.h"
#include "lk-server.h"
#include "lk-server-error.h"
#include "lk-server-log.h"
#include "lk-server-metrics.h"
#include "lk-worker-pool.h"

/* libsoup 3.2 has no name for 429 (RFC 6585). */
#define HTTP_TOO_MANY_REQUESTS 429

#define API_PATH        "/api/v1"
#define VENDOR_PATH     "/AuthServer/REST/U2F/U2FServer.aspx"
#define HEALTH_PATH     "/healthz"
#define METRICS_PATH    "/metrics"

/* Bodies over the limit are read and thrown away so the client still gets
 * its 413; past this many discarded bytes the connection is cut instead. */
#define DISCARD_CAP     (32 * 1024 * 1024)
/* Rate-limit buckets kept per scope before idle ones are swept. */
#define MAX_BUCKETS     65536
/* Connections the kernel queues before latchkeyd accepts them (capped by
 * net.core.somaxconn). */
#define LISTEN_BACKLOG  1024
/* With group commit a worker spends most of a validation waiting for the
 * shared fsync, and a group can only be as large as the number of workers
 * waiting: with one per CPU it would hold two validations. So the pool
 * gets at least this many (each an idle thread and a SQLite connection). */
#define GROUP_COMMIT_WORKERS 64
/* Seconds a connection may sit without sending anything. */
#define IDLE_TIMEOUT_S  60

typedef enum
{
  JOB_API,
  JOB_HEALTH,
} JobKind;

typedef struct
{
  gint               ref_count;
  JobKind            kind;
  LkServer          *server;
  SoupServerMessage *msg;
  gulong             finished_id;
  gboolean           finished;     /* the message is gone: never touch it again */
  GBytes            *body;
  char              *client;
  char              *rate_key;     /* the client's address bucket */
  gint64             start_us;

  /* Filled by the worker. */
  GBytes            *response;
  guint              http_status;
  LkApiCallInfo      info;
  gboolean           account_limited;
  guint              retry_after;
} Job;

struct _LkServer
{
  GObject          parent_instance;

  LkServerConfig  *config;
  GMainContext    *main_context;
  SoupServer      *soup;
  GTlsCertificate *certificate;
  LkKeyProvider   *key_provider;
  LkWorkerPool    *pool;
  LkServerMetrics *metrics;
  LkRateLimiter   *address_limiter;
  LkRateLimiter   *account_limiter;
  LkRateLimiter   *login_failure_limiter;
  LkOutboxWorker  *outbox;          /* NULL when no delivery channel is configured */
  LkGroupCommit   *group_commit;    /* [database] group-commit: the workers' validations go through it */

  /* Answers ready on worker threads; one main-context callback drains
   * them, so a busy server wakes its main loop once per batch, not per
   * request. */
  GAsyncQueue     *done_queue;
  gint             done_scheduled;

  gboolean         started;
  gboolean         draining;
  gboolean         stopped;
  guint            drain_timeout_id;
  guint            stop_idle_id;
};

enum
{
  SIGNAL_STOPPED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (LkServer, lk_server, G_TYPE_OBJECT)

static void maybe_finish_drain (LkServer *self);

/* ---- jobs --------------------------------------------------------------- */

static void
job_unref (Job *job)
{
  if (!g_atomic_int_dec_and_test (&job->ref_count))
    return;
  g_clear_pointer (&job->body, g_bytes_unref);
  g_clear_pointer (&job->response, g_bytes_unref);
  lk_api_call_info_clear (&job->info);
  g_clear_object (&job->msg);
  g_clear_object (&job->server);
  g_free (job->client);
  g_free (job->rate_key);
  g_free (job);
}

/* ---- small helpers -------------------------------------------------------- */

/* Error answers made here carry only fixed (translated) messages, never
 * client input; they are still escaped as JSON strings. */
static GBytes *
error_body (int         code,
            const char *message)
{
  g_autoptr(GString) json = g_string_new (NULL);

  g_string_append_printf (json, "{\"errorCode\":%d,\"errorMessage\":\"", code);
  for (const char *p = message; *p != '\0'; p++)
    {
      if ((guchar) *p < 0x20)
        {
          g_string_append_printf (json, "\\u%04x", (guchar) *p);
          continue;
        }
      if (*p == '"' || *p == '\\')
        g_string_append_c (json, '\\');
      g_string_append_c (json, *p);
    }
  g_string_append (json, "\",\"type\":\"\"}");
  return g_string_free_to_bytes (g_steal_pointer (&json));
}

static void
set_response (SoupServerMessage *msg,
              guint              status,
              const char        *content_type,
              GBytes            *body)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  SoupMessageBody *response = soup_server_message_get_response_body (msg);

  /* libsoup 3.2 has no reason phrase for 429. */
  soup_server_message_set_status (msg, status, status == HTTP_TOO_MANY_REQUESTS ? "Too Many Requests" : NULL);
  soup_message_headers_set_content_type (headers, content_type, NULL);
  soup_message_headers_replace (headers, "Cache-Control", "no-store");
  soup_message_headers_replace (headers, "X-Content-Type-Options", "nosniff");
  soup_message_body_truncate (response);
  soup_message_body_append_bytes (response, body);
}

static char *
client_string (SoupServerMessage *msg)
{
  const char *host = soup_server_message_get_remote_host (msg);

  return g_strdup (host != NULL ? host : "-");
}

/* IPv6 clients usually own a whole /64, so that is what a bucket covers. */
static char *
client_rate_key (SoupServerMessage *msg)
{
  GSocketAddress *address = soup_server_message_get_remote_address (msg);
  GInetAddress *inet;

  if (!G_IS_INET_SOCKET_ADDRESS (address))
    return client_string (msg);

  inet = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address));
  if (g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6 &&
      !g_inet_address_get_is_loopback (inet))
    {
      guint8 bytes[16];
      g_autoptr(GInetAddress) prefix = NULL;
      g_autofree char *text = NULL;

      memcpy (bytes, g_inet_address_to_bytes (inet), sizeof bytes);
      memset (bytes + 8, 0, 8);
      prefix = g_inet_address_new_from_bytes (bytes, G_SOCKET_FAMILY_IPV6);
      text = g_inet_address_to_string (prefix);
      return g_strdup_printf ("%s/64", text);
    }
  return g_inet_address_to_string (inet);
}

static void
log_request (LkServer          *self,
             SoupServerMessage *msg,
             const char        *client,
             guint              status,
             const char        *type,
             int                code,
             const char        *account,
             gint64             start_us,
             gsize              request_bytes,
             gsize              response_bytes)
{
  LkAccessRecord record = {
    .client = client,
    .method = soup_server_message_get_method (msg),
    .path = g_uri_get_path (soup_server_message_get_uri (msg)),
    .status = status,
    .type = type,
    .code = code,
    .account = account,
    .seconds = (g_get_monotonic_time () - start_us) / (double) G_USEC_PER_SEC,
    .request_bytes = request_bytes,
    .response_bytes = response_bytes,
  };

  lk_server_log_access (&record);
}

/* A refusal made on the main context, before any worker is involved. */
static void
refuse (LkServer          *self,
        SoupServerMessage *msg,
        guint              status,
        int                code,
        const char        *message,
        const char        *reason,
        gint64             start_us)
{
  g_autoptr(GBytes) body = error_body (code, message);
  g_autofree char *client = client_string (msg);
  SoupMessageBody *request = soup_server_message_get_request_body (msg);

  set_response (msg, status, "application/json", body);
  if (self->draining || status == SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE)
    soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection", "close");

  if (reason != NULL)
    lk_server_metrics_record_rejection (self->metrics, reason);
  lk_server_metrics_record_request (self->metrics, NULL, code,
                                    (g_get_monotonic_time () - start_us) / (double) G_USEC_PER_SEC);
  lk_server_metrics_record_http (self->metrics, status);
  log_request (self, msg, client, status, NULL, code, NULL, start_us,
               request != NULL ? request->length : 0, g_bytes_get_size (body));
}

/* ---- worker side ------------------------------------------------------------ */

typedef struct
{
  LkEngine *engine;
} WorkerState;

static gpointer
worker_open (guint     index,
             gpointer  user_data,
             GError  **error)
{
  LkServer *self = user_data;
  WorkerState *state;
  LkEngine *engine;
  LkEngineConfig engine_config;

  lk_engine_config_init (&engine_config);
  engine_config.synchronous_full = self->config->durable;
  engine_config.max_failures = self->config->max_failures;
  engine_config.busy_timeout_ms = self->config->busy_timeout_ms;
  engine_config.send_limit = self->config->send_limit;
  engine_config.send_window = self->config->send_window;

  engine = lk_engine_open (self->config->db_path, self->key_provider, &engine_config, error);
  if (engine == NULL)
    return NULL;

  if (self->group_commit != NULL)
    lk_group_commit_attach (self->group_commit, engine);
  state = g_new0 (WorkerState, 1);
  state->engine = engine;
  return state;
}

static void
worker_close (gpointer data)
{
  WorkerState *state = data;

  lk_engine_close (state->engine);
  g_free (state);
}

static gboolean drain_done (gpointer data);

static void
queue_done (LkServer *self,
            Job      *job)
{
  g_async_queue_push (self->done_queue, job);
  /* Whoever flips the flag schedules the drain; drain_done clears it before
   * it pops, so a job pushed during a drain is either popped by it or
   * schedules the next one. */
  if (g_atomic_int_compare_and_exchange (&self->done_scheduled, 0, 1))
    g_main_context_invoke (self->main_context, drain_done, self);
}

/* The api layer calls this once the body is decoded and before the partner
 * login, so a flood against one account is refused before any slow hash. */
static int
admit_account (const char  *account,
               const char  *type,
               const char **message,
               gpointer     user_data)
{
  Job *job = user_data;

  if (lk_rate_limiter_check (job->server->account_limiter, account, g_get_monotonic_time (),
                             &job->retry_after))
    return 0;
  job->account_limited = TRUE;
  *message = _("Too many requests for this account");
  return LK_SERVER_CODE_TOO_MANY_REQUESTS;
}

static void
job_run (gpointer state_data,
         gpointer job_data,
         gpointer user_data)
{
  WorkerState *state = state_data;
  Job *job = job_data;

  if (job->kind == JOB_HEALTH)
    {
      g_autoptr(GError) error = NULL;
      g_auto(GStrv) accounts = NULL;

      /* A real query on this worker's connection: the database is there,
       * readable, and its schema loads. */
      accounts = lk_engine_list_accounts (state->engine, &error);
      if (accounts != NULL)
        {
          job->http_status = SOUP_STATUS_OK;
          job->response = g_bytes_new_static ("{\"status\":\"ok\"}\n", 16);
        }
      else
        {
          g_warning ("Health check failed: %s", error->message);
          job->http_status = SOUP_STATUS_SERVICE_UNAVAILABLE;
          job->response = g_bytes_new_static ("{\"status\":\"unavailable\"}\n", 25);
        }
    }
  else
    {
      LkApiHandleOptions options = {
        .admit = admit_account,
        .admit_data = job,
        .allow_create_account = FALSE,
      };

      lk_engine_set_actor (state->engine, job->client);
      job->response = lk_api_handle_body_full (state->engine, job->body, &options, &job->info);
      job->http_status = job->account_limited ? HTTP_TOO_MANY_REQUESTS : SOUP_STATUS_OK;
      /* These may have written to the outbox: send now rather than at the next poll. */
      if (job->server->outbox != NULL && job->info.error_code == 0 &&
          (g_strcmp0 (job->info.type, "send_oath_otp") == 0 || g_strcmp0 (job->info.type, "add_oath_device") == 0 ||
           g_strcmp0 (job->info.type, "add_oath_user") == 0))
        lk_outbox_worker_wake (job->server->outbox);
    }

  queue_done (job->server, job);
}

/* ---- main-context side ------------------------------------------------------- */

static void
on_message_finished (SoupServerMessage *msg,
                     gpointer           user_data)
{
  Job *job = user_data;
  LkServer *self = job->server;

  g_signal_handler_disconnect (msg, job->finished_id);
  job->finished_id = 0;
  job->finished = TRUE;
  if (job->kind == JOB_API)
    lk_server_metrics_in_flight_add (self->metrics, -1);
  maybe_finish_drain (self);
  job_unref (job);
}

static void
on_wrote_body (SoupServerMessage *msg,
               gpointer           user_data)
{
  GSocket *socket = soup_server_message_get_socket (msg);

  if (socket != NULL)
    g_socket_set_option (socket, IPPROTO_TCP, TCP_CORK, FALSE, NULL);
}

/* libsoup writes the headers and the body with two send()s on a
 * TCP_NODELAY socket: two segments, each a full trip through the TCP stack
 * on both ends. Corked, the answer leaves as one segment when the body is
 * written (about 5 % of the server's CPU per validation, and fewer wake-ups
 * for the client). */
static void
cork_until_written (SoupServerMessage *msg)
{
  GSocket *socket = soup_server_message_get_socket (msg);

  if (socket != NULL && g_socket_set_option (socket, IPPROTO_TCP, TCP_CORK, TRUE, NULL))
    g_signal_connect (msg, "wrote-body", G_CALLBACK (on_wrote_body), NULL);
}

static void
job_done (Job *job)
{
  LkServer *self = job->server;

  if (!job->finished)
    {
      set_response (job->msg, job->http_status, "application/json", job->response);
      if (job->account_limited)
        {
          g_autofree char *retry = g_strdup_printf ("%u", MAX (job->retry_after, 1));

          soup_message_headers_replace (soup_server_message_get_response_headers (job->msg),
                                        "Retry-After", retry);
        }
      if (self->draining)
        soup_message_headers_replace (soup_server_message_get_response_headers (job->msg),
                                      "Connection", "close");
      cork_until_written (job->msg);
      soup_server_message_unpause (job->msg);
    }

  lk_server_metrics_record_http (self->metrics, job->http_status);
  if (job->kind == JOB_API)
    {
      lk_server_metrics_record_request (self->metrics, job->info.type, job->info.error_code,
                                        (g_get_monotonic_time () - job->start_us) / (double) G_USEC_PER_SEC);
      if (job->account_limited)
        lk_server_metrics_record_rate_limit (self->metrics, LK_RATE_SCOPE_ACCOUNT);
      /* Each wrong partner key costs a slow hash: the address pays a token. */
      if (job->info.error_code == LK_ENGINE_ERROR_PARTNER_LOGIN_FAILED)
        lk_rate_limiter_check (self->login_failure_limiter, job->rate_key, g_get_monotonic_time (), NULL);
      log_request (self, job->msg, job->client, job->http_status, job->info.type, job->info.error_code,
                   job->info.account, job->start_us, g_bytes_get_size (job->body),
                   g_bytes_get_size (job->response));
    }

  job_unref (job);
}

static gboolean
drain_done (gpointer data)
{
  LkServer *self = data;
  Job *job;

  g_atomic_int_set (&self->done_scheduled, 0);
  while ((job = g_async_queue_try_pop (self->done_queue)) != NULL)
    job_done (job);
  return G_SOURCE_REMOVE;
}

static void
dispatch (LkServer          *self,
          SoupServerMessage *msg,
          JobKind            kind,
          GBytes            *body,
          char              *rate_key,
          gint64             start_us)
{
  Job *job = g_new0 (Job, 1);

  job->ref_count = 2;   /* one for the worker and job_done, one for ::finished */
  job->kind = kind;
  job->server = g_object_ref (self);
  job->msg = g_object_ref (msg);
  job->body = body != NULL ? g_bytes_ref (body) : NULL;
  job->client = client_string (msg);
  job->rate_key = rate_key;
  job->start_us = start_us;
  job->finished_id = g_signal_connect (msg, "finished", G_CALLBACK (on_message_finished), job);

  if (kind == JOB_API)
    lk_server_metrics_in_flight_add (self->metrics, 1);
  soup_server_message_pause (msg);
  lk_worker_pool_push (self->pool, job);
}

/* Bodies are never buffered past the limit: a Content-Length over it is
 * refused as soon as the headers are in, a chunked body as soon as its
 * chunks add up to more. What still arrives is discarded. */
static void
refuse_too_large (LkServer          *self,
                  SoupServerMessage *msg)
{
  SoupMessageBody *request = soup_server_message_get_request_body (msg);

  soup_message_body_set_accumulate (request, FALSE);
  soup_message_body_truncate (request);
  refuse (self, msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, LK_SERVER_CODE_BODY_TOO_LARGE,
          _("Request body too large"), "body_too_large", g_get_monotonic_time ());
}

static void
on_got_chunk (SoupServerMessage *msg,
              GBytes            *chunk,
              gpointer           user_data)
{
  LkServer *self = user_data;
  SoupMessageBody *request = soup_server_message_get_request_body (msg);
  gsize discarded;

  if (soup_server_message_get_status (msg) == 0)
    {
      if (request->length > self->config->max_body)
        refuse_too_large (self, msg);
      return;
    }

  discarded = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (msg), "lk-discarded"));
  discarded += g_bytes_get_size (chunk);
  g_object_set_data (G_OBJECT (msg), "lk-discarded", GSIZE_TO_POINTER (discarded));
  if (discarded > DISCARD_CAP)
    {
      GSocket *socket = soup_server_message_get_socket (msg);

      g_debug ("Cutting a connection that keeps sending an oversized body");
      if (socket != NULL)
        g_socket_shutdown (socket, TRUE, TRUE, NULL);
    }
}

static void
api_early_handler (SoupServer        *soup,
                   SoupServerMessage *msg,
                   const char        *path,
                   GHashTable        *query,
                   gpointer           user_data)
{
  LkServer *self = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);

  if (soup_server_message_get_method (msg) != SOUP_METHOD_POST)
    return;

  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH)
    {
      /* A declared length within the limit is all libsoup will read: no
       * need to watch the chunks (the common, fast case). */
      if (soup_message_headers_get_content_length (headers) > (goffset) self->config->max_body)
        {
          refuse_too_large (self, msg);
          g_signal_connect_object (msg, "got-chunk", G_CALLBACK (on_got_chunk), self, 0);
        }
      return;
    }

  g_signal_connect_object (msg, "got-chunk", G_CALLBACK (on_got_chunk), self, 0);
}

static void
api_handler (SoupServer        *soup,
             SoupServerMessage *msg,
             const char        *path,
             GHashTable        *query,
             gpointer           user_data)
{
  LkServer *self = user_data;
  gint64 start_us = g_get_monotonic_time ();
  g_autofree char *rate_key = NULL;
  g_autoptr(GBytes) body = NULL;
  guint retry_after = 0;

  if (soup_server_message_get_method (msg) != SOUP_METHOD_POST)
    {
      refuse (self, msg, SOUP_STATUS_METHOD_NOT_ALLOWED, LK_SERVER_CODE_METHOD,
              _("Use POST with a JSON body"), "method", start_us);
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", "POST");
      return;
    }

  if (self->draining)
    {
      refuse (self, msg, SOUP_STATUS_SERVICE_UNAVAILABLE, LK_SERVER_CODE_UNAVAILABLE,
              _("Server is shutting down"), "draining", start_us);
      return;
    }

  rate_key = client_rate_key (msg);
  if (!lk_rate_limiter_check (self->address_limiter, rate_key, start_us, &retry_after))
    {
      g_autofree char *retry = g_strdup_printf ("%u", retry_after);

      lk_server_metrics_record_rate_limit (self->metrics, LK_RATE_SCOPE_ADDRESS);
      refuse (self, msg, HTTP_TOO_MANY_REQUESTS, LK_SERVER_CODE_TOO_MANY_REQUESTS,
              _("Too many requests from this client address"), NULL, start_us);
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Retry-After", retry);
      return;
    }

  /* Checked before the work, charged after it: only failures cost. */
  if (!lk_rate_limiter_peek (self->login_failure_limiter, rate_key, start_us, &retry_after))
    {
      g_autofree char *retry = g_strdup_printf ("%u", retry_after);

      lk_server_metrics_record_rate_limit (self->metrics, LK_RATE_SCOPE_LOGIN_FAILURE);
      refuse (self, msg, HTTP_TOO_MANY_REQUESTS, LK_SERVER_CODE_TOO_MANY_REQUESTS,
              _("Too many failed partner logins from this client address"), NULL, start_us);
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Retry-After", retry);
      return;
    }

  if (lk_worker_pool_queued (self->pool) >= self->config->max_queue)
    {
      refuse (self, msg, SOUP_STATUS_SERVICE_UNAVAILABLE, LK_SERVER_CODE_UNAVAILABLE,
              _("Server busy, retry shortly"), "overloaded", start_us);
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Retry-After", "1");
      return;
    }

  body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  if (g_bytes_get_size (body) > self->config->max_body)
    {
      refuse_too_large (self, msg);
      return;
    }

  dispatch (self, msg, JOB_API, body, g_steal_pointer (&rate_key), start_us);
}

static void
health_handler (SoupServer        *soup,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  LkServer *self = user_data;
  const char *method = soup_server_message_get_method (msg);

  if (method != SOUP_METHOD_GET && method != SOUP_METHOD_HEAD)
    {
      refuse (self, msg, SOUP_STATUS_METHOD_NOT_ALLOWED, LK_SERVER_CODE_METHOD,
              _("Use GET"), "method", g_get_monotonic_time ());
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", "GET, HEAD");
      return;
    }
  if (self->draining)
    {
      g_autoptr(GBytes) body = g_bytes_new_static ("{\"status\":\"draining\"}\n", 22);

      set_response (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "application/json", body);
      lk_server_metrics_record_http (self->metrics, SOUP_STATUS_SERVICE_UNAVAILABLE);
      return;
    }

  /* Reaching the database is blocking work: it goes to a worker too. */
  dispatch (self, msg, JOB_HEALTH, NULL, NULL, g_get_monotonic_time ());
}

static void
metrics_handler (SoupServer        *soup,
                 SoupServerMessage *msg,
                 const char        *path,
                 GHashTable        *query,
                 gpointer           user_data)
{
  LkServer *self = user_data;
  const char *method = soup_server_message_get_method (msg);
  g_autoptr(GString) text = NULL;
  g_autoptr(GBytes) body = NULL;

  if (method != SOUP_METHOD_GET && method != SOUP_METHOD_HEAD)
    {
      refuse (self, msg, SOUP_STATUS_METHOD_NOT_ALLOWED, LK_SERVER_CODE_METHOD,
              _("Use GET"), "method", g_get_monotonic_time ());
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", "GET, HEAD");
      return;
    }

  /* Counted before rendering, so a scrape sees itself like any other response. */
  lk_server_metrics_record_http (self->metrics, SOUP_STATUS_OK);
  text = g_string_new (NULL);
  lk_server_metrics_render (self->metrics, lk_worker_pool_queued (self->pool),
                            lk_worker_pool_size (self->pool), text);
  body = g_string_free_to_bytes (g_steal_pointer (&text));
  set_response (msg, SOUP_STATUS_OK, "text/plain; version=0.0.4; charset=utf-8", body);
}

static void
default_handler (SoupServer        *soup,
                 SoupServerMessage *msg,
                 const char        *path,
                 GHashTable        *query,
                 gpointer           user_data)
{
  LkServer *self = user_data;

  refuse (self, msg, SOUP_STATUS_NOT_FOUND, LK_SERVER_CODE_NOT_FOUND,
          _("No such endpoint: use POST /api/v1"), "not_found", g_get_monotonic_time ());
}

static void
on_request_started (SoupServer        *soup,
                    SoupServerMessage *msg,
                    gpointer           user_data)
{
  GSocket *socket = soup_server_message_get_socket (msg);

  /* A connection that sends nothing for this long is dropped, so idle or
   * stalled clients cannot hold sockets forever. */
  if (socket != NULL && g_socket_get_timeout (socket) == 0)
    g_socket_set_timeout (socket, IDLE_TIMEOUT_S);
}

/* ---- shutdown ------------------------------------------------------------- */

static gboolean
stop_now (gpointer data)
{
  LkServer *self = data;

  self->stop_idle_id = 0;
  g_clear_handle_id (&self->drain_timeout_id, g_source_remove);
  if (self->stopped)
    return G_SOURCE_REMOVE;

  soup_server_disconnect (self->soup);
  self->stopped = TRUE;
  g_message ("Stopped");
  g_signal_emit (self, signals[SIGNAL_STOPPED], 0);
  return G_SOURCE_REMOVE;
}

static void
maybe_finish_drain (LkServer *self)
{
  if (!self->draining || self->stopped || self->stop_idle_id != 0)
    return;
  if (lk_server_metrics_get_in_flight (self->metrics) == 0 && lk_worker_pool_queued (self->pool) == 0)
    self->stop_idle_id = g_idle_add (stop_now, self);
}

static gboolean
on_drain_timeout (gpointer data)
{
  LkServer *self = data;

  self->drain_timeout_id = 0;
  g_warning ("Drain timeout: %u request(s) still in flight, stopping anyway",
             lk_server_metrics_get_in_flight (self->metrics));
  stop_now (self);
  return G_SOURCE_REMOVE;
}

void
lk_server_shutdown (LkServer *self)
{
  GSList *listeners;

  g_return_if_fail (LK_IS_SERVER (self));

  if (self->stopped)
    return;
  if (self->draining)
    {
      g_message ("Second stop request: not waiting for in-flight requests");
      stop_now (self);
      return;
    }

  self->draining = TRUE;
  g_message ("Shutting down: draining %u in-flight request(s)",
             lk_server_metrics_get_in_flight (self->metrics));

  /* Closing the listening sockets refuses new connections while requests
   * already read keep going; libsoup drops the listener on the next accept. */
  listeners = soup_server_get_listeners (self->soup);
  for (GSList *l = listeners; l != NULL; l = l->next)
    g_socket_close (l->data, NULL);
  g_slist_free (listeners);

  if (self->config->drain_timeout > 0)
    self->drain_timeout_id = g_timeout_add_seconds (self->config->drain_timeout, on_drain_timeout, self);
  else
    self->drain_timeout_id = g_idle_add (on_drain_timeout, self);
  maybe_finish_drain (self);
}

gboolean
lk_server_is_stopped (LkServer *self)
{
  g_return_val_if_fail (LK_IS_SERVER (self), TRUE);
  return self->stopped;
}

void
lk_server_close (LkServer *self)
{
  g_return_if_fail (LK_IS_SERVER (self));

  /* The outbox worker first: a send it interrupts stays pending. */
  g_clear_pointer (&self->outbox, lk_outbox_worker_free);
  if (self->pool == NULL)
    return;
  /* Workers finish what they hold, then close their databases. */
  g_clear_pointer (&self->pool, lk_worker_pool_free);
  /* After the workers: their engines point at it. */
  g_clear_pointer (&self->group_commit, lk_group_commit_free);
  /* Answers the workers posted after the loop stopped: release their jobs. */
  while (g_main_context_iteration (self->main_context, FALSE))
    ;
  g_message ("Databases closed");
}

/* ---- set-up ------------------------------------------------------------------ */

/* The delivery worker, when latchkeyd.conf configures a channel: its own
 * thread and database connection, woken after sends (docs/delivery.md). */
static gboolean
start_outbox (LkServer  *self,
              GError   **error)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;
  g_autoptr(LkDeliveryConfig) delivery = NULL;
  g_autoptr(LkDeliveryRouter) router = NULL;
  LkEngineConfig engine_config;

  if (self->config->config_file == NULL)
    return TRUE;
  if (!g_key_file_load_from_file (file, self->config->config_file, G_KEY_FILE_NONE, &local_error) ||
      (delivery = lk_delivery_config_load (file, &local_error)) == NULL)
    {
      g_set_error (error, LK_SERVER_ERROR, LK_SERVER_ERROR_CONFIG, "%s: %s",
                   self->config->config_file, local_error->message);
      return FALSE;
    }
  if (delivery->smtp == NULL && delivery->sms == NULL && delivery->voice == NULL)
    return TRUE;
  /* Like every path in the file, ca-file is relative to the file. */
  {
    g_autofree char *base = g_path_get_dirname (self->config->config_file);
    char **ca_files[] = { delivery->smtp ? &delivery->smtp->ca_file : NULL,
                          delivery->sms ? &delivery->sms->ca_file : NULL,
                          delivery->voice ? &delivery->voice->ca_file : NULL };

    for (gsize i = 0; i < G_N_ELEMENTS (ca_files); i++)
      if (ca_files[i] != NULL && *ca_files[i] != NULL && !g_path_is_absolute (*ca_files[i]))
        {
          char *absolute = g_build_filename (base, *ca_files[i], NULL);
          g_free (*ca_files[i]);
          *ca_files[i] = absolute;
        }
  }
  lk_engine_config_init (&engine_config);
  engine_config.synchronous_full = self->config->durable;
  engine_config.busy_timeout_ms = self->config->busy_timeout_ms;
  router = lk_delivery_router_new_from_config (delivery);
  self->outbox = lk_outbox_worker_new (self->config->db_path, self->key_provider, &engine_config,
                                       LK_DELIVERY (router), (delivery->poll_interval ? delivery->poll_interval : 5) * 1000,
                                       delivery->batch);
  if (!lk_outbox_worker_start (self->outbox, &local_error))
    {
      g_clear_pointer (&self->outbox, lk_outbox_worker_free);
      g_set_error (error, LK_SERVER_ERROR, LK_SERVER_ERROR_DATABASE,
                   _("Cannot open the database %s: %s"), self->config->db_path, local_error->message);
      return FALSE;
    }
  g_message ("Delivery: email %s, SMS %s, voice %s",
             delivery->smtp ? "on" : "off", delivery->sms ? "on" : "off", delivery->voice ? "on" : "off");
  return TRUE;
}

static void
lk_server_dispose (GObject *object)
{
  LkServer *self = LK_SERVER (object);

  lk_server_close (self);
  g_clear_handle_id (&self->drain_timeout_id, g_source_remove);
  g_clear_handle_id (&self->stop_idle_id, g_source_remove);
  if (self->soup != NULL)
    soup_server_disconnect (self->soup);
  g_clear_object (&self->soup);
  g_clear_object (&self->certificate);
  g_clear_object (&self->key_provider);

  G_OBJECT_CLASS (lk_server_parent_class)->dispose (object);
}

static void
lk_server_finalize (GObject *object)
{
  LkServer *self = LK_SERVER (object);

  g_clear_pointer (&self->metrics, lk_server_metrics_free);
  /* Left when the pool never started (lk_server_close frees it otherwise). */
  if (self->pool == NULL)
    g_clear_pointer (&self->group_commit, lk_group_commit_free);
  g_clear_pointer (&self->address_limiter, lk_rate_limiter_free);
  g_clear_pointer (&self->account_limiter, lk_rate_limiter_free);
  g_clear_pointer (&self->login_failure_limiter, lk_rate_limiter_free);
  g_clear_pointer (&self->config, lk_server_config_free);
  g_clear_pointer (&self->main_context, g_main_context_unref);
  g_clear_pointer (&self->done_queue, g_async_queue_unref);

  G_OBJECT_CLASS (lk_server_parent_class)->finalize (object);
}

static void
lk_server_class_init (LkServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = lk_server_dispose;
  object_class->finalize = lk_server_finalize;

  /**
   * LkServer::stopped:
   *
   * Emitted once the drain is over and every connection is closed.
   */
  signals[SIGNAL_STOPPED] = g_signal_new ("stopped", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
lk_server_init (LkServer *self)
{
  self->main_context = g_main_context_ref_thread_default ();
  self->metrics = lk_server_metrics_new ();
  self->done_queue = g_async_queue_new ();
}

LkServer *
lk_server_new (LkServerConfig  *config,
               GError         **error)
{
  g_autoptr(LkServer) self = g_object_new (LK_TYPE_SERVER, NULL);
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (config != NULL, NULL);

  self->config = config;
  self->address_limiter = lk_rate_limiter_new (config->address_rate, config->address_burst, MAX_BUCKETS);
  self->account_limiter = lk_rate_limiter_new (config->account_rate, config->account_burst, MAX_BUCKETS);
  self->login_failure_limiter = lk_rate_limiter_new (config->login_failure_rate, config->login_failure_burst,
                                                     MAX_BUCKETS);

  if (config->tls_certificate != NULL)
    {
      if (config->tls_key != NULL)
        self->certificate = g_tls_certificate_new_from_files (config->tls_certificate, config->tls_key,
                                                              &local_error);
      else
        self->certificate = g_tls_certificate_new_from_file (config->tls_certificate, &local_error);
      if (self->certificate == NULL)
        {
          g_set_error (error, LK_SERVER_ERROR, LK_SERVER_ERROR_TLS,
                       _("Cannot load the TLS certificate %s: %s"),
                       config->tls_certificate, local_error->message);
          return NULL;
        }
    }

  self->soup = g_object_new (SOUP_TYPE_SERVER,
                             "server-header", "latchkeyd",
                             "tls-certificate", self->certificate,
                             NULL);
  soup_server_add_early_handler (self->soup, API_PATH, api_early_handler, self, NULL);
  soup_server_add_early_handler (self->soup, VENDOR_PATH, api_early_handler, self, NULL);
  soup_server_add_handler (self->soup, API_PATH, api_handler, self, NULL);
  soup_server_add_handler (self->soup, VENDOR_PATH, api_handler, self, NULL);
  soup_server_add_handler (self->soup, HEALTH_PATH, health_handler, self, NULL);
  soup_server_add_handler (self->soup, METRICS_PATH, metrics_handler, self, NULL);
  soup_server_add_handler (self->soup, NULL, default_handler, self, NULL);
  g_signal_connect (self->soup, "request-started", G_CALLBACK (on_request_started), self);

  self->key_provider = lk_file_key_provider_new (config->master_key_file);
  if (config->group_commit)
    {
      /* One writer thread commits the validations of all workers in
       * shared durable transactions (issue 12, docs/scale-out.md). */
      LkEngineConfig engine_config;

      lk_engine_config_init (&engine_config);
      engine_config.synchronous_full = TRUE;
      engine_config.max_failures = config->max_failures;
      engine_config.busy_timeout_ms = config->busy_timeout_ms;
      engine_config.send_limit = config->send_limit;
      engine_config.send_window = config->send_window;
      self->group_commit = lk_group_commit_new (config->db_path, self->key_provider, &engine_config, 0, &local_error);
      if (self->group_commit == NULL)
        {
          g_set_error (error, LK_SERVER_ERROR, LK_SERVER_ERROR_DATABASE,
                       _("Cannot open the database %s: %s"), config->db_path, local_error->message);
          return NULL;
        }
      g_message ("Validations use durable group commit");
    }
  self->pool = lk_worker_pool_new (self->group_commit != NULL ? MAX (config->workers, GROUP_COMMIT_WORKERS)
                                                              : config->workers,
                                   "lk-worker", worker_open, worker_close, job_run, self, &local_error);
  if (self->pool == NULL)
    {
      g_set_error (error, LK_SERVER_ERROR, LK_SERVER_ERROR_DATABASE,
                   _("Cannot open the database %s: %s"), config->db_path, local_error->message);
      return NULL;
    }
  if (!start_outbox (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

/* Our own listening socket rather than soup_server_listen()'s, for its
 * backlog: GIO's default of 10 drops connections when many clients connect
 * at once (a load balancer, a burst), and each dropped SYN costs the client
 * a one-second retransmission. */
static GSocket *
listen_socket (GInetSocketAddress  *address,
               GError             **error)
{
  GSocketFamily family = g_socket_address_get_family (G_SOCKET_ADDRESS (address));
  g_autoptr(GSocket) socket = NULL;

  socket = g_socket_new (family, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
  if (socket == NULL)
    return NULL;
  /* Like libsoup: an IPv6 address serves IPv6 only, so [::] and 0.0.0.0
   * can share a port. */
  if (family == G_SOCKET_FAMILY_IPV6 &&
      !g_socket_set_option (socket, IPPROTO_IPV6, IPV6_V6ONLY, TRUE, error))
    return NULL;
  g_socket_set_listen_backlog (socket, LISTEN_BACKLOG);
  if (!g_socket_bind (socket, G_SOCKET_ADDRESS (address), TRUE, error) ||
      !g_socket_listen (socket, error))
    return NULL;
  return g_steal_pointer (&socket);
}

gboolean
lk_server_start (LkServer  *self,
                 GError   **error)
{
  g_auto(GStrv) urls = NULL;

  g_return_val_if_fail (LK_IS_SERVER (self), FALSE);
  g_return_val_if_fail (!self->started, FALSE);

  for (guint i = 0; i < self->config->listen->len; i++)
    {
      LkListenAddress *listen = g_ptr_array_index (self->config->listen, i);
      g_autoptr(GError) local_error = NULL;

      g_autoptr(GSocket) socket = listen_socket (listen->address, &local_error);

      if (socket == NULL ||
          !soup_server_listen_socket (self->soup, socket, listen->tls ? SOUP_SERVER_LISTEN_HTTPS : 0,
                                      &local_error))
        {
          g_autoptr(GInetAddress) inet = g_object_ref (g_inet_socket_address_get_address (listen->address));
          g_autofree char *host = g_inet_address_to_string (inet);

          g_set_error (error, LK_SERVER_ERROR, LK_SERVER_ERROR_LISTEN,
                       _("Cannot listen on %s port %u: %s"), host,
                       g_inet_socket_address_get_port (listen->address), local_error->message);
          return FALSE;
        }
    }
  self->started = TRUE;

  urls = lk_server_dup_urls (self);
  for (gsize i = 0; urls[i] != NULL; i++)
    g_message ("Listening on %s", urls[i]);

  if (self->config->port_file != NULL)
    {
      g_autofree char *joined = g_strjoinv ("\n", urls);
      g_autofree char *contents = g_strconcat (joined, "\n", NULL);
      g_autoptr(GError) local_error = NULL;

      /* Written atomically, so a test polling for it never reads half. */
      if (!g_file_set_contents (self->config->port_file, contents, -1, &local_error))
        {
          g_set_error (error, LK_SERVER_ERROR, LK_SERVER_ERROR_CONFIG,
                       _("Cannot write the port file %s: %s"), self->config->port_file,
                       local_error->message);
          return FALSE;
        }
    }

  return TRUE;
}

GStrv
lk_server_dup_urls (LkServer *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  GSList *uris;

  g_return_val_if_fail (LK_IS_SERVER (self), NULL);

  uris = soup_server_get_uris (self->soup);
  for (GSList *l = uris; l != NULL; l = l->next)
    {
      g_autofree char *text = g_uri_to_string (l->data);

      g_strv_builder_add (builder, text);
    }
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return g_strv_builder_end (builder);
}
