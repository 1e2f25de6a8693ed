/* SPDX-License-Identifier: GPL-3.0-or-later
 * The admin-mode main window: users on the left, the selected user on the right.
 *
 * This file holds the layout, the paged user list with its search, sort,
 * count and empty states, and the bookkeeping every call shares (spinner,
 * toasts, the window's cancellable). The calls themselves are in
 * lk-admin-window-actions.c. */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "lk-admin-device-form.h"
#include "lk-admin-device-row.h"
#include "lk-admin-qr-view.h"
#include "lk-admin-init.h"
#include "lk-admin-user-item.h"
#include "lk-admin-window-private.h"
#include "lk-secure.h"

G_DEFINE_FINAL_TYPE (LkAdminWindow, lk_admin_window, ADW_TYPE_APPLICATION_WINDOW)

void
lk_admin_register_resources (void)
{
  lk_admin_ensure_resources ();
}

static void
load_css (void)
{
  static gboolean loaded = FALSE;
  g_autoptr(GtkCssProvider) provider = NULL;
  GdkDisplay *display = gdk_display_get_default ();

  if (loaded || display == NULL)
    return;
  loaded = TRUE;
  provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (provider, "/org/latchkey/Latchkey/admin/lk-admin.css");
  gtk_style_context_add_provider_for_display (display, GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
}

/* ---- calls --------------------------------------------------------------- */

/* The spinner appears only for calls that take a noticeable time: a
 * search answered in 50 ms should not flash it (and a spinning spinner
 * repaints the header every frame while it shows). */
#define SPINNER_DELAY_MS 300

static gboolean
spinner_delay_done (gpointer data)
{
  LkAdminWindow *self = data;

  self->spinner_id = 0;
  if (self->busy_spinner != NULL)
    gtk_spinner_set_spinning (self->busy_spinner, TRUE);
  return G_SOURCE_REMOVE;
}

static void
update_busy (LkAdminWindow *self)
{
  gboolean busy;

  if (self->busy_spinner == NULL)
    return;
  busy = self->busy > 0 || (self->model && lk_admin_user_list_model_get_loading (self->model));
  if (!busy)
    {
      g_clear_handle_id (&self->spinner_id, g_source_remove);
      gtk_spinner_set_spinning (self->busy_spinner, FALSE);
    }
  else if (!gtk_spinner_get_spinning (self->busy_spinner) && self->spinner_id == 0)
    self->spinner_id = g_timeout_add (SPINNER_DELAY_MS, spinner_delay_done, self);
}

LkAdminCall *
lk_admin_call_new (LkAdminWindow *self,
                   GtkWidget     *dialog,
                   const char    *login,
                   const char    *serial)
{
  LkAdminCall *call = g_new0 (LkAdminCall, 1);

  call->self = g_object_ref (self);
  call->dialog = dialog ? g_object_ref (dialog) : NULL;
  call->login = g_strdup (login);
  call->serial = g_strdup (serial);
  self->busy++;
  update_busy (self);
  return call;
}

void
lk_admin_call_free (LkAdminCall *call)
{
  if (call == NULL)
    return;
  call->self->busy--;
  update_busy (call->self);
  g_clear_object (&call->dialog);
  g_object_unref (call->self);
  g_free (call->login);
  g_free (call->serial);
  if (call->text != NULL)
    {
      /* May be a passcode or a device id: wipe before freeing. */
      lk_secure_str_free (call->text);
    }
  g_free (call);
}

gboolean
lk_admin_is_cancelled (const GError *error)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* A newer toast replaces the one showing: after a burst of operations the
 * helpdesk wants the outcome of the last one now, not a queue of old news. */
static void
show_toast (LkAdminWindow *self,
            AdwToast      *toast)
{
  if (self->last_toast != NULL)
    adw_toast_dismiss (self->last_toast);
  g_set_weak_pointer (&self->last_toast, toast);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

void
lk_admin_window_toast (LkAdminWindow *self,
                       const char    *text)
{
  AdwToast *toast = adw_toast_new (text);

  adw_toast_set_timeout (toast, 4);
  show_toast (self, toast);
}

void
lk_admin_window_show_error (LkAdminWindow *self,
                            const char    *what,
                            const GError  *error)
{
  g_autofree char *text = NULL;
  AdwToast *toast;

  if (lk_admin_is_cancelled (error))
    return;
  text = g_strdup_printf ("%s: %s", what, error->message);
  toast = adw_toast_new (text);
  adw_toast_set_timeout (toast, 8);
  show_toast (self, toast);
}

/* ---- the list ------------------------------------------------------------ */

static void
update_list_state (LkAdminWindow *self)
{
  guint n = self->model ? g_list_model_get_n_items (G_LIST_MODEL (self->model)) : 0;
  const char *error = self->model ? lk_admin_user_list_model_get_error (self->model) : NULL;
  const char *query = self->model ? lk_admin_user_list_model_get_query (self->model) : "";
  gboolean loading = self->model && lk_admin_user_list_model_get_loading (self->model);
  g_autofree char *count = NULL;

  update_busy (self);
  if (self->backend == NULL || error != NULL)
    {
      adw_status_page_set_description (self->error_page,
                                       error ? error : self->connect_error ? self->connect_error
                                                     : _("Connecting…"));
      gtk_stack_set_visible_child_name (self->list_stack, "error");
      gtk_label_set_text (self->count_label, "");
      return;
    }
  if (n > 0)
    gtk_stack_set_visible_child_name (self->list_stack, "list");
  else if (!loading)
    gtk_stack_set_visible_child_name (self->list_stack, query && *query ? "no-results" : "empty");

  if (loading && n == 0)
    count = g_strdup (_("Searching…"));
  else if (loading)
    return;  /* the last result's count stays until the new one is in */
  else if (query && *query)
    count = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u user matches “%s”", "%u users match “%s”", n), n, query);
  else
    count = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u user", "%u users", n), n);
  gtk_label_set_text (self->count_label, count);
}

static void
on_search_changed (LkAdminWindow *self)
{
  if (self->model != NULL)
    lk_admin_user_list_model_set_query (self->model, gtk_editable_get_text (GTK_EDITABLE (self->search_entry)), FALSE);
}

static void
on_search_activate (LkAdminWindow *self)
{
  /* Enter searches at once and opens the first match. */
  if (self->model == NULL)
    return;
  lk_admin_user_list_model_set_query (self->model, gtk_editable_get_text (GTK_EDITABLE (self->search_entry)), TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->user_list));
}

static void
on_stop_search (LkAdminWindow *self)
{
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
}

static void
show_selected (LkAdminWindow *self)
{
  LkAdminUserItem *item = gtk_single_selection_get_selected_item (self->selection);
  const char *login;

  if (item == NULL || !lk_admin_user_item_get_loaded (item))
    return;
  login = lk_admin_user_item_get_login (item);
  if (g_strcmp0 (login, self->selected_login) == 0 &&
      g_str_equal (gtk_stack_get_visible_child_name (self->content_stack), "user"))
    return;
  g_free (self->selected_login);
  self->selected_login = g_strdup (login);
  lk_admin_window_reload_user (self);
}

static void
on_selection_changed (LkAdminWindow *self)
{
  LkAdminUserItem *item = gtk_single_selection_get_selected_item (self->selection);

  if (item == NULL)
    return;
  if (!lk_admin_user_item_get_loaded (item))
    {
      /* A placeholder: open it when its page arrives. */
      g_signal_connect_object (item, "notify::loaded", G_CALLBACK (show_selected), self, G_CONNECT_SWAPPED);
      return;
    }
  show_selected (self);
}

static void
on_list_activate (LkAdminWindow *self,
                  guint          position)
{
  gtk_single_selection_set_selected (self->selection, position);
  show_selected (self);
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_FORWARD);
}

