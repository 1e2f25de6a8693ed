/* SPDX-License-Identifier: GPL-3.0-or-later
 * libFuzzer target: FreeOTP+ JSON exports. */
#include "config.h"

#include "import-fuzz-common.h"
#include "lk-import-freeotp.h"

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = NULL;

  entries = lk_import_freeotp_parse (data, size, &error);
  check_import_result (entries, error);
  (void) lk_import_freeotp_detect (data, size);
  return 0;
}
