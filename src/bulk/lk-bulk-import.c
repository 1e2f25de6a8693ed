/* SPDX-License-Identifier: GPL-3.0-or-later
 * Bulk import into and export from the engine, in batches (lk-bulk-import.h). */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "lk-bulk-error.h"
#include "lk-bulk-import.h"
#include "lk-csv.h"
#include "lk-engine-bulk.h"
#include "lk-secure.h"

/* RFC 4226 asks for 128 bits; the engine stores at most an HMAC-SHA-512 block. */
#define SEED_MIN 16
#define SEED_MAX 64

const char *
lk_bulk_status_to_string (LkBulkStatus status)
{
  static const char *const names[] = { "added", "assigned", "skipped", "conflict", "failed" };

  return (guint) status < G_N_ELEMENTS (names) ? names[status] : "unknown";
}

LkBulkReport *
lk_bulk_report_new (gboolean dry_run)
{
  LkBulkReport *report = g_new0 (LkBulkReport, 1);

  report->dry_run = dry_run;
  report->outcomes = g_ptr_array_new ();
  return report;
}

static void
outcome_free (LkBulkOutcome *outcome)
{
  g_free (outcome->item);
  g_free (outcome->message);
  g_free (outcome);
}

void
lk_bulk_report_free (LkBulkReport *report)
{
  if (report == NULL)
    return;
  g_ptr_array_foreach (report->outcomes, (GFunc) outcome_free, NULL);
  g_ptr_array_unref (report->outcomes);
  g_free (report);
}

void
lk_bulk_report_add (LkBulkReport *report,
                    guint         line,
                    const char   *item,
                    LkBulkStatus  status,
                    const char   *message)
{
  LkBulkOutcome *outcome = g_new0 (LkBulkOutcome, 1);

  outcome->line = line;
  outcome->item = g_strdup (item);
  outcome->status = status;
  outcome->message = g_strdup (message);
  report->counts[status]++;
  g_ptr_array_add (report->outcomes, outcome);
}

/* ---- batches -------------------------------------------------------------------------
 * A dry run does the real work inside the batch and rolls it back, so its
 * report is exactly what a real run would say. */

typedef struct
{
  LkEngine            *engine;
  const LkBulkOptions *options;
  guint                size;
  guint                count;
  gboolean             open;
} Batcher;

/* FALSE when the run must stop: cancelled (report->cancelled) or the
 * engine failed (@error). */
static gboolean
batch_item_begin (Batcher       *b,
                  LkBulkReport  *report,
                  GError       **error)
{
  if (b->open)
    return TRUE;
  if (g_cancellable_is_cancelled (b->options->cancellable))
    {
      report->cancelled = TRUE;
      return FALSE;
    }
  if (!lk_engine_batch_begin (b->engine, error))
    return FALSE;
  b->open = TRUE;
  b->count = 0;
  return TRUE;
}

static gboolean
batch_close (Batcher  *b,
             GError  **error)
{
  if (!b->open)
    return TRUE;
  b->open = FALSE;
  if (b->options->dry_run)
    {
      lk_engine_batch_rollback (b->engine);
      return TRUE;
    }
  return lk_engine_batch_commit (b->engine, error);
}

static gboolean
batch_item_end (Batcher  *b,
                GError  **error)
{
  if (++b->count < b->size)
    return TRUE;
  return batch_close (b, error);
}

static void
batcher_init (Batcher             *b,
              LkEngine            *engine,
              const LkBulkOptions *options)
{
  b->engine = engine;
  b->options = options;
  b->size = options->batch_size ? options->batch_size : LK_BULK_DEFAULT_BATCH;
  b->count = 0;
  b->open = FALSE;
}

static void
progress (const LkBulkOptions *options,
          guint                done,
          guint                total)
{
  if (options->progress != NULL)
    options->progress (done, total, options->progress_data);
}

/* ---- PSKC in -------------------------------------------------------------------------- */

