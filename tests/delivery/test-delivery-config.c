/* SPDX-License-Identifier: GPL-3.0-or-later
 * Delivery configuration: the key-file reader, presets, and refusals that
 * never echo a secret. */
#include "config.h"

#include <string.h>

#include "lk-delivery-config.h"
#include "lk-delivery-error.h"

static LkDeliveryConfig *
load (const char  *text,
      GError     **error)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();

  g_assert_true (g_key_file_load_from_data (file, text, (gsize) -1, G_KEY_FILE_NONE, NULL));
  return lk_delivery_config_load (file, error);
}

static void
test_full (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkDeliveryConfig) config = load (
      "[delivery]\nissuer=Acme\npoll-interval=2\nbatch=20\nsend-limit=3\n"
      "[smtp]\nhost=smtp.example.org\nport=465\nsecurity=tls\nusername=u\npassword=p\nfrom=a@example.org\n"
      "[sms]\npreset=twilio-sms\nurl=https://gw.example/sms\nusername=AC1\npassword=tok\nfrom=+1555\n"
      "[voice]\nurl=https://gw.example/voice\nformat=form\nmethod=PUT\nbody=to={number}&say={message}\n"
      "headers=X-Key: abc;Authorization: Bearer xyz\n", &error);

  g_assert_no_error (error);
  g_assert_cmpstr (config->issuer, ==, "Acme");
  g_assert_cmpuint (config->poll_interval, ==, 2);
  g_assert_cmpuint (config->batch, ==, 20);
  g_assert_cmpint (config->smtp->security, ==, LK_SMTP_SECURITY_TLS);
  g_assert_cmpuint (config->smtp->port, ==, 465);
  g_assert_cmpstr (config->smtp->password, ==, "p");
  g_assert_cmpint (config->sms->format, ==, LK_GATEWAY_BODY_FORM);
  g_assert_cmpstr (config->sms->body, ==, "To={number}&From={from}&Body={message}");
  g_assert_cmpstr (config->voice->method, ==, "PUT");
  g_assert_cmpint (config->voice->format, ==, LK_GATEWAY_BODY_FORM);
  g_assert_cmpuint (g_strv_length (config->voice->headers), ==, 2);
}

static void
test_absent (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkDeliveryConfig) config = load ("[server]\nlisten=127.0.0.1:0\n", &error);

  g_assert_no_error (error);
  g_assert_null (config->smtp);
  g_assert_null (config->sms);
  g_assert_null (config->voice);
}

