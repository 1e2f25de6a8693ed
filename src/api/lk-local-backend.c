/* SPDX-License-Identifier: GPL-3.0-or-later
 * The local backend: one worker thread owns the LkEngine (one SQLite
 * connection, as the engine requires), takes requests from a queue in
 * order, and returns each result to the caller's main context via GTask. */
#include "config.h"

#include <glib/gi18n.h>

#include "lk-api-execute.h"
#include "lk-local-backend.h"
#include "lk-outbox-worker.h"
#include "lk-secure.h"

struct _LkLocalBackend
{
  GObject        parent_instance;

  char          *path;
  LkKeyProvider *keys;
  GThread       *thread;
  GAsyncQueue   *queue;      /* GTask, or the quit marker */

  LkOutboxWorker *outbox;    /* nullable; used on the caller's context only */
  LkDelivery     *delivery;  /* what @outbox sends through */

  GMutex         lock;       /* guards the members below */
  char          *account;
  char          *account_key;
  char          *actor;
  guint          send_limit;   /* 0 = the engine's default */
  guint          send_window;
};

static void lk_local_backend_iface_init (LkBackendInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (LkLocalBackend, lk_local_backend, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (LK_TYPE_BACKEND, lk_local_backend_iface_init))

static char quit_marker;

typedef struct
{
  char          *path;
  LkKeyProvider *keys;
  GAsyncQueue   *queue;
} WorkerData;

/* A result on its way back to the caller's main context. The worker hands
 * over its task reference and never touches the task again, so the last
 * reference (and with it the backend's) is always dropped on the caller's
 * side, never racing a worker that still holds one. */
typedef struct
{
  GTask         *task;
  LkApiResponse *response;
  GError        *error;
} Completion;

static gboolean
complete_in_context (gpointer data)
{
  Completion *completion = data;

  LkLocalBackend *self = g_task_get_source_object (completion->task);
  const LkApiResponse *r = completion->response;

  /* What may have written to the outbox: send it now, not at the next poll. */
  if (self->outbox != NULL && r != NULL && r->error_code == 0 &&
      (r->op == LK_API_OP_SEND_OTP || r->op == LK_API_OP_ENROLL_USER || r->op == LK_API_OP_ADD_DEVICE))
    lk_outbox_worker_wake (self->outbox);
  if (completion->error != NULL)
    g_task_return_error (completion->task, completion->error);
  else
    g_task_return_pointer (completion->task, completion->response, (GDestroyNotify) lk_api_response_free);
  g_object_unref (completion->task);
  g_free (completion);
  return G_SOURCE_REMOVE;
}

static void
complete (GTask         *task,
          LkApiResponse *response,
          GError        *error)
{
  Completion *completion = g_new0 (Completion, 1);

  completion->task = task;
  completion->response = response;
  completion->error = error;
  g_main_context_invoke (g_task_get_context (task), complete_in_context, completion);
}

static gpointer
worker_main (gpointer data)
{
  WorkerData *worker = data;
  LkEngine *engine = NULL;

  while (TRUE)
    {
      gpointer item = g_async_queue_pop (worker->queue);
      GTask *task;
      GError *error = NULL;
      LkApiRequest *request;
      LkApiResponse *response;

      if (item == &quit_marker)
        break;
      task = item;
      if (g_cancellable_set_error_if_cancelled (g_task_get_cancellable (task), &error))
        {
          complete (task, NULL, error);
          continue;
        }

      if (engine == NULL)
        {
          engine = lk_engine_open (worker->path, worker->keys, NULL, &error);
          if (engine == NULL)
            {
              complete (task, NULL, error);
              continue;
            }
        }

      request = g_task_get_task_data (task);
      lk_engine_set_actor (engine, g_object_get_data (G_OBJECT (task), "lk-actor"));
      lk_engine_set_send_limit (engine, GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (task), "lk-send-limit")),
                                GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (task), "lk-send-window")));
      {
        /* The request goes through the codec, as it would to latchkeyd, so
         * both backends check the same fields the same way. */
        g_autoptr(GBytes) body = lk_api_request_encode (request);
        g_autoptr(LkApiRequest) decoded = lk_api_request_new (LK_API_OP_INVALID);
        g_autoptr(GError) decode_error = NULL;
        gsize len;
        const char *text = g_bytes_get_data (body, &len);

        if (lk_api_request_decode (decoded, text, len, &decode_error))
          response = lk_api_execute (engine, decoded, TRUE);
        else
          response = lk_api_response_new_error (request->op, lk_api_error_to_code (decode_error),
                                                decode_error->message);
      }
      complete (task, response, NULL);
    }

  g_clear_pointer (&engine, lk_engine_close);
  g_async_queue_unref (worker->queue);
  g_object_unref (worker->keys);
  g_free (worker->path);
  g_free (worker);
  return NULL;
}

static void
lk_local_backend_call_async (LkBackend           *backend,
                             LkApiRequest        *request,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  LkLocalBackend *self = LK_LOCAL_BACKEND (backend);
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, lk_local_backend_call_async);
  g_task_set_name (task, "lk-local-backend-call");

  g_mutex_lock (&self->lock);
  if (request->op != LK_API_OP_CREATE_ACCOUNT)
    {
      g_free (request->account_name);
      request->account_name = g_strdup (self->account);
      lk_secure_str_free (request->account_key);
      request->account_key = g_strdup (self->account_key);
    }
  g_object_set_data_full (G_OBJECT (task), "lk-actor", g_strdup (self->actor), g_free);
  g_object_set_data (G_OBJECT (task), "lk-send-limit", GUINT_TO_POINTER (self->send_limit));
  g_object_set_data (G_OBJECT (task), "lk-send-window", GUINT_TO_POINTER (self->send_window));
  g_mutex_unlock (&self->lock);

  g_task_set_task_data (task, request, (GDestroyNotify) lk_api_request_free);
  g_async_queue_push (self->queue, task);
}

