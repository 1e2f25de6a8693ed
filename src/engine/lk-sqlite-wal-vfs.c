/* SPDX-License-Identifier: GPL-3.0-or-later
 * A SQLite VFS that wraps the platform's own and writes each commit's WAL
 * frames with one system call instead of two per frame.
 *
 * SQLite appends a WAL frame as two writes, the 24-byte frame header and
 * then the page, so a validation (two dirty pages) costs four write calls,
 * each touching the page cache at an unaligned offset. They are most of the
 * kernel time of a commit. This VFS gathers the frames of one commit in
 * memory and hands them to the wrapped VFS as one write when the commit
 * frame (the one whose header carries the database size) is complete.
 *
 * Why holding frames back is safe:
 * - A commit is visible to other connections only through the wal-index
 *   header, which SQLite writes after its last frame write returns; that
 *   write is the commit frame's page, and it flushes. A failed flush fails
 *   that write, so SQLite rolls the commit back as it would without us.
 * - Frames of a transaction that is not committing are written only when
 *   the pager spills its cache mid-transaction. The store turns spilling
 *   off (PRAGMA cache_spill=OFF, lk-store-sqlite.c), so frames are only ever
 *   written by a commit. Should a spill happen anyway, every other call on
 *   the WAL file (read, sync, size, truncate, close, …) flushes first.
 * - Only appends are held: a header is held only when the previous call on
 *   this file was a write that ended where it starts, which is how SQLite
 *   appends. Rewritten headers (walRewriteChecksums) follow a read, and
 *   in-place page rewrites are not preceded by a held header; both go
 *   straight through.
 * The main database file and journals are opened by the wrapped VFS itself,
 * with its own methods: they cost nothing extra. */
#include "config.h"

#include <string.h>
#include <sqlite3.h>

#include "lk-sqlite-wal-vfs.h"

#define VFS_NAME         "latchkey-wal"
#define FRAME_HEADER     24
/* Flush once this much is held. The unix VFS writes at most 128 KiB in one
 * call (it masks the length with 0x1ffff), and a frame of the largest page
 * size (64 KiB) may still be added after this, so keep well below. */
#define HOLD_LIMIT       (32 * 1024)

typedef struct
{
  sqlite3_file   base;       /* pMethods = &wal_methods */
  sqlite3_file  *real;       /* the wrapped VFS's file, after this struct */
  guint8        *buf;        /* held bytes, contiguous from @buf_offset */
  gsize          buf_len;
  gsize          buf_size;
  sqlite3_int64  buf_offset;
  sqlite3_int64  append_end; /* end of the previous call's write; -1 after any other call */
  gboolean       commit;     /* the held frames end with a commit frame's header */
} WalFile;

static sqlite3_vfs *real_vfs;
static sqlite3_vfs wal_vfs;
static gsize sqlite_writes;   /* atomics: statistics only */
static gsize file_writes;

#define FILE_OFFSET ((sizeof (WalFile) + 15) & ~(gsize) 15)

static int
flush (WalFile *self)
{
  int rc;

  if (self->buf_len == 0)
    return SQLITE_OK;
  rc = self->real->pMethods->xWrite (self->real, self->buf, (int) self->buf_len, self->buf_offset);
  g_atomic_pointer_add (&file_writes, 1);
  /* Whether it worked or not the bytes are gone: after a failed write
   * SQLite rolls back and writes its frames again. */
  self->buf_len = 0;
  self->commit = FALSE;
  return rc;
}

/* Every call but an appending write ends a run of appends. */
static int
flush_for_other_call (WalFile *self)
{
  self->append_end = -1;
  return flush (self);
}

static void
hold (WalFile    *self,
      const void *data,
      int         amount,
      sqlite3_int64 offset)
{
  if (self->buf_len == 0)
    self->buf_offset = offset;
  if (self->buf_len + (gsize) amount > self->buf_size)
    {
      self->buf_size = MAX (self->buf_size * 2, self->buf_len + (gsize) amount);
      self->buf = g_realloc (self->buf, self->buf_size);
    }
  memcpy (self->buf + self->buf_len, data, (gsize) amount);
  self->buf_len += (gsize) amount;
}

