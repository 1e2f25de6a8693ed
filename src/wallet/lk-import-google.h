/* SPDX-License-Identifier: GPL-3.0-or-later
 * Google Authenticator's "Transfer accounts" QR codes (otpauth-migration://offline?data=…).
 *
 * One export may span several QR codes. lk_import_google_parse() reads one
 * of them; LkMigrationBatch collects the parts of a multi-QR export in any
 * order and yields entries only once every part is there. */
#pragma once

#include <glib-object.h>
#include "lk-import-entry.h"

G_BEGIN_DECLS

#define LK_IMPORT_GOOGLE_MAX_URI_SIZE  (64 * 1024)
#define LK_IMPORT_GOOGLE_MAX_BATCH     1000

typedef struct
{
  guint   size;    /* number of QR codes in the export (1 for a single one) */
  guint   index;   /* 0-based index of this part */
  gint32  id;      /* the export's batch id; equal for all its parts */
} LkMigrationPart;

/* TRUE when @text starts with "otpauth-migration:" (case-insensitive). */
gboolean    lk_import_google_is_migration_uri (const char *text);

/* Decodes one migration URI into entries (LkImportEntry). The data
 * parameter may be percent-encoded or raw ('+' and '/' as they are, or a
 * '+' turned into a space by a URL decoder). @part (nullable) receives the
 * batch fields. A corrupt URI is an LK_IMPORT_ERROR_CORRUPT error; an
 * unusable token (MD5, unknown algorithm) is an entry with a reason. */
GPtrArray  *lk_import_google_parse  (const char       *uri,
                                     LkMigrationPart  *part,
                                     GError          **error);

/* The same on the raw protobuf payload (what the data parameter holds). */
GPtrArray  *lk_import_google_parse_payload (const guint8     *data,
                                            gsize             len,
                                            LkMigrationPart  *part,
                                            GError          **error);

#define LK_TYPE_MIGRATION_BATCH (lk_migration_batch_get_type ())
G_DECLARE_FINAL_TYPE (LkMigrationBatch, lk_migration_batch, LK, MIGRATION_BATCH, GObject)

LkMigrationBatch *lk_migration_batch_new           (void);

/* Adds one scanned part. The first part fixes the batch id and size; a part
 * with another id is LK_IMPORT_ERROR_OTHER_BATCH and changes nothing. A
 * part scanned twice is accepted and ignored (*@was_new FALSE). Notifies
 * "received" and, when the last part arrives, "complete". */
gboolean          lk_migration_batch_add           (LkMigrationBatch  *self,
                                                    const char        *uri,
                                                    gboolean          *was_new,
                                                    GError           **error);

guint             lk_migration_batch_get_size      (LkMigrationBatch  *self);  /* 0 before the first part */
guint             lk_migration_batch_get_received  (LkMigrationBatch  *self);
gboolean          lk_migration_batch_is_complete   (LkMigrationBatch  *self);

/* The 1-based numbers of the parts not yet scanned (transfer full; element guint). */
GArray           *lk_migration_batch_get_missing   (LkMigrationBatch  *self);

/* "2 of 3 scanned" (translated). */
char             *lk_migration_batch_describe      (LkMigrationBatch  *self);

/* Every entry of every part in part order, once the batch is complete;
 * LK_IMPORT_ERROR_INCOMPLETE (naming the missing parts) before that. */
GPtrArray        *lk_migration_batch_dup_entries   (LkMigrationBatch  *self,
                                                    GError           **error);

G_END_DECLS