static LkOtpType
otp_type_of (const LkPskcKey *key)
{
  return key->kind == LK_PSKC_TOTP ? LK_OTP_TYPE_TIME : LK_OTP_TYPE_EVENT;
}

/* Adds one key, or says why not; returns the outcome's status. */
static LkBulkStatus
import_key (LkEngine         *engine,
            gint64            account_id,
            const LkPskcKey  *key,
            const char       *serial,
            char            **message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkDevice) existing = NULL;
  g_autoptr(LkDevice) added = NULL;
  g_autofree char *hex = NULL;
  const guint8 *seed;
  gsize seed_len = 0;
  gboolean equal = FALSE;
  LkDeviceSpec spec;

  seed = g_bytes_get_data (key->secret, &seed_len);
  if (seed_len < SEED_MIN || seed_len > SEED_MAX)
    {
      *message = g_strdup_printf (_("the secret is %u bytes; %d to %d are accepted"), (guint) seed_len,
                                  SEED_MIN, SEED_MAX);
      return LK_BULK_FAILED;
    }
  if (key->time_drift < -1000 || key->time_drift > 1000)
    {
      *message = g_strdup (_("the time drift is beyond 1000 intervals"));
      return LK_BULK_FAILED;
    }
  if (lk_engine_device_seed_equals (engine, account_id, serial, seed, seed_len, &equal, &existing, &error))
    {
      gboolean same = equal
                      && existing->device_type == LK_DEVICE_TYPE_HARDWARE
                      && existing->otp_type == otp_type_of (key)
                      && existing->algorithm == key->hash
                      && existing->digits == key->digits
                      && (key->kind == LK_PSKC_HOTP || existing->period == key->period);

      if (same)
        return LK_BULK_SKIPPED;
      *message = g_strdup (_("a device with this serial number already exists with another key or settings"));
      return LK_BULK_CONFLICT;
    }
  if (!g_error_matches (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_DEVICE_NOT_FOUND))
    {
      *message = g_strdup (error->message);
      return LK_BULK_FAILED;
    }
  g_clear_error (&error);

  hex = g_malloc (seed_len * 2 + 1);
  for (gsize i = 0; i < seed_len; i++)
    {
      static const char digits[] = "0123456789abcdef";

      hex[2 * i] = digits[seed[i] >> 4];
      hex[2 * i + 1] = digits[seed[i] & 15];
    }
  hex[2 * seed_len] = '\0';

  lk_device_spec_init (&spec);
  spec.device_type = LK_DEVICE_TYPE_HARDWARE;
  spec.otp_type = otp_type_of (key);
  spec.otp_length = (int) key->digits;
  if (key->kind == LK_PSKC_TOTP)
    spec.window_size = (int) key->period;
  spec.psn = serial;
  spec.secret_key_hex = hex;
  spec.algorithm = lk_hash_to_string (key->hash);
  added = lk_engine_import_device (engine, account_id, &spec, key->counter, (gint) key->time_drift, &error);
  lk_secure_wipe (hex, seed_len * 2);
  if (added == NULL)
    {
      *message = g_strdup (error->message);
      return LK_BULK_FAILED;
    }
  return LK_BULK_ADDED;
}