static gboolean
is_commit_header (const guint8 *header)
{
  /* Bytes 4–7 of a frame header: the database size after a commit, 0 in
   * every other frame. */
  return (header[4] | header[5] | header[6] | header[7]) != 0;
}

static int
wal_write (sqlite3_file *file,
           const void   *data,
           int           amount,
           sqlite3_int64 offset)
{
  WalFile *self = (WalFile *) file;
  gboolean appending = offset == self->append_end;
  int rc;

  g_atomic_pointer_add (&sqlite_writes, 1);
  if (self->buf_len > 0 && (!appending || self->buf_offset + (sqlite3_int64) self->buf_len != offset))
    {
      rc = flush (self);
      if (rc != SQLITE_OK)
        {
          self->append_end = -1;
          return rc;
        }
    }
  self->append_end = offset + amount;

  if (amount == FRAME_HEADER && appending)
    {
      /* A new frame's header: its page follows in the very next call. */
      hold (self, data, amount, offset);
      self->commit = is_commit_header (data);
      return SQLITE_OK;
    }
  if (self->buf_len > 0)
    {
      /* The page of the held header. */
      hold (self, data, amount, offset);
      if (self->commit || self->buf_len >= HOLD_LIMIT)
        return flush (self);
      return SQLITE_OK;
    }
  g_atomic_pointer_add (&file_writes, 1);
  return self->real->pMethods->xWrite (self->real, data, amount, offset);
}

static int
wal_close (sqlite3_file *file)
{
  WalFile *self = (WalFile *) file;
  int rc = flush (self);
  int close_rc = self->real->pMethods != NULL ? self->real->pMethods->xClose (self->real) : SQLITE_OK;

  g_clear_pointer (&self->buf, g_free);
  self->buf_size = 0;
  return rc != SQLITE_OK ? rc : close_rc;
}

/* The other methods flush, then forward. */
#define REAL(file) (((WalFile *) (file))->real)
#define FLUSH_OR_RETURN(file) \
  G_STMT_START { int flush_rc = flush_for_other_call ((WalFile *) (file)); \
                 if (flush_rc != SQLITE_OK) return flush_rc; } G_STMT_END

static int
wal_read (sqlite3_file *file, void *data, int amount, sqlite3_int64 offset)
{
  FLUSH_OR_RETURN (file);
  return REAL (file)->pMethods->xRead (REAL (file), data, amount, offset);
}

static int
wal_truncate (sqlite3_file *file, sqlite3_int64 size)
{
  FLUSH_OR_RETURN (file);
  return REAL (file)->pMethods->xTruncate (REAL (file), size);
}

static int
wal_sync (sqlite3_file *file, int flags)
{
  FLUSH_OR_RETURN (file);
  return REAL (file)->pMethods->xSync (REAL (file), flags);
}

static int
wal_file_size (sqlite3_file *file, sqlite3_int64 *size)
{
  FLUSH_OR_RETURN (file);
  return REAL (file)->pMethods->xFileSize (REAL (file), size);
}

static int
wal_lock (sqlite3_file *file, int level)
{
  FLUSH_OR_RETURN (file);
  return REAL (file)->pMethods->xLock (REAL (file), level);
}

static int
wal_unlock (sqlite3_file *file, int level)
{
  FLUSH_OR_RETURN (file);
  return REAL (file)->pMethods->xUnlock (REAL (file), level);
}

static int
wal_check_reserved_lock (sqlite3_file *file, int *out)
{
  FLUSH_OR_RETURN (file);
  return REAL (file)->pMethods->xCheckReservedLock (REAL (file), out);
}

