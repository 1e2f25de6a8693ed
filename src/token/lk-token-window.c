/* SPDX-License-Identifier: GPL-3.0-or-later
 * LkTokenWindow: the token list, search, sort, copy with clipboard clearing, rename and undoable delete. */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "lk-memory.h"
#include "lk-secure.h"
#include "lk-token-intake.h"
#include "lk-token-item.h"
#include "lk-token-row.h"
#include "lk-token-window-private.h"

G_DEFINE_FINAL_TYPE (LkTokenWindow, lk_token_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  SIGNAL_TOKENS_LOADED,
  SIGNAL_INTAKE_DONE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static gint64
now_seconds (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

/* ---- visible page ---- */

static void lk_token_window_show_page (LkTokenWindow *self,
                                       const char    *name);

static void
lk_token_window_update_page (LkTokenWindow *self)
{
  const char *page;

  if (!self->loaded)
    return;

  if (g_list_model_get_n_items (G_LIST_MODEL (self->store)) == 0)
    page = "empty";
  else if (g_list_model_get_n_items (G_LIST_MODEL (self->filtered)) == 0)
    page = "no-results";
  else
    page = "list";

  lk_token_window_show_page (self, page);
}

/* The status pages start hidden (GTK then styles none of their widgets)
 * and without their icons, which are SVGs: looking one up makes GTK load
 * it, and librsvg, at once. Each page is completed when first shown; at
 * start-up the list is what shows. */
static void
lk_token_window_show_page (LkTokenWindow *self,
                           const char    *name)
{
  static const struct { const char *page, *icon; } icons[] = {
    { "empty", "dialog-password-symbolic" },
    { "no-results", "system-search-symbolic" },
    { "error", "dialog-warning-symbolic" },
  };
  GtkWidget *page = gtk_stack_get_child_by_name (GTK_STACK (self->stack), name);

  g_return_if_fail (page != NULL);
  for (guint i = 0; i < G_N_ELEMENTS (icons); i++)
    if (strcmp (name, icons[i].page) == 0 && adw_status_page_get_icon_name (ADW_STATUS_PAGE (page)) == NULL)
      adw_status_page_set_icon_name (ADW_STATUS_PAGE (page), icons[i].icon);
  gtk_widget_set_visible (page, TRUE);
  gtk_stack_set_visible_child (GTK_STACK (self->stack), page);
}

/* ---- timers: one to the next period boundary, one per second for the rings ---- */

static void lk_token_window_schedule (LkTokenWindow *self);

static gboolean
lk_token_window_is_showing (LkTokenWindow *self)
{
  GdkSurface *surface;

  if (!gtk_widget_get_mapped (GTK_WIDGET (self)))
    return FALSE;

  surface = gtk_native_get_surface (GTK_NATIVE (self));
  if (surface != NULL && GDK_IS_TOPLEVEL (surface) &&
      (gdk_toplevel_get_state (GDK_TOPLEVEL (surface)) & GDK_TOPLEVEL_STATE_MINIMIZED))
    return FALSE;

  return TRUE;
}

static void
lk_token_window_stop_timers (LkTokenWindow *self)
{
  g_clear_handle_id (&self->boundary_source, g_source_remove);
  g_clear_handle_id (&self->tick_source, g_source_remove);
}

static gboolean
on_boundary (gpointer user_data)
{
  LkTokenWindow *self = user_data;

  self->boundary_source = 0;
  lk_token_window_schedule (self);
  return G_SOURCE_REMOVE;
}

static void
lk_token_window_tick_rows (LkTokenWindow *self)
{
  gint64 now = now_seconds ();
  GHashTableIter iter;
  gpointer row;

  /* Only the rows on screen: the list view builds no others. */
  g_hash_table_iter_init (&iter, self->bound_rows);
  while (g_hash_table_iter_next (&iter, &row, NULL))
    lk_token_row_tick (row, now);
}

static gboolean
on_tick (gpointer user_data)
{
  LkTokenWindow *self = user_data;

  lk_token_window_tick_rows (self);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_first_tick (gpointer user_data)
{
  LkTokenWindow *self = user_data;

  /* Now on a whole second: tick once a second from here. */
  lk_token_window_tick_rows (self);
  self->tick_source = g_timeout_add_seconds_full (G_PRIORITY_DEFAULT, 1, on_tick, self, NULL);
  if (self->tick_source == 0)
    return G_SOURCE_REMOVE;
  /* g_timeout_add_seconds may coalesce with other wakeups; rings that
   * are a fraction late are fine, codes are not driven by this timer. */
  return G_SOURCE_REMOVE;
}

/* Recomputes the codes whose period ended and arms one timeout for the
 * earliest next boundary. Nothing is armed while the window is hidden. */
static void
lk_token_window_schedule (LkTokenWindow *self)
{
  gint64 now_us = g_get_real_time ();
  gint64 now = now_us / G_USEC_PER_SEC;
  gint64 next = G_MAXINT64;
  guint n;

  g_clear_handle_id (&self->boundary_source, g_source_remove);

  if (!lk_token_window_is_showing (self))
    {
      lk_token_window_stop_timers (self);
      return;
    }

  n = g_list_model_get_n_items (G_LIST_MODEL (self->store));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(LkTokenItem) item = g_list_model_get_item (G_LIST_MODEL (self->store), i);

      next = MIN (next, lk_token_item_refresh (item, now));
    }

  if (next != G_MAXINT64)
    {
      gint64 delay_ms = (next * G_USEC_PER_SEC - now_us) / 1000 + 1;

      self->boundary_source = g_timeout_add_full (G_PRIORITY_HIGH_IDLE, (guint) MAX (delay_ms, 1),
                                                  on_boundary, self, NULL);
    }

  if (self->tick_source == 0 && next != G_MAXINT64)
    {
      gint64 to_second_ms = (G_USEC_PER_SEC - now_us % G_USEC_PER_SEC) / 1000 + 1;

      self->tick_source = g_timeout_add_full (G_PRIORITY_DEFAULT, (guint) to_second_ms,
                                              on_first_tick, self, NULL);
    }
  else if (self->tick_source != 0 && next == G_MAXINT64)
    {
      g_clear_handle_id (&self->tick_source, g_source_remove);
    }
}

static void
on_surface_state_changed (LkTokenWindow *self)
{
  if (lk_token_window_is_showing (self))
    lk_token_window_schedule (self);
  else
    lk_token_window_stop_timers (self);
}

static void
lk_token_window_map (GtkWidget *widget)
{
  LkTokenWindow *self = LK_TOKEN_WINDOW (widget);
  GdkSurface *surface;

  GTK_WIDGET_CLASS (lk_token_window_parent_class)->map (widget);

  surface = gtk_native_get_surface (GTK_NATIVE (self));
  if (surface != NULL)
    g_signal_connect_object (surface, "notify::state", G_CALLBACK (on_surface_state_changed),
                             self, G_CONNECT_SWAPPED);
  lk_token_window_schedule (self);
}

static void
lk_token_window_unmap (GtkWidget *widget)
{
  LkTokenWindow *self = LK_TOKEN_WINDOW (widget);
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (self));

  if (surface != NULL)
    g_signal_handlers_disconnect_by_func (surface, on_surface_state_changed, self);
  lk_token_window_stop_timers (self);

  GTK_WIDGET_CLASS (lk_token_window_parent_class)->unmap (widget);
}

/* ---- list model ---- */

static gboolean
filter_item (gpointer item,
             gpointer user_data)
{
  LkTokenWindow *self = user_data;

  return lk_token_item_matches (item, self->query);
}

static int
compare_text (const char *a,
              const char *b)
{
  g_autofree char *ka = g_utf8_collate_key (a, -1);
  g_autofree char *kb = g_utf8_collate_key (b, -1);

  return strcmp (ka, kb);
}

static int
sort_items (gconstpointer a,
            gconstpointer b,
            gpointer      user_data)
{
  LkTokenWindow *self = user_data;
  LkTokenItem *ia = (LkTokenItem *) a;
  LkTokenItem *ib = (LkTokenItem *) b;
  int order = g_settings_get_enum (self->settings, "token-sort");
  int result = 0;

  switch (order)
    {
    case 1: /* account */
      result = compare_text (lk_token_item_get_account (ia), lk_token_item_get_account (ib));
      if (result == 0)
        result = compare_text (lk_token_item_get_issuer (ia), lk_token_item_get_issuer (ib));
      break;
    case 2: /* added */
      {
        gint64 ca = lk_token_item_get_token (ia)->created;
        gint64 cb = lk_token_item_get_token (ib)->created;

        result = ca < cb ? -1 : (ca > cb ? 1 : 0);
      }
      break;
    default: /* issuer */
      result = compare_text (lk_token_item_get_issuer (ia), lk_token_item_get_issuer (ib));
      if (result == 0)
        result = compare_text (lk_token_item_get_account (ia), lk_token_item_get_account (ib));
      break;
    }

  if (result == 0)
    result = strcmp (lk_token_item_get_id (ia), lk_token_item_get_id (ib));
  return result;
}

static void
setup_row (GtkSignalListItemFactory *factory,
           GtkListItem              *list_item,
           gpointer                  user_data)
{
  gtk_list_item_set_child (list_item, lk_token_row_new ());
}

static void
bind_row (GtkSignalListItemFactory *factory,
          GtkListItem              *list_item,
          gpointer                  user_data)
{
  LkTokenWindow *self = user_data;
  GtkWidget *row = gtk_list_item_get_child (list_item);

  lk_token_row_bind (LK_TOKEN_ROW (row), gtk_list_item_get_item (list_item),
                     g_settings_get_boolean (self->settings, "hide-codes"));
  g_hash_table_add (self->bound_rows, row);
}

static void
unbind_row (GtkSignalListItemFactory *factory,
            GtkListItem              *list_item,
            gpointer                  user_data)
{
  LkTokenWindow *self = user_data;
  GtkWidget *row = gtk_list_item_get_child (list_item);

  if (self->bound_rows != NULL)
    g_hash_table_remove (self->bound_rows, row);
  lk_token_row_unbind (LK_TOKEN_ROW (row));
}

static void
teardown_row (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              gpointer                  user_data)
{
  LkTokenWindow *self = user_data;

  if (self->bound_rows != NULL)
    g_hash_table_remove (self->bound_rows, gtk_list_item_get_child (list_item));
}

static void
on_filtered_changed (LkTokenWindow *self)
{
  lk_token_window_update_page (self);
}

static LkTokenItem *
lk_token_window_find_item (LkTokenWindow *self,
                           const char    *id,
                           guint         *out_position)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->store));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(LkTokenItem) item = g_list_model_get_item (G_LIST_MODEL (self->store), i);

      if (g_strcmp0 (lk_token_item_get_id (item), id) == 0)
        {
          if (out_position != NULL)
            *out_position = i;
          return item;   /* the store keeps its reference */
        }
    }

  return NULL;
}