LkBulkReport *
lk_bulk_import_pskc (LkEngine             *engine,
                     gint64                account_id,
                     GPtrArray            *keys,
                     const LkBulkOptions  *options,
                     GError              **error)
{
  static const LkBulkOptions defaults = { 0 };
  g_autoptr(LkBulkReport) report = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GError) local_error = NULL;
  Batcher b;

  if (options == NULL)
    options = &defaults;
  report = lk_bulk_report_new (options->dry_run);
  report->total = keys->len;
  batcher_init (&b, engine, options);

  for (guint i = 0; i < keys->len; i++)
    {
      const LkPskcKey *key = g_ptr_array_index (keys, i);
      const char *serial = key->serial != NULL && *key->serial != '\0' ? key->serial : key->id;
      g_autofree char *message = NULL;
      LkBulkStatus status;
      gpointer first;

      if (!batch_item_begin (&b, report, &local_error))
        break;
      if (key->error != NULL)
        {
          status = LK_BULK_FAILED;
          message = g_strdup (key->error->message);
        }
      else if (serial == NULL || *serial == '\0')
        {
          status = LK_BULK_FAILED;
          message = g_strdup (_("the key has neither a serial number nor an Id"));
        }
      else if (g_hash_table_lookup_extended (seen, serial, NULL, &first))
        {
          status = LK_BULK_CONFLICT;
          message = g_strdup_printf (_("the serial number is repeated in the file (key %u)"), GPOINTER_TO_UINT (first));
        }
      else
        {
          g_hash_table_insert (seen, g_strdup (serial), GUINT_TO_POINTER (key->index));
          status = import_key (engine, account_id, key, serial, &message);
        }
      lk_bulk_report_add (report, key->index, serial, status, message);
      if (!batch_item_end (&b, &local_error))
        break;
      progress (options, i + 1, keys->len);
    }
  if (local_error == NULL && !report->cancelled)
    batch_close (&b, &local_error);
  if (local_error != NULL)
    {
      /* Batches already committed stay: a re-run skips them. */
      if (b.open)
        lk_engine_batch_rollback (engine);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  return g_steal_pointer (&report);
}

gboolean
lk_bulk_parse_hex_key (const char  *hex,
                       guint8       out[32],
                       gsize       *out_len)
{
  gsize n;

  while (g_ascii_isspace (*hex))
    hex++;
  n = strlen (hex);
  while (n > 0 && g_ascii_isspace (hex[n - 1]))
    n--;
  if (n != 32 && n != 48 && n != 64)
    return FALSE;
  for (gsize i = 0; i < n; i += 2)
    {
      int hi = g_ascii_xdigit_value (hex[i]), lo = g_ascii_xdigit_value (hex[i + 1]);

      if (hi < 0 || lo < 0)
        {
          lk_secure_wipe (out, 32);
          return FALSE;
        }
      out[i / 2] = (guint8) (hi << 4 | lo);
    }
  *out_len = n / 2;
  return TRUE;
}

/* ---- PSKC out ------------------------------------------------------------------------- */

GPtrArray *
lk_bulk_export_keys (LkEngine           *engine,
                     gint64              account_id,
                     const char * const *serials,
                     GError            **error)
{
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func ((GDestroyNotify) lk_pskc_key_free);

  for (guint i = 0; serials != NULL && serials[i] != NULL; i++)
    {
      g_autoptr(LkDevice) device = NULL;
      g_autoptr(GBytes) seed = lk_engine_export_device_seed (engine, account_id, serials[i], &device, error);
      LkPskcKey *key;

      if (seed == NULL)
        return NULL;
      if (device->otp_type == LK_OTP_TYPE_OCRA)
        {
          g_set_error (error, LK_BULK_ERROR, LK_BULK_ERROR_UNSUPPORTED,
                       _("Device %s is an OCRA device; PSKC export takes HOTP and TOTP devices"), serials[i]);
          return NULL;
        }
      key = lk_pskc_key_new ();
      key->index = i + 1;
      key->id = g_strdup (device->serial);
      key->serial = g_strdup (device->serial);
      key->issuer = g_strdup ("Latchkey");
      key->kind = device->otp_type == LK_OTP_TYPE_TIME ? LK_PSKC_TOTP : LK_PSKC_HOTP;
      key->hash = device->algorithm;
      key->digits = device->digits;
      key->counter = device->counter;
      key->period = device->period;
      key->time_drift = device->time_shift;
      key->secret = g_steal_pointer (&seed);
      g_ptr_array_add (keys, key);
    }
  return g_steal_pointer (&keys);
}

/* ---- users from CSV ------------------------------------------------------------------- */

