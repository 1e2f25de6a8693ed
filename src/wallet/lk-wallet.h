/* SPDX-License-Identifier: GPL-3.0-or-later
 * The soft-token wallet: tokens kept as Secret Service items through libsecret.
 *
 * One item per token, in the default collection, under the schema
 * LK_APP_ID ".Token". The item's secret holds the otpauth URI and the
 * token's metadata; its attributes hold only the token id and the app id,
 * and its label is the same neutral text for every token, so nothing about
 * the issuer or the account leaks into D-Bus metadata. There is no fallback
 * to plain files: without a Secret Service every call fails with
 * LK_WALLET_ERROR_NO_SERVICE and a sentence saying how to fix it.
 *
 * Every call has a _sync form (for latchkeyctl and worker threads) and an
 * _async/_finish form that runs the sync one in a worker thread. */
#pragma once

#include <gio/gio.h>
#include "lk-otpauth.h"

G_BEGIN_DECLS

#define LK_WALLET_ERROR (lk_wallet_error_quark ())

typedef enum
{
  LK_WALLET_ERROR_NO_SERVICE,   /* no Secret Service on the session bus; message says how to fix it */
  LK_WALLET_ERROR_LOCKED,       /* the keyring stayed locked (unlock prompt dismissed) */
  LK_WALLET_ERROR_NOT_FOUND,    /* no token with that id or name */
  LK_WALLET_ERROR_AMBIGUOUS,    /* a name that matches several tokens; use the id */
  LK_WALLET_ERROR_CORRUPT,      /* an item whose secret cannot be read back as a token */
  LK_WALLET_ERROR_INVALID,      /* a request that does not fit the token (next code on TOTP, empty name) */
  LK_WALLET_ERROR_FAILED,       /* the Secret Service refused; the message carries its reason */
} LkWalletError;

GQuark lk_wallet_error_quark (void);

/* One token with its wallet metadata. A plain struct so import and export
 * code can fill it directly; strings are owned and freed by
 * lk_wallet_token_free(). */
typedef struct
{
  char      *id;          /* "tok-" + 32 hex; set by lk_wallet_token_new() */
  LkOtpauth *otpauth;     /* the seed and its parameters; never NULL */
  char      *note;        /* nullable; free text (Aegis "note") */
  char      *group;       /* nullable; one group name (Aegis "groups" joined by ", ") */
  GBytes    *icon;        /* nullable; image bytes as imported (PNG, JPEG or SVG) */
  char      *icon_mime;   /* nullable; "image/png", "image/svg+xml", ... */
  gint64     created;     /* unix seconds when first stored; 0 = not yet */
} LkWalletToken;

#define LK_TYPE_WALLET_TOKEN (lk_wallet_token_get_type ())
GType           lk_wallet_token_get_type  (void) G_GNUC_CONST;

/* Takes a copy of @otpauth and gives the token a fresh random id. */
LkWalletToken  *lk_wallet_token_new       (const LkOtpauth     *otpauth);
LkWalletToken  *lk_wallet_token_copy      (const LkWalletToken *token);
void            lk_wallet_token_free      (LkWalletToken       *token);

/* "Issuer:account", or the account alone when there is no issuer. */
char           *lk_wallet_token_dup_name  (const LkWalletToken *token);

/* TRUE when @name is the token's id, its "Issuer:account" name or (with
 * no issuer) its account; compared case-insensitively except the id. */
gboolean        lk_wallet_token_matches   (const LkWalletToken *token,
                                           const char          *name);

/* The code to show now. TOTP and Steam: the code at @unix_time and, if
 * @seconds_left is not NULL, the seconds until it changes. HOTP: the code
 * for the stored counter without moving it — a preview; to use a code call
 * lk_wallet_next_hotp_code_sync(). @code holds LK_OTP_CODE_SIZE bytes. */
gboolean        lk_wallet_token_compute   (const LkWalletToken *token,
                                           gint64               unix_time,
                                           char                *code,
                                           guint               *seconds_left,
                                           GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LkWalletToken, lk_wallet_token_free)

/* Progress of a batch: @done of @total items written. For _async calls it
 * is invoked on the thread-default main context of the caller. */
typedef void (*LkWalletProgressFunc) (guint    done,
                                      guint    total,
                                      gpointer user_data);

#define LK_TYPE_WALLET (lk_wallet_get_type ())
G_DECLARE_FINAL_TYPE (LkWallet, lk_wallet, LK, WALLET, GObject)

/* Cheap: no D-Bus traffic until the first call. */
LkWallet       *lk_wallet_new             (void);

/* The schema name, LK_APP_ID ".Token". */
const char     *lk_wallet_get_schema_name (void);

