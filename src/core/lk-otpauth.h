/* SPDX-License-Identifier: GPL-3.0-or-later
 * otpauth:// Key URIs: the format every authenticator exchanges.
 *
 * Issuer rule: when the label prefix ("Issuer:account") and the issuer
 * parameter disagree, the parameter wins, as Google's Key URI description
 * recommends, and the label prefix is dropped; docs/otpauth.md says why. */
#pragma once

#include <glib.h>
#include "lk-otp.h"

G_BEGIN_DECLS

typedef enum
{
  LK_OTPAUTH_TOTP,
  LK_OTPAUTH_HOTP,
  LK_OTPAUTH_STEAM,   /* Steam Guard: TOTP, SHA-1, 30 s, 5 characters from Steam's alphabet */
} LkOtpauthType;

typedef struct
{
  LkOtpauthType type;
  char         *issuer;     /* nullable */
  char         *account;    /* never NULL, may be empty */
  GBytes       *secret;     /* the raw seed; wipes itself when freed */
  LkHash        algorithm;  /* default SHA1 */
  guint         digits;     /* default 6 (5 for steam) */
  guint         period;     /* default 30; TOTP and steam */
  guint64       counter;    /* HOTP only; required there; the parser accepts 0 .. G_MAXINT64 */
} LkOtpauth;

LkOtpauth   *lk_otpauth_new          (void);
void         lk_otpauth_free         (LkOtpauth   *uri);
LkOtpauth   *lk_otpauth_copy         (const LkOtpauth *uri);

/* Every rejection is an LK_CORE_ERROR_URI with a sentence for a helpdesk
 * person: a missing secret, a bad digit count, an unknown algorithm, a
 * missing counter for HOTP, a scheme that is not otpauth. */
LkOtpauth   *lk_otpauth_parse        (const char  *uri,
                                      GError     **error);

/* Formats a canonical URI: label "Issuer:account" percent-encoded, then
 * secret (Base32, no padding), issuer, algorithm, digits, period or counter.
 * Parsing the result gives an equal LkOtpauth. Free with lk_secure_str_free(). */
char        *lk_otpauth_format       (const LkOtpauth *uri);

gboolean     lk_otpauth_equal        (const LkOtpauth *a,
                                      const LkOtpauth *b);

/* The current code: TOTP at @unix_time, HOTP at uri->counter, steam at
 * @unix_time in Steam's alphabet. @code holds at least LK_OTP_CODE_SIZE. */
gboolean     lk_otpauth_generate     (const LkOtpauth *uri,
                                      gint64       unix_time,
                                      char        *code,
                                      GError     **error);

const char  *lk_otpauth_type_to_string (LkOtpauthType type);  /* "totp", "hotp", "steam" */
/* Case-insensitive "totp", "hotp", "steam"; FALSE for anything else. */
gboolean     lk_otpauth_type_from_string (const char    *name,
                                          LkOtpauthType *out_type);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LkOtpauth, lk_otpauth_free)

G_END_DECLS
