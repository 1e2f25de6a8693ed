/* SPDX-License-Identifier: GPL-3.0-or-later
 * Users: enrolment (generated and given passwords, with a first device),
 * find, prefix search with paging, update, delete, validate_user, audit. */
#include "config.h"

#include "engine-test-util.h"

static LkEnrollResult *
enroll (Fixture    *f,
        const char *login,
        const char *first,
        const char *last,
        const char *email,
        const char *password,
        GError    **error)
{
  LkUserSpec us;

  lk_user_spec_init (&us);
  us.login = login;
  us.first_name = first;
  us.last_name = last;
  us.email = email;
  us.password = password;
  return lk_engine_enroll_user (f->engine, f->account, &us, error);
}

static void
test_enroll_generated_password (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkEnrollResult) r = enroll (f, "Mandy", "Mandy", "Last", "Mandy5@myco.com", NULL, &error);
  g_autoptr(LkUser) found = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (r->generated_password);
  g_assert_cmpuint (strlen (r->generated_password), ==, 20);
  g_assert_null (r->device);
  g_assert_cmpstr (r->user->login, ==, "Mandy");
  g_assert_cmpstr (r->user->email, ==, "Mandy5@myco.com");
  g_assert_true (r->user->enabled);
  g_assert_cmpint (r->user->created_at, ==, f->now);

  g_assert_true (lk_engine_validate_user (f->engine, f->account, "mandy", r->generated_password, &error));
  g_assert_no_error (error);
  g_assert_false (lk_engine_validate_user (f->engine, f->account, "mandy", "not-the-password", &error));
  assert_engine_error (error, LK_ENGINE_ERROR_USER_LOGIN_FAILED);
  g_clear_error (&error);
  g_assert_false (lk_engine_validate_user (f->engine, f->account, "mandy", NULL, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_USER_LOGIN_FAILED);
  g_clear_error (&error);
  g_assert_false (lk_engine_validate_user (f->engine, f->account, "nobody", "whatever-pass", &error));
  assert_engine_error (error, LK_ENGINE_ERROR_USER_NOT_FOUND);
  g_clear_error (&error);

  found = lk_engine_find_user (f->engine, f->account, "MANDY", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found->login, ==, "Mandy");
  g_assert_cmpint (found->last_login_at, ==, f->now);

  /* Login names are unique regardless of case. */
  {
    g_autoptr(LkEnrollResult) dup = enroll (f, "MANDY", NULL, NULL, NULL, NULL, &error);
    g_assert_null (dup);
    assert_engine_error (error, LK_ENGINE_ERROR_USER_EXISTS);
  }
}

