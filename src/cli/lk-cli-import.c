/* SPDX-License-Identifier: GPL-3.0-or-later
 * latchkeyctl import pskc|users and export pskc: bulk work on the embedded
 * engine (--db) or, for imports, through the API (--server), with a
 * progress bar on a terminal and a per-item report. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "lk-bulk-import.h"
#include "lk-cli-admin.h"
#include "lk-cli.h"
#include "lk-cli-import.h"
#include "lk-engine-bulk.h"
#include "lk-pskc.h"
#include "lk-secure.h"

typedef struct
{
  LkEngine *engine;
  gint64    account_id;
} Session;

static void
session_clear (Session *s)
{
  g_clear_pointer (&s->engine, lk_engine_close);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Session, session_clear)

/* Opens the --db engine and logs in as --account. Bulk work runs in the
 * caller's process, batch by batch, so it needs the engine itself rather
 * than the one-request-at-a-time backend. */
static gboolean
open_session (LkCliContext            *ctx,
              const LkCliAdminOptions *opts,
              Session                 *s,
              int                     *exit_status)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LkKeyProvider) keys = NULL;
  g_autofree char *key_path = NULL;
  char *account_key = NULL;
  const char *env = g_getenv ("LATCHKEY_ACCOUNT_KEY");
  gboolean ok;

  if (ctx->server_url != NULL)
    {
      *exit_status = lk_cli_usage_error (ctx, _("seeds are exported from the embedded engine only: give --db PATH "
                                                "(on the server host), see docs/bulk.md"));
      return FALSE;
    }
  if (ctx->db_path == NULL)
    {
      *exit_status = lk_cli_usage_error (ctx, _("give --db PATH"));
      return FALSE;
    }
  if (ctx->account == NULL || *ctx->account == '\0')
    {
      *exit_status = lk_cli_usage_error (ctx, _("give the partner account with --account NAME"));
      return FALSE;
    }
  if (env != NULL && *env != '\0')
    account_key = g_strdup (env);
  else if (isatty (STDIN_FILENO))
    {
      g_autofree char *prompt = g_strdup_printf (_("Key of account %s: "), ctx->account);

      account_key = lk_cli_admin_read_secret (prompt);
    }
  if (account_key == NULL || *account_key == '\0')
    {
      lk_secure_str_free (account_key);
      *exit_status = lk_cli_usage_error (ctx, _("no key for account “%s”: set LATCHKEY_ACCOUNT_KEY"), ctx->account);
      return FALSE;
    }
  key_path = opts->key_file != NULL ? g_strdup (opts->key_file) : g_strconcat (ctx->db_path, ".key", NULL);
  keys = lk_file_key_provider_new (key_path);
  s->engine = lk_engine_open (ctx->db_path, keys, NULL, &error);
  if (s->engine != NULL)
    lk_engine_set_actor (s->engine, "cli");
  ok = s->engine != NULL && lk_engine_login_account (s->engine, ctx->account, account_key, &s->account_id, &error);
  lk_secure_str_free (account_key);
  if (!ok)
    {
      *exit_status = lk_cli_report_error (ctx, error);
      return FALSE;
    }
  return TRUE;
}

/* ---- progress and cancellation ------------------------------------------------------ */

static volatile sig_atomic_t interrupted;

static void
on_interrupt (int signum)
{
  interrupted = 1;
}

typedef struct
{
  gboolean      bar;          /* stderr is a terminal */
  gint64        last_draw;
  GCancellable *cancellable;
} Progress;

static void
on_progress (guint    done,
             guint    total,
             gpointer user_data)
{
  Progress *p = user_data;
  gint64 now;

  /* Ctrl-C stops at the next batch boundary: whole batches stay committed. */
  if (interrupted)
    g_cancellable_cancel (p->cancellable);
  if (!p->bar)
    return;
  now = g_get_monotonic_time ();
  if (done != total && now - p->last_draw < 100000)
    return;
  p->last_draw = now;
  {
    const guint width = 30;
    guint filled = total ? (guint) ((guint64) done * width / total) : width;
    char bar[64];

    memset (bar, '#', filled);
    memset (bar + filled, '-', width - filled);
    bar[width] = '\0';
    fprintf (stderr, "\r[%s] %u/%u", bar, done, total);
    if (done == total)
      fputc ('\n', stderr);
    fflush (stderr);
  }
}

