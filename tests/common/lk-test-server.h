/* SPDX-License-Identifier: GPL-3.0-or-later
 * Test helper: a real latchkeyd process over TLS on loopback, with its own
 * scratch directory, self-signed certificate, master key, database and
 * partner account.
 *
 *   g_autoptr(LkTestServer) server = lk_test_server_start (NULL, &error);
 *   url  = lk_test_server_get_url (server);        // https://127.0.0.1:PORT/api/v1
 *   cert = lk_test_server_get_cert_file (server);  // PEM to trust or pin
 *   lk_test_server_get_account (server), lk_test_server_get_account_key (server)
 *   status = lk_test_server_stop (server, &error); // SIGTERM; 0 when it drained cleanly
 *
 * Link lk_test_server_dep (tests/common/meson.build) and add
 * `depends: latchkeyd` to the test() so the binary is built. The binary is
 * found through $LK_LATCHKEYD, else $LK_BUILD_ROOT/src/server/latchkeyd.
 * Needs the `openssl` command. Everything lives under one temporary
 * directory that lk_test_server_free() removes. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct _LkTestServer LkTestServer;

typedef struct
{
  gboolean            plain_http;     /* listen with plain HTTP on 127.0.0.1 instead of HTTPS */
  guint               workers;        /* 0 = 2 */
  const char * const *extra_args;     /* more latchkeyd options (NULL-terminated), e.g. "--account-rate" */
  const char         *account;        /* partner account to create; NULL = "test-partner" */
  const char         *account_key;    /* its key; NULL = a random one */
  gboolean            no_account;     /* create no account */
  const char         *db_path;        /* a shared database (file or PostgreSQL connection string); NULL = its own file */
  const char         *master_key_file; /* a shared master key file; NULL = its own */
} LkTestServerOptions;

/* Creates the scratch files, starts latchkeyd on 127.0.0.1 port 0 and waits
 * (up to 20 s) until it reports its port. */
LkTestServer *lk_test_server_start          (const LkTestServerOptions *options,
                                             GError                   **error);

/* Sends SIGTERM and waits (up to 30 s) for the process to exit. Returns its
 * exit status (0 after a clean drain), or -1 with @error when it had to be
 * killed or died from a signal. */
int           lk_test_server_stop           (LkTestServer              *server,
                                             GError                   **error);

/* Kills the process if it still runs and removes the scratch directory. */
void          lk_test_server_free           (LkTestServer              *server);

const char   *lk_test_server_get_url        (LkTestServer *server);  /* .../api/v1 */
const char   *lk_test_server_get_base_url   (LkTestServer *server);  /* https://127.0.0.1:PORT/ */
const char   *lk_test_server_get_host       (LkTestServer *server);  /* "127.0.0.1" */
guint16       lk_test_server_get_port       (LkTestServer *server);
const char   *lk_test_server_get_cert_file  (LkTestServer *server);  /* NULL for plain HTTP */
const char   *lk_test_server_get_key_file   (LkTestServer *server);
const char   *lk_test_server_get_db_path    (LkTestServer *server);
const char   *lk_test_server_get_master_key_file (LkTestServer *server);
const char   *lk_test_server_get_dir        (LkTestServer *server);
const char   *lk_test_server_get_account    (LkTestServer *server);
const char   *lk_test_server_get_account_key (LkTestServer *server);
GPid          lk_test_server_get_pid        (LkTestServer *server);
/* The server's stderr so far (its logs). */
char         *lk_test_server_dup_log        (LkTestServer *server);

/* The certificate as a GTlsCertificate, for a client that pins it. */
GTlsCertificate *lk_test_server_get_certificate (LkTestServer *server);

/* Makes a self-signed P-256 certificate for 127.0.0.1 and localhost with
 * the `openssl` command. */
gboolean      lk_test_make_certificate      (const char  *cert_path,
                                             const char  *key_path,
                                             GError     **error);

/* Sets LK_TEST_BACKEND=remote, LK_TEST_SERVER_URL, LK_TEST_SERVER_CERT,
 * LK_TEST_ACCOUNT and LK_TEST_ACCOUNT_KEY in @launcher's environment (or
 * the process's when @launcher is NULL). */
void          lk_test_server_export_env     (LkTestServer         *server,
                                             GSubprocessLauncher  *launcher);

/* A libsoup session that trusts exactly this server's certificate (up to
 * 32 connections at once). */
SoupSession  *lk_test_server_new_session    (LkTestServer         *server);

/* POSTs @body (@len -1 for a string) to @path (NULL = /api/v1) and parses
 * the answer as JSON. Sets *@out_status to the HTTP status. Returns the
 * root object (transfer full), or NULL with @error when the exchange or the
 * JSON failed. */
JsonObject   *lk_test_server_post           (LkTestServer         *server,
                                             SoupSession          *session,
                                             const char           *path,
                                             const char           *body,
                                             gssize                len,
                                             guint                *out_status,
                                             GError              **error);

/* Like lk_test_server_post() with a body built from @fields_json (the
 * members after the opening brace, e.g. "\"type\":\"find_user\", ...")
 * plus this server's spAccountLoginName and spAccountLoginKey. */
JsonObject   *lk_test_server_call           (LkTestServer         *server,
                                             SoupSession          *session,
                                             const char           *fields_json,
                                             GError              **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LkTestServer, lk_test_server_free)

G_END_DECLS
