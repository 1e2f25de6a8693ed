/* SPDX-License-Identifier: GPL-3.0-or-later
 * LkProvisionDialog: self_provision_oath_device over verified HTTPS (or a certificate the user pinned), the seed straight into the wallet. */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "lk-api.h"
#include "lk-backend.h"
#include "lk-otpauth.h"
#include "lk-provision-dialog.h"
#include "lk-remote-backend.h"
#include "lk-secure.h"
#include "lk-token-intake.h"
#include "lk-wallet-activation.h"

struct _LkProvisionDialog
{
  AdwWindow     parent_instance;

  LkWallet     *wallet;
  GSettings    *settings;
  GCancellable *cancellable;
  LkBackend    *backend;        /* the attempt under way, or the last one */
  char         *problem;
  char         *untrusted;      /* fingerprint offered for trust */
  char         *pin;            /* fingerprint the user chose to trust */

  GtkWidget    *button_stack;
  GtkWidget    *provision_button;
  GtkWidget    *spinner;
  GtkWidget    *server_row;
  GtkWidget    *organisation_row;
  GtkWidget    *username_row;
  GtkWidget    *password_row;
  GtkWidget    *serial_row;
  GtkWidget    *problem_label;
  GtkWidget    *trust_button;
};

enum {
  SIGNAL_FINISHED,
  SIGNAL_PROVISIONED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (LkProvisionDialog, lk_provision_dialog, ADW_TYPE_WINDOW)

#define PHYSICAL_ID_LABEL "latchkey physical device id v1"
#define STORED_TOKEN "lk-stored-token"
#define MAX_SERVERS 8

char *
lk_provision_physical_device_id (GBytes     *binding_secret,
                                 const char *host,
                                 const char *organisation)
{
  g_autoptr(GHmac) hmac = NULL;
  g_autofree char *host_down = g_ascii_strdown (host, -1);
  guint8 digest[32];
  gsize len = sizeof digest;
  GString *id;

  g_return_val_if_fail (binding_secret != NULL && host != NULL && organisation != NULL, NULL);

  /* Labels and fields each end with their NUL, so no two inputs run into
   * one another. */
  hmac = g_hmac_new (G_CHECKSUM_SHA256, g_bytes_get_data (binding_secret, NULL), g_bytes_get_size (binding_secret));
  g_hmac_update (hmac, (const guchar *) PHYSICAL_ID_LABEL, sizeof PHYSICAL_ID_LABEL);
  g_hmac_update (hmac, (const guchar *) host_down, strlen (host_down) + 1);
  g_hmac_update (hmac, (const guchar *) organisation, strlen (organisation) + 1);
  g_hmac_get_digest (hmac, digest, &len);

  id = g_string_new ("lk1-");
  for (guint i = 0; i < 10; i++)
    g_string_append_printf (id, "%02x", digest[i]);
  lk_secure_wipe (digest, sizeof digest);
  return g_string_free (id, FALSE);
}

/* ---- state shown ---- */

static void
set_busy (LkProvisionDialog *self,
          gboolean           busy)
{
  gtk_stack_set_visible_child_name (GTK_STACK (self->button_stack), busy ? "busy" : "button");
  gtk_spinner_set_spinning (GTK_SPINNER (self->spinner), busy);
  gtk_widget_set_sensitive (self->server_row, !busy);
  gtk_widget_set_sensitive (self->organisation_row, !busy);
  gtk_widget_set_sensitive (self->username_row, !busy);
  gtk_widget_set_sensitive (self->password_row, !busy);
  gtk_widget_set_sensitive (self->serial_row, !busy);
}

static void
show_problem (LkProvisionDialog *self,
              const char        *message,
              const char        *fingerprint)
{
  g_free (self->problem);
  self->problem = g_strdup (message);
  g_free (self->untrusted);
  self->untrusted = g_strdup (fingerprint);
  gtk_label_set_text (GTK_LABEL (self->problem_label), message != NULL ? message : "");
  gtk_widget_set_visible (self->problem_label, message != NULL);
  gtk_widget_set_visible (self->trust_button, fingerprint != NULL);
}

static void
attempt_failed (LkProvisionDialog *self,
                const char        *message,
                const char        *fingerprint)
{
  set_busy (self, FALSE);
  show_problem (self, message, fingerprint);
  g_signal_emit (self, signals[SIGNAL_FINISHED], 0, FALSE);
}

static char *
field (GtkWidget *row)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));
}

static gboolean
fields_complete (LkProvisionDialog *self)
{
  GtkWidget *rows[] = { self->server_row, self->organisation_row, self->username_row, self->serial_row };

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autofree char *text = field (rows[i]);

      if (*text == '\0')
        return FALSE;
    }
  return *gtk_editable_get_text (GTK_EDITABLE (self->password_row)) != '\0';
}

