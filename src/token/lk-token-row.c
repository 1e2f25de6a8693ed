/* SPDX-License-Identifier: GPL-3.0-or-later
 * LkTokenRow: shows a token's code grouped for reading and says it digit by digit to screen readers. */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "lk-countdown.h"
#include "lk-secure.h"
#include "lk-token-intake.h"
#include "lk-token-row.h"

struct _LkTokenRow
{
  GtkBox         parent_instance;

  LkTokenItem   *item;
  gboolean       hide_codes;
  guint          last_seconds;
  char          *code_text;
  char          *spoken;        /* the code label's accessible label */

  GtkWidget     *issuer_label;
  GtkWidget     *account_label;
  GtkWidget     *code_label;
  GtkWidget     *countdown;
  GtkWidget     *next_button;
  GtkWidget     *menu_button;
  GtkWidget     *menu_popover;  /* made on the first click, dropped when the row is recycled */
};

G_DEFINE_FINAL_TYPE (LkTokenRow, lk_token_row, GTK_TYPE_BOX)

static gboolean
lk_token_row_concealed (LkTokenRow *self)
{
  return self->hide_codes && !lk_token_item_get_revealed (self->item);
}

static void
lk_token_row_update_accessible (LkTokenRow *self,
                                gint64      unix_time)
{
  const char *code = lk_token_item_get_code (self->item);
  g_autofree char *spoken = NULL;
  g_autofree char *label = NULL;

  if (code == NULL)
    label = g_strdup (lk_token_item_is_hotp (self->item)
                      ? _("No code yet; use Next Code to get one")
                      : _("No code"));
  else if (lk_token_row_concealed (self))
    label = g_strdup (_("Code hidden; activate the row to reveal and copy it"));
  else
    {
      spoken = lk_token_spell_code (code);
      if (lk_token_item_is_hotp (self->item))
        label = g_strdup_printf (_("Code %s"), spoken);
      else
        {
          guint left = lk_token_item_get_seconds_left (self->item, unix_time);

          label = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Code %s, %u second left",
                                                "Code %s, %u seconds left", left),
                                   spoken, left);
        }
    }

  gtk_accessible_update_property (GTK_ACCESSIBLE (self->code_label),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  if (spoken != NULL)
    lk_secure_wipe (spoken, strlen (spoken));
  if (self->spoken != NULL)
    lk_secure_wipe (self->spoken, strlen (self->spoken));
  g_free (self->spoken);
  self->spoken = g_steal_pointer (&label);
}

static void
lk_token_row_update_code (LkTokenRow *self)
{
  const char *code = lk_token_item_get_code (self->item);

  if (self->code_text != NULL)
    {
      lk_secure_wipe (self->code_text, strlen (self->code_text));
      g_clear_pointer (&self->code_text, g_free);
    }

  if (code == NULL)
    {
      self->code_text = g_strdup ("––– –––");
    }
  else if (lk_token_row_concealed (self))
    {
      g_autofree char *grouped = lk_token_format_code (code);

      /* Same shape as the code, so the row does not jump on reveal. */
      for (char *p = grouped; *p != '\0'; p++)
        if (*p != ' ')
          *p = '*';
      self->code_text = g_strdup (grouped);
      lk_secure_wipe (grouped, strlen (grouped));
    }
  else
    {
      self->code_text = lk_token_format_code (code);
    }

  if (lk_token_row_concealed (self) || code == NULL)
    gtk_widget_add_css_class (self->code_label, "concealed");
  else
    gtk_widget_remove_css_class (self->code_label, "concealed");

  gtk_label_set_label (GTK_LABEL (self->code_label), self->code_text);
  lk_token_row_update_accessible (self, g_get_real_time () / G_USEC_PER_SEC);
}

static void
on_item_changed (LkTokenRow *self)
{
  lk_token_row_update_code (self);
}

static void
lk_token_row_drop_menu (LkTokenRow *self)
{
  if (self->menu_popover != NULL)
    gtk_widget_unparent (g_steal_pointer (&self->menu_popover));
}

