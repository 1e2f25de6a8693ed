/* SPDX-License-Identifier: GPL-3.0-or-later
 * Handling of secret bytes: random generation, wiping, constant-time comparison. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Fills @buf with @len bytes from OpenSSL's CSPRNG; fails only if the CSPRNG does. */
gboolean lk_random_bytes   (guint8       *buf,
                            gsize         len,
                            GError      **error);

/* Wipes @len bytes at @buf so the compiler cannot drop the store (OPENSSL_cleanse). */
void     lk_secure_wipe    (gpointer      buf,
                            gsize         len);

/* Compares in time that depends only on the lengths, never on the contents. */
gboolean lk_secure_equal   (const void   *a,
                            gsize         a_len,
                            const void   *b,
                            gsize         b_len);

/* Compares two NUL-terminated strings (codes, PINs) in constant time for equal lengths. */
gboolean lk_secure_str_equal (const char *a,
                              const char *b);

/* A GBytes whose memory is wiped when its last reference goes. Use for seeds. */
GBytes  *lk_secure_bytes_new      (const void *data,
                                   gsize       len);
GBytes  *lk_secure_bytes_new_take (gpointer    data,
                                   gsize       len);

/* g_free() after wiping a NUL-terminated string (passwords, Base32 seeds). */
void     lk_secure_str_free (char *str);

G_END_DECLS
