/* SPDX-License-Identifier: GPL-3.0-or-later
 * Users: enrolment, search, update, deletion and the password check. */
#include "config.h"

#include <string.h>

#include "lk-engine-private.h"
#include "lk-secure.h"

#define LOGIN_MAX     64
#define NAME_MAX_LEN  64
#define EMAIL_MAX     254
#define PHONE_MAX     32
#define PASSWORD_MIN  8
#define PASSWORD_MAX  256

#define USER_COLUMNS \
  "u.id, u.account_id, u.login, u.first_name, u.last_name, u.email, u.mobile_phone, " \
  "u.enabled, u.created_at, u.updated_at, u.last_login_at, " \
  "(SELECT COUNT(*) FROM devices d WHERE d.user_id = u.id)"

static LkUser *
user_from_row (LkStoreStmt *st)
{
  LkUser *u = g_new0 (LkUser, 1);

  u->id = lk_store_column_int64 (st, 0);
  u->account_id = lk_store_column_int64 (st, 1);
  u->login = g_strdup (lk_store_column_text (st, 2));
  u->first_name = g_strdup (lk_store_column_text (st, 3));
  u->last_name = g_strdup (lk_store_column_text (st, 4));
  u->email = g_strdup (lk_store_column_text (st, 5));
  u->mobile_phone = g_strdup (lk_store_column_text (st, 6));
  u->enabled = lk_store_column_int64 (st, 7) != 0;
  u->created_at = lk_store_column_int64 (st, 8);
  u->updated_at = lk_store_column_int64 (st, 9);
  u->last_login_at = lk_store_column_int64 (st, 10);
  u->device_count = (guint) lk_store_column_int64 (st, 11);
  return u;
}

static gboolean
missing (GError    **error,
         const char *field)
{
  g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_MISSING_FIELD,
               _("The field “%s” is required"), field);
  return FALSE;
}

static gboolean
invalid (GError    **error,
         const char *message)
{
  g_set_error_literal (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_INVALID_ARGUMENT, message);
  return FALSE;
}

static gboolean
check_login (const char  *login,
             GError     **error)
{
  if (login == NULL || *login == '\0')
    return missing (error, "username");
  if (!lk_engine_check_text (login, "username", LOGIN_MAX, error))
    return FALSE;
  for (const char *p = login; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      if (!g_unichar_isalnum (c) && !strchr ("._-@+", (int) c))
        return invalid (error, _("A login name may contain only letters, digits and . _ - @ +"));
    }
  return TRUE;
}

static gboolean
check_email (const char  *email,
             GError     **error)
{
  const char *at;

  if (email == NULL || *email == '\0')
    return TRUE;
  if (!lk_engine_check_text (email, "email", EMAIL_MAX, error))
    return FALSE;
  at = strchr (email, '@');
  if (at == NULL || at == email || at[1] == '\0' || strchr (at + 1, '@') != NULL ||
      strchr (email, ' ') != NULL || strchr (at + 1, '.') == NULL)
    return invalid (error, _("The email address is not valid"));
  return TRUE;
}

static gboolean
check_phone (const char  *phone,
             GError     **error)
{
  guint digits = 0;

  if (phone == NULL || *phone == '\0')
    return TRUE;
  if (strlen (phone) > PHONE_MAX)
    return invalid (error, _("The mobile phone number is too long"));
  for (const char *p = phone; *p; p++)
    {
      if (g_ascii_isdigit (*p))
        digits++;
      else if (!strchr ("+ ()-.", *p) || (*p == '+' && p != phone))
        return invalid (error, _("The mobile phone number may contain only digits, a leading +, spaces, dots, hyphens and parentheses"));
    }
  if (digits < 5)
    return invalid (error, _("The mobile phone number is too short"));
  return TRUE;
}