/* The loading page stays blank for a keyring that answers quickly. */
#define SPINNER_DELAY_MS 400

static gboolean
on_spinner_delay (gpointer user_data)
{
  LkTokenWindow *self = user_data;

  self->spinner_source = 0;
  gtk_spinner_start (GTK_SPINNER (self->loading_spinner));
  return G_SOURCE_REMOVE;
}

static void
lk_token_window_stop_spinner (LkTokenWindow *self)
{
  g_clear_handle_id (&self->spinner_source, g_source_remove);
  gtk_spinner_stop (GTK_SPINNER (self->loading_spinner));
}

/* Once the first list is on screen, start-up's leftovers go back to the
 * kernel: the free pages of the heap (D-Bus replies, the secrets'
 * buffers, CSS parsing) and the ~650 KiB of main-thread stack that
 * libadwaita's style sheet left touched (lk-memory.c). A low-priority
 * idle runs after the frame that shows the codes. */
static gboolean
on_release_start_up_memory (gpointer user_data)
{
  LkTokenWindow *self = user_data;

  self->release_source = 0;
  lk_memory_release_unused ();
  return G_SOURCE_REMOVE;
}

static void
on_list_ready (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(LkTokenWindow) self = user_data;
  g_autoptr(GPtrArray) tokens = NULL;
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GError) error = NULL;

  tokens = lk_wallet_list_finish (LK_WALLET (source), result, &error);
  if (tokens == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      lk_token_window_stop_spinner (self);
      adw_status_page_set_description (ADW_STATUS_PAGE (self->error_page), error->message);
      lk_token_window_show_page (self, "error");
      g_signal_emit (self, signals[SIGNAL_TOKENS_LOADED], 0);
      return;
    }

  items = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < tokens->len; i++)
    {
      LkWalletToken *token = g_ptr_array_index (tokens, i);

      /* A token whose deletion awaits its undo timeout stays out. */
      if (g_hash_table_contains (self->pending_deletes, token->id))
        continue;
      g_ptr_array_add (items, lk_token_item_new (lk_wallet_token_copy (token)));
    }

  lk_token_window_stop_spinner (self);
  if (!self->loaded)
    self->release_source = g_idle_add_full (G_PRIORITY_LOW, on_release_start_up_memory, self, NULL);
  self->loaded = TRUE;
  g_list_store_splice (self->store, 0, g_list_model_get_n_items (G_LIST_MODEL (self->store)),
                       items->pdata, items->len);
  lk_token_window_update_page (self);
  lk_token_window_schedule (self);
  g_signal_emit (self, signals[SIGNAL_TOKENS_LOADED], 0);
}

