/* SPDX-License-Identifier: GPL-3.0-or-later
 * LkTokenEntryDialog: builds an otpauth token from typed fields and checks it with the core parser on every keystroke. */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "lk-base32.h"
#include "lk-secure.h"
#include "lk-token-entry-dialog.h"
#include "lk-token-intake.h"

struct _LkTokenEntryDialog
{
  AdwWindow  parent_instance;

  LkOtpauth *uri;      /* the valid token, or NULL */

  GtkWidget *add_button;
  GtkWidget *issuer_row;
  GtkWidget *account_row;
  GtkWidget *secret_row;
  GtkWidget *type_row;
  GtkWidget *problem_label;
  GtkWidget *algorithm_row;
  GtkWidget *digits_spin;
  GtkWidget *period_row;
  GtkWidget *period_spin;
  GtkWidget *counter_row;
  GtkWidget *counter_spin;
};

enum {
  SIGNAL_ENTERED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (LkTokenEntryDialog, lk_token_entry_dialog, ADW_TYPE_WINDOW)

static void
set_row_error (GtkWidget *row,
               gboolean   error)
{
  if (error)
    gtk_widget_add_css_class (row, "error");
  else
    gtk_widget_remove_css_class (row, "error");
}

/* Builds the token from the fields; on a problem returns NULL and sets
 * @problem to a sentence for the user. */
static LkOtpauth *
build_token (LkTokenEntryDialog  *self,
             char               **problem,
             GtkWidget          **bad_row)
{
  g_autoptr(LkOtpauth) uri = lk_otpauth_new ();
  g_autoptr(LkOtpauth) checked = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) secret = NULL;
  g_autofree char *issuer = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->issuer_row))));
  g_autofree char *account = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->account_row))));
  const char *secret_text = gtk_editable_get_text (GTK_EDITABLE (self->secret_row));
  char *formatted;
  const LkHash hashes[] = { LK_HASH_SHA1, LK_HASH_SHA256, LK_HASH_SHA512 };
  guint algorithm = adw_combo_row_get_selected (ADW_COMBO_ROW (self->algorithm_row));

  if (*account == '\0')
    {
      *problem = g_strdup (_("Enter the account name, for example your email address."));
      *bad_row = self->account_row;
      return NULL;
    }
  if (strchr (issuer, ':') != NULL)
    {
      *problem = g_strdup (_("The issuer cannot contain a colon."));
      *bad_row = self->issuer_row;
      return NULL;
    }
  if (*secret_text == '\0')
    {
      *problem = g_strdup (_("Enter the secret key: letters A to Z and digits 2 to 7."));
      *bad_row = self->secret_row;
      return NULL;
    }

  secret = lk_base32_decode (secret_text, &error);
  if (secret == NULL)
    {
      /* The core message names the bad character and its position. */
      *problem = g_strdup (error->message);
      *bad_row = self->secret_row;
      return NULL;
    }
  if (g_bytes_get_size (secret) < 10)
    {
      *problem = g_strdup (_("The secret key is too short: it should have at least 16 characters."));
      *bad_row = self->secret_row;
      return NULL;
    }

  uri->type = adw_combo_row_get_selected (ADW_COMBO_ROW (self->type_row)) == 1 ? LK_OTPAUTH_HOTP : LK_OTPAUTH_TOTP;
  g_free (uri->issuer);
  uri->issuer = *issuer != '\0' ? g_strdup (issuer) : NULL;
  g_free (uri->account);
  uri->account = g_strdup (account);
  g_bytes_unref (uri->secret);
  uri->secret = g_bytes_ref (secret);
  uri->algorithm = hashes[MIN (algorithm, G_N_ELEMENTS (hashes) - 1)];
  uri->digits = (guint) gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (self->digits_spin));
  uri->period = (guint) gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (self->period_spin));
  uri->counter = (guint64) gtk_spin_button_get_value (GTK_SPIN_BUTTON (self->counter_spin));

  /* One judge of validity for every way in: the same parser that checks
   * scanned and pasted links. */
  formatted = lk_otpauth_format (uri);
  checked = lk_otpauth_parse (formatted, &error);
  lk_secure_str_free (formatted);
  if (checked == NULL)
    {
      *problem = g_strdup (error->message);
      *bad_row = NULL;
      return NULL;
    }

  return g_steal_pointer (&checked);
}