static int
wal_file_control (sqlite3_file *file, int op, void *arg)
{
  FLUSH_OR_RETURN (file);
  return REAL (file)->pMethods->xFileControl (REAL (file), op, arg);
}

static int
wal_sector_size (sqlite3_file *file)
{
  return REAL (file)->pMethods->xSectorSize (REAL (file));
}

static int
wal_device_characteristics (sqlite3_file *file)
{
  return REAL (file)->pMethods->xDeviceCharacteristics (REAL (file));
}

/* SQLite maps shared memory through the database file, never the WAL, and
 * does not memory-map the WAL; these only keep the method table complete. */
static int
wal_shm_map (sqlite3_file *file, int region, int size, int extend, void volatile **out)
{
  FLUSH_OR_RETURN (file);
  return REAL (file)->pMethods->xShmMap (REAL (file), region, size, extend, out);
}

static int
wal_shm_lock (sqlite3_file *file, int offset, int n, int flags)
{
  FLUSH_OR_RETURN (file);
  return REAL (file)->pMethods->xShmLock (REAL (file), offset, n, flags);
}

static void
wal_shm_barrier (sqlite3_file *file)
{
  flush_for_other_call ((WalFile *) file);
  REAL (file)->pMethods->xShmBarrier (REAL (file));
}

static int
wal_shm_unmap (sqlite3_file *file, int delete_flag)
{
  FLUSH_OR_RETURN (file);
  return REAL (file)->pMethods->xShmUnmap (REAL (file), delete_flag);
}

static int
wal_fetch (sqlite3_file *file, sqlite3_int64 offset, int amount, void **out)
{
  FLUSH_OR_RETURN (file);
  return REAL (file)->pMethods->xFetch (REAL (file), offset, amount, out);
}

static int
wal_unfetch (sqlite3_file *file, sqlite3_int64 offset, void *page)
{
  FLUSH_OR_RETURN (file);
  return REAL (file)->pMethods->xUnfetch (REAL (file), offset, page);
}

static const sqlite3_io_methods wal_methods = {
  .iVersion = 3,
  .xClose = wal_close,
  .xRead = wal_read,
  .xWrite = wal_write,
  .xTruncate = wal_truncate,
  .xSync = wal_sync,
  .xFileSize = wal_file_size,
  .xLock = wal_lock,
  .xUnlock = wal_unlock,
  .xCheckReservedLock = wal_check_reserved_lock,
  .xFileControl = wal_file_control,
  .xSectorSize = wal_sector_size,
  .xDeviceCharacteristics = wal_device_characteristics,
  .xShmMap = wal_shm_map,
  .xShmLock = wal_shm_lock,
  .xShmBarrier = wal_shm_barrier,
  .xShmUnmap = wal_shm_unmap,
  .xFetch = wal_fetch,
  .xUnfetch = wal_unfetch,
};

static int
vfs_open (sqlite3_vfs  *vfs,
          const char   *name,
          sqlite3_file *file,
          int           flags,
          int          *out_flags)
{
  WalFile *self = (WalFile *) file;
  int rc;

  (void) vfs;
  /* Everything but a WAL is the wrapped VFS's own file, in place. */
  if ((flags & SQLITE_OPEN_WAL) == 0)
    return real_vfs->xOpen (real_vfs, name, file, flags, out_flags);

  memset (self, 0, sizeof *self);
  /* FILE_OFFSET is a multiple of 16: the wrapped file is aligned. */
  self->real = (sqlite3_file *) (void *) ((char *) file + FILE_OFFSET);
  self->append_end = -1;
  rc = real_vfs->xOpen (real_vfs, name, self->real, flags, out_flags);
  /* A wrapper with methods gets xClose; without, SQLite closes nothing. */
  self->base.pMethods = self->real->pMethods != NULL ? &wal_methods : NULL;
  return rc;
}

