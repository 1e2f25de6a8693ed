/* SPDX-License-Identifier: GPL-3.0-or-later
 * Checks for the enrol and add-device forms, kept free of GTK so they test fast.
 *
 * Each lk_admin_check_*() returns NULL when the text is acceptable, or a
 * translated sentence that a form shows under the field. The engine checks
 * again on its side; these exist so a mistake is seen while typing. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  LK_ADMIN_KEY_HEX,
  LK_ADMIN_KEY_BASE64,
} LkAdminKeyEncoding;

/* Shortest and longest raw seed accepted from a key fob: RFC 4226 asks for
 * at least 128 bits, and an HMAC-SHA-512 key block is 64 bytes. */
#define LK_ADMIN_KEY_MIN_BYTES 16
#define LK_ADMIN_KEY_MAX_BYTES 64

#define LK_ADMIN_LOGIN_MAX   64
#define LK_ADMIN_NAME_MAX    64
#define LK_ADMIN_EMAIL_MAX   254
#define LK_ADMIN_SERIAL_MAX  64
#define LK_ADMIN_ALIAS_MAX   64
#define LK_ADMIN_DEVICE_ID_MAX 128

/* Login names: 1-64 characters, letters, digits and . _ - @ + only. */
char     *lk_admin_check_login      (const char *text);
/* First and last names: optional, at most 64 characters, no control characters. */
char     *lk_admin_check_name       (const char *text);
/* Email: optional when @required is FALSE; one '@', a dotted domain, no spaces. */
char     *lk_admin_check_email      (const char *text,
                                     gboolean    required);
/* Phone: optional when @required is FALSE; an optional leading '+', 7-15
 * digits, with spaces, dots, hyphens and parentheses allowed for reading. */
char     *lk_admin_check_phone      (const char *text,
                                     gboolean    required);
/* Serial (psn): optional (the engine generates one), letters, digits, '_' and '-'. */
char     *lk_admin_check_serial     (const char *text);
/* Token alias: optional, at most 64 characters, no control characters. */
char     *lk_admin_check_alias      (const char *text);
/* PIN: optional, 4-12 digits. */
char     *lk_admin_check_pin        (const char *text);
/* A one-time passcode of @digits digits (0 = any length from 6 to 10). */
char     *lk_admin_check_otp        (const char *text,
                                     guint       digits);
/* The physical device id bound at provisioning: 1-128 printable characters. */
char     *lk_admin_check_device_id  (const char *text);
/* A key fob's key in @encoding: encoding and length (16-64 bytes). Spaces are ignored. */
char     *lk_admin_check_key        (const char         *text,
                                     LkAdminKeyEncoding  encoding);

/* Decodes a key that lk_admin_check_key() accepts into a GBytes that wipes
 * itself when freed; anything else is an LK_ADMIN_ERROR_INVALID_INPUT. */
GBytes   *lk_admin_parse_key        (const char         *text,
                                     LkAdminKeyEncoding  encoding,
                                     GError            **error);

/* The same key as lower-case hex, wiped on lk_secure_str_free(), for the
 * API's secretKeyHex field. */
char     *lk_admin_key_to_hex       (const char         *text,
                                     LkAdminKeyEncoding  encoding,
                                     GError            **error);

G_END_DECLS