void
lk_admin_window_select_login (LkAdminWindow *self,
                              const char    *login)
{
  int position;

  g_free (self->selected_login);
  self->selected_login = g_strdup (login);
  position = lk_admin_user_list_model_find_loaded (self->model, login);
  g_signal_handlers_block_by_func (self->selection, on_selection_changed, self);
  gtk_single_selection_set_selected (self->selection, position >= 0 ? (guint) position : GTK_INVALID_LIST_POSITION);
  g_signal_handlers_unblock_by_func (self->selection, on_selection_changed, self);
  lk_admin_window_reload_user (self);
}

/* Keeps the open user selected when the list reloads around it. Run from
 * an idle: changing the selection while the selection model is still
 * handling the items-changed that caused it confuses the list view. */
static gboolean
reselect_idle (gpointer data)
{
  LkAdminWindow *self = data;
  int position;

  self->reselect_id = 0;
  if (self->selected_login == NULL || self->model == NULL)
    return G_SOURCE_REMOVE;
  position = lk_admin_user_list_model_find_loaded (self->model, self->selected_login);
  /* A new result fills the rows on screen in place: a selected row that
   * now holds someone else is unselected. */
  if (gtk_single_selection_get_selected (self->selection) != (position >= 0 ? (guint) position : GTK_INVALID_LIST_POSITION))
    {
      g_signal_handlers_block_by_func (self->selection, on_selection_changed, self);
      gtk_single_selection_set_selected (self->selection, position >= 0 ? (guint) position : GTK_INVALID_LIST_POSITION);
      g_signal_handlers_unblock_by_func (self->selection, on_selection_changed, self);
    }
  return G_SOURCE_REMOVE;
}

