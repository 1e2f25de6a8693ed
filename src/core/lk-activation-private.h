/* SPDX-License-Identifier: GPL-3.0-or-later
 * Internals of lk-activation shared with its tests: the deterministic AM2 builder behind the test vectors. */
#pragma once

#include "lk-activation.h"

G_BEGIN_DECLS

/* lk_am2_build() with a caller-chosen GCM nonce (12 bytes), or a random one
 * when @nonce is NULL. Only the test vectors of docs/activation.md may pass
 * a fixed nonce: a key is used once, but the vectors must be reproducible. */
char *lk_am2_build_with_nonce (const guint8          *activation_id,
                               const guint8          *activation_key,
                               const LkDeviceCode    *code,
                               guint32                instance,
                               const LkActivationOtp *otp,
                               guint64                counter,
                               GBytes                *seed,
                               const guint8          *nonce,
                               GError               **error);

G_END_DECLS