/* Every token (element type LkWalletToken, transfer full), oldest first.
 * Unlocks the default collection if needed (which may prompt). Items that
 * cannot be read are skipped with a warning that names only their id. */
GPtrArray      *lk_wallet_list_sync       (LkWallet             *self,
                                           GCancellable         *cancellable,
                                           GError              **error);
void            lk_wallet_list_async      (LkWallet             *self,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
GPtrArray      *lk_wallet_list_finish     (LkWallet             *self,
                                           GAsyncResult         *result,
                                           GError              **error);

/* The token whose id, or name as in lk_wallet_token_matches(), is @name.
 * Several matches are LK_WALLET_ERROR_AMBIGUOUS. */
LkWalletToken  *lk_wallet_find_sync       (LkWallet             *self,
                                           const char           *name,
                                           GCancellable         *cancellable,
                                           GError              **error);
void            lk_wallet_find_async      (LkWallet             *self,
                                           const char           *name,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
LkWalletToken  *lk_wallet_find_finish     (LkWallet             *self,
                                           GAsyncResult         *result,
                                           GError              **error);

/* Stores @token as a new item; sets token->created when it is 0. A token
 * whose id is already stored is replaced (that is how updates work). */
gboolean        lk_wallet_add_sync        (LkWallet             *self,
                                           LkWalletToken        *token,
                                           GCancellable         *cancellable,
                                           GError              **error);
void            lk_wallet_add_async       (LkWallet             *self,
                                           const LkWalletToken  *token,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
gboolean        lk_wallet_add_finish      (LkWallet             *self,
                                           GAsyncResult         *result,
                                           GError              **error);

/* Stores every token of @tokens (LkWalletToken*) or none: on the first
 * failure, or when @cancellable fires, the items already written by this
 * call are deleted again and the error is returned. Ids must be distinct
 * and not yet stored (LK_WALLET_ERROR_INVALID otherwise, nothing written).
 * @progress (nullable) is called after each item. */
gboolean        lk_wallet_add_many_sync   (LkWallet             *self,
                                           GPtrArray            *tokens,
                                           LkWalletProgressFunc  progress,
                                           gpointer              progress_data,
                                           GCancellable         *cancellable,
                                           GError              **error);
/* @tokens is copied; @progress runs on the caller's main context. */
void            lk_wallet_add_many_async  (LkWallet             *self,
                                           GPtrArray            *tokens,
                                           LkWalletProgressFunc  progress,
                                           gpointer              progress_data,
                                           GDestroyNotify        progress_data_free,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
gboolean        lk_wallet_add_many_finish (LkWallet             *self,
                                           GAsyncResult         *result,
                                           GError              **error);

/* Replaces the stored token with id token->id (metadata, issuer, account);
 * LK_WALLET_ERROR_NOT_FOUND if it is not stored. */
gboolean        lk_wallet_update_sync     (LkWallet             *self,
                                           const LkWalletToken  *token,
                                           GCancellable         *cancellable,
                                           GError              **error);

/* Sets the issuer (nullable = none) and account of the token @id. An empty
 * account is LK_WALLET_ERROR_INVALID. */
gboolean        lk_wallet_rename_sync     (LkWallet             *self,
                                           const char           *id,
                                           const char           *issuer,
                                           const char           *account,
                                           GCancellable         *cancellable,
                                           GError              **error);
void            lk_wallet_rename_async    (LkWallet             *self,
                                           const char           *id,
                                           const char           *issuer,
                                           const char           *account,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
gboolean        lk_wallet_rename_finish   (LkWallet             *self,
                                           GAsyncResult         *result,
                                           GError              **error);

gboolean        lk_wallet_remove_sync     (LkWallet             *self,
                                           const char           *id,
                                           GCancellable         *cancellable,
                                           GError              **error);
void            lk_wallet_remove_async    (LkWallet             *self,
                                           const char           *id,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
gboolean        lk_wallet_remove_finish   (LkWallet             *self,
                                           GAsyncResult         *result,
                                           GError              **error);

/* HOTP: reads the stored counter C, stores C + 1, and only then returns the
 * code for C, so a crash after this call never shows C's code again. The
 * result (free with lk_secure_str_free()) is NULL on error. Calls are
 * serialised within a process and, through a lock file in the user's
 * runtime directory, between processes. Not HOTP: LK_WALLET_ERROR_INVALID. */
char           *lk_wallet_next_hotp_code_sync   (LkWallet            *self,
                                                 const char          *id,
                                                 GCancellable        *cancellable,
                                                 GError             **error);
void            lk_wallet_next_hotp_code_async  (LkWallet            *self,
                                                 const char          *id,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
char           *lk_wallet_next_hotp_code_finish (LkWallet            *self,
                                                 GAsyncResult        *result,
                                                 GError             **error);

G_END_DECLS
