/* SPDX-License-Identifier: GPL-3.0-or-later
 * libFuzzer target: otpauth:// parsing, the canonical round trip and code generation. */
#include "config.h"

#include <string.h>

#include "lk-core-error.h"
#include "lk-otpauth.h"
#include "lk-secure.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(LkOtpauth) parsed = lk_otpauth_parse (text, &error);
  g_autoptr(LkOtpauth) reparsed = NULL;
  char *canonical, *canonical_again;
  char code[LK_OTP_CODE_SIZE];

  if (parsed == NULL)
    {
      g_assert_true (g_error_matches (error, LK_CORE_ERROR, LK_CORE_ERROR_URI));
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      g_assert_null (strchr (error->message, '\n'));
      return 0;
    }
  g_assert_null (error);
  g_assert_nonnull (parsed->account);
  g_assert_true (g_utf8_validate (parsed->account, -1, NULL));
  g_assert_true (parsed->issuer == NULL || g_utf8_validate (parsed->issuer, -1, NULL));

  /* Formatting a parsed URI gives an equal token, and the canonical form
   * is a fixed point. */
  canonical = lk_otpauth_format (parsed);
  reparsed = lk_otpauth_parse (canonical, &error);
  if (reparsed == NULL)
    g_error ("canonical form refused: %s", error->message);
  g_assert_true (lk_otpauth_equal (parsed, reparsed));
  canonical_again = lk_otpauth_format (reparsed);
  g_assert_cmpstr (canonical, ==, canonical_again);
  lk_secure_str_free (canonical);
  lk_secure_str_free (canonical_again);

  /* Every accepted token yields a code. */
  g_assert_true (lk_otpauth_generate (parsed, 1700000000, code, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (strlen (code), ==, parsed->digits);
  return 0;
}
