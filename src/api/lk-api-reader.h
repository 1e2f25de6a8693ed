/* SPDX-License-Identifier: GPL-3.0-or-later
 * The lenient JSON reader: comments, missing and trailing commas tolerated,
 * sizes and depth bounded, then field access by case-insensitive name with
 * the type coercions of the reference server (docs/api.md, "Leniency"). */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Reads @data (@len bytes, any content) as one JSON object. Refuses with
 * LK_API_ERROR: BODY_TOO_LARGE over @max_size bytes, TOO_DEEP over
 * @max_depth nested containers, MALFORMED for anything that is not an
 * object even under the leniency rules, DUPLICATE_FIELD for a member name
 * given twice in one object (compared case-insensitively, blanks trimmed).
 * Returns the root object (transfer full). */
JsonObject  *lk_api_read_object (const char  *data,
                                 gsize        len,
                                 gsize        max_size,
                                 guint        max_depth,
                                 GError     **error);

/* Rewrites @data into strict JSON (the first stage of lk_api_read_object(),
 * exposed for tests and the fuzzer). @one_line is the fallback mode for
 * bodies without a newline, where a // comment ends before the next `"`,
 * `}` or `]`. */
char        *lk_api_normalize_json (const char  *data,
                                    gsize        len,
                                    guint        max_depth,
                                    gboolean     one_line,
                                    GError     **error);

/* The members of one object, looked up by name case-insensitively with
 * surrounding blanks ignored. A name may list aliases separated by `|`
 * ("deviceId|printedSerialNumber"): the first present one is used, and two
 * present with different values are DUPLICATE_FIELD. */
typedef struct _LkApiFields LkApiFields;

LkApiFields *lk_api_fields_new  (JsonObject   *object);
void         lk_api_fields_free (LkApiFields  *fields);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LkApiFields, lk_api_fields_free)

gboolean     lk_api_fields_has  (LkApiFields  *fields,
                                 const char   *name);

/* A string: JSON strings as they are, integers as their decimal text,
 * true/false as "true"/"false". null and absence give *@out = NULL.
 * Objects, arrays and fractional numbers are FIELD_TYPE. */
gboolean     lk_api_fields_get_string (LkApiFields  *fields,
                                       const char   *name,
                                       char        **out,
                                       GError      **error);

/* An integer in [@min, @max]: JSON integers, integral doubles, and strings
 * holding a decimal integer (blanks trimmed). null, absence and "" give
 * *@out = @unset. Non-numbers are FIELD_TYPE; out of range is 9501. */
gboolean     lk_api_fields_get_int    (LkApiFields  *fields,
                                       const char   *name,
                                       gint64        min,
                                       gint64        max,
                                       gint64        unset,
                                       gint64       *out,
                                       GError      **error);

/* Request decoding into a struct member: lk_api_fields_get_string() into
 * *@slot after freeing what it held (NULL when absent), and
 * lk_api_fields_get_int() over [0, G_MAXINT] with LK_UNSET for absence. */
gboolean     lk_api_fields_read_string (LkApiFields  *fields,
                                        const char   *name,
                                        char        **slot,
                                        GError      **error);
gboolean     lk_api_fields_read_int    (LkApiFields  *fields,
                                        const char   *name,
                                        int          *slot,
                                        GError      **error);

/* A boolean: true/false, 0/1, and the strings "true", "false", "yes", "no",
 * "1", "0" (any case). *@out is -1 when absent or null, else 0 or 1. */
gboolean     lk_api_fields_get_bool   (LkApiFields  *fields,
                                       const char   *name,
                                       int          *out,
                                       GError      **error);

/* A one-time password: a string of digits kept exactly as sent (leading
 * zeros and all), or a JSON integer, whose decimal text is left-padded
 * with zeros to 6 digits (no OTP is shorter, so a number that lost its
 * leading zeros is restored for 6-digit devices; docs/api.md). Blanks
 * inside a string are removed ("123 456"). */
gboolean     lk_api_fields_get_otp    (LkApiFields  *fields,
                                       const char   *name,
                                       char        **out,
                                       GError      **error);

/* An array or object member; *@out NULL when absent or null. */
gboolean     lk_api_fields_get_array  (LkApiFields  *fields,
                                       const char   *name,
                                       JsonArray   **out,
                                       GError      **error);
gboolean     lk_api_fields_get_object (LkApiFields  *fields,
                                       const char   *name,
                                       JsonObject  **out,
                                       GError      **error);

G_END_DECLS
