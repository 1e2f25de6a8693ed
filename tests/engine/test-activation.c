/* SPDX-License-Identifier: GPL-3.0-or-later
 * Tests for lk-engine-activation: licences, AM1 → device code → AM2, test signatures, limits and atomicity. */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "lk-activation.h"
#include "lk-engine.h"
#include "lk-engine-activation.h"
#include "lk-otp.h"
#include "lk-secure.h"

typedef struct
{
  char          *dir;
  LkKeyProvider *keys;
  LkEngine      *engine;
  gint64         account;
  gint64         now;
} Fixture;

static gint64
fixture_clock (gpointer data)
{
  return ((Fixture *) data)->now;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  LkEngineConfig config;
  LkUserSpec user;

  f->dir = g_dir_make_tmp ("lk-activation-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (f->dir, "engine.db", NULL);
  f->keys = lk_memory_key_provider_new (NULL);
  f->now = 1767225600;

  lk_engine_config_init (&config);
  config.clock = fixture_clock;
  config.clock_data = f;
  config.password_kdf_log2n = 10;
  config.issuer = "ACME";
  f->engine = lk_engine_open (path, f->keys, &config, &error);
  g_assert_no_error (error);
  g_assert_true (lk_engine_create_account (f->engine, "acme", "partner-key-1", &f->account, &error));
  g_assert_no_error (error);

  lk_user_spec_init (&user);
  user.login = "alice";
  user.password = "correct horse battery";
  {
    g_autoptr(LkEnrollResult) enrolled = lk_engine_enroll_user (f->engine, f->account, &user, &error);
    g_assert_no_error (error);
  }
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *db = g_build_filename (f->dir, "engine.db", NULL);
  g_autofree char *wal = g_strconcat (db, "-wal", NULL);
  g_autofree char *shm = g_strconcat (db, "-shm", NULL);

  lk_engine_close (f->engine);
  g_object_unref (f->keys);
  g_unlink (db);
  g_unlink (wal);
  g_unlink (shm);
  g_rmdir (f->dir);
  g_free (f->dir);
}

/* A soft token: its binding secret, and what it keeps between AM1 and AM2. */
typedef struct
{
  guint8        binding[LK_ACTIVATION_BINDING_SECRET_SIZE];
  LkAm1        *am1;
  LkDeviceCode  code;
  char          code_text[LK_DEVICE_CODE_TEXT_SIZE];
} Token;

static void
token_init (Token  *t,
            guint8  fill)
{
  memset (t, 0, sizeof *t);
  memset (t->binding, fill, sizeof t->binding);
}

static void
token_clear (Token *t)
{
  g_clear_pointer (&t->am1, lk_am1_free);
}

static void
token_scan_am1 (Token      *t,
                const char *am1_text)
{
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&t->am1, lk_am1_free);
  t->am1 = lk_am1_parse (am1_text, &error);
  g_assert_no_error (error);
  g_assert_true (lk_device_code_compute (t->am1, t->binding, sizeof t->binding, &t->code, &error));
  g_assert_no_error (error);
  lk_device_code_format (&t->code, t->code_text);
}

/* Opens AM2 and returns the first OTP at @now; the seed goes to @out_seed. */
static char *
token_open_am2 (Token       *t,
                const char  *am2,
                gint64       now,
                GBytes     **out_seed)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) seed = NULL;
  g_autoptr(LkOtpKey) key = NULL;
  LkActivationOtp otp;
  guint64 counter = 0;
  char code[LK_OTP_CODE_SIZE];

  g_assert_true (lk_am2_open (am2, t->am1, &t->code, NULL, &otp, &counter, &seed, &error));
  g_assert_no_error (error);
  key = lk_otp_key_new (otp.algorithm, g_bytes_get_data (seed, NULL), g_bytes_get_size (seed), &error);
  g_assert_no_error (error);
  if (otp.type == LK_ACTIVATION_OTP_TOTP)
    lk_totp_generate (key, now, 0, otp.period, otp.digits, code);
  else
    lk_hotp_generate (key, counter, otp.digits, code);
  if (out_seed != NULL)
    *out_seed = g_steal_pointer (&seed);
  return g_strdup (code);
}

static LkLicence *
create_licence (Fixture    *f,
                const char *serial,
                int         max_instances,
                int         otp_type)
{
  g_autoptr(GError) error = NULL;
  LkLicenceSpec spec;
  LkLicence *licence;

  lk_licence_spec_init (&spec);
  spec.serial = serial;
  spec.login = "alice";
  spec.max_instances = max_instances;
  spec.otp_type = otp_type;
  licence = lk_engine_create_licence (f->engine, f->account, &spec, &error);
  g_assert_no_error (error);
  return licence;
}

