/* SPDX-License-Identifier: GPL-3.0-or-later
 * Bulk import through the API for latchkeyctl --server (lk-cli-import.h). */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "lk-cli-import.h"
#include "lk-engine-error.h"
#include "lk-secure.h"

static void
add_outcome (LkBulkReport *report,
             guint         line,
             const char   *item,
             LkBulkStatus  status,
             const char   *message)
{
  LkBulkOutcome *o = g_new0 (LkBulkOutcome, 1);

  o->line = line;
  o->item = g_strdup (item);
  o->status = status;
  o->message = g_strdup (message);
  report->counts[status]++;
  g_ptr_array_add (report->outcomes, o);
}

/* One request; NULL only when no answer came (the run stops). */
static LkApiResponse *
call (LkBackend     *backend,
      LkApiRequest  *request,
      GCancellable  *cancellable,
      GError       **error)
{
  return lk_backend_call_sync (backend, request, cancellable, error);
}

static LkApiResponse *
find_device (LkBackend     *backend,
             const char    *serial,
             GCancellable  *cancellable,
             GError       **error)
{
  LkApiRequest *r = lk_api_request_new (LK_API_OP_FIND_DEVICE);

  r->serial = g_strdup (serial);
  return call (backend, r, cancellable, error);
}

static const char *
message_of (const LkApiResponse *response)
{
  return response->error_message != NULL ? response->error_message : "";
}

/* Mirrors the embedded enrol_row() with API requests. Returns FALSE when
 * the server could not be reached. */
static gboolean
enrol_row_remote (LkBackend            *backend,
                  const LkBulkUserRow  *row,
                  gboolean              dry_run,
                  GCancellable         *cancellable,
                  LkBulkStatus         *status,
                  char                **message,
                  GError              **error)
{
  g_autoptr(LkApiResponse) dev = NULL;
  g_autoptr(LkApiResponse) user = NULL;
  g_autoptr(LkApiResponse) done = NULL;
  LkApiRequest *r;
  LkDeviceType type = LK_DEVICE_TYPE_MOBILE;

  *status = LK_BULK_FAILED;
  if (row->serial != NULL)
    {
      dev = find_device (backend, row->serial, cancellable, error);
      if (dev == NULL)
        return FALSE;
      if (dev->error_code != 0)
        {
          *message = g_strdup_printf (_("device %s: %s"), row->serial, message_of (dev));
          return TRUE;
        }
    }
  r = lk_api_request_new (LK_API_OP_FIND_USER);
  r->username = g_strdup (row->login);
  user = call (backend, r, cancellable, error);
  if (user == NULL)
    return FALSE;
  if (user->error_code != 0 && user->error_code != LK_ENGINE_ERROR_USER_NOT_FOUND)
    {
      *message = g_strdup (message_of (user));
      return TRUE;
    }
  if (dev != NULL && dev->device->user_login != NULL)
    {
      if (user->error_code == 0 && g_utf8_collate (dev->device->user_login, user->user->login) == 0)
        *status = LK_BULK_SKIPPED;
      else
        *message = g_strdup_printf (_("device %s is assigned to someone else"), row->serial);
      return TRUE;
    }
  if (user->error_code == 0)
    {
      if (dev == NULL)
        {
          *status = LK_BULK_SKIPPED;
          return TRUE;
        }
      if (!dry_run)
        {
          r = lk_api_request_new (LK_API_OP_ASSIGN_DEVICE);
          r->serial = g_strdup (row->serial);
          r->username = g_strdup (user->user->login);
          done = call (backend, r, cancellable, error);
          if (done == NULL)
            return FALSE;
          if (done->error_code != 0)
            {
              *message = g_strdup (message_of (done));
              return TRUE;
            }
        }
      *status = LK_BULK_ASSIGNED;
      return TRUE;
    }
  if (dry_run)
    {
      *status = LK_BULK_ADDED;
      return TRUE;
    }

  r = lk_api_request_new (LK_API_OP_ENROLL_USER);
  r->username = g_strdup (row->login);
  r->first_name = g_strdup (row->first_name);
  r->last_name = g_strdup (row->last_name);
  r->email = g_strdup (row->email);
  r->mobile_phone = g_strdup (row->phone);
  if (row->kind != NULL && row->serial == NULL && lk_device_type_from_string (row->kind, &type))
    {
      r->with_device = TRUE;
      r->device_type = (int) type;
    }
  done = call (backend, r, cancellable, error);
  if (done == NULL)
    return FALSE;
  if (done->error_code != 0)
    {
      *message = g_strdup (message_of (done));
      return TRUE;
    }
  if (dev != NULL)
    {
      g_autoptr(LkApiResponse) assigned = NULL;

      r = lk_api_request_new (LK_API_OP_ASSIGN_DEVICE);
      r->serial = g_strdup (row->serial);
      r->username = g_strdup (row->login);
      assigned = call (backend, r, cancellable, error);
      if (assigned == NULL)
        return FALSE;
      if (assigned->error_code != 0)
        {
          g_autoptr(LkApiResponse) undone = NULL;

          /* All or nothing per row, as in the embedded import. */
          *message = g_strdup (message_of (assigned));
          r = lk_api_request_new (LK_API_OP_DELETE_USER);
          r->username = g_strdup (row->login);
          undone = call (backend, r, cancellable, error);
          return undone != NULL;
        }
    }
  *status = LK_BULK_ADDED;
  return TRUE;
}

