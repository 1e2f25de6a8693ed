/* SPDX-License-Identifier: GPL-3.0-or-later
 * libFuzzer target: Activation Message 1 parsing, and the device code a token derives from it. */
#include "config.h"

#include <string.h>

#include "lk-activation.h"
#include "lk-secure.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  static const guint8 binding_secret[LK_ACTIVATION_BINDING_SECRET_SIZE] = { 1, 2, 3 };
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(LkAm1) am1 = NULL;
  LkDeviceCode code;
  char code_text[LK_DEVICE_CODE_TEXT_SIZE];

  am1 = lk_am1_parse (text, &error);
  if (am1 == NULL)
    {
      /* A refusal is always an error with a valid UTF-8 sentence. */
      g_assert_nonnull (error);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      return 0;
    }

  g_assert_nonnull (am1->serial);
  g_assert_nonnull (am1->issuer);
  g_assert_nonnull (am1->label);

  /* Whatever parses must format back to something that parses equal. */
  {
    g_autoptr(LkAm1) again = NULL;
    char *formatted = lk_am1_format (am1, &error);

    g_assert_no_error (error);
    again = lk_am1_parse (formatted, &error);
    g_assert_no_error (error);
    g_assert_cmpmem (again->activation_key, LK_ACTIVATION_KEY_SIZE, am1->activation_key, LK_ACTIVATION_KEY_SIZE);
    g_assert_cmpstr (again->serial, ==, am1->serial);
    g_assert_cmpstr (again->issuer, ==, am1->issuer);
    g_assert_cmpstr (again->label, ==, am1->label);
    lk_secure_str_free (formatted);
  }

  /* And a token can always derive a device code the server accepts. */
  g_assert_true (lk_device_code_compute (am1, binding_secret, sizeof binding_secret, &code, &error));
  g_assert_true (lk_device_code_verify (&code, am1->activation_id, am1->activation_key));
  lk_device_code_format (&code, code_text);
  {
    LkDeviceCode parsed;

    g_assert_true (lk_device_code_parse (code_text, &parsed, &error));
    g_assert_cmpmem (parsed.bytes, sizeof parsed.bytes, code.bytes, sizeof code.bytes);
  }
  return 0;
}
