/* SPDX-License-Identifier: GPL-3.0-or-later
 * What the administration commands (account, user, device, otp) share: the
 * backend chosen by --db or --server, the account key, the options every
 * one of them takes, and one way to print answers and errors. */
#pragma once

#include "lk-backend.h"
#include "lk-cli.h"

G_BEGIN_DECLS

/* Options every admin command accepts besides the global ones. */
typedef struct
{
  char *key_file;   /* --key-file: the master key file of --db (default PATH.key) */
  char *tls_pin;    /* --tls-pin: SHA-256 fingerprint of the server certificate */
  char *tls_cert;   /* --tls-cert: a PEM certificate file to pin */
  int   timeout;    /* --timeout seconds for --server */
} LkCliAdminOptions;

void        lk_cli_admin_options_clear (LkCliAdminOptions *opts);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (LkCliAdminOptions, lk_cli_admin_options_clear)

/* lk_cli_parse_options() with @entries plus the admin options. */
gboolean    lk_cli_admin_parse   (LkCliContext        *ctx,
                                  LkCliAdminOptions   *opts,
                                  const GOptionEntry  *entries,
                                  const char          *parameter_string,
                                  const char          *description,
                                  int                 *argc,
                                  char              ***argv,
                                  int                 *exit_status);

/* The backend of --db or --server, logged in as --account with the key
 * from LATCHKEY_ACCOUNT_KEY, a prompt on a terminal, or the keyring. NULL
 * after printing the reason (*@exit_status set). @need_account FALSE skips
 * the account (account create). */
LkBackend  *lk_cli_admin_open    (LkCliContext             *ctx,
                                  const LkCliAdminOptions  *opts,
                                  gboolean                  need_account,
                                  int                      *exit_status);

/* Runs @request (transfer full) and waits. Returns the response when its
 * errorCode is 0; otherwise prints the error (and, with --json, the
 * response object), sets *@exit_status (1, or 2 for codes that mean bad
 * input) and returns NULL. */
LkApiResponse *lk_cli_admin_call (LkCliContext   *ctx,
                                  LkBackend      *backend,
                                  LkApiRequest   *request,
                                  int            *exit_status);

/* Opens the backend of @opts and runs @request (transfer full), printing
 * the response as JSON when asked; the caller prints the human form.
 * NULL with *@exit_status set on failure. */
LkApiResponse *lk_cli_admin_run  (LkCliContext            *ctx,
                                  const LkCliAdminOptions *opts,
                                  LkApiRequest            *request,
                                  int                     *exit_status);

/* LK_CLI_EXIT_OK when @argc holds exactly @wanted positional arguments
 * after the command name, else a usage error naming @what. */
int         lk_cli_admin_need_args (LkCliContext *ctx,
                                    int           argc,
                                    int           wanted,
                                    const char   *what);

/* A command that takes one positional argument and no options of its own
 * (user find, device enable, ...). The strings are already translated. */
typedef struct
{
  LkApiOp     op;
  const char *parameter_string;  /* --help's argument, e.g. "SERIAL" */
  const char *description;       /* --help's summary */
  const char *what;              /* the argument in the usage error */
  /* Stores the argument in the request field @op reads it from. */
  void      (*set_argument) (LkApiRequest *request,
                             const char   *argument);
} LkCliOneArgCmd;

/* Parses @argv for @cmd, sends its request and prints JSON when asked.
 * Returns the response and the argument (*@argument, free with g_free)
 * so the caller can print the human form; NULL with *@exit_status set on
 * a usage error or failure. */
LkApiResponse *lk_cli_admin_run_one_arg (LkCliContext          *ctx,
                                         const LkCliOneArgCmd  *cmd,
                                         int                    argc,
                                         char                 **argv,
                                         char                 **argument,
                                         int                   *exit_status);

/* Prints @response as one JSON object (the API's own form, without the
 * QR images). */
void        lk_cli_admin_print_json (LkCliContext        *ctx,
                                     const LkApiResponse *response);

/* Human forms of records. */
void        lk_cli_admin_print_user   (const LkUser   *user);
void        lk_cli_admin_print_device (const LkDevice *device);

/* Reads a secret: a no-echo prompt on a terminal, else one line of stdin.
 * NULL at end of input. */
char       *lk_cli_admin_read_secret (const char *prompt);

/* Device options shared by "device add" and "user enroll". */
typedef struct
{
  char *device_type, *otp_type, *digits, *window, *drift, *otp_pin, *serial, *key_hex, *key_base64;
  char *alias, *algorithm, *ocra_suite, *notify, *mobile_usage;
  gboolean mobile_auth;
} LkCliDeviceOptions;

/* The GOptionEntry list for @opts (terminated; free with g_free). */
GOptionEntry *lk_cli_device_option_entries (LkCliDeviceOptions *opts);
gboolean      lk_cli_device_options_any    (const LkCliDeviceOptions *opts);
/* Fills the device members of @request; FALSE after a usage error. */
gboolean      lk_cli_device_options_apply  (LkCliContext             *ctx,
                                            const LkCliDeviceOptions *opts,
                                            LkApiRequest             *request,
                                            int                      *exit_status);
void          lk_cli_device_options_clear  (LkCliDeviceOptions       *opts);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (LkCliDeviceOptions, lk_cli_device_options_clear)

/* Joins two GOptionEntry lists (each terminated) into a new one. */
GOptionEntry *lk_cli_join_entries (const GOptionEntry *a,
                                   const GOptionEntry *b);

G_END_DECLS
