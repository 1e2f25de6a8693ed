/* SPDX-License-Identifier: GPL-3.0-or-later
 * The contract suite: every engine operation, on success and on its main
 * error codes, through the LkBackend interface only. The same binary runs
 * against the embedded engine and against a real latchkeyd.
 *
 * Environment:
 *   LK_TEST_BACKEND       "local" (default) or "remote".
 *   local:  a fresh database in a temporary directory per test case, with a
 *           key file next to it; the account is created through the backend.
 *   remote: LK_TEST_SERVER_URL   the latchkeyd URL ("https://127.0.0.1:PORT")
 *           LK_TEST_SERVER_CERT  PEM file of the server certificate, pinned
 *           LK_TEST_ACCOUNT      an existing partner account on that server
 *           LK_TEST_ACCOUNT_KEY  its key
 *           Every test case uses its own random user and serial prefix, so
 *           the suite can run against one server database any number of times.
 */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "lk-backend.h"
#include "lk-backend-import.h"
#include "lk-secure.h"
#include "lk-local-backend.h"
#include "lk-otp.h"
#include "lk-remote-backend.h"

/* RFC 4226's test key and the first ten codes it gives. */
#define RFC4226_KEY_HEX "3132333435363738393031323334353637383930"
static const char *const rfc4226_codes[] = {
  "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489",
};

typedef struct
{
  LkBackend *backend;
  char      *dir;        /* local only */
  char      *prefix;     /* unique per test case: user and serial names */
  gboolean   remote;
} Fixture;

/* ---- waiting for one async call --------------------------------------------- */

static void
got_result (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  *slot = g_object_ref (result);
}

static GAsyncResult *
await (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

/* Runs one wrapper call and hands its result to the matching finish. */
#define CALL(f, async_call, finish_expr)                          \
  ({                                                              \
    GAsyncResult *res_ = NULL;                                    \
    GAsyncResult **res_slot_ = &res_;                             \
    async_call;                                                   \
    await (res_slot_);                                            \
    __auto_type out_ = (finish_expr);                             \
    g_clear_object (&res_);                                       \
    out_;                                                         \
  })
#define RES (*res_slot_)
#define CB got_result, res_slot_

static char *
name (Fixture    *f,
      const char *what)
{
  return g_strdup_printf ("%s-%s", f->prefix, what);
}

/* ---- fixture ---------------------------------------------------------------------- */

static LkBackend *
make_remote (const char *account,
             const char *key)
{
  const char *url = g_getenv ("LK_TEST_SERVER_URL");
  const char *cert = g_getenv ("LK_TEST_SERVER_CERT");
  g_autoptr(GError) error = NULL;
  g_autoptr(LkBackend) backend = NULL;

  g_assert_nonnull (url);
  backend = lk_remote_backend_new (url, account, key, &error);
  g_assert_no_error (error);
  if (cert != NULL && *cert != '\0')
    {
      lk_remote_backend_pin_certificate_file (LK_REMOTE_BACKEND (backend), cert, &error);
      g_assert_no_error (error);
    }
  return g_steal_pointer (&backend);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  const char *kind = g_getenv ("LK_TEST_BACKEND");
  g_autoptr(GError) error = NULL;

  f->prefix = g_strdup_printf ("c%08x", g_random_int ());
  f->remote = g_strcmp0 (kind, "remote") == 0;

  if (f->remote)
    {
      f->backend = make_remote (g_getenv ("LK_TEST_ACCOUNT"), g_getenv ("LK_TEST_ACCOUNT_KEY"));
    }
  else
    {
      g_autofree char *db = NULL;
      g_autofree char *key_path = NULL;
      g_autoptr(LkKeyProvider) keys = NULL;
      g_autoptr(LkApiRequest) create = lk_api_request_new (LK_API_OP_CREATE_ACCOUNT);
      g_autoptr(LkApiResponse) response = NULL;

      f->dir = g_dir_make_tmp ("lk-contract-XXXXXX", &error);
      g_assert_no_error (error);
      db = g_build_filename (f->dir, "engine.db", NULL);
      key_path = g_build_filename (f->dir, "engine.db.key", NULL);
      keys = lk_file_key_provider_new (key_path);
      f->backend = lk_local_backend_new (db, keys, "acme", "acme-partner-key");

      create->account_name = g_strdup ("acme");
      create->account_key = g_strdup ("acme-partner-key");
      response = lk_backend_call_sync (f->backend, g_steal_pointer (&create), NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpint (response->error_code, ==, 0);
    }
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *entry;

  while (dir != NULL && (entry = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, entry, NULL);

      g_remove (child);
    }
  g_rmdir (path);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_assert_finalize_object (f->backend);
  if (f->dir != NULL)
    remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->prefix);
}

/* ---- helpers for common steps --------------------------------------------- */

static LkEnrollResult *
enroll (Fixture    *f,
        const char *login,
        const char *password,
        const char *email,
        GError    **error)
{
  LkUserSpec spec;

  lk_user_spec_init (&spec);
  spec.login = login;
  spec.first_name = "Mandy";
  spec.last_name = "Last";
  spec.email = email;
  spec.password = password;
  return CALL (f, lk_backend_enroll_user_async (f->backend, &spec, NULL, CB),
               lk_backend_finish_enroll (f->backend, RES, error));
}

/* An event-based device with the RFC 4226 key for @login (NULL = unassigned). */
static LkDevice *
add_hotp (Fixture    *f,
          const char *login,
          const char *serial,
          GError    **error)
{
  LkDeviceSpec spec;

  lk_device_spec_init (&spec);
  spec.device_type = LK_DEVICE_TYPE_HARDWARE;
  spec.otp_type = LK_OTP_TYPE_EVENT;
  spec.otp_length = 6;
  spec.psn = serial;
  spec.secret_key_hex = RFC4226_KEY_HEX;
  return CALL (f, lk_backend_add_device_async (f->backend, login, &spec, NULL, CB),
               lk_backend_finish_device (f->backend, RES, error));
}

static gboolean
activate (Fixture    *f,
          const char *login,
          const char *serial,
          const char *otp1,
          const char *otp2,
          gboolean    sync,
          GError    **error)
{
  g_autoptr(LkDevice) device = CALL (f, lk_backend_activate_device_async (f->backend, login, serial, otp1, otp2,
                                                                          sync, NULL, CB),
                                     lk_backend_finish_device (f->backend, RES, error));

  return device != NULL;
}

static gboolean
validate (Fixture    *f,
          const char *login,
          const char *serial,
          const char *otp,
          GError    **error)
{
  return CALL (f, lk_backend_validate_otp_async (f->backend, login, serial, otp, NULL, NULL, CB),
               lk_backend_finish_validate_otp (f->backend, RES, NULL, error));
}

static char *
hotp (guint64 counter)
{
  g_autoptr(LkOtpKey) key = lk_otp_key_new (LK_HASH_SHA1, (const guint8 *) "12345678901234567890", 20, NULL);
  char code[LK_OTP_CODE_SIZE];

  lk_hotp_generate (key, counter, 6, code);
  return g_strdup (code);
}

/* A user with one active RFC 4226 device, counters 0 and 1 used. */
static void
user_with_active_device (Fixture  *f,
                         char    **out_login,
                         char    **out_serial)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkEnrollResult) enrolled = NULL;
  g_autoptr(LkDevice) device = NULL;
  char *login = name (f, "user");
  char *serial = name (f, "fob");

  enrolled = enroll (f, login, "Pa55word!", NULL, &error);
  g_assert_no_error (error);
  device = add_hotp (f, login, serial, &error);
  g_assert_no_error (error);
  g_assert_cmpint (device->state, ==, LK_DEVICE_STATE_NEW);
  g_assert_true (activate (f, login, serial, rfc4226_codes[0], rfc4226_codes[1], FALSE, &error));
  g_assert_no_error (error);
  *out_login = login;
  *out_serial = serial;
}

