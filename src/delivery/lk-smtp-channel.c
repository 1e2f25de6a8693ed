/* SPDX-License-Identifier: GPL-3.0-or-later
 * Email delivery: builds a multipart/alternative MIME message and sends it
 * with libcurl's SMTP client (STARTTLS, implicit TLS, or plain on loopback). */
#include "config.h"

#include <string.h>
#include <curl/curl.h>
#include <glib/gi18n.h>

#include "lk-smtp-channel.h"
#include "lk-message-template.h"
#include "lk-secure.h"

struct _LkSmtpChannel
{
  GObject        parent_instance;
  LkSmtpConfig  *config;
  char          *issuer;
  LkMessageTemplates *templates;  /* nullable: the default texts */
};

static void lk_smtp_channel_delivery_init (LkDeliveryInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (LkSmtpChannel, lk_smtp_channel, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (LK_TYPE_DELIVERY, lk_smtp_channel_delivery_init))

static void
lk_smtp_channel_finalize (GObject *object)
{
  LkSmtpChannel *self = LK_SMTP_CHANNEL (object);

  lk_smtp_config_free (self->config);
  g_free (self->issuer);
  lk_message_templates_free (self->templates);
  G_OBJECT_CLASS (lk_smtp_channel_parent_class)->finalize (object);
}

static void
lk_smtp_channel_class_init (LkSmtpChannelClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = lk_smtp_channel_finalize;
}

static void
lk_smtp_channel_init (LkSmtpChannel *self)
{
}

LkSmtpChannel *
lk_smtp_channel_new (LkSmtpConfig *config,
                     const char   *issuer)
{
  LkSmtpChannel *self = g_object_new (LK_TYPE_SMTP_CHANNEL, NULL);

  g_return_val_if_fail (config != NULL, NULL);
  self->config = config;
  self->issuer = g_strdup (issuer ? issuer : "Latchkey");
  return self;
}

void
lk_smtp_channel_set_templates (LkSmtpChannel            *self,
                               const LkMessageTemplates *templates)
{
  g_return_if_fail (LK_IS_SMTP_CHANNEL (self));

  lk_message_templates_free (self->templates);
  self->templates = templates != NULL ? lk_message_templates_copy (templates) : NULL;
}

char *
lk_smtp_encode_header (const char *text)
{
  g_autoptr(GString) out = NULL;
  const char *p = text;
  gboolean ascii = TRUE;

  for (const char *c = text; *c != '\0'; c++)
    if ((guchar) *c >= 0x80 || *c == '\r' || *c == '\n')
      ascii = FALSE;
  if (ascii)
    return g_strdup (text);
  /* Encoded-words are at most 75 characters: 45 bytes of UTF-8 give 60
   * characters of Base64, plus 12 for "=?UTF-8?B?" "?=". Never split a
   * character across words (RFC 2047 section 5). */
  out = g_string_new (NULL);
  while (*p != '\0')
    {
      const char *end = p;
      g_autofree char *b64 = NULL;
      while (*end != '\0')
        {
          const char *next = g_utf8_next_char (end);
          if (next - p > 45)
            break;
          end = next;
        }
      b64 = g_base64_encode ((const guchar *) p, (gsize) (end - p));
      if (out->len > 0)
        g_string_append (out, "\r\n ");
      g_string_append_printf (out, "=?UTF-8?B?%s?=", b64);
      p = end;
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* RFC 5322 dates use English names whatever the locale. */
static char *
rfc5322_date (gint64 now)
{
  static const char *days[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
  static const char *months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (now);

  return g_strdup_printf ("%s, %02d %s %04d %02d:%02d:%02d +0000",
                          days[g_date_time_get_day_of_week (dt) - 1], g_date_time_get_day_of_month (dt),
                          months[g_date_time_get_month (dt) - 1], g_date_time_get_year (dt),
                          g_date_time_get_hour (dt), g_date_time_get_minute (dt), g_date_time_get_second (dt));
}

static void
append_base64_part (GString    *out,
                    const char *boundary,
                    const char *type,
                    const char *body)
{
  g_autofree char *b64 = g_base64_encode ((const guchar *) body, strlen (body));
  gsize len = strlen (b64);

  g_string_append_printf (out, "--%s\r\nContent-Type: %s; charset=UTF-8\r\n"
                               "Content-Transfer-Encoding: base64\r\n\r\n", boundary, type);
  for (gsize i = 0; i < len; i += 76)
    {
      g_string_append_len (out, b64 + i, (gssize) MIN (76, len - i));
      g_string_append (out, "\r\n");
    }
  lk_secure_wipe (b64, len);
}

static gboolean
header_safe (const char *value)
{
  return value == NULL || strpbrk (value, "\r\n<>") == NULL;
}

char *
lk_smtp_build_message (const LkSmtpConfig       *config,
                       const char               *issuer,
                       const LkMessageTemplates *templates,
                       const LkOutboxMessage    *message,
                       gint64                 now,
                       GError               **error)
{
  g_autoptr(LkMessageText) text = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  g_autofree char *subject = NULL;
  g_autofree char *from_name = NULL;
  g_autofree char *date = rfc5322_date (now);
  g_autofree char *boundary = NULL;
  const char *domain = strchr (config->from, '@') + 1;
  guint8 rnd[12];
  g_autofree char *rnd_hex = NULL;

  if (message->destination == NULL || strchr (message->destination, '@') == NULL ||
      !header_safe (message->destination))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("“%s” is not an email address"),
                   message->destination ? message->destination : "");
      return NULL;
    }
  /* The lifetime is counted from when the code was made, not sent. */
  text = lk_message_render_with (message, issuer, templates, message->created_at > 0 ? message->created_at : now,
                                 error);
  if (text == NULL)
    return NULL;
  subject = lk_smtp_encode_header (text->subject);
  from_name = lk_smtp_encode_header (config->from_name ? config->from_name : issuer);
  if (!lk_random_bytes (rnd, sizeof rnd, error))
    return NULL;
  rnd_hex = g_compute_checksum_for_data (G_CHECKSUM_SHA256, rnd, sizeof rnd);
  rnd_hex[32] = '\0';
  boundary = g_strdup_printf ("=_lk_%s", rnd_hex + 16);
  rnd_hex[16] = '\0';

  g_string_append_printf (out, "Date: %s\r\n", date);
  g_string_append_printf (out, "From: %s <%s>\r\n", from_name, config->from);
  g_string_append_printf (out, "To: <%s>\r\n", message->destination);
  g_string_append_printf (out, "Subject: %s\r\n", subject);
  g_string_append_printf (out, "Message-ID: <%" G_GINT64_FORMAT ".%s@%s>\r\n", message->id, rnd_hex, domain);
  g_string_append (out, "MIME-Version: 1.0\r\n");
  g_string_append (out, "Auto-Submitted: auto-generated\r\n");
  g_string_append_printf (out, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n", boundary);
  g_string_append (out, "This is a MIME message.\r\n");
  append_base64_part (out, boundary, "text/plain", text->text);
  append_base64_part (out, boundary, "text/html", text->html);
  g_string_append_printf (out, "--%s--\r\n", boundary);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

typedef struct
{
  const char *data;
  gsize       len;
  gsize       pos;
  GString    *last_reply;   /* the server's last refusal line */
} Upload;

static size_t
read_cb (char   *buffer,
         size_t  size,
         size_t  nitems,
         void   *user_data)
{
  Upload *up = user_data;
  gsize n = MIN (size * nitems, up->len - up->pos);

  memcpy (buffer, up->data + up->pos, n);
  up->pos += n;
  return n;
}

/* Keeps the server's replies (never what we send: that has AUTH and the code). */
static int
debug_cb (CURL          *handle,
          curl_infotype  type,
          char          *data,
          size_t         size,
          void          *user_data)
{
  Upload *up = user_data;

  /* Only refusals (4xx/5xx): the QUIT exchange after one must not hide it. */
  if (type == CURLINFO_HEADER_IN && size >= 3 && (data[0] == '4' || data[0] == '5'))
    {
      gsize n = size;
      while (n > 0 && (data[n - 1] == '\r' || data[n - 1] == '\n'))
        n--;
      g_string_truncate (up->last_reply, 0);
      g_string_append_len (up->last_reply, data, (gssize) MIN (n, 400));
    }
  return 0;
}

/* Stopping the worker must not wait out a slow server. */
static int
progress_cb (void       *user_data,
             curl_off_t  dltotal,
             curl_off_t  dlnow,
             curl_off_t  ultotal,
             curl_off_t  ulnow)
{
  return g_cancellable_is_cancelled (user_data) ? 1 : 0;
}

static gsize
curl_init_once (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      curl_global_init (CURL_GLOBAL_DEFAULT);
      g_once_init_leave (&done, 1);
    }
  return done;
}

static gboolean
lk_smtp_channel_deliver (LkDelivery            *delivery,
                         const LkOutboxMessage *message,
                         GCancellable          *cancellable,
                         GError               **error)
{
  LkSmtpChannel *self = LK_SMTP_CHANNEL (delivery);
  const LkSmtpConfig *cfg = self->config;
  g_autofree char *body = NULL;
  g_autofree char *url = NULL;
  g_autofree char *mail_from = NULL;
  g_autofree char *rcpt = NULL;
  g_autoptr(GString) reply = g_string_new (NULL);
  char errbuf[CURL_ERROR_SIZE] = "";
  struct curl_slist *rcpts = NULL;
  Upload up = { 0 };
  CURL *curl;
  CURLcode rc;
  long code = 0;
  guint port = cfg->port;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  curl_init_once ();
  body = lk_smtp_build_message (cfg, self->issuer, self->templates, message, g_get_real_time () / G_USEC_PER_SEC, error);
  if (body == NULL)
    return FALSE;
  if (port == 0)
    port = cfg->security == LK_SMTP_SECURITY_TLS ? 465 : cfg->security == LK_SMTP_SECURITY_NONE ? 25 : 587;
  url = g_strdup_printf ("%s://%s:%u", cfg->security == LK_SMTP_SECURITY_TLS ? "smtps" : "smtp",
                         cfg->host, port);
  mail_from = g_strdup_printf ("<%s>", cfg->from);
  rcpt = g_strdup_printf ("<%s>", message->destination);
  rcpts = curl_slist_append (NULL, rcpt);
  up.data = body;
  up.len = strlen (body);
  up.last_reply = reply;

  curl = curl_easy_init ();
  curl_easy_setopt (curl, CURLOPT_URL, url);
  curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (curl, CURLOPT_MAIL_FROM, mail_from);
  curl_easy_setopt (curl, CURLOPT_MAIL_RCPT, rcpts);
  curl_easy_setopt (curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt (curl, CURLOPT_READFUNCTION, read_cb);
  curl_easy_setopt (curl, CURLOPT_READDATA, &up);
  curl_easy_setopt (curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t) up.len);
  curl_easy_setopt (curl, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt (curl, CURLOPT_VERBOSE, 1L);
  curl_easy_setopt (curl, CURLOPT_DEBUGFUNCTION, debug_cb);
  curl_easy_setopt (curl, CURLOPT_DEBUGDATA, &up);
  curl_easy_setopt (curl, CURLOPT_TIMEOUT, (long) (cfg->timeout ? cfg->timeout : 30));
  curl_easy_setopt (curl, CURLOPT_USE_SSL, cfg->security == LK_SMTP_SECURITY_NONE ? (long) CURLUSESSL_NONE
                                                                                 : (long) CURLUSESSL_ALL);
  if (cancellable != NULL)
    {
      curl_easy_setopt (curl, CURLOPT_NOPROGRESS, 0L);
      curl_easy_setopt (curl, CURLOPT_XFERINFOFUNCTION, progress_cb);
      curl_easy_setopt (curl, CURLOPT_XFERINFODATA, cancellable);
    }
  if (cfg->ca_file != NULL)
    curl_easy_setopt (curl, CURLOPT_CAINFO, cfg->ca_file);
  if (cfg->username != NULL)
    {
      curl_easy_setopt (curl, CURLOPT_USERNAME, cfg->username);
      curl_easy_setopt (curl, CURLOPT_PASSWORD, cfg->password ? cfg->password : "");
    }
  rc = curl_easy_perform (curl);
  curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &code);
  curl_easy_cleanup (curl);
  curl_slist_free_all (rcpts);
  lk_secure_wipe (body, strlen (body));

  if (rc == CURLE_OK)
    {
      g_debug ("email %" G_GINT64_FORMAT " accepted by %s", message->id, cfg->host);
      return TRUE;
    }
  if (code >= 500 && code < 600)
    {
      /* The server refused for good (unknown mailbox, policy): say its words. */
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("The mail server refused the message: %s"),
                   reply->len > 0 ? reply->str : errbuf);
      return FALSE;
    }
  if (code >= 400 && code < 500)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("The mail server deferred the message: %s"),
                 reply->len > 0 ? reply->str : errbuf);
  else
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Cannot send email through %s: %s"),
                 cfg->host, *errbuf ? errbuf : curl_easy_strerror (rc));
  return FALSE;
}

static void
lk_smtp_channel_delivery_init (LkDeliveryInterface *iface)
{
  iface->deliver = lk_smtp_channel_deliver;
}
