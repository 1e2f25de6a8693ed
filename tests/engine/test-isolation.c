/* SPDX-License-Identifier: GPL-3.0-or-later
 * Cross-account isolation: no operation of one partner account can see or
 * touch another account's users, devices, audit or outbox. */
#include "config.h"

#include "engine-test-util.h"

static void
test_isolation (Fixture *f, gconstpointer data)
{
  g_autoptr(LkDevice) d = add_user_with_device (f, "alice", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(LkEnrollResult) twin = NULL;
  gint64 other = 0;
  guint total = 99;
  char c0[LK_OTP_CODE_SIZE], c1[LK_OTP_CODE_SIZE], c2[LK_OTP_CODE_SIZE];
  LkUserSpec us;
  LkUserUpdate up;
  gint64 outbox;

  g_assert_true (lk_engine_create_account (f->engine, "rival", "rival-account-key", &other, &error));
  otp_for (RFC_SEED_HEX, LK_HASH_SHA1, 0, 6, c0);
  otp_for (RFC_SEED_HEX, LK_HASH_SHA1, 1, 6, c1);
  otp_for (RFC_SEED_HEX, LK_HASH_SHA1, 2, 6, c2);

  /* Reads. */
  g_assert_null (lk_engine_find_user (f->engine, other, "alice", &error));
  assert_engine_error (error, LK_ENGINE_ERROR_USER_NOT_FOUND);
  g_clear_error (&error);
  list = lk_engine_find_users (f->engine, other, NULL, 0, 0, &total, &error);
  g_assert_cmpuint (total, ==, 0);
  g_assert_cmpuint (list->len, ==, 0);
  g_clear_pointer (&list, g_ptr_array_unref);
  g_assert_null (lk_engine_find_device (f->engine, other, d->serial, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_DEVICE_NOT_FOUND);
  g_clear_error (&error);
  list = lk_engine_list_unassigned_devices (f->engine, other, 0, 0, &total, &error);
  g_assert_cmpuint (total, ==, 0);
  g_clear_pointer (&list, g_ptr_array_unref);
  list = lk_engine_list_audit (f->engine, other, NULL, 0, 0, &error);
  for (guint i = 0; i < list->len; i++)
    g_assert_cmpint (((LkAuditEntry *) list->pdata[i])->account_id, ==, other);
  g_clear_pointer (&list, g_ptr_array_unref);
  g_assert_null (lk_engine_get_device_qrcode (f->engine, other, NULL, d->serial, 0, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_DEVICE_NOT_FOUND);
  g_clear_error (&error);

  /* Writes and checks. */
  g_assert_false (lk_engine_activate_device (f->engine, other, NULL, d->serial, c0, c1, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_DEVICE_NOT_FOUND);
  g_clear_error (&error);
  activate_hotp (f, "alice", d->serial);
  g_assert_false (lk_engine_validate_otp (f->engine, other, NULL, d->serial, c2, NULL, NULL, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_DEVICE_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (lk_engine_validate_otp (f->engine, other, "alice", NULL, c2, NULL, NULL, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_USER_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (lk_engine_set_device_enabled (f->engine, other, d->serial, FALSE, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_DEVICE_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (lk_engine_delete_device (f->engine, other, d->serial, &error));
  g_clear_error (&error);
  g_assert_false (lk_engine_unassign_device (f->engine, other, d->serial, &error));
  g_clear_error (&error);
  g_assert_false (lk_engine_unlock_device (f->engine, other, d->serial, &error));
  g_clear_error (&error);
  g_assert_false (lk_engine_delete_user (f->engine, other, "alice", &error));
  assert_engine_error (error, LK_ENGINE_ERROR_USER_NOT_FOUND);
  g_clear_error (&error);
  lk_user_update_init (&up);
  up.first_name = "Mallory";
  g_assert_null (lk_engine_update_user (f->engine, other, "alice", &up, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_USER_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (lk_engine_validate_user (f->engine, other, "alice", "anything-at-all", &error));
  assert_engine_error (error, LK_ENGINE_ERROR_USER_NOT_FOUND);
  g_clear_error (&error);
  g_assert_cmpint (lk_engine_send_otp (f->engine, other, "alice", NULL, LK_DELIVERY_EMAIL, &error), ==, 0);
  assert_engine_error (error, LK_ENGINE_ERROR_USER_NOT_FOUND);
  g_clear_error (&error);
  outbox = lk_engine_send_otp (f->engine, f->account, "alice", NULL, LK_DELIVERY_EMAIL, &error);
  g_assert_no_error (error);
  g_assert_null (lk_engine_outbox_get (f->engine, other, outbox, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* The same login and serial may exist in both accounts, independently. */
  lk_user_spec_init (&us);
  us.login = "alice";
  us.with_device = TRUE;
  us.device.psn = d->serial;
  us.device.otp_type = LK_OTP_TYPE_EVENT;
  twin = lk_engine_enroll_user (f->engine, other, &us, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (twin->device->serial, ==, d->serial);
  /* Another account's device cannot be assigned to our user. */
  {
    g_autoptr(LkEnrollResult) bob = NULL;
    lk_user_spec_init (&us);
    us.login = "bob";
    bob = lk_engine_enroll_user (f->engine, other, &us, &error);
    g_assert_no_error (error);
    g_assert_true (lk_engine_unassign_device (f->engine, other, d->serial, &error));
    g_assert_false (lk_engine_assign_device (f->engine, f->account, d->serial, "bob", &error));
    assert_engine_error (error, LK_ENGINE_ERROR_USER_NOT_FOUND);
    g_clear_error (&error);
  }

  /* Alice in our account is untouched by all of that. */
  g_assert_true (lk_engine_validate_otp (f->engine, f->account, "alice", NULL, c2, NULL, NULL, &error));
  g_assert_no_error (error);
  {
    g_autoptr(LkUser) u = lk_engine_find_user (f->engine, f->account, "alice", &error);
    g_assert_cmpstr (u->first_name, ==, "");
    g_assert_cmpuint (u->device_count, ==, 1);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  FIXTURE_TEST ("/engine/isolation/accounts", test_isolation);

  return g_test_run ();
}