static void
test_refused (void)
{
  static const struct { const char *text; const char *says; } cases[] = {
    { "[smtp]\nhost=127.0.0.1\n", "from" },
    { "[smtp]\nhost=127.0.0.1\nfrom=Name <a@b.org>\n", "bare email" },
    { "[smtp]\nhost=smtp.example.org\nfrom=a@b.org\nsecurity=none\n", "loopback" },
    { "[smtp]\nhost=127.0.0.1\nfrom=a@b.org\nsecurity=ssl3\n", "security" },
    { "[smtp]\nhost=127.0.0.1\nfrom=a@b.org\nport=70000\n", "port" },
    { "[smtp]\nhost=127.0.0.1\nfrom=a@b.org\npasword=x\n", "pasword" },
    { "[sms]\npreset=nexmo\nurl=https://x.example/\n", "nexmo" },
    { "[sms]\npreset=json\n", "url" },
    { "[sms]\nurl=ftp://x.example/\n", "http" },
    { "[sms]\nurl=http://gw.example.org/\n", "https" },
    { "[sms]\nurl=https://x.example/\nbody={\"text\": \"{message}\"}\n", "{number}" },
    { "[sms]\nurl=https://x.example/\nmethod=DELETE\n", "method" },
    { "[sms]\nurl=https://x.example/\nformat=xml\n", "format" },
    { "[delivery]\nbatch=0\n", "batch" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(LkDeliveryConfig) config = load (cases[i].text, &error);

      g_test_message ("case %zu", i);
      g_assert_null (config);
      g_assert_error (error, LK_DELIVERY_ERROR, LK_DELIVERY_ERROR_CONFIG);
      g_assert_nonnull (strstr (error->message, cases[i].says));
    }
  {
    /* A bad header line is named by position, not echoed: it may hold a key. */
    g_autoptr(GError) error = NULL;
    g_autoptr(LkDeliveryConfig) config = load ("[sms]\nurl=https://x.example/\nheaders=X-Key: a;sk_live_123456\n",
                                               &error);
    g_assert_null (config);
    g_assert_error (error, LK_DELIVERY_ERROR, LK_DELIVERY_ERROR_CONFIG);
    g_assert_null (strstr (error->message, "sk_live_123456"));
    g_assert_nonnull (strstr (error->message, "2"));
  }
}

/* [templates]: the administrator's texts, line breaks as \n, checked
 * when the file is read (a typo in a placeholder stops latchkeyd, not a
 * message at 3 a.m.). */
static void
test_templates (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkDeliveryConfig) config = load (
      "[templates]\npasscode-subject=  {issuer} sign-in code\n"
      "passcode-body=Hello {name},\\n\\nyour code: {code}\\n\npasscode-sms=\nwelcome-sms=Welcome {name} ({login})\n",
      &error);
  g_autoptr(LkDeliveryConfig) none = load ("[delivery]\nissuer=Acme\n", &error);

  g_assert_no_error (error);
  g_assert_nonnull (config->templates);
  g_assert_cmpstr (config->templates->text[LK_TEMPLATE_PASSCODE_SUBJECT], ==, "{issuer} sign-in code");
  g_assert_cmpstr (config->templates->text[LK_TEMPLATE_PASSCODE_BODY], ==, "Hello {name},\n\nyour code: {code}\n");
  /* Empty is the default. */
  g_assert_null (config->templates->text[LK_TEMPLATE_PASSCODE_SMS]);
  g_assert_cmpstr (config->templates->text[LK_TEMPLATE_WELCOME_SMS], ==, "Welcome {name} ({login})");
  g_assert_null (none->templates);

  {
    static const struct { const char *text; const char *says; } bad[] = {
      { "[templates]\npasscode-sms=Code {kode}\n", "[templates] passcode-sms: Unknown placeholder {kode}" },
      { "[templates]\nwelcome-body=Your code {code}\n", "[templates] welcome-body: Unknown placeholder {code}" },
      { "[templates]\npasscode-voice=Hello {name}\n", "{code}" },
      { "[templates]\npasscode-subjet=x\n", "passcode-subjet" },
      /* A gateway body is checked the same way, against the gateway's values. */
      { "[sms]\nurl=https://x.example/\nbody={\"to\": \"{number}\", \"text\": \"{mesage}\"}\n",
        "[sms] body: Unknown placeholder {mesage}" },
    };

    for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autoptr(GError) local = NULL;
        g_autoptr(LkDeliveryConfig) refused = load (bad[i].text, &local);

        g_test_message ("case %zu: %s", i, local ? local->message : "(accepted)");
        g_assert_null (refused);
        g_assert_nonnull (local);
        g_assert_nonnull (strstr (local->message, bad[i].says));
      }
  }
  g_assert_true (g_strv_contains (lk_delivery_config_groups (), "templates"));
  g_assert_true (g_strv_contains (lk_delivery_config_keys ("templates"), "welcome-subject"));
}

/* The commented-out [templates] of data/latchkeyd.conf.example, uncommented,
 * are accepted: the example shows working texts. */
static void
test_example_templates (void)
{
  g_autofree char *path = g_build_filename (g_getenv ("LK_SOURCE_ROOT"), "data", "latchkeyd.conf.example", NULL);
  g_autofree char *text = NULL;
  g_autoptr(GString) section = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(LkDeliveryConfig) config = NULL;
  g_auto(GStrv) lines = NULL;
  gboolean inside = FALSE;
  guint n = 0;

  if (g_getenv ("LK_SOURCE_ROOT") == NULL)
    {
      g_test_skip ("LK_SOURCE_ROOT is not set");
      return;
    }
  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  lines = g_strsplit (text, "\n", -1);
  for (gsize i = 0; lines[i] != NULL; i++)
    {
      if (g_str_equal (lines[i], "#[templates]"))
        inside = TRUE;
      else if (inside && g_str_has_prefix (lines[i], "#["))
        inside = FALSE;
      if (inside && g_str_has_prefix (lines[i], "#") && !g_str_has_prefix (lines[i], "# "))
        {
          g_string_append_printf (section, "%s\n", lines[i] + 1);
          n++;
        }
    }
  g_assert_cmpuint (n, ==, 8);
  config = load (section->str, &error);
  g_assert_no_error (error);
  for (guint id = 0; id < LK_N_TEMPLATES; id++)
    g_assert_nonnull (config->templates->text[id]);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_setenv ("LANGUAGE", "C", TRUE);
  g_test_add_func ("/delivery/config/full", test_full);
  g_test_add_func ("/delivery/config/absent", test_absent);
  g_test_add_func ("/delivery/config/refused", test_refused);
  g_test_add_func ("/delivery/config/templates", test_templates);
  g_test_add_func ("/delivery/config/example-templates", test_example_templates);
  return g_test_run ();
}