static void
on_changed (LkProvisionDialog *self)
{
  gtk_widget_set_sensitive (self->provision_button, fields_complete (self));
}

/* ---- the servers remembered (GSettings "provision-servers") ---- */

/* The certificate the user trusted for @url and @organisation last time,
 * or NULL: a pin is remembered with the server it was given for. */
static char *
remembered_pin (LkProvisionDialog *self,
                const char        *url,
                const char        *organisation)
{
  g_autoptr(GVariant) servers = g_settings_get_value (self->settings, "provision-servers");
  GVariantIter iter;
  const char *u, *o, *pin;

  g_variant_iter_init (&iter, servers);
  while (g_variant_iter_next (&iter, "(&s&s&s)", &u, &o, &pin))
    if (g_str_equal (u, url) && g_str_equal (o, organisation))
      return *pin != '\0' ? g_strdup (pin) : NULL;
  return NULL;
}

/* Puts the server a token just came from first, without its older
 * entry, and keeps MAX_SERVERS. Nothing secret: no username, password or
 * serial. */
static void
remember_server (LkProvisionDialog *self)
{
  g_autoptr(GVariant) servers = g_settings_get_value (self->settings, "provision-servers");
  g_autofree char *url = field (self->server_row);
  g_autofree char *organisation = field (self->organisation_row);
  GVariantBuilder builder;
  GVariantIter iter;
  const char *u, *o, *pin;
  guint n = 1;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(sss)"));
  g_variant_builder_add (&builder, "(sss)", url, organisation, self->pin != NULL ? self->pin : "");
  g_variant_iter_init (&iter, servers);
  while (n < MAX_SERVERS && g_variant_iter_next (&iter, "(&s&s&s)", &u, &o, &pin))
    if (!g_str_equal (u, url) || !g_str_equal (o, organisation))
      {
        g_variant_builder_add (&builder, "(sss)", u, o, pin);
        n++;
      }
  g_settings_set_value (self->settings, "provision-servers", g_variant_builder_end (&builder));
}

/* The most recent server and organisation, so a second token from the
 * same place needs only the username, password and serial. */
static void
fill_last_server (LkProvisionDialog *self)
{
  g_autoptr(GVariant) servers = g_settings_get_value (self->settings, "provision-servers");
  const char *url, *organisation, *pin;

  if (g_variant_n_children (servers) == 0)
    return;
  g_variant_get_child (servers, 0, "(&s&s&s)", &url, &organisation, &pin);
  gtk_editable_set_text (GTK_EDITABLE (self->server_row), url);
  gtk_editable_set_text (GTK_EDITABLE (self->organisation_row), organisation);
}

/* ---- the exchange ---- */

static void
on_stored (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(LkProvisionDialog) self = user_data;
  LkWalletToken *token = g_object_get_data (G_OBJECT (self), STORED_TOKEN);
  g_autoptr(GError) error = NULL;

  if (!lk_wallet_add_finish (LK_WALLET (source), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        attempt_failed (self, error->message, NULL);
      return;
    }
  set_busy (self, FALSE);
  remember_server (self);
  g_signal_emit (self, signals[SIGNAL_PROVISIONED], 0, token);
  g_signal_emit (self, signals[SIGNAL_FINISHED], 0, TRUE);
  gtk_window_destroy (GTK_WINDOW (self));
}

static char *
describe_failure (LkProvisionDialog *self,
                  const GError      *error,
                  char             **out_fingerprint)
{
  g_autofree char *url = field (self->server_row);

  if (g_error_matches (error, LK_REMOTE_ERROR, LK_REMOTE_ERROR_TLS_UNTRUSTED))
    {
      const char *fingerprint = lk_remote_backend_get_untrusted_fingerprint (LK_REMOTE_BACKEND (self->backend));

      *out_fingerprint = g_strdup (fingerprint);
      return g_strdup_printf (_("This computer does not trust the certificate of %s, so nothing was sent. "
                                "Trust it only if your helpdesk confirms that its SHA-256 fingerprint is %s."),
                              url, fingerprint != NULL ? fingerprint : "?");
    }
  if (error->domain == LK_API_ERROR && error->code == LK_ENGINE_ERROR_USER_LOGIN_FAILED)
    return g_strdup (_("The username or password is wrong, or the organisation is not on this server."));
  if (error->domain == LK_API_ERROR)
    return g_strdup_printf (_("The server refused: %s"), error->message);
  return g_strdup (error->message);
}

static void
on_provisioned (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(LkProvisionDialog) self = user_data;
  g_autoptr(LkProvisionResult) provision = NULL;
  g_autoptr(LkOtpauth) uri = NULL;
  g_autoptr(GError) error = NULL;
  LkWalletToken *token;

  provision = lk_backend_finish_provision (LK_BACKEND (source), result, &error);
  if (provision == NULL)
    {
      g_autofree char *fingerprint = NULL;
      g_autofree char *message = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      message = describe_failure (self, error, &fingerprint);
      attempt_failed (self, message, fingerprint);
      return;
    }

  uri = lk_otpauth_parse (provision->uri, &error);
  if (uri == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("The server sent a token this app cannot use: %s"),
                                                  error->message);
      attempt_failed (self, message, NULL);
      return;
    }

  /* Kept until the dialog goes, so on_stored can hand it on. */
  token = lk_wallet_token_new (uri);
  g_object_set_data_full (G_OBJECT (self), STORED_TOKEN, token, (GDestroyNotify) lk_wallet_token_free);
  lk_wallet_add_async (self->wallet, token, self->cancellable, on_stored, g_object_ref (self));
}