static char *
start (Fixture    *f,
       const char *serial)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkActivationStart) s = lk_engine_start_activation (f->engine, f->account, serial, 0, 0, &error);

  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (s->am1, LK_AM1_PREFIX));
  g_assert_cmpint (s->expires_at, ==, f->now + 600);
  g_assert_cmpuint (s->max_attempts, ==, 5);
  return g_strdup (s->am1);
}

static guint
count_instances (Fixture    *f,
                 const char *serial,
                 int         state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = lk_engine_list_instances (f->engine, f->account, serial, &error);
  guint n = 0;

  g_assert_no_error (error);
  for (guint i = 0; i < list->len; i++)
    {
      LkInstance *instance = g_ptr_array_index (list, i);

      if (state < 0 || (int) instance->state == state)
        n++;
    }
  return n;
}

/* The whole exchange for one device; returns the instance number. */
static guint
activate (Fixture    *f,
          Token      *t,
          const char *serial,
          GBytes    **out_seed)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *am1 = start (f, serial);
  g_autoptr(LkAddDeviceResult) added = NULL;
  g_autofree char *otp = NULL;
  guint number;

  token_scan_am1 (t, am1);
  added = lk_engine_add_device_instance (f->engine, f->account, serial, t->code_text, &error);
  g_assert_no_error (error);
  g_assert_cmpint (added->instance->state, ==, LK_INSTANCE_PENDING);
  number = added->instance->number;

  otp = token_open_am2 (t, added->am2, f->now, out_seed);
  g_assert_true (lk_engine_verify_test_signature (f->engine, f->account, serial, number, otp, &error));
  g_assert_no_error (error);
  return number;
}

static void
test_licence (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkLicence) licence = create_licence (f, "LK-1", LK_UNSET, LK_UNSET);
  g_autoptr(LkLicence) found = NULL;
  LkLicenceSpec spec;
  LkLicence *none;

  g_assert_cmpstr (licence->serial, ==, "LK-1");
  g_assert_cmpstr (licence->user_login, ==, "alice");
  g_assert_cmpuint (licence->max_instances, ==, 3);
  g_assert_cmpint (licence->otp_type, ==, LK_OTP_TYPE_TIME);
  g_assert_cmpuint (licence->digits, ==, 6);
  g_assert_cmpuint (licence->period, ==, 30);
  g_assert_cmpstr (licence->issuer, ==, "ACME");
  g_assert_cmpstr (licence->label, ==, "alice");
  g_assert_cmpuint (licence->instances, ==, 0);

  found = lk_engine_find_licence (f->engine, f->account, "LK-1", &error);
  g_assert_no_error (error);
  g_assert_cmpint (found->id, ==, licence->id);

  none = create_licence (f, "LK-2", 2, LK_OTP_TYPE_EVENT);
  g_assert_cmpuint (none->window, ==, 10);
  lk_licence_free (none);

  lk_licence_spec_init (&spec);
  spec.serial = "LK-1";
  none = lk_engine_create_licence (f->engine, f->account, &spec, &error);
  g_assert_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_LICENCE_EXISTS);
  g_assert_null (none);
  g_clear_error (&error);

  struct { const char *serial; int max; int type; const char *algorithm; int digits; const char *login; int code; } bad[] = {
    { NULL, LK_UNSET, LK_UNSET, NULL, LK_UNSET, NULL, LK_ENGINE_ERROR_MISSING_FIELD },
    { "has space", LK_UNSET, LK_UNSET, NULL, LK_UNSET, NULL, LK_ENGINE_ERROR_INVALID_ARGUMENT },
    { "LK-3", 0, LK_UNSET, NULL, LK_UNSET, NULL, LK_ENGINE_ERROR_INVALID_ARGUMENT },
    { "LK-3", 101, LK_UNSET, NULL, LK_UNSET, NULL, LK_ENGINE_ERROR_INVALID_ARGUMENT },
    { "LK-3", LK_UNSET, LK_OTP_TYPE_OCRA, NULL, LK_UNSET, NULL, LK_ENGINE_ERROR_OTP_TYPE_INVALID },
    { "LK-3", LK_UNSET, LK_UNSET, "MD5", LK_UNSET, NULL, LK_ENGINE_ERROR_INVALID_ARGUMENT },
    { "LK-3", LK_UNSET, LK_UNSET, NULL, 4, NULL, LK_ENGINE_ERROR_INVALID_ARGUMENT },
    { "LK-3", LK_UNSET, LK_UNSET, NULL, LK_UNSET, "nobody", LK_ENGINE_ERROR_USER_NOT_FOUND },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      lk_licence_spec_init (&spec);
      spec.serial = bad[i].serial;
      spec.max_instances = bad[i].max;
      spec.otp_type = bad[i].type;
      spec.algorithm = bad[i].algorithm;
      spec.otp_length = bad[i].digits;
      spec.login = bad[i].login;
      none = lk_engine_create_licence (f->engine, f->account, &spec, &error);
      g_assert_null (none);
      g_assert_error (error, LK_ENGINE_ERROR, bad[i].code);
      g_clear_error (&error);
    }

  none = lk_engine_find_licence (f->engine, f->account, "LK-3", &error);
  g_assert_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_LICENCE_NOT_FOUND);
  g_assert_null (none);

  /* Every activation code has its own sentence for API clients. */
  for (int code = LK_ENGINE_ERROR_LICENCE_NOT_FOUND; code <= LK_ENGINE_ERROR_ACTIVATION_SUPERSEDED; code++)
    g_assert_cmpstr (lk_engine_error_describe (code), !=, lk_engine_error_describe (9699));
}

