/* SPDX-License-Identifier: GPL-3.0-or-later
 * LkServer: latchkeyd's HTTP front — listeners, endpoints, limits, the worker pool and a draining shutdown.
 *
 * The HTTP/1.1 front end is our own (issue 12): an epoll reactor
 * (lk-reactor.c) attached to the main context, one LkHttpConnection per
 * client (lk-http-connection.c) with OpenSSL for HTTPS (lk-http-tls.c).
 * Everything here runs on the main context except what the worker pool
 * and the group committer run: job_run() on a worker thread with that
 * thread's own engine, commit_run() on the committer inside a shared
 * durable transaction. Their results come back through one queue and one
 * eventfd wake-up per batch, so a validation under group commit goes
 * reactor -> committer -> reactor with no worker thread in between. */
/* accept4() */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <glib/gi18n.h>

#include "lk-api.h"
#include "lk-api-codec.h"
#include "lk-api-execute.h"
#include "lk-cluster-heartbeat.h"
#include "lk-delivery-router.h"
#include "lk-engine.h"
#include "lk-group-commit.h"
#include "lk-http-connection.h"
#include "lk-http-tls.h"
#include "lk-outbox-worker.h"
#include "lk-rate-limiter.h"
#include "lk-reactor.h"
#include "lk-server.h"
#include "lk-server-error.h"
#include "lk-server-log.h"
#include "lk-server-metrics.h"
#include "lk-store.h"
#include "lk-worker-pool.h"

#define HTTP_OK                    200
#define HTTP_NOT_FOUND             404
#define HTTP_METHOD_NOT_ALLOWED    405
#define HTTP_TOO_LARGE             413
#define HTTP_TOO_MANY_REQUESTS     429
#define HTTP_SERVICE_UNAVAILABLE   503

#define API_PATH        "/api/v1"
#define VENDOR_PATH     "/AuthServer/REST/U2F/U2FServer.aspx"
#define HEALTH_PATH     "/healthz"
#define METRICS_PATH    "/metrics"
#define HEARTBEAT_INTERVAL_S 5   /* servers on a shared database recount each other this often */

/* Rate-limit buckets kept per scope before idle ones are swept. */
#define MAX_BUCKETS     65536
/* Connections the kernel queues before latchkeyd accepts them (capped by
 * net.core.somaxconn). */
#define LISTEN_BACKLOG  1024
/* Seconds from a head to the end of its body. With [limits] header-timeout
 * (from a connection's first byte, or its accept, to a complete head) a
 * client dribbling bytes (slowloris) holds a socket this long at most. */
#define BODY_TIMEOUT_S    60
/* Seconds an answer may wait for a client that does not read it. */
#define WRITE_TIMEOUT_S   60
/* Bytes of a request head: the request line and every header field. */
#define MAX_HEAD          16384
/* File descriptors kept for the databases, logs and the rest. */
#define RESERVED_FDS      64
/* Connections accepted at once per readiness event, so one busy listener
 * does not starve the connections already open. */
#define ACCEPT_BATCH      64

typedef enum
{
  JOB_API,       /* any API call, on a worker */
  JOB_VALIDATE,  /* validate_oath_otp on the group committer */
  JOB_HEALTH,
} JobKind;

typedef struct
{
  JobKind            kind;
  LkServer          *server;
  LkHttpConnection  *conn;         /* NULL once the client has gone */
  char              *method;
  char              *path;
  GBytes            *body;
  char              *client;
  char              *rate_key;     /* the client's address bucket */
  gint64             start_us;
  LkApiRequest      *request;      /* JOB_VALIDATE: decoded on the reactor */

  /* Filled by the worker or the committer. */
  GBytes            *response;
  guint              http_status;
  LkApiCallInfo      info;
  gboolean           account_limited;
  guint              retry_after;
} Job;

/* What the server keeps per connection. */
typedef struct
{
  char  *client;
  char  *rate_key;
  Job   *job;       /* the request being worked on, if any */
} Peer;

typedef struct
{
  LkServer       *server;
  GSocket        *socket;
  LkReactorWatch  watch;
  gboolean        tls;
  gboolean        paused;
} Listener;

struct _LkServer
{
  GObject          parent_instance;

  LkServerConfig  *config;
  GMainContext    *main_context;
  LkReactor       *reactor;
  SSL_CTX         *tls;
  GPtrArray       *listeners;       /* of Listener* */
  GHashTable      *connections;     /* LkHttpConnection* set */
  guint            max_connections;
  LkHttpLimits     limits;
  LkKeyProvider   *key_provider;
  LkWorkerPool    *pool;
  LkServerMetrics *metrics;
  LkRateLimiter   *address_limiter;
  LkRateLimiter   *account_limiter;
  LkRateLimiter   *login_failure_limiter;
  LkOutboxWorker  *outbox;          /* NULL when no delivery channel is configured */
  LkGroupCommit   *group_commit;    /* [database] group-commit: validations go through it */
  LkClusterHeartbeat *heartbeat;    /* on a shared (PostgreSQL) database: splits the rate limits */

