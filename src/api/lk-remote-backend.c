/* SPDX-License-Identifier: GPL-3.0-or-later
 * The remote backend: each request is one JSON POST to latchkeyd over
 * libsoup 3. TLS is checked against the system store or a pinned
 * certificate, each attempt has a timeout, and only idempotent reads are
 * tried again after a transport failure. */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>
#include <libsoup/soup.h>

#include "lk-remote-backend.h"
#include "lk-secure.h"

G_DEFINE_QUARK (lk-remote-error-quark, lk_remote_error)

#define MAX_ATTEMPTS      3      /* for idempotent reads; everything else goes once */
#define RETRY_DELAY_MS    250    /* doubled after each failed attempt */
#define READ_CHUNK        65536

struct _LkRemoteBackend
{
  GObject      parent_instance;

  SoupSession *session;
  GUri        *uri;
  char        *url;
  char        *account;
  char        *account_key;
  char        *pin;                    /* normalised hex, or NULL */
  char        *untrusted_fingerprint;  /* last refused, for the UI */
};

static void lk_remote_backend_iface_init (LkBackendInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (LkRemoteBackend, lk_remote_backend, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (LK_TYPE_BACKEND, lk_remote_backend_iface_init))

/* ---- fingerprints --------------------------------------------------------------- */

char *
lk_certificate_fingerprint (GTlsCertificate *certificate)
{
  g_autoptr(GByteArray) der = NULL;
  g_autofree char *hex = NULL;
  GString *out;

  g_object_get (certificate, "certificate", &der, NULL);
  if (der == NULL)
    return NULL;
  hex = g_compute_checksum_for_data (G_CHECKSUM_SHA256, der->data, der->len);
  out = g_string_new (NULL);
  for (gsize i = 0; hex[i] != '\0'; i += 2)
    {
      if (i > 0)
        g_string_append_c (out, ':');
      g_string_append_c (out, g_ascii_toupper (hex[i]));
      g_string_append_c (out, g_ascii_toupper (hex[i + 1]));
    }
  return g_string_free (out, FALSE);
}

/* Hex digits only, lower case; NULL unless it is 64 of them. */
static char *
normalise_fingerprint (const char *text)
{
  GString *hex = g_string_new (NULL);

  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == ':' || *p == ' ')
        continue;
      if (!g_ascii_isxdigit (*p))
        {
          g_string_free (hex, TRUE);
          return NULL;
        }
      g_string_append_c (hex, g_ascii_tolower (*p));
    }
  if (hex->len != 64)
    {
      g_string_free (hex, TRUE);
      return NULL;
    }
  return g_string_free (hex, FALSE);
}

gboolean
lk_remote_backend_set_pinned_fingerprint (LkRemoteBackend  *self,
                                          const char       *sha256,
                                          GError          **error)
{
  g_autofree char *pin = NULL;

  g_return_val_if_fail (LK_IS_REMOTE_BACKEND (self), FALSE);

  if (sha256 != NULL)
    {
      pin = normalise_fingerprint (sha256);
      if (pin == NULL)
        {
          g_set_error_literal (error, LK_REMOTE_ERROR, LK_REMOTE_ERROR_INVALID_URL,
                               _("A certificate fingerprint is 64 hexadecimal digits (SHA-256)"));
          return FALSE;
        }
    }
  g_free (self->pin);
  self->pin = g_steal_pointer (&pin);
  /* With a pin the system store has no say: every certificate reaches
   * ::accept-certificate, where only the pinned one passes. */
  if (self->pin != NULL)
    soup_session_set_tls_database (self->session, NULL);
  else
    soup_session_set_tls_database (self->session, g_tls_backend_get_default_database (g_tls_backend_get_default ()));
  return TRUE;
}

