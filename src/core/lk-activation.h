/* SPDX-License-Identifier: GPL-3.0-or-later
 * Multi-device activation: Activation Message 1, the device code and Activation Message 2.
 *
 * The exact byte formats, the key derivations and test vectors are in
 * docs/activation.md. The server side builds AM1, verifies device codes and
 * builds AM2; the token side parses AM1, computes its device code and opens
 * AM2. Nothing here keeps state: single use, expiry and attempt limits are
 * the engine's job. */
#pragma once

#include <glib.h>
#include "lk-otp.h"

G_BEGIN_DECLS

#define LK_ACTIVATION_ID_SIZE              8
#define LK_ACTIVATION_KEY_SIZE             16
#define LK_ACTIVATION_BINDING_SECRET_SIZE  32
#define LK_ACTIVATION_DEVICE_ID_SIZE       7
#define LK_ACTIVATION_DEVICE_CODE_SIZE     12   /* the binary device code */
#define LK_ACTIVATION_MAX_SERIAL           32   /* bytes of printable ASCII */
#define LK_ACTIVATION_MAX_ISSUER           64   /* bytes of UTF-8 */
#define LK_ACTIVATION_MAX_LABEL            64   /* bytes of UTF-8 */

/* The text prefixes of the two messages, which let a scanner tell them
 * apart from otpauth:// URIs. */
#define LK_AM1_PREFIX "LKAM1:"
#define LK_AM2_PREFIX "LKAM2:"

/* The device code as people read it: 20 characters in 4 groups of 5,
 * e.g. "AB2CD-EF3GH-JK4MN-PQ5RS"; this size includes the hyphens and a NUL. */
#define LK_DEVICE_CODE_TEXT_SIZE 24

typedef enum
{
  LK_ACTIVATION_OTP_TOTP = 0,
  LK_ACTIVATION_OTP_HOTP = 1,
} LkActivationOtpType;

/* The OTP parameters of a licence and of each of its instances. */
typedef struct
{
  LkActivationOtpType type;
  LkHash              algorithm;
  guint               digits;     /* LK_OTP_MIN_DIGITS .. LK_OTP_MAX_DIGITS */
  guint               period;     /* TOTP: 1 .. 3600 seconds; HOTP: 0 */
} LkActivationOtp;

/* Checks the ranges above; the error says which value is wrong. */
gboolean  lk_activation_otp_check (const LkActivationOtp *otp,
                                   GError               **error);

/* ---- Activation Message 1 ---------------------------------------------- */

typedef struct
{
  guint8           activation_id[LK_ACTIVATION_ID_SIZE];
  guint8           activation_key[LK_ACTIVATION_KEY_SIZE];  /* wiped by lk_am1_free() */
  gint64           expires;    /* unix seconds */
  char            *serial;     /* the licence serial */
  char            *issuer;     /* may be empty, never NULL after parsing */
  char            *label;      /* the account name; may be empty, never NULL after parsing */
  LkActivationOtp  otp;
} LkAm1;

LkAm1    *lk_am1_new     (void);
void      lk_am1_free    (LkAm1 *am1);
LkAm1    *lk_am1_copy    (const LkAm1 *am1);

/* Server side: fills a new AM1 with a fresh random activation id and key.
 * @issuer and @label may be NULL (empty). */
LkAm1    *lk_am1_generate (const char             *serial,
                           const char             *issuer,
                           const char             *label,
                           const LkActivationOtp  *otp,
                           gint64                  expires,
                           GError                **error);

/* "LKAM1:" followed by Base32. Fails if a field is out of range. The text
 * holds the activation key: free it with lk_secure_str_free(). */
char     *lk_am1_format  (const LkAm1  *am1,
                          GError      **error);

/* Token side. Leading and trailing white space is ignored, the prefix is
 * case-insensitive. Every rejection is LK_CORE_ERROR_ACTIVATION with a
 * sentence saying what is wrong. Expiry is not checked here, see
 * lk_am1_is_expired(). */
LkAm1    *lk_am1_parse   (const char   *text,
                          GError      **error);

gboolean  lk_am1_is_expired (const LkAm1 *am1,
                             gint64       now);

/* ---- Device code ------------------------------------------------------- */

typedef struct
{
  guint8 bytes[LK_ACTIVATION_DEVICE_CODE_SIZE];
} LkDeviceCode;

/* Token side: the device code for @am1 on the device whose binding secret
 * (LK_ACTIVATION_BINDING_SECRET_SIZE bytes, kept in the keyring) is given. */
