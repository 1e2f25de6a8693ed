/* SPDX-License-Identifier: GPL-3.0-or-later
 * The lenient JSON reader: a small tokenizer rewrites what the vendor's
 * samples contain (comments, a missing comma at a line end, a trailing comma)
 * into strict JSON for json-glib, bounding size and depth on the way. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <glib/gi18n.h>

#include "lk-api.h"
#include "lk-api-reader.h"
#include "lk-engine-error.h"

typedef enum
{
  TOK_NONE,
  TOK_OPEN_OBJECT,
  TOK_CLOSE_OBJECT,
  TOK_OPEN_ARRAY,
  TOK_CLOSE_ARRAY,
  TOK_COLON,
  TOK_COMMA,
  TOK_STRING,
  TOK_SCALAR,
} TokenKind;

typedef struct
{
  gboolean    is_object;
  gboolean    expect_key;   /* the next string is a member name */
  GHashTable *keys;         /* normalised member names seen (objects only) */
} Level;

static gboolean
ends_value (TokenKind kind)
{
  return kind == TOK_STRING || kind == TOK_SCALAR || kind == TOK_CLOSE_OBJECT || kind == TOK_CLOSE_ARRAY;
}

static gboolean
starts_value (TokenKind kind)
{
  return kind == TOK_STRING || kind == TOK_SCALAR || kind == TOK_OPEN_OBJECT || kind == TOK_OPEN_ARRAY;
}

static gboolean
is_scalar_char (char c)
{
  return g_ascii_isalnum (c) || c == '-' || c == '+' || c == '.';
}

typedef enum
{
  SCALAR_INVALID,
  SCALAR_PLAIN,          /* a JSON number or literal, copied as it is */
  SCALAR_LEADING_ZERO,   /* digits with leading zeros (an OTP typed bare) */
  SCALAR_BIG_INTEGER,    /* an integer no gint64 holds (json-glib would wrap it) */
} ScalarKind;

/* Checks one bare token against JSON's number grammar and literals, so only
 * JSON reaches json-glib (whose scanner knows octal and hex). */
static ScalarKind
classify_scalar (const char *p,
                 gsize       len)
{
  gsize i = 0;

  if ((len == 4 && memcmp (p, "true", 4) == 0) || (len == 5 && memcmp (p, "false", 5) == 0)
      || (len == 4 && memcmp (p, "null", 4) == 0))
    return SCALAR_PLAIN;

  if (p[i] == '-')
    i++;
  if (i >= len || !g_ascii_isdigit (p[i]))
    return SCALAR_INVALID;
  if (p[i] == '0' && i + 1 < len && g_ascii_isdigit (p[i + 1]))
    {
      if (p[0] == '-')
        return SCALAR_INVALID;
      for (gsize j = i; j < len; j++)
        if (!g_ascii_isdigit (p[j]))
          return SCALAR_INVALID;
      return SCALAR_LEADING_ZERO;
    }
  while (i < len && g_ascii_isdigit (p[i]))
    i++;
  if (i == len && len > 18)
    {
      g_autofree char *text = g_strndup (p, len);
      char *end = NULL;

      errno = 0;
      g_ascii_strtoll (text, &end, 10);
      if (errno == ERANGE)
        return SCALAR_BIG_INTEGER;
    }
  if (i < len && p[i] == '.')
    {
      i++;
      if (i >= len || !g_ascii_isdigit (p[i]))
        return SCALAR_INVALID;
      while (i < len && g_ascii_isdigit (p[i]))
        i++;
    }
  if (i < len && (p[i] == 'e' || p[i] == 'E'))
    {
      i++;
      if (i < len && (p[i] == '+' || p[i] == '-'))
        i++;
      if (i >= len || !g_ascii_isdigit (p[i]))
        return SCALAR_INVALID;
      while (i < len && g_ascii_isdigit (p[i]))
        i++;
    }
  return i == len ? SCALAR_PLAIN : SCALAR_INVALID;
}

/* The member name as compared: quotes dropped, blanks trimmed, ASCII case
 * folded. Escapes are compared as written. */
