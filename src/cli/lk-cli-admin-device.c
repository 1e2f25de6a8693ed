/* SPDX-License-Identifier: GPL-3.0-or-later
 * latchkeyctl device: add, provision, QR codes, activation and resync, and
 * the device record's lifecycle, on --db or --server alike; and
 * latchkeyctl otp: validate and send passcodes. */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "lk-cli-admin.h"
#include "lk-secure.h"

static int
device_add (LkCliContext *ctx,
            int           argc,
            char        **argv)
{
  g_auto(LkCliAdminOptions) opts = { 0 };
  g_auto(LkCliDeviceOptions) device = { 0 };
  g_autofree char *user = NULL;
  g_autoptr(LkApiRequest) request = NULL;
  g_autoptr(LkApiResponse) response = NULL;
  g_autofree GOptionEntry *device_entries = lk_cli_device_option_entries (&device);
  g_autofree GOptionEntry *all = NULL;
  int status = LK_CLI_EXIT_OK;
  const GOptionEntry entries[] = {
    { "user", 0, 0, G_OPTION_ARG_STRING, &user, N_("Assign the device to LOGIN (default: unassigned, in stock)"), N_("LOGIN") },
    { NULL }
  };

  all = lk_cli_join_entries (entries, device_entries);
  if (!lk_cli_admin_parse (ctx, &opts, all, "", _("Adds an OATH device (add_oath_device). It stays new until activated."),
                           &argc, &argv, &status))
    return status;
  if ((status = lk_cli_admin_need_args (ctx, argc, 0, _("no arguments"))) != 0)
    return status;
  request = lk_api_request_new (LK_API_OP_ADD_DEVICE);
  request->username = g_strdup (user);
  if (!lk_cli_device_options_apply (ctx, &device, request, &status))
    return status;
  response = lk_cli_admin_run (ctx, &opts, g_steal_pointer (&request), &status);
  if (response == NULL || ctx->json)
    return status;
  g_print (_("Added device %s (%s).\n"), response->device->serial,
           lk_device_state_to_string (response->device->state));
  return LK_CLI_EXIT_OK;
}

static int
device_provision (LkCliContext *ctx,
                  int           argc,
                  char        **argv)
{
  g_auto(LkCliAdminOptions) opts = { 0 };
  g_autofree char *user = NULL, *physical = NULL, *password = NULL;
  g_autoptr(LkApiRequest) request = NULL;
  g_autoptr(LkApiResponse) response = NULL;
  int status = LK_CLI_EXIT_OK;
  const GOptionEntry entries[] = {
    { "user", 0, 0, G_OPTION_ARG_STRING, &user, N_("The device's user (required)"), N_("LOGIN") },
    { "physical-id", 0, 0, G_OPTION_ARG_STRING, &physical, N_("The physical device to bind (required)"), N_("ID") },
    { "password", 0, 0, G_OPTION_ARG_STRING, &password, N_("The user's password, for devices with mobileAuth"), N_("PASSWORD") },
    { NULL }
  };

  if (!lk_cli_admin_parse (ctx, &opts, entries, _("SERIAL"),
                           _("Binds a soft token to a physical device and prints its otpauth:// URI (provision_oath_device)."),
                           &argc, &argv, &status))
    return status;
  if ((status = lk_cli_admin_need_args (ctx, argc, 1, _("the device SERIAL"))) != 0)
    return status;
  if (user == NULL || physical == NULL)
    return lk_cli_usage_error (ctx, _("give --user LOGIN and --physical-id ID"));
  request = lk_api_request_new (LK_API_OP_PROVISION_DEVICE);
  request->serial = g_strdup (argv[1]);
  request->username = g_strdup (user);
  request->physical_device_id = g_strdup (physical);
  request->password = g_strdup (password);
  lk_secure_str_free (g_steal_pointer (&password));
  response = lk_cli_admin_run (ctx, &opts, g_steal_pointer (&request), &status);
  if (response == NULL || ctx->json)
    return status;
  g_print ("%s\n", response->uri);
  return LK_CLI_EXIT_OK;
}