static gboolean
check_password (const char  *password,
                GError     **error)
{
  if (password == NULL)
    return TRUE;
  if (!g_utf8_validate (password, -1, NULL) || strlen (password) > PASSWORD_MAX ||
      g_utf8_strlen (password, -1) < PASSWORD_MIN)
    {
      g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_INVALID_ARGUMENT,
                   _("A password must be %d to %d characters long"), PASSWORD_MIN, PASSWORD_MAX);
      return FALSE;
    }
  return TRUE;
}

gboolean
lk_engine_lookup_user (LkEngine   *engine,
                       gint64      account_id,
                       const char *login,
                       gint64     *out_user_id,
                       gboolean   *out_enabled,
                       GError    **error)
{
  g_autofree char *norm = NULL;
  g_autoptr(LkStoreStmt) st = NULL;
  GError *local_error = NULL;
  LkStoreStep step;

  if (login == NULL || *login == '\0')
    return missing (error, "username");
  norm = lk_engine_normalize (login);
  st = lk_engine_prepare (engine, "SELECT id, enabled FROM users WHERE account_id = ?1 AND login_norm = ?2", error);
  if (st == NULL)
    return FALSE;
  lk_store_bind_int64 (st, 1, account_id);
  lk_store_bind_text (st, 2, norm);
  step = lk_store_step (st, &local_error);
  if (step == LK_STORE_STEP_ERROR)
    {
      lk_engine_propagate_store_error (error, local_error, 0);
      return FALSE;
    }
  if (step == LK_STORE_STEP_DONE)
    {
      g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_USER_NOT_FOUND,
                   _("No user with this login name"));
      return FALSE;
    }
  if (out_user_id)
    *out_user_id = lk_store_column_int64 (st, 0);
  if (out_enabled)
    *out_enabled = lk_store_column_int64 (st, 1) != 0;
  return TRUE;
}

static LkUser *
load_user (LkEngine   *engine,
           gint64      account_id,
           const char *login,
           GError    **error)
{
  g_autofree char *norm = NULL;
  g_autoptr(LkStoreStmt) st = NULL;
  GError *local_error = NULL;
  LkStoreStep step;

  if (login == NULL || *login == '\0')
    {
      missing (error, "username");
      return NULL;
    }
  norm = lk_engine_normalize (login);
  st = lk_engine_prepare (engine, "SELECT " USER_COLUMNS " FROM users u WHERE u.account_id = ?1 AND u.login_norm = ?2", error);
  if (st == NULL)
    return NULL;
  lk_store_bind_int64 (st, 1, account_id);
  lk_store_bind_text (st, 2, norm);
  step = lk_store_step (st, &local_error);
  if (step == LK_STORE_STEP_ERROR)
    {
      lk_engine_propagate_store_error (error, local_error, 0);
      return NULL;
    }
  if (step == LK_STORE_STEP_DONE)
    {
      g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_USER_NOT_FOUND,
                   _("No user with this login name"));
      return NULL;
    }
  return user_from_row (st);
}

