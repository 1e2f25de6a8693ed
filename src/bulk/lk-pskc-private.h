/* SPDX-License-Identifier: GPL-3.0-or-later
 * XML helpers of the PSKC reader shared with the XML signature checker. */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

G_BEGIN_DECLS

/* The element's text, trimmed; NULL when @node is NULL. */
char   *lk_pskc_text_of   (xmlNode     *node);
/* An attribute's value, trimmed; NULL when absent. */
char   *lk_pskc_attr_of   (xmlNode     *node,
                           const char  *name);
/* Base64 of an element's text, whitespace allowed; @secret wipes the
 * intermediate copies and returns a wiped-on-free buffer. */
GBytes *lk_pskc_base64_of (xmlNode     *node,
                           gboolean     secret,
                           GError     **error);

G_END_DECLS
