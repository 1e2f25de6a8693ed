/* SPDX-License-Identifier: GPL-3.0-or-later
 * Bulk benchmark: 10,000 PSKC keys (aes128-cbc, HMAC-SHA1 MACs) imported as
 * fobs and 10,000 users enrolled from CSV on the embedded engine, each
 * against SQLite's own raw INSERT rate of the same rows in one transaction
 * in the same run (the floor any SQLite-backed import can reach), as a
 * ratio. A second pass of each file measures the idempotent re-import.
 * The same PSKC file signed (RSA-2048, SHA-256, exclusive C14N) is read
 * with its signature verified, as a ratio to the unsigned read.
 *
 * Usage: bulk-bench [--quick] [N]   (--quick: 2,000 of each, for CI) */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "lk-bulk-import.h"
#include "lk-pskc.h"
#include "lk-secure.h"
#include "pskc-test-sign.h"

static G_NORETURN void
die (const char *what, GError *error)
{
  g_printerr ("bulk-bench: %s: %s\n", what, error ? error->message : "failed");
  exit (1);
}

static double
now (void)
{
  return g_get_monotonic_time () / 1e6;
}

static void
remove_db (const char *path)
{
  const char *suffixes[] = { "", "-wal", "-shm", "-journal", ".key", NULL };

  for (guint i = 0; suffixes[i]; i++)
    {
      g_autofree char *p = g_strconcat (path, suffixes[i], NULL);
      g_unlink (p);
    }
}

static LkEngine *
open_engine (const char *path,
             gint64     *account)
{
  static const guint8 master[LK_MASTER_KEY_SIZE] = { 7 };
  g_autoptr(LkKeyProvider) keys = lk_memory_key_provider_new (master);
  g_autoptr(GError) error = NULL;
  LkEngine *engine;

  remove_db (path);
  engine = lk_engine_open (path, keys, NULL, &error);
  if (engine == NULL)
    die ("open", error);
  if (!lk_engine_create_account (engine, "bench", "bench-account-key", account, &error))
    die ("account", error);
  return engine;
}

/* The peer: the same rows straight into SQLite, one prepared INSERT in one
 * transaction, no checks, no encryption, no audit. */
static double
sqlite_peer (const char *path,
             guint       n,
             gboolean    users)
{
  sqlite3 *db;
  sqlite3_stmt *st;
  double t0;

  remove_db (path);
  if (sqlite3_open (path, &db) != SQLITE_OK)
    die ("sqlite open", NULL);
  sqlite3_exec (db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", NULL, NULL, NULL);
  sqlite3_exec (db, users
                ? "CREATE TABLE u (id INTEGER PRIMARY KEY, login TEXT UNIQUE, first TEXT, last TEXT, email TEXT, phone TEXT)"
                : "CREATE TABLE d (id INTEGER PRIMARY KEY, serial TEXT UNIQUE, seed BLOB, digits INT, counter INT)",
                NULL, NULL, NULL);
  t0 = now ();
  sqlite3_exec (db, "BEGIN", NULL, NULL, NULL);
  sqlite3_prepare_v2 (db, users ? "INSERT INTO u (login, first, last, email, phone) VALUES (?1, ?2, ?3, ?4, ?5)"
                                : "INSERT INTO d (serial, seed, digits, counter) VALUES (?1, ?2, 8, 0)", -1, &st, NULL);
  for (guint i = 0; i < n; i++)
    {
      char a[64], b[64];
      guint8 seed[20];

      if (users)
        {
          g_snprintf (a, sizeof a, "user%06u", i);
          g_snprintf (b, sizeof b, "user%06u@example.org", i);
          sqlite3_bind_text (st, 1, a, -1, SQLITE_TRANSIENT);
          sqlite3_bind_text (st, 2, "First", -1, SQLITE_STATIC);
          sqlite3_bind_text (st, 3, "Last", -1, SQLITE_STATIC);
          sqlite3_bind_text (st, 4, b, -1, SQLITE_TRANSIENT);
          sqlite3_bind_text (st, 5, "+44 20 7946 0000", -1, SQLITE_STATIC);
        }
      else
        {
          g_snprintf (a, sizeof a, "FOB%07u", i);
          memset (seed, (int) i, sizeof seed);
          sqlite3_bind_text (st, 1, a, -1, SQLITE_TRANSIENT);
          sqlite3_bind_blob (st, 2, seed, sizeof seed, SQLITE_TRANSIENT);
        }
      if (sqlite3_step (st) != SQLITE_DONE)
        die ("sqlite insert", NULL);
      sqlite3_reset (st);
    }
  sqlite3_finalize (st);
  sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);
  t0 = now () - t0;
  sqlite3_close (db);
  remove_db (path);
  return t0;
}

static char *
make_pskc (guint                   n,
           const LkPskcProtection *p)
{
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func ((GDestroyNotify) lk_pskc_key_free);
  g_autoptr(GError) error = NULL;
  char *xml;

  for (guint i = 0; i < n; i++)
    {
      LkPskcKey *k = lk_pskc_key_new ();
      g_autofree char *text = g_strdup_printf ("bulk-bench-%u", i);
      g_autofree char *sum = g_compute_checksum_for_string (G_CHECKSUM_SHA1, text, -1);

      k->index = i + 1;
      k->serial = g_strdup_printf ("FOB%07u", i);
      k->manufacturer = g_strdup ("Bench Fobs");
      k->kind = i % 2 ? LK_PSKC_TOTP : LK_PSKC_HOTP;
      k->digits = 6;
      k->secret = g_bytes_new (sum, 20);
      g_ptr_array_add (keys, k);
    }
  xml = lk_pskc_write (keys, p, &error);
  if (xml == NULL)
    die ("write", error);
  return xml;
}

