/* SPDX-License-Identifier: GPL-3.0-or-later
 * The delivery outbox: messages written in the same transaction as the
 * operation that caused them, then claimed, handed to an LkDelivery, and
 * marked delivered or failed with back-off. Codes are sealed at rest. */
#include "config.h"

#include <string.h>

#include "lk-engine-private.h"
#include "lk-secure.h"

#define MAX_ATTEMPTS   8
#define FIRST_BACKOFF  30

#define OUTBOX_COLUMNS \
  "id, account_id, kind, method, user_login, first_name, last_name, destination, serial, " \
  "code_sealed, key_version, expires_at, attempts, state, last_error, created_at"

/* The send limit counts a user's recent passcodes; without this index that
 * would scan the whole outbox. Plain SQL, the same for PostgreSQL. */
const char lk_engine_delivery_schema_1_sqlite[] =
  "CREATE INDEX outbox_user_sent ON outbox (account_id, user_login, kind, created_at);";

/* One-off codes: at most one live code per user, stored as a salted HMAC
 * under the PIN key (like PINs), never in clear. */
const char lk_engine_delivery_schema_2_sqlite[] =
  "CREATE TABLE one_off_codes ("
  "  id INTEGER PRIMARY KEY,"
  "  account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,"
  "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
  "  code_hash BLOB NOT NULL,"
  "  expires_at INTEGER NOT NULL,"
  "  attempts INTEGER NOT NULL DEFAULT 0,"
  "  created_at INTEGER NOT NULL);"
  "CREATE INDEX one_off_codes_user ON one_off_codes (account_id, user_id);";

#define ONE_OFF_LIFETIME      600
#define ONE_OFF_MAX_ATTEMPTS  5

static gboolean
delete_one_off (LkEngine  *engine,
                gint64     account_id,
                gint64     user_id,
                GError   **error)
{
  g_autoptr(LkStoreStmt) st = lk_engine_prepare (engine,
      "DELETE FROM one_off_codes WHERE account_id = ?1 AND user_id = ?2", error);

  if (st == NULL)
    return FALSE;
  lk_store_bind_int64 (st, 1, account_id);
  lk_store_bind_int64 (st, 2, user_id);
  return lk_engine_step_done (st, 0, error);
}

gint64
lk_engine_oneoff_send (LkEngine          *engine,
                       gint64             account_id,
                       const char        *login,
                       LkDeliveryMethod   method,
                       GError           **error)
{
  g_autoptr(GBytes) hash = NULL;
  gint64 user_id = 0, expires, id;
  gboolean enabled = FALSE;
  guint32 r = 0;
  char code[8];

  if (!lk_engine_lookup_user (engine, account_id, login, &user_id, &enabled, error))
    return 0;
  if (!enabled)
    {
      g_set_error_literal (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_USER_DISABLED, _("The user is disabled"));
      return 0;
    }
  if (!lk_engine_outbox_check_rate (engine, account_id, login, error))
    return 0;
  /* Six uniform digits: reject the top of the range that % would bias. */
  do
    {
      if (!lk_random_bytes ((guint8 *) &r, sizeof r, error))
        return 0;
    }
  while (r >= 4294000000u);
  g_snprintf (code, sizeof code, "%06u", r % 1000000u);
  r = 0;
  hash = lk_engine_pin_hash (engine, code, error);
  if (hash == NULL)
    goto fail;
  expires = lk_engine_now (engine) + ONE_OFF_LIFETIME;
  if (!delete_one_off (engine, account_id, user_id, error))
    goto fail;
  {
    g_autoptr(LkStoreStmt) st = lk_engine_prepare (engine,
        "INSERT INTO one_off_codes (account_id, user_id, code_hash, expires_at, created_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5)", error);
    if (st == NULL)
      goto fail;
    lk_store_bind_int64 (st, 1, account_id);
    lk_store_bind_int64 (st, 2, user_id);
    lk_store_bind_blob (st, 3, g_bytes_get_data (hash, NULL), g_bytes_get_size (hash));
    lk_store_bind_int64 (st, 4, expires);
    lk_store_bind_int64 (st, 5, lk_engine_now (engine));
    if (!lk_engine_step_done (st, 0, error))
      goto fail;
  }
  id = lk_engine_outbox_add (engine, account_id, LK_OUTBOX_KIND_PASSCODE, method, user_id, NULL, code, expires, error);
  lk_secure_wipe (code, sizeof code);
  return id;

fail:
  lk_secure_wipe (code, sizeof code);
  return 0;
}