static void
progress_init (Progress      *p,
               LkBulkOptions *o,
               gboolean       dry_run)
{
  memset (p, 0, sizeof *p);
  p->bar = isatty (STDERR_FILENO);
  p->cancellable = g_cancellable_new ();
  memset (o, 0, sizeof *o);
  o->dry_run = dry_run;
  o->progress = on_progress;
  o->progress_data = p;
  o->cancellable = p->cancellable;
  interrupted = 0;
  signal (SIGINT, on_interrupt);
}

/* ---- report ------------------------------------------------------------------------- */

static int
print_report (LkCliContext       *ctx,
              const LkBulkReport *report,
              const char         *what)
{
  gboolean bad = report->counts[LK_BULK_FAILED] > 0 || report->counts[LK_BULK_CONFLICT] > 0 || report->cancelled;

  if (ctx->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) node = NULL;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "dryRun");
      json_builder_add_boolean_value (b, report->dry_run);
      json_builder_set_member_name (b, "cancelled");
      json_builder_add_boolean_value (b, report->cancelled);
      json_builder_set_member_name (b, "total");
      json_builder_add_int_value (b, report->total);
      for (int s = LK_BULK_ADDED; s <= LK_BULK_FAILED; s++)
        {
          json_builder_set_member_name (b, lk_bulk_status_to_string (s));
          json_builder_add_int_value (b, report->counts[s]);
        }
      json_builder_set_member_name (b, "outcomes");
      json_builder_begin_array (b);
      for (guint i = 0; i < report->outcomes->len; i++)
        {
          const LkBulkOutcome *o = report->outcomes->pdata[i];

          json_builder_begin_object (b);
          json_builder_set_member_name (b, "line");
          json_builder_add_int_value (b, o->line);
          json_builder_set_member_name (b, "item");
          json_builder_add_string_value (b, o->item);
          json_builder_set_member_name (b, "status");
          json_builder_add_string_value (b, lk_bulk_status_to_string (o->status));
          if (o->message != NULL)
            {
              json_builder_set_member_name (b, "message");
              json_builder_add_string_value (b, o->message);
            }
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      json_builder_end_object (b);
      node = json_builder_get_root (b);
      lk_cli_print_json (ctx, node);
    }
  else
    {
      for (guint i = 0; i < report->outcomes->len; i++)
        {
          const LkBulkOutcome *o = report->outcomes->pdata[i];

          if (o->status == LK_BULK_FAILED || o->status == LK_BULK_CONFLICT)
            printf ("%s %u: %s: %s: %s\n", what, o->line, o->item ? o->item : "-",
                    lk_bulk_status_to_string (o->status), o->message ? o->message : "");
        }
      printf (_("%s%u added, %u assigned, %u skipped, %u conflicts, %u failed (of %u)%s\n"),
              report->dry_run ? _("Dry run, nothing written: ") : "",
              report->counts[LK_BULK_ADDED], report->counts[LK_BULK_ASSIGNED], report->counts[LK_BULK_SKIPPED],
              report->counts[LK_BULK_CONFLICT], report->counts[LK_BULK_FAILED], report->total,
              report->cancelled ? _("; interrupted: run again to resume") : "");
    }
  return bad ? LK_CLI_EXIT_FAILURE : LK_CLI_EXIT_OK;
}

/* ---- helpers ------------------------------------------------------------------------ */

/* The first line of a file, for passwords. */
static char *
read_password_file (const char  *path,
                    GError     **error)
{
  char *data = NULL;
  gsize len = 0;
  char *nl;

  if (!g_file_get_contents (path, &data, &len, error))
    return NULL;
  nl = strpbrk (data, "\r\n");
  if (nl != NULL)
    {
      lk_secure_wipe (nl, len - (gsize) (nl - data));
      *nl = '\0';
    }
  if (*data == '\0')
    {
      g_free (data);
      g_set_error (error, LK_CLI_ERROR, LK_CLI_ERROR_USAGE, _("the password file is empty"));
      return NULL;
    }
  return data;
}

/* ---- import pskc -------------------------------------------------------------------- */

