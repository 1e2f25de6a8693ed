/* SPDX-License-Identifier: GPL-3.0-or-later
 * Bad input for every field of enrolment and add_oath_device: each gets its
 * error code, and nothing is written. */
#include "config.h"

#include "engine-test-util.h"

static guint
n_devices (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = NULL;
  guint total = 0;

  list = lk_engine_list_unassigned_devices (f->engine, f->account, 0, 1, &total, &error);
  g_assert_no_error (error);
  return total;
}

static guint
n_users (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = NULL;
  guint total = 0;

  list = lk_engine_find_users (f->engine, f->account, NULL, 0, 1, &total, &error);
  g_assert_no_error (error);
  return total;
}

typedef void (*SpecEdit) (LkDeviceSpec *spec);

static void
expect_device_error (Fixture    *f,
                     const char *what,
                     SpecEdit    edit,
                     int         code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkDevice) d = NULL;
  LkDeviceSpec spec;
  guint before = n_devices (f);

  lk_device_spec_init (&spec);
  edit (&spec);
  d = lk_engine_add_device (f->engine, f->account, NULL, &spec, NULL, &error);
  if (d != NULL || error == NULL || error->domain != LK_ENGINE_ERROR || error->code != code)
    g_error ("%s: expected error %d, got %s (%d)", what, code,
             error ? error->message : "success", error ? error->code : 0);
  /* The message is a sentence for a person, not empty. */
  g_assert_cmpuint (strlen (error->message), >, 10);
  g_assert_cmpuint (n_devices (f), ==, before);
}

static char *huge_text;

static void e_type_neg (LkDeviceSpec *s) { s->device_type = -2; }
static void e_type_4 (LkDeviceSpec *s) { s->device_type = 4; }
static void e_type_99 (LkDeviceSpec *s) { s->device_type = 99; }
static void e_otp_3 (LkDeviceSpec *s) { s->otp_type = 3; }
static void e_otp_neg (LkDeviceSpec *s) { s->otp_type = -5; }
static void e_len_5 (LkDeviceSpec *s) { s->otp_length = 5; }
static void e_len_11 (LkDeviceSpec *s) { s->otp_length = 11; }
static void e_len_0 (LkDeviceSpec *s) { s->otp_length = 0; }
static void e_win_event_0 (LkDeviceSpec *s) { s->otp_type = 0; s->window_size = 0; }
static void e_win_event_101 (LkDeviceSpec *s) { s->otp_type = 0; s->window_size = 101; }
static void e_win_time_9 (LkDeviceSpec *s) { s->otp_type = 1; s->window_size = 9; }
static void e_win_time_601 (LkDeviceSpec *s) { s->otp_type = 1; s->window_size = 601; }
static void e_drift_neg (LkDeviceSpec *s) { s->time_drift = -2; }
static void e_drift_11 (LkDeviceSpec *s) { s->time_drift = 11; }
static void e_pin_short (LkDeviceSpec *s) { s->otp_pin = "12"; }
static void e_pin_long (LkDeviceSpec *s) { s->otp_pin = "1234567890123"; }
static void e_pin_alpha (LkDeviceSpec *s) { s->otp_pin = "12a4"; }
static void e_psn_space (LkDeviceSpec *s) { s->psn = "has space"; }
static void e_psn_slash (LkDeviceSpec *s) { s->psn = "a/b"; }
static void e_psn_long (LkDeviceSpec *s) { s->psn = "A123456789012345678901234567890123456789012345678901234567890123X"; }
static void e_psn_utf8 (LkDeviceSpec *s) { s->psn = "s\xc3\xa9rie"; }
static void e_psn_huge (LkDeviceSpec *s) { s->psn = huge_text; }
static void e_hex_nonhex (LkDeviceSpec *s) { s->secret_key_hex = "zz112233445566778899aabbccddeeff"; }
static void e_hex_odd (LkDeviceSpec *s) { s->secret_key_hex = "00112233445566778899aabbccddeeff0"; }
static void e_hex_short (LkDeviceSpec *s) { s->secret_key_hex = "00112233445566778899aabbccddee"; }
static void e_hex_long (LkDeviceSpec *s) { s->secret_key_hex = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
                                                               "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff00"; }