gboolean
lk_engine_oneoff_validate (LkEngine    *engine,
                           gint64       account_id,
                           const char  *login,
                           const char  *otp,
                           gboolean    *out_found,
                           GError     **verdict,
                           GError     **error)
{
  gint64 user_id = 0, id, expires, attempts;
  gboolean enabled = FALSE, match;
  g_autoptr(LkStoreStmt) st = NULL;
  const guint8 *blob;
  gsize len = 0;

  *out_found = FALSE;
  if (!lk_engine_lookup_user (engine, account_id, login, &user_id, &enabled, error))
    return FALSE;
  st = lk_engine_prepare (engine,
      "SELECT id, code_hash, expires_at, attempts FROM one_off_codes WHERE account_id = ?1 AND user_id = ?2 "
      "ORDER BY id DESC LIMIT 1", error);
  if (st == NULL)
    return FALSE;
  lk_store_bind_int64 (st, 1, account_id);
  lk_store_bind_int64 (st, 2, user_id);
  if (lk_store_step (st, NULL) != LK_STORE_STEP_ROW)
    return TRUE;
  *out_found = TRUE;
  id = lk_store_column_int64 (st, 0);
  blob = lk_store_column_blob (st, 1, &len);
  expires = lk_store_column_int64 (st, 2);
  attempts = lk_store_column_int64 (st, 3);
  match = lk_engine_pin_verify (engine, otp, strlen (otp), blob, len);
  g_clear_pointer (&st, lk_store_stmt_release);
  if (!enabled)
    {
      g_set_error_literal (verdict, LK_ENGINE_ERROR, LK_ENGINE_ERROR_USER_DISABLED, _("The user is disabled"));
      return TRUE;
    }
  if (match && expires > lk_engine_now (engine))
    return delete_one_off (engine, account_id, user_id, error);   /* spent */
  if (match)
    {
      g_set_error_literal (verdict, LK_ENGINE_ERROR, LK_ENGINE_ERROR_SENT_OTP_EXPIRED,
                           _("The passcode that was sent has expired; ask for a new one"));
      return delete_one_off (engine, account_id, user_id, error);
    }
  g_set_error_literal (verdict, LK_ENGINE_ERROR, LK_ENGINE_ERROR_OTP_INVALID, _("The passcode is not valid"));
  /* A six-digit code allows only a few guesses. */
  if (attempts + 1 >= ONE_OFF_MAX_ATTEMPTS)
    return delete_one_off (engine, account_id, user_id, error);
  st = lk_engine_prepare (engine, "UPDATE one_off_codes SET attempts = attempts + 1 WHERE id = ?1", error);
  if (st == NULL)
    return FALSE;
  lk_store_bind_int64 (st, 1, id);
  return lk_engine_step_done (st, 0, error);
}

void
lk_engine_set_send_limit (LkEngine *engine,
                          guint     limit,
                          guint     window)
{
  g_return_if_fail (engine != NULL);

  engine->config.send_limit = limit;
  engine->config.send_window = window;
}