enum { COL_LOGIN, COL_FIRST, COL_LAST, COL_EMAIL, COL_PHONE, COL_SERIAL, COL_KIND, COL_DEVICE, N_COLS };

/* Which column a header names, or -1. Spaces, '_' and '-' are ignored. */
static int
column_for (const char *name)
{
  static const struct { const char *name; int col; } names[] = {
    { "login", COL_LOGIN }, { "username", COL_LOGIN }, { "user", COL_LOGIN }, { "userid", COL_LOGIN },
    { "firstname", COL_FIRST }, { "givenname", COL_FIRST }, { "first", COL_FIRST },
    { "lastname", COL_LAST }, { "surname", COL_LAST }, { "familyname", COL_LAST }, { "last", COL_LAST },
    { "email", COL_EMAIL }, { "mail", COL_EMAIL }, { "emailaddress", COL_EMAIL },
    { "phone", COL_PHONE }, { "mobile", COL_PHONE }, { "mobilephone", COL_PHONE }, { "telephone", COL_PHONE },
    { "phonenumber", COL_PHONE },
    { "serial", COL_SERIAL }, { "deviceserial", COL_SERIAL }, { "serialnumber", COL_SERIAL },
    { "kind", COL_KIND }, { "devicekind", COL_KIND }, { "devicetype", COL_KIND },
    { "device", COL_DEVICE },
  };
  g_autoptr(GString) key = g_string_new (NULL);

  for (const char *p = name; *p; p++)
    if (*p != ' ' && *p != '_' && *p != '-' && *p != '\t')
      g_string_append_c (key, g_ascii_tolower (*p));
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (strcmp (key->str, names[i].name) == 0)
      return names[i].col;
  return -1;
}

/* A header row names the login column and nothing unknown. */
static gboolean
detect_header (const LkCsvRecord *first,
               int                map[N_COLS])
{
  gboolean has_login = FALSE;

  for (int c = 0; c < N_COLS; c++)
    map[c] = -1;
  for (guint i = 0; first->fields[i] != NULL; i++)
    {
      g_autofree char *name = g_strstrip (g_strdup (first->fields[i]));
      int col = column_for (name);

      if (col < 0)
        {
          if (*name == '\0')
            continue;
          return FALSE;
        }
      if (map[col] < 0)
        map[col] = (int) i;
      has_login |= col == COL_LOGIN;
    }
  return has_login;
}

static const char *
field (const LkCsvRecord *rec,
       const int          map[N_COLS],
       int                col)
{
  int idx = map[col];

  if (idx < 0 || idx >= (int) g_strv_length (rec->fields))
    return NULL;
  return *rec->fields[idx] != '\0' ? rec->fields[idx] : NULL;
}

static gboolean
same_login (const char *a,
            const char *b)
{
  g_autofree char *fa = NULL, *fb = NULL;

  if (a == NULL || b == NULL)
    return FALSE;
  fa = g_utf8_casefold (a, -1);
  fb = g_utf8_casefold (b, -1);
  return strcmp (fa, fb) == 0;
}