static void e_hex_huge (LkDeviceSpec *s) { s->secret_key_hex = huge_text; }
static void e_both_keys (LkDeviceSpec *s) { s->secret_key_hex = RFC_SEED_HEX; s->secret_key_base64 = "MTIzNDU2Nzg5MDEyMzQ1Njc4OTA="; }
static void e_b64_bad (LkDeviceSpec *s) { s->secret_key_base64 = "!!!!MTIzNDU2Nzg5MDEyMzQ1Njc4OTA="; }
static void e_b64_len (LkDeviceSpec *s) { s->secret_key_base64 = "MTIzNDU2Nzg5MDEyMzQ1Njc4OTAx="; }
static void e_b64_short (LkDeviceSpec *s) { s->secret_key_base64 = "MTIzNDU2Nzg5MA=="; }
static void e_b64_pad_mid (LkDeviceSpec *s) { s->secret_key_base64 = "MTIz=DU2Nzg5MDEyMzQ1Njc4OTA="; }
static void e_notify_3 (LkDeviceSpec *s) { s->notification_method = 3; }
static void e_notify_neg (LkDeviceSpec *s) { s->notification_method = -4; }
static void e_notify_unassigned (LkDeviceSpec *s) { s->notification_method = 1; }
static void e_mobile_auth_2 (LkDeviceSpec *s) { s->mobile_auth = 2; }
static void e_mobile_usage_3 (LkDeviceSpec *s) { s->mobile_usage = 3; }
static void e_alias_long (LkDeviceSpec *s) { s->soft_token_alias = "12345678901234567890123456789012345678901234567890123456789012345"; }
static void e_alias_ctrl (LkDeviceSpec *s) { s->soft_token_alias = "bell\a"; }
static void e_alias_utf8 (LkDeviceSpec *s) { s->soft_token_alias = "bad\xc3"; }
static void e_alg (LkDeviceSpec *s) { s->algorithm = "MD5"; }
static void e_ocra_garbage (LkDeviceSpec *s) { s->otp_type = 2; s->ocra_suite = "garbage"; }
static void e_ocra_pin (LkDeviceSpec *s) { s->otp_type = 2; s->ocra_suite = "OCRA-1:HOTP-SHA256-8:C-QN08-PSHA1"; }
static void e_ocra_session (LkDeviceSpec *s) { s->otp_type = 2; s->ocra_suite = "OCRA-1:HOTP-SHA1-6:QN08-S064"; }
static void e_ocra_len (LkDeviceSpec *s) { s->otp_type = 2; s->otp_length = 8; }

