/* SPDX-License-Identifier: GPL-3.0-or-later
 * An RFC 4180 CSV reader: quoted fields with embedded commas, quotes and
 * line breaks, CRLF or LF, a UTF-8 byte order mark stripped. A bad record
 * (invalid UTF-8, an unterminated quote, text after a closing quote) is
 * returned with its reason so the caller can report it and go on. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Larger inputs are refused (100,000 users take about 10 MiB). */
#define LK_CSV_MAX_SIZE   (64 * 1024 * 1024)
#define LK_CSV_MAX_FIELDS 64

typedef struct
{
  guint   line;     /* 1-based line on which the record starts */
  GStrv   fields;   /* the fields (never NULL; empty strings for empty fields) */
  char   *error;    /* why the record is unusable, or NULL */
} LkCsvRecord;

void lk_csv_record_free (LkCsvRecord *record);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LkCsvRecord, lk_csv_record_free)

/* Splits @data into records (blank lines are skipped). Returns a GPtrArray
 * of LkCsvRecord; NULL with LK_BULK_ERROR_REFUSED only beyond
 * LK_CSV_MAX_SIZE. */
GPtrArray *lk_csv_parse (const char  *data,
                         gsize        len,
                         GError     **error);

G_END_DECLS
