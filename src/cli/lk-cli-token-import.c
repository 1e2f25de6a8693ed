/* SPDX-License-Identifier: GPL-3.0-or-later
 * latchkeyctl token import (preview, duplicates, all-or-nothing store) and token export (Aegis vault, plain list, QR). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <gio/gunixinputstream.h>

#include "lk-cli-token-import.h"
#include "lk-export-aegis.h"
#include "lk-export-qr.h"
#include "lk-export-uris.h"
#include "lk-import-file.h"
#include "lk-secure.h"
#include "lk-wallet.h"

#define PASSWORD_MAX 4096

/* The first line of @path ("-" = standard input), in wiped memory. A
 * password never comes from the command line, where ps(1) would show it. */
static char *
read_password_file (const char  *path,
                    GError     **error)
{
  char buffer[PASSWORD_MAX + 2];
  gsize len;
  FILE *stream;
  char *password;

  stream = g_str_equal (path, "-") ? stdin : g_fopen (path, "rb");
  if (stream == NULL)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _("Cannot open the password file %s: %s"), path, g_strerror (saved));
      return NULL;
    }
  /* One line: a person typing at a terminal ends it with Enter. */
  if (fgets (buffer, sizeof buffer, stream) == NULL)
    buffer[0] = '\0';
  if (stream != stdin)
    fclose (stream);
  len = strcspn (buffer, "\r\n");
  if (len > PASSWORD_MAX)
    {
      lk_secure_wipe (buffer, sizeof buffer);
      g_set_error (error, LK_CLI_ERROR, LK_CLI_ERROR_USAGE,
                   _("The password in %s is longer than %d bytes."), path, PASSWORD_MAX);
      return NULL;
    }
  password = g_strndup (buffer, len);
  lk_secure_wipe (buffer, sizeof buffer);
  return password;
}

static const char *
entry_status (const LkImportEntry *entry)
{
  if (entry->token == NULL || entry->reason != NULL)
    return "refused";
  if (entry->duplicate)
    return entry->selected ? "duplicate-imported" : "duplicate";
  return entry->selected ? "new" : "skipped";
}

static JsonNode *
entry_to_json (const LkImportEntry *entry)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  /* What a person needs to decide, never the seed. */
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, entry->name);
  json_builder_set_member_name (builder, "status");
  json_builder_add_string_value (builder, entry_status (entry));
  if (entry->token != NULL)
    {
      json_builder_set_member_name (builder, "type");
      json_builder_add_string_value (builder, lk_otpauth_type_to_string (entry->token->type));
      json_builder_set_member_name (builder, "algorithm");
      json_builder_add_string_value (builder, lk_hash_to_string (entry->token->algorithm));
      json_builder_set_member_name (builder, "digits");
      json_builder_add_int_value (builder, entry->token->digits);
    }
  if (entry->group != NULL)
    {
      json_builder_set_member_name (builder, "group");
      json_builder_add_string_value (builder, entry->group);
    }
  if (entry->reason != NULL)
    {
      json_builder_set_member_name (builder, "reason");
      json_builder_add_string_value (builder, entry->reason);
    }
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