LkEnrollResult *
lk_engine_enroll_user (LkEngine          *engine,
                       gint64             account_id,
                       const LkUserSpec  *spec,
                       GError           **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(LkEnrollResult) result = g_new0 (LkEnrollResult, 1);
  g_autofree char *hash = NULL;
  g_autofree char *login_norm = NULL;
  g_autofree char *first_norm = NULL;
  g_autofree char *last_norm = NULL;
  g_autofree char *email_norm = NULL;
  gint64 user_id = 0;
  gint64 now;

  g_return_val_if_fail (spec != NULL, NULL);

  if (!check_login (spec->login, &local_error) ||
      !lk_engine_check_text (spec->first_name, "firstName", NAME_MAX_LEN, &local_error) ||
      !lk_engine_check_text (spec->last_name, "lastName", NAME_MAX_LEN, &local_error) ||
      !check_email (spec->email, &local_error) ||
      !check_phone (spec->mobile_phone, &local_error) ||
      !check_password (spec->password, &local_error))
    goto out;

  /* Hash outside the write lock: scrypt takes tens of milliseconds. */
  if (spec->password != NULL)
    hash = lk_engine_password_hash (engine, spec->password, &local_error);
  else
    {
      result->generated_password = lk_engine_password_generate (&local_error);
      if (result->generated_password != NULL)
        hash = lk_engine_password_hash_generated (result->generated_password);
    }
  if (hash == NULL)
    goto out;

  login_norm = lk_engine_normalize (spec->login);
  first_norm = lk_engine_normalize (spec->first_name);
  last_norm = lk_engine_normalize (spec->last_name);
  email_norm = lk_engine_normalize (spec->email);
  now = lk_engine_now (engine);

  if (!lk_engine_tx_begin (engine, TRUE, &local_error))
    goto out;
  {
    g_autoptr(LkStoreStmt) st = lk_engine_prepare (engine,
        "INSERT INTO users (account_id, login, login_norm, first_name, first_norm, last_name, last_norm, "
        "email, email_norm, mobile_phone, password_hash, enabled, created_at, updated_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 1, ?12, ?12) "
        "ON CONFLICT (account_id, login_norm) DO NOTHING RETURNING id", &local_error);
    LkStoreStep step;

    if (st == NULL)
      goto rollback;
    lk_store_bind_int64 (st, 1, account_id);
    lk_store_bind_text (st, 2, spec->login);
    lk_store_bind_text (st, 3, login_norm);
    lk_store_bind_text (st, 4, spec->first_name ? spec->first_name : "");
    lk_store_bind_text (st, 5, first_norm);
    lk_store_bind_text (st, 6, spec->last_name ? spec->last_name : "");
    lk_store_bind_text (st, 7, last_norm);
    lk_store_bind_text (st, 8, spec->email ? spec->email : "");
    lk_store_bind_text (st, 9, email_norm);
    lk_store_bind_text (st, 10, spec->mobile_phone ? spec->mobile_phone : "");
    lk_store_bind_text (st, 11, hash);
    lk_store_bind_int64 (st, 12, now);
    step = lk_store_step (st, &local_error);
    if (step == LK_STORE_STEP_ERROR)
      {
        GError *e = g_steal_pointer (&local_error);
        lk_engine_propagate_store_error (&local_error, e, LK_ENGINE_ERROR_USER_EXISTS);
        goto rollback;
      }
    if (step == LK_STORE_STEP_DONE)
      {
        g_set_error (&local_error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_USER_EXISTS,
                     _("A user with this login already exists"));
        goto rollback;
      }
    user_id = lk_store_column_int64 (st, 0);
  }
  if (spec->with_device)
    {
      result->device = lk_engine_insert_device (engine, account_id, user_id, &spec->device,
                                                &result->outbox_id, &local_error);
      if (result->device == NULL)
        goto rollback;
    }
  result->user = load_user (engine, account_id, spec->login, &local_error);
  if (result->user == NULL)
    goto rollback;
  lk_engine_audit (engine, account_id, "enroll_user", spec->login,
                   result->device ? result->device->serial : NULL, NULL,
                   result->generated_password ? "password generated" : NULL);
  if (!lk_engine_tx_commit (engine, &local_error))
    goto out;
  return g_steal_pointer (&result);

rollback:
  lk_engine_tx_rollback (engine);
out:
  lk_engine_audit (engine, account_id, "enroll_user", spec->login, NULL, local_error, NULL);
  g_propagate_error (error, g_steal_pointer (&local_error));
  return NULL;
}

LkUser *
lk_engine_find_user (LkEngine    *engine,
                     gint64       account_id,
                     const char  *login,
                     GError     **error)
{
  return load_user (engine, account_id, login, error);
}

/* One index range per searchable column, merged: with an OR in one WHERE
 * clause the planner prefers walking the ORDER BY index and filtering, which
 * reads every user when few match. */
