/* SPDX-License-Identifier: GPL-3.0-or-later
 * latchkeyd's configuration: defaults, the latchkeyd.conf key file, and command-line overrides. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <glib/gi18n.h>

#include "lk-server-config.h"
#include "lk-server-error.h"

#define DEFAULT_LISTEN        "127.0.0.1:8443"
#define DEFAULT_DB_PATH       "/var/lib/latchkeyd/latchkey.db"
#define DEFAULT_MAX_BODY      (64 * 1024)
#define MAX_MAX_BODY          (16 * 1024 * 1024)
#define MAX_WORKERS           64

/* Every key the file may hold; anything else is a typo the operator must hear about. */
static const struct
{
  const char *group;
  const char *keys[16];
} known_keys[] = {
  { "server",   { "listen", "tls-certificate", "tls-key", "insecure-http", "port-file",
                  "drain-timeout", NULL } },
  { "database", { "path", "uri", "master-key-file", "durable", "group-commit", "max-failures", "busy-timeout", NULL } },
  { "limits",   { "max-body", "workers", "max-queue", "account-rate", "account-burst",
                  "address-rate", "address-burst", "login-failure-rate", "login-failure-burst",
                  "idle-timeout", "header-timeout", "max-connections", NULL } },
  { "log",      { "level", "format", "access-log", NULL } },
  /* Read by the delivery layer (lk-delivery-config.c), which checks values. */
  { "delivery", { "issuer", "poll-interval", "batch", "send-limit", "send-window", NULL } },
  { "smtp",     { "host", "port", "security", "username", "password", "from", "from-name", "ca-file",
                  "timeout", NULL } },
  { "sms",      { "preset", "url", "method", "headers", "format", "body", "username", "password", "from",
                  "ca-file", "timeout", NULL } },
  { "voice",    { "preset", "url", "method", "headers", "format", "body", "username", "password", "from",
                  "ca-file", "timeout", NULL } },
  { "templates", { "passcode-subject", "passcode-body", "passcode-sms", "passcode-voice",
                   "welcome-subject", "welcome-body", "welcome-sms", NULL } },
};

void
lk_listen_address_free (LkListenAddress *listen)
{
  if (listen == NULL)
    return;
  g_clear_object (&listen->address);
  g_free (listen);
}

LkListenAddress *
lk_listen_address_parse (const char  *spec,
                         GError     **error)
{
  g_autoptr(LkListenAddress) listen = g_new0 (LkListenAddress, 1);
  g_autoptr(GInetAddress) inet = NULL;
  g_autofree char *host = NULL;
  const char *rest = spec;
  const char *port_str;
  char *end = NULL;
  guint64 port;

  g_return_val_if_fail (spec != NULL, NULL);

  while (g_ascii_isspace (*rest))
    rest++;

  if (g_str_has_prefix (rest, "https://"))
    {
      listen->tls = TRUE;
      listen->tls_given = TRUE;
      rest += strlen ("https://");
    }
  else if (g_str_has_prefix (rest, "http://"))
    {
      listen->tls = FALSE;
      listen->tls_given = TRUE;
      rest += strlen ("http://");
    }

  if (*rest == '[')
    {
      const char *close = strchr (rest, ']');

      if (close == NULL || close[1] != ':')
        goto bad;
      host = g_strndup (rest + 1, close - rest - 1);
      port_str = close + 2;
    }
  else
    {
      const char *colon = strrchr (rest, ':');

      if (colon == NULL || strchr (rest, ':') != colon)
        goto bad;
      host = g_strndup (rest, colon - rest);
      port_str = colon + 1;
    }

  errno = 0;
  port = g_ascii_strtoull (port_str, &end, 10);
  if (*port_str == '\0' || errno != 0 || port > 65535)
    goto bad;
  /* Allow a trailing "/" so URLs copied from a browser work. */
  if (*end == '/')
    end++;
  while (g_ascii_isspace (*end))
    end++;
  if (*end != '\0')
    goto bad;

  if (g_strcmp0 (host, "localhost") == 0)
    inet = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  else
    inet = g_inet_address_new_from_string (host);
  if (inet == NULL)
    goto bad;

  listen->address = G_INET_SOCKET_ADDRESS (g_inet_socket_address_new (inet, (guint16) port));
  return g_steal_pointer (&listen);

bad:
  g_set_error (error, LK_SERVER_ERROR, LK_SERVER_ERROR_CONFIG,
               _("Invalid listen address “%s”: expected ADDRESS:PORT or [IPV6]:PORT, "
                 "optionally prefixed with http:// or https://"),
               spec);
  return NULL;
}

