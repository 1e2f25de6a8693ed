/* SPDX-License-Identifier: GPL-3.0-or-later
 * latchkeyd's configuration: defaults, the latchkeyd.conf key file, and command-line overrides. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum
{
  LK_LOG_FORMAT_TEXT,  /* key=value pairs, one line per event */
  LK_LOG_FORMAT_JSON,  /* one JSON object per line */
} LkLogFormat;

/* One address to listen on, parsed from "[http://|https://]ADDRESS:PORT". */
typedef struct
{
  GInetSocketAddress *address;
  gboolean            tls;        /* HTTPS on this address */
  gboolean            tls_given;  /* the scheme was written out; otherwise TLS follows the certificate */
} LkListenAddress;

typedef struct
{
  /* [server] */
  GPtrArray  *listen;              /* of LkListenAddress */
  char       *tls_certificate;     /* PEM file; NULL for none */
  char       *tls_key;             /* PEM file; NULL means the key is in the certificate file */
  gboolean    insecure_http;       /* allow plain HTTP on non-loopback addresses */
  char       *port_file;           /* where to write the bound URLs, one a line */
  guint       drain_timeout;       /* seconds SIGTERM waits for in-flight requests */

  /* [database] */
  char       *db_path;
  char       *master_key_file;
  gboolean    durable;             /* fsync every commit (synchronous=FULL) */
  gboolean    group_commit;        /* durable validations in shared commits by one writer (issue 12) */
  guint       max_failures;        /* consecutive failed OTPs that lock a device; 0 = engine default */
  guint       busy_timeout_ms;     /* how long a worker waits for another writer; 0 = engine default */

  /* [limits] */
  gsize       max_body;            /* bytes; larger bodies get 413 before they are parsed */
  guint       workers;             /* threads, each with its own database connection */
  guint       max_queue;           /* requests waiting for a worker before 503 */
  guint       idle_timeout;        /* seconds a kept-alive connection may wait between requests */
  guint       header_timeout;      /* seconds from a connection's first byte to a complete request head */
  guint       max_connections;     /* open client connections; 0 = as file descriptors allow */
  double      account_rate;        /* requests per second per partner account; 0 = unlimited */
  guint       account_burst;
  double      address_rate;        /* requests per second per client address; 0 = unlimited */
  guint       address_burst;
  double      login_failure_rate;  /* failed partner logins per second per client address; 0 = unlimited */
  guint       login_failure_burst;

  /* [delivery], [smtp], [sms], [voice]: parsed by the delivery layer from
   * this file (the last one loaded), or NULL when no file was read. */
  char       *config_file;
  guint       send_limit;          /* [delivery] send-limit: passcodes per user per window; 0 = engine default (5) */
  guint       send_window;         /* [delivery] send-window: seconds; 0 = engine default (900) */

  /* [log] */
  GLogLevelFlags log_level;        /* the least severe level written */
  LkLogFormat    log_format;
  gboolean       access_log;       /* one line per request */
} LkServerConfig;

LkServerConfig *lk_server_config_new            (void);
void            lk_server_config_free           (LkServerConfig  *config);

/* Reads @path over the current values; keys absent from the file keep theirs. */
gboolean        lk_server_config_load_file      (LkServerConfig  *config,
                                                 const char      *path,
                                                 GError         **error);

/* Builds a configuration from defaults, the file named by --config (if any),
 * then the other options of @argv. Consumes the options it knows. */
LkServerConfig *lk_server_config_new_from_args  (int             *argc,
                                                 char          ***argv,
                                                 GError         **error);

/* Replaces the listen list with one entry parsed from @spec. */
gboolean        lk_server_config_add_listen     (LkServerConfig  *config,
                                                 const char      *spec,
                                                 GError         **error);

/* Checks the combination: TLS files present when needed, plain HTTP only on
 * loopback unless insecure_http, sane limits. */
gboolean        lk_server_config_validate       (LkServerConfig  *config,
                                                 GError         **error);

/* Parses "ADDRESS:PORT", "[V6]:PORT", optionally prefixed by http:// or https://. */
LkListenAddress *lk_listen_address_parse        (const char      *spec,
                                                 GError         **error);
void             lk_listen_address_free         (LkListenAddress *listen);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LkServerConfig, lk_server_config_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LkListenAddress, lk_listen_address_free)

G_END_DECLS