static void
test_enroll_with_device (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkEnrollResult) r = NULL;
  g_autoptr(LkUser) u = NULL;
  LkUserSpec us;

  /* The vendor's EnrollUser sample: desktop token, time based, 6 digits, 30 s. */
  lk_user_spec_init (&us);
  us.login = "Mandy";
  us.first_name = "Mandy";
  us.last_name = "Last";
  us.password = "M@5ndy58!";
  us.email = "Mandy5@myco.com";
  us.mobile_phone = "+1(407)555-1212";
  us.with_device = TRUE;
  us.device.device_type = LK_DEVICE_TYPE_DESKTOP;
  us.device.otp_type = LK_OTP_TYPE_TIME;
  us.device.otp_length = 6;
  us.device.window_size = 30;
  us.device.otp_pin = "";
  us.device.notification_method = LK_NOTIFY_EMAIL;
  r = lk_engine_enroll_user (f->engine, f->account, &us, &error);
  g_assert_no_error (error);
  g_assert_null (r->generated_password);
  g_assert_nonnull (r->device);
  g_assert_cmpint (r->device->device_type, ==, LK_DEVICE_TYPE_DESKTOP);
  g_assert_cmpint (r->device->otp_type, ==, LK_OTP_TYPE_TIME);
  g_assert_cmpuint (r->device->period, ==, 30);
  g_assert_cmpstr (r->device->user_login, ==, "Mandy");
  g_assert_cmpint (r->device->state, ==, LK_DEVICE_STATE_NEW);
  g_assert_cmpint (r->outbox_id, >, 0);
  g_assert_true (lk_engine_validate_user (f->engine, f->account, "Mandy", "M@5ndy58!", &error));
  u = lk_engine_find_user (f->engine, f->account, "Mandy", &error);
  g_assert_cmpuint (u->device_count, ==, 1);

  /* All or nothing: a bad device leaves no user behind. */
  us.login = "half";
  us.device.device_type = 9;
  g_assert_null (lk_engine_enroll_user (f->engine, f->account, &us, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_DEVICE_TYPE_INVALID);
  g_clear_error (&error);
  g_assert_null (lk_engine_find_user (f->engine, f->account, "half", &error));
  assert_engine_error (error, LK_ENGINE_ERROR_USER_NOT_FOUND);
  g_clear_error (&error);

  /* A welcome message needs an address. */
  lk_user_spec_init (&us);
  us.login = "noemail";
  us.with_device = TRUE;
  us.device.notification_method = LK_NOTIFY_EMAIL;
  g_assert_null (lk_engine_enroll_user (f->engine, f->account, &us, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_INVALID_DELIVERY);
}

static void
test_find_users (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) page = NULL;
  guint total = 0;

  g_assert_true (lk_engine_batch_begin (f->engine, &error));
  for (guint i = 0; i < 250; i++)
    {
      g_autofree char *login = g_strdup_printf ("user%03u", i);
      g_autofree char *email = g_strdup_printf ("%s@corp.example", i % 2 ? "odd" : "even");
      g_autoptr(LkEnrollResult) r = enroll (f, login, i == 7 ? "Zoë" : "Sam", i == 42 ? "Zimmer" : "Smith",
                                            email, NULL, &error);
      g_assert_no_error (error);
      g_assert_nonnull (r);
    }
  g_assert_true (lk_engine_batch_commit (f->engine, &error));
  {
    g_autoptr(LkEnrollResult) r = enroll (f, "alpha", "Al", "Pha", "x@y.example", NULL, &error);
    g_assert_nonnull (r);
  }

  /* Everyone, sorted by login, paged. */
  page = lk_engine_find_users (f->engine, f->account, NULL, 0, 10, &total, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (total, ==, 251);
  g_assert_cmpuint (page->len, ==, 10);
  g_assert_cmpstr (((LkUser *) page->pdata[0])->login, ==, "alpha");
  g_assert_cmpstr (((LkUser *) page->pdata[1])->login, ==, "user000");
  g_clear_pointer (&page, g_ptr_array_unref);
  page = lk_engine_find_users (f->engine, f->account, "", 245, 10, &total, &error);
  g_assert_cmpuint (page->len, ==, 6);
  g_assert_cmpstr (((LkUser *) page->pdata[5])->login, ==, "user249");
  g_clear_pointer (&page, g_ptr_array_unref);

  /* Prefix on login, case-insensitive. */
  page = lk_engine_find_users (f->engine, f->account, "USER1", 0, 5, &total, &error);
  g_assert_cmpuint (total, ==, 100);
  g_assert_cmpuint (page->len, ==, 5);
  g_assert_cmpstr (((LkUser *) page->pdata[0])->login, ==, "user100");
  g_clear_pointer (&page, g_ptr_array_unref);
  page = lk_engine_find_users (f->engine, f->account, "user12", 0, 100, &total, &error);
  g_assert_cmpuint (total, ==, 10);
  g_clear_pointer (&page, g_ptr_array_unref);

  /* Prefix on first name, last name, email. */
  page = lk_engine_find_users (f->engine, f->account, "zo", 0, 100, &total, &error);
  g_assert_cmpuint (total, ==, 1);
  g_assert_cmpstr (((LkUser *) page->pdata[0])->first_name, ==, "Zoë");
  g_clear_pointer (&page, g_ptr_array_unref);
  page = lk_engine_find_users (f->engine, f->account, "ZIM", 0, 100, &total, &error);
  g_assert_cmpuint (total, ==, 1);
  g_assert_cmpstr (((LkUser *) page->pdata[0])->login, ==, "user042");
  g_clear_pointer (&page, g_ptr_array_unref);
  page = lk_engine_find_users (f->engine, f->account, "odd@", 0, 1000, &total, &error);
  g_assert_cmpuint (total, ==, 125);
  g_assert_cmpuint (page->len, ==, 125);
  g_clear_pointer (&page, g_ptr_array_unref);
  /* Not a substring search. */
  page = lk_engine_find_users (f->engine, f->account, "ser", 0, 100, &total, &error);
  g_assert_cmpuint (total, ==, 0);
  g_assert_cmpuint (page->len, ==, 0);
}

/* Enough users that a common prefix takes the "broad" plan (walk the
 * login index in order) and a rare one the "narrow" plan (merge index
 * ranges): both must give the same kind of answer. */
static void
test_find_users_broad (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) page = NULL;
  guint total = 0;

  g_assert_true (lk_engine_batch_begin (f->engine, &error));
  for (guint i = 0; i < 4600; i++)
    {
      g_autofree char *login = g_strdup_printf ("m%04u", 4599 - i);
      g_autoptr(LkEnrollResult) r = enroll (f, login, i % 3 == 0 ? "Maria" : "Jo", "Doe", NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_nonnull (r);
    }
  g_assert_true (lk_engine_batch_commit (f->engine, &error));
  {
    g_autoptr(LkEnrollResult) r = enroll (f, "zed", "Mark", "Doe", NULL, NULL, &error);
    g_assert_nonnull (r);
  }

  /* "m": every login (4600) plus Maria/Mark first names: broad. */
  page = lk_engine_find_users (f->engine, f->account, "M", 0, 20, &total, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (total, ==, 4601);
  g_assert_cmpuint (page->len, ==, 20);
  g_assert_cmpstr (((LkUser *) page->pdata[0])->login, ==, "m0000");
  g_assert_cmpstr (((LkUser *) page->pdata[19])->login, ==, "m0019");
  g_clear_pointer (&page, g_ptr_array_unref);
  page = lk_engine_find_users (f->engine, f->account, "m", 4590, 20, &total, &error);
  g_assert_cmpuint (page->len, ==, 11);
  g_assert_cmpstr (((LkUser *) page->pdata[10])->login, ==, "zed");
  g_clear_pointer (&page, g_ptr_array_unref);
  /* "doe": everyone by last name. */
  page = lk_engine_find_users (f->engine, f->account, "doe", 0, 5, &total, &error);
  g_assert_cmpuint (total, ==, 4601);
  g_clear_pointer (&page, g_ptr_array_unref);
  /* "mar": 1534 Marias and Mark, narrow. */
  page = lk_engine_find_users (f->engine, f->account, "mar", 0, 1000, &total, &error);
  g_assert_cmpuint (total, ==, 1534 + 1);
  g_assert_cmpuint (page->len, ==, 1000);
  for (guint i = 1; i < page->len; i++)
    g_assert_cmpstr (((LkUser *) page->pdata[i - 1])->login, <, ((LkUser *) page->pdata[i])->login);
  g_clear_pointer (&page, g_ptr_array_unref);
  page = lk_engine_find_users (f->engine, f->account, "m000", 0, 100, &total, &error);
  g_assert_cmpuint (total, ==, 10);
}

/* The reference order of each LkUserSort, on the test's ASCII names (their
 * normalised form is the lower-case one), ties broken by id. */
static LkUserSort reference_sort;

static int
cmp_text (const char *a,
          const char *b)
{
  g_autofree char *x = g_ascii_strdown (a, -1);
  g_autofree char *y = g_ascii_strdown (b, -1);

  return strcmp (x, y);
}

static int
reference_compare (gconstpointer pa,
                   gconstpointer pb)
{
  const LkUser *a = *(const LkUser *const *) pa;
  const LkUser *b = *(const LkUser *const *) pb;
  int c = 0;

  switch (reference_sort)
    {
    case LK_USER_SORT_LOGIN:
      return cmp_text (a->login, b->login);
    case LK_USER_SORT_NAME:
      c = cmp_text (a->first_name, b->first_name);
      if (c == 0)
        c = cmp_text (a->last_name, b->last_name);
      break;
    case LK_USER_SORT_EMAIL:
      c = cmp_text (a->email, b->email);
      break;
    case LK_USER_SORT_LAST_LOGIN:
      c = (a->last_login_at > b->last_login_at) - (a->last_login_at < b->last_login_at);
      break;
    case LK_USER_SORT_CREATED:
      c = (a->created_at > b->created_at) - (a->created_at < b->created_at);
      break;
    default:
      g_assert_not_reached ();
    }
  return c != 0 ? c : (a->id > b->id) - (a->id < b->id);
}

/* Pages through @prefix in @sort order, @limit at a time, and checks the
 * pages add up to every match exactly once, in the reference order. */
static void
check_sorted_pages (Fixture    *f,
                    const char *prefix,
                    LkUserSort  sort,
                    gboolean    descending,
                    guint       limit,
                    guint       expected_total)
{
  g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func ((GDestroyNotify) lk_user_free);
  g_autoptr(GPtrArray) reference = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint offset = 0;; offset += limit)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) page = NULL;
      guint total = 0;

      page = lk_engine_find_users_sorted (f->engine, f->account, prefix, sort, descending, offset, limit, &total, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (total, ==, expected_total);
      g_assert_cmpuint (page->len, ==, MIN (limit, total - MIN (offset, total)));
      for (guint i = 0; i < page->len; i++)
        g_ptr_array_add (all, g_steal_pointer (&page->pdata[i]));
      if (page->len < limit)
        break;
    }
  g_assert_cmpuint (all->len, ==, expected_total);
  reference = g_ptr_array_copy (all, NULL, NULL);
  g_ptr_array_set_free_func (reference, NULL);   /* the copy would free them twice */
  reference_sort = sort;
  g_ptr_array_sort (reference, reference_compare);
  for (guint i = 0; i < all->len; i++)
    {
      const LkUser *got = all->pdata[i];
      const LkUser *want = reference->pdata[descending ? all->len - 1 - i : i];

      g_assert_true (g_hash_table_add (seen, got->login));
      if (g_strcmp0 (got->login, want->login) != 0)
        g_error ("sort %s%s, prefix %s: position %u is %s, expected %s", lk_user_sort_to_string (sort),
                 descending ? " desc" : "", prefix ? prefix : "(none)", i, got->login, want->login);
    }
}