static char *
normalise_key (const char *start,
               gsize       len)
{
  g_autofree char *inner = g_strndup (start + 1, len - 2);

  return g_ascii_strdown (g_strstrip (inner), -1);
}

static void
set_error (GError    **error,
           LkApiError  code,
           const char *message)
{
  g_set_error_literal (error, LK_API_ERROR, code, message);
}

char *
lk_api_normalize_json (const char  *data,
                       gsize        len,
                       guint        max_depth,
                       gboolean     one_line,
                       GError     **error)
{
  g_autoptr(GString) out = g_string_sized_new (len + 16);
  Level *levels = g_new0 (Level, max_depth + 1);
  guint depth = 0;
  TokenKind prev = TOK_NONE;
  gboolean pending_comma = FALSE;
  gboolean separated = FALSE;
  gboolean root_done = FALSE;
  gboolean ok = FALSE;
  gsize i = 0;

  while (TRUE)
    {
      TokenKind kind;
      gsize start;

      /* Blanks and comments; remember whether a line end or a comment lay
       * between the previous token and this one. */
      while (i < len)
        {
          char c = data[i];

          if (c == '\n')
            {
              separated = TRUE;
              i++;
            }
          else if (c == ' ' || c == '\t' || c == '\r')
            i++;
          else if (c == '/' && i + 1 < len && data[i + 1] == '/')
            {
              separated = TRUE;
              i += 2;
              while (i < len && data[i] != '\n'
                     && !(one_line && (data[i] == '"' || data[i] == '}' || data[i] == ']')))
                i++;
            }
          else if (c == '/' && i + 1 < len && data[i + 1] == '*')
            {
              const char *end = g_strstr_len (data + i + 2, len - i - 2, "*/");

              if (end == NULL)
                {
                  set_error (error, LK_API_ERROR_MALFORMED, _("The request has an unterminated /* comment"));
                  goto out;
                }
              separated = TRUE;
              i = (end - data) + 2;
            }
          else
            break;
        }

      if (i >= len)
        break;

      /* One document per body: json-glib would quietly take one of two. */
      if (root_done)
        {
          set_error (error, LK_API_ERROR_MALFORMED, _("The request has data after its end"));
          goto out;
        }

      start = i;
      switch (data[i])
        {
        case '{': kind = TOK_OPEN_OBJECT; i++; break;
        case '}': kind = TOK_CLOSE_OBJECT; i++; break;
        case '[': kind = TOK_OPEN_ARRAY; i++; break;
        case ']': kind = TOK_CLOSE_ARRAY; i++; break;
        case ':': kind = TOK_COLON; i++; break;
        case ',': kind = TOK_COMMA; i++; break;
        case '"':
          kind = TOK_STRING;
          i++;
          while (i < len && data[i] != '"')
            i += (data[i] == '\\') ? 2 : 1;
          if (i >= len)
            {
              set_error (error, LK_API_ERROR_MALFORMED, _("The request has an unterminated string"));
              goto out;
            }
          i++;
          break;
        default:
          if (!is_scalar_char (data[i]))
            {
              set_error (error, LK_API_ERROR_MALFORMED, _("The request is not valid JSON"));
              goto out;
            }
          kind = TOK_SCALAR;
          while (i < len && is_scalar_char (data[i]))
            i++;
          break;
        }

      if (kind == TOK_COMMA)
        {
          /* Two commas in a row, or one with nothing before it, are not a
           * slip we can read a meaning into. */
          if (pending_comma || depth == 0 || !ends_value (prev))
            {
              set_error (error, LK_API_ERROR_MALFORMED, _("The request is not valid JSON (stray comma)"));
              goto out;
            }
          pending_comma = TRUE;
          separated = FALSE;
          prev = kind;
          continue;
        }

      if (pending_comma)
        {
          /* A trailing comma before a closing bracket is dropped. */
          if (kind != TOK_CLOSE_OBJECT && kind != TOK_CLOSE_ARRAY)
            {
              g_string_append_c (out, ',');
              if (levels[depth].is_object)
                levels[depth].expect_key = TRUE;
            }
          pending_comma = FALSE;
        }
      else if (depth > 0 && separated && ends_value (prev) && starts_value (kind))
        {
          /* A member on the next line (or after a comment) with its comma
           * forgotten, as in the vendor's add_oath_device sample. */
          g_string_append_c (out, ',');
          if (levels[depth].is_object)
            levels[depth].expect_key = TRUE;
        }

      if (kind == TOK_STRING && depth > 0 && levels[depth].is_object && levels[depth].expect_key)
        {
          g_autofree char *key = normalise_key (data + start, i - start);

          if (g_hash_table_contains (levels[depth].keys, key))
            {
              set_error (error, LK_API_ERROR_DUPLICATE_FIELD, _("A field appears twice in one object"));
              goto out;
            }
          g_hash_table_add (levels[depth].keys, g_steal_pointer (&key));
          levels[depth].expect_key = FALSE;
        }

      if (kind == TOK_OPEN_OBJECT || kind == TOK_OPEN_ARRAY)
        {
          if (depth >= max_depth)
            {
              set_error (error, LK_API_ERROR_TOO_DEEP, _("The request is nested too deeply"));
              goto out;
            }
          depth++;
          levels[depth].is_object = kind == TOK_OPEN_OBJECT;
          levels[depth].expect_key = levels[depth].is_object;
          if (levels[depth].is_object && levels[depth].keys == NULL)
            levels[depth].keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
        }
      else if (kind == TOK_CLOSE_OBJECT || kind == TOK_CLOSE_ARRAY)
        {
          if (depth == 0 || levels[depth].is_object != (kind == TOK_CLOSE_OBJECT))
            {
              set_error (error, LK_API_ERROR_MALFORMED, _("The request is not valid JSON (unbalanced brackets)"));
              goto out;
            }
          /* Emptied for the next object at this depth; the root's table
           * is simply freed at the end. */
          if (levels[depth].keys != NULL && depth > 1)
            g_hash_table_remove_all (levels[depth].keys);
          depth--;
        }

      if (kind == TOK_SCALAR)
        {
          ScalarKind scalar = classify_scalar (data + start, i - start);

          if (scalar == SCALAR_INVALID)
            {
              set_error (error, LK_API_ERROR_MALFORMED, _("The request is not valid JSON (bad number or word)"));
              goto out;
            }
          /* 012345 is not JSON; as a string it keeps its zeros. A number
           * too big for an integer stays exact as a string too, and is then
           * refused wherever a number is wanted. */
          if (scalar == SCALAR_LEADING_ZERO || scalar == SCALAR_BIG_INTEGER)
            {
              g_string_append_c (out, '"');
              g_string_append_len (out, data + start, i - start);
              g_string_append_c (out, '"');
            }
          else
            g_string_append_len (out, data + start, i - start);
        }
      else
        g_string_append_len (out, data + start, i - start);
      prev = kind;
      separated = FALSE;
      if (depth == 0)
        root_done = TRUE;
    }

  if (depth != 0 || pending_comma)
    {
      set_error (error, LK_API_ERROR_MALFORMED, _("The request is not valid JSON (it ends too early)"));
      goto out;
    }
  ok = TRUE;

out:
  for (guint l = 0; l <= max_depth; l++)
    g_clear_pointer (&levels[l].keys, g_hash_table_unref);
  g_free (levels);
  if (!ok)
    return NULL;
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static JsonObject *
parse_strict (const char  *text,
              GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;

  if (!json_parser_load_from_data (parser, text, -1, &local_error))
    {
      set_error (error, LK_API_ERROR_MALFORMED, _("The request is not valid JSON"));
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      set_error (error, LK_API_ERROR_MALFORMED, _("The request is not a JSON object"));
      return NULL;
    }
  return json_object_ref (json_node_get_object (root));
}

JsonObject *
lk_api_read_object (const char  *data,
                    gsize        len,
                    gsize        max_size,
                    guint        max_depth,
                    GError     **error)
{
  g_autoptr(GError) first_error = NULL;
  g_autofree char *text = NULL;
  JsonObject *object;
  gsize content_len;

  if (len > max_size)
    {
      set_error (error, LK_API_ERROR_BODY_TOO_LARGE, _("The request body is too large"));
      return NULL;
    }
  if (len == 0 || data == NULL)
    {
      set_error (error, LK_API_ERROR_MALFORMED, _("The request body is empty"));
      return NULL;
    }
  if (!g_utf8_validate_len (data, len, NULL))
    {
      set_error (error, LK_API_ERROR_MALFORMED, _("The request is not valid UTF-8"));
      return NULL;
    }

  text = lk_api_normalize_json (data, len, max_depth, FALSE, &first_error);
  if (text != NULL)
    {
      object = parse_strict (text, &first_error);
      if (object != NULL)
        return object;
    }

  /* The vendor's pages show some samples flattened onto one line, where a
   * // comment would swallow the rest of the body. Only a body with no line
   * end at all, which cannot have parsed above with a // comment in it, is
   * read again with comments ending before the next member (trailing blanks
 * and one final line end, as a file has, do not count). */
  content_len = len;
  while (content_len > 0 && g_ascii_isspace (data[content_len - 1]))
    content_len--;
  if (memchr (data, '\n', content_len) == NULL && g_strstr_len (data, content_len, "//") != NULL
      && first_error->code == LK_API_ERROR_MALFORMED)
    {
      g_autofree char *retry = lk_api_normalize_json (data, content_len, max_depth, TRUE, NULL);

      if (retry != NULL)
        {
          object = parse_strict (retry, NULL);
          if (object != NULL)
            return object;
        }
    }

  g_propagate_error (error, g_steal_pointer (&first_error));
  return NULL;
}

/* ---- fields --------------------------------------------------------------- */

struct _LkApiFields
{
  JsonObject *object;
  GHashTable *members;   /* normalised name -> JsonNode (borrowed from object) */
};

LkApiFields *
lk_api_fields_new (JsonObject *object)
{
  LkApiFields *fields = g_new0 (LkApiFields, 1);
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;

  fields->object = json_object_ref (object);
  fields->members = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &name, &node))
    {
      g_autofree char *copy = g_strdup (name);

      /* The reader already refused duplicates; the first one wins if a
       * caller built the object by hand. */
      g_hash_table_insert (fields->members, g_ascii_strdown (g_strstrip (copy), -1), node);
    }
  return fields;
}