static char *
make_csv (guint n)
{
  GString *s = g_string_new ("login,first name,last name,email,phone\n");

  for (guint i = 0; i < n; i++)
    g_string_append_printf (s, "user%06u,First,\"Last, %u\",user%06u@example.org,+44 20 7946 %04u\n",
                            i, i, i, i % 10000);
  return g_string_free (s, FALSE);
}

int
main (int    argc,
      char **argv)
{
  static const guint8 psk[16] = "bench-psk-16byte";
  LkPskcProtection p = { psk, sizeof psk, NULL, 0 };
  guint n = 10000;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *csv = NULL;
  g_autoptr(GError) error = NULL;
  double t_read, t_read_signed, t_import, t_reimport, t_users, t_users2, t_peer_d, t_peer_u;
  gint64 account;
  LkEngine *engine;

  for (int i = 1; i < argc; i++)
    if (strcmp (argv[i], "--quick") == 0)
      n = 2000;
    else
      n = (guint) g_ascii_strtoull (argv[i], NULL, 10);
  if (n == 0)
    n = 10000;

  dir = g_dir_make_tmp ("lk-bulk-bench-XXXXXX", &error);
  if (dir == NULL)
    die ("tmp", error);
  path = g_build_filename (dir, "bench.db", NULL);

  /* PSKC */
  xml = make_pskc (n, &p);
  engine = open_engine (path, &account);
  {
    double t0 = now ();
    g_autoptr(GPtrArray) keys = lk_pskc_read (xml, strlen (xml), &p, &error);
    g_autoptr(LkBulkReport) r = NULL;
    g_autoptr(LkBulkReport) r2 = NULL;

    if (keys == NULL)
      die ("read", error);
    t_read = now () - t0;
    t0 = now ();
    r = lk_bulk_import_pskc (engine, account, keys, NULL, &error);
    if (r == NULL || r->counts[LK_BULK_ADDED] != n)
      die ("import", error);
    t_import = now () - t0;
    t0 = now ();
    r2 = lk_bulk_import_pskc (engine, account, keys, NULL, &error);
    if (r2 == NULL || r2->counts[LK_BULK_SKIPPED] != n)
      die ("re-import", error);
    t_reimport = now () - t0;
  }
  {
    g_autofree char *cert = cert_pem (pki ()->cert);
    SignSpec spec = { .uri = "" };
    char *signed_xml = sign_document (xml, &spec);
    LkPskcProtection ps = p;
    g_auto(LkPskcInfo) info = { 0 };
    g_autoptr(GPtrArray) keys = NULL;
    double t0;

    ps.signer_cert_pem = cert;
    t0 = now ();
    keys = lk_pskc_read_full (signed_xml, strlen (signed_xml), &ps, &info, &error);
    if (keys == NULL || keys->len != n || info.signature != LK_PSKC_SIGNED_TRUSTED)
      die ("signed read", error);
    t_read_signed = now () - t0;
    lk_secure_str_free (signed_xml);
    pki_free_all ();
  }
  lk_engine_close (engine);
  t_peer_d = sqlite_peer (path, n, FALSE);

  /* CSV */
  csv = make_csv (n);
  engine = open_engine (path, &account);
  {
    double t0 = now ();
    g_autoptr(LkBulkReport) r = lk_bulk_import_users (engine, account, csv, strlen (csv), NULL, &error);
    g_autoptr(LkBulkReport) r2 = NULL;

    if (r == NULL || r->counts[LK_BULK_ADDED] != n)
      die ("users", error);
    t_users = now () - t0;
    t0 = now ();
    r2 = lk_bulk_import_users (engine, account, csv, strlen (csv), NULL, &error);
    if (r2 == NULL || r2->counts[LK_BULK_SKIPPED] != n)
      die ("users again", error);
    t_users2 = now () - t0;
  }
  lk_engine_close (engine);
  t_peer_u = sqlite_peer (path, n, TRUE);
  remove_db (path);
  g_rmdir (dir);

  printf ("bulk-bench: %u keys, %u users (SQLite %s, engine synchronous NORMAL)\n", n, n, sqlite3_libversion ());
  printf ("pskc read (aes128-cbc + MAC, %.1f MiB): %.3f s\n", strlen (xml) / 1048576.0, t_read);
  printf ("pskc read, signed:      %.3f s  -> signature checking makes reading %.2fx as long\n",
          t_read_signed, t_read_signed / t_read);
  printf ("pskc import:            %.3f s  (%.0f keys/s)  goal < 5 s for 10,000\n", t_import, n / t_import);
  printf ("pskc re-import (skip):  %.3f s\n", t_reimport);
  printf ("sqlite raw insert:      %.3f s  -> engine import is %.1fx the raw INSERT time\n",
          t_peer_d, t_import / t_peer_d);
  printf ("csv enrol:              %.3f s  (%.0f users/s)  goal < 5 s for 10,000\n", t_users, n / t_users);
  printf ("csv re-run (skip):      %.3f s\n", t_users2);
  printf ("sqlite raw insert:      %.3f s  -> engine enrolment is %.1fx the raw INSERT time\n",
          t_peer_u, t_users / t_peer_u);
  lk_secure_str_free (g_steal_pointer (&xml));
  return 0;
}