gboolean  lk_device_code_compute (const LkAm1   *am1,
                                  const guint8  *binding_secret,
                                  gsize          binding_secret_len,
                                  LkDeviceCode  *out_code,
                                  GError       **error);

/* "XXXXX-XXXXX-XXXXX-XXXXX" into @text (LK_DEVICE_CODE_TEXT_SIZE bytes). */
void      lk_device_code_format  (const LkDeviceCode *code,
                                  char               *text);

/* Reads a typed device code: case, spaces and hyphens do not matter. A
 * character outside the alphabet, a wrong length, a failed check character
 * (every single typo and every swap of two neighbours is caught) or an
 * unknown version is an LK_CORE_ERROR_ACTIVATION error. This needs no key,
 * so a console can check a code before sending it. */
gboolean  lk_device_code_parse   (const char    *text,
                                  LkDeviceCode  *out_code,
                                  GError       **error);

/* Server side: whether @code was made for the activation with this id and
 * key. Constant time. FALSE is a wrong attempt. */
gboolean  lk_device_code_verify  (const LkDeviceCode *code,
                                  const guint8       *activation_id,
                                  const guint8       *activation_key);

/* The device id inside the code: the same for every activation of one
 * licence on one device, so the server can recognise a device it knows. */
void      lk_device_code_get_device_id (const LkDeviceCode *code,
                                        guint8             *device_id);

/* ---- Activation Message 2 ---------------------------------------------- */

/* Server side: seals @seed and @otp for instance @instance. The text holds
 * no secret in the clear but is only half of one; free it normally. */
char     *lk_am2_build  (const guint8          *activation_id,
                         const guint8          *activation_key,
                         const LkDeviceCode    *code,
                         guint32                instance,
                         const LkActivationOtp *otp,
                         guint64                counter,
                         GBytes                *seed,
                         GError               **error);

/* Reads the clear header only: which activation an AM2 belongs to and the
 * instance number, so a token can find its pending activation. */
gboolean  lk_am2_peek   (const char  *text,
                         guint8      *out_activation_id,
                         guint32     *out_instance,
                         GError     **error);

/* Token side: opens an AM2 with the pending activation's AM1 and device
 * code. A tampered AM2, or one made for another activation or device code,
 * fails with LK_CORE_ERROR_ACTIVATION. On success @out_seed is a wiping
 * GBytes. */
gboolean  lk_am2_open   (const char          *text,
                         const LkAm1         *am1,
                         const LkDeviceCode  *code,
                         guint32             *out_instance,
                         LkActivationOtp     *out_otp,
                         guint64             *out_counter,
                         GBytes             **out_seed,
                         GError             **error);

/* ---- Test signature by challenge (OCRA) -------------------------------- */

/* The other kind of test signature: the server draws an 8-digit numeric
 * challenge and the token answers with an OCRA response (RFC 6287) of the
 * new seed, suite "OCRA-1:HOTP-<algorithm>-<digits>:QN08" from the
 * instance's own parameters (lk_activation_ocra_suite()). */
#define LK_ACTIVATION_CHALLENGE_DIGITS 8

/* The suite text for @otp (a static-size string; free with g_free()). */
char     *lk_activation_ocra_suite     (const LkActivationOtp *otp);

/* A fresh uniformly random challenge of LK_ACTIVATION_CHALLENGE_DIGITS
 * decimal digits into @challenge (that many bytes plus a NUL). */
gboolean  lk_activation_new_challenge  (char                  *challenge,
                                        GError               **error);

/* The response to @challenge into @response (LK_OTP_CODE_SIZE bytes). */
gboolean  lk_activation_test_response  (const LkActivationOtp *otp,
                                        const guint8          *seed,
                                        gsize                  seed_len,
                                        const char            *challenge,
                                        char                  *response,
                                        GError               **error);

/* ---- Pending activation (token side) ----------------------------------- */

/* What a token must keep between AM1 and AM2: the AM1 and the device code
 * it showed. The text holds the activation key; store it only in the
 * keyring and free it with lk_secure_str_free(). */
char     *lk_activation_pending_serialize   (const LkAm1        *am1,
                                             const LkDeviceCode *code,
                                             GError            **error);
gboolean  lk_activation_pending_deserialize (const char   *text,
                                             LkAm1       **out_am1,
                                             LkDeviceCode *out_code,
                                             GError      **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LkAm1, lk_am1_free)

G_END_DECLS
