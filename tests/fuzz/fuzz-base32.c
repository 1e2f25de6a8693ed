/* SPDX-License-Identifier: GPL-3.0-or-later
 * libFuzzer target: the lenient Base32 decoder, and encode/decode round trips of what it accepts. */
#include "config.h"

#include <string.h>

#include "lk-base32.h"
#include "lk-core-error.h"
#include "lk-secure.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) decoded = lk_base32_decode (text, &error);
  g_autoptr(GBytes) again = NULL;
  char *encoded;

  if (decoded == NULL)
    {
      /* Refusals are Base32 errors with one line of valid UTF-8 that
       * names a position. */
      g_assert_true (g_error_matches (error, LK_CORE_ERROR, LK_CORE_ERROR_BASE32));
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      g_assert_null (strchr (error->message, '\n'));
      return 0;
    }
  g_assert_null (error);

  /* Whatever was accepted re-encodes canonically and decodes to the same bytes. */
  encoded = lk_base32_encode (g_bytes_get_data (decoded, NULL), g_bytes_get_size (decoded));
  again = lk_base32_decode (encoded, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (decoded, again));
  lk_secure_str_free (encoded);
  return 0;
}