LkBulkReport *
lk_cli_import_users_remote (LkBackend           *backend,
                            GPtrArray           *rows,
                            const LkBulkOptions *options,
                            GError             **error)
{
  g_autoptr(LkBulkReport) report = lk_bulk_report_new (options->dry_run);

  report->total = rows->len;
  for (guint i = 0; i < rows->len; i++)
    {
      const LkBulkUserRow *row = rows->pdata[i];
      g_autofree char *message = NULL;
      LkBulkStatus status = LK_BULK_FAILED;

      if (g_cancellable_is_cancelled (options->cancellable))
        {
          report->cancelled = TRUE;
          break;
        }
      if (row->error != NULL)
        message = g_strdup (row->error);
      else if (!enrol_row_remote (backend, row, options->dry_run, NULL, &status, &message, error))
        return NULL;
      add_outcome (report, row->line, row->login, status, message);
      if (options->progress != NULL)
        options->progress (i + 1, rows->len, options->progress_data);
    }
  return g_steal_pointer (&report);
}

static gboolean
import_key_remote (LkBackend        *backend,
                   const LkPskcKey  *key,
                   const char       *serial,
                   gboolean          dry_run,
                   LkBulkStatus     *status,
                   char            **message,
                   GError          **error)
{
  g_autoptr(LkApiResponse) found = NULL;
  g_autoptr(LkApiResponse) added = NULL;
  LkOtpType otp_type = key->kind == LK_PSKC_TOTP ? LK_OTP_TYPE_TIME : LK_OTP_TYPE_EVENT;
  const guint8 *seed;
  gsize seed_len = 0;
  LkApiRequest *r;

  *status = LK_BULK_FAILED;
  seed = g_bytes_get_data (key->secret, &seed_len);
  if (seed_len < 16 || seed_len > 64)
    {
      *message = g_strdup_printf (_("the secret is %u bytes; %d to %d are accepted"), (guint) seed_len, 16, 64);
      return TRUE;
    }
  if ((key->kind == LK_PSKC_HOTP && key->counter != 0) || key->time_drift != 0)
    {
      *message = g_strdup (_("a counter or clock drift cannot be set through the API: import this file with "
                             "--db on the server host"));
      return TRUE;
    }
  found = find_device (backend, serial, NULL, error);
  if (found == NULL)
    return FALSE;
  if (found->error_code == 0)
    {
      const LkDevice *d = found->device;

      if (d->device_type == LK_DEVICE_TYPE_HARDWARE && d->otp_type == otp_type && d->digits == key->digits
          && d->algorithm == key->hash && (key->kind == LK_PSKC_HOTP || d->period == key->period))
        *status = LK_BULK_SKIPPED;
      else
        {
          *status = LK_BULK_CONFLICT;
          *message = g_strdup (_("a device with this serial number already exists with other settings"));
        }
      return TRUE;
    }
  if (found->error_code != LK_ENGINE_ERROR_DEVICE_NOT_FOUND)
    {
      *message = g_strdup (message_of (found));
      return TRUE;
    }
  if (dry_run)
    {
      *status = LK_BULK_ADDED;
      return TRUE;
    }
  r = lk_api_request_new (LK_API_OP_ADD_DEVICE);
  r->device_type = LK_DEVICE_TYPE_HARDWARE;
  r->otp_type = otp_type;
  r->otp_length = (int) key->digits;
  if (key->kind == LK_PSKC_TOTP)
    r->window_size = (int) key->period;
  r->psn = g_strdup (serial);
  r->algorithm = g_strdup (lk_hash_to_string (key->hash));
  r->secret_key_hex = g_malloc (seed_len * 2 + 1);
  for (gsize i = 0; i < seed_len; i++)
    g_snprintf (r->secret_key_hex + 2 * i, 3, "%02x", seed[i]);
  added = call (backend, r, NULL, error);
  if (added == NULL)
    return FALSE;
  if (added->error_code != 0)
    {
      *message = g_strdup (message_of (added));
      return TRUE;
    }
  *status = LK_BULK_ADDED;
  return TRUE;
}

LkBulkReport *
lk_cli_import_pskc_remote (LkBackend           *backend,
                           GPtrArray           *keys,
                           const LkBulkOptions *options,
                           GError             **error)
{
  g_autoptr(LkBulkReport) report = lk_bulk_report_new (options->dry_run);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  report->total = keys->len;
  for (guint i = 0; i < keys->len; i++)
    {
      const LkPskcKey *key = keys->pdata[i];
      const char *serial = key->serial != NULL && *key->serial != '\0' ? key->serial : key->id;
      g_autofree char *message = NULL;
      LkBulkStatus status = LK_BULK_FAILED;
      gpointer first;

      if (g_cancellable_is_cancelled (options->cancellable))
        {
          report->cancelled = TRUE;
          break;
        }
      if (key->error != NULL)
        message = g_strdup (key->error->message);
      else if (serial == NULL || *serial == '\0')
        message = g_strdup (_("the key has neither a serial number nor an Id"));
      else if (g_hash_table_lookup_extended (seen, serial, NULL, &first))
        {
          status = LK_BULK_CONFLICT;
          message = g_strdup_printf (_("the serial number is repeated in the file (key %u)"), GPOINTER_TO_UINT (first));
        }
      else
        {
          g_hash_table_insert (seen, g_strdup (serial), GUINT_TO_POINTER (key->index));
          if (!import_key_remote (backend, key, serial, options->dry_run, &status, &message, error))
            return NULL;
        }
      add_outcome (report, key->index, serial, status, message);
      if (options->progress != NULL)
        options->progress (i + 1, keys->len, options->progress_data);
    }
  return g_steal_pointer (&report);
}