static LkBulkStatus
enrol_row (LkEngine    *engine,
           gint64       account_id,
           const char  *login,
           const char  *first,
           const char  *last,
           const char  *email,
           const char  *phone,
           const char  *serial,
           const char  *kind,
           char       **message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkUser) user = NULL;
  g_autoptr(LkDevice) device = NULL;
  g_autoptr(LkEnrollResult) result = NULL;
  LkDeviceType type = LK_DEVICE_TYPE_MOBILE;
  LkUserSpec spec;

  if (kind != NULL && !lk_device_type_from_string (kind, &type))
    {
      *message = g_strdup_printf (_("unknown device kind “%s”"), kind);
      return LK_BULK_FAILED;
    }
  if (serial != NULL)
    {
      device = lk_engine_find_device (engine, account_id, serial, &error);
      if (device == NULL)
        {
          *message = g_strdup_printf (_("device %s: %s"), serial, error->message);
          return LK_BULK_FAILED;
        }
    }
  user = lk_engine_find_user (engine, account_id, login, &error);
  if (user == NULL && !g_error_matches (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_USER_NOT_FOUND))
    {
      *message = g_strdup (error->message);
      return LK_BULK_FAILED;
    }
  g_clear_error (&error);

  if (device != NULL && device->user_login != NULL)
    {
      if (user != NULL && same_login (device->user_login, user->login))
        return LK_BULK_SKIPPED;
      *message = g_strdup_printf (_("device %s is assigned to someone else"), serial);
      return LK_BULK_FAILED;
    }
  if (user != NULL)
    {
      if (device == NULL)
        return LK_BULK_SKIPPED;
      if (!lk_engine_assign_device (engine, account_id, serial, user->login, &error))
        {
          *message = g_strdup (error->message);
          return LK_BULK_FAILED;
        }
      return LK_BULK_ASSIGNED;
    }

  lk_user_spec_init (&spec);
  spec.login = login;
  spec.first_name = first;
  spec.last_name = last;
  spec.email = email;
  spec.mobile_phone = phone;
  if (kind != NULL && serial == NULL)
    {
      spec.with_device = TRUE;
      spec.device.device_type = (int) type;
    }
  result = lk_engine_enroll_user (engine, account_id, &spec, &error);
  if (result == NULL)
    {
      *message = g_strdup (error->message);
      return LK_BULK_FAILED;
    }
  if (device != NULL && !lk_engine_assign_device (engine, account_id, serial, login, &error))
    {
      /* Only this row's savepoint is lost: undo the enrolment too, so the
       * row is all or nothing. */
      g_autoptr(GError) ignored = NULL;

      lk_engine_delete_user (engine, account_id, login, &ignored);
      *message = g_strdup (error->message);
      return LK_BULK_FAILED;
    }
  return LK_BULK_ADDED;
}

void
lk_bulk_user_row_free (LkBulkUserRow *row)
{
  if (row == NULL)
    return;
  g_free (row->error);
  g_free (row->login);
  g_free (row->first_name);
  g_free (row->last_name);
  g_free (row->email);
  g_free (row->phone);
  g_free (row->serial);
  g_free (row->kind);
  g_free (row);
}

/* The checks a row gets before any lookup: a login, not repeated, a
 * serial not repeated, a known device kind. Rows already refused are left
 * as they are, so checking the same rows twice changes nothing. */
static void
check_rows (GPtrArray *rows)
{
  g_autoptr(GHashTable) logins = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) serials = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < rows->len; i++)
    {
      LkBulkUserRow *row = rows->pdata[i];
      g_autofree char *folded = NULL;
      LkDeviceType type;
      gpointer first;

      if (row->error != NULL)
        continue;
      if (row->login == NULL)
        {
          row->error = g_strdup (_("no login"));
          continue;
        }
      folded = g_utf8_casefold (row->login, -1);
      if (g_hash_table_lookup_extended (logins, folded, NULL, &first))
        row->error = g_strdup_printf (_("the login is repeated (line %u)"), GPOINTER_TO_UINT (first));
      else if (row->serial != NULL && g_hash_table_lookup_extended (serials, row->serial, NULL, &first))
        row->error = g_strdup_printf (_("the device serial is repeated (line %u)"), GPOINTER_TO_UINT (first));
      else if (row->kind != NULL && !lk_device_type_from_string (row->kind, &type))
        row->error = g_strdup_printf (_("unknown device kind “%s”"), row->kind);
      else
        {
          g_hash_table_insert (logins, g_steal_pointer (&folded), GUINT_TO_POINTER (row->line));
          if (row->serial != NULL)
            g_hash_table_insert (serials, g_strdup (row->serial), GUINT_TO_POINTER (row->line));
        }
    }
}