LkServerConfig *
lk_server_config_new (void)
{
  LkServerConfig *config = g_new0 (LkServerConfig, 1);
  guint cpus = g_get_num_processors ();

  config->listen = g_ptr_array_new_with_free_func ((GDestroyNotify) lk_listen_address_free);
  g_ptr_array_add (config->listen, lk_listen_address_parse (DEFAULT_LISTEN, NULL));
  config->drain_timeout = 30;
  config->db_path = g_strdup (DEFAULT_DB_PATH);
  config->max_body = DEFAULT_MAX_BODY;
  config->workers = CLAMP (cpus, 1, MAX_WORKERS);
  config->max_queue = 1024;
  config->idle_timeout = 60;
  config->header_timeout = 20;
  config->account_rate = 5000;
  config->account_burst = 10000;
  config->address_rate = 1000;
  config->address_burst = 2000;
  config->login_failure_rate = 1;
  config->login_failure_burst = 20;
  config->log_level = G_LOG_LEVEL_INFO;
  config->log_format = LK_LOG_FORMAT_TEXT;
  config->access_log = TRUE;

  return config;
}

void
lk_server_config_free (LkServerConfig *config)
{
  if (config == NULL)
    return;
  g_clear_pointer (&config->listen, g_ptr_array_unref);
  g_free (config->tls_certificate);
  g_free (config->tls_key);
  g_free (config->port_file);
  g_free (config->db_path);
  g_free (config->master_key_file);
  g_free (config->config_file);
  g_free (config);
}

gboolean
lk_server_config_add_listen (LkServerConfig  *config,
                             const char      *spec,
                             GError         **error)
{
  LkListenAddress *listen = lk_listen_address_parse (spec, error);

  if (listen == NULL)
    return FALSE;
  g_ptr_array_add (config->listen, listen);
  return TRUE;
}

static gboolean
parse_log_level (const char      *name,
                 GLogLevelFlags  *level,
                 GError         **error)
{
  static const struct { const char *name; GLogLevelFlags level; } levels[] = {
    { "error", G_LOG_LEVEL_CRITICAL },
    { "critical", G_LOG_LEVEL_CRITICAL },
    { "warning", G_LOG_LEVEL_WARNING },
    { "message", G_LOG_LEVEL_MESSAGE },
    { "info", G_LOG_LEVEL_INFO },
    { "debug", G_LOG_LEVEL_DEBUG },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (levels); i++)
    if (g_ascii_strcasecmp (name, levels[i].name) == 0)
      {
        *level = levels[i].level;
        return TRUE;
      }

  g_set_error (error, LK_SERVER_ERROR, LK_SERVER_ERROR_CONFIG,
               _("Unknown log level “%s”: use error, warning, message, info or debug"), name);
  return FALSE;
}

static gboolean
parse_log_format (const char   *name,
                  LkLogFormat  *format,
                  GError      **error)
{
  if (g_ascii_strcasecmp (name, "text") == 0)
    *format = LK_LOG_FORMAT_TEXT;
  else if (g_ascii_strcasecmp (name, "json") == 0)
    *format = LK_LOG_FORMAT_JSON;
  else
    {
      g_set_error (error, LK_SERVER_ERROR, LK_SERVER_ERROR_CONFIG,
                   _("Unknown log format “%s”: use text or json"), name);
      return FALSE;
    }
  return TRUE;
}

/* Paths in the file are relative to the file, so a test or a package can ship
 * a configuration next to its certificates. */
static char *
resolve_path (const char *base_dir,
              const char *value)
{
  if (value == NULL || *value == '\0')
    return NULL;
  if (g_path_is_absolute (value))
    return g_strdup (value);
  return g_build_filename (base_dir, value, NULL);
}

