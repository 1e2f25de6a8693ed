/* SPDX-License-Identifier: GPL-3.0-or-later
 * Message templates and the MIME message built from them: placeholder
 * expansion and escaping, refusals, RFC 2047 subjects, both MIME parts. */
#include "config.h"

#include <string.h>

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
  mail = lk_smtp_build_message (&config, "Acme", m, 1700000000, &error);
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
  mail = lk_smtp_build_message (&config, "Acme", m, 1700000000, &error);
  g_assert_null (mail);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_setenv ("LANGUAGE", "C", TRUE);
  g_test_add_func ("/delivery/template/expand", test_expand);
  g_test_add_func ("/delivery/template/render", test_render);
  g_test_add_func ("/delivery/smtp/encode-header", test_encode_header);
  g_test_add_func ("/delivery/smtp/build-message", test_build_message);
  return g_test_run ();
}
