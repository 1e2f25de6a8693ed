/* SPDX-License-Identifier: GPL-3.0-or-later
 * validate_oath_otp, active/sync_oath_device and send_oath_otp: replay,
 * lockout, resynchronisation, TOTP drift at the window edges, PIN + OTP. */
#include "config.h"

#include "engine-test-util.h"
#include "lk-secure.h"

static const char *const rfc_codes[] = {
  "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489",
};

static gboolean
validate (Fixture     *f,
          const char  *login,
          const char  *serial,
          const char  *otp,
          GError     **error)
{
  return lk_engine_validate_otp (f->engine, f->account, login, serial, otp, NULL, NULL, error);
}

static void
test_hotp_success_and_replay (Fixture *f, gconstpointer data)
{
  g_autoptr(LkDevice) device = add_user_with_device (f, "alice", NULL);
  g_autoptr(LkDevice) after = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *serial = NULL;

  /* New until activated. */
  g_assert_false (validate (f, "alice", NULL, rfc_codes[0], &error));
  assert_engine_error (error, LK_ENGINE_ERROR_DEVICE_INVALID);
  g_clear_error (&error);

  g_assert_true (lk_engine_activate_device (f->engine, f->account, "alice", device->serial,
                                            rfc_codes[0], rfc_codes[1], &error));
  g_assert_no_error (error);

  /* Counters 0 and 1 were used by the activation. */
  g_assert_false (validate (f, "alice", NULL, rfc_codes[1], &error));
  assert_engine_error (error, LK_ENGINE_ERROR_OTP_ALREADY_USED);
  g_clear_error (&error);

  g_assert_true (lk_engine_validate_otp (f->engine, f->account, "alice", NULL, rfc_codes[2], NULL, &serial, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (serial, ==, device->serial);

  g_assert_false (validate (f, "alice", NULL, rfc_codes[2], &error));
  assert_engine_error (error, LK_ENGINE_ERROR_OTP_ALREADY_USED);
  g_clear_error (&error);

  /* Skip ahead inside the window: 3 and 4 are burnt by accepting 5. */
  g_assert_true (validate (f, "alice", device->serial, rfc_codes[5], &error));
  g_assert_no_error (error);
  g_assert_false (validate (f, "alice", NULL, rfc_codes[4], &error));
  assert_engine_error (error, LK_ENGINE_ERROR_OTP_ALREADY_USED);
  g_clear_error (&error);

  after = lk_engine_find_device (f->engine, f->account, device->serial, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (after->counter, ==, 6);
  g_assert_cmpuint (after->fail_count, ==, 0);
  g_assert_cmpint (after->state, ==, LK_DEVICE_STATE_ACTIVE);
  g_assert_cmpint (after->last_used_at, ==, f->now);
}

static void
test_hotp_window_edge (Fixture *f, gconstpointer data)
{
  LkDeviceSpec spec;
  g_autoptr(LkDevice) device = NULL;
  g_autoptr(GError) error = NULL;
  char code[LK_OTP_CODE_SIZE];

  lk_device_spec_init (&spec);
  spec.otp_type = LK_OTP_TYPE_EVENT;
  spec.secret_key_hex = RFC_SEED_HEX;
  spec.window_size = 5;
  device = add_user_with_device (f, "bob", &spec);
  activate_hotp (f, "bob", device->serial);   /* next expected counter: 2 */

  /* 2 + 5 + 1 = 8 is just outside the look-ahead. */
  otp_for (RFC_SEED_HEX, LK_HASH_SHA1, 8, 6, code);
  g_assert_false (validate (f, "bob", NULL, code, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_OTP_INVALID);
  g_clear_error (&error);
  /* 2 + 5 = 7 is the last one inside. */
  otp_for (RFC_SEED_HEX, LK_HASH_SHA1, 7, 6, code);
  g_assert_true (validate (f, "bob", NULL, code, &error));
  g_assert_no_error (error);
}

static void
test_lockout (Fixture *f, gconstpointer data)
{
  g_autoptr(LkDevice) device = add_user_with_device (f, "carol", NULL);
  g_autoptr(LkDevice) after = NULL;
  g_autoptr(GError) error = NULL;

  activate_hotp (f, "carol", device->serial);
  for (guint i = 0; i < 9; i++)
    {
      g_assert_false (validate (f, "carol", NULL, "000000", &error));
      assert_engine_error (error, LK_ENGINE_ERROR_OTP_INVALID);
      g_clear_error (&error);
    }
  /* A success before the limit clears the count. */
  g_assert_true (validate (f, "carol", NULL, rfc_codes[2], &error));
  g_assert_no_error (error);
  for (guint i = 0; i < 9; i++)
    {
      g_assert_false (validate (f, "carol", NULL, "000000", &error));
      g_clear_error (&error);
    }
  /* The tenth consecutive failure locks. */
  g_assert_false (validate (f, "carol", NULL, "000000", &error));
  assert_engine_error (error, LK_ENGINE_ERROR_LOCKED);
  g_clear_error (&error);
  /* Locked: even the right code is refused. */
  g_assert_false (validate (f, "carol", NULL, rfc_codes[3], &error));
  assert_engine_error (error, LK_ENGINE_ERROR_LOCKED);
  g_clear_error (&error);
  after = lk_engine_find_device (f->engine, f->account, device->serial, &error);
  g_assert_cmpint (after->state, ==, LK_DEVICE_STATE_LOCKED);
  g_assert_cmpuint (after->fail_count, ==, 10);

  g_assert_true (lk_engine_unlock_device (f->engine, f->account, device->serial, &error));
  g_assert_no_error (error);
  g_assert_true (validate (f, "carol", NULL, rfc_codes[3], &error));
  g_assert_no_error (error);
}

static void
test_lockout_configurable (Fixture *f, gconstpointer data)
{
  LkEngineConfig config;
  g_autoptr(LkDevice) device = add_user_with_device (f, "dave", NULL);
  g_autoptr(GError) error = NULL;

  activate_hotp (f, "dave", device->serial);
  lk_engine_close (f->engine);
  fixture_config (f, &config);
  config.max_failures = 3;
  f->engine = lk_engine_open (f->path, f->keys, &config, &error);
  g_assert_no_error (error);
  g_assert_false (validate (f, "dave", NULL, "111111", &error));
  assert_engine_error (error, LK_ENGINE_ERROR_OTP_INVALID);
  g_clear_error (&error);
  g_assert_false (validate (f, "dave", NULL, "111111", &error));
  g_clear_error (&error);
  g_assert_false (validate (f, "dave", NULL, "111111", &error));
  assert_engine_error (error, LK_ENGINE_ERROR_LOCKED);
}

static void
test_resync_hotp (Fixture *f, gconstpointer data)
{
  g_autoptr(LkDevice) device = add_user_with_device (f, "erin", NULL);
  g_autoptr(GError) error = NULL;
  char a[LK_OTP_CODE_SIZE], b[LK_OTP_CODE_SIZE], c[LK_OTP_CODE_SIZE];

  activate_hotp (f, "erin", device->serial);
  /* The fob was pressed 500 times away from the server. */
  otp_for (RFC_SEED_HEX, LK_HASH_SHA1, 500, 6, a);
  otp_for (RFC_SEED_HEX, LK_HASH_SHA1, 501, 6, b);
  otp_for (RFC_SEED_HEX, LK_HASH_SHA1, 502, 6, c);
  g_assert_false (validate (f, "erin", NULL, a, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_OTP_INVALID);
  g_clear_error (&error);

  /* Not consecutive: refused. */
  g_assert_false (lk_engine_sync_device (f->engine, f->account, "erin", device->serial, a, c, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_OTP_INVALID);
  g_clear_error (&error);

  g_assert_true (lk_engine_sync_device (f->engine, f->account, "erin", device->serial, a, b, &error));
  g_assert_no_error (error);
  g_assert_true (validate (f, "erin", NULL, c, &error));
  g_assert_no_error (error);

  /* Replaying the pair is refused. */
  g_assert_false (lk_engine_sync_device (f->engine, f->account, "erin", device->serial, a, b, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_OTP_ALREADY_USED);
  g_clear_error (&error);

  /* Beyond the window of 1000: refused. */
  otp_for (RFC_SEED_HEX, LK_HASH_SHA1, 1600, 6, a);
  otp_for (RFC_SEED_HEX, LK_HASH_SHA1, 1601, 6, b);
  g_assert_false (lk_engine_sync_device (f->engine, f->account, "erin", device->serial, a, b, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_OTP_INVALID);
}

static void
test_activation_errors (Fixture *f, gconstpointer data)
{
  g_autoptr(LkDevice) device = add_user_with_device (f, "frank", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_false (lk_engine_activate_device (f->engine, f->account, "frank", device->serial, rfc_codes[0], "12345", &error));
  assert_engine_error (error, LK_ENGINE_ERROR_OTP_INVALID);
  g_clear_error (&error);
  g_assert_false (lk_engine_activate_device (f->engine, f->account, "frank", device->serial, rfc_codes[1], rfc_codes[0], &error));
  assert_engine_error (error, LK_ENGINE_ERROR_OTP_INVALID);
  g_clear_error (&error);
  g_assert_false (lk_engine_activate_device (f->engine, f->account, "frank", device->serial, NULL, rfc_codes[0], &error));
  assert_engine_error (error, LK_ENGINE_ERROR_MISSING_FIELD);
  g_clear_error (&error);
  g_assert_false (lk_engine_activate_device (f->engine, f->account, "frank", "nope", rfc_codes[0], rfc_codes[1], &error));
  assert_engine_error (error, LK_ENGINE_ERROR_DEVICE_NOT_FOUND);
  g_clear_error (&error);
  /* sync before activation */
  g_assert_false (lk_engine_sync_device (f->engine, f->account, "frank", device->serial, rfc_codes[0], rfc_codes[1], &error));
  assert_engine_error (error, LK_ENGINE_ERROR_DEVICE_INVALID);
  g_clear_error (&error);
  activate_hotp (f, "frank", device->serial);
  g_assert_false (lk_engine_activate_device (f->engine, f->account, "frank", device->serial, rfc_codes[2], rfc_codes[3], &error));
  assert_engine_error (error, LK_ENGINE_ERROR_DEVICE_INVALID);
  g_clear_error (&error);
  g_assert_true (lk_engine_set_device_enabled (f->engine, f->account, device->serial, FALSE, &error));
  g_assert_false (lk_engine_sync_device (f->engine, f->account, "frank", device->serial, rfc_codes[2], rfc_codes[3], &error));
  assert_engine_error (error, LK_ENGINE_ERROR_DEVICE_DISABLED);
}

static LkDevice *
add_totp (Fixture    *f,
          const char *login,
          int         drift)
{
  LkDeviceSpec spec;

  lk_device_spec_init (&spec);
  spec.otp_type = LK_OTP_TYPE_TIME;
  spec.secret_key_hex = RFC_SEED_HEX;
  spec.window_size = 30;
  spec.time_drift = drift;
  return add_user_with_device (f, login, &spec);
}

static void
totp_at (gint64 step,
         char   code[LK_OTP_CODE_SIZE])
{
  otp_for (RFC_SEED_HEX, LK_HASH_SHA1, (guint64) step, 6, code);
}

static void
activate_totp (Fixture    *f,
               const char *login,
               const char *serial)
{
  g_autoptr(GError) error = NULL;
  gint64 s = f->now / 30;
  char a[LK_OTP_CODE_SIZE], b[LK_OTP_CODE_SIZE];

  totp_at (s - 1, a);
  totp_at (s, b);
  g_assert_true (lk_engine_activate_device (f->engine, f->account, login, serial, a, b, &error));
  g_assert_no_error (error);
}

static void
test_totp_drift_edges (Fixture *f, gconstpointer data)
{
  g_autoptr(LkDevice) device = add_totp (f, "gina", 2);
  g_autoptr(LkDevice) after = NULL;
  g_autoptr(GError) error = NULL;
  char code[LK_OTP_CODE_SIZE];
  gint64 s;

  activate_totp (f, "gina", device->serial);   /* last step = now */
  f->now += 300;                               /* ten steps later */
  s = f->now / 30;

  /* ±2 steps: s+3 and s-3 are outside. */
  totp_at (s + 3, code);
  g_assert_false (validate (f, "gina", NULL, code, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_OTP_INVALID);
  g_clear_error (&error);
  totp_at (s - 3, code);
  g_assert_false (validate (f, "gina", NULL, code, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_OTP_INVALID);
  g_clear_error (&error);

  /* s-2 is the edge inside; the token is slow by two steps. */
  totp_at (s - 2, code);
  g_assert_true (validate (f, "gina", NULL, code, &error));
  g_assert_no_error (error);
  after = lk_engine_find_device (f->engine, f->account, device->serial, &error);
  g_assert_cmpint (after->time_shift, ==, -2);
  g_assert_cmpint (after->last_time_step, ==, s - 2);

  /* Same step again: replay. */
  g_assert_false (validate (f, "gina", NULL, code, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_OTP_ALREADY_USED);
  g_clear_error (&error);

  /* The drift is remembered: later, s'-4 (slow by 4) is inside the
   * window around s'-2, which it would not be without the shift. */
  f->now += 600;
  s = f->now / 30;
  totp_at (s - 4, code);
  g_assert_true (validate (f, "gina", NULL, code, &error));
  g_assert_no_error (error);
  g_clear_pointer (&after, lk_device_free);
  after = lk_engine_find_device (f->engine, f->account, device->serial, &error);
  g_assert_cmpint (after->time_shift, ==, -4);
  /* And a code from the token's "future" edge: s-4+2. */
  totp_at (s - 2, code);
  g_assert_true (validate (f, "gina", NULL, code, &error));
  g_assert_no_error (error);
  /* Far in the past of the learned clock: s-4-3. */
  totp_at (s - 7, code);
  g_assert_false (validate (f, "gina", NULL, code, &error));
  g_assert_nonnull (error);
}

static void
test_totp_zero_drift (Fixture *f, gconstpointer data)
{
  g_autoptr(LkDevice) device = add_totp (f, "hank", 0);
  g_autoptr(GError) error = NULL;
  char code[LK_OTP_CODE_SIZE];
  gint64 s;

  activate_totp (f, "hank", device->serial);
  f->now += 90;
  s = f->now / 30;
  totp_at (s + 1, code);
  g_assert_false (validate (f, "hank", NULL, code, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_OTP_INVALID);
  g_clear_error (&error);
  totp_at (s, code);
  g_assert_true (validate (f, "hank", NULL, code, &error));
  g_assert_no_error (error);
}

static void
test_totp_resync (Fixture *f, gconstpointer data)
{
  g_autoptr(LkDevice) device = add_totp (f, "ivan", 1);
  g_autoptr(GError) error = NULL;
  char a[LK_OTP_CODE_SIZE], b[LK_OTP_CODE_SIZE];
  gint64 s;

  activate_totp (f, "ivan", device->serial);
  f->now += 3000;
  s = f->now / 30;
  /* The token runs 100 steps (50 minutes) fast. */
  totp_at (s + 100, a);
  g_assert_false (validate (f, "ivan", NULL, a, &error));
  g_clear_error (&error);
  totp_at (s + 101, b);
  g_assert_true (lk_engine_sync_device (f->engine, f->account, "ivan", device->serial, a, b, &error));
  g_assert_no_error (error);
  f->now += 60;
  s = f->now / 30;
  totp_at (s + 100, a);
  g_assert_true (validate (f, "ivan", NULL, a, &error));
  g_assert_no_error (error);
}

static void
test_pin_and_otp (Fixture *f, gconstpointer data)
{
  LkDeviceSpec spec;
  g_autoptr(LkDevice) device = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *good = NULL;
  g_autofree char *bad = NULL;

  lk_device_spec_init (&spec);
  spec.otp_type = LK_OTP_TYPE_EVENT;
  spec.secret_key_hex = RFC_SEED_HEX;
  spec.otp_pin = "4321";
  device = add_user_with_device (f, "judy", &spec);
  g_assert_true (device->has_pin);
  /* The helpdesk activates without the PIN. */
  activate_hotp (f, "judy", device->serial);

  /* OTP alone is not enough. */
  g_assert_false (validate (f, "judy", NULL, rfc_codes[2], &error));
  assert_engine_error (error, LK_ENGINE_ERROR_OTP_INVALID);
  g_clear_error (&error);
  bad = g_strconcat ("1234", rfc_codes[2], NULL);
  g_assert_false (validate (f, "judy", NULL, bad, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_OTP_INVALID);
  g_clear_error (&error);
  good = g_strconcat ("4321", rfc_codes[2], NULL);
  g_assert_true (validate (f, "judy", NULL, good, &error));
  g_assert_no_error (error);
  g_assert_false (validate (f, "judy", NULL, good, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_OTP_ALREADY_USED);
}

static void
test_device_choice_and_states (Fixture *f, gconstpointer data)
{
  g_autoptr(LkDevice) first = add_user_with_device (f, "kim", NULL);
  g_autoptr(LkDevice) second = NULL;
  g_autoptr(GError) error = NULL;
  LkDeviceSpec spec;
  LkUserSpec us;
  g_autoptr(LkEnrollResult) lonely = NULL;
  g_autofree char *used = NULL;

  /* Second device, also on the RFC seed, activated; the first stays new. */
  lk_device_spec_init (&spec);
  spec.otp_type = LK_OTP_TYPE_EVENT;
  spec.secret_key_hex = RFC_SEED_HEX;
  second = lk_engine_add_device (f->engine, f->account, "kim", &spec, NULL, &error);
  g_assert_no_error (error);
  activate_hotp (f, "kim", second->serial);
  g_assert_true (lk_engine_validate_otp (f->engine, f->account, "kim", NULL, rfc_codes[2], NULL, &used, &error));
  g_assert_cmpstr (used, ==, second->serial);

  /* Disabled device named explicitly. */
  g_assert_true (lk_engine_set_device_enabled (f->engine, f->account, second->serial, FALSE, &error));
  g_assert_false (validate (f, "kim", second->serial, rfc_codes[3], &error));
  assert_engine_error (error, LK_ENGINE_ERROR_DEVICE_DISABLED);
  g_clear_error (&error);
  /* No active device left: the first is still new. */
  g_assert_false (validate (f, "kim", NULL, rfc_codes[3], &error));
  assert_engine_error (error, LK_ENGINE_ERROR_DEVICE_INVALID);
  g_clear_error (&error);
  g_assert_true (lk_engine_set_device_enabled (f->engine, f->account, second->serial, TRUE, &error));
  g_assert_true (validate (f, "kim", second->serial, rfc_codes[3], &error));
  g_assert_no_error (error);

  /* Disabled user. */
  g_assert_true (lk_engine_set_user_enabled (f->engine, f->account, "kim", FALSE, &error));
  g_assert_false (validate (f, "kim", NULL, rfc_codes[4], &error));
  assert_engine_error (error, LK_ENGINE_ERROR_USER_DISABLED);
  g_clear_error (&error);

  /* Unknown user, user without devices, device of somebody else. */
  g_assert_false (validate (f, "nobody", NULL, rfc_codes[4], &error));
  assert_engine_error (error, LK_ENGINE_ERROR_USER_NOT_FOUND);
  g_clear_error (&error);
  lk_user_spec_init (&us);
  us.login = "lonely";
  lonely = lk_engine_enroll_user (f->engine, f->account, &us, &error);
  g_assert_no_error (error);
  g_assert_false (validate (f, "lonely", NULL, rfc_codes[4], &error));
  assert_engine_error (error, LK_ENGINE_ERROR_NO_DEVICES);
  g_clear_error (&error);
  g_assert_false (validate (f, "lonely", first->serial, rfc_codes[4], &error));
  assert_engine_error (error, LK_ENGINE_ERROR_DEVICE_NOT_FOUND);
  g_clear_error (&error);

  /* Malformed inputs. */
  g_assert_false (validate (f, "kim", NULL, NULL, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_MISSING_FIELD);
  g_clear_error (&error);
  g_assert_false (validate (f, NULL, NULL, "123456", &error));
  assert_engine_error (error, LK_ENGINE_ERROR_MISSING_FIELD);
  g_clear_error (&error);
  g_assert_false (validate (f, "kim", NULL, "12a456", &error));
  assert_engine_error (error, LK_ENGINE_ERROR_OTP_INVALID);
  g_clear_error (&error);
  g_assert_false (validate (f, "kim", NULL, "123456789012345678901234567890123456", &error));
  assert_engine_error (error, LK_ENGINE_ERROR_OTP_INVALID);
}

static void
test_ocra (Fixture *f, gconstpointer data)
{
  LkDeviceSpec spec;
  g_autoptr(LkDevice) device = NULL;
  g_autoptr(GError) error = NULL;

  /* RFC 6287 appendix C, OCRA-1:HOTP-SHA1-6:QN08 (the default suite) with
   * the 20-byte key: Q = 00000000 -> 237653; Q = 11111111 -> 243178. */
  lk_device_spec_init (&spec);
  spec.otp_type = LK_OTP_TYPE_OCRA;
  spec.secret_key_hex = RFC_SEED_HEX;
  device = add_user_with_device (f, "olga", &spec);
  g_assert_cmpint (device->state, ==, LK_DEVICE_STATE_ACTIVE);
  g_assert_cmpuint (device->digits, ==, 6);
  g_assert_cmpstr (device->ocra_suite, ==, "OCRA-1:HOTP-SHA1-6:QN08");
  g_assert_true (lk_engine_validate_otp (f->engine, f->account, "olga", NULL, "237653", "00000000", NULL, &error));
  g_assert_no_error (error);
  g_assert_true (lk_engine_validate_otp (f->engine, f->account, "olga", NULL, "243178", "11111111", NULL, &error));
  g_assert_no_error (error);
  g_assert_false (lk_engine_validate_otp (f->engine, f->account, "olga", NULL, "243178", "00000000", NULL, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_OTP_INVALID);
  g_clear_error (&error);
  g_assert_false (lk_engine_validate_otp (f->engine, f->account, "olga", NULL, "243178", NULL, NULL, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_MISSING_FIELD);
  g_clear_error (&error);
  g_assert_false (lk_engine_activate_device (f->engine, f->account, "olga", device->serial, "1", "2", &error));
  assert_engine_error (error, LK_ENGINE_ERROR_OTP_TYPE_INVALID);
}

/* ---- send_oath_otp and the outbox ---- */

#define TEST_TYPE_DELIVERY (test_delivery_get_type ())
G_DECLARE_FINAL_TYPE (TestDelivery, test_delivery, TEST, DELIVERY, GObject)

struct _TestDelivery
{
  GObject    parent_instance;
  guint      fail_next;   /* fail this many deliveries, then succeed */
  GPtrArray *codes;       /* codes received */
  GPtrArray *destinations;
};

static gboolean
test_delivery_deliver (LkDelivery            *delivery,
                       const LkOutboxMessage *message,
                       GCancellable          *cancellable,
                       GError               **error)
{
  TestDelivery *self = TEST_DELIVERY (delivery);

  if (self->fail_next > 0)
    {
      self->fail_next--;
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED, "gateway down");
      return FALSE;
    }
  g_ptr_array_add (self->codes, g_strdup (message->code));
  g_ptr_array_add (self->destinations, g_strdup (message->destination));
  return TRUE;
}

static void
test_delivery_iface_init (LkDeliveryInterface *iface)
{
  iface->deliver = test_delivery_deliver;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (TestDelivery, test_delivery, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (LK_TYPE_DELIVERY, test_delivery_iface_init))

static void
test_delivery_finalize (GObject *object)
{
  TestDelivery *self = TEST_DELIVERY (object);

  g_ptr_array_unref (self->codes);
  g_ptr_array_unref (self->destinations);
  G_OBJECT_CLASS (test_delivery_parent_class)->finalize (object);
}

static void
test_delivery_class_init (TestDeliveryClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_delivery_finalize;
}

static void
test_delivery_init (TestDelivery *self)
{
  self->codes = g_ptr_array_new_with_free_func (g_free);
  self->destinations = g_ptr_array_new_with_free_func (g_free);
}

static void
test_send_otp (Fixture *f, gconstpointer data)
{
  g_autoptr(LkDevice) device = add_user_with_device (f, "lena", NULL);
  g_autoptr(TestDelivery) delivery = g_object_new (TEST_TYPE_DELIVERY, NULL);
  g_autoptr(LkOutboxMessage) status = NULL;
  g_autoptr(GError) error = NULL;
  gint64 id;
  guint sent;

  /* Not active yet. */
  g_assert_cmpint (lk_engine_send_otp (f->engine, f->account, "lena", NULL, LK_DELIVERY_SMS, &error), ==, 0);
  assert_engine_error (error, LK_ENGINE_ERROR_DEVICE_INVALID);
  g_clear_error (&error);
  activate_hotp (f, "lena", device->serial);

  g_assert_cmpint (lk_engine_send_otp (f->engine, f->account, "lena", NULL, (LkDeliveryMethod) 7, &error), ==, 0);
  assert_engine_error (error, LK_ENGINE_ERROR_INVALID_DELIVERY);
  g_clear_error (&error);

  id = lk_engine_send_otp (f->engine, f->account, "lena", NULL, LK_DELIVERY_EMAIL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);

  /* The gateway is down once: retried later, then delivered once. */
  delivery->fail_next = 1;
  sent = lk_engine_outbox_process (f->engine, LK_DELIVERY (delivery), 10, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sent, ==, 0);
  status = lk_engine_outbox_get (f->engine, f->account, id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (status->state, ==, LK_OUTBOX_PENDING);
  g_assert_cmpuint (status->attempts, ==, 1);
  g_assert_cmpstr (status->last_error, ==, "gateway down");
  g_assert_null (status->code);
  g_clear_pointer (&status, lk_outbox_message_free);

  /* Not due yet. */
  sent = lk_engine_outbox_process (f->engine, LK_DELIVERY (delivery), 10, NULL, &error);
  g_assert_cmpuint (sent, ==, 0);
  f->now += 31;
  sent = lk_engine_outbox_process (f->engine, LK_DELIVERY (delivery), 10, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sent, ==, 1);
  g_assert_cmpuint (delivery->codes->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (delivery->destinations, 0), ==, "someone@example.org");
  /* Nothing is sent twice. */
  sent = lk_engine_outbox_process (f->engine, LK_DELIVERY (delivery), 10, NULL, &error);
  g_assert_cmpuint (sent, ==, 0);
  status = lk_engine_outbox_get (f->engine, f->account, id, &error);
  g_assert_cmpint (status->state, ==, LK_OUTBOX_DELIVERED);

  /* The code it carried validates, once. */
  g_assert_true (validate (f, "lena", NULL, g_ptr_array_index (delivery->codes, 0), &error));
  g_assert_no_error (error);
  g_assert_false (validate (f, "lena", NULL, g_ptr_array_index (delivery->codes, 0), &error));
  assert_engine_error (error, LK_ENGINE_ERROR_OTP_ALREADY_USED);
  g_clear_error (&error);

  /* A user without a phone number cannot get an SMS. */
  {
    LkUserSpec us;
    g_autoptr(LkEnrollResult) r = NULL;
    lk_user_spec_init (&us);
    us.login = "nophone";
    us.with_device = TRUE;
    us.device.otp_type = LK_OTP_TYPE_EVENT;
    us.device.secret_key_hex = RFC_SEED_HEX;
    r = lk_engine_enroll_user (f->engine, f->account, &us, &error);
    g_assert_no_error (error);
    activate_hotp (f, "nophone", r->device->serial);
    g_assert_cmpint (lk_engine_send_otp (f->engine, f->account, "nophone", NULL, LK_DELIVERY_SMS, &error), ==, 0);
    assert_engine_error (error, LK_ENGINE_ERROR_INVALID_DELIVERY);
    g_clear_error (&error);
  }
}

static void
test_send_totp_code_validates (Fixture *f, gconstpointer data)
{
  g_autoptr(LkDevice) device = add_totp (f, "mia", 1);
  g_autoptr(TestDelivery) delivery = g_object_new (TEST_TYPE_DELIVERY, NULL);
  g_autoptr(GError) error = NULL;
  gint64 id;

  activate_totp (f, "mia", device->serial);
  f->now += 30;
  id = lk_engine_send_otp (f->engine, f->account, "mia", device->serial, LK_DELIVERY_VOICE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  g_assert_cmpuint (lk_engine_outbox_process (f->engine, LK_DELIVERY (delivery), 10, NULL, &error), ==, 1);
  g_assert_true (validate (f, "mia", NULL, g_ptr_array_index (delivery->codes, 0), &error));
  g_assert_no_error (error);

  /* An expired code is never sent. */
  id = lk_engine_send_otp (f->engine, f->account, "mia", NULL, LK_DELIVERY_SMS, &error);
  g_assert_no_error (error);
  f->now += 3600;
  g_assert_cmpuint (lk_engine_outbox_process (f->engine, LK_DELIVERY (delivery), 10, NULL, &error), ==, 0);
  {
    g_autoptr(LkOutboxMessage) m = lk_engine_outbox_get (f->engine, f->account, id, &error);
    g_assert_no_error (error);
    g_assert_cmpint (m->state, ==, LK_OUTBOX_FAILED);
  }
}

#define TEST_TYPE_REFUSING (test_refusing_get_type ())
G_DECLARE_FINAL_TYPE (TestRefusing, test_refusing, TEST, REFUSING, GObject)

struct _TestRefusing
{
  GObject parent_instance;
  guint   calls;
};

/* A channel that refuses the message for good (a bad address). */
static gboolean
test_refusing_deliver (LkDelivery            *delivery,
                       const LkOutboxMessage *message,
                       GCancellable          *cancellable,
                       GError               **error)
{
  TEST_REFUSING (delivery)->calls++;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "550 no such mailbox");
  return FALSE;
}

static void
test_refusing_iface_init (LkDeliveryInterface *iface)
{
  iface->deliver = test_refusing_deliver;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (TestRefusing, test_refusing, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (LK_TYPE_DELIVERY, test_refusing_iface_init))

static void
test_refusing_class_init (TestRefusingClass *klass)
{
}

static void
test_refusing_init (TestRefusing *self)
{
}

static void
test_outbox_lifecycle (Fixture *f, gconstpointer data)
{
  g_autoptr(LkDevice) device = add_user_with_device (f, "nina", NULL);
  g_autoptr(TestRefusing) refusing = g_object_new (TEST_TYPE_REFUSING, NULL);
  g_autoptr(GPtrArray) claimed = NULL;
  g_autoptr(GPtrArray) again = NULL;
  g_autoptr(GError) error = NULL;
  gint64 id;

  activate_hotp (f, "nina", device->serial);
  id = lk_engine_send_otp (f->engine, f->account, "nina", NULL, LK_DELIVERY_SMS, &error);
  g_assert_no_error (error);

  /* A claimed message is leased: a second worker does not get it. */
  claimed = lk_engine_outbox_claim (f->engine, 10, 60, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (claimed->len, ==, 1);
  g_assert_cmpstr (((LkOutboxMessage *) claimed->pdata[0])->destination, ==, "+44 20 7946 0000");
  g_assert_cmpuint (strlen (((LkOutboxMessage *) claimed->pdata[0])->code), ==, 6);
  again = lk_engine_outbox_claim (f->engine, 10, 60, &error);
  g_assert_cmpuint (again->len, ==, 0);
  g_clear_pointer (&again, g_ptr_array_unref);
  /* After the lease, it is due again (the worker died). */
  f->now += 61;
  again = lk_engine_outbox_claim (f->engine, 10, 60, &error);
  g_assert_cmpuint (again->len, ==, 1);
  g_clear_pointer (&again, g_ptr_array_unref);

  /* A permanent refusal fails it at once, with the reason, and the code is gone. */
  f->now += 61;
  g_assert_cmpuint (lk_engine_outbox_process (f->engine, LK_DELIVERY (refusing), 10, NULL, &error), ==, 0);
  g_assert_no_error (error);
  g_assert_cmpuint (refusing->calls, ==, 1);
  {
    g_autoptr(LkOutboxMessage) m = lk_engine_outbox_get (f->engine, f->account, id, &error);
    g_assert_cmpint (m->state, ==, LK_OUTBOX_FAILED);
    g_assert_cmpstr (m->last_error, ==, "550 no such mailbox");
  }
  f->now += 3600;
  g_assert_cmpuint (lk_engine_outbox_process (f->engine, LK_DELIVERY (refusing), 10, NULL, &error), ==, 0);
  g_assert_cmpuint (refusing->calls, ==, 1);

  /* Unknown messages. */
  g_assert_false (lk_engine_outbox_complete (f->engine, 424242, TRUE, NULL, 0, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (lk_engine_outbox_get (f->engine, f->account, 424242, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Retries record each attempt until the deliverer gives up. */
  id = lk_engine_send_otp (f->engine, f->account, "nina", NULL, LK_DELIVERY_EMAIL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 8; i++)
    {
      g_autoptr(GPtrArray) c = lk_engine_outbox_claim (f->engine, 10, 1, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (c->len, ==, 1);
      g_assert_cmpuint (((LkOutboxMessage *) c->pdata[0])->attempts, ==, i);
      g_assert_true (lk_engine_outbox_complete (f->engine, id, FALSE, "gateway down",
                                                i < 7 ? f->now + 1 : 0, &error));
      f->now += 2;
    }
  {
    g_autoptr(LkOutboxMessage) m = lk_engine_outbox_get (f->engine, f->account, id, &error);
    g_assert_no_error (error);
    g_assert_cmpint (m->state, ==, LK_OUTBOX_FAILED);
    g_assert_cmpuint (m->attempts, ==, 8);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  FIXTURE_TEST ("/engine/validate/hotp/replay", test_hotp_success_and_replay);
  FIXTURE_TEST ("/engine/validate/hotp/window-edge", test_hotp_window_edge);
  FIXTURE_TEST ("/engine/validate/lockout", test_lockout);
  FIXTURE_TEST ("/engine/validate/lockout-configurable", test_lockout_configurable);
  FIXTURE_TEST ("/engine/validate/resync/hotp", test_resync_hotp);
  FIXTURE_TEST ("/engine/validate/activation-errors", test_activation_errors);
  FIXTURE_TEST ("/engine/validate/totp/drift-edges", test_totp_drift_edges);
  FIXTURE_TEST ("/engine/validate/totp/zero-drift", test_totp_zero_drift);
  FIXTURE_TEST ("/engine/validate/resync/totp", test_totp_resync);
  FIXTURE_TEST ("/engine/validate/pin", test_pin_and_otp);
  FIXTURE_TEST ("/engine/validate/device-choice", test_device_choice_and_states);
  FIXTURE_TEST ("/engine/validate/ocra", test_ocra);
  FIXTURE_TEST ("/engine/validate/send/hotp", test_send_otp);
  FIXTURE_TEST ("/engine/validate/send/totp", test_send_totp_code_validates);
  FIXTURE_TEST ("/engine/validate/send/outbox", test_outbox_lifecycle);

  return g_test_run ();
}
