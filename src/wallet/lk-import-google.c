/* SPDX-License-Identifier: GPL-3.0-or-later
 * Decoding of Google Authenticator migration URIs: percent-encoding, Base64, then the protobuf payload. */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "google-migration.pb-c.h"
#include "lk-import-google.h"
#include "lk-import-private.h"
#include "lk-secure.h"

#define SCHEME "otpauth-migration:"

gboolean
lk_import_google_is_migration_uri (const char *text)
{
  return text != NULL && g_ascii_strncasecmp (text, SCHEME, strlen (SCHEME)) == 0;
}

/* Wipes the seeds protobuf-c copied out of the payload, then frees it. */
static void
payload_free (LkMigration__MigrationPayload *payload)
{
  for (gsize i = 0; i < payload->n_otp_parameters; i++)
    {
      LkMigration__MigrationPayload__OtpParameters *p = payload->otp_parameters[i];

      if (p != NULL && p->secret.data != NULL)
        lk_secure_wipe (p->secret.data, p->secret.len);
    }
  lk_migration__migration_payload__free_unpacked (payload, NULL);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LkMigration__MigrationPayload, payload_free)

static LkImportEntry *
entry_from_parameters (const LkMigration__MigrationPayload__OtpParameters *p,
                       guint                                               position)
{
  g_autoptr(LkImportEntry) entry = NULL;
  g_autoptr(LkOtpauth) token = lk_otpauth_new ();
  g_autofree char *fallback = g_strdup_printf (_("entry %u"), position);
  g_autofree char *issuer = NULL;
  g_autofree char *account = NULL;

  entry = lk_import_entry_new (fallback);

  /* protobuf-c does not check that strings are UTF-8. */
  if ((p->name != NULL && (strlen (p->name) > LK_IMPORT_MAX_TEXT_SIZE || !g_utf8_validate (p->name, -1, NULL))) ||
      (p->issuer != NULL && (strlen (p->issuer) > LK_IMPORT_MAX_TEXT_SIZE || !g_utf8_validate (p->issuer, -1, NULL))))
    {
      lk_import_entry_refuse (entry, _("The name or issuer is not valid text."));
      return g_steal_pointer (&entry);
    }

  lk_import_split_name (p->name, p->issuer, &issuer, &account);
  g_free (entry->name);
  entry->name = issuer != NULL ? g_strdup_printf ("%s:%s", issuer, account) : g_strdup (account);

  switch ((int) p->algorithm)
    {
    case LK_MIGRATION__MIGRATION_PAYLOAD__ALGORITHM__ALGORITHM_UNSPECIFIED:
    case LK_MIGRATION__MIGRATION_PAYLOAD__ALGORITHM__SHA1:
      token->algorithm = LK_HASH_SHA1;
      break;
    case LK_MIGRATION__MIGRATION_PAYLOAD__ALGORITHM__SHA256:
      token->algorithm = LK_HASH_SHA256;
      break;
    case LK_MIGRATION__MIGRATION_PAYLOAD__ALGORITHM__SHA512:
      token->algorithm = LK_HASH_SHA512;
      break;
    case LK_MIGRATION__MIGRATION_PAYLOAD__ALGORITHM__MD5:
      lk_import_parse_algorithm (entry, "MD5", &token->algorithm);
      return g_steal_pointer (&entry);
    default:
      lk_import_entry_refuse (entry, _("The token uses an unknown algorithm (number %d)."), (int) p->algorithm);
      return g_steal_pointer (&entry);
    }

  switch ((int) p->digits)
    {
    case LK_MIGRATION__MIGRATION_PAYLOAD__DIGIT_COUNT__DIGIT_COUNT_UNSPECIFIED:
    case LK_MIGRATION__MIGRATION_PAYLOAD__DIGIT_COUNT__SIX:
      token->digits = 6;
      break;
    case LK_MIGRATION__MIGRATION_PAYLOAD__DIGIT_COUNT__EIGHT:
      token->digits = 8;
      break;
    default:
      lk_import_entry_refuse (entry, _("The token uses an unknown digit count (number %d)."), (int) p->digits);
      return g_steal_pointer (&entry);
    }

  switch ((int) p->type)
    {
    case LK_MIGRATION__MIGRATION_PAYLOAD__OTP_TYPE__HOTP:
      if (p->counter < 0)
        {
          lk_import_entry_refuse (entry, _("The HOTP counter is negative."));
          return g_steal_pointer (&entry);
        }
      token->type = LK_OTPAUTH_HOTP;
      token->counter = (guint64) p->counter;
      break;
    /* Google Authenticator only makes 30-second TOTP tokens, and older
     * exports leave the type unset for them. */
    case LK_MIGRATION__MIGRATION_PAYLOAD__OTP_TYPE__OTP_TYPE_UNSPECIFIED:
    case LK_MIGRATION__MIGRATION_PAYLOAD__OTP_TYPE__TOTP:
      token->type = LK_OTPAUTH_TOTP;
      token->period = 30;
      break;
    default:
      lk_import_entry_refuse (entry, _("The token has an unknown type (number %d)."), (int) p->type);
      return g_steal_pointer (&entry);
    }

  g_free (token->issuer);
  token->issuer = g_steal_pointer (&issuer);
  g_free (token->account);
  token->account = g_steal_pointer (&account);
  g_clear_pointer (&token->secret, g_bytes_unref);
  token->secret = lk_secure_bytes_new (p->secret.data, p->secret.len);
  lk_import_entry_take_token (entry, g_steal_pointer (&token));
  return g_steal_pointer (&entry);
}