typedef struct
{
  char *host;
  char *organisation;
} IdRequest;

static void
id_request_free (IdRequest *request)
{
  g_free (request->host);
  g_free (request->organisation);
  g_free (request);
}

static void
compute_id_thread (GTask        *task,
                   gpointer      source,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  IdRequest *request = task_data;
  g_autoptr(GBytes) secret = NULL;
  GError *error = NULL;

  secret = lk_wallet_activation_get_binding_secret_sync (cancellable, &error);
  if (secret == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, lk_provision_physical_device_id (secret, request->host, request->organisation),
                         g_free);
}

static void
on_physical_id (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(LkProvisionDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *physical_id = g_task_propagate_pointer (G_TASK (result), &error);
  g_autofree char *username = NULL;
  g_autofree char *serial = NULL;

  if (physical_id == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        attempt_failed (self, error->message, NULL);
      return;
    }
  username = field (self->username_row);
  serial = field (self->serial_row);
  lk_backend_self_provision_device_async (self->backend, username,
                                          gtk_editable_get_text (GTK_EDITABLE (self->password_row)),
                                          serial, physical_id, self->cancellable, on_provisioned,
                                          g_object_ref (self));
}

gboolean
lk_provision_dialog_submit (LkProvisionDialog *self)
{
  g_autofree char *url = NULL;
  g_autofree char *organisation = NULL;
  g_autoptr(GUri) parsed = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GTask) task = NULL;
  IdRequest *request;
  const char *scheme;

  g_return_val_if_fail (LK_IS_PROVISION_DIALOG (self), FALSE);

  if (!fields_complete (self) || g_str_equal (gtk_stack_get_visible_child_name (GTK_STACK (self->button_stack)), "busy"))
    return FALSE;

  url = field (self->server_row);
  organisation = field (self->organisation_row);
  parsed = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  scheme = parsed != NULL ? g_uri_get_scheme (parsed) : NULL;
  if (scheme != NULL && g_ascii_strcasecmp (scheme, "http") == 0)
    {
      attempt_failed (self, _("The server address must start with “https://”. A token never travels over an "
                              "unencrypted connection."), NULL);
      return TRUE;
    }
  if (scheme == NULL || g_ascii_strcasecmp (scheme, "https") != 0 || g_uri_get_host (parsed) == NULL
      || *g_uri_get_host (parsed) == '\0')
    {
      attempt_failed (self, _("Enter the server address your helpdesk gave you, for example "
                              "“https://auth.example.com:8443”."), NULL);
      return TRUE;
    }

  /* A certificate trusted for this server and organisation before. */
  if (self->pin == NULL)
    self->pin = remembered_pin (self, url, organisation);

  g_clear_object (&self->backend);
  self->backend = lk_remote_backend_new (url, organisation, NULL, &error);
  if (self->backend != NULL && self->pin != NULL)
    lk_remote_backend_set_pinned_fingerprint (LK_REMOTE_BACKEND (self->backend), self->pin, &error);
  if (error != NULL)
    {
      attempt_failed (self, error->message, NULL);
      return TRUE;
    }

  show_problem (self, NULL, NULL);
  set_busy (self, TRUE);
  request = g_new0 (IdRequest, 1);
  request->host = g_strdup (g_uri_get_host (parsed));
  request->organisation = g_steal_pointer (&organisation);
  task = g_task_new (NULL, self->cancellable, on_physical_id, g_object_ref (self));
  g_task_set_task_data (task, request, (GDestroyNotify) id_request_free);
  g_task_run_in_thread (task, compute_id_thread);
  return TRUE;
}

static void
on_provision_clicked (LkProvisionDialog *self)
{
  lk_provision_dialog_submit (self);
}