gboolean
lk_engine_outbox_check_rate (LkEngine    *engine,
                             gint64       account_id,
                             const char  *login,
                             GError     **error)
{
  guint limit = engine->config.send_limit ? engine->config.send_limit : 5;
  guint window = engine->config.send_window ? engine->config.send_window : 900;
  g_autoptr(LkStoreStmt) st = NULL;

  if (limit == G_MAXUINT)
    return TRUE;
  st = lk_engine_prepare (engine,
      "SELECT COUNT(*) FROM outbox WHERE account_id = ?1 AND user_login = ?2 AND kind = 0 AND created_at > ?3",
      error);
  if (st == NULL)
    return FALSE;
  lk_store_bind_int64 (st, 1, account_id);
  lk_store_bind_text (st, 2, login);
  lk_store_bind_int64 (st, 3, lk_engine_now (engine) - window);
  if (lk_store_step (st, NULL) != LK_STORE_STEP_ROW)
    {
      g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_STORE, _("Cannot read the outbox"));
      return FALSE;
    }
  if (lk_store_column_int64 (st, 0) >= limit)
    {
      g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_SEND_RATE,
                   _("Too many passcodes were sent to this user; try again later"));
      return FALSE;
    }
  return TRUE;
}

gint64
lk_engine_outbox_add (LkEngine          *engine,
                      gint64             account_id,
                      LkOutboxKind       kind,
                      LkDeliveryMethod   method,
                      gint64             user_id,
                      const char        *serial,
                      const char        *code,
                      gint64             expires_at,
                      GError           **error)
{
  g_autofree char *login = NULL;
  g_autofree char *first = NULL;
  g_autofree char *last = NULL;
  g_autofree char *destination = NULL;
  g_autofree char *label = NULL;
  g_autoptr(GBytes) sealed = NULL;
  gint64 now = lk_engine_now (engine);
  gint64 id;

  {
    g_autoptr(LkStoreStmt) st = lk_engine_prepare (engine,
        "SELECT login, first_name, last_name, email, mobile_phone FROM users WHERE id = ?1 AND account_id = ?2", error);
    if (st == NULL)
      return 0;
    lk_store_bind_int64 (st, 1, user_id);
    lk_store_bind_int64 (st, 2, account_id);
    if (lk_store_step (st, NULL) != LK_STORE_STEP_ROW)
      {
        g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_USER_NOT_FOUND, _("No user with this login name"));
        return 0;
      }
    login = g_strdup (lk_store_column_text (st, 0));
    first = g_strdup (lk_store_column_text (st, 1));
    last = g_strdup (lk_store_column_text (st, 2));
    destination = g_strdup (lk_store_column_text (st, method == LK_DELIVERY_EMAIL ? 3 : 4));
  }
  if (destination == NULL || *destination == '\0')
    {
      g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_INVALID_DELIVERY,
                   method == LK_DELIVERY_EMAIL ? _("The user has no email address")
                                               : _("The user has no mobile phone number"));
      return 0;
    }
  {
    g_autoptr(LkStoreStmt) st = lk_engine_prepare (engine,
        "INSERT INTO outbox (account_id, kind, method, user_login, first_name, last_name, destination, serial, "
        "expires_at, next_attempt_at, created_at, updated_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?10) RETURNING id", error);
    if (st == NULL)
      return 0;
    lk_store_bind_int64 (st, 1, account_id);
    lk_store_bind_int64 (st, 2, kind);
    lk_store_bind_int64 (st, 3, method);
    lk_store_bind_text (st, 4, login);
    lk_store_bind_text (st, 5, first);
    lk_store_bind_text (st, 6, last);
    lk_store_bind_text (st, 7, destination);
    lk_store_bind_text (st, 8, serial);
    lk_store_bind_int64 (st, 9, expires_at);
    lk_store_bind_int64 (st, 10, now);
    if (lk_store_step (st, NULL) != LK_STORE_STEP_ROW)
      {
        g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_STORE, _("Cannot write to the outbox"));
        return 0;
      }
    id = lk_store_column_int64 (st, 0);
  }
  if (code == NULL)
    return id;

  /* The row id is in the associated data: a sealed code cannot be moved
   * to another message. */
  label = g_strdup_printf ("%" G_GINT64_FORMAT, id);
  sealed = lk_engine_seal (engine, LK_SEAL_OUTBOX, account_id, label, (const guint8 *) code, strlen (code), error);
  if (sealed == NULL)
    return 0;
  {
    g_autoptr(LkStoreStmt) st = lk_engine_prepare (engine,
        "UPDATE outbox SET code_sealed = ?2, key_version = ?3 WHERE id = ?1", error);
    if (st == NULL)
      return 0;
    lk_store_bind_int64 (st, 1, id);
    lk_store_bind_blob (st, 2, g_bytes_get_data (sealed, NULL), g_bytes_get_size (sealed));
    lk_store_bind_int64 (st, 3, engine->key_version);
    if (!lk_engine_step_done (st, 0, error))
      return 0;
  }
  return id;
}