/* Writes an image holding a seed: owner-only from the first byte. */
static gboolean
write_private (const char  *path,
               const void  *data,
               gsize        len,
               GError     **error)
{
  return g_file_set_contents_full (path, data, (gssize) len, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}

static int
device_qrcode (LkCliContext *ctx,
               int           argc,
               char        **argv)
{
  g_auto(LkCliAdminOptions) opts = { 0 };
  g_autofree char *user = NULL, *png = NULL, *svg = NULL;
  int scale = 0;
  g_autoptr(LkApiRequest) request = NULL;
  g_autoptr(LkApiResponse) response = NULL;
  g_autoptr(GError) error = NULL;
  int status = LK_CLI_EXIT_OK;
  const GOptionEntry entries[] = {
    { "user", 0, 0, G_OPTION_ARG_STRING, &user, N_("Check that the device belongs to LOGIN"), N_("LOGIN") },
    { "png", 0, 0, G_OPTION_ARG_FILENAME, &png, N_("Write the QR code as PNG to FILE (mode 0600)"), N_("FILE") },
    { "svg", 0, 0, G_OPTION_ARG_FILENAME, &svg, N_("Write the QR code as SVG to FILE (mode 0600)"), N_("FILE") },
    { "scale", 0, 0, G_OPTION_ARG_INT, &scale, N_("PNG pixels per module (default 6)"), N_("N") },
    { NULL }
  };

  if (!lk_cli_admin_parse (ctx, &opts, entries, _("SERIAL"),
                           _("The provisioning QR code of a device not yet activated (get_oath_device_qrcode).\n"
                             "Without --png or --svg the otpauth:// URI it holds is printed."),
                           &argc, &argv, &status))
    return status;
  if ((status = lk_cli_admin_need_args (ctx, argc, 1, _("the device SERIAL"))) != 0)
    return status;
  if (scale < 0 || scale > 64)
    return lk_cli_usage_error (ctx, _("--scale must be 1 to 64"));
  request = lk_api_request_new (LK_API_OP_GET_DEVICE_QRCODE);
  request->serial = g_strdup (argv[1]);
  request->username = g_strdup (user);
  if (scale > 0)
    request->png_scale = scale;
  response = lk_cli_admin_run (ctx, &opts, g_steal_pointer (&request), &status);
  if (response == NULL)
    return status;

  if (png != NULL)
    {
      if (response->png == NULL)
        return lk_cli_usage_error (ctx, _("the answer carries no PNG image"));
      if (!write_private (png, g_bytes_get_data (response->png, NULL), g_bytes_get_size (response->png), &error))
        return lk_cli_report_error (ctx, error);
    }
  if (svg != NULL)
    {
      if (response->svg == NULL)
        return lk_cli_usage_error (ctx, _("the answer carries no SVG image"));
      if (!write_private (svg, response->svg, strlen (response->svg), &error))
        return lk_cli_report_error (ctx, error);
    }
  if (ctx->json)
    return LK_CLI_EXIT_OK;
  if (png == NULL && svg == NULL)
    g_print ("%s\n", response->uri);
  if (png != NULL)
    g_print (_("Wrote %s\n"), png);
  if (svg != NULL)
    g_print (_("Wrote %s\n"), svg);
  return LK_CLI_EXIT_OK;
}

static int
device_two_otps (LkCliContext *ctx,
                 int           argc,
                 char        **argv,
                 LkApiOp       op)
{
  g_auto(LkCliAdminOptions) opts = { 0 };
  g_autofree char *user = NULL;
  g_autoptr(LkApiRequest) request = NULL;
  g_autoptr(LkApiResponse) response = NULL;
  int status = LK_CLI_EXIT_OK;
  const GOptionEntry entries[] = {
    { "user", 0, 0, G_OPTION_ARG_STRING, &user, N_("Check that the device belongs to LOGIN"), N_("LOGIN") },
    { NULL }
  };

  if (!lk_cli_admin_parse (ctx, &opts, entries, _("SERIAL OTP1 OTP2"),
                           op == LK_API_OP_ACTIVATE_DEVICE
                           ? _("Activates a new device with two consecutive OTPs (active_oath_device).")
                           : _("Resynchronises a device with two consecutive OTPs (sync_oath_device)."),
                           &argc, &argv, &status))
    return status;
  if ((status = lk_cli_admin_need_args (ctx, argc, 3, _("SERIAL OTP1 OTP2"))) != 0)
    return status;
  request = lk_api_request_new (op);
  request->serial = g_strdup (argv[1]);
  request->otp1 = g_strdup (argv[2]);
  request->otp2 = g_strdup (argv[3]);
  request->username = g_strdup (user);
  response = lk_cli_admin_run (ctx, &opts, g_steal_pointer (&request), &status);
  if (response == NULL || ctx->json)
    return status;
  if (op == LK_API_OP_ACTIVATE_DEVICE)
    g_print (_("Activated device %s.\n"), argv[1]);
  else
    g_print (_("Resynchronised device %s.\n"), argv[1]);
  return LK_CLI_EXIT_OK;
}

static int
device_activate (LkCliContext *ctx, int argc, char **argv)
{
  return device_two_otps (ctx, argc, argv, LK_API_OP_ACTIVATE_DEVICE);
}

static int
device_sync (LkCliContext *ctx, int argc, char **argv)
{
  return device_two_otps (ctx, argc, argv, LK_API_OP_SYNC_DEVICE);
}

static void
set_serial (LkApiRequest *request,
            const char   *serial)
{
  request->serial = g_strdup (serial);
}

/* Commands on one SERIAL with nothing else. */
static int
device_simple (LkCliContext *ctx,
               int           argc,
               char        **argv,
               LkApiOp       op,
               const char   *description)
{
  const LkCliOneArgCmd cmd = { op, _("SERIAL"), description, _("the device SERIAL"), set_serial };
  g_autoptr(LkApiResponse) response = NULL;
  g_autofree char *serial = NULL;
  int status = LK_CLI_EXIT_OK;

  response = lk_cli_admin_run_one_arg (ctx, &cmd, argc, argv, &serial, &status);
  if (response == NULL || ctx->json)
    return status;
  switch (op)
    {
    case LK_API_OP_FIND_DEVICE:
      lk_cli_admin_print_device (response->device);
      break;
    case LK_API_OP_UNASSIGN_DEVICE:
      g_print (_("Unassigned device %s.\n"), serial);
      break;
    case LK_API_OP_ENABLE_DEVICE:
      g_print (_("Enabled device %s.\n"), serial);
      break;
    case LK_API_OP_DISABLE_DEVICE:
      g_print (_("Disabled device %s.\n"), serial);
      break;
    case LK_API_OP_UNLOCK_DEVICE:
      g_print (_("Unlocked device %s.\n"), serial);
      break;
    case LK_API_OP_DELETE_DEVICE:
      g_print (_("Deleted device %s.\n"), serial);
      break;
    default:
      break;
    }
  return LK_CLI_EXIT_OK;
}

static int
device_find (LkCliContext *ctx, int argc, char **argv)
{
  return device_simple (ctx, argc, argv, LK_API_OP_FIND_DEVICE, _("Shows one device."));
}

static int
device_unassign (LkCliContext *ctx, int argc, char **argv)
{
  return device_simple (ctx, argc, argv, LK_API_OP_UNASSIGN_DEVICE, _("Takes a device from its user."));
}

static int
device_enable (LkCliContext *ctx, int argc, char **argv)
{
  return device_simple (ctx, argc, argv, LK_API_OP_ENABLE_DEVICE, _("Enables a disabled device."));
}

static int
device_disable (LkCliContext *ctx, int argc, char **argv)
{
  return device_simple (ctx, argc, argv, LK_API_OP_DISABLE_DEVICE, _("Disables a device: its OTPs are refused."));
}

static int
device_unlock (LkCliContext *ctx, int argc, char **argv)
{
  return device_simple (ctx, argc, argv, LK_API_OP_UNLOCK_DEVICE,
                        _("Clears a device's failure count and unlocks it after too many wrong OTPs."));
}

static int
device_delete (LkCliContext *ctx, int argc, char **argv)
{
  return device_simple (ctx, argc, argv, LK_API_OP_DELETE_DEVICE, _("Deletes a device and its seed."));
}

static int
device_assign (LkCliContext *ctx,
               int           argc,
               char        **argv)
{
  g_auto(LkCliAdminOptions) opts = { 0 };
  g_autoptr(LkApiRequest) request = NULL;
  g_autoptr(LkApiResponse) response = NULL;
  int status = LK_CLI_EXIT_OK;
  const GOptionEntry entries[] = { { NULL } };

  if (!lk_cli_admin_parse (ctx, &opts, entries, _("SERIAL LOGIN"), _("Gives an unassigned device to a user."),
                           &argc, &argv, &status))
    return status;
  if ((status = lk_cli_admin_need_args (ctx, argc, 2, _("SERIAL LOGIN"))) != 0)
    return status;
  request = lk_api_request_new (LK_API_OP_ASSIGN_DEVICE);
  request->serial = g_strdup (argv[1]);
  request->username = g_strdup (argv[2]);
  response = lk_cli_admin_run (ctx, &opts, g_steal_pointer (&request), &status);
  if (response == NULL || ctx->json)
    return status;
  g_print (_("Assigned device %s to %s.\n"), argv[1], argv[2]);
  return LK_CLI_EXIT_OK;
}

static int
device_list (LkCliContext *ctx,
             int           argc,
             char        **argv)
{
  g_auto(LkCliAdminOptions) opts = { 0 };
  g_autofree char *user = NULL;
  int offset = 0, limit = 0;
  g_autoptr(LkApiRequest) request = NULL;
  g_autoptr(LkApiResponse) response = NULL;
  int status = LK_CLI_EXIT_OK;
  const GOptionEntry entries[] = {
    { "user", 0, 0, G_OPTION_ARG_STRING, &user, N_("The devices of LOGIN (default: the unassigned ones)"), N_("LOGIN") },
    { "offset", 0, 0, G_OPTION_ARG_INT, &offset, N_("Skip the first N (unassigned only)"), N_("N") },
    { "limit", 0, 0, G_OPTION_ARG_INT, &limit, N_("At most N (unassigned only; default 100)"), N_("N") },
    { NULL }
  };

  if (!lk_cli_admin_parse (ctx, &opts, entries, "", _("Lists a user's devices, or the unassigned ones."),
                           &argc, &argv, &status))
    return status;
  if ((status = lk_cli_admin_need_args (ctx, argc, 0, _("no arguments"))) != 0)
    return status;
  if (offset < 0 || limit < 0 || limit > 1000)
    return lk_cli_usage_error (ctx, _("--offset must be 0 or more and --limit 0 to 1000"));
  request = lk_api_request_new (LK_API_OP_FIND_DEVICES);
  request->username = g_strdup (user);
  request->offset = offset;
  request->limit = limit;
  response = lk_cli_admin_run (ctx, &opts, g_steal_pointer (&request), &status);
  if (response == NULL || ctx->json)
    return status;
  for (guint i = 0; i < response->devices->len; i++)
    {
      LkDevice *device = response->devices->pdata[i];

      g_print ("%-24s %-12s %-6s %-9s %s\n", device->serial,
               lk_device_type_to_string (device->device_type) ? lk_device_type_to_string (device->device_type) : "-",
               lk_otp_type_to_string (device->otp_type) ? lk_otp_type_to_string (device->otp_type) : "-",
               lk_device_state_to_string (device->state) ? lk_device_state_to_string (device->state) : "-",
               device->user_login ? device->user_login : "-");
    }
  g_print (_("%u of %u devices\n"), response->devices->len, response->total);
  return LK_CLI_EXIT_OK;
}

static const LkCliCommand device_commands[] = {
  { "add", N_("Add an OATH device (soft token or key fob)"), device_add },
  { "provision", N_("Bind a soft token to a physical device; print its URI"), device_provision },
  { "qrcode", N_("The provisioning QR code (PNG, SVG) of a new device"), device_qrcode },
  { "activate", N_("Activate a new device with two consecutive OTPs"), device_activate },
  { "sync", N_("Resynchronise a device with two consecutive OTPs"), device_sync },
  { "find", N_("Show one device"), device_find },
  { "list", N_("List a user's devices, or the unassigned ones"), device_list },
  { "assign", N_("Give a device to a user"), device_assign },
  { "unassign", N_("Take a device from its user"), device_unassign },
  { "enable", N_("Enable a device"), device_enable },
  { "disable", N_("Disable a device"), device_disable },
  { "unlock", N_("Unlock a device and clear its failures"), device_unlock },
  { "delete", N_("Delete a device"), device_delete },
  { NULL }
};

int
lk_cli_device_run (LkCliContext *ctx,
                   int           argc,
                   char        **argv)
{
  return lk_cli_dispatch (ctx, "device", N_("OATH devices, on --db PATH or --server URL (with --account NAME)."),
                          device_commands, argc, argv);
}

/* ---- otp ------------------------------------------------------------------------- */

static int
otp_validate (LkCliContext *ctx,
              int           argc,
              char        **argv)
{
  g_auto(LkCliAdminOptions) opts = { 0 };
  g_autofree char *serial = NULL, *challenge = NULL;
  g_autoptr(LkApiRequest) request = NULL;
  g_autoptr(LkApiResponse) response = NULL;
  int status = LK_CLI_EXIT_OK;
  const GOptionEntry entries[] = {
    { "serial", 0, 0, G_OPTION_ARG_STRING, &serial, N_("Check against this device (default: the user's first active one)"), N_("SERIAL") },
    { "challenge", 0, 0, G_OPTION_ARG_STRING, &challenge, N_("The challenge an OCRA device answered"), N_("Q") },
    { NULL }
  };

  if (!lk_cli_admin_parse (ctx, &opts, entries, _("LOGIN OTP"),
                           _("Checks a one-time password (validate_oath_otp); PIN first for devices with a PIN.\n"
                             "Exit status 0 when accepted, 1 when refused."),
                           &argc, &argv, &status))
    return status;
  if ((status = lk_cli_admin_need_args (ctx, argc, 2, _("LOGIN OTP"))) != 0)
    return status;
  request = lk_api_request_new (LK_API_OP_VALIDATE_OTP);
  request->username = g_strdup (argv[1]);
  request->otp = g_strdup (argv[2]);
  request->serial = g_strdup (serial);
  request->challenge = g_strdup (challenge);
  response = lk_cli_admin_run (ctx, &opts, g_steal_pointer (&request), &status);
  if (response == NULL || ctx->json)
    return status;
  g_print (_("OTP accepted (device %s).\n"), response->serial != NULL ? response->serial : "-");
  return LK_CLI_EXIT_OK;
}

static int
otp_send (LkCliContext *ctx,
          int           argc,
          char        **argv)
{
  g_auto(LkCliAdminOptions) opts = { 0 };
  g_autofree char *serial = NULL, *method = NULL;
  g_autoptr(LkApiRequest) request = NULL;
  g_autoptr(LkApiResponse) response = NULL;
  LkDeliveryMethod delivery;
  int status = LK_CLI_EXIT_OK;
  const GOptionEntry entries[] = {
    { "method", 0, 0, G_OPTION_ARG_STRING, &method, N_("sms, email or voice (required)"), N_("HOW") },
    { "serial", 0, 0, G_OPTION_ARG_STRING, &serial, N_("From this device (default: the user's first)"), N_("SERIAL") },
    { NULL }
  };

  if (!lk_cli_admin_parse (ctx, &opts, entries, _("LOGIN"), _("Sends the user a passcode (send_oath_otp)."),
                           &argc, &argv, &status))
    return status;
  if ((status = lk_cli_admin_need_args (ctx, argc, 1, _("the user's LOGIN"))) != 0)
    return status;
  if (method == NULL || !lk_delivery_method_from_string (method, &delivery))
    return lk_cli_usage_error (ctx, _("--method must be sms, email or voice"));
  request = lk_api_request_new (LK_API_OP_SEND_OTP);
  request->username = g_strdup (argv[1]);
  request->serial = g_strdup (serial);
  request->delivery_method = delivery;
  response = lk_cli_admin_run (ctx, &opts, g_steal_pointer (&request), &status);
  if (response == NULL || ctx->json)
    return status;
  g_print (_("Passcode queued for delivery by %s (message %" G_GINT64_FORMAT ").\n"),
           lk_delivery_method_to_string (delivery), response->message_id);
  return LK_CLI_EXIT_OK;
}

static const LkCliCommand otp_commands[] = {
  { "validate", N_("Check a one-time password"), otp_validate },
  { "send", N_("Send a passcode by SMS, email or voice"), otp_send },
  { NULL }
};

int
lk_cli_otp_run (LkCliContext *ctx,
                int           argc,
                char        **argv)
{
  return lk_cli_dispatch (ctx, "otp", N_("One-time passwords of users, on --db PATH or --server URL (with --account NAME)."),
                          otp_commands, argc, argv);
}
