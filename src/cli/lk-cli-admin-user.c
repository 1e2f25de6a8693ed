/* SPDX-License-Identifier: GPL-3.0-or-later
 * latchkeyctl user: enrol, find, list, update, enable, disable, delete,
 * validate a password and read the audit trail, on --db or --server alike. */
#include "config.h"

#include <glib/gi18n.h>

#include "lk-cli-admin.h"
#include "lk-secure.h"

static int
user_enroll (LkCliContext *ctx,
             int           argc,
             char        **argv)
{
  g_auto(LkCliAdminOptions) opts = { 0 };
  g_auto(LkCliDeviceOptions) device = { 0 };
  g_autofree char *first = NULL, *last = NULL, *email = NULL, *phone = NULL, *password = NULL;
  gboolean with_device = FALSE;
  g_autoptr(LkApiRequest) request = NULL;
  g_autoptr(LkApiResponse) response = NULL;
  g_autofree GOptionEntry *device_entries = lk_cli_device_option_entries (&device);
  g_autofree GOptionEntry *all = NULL;
  int status = LK_CLI_EXIT_OK;
  const GOptionEntry entries[] = {
    { "first-name", 0, 0, G_OPTION_ARG_STRING, &first, N_("First name"), N_("NAME") },
    { "last-name", 0, 0, G_OPTION_ARG_STRING, &last, N_("Last name"), N_("NAME") },
    { "email", 0, 0, G_OPTION_ARG_STRING, &email, N_("Email address"), N_("ADDRESS") },
    { "phone", 0, 0, G_OPTION_ARG_STRING, &phone, N_("Mobile phone number"), N_("NUMBER") },
    { "password", 0, 0, G_OPTION_ARG_STRING, &password, N_("Login password (default: generated and printed once)"), N_("PASSWORD") },
    { "device", 0, 0, G_OPTION_ARG_NONE, &with_device, N_("Also add a first device (implied by any device option)"), NULL },
    { NULL }
  };

  all = lk_cli_join_entries (entries, device_entries);
  if (!lk_cli_admin_parse (ctx, &opts, all, _("LOGIN"), _("Enrols a user (EnrollUser), optionally with a first device."),
                           &argc, &argv, &status))
    return status;
  if ((status = lk_cli_admin_need_args (ctx, argc, 1, _("the user's LOGIN"))) != 0)
    return status;

  request = lk_api_request_new (LK_API_OP_ENROLL_USER);
  request->username = g_strdup (argv[1]);
  request->first_name = g_strdup (first);
  request->last_name = g_strdup (last);
  request->email = g_strdup (email);
  request->mobile_phone = g_strdup (phone);
  request->password = g_strdup (password);
  request->with_device = with_device || lk_cli_device_options_any (&device);
  if (!lk_cli_device_options_apply (ctx, &device, request, &status))
    return status;
  lk_secure_str_free (g_steal_pointer (&password));

  response = lk_cli_admin_run (ctx, &opts, g_steal_pointer (&request), &status);
  if (response == NULL || ctx->json)
    return status;
  g_print (_("Enrolled user %s.\n"), response->user->login);
  if (response->generated_password != NULL)
    g_print (_("Generated password (shown once): %s\n"), response->generated_password);
  if (response->device != NULL)
    g_print (_("Added device %s (%s).\n"), response->device->serial,
             lk_device_state_to_string (response->device->state));
  return LK_CLI_EXIT_OK;
}

static void
set_username (LkApiRequest *request,
              const char   *login)
{
  request->username = g_strdup (login);
}

/* The commands that take one LOGIN and nothing else. */
static int
user_simple (LkCliContext *ctx,
             int           argc,
             char        **argv,
             LkApiOp       op,
             const char   *description)
{
  const LkCliOneArgCmd cmd = { op, _("LOGIN"), description, _("the user's LOGIN"), set_username };
  g_autoptr(LkApiResponse) response = NULL;
  g_autofree char *login = NULL;
  int status = LK_CLI_EXIT_OK;

  response = lk_cli_admin_run_one_arg (ctx, &cmd, argc, argv, &login, &status);
  if (response == NULL || ctx->json)
    return status;

  switch (op)
    {
    case LK_API_OP_FIND_USER:
      lk_cli_admin_print_user (response->user);
      break;
    case LK_API_OP_DELETE_USER:
      g_print (_("Deleted user %s and the devices assigned to it.\n"), login);
      break;
    case LK_API_OP_ENABLE_USER:
      g_print (_("Enabled user %s.\n"), login);
      break;
    case LK_API_OP_DISABLE_USER:
      g_print (_("Disabled user %s.\n"), login);
      break;
    default:
      break;
    }
  return LK_CLI_EXIT_OK;
}

static int
user_find (LkCliContext *ctx, int argc, char **argv)
{
  return user_simple (ctx, argc, argv, LK_API_OP_FIND_USER, _("Shows one user."));
}