#define PREFIX_MATCHES \
  "SELECT id FROM users WHERE account_id = ?1 AND login_norm >= ?2 AND login_norm < ?3 " \
  "UNION SELECT id FROM users WHERE account_id = ?1 AND first_norm >= ?2 AND first_norm < ?3 " \
  "UNION SELECT id FROM users WHERE account_id = ?1 AND last_norm >= ?2 AND last_norm < ?3 " \
  "UNION SELECT id FROM users WHERE account_id = ?1 AND email_norm >= ?2 AND email_norm < ?3"

/* The upper end of a prefix range: any string that starts with @prefix
 * sorts below prefix + U+10FFFF (byte order of UTF-8 is code point order). */
static char *
prefix_upper (const char *prefix)
{
  return g_strconcat (prefix, "\xf4\x8f\xbf\xbf", NULL);
}

/* How many index entries a prefix touches, summed over the four columns:
 * an upper bound on the matches, found from the indexes alone. */
#define PREFIX_ESTIMATE \
  "SELECT (SELECT COUNT(*) FROM users WHERE account_id = ?1 AND login_norm >= ?2 AND login_norm < ?3)" \
  " + (SELECT COUNT(*) FROM users WHERE account_id = ?1 AND first_norm >= ?2 AND first_norm < ?3)" \
  " + (SELECT COUNT(*) FROM users WHERE account_id = ?1 AND last_norm >= ?2 AND last_norm < ?3)" \
  " + (SELECT COUNT(*) FROM users WHERE account_id = ?1 AND email_norm >= ?2 AND email_norm < ?3)"

/* The same condition with unary + on the columns, which keeps the planner
 * from using their indexes: for a prefix that matches much of the account,
 * walking the order's index and stopping after one page is cheaper than
 * collecting and sorting every match. */
#define PREFIX_FILTER \
  "((+u.login_norm >= ?2 AND +u.login_norm < ?3) OR (+u.first_norm >= ?2 AND +u.first_norm < ?3) OR " \
  " (+u.last_norm >= ?2 AND +u.last_norm < ?3) OR (+u.email_norm >= ?2 AND +u.email_norm < ?3))"

#define BROAD_PREFIX 4000

/* A broad prefix walks the order's index and keeps the matches, but only
 * through the first WALK_FACTOR × (offset + limit) users: matches that all
 * sort late (a prefix of logins near "z") would make an unbounded walk read
 * the whole account. When the window holds too few matches, the page is
 * taken from the index ranges instead (PREFIX_MATCHES). */
#define WALK_FACTOR 20
#define WALK_MAX    20000

/* One ORDER BY per LkUserSort, ascending and descending, each served by an
 * index that starts with account_id (users-sort-1); the id breaks ties so
 * that a page never repeats or skips a user. Logins are unique. */
static const char *const user_orders[][2] = {
  [LK_USER_SORT_LOGIN] = { "u.login_norm", "u.login_norm DESC" },
  [LK_USER_SORT_NAME] = { "u.first_norm, u.last_norm, u.id", "u.first_norm DESC, u.last_norm DESC, u.id DESC" },
  [LK_USER_SORT_EMAIL] = { "u.email_norm, u.id", "u.email_norm DESC, u.id DESC" },
  [LK_USER_SORT_LAST_LOGIN] = { "u.last_login_at, u.id", "u.last_login_at DESC, u.id DESC" },
  [LK_USER_SORT_CREATED] = { "u.created_at, u.id", "u.created_at DESC, u.id DESC" },
};

/* The indexes of those orders. The name index replaces the first-name one,
 * which it also serves for prefix search. */
const char lk_engine_users_sort_schema_1_sqlite[] =
  "CREATE INDEX users_name ON users (account_id, first_norm, last_norm, id);"
  "DROP INDEX users_first;"
  "CREATE INDEX users_last_login ON users (account_id, last_login_at, id);"
  "CREATE INDEX users_created ON users (account_id, created_at, id);";

