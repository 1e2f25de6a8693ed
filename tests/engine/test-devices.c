/* SPDX-License-Identifier: GPL-3.0-or-later
 * Devices: add_oath_device with every field and its defaults, provisioning,
 * QR codes, assignment, enabling, listing and deletion. */
#include "config.h"

#include "engine-test-util.h"
#include "lk-otpauth.h"
#include "lk-qr.h"

static LkUser *
make_user (Fixture    *f,
           const char *login,
           const char *password)
{
  LkUserSpec us;
  g_autoptr(GError) error = NULL;
  g_autoptr(LkEnrollResult) r = NULL;

  lk_user_spec_init (&us);
  us.login = login;
  us.password = password;
  us.email = "x@example.org";
  r = lk_engine_enroll_user (f->engine, f->account, &us, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&r->user);
}

static void
test_add_vendor_sample (Fixture *f, gconstpointer data)
{
  g_autoptr(LkUser) u = make_user (f, "Mandy", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(LkDevice) d = NULL;
  LkDeviceSpec spec;

  g_assert_cmpuint (u->device_count, ==, 0);

  /* The add_oath_device sample of the vendor documentation, as written. */
  lk_device_spec_init (&spec);
  spec.device_type = 1;
  spec.otp_type = 1;
  spec.otp_length = 6;
  spec.window_size = 30;
  spec.otp_pin = "";
  spec.psn = "OATH_12345678";
  spec.secret_key_hex = "3132333435363738383031323334353637383830";
  spec.notification_method = 0;
  spec.mobile_auth = 0;
  spec.mobile_usage = 1;
  spec.soft_token_alias = "Jims test token";
  d = lk_engine_add_device (f->engine, f->account, "Mandy", &spec, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (d->serial, ==, "OATH_12345678");
  g_assert_cmpint (d->device_type, ==, LK_DEVICE_TYPE_HARDWARE);
  g_assert_cmpint (d->otp_type, ==, LK_OTP_TYPE_TIME);
  g_assert_cmpuint (d->digits, ==, 6);
  g_assert_cmpuint (d->period, ==, 30);
  g_assert_cmpuint (d->time_drift, ==, 1);
  g_assert_cmpstr (d->alias, ==, "Jims test token");
  g_assert_false (d->mobile_auth);
  g_assert_cmpint (d->mobile_usage, ==, LK_MOBILE_USAGE_OTP);
  g_assert_false (d->has_pin);
  g_assert_cmpstr (d->user_login, ==, "Mandy");
  g_assert_null (d->physical_device_id);
  g_assert_cmpint (d->algorithm, ==, LK_HASH_SHA1);
  g_assert_cmpint (d->last_time_step, ==, -1);

  /* The same serial again. */
  g_assert_null (lk_engine_add_device (f->engine, f->account, "Mandy", &spec, NULL, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_DEVICE_EXISTS);
}

static void
test_add_defaults (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkDevice) d = NULL;
  g_autoptr(LkDevice) e = NULL;
  g_autoptr(LkDevice) g = NULL;
  LkDeviceSpec spec;

  lk_device_spec_init (&spec);
  d = lk_engine_add_device (f->engine, f->account, NULL, &spec, NULL, &error);
  g_assert_no_error (error);
  /* Generated serial: three groups of five. */
  g_assert_cmpuint (strlen (d->serial), ==, 17);
  g_assert_cmpint (d->serial[5], ==, '-');
  g_assert_cmpint (d->device_type, ==, LK_DEVICE_TYPE_MOBILE);
  g_assert_cmpint (d->otp_type, ==, LK_OTP_TYPE_TIME);
  g_assert_cmpuint (d->digits, ==, 6);
  g_assert_cmpuint (d->period, ==, 30);
  g_assert_cmpuint (d->time_drift, ==, 1);
  g_assert_cmpint (d->mobile_usage, ==, LK_MOBILE_USAGE_OTP);
  g_assert_cmpstr (d->alias, ==, "");
  g_assert_null (d->user_login);
  g_assert_cmpint (d->state, ==, LK_DEVICE_STATE_NEW);

  lk_device_spec_init (&spec);
  spec.otp_type = LK_OTP_TYPE_EVENT;
  spec.otp_length = 8;
  spec.algorithm = "SHA256";
  spec.otp_pin = "123456";
  spec.secret_key_base64 = "MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTI=";
  e = lk_engine_add_device (f->engine, f->account, NULL, &spec, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (e->window, ==, 10);
  g_assert_cmpuint (e->digits, ==, 8);
  g_assert_cmpint (e->algorithm, ==, LK_HASH_SHA256);
  g_assert_true (e->has_pin);
  g_assert_cmpstr (e->serial, !=, d->serial);

  /* Base64 without padding is accepted. */
  lk_device_spec_init (&spec);
  spec.secret_key_base64 = "MTIzNDU2Nzg5MDEyMzQ1Njc4OTA";
  g = lk_engine_add_device (f->engine, f->account, NULL, &spec, NULL, &error);
  g_assert_no_error (error);
}

static void
test_provision (Fixture *f, gconstpointer data)
{
  g_autoptr(LkUser) u = make_user (f, "rita", "rita-password");
  g_autoptr(LkUser) v = make_user (f, "sven", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(LkDevice) d = NULL;
  g_autoptr(LkDevice) m = NULL;
  g_autoptr(LkProvisionResult) p = NULL;
  g_autoptr(LkOtpauth) uri = NULL;
  LkDeviceSpec spec;

  g_assert_cmpstr (u->login, ==, "rita");
  g_assert_cmpstr (v->login, ==, "sven");

  lk_device_spec_init (&spec);
  spec.secret_key_hex = RFC_SEED_HEX;
  d = lk_engine_add_device (f->engine, f->account, "rita", &spec, NULL, &error);
  g_assert_no_error (error);

  p = lk_engine_provision_device (f->engine, f->account, "rita", d->serial, "34xcdfg67dvgv45r", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (p->device->physical_device_id, ==, "34xcdfg67dvgv45r");
  g_assert_null (p->png);
  uri = lk_otpauth_parse (p->uri, &error);
  g_assert_no_error (error);
  g_assert_cmpint (uri->type, ==, LK_OTPAUTH_TOTP);
  g_assert_cmpstr (uri->issuer, ==, "Latchkey");
  g_assert_cmpstr (uri->account, ==, "rita");
  g_assert_cmpuint (uri->digits, ==, 6);
  g_assert_cmpuint (uri->period, ==, 30);
  g_assert_cmpmem (g_bytes_get_data (uri->secret, NULL), g_bytes_get_size (uri->secret), "12345678901234567890", 20);
  g_clear_pointer (&p, lk_provision_result_free);

  /* The same phone again: fine. Another phone: refused. */
  p = lk_engine_provision_device (f->engine, f->account, "rita", d->serial, "34xcdfg67dvgv45r", NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&p, lk_provision_result_free);
  g_assert_null (lk_engine_provision_device (f->engine, f->account, "rita", d->serial, "another-phone", NULL, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_DEVICE_IN_USE);
  g_clear_error (&error);
  /* Someone else's device. */
  g_assert_null (lk_engine_provision_device (f->engine, f->account, "sven", d->serial, "34xcdfg67dvgv45r", NULL, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_DEVICE_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (lk_engine_provision_device (f->engine, f->account, "rita", "missing", "x", NULL, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_DEVICE_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (lk_engine_provision_device (f->engine, f->account, "rita", d->serial, NULL, NULL, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_MISSING_FIELD);
  g_clear_error (&error);

  /* mobileAuth: the user's password is required. */
  lk_device_spec_init (&spec);
  spec.otp_type = LK_OTP_TYPE_EVENT;
  spec.mobile_auth = 1;
  m = lk_engine_add_device (f->engine, f->account, "rita", &spec, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (m->mobile_auth);
  g_assert_null (lk_engine_provision_device (f->engine, f->account, "rita", m->serial, "phone", NULL, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_USER_LOGIN_FAILED);
  g_clear_error (&error);
  g_assert_null (lk_engine_provision_device (f->engine, f->account, "rita", m->serial, "phone", "wrong-password", &error));
  assert_engine_error (error, LK_ENGINE_ERROR_USER_LOGIN_FAILED);
  g_clear_error (&error);
  p = lk_engine_provision_device (f->engine, f->account, "rita", m->serial, "phone", "rita-password", &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (p->uri, "otpauth://hotp/"));
  g_clear_pointer (&p, lk_provision_result_free);

  /* Disabled device or user. */
  g_assert_true (lk_engine_set_device_enabled (f->engine, f->account, m->serial, FALSE, &error));
  g_assert_null (lk_engine_provision_device (f->engine, f->account, "rita", m->serial, "phone", "rita-password", &error));
  assert_engine_error (error, LK_ENGINE_ERROR_DEVICE_DISABLED);
  g_clear_error (&error);
  g_assert_true (lk_engine_set_user_enabled (f->engine, f->account, "rita", FALSE, &error));
  g_assert_null (lk_engine_provision_device (f->engine, f->account, "rita", d->serial, "34xcdfg67dvgv45r", NULL, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_USER_DISABLED);
}

static void
test_qrcode (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkDevice) d = add_user_with_device (f, "tina", NULL);
  g_autoptr(LkProvisionResult) q = NULL;
  g_auto(GStrv) decoded = NULL;

  q = lk_engine_get_device_qrcode (f->engine, f->account, "tina", d->serial, 4, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (q->uri, "otpauth://hotp/"));
  g_assert_nonnull (strstr (q->uri, "counter=0"));
  g_assert_nonnull (q->png);
  g_assert_true (g_str_has_prefix (q->svg, "<?xml") || strstr (q->svg, "<svg") != NULL);
  /* The PNG really carries the URI. */
  decoded = lk_qr_decode_png (g_bytes_get_data (q->png, NULL), g_bytes_get_size (q->png), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (decoded[0], ==, q->uri);

  g_assert_null (lk_engine_get_device_qrcode (f->engine, f->account, "tina", "nope", 4, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_DEVICE_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (lk_engine_get_device_qrcode (f->engine, f->account, "ghost", d->serial, 4, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_USER_NOT_FOUND);
  g_clear_error (&error);

  /* Once activated, the seed is never shown again. */
  activate_hotp (f, "tina", d->serial);
  g_assert_null (lk_engine_get_device_qrcode (f->engine, f->account, "tina", d->serial, 4, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_DEVICE_IN_USE);
}

static void
test_assign_and_lists (Fixture *f, gconstpointer data)
{
  g_autoptr(LkUser) u = make_user (f, "uma", NULL);
  g_autoptr(LkUser) v = make_user (f, "vic", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(LkDevice) fob = NULL;
  guint total = 0;
  LkDeviceSpec spec;

  g_assert_true (u->enabled && v->enabled);

  /* Three fobs in stock. */
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *psn = g_strdup_printf ("FOB-%u", i);
      g_autoptr(LkDevice) d = NULL;
      lk_device_spec_init (&spec);
      spec.device_type = LK_DEVICE_TYPE_HARDWARE;
      spec.otp_type = LK_OTP_TYPE_EVENT;
      spec.psn = psn;
      spec.secret_key_hex = RFC_SEED_HEX;
      d = lk_engine_add_device (f->engine, f->account, NULL, &spec, NULL, &error);
      g_assert_no_error (error);
    }
  list = lk_engine_list_unassigned_devices (f->engine, f->account, 0, 2, &total, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (total, ==, 3);
  g_assert_cmpuint (list->len, ==, 2);
  g_clear_pointer (&list, g_ptr_array_unref);

  g_assert_true (lk_engine_assign_device (f->engine, f->account, "FOB-1", "uma", &error));
  g_assert_no_error (error);
  /* Again to the same user: fine; to another: in use. */
  g_assert_true (lk_engine_assign_device (f->engine, f->account, "FOB-1", "uma", &error));
  g_assert_false (lk_engine_assign_device (f->engine, f->account, "FOB-1", "vic", &error));
  assert_engine_error (error, LK_ENGINE_ERROR_DEVICE_IN_USE);
  g_clear_error (&error);
  g_assert_false (lk_engine_assign_device (f->engine, f->account, "FOB-9", "vic", &error));
  assert_engine_error (error, LK_ENGINE_ERROR_DEVICE_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (lk_engine_assign_device (f->engine, f->account, "FOB-2", "nobody", &error));
  assert_engine_error (error, LK_ENGINE_ERROR_USER_NOT_FOUND);
  g_clear_error (&error);

  list = lk_engine_list_user_devices (f->engine, f->account, "uma", &error);
  g_assert_cmpuint (list->len, ==, 1);
  g_assert_cmpstr (((LkDevice *) list->pdata[0])->serial, ==, "FOB-1");
  g_clear_pointer (&list, g_ptr_array_unref);
  list = lk_engine_list_unassigned_devices (f->engine, f->account, 0, 0, &total, &error);
  g_assert_cmpuint (total, ==, 2);
  g_clear_pointer (&list, g_ptr_array_unref);
  g_assert_null (lk_engine_list_user_devices (f->engine, f->account, "nobody", &error));
  assert_engine_error (error, LK_ENGINE_ERROR_USER_NOT_FOUND);
  g_clear_error (&error);

  /* Unassign ends the binding too. */
  {
    g_autoptr(LkProvisionResult) p = lk_engine_provision_device (f->engine, f->account, "uma", "FOB-1", "hw", NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (p->device->physical_device_id, ==, "hw");
  }
  g_assert_true (lk_engine_unassign_device (f->engine, f->account, "FOB-1", &error));
  fob = lk_engine_find_device (f->engine, f->account, "FOB-1", &error);
  g_assert_null (fob->user_login);
  g_assert_null (fob->physical_device_id);
  g_assert_true (lk_engine_assign_device (f->engine, f->account, "FOB-1", "vic", &error));
  g_assert_false (lk_engine_unassign_device (f->engine, f->account, "FOB-7", &error));
  assert_engine_error (error, LK_ENGINE_ERROR_DEVICE_NOT_FOUND);
  g_clear_error (&error);

  /* Enable/disable round trip keeps "new" for a never-activated device. */
  g_assert_true (lk_engine_set_device_enabled (f->engine, f->account, "FOB-0", FALSE, &error));
  g_clear_pointer (&fob, lk_device_free);
  fob = lk_engine_find_device (f->engine, f->account, "FOB-0", &error);
  g_assert_cmpint (fob->state, ==, LK_DEVICE_STATE_DISABLED);
  g_assert_true (lk_engine_set_device_enabled (f->engine, f->account, "FOB-0", TRUE, &error));
  g_clear_pointer (&fob, lk_device_free);
  fob = lk_engine_find_device (f->engine, f->account, "FOB-0", &error);
  g_assert_cmpint (fob->state, ==, LK_DEVICE_STATE_NEW);
  g_assert_false (lk_engine_set_device_enabled (f->engine, f->account, "FOB-X", TRUE, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_DEVICE_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (lk_engine_unlock_device (f->engine, f->account, "FOB-X", &error));
  assert_engine_error (error, LK_ENGINE_ERROR_DEVICE_NOT_FOUND);
  g_clear_error (&error);

  /* Delete. */
  g_assert_true (lk_engine_delete_device (f->engine, f->account, "FOB-0", &error));
  g_assert_null (lk_engine_find_device (f->engine, f->account, "FOB-0", &error));
  assert_engine_error (error, LK_ENGINE_ERROR_DEVICE_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (lk_engine_delete_device (f->engine, f->account, "FOB-0", &error));
  assert_engine_error (error, LK_ENGINE_ERROR_DEVICE_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (lk_engine_find_device (f->engine, f->account, NULL, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_MISSING_FIELD);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  FIXTURE_TEST ("/engine/devices/add-vendor-sample", test_add_vendor_sample);
  FIXTURE_TEST ("/engine/devices/add-defaults", test_add_defaults);
  FIXTURE_TEST ("/engine/devices/provision", test_provision);
  FIXTURE_TEST ("/engine/devices/qrcode", test_qrcode);
  FIXTURE_TEST ("/engine/devices/assign-lists", test_assign_and_lists);

  return g_test_run ();
}
