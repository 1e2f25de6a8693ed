/* SPDX-License-Identifier: GPL-3.0-or-later
 * libFuzzer target: Activation Message 2 as a token reads it (peek, then open with a pending activation). */
#include "config.h"

#include <string.h>

#include "lk-activation.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

/* The pending activation of the corpus: vector 1 of docs/activation.md,
 * so the seed files open and mutations explore the paths behind the tag. */
static LkAm1 *
pending_am1 (void)
{
  static LkAm1 *am1 = NULL;

  if (am1 == NULL)
    {
      static const guint8 id[LK_ACTIVATION_ID_SIZE] = { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef };

      am1 = lk_am1_new ();
      memcpy (am1->activation_id, id, sizeof id);
      for (guint i = 0; i < LK_ACTIVATION_KEY_SIZE; i++)
        am1->activation_key[i] = (guint8) i;
      am1->expires = 1767225600;
      am1->serial = g_strdup ("LK-000042");
      am1->issuer = g_strdup ("ACME");
      am1->label = g_strdup ("alice@example.com");
      am1->otp = (LkActivationOtp) { LK_ACTIVATION_OTP_TOTP, LK_HASH_SHA1, 6, 30 };
    }
  return am1;
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  static const guint8 code_bytes[LK_ACTIVATION_DEVICE_CODE_SIZE] = {
    0x01, 0xa8, 0x00, 0xc3, 0xc3, 0xf7, 0xce, 0x7d, 0x03, 0x2f, 0xe9, 0x79,
  };
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) seed = NULL;
  guint8 id[LK_ACTIVATION_ID_SIZE];
  guint32 instance = 0, opened_instance = 0;
  LkActivationOtp otp;
  LkDeviceCode code;

  memcpy (code.bytes, code_bytes, sizeof code.bytes);

  if (!lk_am2_peek (text, id, &instance, &error))
    {
      g_assert_nonnull (error);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      return 0;
    }

  if (!lk_am2_open (text, pending_am1 (), &code, &opened_instance, &otp, NULL, &seed, &error))
    {
      g_assert_nonnull (error);
      g_assert_null (seed);
      return 0;
    }

  /* Only an authentic message opens; its content is then well formed. */
  g_assert_nonnull (seed);
  g_assert_cmpuint (opened_instance, ==, instance);
  g_assert_cmpuint (g_bytes_get_size (seed), >=, 16);
  g_assert_true (lk_activation_otp_check (&otp, NULL));
  return 0;
}