void
lk_provision_dialog_trust_certificate (LkProvisionDialog *self)
{
  g_return_if_fail (LK_IS_PROVISION_DIALOG (self));

  if (self->untrusted == NULL)
    return;
  g_free (self->pin);
  self->pin = g_strdup (self->untrusted);
  show_problem (self, NULL, NULL);
}

static void
on_trust_clicked (LkProvisionDialog *self)
{
  lk_provision_dialog_trust_certificate (self);
  lk_provision_dialog_submit (self);
}

void
lk_provision_dialog_set_fields (LkProvisionDialog *self,
                                const char        *server,
                                const char        *organisation,
                                const char        *username,
                                const char        *password,
                                const char        *serial)
{
  const char *values[] = { server, organisation, username, password, serial };
  GtkWidget *rows[] = { self->server_row, self->organisation_row, self->username_row, self->password_row,
                        self->serial_row };

  g_return_if_fail (LK_IS_PROVISION_DIALOG (self));

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    if (values[i] != NULL)
      gtk_editable_set_text (GTK_EDITABLE (rows[i]), values[i]);
}

char *
lk_provision_dialog_dup_server (LkProvisionDialog *self,
                                char             **organisation)
{
  g_return_val_if_fail (LK_IS_PROVISION_DIALOG (self), NULL);

  if (organisation != NULL)
    *organisation = field (self->organisation_row);
  return field (self->server_row);
}

const char *
lk_provision_dialog_get_problem (LkProvisionDialog *self)
{
  g_return_val_if_fail (LK_IS_PROVISION_DIALOG (self), NULL);

  return self->problem != NULL ? self->problem : "";
}

const char *
lk_provision_dialog_get_untrusted_fingerprint (LkProvisionDialog *self)
{
  g_return_val_if_fail (LK_IS_PROVISION_DIALOG (self), NULL);

  return self->untrusted;
}

/* ---- GObject ---- */

static void
lk_provision_dialog_dispose (GObject *object)
{
  LkProvisionDialog *self = LK_PROVISION_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), LK_TYPE_PROVISION_DIALOG);
  G_OBJECT_CLASS (lk_provision_dialog_parent_class)->dispose (object);
}

static void
lk_provision_dialog_finalize (GObject *object)
{
  LkProvisionDialog *self = LK_PROVISION_DIALOG (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->backend);
  g_clear_object (&self->wallet);
  g_clear_object (&self->settings);
  g_free (self->problem);
  g_free (self->untrusted);
  g_free (self->pin);
  G_OBJECT_CLASS (lk_provision_dialog_parent_class)->finalize (object);
}

static void
lk_provision_dialog_class_init (LkProvisionDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lk_provision_dialog_dispose;
  object_class->finalize = lk_provision_dialog_finalize;

  signals[SIGNAL_FINISHED] =
    g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_BOOLEAN);
  /**
   * LkProvisionDialog::provisioned:
   * @token: (type gpointer): the const LkWalletToken * just stored
   */
  signals[SIGNAL_PROVISIONED] =
    g_signal_new ("provisioned", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_POINTER);

  lk_token_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class, "/org/latchkey/Latchkey/ui/lk-provision-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, LkProvisionDialog, button_stack);
  gtk_widget_class_bind_template_child (widget_class, LkProvisionDialog, provision_button);
  gtk_widget_class_bind_template_child (widget_class, LkProvisionDialog, spinner);
  gtk_widget_class_bind_template_child (widget_class, LkProvisionDialog, server_row);
  gtk_widget_class_bind_template_child (widget_class, LkProvisionDialog, organisation_row);
  gtk_widget_class_bind_template_child (widget_class, LkProvisionDialog, username_row);
  gtk_widget_class_bind_template_child (widget_class, LkProvisionDialog, password_row);
  gtk_widget_class_bind_template_child (widget_class, LkProvisionDialog, serial_row);
  gtk_widget_class_bind_template_child (widget_class, LkProvisionDialog, problem_label);
  gtk_widget_class_bind_template_child (widget_class, LkProvisionDialog, trust_button);
  gtk_widget_class_bind_template_callback (widget_class, on_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_provision_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_trust_clicked);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
lk_provision_dialog_init (LkProvisionDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->settings = g_settings_new (LK_APP_ID);
  fill_last_server (self);
}

GtkWidget *
lk_provision_dialog_new (GtkWindow *parent,
                         LkWallet  *wallet)
{
  LkProvisionDialog *self;

  g_return_val_if_fail (LK_IS_WALLET (wallet), NULL);

  self = g_object_new (LK_TYPE_PROVISION_DIALOG, "transient-for", parent, NULL);
  self->wallet = g_object_ref (wallet);
  return GTK_WIDGET (self);
}