static void
test_full_flow (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkLicence) licence = create_licence (f, "LK-10", 3, LK_UNSET);
  g_autoptr(LkAddDeviceResult) added = NULL;
  g_autoptr(LkDevice) device = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GBytes) seed = NULL;
  g_autofree char *am1 = start (f, "LK-10");
  g_autofree char *otp = NULL;
  g_autofree char *wrong = NULL;
  Token t;

  token_init (&t, 0x11);
  token_scan_am1 (&t, am1);
  g_assert_cmpstr (t.am1->serial, ==, "LK-10");
  g_assert_cmpstr (t.am1->issuer, ==, "ACME");
  g_assert_cmpstr (t.am1->label, ==, "alice");

  /* The helpdesk types the code in lower case with spaces: still fine. */
  {
    g_autofree char *typed = g_ascii_strdown (t.code_text, -1);

    g_strdelimit (typed, "-", ' ');
    added = lk_engine_add_device_instance (f->engine, f->account, "LK-10", typed, &error);
  }
  g_assert_no_error (error);
  g_assert_cmpuint (added->instance->number, ==, 1);
  g_assert_cmpstr (added->instance->device_serial, ==, "LK-10-1");
  g_assert_true (g_str_has_prefix (added->am2, LK_AM2_PREFIX));

  /* The instance is a device of alice, new until the test signature. */
  device = lk_engine_find_device (f->engine, f->account, "LK-10-1", &error);
  g_assert_no_error (error);
  g_assert_cmpint (device->state, ==, LK_DEVICE_STATE_NEW);
  g_assert_cmpint (device->device_type, ==, LK_DEVICE_TYPE_MULTI_DEVICE);
  g_assert_cmpstr (device->user_login, ==, "alice");
  g_clear_pointer (&device, lk_device_free);

  otp = token_open_am2 (&t, added->am2, f->now, &seed);
  g_assert_cmpuint (g_bytes_get_size (seed), ==, 20);

  /* A wrong test signature keeps it pending. */
  wrong = g_strdup (otp);
  wrong[0] = wrong[0] == '9' ? '0' : wrong[0] + 1;
  g_assert_false (lk_engine_verify_test_signature (f->engine, f->account, "LK-10", 1, wrong, &error));
  g_assert_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_TEST_SIGNATURE_INVALID);
  g_clear_error (&error);
  g_assert_cmpuint (count_instances (f, "LK-10", LK_INSTANCE_PENDING), ==, 1);

  /* Guessing stops at the lockout: ten wrong ones lock the new device, and
   * then even the right code is refused. Checked on a second instance. */
  {
    g_autoptr(LkAddDeviceResult) other = NULL;
    g_autofree char *am1_b = start (f, "LK-10");
    g_autofree char *otp_b = NULL;
    Token guessed;

    token_init (&guessed, 0x12);
    token_scan_am1 (&guessed, am1_b);
    other = lk_engine_add_device_instance (f->engine, f->account, "LK-10", guessed.code_text, &error);
    g_assert_no_error (error);
    otp_b = token_open_am2 (&guessed, other->am2, f->now, NULL);
    for (int i = 0; i < 10; i++)
      {
        g_assert_false (lk_engine_verify_test_signature (f->engine, f->account, "LK-10", 2,
                                                         g_strcmp0 (otp_b, "000000") == 0 ? "000001" : "000000",
                                                         &error));
        g_assert_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_TEST_SIGNATURE_INVALID);
        g_clear_error (&error);
      }
    g_assert_false (lk_engine_verify_test_signature (f->engine, f->account, "LK-10", 2, otp_b, &error));
    g_assert_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_LOCKED);
    g_clear_error (&error);
    g_assert_true (lk_engine_deactivate_instance (f->engine, f->account, "LK-10", 2, &error));
    g_assert_no_error (error);
    token_clear (&guessed);
  }

  /* Read aloud a minute later: still accepted. */
  f->now += 55;
  g_assert_true (lk_engine_verify_test_signature (f->engine, f->account, "LK-10", 1, otp, &error));
  g_assert_no_error (error);

  device = lk_engine_find_device (f->engine, f->account, "LK-10-1", &error);
  g_assert_no_error (error);
  g_assert_cmpint (device->state, ==, LK_DEVICE_STATE_ACTIVE);

  list = lk_engine_list_instances (f->engine, f->account, "LK-10", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 2);
  g_assert_cmpint (((LkInstance *) list->pdata[0])->state, ==, LK_INSTANCE_ACTIVE);
  g_assert_cmpint (((LkInstance *) list->pdata[0])->activated_at, ==, f->now);
  g_assert_cmpint (((LkInstance *) list->pdata[1])->state, ==, LK_INSTANCE_DEACTIVATED);

  /* A second verification is refused: the instance is no longer pending. */
  g_assert_false (lk_engine_verify_test_signature (f->engine, f->account, "LK-10", 1, otp, &error));
  g_assert_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_INSTANCE_NOT_PENDING);
  g_clear_error (&error);

  g_assert_false (lk_engine_verify_test_signature (f->engine, f->account, "LK-10", 7, otp, &error));
  g_assert_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_INSTANCE_NOT_FOUND);

  token_clear (&t);
}