GPtrArray *
lk_bulk_user_rows (const char  *csv,
                   gsize        len,
                   GError     **error)
{
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  int map[N_COLS];
  guint start = 0;

  records = lk_csv_parse (csv, len, error);
  if (records == NULL)
    return NULL;
  if (records->len > 0 && ((LkCsvRecord *) records->pdata[0])->error == NULL
      && detect_header (records->pdata[0], map))
    start = 1;
  else
    for (int c = 0; c < N_COLS; c++)
      map[c] = c <= COL_PHONE ? c : (c == COL_DEVICE ? 5 : -1);

  rows = g_ptr_array_new_with_free_func ((GDestroyNotify) lk_bulk_user_row_free);
  for (guint i = start; i < records->len; i++)
    {
      const LkCsvRecord *rec = records->pdata[i];
      LkBulkUserRow *row = g_new0 (LkBulkUserRow, 1);
      const char *device;
      LkDeviceType type;

      row->line = rec->line;
      g_ptr_array_add (rows, row);
      if (rec->error != NULL)
        {
          row->error = g_strdup (rec->error);
          continue;
        }
      row->login = g_strdup (field (rec, map, COL_LOGIN));
      row->first_name = g_strdup (field (rec, map, COL_FIRST));
      row->last_name = g_strdup (field (rec, map, COL_LAST));
      row->email = g_strdup (field (rec, map, COL_EMAIL));
      row->phone = g_strdup (field (rec, map, COL_PHONE));
      row->serial = g_strdup (field (rec, map, COL_SERIAL));
      row->kind = g_strdup (field (rec, map, COL_KIND));
      /* One "device" column: a kind name makes a device, anything else is a serial. */
      device = field (rec, map, COL_DEVICE);
      if (device != NULL && row->serial == NULL && row->kind == NULL)
        {
          if (lk_device_type_from_string (device, &type))
            row->kind = g_strdup (device);
          else
            row->serial = g_strdup (device);
        }
    }
  check_rows (rows);
  return g_steal_pointer (&rows);
}

LkBulkReport *
lk_bulk_import_users (LkEngine             *engine,
                      gint64                account_id,
                      const char           *csv,
                      gsize                 len,
                      const LkBulkOptions  *options,
                      GError              **error)
{
  g_autoptr(GPtrArray) rows = lk_bulk_user_rows (csv, len, error);

  if (rows == NULL)
    return NULL;
  return lk_bulk_import_user_rows (engine, account_id, rows, options, error);
}

LkBulkReport *
lk_bulk_import_user_rows (LkEngine             *engine,
                          gint64                account_id,
                          GPtrArray            *rows,
                          const LkBulkOptions  *options,
                          GError              **error)
{
  static const LkBulkOptions defaults = { 0 };
  g_autoptr(LkBulkReport) report = NULL;
  g_autoptr(GError) local_error = NULL;
  Batcher b;

  if (options == NULL)
    options = &defaults;
  check_rows (rows);
  report = lk_bulk_report_new (options->dry_run);
  report->total = rows->len;
  batcher_init (&b, engine, options);

  for (guint i = 0; i < rows->len; i++)
    {
      const LkBulkUserRow *row = rows->pdata[i];
      g_autofree char *message = NULL;
      LkBulkStatus status = LK_BULK_FAILED;

      if (!batch_item_begin (&b, report, &local_error))
        break;
      if (row->error != NULL)
        message = g_strdup (row->error);
      else
        status = enrol_row (engine, account_id, row->login, row->first_name, row->last_name, row->email,
                            row->phone, row->serial, row->kind, &message);
      lk_bulk_report_add (report, row->line, row->login, status, message);
      if (!batch_item_end (&b, &local_error))
        break;
      progress (options, i + 1, report->total);
    }
  if (local_error == NULL && !report->cancelled)
    batch_close (&b, &local_error);
  if (local_error != NULL)
    {
      /* Batches already committed stay: a re-run skips them. */
      if (b.open)
        lk_engine_batch_rollback (engine);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  return g_steal_pointer (&report);
}