static void
lk_token_row_dispose (GObject *object)
{
  LkTokenRow *self = LK_TOKEN_ROW (object);

  lk_token_row_drop_menu (self);
  lk_token_row_unbind (self);
  if (self->spoken != NULL)
    {
      lk_secure_wipe (self->spoken, strlen (self->spoken));
      g_clear_pointer (&self->spoken, g_free);
    }
  if (self->code_text != NULL)
    {
      lk_secure_wipe (self->code_text, strlen (self->code_text));
      g_clear_pointer (&self->code_text, g_free);
    }
  gtk_widget_dispose_template (GTK_WIDGET (object), LK_TYPE_TOKEN_ROW);

  G_OBJECT_CLASS (lk_token_row_parent_class)->dispose (object);
}

static void on_menu_clicked (GtkButton  *button,
                             LkTokenRow *self);

static void
lk_token_row_class_init (LkTokenRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lk_token_row_dispose;

  g_type_ensure (LK_TYPE_COUNTDOWN);
  lk_token_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class, "/org/latchkey/Latchkey/ui/lk-token-row.ui");
  gtk_widget_class_bind_template_child (widget_class, LkTokenRow, issuer_label);
  gtk_widget_class_bind_template_child (widget_class, LkTokenRow, account_label);
  gtk_widget_class_bind_template_child (widget_class, LkTokenRow, code_label);
  gtk_widget_class_bind_template_child (widget_class, LkTokenRow, countdown);
  gtk_widget_class_bind_template_child (widget_class, LkTokenRow, menu_button);
  gtk_widget_class_bind_template_callback (widget_class, on_menu_clicked);
}

static void
lk_token_row_init (LkTokenRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->last_seconds = G_MAXUINT;
}

