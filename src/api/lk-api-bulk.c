/* SPDX-License-Identifier: GPL-3.0-or-later
 * JSON API types of bulk import: import_oath_devices and import_users (lk-api-bulk.h). */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "lk-api-bulk.h"
#include "lk-bulk-error.h"
#include "lk-secure.h"
#include "lk-api-writer.h"

gboolean
lk_api_bulk_handles (LkApiOp op)
{
  return op == LK_API_OP_IMPORT_DEVICES || op == LK_API_OP_IMPORT_USERS;
}

LkApiBulkRequest *
lk_api_bulk_request_new (gboolean   dry_run,
                         GPtrArray *keys,
                         GPtrArray *rows)
{
  LkApiBulkRequest *request = g_new0 (LkApiBulkRequest, 1);

  request->dry_run = dry_run;
  request->keys = keys != NULL ? g_ptr_array_ref (keys) : NULL;
  request->rows = rows != NULL ? g_ptr_array_ref (rows) : NULL;
  return request;
}

LkApiBulkRequest *
lk_api_bulk_request_copy (const LkApiBulkRequest *request)
{
  LkApiBulkRequest *copy;

  if (request == NULL)
    return NULL;
  /* The items are never changed once a request is made: share them. */
  copy = lk_api_bulk_request_new (request->dry_run, request->keys, request->rows);
  copy->owner = request->owner != NULL ? g_ptr_array_ref (request->owner) : NULL;
  return copy;
}

void
lk_api_bulk_request_free (LkApiBulkRequest *request)
{
  if (request == NULL)
    return;
  g_clear_pointer (&request->keys, g_ptr_array_unref);
  g_clear_pointer (&request->rows, g_ptr_array_unref);
  g_clear_pointer (&request->owner, g_ptr_array_unref);
  g_free (request);
}

/* ---- requests ------------------------------------------------------------ */

static void
item_error (GError     **slot,
            const char  *message)
{
  if (*slot == NULL)
    g_set_error_literal (slot, LK_BULK_ERROR, LK_BULK_ERROR_INVALID, message);
}

/* The seed from hex into a wiped-on-free buffer; NULL for bad hex. */
static GBytes *
seed_from_hex (const char *hex)
{
  gsize n = strlen (hex);
  g_autofree guint8 *bytes = NULL;
  GBytes *seed;

  if (n == 0 || n % 2 != 0)
    return NULL;
  bytes = g_malloc (n / 2);
  for (gsize i = 0; i < n; i += 2)
    {
      int hi = g_ascii_xdigit_value (hex[i]);
      int lo = g_ascii_xdigit_value (hex[i + 1]);

      if (hi < 0 || lo < 0)
        {
          lk_secure_wipe (bytes, n / 2);
          return NULL;
        }
      bytes[i / 2] = (guint8) (hi << 4 | lo);
    }
  seed = lk_secure_bytes_new (bytes, n / 2);
  lk_secure_wipe (bytes, n / 2);
  return seed;
}

/* An empty string counts as absent, as an empty CSV field does. */
static char *
non_empty (char *text)
{
  if (text != NULL && *text == '\0')
    g_clear_pointer (&text, g_free);
  return text;
}