void
lk_api_fields_free (LkApiFields *fields)
{
  if (fields == NULL)
    return;
  g_hash_table_unref (fields->members);
  json_object_unref (fields->object);
  g_free (fields);
}

/* Finds @name or one of its |-separated aliases; *@out_name gets the name
 * that matched (for messages). NULL when none is present. Called for every
 * field of every request, so it neither splits nor allocates. */
static JsonNode *
lookup (LkApiFields  *fields,
        const char   *name,
        const char  **out_name,
        int           index)
{
  char key[64];
  int found = 0;
  const char *start = name;

  while (*start != '\0')
    {
      const char *end = strchr (start, '|');
      gsize len = end != NULL ? (gsize) (end - start) : strlen (start);
      JsonNode *node;

      g_assert (len < sizeof key);
      for (gsize i = 0; i < len; i++)
        key[i] = g_ascii_tolower (start[i]);
      key[len] = '\0';
      node = g_hash_table_lookup (fields->members, key);
      if (node != NULL && found++ == index)
        {
          if (out_name != NULL)
            {
              memcpy (key, start, len);
              *out_name = g_intern_string (key);
            }
          return node;
        }
      if (end == NULL)
        break;
      start = end + 1;
    }
  return NULL;
}

gboolean
lk_api_fields_has (LkApiFields *fields,
                   const char  *name)
{
  JsonNode *node = lookup (fields, name, NULL, 0);

  return node != NULL && !JSON_NODE_HOLDS_NULL (node);
}