  /* Answers ready on worker and committer threads; the reactor drains
   * them after one eventfd wake-up, so a busy server wakes once per
   * batch, not per request. */
  GAsyncQueue     *done_queue;
  /* Validations read in the current reactor dispatch, submitted to the
   * committer together at its end so they can share one group. */
  GPtrArray       *pending_validations;

  GSource         *sweep;
  gboolean         started;
  gboolean         draining;
  gboolean         stopped;
  GSource         *drain_timeout;
  GSource         *stop_idle;
};

enum
{
  SIGNAL_STOPPED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (LkServer, lk_server, G_TYPE_OBJECT)

static void maybe_finish_drain (LkServer *self);

/* Timers and idles go to the server's own context (the one it was made
 * in), which need not be the global default. */
static GSource *
add_source (LkServer    *self,
            GSource     *source,
            GSourceFunc  func)
{
  g_source_set_callback (source, func, self, NULL);
  g_source_attach (source, self->main_context);
  return source;
}

static void
clear_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

/* ---- jobs --------------------------------------------------------------- */

static void
job_free (Job *job)
{
  g_clear_pointer (&job->body, g_bytes_unref);
  g_clear_pointer (&job->response, g_bytes_unref);
  g_clear_pointer (&job->request, lk_api_request_free);
  lk_api_call_info_clear (&job->info);
  g_free (job->method);
  g_free (job->path);
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


/* IPv6 clients usually own a whole /64, so that is what a bucket covers. */
static void
client_strings (const struct sockaddr  *peer,
                socklen_t               len,
                char                  **out_client,
                char                  **out_rate_key)
{
  g_autoptr(GSocketAddress) address = g_socket_address_new_from_native ((gpointer) peer, len);
  GInetAddress *inet;

  if (!G_IS_INET_SOCKET_ADDRESS (address))
    {
      *out_client = g_strdup ("-");
      *out_rate_key = g_strdup ("-");
      return;
    }
  inet = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address));
  *out_client = g_inet_address_to_string (inet);
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
      *out_rate_key = g_strdup_printf ("%s/64", text);
      return;
    }
  *out_rate_key = g_strdup (*out_client);
}