static void
print_preview (LkCliContext   *ctx,
               GPtrArray      *entries,
               LkImportFormat  format,
               gboolean        dry_run,
               guint           n_imported)
{
  guint importable, duplicates, refused;

  lk_import_entries_count (entries, &importable, &duplicates, &refused);
  if (ctx->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "format");
      json_builder_add_string_value (builder, lk_import_format_to_string (format));
      json_builder_set_member_name (builder, "dry_run");
      json_builder_add_boolean_value (builder, dry_run);
      json_builder_set_member_name (builder, "imported");
      json_builder_add_int_value (builder, n_imported);
      json_builder_set_member_name (builder, "duplicates");
      json_builder_add_int_value (builder, duplicates);
      json_builder_set_member_name (builder, "refused");
      json_builder_add_int_value (builder, refused);
      json_builder_set_member_name (builder, "entries");
      json_builder_begin_array (builder);
      for (guint i = 0; i < entries->len; i++)
        json_builder_add_value (builder, entry_to_json (g_ptr_array_index (entries, i)));
      json_builder_end_array (builder);
      json_builder_end_object (builder);
      root = json_builder_get_root (builder);
      lk_cli_print_json (ctx, root);
      return;
    }

  g_print (ngettext ("%s: %u entry\n", "%s: %u entries\n", entries->len),
           lk_import_format_describe (format), entries->len);
  for (guint i = 0; i < entries->len; i++)
    {
      const LkImportEntry *entry = g_ptr_array_index (entries, i);
      const char *status = entry_status (entry);

      if (entry->token != NULL && entry->reason == NULL)
        g_print ("  %-10s %s (%s, %s, %u)%s%s\n", status, entry->name,
                 lk_otpauth_type_to_string (entry->token->type),
                 lk_hash_to_string (entry->token->algorithm), entry->token->digits,
                 entry->group != NULL ? "  · " : "", entry->group != NULL ? entry->group : "");
      else
        g_print ("  %-10s %s: %s\n", status, entry->name, entry->reason);
    }
  /* Counts as "N of M" forms would need a plural per number; the
   * labelled figures read correctly for any count. */
  if (dry_run)
    g_print (_("Dry run, nothing stored. To import: %u; duplicates: %u; cannot be imported: %u.\n"),
             importable, duplicates, refused);
  else if (n_imported > 0)
    g_print (_("Imported: %u; duplicates skipped: %u; could not be imported: %u.\n"),
             n_imported, duplicates, refused);
}

static void
on_progress (guint    done,
             guint    total,
             gpointer user_data)
{
  /* Only for a person watching; scripts read the summary. */
  if (isatty (STDERR_FILENO))
    g_printerr ("\r%s", _("Storing in the keyring…"));
  if (isatty (STDERR_FILENO))
    g_printerr (" %u/%u%s", done, total, done == total ? "\n" : "");
}

static gboolean
looks_like_uri (const char *argument)
{
  return g_ascii_strncasecmp (argument, "otpauth:", 8) == 0 ||
         g_ascii_strncasecmp (argument, "otpauth-migration:", 18) == 0;
}

/* Several sources at once: QR code images and link lists, read together
 * so the parts of a Google multi-QR export join up whatever their order. */
static GPtrArray *
parse_several (int              n_sources,
               char           **sources,
               LkImportFormat  *format,
               GError         **error)
{
  g_autoptr(GPtrArray) data = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  *format = LK_IMPORT_FORMAT_URIS;
  for (int i = 0; i < n_sources; i++)
    {
      g_autofree char *contents = NULL;
      gsize len = 0;

      if (looks_like_uri (sources[i]))
        {
          g_ptr_array_add (data, lk_secure_bytes_new (sources[i], strlen (sources[i])));
          continue;
        }
      if (g_str_equal (sources[i], "-"))
        {
          g_set_error_literal (error, LK_CLI_ERROR, LK_CLI_ERROR_USAGE,
                               _("standard input (-) can only be used alone"));
          return NULL;
        }
      if (!g_file_get_contents (sources[i], &contents, &len, error))
        return NULL;
      if (len >= 8 && memcmp (contents, "\x89PNG", 4) == 0)
        *format = LK_IMPORT_FORMAT_QR_IMAGE;
      g_ptr_array_add (data, lk_secure_bytes_new_take (g_steal_pointer (&contents), len));
    }
  return lk_import_parse_combined (data, error);
}