static gboolean
field_type_error (GError    **error,
                  const char *name,
                  const char *expected)
{
  /* The value is never quoted back: it may be a key or a password. */
  g_set_error (error, LK_API_ERROR, LK_API_ERROR_FIELD_TYPE,
               _("The field “%s” must be %s"), name, expected);
  return FALSE;
}

/* A node's text when it is a string or an integer; NULL for other types. */
static char *
scalar_text (JsonNode *node,
             gboolean  allow_bool)
{
  GType type;

  if (!JSON_NODE_HOLDS_VALUE (node))
    return NULL;
  type = json_node_get_value_type (node);
  if (type == G_TYPE_STRING)
    return g_strdup (json_node_get_string (node));
  if (type == G_TYPE_INT64)
    return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
  if (type == G_TYPE_BOOLEAN && allow_bool)
    return g_strdup (json_node_get_boolean (node) ? "true" : "false");
  return NULL;
}

/* Runs @get on every alias present, refusing two that disagree. */
static gboolean
check_aliases (LkApiFields *fields,
               const char  *name,
               const char  *first_value)
{
  for (int index = 1; ; index++)
    {
      const char *alias = NULL;
      JsonNode *node = lookup (fields, name, &alias, index);
      g_autofree char *text = NULL;

      if (node == NULL)
        return TRUE;
      if (JSON_NODE_HOLDS_NULL (node))
        continue;
      text = scalar_text (node, TRUE);
      if (g_strcmp0 (text, first_value) != 0)
        return FALSE;
    }
}