static void
test_device_fields (Fixture *f, gconstpointer data)
{
  static const struct { const char *what; SpecEdit edit; int code; } cases[] = {
    { "deviceType -2", e_type_neg, LK_ENGINE_ERROR_DEVICE_TYPE_INVALID },
    { "deviceType 4", e_type_4, LK_ENGINE_ERROR_DEVICE_TYPE_INVALID },
    { "deviceType 99", e_type_99, LK_ENGINE_ERROR_DEVICE_TYPE_INVALID },
    { "OtpType 3", e_otp_3, LK_ENGINE_ERROR_OTP_TYPE_INVALID },
    { "OtpType -5", e_otp_neg, LK_ENGINE_ERROR_OTP_TYPE_INVALID },
    { "OtpLength 5", e_len_5, LK_ENGINE_ERROR_INVALID_ARGUMENT },
    { "OtpLength 11", e_len_11, LK_ENGINE_ERROR_INVALID_ARGUMENT },
    { "OtpLength 0", e_len_0, LK_ENGINE_ERROR_INVALID_ARGUMENT },
    { "windowSize 0 (event)", e_win_event_0, LK_ENGINE_ERROR_INVALID_ARGUMENT },
    { "windowSize 101 (event)", e_win_event_101, LK_ENGINE_ERROR_INVALID_ARGUMENT },
    { "windowSize 9 (time)", e_win_time_9, LK_ENGINE_ERROR_INVALID_ARGUMENT },
    { "windowSize 601 (time)", e_win_time_601, LK_ENGINE_ERROR_INVALID_ARGUMENT },
    { "timeDrift -2", e_drift_neg, LK_ENGINE_ERROR_TIME_DRIFT_INVALID },
    { "timeDrift 11", e_drift_11, LK_ENGINE_ERROR_TIME_DRIFT_INVALID },
    { "OtpPin short", e_pin_short, LK_ENGINE_ERROR_INVALID_ARGUMENT },
    { "OtpPin long", e_pin_long, LK_ENGINE_ERROR_INVALID_ARGUMENT },
    { "OtpPin letters", e_pin_alpha, LK_ENGINE_ERROR_INVALID_ARGUMENT },
    { "psn space", e_psn_space, LK_ENGINE_ERROR_INVALID_ARGUMENT },
    { "psn slash", e_psn_slash, LK_ENGINE_ERROR_INVALID_ARGUMENT },
    { "psn 65", e_psn_long, LK_ENGINE_ERROR_INVALID_ARGUMENT },
    { "psn non-ASCII", e_psn_utf8, LK_ENGINE_ERROR_INVALID_ARGUMENT },
    { "psn 1 MB", e_psn_huge, LK_ENGINE_ERROR_INVALID_ARGUMENT },
    { "secretKeyHex non-hex", e_hex_nonhex, LK_ENGINE_ERROR_INVALID_ARGUMENT },
    { "secretKeyHex odd", e_hex_odd, LK_ENGINE_ERROR_INVALID_ARGUMENT },
    { "secretKeyHex 15 bytes", e_hex_short, LK_ENGINE_ERROR_INVALID_ARGUMENT },
    { "secretKeyHex 65 bytes", e_hex_long, LK_ENGINE_ERROR_INVALID_ARGUMENT },
    { "secretKeyHex 1 MB", e_hex_huge, LK_ENGINE_ERROR_INVALID_ARGUMENT },
    { "both keys", e_both_keys, LK_ENGINE_ERROR_INVALID_ARGUMENT },
    { "secretKeyHexBase64 alphabet", e_b64_bad, LK_ENGINE_ERROR_INVALID_ARGUMENT },
    { "secretKeyHexBase64 length", e_b64_len, LK_ENGINE_ERROR_INVALID_ARGUMENT },
    { "secretKeyHexBase64 10 bytes", e_b64_short, LK_ENGINE_ERROR_INVALID_ARGUMENT },
    { "secretKeyHexBase64 padding", e_b64_pad_mid, LK_ENGINE_ERROR_INVALID_ARGUMENT },
    { "notificationMethod 3", e_notify_3, LK_ENGINE_ERROR_INVALID_DELIVERY },
    { "notificationMethod -4", e_notify_neg, LK_ENGINE_ERROR_INVALID_DELIVERY },
    { "notificationMethod without user", e_notify_unassigned, LK_ENGINE_ERROR_INVALID_DELIVERY },
    { "mobileAuth 2", e_mobile_auth_2, LK_ENGINE_ERROR_INVALID_ARGUMENT },
    { "mobileUsage 3", e_mobile_usage_3, LK_ENGINE_ERROR_INVALID_ARGUMENT },
    { "softTokenAlias 65", e_alias_long, LK_ENGINE_ERROR_INVALID_ARGUMENT },
    { "softTokenAlias control", e_alias_ctrl, LK_ENGINE_ERROR_INVALID_ARGUMENT },
    { "softTokenAlias UTF-8", e_alias_utf8, LK_ENGINE_ERROR_INVALID_ARGUMENT },
    { "algorithm MD5", e_alg, LK_ENGINE_ERROR_INVALID_ARGUMENT },
    { "OCRA suite garbage", e_ocra_garbage, LK_ENGINE_ERROR_INVALID_ARGUMENT },
    { "OCRA suite with PIN", e_ocra_pin, LK_ENGINE_ERROR_OTP_TYPE_INVALID },
    { "OCRA suite with session", e_ocra_session, LK_ENGINE_ERROR_OTP_TYPE_INVALID },
    { "OCRA digits mismatch", e_ocra_len, LK_ENGINE_ERROR_INVALID_ARGUMENT },
  };

  huge_text = g_strnfill (1024 * 1024, 'a');
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    expect_device_error (f, cases[i].what, cases[i].edit, cases[i].code);
  g_clear_pointer (&huge_text, g_free);
  g_assert_cmpuint (n_devices (f), ==, 0);
}

