/* SPDX-License-Identifier: GPL-3.0-or-later
 * The token window's side of the token-extras module: loads it on the first dialog or scan that needs it. */
#include "config.h"

#include "lk-module.h"
#include "lk-token-extras.h"

const LkTokenExtras *
lk_token_extras_get (GError **error)
{
  typedef const LkTokenExtras *(*GetFunc) (void);
  static const LkTokenExtras *extras;
  GetFunc get;

  /* The main thread is the only caller (widget actions), so a plain
   * static is enough; a failed load is tried again next time. */
  if (extras != NULL)
    return extras;
  get = (GetFunc) lk_module_lookup (LK_TOKEN_EXTRAS_MODULE, LK_TOKEN_EXTRAS_SYMBOL, error);
  if (get == NULL)
    return NULL;
  extras = get ();
  return extras;
}