static void
test_hotp_licence (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(LkLicence) licence = create_licence (f, "LK-H", 2, LK_OTP_TYPE_EVENT);
  g_autoptr(LkDevice) device = NULL;
  g_autoptr(GError) error = NULL;
  Token t;

  token_init (&t, 0x21);
  g_assert_cmpuint (activate (f, &t, "LK-H", NULL), ==, 1);
  device = lk_engine_find_device (f->engine, f->account, "LK-H-1", &error);
  g_assert_no_error (error);
  g_assert_cmpint (device->otp_type, ==, LK_OTP_TYPE_EVENT);
  g_assert_cmpint (device->state, ==, LK_DEVICE_STATE_ACTIVE);
  /* The test signature used counter 0; the next login needs counter 1. */
  g_assert_cmpuint (device->counter, ==, 1);
  token_clear (&t);
}

static void
test_two_instances (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(LkLicence) licence = create_licence (f, "LK-20", 3, LK_UNSET);
  g_autoptr(GBytes) seed1 = NULL;
  g_autoptr(GBytes) seed2 = NULL;
  Token phone, laptop;

  token_init (&phone, 0x31);
  token_init (&laptop, 0x32);
  g_assert_cmpuint (activate (f, &phone, "LK-20", &seed1), ==, 1);
  g_assert_cmpuint (activate (f, &laptop, "LK-20", &seed2), ==, 2);
  g_assert_false (g_bytes_equal (seed1, seed2));
  g_assert_cmpuint (count_instances (f, "LK-20", LK_INSTANCE_ACTIVE), ==, 2);
  token_clear (&phone);
  token_clear (&laptop);
}

static void
test_replay_and_expiry (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkLicence) licence = create_licence (f, "LK-30", 3, LK_UNSET);
  g_autoptr(LkAddDeviceResult) added = NULL;
  g_autofree char *am1 = start (f, "LK-30");
  g_autofree char *am1_b = NULL;
  Token t, other;
  LkAddDeviceResult *none;

  token_init (&t, 0x41);
  token_init (&other, 0x42);
  token_scan_am1 (&t, am1);
  added = lk_engine_add_device_instance (f->engine, f->account, "LK-30", t.code_text, &error);
  g_assert_no_error (error);

  /* Replayed AM1: the same code again, or another device's code for it. */
  none = lk_engine_add_device_instance (f->engine, f->account, "LK-30", t.code_text, &error);
  g_assert_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_ACTIVATION_USED);
  g_assert_null (none);
  g_clear_error (&error);
  token_scan_am1 (&other, am1);
  none = lk_engine_add_device_instance (f->engine, f->account, "LK-30", other.code_text, &error);
  g_assert_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_ACTIVATION_USED);
  g_assert_null (none);
  g_clear_error (&error);
  g_assert_cmpuint (count_instances (f, "LK-30", -1), ==, 1);

  /* Expired: ten minutes and one second later. */
  am1_b = start (f, "LK-30");
  token_scan_am1 (&other, am1_b);
  f->now += 600;
  none = lk_engine_add_device_instance (f->engine, f->account, "LK-30", other.code_text, &error);
  g_assert_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_ACTIVATION_EXPIRED);
  g_assert_null (none);
  g_clear_error (&error);
  g_assert_cmpuint (count_instances (f, "LK-30", -1), ==, 1);
  g_assert_null (lk_engine_find_device (f->engine, f->account, "LK-30-2", &error));
  g_assert_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_DEVICE_NOT_FOUND);

  token_clear (&t);
  token_clear (&other);
}

