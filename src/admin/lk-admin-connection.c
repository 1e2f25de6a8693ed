/* SPDX-License-Identifier: GPL-3.0-or-later
 * Opening the admin console's backend: the embedded engine or a latchkeyd server.
 *
 * Secrets never touch a file: the embedded engine's partner key and a
 * server's account key live in the Secret Service (libsecret), looked up and
 * stored asynchronously so the window stays responsive while the keyring
 * unlocks. A connection is only handed to the window after one real call
 * (a one-user search) succeeded, so a wrong key or an unreachable server is
 * reported where it was typed. */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <libsecret/secret.h>

#include "lk-admin-backend.h"
#include "lk-admin-connection.h"
#include "lk-admin-delivery-settings.h"
#include "lk-local-backend.h"
#include "lk-remote-backend.h"
#include "lk-secret-key-provider.h"
#include "lk-secure.h"

#define EMBEDDED_ACCOUNT "local"

static const SecretSchema *
account_schema (void)
{
  /* Attributes name the place and the account, never the key. */
  static const SecretSchema schema = {
    "org.latchkey.Latchkey.AdminAccount", SECRET_SCHEMA_NONE,
    {
      { "location", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "account", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    }
  };

  return &schema;
}

typedef struct
{
  char      *location;     /* db path or server URL */
  char      *account;
  char      *key;          /* wiped */
  char      *pinned;
  gboolean   remote;
  gboolean   store_key;    /* store @key once the server took it */
  gboolean   created;      /* the embedded account was just made */
  LkBackend *backend;
  char      *label;
  char      *fingerprint;
} Connect;

static void
connect_free (Connect *c)
{
  g_free (c->location);
  g_free (c->account);
  lk_secure_str_free (c->key);
  g_free (c->pinned);
  g_clear_object (&c->backend);
  g_free (c->label);
  g_free (c->fingerprint);
  g_free (c);
}

char *
lk_admin_default_db_path (void)
{
  return g_build_filename (g_get_user_data_dir (), "latchkey", "latchkey.db", NULL);
}

/* ---- the last step of both: one real call -------------------------------- */

static void
key_stored (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!secret_password_store_finish (result, &error))
    {
      g_prefix_error (&error, "%s", _("Connected, but the key could not be kept in the keyring: "));
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static void
store_key (GTask *task)
{
  Connect *c = g_task_get_task_data (task);
  g_autofree char *label = g_strdup_printf (c->remote ? _("Latchkey server account %s") : _("Latchkey embedded account %s"),
                                            c->account);

  secret_password_store (account_schema (), SECRET_COLLECTION_DEFAULT, label, c->key,
                         g_task_get_cancellable (task), key_stored, task,
                         "location", c->location, "account", c->account, NULL);
}

static void
probed (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Connect *c = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(LkApiResponse) response = NULL;

  response = lk_admin_backend_call_finish (c->backend, result, &error);
  if (response == NULL)
    {
      if (c->remote && LK_IS_REMOTE_BACKEND (c->backend))
        c->fingerprint = g_strdup (lk_remote_backend_get_untrusted_fingerprint (LK_REMOTE_BACKEND (c->backend)));
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (c->store_key)
    {
      store_key (g_steal_pointer (&task));
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static void
probe (GTask *task)
{
  Connect *c = g_task_get_task_data (task);
  LkApiRequest *request = lk_api_request_new (LK_API_OP_FIND_USERS);

  request->limit = 1;
  request->offset = 0;
  lk_admin_backend_call (c->backend, request, g_task_get_cancellable (task), probed, task);
}

LkBackend *
lk_admin_connect_finish (GAsyncResult  *result,
                         char         **out_label,
                         char         **out_fingerprint,
                         GError       **error)
{
  GTask *task = G_TASK (result);
  Connect *c = g_task_get_task_data (task);

  if (!g_task_propagate_boolean (task, error))
    {
      if (out_fingerprint != NULL)
        *out_fingerprint = g_strdup (c->fingerprint);
      return NULL;
    }
  if (out_label != NULL)
    *out_label = g_strdup (c->label);
  return g_object_ref (c->backend);
}

/* ---- embedded ------------------------------------------------------------ */

static void
account_created (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Connect *c = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(LkApiResponse) response = NULL;

  response = lk_admin_backend_call_finish (c->backend, result, &error);
  if (response == NULL)
    {
      if (g_error_matches (error, LK_API_ERROR, LK_ENGINE_ERROR_ACCOUNT_EXISTS))
        {
          g_clear_error (&error);
          g_set_error (&error, LK_API_ERROR, LK_ENGINE_ERROR_PARTNER_LOGIN_FAILED,
                       _("The database %s already has an account, and its key is not in your keyring. "
                         "Restore the keyring, or connect with latchkeyctl to reset the account key."),
                       c->location);
        }
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  c->store_key = TRUE;
  probe (g_steal_pointer (&task));
}

static void
open_embedded (GTask *task)
{
  Connect *c = g_task_get_task_data (task);
  g_autoptr(LkKeyProvider) keys = lk_secret_key_provider_new (c->location);

  c->backend = lk_local_backend_new (c->location, keys, c->account, c->key);
  lk_local_backend_set_actor (LK_LOCAL_BACKEND (c->backend), "gui");
  /* Sends its own outbox with the Preferences' settings (docs/delivery.md). */
  lk_admin_delivery_start (c->backend);
  c->label = g_strdup_printf (_("Embedded: %s"), c->location);
  if (c->created)
    {
      LkApiRequest *request = lk_api_request_new (LK_API_OP_CREATE_ACCOUNT);

      request->account_name = g_strdup (c->account);
      request->account_key = g_strdup (c->key);
      lk_admin_backend_call (c->backend, request, g_task_get_cancellable (task), account_created, task);
    }
  else
    probe (task);
}

static void
embedded_key_found (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Connect *c = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  char *key;

  key = secret_password_lookup_finish (result, &error);
  if (error != NULL)
    {
      g_prefix_error (&error, "%s", _("The keyring could not be read: "));
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (key != NULL)
    {
      c->key = g_strdup (key);
      secret_password_free (key);
    }
  else
    {
      guint8 raw[24];

      /* First run: a fresh random partner key that only the keyring holds. */
      if (!lk_random_bytes (raw, sizeof raw, &error))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      c->key = g_base64_encode (raw, sizeof raw);
      lk_secure_wipe (raw, sizeof raw);
      c->created = TRUE;
    }
  open_embedded (g_steal_pointer (&task));
}

void
lk_admin_connect_embedded_async (const char          *db_path,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autofree char *dir = g_path_get_dirname (db_path);
  Connect *c = g_new0 (Connect, 1);

  g_task_set_source_tag (task, lk_admin_connect_embedded_async);
  c->location = g_strdup (db_path);
  c->account = g_strdup (EMBEDDED_ACCOUNT);
  g_task_set_task_data (task, c, (GDestroyNotify) connect_free);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved),
                               _("Could not create %s: %s"), dir, g_strerror (saved));
      return;
    }
  secret_password_lookup (account_schema (), cancellable, embedded_key_found, g_steal_pointer (&task),
                          "location", c->location, "account", c->account, NULL);
}

/* ---- remote -------------------------------------------------------------- */

static void
open_remote (GTask *task)
{
  Connect *c = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  c->backend = lk_remote_backend_new (c->location, c->account, c->key, &error);
  if (c->backend == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (c->pinned != NULL &&
      !lk_remote_backend_set_pinned_fingerprint (LK_REMOTE_BACKEND (c->backend), c->pinned, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  c->label = g_strdup_printf ("%s (%s)", c->location, c->account);
  probe (task);
}

static void
remote_key_found (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Connect *c = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  char *key;

  key = secret_password_lookup_finish (result, &error);
  if (error != NULL)
    {
      g_prefix_error (&error, "%s", _("The keyring could not be read: "));
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (key == NULL)
    {
      g_task_return_new_error (task, LK_API_ERROR, LK_ENGINE_ERROR_PARTNER_LOGIN_FAILED,
                               _("No account key for %s is in your keyring. Open Connection and type the key."),
                               c->location);
      return;
    }
  c->key = g_strdup (key);
  secret_password_free (key);
  open_remote (g_steal_pointer (&task));
}

void
lk_admin_connect_remote_async (const char          *url,
                               const char          *account,
                               const char          *key,
                               const char          *pinned_sha256,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  Connect *c = g_new0 (Connect, 1);

  g_task_set_source_tag (task, lk_admin_connect_remote_async);
  c->remote = TRUE;
  c->location = g_strdup (url);
  c->account = g_strdup (account);
  c->pinned = pinned_sha256 && *pinned_sha256 ? g_strdup (pinned_sha256) : NULL;
  g_task_set_task_data (task, c, (GDestroyNotify) connect_free);

  if (key != NULL && *key != '\0')
    {
      c->key = g_strdup (key);
      c->store_key = TRUE;
      open_remote (g_steal_pointer (&task));
      return;
    }
  secret_password_lookup (account_schema (), cancellable, remote_key_found, g_steal_pointer (&task),
                          "location", c->location, "account", c->account, NULL);
}