void
lk_token_window_reload (LkTokenWindow *self)
{
  g_return_if_fail (LK_IS_TOKEN_WINDOW (self));

  if (self->spinner_source == 0 && !gtk_spinner_get_spinning (GTK_SPINNER (self->loading_spinner)))
    self->spinner_source = g_timeout_add (SPINNER_DELAY_MS, on_spinner_delay, self);
  lk_wallet_list_async (self->wallet, self->cancellable, on_list_ready, g_object_ref (self));
}

/* ---- search ---- */

void
lk_token_window_set_search (LkTokenWindow *self,
                            const char    *text)
{
  g_return_if_fail (LK_IS_TOKEN_WINDOW (self));

  g_free (self->query);
  self->query = text != NULL ? g_utf8_casefold (text, -1) : NULL;
  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
  lk_token_window_update_page (self);
}

static void
on_search_changed (LkTokenWindow *self)
{
  lk_token_window_set_search (self, gtk_editable_get_text (GTK_EDITABLE (self->search_entry)));
}

static void
on_search_activate (LkTokenWindow *self)
{
  /* Enter in the search field copies the first match: search, Enter, paste. */
  if (lk_token_window_count_rows (self) > 0)
    lk_token_window_activate (self, 0);
}

/* ---- clipboard ---- */