static void
test_wrong_device_codes (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkLicence) licence = create_licence (f, "LK-40", 3, LK_UNSET);
  g_autofree char *am1 = start (f, "LK-40");
  g_autoptr(LkAm1) forged_am1 = NULL;
  LkActivationOtp otp = { LK_ACTIVATION_OTP_TOTP, LK_HASH_SHA1, 6, 30 };
  Token t, attacker;
  LkDeviceCode forged;
  char forged_text[LK_DEVICE_CODE_TEXT_SIZE];
  LkAddDeviceResult *none;

  token_init (&t, 0x51);
  token_init (&attacker, 0x52);
  token_scan_am1 (&t, am1);

  /* A typo (bad check character) costs nothing. */
  {
    g_autofree char *typo = g_strdup (t.code_text);

    typo[0] = typo[0] == 'Z' ? 'Y' : 'Z';
    for (int i = 0; i < 10; i++)
      {
        none = lk_engine_add_device_instance (f->engine, f->account, "LK-40", typo, &error);
        g_assert_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_DEVICE_CODE_INVALID);
        g_assert_null (none);
        g_clear_error (&error);
      }
  }

  /* Well-formed codes not made from this AM1 are wrong attempts. */
  forged_am1 = lk_am1_generate ("LK-40", NULL, NULL, &otp, f->now + 600, &error);
  g_assert_no_error (error);
  g_assert_true (lk_device_code_compute (forged_am1, attacker.binding, sizeof attacker.binding, &forged, &error));
  lk_device_code_format (&forged, forged_text);
  for (guint i = 1; i <= 4; i++)
    {
      g_autofree char *left = g_strdup_printf ("attempts left: %u", 5 - i);

      none = lk_engine_add_device_instance (f->engine, f->account, "LK-40", forged_text, &error);
      g_assert_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_DEVICE_CODE_INVALID);
      g_assert_nonnull (strstr (error->message, left));
      g_assert_null (none);
      g_clear_error (&error);
    }
  none = lk_engine_add_device_instance (f->engine, f->account, "LK-40", forged_text, &error);
  g_assert_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_ACTIVATION_LOCKED);
  g_assert_null (none);
  g_clear_error (&error);

  /* Now even the right code is refused, and nothing was made. */
  none = lk_engine_add_device_instance (f->engine, f->account, "LK-40", t.code_text, &error);
  g_assert_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_ACTIVATION_LOCKED);
  g_assert_null (none);
  g_clear_error (&error);
  g_assert_cmpuint (count_instances (f, "LK-40", -1), ==, 0);

  /* A new activation works again. */
  g_assert_cmpuint (activate (f, &t, "LK-40", NULL), ==, 1);

  token_clear (&t);
  token_clear (&attacker);
}

static void
test_superseded (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkLicence) licence = create_licence (f, "LK-45", 3, LK_UNSET);
  g_autofree char *first = start (f, "LK-45");
  g_autofree char *second = start (f, "LK-45");
  g_autoptr(LkAddDeviceResult) added = NULL;
  LkAddDeviceResult *none;
  Token t;

  token_init (&t, 0x55);
  token_scan_am1 (&t, first);
  none = lk_engine_add_device_instance (f->engine, f->account, "LK-45", t.code_text, &error);
  g_assert_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_DEVICE_CODE_INVALID);
  g_assert_null (none);
  g_clear_error (&error);

  token_scan_am1 (&t, second);
  added = lk_engine_add_device_instance (f->engine, f->account, "LK-45", t.code_text, &error);
  g_assert_no_error (error);
  token_clear (&t);
}