static void
expect_user_error (Fixture          *f,
                   const char       *what,
                   const LkUserSpec *spec,
                   int               code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkEnrollResult) r = NULL;
  guint before = n_users (f);

  r = lk_engine_enroll_user (f->engine, f->account, spec, &error);
  if (r != NULL || error == NULL || error->domain != LK_ENGINE_ERROR || error->code != code)
    g_error ("%s: expected error %d, got %s (%d)", what, code,
             error ? error->message : "success", error ? error->code : 0);
  g_assert_cmpuint (n_users (f), ==, before);
}

static void
test_user_fields (Fixture *f, gconstpointer data)
{
  g_autofree char *long64 = g_strnfill (65, 'n');
  g_autofree char *huge = g_strnfill (1024 * 1024, 'h');
  g_autofree char *local = g_strnfill (250, 'e');
  g_autofree char *long_email = g_strconcat (local, "@x.org", NULL);
  g_autofree char *long_password = g_strnfill (300, 'p');
  static const struct { const char *field; const char *value; int code; } cases[] = {
    { "login", NULL, LK_ENGINE_ERROR_MISSING_FIELD },
    { "login", "", LK_ENGINE_ERROR_MISSING_FIELD },
    { "login", "a b", LK_ENGINE_ERROR_INVALID_ARGUMENT },
    { "login", "semi;colon", LK_ENGINE_ERROR_INVALID_ARGUMENT },
    { "login", "bad\xff", LK_ENGINE_ERROR_INVALID_ARGUMENT },
    { "login", "LONG64", LK_ENGINE_ERROR_INVALID_ARGUMENT },
    { "login", "HUGE", LK_ENGINE_ERROR_INVALID_ARGUMENT },
    { "first", "LONG64", LK_ENGINE_ERROR_INVALID_ARGUMENT },
    { "first", "new\nline", LK_ENGINE_ERROR_INVALID_ARGUMENT },
    { "last", "HUGE", LK_ENGINE_ERROR_INVALID_ARGUMENT },
    { "last", "bad\xc3", LK_ENGINE_ERROR_INVALID_ARGUMENT },
    { "email", "no-at-sign", LK_ENGINE_ERROR_INVALID_ARGUMENT },
    { "email", "a@b", LK_ENGINE_ERROR_INVALID_ARGUMENT },
    { "email", "a@@b.org", LK_ENGINE_ERROR_INVALID_ARGUMENT },
    { "email", "@b.org", LK_ENGINE_ERROR_INVALID_ARGUMENT },
    { "email", "a b@c.org", LK_ENGINE_ERROR_INVALID_ARGUMENT },
    { "email", "LONGEMAIL", LK_ENGINE_ERROR_INVALID_ARGUMENT },
    { "phone", "call me", LK_ENGINE_ERROR_INVALID_ARGUMENT },
    { "phone", "12", LK_ENGINE_ERROR_INVALID_ARGUMENT },
    { "phone", "1+2345678", LK_ENGINE_ERROR_INVALID_ARGUMENT },
    { "phone", "123456789012345678901234567890123", LK_ENGINE_ERROR_INVALID_ARGUMENT },
    { "password", "short", LK_ENGINE_ERROR_INVALID_ARGUMENT },
    { "password", "LONGPASSWORD", LK_ENGINE_ERROR_INVALID_ARGUMENT },
    { "password", "bad\xff\xfe-password", LK_ENGINE_ERROR_INVALID_ARGUMENT },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      LkUserSpec us;
      const char *v = cases[i].value;
      g_autofree char *what = g_strdup_printf ("%s %s", cases[i].field, v ? v : "(null)");

      if (g_strcmp0 (v, "LONG64") == 0)
        v = long64;
      else if (g_strcmp0 (v, "HUGE") == 0)
        v = huge;
      else if (g_strcmp0 (v, "LONGEMAIL") == 0)
        v = long_email;
      else if (g_strcmp0 (v, "LONGPASSWORD") == 0)
        v = long_password;
      lk_user_spec_init (&us);
      us.login = "valid.login";
      if (g_str_equal (cases[i].field, "login"))
        us.login = v;
      else if (g_str_equal (cases[i].field, "first"))
        us.first_name = v;
      else if (g_str_equal (cases[i].field, "last"))
        us.last_name = v;
      else if (g_str_equal (cases[i].field, "email"))
        us.email = v;
      else if (g_str_equal (cases[i].field, "phone"))
        us.mobile_phone = v;
      else
        us.password = v;
      expect_user_error (f, what, &us, cases[i].code);
    }
  /* Valid edge values do pass: 64-character login, international names. */
  {
    LkUserSpec us;
    g_autoptr(GError) error = NULL;
    g_autoptr(LkEnrollResult) r = NULL;
    g_autofree char *login64 = g_strnfill (64, 'l');
    lk_user_spec_init (&us);
    us.login = login64;
    us.first_name = "Zoë";
    us.last_name = "Ōkubo-Æther";
    us.email = "zoe+tag@example.co.uk";
    us.mobile_phone = "+81 (3) 1234-5678";
    us.password = "12345678";
    r = lk_engine_enroll_user (f->engine, f->account, &us, &error);
    g_assert_no_error (error);
  }
}

