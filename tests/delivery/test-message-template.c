/* SPDX-License-Identifier: GPL-3.0-or-later
 * Message templates and the MIME message built from them: placeholder
 * expansion and escaping, refusals, RFC 2047 subjects, both MIME parts. */
#include "config.h"

#include <locale.h>
#include <string.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "lk-delivery-error.h"
#include "lk-message-template.h"
#include "lk-smtp-channel.h"

static LkOutboxMessage *
passcode_message (void)
{
  LkOutboxMessage *m = g_new0 (LkOutboxMessage, 1);

  m->id = 7;
  m->kind = LK_OUTBOX_KIND_PASSCODE;
  m->method = LK_DELIVERY_EMAIL;
  m->user_login = g_strdup ("zoe");
  m->first_name = g_strdup ("Zoë");
  m->last_name = g_strdup ("<Ünal & co>");
  m->destination = g_strdup ("zoe@example.org");
  m->serial = g_strdup ("k3m9q-7vx2a-0hd4r");
  m->code = g_strdup ("042917");
  m->created_at = 1700000000;
  m->expires_at = 1700000000 + 600;
  return m;
}

static void
test_expand (void)
{
  g_autoptr(GHashTable) values = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  g_autofree char *plain = NULL;
  g_autofree char *json = NULL;
  g_autofree char *html = NULL;
  char *bad;

  g_hash_table_insert (values, (gpointer) "number", (gpointer) "+4420");
  g_hash_table_insert (values, (gpointer) "message", (gpointer) "say \"hi\"\n<b>&</b>\\");
  plain = lk_template_expand ("{number}: {message}", values, LK_TEMPLATE_ESCAPE_NONE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (plain, ==, "+4420: say \"hi\"\n<b>&</b>\\");
  /* JSON braces are not placeholders; values are escaped for a string literal. */
  json = lk_template_expand ("{\"to\": \"{number}\", \"text\": \"{message}\", \"x\": {}}", values,
                             LK_TEMPLATE_ESCAPE_JSON, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json, ==, "{\"to\": \"+4420\", \"text\": \"say \\\"hi\\\"\\n<b>&</b>\\\\\", \"x\": {}}");
  html = lk_template_expand ("<p>{message}</p>", values, LK_TEMPLATE_ESCAPE_HTML, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (html, ==, "<p>say &quot;hi&quot;\n&lt;b&gt;&amp;&lt;/b&gt;\\</p>");
  /* An unknown placeholder is an error, not an empty string. */
  bad = lk_template_expand ("{number} {secret_key}", values, LK_TEMPLATE_ESCAPE_NONE, &error);
  g_assert_null (bad);
  g_assert_error (error, LK_DELIVERY_ERROR, LK_DELIVERY_ERROR_TEMPLATE);
  g_assert_nonnull (strstr (error->message, "{secret_key}"));
}

static void
test_render (void)
{
  g_autoptr(LkOutboxMessage) m = passcode_message ();
  g_autoptr(LkMessageText) text = NULL;
  g_autoptr(GError) error = NULL;

  text = lk_message_render (m, "Acme", m->created_at, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (text->subject, ==, "Your Acme passcode");
  g_assert_nonnull (strstr (text->text, "Hello Zoë <Ünal & co>,"));
  g_assert_nonnull (strstr (text->text, "passcode is 042917. It is valid for 10 minutes."));
  g_assert_nonnull (strstr (text->html, "Hello Zoë &lt;Ünal &amp; co&gt;,"));
  g_assert_nonnull (strstr (text->html, "<strong>042917</strong>"));
  g_assert_cmpstr (text->sms, ==, "Acme: your passcode is 042917. It is valid for 10 minutes.");
  g_assert_nonnull (strstr (text->spoken, "0, 4, 2, 9, 1, 7"));
  g_clear_pointer (&text, lk_message_text_free);

  /* A TOTP code with 45 s left; the name falls back to the login. */
  g_clear_pointer (&m->first_name, g_free);
  g_clear_pointer (&m->last_name, g_free);
  m->expires_at = m->created_at + 45;
  text = lk_message_render (m, NULL, m->created_at, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (text->text, "Hello zoe,"));
  g_assert_cmpstr (text->sms, ==, "Latchkey: your passcode is 042917. It is valid for 45 seconds.");
  g_clear_pointer (&text, lk_message_text_free);

  m->kind = LK_OUTBOX_KIND_WELCOME;
  g_clear_pointer (&m->code, g_free);
  text = lk_message_render (m, "Acme", m->created_at, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (text->subject, ==, "Welcome to Acme");
  g_assert_nonnull (strstr (text->text, "k3m9q-7vx2a-0hd4r"));
}

static void
test_encode_header (void)
{
  g_autofree char *ascii = lk_smtp_encode_header ("Your Acme passcode");
  g_autofree char *utf8 = lk_smtp_encode_header ("Votre code Société Générale — très très très long sujet accentué");
  g_auto(GStrv) words = NULL;
  g_autoptr(GString) decoded = g_string_new (NULL);

  g_assert_cmpstr (ascii, ==, "Your Acme passcode");
  g_assert_true (g_str_has_prefix (utf8, "=?UTF-8?B?"));
  words = g_strsplit (utf8, "\r\n ", -1);
  g_assert_cmpuint (g_strv_length (words), >, 1);
  for (gsize i = 0; words[i] != NULL; i++)
    {
      gsize len = strlen (words[i]);
      g_autofree char *b64 = NULL;
      g_autofree guchar *raw = NULL;
      gsize n = 0;

      g_assert_cmpuint (len, <=, 75);
      g_assert_true (g_str_has_prefix (words[i], "=?UTF-8?B?") && g_str_has_suffix (words[i], "?="));
      b64 = g_strndup (words[i] + 10, len - 12);
      raw = g_base64_decode (b64, &n);
      /* Each word is whole characters on its own. */
      g_assert_true (g_utf8_validate ((const char *) raw, (gssize) n, NULL));
      g_string_append_len (decoded, (const char *) raw, (gssize) n);
    }
  g_assert_cmpstr (decoded->str, ==, "Votre code Société Générale — très très très long sujet accentué");
}

static void
test_build_message (void)
{
  g_autoptr(LkOutboxMessage) m = passcode_message ();
  g_autoptr(GError) error = NULL;
  g_autofree char *mail = NULL;
  LkSmtpConfig config = { 0 };
  const char *boundary, *end;
  g_autofree char *b = NULL;
  g_autofree char *separator = NULL;
  g_auto(GStrv) parts = NULL;

  config.host = (char *) "127.0.0.1";
  config.from = (char *) "noreply@example.org";
  config.from_name = (char *) "Sécurité";
  mail = lk_smtp_build_message (&config, "Acme", NULL, m, 1700000000, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (mail, "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"));
  g_assert_nonnull (strstr (mail, "From: =?UTF-8?B?"));
  g_assert_nonnull (strstr (mail, " <noreply@example.org>\r\n"));
  g_assert_nonnull (strstr (mail, "To: <zoe@example.org>\r\n"));
  g_assert_nonnull (strstr (mail, "Subject: Your Acme passcode\r\n"));
  g_assert_nonnull (strstr (mail, "Message-ID: <7."));
  g_assert_nonnull (strstr (mail, "@example.org>\r\n"));
  g_assert_nonnull (strstr (mail, "MIME-Version: 1.0\r\n"));
  /* The code is only inside the Base64 parts, never in a header. */
  g_assert_null (strstr (mail, "042917"));
  boundary = strstr (mail, "boundary=\"");
  g_assert_nonnull (boundary);
  boundary += strlen ("boundary=\"");
  end = strchr (boundary, '"');
  b = g_strndup (boundary, (gsize) (end - boundary));
  separator = g_strdup_printf ("--%s", b);
  parts = g_strsplit (mail, separator, -1);
  /* preamble, text/plain, text/html, and the closing "--". */
  g_assert_cmpuint (g_strv_length (parts), ==, 4);
  g_assert_nonnull (strstr (parts[1], "Content-Type: text/plain; charset=UTF-8"));
  g_assert_nonnull (strstr (parts[2], "Content-Type: text/html; charset=UTF-8"));
  g_assert_true (g_str_has_prefix (parts[3], "--"));
  for (guint i = 1; i <= 2; i++)
    {
      const char *body = strstr (parts[i], "\r\n\r\n") + 4;
      g_autofree char *joined = g_strdup (body);
      g_autofree guchar *raw = NULL;
      gsize n = 0;
      char *w = joined;

      for (const char *r = body; *r; r++)
        if (*r != '\r' && *r != '\n')
          *w++ = *r;
      *w = '\0';
      raw = g_base64_decode (joined, &n);
      g_assert_nonnull (g_strstr_len ((const char *) raw, (gssize) n, "042917"));
    }

  /* A destination that would inject a header is refused for good. */
  g_free (m->destination);
  m->destination = g_strdup ("zoe@example.org>\r\nBcc: <x@evil.example");
  g_clear_pointer (&mail, g_free);
  mail = lk_smtp_build_message (&config, "Acme", NULL, m, 1700000000, &error);
  g_assert_null (mail);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
}

static void
test_custom (void)
{
  g_autoptr(LkOutboxMessage) m = passcode_message ();
  g_autoptr(LkMessageText) text = NULL;
  g_autoptr(LkMessageTemplates) templates = lk_message_templates_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *mail = NULL;
  LkSmtpConfig config = { .host = (char *) "127.0.0.1", .from = (char *) "noreply@example.org" };

  templates->text[LK_TEMPLATE_PASSCODE_SUBJECT] = g_strdup ("{issuer} code for {login}");
  templates->text[LK_TEMPLATE_PASSCODE_BODY] = g_strdup ("Dear {name} & team,\nCode: {code}\n\nValid {lifetime}. <Do not reply>");
  templates->text[LK_TEMPLATE_PASSCODE_SMS] = g_strdup ("Code {code} ({lifetime})");
  templates->text[LK_TEMPLATE_PASSCODE_VOICE] = g_strdup ("Code: {code_spoken}.");
  text = lk_message_render_with (m, "Acme", templates, m->created_at, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (text->subject, ==, "Acme code for zoe");
  g_assert_cmpstr (text->text, ==, "Dear Zoë <Ünal & co> & team,\nCode: 042917\n\nValid 10 minutes. <Do not reply>");
  g_assert_cmpstr (text->sms, ==, "Code 042917 (10 minutes)");
  g_assert_cmpstr (text->spoken, ==, "Code: 0, 4, 2, 9, 1, 7.");
  /* The HTML part comes from the administrator's text: everything escaped,
   * blank lines as paragraphs, line breaks kept. */
  g_assert_nonnull (strstr (text->html, "<p>Dear Zoë &lt;Ünal &amp; co&gt; &amp; team,<br>\nCode: 042917</p>\n"
                                        "<p>Valid 10 minutes. &lt;Do not reply&gt;</p>"));
  g_clear_pointer (&text, lk_message_text_free);

  /* Unset texts stay the defaults; welcome texts are their own. */
  templates->text[LK_TEMPLATE_WELCOME_SMS] = g_strdup ("Hi {name}, device {serial} is yours.");
  m->kind = LK_OUTBOX_KIND_WELCOME;
  g_clear_pointer (&m->code, g_free);
  text = lk_message_render_with (m, "Acme", templates, m->created_at, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (text->subject, ==, "Welcome to Acme");
  g_assert_cmpstr (text->sms, ==, "Hi Zoë <Ünal & co>, device k3m9q-7vx2a-0hd4r is yours.");
  g_clear_pointer (&text, lk_message_text_free);

  /* The email the channel builds carries them. */
  m->kind = LK_OUTBOX_KIND_PASSCODE;
  m->code = g_strdup ("042917");
  mail = lk_smtp_build_message (&config, "Acme", templates, m, 1700000000, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (mail, "\r\nSubject: Acme code for zoe\r\n"));
}

static void
test_check (void)
{
  static const struct
  {
    LkTemplateId  id;
    const char   *text;
    const char   *says;   /* NULL = accepted */
  } cases[] = {
    { LK_TEMPLATE_PASSCODE_SMS, "{issuer}: {code}, {lifetime}, {name} {login} {serial}", NULL },
    { LK_TEMPLATE_PASSCODE_VOICE, "Your code is {code_spoken}", NULL },
    { LK_TEMPLATE_PASSCODE_SUBJECT, "Your code", NULL },
    { LK_TEMPLATE_PASSCODE_BODY, "JSON-ish {braces} are fine: {\"a\": 1} {code}", "{braces}" },
    { LK_TEMPLATE_PASSCODE_SMS, "Your code is {codee}", "{codee}" },
    { LK_TEMPLATE_PASSCODE_SMS, "Your code is {Code} {code}", NULL },
    { LK_TEMPLATE_PASSCODE_SMS, "No code here, {name}", "{code}" },
    { LK_TEMPLATE_PASSCODE_SUBJECT, "Two\nlines", "single line" },
    { LK_TEMPLATE_WELCOME_SUBJECT, "Welcome {name}\r", "single line" },
    { LK_TEMPLATE_WELCOME_BODY, "Welcome, your code is {code}", "{code}" },
    { LK_TEMPLATE_WELCOME_SMS, "Valid for {lifetime}", "{lifetime}" },
    { LK_TEMPLATE_WELCOME_SMS, "Hello {name}, {serial} for {login} at {issuer}", NULL },
    { LK_TEMPLATE_WELCOME_SMS, "   ", "empty" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      gboolean ok = lk_message_template_check (cases[i].id, cases[i].text, &error);

      g_test_message ("case %zu", i);
      if (cases[i].says == NULL)
        {
          g_assert_no_error (error);
          g_assert_true (ok);
          continue;
        }
      g_assert_false (ok);
      g_assert_error (error, LK_DELIVERY_ERROR, LK_DELIVERY_ERROR_TEMPLATE);
      g_assert_nonnull (strstr (error->message, cases[i].says));
    }
  {
    /* What the check accepts renders: every default passes it. */
    for (guint id = 0; id < LK_N_TEMPLATES; id++)
      {
        g_autoptr(GError) error = NULL;

        g_assert_true (lk_message_template_check (id, lk_message_template_default (id), &error));
        g_assert_no_error (error);
        g_assert_nonnull (lk_message_template_key (id));
      }
    g_assert_null (lk_message_template_key (LK_N_TEMPLATES));
  }
}

/* The default texts come from the translations: render in French and
 * German with the build's catalogues (skipped without locale data). */
static void
test_translated (void)
{
  g_autofree char *podir = g_build_filename (g_getenv ("LK_BUILD_ROOT"), "po", NULL);
  g_autofree char *tmp = g_dir_make_tmp ("lk-locale-XXXXXX", NULL);
  static const struct { const char *lang; const char *locale; const char *sms; } langs[] = {
    { "fr", "fr_FR", "Acme : votre code est 042917. Il est valable 10 minutes." },
    { "de", "de_DE", "Acme: Ihr Code ist 042917. Er ist 10 Minuten gültig." },
  };
  char *old = g_strdup (setlocale (LC_ALL, NULL));

  if (g_getenv ("LK_BUILD_ROOT") == NULL || !g_file_test (podir, G_FILE_TEST_IS_DIR))
    {
      g_test_skip ("no build po/ directory");
      g_rmdir (tmp);
      g_free (old);
      return;
    }
  g_setenv ("LOCPATH", tmp, TRUE);
  bindtextdomain (GETTEXT_PACKAGE, podir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  for (gsize i = 0; i < G_N_ELEMENTS (langs); i++)
    {
      g_autofree char *name = g_strdup_printf ("%s.UTF-8", langs[i].locale);
      g_autofree char *dir = g_build_filename (tmp, name, NULL);
      const char *argv[] = { "localedef", "-i", langs[i].locale, "-f", "UTF-8", dir, NULL };
      g_autoptr(LkOutboxMessage) m = passcode_message ();
      g_autoptr(LkMessageText) text = NULL;
      g_autoptr(GError) error = NULL;
      int status = -1;
      g_autofree char *mo = g_build_filename (podir, langs[i].lang, "LC_MESSAGES", GETTEXT_PACKAGE ".mo", NULL);

      if (!g_file_test (mo, G_FILE_TEST_EXISTS))
        {
          g_test_skip ("the build has no compiled catalogues (build the po targets)");
          break;
        }
      /* LANGUAGE before setlocale(), which tells gettext to look again. */
      g_setenv ("LANGUAGE", langs[i].lang, TRUE);
      if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL |
                         G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status, NULL) ||
          !g_spawn_check_wait_status (status, NULL) || setlocale (LC_ALL, name) == NULL)
        {
          g_test_skip ("cannot make the locale (localedef)");
          break;
        }
      text = lk_message_render (m, "Acme", m->created_at, &error);
      g_assert_no_error (error);
      g_test_message ("%s: %s", langs[i].lang, text->sms);
      g_assert_true (g_str_has_prefix (text->sms, langs[i].sms));
      g_assert_cmpstr (text->subject, !=, "Your Acme passcode");
    }
  setlocale (LC_ALL, old);
  g_setenv ("LANGUAGE", "C", TRUE);
  g_unsetenv ("LOCPATH");
  g_free (old);
  {
    /* localedef writes a directory tree per locale. */
    const char *rm[] = { "rm", "-rf", tmp, NULL };

    g_spawn_sync (NULL, (char **) rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_setenv ("LANGUAGE", "C", TRUE);
  g_test_add_func ("/delivery/template/expand", test_expand);
  g_test_add_func ("/delivery/template/render", test_render);
  g_test_add_func ("/delivery/template/custom", test_custom);
  g_test_add_func ("/delivery/template/check", test_check);
  g_test_add_func ("/delivery/template/translated", test_translated);
  g_test_add_func ("/delivery/smtp/encode-header", test_encode_header);
  g_test_add_func ("/delivery/smtp/build-message", test_build_message);
  return g_test_run ();
}
