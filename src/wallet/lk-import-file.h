/* SPDX-License-Identifier: GPL-3.0-or-later
 * The import front door: recognise a file's format, parse it, check it against the wallet, store it all or nothing. */
#pragma once

#include <gio/gio.h>
#include "lk-import-entry.h"
#include "lk-wallet.h"

G_BEGIN_DECLS

typedef enum
{
  LK_IMPORT_FORMAT_AUTO,     /* recognise; as a result: not recognised */
  LK_IMPORT_FORMAT_GOOGLE,   /* otpauth-migration:// URIs */
  LK_IMPORT_FORMAT_AEGIS,
  LK_IMPORT_FORMAT_ANDOTP,
  LK_IMPORT_FORMAT_FREEOTP,
  LK_IMPORT_FORMAT_URIS,     /* otpauth:// URIs, one per line */
  LK_IMPORT_FORMAT_QR_IMAGE, /* a PNG with QR codes of otpauth or otpauth-migration links */
} LkImportFormat;

/* "google", "aegis", "andotp", "freeotp", "uris", "qr-image" (and "auto"). */
const char     *lk_import_format_to_string   (LkImportFormat  format);
gboolean        lk_import_format_from_string (const char     *name,
                                              LkImportFormat *out_format);
/* A translated name for people: "Aegis vault", "andOTP backup", … */
const char     *lk_import_format_describe    (LkImportFormat  format);

/* Recognises @data: Aegis and FreeOTP+ by their JSON members, andOTP by a
 * JSON array or by being binary (its encrypted form has no marker),
 * otpauth lists and Google exports by their first line, PNG images (QR
 * codes, read with lk-qr) by their signature. */
LkImportFormat  lk_import_detect             (const guint8   *data,
                                              gsize           len);

/* Parses @data as @format (AUTO recognises it first; an unrecognised file
 * is LK_IMPORT_ERROR_UNKNOWN_FORMAT). @out_format (nullable) receives the
 * format used. @password is needed only by encrypted files. */
GPtrArray      *lk_import_parse              (const guint8   *data,
                                              gsize           len,
                                              LkImportFormat  format,
                                              const char     *password,
                                              LkImportFormat *out_format,
                                              GError        **error);

/* Several sources read as one: each is a PNG with QR codes or a text of
 * otpauth / otpauth-migration links (@sources: GBytes). This is how the
 * QR codes of a Google multi-QR export, saved as separate screenshots,
 * come together as one batch, in any order. Other formats cannot be
 * combined (LK_IMPORT_ERROR_UNKNOWN_FORMAT, naming the source's number). */
GPtrArray      *lk_import_parse_combined     (GPtrArray      *sources,
                                              GError        **error);

/* Reads @file (at most LK_IMPORT_MAX_FILE_SIZE bytes; the read buffer is
 * wiped) and parses it. Blocking: call from a worker or use the async form. */
GPtrArray      *lk_import_parse_file_sync    (GFile          *file,
                                              LkImportFormat  format,
                                              const char     *password,
                                              LkImportFormat *out_format,
                                              GCancellable   *cancellable,
                                              GError        **error);
/* Runs the sync form in a worker thread (key derivation takes a while). */
void            lk_import_parse_file_async   (GFile              *file,
                                              LkImportFormat      format,
                                              const char         *password,
                                              GCancellable       *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer            user_data);
GPtrArray      *lk_import_parse_file_finish  (GAsyncResult   *result,
                                              LkImportFormat *out_format,
                                              GError        **error);

/* Lists the wallet and marks entries that duplicate a stored token (and
 * each other), resetting entry->selected; see lk_import_mark_duplicates(). */
gboolean        lk_import_check_wallet_sync  (LkWallet       *wallet,
                                              GPtrArray      *entries,
                                              GCancellable   *cancellable,
                                              GError        **error);

/* The selected, importable entries as new wallet tokens (element
 * LkWalletToken, transfer full), metadata included. */
GPtrArray      *lk_import_dup_wallet_tokens  (GPtrArray      *entries);

/* Stores every selected entry or none (lk_wallet_add_many_sync()):
 * @progress is called after each item. Nothing selected is
 * LK_IMPORT_ERROR_NOTHING. @n_imported (nullable) receives the count. */
gboolean        lk_import_commit_sync        (LkWallet             *wallet,
                                              GPtrArray            *entries,
                                              LkWalletProgressFunc  progress,
                                              gpointer              progress_data,
                                              guint                *n_imported,
                                              GCancellable         *cancellable,
                                              GError              **error);
/* @progress runs on the caller's main context. */
void            lk_import_commit_async       (LkWallet             *wallet,
                                              GPtrArray            *entries,
                                              LkWalletProgressFunc  progress,
                                              gpointer              progress_data,
                                              GDestroyNotify        progress_data_free,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
gboolean        lk_import_commit_finish      (LkWallet             *wallet,
                                              GAsyncResult         *result,
                                              guint                *n_imported,
                                              GError              **error);

G_END_DECLS