static void
lk_token_window_clear_clipboard (LkTokenWindow *self)
{
  GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (self));

  g_clear_handle_id (&self->clipboard_source, g_source_remove);

  /* Only when the clipboard still holds our code: whatever the user
   * copied since is theirs. */
  if (self->clipboard_content != NULL && gdk_clipboard_get_content (clipboard) == self->clipboard_content)
    gdk_clipboard_set_content (clipboard, NULL);

  g_clear_object (&self->clipboard_content);
}

static gboolean
on_clipboard_timeout (gpointer user_data)
{
  LkTokenWindow *self = user_data;

  self->clipboard_source = 0;
  lk_token_window_clear_clipboard (self);
  return G_SOURCE_REMOVE;
}

static void
lk_token_window_copy_code (LkTokenWindow *self,
                           LkTokenItem   *item)
{
  GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (self));
  const char *code = lk_token_item_get_code (item);
  guint delay = g_settings_get_uint (self->settings, "clipboard-clear-delay");
  g_autoptr(GBytes) bytes = NULL;

  if (code == NULL)
    return;

  lk_token_window_clear_clipboard (self);

  bytes = g_bytes_new (code, strlen (code));
  self->clipboard_content = gdk_content_provider_new_for_bytes ("text/plain;charset=utf-8", bytes);
  gdk_clipboard_set_content (clipboard, self->clipboard_content);
  if (delay > 0)
    self->clipboard_source = g_timeout_add_seconds (delay, on_clipboard_timeout, self);

  lk_token_item_set_revealed (item, TRUE);
  lk_token_window_toast (self, _("Code copied"));
}

typedef struct
{
  LkTokenWindow *self;
  char          *id;
  gboolean       copy;
} NextCodeData;

static void
on_next_code_ready (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  NextCodeData *data = user_data;
  LkTokenWindow *self = data->self;
  g_autoptr(GError) error = NULL;
  LkTokenItem *item;
  char *code;

  code = lk_wallet_next_hotp_code_finish (LK_WALLET (source), result, &error);
  if (code == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        lk_token_window_toast (self, error->message);
    }
  else
    {
      item = lk_token_window_find_item (self, data->id, NULL);
      if (item != NULL)
        {
          lk_token_item_set_code (item, code);
          if (data->copy)
            lk_token_window_copy_code (self, item);
        }
      lk_secure_str_free (code);
    }

  g_object_unref (data->self);
  g_free (data->id);
  g_free (data);
}

static void
lk_token_window_next_code (LkTokenWindow *self,
                           const char    *id,
                           gboolean       copy)
{
  NextCodeData *data = g_new0 (NextCodeData, 1);

  data->self = g_object_ref (self);
  data->id = g_strdup (id);
  data->copy = copy;
  /* Not cancellable: once the counter moved, its code must be shown. */
  lk_wallet_next_hotp_code_async (self->wallet, id, NULL, on_next_code_ready, data);
}

void
lk_token_window_copy_item_code (LkTokenWindow *self,
                                const char    *id)
{
  LkTokenItem *item;

  g_return_if_fail (LK_IS_TOKEN_WINDOW (self));

  item = lk_token_window_find_item (self, id, NULL);
  if (item == NULL)
    return;

  if (lk_token_item_get_code (item) == NULL && lk_token_item_is_hotp (item))
    {
      lk_token_window_next_code (self, id, TRUE);
      return;
    }
  lk_token_window_copy_code (self, item);
}

static void
on_activate (LkTokenWindow *self,
             guint          position)
{
  g_autoptr(LkTokenItem) item = g_list_model_get_item (G_LIST_MODEL (self->filtered), position);

  if (item != NULL)
    lk_token_window_copy_item_code (self, lk_token_item_get_id (item));
}

void
lk_token_window_activate (LkTokenWindow *self,
                          guint          position)
{
  g_return_if_fail (LK_IS_TOKEN_WINDOW (self));

  on_activate (self, position);
}

