/* SPDX-License-Identifier: GPL-3.0-or-later
 * Secret bytes: OpenSSL's CSPRNG, wiping that the compiler keeps, constant-time comparison. */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "lk-core-error.h"
#include "lk-secure.h"

gboolean
lk_random_bytes (guint8  *buf,
                 gsize    len,
                 GError **error)
{
  g_return_val_if_fail (buf != NULL || len == 0, FALSE);

  /* RAND_bytes takes an int; feed it in chunks so any gsize works. */
  while (len > 0)
    {
      int chunk = (int) MIN (len, (gsize) G_MAXINT32);

      if (RAND_bytes (buf, chunk) != 1)
        {
          g_set_error_literal (error, LK_CORE_ERROR, LK_CORE_ERROR_CRYPTO,
                               _("The system’s random number generator failed"));
          return FALSE;
        }
      buf += chunk;
      len -= (gsize) chunk;
    }
  return TRUE;
}

void
lk_secure_wipe (gpointer buf,
                gsize    len)
{
  if (buf != NULL && len > 0)
    OPENSSL_cleanse (buf, len);
}

gboolean
lk_secure_equal (const void *a,
                 gsize       a_len,
                 const void *b,
                 gsize       b_len)
{
  /* The lengths of codes and MACs are public; only the contents are secret. */
  if (a_len != b_len)
    return FALSE;
  if (a_len == 0)
    return TRUE;
  return CRYPTO_memcmp (a, b, a_len) == 0;
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