static void
test_max_instances (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkLicence) licence = create_licence (f, "LK-50", 2, LK_UNSET);
  g_autoptr(LkLicence) reread = NULL;
  g_autoptr(LkAddDeviceResult) again = NULL;
  g_autofree char *am1 = NULL;
  Token a, b, c;
  LkAddDeviceResult *none;

  token_init (&a, 0x61);
  token_init (&b, 0x62);
  token_init (&c, 0x63);
  g_assert_cmpuint (activate (f, &a, "LK-50", NULL), ==, 1);
  g_assert_cmpuint (activate (f, &b, "LK-50", NULL), ==, 2);

  am1 = start (f, "LK-50");
  token_scan_am1 (&c, am1);
  none = lk_engine_add_device_instance (f->engine, f->account, "LK-50", c.code_text, &error);
  g_assert_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_MAX_INSTANCES);
  g_assert_null (none);
  g_clear_error (&error);
  g_assert_cmpuint (count_instances (f, "LK-50", -1), ==, 2);
  g_assert_null (lk_engine_find_device (f->engine, f->account, "LK-50-3", &error));
  g_assert_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_DEVICE_NOT_FOUND);
  g_clear_error (&error);

  /* The refusal left the activation unused: free a slot and retry it. */
  g_assert_true (lk_engine_deactivate_instance (f->engine, f->account, "LK-50", 1, &error));
  g_assert_no_error (error);
  g_assert_null (lk_engine_find_device (f->engine, f->account, "LK-50-1", &error));
  g_assert_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_DEVICE_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (lk_engine_deactivate_instance (f->engine, f->account, "LK-50", 1, &error));
  g_assert_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_INSTANCE_NOT_FOUND);
  g_clear_error (&error);

  again = lk_engine_add_device_instance (f->engine, f->account, "LK-50", c.code_text, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (again->instance->number, ==, 3);

  reread = lk_engine_find_licence (f->engine, f->account, "LK-50", &error);
  g_assert_cmpuint (reread->instances, ==, 2);
  g_assert_cmpuint (count_instances (f, "LK-50", LK_INSTANCE_DEACTIVATED), ==, 1);

  token_clear (&a);
  token_clear (&b);
  token_clear (&c);
}

/* A second activation on the same device replaces its instance even when
 * the licence is full. */
static void
test_same_device (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkLicence) licence = create_licence (f, "LK-60", 1, LK_UNSET);
  g_autoptr(GPtrArray) list = NULL;
  Token t;
  LkInstance *second;

  token_init (&t, 0x71);
  g_assert_cmpuint (activate (f, &t, "LK-60", NULL), ==, 1);
  g_assert_cmpuint (activate (f, &t, "LK-60", NULL), ==, 2);

  list = lk_engine_list_instances (f->engine, f->account, "LK-60", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 2);
  g_assert_cmpint (((LkInstance *) list->pdata[0])->state, ==, LK_INSTANCE_DEACTIVATED);
  second = list->pdata[1];
  g_assert_cmpint (second->state, ==, LK_INSTANCE_ACTIVE);
  g_assert_cmpuint (second->replaces, ==, 1);
  g_assert_cmpstr (second->device_binding, ==, ((LkInstance *) list->pdata[0])->device_binding);
  token_clear (&t);
}

/* A failure after the checks (here: the instance's device serial is taken)
 * leaves no instance, no device and an unused activation. */
static void
test_atomic (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkLicence) licence = create_licence (f, "LK-70", 2, LK_UNSET);
  g_autoptr(LkDevice) squatter = NULL;
  g_autoptr(LkAddDeviceResult) added = NULL;
  g_autofree char *am1 = start (f, "LK-70");
  LkAddDeviceResult *none;
  LkDeviceSpec spec;
  Token t;

  lk_device_spec_init (&spec);
  spec.psn = "LK-70-1";
  squatter = lk_engine_add_device (f->engine, f->account, NULL, &spec, NULL, &error);
  g_assert_no_error (error);

  token_init (&t, 0x81);
  token_scan_am1 (&t, am1);
  none = lk_engine_add_device_instance (f->engine, f->account, "LK-70", t.code_text, &error);
  g_assert_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_DEVICE_EXISTS);
  g_assert_null (none);
  g_clear_error (&error);
  g_assert_cmpuint (count_instances (f, "LK-70", -1), ==, 0);

  /* Everything was rolled back, the instance number included: after the
   * squatter goes, the same activation makes instance 1. */
  g_assert_true (lk_engine_delete_device (f->engine, f->account, "LK-70-1", &error));
  g_assert_no_error (error);
  added = lk_engine_add_device_instance (f->engine, f->account, "LK-70", t.code_text, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (added->instance->number, ==, 1);
  token_clear (&t);
}