static gboolean
check_known_keys (GKeyFile    *file,
                  const char  *path,
                  GError     **error)
{
  g_auto(GStrv) groups = g_key_file_get_groups (file, NULL);

  for (gsize g = 0; groups[g] != NULL; g++)
    {
      g_auto(GStrv) keys = NULL;
      gssize known = -1;

      for (gsize k = 0; k < G_N_ELEMENTS (known_keys); k++)
        if (g_strcmp0 (groups[g], known_keys[k].group) == 0)
          known = k;
      if (known < 0)
        {
          g_set_error (error, LK_SERVER_ERROR, LK_SERVER_ERROR_CONFIG,
                       _("%s: unknown group [%s]"), path, groups[g]);
          return FALSE;
        }

      keys = g_key_file_get_keys (file, groups[g], NULL, NULL);
      for (gsize i = 0; keys != NULL && keys[i] != NULL; i++)
        {
          if (!g_strv_contains (known_keys[known].keys, keys[i]))
            {
              g_set_error (error, LK_SERVER_ERROR, LK_SERVER_ERROR_CONFIG,
                           _("%s: unknown key “%s” in [%s]"), path, keys[i], groups[g]);
              return FALSE;
            }
        }
    }
  return TRUE;
}

static gboolean
get_uint (GKeyFile    *file,
          const char  *path,
          const char  *group,
          const char  *key,
          guint64      min,
          guint64      max,
          guint64     *out,
          GError     **error)
{
  g_autofree char *text = NULL;
  g_autoptr(GError) local_error = NULL;
  guint64 value;

  if (!g_key_file_has_key (file, group, key, NULL))
    return TRUE;
  text = g_key_file_get_string (file, group, key, &local_error);
  if (text == NULL || !g_ascii_string_to_unsigned (g_strstrip (text), 10, min, max, &value, NULL))
    {
      g_set_error (error, LK_SERVER_ERROR, LK_SERVER_ERROR_CONFIG,
                   _("%s: [%s] %s must be a whole number from %" G_GUINT64_FORMAT
                     " to %" G_GUINT64_FORMAT),
                   path, group, key, min, max);
      return FALSE;
    }
  *out = value;
  return TRUE;
}

static gboolean
get_rate (GKeyFile    *file,
          const char  *path,
          const char  *group,
          const char  *key,
          double      *out,
          GError     **error)
{
  g_autofree char *text = NULL;
  char *end = NULL;
  double value;

  if (!g_key_file_has_key (file, group, key, NULL))
    return TRUE;
  text = g_key_file_get_string (file, group, key, NULL);
  if (text != NULL)
    g_strstrip (text);
  value = text != NULL ? g_ascii_strtod (text, &end) : -1;
  if (text == NULL || *text == '\0' || *end != '\0' || !(value >= 0) || value > 1e9)
    {
      g_set_error (error, LK_SERVER_ERROR, LK_SERVER_ERROR_CONFIG,
                   _("%s: [%s] %s must be a number of requests per second (0 turns the limit off)"),
                   path, group, key);
      return FALSE;
    }
  *out = value;
  return TRUE;
}

static gboolean
get_bool (GKeyFile    *file,
          const char  *path,
          const char  *group,
          const char  *key,
          gboolean    *out,
          GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  gboolean value;

  if (!g_key_file_has_key (file, group, key, NULL))
    return TRUE;
  value = g_key_file_get_boolean (file, group, key, &local_error);
  if (local_error != NULL)
    {
      g_set_error (error, LK_SERVER_ERROR, LK_SERVER_ERROR_CONFIG,
                   _("%s: [%s] %s must be true or false"), path, group, key);
      return FALSE;
    }
  *out = value;
  return TRUE;
}

static gboolean
get_path (GKeyFile    *file,
          const char  *base_dir,
          const char  *group,
          const char  *key,
          char       **out)
{
  g_autofree char *text = NULL;

  if (!g_key_file_has_key (file, group, key, NULL))
    return TRUE;
  text = g_key_file_get_string (file, group, key, NULL);
  g_free (*out);
  *out = text != NULL ? resolve_path (base_dir, g_strstrip (text)) : NULL;
  return TRUE;
}

