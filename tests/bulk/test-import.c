/* SPDX-License-Identifier: GPL-3.0-or-later
 * Bulk import into a real engine database: PSKC keys as fobs, users from
 * CSV, batches, re-import idempotence, dry runs, conflicts, export. */
#include "config.h"

#include <string.h>
#include <glib.h>

#include "engine-test-util.h"
#include "lk-bulk-import.h"
#include "lk-engine-bulk.h"
#include "lk-pskc.h"

static GPtrArray *
read_figure (const char             *name,
             const LkPskcProtection *p)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "bulk", "rfc6030", name, NULL);
  g_autofree char *data = NULL;
  g_autoptr(GError) error = NULL;
  gsize len = 0;
  GPtrArray *keys;

  g_assert_true (g_file_get_contents (path, &data, &len, &error));
  keys = lk_pskc_read (data, len, p, &error);
  g_assert_no_error (error);
  return keys;
}

static const LkBulkOutcome *
outcome (const LkBulkReport *report,
         guint               i)
{
  g_assert_cmpuint (i, <, report->outcomes->len);
  return report->outcomes->pdata[i];
}

static guint
count_devices (Fixture *f)
{
  guint total = 0;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = lk_engine_list_unassigned_devices (f->engine, f->account, 0, 1000, &total, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (list->len, <=, total);
  return total;
}

static guint
count_users (Fixture *f)
{
  guint total = 0;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = lk_engine_find_users (f->engine, f->account, NULL, 0, 1000, &total, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (list->len, <=, total);
  return total;
}

static guint
count_audit (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = lk_engine_list_audit (f->engine, f->account, NULL, 0, 1000, &error);

  g_assert_no_error (error);
  return list->len;
}

/* Figure 10: three fobs added, the repeated serial is a conflict; the
 * fob works with the RFC 4226 codes for its seed. */
static void
test_pskc_figure10 (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GPtrArray) keys = read_figure ("figure10.pskcxml", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(LkBulkReport) report = lk_bulk_import_pskc (f->engine, f->account, keys, NULL, &error);
  g_autoptr(LkDevice) device = NULL;
  char c0[LK_OTP_CODE_SIZE], c1[LK_OTP_CODE_SIZE];

  g_assert_no_error (error);
  g_assert_cmpuint (report->counts[LK_BULK_ADDED], ==, 3);
  g_assert_cmpuint (report->counts[LK_BULK_CONFLICT], ==, 1);
  g_assert_cmpstr (outcome (report, 3)->item, ==, "9999999");
  g_assert_cmpint (outcome (report, 3)->status, ==, LK_BULK_CONFLICT);
  g_assert_cmpuint (count_devices (f), ==, 3);

  device = lk_engine_find_device (f->engine, f->account, "654321", &error);
  g_assert_no_error (error);
  g_assert_cmpint (device->device_type, ==, LK_DEVICE_TYPE_HARDWARE);
  g_assert_cmpint (device->otp_type, ==, LK_OTP_TYPE_EVENT);
  g_assert_cmpuint (device->digits, ==, 8);
  g_assert_null (device->user_login);

  /* Assign it and activate it with the RFC 4226 codes of 8 digits. */
  g_clear_pointer (&device, lk_device_free);
  device = add_user_with_device (f, "alice", NULL);
  g_assert_true (lk_engine_assign_device (f->engine, f->account, "654321", "alice", &error));
  g_assert_no_error (error);
  otp_for (RFC_SEED_HEX, LK_HASH_SHA1, 0, 8, c0);
  otp_for (RFC_SEED_HEX, LK_HASH_SHA1, 1, 8, c1);
  g_assert_true (lk_engine_activate_device (f->engine, f->account, "alice", "654321", c0, c1, &error));
  g_assert_no_error (error);
}

static void
test_pskc_reimport (Fixture       *f,
                    gconstpointer  data)
{
  static const guint8 key[16] = { 0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x34, 0x56,
                                  0x78, 0x90, 0x12, 0x34, 0x56, 0x78, 0x90, 0x12 };
  LkPskcProtection p = { key, sizeof key, NULL, 0 };
  g_autoptr(GPtrArray) keys = read_figure ("figure6.pskcxml", &p);
  g_autoptr(GPtrArray) other = read_figure ("figure3.pskcxml", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(LkBulkReport) first = lk_bulk_import_pskc (f->engine, f->account, keys, NULL, &error);
  g_autoptr(LkBulkReport) second = NULL;
  g_autoptr(LkBulkReport) third = NULL;
  LkPskcKey *k;
  guint audit;

  g_assert_no_error (error);
  g_assert_cmpuint (first->counts[LK_BULK_ADDED], ==, 1);
  audit = count_audit (f);
  second = lk_bulk_import_pskc (f->engine, f->account, keys, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (second->counts[LK_BULK_SKIPPED], ==, 1);
  g_assert_cmpuint (second->counts[LK_BULK_ADDED], ==, 0);
  g_assert_cmpuint (count_devices (f), ==, 1);
  g_assert_cmpuint (count_audit (f), ==, audit);

  /* The same serial with another seed is a conflict, and nothing changes. */
  k = other->pdata[0];
  g_free (k->serial);
  k->serial = g_strdup ("987654321");
  g_bytes_unref (k->secret);
  k->secret = g_bytes_new ("abcdefghijklmnopqrst", 20);
  k->digits = 8;
  third = lk_bulk_import_pskc (f->engine, f->account, other, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (third->counts[LK_BULK_CONFLICT], ==, 1);
  g_assert_nonnull (outcome (third, 0)->message);
}

/* Figure 2's secret is 4 bytes: that key fails, reported, nothing added;
 * a PIN key (figure 5) fails while its OTP key is added. */
static void
test_pskc_bad_keys (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GPtrArray) short_keys = read_figure ("figure2.pskcxml", NULL);
  g_autoptr(GPtrArray) pin_keys = read_figure ("figure5.pskcxml", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(LkBulkReport) a = lk_bulk_import_pskc (f->engine, f->account, short_keys, NULL, &error);
  g_autoptr(LkBulkReport) b = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (a->counts[LK_BULK_FAILED], ==, 1);
  g_assert_nonnull (strstr (outcome (a, 0)->message, "4 bytes"));
  g_assert_cmpuint (count_devices (f), ==, 0);
  b = lk_bulk_import_pskc (f->engine, f->account, pin_keys, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (b->counts[LK_BULK_ADDED], ==, 1);
  g_assert_cmpuint (b->counts[LK_BULK_FAILED], ==, 1);
  g_assert_cmpuint (count_devices (f), ==, 1);
}

static GPtrArray *
many_keys (guint n)
{
  GPtrArray *keys = g_ptr_array_new_with_free_func ((GDestroyNotify) lk_pskc_key_free);

  for (guint i = 0; i < n; i++)
    {
      LkPskcKey *k = lk_pskc_key_new ();
      guint8 seed[20];

      for (guint j = 0; j < sizeof seed; j++)
        seed[j] = (guint8) (i * 31 + j);
      k->index = i + 1;
      k->serial = g_strdup_printf ("FOB%05u", i);
      k->kind = i % 2 ? LK_PSKC_TOTP : LK_PSKC_HOTP;
      k->counter = i;
      k->time_drift = i % 2 ? 1 : 0;
      k->secret = g_bytes_new (seed, sizeof seed);
      if (i == 7)
        k->digits = 3;   /* the engine refuses this one */
      g_ptr_array_add (keys, k);
    }
  return keys;
}

static void
progress_count (guint    done,
                guint    total,
                gpointer user_data)
{
  guint *last = user_data;

  g_assert_cmpuint (done, ==, *last + 1);
  *last = done;
}

/* Batches of 4: one bad key in the second batch fails alone. A dry run
 * reports the same and writes nothing. */
static void
test_pskc_batches_and_dry_run (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(GPtrArray) keys = many_keys (10);
  g_autoptr(GError) error = NULL;
  LkBulkOptions o = { .dry_run = TRUE, .batch_size = 4 };
  g_autoptr(LkBulkReport) dry = NULL;
  g_autoptr(LkBulkReport) real = NULL;
  g_autoptr(LkDevice) d = NULL;
  guint audit = count_audit (f);
  guint last = 0;

  o.progress = progress_count;
  o.progress_data = &last;
  dry = lk_bulk_import_pskc (f->engine, f->account, keys, &o, &error);
  g_assert_no_error (error);
  g_assert_true (dry->dry_run);
  g_assert_cmpuint (last, ==, 10);
  g_assert_cmpuint (dry->counts[LK_BULK_ADDED], ==, 9);
  g_assert_cmpuint (dry->counts[LK_BULK_FAILED], ==, 1);
  g_assert_cmpint (outcome (dry, 7)->status, ==, LK_BULK_FAILED);
  g_assert_cmpuint (count_devices (f), ==, 0);
  g_assert_cmpuint (count_audit (f), ==, audit);

  o.dry_run = FALSE;
  last = 0;
  real = lk_bulk_import_pskc (f->engine, f->account, keys, &o, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (real->counts[LK_BULK_ADDED], ==, 9);
  g_assert_cmpuint (real->counts[LK_BULK_FAILED], ==, 1);
  g_assert_cmpuint (count_devices (f), ==, 9);
  for (guint i = 0; i < 10; i++)
    g_assert_cmpint (outcome (real, i)->status, ==, outcome (dry, i)->status);

  /* The counter and the drift came along. */
  d = lk_engine_find_device (f->engine, f->account, "FOB00004", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (d->counter, ==, 4);
  g_clear_pointer (&d, lk_device_free);
  d = lk_engine_find_device (f->engine, f->account, "FOB00005", &error);
  g_assert_no_error (error);
  g_assert_cmpint (d->otp_type, ==, LK_OTP_TYPE_TIME);
  g_assert_cmpint (d->time_shift, ==, 1);
}

static void
test_pskc_cancel (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GPtrArray) keys = many_keys (6);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  LkBulkOptions o = { .batch_size = 2, .cancellable = cancellable };
  g_autoptr(LkBulkReport) report = NULL;
  g_autoptr(LkBulkReport) again = NULL;

  g_cancellable_cancel (cancellable);
  report = lk_bulk_import_pskc (f->engine, f->account, keys, &o, &error);
  g_assert_no_error (error);
  g_assert_true (report->cancelled);
  g_assert_cmpuint (report->outcomes->len, ==, 0);
  g_assert_cmpuint (count_devices (f), ==, 0);
  o.cancellable = NULL;
  again = lk_bulk_import_pskc (f->engine, f->account, keys, &o, &error);
  g_assert_no_error (error);
  g_assert_false (again->cancelled);
  g_assert_cmpuint (again->counts[LK_BULK_ADDED], ==, 6);
}

/* Export as PSKC (pre-shared key and password), read back by the reader. */
static void
test_export (Fixture       *f,
             gconstpointer  data)
{
  static const guint8 key[16] = "exportkey-16byte";
  g_autoptr(GPtrArray) keys = many_keys (3);
  static const char *const serials[] = { "FOB00000", "FOB00001", NULL };
  static const char *const unknown[] = { "FOB00000", "NOPE", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(LkBulkReport) report = lk_bulk_import_pskc (f->engine, f->account, keys, NULL, &error);
  g_autoptr(GPtrArray) out = NULL;
  g_autoptr(GPtrArray) back = NULL;
  g_autoptr(GPtrArray) none = NULL;
  LkPskcProtection psk = { key, sizeof key, NULL, 0 };
  LkPskcProtection pw = { NULL, 0, "export password", 1000 };
  g_autofree char *xml = NULL;
  g_autofree char *xml2 = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (report->counts[LK_BULK_ADDED], ==, 3);
  out = lk_bulk_export_keys (f->engine, f->account, serials, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (out->len, ==, 2);
  xml = lk_pskc_write (out, &psk, &error);
  g_assert_no_error (error);
  back = lk_pskc_read (xml, strlen (xml), &psk, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (back->len, ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      LkPskcKey *orig = keys->pdata[i], *got = back->pdata[i];

      g_assert_no_error (got->error);
      g_assert_cmpstr (got->serial, ==, orig->serial);
      g_assert_cmpint (got->kind, ==, orig->kind);
      if (orig->kind == LK_PSKC_HOTP)
        g_assert_cmpuint (got->counter, ==, orig->counter);
      g_assert_cmpint (got->time_drift, ==, orig->time_drift);
      g_assert_true (g_bytes_equal (got->secret, orig->secret));
    }
  /* Re-importing the export changes nothing. */
  {
    g_autoptr(LkBulkReport) re = lk_bulk_import_pskc (f->engine, f->account, back, NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (re->counts[LK_BULK_SKIPPED], ==, 2);
  }
  xml2 = lk_pskc_write (out, &pw, &error);
  g_assert_no_error (error);
  g_clear_pointer (&back, g_ptr_array_unref);
  back = lk_pskc_read (xml2, strlen (xml2), &pw, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (((LkPskcKey *) back->pdata[1])->secret, ((LkPskcKey *) keys->pdata[1])->secret));

  none = lk_bulk_export_keys (f->engine, f->account, unknown, &error);
  g_assert_null (none);
  assert_engine_error (error, LK_ENGINE_ERROR_DEVICE_NOT_FOUND);
}

static const char users_csv[] =
  "\xEF\xBB\xBF" "E-mail,Login,First Name,Last Name,Phone,Device Kind,Serial\r\n"
  "ann@example.org,ann,Ann,\"O'Neil, Jr.\",+44 20 7946 0001,,\r\n"
  "bob@example.org,bob,Bob,Bobson,,mobile,\r\n"
  "carl@example.org,carl,Carl,\"Car\"\"l\"\"\",,,FOB00000\r\n"
  "dup@example.org,ANN,Ann,Again,,,\r\n"
  "bad@example.org,,No,Login,,,\r\n"
  "x@example.org,dora,Dora,Dee,,,NOSUCHFOB\r\n"
  "y@example.org,eve,Eve,\xff,,,\r\n"
  "z@example.org,fred,Fred,Frey,,gadget,\r\n"
  "w@example.org,gina,Gina,Gee,,,FOB00000\r\n"
  "v@example.org,hank,Hank,\"Two\nLines\",,,\r\n";

static void
test_users (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GPtrArray) keys = many_keys (2);
  g_autoptr(GError) error = NULL;
  g_autoptr(LkBulkReport) fobs = lk_bulk_import_pskc (f->engine, f->account, keys, NULL, &error);
  LkBulkOptions o = { .dry_run = TRUE, .batch_size = 3 };
  g_autoptr(LkBulkReport) dry = NULL;
  g_autoptr(LkBulkReport) real = NULL;
  g_autoptr(LkBulkReport) again = NULL;
  g_autoptr(LkUser) ann = NULL;
  g_autoptr(LkDevice) fob = NULL;
  /* ann, bob (a new mobile device), carl (gets the fob); then a repeated
   * login, no login, an unknown fob, bad UTF-8, an unknown kind, a fob
   * already taken, and a line break in a name (the engine refuses it). */
  static const guint lines[] = { 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 };
  static const LkBulkStatus expected[] = { LK_BULK_ADDED, LK_BULK_ADDED, LK_BULK_ADDED, LK_BULK_FAILED,
                                           LK_BULK_FAILED, LK_BULK_FAILED, LK_BULK_FAILED, LK_BULK_FAILED,
                                           LK_BULK_FAILED, LK_BULK_FAILED };
  guint audit;

  g_assert_no_error (error);
  g_assert_cmpuint (fobs->counts[LK_BULK_ADDED], ==, 2);
  audit = count_audit (f);
  dry = lk_bulk_import_users (f->engine, f->account, users_csv, sizeof users_csv - 1, &o, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (dry->total, ==, 10);
  g_assert_cmpuint (count_users (f), ==, 0);
  g_assert_cmpuint (count_audit (f), ==, audit);

  o.dry_run = FALSE;
  real = lk_bulk_import_users (f->engine, f->account, users_csv, sizeof users_csv - 1, &o, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_test_message ("line %u: %s %s", outcome (real, i)->line,
                      lk_bulk_status_to_string (outcome (real, i)->status), outcome (real, i)->message);
      g_assert_cmpuint (outcome (real, i)->line, ==, lines[i]);
      g_assert_cmpint (outcome (real, i)->status, ==, expected[i]);
      g_assert_cmpint (outcome (dry, i)->status, ==, expected[i]);
      if (expected[i] == LK_BULK_FAILED)
        g_assert_nonnull (outcome (real, i)->message);
    }
  g_assert_cmpuint (count_users (f), ==, 3);
  ann = lk_engine_find_user (f->engine, f->account, "ann", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ann->last_name, ==, "O'Neil, Jr.");
  g_assert_cmpstr (ann->email, ==, "ann@example.org");
  g_assert_cmpstr (ann->mobile_phone, ==, "+44 20 7946 0001");
  g_assert_cmpuint (ann->device_count, ==, 0);
  fob = lk_engine_find_device (f->engine, f->account, "FOB00000", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (fob->user_login, ==, "carl");
  {
    g_autoptr(LkUser) bob = lk_engine_find_user (f->engine, f->account, "bob", &error);

    g_assert_no_error (error);
    g_assert_cmpuint (bob->device_count, ==, 1);
  }

  /* The second run skips what exists. */
  again = lk_bulk_import_users (f->engine, f->account, users_csv, sizeof users_csv - 1, &o, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (again->counts[LK_BULK_SKIPPED], ==, 3);
  g_assert_cmpuint (again->counts[LK_BULK_ADDED], ==, 0);
  g_assert_cmpuint (count_users (f), ==, 3);
}

/* No header: the default column order; a device column with a serial assigns an existing user's fob. */
static void
test_users_no_header (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GPtrArray) keys = many_keys (1);
  g_autoptr(GError) error = NULL;
  g_autoptr(LkBulkReport) fobs = lk_bulk_import_pskc (f->engine, f->account, keys, NULL, &error);
  static const char csv1[] = "zoe,Zoe,Zed,zoe@example.org,+1 555 0100\n";
  static const char csv2[] = "zoe,Zoe,Zed,zoe@example.org,+1 555 0100,FOB00000\n";
  g_autoptr(LkBulkReport) a = lk_bulk_import_users (f->engine, f->account, csv1, sizeof csv1 - 1, NULL, &error);
  g_autoptr(LkBulkReport) b = NULL;
  g_autoptr(LkUser) zoe = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (fobs->counts[LK_BULK_ADDED], ==, 1);
  g_assert_cmpuint (a->counts[LK_BULK_ADDED], ==, 1);
  zoe = lk_engine_find_user (f->engine, f->account, "zoe", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (zoe->first_name, ==, "Zoe");
  g_assert_cmpstr (zoe->email, ==, "zoe@example.org");
  b = lk_bulk_import_users (f->engine, f->account, csv2, sizeof csv2 - 1, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (b->counts[LK_BULK_ASSIGNED], ==, 1);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  FIXTURE_TEST ("/bulk/import/pskc/figure10", test_pskc_figure10);
  FIXTURE_TEST ("/bulk/import/pskc/reimport", test_pskc_reimport);
  FIXTURE_TEST ("/bulk/import/pskc/bad-keys", test_pskc_bad_keys);
  FIXTURE_TEST ("/bulk/import/pskc/batches-dry-run", test_pskc_batches_and_dry_run);
  FIXTURE_TEST ("/bulk/import/pskc/cancel", test_pskc_cancel);
  FIXTURE_TEST ("/bulk/export/pskc", test_export);
  FIXTURE_TEST ("/bulk/import/users/csv", test_users);
  FIXTURE_TEST ("/bulk/import/users/no-header", test_users_no_header);
  return g_test_run ();
}
