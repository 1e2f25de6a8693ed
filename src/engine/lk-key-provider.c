/* SPDX-License-Identifier: GPL-3.0-or-later
 * The master key provider interface and its file and in-memory providers. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "lk-key-provider.h"
#include "lk-engine-error.h"
#include "lk-secure.h"

G_DEFINE_INTERFACE (LkKeyProvider, lk_key_provider, G_TYPE_OBJECT)

static void
lk_key_provider_default_init (LkKeyProviderInterface *iface)
{
}

gboolean
lk_key_provider_load_key (LkKeyProvider *self,
                          guint8         key[LK_MASTER_KEY_SIZE],
                          GError       **error)
{
  g_return_val_if_fail (LK_IS_KEY_PROVIDER (self), FALSE);
  return LK_KEY_PROVIDER_GET_IFACE (self)->load_key (self, key, error);
}

gboolean
lk_key_provider_store_key (LkKeyProvider *self,
                           const guint8   key[LK_MASTER_KEY_SIZE],
                           GError       **error)
{
  g_return_val_if_fail (LK_IS_KEY_PROVIDER (self), FALSE);
  return LK_KEY_PROVIDER_GET_IFACE (self)->store_key (self, key, error);
}

/* ---- file provider ---- */

struct _LkFileKeyProvider
{
  GObject  parent_instance;
  char    *path;
  GMutex   lock;   /* one load or store at a time across worker threads */
};

static void lk_file_key_provider_iface_init (LkKeyProviderInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (LkFileKeyProvider, lk_file_key_provider, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (LK_TYPE_KEY_PROVIDER, lk_file_key_provider_iface_init))

static gboolean
write_all (int           fd,
           const guint8 *data,
           gsize         len)
{
  while (len > 0)
    {
      ssize_t n = write (fd, data, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      data += n;
      len -= (gsize) n;
    }
  return TRUE;
}

/* Creates @path with a fresh key. The key is written and synced under a
 * temporary name first and then linked into place, so the file appears
 * whole or not at all; link() fails if @path exists, so two processes
 * racing to create it never both win (the loser reads the winner's key). */
static gboolean
create_key_file (const char  *path,
                 guint8       key[LK_MASTER_KEY_SIZE],
                 GError     **error)
{
  g_autofree char *tmp = g_strconcat (path, ".XXXXXX", NULL);
  gboolean ok;
  int fd;

  if (!lk_random_bytes (key, LK_MASTER_KEY_SIZE, error))
    return FALSE;
  fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int saved = errno;
      lk_secure_wipe (key, LK_MASTER_KEY_SIZE);
      g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_MASTER_KEY,
                   _("Cannot create the master key file “%s”: %s"), path, g_strerror (saved));
      return FALSE;
    }
  ok = write_all (fd, key, LK_MASTER_KEY_SIZE) && fsync (fd) == 0;
  close (fd);
  lk_secure_wipe (key, LK_MASTER_KEY_SIZE);
  if (ok && link (tmp, path) != 0 && errno != EEXIST)
    ok = FALSE;
  g_unlink (tmp);
  if (!ok)
    {
      g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_MASTER_KEY,
                   _("Cannot write the master key file “%s”"), path);
      return FALSE;
    }
  return TRUE;
}

static gboolean
lk_file_key_provider_load (LkKeyProvider *provider,
                           guint8         key[LK_MASTER_KEY_SIZE],
                           GError       **error)
{
  LkFileKeyProvider *self = LK_FILE_KEY_PROVIDER (provider);
  g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new (&self->lock);
  struct stat st;
  gsize got = 0;
  int fd;

  fd = g_open (self->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW, 0);
  if (fd < 0 && errno == ENOENT)
    {
      if (!create_key_file (self->path, key, error))
        return FALSE;
      fd = g_open (self->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW, 0);
    }
  if (fd < 0)
    {
      g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_MASTER_KEY,
                   _("Cannot open the master key file “%s”: %s"), self->path, g_strerror (errno));
      return FALSE;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      close (fd);
      g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_MASTER_KEY,
                   _("The master key file “%s” is not a regular file"), self->path);
      return FALSE;
    }
  if ((st.st_mode & 077) != 0)
    {
      close (fd);
      g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_MASTER_KEY,
                   _("The master key file “%s” is readable or writable by others (mode %o); make it 0600"),
                   self->path, (unsigned) (st.st_mode & 0777));
      return FALSE;
    }
  if (st.st_size != LK_MASTER_KEY_SIZE)
    {
      close (fd);
      g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_MASTER_KEY,
                   _("The master key file “%s” must hold exactly %d bytes"), self->path, LK_MASTER_KEY_SIZE);
      return FALSE;
    }
  while (got < LK_MASTER_KEY_SIZE)
    {
      ssize_t n = read (fd, key + got, LK_MASTER_KEY_SIZE - got);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      got += (gsize) n;
    }
  close (fd);
  if (got != LK_MASTER_KEY_SIZE)
    {
      lk_secure_wipe (key, LK_MASTER_KEY_SIZE);
      g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_MASTER_KEY,
                   _("Cannot read the master key file “%s”"), self->path);
      return FALSE;
    }
  return TRUE;
}