gboolean
lk_server_config_load_file (LkServerConfig  *config,
                            const char      *path,
                            GError         **error)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;
  g_autofree char *base_dir = NULL;
  g_autofree char *text = NULL;
  guint64 value;

  if (!g_key_file_load_from_file (file, path, G_KEY_FILE_NONE, &local_error))
    {
      g_set_error (error, LK_SERVER_ERROR, LK_SERVER_ERROR_CONFIG,
                   _("Cannot read the configuration file %s: %s"), path, local_error->message);
      return FALSE;
    }
  if (!check_known_keys (file, path, error))
    return FALSE;

  base_dir = g_path_get_dirname (path);

  if (g_key_file_has_key (file, "server", "listen", NULL))
    {
      g_auto(GStrv) specs = g_key_file_get_string_list (file, "server", "listen", NULL, NULL);
      g_autoptr(GPtrArray) listen =
        g_ptr_array_new_with_free_func ((GDestroyNotify) lk_listen_address_free);

      for (gsize i = 0; specs != NULL && specs[i] != NULL; i++)
        {
          LkListenAddress *address;

          if (*g_strstrip (specs[i]) == '\0')
            continue;
          address = lk_listen_address_parse (specs[i], error);
          if (address == NULL)
            {
              g_prefix_error (error, "%s: ", path);
              return FALSE;
            }
          g_ptr_array_add (listen, address);
        }
      g_ptr_array_unref (config->listen);
      config->listen = g_steal_pointer (&listen);
    }

  get_path (file, base_dir, "server", "tls-certificate", &config->tls_certificate);
  get_path (file, base_dir, "server", "tls-key", &config->tls_key);
  get_path (file, base_dir, "server", "port-file", &config->port_file);
  get_path (file, base_dir, "database", "path", &config->db_path);
  /* A PostgreSQL connection string (issue 12) is not a file path. */
  {
    g_autofree char *uri = g_key_file_get_string (file, "database", "uri", NULL);
    if (uri != NULL && *g_strstrip (uri) != '\0')
      {
        g_free (config->db_path);
        config->db_path = g_steal_pointer (&uri);
      }
  }
  get_path (file, base_dir, "database", "master-key-file", &config->master_key_file);

  if (!get_bool (file, path, "server", "insecure-http", &config->insecure_http, error) ||
      !get_bool (file, path, "database", "durable", &config->durable, error) ||
      !get_bool (file, path, "database", "group-commit", &config->group_commit, error) ||
      !get_bool (file, path, "log", "access-log", &config->access_log, error))
    return FALSE;

  value = config->drain_timeout;
  if (!get_uint (file, path, "server", "drain-timeout", 0, 3600, &value, error))
    return FALSE;
  config->drain_timeout = value;

  value = config->max_failures;
  if (!get_uint (file, path, "database", "max-failures", 0, 1000, &value, error))
    return FALSE;
  config->max_failures = value;

  value = config->busy_timeout_ms;
  if (!get_uint (file, path, "database", "busy-timeout", 0, 600000, &value, error))
    return FALSE;
  config->busy_timeout_ms = value;

  value = config->send_limit;
  if (!get_uint (file, path, "delivery", "send-limit", 0, G_MAXUINT, &value, error))
    return FALSE;
  config->send_limit = value;

  value = config->send_window;
  if (!get_uint (file, path, "delivery", "send-window", 0, 86400 * 7, &value, error))
    return FALSE;
  config->send_window = value;

  value = config->max_body;
  if (!get_uint (file, path, "limits", "max-body", 256, MAX_MAX_BODY, &value, error))
    return FALSE;
  config->max_body = value;

  value = config->workers;
  if (!get_uint (file, path, "limits", "workers", 1, MAX_WORKERS, &value, error))
    return FALSE;
  config->workers = value;

  value = config->max_queue;
  if (!get_uint (file, path, "limits", "max-queue", 1, 1000000, &value, error))
    return FALSE;
  config->max_queue = value;

  value = config->idle_timeout;
  if (!get_uint (file, path, "limits", "idle-timeout", 1, 3600, &value, error))
    return FALSE;
  config->idle_timeout = value;

  value = config->header_timeout;
  if (!get_uint (file, path, "limits", "header-timeout", 1, 3600, &value, error))
    return FALSE;
  config->header_timeout = value;

  value = config->max_connections;
  if (!get_uint (file, path, "limits", "max-connections", 0, 1000000, &value, error))
    return FALSE;
  config->max_connections = value;

  value = config->account_burst;
  if (!get_uint (file, path, "limits", "account-burst", 1, 1000000000, &value, error))
    return FALSE;
  config->account_burst = value;

  value = config->address_burst;
  if (!get_uint (file, path, "limits", "address-burst", 1, 1000000000, &value, error))
    return FALSE;
  config->address_burst = value;

  value = config->login_failure_burst;
  if (!get_uint (file, path, "limits", "login-failure-burst", 1, 1000000000, &value, error))
    return FALSE;
  config->login_failure_burst = value;

  if (!get_rate (file, path, "limits", "account-rate", &config->account_rate, error) ||
      !get_rate (file, path, "limits", "address-rate", &config->address_rate, error) ||
      !get_rate (file, path, "limits", "login-failure-rate", &config->login_failure_rate, error))
    return FALSE;

  text = g_key_file_get_string (file, "log", "level", NULL);
  if (text != NULL && !parse_log_level (g_strstrip (text), &config->log_level, error))
    return FALSE;
  g_clear_pointer (&text, g_free);

  text = g_key_file_get_string (file, "log", "format", NULL);
  if (text != NULL && !parse_log_format (g_strstrip (text), &config->log_format, error))
    return FALSE;

  g_free (config->config_file);
  config->config_file = g_canonicalize_filename (path, NULL);
  return TRUE;
}