static LkOutboxMessage *
message_from_row (LkEngine    *engine,
                  LkStoreStmt *st,
                  gboolean     with_code,
                  GError     **error)
{
  g_autoptr(LkOutboxMessage) m = g_new0 (LkOutboxMessage, 1);

  m->id = lk_store_column_int64 (st, 0);
  m->account_id = lk_store_column_int64 (st, 1);
  m->kind = (LkOutboxKind) lk_store_column_int64 (st, 2);
  m->method = (LkDeliveryMethod) lk_store_column_int64 (st, 3);
  m->user_login = g_strdup (lk_store_column_text (st, 4));
  m->first_name = g_strdup (lk_store_column_text (st, 5));
  m->last_name = g_strdup (lk_store_column_text (st, 6));
  m->destination = g_strdup (lk_store_column_text (st, 7));
  m->serial = g_strdup (lk_store_column_text (st, 8));
  m->expires_at = lk_store_column_int64 (st, 11);
  m->attempts = (guint) lk_store_column_int64 (st, 12);
  m->state = (LkOutboxState) lk_store_column_int64 (st, 13);
  m->last_error = g_strdup (lk_store_column_text (st, 14));
  m->created_at = lk_store_column_int64 (st, 15);
  if (with_code && !lk_store_column_is_null (st, 9))
    {
      g_autofree char *label = g_strdup_printf ("%" G_GINT64_FORMAT, m->id);
      gsize len = 0;
      const guint8 *blob = lk_store_column_blob (st, 9, &len);
      g_autoptr(GBytes) plain = lk_engine_unseal (engine, LK_SEAL_OUTBOX, m->account_id, label,
                                                  lk_store_column_int64 (st, 10), blob, len, error);
      gsize n;
      if (plain == NULL)
        return NULL;
      n = g_bytes_get_size (plain);
      m->code = g_malloc (n + 1);
      memcpy (m->code, g_bytes_get_data (plain, NULL), n);
      m->code[n] = '\0';
    }
  return g_steal_pointer (&m);
}

