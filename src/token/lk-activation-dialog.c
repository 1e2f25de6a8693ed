/* SPDX-License-Identifier: GPL-3.0-or-later
 * LkActivationDialog: runs the token side of multi-device activation on the wallet and shows each step. */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "lk-activation.h"
#include "lk-activation-dialog.h"
#include "lk-otp.h"
#include "lk-secure.h"
#include "lk-token-intake.h"
#include "lk-wallet-activation.h"

struct _LkActivationDialog
{
  AdwWindow     parent_instance;

  LkWallet     *wallet;
  GCancellable *cancellable;
  char          device_code[LK_DEVICE_CODE_TEXT_SIZE];
  char          first_code[LK_OTP_CODE_SIZE];
  char         *problem;
  const char   *back_page;     /* where a failed step returns to */

  GtkWidget    *stack;
  GtkWidget    *spinner;
  GtkWidget    *start_entry;
  GtkWidget    *start_problem;
  GtkWidget    *licence_label;
  GtkWidget    *device_code_label;
  GtkWidget    *expiry_label;
  GtkWidget    *am2_entry;
  GtkWidget    *code_problem;
  GtkWidget    *done_page;
  GtkWidget    *first_code_label;
};

enum {
  SIGNAL_STEP_DONE,
  SIGNAL_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (LkActivationDialog, lk_activation_dialog, ADW_TYPE_WINDOW)

static void
show_page (LkActivationDialog *self,
           const char         *name)
{
  gtk_spinner_set_spinning (GTK_SPINNER (self->spinner), g_str_equal (name, "busy"));
  gtk_stack_set_visible_child_name (GTK_STACK (self->stack), name);
}

/* Shows @message on the page the step started from (it names what went
 * wrong; nothing was stored) and tells listeners. */
static void
step_failed (LkActivationDialog *self,
             const char         *message)
{
  GtkWidget *label = g_str_equal (self->back_page, "code") ? self->code_problem : self->start_problem;

  g_free (self->problem);
  self->problem = g_strdup (message);
  gtk_label_set_text (GTK_LABEL (label), message);
  gtk_widget_set_visible (label, TRUE);
  show_page (self, self->back_page);
  g_signal_emit (self, signals[SIGNAL_STEP_DONE], 0, FALSE);
}

static void
clear_problem (LkActivationDialog *self)
{
  g_clear_pointer (&self->problem, g_free);
  gtk_widget_set_visible (self->start_problem, FALSE);
  gtk_widget_set_visible (self->code_problem, FALSE);
}

/* "2 R R P K, 6 E T Y A, …": a screen reader reads the code character by
 * character, group by group, instead of trying to pronounce it. */
static char *
spell_device_code (const char *code)
{
  GString *spoken = g_string_new (NULL);

  for (const char *p = code; *p != '\0'; p++)
    {
      if (*p == '-')
        g_string_append_c (spoken, ',');
      else
        g_string_append_c (spoken, *p);
      if (p[1] != '\0')
        g_string_append_c (spoken, ' ');
    }
  return g_string_free (spoken, FALSE);
}

/* ---- AM1 ---- */

static void
on_am1_scanned (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(LkActivationDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(LkAm1) am1 = NULL;
  g_autoptr(GDateTime) expires = NULL;
  g_autofree char *expiry_time = NULL;
  g_autofree char *expiry = NULL;
  g_autofree char *licence = NULL;
  g_autofree char *spoken = NULL;
  g_autofree char *accessible = NULL;
  char code[LK_DEVICE_CODE_TEXT_SIZE] = "";

  am1 = lk_wallet_activation_scan_am1_finish (result, code, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (am1 == NULL)
    {
      step_failed (self, error->message);
      return;
    }

  g_strlcpy (self->device_code, code, sizeof self->device_code);
  gtk_label_set_text (GTK_LABEL (self->device_code_label), code);
  spoken = spell_device_code (code);
  accessible = g_strdup_printf (_("Device code %s"), spoken);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->device_code_label),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, accessible, -1);

  if (*am1->issuer != '\0' && *am1->label != '\0')
    licence = g_strdup_printf (_("%s · %s · licence %s"), am1->issuer, am1->label, am1->serial);
  else if (*am1->issuer != '\0' || *am1->label != '\0')
    licence = g_strdup_printf (_("%s · licence %s"), *am1->issuer != '\0' ? am1->issuer : am1->label, am1->serial);
  else
    licence = g_strdup_printf (_("Licence %s"), am1->serial);
  gtk_label_set_text (GTK_LABEL (self->licence_label), licence);

  expires = g_date_time_new_from_unix_local (am1->expires);
  expiry_time = expires != NULL ? g_date_time_format (expires, "%X") : g_strdup ("?");
  expiry = g_strdup_printf (_("This code works until %s. No token is added until the second code arrives."),
                            expiry_time);
  gtk_label_set_text (GTK_LABEL (self->expiry_label), expiry);

  /* AM1 holds the activation key: it does not stay in a text field. */
  gtk_editable_set_text (GTK_EDITABLE (self->start_entry), "");
  self->back_page = "code";
  show_page (self, "code");
  gtk_widget_grab_focus (self->am2_entry);
  g_signal_emit (self, signals[SIGNAL_STEP_DONE], 0, TRUE);
}

/* ---- AM2 ---- */

static void
activation_done (LkActivationDialog  *self,
                 const LkWalletToken *token,
                 const char          *code)
{
  g_autofree char *name = lk_wallet_token_dup_name (token);
  g_autofree char *grouped = lk_token_format_code (code);
  g_autofree char *spoken = lk_token_spell_code (code);
  g_autofree char *accessible = g_strdup_printf (_("Test signature %s"), spoken);

  g_strlcpy (self->first_code, code, sizeof self->first_code);
  gtk_label_set_text (GTK_LABEL (self->first_code_label), grouped);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->first_code_label),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, accessible, -1);
  adw_status_page_set_description (ADW_STATUS_PAGE (self->done_page), name);
  self->back_page = "done";
  show_page (self, "done");
  g_signal_emit (self, signals[SIGNAL_ACTIVATED], 0, token);
  g_signal_emit (self, signals[SIGNAL_STEP_DONE], 0, TRUE);
}