/* Every order, both directions, paged in small pages with and without a
 * prefix: names, emails and times repeat, so only the id keeps the pages
 * from overlapping. */
static void
test_find_users_sorted (Fixture *f, gconstpointer data)
{
  static const char *firsts[] = { "Ann", "bob", "Ann", "Cid", "ann" };
  static const char *lasts[] = { "Zed", "Young", "Zed", "Adams" };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) page = NULL;
  gint64 start = f->now;

  for (guint i = 0; i < 47; i++)
    {
      g_autofree char *login = g_strdup_printf ("%c%02u", "qaz"[i % 3], (i * 7) % 47);
      g_autofree char *email = g_strdup_printf ("%s@%s.example", firsts[i % G_N_ELEMENTS (firsts)], i % 2 ? "b" : "a");
      g_autoptr(LkEnrollResult) r = NULL;

      f->now = start + i / 4;   /* four users a second: created_at ties */
      r = enroll (f, login, firsts[i % G_N_ELEMENTS (firsts)], lasts[i % G_N_ELEMENTS (lasts)], email,
                  "sorted-password", &error);
      g_assert_no_error (error);
      if (i % 5 == 0)
        {
          f->now = start + 100 + i % 3;   /* last sign-in ties too; the others never signed in */
          g_assert_true (lk_engine_validate_user (f->engine, f->account, login, "sorted-password", &error));
          g_assert_no_error (error);
        }
    }

  for (LkUserSort sort = 0; sort <= LK_USER_SORT_LAST; sort++)
    for (int descending = 0; descending < 2; descending++)
      {
        check_sorted_pages (f, NULL, sort, descending, 6, 47);
        check_sorted_pages (f, "ann", sort, descending, 4, 28);   /* first names Ann and ann (and their emails) */
        check_sorted_pages (f, "a", sort, descending, 5, 38);      /* logins a…, Ann, ann, Adams */
      }

  /* The default order is the login order. */
  page = lk_engine_find_users (f->engine, f->account, NULL, 0, 3, NULL, &error);
  g_assert_cmpstr (((LkUser *) page->pdata[0])->login, ==, "a02");
  g_clear_pointer (&page, g_ptr_array_unref);

  /* An order nobody knows is a clear error, not a default. */
  page = lk_engine_find_users_sorted (f->engine, f->account, NULL, (LkUserSort) 99, FALSE, 0, 10, NULL, &error);
  g_assert_null (page);
  assert_engine_error (error, LK_ENGINE_ERROR_INVALID_ARGUMENT);
}

