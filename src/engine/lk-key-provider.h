/* SPDX-License-Identifier: GPL-3.0-or-later
 * Where the engine's 32-byte master key comes from: an interface, a 0600 key
 * file provider (servers) and an in-memory provider (tests and tools).
 * The Secret Service provider (desktop) lives in the api layer. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define LK_MASTER_KEY_SIZE 32

#define LK_TYPE_KEY_PROVIDER (lk_key_provider_get_type ())
G_DECLARE_INTERFACE (LkKeyProvider, lk_key_provider, LK, KEY_PROVIDER, GObject)

/* Implementations must be callable from any thread: a server shares one
 * provider between the engines of its worker threads. Neither method may
 * log or keep a copy of the key outside memory it wipes. */
struct _LkKeyProviderInterface
{
  GTypeInterface g_iface;

  /* Writes the current master key into @key. A provider that has no key
   * yet may create one here (the file provider does). */
  gboolean (*load_key)  (LkKeyProvider *self,
                         guint8         key[LK_MASTER_KEY_SIZE],
                         GError       **error);

  /* Replaces the stored master key (rotation). Must be durable (written and
   * synced) when it returns TRUE. */
  gboolean (*store_key) (LkKeyProvider *self,
                         const guint8   key[LK_MASTER_KEY_SIZE],
                         GError       **error);
};

gboolean lk_key_provider_load_key  (LkKeyProvider *self,
                                    guint8         key[LK_MASTER_KEY_SIZE],
                                    GError       **error);
gboolean lk_key_provider_store_key (LkKeyProvider *self,
                                    const guint8   key[LK_MASTER_KEY_SIZE],
                                    GError       **error);

/* A key file holding exactly 32 raw bytes, mode 0600. When @path does not
 * exist, the first load creates it with a fresh random key (O_EXCL, 0600).
 * A file that group or others can read or write, that is not a regular
 * file, or whose size is not 32 is refused with LK_ENGINE_ERROR_MASTER_KEY.
 * store_key() writes a temporary file, fsyncs it and renames it over @path. */
#define LK_TYPE_FILE_KEY_PROVIDER (lk_file_key_provider_get_type ())
G_DECLARE_FINAL_TYPE (LkFileKeyProvider, lk_file_key_provider, LK, FILE_KEY_PROVIDER, GObject)

LkKeyProvider *lk_file_key_provider_new    (const char   *path);
const char    *lk_file_key_provider_get_path (LkFileKeyProvider *self);

/* A key held only in (wiped-on-free) memory. @key may be NULL for a fresh
 * random key. store_key() replaces it in memory. */
#define LK_TYPE_MEMORY_KEY_PROVIDER (lk_memory_key_provider_get_type ())
G_DECLARE_FINAL_TYPE (LkMemoryKeyProvider, lk_memory_key_provider, LK, MEMORY_KEY_PROVIDER, GObject)

LkKeyProvider *lk_memory_key_provider_new  (const guint8 *key);

G_END_DECLS