static void
replace_path (char       **field,
              const char  *value)
{
  if (value == NULL)
    return;
  g_free (*field);
  *field = *value != '\0' ? g_canonicalize_filename (value, NULL) : NULL;
}

LkServerConfig *
lk_server_config_new_from_args (int     *argc,
                                char  ***argv,
                                GError **error)
{
  g_autoptr(LkServerConfig) config = lk_server_config_new ();
  g_autoptr(GOptionContext) context = NULL;
  g_autofree char *config_file = NULL;
  g_auto(GStrv) listen = NULL;
  g_autofree char *tls_cert = NULL;
  g_autofree char *tls_key = NULL;
  g_autofree char *port_file = NULL;
  g_autofree char *db_path = NULL;
  g_autofree char *master_key = NULL;
  g_autofree char *log_level = NULL;
  g_autofree char *log_format = NULL;
  g_autofree char *account_rate = NULL;
  g_autofree char *address_rate = NULL;
  g_autofree char *login_failure_rate = NULL;
  gboolean insecure_http = FALSE;
  gboolean no_access_log = FALSE;
  gboolean durable = FALSE;
  gboolean group_commit = FALSE;
  gint workers = -1;
  gint max_body = -1;
  gint max_queue = -1;
  gint account_burst = -1;
  gint address_burst = -1;
  gint login_failure_burst = -1;
  gint drain_timeout = -1;
  const GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_file,
      N_("Read the configuration from FILE (latchkeyd.conf)"), N_("FILE") },
    { "listen", 'l', 0, G_OPTION_ARG_STRING_ARRAY, &listen,
      N_("Listen on [http://|https://]ADDRESS:PORT (repeatable; replaces the file's list; port 0 picks a free port)"),
      N_("ADDRESS:PORT") },
    { "tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &tls_cert,
      N_("PEM certificate (chain) for HTTPS"), N_("FILE") },
    { "tls-key", 0, 0, G_OPTION_ARG_FILENAME, &tls_key,
      N_("PEM private key for HTTPS"), N_("FILE") },
    { "insecure-http", 0, 0, G_OPTION_ARG_NONE, &insecure_http,
      N_("Allow plain HTTP on addresses that are not loopback"), NULL },
    { "port-file", 0, 0, G_OPTION_ARG_FILENAME, &port_file,
      N_("Write the bound URLs, one a line, to FILE once listening"), N_("FILE") },
    { "drain-timeout", 0, 0, G_OPTION_ARG_INT, &drain_timeout,
      N_("Seconds to wait for in-flight requests on SIGTERM"), N_("SECONDS") },
    { "db", 'd', 0, G_OPTION_ARG_FILENAME, &db_path,
      N_("The engine database"), N_("PATH") },
    { "master-key-file", 'k', 0, G_OPTION_ARG_FILENAME, &master_key,
      N_("The 0600 file holding the master key that encrypts seeds"), N_("FILE") },
    { "durable", 0, 0, G_OPTION_ARG_NONE, &durable,
      N_("Sync every commit to disk (slower; survives power loss)"), NULL },
    { "group-commit", 0, 0, G_OPTION_ARG_NONE, &group_commit,
      N_("Durable validations, many per disk sync (one writer thread)"), NULL },
    { "workers", 'w', 0, G_OPTION_ARG_INT, &workers,
      N_("Worker threads, each with its own database connection"), N_("N") },
    { "max-body", 0, 0, G_OPTION_ARG_INT, &max_body,
      N_("Largest request body in bytes"), N_("BYTES") },
    { "max-queue", 0, 0, G_OPTION_ARG_INT, &max_queue,
      N_("Requests that may wait for a worker before the server answers 503"), N_("N") },
    { "account-rate", 0, 0, G_OPTION_ARG_STRING, &account_rate,
      N_("Requests per second per partner account (0: no limit)"), N_("RATE") },
    { "account-burst", 0, 0, G_OPTION_ARG_INT, &account_burst,
      N_("Burst size per partner account"), N_("N") },
    { "address-rate", 0, 0, G_OPTION_ARG_STRING, &address_rate,
      N_("Requests per second per client address (0: no limit)"), N_("RATE") },
    { "address-burst", 0, 0, G_OPTION_ARG_INT, &address_burst,
      N_("Burst size per client address"), N_("N") },
    { "login-failure-rate", 0, 0, G_OPTION_ARG_STRING, &login_failure_rate,
      N_("Failed partner logins per second per client address before it is refused (0: no limit)"), N_("RATE") },
    { "login-failure-burst", 0, 0, G_OPTION_ARG_INT, &login_failure_burst,
      N_("Failed partner logins a client address may make at once"), N_("N") },
    { "log-level", 0, 0, G_OPTION_ARG_STRING, &log_level,
      N_("error, warning, message, info or debug"), N_("LEVEL") },
    { "log-format", 0, 0, G_OPTION_ARG_STRING, &log_format,
      N_("text or json"), N_("FORMAT") },
    { "no-access-log", 0, 0, G_OPTION_ARG_NONE, &no_access_log,
      N_("Do not log one line per request"), NULL },
    G_OPTION_ENTRY_NULL
  };

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context, _("The Latchkey authentication server: the engine behind a JSON API over HTTPS."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, argc, argv, error))
    return NULL;

  if (config_file != NULL && !lk_server_config_load_file (config, config_file, error))
    return NULL;

  if (listen != NULL)
    {
      g_ptr_array_set_size (config->listen, 0);
      for (gsize i = 0; listen[i] != NULL; i++)
        if (!lk_server_config_add_listen (config, listen[i], error))
          return NULL;
    }

  replace_path (&config->tls_certificate, tls_cert);
  replace_path (&config->tls_key, tls_key);
  replace_path (&config->port_file, port_file);
  if (db_path != NULL &&
      (g_str_has_prefix (db_path, "postgresql://") || g_str_has_prefix (db_path, "postgres://") ||
       g_str_has_prefix (db_path, "host=") || g_str_has_prefix (db_path, "dbname=")))
    {
      /* A connection string is kept as it is (issue 12). */
      g_free (config->db_path);
      config->db_path = g_strdup (db_path);
    }
  else
    replace_path (&config->db_path, db_path);
  replace_path (&config->master_key_file, master_key);
  if (insecure_http)
    config->insecure_http = TRUE;
  if (no_access_log)
    config->access_log = FALSE;
  if (durable)
    config->durable = TRUE;
  if (group_commit)
    config->group_commit = TRUE;

  if (workers != -1)
    {
      if (workers < 1 || workers > MAX_WORKERS)
        {
          g_set_error (error, LK_SERVER_ERROR, LK_SERVER_ERROR_CONFIG,
                       _("--workers must be from 1 to %d"), MAX_WORKERS);
          return NULL;
        }
      config->workers = workers;
    }
  if (max_body != -1)
    {
      if (max_body < 256 || max_body > MAX_MAX_BODY)
        {
          g_set_error (error, LK_SERVER_ERROR, LK_SERVER_ERROR_CONFIG,
                       _("--max-body must be from 256 to %d bytes"), MAX_MAX_BODY);
          return NULL;
        }
      config->max_body = max_body;
    }
  if (max_queue != -1)
    {
      if (max_queue < 1)
        {
          g_set_error_literal (error, LK_SERVER_ERROR, LK_SERVER_ERROR_CONFIG,
                               _("--max-queue must be at least 1"));
          return NULL;
        }
      config->max_queue = max_queue;
    }
  if (drain_timeout != -1)
    {
      if (drain_timeout < 0 || drain_timeout > 3600)
        {
          g_set_error_literal (error, LK_SERVER_ERROR, LK_SERVER_ERROR_CONFIG,
                               _("--drain-timeout must be from 0 to 3600 seconds"));
          return NULL;
        }
      config->drain_timeout = drain_timeout;
    }

  {
    struct { const char *text; double *rate; const char *name; } rates[] = {
      { account_rate, &config->account_rate, "--account-rate" },
      { address_rate, &config->address_rate, "--address-rate" },
      { login_failure_rate, &config->login_failure_rate, "--login-failure-rate" },
    };
    struct { gint value; guint *burst; const char *name; } bursts[] = {
      { account_burst, &config->account_burst, "--account-burst" },
      { address_burst, &config->address_burst, "--address-burst" },
      { login_failure_burst, &config->login_failure_burst, "--login-failure-burst" },
    };

    for (gsize i = 0; i < G_N_ELEMENTS (rates); i++)
      {
        char *end = NULL;
        double value;

        if (rates[i].text == NULL)
          continue;
        value = g_ascii_strtod (rates[i].text, &end);
        if (*rates[i].text == '\0' || *end != '\0' || !(value >= 0) || value > 1e9)
          {
            g_set_error (error, LK_SERVER_ERROR, LK_SERVER_ERROR_CONFIG,
                         _("%s must be a number of requests per second (0 turns the limit off)"),
                         rates[i].name);
            return NULL;
          }
        *rates[i].rate = value;
      }
    for (gsize i = 0; i < G_N_ELEMENTS (bursts); i++)
      {
        if (bursts[i].value == -1)
          continue;
        if (bursts[i].value < 1)
          {
            g_set_error (error, LK_SERVER_ERROR, LK_SERVER_ERROR_CONFIG,
                         _("%s must be at least 1"), bursts[i].name);
            return NULL;
          }
        *bursts[i].burst = bursts[i].value;
      }
  }

  if (log_level != NULL && !parse_log_level (log_level, &config->log_level, error))
    return NULL;
  if (log_format != NULL && !parse_log_format (log_format, &config->log_format, error))
    return NULL;

  return g_steal_pointer (&config);
}