static gboolean
fetch_users (LkStoreStmt  *st,
             GPtrArray    *out,
             GError      **error)
{
  GError *local_error = NULL;
  LkStoreStep step;

  while ((step = lk_store_step (st, &local_error)) == LK_STORE_STEP_ROW)
    g_ptr_array_add (out, user_from_row (st));
  if (step == LK_STORE_STEP_ERROR)
    {
      lk_engine_propagate_store_error (error, local_error, 0);
      return FALSE;
    }
  return TRUE;
}

static gboolean
count_users (LkEngine    *engine,
             const char  *sql,
             gint64       account_id,
             const char  *low,
             const char  *high,
             gint64      *out,
             GError     **error)
{
  g_autoptr(LkStoreStmt) st = lk_engine_prepare (engine, sql, error);
  GError *local_error = NULL;

  if (st == NULL)
    return FALSE;
  lk_store_bind_int64 (st, 1, account_id);
  if (low != NULL)
    {
      lk_store_bind_text (st, 2, low);
      lk_store_bind_text (st, 3, high);
    }
  if (lk_store_step (st, &local_error) != LK_STORE_STEP_ROW)
    {
      if (local_error != NULL)
        lk_engine_propagate_store_error (error, local_error, 0);
      else
        g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_STORE, _("Cannot count users"));
      return FALSE;
    }
  *out = lk_store_column_int64 (st, 0);
  return TRUE;
}

typedef enum
{
  PAGE_ALL,     /* no prefix: the order's index, LIMIT and OFFSET */
  PAGE_RANGES,  /* the union of the four prefix ranges, sorted */
  PAGE_WALK,    /* the order's index through a bounded window, filtered */
} PageKind;

/* One page of users into @out. @low and @high are NULL for PAGE_ALL. */
static gboolean
fetch_page (LkEngine    *engine,
            PageKind     kind,
            const char  *order,
            gint64       account_id,
            const char  *low,
            const char  *high,
            guint        offset,
            guint        limit,
            gint64       window,
            GPtrArray   *out,
            GError     **error)
{
  g_autofree char *sql = NULL;
  g_autoptr(LkStoreStmt) st = NULL;

  switch (kind)
    {
    case PAGE_ALL:
      sql = g_strdup_printf ("SELECT " USER_COLUMNS " FROM users u WHERE u.account_id = ?1 "
                             "ORDER BY %s LIMIT ?4 OFFSET ?5", order);
      break;
    case PAGE_RANGES:
      sql = g_strdup_printf ("SELECT " USER_COLUMNS " FROM users u WHERE u.id IN (" PREFIX_MATCHES ") "
                             "ORDER BY %s LIMIT ?4 OFFSET ?5", order);
      break;
    case PAGE_WALK:
      sql = g_strdup_printf ("SELECT " USER_COLUMNS " FROM (SELECT * FROM users u WHERE u.account_id = ?1 "
                             "ORDER BY %s LIMIT ?6) AS u WHERE " PREFIX_FILTER " "
                             "ORDER BY %s LIMIT ?4 OFFSET ?5", order, order);
      break;
    default:
      g_assert_not_reached ();
    }
  st = lk_engine_prepare (engine, sql, error);
  if (st == NULL)
    return FALSE;
  lk_store_bind_int64 (st, 1, account_id);
  if (kind != PAGE_ALL)
    {
      lk_store_bind_text (st, 2, low);
      lk_store_bind_text (st, 3, high);
    }
  lk_store_bind_int64 (st, 4, limit);
  lk_store_bind_int64 (st, 5, offset);
  if (kind == PAGE_WALK)
    lk_store_bind_int64 (st, 6, window);
  return fetch_users (st, out, error);
}

GPtrArray *
lk_engine_find_users (LkEngine    *engine,
                      gint64       account_id,
                      const char  *prefix,
                      guint        offset,
                      guint        limit,
                      guint       *out_total,
                      GError     **error)
{
  return lk_engine_find_users_sorted (engine, account_id, prefix, LK_USER_SORT_LOGIN, FALSE,
                                      offset, limit, out_total, error);
}

