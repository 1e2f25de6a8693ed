/* SPDX-License-Identifier: GPL-3.0-or-later
 * The Secret Service master-key provider: the key lives as a Base64 secret
 * in the user's keyring, never in a file, and is made on first use. */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>
#include <libsecret/secret.h>

#include "lk-engine-error.h"
#include "lk-secret-key-provider.h"
#include "lk-secure.h"

struct _LkSecretKeyProvider
{
  GObject  parent_instance;

  char    *db_path;
  GMutex   lock;   /* one create-on-first-use at a time */
};

static void lk_secret_key_provider_iface_init (LkKeyProviderInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (LkSecretKeyProvider, lk_secret_key_provider, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (LK_TYPE_KEY_PROVIDER, lk_secret_key_provider_iface_init))

static const SecretSchema *
master_key_schema (void)
{
  static const SecretSchema schema = {
    LK_SECRET_KEY_SCHEMA_NAME, SECRET_SCHEMA_NONE,
    {
      { "database", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    },
    0, NULL, NULL, NULL, NULL, NULL, NULL, NULL
  };

  return &schema;
}

static gboolean
keyring_error (GError     **error,
               const char  *what,
               GError      *cause)
{
  g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_MASTER_KEY,
               _("The keyring cannot %s the database master key: %s"), what,
               cause != NULL ? cause->message : _("no reason given"));
  g_clear_error (&cause);
  return FALSE;
}

static gboolean
store_locked (LkSecretKeyProvider *self,
              const guint8         key[LK_MASTER_KEY_SIZE],
              GError             **error)
{
  g_autofree char *label = g_strdup_printf (_("Latchkey database key (%s)"), self->db_path);
  char *encoded = g_base64_encode (key, LK_MASTER_KEY_SIZE);
  GError *local_error = NULL;
  gboolean ok;

  ok = secret_password_store_sync (master_key_schema (), SECRET_COLLECTION_DEFAULT, label, encoded,
                                   NULL, &local_error, "database", self->db_path, NULL);
  lk_secure_str_free (encoded);
  if (!ok)
    return keyring_error (error, _("store"), local_error);
  return TRUE;
}

static gboolean
lk_secret_key_provider_load_key (LkKeyProvider *provider,
                                 guint8         key[LK_MASTER_KEY_SIZE],
                                 GError       **error)
{
  LkSecretKeyProvider *self = LK_SECRET_KEY_PROVIDER (provider);
  GError *local_error = NULL;
  char *secret;
  gboolean ok = FALSE;

  g_mutex_lock (&self->lock);
  secret = secret_password_lookup_nonpageable_sync (master_key_schema (), NULL, &local_error,
                                                    "database", self->db_path, NULL);
  if (local_error != NULL)
    {
      ok = keyring_error (error, _("read"), local_error);
    }
  else if (secret == NULL)
    {
      /* First use of this database on this desktop. */
      ok = lk_random_bytes (key, LK_MASTER_KEY_SIZE, error) && store_locked (self, key, error);
      if (!ok)
        lk_secure_wipe (key, LK_MASTER_KEY_SIZE);
    }
  else
    {
      gsize len = 0;
      guchar *decoded = g_base64_decode (secret, &len);

      if (len == LK_MASTER_KEY_SIZE)
        {
          memcpy (key, decoded, LK_MASTER_KEY_SIZE);
          ok = TRUE;
        }
      else
        g_set_error_literal (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_MASTER_KEY,
                             _("The keyring's database master key is damaged"));
      lk_secure_wipe (decoded, len);
      g_free (decoded);
      secret_password_free (secret);
    }
  g_mutex_unlock (&self->lock);
  return ok;
}

static gboolean
lk_secret_key_provider_store_key (LkKeyProvider *provider,
                                  const guint8   key[LK_MASTER_KEY_SIZE],
                                  GError       **error)
{
  LkSecretKeyProvider *self = LK_SECRET_KEY_PROVIDER (provider);
  gboolean ok;

  g_mutex_lock (&self->lock);
  ok = store_locked (self, key, error);
  g_mutex_unlock (&self->lock);
  return ok;
}

static void
lk_secret_key_provider_iface_init (LkKeyProviderInterface *iface)
{
  iface->load_key = lk_secret_key_provider_load_key;
  iface->store_key = lk_secret_key_provider_store_key;
}

static void
lk_secret_key_provider_finalize (GObject *object)
{
  LkSecretKeyProvider *self = LK_SECRET_KEY_PROVIDER (object);

  g_free (self->db_path);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (lk_secret_key_provider_parent_class)->finalize (object);
}

static void
lk_secret_key_provider_class_init (LkSecretKeyProviderClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = lk_secret_key_provider_finalize;
}

static void
lk_secret_key_provider_init (LkSecretKeyProvider *self)
{
  g_mutex_init (&self->lock);
}

LkKeyProvider *
lk_secret_key_provider_new (const char *db_path)
{
  LkSecretKeyProvider *self;
  g_autofree char *absolute = NULL;

  g_return_val_if_fail (db_path != NULL, NULL);

  absolute = g_canonicalize_filename (db_path, NULL);
  self = g_object_new (LK_TYPE_SECRET_KEY_PROVIDER, NULL);
  self->db_path = g_steal_pointer (&absolute);
  return LK_KEY_PROVIDER (self);
}