static int
import_pskc (LkCliContext *ctx,
             int           argc,
             char        **argv)
{
  g_auto(LkCliAdminOptions) opts = { 0 };
  g_autofree char *key_hex = NULL;
  g_autofree char *password_file = NULL;
  g_autofree char *private_key_file = NULL;
  g_autofree char *signer_cert_file = NULL;
  gboolean allow_untrusted = FALSE;
  gboolean dry_run = FALSE;
  int batch = 0;
  const GOptionEntry entries[] = {
    { "key", 0, 0, G_OPTION_ARG_STRING, &key_hex, N_("The pre-shared AES key, in hexadecimal"), "HEX" },
    { "password-file", 0, 0, G_OPTION_ARG_FILENAME, &password_file,
      N_("A file whose first line is the password (PBKDF2)"), "FILE" },
    { "private-key", 0, 0, G_OPTION_ARG_FILENAME, &private_key_file,
      N_("The RSA private key (PEM) of a file encrypted to a certificate"), "FILE" },
    { "signer-cert", 0, 0, G_OPTION_ARG_FILENAME, &signer_cert_file,
      N_("The vendor's certificate (PEM): the file must carry a valid signature by it"), "FILE" },
    { "allow-untrusted-signer", 0, 0, G_OPTION_ARG_NONE, &allow_untrusted,
      N_("Accept a valid signature by the certificate inside the file"), NULL },
    { "dry-run", 0, 0, G_OPTION_ARG_NONE, &dry_run, N_("Report what would happen; write nothing"), NULL },
    { "batch", 0, 0, G_OPTION_ARG_INT, &batch, N_("Keys per transaction (default 500)"), "N" },
    { NULL }
  };
  g_auto(Session) s = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) keys = NULL;
  g_autoptr(LkBulkReport) report = NULL;
  g_autoptr(GMappedFile) file = NULL;
  g_autoptr(GCancellable) cancellable = NULL;
  char *password = NULL;
  g_autofree char *signer_pem = NULL;
  char *private_pem = NULL;
  gsize private_len = 0;
  g_auto(LkPskcInfo) info = { 0 };
  guint8 key[32];
  LkPskcProtection protection = { 0 };
  LkBulkOptions o;
  Progress p;
  int status = LK_CLI_EXIT_OK;

  if (!lk_cli_admin_parse (ctx, &opts, entries, "FILE",
                           _("Imports the HOTP/TOTP keys of a PSKC (RFC 6030) file as unassigned hardware "
                             "fobs. A serial already present with the same key is skipped."),
                           &argc, &argv, &status))
    return status;
  if (argc != 2)
    return lk_cli_usage_error (ctx, _("give one PSKC file"));
  if (key_hex != NULL && password_file != NULL)
    return lk_cli_usage_error (ctx, _("give --key or --password-file, not both"));
  if (batch < 0)
    return lk_cli_usage_error (ctx, _("--batch must be positive"));
  if (key_hex != NULL)
    {
      if (!lk_bulk_parse_hex_key (key_hex, key, &protection.key_len))
        {
          lk_secure_wipe (key_hex, strlen (key_hex));
          return lk_cli_usage_error (ctx, _("--key takes 32, 48 or 64 hexadecimal digits"));
        }
      lk_secure_wipe (key_hex, strlen (key_hex));
      protection.key = key;
    }
  if (password_file != NULL)
    {
      password = read_password_file (password_file, &error);
      if (password == NULL)
        return lk_cli_report_error (ctx, error);
      protection.password = password;
    }
  protection.allow_untrusted_signer = allow_untrusted;
  if ((signer_cert_file != NULL && !g_file_get_contents (signer_cert_file, &signer_pem, NULL, &error))
      || (private_key_file != NULL && !g_file_get_contents (private_key_file, &private_pem, &private_len, &error)))
    {
      lk_secure_wipe (key, sizeof key);
      lk_secure_str_free (password);
      return lk_cli_report_error (ctx, error);
    }
  protection.signer_cert_pem = signer_pem;
  protection.private_key_pem = private_pem;

  file = g_mapped_file_new (argv[1], FALSE, &error);
  if (file != NULL)
    keys = lk_pskc_read_full (g_mapped_file_get_contents (file), g_mapped_file_get_length (file), &protection,
                              &info, &error);
  lk_secure_wipe (key, sizeof key);
  lk_secure_str_free (password);
  if (private_pem != NULL)
    lk_secure_wipe (private_pem, private_len);
  g_free (private_pem);
  if (keys == NULL)
    return lk_cli_report_error (ctx, error);
  if (info.signature == LK_PSKC_SIGNED_TRUSTED)
    g_printerr (_("Signature verified: signed by “%s”\n"), info.signer);
  else if (info.signature == LK_PSKC_SIGNED_UNTRUSTED)
    g_printerr (_("Warning: the signature is valid, but its signer “%s” was not checked against a trusted "
                  "certificate\n"), info.signer);
  if (ctx->server_url != NULL)
    {
      /* Through the API: import_oath_devices chunks (docs/bulk.md). */
      g_autoptr(LkBackend) backend = lk_cli_admin_open (ctx, &opts, TRUE, &status);

      if (backend == NULL)
        return status;
      progress_init (&p, &o, dry_run);
      cancellable = p.cancellable;
      report = lk_cli_import_pskc_remote (backend, keys, &o, &error);
    }
  else
    {
      if (!open_session (ctx, &opts, &s, &status))
        return status;
      progress_init (&p, &o, dry_run);
      cancellable = p.cancellable;
      o.batch_size = (guint) batch;
      report = lk_bulk_import_pskc (s.engine, s.account_id, keys, &o, &error);
    }
  signal (SIGINT, SIG_DFL);
  if (report == NULL)
    return lk_cli_report_error (ctx, error);
  return print_report (ctx, report, _("key"));
}