static GMenuModel *
lk_token_row_build_menu (const char *id)
{
  GMenu *menu = g_menu_new ();
  struct { const char *label; const char *action; } entries[] = {
    { N_("_Copy Code"), "win.copy-token" },
    { N_("_Rename…"), "win.rename-token" },
    { N_("_Delete"), "win.delete-token" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (entries); i++)
    {
      g_autoptr(GMenuItem) item = g_menu_item_new (_(entries[i].label), NULL);

      g_menu_item_set_action_and_target_value (item, entries[i].action, g_variant_new_string (id));
      g_menu_append_item (menu, item);
    }

  return G_MENU_MODEL (menu);
}

/* The row's options. Not a GtkMenuButton: that is a toggle button with a
 * box, an image and an arrow inside (about 12 KiB with their styles and
 * accessibility objects) on each of the ~30 rows a grid view keeps, for
 * menus that are mostly never opened. A plain button says it has a popup,
 * and makes the popover on the first click. */
static void
on_menu_clicked (GtkButton  *button,
                 LkTokenRow *self)
{
  if (self->item == NULL)
    return;
  if (self->menu_popover == NULL)
    {
      g_autoptr(GMenuModel) menu = lk_token_row_build_menu (lk_token_item_get_id (self->item));

      self->menu_popover = gtk_popover_menu_new_from_model (menu);
      gtk_widget_set_parent (self->menu_popover, GTK_WIDGET (button));
    }
  gtk_popover_popup (GTK_POPOVER (self->menu_popover));
}

/* The "next code" button, made the first time the row shows an HOTP
 * token: most tokens are TOTP, and a button per row on screen costs its
 * widgets, style and accessibility object for nothing. */
static void
lk_token_row_ensure_next_button (LkTokenRow *self)
{
  if (self->next_button != NULL)
    return;
  self->next_button = gtk_button_new_from_icon_name ("view-refresh-symbolic");
  gtk_widget_set_tooltip_text (self->next_button, _("Next Code"));
  gtk_widget_set_valign (self->next_button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (self->next_button, "flat");
  gtk_widget_add_css_class (self->next_button, "circular");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->next_button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Next code"), -1);
  /* Where it always was: after the ring, before the menu. */
  gtk_box_insert_child_after (GTK_BOX (self), self->next_button, self->countdown);
}

GtkWidget *
lk_token_row_new (void)
{
  return g_object_new (LK_TYPE_TOKEN_ROW, NULL);
}

void
lk_token_row_bind (LkTokenRow  *self,
                   LkTokenItem *item,
                   gboolean     hide_codes)
{
  g_autofree char *row_label = NULL;
  g_autofree char *menu_label = NULL;
  const char *issuer;
  const char *account;
  gboolean hotp;

  g_return_if_fail (LK_IS_TOKEN_ROW (self));
  g_return_if_fail (LK_IS_TOKEN_ITEM (item));

  lk_token_row_unbind (self);
  self->item = g_object_ref (item);
  self->hide_codes = hide_codes;
  self->last_seconds = G_MAXUINT;

  issuer = lk_token_item_get_issuer (item);
  account = lk_token_item_get_account (item);
  hotp = lk_token_item_is_hotp (item);

  /* Without an issuer the account is the title, so the row never shows an
   * empty heading. */
  if (*issuer != '\0')
    {
      gtk_label_set_label (GTK_LABEL (self->issuer_label), issuer);
      gtk_label_set_label (GTK_LABEL (self->account_label), account);
      gtk_widget_set_visible (self->account_label, TRUE);
    }
  else
    {
      gtk_label_set_label (GTK_LABEL (self->issuer_label), account);
      gtk_widget_set_visible (self->account_label, FALSE);
    }

  gtk_widget_set_visible (self->countdown, !hotp);
  if (hotp)
    {
      lk_token_row_ensure_next_button (self);
      /* Target first, then the name, so the action never sees a wrong type. */
      gtk_actionable_set_action_target_value (GTK_ACTIONABLE (self->next_button),
                                              g_variant_new_string (lk_token_item_get_id (item)));
      gtk_actionable_set_action_name (GTK_ACTIONABLE (self->next_button), "win.next-code");
    }
  if (self->next_button != NULL)
    gtk_widget_set_visible (self->next_button, hotp);

  /* A popover per row costs memory and start-up time for menus that are
   * mostly never opened: built on first use, dropped when recycled. */
  lk_token_row_drop_menu (self);

  row_label = *issuer != '\0' ? g_strdup_printf ("%s, %s", issuer, account) : g_strdup (account);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, row_label,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  _("Activate to copy the code"), -1);
  menu_label = g_strdup_printf (_("Options for %s"), row_label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->menu_button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  menu_label, GTK_ACCESSIBLE_PROPERTY_HAS_POPUP, TRUE, -1);

  g_signal_connect_swapped (item, "notify::code", G_CALLBACK (on_item_changed), self);
  g_signal_connect_swapped (item, "notify::revealed", G_CALLBACK (on_item_changed), self);

  lk_token_row_update_code (self);
  lk_token_row_tick (self, g_get_real_time () / G_USEC_PER_SEC);
}

void
lk_token_row_unbind (LkTokenRow *self)
{
  g_return_if_fail (LK_IS_TOKEN_ROW (self));

  if (self->item == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->item, self);
  g_clear_object (&self->item);
}

LkTokenItem *
lk_token_row_get_item (LkTokenRow *self)
{
  g_return_val_if_fail (LK_IS_TOKEN_ROW (self), NULL);
  return self->item;
}

void
lk_token_row_set_hide_codes (LkTokenRow *self,
                             gboolean    hide_codes)
{
  g_return_if_fail (LK_IS_TOKEN_ROW (self));

  hide_codes = !!hide_codes;
  if (self->hide_codes == hide_codes)
    return;
  self->hide_codes = hide_codes;
  if (self->item != NULL)
    lk_token_row_update_code (self);
}

void
lk_token_row_tick (LkTokenRow *self,
                   gint64      unix_time)
{
  guint period, left;

  g_return_if_fail (LK_IS_TOKEN_ROW (self));

  if (self->item == NULL)
    return;
  period = lk_token_item_get_period (self->item);
  if (period == 0)
    return;

  left = lk_token_item_get_seconds_left (self->item, unix_time);
  if (left == self->last_seconds)
    return;
  self->last_seconds = left;

  lk_countdown_set_time (LK_COUNTDOWN (self->countdown), left, period);
  lk_token_row_update_accessible (self, unix_time);
}

const char *
lk_token_row_get_code_text (LkTokenRow *self)
{
  g_return_val_if_fail (LK_IS_TOKEN_ROW (self), NULL);
  return self->code_text;
}

const char *
lk_token_row_get_spoken (LkTokenRow *self)
{
  g_return_val_if_fail (LK_IS_TOKEN_ROW (self), NULL);
  return self->spoken;
}