GPtrArray *
lk_engine_find_users_sorted (LkEngine    *engine,
                             gint64       account_id,
                             const char  *prefix,
                             LkUserSort   sort,
                             gboolean     descending,
                             guint        offset,
                             guint        limit,
                             guint       *out_total,
                             GError     **error)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) lk_user_free);
  g_autofree char *low = NULL;
  g_autofree char *high = NULL;
  gboolean all = prefix == NULL || *prefix == '\0';
  const char *order;
  gint64 total = 0;

  if (!lk_engine_check_text (prefix, "prefix", 254, error))
    return NULL;
  if ((int) sort < 0 || sort > LK_USER_SORT_LAST)
    {
      invalid (error, _("Unknown sort order"));
      return NULL;
    }
  order = user_orders[sort][descending ? 1 : 0];
  if (limit == 0)
    limit = 100;
  limit = MIN (limit, 1000);
  if (!all)
    {
      low = lk_engine_normalize (prefix);
      high = prefix_upper (low);
    }

  if (!lk_engine_tx_begin (engine, FALSE, error))
    return NULL;
  if (all)
    {
      if (!fetch_page (engine, PAGE_ALL, order, account_id, NULL, NULL, offset, limit, 0, out, error)
          || (out_total != NULL && !count_users (engine, "SELECT COUNT(*) FROM users u WHERE u.account_id = ?1",
                           account_id, NULL, NULL, &total, error)))
        goto fail;
    }
  else
    {
      gint64 estimate = 0;
      guint64 window = ((guint64) offset + limit) * WALK_FACTOR;

      /* The exact count first: it tells whether a bounded walk found the
       * whole page. Counting the union of the index ranges reads only the
       * indexes, where filtering every user of the account read them all. */
      if (!count_users (engine, "SELECT COUNT(*) FROM (" PREFIX_MATCHES ") AS matches",
                        account_id, low, high, &total, error))
        goto fail;
      if (offset < total)
        {
          guint expected = (guint) MIN ((gint64) limit, total - offset);

          if (window <= WALK_MAX &&
              !count_users (engine, PREFIX_ESTIMATE, account_id, low, high, &estimate, error))
            goto fail;
          if (window <= WALK_MAX && estimate > BROAD_PREFIX)
            {
              if (!fetch_page (engine, PAGE_WALK, order, account_id, low, high, offset, limit,
                               (gint64) window, out, error))
                goto fail;
              if (out->len != expected)
                g_ptr_array_set_size (out, 0);  /* too few in the window */
            }
          if (out->len == 0 &&
              !fetch_page (engine, PAGE_RANGES, order, account_id, low, high, offset, limit, 0, out, error))
            goto fail;
        }
    }
  if (out_total != NULL)
    *out_total = (guint) total;
  lk_engine_tx_commit (engine, NULL);
  return g_steal_pointer (&out);

fail:
  lk_engine_tx_rollback (engine);
  return NULL;
}

