/* SPDX-License-Identifier: GPL-3.0-or-later
 * JsonBuilder helpers for the API's encoders. */
#include "config.h"

#include "lk-api-writer.h"
#include "lk-engine-types.h"

void
lk_api_builder_add_string (JsonBuilder *builder,
                           const char  *name,
                           const char  *value)
{
  if (value == NULL)
    return;
  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, value);
}

void
lk_api_builder_add_int (JsonBuilder *builder,
                        const char  *name,
                        gint64       value)
{
  if (value == LK_UNSET)
    return;
  lk_api_builder_add_number (builder, name, value);
}

void
lk_api_builder_add_number (JsonBuilder *builder,
                           const char  *name,
                           gint64       value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, value);
}
