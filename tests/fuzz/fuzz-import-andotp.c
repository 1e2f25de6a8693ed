/* SPDX-License-Identifier: GPL-3.0-or-later
 * libFuzzer target: andOTP backups (plain JSON; encrypted files up to the password check). */
#include "config.h"

#include "import-fuzz-common.h"
#include "lk-import-andotp.h"

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = NULL;

  entries = lk_import_andotp_parse (data, size, NULL, &error);
  check_import_result (entries, error);
  (void) lk_import_andotp_detect (data, size);
  return 0;
}