/* The challenge kind of test signature: an OCRA response to a challenge
 * the server drew, one answer per challenge. */
static void
test_challenge (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkLicence) licence = create_licence (f, "LK-90", 2, LK_OTP_TYPE_EVENT);
  g_autoptr(LkAddDeviceResult) added = NULL;
  g_autoptr(GBytes) seed = NULL;
  g_autoptr(LkDevice) device = NULL;
  g_autofree char *am1 = start (f, "LK-90");
  g_autofree char *challenge = NULL;
  g_autofree char *suite = NULL;
  LkActivationOtp otp = { LK_ACTIVATION_OTP_HOTP, LK_HASH_SHA1, 6, 0 };
  char response[LK_OTP_CODE_SIZE];
  Token t;

  token_init (&t, 0xa1);
  token_scan_am1 (&t, am1);
  added = lk_engine_add_device_instance (f->engine, f->account, "LK-90", t.code_text, &error);
  g_assert_no_error (error);
  g_free (token_open_am2 (&t, added->am2, f->now, &seed));

  /* No challenge issued yet. */
  g_assert_false (lk_engine_verify_test_response (f->engine, f->account, "LK-90", 1, "123456", &error));
  g_assert_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_TEST_SIGNATURE_INVALID);
  g_clear_error (&error);

  /* A wrong answer uses the challenge up; the right one then fails too. */
  challenge = lk_engine_issue_test_challenge (f->engine, f->account, "LK-90", 1, &suite, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (suite, ==, "OCRA-1:HOTP-SHA1-6:QN08");
  g_assert_true (lk_activation_test_response (&otp, g_bytes_get_data (seed, NULL), g_bytes_get_size (seed),
                                              challenge, response, &error));
  g_assert_no_error (error);
  {
    char wrong[LK_OTP_CODE_SIZE];

    memcpy (wrong, response, sizeof wrong);
    wrong[0] = wrong[0] == '9' ? '0' : wrong[0] + 1;
    g_assert_false (lk_engine_verify_test_response (f->engine, f->account, "LK-90", 1, wrong, &error));
    g_assert_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_TEST_SIGNATURE_INVALID);
    g_clear_error (&error);
  }
  g_assert_false (lk_engine_verify_test_response (f->engine, f->account, "LK-90", 1, response, &error));
  g_assert_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_TEST_SIGNATURE_INVALID);
  g_clear_error (&error);

  /* An expired challenge is refused. */
  g_clear_pointer (&challenge, g_free);
  challenge = lk_engine_issue_test_challenge (f->engine, f->account, "LK-90", 1, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (lk_activation_test_response (&otp, g_bytes_get_data (seed, NULL), g_bytes_get_size (seed),
                                              challenge, response, &error));
  f->now += 601;
  g_assert_false (lk_engine_verify_test_response (f->engine, f->account, "LK-90", 1, response, &error));
  g_assert_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_TEST_SIGNATURE_INVALID);
  g_clear_error (&error);

  /* A fresh one, answered in time: the instance is active. */
  g_clear_pointer (&challenge, g_free);
  challenge = lk_engine_issue_test_challenge (f->engine, f->account, "LK-90", 1, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (lk_activation_test_response (&otp, g_bytes_get_data (seed, NULL), g_bytes_get_size (seed),
                                              challenge, response, &error));
  g_assert_true (lk_engine_verify_test_response (f->engine, f->account, "LK-90", 1, response, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_instances (f, "LK-90", LK_INSTANCE_ACTIVE), ==, 1);

  /* OCRA used no HOTP counter: the first login code is still counter 0. */
  device = lk_engine_find_device (f->engine, f->account, "LK-90-1", &error);
  g_assert_no_error (error);
  g_assert_cmpint (device->state, ==, LK_DEVICE_STATE_ACTIVE);
  g_assert_cmpuint (device->counter, ==, 0);

  /* No more challenges for an active instance. */
  g_clear_pointer (&challenge, g_free);
  challenge = lk_engine_issue_test_challenge (f->engine, f->account, "LK-90", 1, NULL, &error);
  g_assert_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_INSTANCE_NOT_PENDING);
  g_assert_null (challenge);
  token_clear (&t);
}

/* A master key rotation re-seals seeds but not the short-lived activation
 * keys: a pending activation is then refused as expired and started again. */