gboolean
lk_remote_backend_pin_certificate_file (LkRemoteBackend  *self,
                                        const char       *pem_path,
                                        GError          **error)
{
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *fingerprint = NULL;

  certificate = g_tls_certificate_new_from_file (pem_path, &local_error);
  if (certificate == NULL)
    {
      g_set_error (error, LK_REMOTE_ERROR, LK_REMOTE_ERROR_TLS_FAILED,
                   _("Cannot read the certificate %s: %s"), pem_path, local_error->message);
      return FALSE;
    }
  fingerprint = lk_certificate_fingerprint (certificate);
  return lk_remote_backend_set_pinned_fingerprint (self, fingerprint, error);
}

/* ---- one call --------------------------------------------------------------------- */

typedef struct
{
  GBytes      *body;        /* the encoded request (wiped on free) */
  LkApiOp      op;
  guint        attempt;
  SoupMessage *msg;
  GInputStream *stream;
  GByteArray  *answer;
  char        *refused_fingerprint;
  guint        retry_id;
} CallData;

static void
call_data_free (CallData *data)
{
  g_clear_pointer (&data->body, g_bytes_unref);
  g_clear_object (&data->msg);
  g_clear_object (&data->stream);
  if (data->answer != NULL)
    {
      lk_secure_wipe (data->answer->data, data->answer->len);
      g_byte_array_unref (data->answer);
    }
  g_free (data->refused_fingerprint);
  g_clear_handle_id (&data->retry_id, g_source_remove);
  g_free (data);
}

static void send_attempt (GTask *task);

static gboolean
on_accept_certificate (SoupMessage          *msg,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  GTask *task = user_data;
  LkRemoteBackend *self = g_task_get_source_object (task);
  CallData *data = g_task_get_task_data (task);
  g_autofree char *fingerprint = lk_certificate_fingerprint (certificate);
  g_autofree char *hex = fingerprint != NULL ? normalise_fingerprint (fingerprint) : NULL;

  if (self->pin != NULL && hex != NULL && lk_secure_str_equal (hex, self->pin))
    {
      /* The pin vouches for the identity; an expired or otherwise broken
       * certificate is still refused. */
      if ((errors & ~(G_TLS_CERTIFICATE_UNKNOWN_CA | G_TLS_CERTIFICATE_BAD_IDENTITY)) == 0)
        return TRUE;
    }
  g_free (data->refused_fingerprint);
  data->refused_fingerprint = g_steal_pointer (&fingerprint);
  return FALSE;
}

static gboolean
is_transient (const GError *error)
{
  return g_error_matches (error, LK_REMOTE_ERROR, LK_REMOTE_ERROR_UNREACHABLE)
         || g_error_matches (error, LK_REMOTE_ERROR, LK_REMOTE_ERROR_TIMEOUT);
}

/* Turns a transport error into an LK_REMOTE_ERROR with a sentence a
 * helpdesk person can act on. */
static GError *
translate_error (LkRemoteBackend *self,
                 CallData        *data,
                 const GError    *error)
{
  if (data->refused_fingerprint != NULL)
    {
      g_free (self->untrusted_fingerprint);
      self->untrusted_fingerprint = g_strdup (data->refused_fingerprint);
      return g_error_new (LK_REMOTE_ERROR, LK_REMOTE_ERROR_TLS_UNTRUSTED,
                          _("The certificate of %s is not trusted (SHA-256 fingerprint %s)"),
                          g_uri_get_host (self->uri), data->refused_fingerprint);
    }
  if (error->domain == G_TLS_ERROR)
    return g_error_new (LK_REMOTE_ERROR, LK_REMOTE_ERROR_TLS_FAILED,
                        _("A secure connection to %s failed: %s"), g_uri_get_host (self->uri), error->message);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return g_error_new (LK_REMOTE_ERROR, LK_REMOTE_ERROR_TIMEOUT,
                        _("%s did not answer in time"), g_uri_get_host (self->uri));
  return g_error_new (LK_REMOTE_ERROR, LK_REMOTE_ERROR_UNREACHABLE,
                      _("Cannot reach %s: %s"), g_uri_get_host (self->uri), error->message);
}

