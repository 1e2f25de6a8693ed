/* SPDX-License-Identifier: GPL-3.0-or-later
 * Translatable message templates and their {placeholder} expansion. */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "lk-message-template.h"
#include "lk-delivery-error.h"
#include "lk-secure.h"

static void
append_escaped (GString          *out,
                const char       *value,
                LkTemplateEscape  escape)
{
  for (const char *p = value; *p != '\0'; p++)
    {
      char c = *p;
      if (escape == LK_TEMPLATE_ESCAPE_HTML)
        {
          switch (c)
            {
            case '&': g_string_append (out, "&amp;"); continue;
            case '<': g_string_append (out, "&lt;"); continue;
            case '>': g_string_append (out, "&gt;"); continue;
            case '"': g_string_append (out, "&quot;"); continue;
            case '\'': g_string_append (out, "&#39;"); continue;
            default: break;
            }
        }
      else if (escape == LK_TEMPLATE_ESCAPE_JSON)
        {
          if (c == '"' || c == '\\')
            {
              g_string_append_c (out, '\\');
            }
          else if (c == '\n')
            {
              g_string_append (out, "\\n");
              continue;
            }
          else if ((guchar) c < 0x20)
            {
              g_string_append_printf (out, "\\u%04x", (guint) (guchar) c);
              continue;
            }
        }
      g_string_append_c (out, c);
    }
}