GPtrArray *
lk_import_google_parse_payload (const guint8     *data,
                                gsize             len,
                                LkMigrationPart  *part,
                                GError          **error)
{
  g_autoptr(LkMigration__MigrationPayload) payload = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  LkMigrationPart info;

  if (len > LK_IMPORT_GOOGLE_MAX_URI_SIZE)
    {
      g_set_error (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_TOO_LARGE,
                   _("The Google Authenticator export is larger than %u KiB."),
                   LK_IMPORT_GOOGLE_MAX_URI_SIZE / 1024);
      return NULL;
    }
  payload = lk_migration__migration_payload__unpack (NULL, len, data);
  if (payload == NULL)
    {
      g_set_error_literal (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_CORRUPT,
                           _("The Google Authenticator export is truncated or damaged "
                             "(its data is not a migration payload)."));
      return NULL;
    }
  if (payload->n_otp_parameters > LK_IMPORT_MAX_ENTRIES)
    {
      g_set_error (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_TOO_LARGE,
                   _("The export holds more than %u tokens."), LK_IMPORT_MAX_ENTRIES);
      return NULL;
    }

  /* An export from before batches existed leaves all three fields at 0. */
  if (payload->batch_size <= 0)
    {
      info.size = 1;
      info.index = 0;
    }
  else if (payload->batch_size > LK_IMPORT_GOOGLE_MAX_BATCH)
    {
      g_set_error (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_TOO_LARGE,
                   _("The export claims %d QR codes; at most %u are accepted."),
                   payload->batch_size, LK_IMPORT_GOOGLE_MAX_BATCH);
      return NULL;
    }
  else if (payload->batch_index < 0 || payload->batch_index >= payload->batch_size)
    {
      g_set_error (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_CORRUPT,
                   _("The export's part number (%d) does not fit its number of parts (%d)."),
                   payload->batch_index + 1, payload->batch_size);
      return NULL;
    }
  else
    {
      info.size = (guint) payload->batch_size;
      info.index = (guint) payload->batch_index;
    }
  info.id = payload->batch_id;

  entries = lk_import_entries_new ();
  for (gsize i = 0; i < payload->n_otp_parameters; i++)
    g_ptr_array_add (entries, entry_from_parameters (payload->otp_parameters[i], (guint) i + 1));

  if (part != NULL)
    *part = info;
  return g_steal_pointer (&entries);
}

static int
hex_digit (char c)
{
  return g_ascii_isxdigit (c) ? g_ascii_xdigit_value (c) : -1;
}

GPtrArray *
lk_import_google_parse (const char       *uri,
                        LkMigrationPart  *part,
                        GError          **error)
{
  const char *rest, *query, *data = NULL;
  gsize data_len, n = 0;
  g_autofree char *decoded = NULL;
  g_autoptr(GBytes) payload = NULL;
  GPtrArray *entries;

  g_return_val_if_fail (uri != NULL, NULL);

  if (strlen (uri) > LK_IMPORT_GOOGLE_MAX_URI_SIZE)
    {
      g_set_error (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_TOO_LARGE,
                   _("The Google Authenticator export is larger than %u KiB."),
                   LK_IMPORT_GOOGLE_MAX_URI_SIZE / 1024);
      return NULL;
    }
  if (!lk_import_google_is_migration_uri (uri))
    {
      g_set_error_literal (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_UNKNOWN_FORMAT,
                           _("This is not a Google Authenticator export (it does not start with otpauth-migration://)."));
      return NULL;
    }
  rest = uri + strlen (SCHEME);
  if (g_ascii_strncasecmp (rest, "//offline", 9) != 0 || (rest[9] != '?' && rest[9] != '\0' && rest[9] != '/'))
    {
      g_set_error_literal (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_CORRUPT,
                           _("The Google Authenticator export is not an “offline” transfer."));
      return NULL;
    }
  query = strchr (rest, '?');
  while (query != NULL)
    {
      query++;
      if (strncmp (query, "data=", 5) == 0)
        {
          data = query + 5;
          break;
        }
      query = strchr (query, '&');
    }
  if (data == NULL)
    {
      g_set_error_literal (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_CORRUPT,
                           _("The Google Authenticator export has no data parameter."));
      return NULL;
    }
  data_len = strcspn (data, "&#");

  /* Percent-decoding by hand: a '+' here is Base64, not a space, and a
   * space is what a form decoder made of a '+'. */
  decoded = g_malloc (data_len + 1);
  for (gsize i = 0; i < data_len; i++)
    {
      if (data[i] == '%')
        {
          int hi = i + 2 < data_len ? hex_digit (data[i + 1]) : -1;
          int lo = hi >= 0 ? hex_digit (data[i + 2]) : -1;

          if (hi < 0 || lo < 0)
            {
              g_set_error_literal (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_CORRUPT,
                                   _("The Google Authenticator export has a broken percent-escape."));
              return NULL;
            }
          decoded[n++] = (char) (hi << 4 | lo);
          i += 2;
        }
      else if (data[i] == ' ')
        decoded[n++] = '+';
      else
        decoded[n++] = data[i];
    }
  decoded[n] = '\0';

  payload = lk_import_base64_decode (decoded, n, LK_IMPORT_GOOGLE_MAX_URI_SIZE, error);
  lk_secure_wipe (decoded, n);
  if (payload == NULL)
    {
      g_prefix_error (error, _("Google Authenticator export: "));
      return NULL;
    }
  if (g_bytes_get_size (payload) == 0)
    {
      g_set_error_literal (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_CORRUPT,
                           _("The Google Authenticator export is empty."));
      return NULL;
    }

  entries = lk_import_google_parse_payload (g_bytes_get_data (payload, NULL), g_bytes_get_size (payload),
                                            part, error);
  return entries;
}
