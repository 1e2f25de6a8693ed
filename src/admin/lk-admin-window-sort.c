/* SPDX-License-Identifier: GPL-3.0-or-later
 * The user list's sort menu: the "sort.by" and "sort.order" actions behind
 * the menu button in the list header, applied to the paged model. */
#include "config.h"

#include <glib/gi18n.h>

#include "lk-admin-window-private.h"

/* The button's label for each order, ascending then descending. */
static const char *const sort_labels[][2] = {
  [LK_USER_SORT_LOGIN] = { N_("Login A–Z"), N_("Login Z–A") },
  [LK_USER_SORT_NAME] = { N_("Name A–Z"), N_("Name Z–A") },
  [LK_USER_SORT_EMAIL] = { N_("Email A–Z"), N_("Email Z–A") },
  [LK_USER_SORT_LAST_LOGIN] = { N_("Last Sign-In, Oldest"), N_("Last Sign-In, Newest") },
  [LK_USER_SORT_CREATED] = { N_("Created, Oldest"), N_("Created, Newest") },
};

static LkUserSort
current_sort (LkAdminWindow *self,
              gboolean      *descending)
{
  g_autoptr(GVariant) by = g_action_group_get_action_state (G_ACTION_GROUP (self->sort_actions), "by");
  g_autoptr(GVariant) order = g_action_group_get_action_state (G_ACTION_GROUP (self->sort_actions), "order");
  LkUserSort sort = LK_USER_SORT_LOGIN;

  /* The states only ever hold the names below (change_state checks them). */
  lk_user_sort_from_string (g_variant_get_string (by, NULL), &sort);
  *descending = g_str_equal (g_variant_get_string (order, NULL), "desc");
  return sort;
}

/* Shows the order on the button and hands it to the model. */
void
lk_admin_window_sort_apply (LkAdminWindow *self)
{
  gboolean descending;
  LkUserSort sort = current_sort (self, &descending);

  gtk_menu_button_set_label (self->sort_button, _(sort_labels[sort][descending ? 1 : 0]));
  if (self->model != NULL)
    lk_admin_user_list_model_set_sort (self->model, sort, descending);
}

static void
change_by (GSimpleAction *action,
           GVariant      *value,
           gpointer       user_data)
{
  LkUserSort sort;

  if (!lk_user_sort_from_string (g_variant_get_string (value, NULL), &sort))
    return;
  g_simple_action_set_state (action, value);
  lk_admin_window_sort_apply (user_data);
}

static void
change_order (GSimpleAction *action,
              GVariant      *value,
              gpointer       user_data)
{
  const char *order = g_variant_get_string (value, NULL);

  if (!g_str_equal (order, "asc") && !g_str_equal (order, "desc"))
    return;
  g_simple_action_set_state (action, value);
  lk_admin_window_sort_apply (user_data);
}

void
lk_admin_window_sort_init (LkAdminWindow *self)
{
  const GActionEntry entries[] = {
    { .name = "by", .parameter_type = "s", .state = "'login'", .change_state = change_by },
    { .name = "order", .parameter_type = "s", .state = "'asc'", .change_state = change_order },
  };

  self->sort_actions = g_simple_action_group_new ();
  g_action_map_add_action_entries (G_ACTION_MAP (self->sort_actions), entries, G_N_ELEMENTS (entries), self);
  gtk_widget_insert_action_group (GTK_WIDGET (self), "sort", G_ACTION_GROUP (self->sort_actions));
  lk_admin_window_sort_apply (self);
}