char *
lk_template_expand (const char        *tpl,
                    GHashTable        *values,
                    LkTemplateEscape   escape,
                    GError           **error)
{
  g_autoptr(GString) out = g_string_new (NULL);
  const char *p = tpl;

  while (*p != '\0')
    {
      const char *end = NULL;
      if (*p == '{')
        {
          end = p + 1;
          while ((*end >= 'a' && *end <= 'z') || *end == '_')
            end++;
          if (*end != '}' || end == p + 1)
            end = NULL;
        }
      if (end == NULL)
        {
          g_string_append_c (out, *p++);
          continue;
        }
      {
        g_autofree char *name = g_strndup (p + 1, (gsize) (end - p - 1));
        const char *value = g_hash_table_lookup (values, name);
        if (value == NULL)
          {
            lk_secure_wipe (out->str, out->len);
            g_set_error (error, LK_DELIVERY_ERROR, LK_DELIVERY_ERROR_TEMPLATE,
                         _("Unknown placeholder {%s} in a message template"), name);
            return NULL;
          }
        append_escaped (out, value, escape);
      }
      p = end + 1;
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

void
lk_message_text_free (LkMessageText *text)
{
  if (text == NULL)
    return;
  /* Every form carries the passcode (an administrator's subject may too). */
  if (text->subject) lk_secure_wipe (text->subject, strlen (text->subject));
  if (text->text) lk_secure_wipe (text->text, strlen (text->text));
  if (text->html) lk_secure_wipe (text->html, strlen (text->html));
  if (text->sms) lk_secure_wipe (text->sms, strlen (text->sms));
  if (text->spoken) lk_secure_wipe (text->spoken, strlen (text->spoken));
  g_free (text->subject);
  g_free (text->text);
  g_free (text->html);
  g_free (text->sms);
  g_free (text->spoken);
  g_free (text);
}

static void
free_value (gpointer data)
{
  char *s = data;
  lk_secure_wipe (s, strlen (s));
  g_free (s);
}

static char *
lifetime_text (gint64 seconds)
{
  if (seconds < 120)
    {
      int n = (int) MAX (seconds, 1);
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d second", "%d seconds", (gulong) n), n);
    }
  else
    {
      int n = (int) ((seconds + 59) / 60);
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d minute", "%d minutes", (gulong) n), n);
    }
}

GHashTable *
lk_message_values (const LkOutboxMessage *message,
                   const char            *issuer,
                   gint64                 now)
{
  GHashTable *values = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, free_value);
  g_autoptr(GString) spoken = g_string_new (NULL);
  g_autofree char *name = NULL;

  if ((message->first_name && *message->first_name) || (message->last_name && *message->last_name))
    name = g_strstrip (g_strdup_printf ("%s %s", message->first_name ? message->first_name : "",
                                        message->last_name ? message->last_name : ""));
  else
    name = g_strdup (message->user_login);
  g_hash_table_insert (values, (gpointer) "name", g_steal_pointer (&name));
  g_hash_table_insert (values, (gpointer) "login", g_strdup (message->user_login));
  g_hash_table_insert (values, (gpointer) "issuer", g_strdup (issuer ? issuer : "Latchkey"));
  g_hash_table_insert (values, (gpointer) "serial", g_strdup (message->serial ? message->serial : ""));
  g_hash_table_insert (values, (gpointer) "code", g_strdup (message->code ? message->code : ""));
  /* Spoken digit by digit, so a speech engine does not read a number. */
  for (const char *c = message->code; c != NULL && *c != '\0'; c++)
    g_string_append_printf (spoken, "%s%c", c == message->code ? "" : ", ", *c);
  g_hash_table_insert (values, (gpointer) "code_spoken", g_strdup (spoken->str));
  lk_secure_wipe (spoken->str, spoken->len);
  g_hash_table_insert (values, (gpointer) "lifetime",
                       message->expires_at > 0 ? lifetime_text (message->expires_at - now)
                                               : g_strdup (_("a short time")));
  return values;
}

gboolean
lk_template_check_names (const char          *tpl,
                         const char * const  *allowed,
                         GError             **error)
{
  /* The same scan as lk_template_expand(), so what passes here renders. */
  for (const char *p = strchr (tpl, '{'); p != NULL; p = strchr (p + 1, '{'))
    {
      const char *end = p + 1;
      g_autofree char *name = NULL;

      while ((*end >= 'a' && *end <= 'z') || *end == '_')
        end++;
      if (*end != '}' || end == p + 1)
        continue;
      name = g_strndup (p + 1, (gsize) (end - p - 1));
      if (!g_strv_contains (allowed, name))
        {
          g_autofree char *known = g_strjoinv ("}, {", (char **) allowed);

          g_set_error (error, LK_DELIVERY_ERROR, LK_DELIVERY_ERROR_TEMPLATE,
                       _("Unknown placeholder {%s}; this text may use {%s}"), name, known);
          return FALSE;
        }
    }
  return TRUE;
}

static const char * const passcode_names[] = { "name", "login", "code", "code_spoken", "lifetime", "issuer", "serial", NULL };
static const char * const welcome_names[] = { "name", "login", "issuer", "serial", NULL };

const char *
lk_message_template_default (LkTemplateId id)
{
  /* TRANSLATORS: in every message text keep the {placeholders} as they are
   * (you may move them): {name} the user's name, {code} the passcode,
   * {lifetime} how long it is valid ("10 minutes"), {issuer} the
   * organisation, {login} the user's login, {serial} the device. */
  switch (id)
    {
    case LK_TEMPLATE_PASSCODE_SUBJECT:
      return _("Your {issuer} passcode");
    case LK_TEMPLATE_PASSCODE_BODY:
      return _("Hello {name},\n\nYour {issuer} passcode is {code}. It is valid for {lifetime}.\n\n"
               "If you did not ask for it, you can ignore this message.\n");
    case LK_TEMPLATE_PASSCODE_SMS:
      return _("{issuer}: your passcode is {code}. It is valid for {lifetime}.");
    case LK_TEMPLATE_PASSCODE_VOICE:
      return _("Your {issuer} passcode is {code_spoken}. Again, your passcode is {code_spoken}.");
    case LK_TEMPLATE_WELCOME_SUBJECT:
      return _("Welcome to {issuer}");
    case LK_TEMPLATE_WELCOME_BODY:
      return _("Hello {name},\n\nAn authentication device ({serial}) has been set up for your {issuer} "
               "account, {login}. Your administrator will tell you how to start using it.\n");
    case LK_TEMPLATE_WELCOME_SMS:
      return _("{issuer}: an authentication device ({serial}) has been set up for your account {login}.");
    case LK_N_TEMPLATES:
    default:
      break;
    }
  g_return_val_if_reached (NULL);
}

gboolean
lk_message_template_check (LkTemplateId   id,
                           const char    *text,
                           GError       **error)
{
  gboolean passcode = id <= LK_TEMPLATE_PASSCODE_VOICE;
  gboolean subject = id == LK_TEMPLATE_PASSCODE_SUBJECT || id == LK_TEMPLATE_WELCOME_SUBJECT;
  const char * const *names = passcode ? passcode_names : welcome_names;
  gboolean has_code = FALSE;
  g_autofree char *stripped = g_strstrip (g_strdup (text));

  g_return_val_if_fail ((guint) id < LK_N_TEMPLATES, FALSE);

  if (*stripped == '\0')
    {
      g_set_error (error, LK_DELIVERY_ERROR, LK_DELIVERY_ERROR_TEMPLATE, _("The text is empty"));
      return FALSE;
    }
  if (!g_utf8_validate (text, -1, NULL) || strlen (text) > 4000)
    {
      g_set_error (error, LK_DELIVERY_ERROR, LK_DELIVERY_ERROR_TEMPLATE,
                   _("The text must be UTF-8 and at most 4000 bytes long"));
      return FALSE;
    }
  /* A subject is a header line: a line break would start another header. */
  if (subject && strpbrk (text, "\r\n") != NULL)
    {
      g_set_error (error, LK_DELIVERY_ERROR, LK_DELIVERY_ERROR_TEMPLATE, _("A subject must be a single line"));
      return FALSE;
    }
  if (!lk_template_check_names (text, names, error))
    return FALSE;
  has_code = strstr (text, "{code}") != NULL || strstr (text, "{code_spoken}") != NULL;
  if (passcode && !subject && !has_code)
    {
      g_set_error (error, LK_DELIVERY_ERROR, LK_DELIVERY_ERROR_TEMPLATE,
                   _("A passcode message must contain {code} (or {code_spoken})"));
      return FALSE;
    }
  return TRUE;
}

/* An administrator's plain body as an HTML template: its text escaped
 * (placeholders have no markup characters, so they survive), blank lines
 * as paragraphs and single line breaks as <br>. */
static char *
html_from_plain (const char *plain)
{
  g_autofree char *escaped = g_markup_escape_text (plain, -1);
  g_auto(GStrv) paragraphs = g_strsplit (escaped, "\n\n", -1);
  g_autoptr(GString) html = g_string_new (NULL);

  for (gsize i = 0; paragraphs[i] != NULL; i++)
    {
      g_autofree char *para = g_strstrip (g_strdup (paragraphs[i]));
      g_auto(GStrv) lines = NULL;
      g_autofree char *joined = NULL;

      if (*para == '\0')
        continue;
      lines = g_strsplit (para, "\n", -1);
      joined = g_strjoinv ("<br>\n", lines);
      g_string_append_printf (html, "<p>%s</p>\n", joined);
    }
  return g_string_free (g_steal_pointer (&html), FALSE);
}

LkMessageText *
lk_message_render (const LkOutboxMessage *message,
                   const char            *issuer,
                   gint64                 now,
                   GError               **error)
{
  return lk_message_render_with (message, issuer, NULL, now, error);
}

LkMessageText *
lk_message_render_with (const LkOutboxMessage    *message,
                        const char               *issuer,
                        const LkMessageTemplates *templates,
                        gint64                    now,
                        GError                  **error)
{
  g_autoptr(GHashTable) values = lk_message_values (message, issuer, now);
  g_autoptr(LkMessageText) text = g_new0 (LkMessageText, 1);
  const char *subject, *plain, *html, *sms, *spoken;
  g_autofree char *custom_html = NULL;
  g_autofree char *html_body = NULL;
  gboolean passcode = message->kind == LK_OUTBOX_KIND_PASSCODE;
  LkTemplateId first = passcode ? LK_TEMPLATE_PASSCODE_SUBJECT : LK_TEMPLATE_WELCOME_SUBJECT;
  LkTemplateId body_id = passcode ? LK_TEMPLATE_PASSCODE_BODY : LK_TEMPLATE_WELCOME_BODY;
  LkTemplateId sms_id = passcode ? LK_TEMPLATE_PASSCODE_SMS : LK_TEMPLATE_WELCOME_SMS;

#define PICK(id) (templates != NULL && templates->text[id] != NULL ? templates->text[id] \
                                                                      : lk_message_template_default (id))
  subject = PICK (first);
  plain = PICK (body_id);
  sms = PICK (sms_id);
#undef PICK
  if (templates != NULL && templates->text[body_id] != NULL)
    html = custom_html = html_from_plain (templates->text[body_id]);
  else if (passcode)
    html = _("<p>Hello {name},</p>\n<p>Your {issuer} passcode is <strong>{code}</strong>. "
             "It is valid for {lifetime}.</p>\n<p>If you did not ask for it, you can ignore this message.</p>\n");
  else
    html = _("<p>Hello {name},</p>\n<p>An authentication device (<code>{serial}</code>) has been set up for your "
             "{issuer} account, <strong>{login}</strong>. Your administrator will tell you how to start using it.</p>\n");
  if (passcode)
    spoken = templates != NULL && templates->text[LK_TEMPLATE_PASSCODE_VOICE] != NULL
             ? templates->text[LK_TEMPLATE_PASSCODE_VOICE] : lk_message_template_default (LK_TEMPLATE_PASSCODE_VOICE);
  else
    /* Welcome messages go by email or SMS only; this is for completeness. */
    spoken = _("Hello {name}. An authentication device has been set up for your {issuer} account.");

  if ((text->subject = lk_template_expand (subject, values, LK_TEMPLATE_ESCAPE_NONE, error)) == NULL ||
      (text->text = lk_template_expand (plain, values, LK_TEMPLATE_ESCAPE_NONE, error)) == NULL ||
      (html_body = lk_template_expand (html, values, LK_TEMPLATE_ESCAPE_HTML, error)) == NULL ||
      (text->sms = lk_template_expand (sms, values, LK_TEMPLATE_ESCAPE_NONE, error)) == NULL ||
      (text->spoken = lk_template_expand (spoken, values, LK_TEMPLATE_ESCAPE_NONE, error)) == NULL)
    {
      if (html_body != NULL)
        lk_secure_wipe (html_body, strlen (html_body));
      return NULL;
    }
  text->html = g_strdup_printf ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head><body>\n%s</body></html>\n",
                                html_body);
  lk_secure_wipe (html_body, strlen (html_body));
  return g_steal_pointer (&text);
}