static void
on_changed (LkTokenEntryDialog *self)
{
  g_autofree char *problem = NULL;
  GtkWidget *bad_row = NULL;
  gboolean hotp = adw_combo_row_get_selected (ADW_COMBO_ROW (self->type_row)) == 1;
  gboolean typed;

  gtk_widget_set_visible (self->period_row, !hotp);
  gtk_widget_set_visible (self->counter_row, hotp);

  g_clear_pointer (&self->uri, lk_otpauth_free);
  self->uri = build_token (self, &problem, &bad_row);

  set_row_error (self->account_row, FALSE);
  set_row_error (self->issuer_row, FALSE);
  set_row_error (self->secret_row, FALSE);

  /* Nothing typed yet is not an error worth shouting about. */
  typed = *gtk_editable_get_text (GTK_EDITABLE (self->secret_row)) != '\0' ||
          *gtk_editable_get_text (GTK_EDITABLE (self->account_row)) != '\0';
  if (bad_row != NULL && typed)
    set_row_error (bad_row, TRUE);

  gtk_label_set_label (GTK_LABEL (self->problem_label), problem != NULL && typed ? problem : "");
  gtk_widget_set_visible (self->problem_label, problem != NULL && typed);
  gtk_widget_set_sensitive (self->add_button, self->uri != NULL);
}

gboolean
lk_token_entry_dialog_submit (LkTokenEntryDialog *self)
{
  g_return_val_if_fail (LK_IS_TOKEN_ENTRY_DIALOG (self), FALSE);

  if (self->uri == NULL)
    return FALSE;

  g_signal_emit (self, signals[SIGNAL_ENTERED], 0, self->uri);
  /* The secret field is wiped by the entry itself when it is destroyed. */
  gtk_window_destroy (GTK_WINDOW (self));
  return TRUE;
}

static void
on_add_clicked (LkTokenEntryDialog *self)
{
  lk_token_entry_dialog_submit (self);
}

static void
lk_token_entry_dialog_dispose (GObject *object)
{
  LkTokenEntryDialog *self = LK_TOKEN_ENTRY_DIALOG (object);

  g_clear_pointer (&self->uri, lk_otpauth_free);
  gtk_widget_dispose_template (GTK_WIDGET (object), LK_TYPE_TOKEN_ENTRY_DIALOG);

  G_OBJECT_CLASS (lk_token_entry_dialog_parent_class)->dispose (object);
}

static void
lk_token_entry_dialog_class_init (LkTokenEntryDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lk_token_entry_dialog_dispose;

  /**
   * LkTokenEntryDialog::entered:
   * @uri: (type gpointer): the const LkOtpauth *, valid during the emission
   */
  signals[SIGNAL_ENTERED] =
    g_signal_new ("entered", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_POINTER);

  lk_token_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class, "/org/latchkey/Latchkey/ui/lk-token-entry-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, LkTokenEntryDialog, add_button);
  gtk_widget_class_bind_template_child (widget_class, LkTokenEntryDialog, issuer_row);
  gtk_widget_class_bind_template_child (widget_class, LkTokenEntryDialog, account_row);
  gtk_widget_class_bind_template_child (widget_class, LkTokenEntryDialog, secret_row);
  gtk_widget_class_bind_template_child (widget_class, LkTokenEntryDialog, type_row);
  gtk_widget_class_bind_template_child (widget_class, LkTokenEntryDialog, problem_label);
  gtk_widget_class_bind_template_child (widget_class, LkTokenEntryDialog, algorithm_row);
  gtk_widget_class_bind_template_child (widget_class, LkTokenEntryDialog, digits_spin);
  gtk_widget_class_bind_template_child (widget_class, LkTokenEntryDialog, period_row);
  gtk_widget_class_bind_template_child (widget_class, LkTokenEntryDialog, period_spin);
  gtk_widget_class_bind_template_child (widget_class, LkTokenEntryDialog, counter_row);
  gtk_widget_class_bind_template_child (widget_class, LkTokenEntryDialog, counter_spin);
  gtk_widget_class_bind_template_callback (widget_class, on_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_add_clicked);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
lk_token_entry_dialog_init (LkTokenEntryDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  on_changed (self);
}

GtkWidget *
lk_token_entry_dialog_new (GtkWindow *parent)
{
  return g_object_new (LK_TYPE_TOKEN_ENTRY_DIALOG, "transient-for", parent, NULL);
}

void
lk_token_entry_dialog_set_fields (LkTokenEntryDialog *self,
                                  const char         *issuer,
                                  const char         *account,
                                  const char         *secret)
{
  g_return_if_fail (LK_IS_TOKEN_ENTRY_DIALOG (self));

  gtk_editable_set_text (GTK_EDITABLE (self->issuer_row), issuer != NULL ? issuer : "");
  gtk_editable_set_text (GTK_EDITABLE (self->account_row), account != NULL ? account : "");
  gtk_editable_set_text (GTK_EDITABLE (self->secret_row), secret != NULL ? secret : "");
}

const char *
lk_token_entry_dialog_get_problem (LkTokenEntryDialog *self)
{
  g_return_val_if_fail (LK_IS_TOKEN_ENTRY_DIALOG (self), NULL);

  return gtk_label_get_label (GTK_LABEL (self->problem_label));
}
