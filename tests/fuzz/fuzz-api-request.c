/* SPDX-License-Identifier: GPL-3.0-or-later
 * libFuzzer target: the lenient JSON reader and the request codec, as
 * latchkeyd meets them; plus the client's response decoder on the same bytes. */
#include "config.h"

#include <string.h>

#include "lk-api-codec.h"
#include "lk-api-reader.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static gboolean
is_protocol_error (const GError *error)
{
  if (error->domain == LK_API_ERROR)
    return TRUE;
  return g_error_matches (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_INVALID_ARGUMENT)
         || g_error_matches (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_MISSING_FIELD)
         || g_error_matches (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_DEVICE_TYPE_INVALID)
         || g_error_matches (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_OTP_TYPE_INVALID)
         || g_error_matches (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_INVALID_DELIVERY);
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autoptr(LkApiRequest) request = lk_api_request_new (LK_API_OP_INVALID);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) encoded = NULL;
  g_autoptr(LkApiRequest) again = NULL;
  g_autoptr(GBytes) encoded_again = NULL;
  g_autoptr(LkApiResponse) response = NULL;
  gsize len;
  const char *text;

  /* The client's side never crashes on what a server sends either. */
  response = lk_api_response_decode ((const char *) data, size, NULL);

  if (!lk_api_request_decode (request, (const char *) data, size, &error))
    {
      /* Every refusal is a protocol error with a one-line message that
       * never echoes the body. */
      g_assert_true (is_protocol_error (error));
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      g_assert_null (strchr (error->message, '\n'));
      return 0;
    }
  g_assert_no_error (error);
  g_assert_true (request->op > LK_API_OP_INVALID && request->op < LK_API_N_OPS);

  /* What was accepted encodes to strict JSON that decodes to the same
   * request: the codec is its own inverse on its image. */
  encoded = lk_api_request_encode (request);
  text = g_bytes_get_data (encoded, &len);
  if (len > LK_API_MAX_BODY_SIZE)
    return 0;   /* escaping can grow a body past the limit */
  again = lk_api_request_new (LK_API_OP_INVALID);
  g_assert_true (lk_api_request_decode (again, text, len, &error));
  g_assert_no_error (error);
  encoded_again = lk_api_request_encode (again);
  g_assert_true (g_bytes_equal (encoded, encoded_again));
  return 0;
}