/* ---- import users ------------------------------------------------------------------- */

static int
import_users (LkCliContext *ctx,
              int           argc,
              char        **argv)
{
  g_auto(LkCliAdminOptions) opts = { 0 };
  gboolean dry_run = FALSE;
  int batch = 0;
  const GOptionEntry entries[] = {
    { "dry-run", 0, 0, G_OPTION_ARG_NONE, &dry_run, N_("Report every row's outcome; write nothing"), NULL },
    { "batch", 0, 0, G_OPTION_ARG_INT, &batch, N_("Rows per transaction (default 500)"), "N" },
    { NULL }
  };
  g_auto(Session) s = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(LkBulkReport) report = NULL;
  g_autoptr(GMappedFile) file = NULL;
  g_autoptr(GCancellable) cancellable = NULL;
  LkBulkOptions o;
  Progress p;
  int status = LK_CLI_EXIT_OK;

  if (!lk_cli_admin_parse (ctx, &opts, entries, "FILE.csv",
                           _("Enrols users from CSV: login, first name, last name, email, phone, and optionally "
                             "a device serial to assign or a device kind to create (a header row may name the "
                             "columns in any order). Users already present are skipped."),
                           &argc, &argv, &status))
    return status;
  if (argc != 2)
    return lk_cli_usage_error (ctx, _("give one CSV file"));
  if (batch < 0)
    return lk_cli_usage_error (ctx, _("--batch must be positive"));
  file = g_mapped_file_new (argv[1], FALSE, &error);
  if (file == NULL)
    return lk_cli_report_error (ctx, error);
  if (ctx->server_url != NULL)
    {
      /* Through the API: import_users chunks (docs/bulk.md). */
      g_autoptr(LkBackend) backend = lk_cli_admin_open (ctx, &opts, TRUE, &status);
      g_autoptr(GPtrArray) rows = NULL;

      if (backend == NULL)
        return status;
      rows = lk_bulk_user_rows (g_mapped_file_get_contents (file), g_mapped_file_get_length (file), &error);
      if (rows == NULL)
        return lk_cli_report_error (ctx, error);
      progress_init (&p, &o, dry_run);
      cancellable = p.cancellable;
      report = lk_cli_import_users_remote (backend, rows, &o, &error);
    }
  else
    {
      if (!open_session (ctx, &opts, &s, &status))
        return status;
      progress_init (&p, &o, dry_run);
      cancellable = p.cancellable;
      o.batch_size = (guint) batch;
      report = lk_bulk_import_users (s.engine, s.account_id, g_mapped_file_get_contents (file),
                                     g_mapped_file_get_length (file), &o, &error);
    }
  signal (SIGINT, SIG_DFL);
  if (report == NULL)
    return lk_cli_report_error (ctx, error);
  return print_report (ctx, report, _("line"));
}

static const LkCliCommand import_commands[] = {
  { "pskc", N_("Import hardware fobs from a PSKC (RFC 6030) file"), import_pskc },
  { "users", N_("Enrol users from a CSV file"), import_users },
  { NULL }
};