static void
test_other_operations (Fixture *f, gconstpointer data)
{
  g_autoptr(LkDevice) d = add_user_with_device (f, "zed", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *huge = g_strnfill (100000, '1');

  /* Huge or malformed OTPs, challenges, device ids, prefixes. */
  g_assert_false (lk_engine_validate_otp (f->engine, f->account, "zed", NULL, huge, NULL, NULL, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_OTP_INVALID);
  g_clear_error (&error);
  g_assert_false (lk_engine_activate_device (f->engine, f->account, "zed", d->serial, huge, "123456", &error));
  assert_engine_error (error, LK_ENGINE_ERROR_OTP_INVALID);
  g_clear_error (&error);
  g_assert_false (lk_engine_activate_device (f->engine, f->account, "zed", d->serial, "12345x", "123456", &error));
  assert_engine_error (error, LK_ENGINE_ERROR_OTP_INVALID);
  g_clear_error (&error);
  g_assert_null (lk_engine_provision_device (f->engine, f->account, "zed", d->serial, huge, NULL, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (lk_engine_find_users (f->engine, f->account, huge, 0, 10, NULL, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (lk_engine_find_user (f->engine, f->account, huge, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_USER_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (lk_engine_find_device (f->engine, f->account, huge, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_DEVICE_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (lk_engine_validate_user (f->engine, f->account, "zed", huge, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_USER_LOGIN_FAILED);
  g_clear_error (&error);
  /* The device is unchanged by all of that. */
  {
    g_autoptr(LkDevice) after = lk_engine_find_device (f->engine, f->account, d->serial, &error);
    g_assert_cmpint (after->state, ==, LK_DEVICE_STATE_NEW);
    g_assert_null (after->physical_device_id);
    g_assert_cmpuint (after->fail_count, ==, 0);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  FIXTURE_TEST ("/engine/badinput/device-fields", test_device_fields);
  FIXTURE_TEST ("/engine/badinput/user-fields", test_user_fields);
  FIXTURE_TEST ("/engine/badinput/other-operations", test_other_operations);

  return g_test_run ();
}