LkUser *
lk_engine_update_user (LkEngine            *engine,
                       gint64               account_id,
                       const char          *login,
                       const LkUserUpdate  *update,
                       GError             **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(LkUser) user = NULL;
  g_autofree char *hash = NULL;
  const char *final_login;
  gint64 user_id = 0;

  g_return_val_if_fail (update != NULL, NULL);

  if ((update->new_login != NULL && !check_login (update->new_login, &local_error)) ||
      !lk_engine_check_text (update->first_name, "firstName", NAME_MAX_LEN, &local_error) ||
      !lk_engine_check_text (update->last_name, "lastName", NAME_MAX_LEN, &local_error) ||
      !check_email (update->email, &local_error) ||
      !check_phone (update->mobile_phone, &local_error) ||
      !check_password (update->password, &local_error))
    goto out;
  if (update->enabled != LK_UNSET && update->enabled != 0 && update->enabled != 1)
    {
      invalid (&local_error, _("“enabled” must be 0 or 1"));
      goto out;
    }
  if (update->password != NULL)
    {
      hash = lk_engine_password_hash (engine, update->password, &local_error);
      if (hash == NULL)
        goto out;
    }

  if (!lk_engine_tx_begin (engine, TRUE, &local_error))
    goto out;
  if (!lk_engine_lookup_user (engine, account_id, login, &user_id, NULL, &local_error))
    goto rollback;
  {
    /* One statement; a NULL parameter keeps the column. */
    g_autoptr(LkStoreStmt) st = lk_engine_prepare (engine,
        "UPDATE users SET "
        " login = COALESCE (?2, login), login_norm = COALESCE (?3, login_norm),"
        " first_name = COALESCE (?4, first_name), first_norm = COALESCE (?5, first_norm),"
        " last_name = COALESCE (?6, last_name), last_norm = COALESCE (?7, last_norm),"
        " email = COALESCE (?8, email), email_norm = COALESCE (?9, email_norm),"
        " mobile_phone = COALESCE (?10, mobile_phone), password_hash = COALESCE (?11, password_hash),"
        " enabled = COALESCE (?12, enabled), updated_at = ?13 "
        "WHERE id = ?1", &local_error);
    g_autofree char *login_norm = update->new_login ? lk_engine_normalize (update->new_login) : NULL;
    g_autofree char *first_norm = update->first_name ? lk_engine_normalize (update->first_name) : NULL;
    g_autofree char *last_norm = update->last_name ? lk_engine_normalize (update->last_name) : NULL;
    g_autofree char *email_norm = update->email ? lk_engine_normalize (update->email) : NULL;

    if (st == NULL)
      goto rollback;
    lk_store_bind_int64 (st, 1, user_id);
    lk_store_bind_text (st, 2, update->new_login);
    lk_store_bind_text (st, 3, login_norm);
    lk_store_bind_text (st, 4, update->first_name);
    lk_store_bind_text (st, 5, first_norm);
    lk_store_bind_text (st, 6, update->last_name);
    lk_store_bind_text (st, 7, last_norm);
    lk_store_bind_text (st, 8, update->email);
    lk_store_bind_text (st, 9, email_norm);
    lk_store_bind_text (st, 10, update->mobile_phone);
    lk_store_bind_text (st, 11, hash);
    if (update->enabled == LK_UNSET)
      lk_store_bind_null (st, 12);
    else
      lk_store_bind_int64 (st, 12, update->enabled);
    lk_store_bind_int64 (st, 13, lk_engine_now (engine));
    if (!lk_engine_step_done (st, LK_ENGINE_ERROR_USER_EXISTS, &local_error))
      goto rollback;
  }
  final_login = update->new_login ? update->new_login : login;
  user = load_user (engine, account_id, final_login, &local_error);
  if (user == NULL)
    goto rollback;
  lk_engine_audit (engine, account_id, "update_user", final_login, NULL, NULL,
                   update->password ? "password changed" : NULL);
  if (!lk_engine_tx_commit (engine, &local_error))
    goto out;
  return g_steal_pointer (&user);

rollback:
  lk_engine_tx_rollback (engine);
out:
  lk_engine_audit (engine, account_id, "update_user", login, NULL, local_error, NULL);
  g_propagate_error (error, g_steal_pointer (&local_error));
  return NULL;
}

gboolean
lk_engine_set_user_enabled (LkEngine    *engine,
                            gint64       account_id,
                            const char  *login,
                            gboolean     enabled,
                            GError     **error)
{
  LkUserUpdate update;
  g_autoptr(LkUser) user = NULL;

  lk_user_update_init (&update);
  update.enabled = enabled ? 1 : 0;
  user = lk_engine_update_user (engine, account_id, login, &update, error);
  return user != NULL;
}