static gboolean
retry_cb (gpointer user_data)
{
  GTask *task = user_data;
  CallData *data = g_task_get_task_data (task);

  data->retry_id = 0;
  send_attempt (task);
  return G_SOURCE_REMOVE;
}

/* Either schedules another attempt (idempotent reads only) or fails. */
static void
attempt_failed (GTask  *task,
                GError *error)
{
  CallData *data = g_task_get_task_data (task);

  if (lk_api_op_is_idempotent (data->op) && data->attempt < MAX_ATTEMPTS && is_transient (error)
      && !g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    {
      g_debug ("Attempt %u of %s failed (%s); trying again", data->attempt,
               lk_api_op_to_string (data->op), error->message);
      g_error_free (error);
      /* The task's reference passes to the timer and on to the next attempt. */
      data->retry_id = g_timeout_add (RETRY_DELAY_MS << (data->attempt - 1), retry_cb, task);
      return;
    }
  g_task_return_error (task, error);
  g_object_unref (task);
}

static void
finish_answer (GTask *task)
{
  LkRemoteBackend *self = g_task_get_source_object (task);
  CallData *data = g_task_get_task_data (task);
  guint status = soup_message_get_status (data->msg);
  g_autoptr(GError) error = NULL;
  LkApiResponse *response;

  /* latchkeyd answers refusals (413, 429, 503) with an API body too, so
   * the body decides; the status only explains a body that is not one. */
  response = lk_api_response_decode ((const char *) data->answer->data, data->answer->len, &error);
  if (response == NULL)
    {
      if (status == SOUP_STATUS_SERVICE_UNAVAILABLE || status == SOUP_STATUS_BAD_GATEWAY
          || status == SOUP_STATUS_GATEWAY_TIMEOUT)
        {
          attempt_failed (task, g_error_new (LK_REMOTE_ERROR, LK_REMOTE_ERROR_UNREACHABLE,
                                             _("%s is unavailable (HTTP %u)"), g_uri_get_host (self->uri), status));
          return;
        }
      if (status != SOUP_STATUS_OK)
        g_task_return_new_error (task, LK_REMOTE_ERROR, LK_REMOTE_ERROR_HTTP,
                                 _("The server answered HTTP %u %s"), status,
                                 soup_status_get_phrase (status) ? soup_status_get_phrase (status) : "");
      else
        g_task_return_new_error (task, LK_REMOTE_ERROR, LK_REMOTE_ERROR_PROTOCOL,
                                 _("The server's answer is not a Latchkey API response"));
      g_object_unref (task);
      return;
    }
  if (status == SOUP_STATUS_SERVICE_UNAVAILABLE && lk_api_op_is_idempotent (data->op)
      && data->attempt < MAX_ATTEMPTS)
    {
      /* A draining server: another attempt may reach its successor. */
      lk_api_response_free (response);
      attempt_failed (task, g_error_new (LK_REMOTE_ERROR, LK_REMOTE_ERROR_UNREACHABLE,
                                         _("%s is unavailable (HTTP %u)"), g_uri_get_host (self->uri), status));
      return;
    }
  g_task_return_pointer (task, response, (GDestroyNotify) lk_api_response_free);
  g_object_unref (task);
}

static void
read_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GTask *task = user_data;
  CallData *data = g_task_get_task_data (task);
  LkRemoteBackend *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) chunk = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);

  if (chunk == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          g_object_unref (task);
          return;
        }
      attempt_failed (task, translate_error (self, data, error));
      return;
    }
  if (g_bytes_get_size (chunk) == 0)
    {
      finish_answer (task);
      return;
    }
  if (data->answer->len + g_bytes_get_size (chunk) > LK_API_MAX_RESPONSE_SIZE)
    {
      g_task_return_new_error (task, LK_REMOTE_ERROR, LK_REMOTE_ERROR_PROTOCOL,
                               _("The server's answer is too large"));
      g_object_unref (task);
      return;
    }
  g_byte_array_append (data->answer, g_bytes_get_data (chunk, NULL), g_bytes_get_size (chunk));
  g_input_stream_read_bytes_async (data->stream, READ_CHUNK, G_PRIORITY_DEFAULT,
                                   g_task_get_cancellable (task), read_cb, task);
}