static LkApiResponse *
lk_local_backend_call_finish (LkBackend     *backend,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, backend), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static char *
lk_local_backend_describe (LkBackend *backend)
{
  LkLocalBackend *self = LK_LOCAL_BACKEND (backend);

  return g_strdup_printf (_("Embedded database %s"), self->path);
}

static void
lk_local_backend_iface_init (LkBackendInterface *iface)
{
  iface->call_async = lk_local_backend_call_async;
  iface->call_finish = lk_local_backend_call_finish;
  iface->describe = lk_local_backend_describe;
}

static void
lk_local_backend_finalize (GObject *object)
{
  LkLocalBackend *self = LK_LOCAL_BACKEND (object);

  g_clear_pointer (&self->outbox, lk_outbox_worker_free);
  g_clear_object (&self->delivery);
  /* Every queued task holds a reference on us, so the queue is empty: the
   * worker only has to close the database and stop. */
  g_async_queue_push (self->queue, &quit_marker);
  if (g_thread_self () == self->thread)
    g_thread_unref (self->thread);
  else
    g_thread_join (self->thread);
  g_async_queue_unref (self->queue);
  g_clear_object (&self->keys);
  g_free (self->path);
  g_free (self->account);
  lk_secure_str_free (self->account_key);
  g_free (self->actor);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (lk_local_backend_parent_class)->finalize (object);
}

static void
lk_local_backend_class_init (LkLocalBackendClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = lk_local_backend_finalize;
}

static void
lk_local_backend_init (LkLocalBackend *self)
{
  g_mutex_init (&self->lock);
  self->actor = g_strdup ("local");
}

LkBackend *
lk_local_backend_new (const char    *db_path,
                      LkKeyProvider *keys,
                      const char    *account,
                      const char    *account_key)
{
  LkLocalBackend *self;
  WorkerData *worker;

  g_return_val_if_fail (db_path != NULL, NULL);
  g_return_val_if_fail (LK_IS_KEY_PROVIDER (keys), NULL);

  self = g_object_new (LK_TYPE_LOCAL_BACKEND, NULL);
  self->path = g_strdup (db_path);
  self->keys = g_object_ref (keys);
  self->account = g_strdup (account);
  self->account_key = g_strdup (account_key);
  self->queue = g_async_queue_new ();

  worker = g_new0 (WorkerData, 1);
  worker->path = g_strdup (db_path);
  worker->keys = g_object_ref (keys);
  worker->queue = g_async_queue_ref (self->queue);
  self->thread = g_thread_new ("lk-local-backend", worker_main, worker);
  return LK_BACKEND (self);
}

void
lk_local_backend_set_credentials (LkLocalBackend *self,
                                  const char     *account,
                                  const char     *account_key)
{
  g_return_if_fail (LK_IS_LOCAL_BACKEND (self));

  g_mutex_lock (&self->lock);
  g_free (self->account);
  self->account = g_strdup (account);
  lk_secure_str_free (self->account_key);
  self->account_key = g_strdup (account_key);
  g_mutex_unlock (&self->lock);
}

void
lk_local_backend_set_actor (LkLocalBackend *self,
                            const char     *actor)
{
  g_return_if_fail (LK_IS_LOCAL_BACKEND (self));

  g_mutex_lock (&self->lock);
  g_free (self->actor);
  self->actor = g_strdup (actor);
  g_mutex_unlock (&self->lock);
}

const char *
lk_local_backend_get_path (LkLocalBackend *self)
{
  g_return_val_if_fail (LK_IS_LOCAL_BACKEND (self), NULL);

  return self->path;
}

void
lk_local_backend_set_send_limit (LkLocalBackend *self,
                                 guint           limit,
                                 guint           window)
{
  g_return_if_fail (LK_IS_LOCAL_BACKEND (self));

  g_mutex_lock (&self->lock);
  self->send_limit = limit;
  self->send_window = window;
  g_mutex_unlock (&self->lock);
}

LkDelivery *
lk_local_backend_get_delivery (LkLocalBackend *self)
{
  g_return_val_if_fail (LK_IS_LOCAL_BACKEND (self), NULL);

  return self->delivery;
}

gboolean
lk_local_backend_start_delivery (LkLocalBackend *self,
                                 LkDelivery     *delivery,
                                 guint           poll_interval_ms,
                                 GError        **error)
{
  g_autoptr(LkOutboxWorker) outbox = NULL;

  g_return_val_if_fail (LK_IS_LOCAL_BACKEND (self), FALSE);
  g_return_val_if_fail (self->outbox == NULL, FALSE);

  outbox = lk_outbox_worker_new (self->path, self->keys, NULL, delivery, poll_interval_ms, 0);
  if (!lk_outbox_worker_start (outbox, error))
    return FALSE;
  self->outbox = g_steal_pointer (&outbox);
  self->delivery = g_object_ref (delivery);
  return TRUE;
}