static void
log_request (const char *method,
             const char *path,
             const char *client,
             guint       status,
             const char *type,
             int         code,
             const char *account,
             gint64      start_us,
             gsize       request_bytes,
             gsize       response_bytes)
{
  LkAccessRecord record = {
    .client = client,
    .method = method,
    .path = path,
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

/* Every answer latchkeyd makes carries these; @extra is one more
 * "Name: value" line or NULL. While draining, connections end after
 * their answer. */
static void
answer (LkServer         *self,
        LkHttpConnection *conn,
        guint             status,
        const char       *content_type,
        GBytes           *body,
        const char       *extra,
        gboolean          close)
{
  const char *headers[] = { "Cache-Control: no-store", "X-Content-Type-Options: nosniff", extra, NULL };

  lk_http_connection_respond (conn, status, content_type, body, headers, close || self->draining);
}

/* A refusal made on the main context, before any worker is involved. */
static void
refuse (LkServer          *self,
        LkHttpConnection  *conn,
        guint              status,
        int                code,
        const char        *message,
        const char        *reason,
        const char        *extra,
        gint64             start_us,
        gsize              request_bytes)
{
  g_autoptr(GBytes) body = error_body (code, message);
  const LkHttpRequestHead *head = lk_http_connection_get_head (conn);
  Peer *peer = lk_http_connection_get_user_data (conn);

  if (reason != NULL)
    lk_server_metrics_record_rejection (self->metrics, reason);
  lk_server_metrics_record_request (self->metrics, NULL, code,
                                    (g_get_monotonic_time () - start_us) / (double) G_USEC_PER_SEC);
  lk_server_metrics_record_http (self->metrics, status);
  log_request (head != NULL ? head->method : "-", head != NULL ? head->path : "-", peer->client, status, NULL,
               code, NULL, start_us, request_bytes, g_bytes_get_size (body));
  /* The 413 ends the connection: the rest of the body is never read. */
  answer (self, conn, status, "application/json", body, extra, status == HTTP_TOO_LARGE);
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
queue_done (LkServer *self,
            Job      *job)
{
  g_async_queue_push (self->done_queue, job);
  lk_reactor_wake (self->reactor);
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
          job->http_status = HTTP_OK;
          job->response = g_bytes_new_static ("{\"status\":\"ok\"}\n", 16);
        }
      else
        {
          g_warning ("Health check failed: %s", error->message);
          job->http_status = HTTP_SERVICE_UNAVAILABLE;
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
      job->http_status = job->account_limited ? HTTP_TOO_MANY_REQUESTS : HTTP_OK;
      /* These may have written to the outbox: send now rather than at the next poll. */
      if (job->server->outbox != NULL && job->info.error_code == 0 &&
          (g_strcmp0 (job->info.type, "send_oath_otp") == 0 || g_strcmp0 (job->info.type, "add_oath_device") == 0 ||
           g_strcmp0 (job->info.type, "add_oath_user") == 0))
        lk_outbox_worker_wake (job->server->outbox);
    }

  queue_done (job->server, job);
}

/* ---- committer side ------------------------------------------------------------ */

/* On the committer thread, inside the group's transaction: the partner
 * login and the validation run there with the committer's engine. */
static void
commit_run (LkEngine *engine,
            gpointer  data)
{
  Job *job = data;
  LkApiHandleOptions options = {
    .admit = admit_account,
    .admit_data = job,
    .allow_create_account = FALSE,
  };

  lk_engine_set_actor (engine, job->client);
  job->response = lk_api_handle_request (engine, job->request, &options, &job->info);
  job->http_status = job->account_limited ? HTTP_TOO_MANY_REQUESTS : HTTP_OK;
}

/* On the committer thread, once the group is durable (or failed). */
static void
commit_done (gpointer      data,
             const GError *commit_error)
{
  Job *job = data;

  if (commit_error != NULL)
    {
      /* Nothing of the group is on disk: whatever run said, this
       * validation did not happen. */
      g_autoptr(LkApiResponse) failed = NULL;
      int code = lk_api_error_to_code (commit_error);

      failed = lk_api_response_new_error (job->request->op, code != 0 ? code : LK_ENGINE_ERROR_INTERNAL,
                                          commit_error->message);
      g_clear_pointer (&job->response, g_bytes_unref);
      job->response = lk_api_response_encode (failed, NULL);
      job->info.error_code = failed->error_code;
      job->http_status = HTTP_OK;
    }
  /* No wake-up here: commit_notify wakes the reactor once per group. */
  g_async_queue_push (job->server->done_queue, job);
}

static void
commit_notify (gpointer data)
{
  LkServer *self = data;

  lk_reactor_wake (self->reactor);
}

/* ---- main-context side ------------------------------------------------------- */

static void
job_done (Job *job)
{
  LkServer *self = job->server;

  /* Counted and logged before answering: the answer may let the next
   * pipelined request (a /metrics scrape) run at once. */
  lk_server_metrics_record_http (self->metrics, job->http_status);
  if (job->kind != JOB_HEALTH)
    {
      lk_server_metrics_in_flight_add (self->metrics, -1);
      lk_server_metrics_record_request (self->metrics, job->info.type, job->info.error_code,
                                        (g_get_monotonic_time () - job->start_us) / (double) G_USEC_PER_SEC);
      if (job->account_limited)
        lk_server_metrics_record_rate_limit (self->metrics, LK_RATE_SCOPE_ACCOUNT);
      /* Each wrong partner key costs a slow hash: the address pays a token. */
      if (job->info.error_code == LK_ENGINE_ERROR_PARTNER_LOGIN_FAILED)
        lk_rate_limiter_check (self->login_failure_limiter, job->rate_key, g_get_monotonic_time (), NULL);
      log_request (job->method, job->path, job->client, job->http_status, job->info.type, job->info.error_code,
                   job->info.account, job->start_us, job->body != NULL ? g_bytes_get_size (job->body) : 0,
                   g_bytes_get_size (job->response));
    }

  if (job->conn != NULL)
    {
      Peer *peer = lk_http_connection_get_user_data (job->conn);
      g_autofree char *retry = NULL;

      peer->job = NULL;
      if (job->account_limited)
        retry = g_strdup_printf ("Retry-After: %u", MAX (job->retry_after, 1));
      answer (self, job->conn, job->http_status, "application/json", job->response, retry, FALSE);
    }
  job_free (job);
}

static gboolean
drain_done (gpointer data)
{
  LkServer *self = data;
  Job *job;

  while ((job = g_async_queue_try_pop (self->done_queue)) != NULL)
    job_done (job);
  maybe_finish_drain (self);
  return G_SOURCE_CONTINUE;
}

/* Hands the validations gathered in this dispatch to the committer with
 * one wake-up; called at the end of every reactor dispatch. */
static gboolean
submit_validations (gpointer data)
{
  LkServer *self = data;
  g_autoptr(GPtrArray) jobs = NULL;

  if (self->pending_validations->len == 0)
    return G_SOURCE_CONTINUE;
  jobs = g_steal_pointer (&self->pending_validations);
  self->pending_validations = g_ptr_array_new ();
  if (lk_group_commit_submit_batch (self->group_commit, commit_run, commit_done, jobs))
    return G_SOURCE_CONTINUE;

  /* The committer is stopping: nothing of these ran. */
  for (guint i = 0; i < jobs->len; i++)
    {
      Job *job = jobs->pdata[i];

      lk_server_metrics_in_flight_add (self->metrics, -1);
      if (job->conn != NULL)
        {
          ((Peer *) lk_http_connection_get_user_data (job->conn))->job = NULL;
          refuse (self, job->conn, HTTP_SERVICE_UNAVAILABLE, LK_SERVER_CODE_UNAVAILABLE,
                  _("Server is shutting down"), "draining", NULL, job->start_us, g_bytes_get_size (job->body));
        }
      job_free (job);
    }
  return G_SOURCE_CONTINUE;
}

static Job *
job_new (LkServer         *self,
         LkHttpConnection *conn,
         JobKind           kind,
         GBytes           *body,
         gint64            start_us)
{
  const LkHttpRequestHead *head = lk_http_connection_get_head (conn);
  Peer *peer = lk_http_connection_get_user_data (conn);
  Job *job = g_new0 (Job, 1);

  job->kind = kind;
  job->server = self;
  job->conn = conn;
  job->method = g_strdup (head->method);
  job->path = g_strdup (head->path);
  job->body = body != NULL ? g_bytes_ref (body) : NULL;
  job->client = g_strdup (peer->client);
  job->rate_key = g_strdup (peer->rate_key);
  job->start_us = start_us;
  peer->job = job;
  return job;
}

/* A validation under group commit goes straight to the committer; every
 * other call (and anything that does not decode) to a worker. */
static void
dispatch_api (LkServer         *self,
              LkHttpConnection *conn,
              GBytes           *body,
              gint64            start_us)
{
  if (self->group_commit != NULL)
    {
      g_autoptr(LkApiRequest) request = lk_api_request_new (LK_API_OP_INVALID);
      gsize len = 0;
      const char *data = g_bytes_get_data (body, &len);

      if (lk_api_request_decode (request, data, len, NULL) && request->op == LK_API_OP_VALIDATE_OTP)
        {
          Job *job = job_new (self, conn, JOB_VALIDATE, body, start_us);

          job->request = g_steal_pointer (&request);
          lk_server_metrics_in_flight_add (self->metrics, 1);
          g_ptr_array_add (self->pending_validations, job);
          if (!lk_reactor_is_dispatching (self->reactor))
            submit_validations (self);
          return;
        }
    }

  lk_server_metrics_in_flight_add (self->metrics, 1);
  lk_worker_pool_push (self->pool, job_new (self, conn, JOB_API, body, start_us));
}

static void
handle_api (LkServer                *self,
            LkHttpConnection        *conn,
            const LkHttpRequestHead *head,
            GBytes                  *body)
{
  Peer *peer = lk_http_connection_get_user_data (conn);
  gint64 start_us = g_get_monotonic_time ();
  gsize body_len = g_bytes_get_size (body);
  guint retry_after = 0;

  if (strcmp (head->method, "POST") != 0)
    {
      refuse (self, conn, HTTP_METHOD_NOT_ALLOWED, LK_SERVER_CODE_METHOD,
              _("Use POST with a JSON body"), "method", "Allow: POST", start_us, body_len);
      return;
    }

  if (self->draining)
    {
      refuse (self, conn, HTTP_SERVICE_UNAVAILABLE, LK_SERVER_CODE_UNAVAILABLE,
              _("Server is shutting down"), "draining", NULL, start_us, body_len);
      return;
    }

  if (!lk_rate_limiter_check (self->address_limiter, peer->rate_key, start_us, &retry_after))
    {
      g_autofree char *retry = g_strdup_printf ("Retry-After: %u", retry_after);

      lk_server_metrics_record_rate_limit (self->metrics, LK_RATE_SCOPE_ADDRESS);
      refuse (self, conn, HTTP_TOO_MANY_REQUESTS, LK_SERVER_CODE_TOO_MANY_REQUESTS,
              _("Too many requests from this client address"), NULL, retry, start_us, body_len);
      return;
    }

  /* Checked before the work, charged after it: only failures cost. */
  if (!lk_rate_limiter_peek (self->login_failure_limiter, peer->rate_key, start_us, &retry_after))
    {
      g_autofree char *retry = g_strdup_printf ("Retry-After: %u", retry_after);

      lk_server_metrics_record_rate_limit (self->metrics, LK_RATE_SCOPE_LOGIN_FAILURE);
      refuse (self, conn, HTTP_TOO_MANY_REQUESTS, LK_SERVER_CODE_TOO_MANY_REQUESTS,
              _("Too many failed partner logins from this client address"), NULL, retry, start_us, body_len);
      return;
    }

  if (lk_worker_pool_queued (self->pool) >= self->config->max_queue)
    {
      refuse (self, conn, HTTP_SERVICE_UNAVAILABLE, LK_SERVER_CODE_UNAVAILABLE,
              _("Server busy, retry shortly"), "overloaded", "Retry-After: 1", start_us, body_len);
      return;
    }

  dispatch_api (self, conn, body, start_us);
}

static void
handle_health (LkServer                *self,
               LkHttpConnection        *conn,
               const LkHttpRequestHead *head)
{
  if (strcmp (head->method, "GET") != 0 && strcmp (head->method, "HEAD") != 0)
    {
      refuse (self, conn, HTTP_METHOD_NOT_ALLOWED, LK_SERVER_CODE_METHOD,
              _("Use GET"), "method", "Allow: GET, HEAD", g_get_monotonic_time (), 0);
      return;
    }
  if (self->draining)
    {
      g_autoptr(GBytes) body = g_bytes_new_static ("{\"status\":\"draining\"}\n", 22);

      lk_server_metrics_record_http (self->metrics, HTTP_SERVICE_UNAVAILABLE);
      answer (self, conn, HTTP_SERVICE_UNAVAILABLE, "application/json", body, NULL, FALSE);
      return;
    }

  /* Reaching the database is blocking work: it goes to a worker too. */
  lk_worker_pool_push (self->pool, job_new (self, conn, JOB_HEALTH, NULL, g_get_monotonic_time ()));
}

static void
handle_metrics (LkServer                *self,
                LkHttpConnection        *conn,
                const LkHttpRequestHead *head)
{
  g_autoptr(GString) text = NULL;
  g_autoptr(GBytes) body = NULL;

  if (strcmp (head->method, "GET") != 0 && strcmp (head->method, "HEAD") != 0)
    {
      refuse (self, conn, HTTP_METHOD_NOT_ALLOWED, LK_SERVER_CODE_METHOD,
              _("Use GET"), "method", "Allow: GET, HEAD", g_get_monotonic_time (), 0);
      return;
    }

  /* Counted before rendering, so a scrape sees itself like any other response. */
  lk_server_metrics_record_http (self->metrics, HTTP_OK);
  text = g_string_new (NULL);
  lk_server_metrics_render (self->metrics, lk_worker_pool_queued (self->pool),
                            lk_worker_pool_size (self->pool), text);
  body = g_string_free_to_bytes (g_steal_pointer (&text));
  answer (self, conn, HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", body, NULL, FALSE);
}

/* A handler registered for /a serves /a and everything under /a/. */
static gboolean
path_under (const char *path,
            const char *prefix)
{
  gsize len = strlen (prefix);

  return strncmp (path, prefix, len) == 0 && (path[len] == '\0' || path[len] == '/');
}

static void
on_request (LkHttpConnection        *conn,
            const LkHttpRequestHead *head,
            GBytes                  *body,
            gpointer                 data)
{
  LkServer *self = data;

  if (path_under (head->path, API_PATH) || path_under (head->path, VENDOR_PATH))
    handle_api (self, conn, head, body);
  else if (path_under (head->path, HEALTH_PATH))
    handle_health (self, conn, head);
  else if (path_under (head->path, METRICS_PATH))
    handle_metrics (self, conn, head);
  else
    refuse (self, conn, HTTP_NOT_FOUND, LK_SERVER_CODE_NOT_FOUND,
            _("No such endpoint: use POST /api/v1"), "not_found", NULL, g_get_monotonic_time (),
            g_bytes_get_size (body));
}

static void
on_refused (LkHttpConnection *conn,
            guint             status,
            gpointer          data)
{
  LkServer *self = data;

  /* Bodies are never buffered past the limit: a Content-Length over it is
   * refused as soon as the head is in, a chunked body as soon as its
   * chunks add up to more. */
  if (status == HTTP_TOO_LARGE)
    {
      refuse (self, conn, HTTP_TOO_LARGE, LK_SERVER_CODE_BODY_TOO_LARGE,
              _("Request body too large"), "body_too_large", NULL, g_get_monotonic_time (), 0);
      return;
    }
  /* Malformed HTTP: the connection answers in plain text and closes. */
  lk_server_metrics_record_http (self->metrics, status);
}

static void
on_flushed (LkHttpConnection *conn,
            gpointer          data)
{
  LkServer *self = data;

  if (self->draining)
    maybe_finish_drain (self);
}

static void resume_accepting (LkServer *self);

static void
on_closed (LkHttpConnection *conn,
           gpointer          data)
{
  LkServer *self = data;
  Peer *peer = lk_http_connection_get_user_data (conn);

  /* A job still running finishes, is counted and logged, and answers no one. */
  if (peer->job != NULL)
    peer->job->conn = NULL;
  g_free (peer->client);
  g_free (peer->rate_key);
  g_free (peer);
  g_hash_table_remove (self->connections, conn);
  resume_accepting (self);
  if (self->draining)
    maybe_finish_drain (self);
}

static const LkHttpHandlers http_handlers = {
  .head = NULL,
  .request = on_request,
  .refused = on_refused,
  .flushed = on_flushed,
  .closed = on_closed,
};

/* ---- connections ------------------------------------------------------------ */

static void
pause_accepting (LkServer *self)
{
  for (guint i = 0; i < self->listeners->len; i++)
    {
      Listener *l = self->listeners->pdata[i];

      if (l->socket != NULL && !l->paused)
        {
          lk_reactor_update (self->reactor, &l->watch, 0);
          l->paused = TRUE;
        }
    }
}

static void
resume_accepting (LkServer *self)
{
  if (self->draining || g_hash_table_size (self->connections) >= self->max_connections)
    return;
  for (guint i = 0; i < self->listeners->len; i++)
    {
      Listener *l = self->listeners->pdata[i];

      if (l->socket != NULL && l->paused)
        {
          lk_reactor_update (self->reactor, &l->watch, EPOLLIN);
          l->paused = FALSE;
        }
    }
}

static void
on_listener_event (gpointer data,
                   guint32  events)
{
  Listener *l = data;
  LkServer *self = l->server;

  for (int i = 0; i < ACCEPT_BATCH; i++)
    {
      struct sockaddr_storage address;
      socklen_t address_len = sizeof address;
      g_autoptr(GError) error = NULL;
      LkHttpConnection *conn;
      SSL *ssl = NULL;
      Peer *peer;
      int one = 1;
      int fd;

      /* At the limit, new connections wait in the kernel's queue. */
      if (g_hash_table_size (self->connections) >= self->max_connections)
        {
          pause_accepting (self);
          return;
        }
      fd = accept4 (g_socket_get_fd (l->socket), (struct sockaddr *) &address, &address_len,
                    SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0)
        {
          if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
            {
              /* Out of descriptors: stop accepting until the next sweep
               * rather than spin on a listener that stays readable. */
              g_warning ("Cannot accept a connection: %s", g_strerror (errno));
              pause_accepting (self);
            }
          return;
        }
      /* Each answer leaves in one write: no Nagle delay for it. */
      setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      if (l->tls && (ssl = lk_http_tls_new (self->tls, fd)) == NULL)
        {
          close (fd);
          continue;
        }
      conn = lk_http_connection_new (self->reactor, fd, ssl, (struct sockaddr *) &address, address_len,
                                     &self->limits, &http_handlers, self, &error);
      if (conn == NULL)
        {
          g_warning ("Cannot serve a connection: %s", error->message);
          continue;
        }
      peer = g_new0 (Peer, 1);
      client_strings ((struct sockaddr *) &address, address_len, &peer->client, &peer->rate_key);
      lk_http_connection_set_user_data (conn, peer);
      g_hash_table_add (self->connections, conn);
    }
}

static GList *
connection_list (LkServer *self)
{
  /* A copy: closing a connection removes it from the table. */
  return g_hash_table_get_keys (self->connections);
}

/* Once a second: connections past their deadline go (idle, slow heads
 * and bodies, unread answers), and accepting resumes after a shortage. */
static gboolean
on_sweep (gpointer data)
{
  LkServer *self = data;
  gint64 now = g_get_monotonic_time ();
  GList *list = connection_list (self);

  for (GList *l = list; l != NULL; l = l->next)
    lk_http_connection_check_timeout (l->data, now);
  g_list_free (list);
  resume_accepting (self);
  return G_SOURCE_CONTINUE;
}

/* ---- shutdown ------------------------------------------------------------- */

static void
close_all_connections (LkServer *self)
{
  GList *list = connection_list (self);

  for (GList *l = list; l != NULL; l = l->next)
    lk_http_connection_close (l->data);
  g_list_free (list);
}

static void
close_listeners (LkServer *self)
{
  for (guint i = 0; i < self->listeners->len; i++)
    {
      Listener *l = self->listeners->pdata[i];

      if (l->socket == NULL)
        continue;
      lk_reactor_unwatch (self->reactor, &l->watch);
      g_socket_close (l->socket, NULL);
      g_clear_object (&l->socket);
    }
}

static gboolean
stop_now (gpointer data)
{
  LkServer *self = data;

  clear_source (&self->stop_idle);
  clear_source (&self->drain_timeout);
  if (self->stopped)
    return G_SOURCE_REMOVE;

  close_listeners (self);
  close_all_connections (self);
  self->stopped = TRUE;
  g_message ("Stopped");
  g_signal_emit (self, signals[SIGNAL_STOPPED], 0);
  return G_SOURCE_REMOVE;
}

static void
maybe_finish_drain (LkServer *self)
{
  GHashTableIter iter;
  gpointer conn;

  if (!self->draining || self->stopped || self->stop_idle != NULL)
    return;
  if (lk_server_metrics_get_in_flight (self->metrics) != 0 ||
      (self->pool != NULL && lk_worker_pool_queued (self->pool) != 0))
    return;
  /* Answers still being written are part of the drain. */
  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, &conn, NULL))
    if (lk_http_connection_is_busy (conn))
      return;
  self->stop_idle = add_source (self, g_idle_source_new (), stop_now);
}

static gboolean
on_drain_timeout (gpointer data)
{
  LkServer *self = data;

  clear_source (&self->drain_timeout);
  g_warning ("Drain timeout: %u request(s) still in flight, stopping anyway",
             lk_server_metrics_get_in_flight (self->metrics));
  stop_now (self);
  return G_SOURCE_REMOVE;
}

void
lk_server_shutdown (LkServer *self)
{
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
   * already read keep going; open connections get 503 for new requests. */
  close_listeners (self);

  if (self->config->drain_timeout > 0)
    self->drain_timeout = add_source (self, g_timeout_source_new_seconds (self->config->drain_timeout),
                                      on_drain_timeout);
  else
    self->drain_timeout = add_source (self, g_idle_source_new (), on_drain_timeout);
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
  /* Leaving the list hands this server's share of the limits back. */
  g_clear_pointer (&self->heartbeat, lk_cluster_heartbeat_stop);
  if (self->pool == NULL)
    return;
  /* Workers finish what they hold, then close their databases. */
  g_clear_pointer (&self->pool, lk_worker_pool_free);
  /* After the workers: their engines point at it. It answers what it
   * holds before it stops. */
  if (self->group_commit != NULL)
    {
      guint64 groups = 0, validations = 0;

      /* The mean group size is what a benchmark wants to know. */
      lk_group_commit_get_stats (self->group_commit, &groups, &validations);
      g_message ("Group commit: %llu validations in %llu commits",
                 (unsigned long long) validations, (unsigned long long) groups);
    }
  g_clear_pointer (&self->group_commit, lk_group_commit_free);
  /* Answers posted after the loop stopped: release their jobs. */
  drain_done (self);
  g_message ("Databases closed");
}

/* ---- set-up ------------------------------------------------------------------ */

/* The delivery worker, when latchkeyd.conf configures a channel: its own
 * thread and database connection, woken after sends (docs/delivery.md). */
/* Several servers on one PostgreSQL database: the rate limits live in each
 * server's memory, so each takes its share of them (lk-cluster-heartbeat.c).
 * A SQLite file has one server. */
static gboolean
start_heartbeat (LkServer  *self,
                 GError   **error)
{
  g_autoptr(GError) local_error = NULL;
  LkRateLimiter *limiters[] = { self->address_limiter, self->account_limiter, self->login_failure_limiter };
  LkEngineConfig engine_config;

  if (!lk_store_is_pg_conninfo (self->config->db_path))
    return TRUE;
  lk_engine_config_init (&engine_config);
  engine_config.busy_timeout_ms = self->config->busy_timeout_ms;
  self->heartbeat = lk_cluster_heartbeat_start (self->config->db_path, self->key_provider, &engine_config,
                                                HEARTBEAT_INTERVAL_S, limiters, G_N_ELEMENTS (limiters),
                                                &local_error);
  if (self->heartbeat == NULL)
    {
      g_set_error (error, LK_SERVER_ERROR, LK_SERVER_ERROR_DATABASE,
                   _("Cannot open the database %s: %s"), self->config->db_path, local_error->message);
      return FALSE;
    }
  return TRUE;
}

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
listener_free (gpointer data)
{
  Listener *l = data;

  g_clear_object (&l->socket);
  g_free (l);
}

static void
lk_server_dispose (GObject *object)
{
  LkServer *self = LK_SERVER (object);

  lk_server_close (self);
  clear_source (&self->drain_timeout);
  clear_source (&self->stop_idle);
  clear_source (&self->sweep);
  if (self->reactor != NULL)
    {
      close_listeners (self);
      close_all_connections (self);
    }
  g_clear_pointer (&self->reactor, lk_reactor_free);
  g_clear_pointer (&self->tls, SSL_CTX_free);
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
  g_clear_pointer (&self->pending_validations, g_ptr_array_unref);
  g_clear_pointer (&self->listeners, g_ptr_array_unref);
  g_clear_pointer (&self->connections, g_hash_table_unref);

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
  self->pending_validations = g_ptr_array_new ();
  self->listeners = g_ptr_array_new_with_free_func (listener_free);
  self->connections = g_hash_table_new (NULL, NULL);
}

/* As many connections as file descriptors allow, less a reserve. */
static guint
connection_limit (void)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY)
    return 65536;
  if (limit.rlim_cur <= 2 * RESERVED_FDS)
    return 16;
  return (guint) MIN (limit.rlim_cur - RESERVED_FDS, 65536);
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
  self->limits = (LkHttpLimits) {
    .max_head = MAX_HEAD,
    .max_body = config->max_body,
    .idle_timeout_s = config->idle_timeout,
    .header_timeout_s = config->header_timeout,
    .body_timeout_s = BODY_TIMEOUT_S,
    .write_timeout_s = WRITE_TIMEOUT_S,
  };
  self->max_connections = config->max_connections > 0 ? config->max_connections : connection_limit ();

  if (config->tls_certificate != NULL)
    {
      self->tls = lk_http_tls_context_new (config->tls_certificate, config->tls_key, &local_error);
      if (self->tls == NULL)
        {
          g_set_error (error, LK_SERVER_ERROR, LK_SERVER_ERROR_TLS,
                       _("Cannot load the TLS certificate %s: %s"),
                       config->tls_certificate, local_error->message);
          return NULL;
        }
    }

  self->reactor = lk_reactor_new (self->main_context, error);
  if (self->reactor == NULL)
    return NULL;
  lk_reactor_set_wake_func (self->reactor, drain_done, self);
  lk_reactor_set_batch_end_func (self->reactor, submit_validations, self);

  self->key_provider = lk_file_key_provider_new (config->master_key_file);
  if (config->group_commit)
    {
      /* One writer thread commits the validations in shared durable
       * transactions (issue 12, docs/scale-out.md). */
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
      lk_group_commit_set_notify (self->group_commit, commit_notify, self);
      g_message ("Validations use durable group commit");
    }
  self->pool = lk_worker_pool_new (config->workers, "lk-worker", worker_open, worker_close, job_run, self,
                                   &local_error);
  if (self->pool == NULL)
    {
      g_set_error (error, LK_SERVER_ERROR, LK_SERVER_ERROR_DATABASE,
                   _("Cannot open the database %s: %s"), config->db_path, local_error->message);
      return NULL;
    }
  if (!start_outbox (self, error))
    return NULL;
  if (!start_heartbeat (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

/* Our own listening socket, for its backlog: GIO's default of 10 drops
 * connections when many clients connect at once (a load balancer, a
 * burst), and each dropped SYN costs the client a one-second
 * retransmission. */
static GSocket *
listen_socket (GInetSocketAddress  *address,
               GError             **error)
{
  GSocketFamily family = g_socket_address_get_family (G_SOCKET_ADDRESS (address));
  g_autoptr(GSocket) socket = NULL;

  socket = g_socket_new (family, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
  if (socket == NULL)
    return NULL;
  /* An IPv6 address serves IPv6 only, so [::] and 0.0.0.0 can share a port. */
  if (family == G_SOCKET_FAMILY_IPV6 &&
      !g_socket_set_option (socket, IPPROTO_IPV6, IPV6_V6ONLY, TRUE, error))
    return NULL;
  g_socket_set_listen_backlog (socket, LISTEN_BACKLOG);
  g_socket_set_blocking (socket, FALSE);
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
      g_autoptr(GSocket) socket = NULL;
      Listener *l;

      if (listen->tls && self->tls == NULL)
        g_set_error_literal (&local_error, LK_SERVER_ERROR, LK_SERVER_ERROR_TLS, _("No TLS certificate configured"));
      else
        socket = listen_socket (listen->address, &local_error);
      if (socket != NULL)
        {
          l = g_new0 (Listener, 1);
          l->server = self;
          l->tls = listen->tls;
          l->socket = g_steal_pointer (&socket);
          g_ptr_array_add (self->listeners, l);
          if (!lk_reactor_watch (self->reactor, &l->watch, g_socket_get_fd (l->socket), EPOLLIN,
                                 on_listener_event, l, &local_error))
            g_clear_object (&l->socket);
        }
      if (local_error != NULL)
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
  self->sweep = add_source (self, g_timeout_source_new_seconds (1), on_sweep);

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

  g_return_val_if_fail (LK_IS_SERVER (self), NULL);

  for (guint i = 0; i < self->listeners->len; i++)
    {
      Listener *l = self->listeners->pdata[i];
      g_autoptr(GSocketAddress) address = NULL;
      g_autofree char *host = NULL;
      g_autofree char *url = NULL;
      GInetAddress *inet;

      if (l->socket == NULL || (address = g_socket_get_local_address (l->socket, NULL)) == NULL)
        continue;
      inet = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address));
      host = g_inet_address_to_string (inet);
      /* An IPv6 literal goes in brackets (RFC 3986 §3.2.2). */
      url = g_strdup_printf (g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6 ? "%s://[%s]:%u/" : "%s://%s:%u/",
                             l->tls ? "https" : "http", host,
                             g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address)));
      g_strv_builder_add (builder, url);
    }
  return g_strv_builder_end (builder);
}