static gboolean
decode_key (LkApiFields  *fields,
            guint         position,
            LkPskcKey    *key,
            GError      **error)
{
  g_autofree char *algorithm = NULL;
  char *hex = NULL;
  gint64 line, otp_type, digits, period, counter, shift;
  gboolean ok;

  ok = lk_api_fields_get_int (fields, "line", 1, G_MAXUINT, position, &line, error)
       && lk_api_fields_read_string (fields, "deviceId|psn", &key->serial, error)
       && lk_api_fields_get_int (fields, "OtpType", 0, G_MAXINT, LK_OTP_TYPE_EVENT, &otp_type, error)
       && lk_api_fields_read_string (fields, "algorithm", &algorithm, error)
       && lk_api_fields_get_int (fields, "OtpLength", 0, G_MAXINT, 6, &digits, error)
       && lk_api_fields_get_int (fields, "period", 0, G_MAXINT, 30, &period, error)
       && lk_api_fields_get_int (fields, "counter", 0, G_MAXINT64, 0, &counter, error)
       && lk_api_fields_get_int (fields, "timeShift", G_MININT, G_MAXINT, 0, &shift, error)
       && lk_api_fields_get_string (fields, "secretKeyHex", &hex, error);
  if (!ok)
    {
      lk_secure_str_free (hex);
      return FALSE;
    }
  key->index = (guint) line;
  key->serial = non_empty (key->serial);
  key->kind = otp_type == LK_OTP_TYPE_TIME ? LK_PSKC_TOTP : LK_PSKC_HOTP;
  key->digits = (guint) digits;
  key->period = (guint) period;
  key->counter = (guint64) counter;
  key->time_drift = shift;
  if (hex != NULL && *hex != '\0')
    key->secret = seed_from_hex (hex);
  lk_secure_str_free (hex);

  /* Value problems belong to this item only; the rest of the chunk goes on. */
  if (key->serial == NULL)
    item_error (&key->error, _("the key has no serial number (deviceId)"));
  if (otp_type != LK_OTP_TYPE_EVENT && otp_type != LK_OTP_TYPE_TIME)
    item_error (&key->error, _("only HOTP (OtpType 0) and TOTP (OtpType 1) keys can be imported"));
  if (algorithm != NULL && *algorithm != '\0' && !lk_hash_from_string (algorithm, &key->hash))
    item_error (&key->error, _("unknown algorithm"));
  if (key->secret == NULL)
    item_error (&key->error, _("the secret (secretKeyHex) is missing or not hexadecimal"));
  if (key->error != NULL)
    g_clear_pointer (&key->secret, g_bytes_unref);
  return TRUE;
}

static gboolean
decode_row (LkApiFields    *fields,
            guint           position,
            LkBulkUserRow  *row,
            GError        **error)
{
  gint64 line;

  if (!lk_api_fields_get_int (fields, "line", 1, G_MAXUINT, position, &line, error)
      || !lk_api_fields_read_string (fields, "username|loginName", &row->login, error)
      || !lk_api_fields_read_string (fields, "firstName", &row->first_name, error)
      || !lk_api_fields_read_string (fields, "lastName", &row->last_name, error)
      || !lk_api_fields_read_string (fields, "email", &row->email, error)
      || !lk_api_fields_read_string (fields, "mobilePhone", &row->phone, error)
      || !lk_api_fields_read_string (fields, "deviceId", &row->serial, error)
      || !lk_api_fields_read_string (fields, "deviceType", &row->kind, error))
    return FALSE;
  row->line = (guint) line;
  row->login = non_empty (row->login);
  row->first_name = non_empty (row->first_name);
  row->last_name = non_empty (row->last_name);
  row->email = non_empty (row->email);
  row->phone = non_empty (row->phone);
  row->serial = non_empty (row->serial);
  row->kind = non_empty (row->kind);
  /* Missing login, repeats and unknown kinds are found by the import. */
  return TRUE;
}

