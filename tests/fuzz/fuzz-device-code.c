/* SPDX-License-Identifier: GPL-3.0-or-later
 * libFuzzer target: typed device codes, as a helpdesk console and the server read them. */
#include "config.h"

#include <string.h>

#include "lk-activation.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  static const guint8 activation_id[LK_ACTIVATION_ID_SIZE] = { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef };
  static const guint8 activation_key[LK_ACTIVATION_KEY_SIZE] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_autoptr(GError) error = NULL;
  LkDeviceCode code, again;
  char formatted[LK_DEVICE_CODE_TEXT_SIZE];

  if (!lk_device_code_parse (text, &code, &error))
    {
      g_assert_nonnull (error);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      return 0;
    }

  /* A parsed code has the canonical form and reads back to itself. */
  lk_device_code_format (&code, formatted);
  g_assert_cmpuint (strlen (formatted), ==, LK_DEVICE_CODE_TEXT_SIZE - 1);
  g_assert_true (lk_device_code_parse (formatted, &again, &error));
  g_assert_cmpmem (again.bytes, sizeof again.bytes, code.bytes, sizeof code.bytes);

  /* Verification never crashes; its answer is whatever the key says. */
  (void) lk_device_code_verify (&code, activation_id, activation_key);
  return 0;
}