GPtrArray *
lk_engine_outbox_claim (LkEngine  *engine,
                        guint      max,
                        guint      lease_seconds,
                        GError   **error)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) lk_outbox_message_free);
  g_autoptr(GArray) damaged = g_array_new (FALSE, FALSE, sizeof (gint64));
  gint64 now = lk_engine_now (engine);
  GError *local_error = NULL;
  LkStoreStep step;

  if (max == 0)
    max = 10;
  if (lease_seconds == 0)
    lease_seconds = 60;
  if (!lk_engine_tx_begin (engine, TRUE, error))
    return NULL;
  {
    g_autoptr(LkStoreStmt) st = lk_engine_prepare (engine,
        "SELECT " OUTBOX_COLUMNS " FROM outbox WHERE state = 0 AND next_attempt_at <= ?1 "
        "ORDER BY next_attempt_at, id LIMIT ?2", error);
    if (st == NULL)
      goto fail;
    lk_store_bind_int64 (st, 1, now);
    lk_store_bind_int64 (st, 2, max);
    while ((step = lk_store_step (st, &local_error)) == LK_STORE_STEP_ROW)
      {
        g_autoptr(GError) seal_error = NULL;
        LkOutboxMessage *m = message_from_row (engine, st, TRUE, &seal_error);
        if (m == NULL)
          {
            gint64 id = lk_store_column_int64 (st, 0);
            g_array_append_val (damaged, id);
            continue;
          }
        g_ptr_array_add (out, m);
      }
    if (step == LK_STORE_STEP_ERROR)
      {
        lk_engine_propagate_store_error (error, local_error, 0);
        goto fail;
      }
  }
  for (guint i = 0; i < out->len; i++)
    {
      LkOutboxMessage *m = g_ptr_array_index (out, i);
      /* The lease is taken only if the message is still due: on PostgreSQL
       * another server's worker may have leased it since the SELECT (this
       * UPDATE waits for its row lock, then sees the moved time and changes
       * nothing), and then it is that worker's to send, not ours. */
      g_autoptr(LkStoreStmt) st = lk_engine_prepare (engine,
          "UPDATE outbox SET next_attempt_at = ?2, updated_at = ?3 WHERE id = ?1 AND state = 0 AND next_attempt_at <= ?3", error);
      if (st == NULL)
        goto fail;
      lk_store_bind_int64 (st, 1, m->id);
      lk_store_bind_int64 (st, 2, now + lease_seconds);
      lk_store_bind_int64 (st, 3, now);
      if (!lk_engine_step_done (st, 0, error))
        goto fail;
      if (lk_store_changes (engine->store) == 0)
        g_ptr_array_remove_index (out, i--);
    }
  /* A code that fails its integrity check is never sent: fail the message. */
  for (guint i = 0; i < damaged->len; i++)
    {
      g_autoptr(LkStoreStmt) st = lk_engine_prepare (engine,
          "UPDATE outbox SET state = 2, code_sealed = NULL, last_error = ?2, updated_at = ?3 WHERE id = ?1", error);
      if (st == NULL)
        goto fail;
      lk_store_bind_int64 (st, 1, g_array_index (damaged, gint64, i));
      lk_store_bind_text (st, 2, "stored code failed its integrity check");
      lk_store_bind_int64 (st, 3, now);
      if (!lk_engine_step_done (st, 0, error))
        goto fail;
      {
        g_autoptr(GError) e = g_error_new_literal (LK_ENGINE_ERROR, LK_ENGINE_ERROR_SEED_CORRUPT,
                                                   lk_engine_error_describe (LK_ENGINE_ERROR_SEED_CORRUPT));
        lk_engine_audit (engine, 0, "outbox_claim", NULL, NULL, e, NULL);
      }
    }
  if (!lk_engine_tx_commit (engine, error))
    return NULL;
  return g_steal_pointer (&out);

fail:
  lk_engine_tx_rollback (engine);
  return NULL;
}

gboolean
lk_engine_outbox_complete (LkEngine    *engine,
                           gint64       message_id,
                           gboolean     delivered,
                           const char  *error_text,
                           gint64       retry_at,
                           GError     **error)
{
  g_autofree char *safe = error_text ? g_utf8_make_valid (error_text, MIN (strlen (error_text), 512)) : NULL;
  gint64 account_id = 0;
  g_autofree char *login = NULL;
  g_autofree char *serial = NULL;
  int state = delivered ? LK_OUTBOX_DELIVERED : retry_at > 0 ? LK_OUTBOX_PENDING : LK_OUTBOX_FAILED;

  if (!lk_engine_tx_begin (engine, TRUE, error))
    return FALSE;
  {
    g_autoptr(LkStoreStmt) st = lk_engine_prepare (engine,
        "SELECT account_id, user_login, serial FROM outbox WHERE id = ?1", error);
    if (st == NULL)
      goto fail;
    lk_store_bind_int64 (st, 1, message_id);
    if (lk_store_step (st, NULL) != LK_STORE_STEP_ROW)
      {
        g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_NOT_FOUND, _("No such outbox message"));
        goto fail;
      }
    account_id = lk_store_column_int64 (st, 0);
    login = g_strdup (lk_store_column_text (st, 1));
    serial = g_strdup (lk_store_column_text (st, 2));
  }
  {
    /* Once final, the code has no further use: erase it. */
    g_autoptr(LkStoreStmt) st = lk_engine_prepare (engine,
        "UPDATE outbox SET state = ?2, attempts = attempts + 1, last_error = ?3, "
        "next_attempt_at = CASE WHEN ?2 = 0 THEN ?4 ELSE next_attempt_at END, "
        "code_sealed = CASE WHEN ?2 = 0 THEN code_sealed ELSE NULL END, updated_at = ?5 WHERE id = ?1", error);
    if (st == NULL)
      goto fail;
    lk_store_bind_int64 (st, 1, message_id);
    lk_store_bind_int64 (st, 2, state);
    lk_store_bind_text (st, 3, delivered ? NULL : safe);
    lk_store_bind_int64 (st, 4, retry_at);
    lk_store_bind_int64 (st, 5, lk_engine_now (engine));
    if (!lk_engine_step_done (st, 0, error))
      goto fail;
  }
  {
    g_autoptr(GError) e = delivered ? NULL
      : g_error_new (LK_ENGINE_ERROR, LK_ENGINE_ERROR_INVALID_DELIVERY, "%s", safe ? safe : "delivery failed");
    lk_engine_audit (engine, account_id, delivered ? "outbox_delivered" : retry_at > 0 ? "outbox_retry" : "outbox_failed",
                     login, serial, e, NULL);
  }
  return lk_engine_tx_commit (engine, error);