gboolean
lk_server_config_validate (LkServerConfig  *config,
                           GError         **error)
{
  gboolean have_cert = config->tls_certificate != NULL;

  if (config->listen->len == 0)
    {
      g_set_error_literal (error, LK_SERVER_ERROR, LK_SERVER_ERROR_CONFIG,
                           _("No listen address configured"));
      return FALSE;
    }
  if (config->tls_key != NULL && !have_cert)
    {
      g_set_error_literal (error, LK_SERVER_ERROR, LK_SERVER_ERROR_CONFIG,
                           _("A TLS key was given without a certificate"));
      return FALSE;
    }
  if (config->db_path == NULL)
    {
      g_set_error_literal (error, LK_SERVER_ERROR, LK_SERVER_ERROR_CONFIG,
                           _("No database path configured ([database] path or --db)"));
      return FALSE;
    }
  if (config->master_key_file == NULL)
    {
      g_set_error_literal (error, LK_SERVER_ERROR, LK_SERVER_ERROR_CONFIG,
                           _("No master key file configured ([database] master-key-file or --master-key-file)"));
      return FALSE;
    }

  for (guint i = 0; i < config->listen->len; i++)
    {
      LkListenAddress *listen = g_ptr_array_index (config->listen, i);
      GInetAddress *inet = g_inet_socket_address_get_address (listen->address);

      /* An unprefixed address follows the certificate: HTTPS when one is configured. */
      if (!listen->tls_given)
        listen->tls = have_cert;

      if (listen->tls && !have_cert)
        {
          g_autofree char *where = g_inet_address_to_string (inet);

          g_set_error (error, LK_SERVER_ERROR, LK_SERVER_ERROR_CONFIG,
                       _("HTTPS on %s needs a certificate ([server] tls-certificate or --tls-cert)"),
                       where);
          return FALSE;
        }
      if (!listen->tls && !config->insecure_http && !g_inet_address_get_is_loopback (inet))
        {
          g_autofree char *where = g_inet_address_to_string (inet);

          g_set_error (error, LK_SERVER_ERROR, LK_SERVER_ERROR_INSECURE,
                       _("Refusing plain HTTP on %s, which is not a loopback address: "
                         "configure a TLS certificate, listen on loopback, or pass --insecure-http"),
                       where);
          return FALSE;
        }
    }

  return TRUE;
}
