/* SPDX-License-Identifier: GPL-3.0-or-later
 * libFuzzer target: the PSKC reader with the RFC 6030 figure 6 key and a
 * password, and the writer's output read back. */
#include "config.h"

#include <string.h>

#include "lk-pskc.h"
#include "lk-secure.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static void
check (GPtrArray    *keys,
       const GError *error)
{
  if (keys == NULL)
    {
      g_assert_nonnull (error);
      g_assert_true (error->domain == LK_BULK_ERROR);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      return;
    }
  for (guint i = 0; i < keys->len; i++)
    {
      LkPskcKey *k = keys->pdata[i];

      /* A key has either a secret or the reason it has none. */
      g_assert_true ((k->secret == NULL) != (k->error == NULL));
      g_assert_true (k->digits >= 6 && k->digits <= 10);
      g_assert_true (k->period > 0);
    }
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  static const guint8 key[16] = { 0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x34, 0x56,
                                  0x78, 0x90, 0x12, 0x34, 0x56, 0x78, 0x90, 0x12 };
  LkPskcProtection psk = { key, sizeof key, NULL, 0 };
  LkPskcProtection pw = { NULL, 0, "qwerty", 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) error2 = NULL;
  g_autoptr(GPtrArray) keys = lk_pskc_read ((const char *) data, size, &psk, &error);
  g_autoptr(GPtrArray) keys2 = lk_pskc_read ((const char *) data, size, &pw, &error2);

  check (keys, error);
  check (keys2, error2);
  if (keys != NULL && keys->len > 0 && keys->len < 50)
    {
      g_autoptr(GError) werror = NULL;
      g_autoptr(GPtrArray) back = NULL;
      char *xml = lk_pskc_write (keys, &psk, &werror);
      guint usable = 0;

      g_assert_nonnull (xml);
      back = lk_pskc_read (xml, strlen (xml), &psk, &werror);
      g_assert_nonnull (back);
      for (guint i = 0; i < keys->len; i++)
        usable += ((LkPskcKey *) keys->pdata[i])->secret != NULL;
      g_assert_cmpuint (back->len, ==, usable);
      lk_secure_str_free (xml);
    }
  return 0;
}