fail:
  lk_engine_tx_rollback (engine);
  return FALSE;
}

guint
lk_engine_outbox_process (LkEngine      *engine,
                          LkDelivery    *delivery,
                          guint          max,
                          GCancellable  *cancellable,
                          GError       **error)
{
  g_autoptr(GPtrArray) messages = lk_engine_outbox_claim (engine, max, 300, error);
  guint delivered = 0;

  if (messages == NULL)
    return 0;
  for (guint i = 0; i < messages->len; i++)
    {
      LkOutboxMessage *m = g_ptr_array_index (messages, i);
      g_autoptr(GError) send_error = NULL;
      gint64 now = lk_engine_now (engine);
      gboolean ok;

      if (g_cancellable_is_cancelled (cancellable))
        break;
      if (m->code != NULL && m->expires_at > 0 && m->expires_at < now)
        {
          /* A dead code is never sent; the user asks again. */
          if (!lk_engine_outbox_complete (engine, m->id, FALSE, "the passcode expired before it could be sent", 0, error))
            return delivered;
          continue;
        }
      ok = lk_delivery_deliver (delivery, m, cancellable, &send_error);
      if (ok)
        {
          if (!lk_engine_outbox_complete (engine, m->id, TRUE, NULL, 0, error))
            return delivered;
          delivered++;
        }
      else
        {
          gboolean permanent = g_error_matches (send_error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA) ||
                               g_error_matches (send_error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED) ||
                               m->attempts + 1 >= MAX_ATTEMPTS;
          gint64 retry = permanent ? 0 : now + ((gint64) FIRST_BACKOFF << MIN (m->attempts, 10));
          if (!lk_engine_outbox_complete (engine, m->id, FALSE, send_error->message, retry, error))
            return delivered;
        }
    }
  return delivered;
}

LkOutboxMessage *
lk_engine_outbox_get (LkEngine    *engine,
                      gint64       account_id,
                      gint64       message_id,
                      GError     **error)
{
  g_autoptr(LkStoreStmt) st = lk_engine_prepare (engine,
      "SELECT " OUTBOX_COLUMNS " FROM outbox WHERE id = ?1 AND account_id = ?2", error);

  if (st == NULL)
    return NULL;
  lk_store_bind_int64 (st, 1, message_id);
  lk_store_bind_int64 (st, 2, account_id);
  if (lk_store_step (st, NULL) != LK_STORE_STEP_ROW)
    {
      g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_NOT_FOUND, _("No such outbox message"));
      return NULL;
    }
  /* The code stays sealed: status queries never see it. */
  return message_from_row (engine, st, FALSE, error);
}
