/* SPDX-License-Identifier: GPL-3.0-or-later
 * libFuzzer target: Aegis vault JSON (plain databases and the headers of encrypted ones). */
#include "config.h"

#include "import-fuzz-common.h"
#include "lk-import-aegis.h"

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = NULL;

  /* No password: a file-chosen scrypt cost (bounded, but up to a second)
   * would only slow the fuzzer down; the JSON and header handling before
   * key derivation is what a hostile file reaches first. */
  entries = lk_import_aegis_parse (data, size, NULL, &error);
  check_import_result (entries, error);
  (void) lk_import_aegis_detect (data, size);
  return 0;
}