typedef struct
{
  LkActivationDialog *self;
  LkWalletToken      *token;
} HotpData;

static void
on_first_hotp_code (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  HotpData *data = user_data;
  g_autoptr(GError) error = NULL;
  char *code = lk_wallet_next_hotp_code_finish (LK_WALLET (source), result, &error);

  if (code != NULL)
    activation_done (data->self, data->token, code);
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    step_failed (data->self, error->message);
  lk_secure_str_free (code);
  lk_wallet_token_free (data->token);
  g_object_unref (data->self);
  g_free (data);
}

static void
on_am2_scanned (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(LkActivationDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(LkWalletToken) token = NULL;
  char code[LK_OTP_CODE_SIZE] = "";
  guint32 instance = 0;

  token = lk_wallet_activation_scan_am2_finish (self->wallet, result, &instance, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (token == NULL)
    {
      step_failed (self, error->message);
      return;
    }
  gtk_editable_set_text (GTK_EDITABLE (self->am2_entry), "");

  /* The test signature: TOTP now; HOTP takes the first counter value, so
   * the code read to the helpdesk is never offered again for a login. */
  if (token->otpauth->type == LK_OTPAUTH_HOTP)
    {
      HotpData *data = g_new0 (HotpData, 1);

      data->self = g_object_ref (self);
      data->token = g_steal_pointer (&token);
      lk_wallet_next_hotp_code_async (self->wallet, data->token->id, self->cancellable, on_first_hotp_code, data);
      return;
    }
  if (!lk_wallet_token_compute (token, g_get_real_time () / G_USEC_PER_SEC, code, NULL, &error))
    {
      step_failed (self, error->message);
      return;
    }
  activation_done (self, token, code);
  lk_secure_wipe (code, sizeof code);
}

/* ---- input ---- */

void
lk_activation_dialog_take_text (LkActivationDialog *self,
                                const char         *text)
{
  char *trimmed;

  g_return_if_fail (LK_IS_ACTIVATION_DIALOG (self));
  g_return_if_fail (text != NULL);

  if (g_str_equal (lk_activation_dialog_get_page (self), "busy"))
    return;
  clear_problem (self);
  /* After a finished activation the dialog starts over. */
  if (g_str_equal (self->back_page, "done"))
    self->back_page = "start";
  trimmed = g_strstrip (g_strdup (text));
  if (g_ascii_strncasecmp (trimmed, LK_AM1_PREFIX, strlen (LK_AM1_PREFIX)) == 0)
    {
      show_page (self, "busy");
      lk_wallet_activation_scan_am1_async (trimmed, self->cancellable, on_am1_scanned, g_object_ref (self));
    }
  else if (g_ascii_strncasecmp (trimmed, LK_AM2_PREFIX, strlen (LK_AM2_PREFIX)) == 0)
    {
      show_page (self, "busy");
      lk_wallet_activation_scan_am2_async (self->wallet, trimmed, self->cancellable, on_am2_scanned,
                                           g_object_ref (self));
    }
  else
    step_failed (self, *trimmed == '\0'
                       ? _("Paste the activation message your helpdesk gave you.")
                       : _("This is not an activation message. Activation messages start with “LKAM1:” or “LKAM2:”."));
  /* AM2 carries the seed, encrypted; AM1 the activation key. */
  lk_secure_str_free (trimmed);
}

static void
take_entry (LkActivationDialog *self,
            GtkWidget          *entry)
{
  lk_activation_dialog_take_text (self, gtk_editable_get_text (GTK_EDITABLE (entry)));
}

static void
on_start_activate (LkActivationDialog *self)
{
  take_entry (self, self->start_entry);
}

static void
on_am2_activate (LkActivationDialog *self)
{
  take_entry (self, self->am2_entry);
}

static void
on_copy_clicked (LkActivationDialog *self)
{
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), self->device_code);
}

