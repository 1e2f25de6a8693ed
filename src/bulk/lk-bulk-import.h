/* SPDX-License-Identifier: GPL-3.0-or-later
 * Bulk operations on the engine: PSKC keys in as unassigned hardware fobs,
 * devices out as PSKC, and users enrolled from CSV; in batches (one
 * transaction per batch), idempotent, with a per-item report.
 *
 * Re-running an import skips what is already there; a failed item is
 * reported and the others go on; a dry run reads the engine but writes
 * nothing. Cancellation is checked between batches, so a cancelled run
 * leaves whole batches behind and the next run resumes by skipping them. */
#pragma once

#include <gio/gio.h>
#include "lk-engine.h"
#include "lk-pskc.h"

G_BEGIN_DECLS

#define LK_BULK_DEFAULT_BATCH 500

typedef enum
{
  LK_BULK_ADDED,      /* created (or, in a dry run, would be) */
  LK_BULK_ASSIGNED,   /* an existing user got the named device */
  LK_BULK_SKIPPED,    /* already there, identical: nothing to do */
  LK_BULK_CONFLICT,   /* already there but different: left alone */
  LK_BULK_FAILED,     /* refused: see message */
} LkBulkStatus;

const char *lk_bulk_status_to_string (LkBulkStatus status);  /* "added", "assigned", "skipped", "conflict", "failed" */

typedef struct
{
  guint         line;     /* CSV line, or the key's position in the PSKC file */
  char         *item;     /* login or serial (never a secret) */
  LkBulkStatus  status;
  char         *message;  /* reason for failed/conflict, else NULL */
} LkBulkOutcome;

typedef struct
{
  gboolean   dry_run;
  gboolean   cancelled;
  guint      total;
  guint      counts[LK_BULK_FAILED + 1];   /* by LkBulkStatus */
  GPtrArray *outcomes;                     /* LkBulkOutcome, in input order */
} LkBulkReport;

LkBulkReport *lk_bulk_report_new  (gboolean dry_run);
void          lk_bulk_report_free (LkBulkReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LkBulkReport, lk_bulk_report_free)
/* Appends one outcome and counts it (@item, @message copied, nullable). */
void          lk_bulk_report_add  (LkBulkReport *report,
                                   guint         line,
                                   const char   *item,
                                   LkBulkStatus  status,
                                   const char   *message);

/* Called after every item: @done of @total. */
typedef void (*LkBulkProgressFunc) (guint    done,
                                    guint    total,
                                    gpointer user_data);

typedef struct
{
  gboolean            dry_run;
  guint               batch_size;    /* items per transaction; 0 = LK_BULK_DEFAULT_BATCH */
  LkBulkProgressFunc  progress;      /* nullable */
  gpointer            progress_data;
  GCancellable       *cancellable;   /* nullable */
} LkBulkOptions;

/* Imports @keys (from lk_pskc_read) as unassigned hardware fobs (deviceType
 * 1) named by DeviceInfo/SerialNo (the Key Id when there is none). A serial
 * already in the engine with the same kind, digits, period and seed is
 * skipped; with anything different it is a conflict. NULL only when the
 * engine fails as a whole (a batch cannot commit). */
LkBulkReport *lk_bulk_import_pskc (LkEngine             *engine,
                                   gint64                account_id,
                                   GPtrArray            *keys,
                                   const LkBulkOptions  *options,
                                   GError              **error);

/* Enrols users from CSV text. Columns: login, first name, last name,
 * email, phone, then optionally device (a serial to assign, or a device
 * kind "mobile"/"hardware"/"desktop" to create); with a header row the
 * columns are found by name (login/username, first name, last name,
 * email, phone/mobile, serial, kind/device type; any case) and may come
 * in any order. A login already present is skipped (its device assigned
 * if the row names an unassigned one). */
LkBulkReport *lk_bulk_import_users (LkEngine             *engine,
                                    gint64                account_id,
                                    const char           *csv,
                                    gsize                 len,
                                    const LkBulkOptions  *options,
                                    GError              **error);

/* One data row of a user CSV with its columns resolved (header or default
 * order). @error is set when the row is refused before any lookup: a bad
 * CSV record, no login, a login or serial repeated earlier in the file, an
 * unknown device kind. Absent fields are NULL. */
typedef struct
{
  guint  line;
  char  *error;
  char  *login, *first_name, *last_name, *email, *phone;
  char  *serial;   /* an existing device to assign */
  char  *kind;     /* a device kind to create with the user */
} LkBulkUserRow;

void       lk_bulk_user_row_free (LkBulkUserRow *row);
/* The rows of @csv (header excluded), a GPtrArray of LkBulkUserRow; NULL
 * only for a file refused as a whole (too large). The same resolution
 * lk_bulk_import_users() uses, for clients that enrol through the API. */
GPtrArray *lk_bulk_user_rows     (const char  *csv,
                                  gsize        len,
                                  GError     **error);

/* Enrols @rows (LkBulkUserRow, from lk_bulk_user_rows() or decoded from
 * an API request) as lk_bulk_import_users() does; rows are checked again
 * first (login present and not repeated among @rows, known device kind),
 * which sets row->error on those refused. */
LkBulkReport *lk_bulk_import_user_rows (LkEngine             *engine,
                                        gint64                account_id,
                                        GPtrArray            *rows,
                                        const LkBulkOptions  *options,
                                        GError              **error);

/* A pre-shared PSKC key typed as hexadecimal: 32, 48 or 64 digits (AES-128,
 * -192, -256), blanks around ignored. FALSE for anything else. @out is
 * secret: wipe it after use. */
gboolean      lk_bulk_parse_hex_key (const char  *hex,
                                     guint8       out[32],
                                     gsize       *out_len);

/* The devices @serials (NULL-terminated) as LkPskcKey with their seeds, for
 * lk_pskc_write(). Any unknown serial fails the whole export. */
GPtrArray    *lk_bulk_export_keys (LkEngine           *engine,
                                   gint64              account_id,
                                   const char * const *serials,
                                   GError            **error);

G_END_DECLS
