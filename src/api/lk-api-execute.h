/* SPDX-License-Identifier: GPL-3.0-or-later
 * Runs one decoded API request on an engine: the partner login, then the
 * operation, with every failure turned into an error response. Used by
 * lk_api_handle_body() (latchkeyd) and the local backend alike. */
#pragma once

#include "lk-api-codec.h"

G_BEGIN_DECLS

/* Never returns NULL. create_account is refused with 9705 unless
 * @allow_create_account. Call from the thread that owns @engine. */
LkApiResponse *lk_api_execute (LkEngine            *engine,
                               const LkApiRequest  *request,
                               gboolean             allow_create_account);

/* The errorCode for any GError of the api or engine layers (0 for NULL). */
int            lk_api_error_to_code (const GError *error);

G_END_DECLS