/* Broad prefixes in other orders: the bounded walk of the order's index
 * and the sorted index ranges must agree, including when every match sorts
 * after the walk's window (the walk finds too few and the ranges answer). */
static void
test_find_users_sorted_broad (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  gint64 start = f->now;

  g_assert_true (lk_engine_batch_begin (f->engine, &error));
  for (guint i = 0; i < 390; i++)
    {
      g_autofree char *login = g_strdup_printf ("m%04u", (i * 37) % 390);
      g_autoptr(LkEnrollResult) r = NULL;

      f->now = start + i / 10;
      r = enroll (f, login, i % 3 == 0 ? "Maria" : "Jo", i % 7 ? "Doe" : "Moe", NULL, NULL, &error);
      g_assert_no_error (error);
    }
  /* Created last, and matching "kk" on all four columns: four index
   * entries each, so the estimate calls "kk" broad. */
  for (guint i = 0; i < 1100; i++)
    {
      g_autofree char *login = g_strdup_printf ("kk%04u", i);
      g_autofree char *email = g_strdup_printf ("kk%04u@example.org", i);
      g_autoptr(LkEnrollResult) r = NULL;

      f->now = start + 1000 + i / 10;
      r = enroll (f, login, "Kk", "Kk", email, NULL, &error);
      g_assert_no_error (error);
    }
  g_assert_true (lk_engine_batch_commit (f->engine, &error));

  /* Kk sorts after the 130 Marias by name Z–A: the walk finds them. */
  check_sorted_pages (f, "kk", LK_USER_SORT_NAME, TRUE, 50, 1100);
  /* Created after the 390 others: the first page's window of 400 holds 10
   * of the 20 wanted, so the ranges answer; later windows hold enough. */
  check_sorted_pages (f, "kk", LK_USER_SORT_CREATED, FALSE, 20, 1100);
  check_sorted_pages (f, "kk", LK_USER_SORT_LOGIN, TRUE, 100, 1100);
  check_sorted_pages (f, "m", LK_USER_SORT_CREATED, TRUE, 70, 390);
}