const char *
lk_activation_dialog_get_page (LkActivationDialog *self)
{
  g_return_val_if_fail (LK_IS_ACTIVATION_DIALOG (self), NULL);

  return gtk_stack_get_visible_child_name (GTK_STACK (self->stack));
}

const char *
lk_activation_dialog_get_device_code (LkActivationDialog *self)
{
  g_return_val_if_fail (LK_IS_ACTIVATION_DIALOG (self), NULL);

  return self->device_code;
}

const char *
lk_activation_dialog_get_first_code (LkActivationDialog *self)
{
  g_return_val_if_fail (LK_IS_ACTIVATION_DIALOG (self), NULL);

  return self->first_code;
}

const char *
lk_activation_dialog_get_problem (LkActivationDialog *self)
{
  g_return_val_if_fail (LK_IS_ACTIVATION_DIALOG (self), NULL);

  return self->problem != NULL ? self->problem : "";
}

/* ---- GObject ---- */

static void
lk_activation_dialog_dispose (GObject *object)
{
  LkActivationDialog *self = LK_ACTIVATION_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), LK_TYPE_ACTIVATION_DIALOG);
  G_OBJECT_CLASS (lk_activation_dialog_parent_class)->dispose (object);
}

static void
lk_activation_dialog_finalize (GObject *object)
{
  LkActivationDialog *self = LK_ACTIVATION_DIALOG (object);

  lk_secure_wipe (self->first_code, sizeof self->first_code);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->wallet);
  g_free (self->problem);
  G_OBJECT_CLASS (lk_activation_dialog_parent_class)->finalize (object);
}

static void
lk_activation_dialog_class_init (LkActivationDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lk_activation_dialog_dispose;
  object_class->finalize = lk_activation_dialog_finalize;

  signals[SIGNAL_STEP_DONE] =
    g_signal_new ("step-done", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_BOOLEAN);
  /**
   * LkActivationDialog::activated:
   * @token: (type gpointer): the const LkWalletToken * just stored
   */
  signals[SIGNAL_ACTIVATED] =
    g_signal_new ("activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_POINTER);

  lk_token_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class, "/org/latchkey/Latchkey/ui/lk-activation-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, LkActivationDialog, stack);
  gtk_widget_class_bind_template_child (widget_class, LkActivationDialog, spinner);
  gtk_widget_class_bind_template_child (widget_class, LkActivationDialog, start_entry);
  gtk_widget_class_bind_template_child (widget_class, LkActivationDialog, start_problem);
  gtk_widget_class_bind_template_child (widget_class, LkActivationDialog, licence_label);
  gtk_widget_class_bind_template_child (widget_class, LkActivationDialog, device_code_label);
  gtk_widget_class_bind_template_child (widget_class, LkActivationDialog, expiry_label);
  gtk_widget_class_bind_template_child (widget_class, LkActivationDialog, am2_entry);
  gtk_widget_class_bind_template_child (widget_class, LkActivationDialog, code_problem);
  gtk_widget_class_bind_template_child (widget_class, LkActivationDialog, done_page);
  gtk_widget_class_bind_template_child (widget_class, LkActivationDialog, first_code_label);
  gtk_widget_class_bind_template_callback (widget_class, on_start_activate);
  gtk_widget_class_bind_template_callback (widget_class, on_am2_activate);
  gtk_widget_class_bind_template_callback (widget_class, on_copy_clicked);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
lk_activation_dialog_init (LkActivationDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->back_page = "start";
}

GtkWidget *
lk_activation_dialog_new (GtkWindow *parent,
                          LkWallet  *wallet)
{
  LkActivationDialog *self;

  g_return_val_if_fail (LK_IS_WALLET (wallet), NULL);

  self = g_object_new (LK_TYPE_ACTIVATION_DIALOG, "transient-for", parent, NULL);
  self->wallet = g_object_ref (wallet);
  return GTK_WIDGET (self);
}