static int
user_delete (LkCliContext *ctx, int argc, char **argv)
{
  return user_simple (ctx, argc, argv, LK_API_OP_DELETE_USER, _("Deletes a user and every device assigned to it."));
}

static int
user_enable (LkCliContext *ctx, int argc, char **argv)
{
  return user_simple (ctx, argc, argv, LK_API_OP_ENABLE_USER, _("Enables a user."));
}

static int
user_disable (LkCliContext *ctx, int argc, char **argv)
{
  return user_simple (ctx, argc, argv, LK_API_OP_DISABLE_USER, _("Disables a user: no password or OTP is accepted."));
}

static gboolean
parse_page (LkCliContext *ctx,
            int           offset,
            int           limit,
            LkApiRequest *request,
            int          *status)
{
  if (offset < 0 || limit < 0 || limit > 1000)
    {
      *status = lk_cli_usage_error (ctx, _("--offset must be 0 or more and --limit 0 to 1000"));
      return FALSE;
    }
  request->offset = offset;
  request->limit = limit;
  return TRUE;
}

static int
user_list (LkCliContext *ctx,
           int           argc,
           char        **argv)
{
  g_auto(LkCliAdminOptions) opts = { 0 };
  g_autofree char *search = NULL;
  int offset = 0, limit = 0;
  g_autoptr(LkApiRequest) request = NULL;
  g_autoptr(LkApiResponse) response = NULL;
  int status = LK_CLI_EXIT_OK;
  const GOptionEntry entries[] = {
    { "search", 0, 0, G_OPTION_ARG_STRING, &search, N_("Only users whose login, name or email starts with TEXT"), N_("TEXT") },
    { "offset", 0, 0, G_OPTION_ARG_INT, &offset, N_("Skip the first N matches"), N_("N") },
    { "limit", 0, 0, G_OPTION_ARG_INT, &limit, N_("At most N users (default 100, at most 1000)"), N_("N") },
    { NULL }
  };

  if (!lk_cli_admin_parse (ctx, &opts, entries, "", _("Lists users, sorted by login, a page at a time."),
                           &argc, &argv, &status))
    return status;
  if ((status = lk_cli_admin_need_args (ctx, argc, 0, _("no arguments"))) != 0)
    return status;
  request = lk_api_request_new (LK_API_OP_FIND_USERS);
  request->search = g_strdup (search);
  if (!parse_page (ctx, offset, limit, request, &status))
    return status;
  response = lk_cli_admin_run (ctx, &opts, g_steal_pointer (&request), &status);
  if (response == NULL || ctx->json)
    return status;

  for (guint i = 0; i < response->users->len; i++)
    {
      LkUser *user = response->users->pdata[i];

      g_print ("%-24s %-28s %-32s %-8s %u\n", user->login,
               *user->first_name || *user->last_name ? user->first_name : "-",
               *user->email ? user->email : "-", user->enabled ? _("enabled") : _("disabled"),
               user->device_count);
    }
  g_print (_("%u of %u users\n"), response->users->len, response->total);
  return LK_CLI_EXIT_OK;
}

static int
user_update (LkCliContext *ctx,
             int           argc,
             char        **argv)
{
  g_auto(LkCliAdminOptions) opts = { 0 };
  g_autofree char *new_login = NULL, *first = NULL, *last = NULL, *email = NULL, *phone = NULL, *password = NULL;
  g_autoptr(LkApiRequest) request = NULL;
  g_autoptr(LkApiResponse) response = NULL;
  int status = LK_CLI_EXIT_OK;
  const GOptionEntry entries[] = {
    { "new-login", 0, 0, G_OPTION_ARG_STRING, &new_login, N_("Rename the user"), N_("LOGIN") },
    { "first-name", 0, 0, G_OPTION_ARG_STRING, &first, N_("First name"), N_("NAME") },
    { "last-name", 0, 0, G_OPTION_ARG_STRING, &last, N_("Last name"), N_("NAME") },
    { "email", 0, 0, G_OPTION_ARG_STRING, &email, N_("Email address (\"\" clears it)"), N_("ADDRESS") },
    { "phone", 0, 0, G_OPTION_ARG_STRING, &phone, N_("Mobile phone number (\"\" clears it)"), N_("NUMBER") },
    { "password", 0, 0, G_OPTION_ARG_STRING, &password, N_("A new login password"), N_("PASSWORD") },
    { NULL }
  };

  if (!lk_cli_admin_parse (ctx, &opts, entries, _("LOGIN"), _("Changes a user's details; what is not given stays."),
                           &argc, &argv, &status))
    return status;
  if ((status = lk_cli_admin_need_args (ctx, argc, 1, _("the user's LOGIN"))) != 0)
    return status;
  request = lk_api_request_new (LK_API_OP_UPDATE_USER);
  request->username = g_strdup (argv[1]);
  request->new_username = g_strdup (new_login);
  request->first_name = g_strdup (first);
  request->last_name = g_strdup (last);
  request->email = g_strdup (email);
  request->mobile_phone = g_strdup (phone);
  request->password = g_strdup (password);
  lk_secure_str_free (g_steal_pointer (&password));
  response = lk_cli_admin_run (ctx, &opts, g_steal_pointer (&request), &status);
  if (response == NULL || ctx->json)
    return status;
  lk_cli_admin_print_user (response->user);
  return LK_CLI_EXIT_OK;
}

