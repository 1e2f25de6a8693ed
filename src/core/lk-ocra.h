/* SPDX-License-Identifier: GPL-3.0-or-later
 * OCRA challenge-response (RFC 6287), used for signatures and test signatures. */
#pragma once

#include <glib.h>
#include "lk-otp.h"

G_BEGIN_DECLS

typedef struct _LkOcraSuite LkOcraSuite;

/* Parses a suite such as "OCRA-1:HOTP-SHA1-6:QN08" (RFC 6287 section 6).
 * Digits 4..10; the untruncated form (digits 0) is refused. Examples: "OCRA-1:HOTP-SHA1-6:QN08" or
 * "OCRA-1:HOTP-SHA512-8:C-QN08-PSHA1" or "OCRA-1:HOTP-SHA256-8:QA08-T1M". */
LkOcraSuite *lk_ocra_suite_parse     (const char *suite,
                                      GError    **error);
void         lk_ocra_suite_free      (LkOcraSuite *suite);
const char  *lk_ocra_suite_to_string (const LkOcraSuite *suite);
gboolean     lk_ocra_suite_uses_counter   (const LkOcraSuite *suite);
gboolean     lk_ocra_suite_uses_password  (const LkOcraSuite *suite);
gboolean     lk_ocra_suite_uses_timestamp (const LkOcraSuite *suite);
guint        lk_ocra_suite_get_timestep   (const LkOcraSuite *suite);  /* seconds, 0 if none */
LkHash       lk_ocra_suite_get_hash       (const LkOcraSuite *suite);
guint        lk_ocra_suite_get_digits     (const LkOcraSuite *suite);  /* 4..10 */
char         lk_ocra_suite_get_question_format (const LkOcraSuite *suite);  /* 'A', 'N' or 'H' */
guint        lk_ocra_suite_get_session_length  (const LkOcraSuite *suite);  /* bytes, 0 if none */

typedef struct
{
  guint64      counter;          /* C, when the suite has it */
  const char  *question;         /* Q: digits for N, text for A, hex for H */
  const guint8 *password_hash;   /* P: the hash of the PIN, already hashed */
  gsize        password_hash_len;
  const char  *session;          /* S: session information as hex digits, right-aligned
                                    in the suite's nnn bytes (RFC 6287 reference code) */
  guint64      timestamp;        /* T: time steps since the epoch, when the suite has it */
} LkOcraInput;

/* Computes the response into @response (at least LK_OTP_CODE_SIZE bytes). */
gboolean     lk_ocra_compute         (const LkOcraSuite *suite,
                                      const guint8      *key,
                                      gsize              key_len,
                                      const LkOcraInput *input,
                                      char              *response,
                                      GError           **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LkOcraSuite, lk_ocra_suite_free)

G_END_DECLS
