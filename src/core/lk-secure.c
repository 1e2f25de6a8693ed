/* SPDX-License-Identifier: GPL-3.0-or-later
 * Secret bytes: the kernel's CSPRNG, wiping that the compiler keeps, constant-time comparison. */
#include "config.h"

/* libc only, no OpenSSL: token mode's process computes codes without
 * mapping libcrypto (1.5 MiB of its RSS, docs/performance.md), and these
 * three are all it needed from it here. */
#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <glib/gi18n.h>

#include "lk-core-error.h"
#include "lk-secure.h"

gboolean
lk_random_bytes (guint8  *buf,
                 gsize    len,
                 GError **error)
{
  g_return_val_if_fail (buf != NULL || len == 0, FALSE);

  /* getrandom() blocks only until the kernel's pool is first seeded, and
   * may return fewer bytes than asked (above 256 bytes) or be interrupted. */
  while (len > 0)
    {
      ssize_t got = getrandom (buf, len, 0);

      if (got < 0 && errno == EINTR)
        continue;
      if (got <= 0)
        {
          g_set_error_literal (error, LK_CORE_ERROR, LK_CORE_ERROR_CRYPTO,
                               _("The system’s random number generator failed"));
          return FALSE;
        }
      buf += got;
      len -= (gsize) got;
    }
  return TRUE;
}

void
lk_secure_wipe (gpointer buf,
                gsize    len)
{
  /* explicit_bzero: a store the compiler may not drop as dead. */
  if (buf != NULL && len > 0)
    explicit_bzero (buf, len);
}

gboolean
lk_secure_equal (const void *a,
                 gsize       a_len,
                 const void *b,
                 gsize       b_len)
{
  const volatile guint8 *x = a, *y = b;
  guint8 diff = 0;

  /* The lengths of codes and MACs are public; only the contents are secret. */
  if (a_len != b_len)
    return FALSE;
  /* Every byte is read whatever the earlier ones were; volatile keeps the
   * compiler from stopping at the first difference. */
  for (gsize i = 0; i < a_len; i++)
    diff |= x[i] ^ y[i];
  return diff == 0;
}

gboolean
lk_secure_str_equal (const char *a,
                     const char *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return lk_secure_equal (a, strlen (a), b, strlen (b));
}

/* The free function of a secure GBytes: @data is the whole g_malloc'd block
 * with its length stored in front, so it can be wiped without the GBytes. */
typedef struct
{
  gsize  len;
  guint8 data[];
} SecureBlock;

static void
secure_block_free (gpointer data)
{
  SecureBlock *block = data;

  lk_secure_wipe (block->data, block->len);
  g_free (block);
}

GBytes *
lk_secure_bytes_new (const void *data,
                     gsize       len)
{
  SecureBlock *block;

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  block = g_malloc (sizeof (SecureBlock) + MAX (len, 1));
  block->len = len;
  if (len > 0)
    memcpy (block->data, data, len);
  return g_bytes_new_with_free_func (block->data, len, secure_block_free, block);
}

typedef struct
{
  gpointer data;
  gsize    len;
} TakenBlock;

static void
taken_block_free (gpointer user_data)
{
  TakenBlock *taken = user_data;

  lk_secure_wipe (taken->data, taken->len);
  g_free (taken->data);
  g_free (taken);
}

GBytes *
lk_secure_bytes_new_take (gpointer data,
                          gsize    len)
{
  TakenBlock *taken;

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  taken = g_new (TakenBlock, 1);
  taken->data = data;
  taken->len = len;
  return g_bytes_new_with_free_func (data, len, taken_block_free, taken);
}

void
lk_secure_str_free (char *str)
{
  if (str == NULL)
    return;
  lk_secure_wipe (str, strlen (str));
  g_free (str);
}