LkTokenItem *
lk_token_window_get_item (LkTokenWindow *self,
                          guint          position)
{
  g_autoptr(LkTokenItem) item = NULL;

  g_return_val_if_fail (LK_IS_TOKEN_WINDOW (self), NULL);

  item = g_list_model_get_item (G_LIST_MODEL (self->filtered), position);
  /* The filter model keeps its own reference. */
  return item;
}

GtkWidget *
lk_token_window_get_row (LkTokenWindow *self,
                         guint          position)
{
  LkTokenItem *item = lk_token_window_get_item (self, position);
  GHashTableIter iter;
  gpointer row;

  g_hash_table_iter_init (&iter, self->bound_rows);
  while (g_hash_table_iter_next (&iter, &row, NULL))
    if (lk_token_row_get_item (row) == item)
      return row;
  return NULL;
}

/* ---- actions ---- */

static void
copy_token_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  lk_token_window_copy_item_code (LK_TOKEN_WINDOW (widget), g_variant_get_string (parameter, NULL));
}

static void
next_code_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  lk_token_window_next_code (LK_TOKEN_WINDOW (widget), g_variant_get_string (parameter, NULL), FALSE);
}

static void
reload_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  LkTokenWindow *self = LK_TOKEN_WINDOW (widget);

  lk_token_window_show_page (self, "loading");
  lk_token_window_reload (self);
}

static void
search_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  LkTokenWindow *self = LK_TOKEN_WINDOW (widget);

  gtk_search_bar_set_search_mode (GTK_SEARCH_BAR (self->search_bar), TRUE);
  gtk_widget_grab_focus (self->search_entry);
}

/* Rename */

typedef struct
{
  LkTokenWindow *self;
  char          *id;
  GtkWidget     *issuer_row;
  GtkWidget     *account_row;
} RenameData;

static void
rename_data_free (RenameData *data)
{
  g_object_unref (data->self);
  g_free (data->id);
  g_free (data);
}

static void
on_rename_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(LkTokenWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!lk_wallet_rename_finish (LK_WALLET (source), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        lk_token_window_toast (self, error->message);
      return;
    }
  lk_token_window_toast (self, _("Token renamed"));
  lk_token_window_reload (self);
}

static void
on_rename_response (AdwMessageDialog *dialog,
                    const char       *response,
                    RenameData       *data)
{
  if (g_str_equal (response, "rename"))
    {
      const char *issuer = gtk_editable_get_text (GTK_EDITABLE (data->issuer_row));
      const char *account = gtk_editable_get_text (GTK_EDITABLE (data->account_row));

      lk_wallet_rename_async (data->self->wallet, data->id, issuer, account,
                              data->self->cancellable, on_rename_done, g_object_ref (data->self));
    }
}

static void
on_rename_changed (RenameData *data)
{
  g_autofree char *account = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (data->account_row))));
  const char *issuer = gtk_editable_get_text (GTK_EDITABLE (data->issuer_row));
  gboolean ok = *account != '\0' && strchr (issuer, ':') == NULL;
  GtkWidget *dialog = gtk_widget_get_ancestor (data->account_row, ADW_TYPE_MESSAGE_DIALOG);

  if (strchr (issuer, ':') != NULL)
    gtk_widget_add_css_class (data->issuer_row, "error");
  else
    gtk_widget_remove_css_class (data->issuer_row, "error");
  if (dialog != NULL)
    adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (dialog), "rename", ok);
}

static void
rename_token_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  LkTokenWindow *self = LK_TOKEN_WINDOW (widget);
  const char *id = g_variant_get_string (parameter, NULL);
  LkTokenItem *item = lk_token_window_find_item (self, id, NULL);
  GtkWidget *dialog;
  GtkWidget *list;
  RenameData *data;

  if (item == NULL)
    return;

  data = g_new0 (RenameData, 1);
  data->self = g_object_ref (self);
  data->id = g_strdup (id);

  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Rename Token"), NULL);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "rename", _("_Rename"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "rename", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "rename");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");

  list = gtk_list_box_new ();
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  data->issuer_row = adw_entry_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (data->issuer_row), _("Issuer"));
  gtk_editable_set_text (GTK_EDITABLE (data->issuer_row), lk_token_item_get_issuer (item));
  data->account_row = adw_entry_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (data->account_row), _("Account"));
  gtk_editable_set_text (GTK_EDITABLE (data->account_row), lk_token_item_get_account (item));
  adw_entry_row_set_activates_default (ADW_ENTRY_ROW (data->account_row), TRUE);
  gtk_list_box_append (GTK_LIST_BOX (list), data->issuer_row);
  gtk_list_box_append (GTK_LIST_BOX (list), data->account_row);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), list);

  g_signal_connect_swapped (data->issuer_row, "changed", G_CALLBACK (on_rename_changed), data);
  g_signal_connect_swapped (data->account_row, "changed", G_CALLBACK (on_rename_changed), data);
  g_signal_connect_data (dialog, "response", G_CALLBACK (on_rename_response), data,
                         (GClosureNotify) (void (*) (void)) rename_data_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* Delete, with undo */

static void
on_remove_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GApplication) app = user_data;
  g_autoptr(GError) error = NULL;

  if (!lk_wallet_remove_finish (LK_WALLET (source), result, &error) &&
      !g_error_matches (error, LK_WALLET_ERROR, LK_WALLET_ERROR_NOT_FOUND))
    g_warning ("Could not delete a token: %s", error->message);

  if (app != NULL)
    g_application_release (app);
}