static void
send_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GTask *task = user_data;
  CallData *data = g_task_get_task_data (task);
  LkRemoteBackend *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;

  data->stream = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  if (data->stream == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          g_object_unref (task);
          return;
        }
      attempt_failed (task, translate_error (self, data, error));
      return;
    }
  g_input_stream_read_bytes_async (data->stream, READ_CHUNK, G_PRIORITY_DEFAULT,
                                   g_task_get_cancellable (task), read_cb, task);
}

static void
send_attempt (GTask *task)
{
  LkRemoteBackend *self = g_task_get_source_object (task);
  CallData *data = g_task_get_task_data (task);

  data->attempt++;
  g_clear_object (&data->msg);
  g_clear_object (&data->stream);
  g_clear_pointer (&data->refused_fingerprint, g_free);
  if (data->answer != NULL)
    g_byte_array_set_size (data->answer, 0);
  else
    data->answer = g_byte_array_new ();

  data->msg = soup_message_new_from_uri (SOUP_METHOD_POST, self->uri);
  /* The API never redirects; following one could carry a partner key, a
   * password or a seed to another address (even a plain http:// one). */
  soup_message_add_flags (data->msg, SOUP_MESSAGE_NO_REDIRECT);
  soup_message_set_request_body_from_bytes (data->msg, "application/json", data->body);
  soup_message_headers_replace (soup_message_get_request_headers (data->msg), "Accept", "application/json");
  g_signal_connect (data->msg, "accept-certificate", G_CALLBACK (on_accept_certificate), task);
  soup_session_send_async (self->session, data->msg, G_PRIORITY_DEFAULT,
                           g_task_get_cancellable (task), send_cb, task);
}

static void
lk_remote_backend_call_async (LkBackend           *backend,
                              LkApiRequest        *request,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  LkRemoteBackend *self = LK_REMOTE_BACKEND (backend);
  g_autoptr(LkApiRequest) owned = request;
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  CallData *data = g_new0 (CallData, 1);

  g_task_set_source_tag (task, lk_remote_backend_call_async);
  g_task_set_name (task, "lk-remote-backend-call");

  g_free (owned->account_name);
  owned->account_name = g_strdup (self->account);
  lk_secure_str_free (owned->account_key);
  owned->account_key = g_strdup (self->account_key);

  data->op = owned->op;
  data->body = lk_api_request_encode (owned);
  g_task_set_task_data (task, data, (GDestroyNotify) call_data_free);

  if (owned->op == LK_API_OP_CREATE_ACCOUNT)
    {
      /* latchkeyd refuses it anyway; do not send a new key over the wire. */
      g_task_return_pointer (task,
                             lk_api_response_new_error (owned->op, LK_API_ERROR_NOT_ALLOWED,
                                                        _("Partner accounts are created on the server itself (latchkeyctl account create)")),
                             (GDestroyNotify) lk_api_response_free);
      g_object_unref (task);
      return;
    }
  send_attempt (task);   /* the task's own reference travels with the attempts */
}

static LkApiResponse *
lk_remote_backend_call_finish (LkBackend     *backend,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, backend), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static char *
lk_remote_backend_describe (LkBackend *backend)
{
  return g_strdup (LK_REMOTE_BACKEND (backend)->url);
}

static void
lk_remote_backend_iface_init (LkBackendInterface *iface)
{
  iface->call_async = lk_remote_backend_call_async;
  iface->call_finish = lk_remote_backend_call_finish;
  iface->describe = lk_remote_backend_describe;
}