int
lk_cli_import_run (LkCliContext *ctx,
                   int           argc,
                   char        **argv)
{
  return lk_cli_dispatch (ctx, "import", _("Bulk import (--db PATH, or --server URL in chunks of up to 500 items)"),
                          import_commands, argc, argv);
}

/* ---- export pskc -------------------------------------------------------------------- */

static int
export_pskc (LkCliContext *ctx,
             int           argc,
             char        **argv)
{
  g_auto(LkCliAdminOptions) opts = { 0 };
  g_autofree char *password_file = NULL;
  g_autofree char *out_path = NULL;
  const GOptionEntry entries[] = {
    { "password-file", 0, 0, G_OPTION_ARG_FILENAME, &password_file,
      N_("Encrypt with a password (PBKDF2) from the first line of FILE instead of a new random key"), "FILE" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &out_path, N_("Write to FILE (mode 0600) instead of stdout"), "FILE" },
    { NULL }
  };
  g_auto(Session) s = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) keys = NULL;
  char *password = NULL;
  char *xml = NULL;
  guint8 key[16];
  LkPskcProtection protection = { 0 };
  int status = LK_CLI_EXIT_OK;

  if (!lk_cli_admin_parse (ctx, &opts, entries, "SERIAL…",
                           _("Exports devices as PSKC with their seeds encrypted (aes128-cbc, HMAC-SHA1 MAC) "
                             "under a new random key, printed once on stderr, or under a password."),
                           &argc, &argv, &status))
    return status;
  if (argc < 2)
    return lk_cli_usage_error (ctx, _("give at least one device serial"));
  if (out_path == NULL && isatty (STDOUT_FILENO))
    return lk_cli_usage_error (ctx, _("the export holds seeds: give --output FILE or redirect stdout"));
  if (password_file != NULL)
    {
      password = read_password_file (password_file, &error);
      if (password == NULL)
        return lk_cli_report_error (ctx, error);
      protection.password = password;
    }
  else
    {
      if (!lk_random_bytes (key, sizeof key, &error))
        return lk_cli_report_error (ctx, error);
      protection.key = key;
      protection.key_len = sizeof key;
    }
  if (!open_session (ctx, &opts, &s, &status))
    goto out;
  keys = lk_bulk_export_keys (s.engine, s.account_id, (const char * const *) argv + 1, &error);
  if (keys != NULL)
    xml = lk_pskc_write (keys, &protection, &error);
  if (xml == NULL)
    {
      status = lk_cli_report_error (ctx, error);
      goto out;
    }
  if (out_path != NULL)
    {
      /* Created 0600 before any seed is written. */
      int fd = g_open (out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
      gsize len = strlen (xml);
      gboolean ok = fd >= 0 && write (fd, xml, len) == (gssize) len;

      if (fd >= 0)
        ok &= close (fd) == 0;
      if (!ok)
        {
          g_printerr ("latchkeyctl %s: %s: %s\n", ctx->command, out_path, g_strerror (errno));
          status = LK_CLI_EXIT_FAILURE;
          goto out;
        }
    }
  else
    {
      fputs (xml, stdout);
      fflush (stdout);
    }
  if (protection.key != NULL)
    {
      g_autofree char *hex = g_malloc (2 * sizeof key + 1);

      for (gsize i = 0; i < sizeof key; i++)
        g_snprintf (hex + 2 * i, 3, "%02x", key[i]);
      /* Shown once: the only copy of the key that opens the file. */
      g_printerr (_("Pre-shared key (shown once): %s\n"), hex);
      lk_secure_wipe (hex, 2 * sizeof key);
    }

out:
  if (xml != NULL)
    lk_secure_str_free (xml);
  lk_secure_str_free (password);
  lk_secure_wipe (key, sizeof key);
  return status;
}

static const LkCliCommand export_commands[] = {
  { "pskc", N_("Export devices with their seeds as an encrypted PSKC file"), export_pskc },
  { NULL }
};

int
lk_cli_export_run (LkCliContext *ctx,
                   int           argc,
                   char        **argv)
{
  return lk_cli_dispatch (ctx, "export", _("Bulk export on the embedded engine (--db PATH)"),
                          export_commands, argc, argv);
}
