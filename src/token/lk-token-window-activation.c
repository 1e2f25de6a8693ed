/* SPDX-License-Identifier: GPL-3.0-or-later
 * LkTokenWindow's activation and provisioning: activation messages arriving through any intake path, and the Add menu's "Activate a Licence" and "Get a Token From a Server". */
#include "config.h"

#include <glib/gi18n.h>

#include "lk-token-extras.h"
#include "lk-token-intake.h"
#include "lk-token-window-private.h"

#define OPEN_ACTIVATION_DIALOG "lk-activation-dialog"

static void
token_added (LkTokenWindow       *self,
             const LkWalletToken *token)
{
  g_autofree char *name = lk_wallet_token_dup_name (token);
  g_autofree char *title = g_strdup_printf (_("Added “%s”"), name);

  lk_token_window_reload (self);
  lk_token_window_toast (self, title);
}

static void
on_activated (LkActivationDialog  *dialog,
              const LkWalletToken *token,
              LkTokenWindow       *self)
{
  token_added (self, token);
}

static void
on_activation_destroyed (GtkWidget     *dialog,
                         LkTokenWindow *self)
{
  if (g_object_get_data (G_OBJECT (self), OPEN_ACTIVATION_DIALOG) == dialog)
    g_object_set_data (G_OBJECT (self), OPEN_ACTIVATION_DIALOG, NULL);
}

/* One dialog per window: AM2 scanned later goes to the dialog that shows
 * AM1's device code. */
static LkActivationDialog *
activation_dialog (LkTokenWindow       *self,
                   const LkTokenExtras *extras)
{
  GtkWidget *dialog = g_object_get_data (G_OBJECT (self), OPEN_ACTIVATION_DIALOG);

  if (dialog == NULL)
    {
      dialog = extras->activation_dialog_new (GTK_WINDOW (self), self->wallet);
      g_signal_connect_object (dialog, "activated", G_CALLBACK (on_activated), self, 0);
      g_signal_connect_object (dialog, "destroy", G_CALLBACK (on_activation_destroyed), self, 0);
      g_object_set_data (G_OBJECT (self), OPEN_ACTIVATION_DIALOG, dialog);
    }
  gtk_window_present (GTK_WINDOW (dialog));
  /* No LK_ACTIVATION_DIALOG() here: the cast would link the dialog in. */
  return (LkActivationDialog *) dialog;
}

static void
activation_handler (GtkWindow  *parent,
                    const char *text,
                    gpointer    user_data)
{
  LkTokenWindow *self;
  const LkTokenExtras *extras;

  if (!LK_IS_TOKEN_WINDOW (parent))
    return;
  self = LK_TOKEN_WINDOW (parent);
  extras = lk_token_window_extras (self);
  if (extras == NULL)
    return;
  extras->activation_dialog_take_text (activation_dialog (self, extras), text);
  lk_token_window_report_intake (self, TRUE, NULL);
}

LkActivationDialog *
lk_token_window_get_activation_dialog (LkTokenWindow *self)
{
  g_return_val_if_fail (LK_IS_TOKEN_WINDOW (self), NULL);

  return g_object_get_data (G_OBJECT (self), OPEN_ACTIVATION_DIALOG);
}

static void
activate_licence_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  LkTokenWindow *self = LK_TOKEN_WINDOW (widget);
  const LkTokenExtras *extras = lk_token_window_extras (self);

  if (extras != NULL)
    activation_dialog (self, extras);
}

static void
on_provisioned (GtkWidget           *dialog,
                const LkWalletToken *token,
                LkTokenWindow       *self)
{
  token_added (self, token);
}

GtkWidget *
lk_token_window_open_provision (LkTokenWindow *self)
{
  const LkTokenExtras *extras;
  GtkWidget *dialog;

  g_return_val_if_fail (LK_IS_TOKEN_WINDOW (self), NULL);

  extras = lk_token_window_extras (self);
  if (extras == NULL)
    return NULL;
  dialog = extras->provision_dialog_new (GTK_WINDOW (self), self->wallet);
  g_signal_connect_object (dialog, "provisioned", G_CALLBACK (on_provisioned), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  return dialog;
}

static void
provision_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  lk_token_window_open_provision (LK_TOKEN_WINDOW (widget));
}

void
lk_token_window_install_activation (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.activate-licence", NULL, activate_licence_action);
  gtk_widget_class_install_action (widget_class, "win.provision-device", NULL, provision_action);
  /* Activation messages are "LKAM1:…" and "LKAM2:…": the intake takes the
   * part before the colon as the scheme. */
  lk_token_intake_add_handler ("lkam1", activation_handler, NULL);
  lk_token_intake_add_handler ("lkam2", activation_handler, NULL);
}