int
lk_cli_token_import_run (LkCliContext *ctx,
                         int           argc,
                         char        **argv)
{
  g_autofree char *password_file = NULL;
  g_autofree char *format_name = NULL;
  gboolean dry_run = FALSE;
  gboolean include_duplicates = FALSE;
  const GOptionEntry options[] = {
    { "password-file", 0, 0, G_OPTION_ARG_FILENAME, &password_file,
      N_("Read the backup's password from the first line of FILE (- for standard input)"), N_("FILE") },
    { "format", 0, 0, G_OPTION_ARG_STRING, &format_name,
      N_("The file's format: aegis, andotp, freeotp, google, uris, qr-image (default: recognise it)"), N_("FORMAT") },
    { "dry-run", 'n', 0, G_OPTION_ARG_NONE, &dry_run,
      N_("Show what would be imported, store nothing"), NULL },
    { "include-duplicates", 0, 0, G_OPTION_ARG_NONE, &include_duplicates,
      N_("Also import entries that duplicate a stored token"), NULL },
    { NULL }
  };
  g_autoptr(LkWallet) wallet = lk_wallet_new ();
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GError) error = NULL;
  LkImportFormat format = LK_IMPORT_FORMAT_AUTO;
  char *password = NULL;
  const char *source;
  guint n_imported = 0, importable = 0;
  int status;

  if (!lk_cli_parse_options (ctx, options, _("FILE|URI|- [FILE|URI…]"),
                             _("Imports tokens from an Aegis vault, an andOTP backup, a FreeOTP+ export, a "
                               "Google Authenticator export (otpauth-migration:// links), a text file of "
                               "otpauth:// links or a PNG image of QR codes. Several images or link lists "
                               "are read together, so the QR codes of a multi-part Google export can be given "
                               "in any order. Every entry is listed first; entries that cannot be imported "
                               "say why, duplicates of stored tokens are skipped, and either all the rest is "
                               "stored or nothing is. Give - to read the file from standard input (a link on "
                               "the command line is visible to other users in the process list)."),
                             &argc, &argv, &status))
    return status;
  if (argc < 2)
    return lk_cli_usage_error (ctx, _("needs a FILE, URI or - (standard input)"));
  if (format_name != NULL && !lk_import_format_from_string (format_name, &format))
    return lk_cli_usage_error (ctx, _("unknown format “%s”; use aegis, andotp, freeotp, google, uris or qr-image"), format_name);
  source = argv[1];
  if (g_str_equal (source, "-") && password_file != NULL && g_str_equal (password_file, "-"))
    return lk_cli_usage_error (ctx, _("standard input cannot hold both the file and its password"));

  if (password_file != NULL)
    {
      password = read_password_file (password_file, &error);
      if (password == NULL)
        return lk_cli_report_error (ctx, error);
    }

  if (argc > 2)
    entries = parse_several (argc - 1, argv + 1, &format, &error);
  else if (looks_like_uri (source))
    entries = lk_import_parse ((const guint8 *) source, strlen (source), format, password, &format, &error);
  else if (g_str_equal (source, "-"))
    {
      g_autoptr(GInputStream) in = g_unix_input_stream_new (STDIN_FILENO, FALSE);
      guint8 *buffer = g_malloc (LK_IMPORT_MAX_FILE_SIZE + 1);
      gsize read = 0;

      if (g_input_stream_read_all (in, buffer, LK_IMPORT_MAX_FILE_SIZE + 1, &read, NULL, &error))
        entries = lk_import_parse (buffer, read, format, password, &format, &error);
      lk_secure_wipe (buffer, read);
      g_free (buffer);
    }
  else
    {
      g_autoptr(GFile) file = g_file_new_for_commandline_arg (source);

      entries = lk_import_parse_file_sync (file, format, password, &format, NULL, &error);
    }
  g_clear_pointer (&password, lk_secure_str_free);
  if (entries == NULL)
    {
      if (g_error_matches (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_NEEDS_PASSWORD))
        {
          g_autofree char *message = g_strdup_printf ("%s %s", error->message,
                                                      _("Give it with --password-file FILE."));

          g_free (error->message);
          error->message = g_steal_pointer (&message);
        }
      return lk_cli_report_error (ctx, error);
    }

  /* Duplicates are judged against the keyring; a dry run without one still
   * shows the file's own duplicates and says the keyring was not checked. */
  if (!lk_import_check_wallet_sync (wallet, entries, NULL, &error))
    {
      if (!dry_run)
        return lk_cli_report_error (ctx, error);
      if (!ctx->json)
        g_printerr (_("Note: the keyring could not be checked for duplicates: %s\n"), error->message);
      g_clear_error (&error);
      lk_import_mark_duplicates (entries, NULL);
    }
  if (include_duplicates)
    for (guint i = 0; i < entries->len; i++)
      {
        LkImportEntry *entry = g_ptr_array_index (entries, i);

        if (entry->token != NULL && entry->reason == NULL)
          entry->selected = TRUE;
      }

  for (guint i = 0; i < entries->len; i++)
    if (((LkImportEntry *) g_ptr_array_index (entries, i))->selected)
      importable++;

  if (dry_run)
    {
      print_preview (ctx, entries, format, TRUE, 0);
      return LK_CLI_EXIT_OK;
    }
  if (importable == 0)
    {
      print_preview (ctx, entries, format, FALSE, 0);
      g_set_error_literal (&error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_NOTHING,
                           _("Nothing was imported: every entry is a duplicate or cannot be imported."));
      return lk_cli_report_error (ctx, error);
    }
  if (!lk_import_commit_sync (wallet, entries, on_progress, NULL, &n_imported, NULL, &error))
    {
      g_prefix_error (&error, "%s ", _("Nothing was imported:"));
      return lk_cli_report_error (ctx, error);
    }
  print_preview (ctx, entries, format, FALSE, n_imported);
  return LK_CLI_EXIT_OK;
}

