/* SPDX-License-Identifier: GPL-3.0-or-later
 * Tests the secret-bytes helpers: random bytes, wiping, constant-time comparison, wiping GBytes. */
#include <string.h>
#include <glib.h>

#include "lk-secure.h"

static void
test_random (void)
{
  guint8 a[64] = { 0 }, b[64] = { 0 }, zero[64] = { 0 };
  g_autoptr(GError) error = NULL;

  g_assert_true (lk_random_bytes (a, sizeof a, &error));
  g_assert_no_error (error);
  g_assert_true (lk_random_bytes (b, sizeof b, &error));
  g_assert_true (memcmp (a, zero, sizeof a) != 0);
  g_assert_true (memcmp (a, b, sizeof a) != 0);
  g_assert_true (lk_random_bytes (NULL, 0, &error));
}

static void
test_wipe (void)
{
  char buffer[32];
  char *str = g_strdup ("hunter2");

  memset (buffer, 'x', sizeof buffer);
  lk_secure_wipe (buffer, 16);
  for (gsize i = 0; i < 16; i++)
    g_assert_cmpint (buffer[i], ==, 0);
  for (gsize i = 16; i < sizeof buffer; i++)
    g_assert_cmpint (buffer[i], ==, 'x');
  lk_secure_wipe (NULL, 10);
  lk_secure_wipe (buffer, 0);

  lk_secure_str_free (str);
  lk_secure_str_free (NULL);
}

static void
test_equal (void)
{
  const guint8 a[] = { 1, 2, 3, 4, 5, 6, 7, 8 };
  guint8 b[sizeof a];

  g_assert_true (lk_secure_equal (a, sizeof a, a, sizeof a));
  g_assert_true (lk_secure_equal (NULL, 0, NULL, 0));
  g_assert_true (lk_secure_equal (a, 0, NULL, 0));
  g_assert_false (lk_secure_equal (a, sizeof a, a, sizeof a - 1));
  /* A difference in any byte is seen. */
  for (gsize i = 0; i < sizeof a; i++)
    {
      memcpy (b, a, sizeof a);
      b[i] ^= 0x80;
      g_assert_false (lk_secure_equal (a, sizeof a, b, sizeof b));
      b[i] ^= 0x80;
      g_assert_true (lk_secure_equal (a, sizeof a, b, sizeof b));
    }

  g_assert_true (lk_secure_str_equal ("123456", "123456"));
  g_assert_false (lk_secure_str_equal ("123456", "123457"));
  g_assert_false (lk_secure_str_equal ("123456", "12345"));
  g_assert_false (lk_secure_str_equal ("", "0"));
  g_assert_true (lk_secure_str_equal ("", ""));
  g_assert_false (lk_secure_str_equal ("123456", NULL));
  g_assert_false (lk_secure_str_equal (NULL, "123456"));
  g_assert_true (lk_secure_str_equal (NULL, NULL));
}

static void
test_bytes (void)
{
  const char seed[] = "12345678901234567890";
  g_autoptr(GBytes) copy = lk_secure_bytes_new (seed, 20);
  g_autoptr(GBytes) empty = lk_secure_bytes_new (NULL, 0);
  guint8 *owned = g_memdup2 (seed, 20);
  g_autoptr(GBytes) taken = lk_secure_bytes_new_take (owned, 20);
  g_autoptr(GBytes) slice = NULL;

  g_assert_cmpmem (g_bytes_get_data (copy, NULL), g_bytes_get_size (copy), seed, 20);
  g_assert_true (g_bytes_get_data (copy, NULL) != (gconstpointer) seed);
  g_assert_cmpuint (g_bytes_get_size (empty), ==, 0);
  /* The taken buffer is used as it is, not copied. */
  g_assert_true (g_bytes_get_data (taken, NULL) == (gconstpointer) owned);
  g_assert_true (g_bytes_equal (copy, taken));

  /* A slice keeps the parent, and so its free function, alive. */
  slice = g_bytes_new_from_bytes (copy, 5, 5);
  g_clear_pointer (&copy, g_bytes_unref);
  g_assert_cmpmem (g_bytes_get_data (slice, NULL), 5, "67890", 5);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/core/secure/random", test_random);
  g_test_add_func ("/core/secure/wipe", test_wipe);
  g_test_add_func ("/core/secure/equal", test_equal);
  g_test_add_func ("/core/secure/bytes", test_bytes);

  return g_test_run ();
}