static void
lk_token_window_commit_delete (LkTokenWindow *self,
                               const char    *id)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  if (!g_hash_table_remove (self->pending_deletes, id))
    return;

  /* Hold the application so closing the window right after "Delete"
   * still deletes. Not cancellable for the same reason. */
  if (app != NULL)
    g_application_hold (G_APPLICATION (app));
  lk_wallet_remove_async (self->wallet, id, NULL, on_remove_done, app != NULL ? g_object_ref (app) : NULL);
}

static void
on_delete_toast_dismissed (AdwToast *toast,
                           gpointer  user_data)
{
  LkTokenWindow *self = LK_TOKEN_WINDOW (user_data);
  const char *id = g_object_get_data (G_OBJECT (toast), "lk-token-id");

  lk_token_window_commit_delete (self, id);
}

static void
on_delete_undo (AdwToast *toast,
                gpointer  user_data)
{
  LkTokenWindow *self = LK_TOKEN_WINDOW (user_data);
  const char *id = g_object_get_data (G_OBJECT (toast), "lk-token-id");
  LkTokenItem *item = g_hash_table_lookup (self->pending_deletes, id);

  if (item == NULL)
    return;

  g_list_store_append (self->store, item);
  g_hash_table_remove (self->pending_deletes, id);
  lk_token_window_update_page (self);
  lk_token_window_schedule (self);
}

static void
delete_token_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  LkTokenWindow *self = LK_TOKEN_WINDOW (widget);
  const char *id = g_variant_get_string (parameter, NULL);
  g_autofree char *title = NULL;
  g_autofree char *name = NULL;
  LkTokenItem *item;
  AdwToast *toast;
  guint position;

  item = lk_token_window_find_item (self, id, &position);
  if (item == NULL)
    return;

  name = lk_wallet_token_dup_name (lk_token_item_get_token (item));
  g_hash_table_insert (self->pending_deletes, g_strdup (id), g_object_ref (item));
  g_list_store_remove (self->store, position);
  lk_token_window_update_page (self);

  title = g_strdup_printf (_("“%s” deleted"), name);
  toast = adw_toast_new (title);
  adw_toast_set_button_label (toast, _("_Undo"));
  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  adw_toast_set_timeout (toast, 5);
  g_object_set_data_full (G_OBJECT (toast), "lk-token-id", g_strdup (id), g_free);
  g_signal_connect_object (toast, "button-clicked", G_CALLBACK (on_delete_undo), self, 0);
  g_signal_connect_object (toast, "dismissed", G_CALLBACK (on_delete_toast_dismissed), self, 0);
  if (self->delete_toast != NULL)
    g_object_remove_weak_pointer (G_OBJECT (self->delete_toast), (gpointer *) &self->delete_toast);
  self->delete_toast = toast;
  g_object_add_weak_pointer (G_OBJECT (toast), (gpointer *) &self->delete_toast);
  adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (self->toast_overlay), toast);
}

/* ---- settings ---- */

static void
on_hide_codes_changed (LkTokenWindow *self)
{
  gboolean hide = g_settings_get_boolean (self->settings, "hide-codes");
  GHashTableIter iter;
  gpointer row;

  g_hash_table_iter_init (&iter, self->bound_rows);
  while (g_hash_table_iter_next (&iter, &row, NULL))
    lk_token_row_set_hide_codes (row, hide);
}

static void
on_sort_changed (LkTokenWindow *self)
{
  gtk_sorter_changed (GTK_SORTER (self->sorter), GTK_SORTER_CHANGE_DIFFERENT);
}

/* ---- life cycle ---- */