static void
on_model_changed (LkAdminWindow *self)
{
  update_list_state (self);
  /* Before the next frame, so a refilled row is never drawn selected. */
  if (self->selected_login != NULL && self->reselect_id == 0)
    self->reselect_id = g_idle_add_full (G_PRIORITY_HIGH_IDLE, reselect_idle, self, NULL);
}

void
lk_admin_window_set_backend (LkAdminWindow *self,
                             LkBackend     *backend,
                             const char    *label)
{
  g_autoptr(LkAdminUserListModel) model = NULL;

  if (self->model != NULL)
    {
      lk_admin_user_list_model_cancel (self->model);
      g_signal_handlers_disconnect_by_data (self->model, self);
    }
  g_set_object (&self->backend, backend);
  if (backend != NULL)
    g_clear_pointer (&self->connect_error, g_free);
  g_free (self->connection_label);
  self->connection_label = g_strdup (label);
  adw_window_title_set_subtitle (self->connection_title, label);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->connection_title), label);

  g_clear_pointer (&self->selected_login, g_free);
  gtk_stack_set_visible_child_name (self->content_stack, "none");
  gtk_widget_set_visible (GTK_WIDGET (self->user_menu_button), FALSE);
  adw_window_title_set_title (self->user_title, "");
  adw_window_title_set_subtitle (self->user_title, "");

  model = lk_admin_user_list_model_new (backend);
  g_set_object (&self->model, model);
  lk_admin_user_list_model_set_view (model, GTK_SCROLLABLE (self->user_list));
  g_signal_connect_object (model, "items-changed", G_CALLBACK (on_model_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (model, "notify::loading", G_CALLBACK (on_model_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (model, "notify::error", G_CALLBACK (update_list_state), self, G_CONNECT_SWAPPED);
  gtk_single_selection_set_model (self->selection, G_LIST_MODEL (model));
  lk_admin_window_sort_apply (self);
  if (backend != NULL)
    lk_admin_user_list_model_set_query (model, gtk_editable_get_text (GTK_EDITABLE (self->search_entry)), TRUE);
  update_list_state (self);
}

/* ---- GObject ------------------------------------------------------------- */

static gboolean
lk_admin_window_close_request (GtkWindow *window)
{
  LkAdminWindow *self = LK_ADMIN_WINDOW (window);

  /* Closing cancels every call; their answers are dropped silently. */
  g_cancellable_cancel (self->cancellable);
  g_cancellable_cancel (self->user_cancellable);
  if (self->model != NULL)
    lk_admin_user_list_model_cancel (self->model);
  return GTK_WINDOW_CLASS (lk_admin_window_parent_class)->close_request (window);
}

static void
lk_admin_window_dispose (GObject *object)
{
  LkAdminWindow *self = LK_ADMIN_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_cancellable_cancel (self->user_cancellable);
  if (self->model != NULL)
    {
      lk_admin_user_list_model_cancel (self->model);
      g_signal_handlers_disconnect_by_data (self->model, self);
    }
  g_clear_handle_id (&self->reselect_id, g_source_remove);
  g_clear_handle_id (&self->spinner_id, g_source_remove);
  g_clear_weak_pointer (&self->last_toast);
  g_clear_object (&self->selection);
  g_clear_object (&self->model);
  gtk_widget_dispose_template (GTK_WIDGET (object), LK_TYPE_ADMIN_WINDOW);
  G_OBJECT_CLASS (lk_admin_window_parent_class)->dispose (object);
}

static void
lk_admin_window_finalize (GObject *object)
{
  LkAdminWindow *self = LK_ADMIN_WINDOW (object);

  g_clear_object (&self->backend);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->user_cancellable);
  g_clear_object (&self->settings);
  g_clear_object (&self->sort_actions);
  g_free (self->connection_label);
  g_free (self->connect_error);
  g_free (self->selected_login);
  G_OBJECT_CLASS (lk_admin_window_parent_class)->finalize (object);
}

static void
lk_admin_window_class_init (LkAdminWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  lk_admin_register_resources ();

  object_class->dispose = lk_admin_window_dispose;
  object_class->finalize = lk_admin_window_finalize;
  window_class->close_request = lk_admin_window_close_request;

  g_type_ensure (LK_TYPE_ADMIN_USER_PAGE);
  g_type_ensure (LK_TYPE_ADMIN_USER_ITEM);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/latchkey/Latchkey/admin/lk-admin-window.ui");
  gtk_widget_class_bind_template_child (widget_class, LkAdminWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, LkAdminWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, LkAdminWindow, sidebar);
  gtk_widget_class_bind_template_child (widget_class, LkAdminWindow, content);
  gtk_widget_class_bind_template_child (widget_class, LkAdminWindow, connection_title);
  gtk_widget_class_bind_template_child (widget_class, LkAdminWindow, user_title);
  gtk_widget_class_bind_template_child (widget_class, LkAdminWindow, busy_spinner);
  gtk_widget_class_bind_template_child (widget_class, LkAdminWindow, search_entry);
  gtk_widget_class_bind_template_child (widget_class, LkAdminWindow, sort_button);
  gtk_widget_class_bind_template_child (widget_class, LkAdminWindow, list_stack);
  gtk_widget_class_bind_template_child (widget_class, LkAdminWindow, user_list);
  gtk_widget_class_bind_template_child (widget_class, LkAdminWindow, empty_page);
  gtk_widget_class_bind_template_child (widget_class, LkAdminWindow, error_page);
  gtk_widget_class_bind_template_child (widget_class, LkAdminWindow, count_label);
  gtk_widget_class_bind_template_child (widget_class, LkAdminWindow, content_stack);
  gtk_widget_class_bind_template_child (widget_class, LkAdminWindow, user_page);
  gtk_widget_class_bind_template_child (widget_class, LkAdminWindow, user_menu_button);

  lk_admin_window_class_init_actions (widget_class);
}

static void
lk_admin_window_init (LkAdminWindow *self)
{
  g_autoptr(GtkListItemFactory) factory = NULL;
  g_autoptr(GtkBuilder) builder = NULL;
  GSettingsSchemaSource *source;
  g_autoptr(GSettingsSchema) schema = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));
  load_css ();

  self->cancellable = g_cancellable_new ();
  self->user_cancellable = g_cancellable_new ();

  source = g_settings_schema_source_get_default ();
  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, LK_APP_ID, TRUE);
  if (schema != NULL && g_settings_schema_has_key (schema, "admin-server"))
    self->settings = g_settings_new (LK_APP_ID);

  factory = gtk_builder_list_item_factory_new_from_resource (NULL, "/org/latchkey/Latchkey/admin/lk-admin-user-item.ui");
  gtk_list_view_set_factory (self->user_list, factory);
  self->selection = gtk_single_selection_new (NULL);
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  gtk_list_view_set_model (self->user_list, GTK_SELECTION_MODEL (self->selection));
  g_signal_connect_swapped (self->selection, "notify::selected", G_CALLBACK (on_selection_changed), self);
  g_signal_connect_swapped (self->user_list, "activate", G_CALLBACK (on_list_activate), self);
  g_signal_connect_swapped (self->search_entry, "search-changed", G_CALLBACK (on_search_changed), self);
  g_signal_connect_swapped (self->search_entry, "activate", G_CALLBACK (on_search_activate), self);
  g_signal_connect_swapped (self->search_entry, "stop-search", G_CALLBACK (on_stop_search), self);
  gtk_search_entry_set_key_capture_widget (self->search_entry, GTK_WIDGET (self->sidebar));
  /* The model cancels stale searches; a delay here would only add latency. */
  gtk_search_entry_set_search_delay (self->search_entry, 0);
  lk_admin_window_sort_init (self);

  builder = gtk_builder_new_from_resource ("/org/latchkey/Latchkey/admin/lk-admin-shortcuts.ui");
  gtk_application_window_set_help_overlay (GTK_APPLICATION_WINDOW (self),
                                           GTK_SHORTCUTS_WINDOW (gtk_builder_get_object (builder, "help_overlay")));
  update_list_state (self);
}

LkAdminWindow *
lk_admin_window_new_for_backend (GtkApplication *app,
                                 LkBackend      *backend,
                                 const char     *connection_label)
{
  LkAdminWindow *self = g_object_new (LK_TYPE_ADMIN_WINDOW, "application", app, NULL);

  lk_admin_window_set_backend (self, backend, connection_label);
  return self;
}

GtkWindow *
lk_admin_window_new (GtkApplication *app)
{
  LkAdminWindow *self = g_object_new (LK_TYPE_ADMIN_WINDOW, "application", app, NULL);

  lk_admin_window_connect_default (self);
  return GTK_WINDOW (self);
}

LkBackend *
lk_admin_window_get_backend (LkAdminWindow *self)
{
  g_return_val_if_fail (LK_IS_ADMIN_WINDOW (self), NULL);
  return self->backend;
}

const char *
lk_admin_window_get_connection_label (LkAdminWindow *self)
{
  g_return_val_if_fail (LK_IS_ADMIN_WINDOW (self), NULL);
  return self->connection_label;
}