gboolean
lk_api_fields_get_string (LkApiFields  *fields,
                          const char   *name,
                          char        **out,
                          GError      **error)
{
  const char *matched = name;
  JsonNode *node = lookup (fields, name, &matched, 0);
  g_autofree char *text = NULL;

  *out = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  text = scalar_text (node, TRUE);
  if (text == NULL)
    return field_type_error (error, matched, _("a string"));
  if (strchr (name, '|') != NULL && !check_aliases (fields, name, text))
    {
      g_set_error (error, LK_API_ERROR, LK_API_ERROR_DUPLICATE_FIELD,
                   _("The fields “%s” disagree"), name);
      return FALSE;
    }
  *out = g_steal_pointer (&text);
  return TRUE;
}

gboolean
lk_api_fields_read_string (LkApiFields  *fields,
                           const char   *name,
                           char        **slot,
                           GError      **error)
{
  g_free (*slot);
  *slot = NULL;
  return lk_api_fields_get_string (fields, name, slot, error);
}

static gboolean
parse_decimal (const char *text,
               gint64     *out)
{
  g_autofree char *copy = g_strstrip (g_strdup (text));
  const char *digits = copy;
  char *end = NULL;
  gint64 value;

  if (*digits == '-' || *digits == '+')
    digits++;
  if (!g_ascii_isdigit (*digits))
    return FALSE;
  errno = 0;
  value = g_ascii_strtoll (copy, &end, 10);
  if (errno != 0 || *end != '\0')
    return FALSE;
  *out = value;
  return TRUE;
}

gboolean
lk_api_fields_get_int (LkApiFields  *fields,
                       const char   *name,
                       gint64        min,
                       gint64        max,
                       gint64        unset,
                       gint64       *out,
                       GError      **error)
{
  const char *matched = name;
  JsonNode *node = lookup (fields, name, &matched, 0);
  gint64 value;

  *out = unset;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node))
    return field_type_error (error, matched, _("a number"));

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_INT64:
      value = json_node_get_int (node);
      break;
    case G_TYPE_DOUBLE:
      {
        double d = json_node_get_double (node);

        /* Range first: casting a huge double to an integer is undefined. */
        if (!(d <= 9.0e15 && d >= -9.0e15) || d != (double) (gint64) d)
          return field_type_error (error, matched, _("a whole number"));
        value = (gint64) d;
      }
      break;
    case G_TYPE_BOOLEAN:
      /* Some clients send flags such as mobileAuth as booleans. */
      value = json_node_get_boolean (node) ? 1 : 0;
      break;
    case G_TYPE_STRING:
      {
        const char *text = json_node_get_string (node);
        g_autofree char *trimmed = g_strstrip (g_strdup (text));

        if (*trimmed == '\0')
          return TRUE;
        if (!parse_decimal (trimmed, &value))
          return field_type_error (error, matched, _("a number"));
      }
      break;
    default:
      return field_type_error (error, matched, _("a number"));
    }

  if (value < min || value > max)
    {
      g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_INVALID_ARGUMENT,
                   _("The field “%s” must be between %" G_GINT64_FORMAT " and %" G_GINT64_FORMAT),
                   matched, min, max);
      return FALSE;
    }
  *out = value;
  return TRUE;
}