gboolean
lk_api_bulk_decode_request (LkApiRequest  *request,
                            LkApiFields   *fields,
                            GError       **error)
{
  gboolean devices = request->op == LK_API_OP_IMPORT_DEVICES;
  const char *name = devices ? "devices" : "users";
  g_autoptr(GPtrArray) items = NULL;
  JsonArray *array = NULL;
  int dry_run = -1;
  guint n;

  if (!lk_api_fields_get_bool (fields, "dryRun", &dry_run, error)
      || !lk_api_fields_get_array (fields, name, &array, error))
    return FALSE;
  if (array == NULL)
    {
      g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_MISSING_FIELD, _("The field “%s” is missing"), name);
      return FALSE;
    }
  n = json_array_get_length (array);
  if (n > LK_API_BULK_MAX_ITEMS)
    {
      g_set_error (error, LK_API_ERROR, LK_API_ERROR_TOO_MANY_ITEMS,
                   _("One request carries at most %d items; split the import"), LK_API_BULK_MAX_ITEMS);
      return FALSE;
    }

  items = g_ptr_array_new_with_free_func (devices ? (GDestroyNotify) lk_pskc_key_free
                                                  : (GDestroyNotify) lk_bulk_user_row_free);
  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      g_autoptr(LkApiFields) item_fields = NULL;
      gboolean ok;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          g_set_error (error, LK_API_ERROR, LK_API_ERROR_FIELD_TYPE,
                       _("Item %u of “%s” must be an object"), i + 1, name);
          return FALSE;
        }
      item_fields = lk_api_fields_new (json_node_get_object (node));
      if (devices)
        {
          LkPskcKey *key = lk_pskc_key_new ();

          g_ptr_array_add (items, key);
          ok = decode_key (item_fields, i + 1, key, error);
        }
      else
        {
          LkBulkUserRow *row = g_new0 (LkBulkUserRow, 1);

          g_ptr_array_add (items, row);
          ok = decode_row (item_fields, i + 1, row, error);
        }
      if (!ok)
        {
          g_prefix_error (error, _("Item %u of “%s”: "), i + 1, name);
          return FALSE;
        }
    }

  lk_api_bulk_request_free (request->bulk);
  request->bulk = lk_api_bulk_request_new (dry_run == 1, devices ? items : NULL, devices ? NULL : items);
  return TRUE;
}

static void
encode_key (JsonBuilder     *builder,
            const LkPskcKey *key)
{
  const char *serial = key->serial != NULL && *key->serial != '\0' ? key->serial : key->id;

  json_builder_begin_object (builder);
  lk_api_builder_add_number (builder, "line", key->index);
  lk_api_builder_add_string (builder, "deviceId", serial);
  lk_api_builder_add_number (builder, "OtpType", key->kind == LK_PSKC_TOTP ? LK_OTP_TYPE_TIME : LK_OTP_TYPE_EVENT);
  lk_api_builder_add_string (builder, "algorithm", lk_hash_to_string (key->hash));
  lk_api_builder_add_number (builder, "OtpLength", key->digits);
  if (key->kind == LK_PSKC_TOTP)
    lk_api_builder_add_number (builder, "period", key->period);
  else
    lk_api_builder_add_number (builder, "counter", (gint64) MIN (key->counter, (guint64) G_MAXINT64));
  lk_api_builder_add_number (builder, "timeShift", key->time_drift);
  if (key->secret != NULL)
    {
      gsize len = 0;
      const guint8 *seed = g_bytes_get_data (key->secret, &len);
      char *hex = g_malloc (len * 2 + 1);

      for (gsize i = 0; i < len; i++)
        {
          static const char digits[] = "0123456789abcdef";

          hex[2 * i] = digits[seed[i] >> 4];
          hex[2 * i + 1] = digits[seed[i] & 15];
        }
      hex[2 * len] = '\0';
      lk_api_builder_add_string (builder, "secretKeyHex", hex);
      lk_secure_str_free (hex);
    }
  json_builder_end_object (builder);
}

static void
encode_row (JsonBuilder         *builder,
            const LkBulkUserRow *row)
{
  json_builder_begin_object (builder);
  lk_api_builder_add_number (builder, "line", row->line);
  lk_api_builder_add_string (builder, "username", row->login);
  lk_api_builder_add_string (builder, "firstName", row->first_name);
  lk_api_builder_add_string (builder, "lastName", row->last_name);
  lk_api_builder_add_string (builder, "email", row->email);
  lk_api_builder_add_string (builder, "mobilePhone", row->phone);
  lk_api_builder_add_string (builder, "deviceId", row->serial);
  lk_api_builder_add_string (builder, "deviceType", row->kind);
  json_builder_end_object (builder);
}

void
lk_api_bulk_encode_request (const LkApiRequest *request,
                            JsonBuilder        *builder)
{
  const LkApiBulkRequest *bulk = request->bulk;

  if (!lk_api_bulk_handles (request->op) || bulk == NULL)
    return;
  json_builder_set_member_name (builder, "dryRun");
  json_builder_add_boolean_value (builder, bulk->dry_run);
  json_builder_set_member_name (builder, request->op == LK_API_OP_IMPORT_DEVICES ? "devices" : "users");
  json_builder_begin_array (builder);
  if (request->op == LK_API_OP_IMPORT_DEVICES && bulk->keys != NULL)
    for (guint i = 0; i < bulk->keys->len; i++)
      encode_key (builder, bulk->keys->pdata[i]);
  else if (request->op == LK_API_OP_IMPORT_USERS && bulk->rows != NULL)
    for (guint i = 0; i < bulk->rows->len; i++)
      encode_row (builder, bulk->rows->pdata[i]);
  json_builder_end_array (builder);
}