/* ---- tests --------------------------------------------------------------------------- */

static void
test_partner_login (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(LkBackend) wrong = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(LkUser) user = NULL;

  if (f->remote)
    wrong = make_remote (g_getenv ("LK_TEST_ACCOUNT"), "not-the-key");
  else
    {
      g_autofree char *db = g_build_filename (f->dir, "engine.db", NULL);
      g_autofree char *key_path = g_build_filename (f->dir, "engine.db.key", NULL);
      g_autoptr(LkKeyProvider) keys = lk_file_key_provider_new (key_path);

      wrong = lk_local_backend_new (db, keys, "acme", "not-the-key");
    }
  user = CALL (f, lk_backend_find_user_async (wrong, "anyone", NULL, CB),
               lk_backend_finish_user (wrong, RES, &error));
  g_assert_null (user);
  g_assert_error (error, LK_API_ERROR, LK_ENGINE_ERROR_PARTNER_LOGIN_FAILED);
}

static void
test_create_account (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(LkApiRequest) create = lk_api_request_new (LK_API_OP_CREATE_ACCOUNT);
  g_autoptr(LkApiResponse) response = NULL;
  g_autoptr(GError) error = NULL;

  create->account_name = g_strdup ("acme");
  create->account_key = g_strdup ("another-partner-key");
  response = lk_backend_call_sync (f->backend, g_steal_pointer (&create), NULL, &error);
  g_assert_no_error (error);
  /* Over the network accounts are never created; locally "acme" exists. */
  g_assert_cmpint (response->error_code, ==,
                   f->remote ? LK_API_ERROR_NOT_ALLOWED : LK_ENGINE_ERROR_ACCOUNT_EXISTS);
}

