/* SPDX-License-Identifier: GPL-3.0-or-later
 * The format-neutral result of every importer: one LkImportEntry per token found in a file.
 *
 * Parsers (lk-import-google.h, lk-import-aegis.h, …) are pure functions: no
 * keyring, no files, no GTK. They return a GPtrArray of LkImportEntry that a
 * preview shows and lk_import_commit_sync() stores, all or nothing. */
#pragma once

#include <glib.h>
#include "lk-otpauth.h"

G_BEGIN_DECLS

#define LK_IMPORT_ERROR (lk_import_error_quark ())

typedef enum
{
  LK_IMPORT_ERROR_UNKNOWN_FORMAT,   /* not a file any importer recognises */
  LK_IMPORT_ERROR_CORRUPT,          /* malformed, truncated, or failing its integrity check */
  LK_IMPORT_ERROR_NEEDS_PASSWORD,   /* encrypted, and no password was given */
  LK_IMPORT_ERROR_WRONG_PASSWORD,   /* the password does not open the file */
  LK_IMPORT_ERROR_UNSUPPORTED,      /* a well-formed file using something we cannot read (version, slot type) */
  LK_IMPORT_ERROR_TOO_LARGE,        /* over one of the size, count or depth bounds below */
  LK_IMPORT_ERROR_INCOMPLETE,       /* a Google multi-QR batch with parts still missing */
  LK_IMPORT_ERROR_OTHER_BATCH,      /* a Google QR part that belongs to another export */
  LK_IMPORT_ERROR_NOTHING,          /* nothing selected or nothing importable */
} LkImportError;

GQuark lk_import_error_quark (void);

/* Bounds every parser enforces, so a hostile file costs little. */
#define LK_IMPORT_MAX_FILE_SIZE   (16 * 1024 * 1024)  /* bytes of input */
#define LK_IMPORT_MAX_ENTRIES     10000               /* tokens in one file */
#define LK_IMPORT_MAX_JSON_DEPTH  32                  /* nesting of arrays and objects */
#define LK_IMPORT_MAX_SECRET_SIZE 1024                /* bytes of one seed */
#define LK_IMPORT_MAX_TEXT_SIZE   1024                /* bytes of an issuer, account, group */
#define LK_IMPORT_MAX_NOTE_SIZE   (64 * 1024)         /* bytes of a note */
#define LK_IMPORT_MAX_ICON_SIZE   (1024 * 1024)       /* bytes of one icon image */

typedef struct
{
  LkOtpauth *token;      /* nullable: NULL when the entry cannot be imported */
  char      *name;       /* never NULL: what the preview shows ("Issuer:account", "line 4") */
  char      *note;       /* nullable */
  char      *group;      /* nullable: groups joined by ", " */
  GBytes    *icon;       /* nullable: image bytes */
  char      *icon_mime;  /* nullable: "image/png", "image/jpeg", "image/svg+xml" */
  char      *reason;     /* nullable: why it cannot be imported; translated; never secret material */
  gboolean   duplicate;  /* same seed and parameters already in the wallet or earlier in the file */
  gboolean   selected;   /* whether lk_import_commit_sync() stores it; set by
                          * lk_import_mark_duplicates() to "importable and new" */
} LkImportEntry;

LkImportEntry *lk_import_entry_new   (const char *name);
void           lk_import_entry_free  (LkImportEntry *entry);

/* Takes @token (transfer full) after checking it fits the wallet (seed
 * present and not too long, digits, period); on a misfit frees it and sets
 * entry->reason instead. Also sets entry->name from the token. Returns
 * whether the token was kept. */
gboolean       lk_import_entry_take_token (LkImportEntry *entry,
                                           LkOtpauth     *token);

/* Marks the entry unusable (drops any token). printf-style, translated by the caller. */
void           lk_import_entry_refuse     (LkImportEntry *entry,
                                           const char    *format,
                                           ...) G_GNUC_PRINTF (2, 3);

/* A new GPtrArray that frees its LkImportEntry elements. */
GPtrArray     *lk_import_entries_new      (void);

/* Sets entry->duplicate for every entry whose seed and parameters (type,
 * algorithm, digits, period; not the HOTP counter, which moves) equal an
 * earlier entry's or a token's in @existing (LkOtpauth*, nullable); seeds
 * are compared in constant time, after bucketing by a fingerprint under a
 * per-call random key so large files stay linear. Then sets entry->selected to
 * "has a token, no reason, not a duplicate". */
void           lk_import_mark_duplicates  (GPtrArray     *entries,
                                           GPtrArray     *existing);

/* Counts entries: importable (token, no reason), duplicates, refused. */
void           lk_import_entries_count    (GPtrArray     *entries,
                                           guint         *n_importable,
                                           guint         *n_duplicates,
                                           guint         *n_refused);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LkImportEntry, lk_import_entry_free)

G_END_DECLS