static void
lk_remote_backend_finalize (GObject *object)
{
  LkRemoteBackend *self = LK_REMOTE_BACKEND (object);

  g_clear_object (&self->session);
  g_clear_pointer (&self->uri, g_uri_unref);
  g_free (self->url);
  g_free (self->account);
  lk_secure_str_free (self->account_key);
  g_free (self->pin);
  g_free (self->untrusted_fingerprint);

  G_OBJECT_CLASS (lk_remote_backend_parent_class)->finalize (object);
}

static void
lk_remote_backend_class_init (LkRemoteBackendClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = lk_remote_backend_finalize;
}

static void
lk_remote_backend_init (LkRemoteBackend *self)
{
  self->session = soup_session_new_with_options ("timeout", LK_REMOTE_DEFAULT_TIMEOUT,
                                                 "idle-timeout", 60,
                                                 "user-agent", "latchkey/" LK_VERSION,
                                                 NULL);
}

LkBackend *
lk_remote_backend_new (const char  *url,
                       const char  *account,
                       const char  *account_key,
                       GError     **error)
{
  g_autoptr(LkRemoteBackend) self = NULL;
  g_autoptr(GUri) parsed = NULL;
  const char *scheme;
  const char *path;

  g_return_val_if_fail (url != NULL, NULL);

  parsed = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  scheme = parsed != NULL ? g_uri_get_scheme (parsed) : NULL;
  if (parsed == NULL || scheme == NULL || g_uri_get_host (parsed) == NULL || *g_uri_get_host (parsed) == '\0'
      || (g_ascii_strcasecmp (scheme, "https") != 0 && g_ascii_strcasecmp (scheme, "http") != 0)
      || g_uri_get_userinfo (parsed) != NULL)
    {
      g_set_error (error, LK_REMOTE_ERROR, LK_REMOTE_ERROR_INVALID_URL,
                   _("“%s” is not an http:// or https:// server address"), url);
      return NULL;
    }

  self = g_object_new (LK_TYPE_REMOTE_BACKEND, NULL);
  path = g_uri_get_path (parsed);
  if (path == NULL || *path == '\0' || g_str_equal (path, "/"))
    self->uri = g_uri_build (G_URI_FLAGS_NONE, scheme, NULL, g_uri_get_host (parsed), g_uri_get_port (parsed),
                             LK_API_DEFAULT_PATH, g_uri_get_query (parsed), NULL);
  else
    self->uri = g_uri_ref (parsed);
  self->url = g_uri_to_string (self->uri);
  self->account = g_strdup (account);
  self->account_key = g_strdup (account_key);
  return LK_BACKEND (g_steal_pointer (&self));
}

void
lk_remote_backend_set_timeout (LkRemoteBackend *self,
                               guint            seconds)
{
  g_return_if_fail (LK_IS_REMOTE_BACKEND (self));

  soup_session_set_timeout (self->session, seconds > 0 ? seconds : LK_REMOTE_DEFAULT_TIMEOUT);
}

void
lk_remote_backend_set_credentials (LkRemoteBackend *self,
                                   const char      *account,
                                   const char      *account_key)
{
  g_return_if_fail (LK_IS_REMOTE_BACKEND (self));

  g_free (self->account);
  self->account = g_strdup (account);
  lk_secure_str_free (self->account_key);
  self->account_key = g_strdup (account_key);
}

const char *
lk_remote_backend_get_untrusted_fingerprint (LkRemoteBackend *self)
{
  g_return_val_if_fail (LK_IS_REMOTE_BACKEND (self), NULL);

  return self->untrusted_fingerprint;
}

const char *
lk_remote_backend_get_url (LkRemoteBackend *self)
{
  g_return_val_if_fail (LK_IS_REMOTE_BACKEND (self), NULL);

  return self->url;
}