static void
test_users (Fixture       *f,
            gconstpointer  data)
{
  g_autofree char *login = name (f, "mandy");
  g_autofree char *other = name (f, "zed");
  g_autoptr(LkEnrollResult) enrolled = NULL;
  g_autoptr(LkEnrollResult) second = NULL;
  g_autoptr(LkUser) found = NULL;
  g_autoptr(LkUser) updated = NULL;
  g_autoptr(GError) error = NULL;
  LkUserUpdate update;
  gboolean ok;

  /* Enrolment without a password generates one, shown once. */
  enrolled = enroll (f, login, NULL, "mandy@example.com", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (enrolled->user->login, ==, login);
  g_assert_nonnull (enrolled->generated_password);
  g_assert_cmpuint (strlen (enrolled->generated_password), >=, 8);
  g_assert_null (enrolled->device);

  second = enroll (f, login, "x-Pa55word", NULL, &error);
  g_assert_null (second);
  g_assert_error (error, LK_API_ERROR, LK_ENGINE_ERROR_USER_EXISTS);
  g_clear_error (&error);

  second = enroll (f, NULL, NULL, NULL, &error);
  g_assert_null (second);
  g_assert_error (error, LK_API_ERROR, LK_ENGINE_ERROR_MISSING_FIELD);
  g_clear_error (&error);

  found = CALL (f, lk_backend_find_user_async (f->backend, login, NULL, CB),
                lk_backend_finish_user (f->backend, RES, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (found->email, ==, "mandy@example.com");
  g_assert_true (found->enabled);
  g_clear_pointer (&found, lk_user_free);

  found = CALL (f, lk_backend_find_user_async (f->backend, other, NULL, CB),
                lk_backend_finish_user (f->backend, RES, &error));
  g_assert_null (found);
  g_assert_error (error, LK_API_ERROR, LK_ENGINE_ERROR_USER_NOT_FOUND);
  g_clear_error (&error);

  /* The password check. */
  ok = CALL (f, lk_backend_validate_user_async (f->backend, login, enrolled->generated_password, NULL, CB),
             lk_backend_finish_boolean (f->backend, RES, &error));
  g_assert_no_error (error);
  g_assert_true (ok);
  ok = CALL (f, lk_backend_validate_user_async (f->backend, login, "wrong-password", NULL, CB),
             lk_backend_finish_boolean (f->backend, RES, &error));
  g_assert_false (ok);
  g_assert_error (error, LK_API_ERROR, LK_ENGINE_ERROR_USER_LOGIN_FAILED);
  g_clear_error (&error);

  /* Update, and disable: a disabled user cannot log in. */
  lk_user_update_init (&update);
  update.first_name = "Amanda";
  update.mobile_phone = "+15555550100";
  updated = CALL (f, lk_backend_update_user_async (f->backend, login, &update, NULL, CB),
                  lk_backend_finish_user (f->backend, RES, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (updated->first_name, ==, "Amanda");
  g_assert_cmpstr (updated->last_name, ==, "Last");
  g_assert_cmpstr (updated->mobile_phone, ==, "+15555550100");
  g_clear_pointer (&updated, lk_user_free);

  updated = CALL (f, lk_backend_set_user_enabled_async (f->backend, login, FALSE, NULL, CB),
                  lk_backend_finish_user (f->backend, RES, &error));
  g_assert_no_error (error);
  g_assert_false (updated->enabled);
  g_clear_pointer (&updated, lk_user_free);
  ok = CALL (f, lk_backend_validate_user_async (f->backend, login, enrolled->generated_password, NULL, CB),
             lk_backend_finish_boolean (f->backend, RES, &error));
  g_assert_false (ok);
  g_assert_error (error, LK_API_ERROR, LK_ENGINE_ERROR_USER_DISABLED);
  g_clear_error (&error);
  updated = CALL (f, lk_backend_set_user_enabled_async (f->backend, login, TRUE, NULL, CB),
                  lk_backend_finish_user (f->backend, RES, &error));
  g_assert_no_error (error);
  g_assert_true (updated->enabled);
  g_clear_pointer (&updated, lk_user_free);

  /* Renaming onto a taken login is refused. */
  g_clear_pointer (&second, lk_enroll_result_free);
  second = enroll (f, other, "Zed-Pa55word", NULL, &error);
  g_assert_no_error (error);
  lk_user_update_init (&update);
  update.new_login = other;
  updated = CALL (f, lk_backend_update_user_async (f->backend, login, &update, NULL, CB),
                  lk_backend_finish_user (f->backend, RES, &error));
  g_assert_null (updated);
  g_assert_error (error, LK_API_ERROR, LK_ENGINE_ERROR_USER_EXISTS);
  g_clear_error (&error);

  /* Delete; then it is gone. */
  ok = CALL (f, lk_backend_delete_user_async (f->backend, other, NULL, CB),
             lk_backend_finish_boolean (f->backend, RES, &error));
  g_assert_no_error (error);
  g_assert_true (ok);
  ok = CALL (f, lk_backend_delete_user_async (f->backend, other, NULL, CB),
             lk_backend_finish_boolean (f->backend, RES, &error));
  g_assert_false (ok);
  g_assert_error (error, LK_API_ERROR, LK_ENGINE_ERROR_USER_NOT_FOUND);
}

static void
test_find_users_paged (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) page = NULL;
  g_autofree char *first = NULL;
  guint total = 0;

  for (int i = 0; i < 5; i++)
    {
      g_autofree char *login = g_strdup_printf ("%s-page-%d", f->prefix, i);
      g_autoptr(LkEnrollResult) enrolled = enroll (f, login, "Pa55word!", NULL, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (enrolled->user->login, ==, login);
    }

  page = CALL (f, lk_backend_find_users_async (f->backend, f->prefix, 0, 2, NULL, CB),
               lk_backend_finish_users (f->backend, RES, &total, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (page->len, ==, 2);
  g_assert_cmpuint (total, ==, 5);
  first = g_strdup_printf ("%s-page-0", f->prefix);
  g_assert_cmpstr (((LkUser *) page->pdata[0])->login, ==, first);
  g_clear_pointer (&page, g_ptr_array_unref);

  /* The last page is short; past the end is empty; the total stays. */
  page = CALL (f, lk_backend_find_users_async (f->backend, f->prefix, 4, 2, NULL, CB),
               lk_backend_finish_users (f->backend, RES, &total, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (page->len, ==, 1);
  g_assert_cmpuint (total, ==, 5);
  g_clear_pointer (&page, g_ptr_array_unref);
  page = CALL (f, lk_backend_find_users_async (f->backend, f->prefix, 10, 2, NULL, CB),
               lk_backend_finish_users (f->backend, RES, &total, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (page->len, ==, 0);
  g_clear_pointer (&page, g_ptr_array_unref);

  /* Prefix search matches from the start only. */
  {
    g_autofree char *nothing = g_strdup_printf ("zz%s", f->prefix);

    page = CALL (f, lk_backend_find_users_async (f->backend, nothing, 0, 10, NULL, CB),
                 lk_backend_finish_users (f->backend, RES, &total, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (page->len, ==, 0);
    g_assert_cmpuint (total, ==, 0);
    g_clear_pointer (&page, g_ptr_array_unref);
  }

  /* Other orders travel through the backend: login Z-A pages from the
   * end; creation order newest first breaks same-second ties by id, which
   * is the enrolment order here. */
  page = CALL (f, lk_backend_find_users_sorted_async (f->backend, f->prefix, LK_USER_SORT_LOGIN, TRUE, 1, 2, NULL, CB),
               lk_backend_finish_users (f->backend, RES, &total, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (total, ==, 5);
  g_assert_cmpuint (page->len, ==, 2);
  g_assert_true (g_str_has_suffix (((LkUser *) page->pdata[0])->login, "-page-3"));
  g_assert_true (g_str_has_suffix (((LkUser *) page->pdata[1])->login, "-page-2"));
  g_clear_pointer (&page, g_ptr_array_unref);
  page = CALL (f, lk_backend_find_users_sorted_async (f->backend, f->prefix, LK_USER_SORT_CREATED, TRUE, 0, 5, NULL, CB),
               lk_backend_finish_users (f->backend, RES, &total, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (page->len, ==, 5);
  for (guint i = 0; i < page->len; i++)
    {
      g_autofree char *suffix = g_strdup_printf ("-page-%u", 4 - i);

      g_assert_true (g_str_has_suffix (((LkUser *) page->pdata[i])->login, suffix));
    }
}

static void
test_devices (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *login = name (f, "dev-user");
  g_autofree char *serial = name (f, "fob");
  g_autoptr(LkEnrollResult) enrolled = NULL;
  g_autoptr(LkDevice) device = NULL;
  g_autoptr(LkDevice) again = NULL;
  g_autoptr(LkProvisionResult) qr = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GError) error = NULL;
  LkDeviceSpec spec;
  guint total = 0;
  gboolean ok;

  enrolled = enroll (f, login, "Pa55word!", NULL, &error);
  g_assert_no_error (error);

  device = add_hotp (f, login, serial, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (device->serial, ==, serial);
  g_assert_cmpstr (device->user_login, ==, login);
  g_assert_cmpint (device->otp_type, ==, LK_OTP_TYPE_EVENT);
  g_assert_cmpint (device->device_type, ==, LK_DEVICE_TYPE_HARDWARE);

  /* The same serial twice; bad keys; bad enumerations. */
  again = add_hotp (f, login, serial, &error);
  g_assert_null (again);
  g_assert_error (error, LK_API_ERROR, LK_ENGINE_ERROR_DEVICE_EXISTS);
  g_clear_error (&error);

  lk_device_spec_init (&spec);
  spec.secret_key_hex = "not-hex";
  again = CALL (f, lk_backend_add_device_async (f->backend, login, &spec, NULL, CB),
                lk_backend_finish_device (f->backend, RES, &error));
  g_assert_null (again);
  g_assert_error (error, LK_API_ERROR, LK_ENGINE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  lk_device_spec_init (&spec);
  spec.device_type = 9;
  again = CALL (f, lk_backend_add_device_async (f->backend, login, &spec, NULL, CB),
                lk_backend_finish_device (f->backend, RES, &error));
  g_assert_null (again);
  g_assert_error (error, LK_API_ERROR, LK_ENGINE_ERROR_DEVICE_TYPE_INVALID);
  g_clear_error (&error);

  lk_device_spec_init (&spec);
  spec.otp_type = 7;
  again = CALL (f, lk_backend_add_device_async (f->backend, login, &spec, NULL, CB),
                lk_backend_finish_device (f->backend, RES, &error));
  g_assert_null (again);
  g_assert_error (error, LK_API_ERROR, LK_ENGINE_ERROR_OTP_TYPE_INVALID);
  g_clear_error (&error);

  /* The QR code of a new device: URI, PNG and SVG. */
  qr = CALL (f, lk_backend_get_device_qrcode_async (f->backend, login, serial, 0, NULL, CB),
             lk_backend_finish_provision (f->backend, RES, &error));
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (qr->uri, "otpauth://hotp/"));
  g_assert_nonnull (qr->png);
  g_assert_cmpuint (g_bytes_get_size (qr->png), >, 8);
  g_assert_cmpmem (g_bytes_get_data (qr->png, NULL), 8, "\x89PNG\r\n\x1a\n", 8);
  g_assert_nonnull (strstr (qr->svg, "<svg"));
  g_clear_pointer (&qr, lk_provision_result_free);

  /* A new device does not validate until activated with two OTPs. */
  ok = validate (f, login, serial, rfc4226_codes[0], &error);
  g_assert_false (ok);
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_false (activate (f, login, serial, rfc4226_codes[0], rfc4226_codes[2], FALSE, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_true (activate (f, login, serial, rfc4226_codes[0], rfc4226_codes[1], FALSE, &error));
  g_assert_no_error (error);

  /* An activated seed is never shown again. */
  qr = CALL (f, lk_backend_get_device_qrcode_async (f->backend, login, serial, 0, NULL, CB),
             lk_backend_finish_provision (f->backend, RES, &error));
  g_assert_null (qr);
  g_assert_error (error, LK_API_ERROR, LK_ENGINE_ERROR_DEVICE_IN_USE);
  g_clear_error (&error);

  /* Find, list. */
  g_clear_pointer (&device, lk_device_free);
  device = CALL (f, lk_backend_find_device_async (f->backend, serial, NULL, CB),
                 lk_backend_finish_device (f->backend, RES, &error));
  g_assert_no_error (error);
  g_assert_cmpint (device->state, ==, LK_DEVICE_STATE_ACTIVE);
  g_clear_pointer (&device, lk_device_free);
  {
    g_autofree char *missing = name (f, "no-such-fob");

    device = CALL (f, lk_backend_find_device_async (f->backend, missing, NULL, CB),
                   lk_backend_finish_device (f->backend, RES, &error));
    g_assert_null (device);
    g_assert_error (error, LK_API_ERROR, LK_ENGINE_ERROR_DEVICE_NOT_FOUND);
    g_clear_error (&error);
  }
  list = CALL (f, lk_backend_list_devices_async (f->backend, login, 0, 0, NULL, CB),
               lk_backend_finish_devices (f->backend, RES, &total, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 1);
  g_assert_cmpuint (total, ==, 1);
  g_assert_cmpstr (((LkDevice *) list->pdata[0])->serial, ==, serial);

  /* Delete the device; then it is gone. */
  ok = CALL (f, lk_backend_device_action_async (f->backend, serial, LK_DEVICE_ACTION_DELETE, NULL, CB),
             lk_backend_finish_boolean (f->backend, RES, &error));
  g_assert_no_error (error);
  g_assert_true (ok);
  device = CALL (f, lk_backend_find_device_async (f->backend, serial, NULL, CB),
                 lk_backend_finish_device (f->backend, RES, &error));
  g_assert_null (device);
  g_assert_error (error, LK_API_ERROR, LK_ENGINE_ERROR_DEVICE_NOT_FOUND);
}

static void
test_validate (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *login = NULL;
  g_autofree char *serial = NULL;
  g_autofree char *used = NULL;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  user_with_active_device (f, &login, &serial);

  ok = CALL (f, lk_backend_validate_otp_async (f->backend, login, NULL, rfc4226_codes[2], NULL, NULL, CB),
             lk_backend_finish_validate_otp (f->backend, RES, &used, &error));
  g_assert_no_error (error);
  g_assert_true (ok);
  g_assert_cmpstr (used, ==, serial);

  /* Replay; a wrong code; a code from ahead in the window. */
  g_assert_false (validate (f, login, serial, rfc4226_codes[2], &error));
  g_assert_error (error, LK_API_ERROR, LK_ENGINE_ERROR_OTP_ALREADY_USED);
  g_clear_error (&error);
  g_assert_false (validate (f, login, serial, "000000", &error));
  g_assert_error (error, LK_API_ERROR, LK_ENGINE_ERROR_OTP_INVALID);
  g_clear_error (&error);
  g_assert_true (validate (f, login, serial, rfc4226_codes[5], &error));
  g_assert_no_error (error);

  /* A user without devices. */
  {
    g_autofree char *bare = name (f, "bare");
    g_autoptr(LkEnrollResult) enrolled = enroll (f, bare, "Pa55word!", NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (enrolled->user->device_count, ==, 0);
    g_assert_false (validate (f, bare, NULL, rfc4226_codes[6], &error));
    g_assert_error (error, LK_API_ERROR, LK_ENGINE_ERROR_NO_DEVICES);
  }
}

static void
test_lockout_and_unlock (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *login = NULL;
  g_autofree char *serial = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(LkDevice) device = NULL;
  int i;

  user_with_active_device (f, &login, &serial);

  for (i = 0; i < 10; i++)
    {
      g_assert_false (validate (f, login, serial, "000000", &error));
      g_assert_nonnull (error);
      g_clear_error (&error);
    }
  /* Locked: even the right code is refused now. */
  g_assert_false (validate (f, login, serial, rfc4226_codes[2], &error));
  g_assert_error (error, LK_API_ERROR, LK_ENGINE_ERROR_LOCKED);
  g_clear_error (&error);

  device = CALL (f, lk_backend_device_action_async (f->backend, serial, LK_DEVICE_ACTION_UNLOCK, NULL, CB),
                 lk_backend_finish_device (f->backend, RES, &error));
  g_assert_no_error (error);
  g_assert_cmpint (device->state, ==, LK_DEVICE_STATE_ACTIVE);
  g_assert_cmpuint (device->fail_count, ==, 0);
  g_assert_true (validate (f, login, serial, rfc4226_codes[3], &error));
  g_assert_no_error (error);
}

static void
test_sync (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *login = NULL;
  g_autofree char *serial = NULL;
  g_autofree char *c100 = hotp (100);
  g_autofree char *c101 = hotp (101);
  g_autofree char *c102 = hotp (102);
  g_autoptr(GError) error = NULL;

  user_with_active_device (f, &login, &serial);

  /* Far outside the validation window... */
  g_assert_false (validate (f, login, serial, c100, &error));
  g_assert_error (error, LK_API_ERROR, LK_ENGINE_ERROR_OTP_INVALID);
  g_clear_error (&error);
  /* ...but inside the resync window with two consecutive codes. */
  g_assert_false (activate (f, login, serial, c100, c102, TRUE, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_true (activate (f, login, serial, c100, c101, TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (validate (f, login, serial, c102, &error));
  g_assert_no_error (error);
}

static void
test_enable_disable (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *login = NULL;
  g_autofree char *serial = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(LkDevice) device = NULL;

  user_with_active_device (f, &login, &serial);

  device = CALL (f, lk_backend_device_action_async (f->backend, serial, LK_DEVICE_ACTION_DISABLE, NULL, CB),
                 lk_backend_finish_device (f->backend, RES, &error));
  g_assert_no_error (error);
  g_assert_cmpint (device->state, ==, LK_DEVICE_STATE_DISABLED);
  g_clear_pointer (&device, lk_device_free);
  g_assert_false (validate (f, login, serial, rfc4226_codes[2], &error));
  g_assert_error (error, LK_API_ERROR, LK_ENGINE_ERROR_DEVICE_DISABLED);
  g_clear_error (&error);

  device = CALL (f, lk_backend_device_action_async (f->backend, serial, LK_DEVICE_ACTION_ENABLE, NULL, CB),
                 lk_backend_finish_device (f->backend, RES, &error));
  g_assert_no_error (error);
  g_assert_cmpint (device->state, ==, LK_DEVICE_STATE_ACTIVE);
  g_assert_true (validate (f, login, serial, rfc4226_codes[2], &error));
  g_assert_no_error (error);
}

static void
test_assign (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *alice = name (f, "alice");
  g_autofree char *bob = name (f, "bob");
  g_autofree char *stock = name (f, "stock");
  g_autoptr(LkEnrollResult) a = NULL;
  g_autoptr(LkEnrollResult) b = NULL;
  g_autoptr(LkDevice) device = NULL;
  g_autoptr(GPtrArray) unassigned = NULL;
  g_autoptr(GError) error = NULL;
  gboolean listed = FALSE;
  guint total = 0;

  a = enroll (f, alice, "Pa55word!", NULL, &error);
  g_assert_no_error (error);
  b = enroll (f, bob, "Pa55word!", NULL, &error);
  g_assert_no_error (error);

  /* A fob in stock, then given to alice. */
  device = add_hotp (f, NULL, stock, &error);
  g_assert_no_error (error);
  g_assert_null (device->user_login);
  g_clear_pointer (&device, lk_device_free);

  unassigned = CALL (f, lk_backend_list_devices_async (f->backend, NULL, 0, 1000, NULL, CB),
                     lk_backend_finish_devices (f->backend, RES, &total, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < unassigned->len; i++)
    listed |= g_str_equal (((LkDevice *) unassigned->pdata[i])->serial, stock);
  g_assert_true (listed);
  g_assert_cmpuint (total, >=, 1);

  device = CALL (f, lk_backend_assign_device_async (f->backend, stock, alice, NULL, CB),
                 lk_backend_finish_device (f->backend, RES, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (device->user_login, ==, alice);
  g_clear_pointer (&device, lk_device_free);

  device = CALL (f, lk_backend_assign_device_async (f->backend, stock, bob, NULL, CB),
                 lk_backend_finish_device (f->backend, RES, &error));
  g_assert_null (device);
  g_assert_error (error, LK_API_ERROR, LK_ENGINE_ERROR_DEVICE_IN_USE);
  g_clear_error (&error);

  device = CALL (f, lk_backend_device_action_async (f->backend, stock, LK_DEVICE_ACTION_UNASSIGN, NULL, CB),
                 lk_backend_finish_device (f->backend, RES, &error));
  g_assert_no_error (error);
  g_assert_null (device->user_login);
  g_clear_pointer (&device, lk_device_free);

  device = CALL (f, lk_backend_assign_device_async (f->backend, stock, bob, NULL, CB),
                 lk_backend_finish_device (f->backend, RES, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (device->user_login, ==, bob);
}

static void
test_provision (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *login = name (f, "phone-user");
  g_autoptr(LkEnrollResult) enrolled = NULL;
  g_autoptr(LkDevice) device = NULL;
  g_autoptr(LkProvisionResult) provision = NULL;
  g_autoptr(GError) error = NULL;
  LkDeviceSpec spec;

  enrolled = enroll (f, login, "Pa55word!", NULL, &error);
  g_assert_no_error (error);
  lk_device_spec_init (&spec);
  spec.device_type = LK_DEVICE_TYPE_MOBILE;
  spec.otp_type = LK_OTP_TYPE_TIME;
  device = CALL (f, lk_backend_add_device_async (f->backend, login, &spec, NULL, CB),
                 lk_backend_finish_device (f->backend, RES, &error));
  g_assert_no_error (error);
  g_assert_nonnull (device->serial);
  g_assert_cmpstr (device->serial, !=, "");

  provision = CALL (f, lk_backend_provision_device_async (f->backend, login, device->serial, "phone-A", NULL,
                                                          NULL, CB),
                    lk_backend_finish_provision (f->backend, RES, &error));
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (provision->uri, "otpauth://totp/"));
  g_assert_cmpstr (provision->device->physical_device_id, ==, "phone-A");
  g_clear_pointer (&provision, lk_provision_result_free);

  provision = CALL (f, lk_backend_provision_device_async (f->backend, login, device->serial, "phone-B", NULL,
                                                          NULL, CB),
                    lk_backend_finish_provision (f->backend, RES, &error));
  g_assert_null (provision);
  g_assert_error (error, LK_API_ERROR, LK_ENGINE_ERROR_DEVICE_IN_USE);
}

/* Drops the partner key: what token mode holds when a user provisions
 * their own device. */
static void
forget_partner_key (Fixture *f)
{
  if (f->remote)
    lk_remote_backend_set_credentials (LK_REMOTE_BACKEND (f->backend), g_getenv ("LK_TEST_ACCOUNT"), NULL);
  else
    lk_local_backend_set_credentials (LK_LOCAL_BACKEND (f->backend), "acme", NULL);
}

static LkProvisionResult *
self_provision (Fixture    *f,
                const char *login,
                const char *password,
                const char *serial,
                const char *physical_id,
                GError    **error)
{
  return CALL (f, lk_backend_self_provision_device_async (f->backend, login, password, serial, physical_id,
                                                          NULL, CB),
               lk_backend_finish_provision (f->backend, RES, error));
}

static void
test_self_provision (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *login = name (f, "self-user");
  g_autofree char *other = name (f, "other-user");
  g_autofree char *disabled = name (f, "gone-user");
  g_autoptr(LkEnrollResult) enrolled = NULL;
  g_autoptr(LkDevice) device = NULL;
  g_autoptr(LkDevice) others = NULL;
  g_autoptr(LkDevice) gones = NULL;
  g_autoptr(LkUser) user = NULL;
  g_autoptr(LkProvisionResult) provision = NULL;
  g_autoptr(GError) error = NULL;
  LkUserUpdate update;
  LkDeviceSpec spec;

  lk_device_spec_init (&spec);
  spec.device_type = LK_DEVICE_TYPE_DESKTOP;
  spec.otp_type = LK_OTP_TYPE_TIME;
  enrolled = enroll (f, login, "Pa55word!", NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&enrolled, lk_enroll_result_free);
  enrolled = enroll (f, other, "0ther-Pa55", NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&enrolled, lk_enroll_result_free);
  enrolled = enroll (f, disabled, "G0ne-Pa55", NULL, &error);
  g_assert_no_error (error);
  device = CALL (f, lk_backend_add_device_async (f->backend, login, &spec, NULL, CB),
                 lk_backend_finish_device (f->backend, RES, &error));
  g_assert_no_error (error);
  others = CALL (f, lk_backend_add_device_async (f->backend, other, &spec, NULL, CB),
                 lk_backend_finish_device (f->backend, RES, &error));
  g_assert_no_error (error);
  gones = CALL (f, lk_backend_add_device_async (f->backend, disabled, &spec, NULL, CB),
                lk_backend_finish_device (f->backend, RES, &error));
  g_assert_no_error (error);
  lk_user_update_init (&update);
  update.enabled = 0;
  user = CALL (f, lk_backend_update_user_async (f->backend, disabled, &update, NULL, CB),
               lk_backend_finish_user (f->backend, RES, &error));
  g_assert_no_error (error);

  forget_partner_key (f);

  /* A partner call without the key is still refused. */
  provision = CALL (f, lk_backend_provision_device_async (f->backend, login, device->serial, "desk-A", NULL,
                                                          NULL, CB),
                    lk_backend_finish_provision (f->backend, RES, &error));
  g_assert_null (provision);
  g_assert_error (error, LK_API_ERROR, LK_ENGINE_ERROR_MISSING_FIELD);
  g_clear_error (&error);

  /* Wrong password, unknown user, and another user's device: 9001 or
   * "not yours", and nothing is bound. */
  provision = self_provision (f, login, "wrong-password", device->serial, "desk-A", &error);
  g_assert_null (provision);
  g_assert_error (error, LK_API_ERROR, LK_ENGINE_ERROR_USER_LOGIN_FAILED);
  g_clear_error (&error);
  provision = self_provision (f, "nobody-here", "Pa55word!", device->serial, "desk-A", &error);
  g_assert_null (provision);
  g_assert_error (error, LK_API_ERROR, LK_ENGINE_ERROR_USER_LOGIN_FAILED);
  g_assert_null (strstr (error->message, "nobody"));
  g_clear_error (&error);
  provision = self_provision (f, login, "Pa55word!", others->serial, "desk-A", &error);
  g_assert_null (provision);
  g_assert_error (error, LK_API_ERROR, LK_ENGINE_ERROR_DEVICE_NOT_FOUND);
  g_clear_error (&error);
  provision = self_provision (f, disabled, "G0ne-Pa55", gones->serial, "desk-A", &error);
  g_assert_null (provision);
  g_assert_error (error, LK_API_ERROR, LK_ENGINE_ERROR_USER_DISABLED);
  g_clear_error (&error);

  /* The right password provisions and binds the physical id. */
  provision = self_provision (f, login, "Pa55word!", device->serial, "desk-A", &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (provision->uri, "otpauth://totp/"));
  g_assert_cmpstr (provision->device->physical_device_id, ==, "desk-A");
  g_clear_pointer (&provision, lk_provision_result_free);

  /* Another machine cannot take the same device. */
  provision = self_provision (f, login, "Pa55word!", device->serial, "desk-B", &error);
  g_assert_null (provision);
  g_assert_error (error, LK_API_ERROR, LK_ENGINE_ERROR_DEVICE_IN_USE);
}

static void
test_send_otp (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *login = NULL;
  g_autofree char *serial = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(LkUser) user = NULL;
  LkUserUpdate update;
  gint64 id;

  user_with_active_device (f, &login, &serial);

  /* No phone number: SMS cannot go anywhere. */
  id = CALL (f, lk_backend_send_otp_async (f->backend, login, NULL, LK_DELIVERY_SMS, NULL, CB),
             lk_backend_finish_send_otp (f->backend, RES, &error));
  g_assert_cmpint (id, ==, 0);
  g_assert_error (error, LK_API_ERROR, LK_ENGINE_ERROR_INVALID_DELIVERY);
  g_clear_error (&error);

  lk_user_update_init (&update);
  update.email = "mandy@example.com";
  user = CALL (f, lk_backend_update_user_async (f->backend, login, &update, NULL, CB),
               lk_backend_finish_user (f->backend, RES, &error));
  g_assert_no_error (error);
  id = CALL (f, lk_backend_send_otp_async (f->backend, login, serial, LK_DELIVERY_EMAIL, NULL, CB),
             lk_backend_finish_send_otp (f->backend, RES, &error));
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
}

static void
test_audit (Fixture       *f,
            gconstpointer  data)
{
  g_autofree char *login = NULL;
  g_autofree char *serial = NULL;
  g_autoptr(GPtrArray) audit = NULL;
  g_autoptr(GError) error = NULL;
  gboolean saw_failure = FALSE;

  user_with_active_device (f, &login, &serial);
  g_assert_false (validate (f, login, serial, "000000", &error));
  g_clear_error (&error);

  audit = CALL (f, lk_backend_list_audit_async (f->backend, login, 0, 0, NULL, CB),
                lk_backend_finish_audit (f->backend, RES, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (audit->len, >=, 3);
  for (guint i = 0; i < audit->len; i++)
    {
      LkAuditEntry *entry = audit->pdata[i];

      g_assert_cmpstr (entry->user_login, ==, login);
      if (g_strcmp0 (entry->operation, "validate_oath_otp") == 0 && entry->result == LK_ENGINE_ERROR_OTP_INVALID)
        saw_failure = TRUE;
      /* No secret ever reaches the audit log. */
      g_assert_null (entry->detail != NULL ? strstr (entry->detail, RFC4226_KEY_HEX) : NULL);
    }
  g_assert_true (saw_failure);
}

static void
test_cancelled (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(LkUser) user = NULL;

  g_cancellable_cancel (cancellable);
  user = CALL (f, lk_backend_find_user_async (f->backend, "anyone", cancellable, CB),
               lk_backend_finish_user (f->backend, RES, &error));
  g_assert_null (user);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* ---- bulk import (import_oath_devices / import_users, docs/bulk.md) -------- */

typedef struct
{
  GCancellable *cancel_after;   /* cancelled at the first progress past 0 (nullable) */
  guint         calls;
  guint         last_done;
  guint         total;
} BulkProgress;

static void
on_bulk_progress (guint    done,
                  guint    total,
                  gpointer user_data)
{
  BulkProgress *p = user_data;

  g_assert_cmpuint (done, >=, p->last_done);
  g_assert_cmpuint (done, <=, total);
  p->calls++;
  p->last_done = done;
  p->total = total;
  if (p->cancel_after != NULL && done > 0)
    g_cancellable_cancel (p->cancel_after);
}

/* @n HOTP fobs "<prefix>-fob-<i>" with counter i and a seed made from i. */
static GPtrArray *
make_keys (Fixture *f,
           guint    n)
{
  GPtrArray *keys = g_ptr_array_new_with_free_func ((GDestroyNotify) lk_pskc_key_free);

  for (guint i = 0; i < n; i++)
    {
      LkPskcKey *key = lk_pskc_key_new ();
      guint8 seed[20];

      for (guint b = 0; b < sizeof seed; b++)
        seed[b] = (guint8) (i * 31 + b);
      key->index = i + 1;
      key->serial = g_strdup_printf ("%s-fob-%u", f->prefix, i);
      key->kind = i % 2 ? LK_PSKC_TOTP : LK_PSKC_HOTP;
      key->digits = 6;
      key->period = 30;
      key->counter = i;
      key->time_drift = i % 2 ? -1 : 0;
      key->secret = lk_secure_bytes_new (seed, sizeof seed);
      g_ptr_array_add (keys, key);
    }
  return keys;
}

static LkBulkReport *
import_keys (Fixture       *f,
             GPtrArray     *keys,
             gboolean       dry_run,
             BulkProgress  *progress,
             GCancellable  *cancellable,
             GError       **error)
{
  return CALL (f, lk_backend_import_keys_async (f->backend, keys, dry_run, on_bulk_progress, progress, NULL,
                                                cancellable, CB),
               lk_backend_import_finish (f->backend, RES, error));
}

static void
test_bulk_import (Fixture       *f,
                  gconstpointer  data)
{
  const guint n = 700;
  g_autoptr(GPtrArray) keys = make_keys (f, n);
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(LkBulkReport) report = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(LkDevice) device = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *serial = g_strdup_printf ("%s-fob-%u", f->prefix, n - 1);
  g_autofree char *csv = NULL;
  BulkProgress progress = { 0 };
  guint first_run;

  /* A dry run: every key would be added, none is. */
  report = import_keys (f, keys, TRUE, &progress, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (report->dry_run);
  g_assert_cmpuint (report->counts[LK_BULK_ADDED], ==, n);
  g_assert_cmpuint (report->outcomes->len, ==, n);
  g_assert_cmpuint (progress.last_done, ==, n);
  /* More than one chunk: 500 items at most, 64 KiB at most. */
  g_assert_cmpuint (progress.calls, >=, 3);
  g_clear_pointer (&report, lk_bulk_report_free);
  device = CALL (f, lk_backend_find_device_async (f->backend, serial, NULL, CB),
                 lk_backend_finish_device (f->backend, RES, &error));
  g_assert_null (device);
  g_assert_error (error, LK_API_ERROR, LK_ENGINE_ERROR_DEVICE_NOT_FOUND);
  g_clear_error (&error);

  /* Cancelled after the first chunk: what was done is reported, the
   * rest is not touched. */
  memset (&progress, 0, sizeof progress);
  progress.cancel_after = cancellable;
  report = import_keys (f, keys, FALSE, &progress, cancellable, &error);
  g_assert_no_error (error);
  g_assert_true (report->cancelled);
  first_run = report->counts[LK_BULK_ADDED];
  g_assert_cmpuint (first_run, >, 0);
  g_assert_cmpuint (first_run, <, n);
  g_assert_cmpuint (report->outcomes->len, ==, first_run);
  g_clear_pointer (&report, lk_bulk_report_free);

  /* Run again: what is there is skipped, the rest added. One key now has
   * another seed under its serial: a conflict, left alone. */
  {
    LkPskcKey *changed = keys->pdata[0];
    guint8 other[20] = { 9, 9, 9 };

    g_bytes_unref (changed->secret);
    changed->secret = lk_secure_bytes_new (other, sizeof other);
  }
  memset (&progress, 0, sizeof progress);
  report = import_keys (f, keys, FALSE, &progress, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (report->cancelled);
  g_assert_cmpuint (report->counts[LK_BULK_CONFLICT], ==, 1);
  g_assert_cmpuint (report->counts[LK_BULK_SKIPPED], ==, first_run - 1);
  g_assert_cmpuint (report->counts[LK_BULK_ADDED], ==, n - first_run);
  g_assert_cmpuint (((LkBulkOutcome *) report->outcomes->pdata[0])->line, ==, 1);
  g_assert_cmpint (((LkBulkOutcome *) report->outcomes->pdata[0])->status, ==, LK_BULK_CONFLICT);
  g_clear_pointer (&report, lk_bulk_report_free);

  /* Counter and drift travelled with the key. */
  device = CALL (f, lk_backend_find_device_async (f->backend, serial, NULL, CB),
                 lk_backend_finish_device (f->backend, RES, &error));
  g_assert_no_error (error);
  g_assert_cmpint (device->device_type, ==, LK_DEVICE_TYPE_HARDWARE);
  g_assert_cmpint (device->otp_type, ==, LK_OTP_TYPE_TIME);
  g_assert_cmpint (device->time_shift, ==, -1);
  g_clear_pointer (&device, lk_device_free);
  g_free (serial);
  serial = g_strdup_printf ("%s-fob-%u", f->prefix, n - 2);
  device = CALL (f, lk_backend_find_device_async (f->backend, serial, NULL, CB),
                 lk_backend_finish_device (f->backend, RES, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (device->counter, ==, n - 2);

  /* Users from CSV rows: one gets an imported fob, a bad row fails alone,
   * and a second run skips them. */
  csv = g_strdup_printf ("login,first name,email,serial\n%s-ann,Ann,ann@example.org,%s\n"
                         "%s-bob,Bob,bob@example.org,\n,NoLogin,x@example.org,\n%s-cy,Cy,not-an-email,\n",
                         f->prefix, serial, f->prefix, f->prefix);
  rows = lk_bulk_user_rows (csv, strlen (csv), &error);
  g_assert_no_error (error);
  for (guint pass = 0; pass < 2; pass++)
    {
      memset (&progress, 0, sizeof progress);
      report = CALL (f, lk_backend_import_user_rows_async (f->backend, rows, FALSE, on_bulk_progress, &progress,
                                                           NULL, NULL, CB),
                     lk_backend_import_finish (f->backend, RES, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (report->total, ==, 4);
      g_assert_cmpuint (report->counts[LK_BULK_ADDED], ==, pass == 0 ? 2 : 0);
      g_assert_cmpuint (report->counts[LK_BULK_SKIPPED], ==, pass == 0 ? 0 : 2);
      g_assert_cmpuint (report->counts[LK_BULK_FAILED], ==, 2);
      g_assert_cmpuint (((LkBulkOutcome *) report->outcomes->pdata[2])->line, ==, 4);
      g_assert_cmpint (((LkBulkOutcome *) report->outcomes->pdata[2])->status, ==, LK_BULK_FAILED);
      g_assert_cmpuint (progress.last_done, ==, 4);
      g_clear_pointer (&report, lk_bulk_report_free);
    }
  g_clear_pointer (&device, lk_device_free);
  device = CALL (f, lk_backend_find_device_async (f->backend, serial, NULL, CB),
                 lk_backend_finish_device (f->backend, RES, &error));
  g_assert_no_error (error);
  g_assert_true (g_str_has_suffix (device->user_login, "-ann"));
}

/* Items near the size limits still fit the 64 KiB body: 64-byte seeds and
 * long serials make chunks of far fewer than 500 keys. */
static void
test_bulk_import_large_items (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func ((GDestroyNotify) lk_pskc_key_free);
  g_autoptr(LkBulkReport) report = NULL;
  g_autoptr(GError) error = NULL;
  BulkProgress progress = { 0 };

  for (guint i = 0; i < 600; i++)
    {
      LkPskcKey *key = lk_pskc_key_new ();
      guint8 seed[64];

      memset (seed, (int) i, sizeof seed);
      seed[0] = (guint8) (i >> 8);
      key->index = i + 1;
      key->serial = g_strdup_printf ("%s-%s-%04u", f->prefix, "long-serial-number-of-a-vendor-fob-xxxxxxxx", i);
      key->kind = LK_PSKC_TOTP;
      key->hash = LK_HASH_SHA512;
      key->digits = 8;
      key->period = 60;
      key->time_drift = -1000;
      key->secret = lk_secure_bytes_new (seed, sizeof seed);
      g_ptr_array_add (keys, key);
    }
  report = import_keys (f, keys, FALSE, &progress, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report->counts[LK_BULK_ADDED], ==, 600);
  /* 600 keys of ~340 bytes: more than two chunks. */
  g_assert_cmpuint (progress.calls, >=, 5);
}

static void
add (const char *path,
     void (*func) (Fixture *, gconstpointer))
{
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down);
}

int
main (int    argc,
      char **argv)
{
  const char *kind = g_getenv ("LK_TEST_BACKEND");

  /* The isolated XDG dirs hold no GSettings schemas, which GNOME's proxy
   * resolver needs; loopback tests want no proxy anyway. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  if (g_strcmp0 (kind, "remote") == 0
      && (g_getenv ("LK_TEST_SERVER_URL") == NULL || g_getenv ("LK_TEST_ACCOUNT") == NULL
          || g_getenv ("LK_TEST_ACCOUNT_KEY") == NULL))
    {
      g_printerr ("LK_TEST_BACKEND=remote needs LK_TEST_SERVER_URL, LK_TEST_ACCOUNT and LK_TEST_ACCOUNT_KEY\n");
      return 1;
    }

  add ("/api/contract/partner-login", test_partner_login);
  add ("/api/contract/create-account", test_create_account);
  add ("/api/contract/users", test_users);
  add ("/api/contract/find-users-paged", test_find_users_paged);
  add ("/api/contract/devices", test_devices);
  add ("/api/contract/validate", test_validate);
  add ("/api/contract/lockout-unlock", test_lockout_and_unlock);
  add ("/api/contract/sync", test_sync);
  add ("/api/contract/enable-disable", test_enable_disable);
  add ("/api/contract/assign", test_assign);
  add ("/api/contract/provision", test_provision);
  add ("/api/contract/self-provision", test_self_provision);
  add ("/api/contract/send-otp", test_send_otp);
  add ("/api/contract/audit", test_audit);
  add ("/api/contract/cancelled", test_cancelled);
  add ("/api/contract/bulk-import", test_bulk_import);
  add ("/api/contract/bulk-import-large-items", test_bulk_import_large_items);

  return g_test_run ();
}