static gboolean
lk_token_window_close_request (GtkWindow *window)
{
  LkTokenWindow *self = LK_TOKEN_WINDOW (window);
  g_autoptr(GList) pending = g_hash_table_get_keys (self->pending_deletes);
  int width, height;

  /* A deletion still waiting for its undo timeout happens now. */
  for (GList *l = pending; l != NULL; l = l->next)
    {
      g_autofree char *id = g_strdup (l->data);
      lk_token_window_commit_delete (self, id);
    }

  /* A code left on the clipboard would outlive the window's timer. */
  lk_token_window_clear_clipboard (self);

  gtk_window_get_default_size (window, &width, &height);
  g_settings_set_int (self->settings, "window-width", width);
  g_settings_set_int (self->settings, "window-height", height);
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));

  g_cancellable_cancel (self->cancellable);

  return GTK_WINDOW_CLASS (lk_token_window_parent_class)->close_request (window);
}

static void
lk_token_window_dispose (GObject *object)
{
  LkTokenWindow *self = LK_TOKEN_WINDOW (object);

  lk_token_window_stop_timers (self);
  g_clear_handle_id (&self->spinner_source, g_source_remove);
  g_clear_handle_id (&self->release_source, g_source_remove);
  if (self->delete_toast != NULL)
    g_object_remove_weak_pointer (G_OBJECT (self->delete_toast), (gpointer *) &self->delete_toast);
  self->delete_toast = NULL;
  g_clear_handle_id (&self->clipboard_source, g_source_remove);
  g_clear_object (&self->clipboard_content);
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (object), LK_TYPE_TOKEN_WINDOW);
  g_clear_pointer (&self->bound_rows, g_hash_table_unref);

  G_OBJECT_CLASS (lk_token_window_parent_class)->dispose (object);
}

static void
lk_token_window_finalize (GObject *object)
{
  LkTokenWindow *self = LK_TOKEN_WINDOW (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->wallet);
  g_clear_object (&self->settings);
  g_clear_object (&self->store);
  g_clear_object (&self->sorted);
  g_clear_object (&self->filtered);
  g_clear_pointer (&self->pending_deletes, g_hash_table_unref);
  g_free (self->query);

  G_OBJECT_CLASS (lk_token_window_parent_class)->finalize (object);
}

static void
lk_token_window_class_init (LkTokenWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = lk_token_window_dispose;
  object_class->finalize = lk_token_window_finalize;
  widget_class->map = lk_token_window_map;
  widget_class->unmap = lk_token_window_unmap;
  window_class->close_request = lk_token_window_close_request;

  /**
   * LkTokenWindow::tokens-loaded:
   *
   * Emitted each time the list has been (re)read from the wallet, or the
   * wallet failed and the error page is shown.
   */
  signals[SIGNAL_TOKENS_LOADED] =
    g_signal_new ("tokens-loaded", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /**
   * LkTokenWindow::intake-done:
   * @ok: whether tokens were stored
   * @message: what the user was told
   *
   * Emitted when an attempt to add tokens (file, clipboard, camera,
   * screen, manual entry) has ended.
   */
  signals[SIGNAL_INTAKE_DONE] =
    g_signal_new ("intake-done", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_BOOLEAN, G_TYPE_STRING);

  lk_token_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class, "/org/latchkey/Latchkey/ui/lk-token-window.ui");
  gtk_widget_class_bind_template_child (widget_class, LkTokenWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, LkTokenWindow, add_button);
  gtk_widget_class_bind_template_child (widget_class, LkTokenWindow, menu_button);
  gtk_widget_class_bind_template_child (widget_class, LkTokenWindow, add_menu);
  gtk_widget_class_bind_template_child (widget_class, LkTokenWindow, primary_menu);
  gtk_widget_class_bind_template_child (widget_class, LkTokenWindow, search_bar);
  gtk_widget_class_bind_template_child (widget_class, LkTokenWindow, search_button);
  gtk_widget_class_bind_template_child (widget_class, LkTokenWindow, search_entry);
  gtk_widget_class_bind_template_child (widget_class, LkTokenWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, LkTokenWindow, loading_spinner);
  gtk_widget_class_bind_template_child (widget_class, LkTokenWindow, list_view);
  gtk_widget_class_bind_template_child (widget_class, LkTokenWindow, error_page);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_search_activate);
  gtk_widget_class_bind_template_callback (widget_class, on_activate);

  gtk_widget_class_install_action (widget_class, "win.copy-token", "s", copy_token_action);
  gtk_widget_class_install_action (widget_class, "win.next-code", "s", next_code_action);
  gtk_widget_class_install_action (widget_class, "win.rename-token", "s", rename_token_action);
  gtk_widget_class_install_action (widget_class, "win.delete-token", "s", delete_token_action);
  gtk_widget_class_install_action (widget_class, "win.reload", NULL, reload_action);
  gtk_widget_class_install_action (widget_class, "win.search", NULL, search_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "win.search", NULL);

  lk_token_window_install_intake (widget_class);
  lk_token_window_install_import (widget_class);
  lk_token_window_install_activation (widget_class);
}