/* The rest is the wrapped VFS's. */
static int vfs_delete (sqlite3_vfs *v, const char *n, int s) { (void) v; return real_vfs->xDelete (real_vfs, n, s); }
static int vfs_access (sqlite3_vfs *v, const char *n, int f, int *o) { (void) v; return real_vfs->xAccess (real_vfs, n, f, o); }
static int vfs_full_pathname (sqlite3_vfs *v, const char *n, int l, char *o) { (void) v; return real_vfs->xFullPathname (real_vfs, n, l, o); }
static void *vfs_dl_open (sqlite3_vfs *v, const char *n) { (void) v; return real_vfs->xDlOpen (real_vfs, n); }
static void vfs_dl_error (sqlite3_vfs *v, int l, char *o) { (void) v; real_vfs->xDlError (real_vfs, l, o); }
static void (*vfs_dl_sym (sqlite3_vfs *v, void *h, const char *s)) (void) { (void) v; return real_vfs->xDlSym (real_vfs, h, s); }
static void vfs_dl_close (sqlite3_vfs *v, void *h) { (void) v; real_vfs->xDlClose (real_vfs, h); }
static int vfs_randomness (sqlite3_vfs *v, int l, char *o) { (void) v; return real_vfs->xRandomness (real_vfs, l, o); }
static int vfs_sleep (sqlite3_vfs *v, int us) { (void) v; return real_vfs->xSleep (real_vfs, us); }
static int vfs_current_time (sqlite3_vfs *v, double *o) { (void) v; return real_vfs->xCurrentTime (real_vfs, o); }
static int vfs_get_last_error (sqlite3_vfs *v, int l, char *o) { (void) v; return real_vfs->xGetLastError (real_vfs, l, o); }
static int vfs_current_time_int64 (sqlite3_vfs *v, sqlite3_int64 *o) { (void) v; return real_vfs->xCurrentTimeInt64 (real_vfs, o); }

static gpointer
register_vfs (gpointer data)
{
  (void) data;
  real_vfs = sqlite3_vfs_find (NULL);
  /* xCurrentTimeInt64 (version 2) is all we forward beyond version 1. */
  if (real_vfs == NULL || real_vfs->iVersion < 2)
    return NULL;

  wal_vfs.iVersion = 2;
  wal_vfs.szOsFile = (int) (FILE_OFFSET + (gsize) real_vfs->szOsFile);
  wal_vfs.mxPathname = real_vfs->mxPathname;
  wal_vfs.zName = VFS_NAME;
  wal_vfs.xOpen = vfs_open;
  wal_vfs.xDelete = vfs_delete;
  wal_vfs.xAccess = vfs_access;
  wal_vfs.xFullPathname = vfs_full_pathname;
  wal_vfs.xDlOpen = vfs_dl_open;
  wal_vfs.xDlError = vfs_dl_error;
  wal_vfs.xDlSym = vfs_dl_sym;
  wal_vfs.xDlClose = vfs_dl_close;
  wal_vfs.xRandomness = vfs_randomness;
  wal_vfs.xSleep = vfs_sleep;
  wal_vfs.xCurrentTime = vfs_current_time;
  wal_vfs.xGetLastError = vfs_get_last_error;
  wal_vfs.xCurrentTimeInt64 = vfs_current_time_int64;
  if (sqlite3_vfs_register (&wal_vfs, 0) != SQLITE_OK)
    return NULL;
  return (gpointer) VFS_NAME;
}

const char *
lk_sqlite_wal_vfs_name (void)
{
  static GOnce once = G_ONCE_INIT;

  return g_once (&once, register_vfs, NULL);
}

void
lk_sqlite_wal_vfs_get_counts (guint64 *out_sqlite_writes,
                              guint64 *out_file_writes)
{
  if (out_sqlite_writes)
    *out_sqlite_writes = (guint64) (gsize) g_atomic_pointer_get (&sqlite_writes);
  if (out_file_writes)
    *out_file_writes = (guint64) (gsize) g_atomic_pointer_get (&file_writes);
}