static void
test_rotation (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkLicence) licence = create_licence (f, "LK-95", 3, LK_UNSET);
  g_autofree char *am1 = NULL;
  LkAddDeviceResult *none;
  Token a, b;

  token_init (&a, 0xb1);
  token_init (&b, 0xb2);
  g_assert_cmpuint (activate (f, &a, "LK-95", NULL), ==, 1);

  am1 = start (f, "LK-95");
  token_scan_am1 (&b, am1);
  g_assert_true (lk_engine_rotate_master_key (f->engine, NULL, &error));
  g_assert_no_error (error);
  none = lk_engine_add_device_instance (f->engine, f->account, "LK-95", b.code_text, &error);
  g_assert_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_ACTIVATION_EXPIRED);
  g_assert_null (none);
  g_clear_error (&error);
  g_assert_cmpuint (count_instances (f, "LK-95", -1), ==, 1);

  /* Started again under the new key, it works. */
  g_assert_cmpuint (activate (f, &b, "LK-95", NULL), ==, 2);
  token_clear (&a);
  token_clear (&b);
}

/* The audit has every step and none of the secrets. */
static void
test_audit (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkLicence) licence = create_licence (f, "LK-80", 2, LK_UNSET);
  g_autoptr(GPtrArray) audit = NULL;
  g_autoptr(GBytes) seed = NULL;
  g_autofree char *am1 = start (f, "LK-80");
  g_autofree char *key_hex = NULL;
  g_autofree char *seed_b32 = NULL;
  g_autoptr(LkAddDeviceResult) added = NULL;
  const char *operations[] = { "create_licence", "start_activation", "add_device_instance" };
  Token t;

  token_init (&t, 0x91);
  token_scan_am1 (&t, am1);
  added = lk_engine_add_device_instance (f->engine, f->account, "LK-80", t.code_text, &error);
  g_assert_no_error (error);
  g_free (token_open_am2 (&t, added->am2, f->now, &seed));

  key_hex = g_malloc (2 * LK_ACTIVATION_KEY_SIZE + 1);
  for (guint i = 0; i < LK_ACTIVATION_KEY_SIZE; i++)
    g_snprintf (key_hex + 2 * i, 3, "%02x", t.am1->activation_key[i]);
  {
    GString *s = g_string_new (NULL);
    const guint8 *d = g_bytes_get_data (seed, NULL);

    for (gsize i = 0; i < g_bytes_get_size (seed); i++)
      g_string_append_printf (s, "%02x", d[i]);
    seed_b32 = g_string_free (s, FALSE);
  }

  audit = lk_engine_list_audit (f->engine, f->account, NULL, 0, 0, &error);
  g_assert_no_error (error);
  for (gsize k = 0; k < G_N_ELEMENTS (operations); k++)
    {
      gboolean seen = FALSE;

      for (guint i = 0; i < audit->len; i++)
        {
          LkAuditEntry *entry = g_ptr_array_index (audit, i);

          if (g_str_equal (entry->operation, operations[k]) && entry->result == 0)
            seen = TRUE;
        }
      g_assert_true (seen);
    }
  for (guint i = 0; i < audit->len; i++)
    {
      LkAuditEntry *entry = g_ptr_array_index (audit, i);
      const char *fields[] = { entry->detail, entry->serial, entry->user_login, entry->actor };

      for (gsize k = 0; k < G_N_ELEMENTS (fields); k++)
        {
          if (fields[k] == NULL)
            continue;
          g_assert_null (strstr (fields[k], am1 + strlen (LK_AM1_PREFIX)));
          g_assert_null (strstr (fields[k], key_hex));
          g_assert_null (strstr (fields[k], t.code_text));
          g_assert_null (strstr (fields[k], seed_b32));
          g_assert_null (strstr (fields[k], added->am2 + strlen (LK_AM2_PREFIX)));
        }
    }
  token_clear (&t);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/engine/activation/licence", test_licence);
  ADD ("/engine/activation/full-flow", test_full_flow);
  ADD ("/engine/activation/hotp", test_hotp_licence);
  ADD ("/engine/activation/two-instances", test_two_instances);
  ADD ("/engine/activation/replay-and-expiry", test_replay_and_expiry);
  ADD ("/engine/activation/wrong-device-codes", test_wrong_device_codes);
  ADD ("/engine/activation/superseded", test_superseded);
  ADD ("/engine/activation/max-instances", test_max_instances);
  ADD ("/engine/activation/same-device", test_same_device);
  ADD ("/engine/activation/atomic", test_atomic);
  ADD ("/engine/activation/challenge", test_challenge);
  ADD ("/engine/activation/rotation", test_rotation);
  ADD ("/engine/activation/audit", test_audit);
#undef ADD

  return g_test_run ();
}