static void
lk_token_window_load_css (void)
{
  static gboolean loaded;
  g_autoptr(GtkCssProvider) provider = NULL;

  if (loaded)
    return;
  loaded = TRUE;

  provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (provider, "/org/latchkey/Latchkey/token/lk-token.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
}

/* A menu button's popover holds a widget per item, built as soon as it
 * has a model (about 430 KiB for the two header menus), so each gets its
 * model only when first opened; a click, F10 and the shortcuts all come
 * through here. */
static void
give_menu_on_popup (GtkMenuButton *button,
                    gpointer       model)
{
  if (gtk_menu_button_get_menu_model (button) == NULL)
    gtk_menu_button_set_menu_model (button, model);
}

static void
lk_token_window_init (LkTokenWindow *self)
{
  GAction *action;

  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_menu_button_set_create_popup_func (GTK_MENU_BUTTON (self->add_button), give_menu_on_popup,
                                         self->add_menu, NULL);
  gtk_menu_button_set_create_popup_func (GTK_MENU_BUTTON (self->menu_button), give_menu_on_popup,
                                         self->primary_menu, NULL);
  lk_token_window_load_css ();

  self->wallet = lk_wallet_new ();
  self->settings = g_settings_new (LK_APP_ID);
  self->cancellable = g_cancellable_new ();
  self->pending_deletes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);

  self->store = g_list_store_new (LK_TYPE_TOKEN_ITEM);
  self->sorter = gtk_custom_sorter_new (sort_items, self, NULL);
  self->sorted = gtk_sort_list_model_new (G_LIST_MODEL (g_object_ref (self->store)), GTK_SORTER (self->sorter));
  self->filter = gtk_custom_filter_new (filter_item, self, NULL);
  self->filtered = gtk_filter_list_model_new (G_LIST_MODEL (g_object_ref (self->sorted)), GTK_FILTER (self->filter));
  self->bound_rows = g_hash_table_new (NULL, NULL);
  {
    GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
    GtkNoSelection *selection = gtk_no_selection_new (G_LIST_MODEL (g_object_ref (self->filtered)));

    g_signal_connect (factory, "setup", G_CALLBACK (setup_row), self);
    g_signal_connect (factory, "bind", G_CALLBACK (bind_row), self);
    g_signal_connect (factory, "unbind", G_CALLBACK (unbind_row), self);
    g_signal_connect (factory, "teardown", G_CALLBACK (teardown_row), self);
    gtk_grid_view_set_factory (GTK_GRID_VIEW (self->list_view), factory);
    gtk_grid_view_set_model (GTK_GRID_VIEW (self->list_view), GTK_SELECTION_MODEL (selection));
    g_object_unref (factory);
    g_object_unref (selection);
  }
  g_signal_connect_object (self->filtered, "items-changed", G_CALLBACK (on_filtered_changed),
                           self, G_CONNECT_SWAPPED);

  /* Type anywhere in the window to start searching. */
  gtk_search_bar_set_key_capture_widget (GTK_SEARCH_BAR (self->search_bar), GTK_WIDGET (self));
  gtk_search_bar_connect_entry (GTK_SEARCH_BAR (self->search_bar), GTK_EDITABLE (self->search_entry));

  action = g_settings_create_action (self->settings, "hide-codes");
  g_action_map_add_action (G_ACTION_MAP (self), action);
  g_object_unref (action);
  action = g_settings_create_action (self->settings, "token-sort");
  g_action_map_add_action (G_ACTION_MAP (self), action);
  g_object_unref (action);
  g_signal_connect_object (self->settings, "changed::hide-codes", G_CALLBACK (on_hide_codes_changed),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::token-sort", G_CALLBACK (on_sort_changed),
                           self, G_CONNECT_SWAPPED);

  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  lk_token_window_init_intake (self);

  lk_token_window_show_page (self, "loading");
  lk_token_window_reload (self);
}

GtkWindow *
lk_token_window_new (GtkApplication *app)
{
  return g_object_new (LK_TYPE_TOKEN_WINDOW, "application", app, NULL);
}

guint
lk_token_window_count_rows (LkTokenWindow *self)
{
  g_return_val_if_fail (LK_IS_TOKEN_WINDOW (self), 0);
  return g_list_model_get_n_items (G_LIST_MODEL (self->filtered));
}

void
lk_token_window_toast (LkTokenWindow *self,
                       const char    *title)
{
  AdwToast *toast = adw_toast_new (title);

  adw_toast_set_timeout (toast, 3);
  adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (self->toast_overlay), toast);
}

void
lk_token_window_report_intake (LkTokenWindow *self,
                               gboolean       ok,
                               const char    *message)
{
  g_signal_emit (self, signals[SIGNAL_INTAKE_DONE], 0, ok, message);
}