static void
test_update_and_delete (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkDevice) device = add_user_with_device (f, "nora", NULL);
  g_autoptr(LkUser) u = NULL;
  g_autoptr(LkEnrollResult) other = NULL;
  LkUserUpdate up;

  lk_user_update_init (&up);
  up.first_name = "Nora";
  up.email = "";
  up.password = "a-new-password";
  f->now += 10;
  u = lk_engine_update_user (f->engine, f->account, "nora", &up, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (u->first_name, ==, "Nora");
  g_assert_cmpstr (u->email, ==, "");
  g_assert_cmpstr (u->mobile_phone, ==, "+44 20 7946 0000");
  g_assert_cmpint (u->updated_at, ==, f->now);
  g_assert_true (lk_engine_validate_user (f->engine, f->account, "nora", "a-new-password", &error));
  g_clear_pointer (&u, lk_user_free);

  /* Rename, then the old name is gone and the device follows. */
  lk_user_update_init (&up);
  up.new_login = "nora.n";
  u = lk_engine_update_user (f->engine, f->account, "nora", &up, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (u->login, ==, "nora.n");
  g_clear_pointer (&u, lk_user_free);
  {
    g_autoptr(LkDevice) d = lk_engine_find_device (f->engine, f->account, device->serial, &error);
    g_assert_cmpstr (d->user_login, ==, "nora.n");
  }
  /* Renaming onto an existing login is refused. */
  other = enroll (f, "olaf", NULL, NULL, NULL, NULL, &error);
  lk_user_update_init (&up);
  up.new_login = "OLAF";
  g_assert_null (lk_engine_update_user (f->engine, f->account, "nora.n", &up, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_USER_EXISTS);
  g_clear_error (&error);
  lk_user_update_init (&up);
  up.enabled = 5;
  g_assert_null (lk_engine_update_user (f->engine, f->account, "nora.n", &up, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  lk_user_update_init (&up);
  g_assert_null (lk_engine_update_user (f->engine, f->account, "ghost", &up, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_USER_NOT_FOUND);
  g_clear_error (&error);

  /* Disabled users cannot log in. */
  g_assert_true (lk_engine_set_user_enabled (f->engine, f->account, "nora.n", FALSE, &error));
  g_assert_false (lk_engine_validate_user (f->engine, f->account, "nora.n", "a-new-password", &error));
  assert_engine_error (error, LK_ENGINE_ERROR_USER_DISABLED);
  g_clear_error (&error);
  g_assert_true (lk_engine_set_user_enabled (f->engine, f->account, "nora.n", TRUE, &error));

  /* Delete takes the devices with it. */
  g_assert_true (lk_engine_delete_user (f->engine, f->account, "nora.n", &error));
  g_assert_no_error (error);
  g_assert_null (lk_engine_find_device (f->engine, f->account, device->serial, &error));
  assert_engine_error (error, LK_ENGINE_ERROR_DEVICE_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (lk_engine_delete_user (f->engine, f->account, "nora.n", &error));
  assert_engine_error (error, LK_ENGINE_ERROR_USER_NOT_FOUND);
}

static void
test_audit (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkEnrollResult) r = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  LkAuditEntry *e;

  lk_engine_set_actor (f->engine, "gui:helpdesk");
  r = enroll (f, "paul", NULL, NULL, NULL, "paul-password", &error);
  g_assert_false (lk_engine_validate_user (f->engine, f->account, "paul", "wrong-password", &error));
  g_clear_error (&error);
  {
    g_autoptr(LkEnrollResult) other = enroll (f, "quinn", NULL, NULL, NULL, NULL, &error);
    g_assert_nonnull (other);
  }

  entries = lk_engine_list_audit (f->engine, f->account, "PAUL", 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (entries->len, ==, 2);
  e = entries->pdata[0];   /* newest first */
  g_assert_cmpstr (e->operation, ==, "validate_user");
  g_assert_cmpint (e->result, ==, LK_ENGINE_ERROR_USER_LOGIN_FAILED);
  g_assert_cmpstr (e->actor, ==, "acme (gui:helpdesk)");
  g_assert_cmpstr (e->user_login, ==, "paul");
  e = entries->pdata[1];
  g_assert_cmpstr (e->operation, ==, "enroll_user");
  g_assert_cmpint (e->result, ==, 0);
  g_assert_cmpint (e->time, ==, f->now);
  g_clear_pointer (&entries, g_ptr_array_unref);

  /* No secret anywhere in the log. */
  entries = lk_engine_list_audit (f->engine, f->account, NULL, 0, 1000, &error);
  g_assert_cmpuint (entries->len, >=, 4);
  for (guint i = 0; i < entries->len; i++)
    {
      g_autofree char *all = NULL;
      e = entries->pdata[i];
      all = g_strjoin ("|", e->actor, e->operation, e->user_login ? e->user_login : "",
                       e->serial ? e->serial : "", e->detail ? e->detail : "", NULL);
      g_assert_null (strstr (all, "paul-password"));
      g_assert_null (strstr (all, "wrong-password"));
    }
  g_clear_pointer (&entries, g_ptr_array_unref);
  entries = lk_engine_list_audit (f->engine, f->account, NULL, 1, 1, &error);
  g_assert_cmpuint (entries->len, ==, 1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  FIXTURE_TEST ("/engine/users/enroll-generated-password", test_enroll_generated_password);
  FIXTURE_TEST ("/engine/users/enroll-with-device", test_enroll_with_device);
  FIXTURE_TEST ("/engine/users/find-users", test_find_users);
  FIXTURE_TEST ("/engine/users/find-users-broad", test_find_users_broad);
  FIXTURE_TEST ("/engine/users/find-users-sorted", test_find_users_sorted);
  FIXTURE_TEST ("/engine/users/find-users-sorted-broad", test_find_users_sorted_broad);
  FIXTURE_TEST ("/engine/users/update-delete", test_update_and_delete);
  FIXTURE_TEST ("/engine/users/audit", test_audit);

  return g_test_run ();
}