static gboolean
write_output (const char    *path,
              const guint8  *data,
              gsize          len,
              GError       **error)
{
  if (g_str_equal (path, "-"))
    {
      if (fwrite (data, 1, len, stdout) != len || fflush (stdout) != 0)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Writing to standard output failed."));
          return FALSE;
        }
      return TRUE;
    }
  /* 0600 and written atomically: a backup must never be half there or
   * readable by others. */
  return g_file_set_contents_full (path, (const char *) data, (gssize) len,
                                   G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}

int
lk_cli_token_export_run (LkCliContext *ctx,
                         int           argc,
                         char        **argv)
{
  g_autofree char *password_file = NULL;
  g_autofree char *format_name = NULL;
  g_autofree char *token_name = NULL;
  gboolean plain_ok = FALSE;
  const GOptionEntry options[] = {
    { "format", 'f', 0, G_OPTION_ARG_STRING, &format_name,
      N_("aegis (an encrypted Aegis vault), uris (plain otpauth links) or qr (a PNG of one token)"), N_("FORMAT") },
    { "password-file", 0, 0, G_OPTION_ARG_FILENAME, &password_file,
      N_("Encrypt the Aegis vault with the first line of FILE (- for standard input)"), N_("FILE") },
    { "token", 't', 0, G_OPTION_ARG_STRING, &token_name,
      N_("Export only this token (id or name); required for qr"), N_("NAME") },
    { "i-understand-this-is-plain", 0, 0, G_OPTION_ARG_NONE, &plain_ok,
      N_("Allow uris and qr, which write seeds unencrypted"), NULL },
    { NULL }
  };
  g_autoptr(LkWallet) wallet = lk_wallet_new ();
  g_autoptr(GPtrArray) tokens = NULL;
  g_autoptr(GError) error = NULL;
  const char *path;
  int status;

  if (!lk_cli_parse_options (ctx, options, _("FILE|-"),
                             _("Exports tokens. The aegis format is an encrypted vault that Aegis can open "
                               "(scrypt and AES-256-GCM). The uris and qr formats are NOT encrypted: anyone "
                               "who reads the file can generate your codes, so they need "
                               "--i-understand-this-is-plain. Files are created readable only by you."),
                             &argc, &argv, &status))
    return status;
  if (argc != 2)
    return lk_cli_usage_error (ctx, _("needs one output FILE (or - for standard output)"));
  if (format_name == NULL)
    return lk_cli_usage_error (ctx, _("needs --format aegis, uris or qr"));
  path = argv[1];
  if (!g_str_equal (format_name, "aegis") && !g_str_equal (format_name, "uris") && !g_str_equal (format_name, "qr"))
    return lk_cli_usage_error (ctx, _("unknown format “%s”; use aegis, uris or qr"), format_name);
  if (!g_str_equal (format_name, "aegis") && !plain_ok)
    return lk_cli_usage_error (ctx, _("the %s format writes your seeds UNENCRYPTED: anyone who reads the file "
                                      "can generate your codes. Prefer --format aegis. To go ahead anyway, add "
                                      "--i-understand-this-is-plain"), format_name);
  if (g_str_equal (format_name, "aegis") && password_file == NULL)
    return lk_cli_usage_error (ctx, _("the aegis format needs --password-file FILE (the vault's password)"));
  if (g_str_equal (format_name, "qr") && token_name == NULL)
    return lk_cli_usage_error (ctx, _("the qr format shows one token: add --token NAME"));

  if (token_name != NULL)
    {
      LkWalletToken *token = lk_wallet_find_sync (wallet, token_name, NULL, &error);

      if (token == NULL)
        return lk_cli_report_error (ctx, error);
      tokens = g_ptr_array_new_with_free_func ((GDestroyNotify) lk_wallet_token_free);
      g_ptr_array_add (tokens, token);
    }
  else
    {
      tokens = lk_wallet_list_sync (wallet, NULL, &error);
      if (tokens == NULL)
        return lk_cli_report_error (ctx, error);
    }
  if (tokens->len == 0)
    {
      g_set_error_literal (&error, LK_CLI_ERROR, LK_CLI_ERROR_FAILED, _("There are no tokens to export."));
      return lk_cli_report_error (ctx, error);
    }

  if (g_str_equal (format_name, "aegis"))
    {
      char *password = read_password_file (password_file, &error);
      g_autoptr(GBytes) vault = NULL;

      if (password == NULL)
        return lk_cli_report_error (ctx, error);
      vault = lk_export_aegis (tokens, password, &error);
      lk_secure_str_free (password);
      if (vault == NULL ||
          !write_output (path, g_bytes_get_data (vault, NULL), g_bytes_get_size (vault), &error))
        return lk_cli_report_error (ctx, error);
    }
  else if (g_str_equal (format_name, "uris"))
    {
      gsize len = 0;
      char *text = lk_export_uris (tokens, &len);
      gboolean ok = write_output (path, (const guint8 *) text, len, &error);

      lk_secure_wipe (text, len);
      g_free (text);
      if (!ok)
        return lk_cli_report_error (ctx, error);
    }
  else
    {
      g_autoptr(GBytes) png = lk_export_qr_png (g_ptr_array_index (tokens, 0), 8, &error);

      if (png == NULL || !write_output (path, g_bytes_get_data (png, NULL), g_bytes_get_size (png), &error))
        return lk_cli_report_error (ctx, error);
    }

  if (!g_str_equal (path, "-"))
    {
      if (ctx->json)
        {
          g_autoptr(JsonBuilder) builder = json_builder_new ();
          g_autoptr(JsonNode) root = NULL;

          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "format");
          json_builder_add_string_value (builder, format_name);
          json_builder_set_member_name (builder, "exported");
          json_builder_add_int_value (builder, tokens->len);
          json_builder_set_member_name (builder, "file");
          json_builder_add_string_value (builder, path);
          json_builder_end_object (builder);
          root = json_builder_get_root (builder);
          lk_cli_print_json (ctx, root);
        }
      else
        g_print (_("Exported %u tokens to %s\n"), tokens->len, path);
      if (!g_str_equal (format_name, "aegis") && !ctx->json)
        g_printerr (_("Warning: %s holds unencrypted seeds. Delete it as soon as you are done.\n"), path);
    }
  return LK_CLI_EXIT_OK;
}