gboolean
lk_api_fields_read_int (LkApiFields  *fields,
                        const char   *name,
                        int          *slot,
                        GError      **error)
{
  gint64 value;

  if (!lk_api_fields_get_int (fields, name, 0, G_MAXINT, LK_UNSET, &value, error))
    return FALSE;
  *slot = (int) value;
  return TRUE;
}

gboolean
lk_api_fields_get_bool (LkApiFields  *fields,
                        const char   *name,
                        int          *out,
                        GError      **error)
{
  const char *matched = name;
  JsonNode *node = lookup (fields, name, &matched, 0);

  *out = -1;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node))
    return field_type_error (error, matched, _("true or false"));

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_BOOLEAN:
      *out = json_node_get_boolean (node) ? 1 : 0;
      return TRUE;
    case G_TYPE_INT64:
      if (json_node_get_int (node) == 0 || json_node_get_int (node) == 1)
        {
          *out = (int) json_node_get_int (node);
          return TRUE;
        }
      break;
    case G_TYPE_STRING:
      {
        g_autofree char *copy = g_strdup (json_node_get_string (node));
        g_autofree char *text = g_ascii_strdown (g_strstrip (copy), -1);

        if (*text == '\0')
          return TRUE;
        if (g_str_equal (text, "true") || g_str_equal (text, "yes") || g_str_equal (text, "1"))
          {
            *out = 1;
            return TRUE;
          }
        if (g_str_equal (text, "false") || g_str_equal (text, "no") || g_str_equal (text, "0"))
          {
            *out = 0;
            return TRUE;
          }
      }
      break;
    default:
      break;
    }
  return field_type_error (error, matched, _("true or false"));
}

gboolean
lk_api_fields_get_otp (LkApiFields  *fields,
                       const char   *name,
                       char        **out,
                       GError      **error)
{
  const char *matched = name;
  JsonNode *node = lookup (fields, name, &matched, 0);
  GType type;

  *out = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node))
    return field_type_error (error, matched, _("a string of digits"));

  type = json_node_get_value_type (node);
  if (type == G_TYPE_INT64)
    {
      gint64 value = json_node_get_int (node);

      if (value < 0)
        return field_type_error (error, matched, _("a string of digits"));
      *out = g_strdup_printf ("%06" G_GINT64_FORMAT, value);
      return TRUE;
    }
  if (type == G_TYPE_STRING)
    {
      const char *text = json_node_get_string (node);
      GString *code = g_string_new (NULL);

      /* Blanks are how people group digits ("123 456"); anything else is
       * passed on for the engine to refuse as a wrong code. */
      for (const char *p = text; *p != '\0'; p++)
        if (*p != ' ' && *p != '\t')
          g_string_append_c (code, *p);
      *out = g_string_free (code, FALSE);
      return TRUE;
    }
  return field_type_error (error, matched, _("a string of digits"));
}

gboolean
lk_api_fields_get_array (LkApiFields  *fields,
                         const char   *name,
                         JsonArray   **out,
                         GError      **error)
{
  const char *matched = name;
  JsonNode *node = lookup (fields, name, &matched, 0);

  *out = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return field_type_error (error, matched, _("an array"));
  *out = json_node_get_array (node);
  return TRUE;
}

gboolean
lk_api_fields_get_object (LkApiFields  *fields,
                          const char   *name,
                          JsonObject  **out,
                          GError      **error)
{
  const char *matched = name;
  JsonNode *node = lookup (fields, name, &matched, 0);

  *out = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return field_type_error (error, matched, _("an object"));
  *out = json_node_get_object (node);
  return TRUE;
}