static int
user_validate (LkCliContext *ctx,
               int           argc,
               char        **argv)
{
  g_auto(LkCliAdminOptions) opts = { 0 };
  g_autofree char *password = NULL;
  g_autoptr(LkApiRequest) request = NULL;
  g_autoptr(LkApiResponse) response = NULL;
  int status = LK_CLI_EXIT_OK;
  const GOptionEntry entries[] = {
    { "password", 0, 0, G_OPTION_ARG_STRING, &password, N_("The password (default: asked, or read from standard input)"), N_("PASSWORD") },
    { NULL }
  };

  if (!lk_cli_admin_parse (ctx, &opts, entries, _("LOGIN"), _("Checks a user's login password (validate_user)."),
                           &argc, &argv, &status))
    return status;
  if ((status = lk_cli_admin_need_args (ctx, argc, 1, _("the user's LOGIN"))) != 0)
    return status;
  if (password == NULL)
    {
      g_autofree char *prompt = g_strdup_printf (_("Password of %s: "), argv[1]);

      password = lk_cli_admin_read_secret (prompt);
      if (password == NULL)
        return lk_cli_usage_error (ctx, _("no password given"));
    }
  request = lk_api_request_new (LK_API_OP_VALIDATE_USER);
  request->username = g_strdup (argv[1]);
  request->password = g_strdup (password);
  lk_secure_str_free (g_steal_pointer (&password));
  response = lk_cli_admin_run (ctx, &opts, g_steal_pointer (&request), &status);
  if (response == NULL || ctx->json)
    return status;
  g_print (_("Password accepted for %s.\n"), argv[1]);
  return LK_CLI_EXIT_OK;
}

static int
user_audit (LkCliContext *ctx,
            int           argc,
            char        **argv)
{
  g_auto(LkCliAdminOptions) opts = { 0 };
  int offset = 0, limit = 0;
  g_autoptr(LkApiRequest) request = NULL;
  g_autoptr(LkApiResponse) response = NULL;
  int status = LK_CLI_EXIT_OK;
  const GOptionEntry entries[] = {
    { "offset", 0, 0, G_OPTION_ARG_INT, &offset, N_("Skip the N newest entries"), N_("N") },
    { "limit", 0, 0, G_OPTION_ARG_INT, &limit, N_("At most N entries (default 100)"), N_("N") },
    { NULL }
  };

  if (!lk_cli_admin_parse (ctx, &opts, entries, _("[LOGIN]"),
                           _("Shows the audit trail of one user, or of the whole account, newest first."),
                           &argc, &argv, &status))
    return status;
  if (argc > 2)
    return lk_cli_usage_error (ctx, _("expected at most one LOGIN; see --help"));
  request = lk_api_request_new (LK_API_OP_GET_USER_AUDIT);
  request->username = g_strdup (argc == 2 ? argv[1] : NULL);
  if (!parse_page (ctx, offset, limit, request, &status))
    return status;
  response = lk_cli_admin_run (ctx, &opts, g_steal_pointer (&request), &status);
  if (response == NULL || ctx->json)
    return status;
  for (guint i = 0; i < response->audit->len; i++)
    {
      LkAuditEntry *entry = response->audit->pdata[i];
      g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (entry->time);
      g_autofree char *when = g_date_time_format (time, "%Y-%m-%d %H:%M:%S");

      g_print ("%s  %-22s %-16s %-16s %-20s %d%s%s\n", when, entry->operation ? entry->operation : "-",
               entry->user_login ? entry->user_login : "-", entry->serial ? entry->serial : "-",
               entry->actor ? entry->actor : "-", entry->result,
               entry->detail ? "  " : "", entry->detail ? entry->detail : "");
    }
  return LK_CLI_EXIT_OK;
}

static const LkCliCommand user_commands[] = {
  { "enroll", N_("Enrol a user, optionally with a first device"), user_enroll },
  { "find", N_("Show one user"), user_find },
  { "list", N_("List users (search, pages)"), user_list },
  { "update", N_("Change a user's details or password"), user_update },
  { "enable", N_("Enable a user"), user_enable },
  { "disable", N_("Disable a user"), user_disable },
  { "delete", N_("Delete a user and its devices"), user_delete },
  { "validate", N_("Check a user's password"), user_validate },
  { "audit", N_("Show the audit trail"), user_audit },
  { NULL }
};

int
lk_cli_user_run (LkCliContext *ctx,
                 int           argc,
                 char        **argv)
{
  return lk_cli_dispatch (ctx, "user", N_("Users of a partner account, on --db PATH or --server URL (with --account NAME)."),
                          user_commands, argc, argv);
}
