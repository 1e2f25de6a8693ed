/* SPDX-License-Identifier: GPL-3.0-or-later
 * libFuzzer target: text files of otpauth and otpauth-migration links, and the format recogniser in front of all importers. */
#include "config.h"

#include "import-fuzz-common.h"
#include "lk-import-file.h"
#include "lk-import-uris.h"

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) any_error = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GPtrArray) any = NULL;
  LkImportFormat format = LK_IMPORT_FORMAT_AUTO;

  entries = lk_import_uris_parse (data, size, &error);
  check_import_result (entries, error);
  (void) lk_import_uris_detect (data, size);

  /* The dispatcher, without a password so no key derivation runs. */
  any = lk_import_parse (data, size, LK_IMPORT_FORMAT_AUTO, NULL, &format, &any_error);
  check_import_result (any, any_error);
  return 0;
}