static gboolean
lk_file_key_provider_store (LkKeyProvider *provider,
                            const guint8   key[LK_MASTER_KEY_SIZE],
                            GError       **error)
{
  LkFileKeyProvider *self = LK_FILE_KEY_PROVIDER (provider);
  g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new (&self->lock);
  g_autofree char *tmp = g_strconcat (self->path, ".new", NULL);
  g_autofree char *dir = g_path_get_dirname (self->path);
  gboolean ok;
  int fd;

  g_unlink (tmp);
  fd = g_open (tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_MASTER_KEY,
                   _("Cannot write the master key file “%s”: %s"), tmp, g_strerror (errno));
      return FALSE;
    }
  ok = write_all (fd, key, LK_MASTER_KEY_SIZE) && fsync (fd) == 0;
  close (fd);
  if (!ok || g_rename (tmp, self->path) != 0)
    {
      g_unlink (tmp);
      g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_MASTER_KEY,
                   _("Cannot replace the master key file “%s”"), self->path);
      return FALSE;
    }
  /* The rename is durable only once the directory is synced. */
  fd = g_open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  if (fd >= 0)
    {
      fsync (fd);
      close (fd);
    }
  return TRUE;
}

static void
lk_file_key_provider_iface_init (LkKeyProviderInterface *iface)
{
  iface->load_key = lk_file_key_provider_load;
  iface->store_key = lk_file_key_provider_store;
}

static void
lk_file_key_provider_finalize (GObject *object)
{
  LkFileKeyProvider *self = LK_FILE_KEY_PROVIDER (object);

  g_free (self->path);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (lk_file_key_provider_parent_class)->finalize (object);
}

static void
lk_file_key_provider_class_init (LkFileKeyProviderClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = lk_file_key_provider_finalize;
}

static void
lk_file_key_provider_init (LkFileKeyProvider *self)
{
  g_mutex_init (&self->lock);
}

LkKeyProvider *
lk_file_key_provider_new (const char *path)
{
  LkFileKeyProvider *self;

  g_return_val_if_fail (path != NULL, NULL);
  self = g_object_new (LK_TYPE_FILE_KEY_PROVIDER, NULL);
  self->path = g_strdup (path);
  return LK_KEY_PROVIDER (self);
}

const char *
lk_file_key_provider_get_path (LkFileKeyProvider *self)
{
  g_return_val_if_fail (LK_IS_FILE_KEY_PROVIDER (self), NULL);
  return self->path;
}

/* ---- memory provider ---- */

struct _LkMemoryKeyProvider
{
  GObject  parent_instance;
  guint8   key[LK_MASTER_KEY_SIZE];
  GMutex   lock;
};

static void lk_memory_key_provider_iface_init (LkKeyProviderInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (LkMemoryKeyProvider, lk_memory_key_provider, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (LK_TYPE_KEY_PROVIDER, lk_memory_key_provider_iface_init))

static gboolean
lk_memory_key_provider_load (LkKeyProvider *provider,
                             guint8         key[LK_MASTER_KEY_SIZE],
                             GError       **error)
{
  LkMemoryKeyProvider *self = LK_MEMORY_KEY_PROVIDER (provider);
  g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new (&self->lock);

  memcpy (key, self->key, LK_MASTER_KEY_SIZE);
  return TRUE;
}

static gboolean
lk_memory_key_provider_store (LkKeyProvider *provider,
                              const guint8   key[LK_MASTER_KEY_SIZE],
                              GError       **error)
{
  LkMemoryKeyProvider *self = LK_MEMORY_KEY_PROVIDER (provider);
  g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new (&self->lock);

  memcpy (self->key, key, LK_MASTER_KEY_SIZE);
  return TRUE;
}

static void
lk_memory_key_provider_iface_init (LkKeyProviderInterface *iface)
{
  iface->load_key = lk_memory_key_provider_load;
  iface->store_key = lk_memory_key_provider_store;
}

static void
lk_memory_key_provider_finalize (GObject *object)
{
  LkMemoryKeyProvider *self = LK_MEMORY_KEY_PROVIDER (object);

  lk_secure_wipe (self->key, sizeof self->key);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (lk_memory_key_provider_parent_class)->finalize (object);
}

static void
lk_memory_key_provider_class_init (LkMemoryKeyProviderClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = lk_memory_key_provider_finalize;
}

static void
lk_memory_key_provider_init (LkMemoryKeyProvider *self)
{
  g_mutex_init (&self->lock);
}

LkKeyProvider *
lk_memory_key_provider_new (const guint8 *key)
{
  LkMemoryKeyProvider *self = g_object_new (LK_TYPE_MEMORY_KEY_PROVIDER, NULL);

  if (key != NULL)
    memcpy (self->key, key, LK_MASTER_KEY_SIZE);
  else if (!lk_random_bytes (self->key, LK_MASTER_KEY_SIZE, NULL))
    g_error ("The system random number generator failed");
  return LK_KEY_PROVIDER (self);
}