/* ---- responses ------------------------------------------------------------ */

void
lk_api_bulk_encode_response (const LkApiResponse *response,
                             JsonBuilder         *builder)
{
  const LkBulkReport *report = response->report;

  if (report == NULL)
    return;
  json_builder_set_member_name (builder, "dryRun");
  json_builder_add_boolean_value (builder, report->dry_run);
  lk_api_builder_add_number (builder, "total", report->total);
  for (int s = LK_BULK_ADDED; s <= LK_BULK_FAILED; s++)
    lk_api_builder_add_number (builder, lk_bulk_status_to_string (s), report->counts[s]);
  json_builder_set_member_name (builder, "outcomes");
  json_builder_begin_array (builder);
  for (guint i = 0; i < report->outcomes->len; i++)
    {
      const LkBulkOutcome *o = report->outcomes->pdata[i];

      json_builder_begin_object (builder);
      lk_api_builder_add_number (builder, "line", o->line);
      lk_api_builder_add_string (builder, "item", o->item);
      lk_api_builder_add_string (builder, "status", lk_bulk_status_to_string (o->status));
      lk_api_builder_add_string (builder, "message", o->message);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
}

void
lk_api_bulk_decode_response (LkApiResponse *response,
                             JsonObject    *object)
{
  g_autoptr(LkApiFields) fields = lk_api_fields_new (object);
  JsonArray *array = NULL;
  int dry_run = -1;

  if (!lk_api_fields_get_array (fields, "outcomes", &array, NULL) || array == NULL)
    return;
  lk_api_fields_get_bool (fields, "dryRun", &dry_run, NULL);
  response->report = lk_bulk_report_new (dry_run == 1);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      g_autoptr(LkApiFields) item = NULL;
      g_autofree char *name = NULL;
      g_autofree char *status = NULL;
      g_autofree char *message = NULL;
      gint64 line = 0;
      int s = LK_BULK_FAILED;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      item = lk_api_fields_new (json_node_get_object (node));
      /* What the server said, read leniently: a member it got wrong
       * leaves the outcome failed rather than dropping it. */
      lk_api_fields_get_int (item, "line", 0, G_MAXUINT, 0, &line, NULL);
      lk_api_fields_get_string (item, "item", &name, NULL);
      lk_api_fields_get_string (item, "status", &status, NULL);
      lk_api_fields_get_string (item, "message", &message, NULL);
      for (int k = LK_BULK_ADDED; k <= LK_BULK_FAILED; k++)
        if (g_strcmp0 (status, lk_bulk_status_to_string (k)) == 0)
          s = k;
      lk_bulk_report_add (response->report, (guint) line, name, s, message);
    }
  response->report->total = response->report->outcomes->len;
}

/* ---- execution ------------------------------------------------------------ */

gboolean
lk_api_bulk_execute (LkEngine            *engine,
                     gint64               account_id,
                     const LkApiRequest  *request,
                     LkApiResponse       *response,
                     GError             **error)
{
  const LkApiBulkRequest *bulk = request->bulk;
  LkBulkOptions options = { 0 };

  g_return_val_if_fail (bulk != NULL, FALSE);

  /* The whole chunk is one batch: one transaction, each item in its own
   * savepoint, a dry run rolled back. */
  options.dry_run = bulk->dry_run;
  options.batch_size = LK_API_BULK_MAX_ITEMS;
  if (request->op == LK_API_OP_IMPORT_DEVICES)
    response->report = lk_bulk_import_pskc (engine, account_id, bulk->keys, &options, error);
  else
    response->report = lk_bulk_import_user_rows (engine, account_id, bulk->rows, &options, error);
  return response->report != NULL;
}