gboolean
lk_engine_delete_user (LkEngine    *engine,
                       gint64       account_id,
                       const char  *login,
                       GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  gint64 user_id = 0;

  if (!lk_engine_tx_begin (engine, TRUE, &local_error))
    goto out;
  if (!lk_engine_lookup_user (engine, account_id, login, &user_id, NULL, &local_error))
    goto rollback;
  {
    /* Devices go with the user (ON DELETE CASCADE), in this transaction. */
    g_autoptr(LkStoreStmt) st = lk_engine_prepare (engine, "DELETE FROM users WHERE id = ?1 AND account_id = ?2", &local_error);
    if (st == NULL)
      goto rollback;
    lk_store_bind_int64 (st, 1, user_id);
    lk_store_bind_int64 (st, 2, account_id);
    if (!lk_engine_step_done (st, 0, &local_error))
      goto rollback;
  }
  lk_engine_audit (engine, account_id, "delete_user", login, NULL, NULL, NULL);
  if (!lk_engine_tx_commit (engine, &local_error))
    goto out;
  return TRUE;

rollback:
  lk_engine_tx_rollback (engine);
out:
  lk_engine_audit (engine, account_id, "delete_user", login, NULL, local_error, NULL);
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

gboolean
lk_engine_validate_user (LkEngine    *engine,
                         gint64       account_id,
                         const char  *login,
                         const char  *password,
                         GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *hash = NULL;
  g_autofree char *norm = NULL;
  gboolean enabled = FALSE;
  gint64 user_id = 0;

  if (login == NULL || *login == '\0')
    {
      missing (&local_error, "username");
      goto out;
    }
  if (password == NULL || *password == '\0' || strlen (password) > PASSWORD_MAX)
    {
      g_set_error (&local_error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_USER_LOGIN_FAILED, _("User login failed"));
      goto out;
    }
  norm = lk_engine_normalize (login);
  {
    g_autoptr(LkStoreStmt) st = lk_engine_prepare (engine,
        "SELECT id, password_hash, enabled FROM users WHERE account_id = ?1 AND login_norm = ?2", &local_error);
    if (st == NULL)
      goto out;
    lk_store_bind_int64 (st, 1, account_id);
    lk_store_bind_text (st, 2, norm);
    if (lk_store_step (st, NULL) != LK_STORE_STEP_ROW)
      {
        g_set_error (&local_error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_USER_NOT_FOUND, _("No user with this login name"));
        goto out;
      }
    user_id = lk_store_column_int64 (st, 0);
    hash = g_strdup (lk_store_column_text (st, 1));
    enabled = lk_store_column_int64 (st, 2) != 0;
  }
  /* The slow hash runs outside any transaction. */
  if (!lk_engine_password_verify (password, hash))
    {
      g_set_error (&local_error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_USER_LOGIN_FAILED, _("User login failed"));
      goto out;
    }
  if (!enabled)
    {
      g_set_error (&local_error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_USER_DISABLED, _("The user is disabled"));
      goto out;
    }
  if (!lk_engine_tx_begin (engine, TRUE, &local_error))
    goto out;
  {
    g_autoptr(LkStoreStmt) st = lk_engine_prepare (engine, "UPDATE users SET last_login_at = ?2 WHERE id = ?1", &local_error);
    if (st == NULL)
      {
        lk_engine_tx_rollback (engine);
        goto out;
      }
    lk_store_bind_int64 (st, 1, user_id);
    lk_store_bind_int64 (st, 2, lk_engine_now (engine));
    if (!lk_engine_step_done (st, 0, &local_error))
      {
        lk_engine_tx_rollback (engine);
        goto out;
      }
  }
  lk_engine_audit (engine, account_id, "validate_user", login, NULL, NULL, NULL);
  if (!lk_engine_tx_commit (engine, &local_error))
    goto out;
  return TRUE;

out:
  lk_engine_audit (engine, account_id, "validate_user", login, NULL, local_error, NULL);
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}
