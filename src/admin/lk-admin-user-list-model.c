/* SPDX-License-Identifier: GPL-3.0-or-later
 * A GListModel of a backend's users that loads pages on demand.
 *
 * n_items is the backend's total for the search, known from the first page.
 * get_item() on a position whose page is not here creates placeholder items
 * for the whole page and asks the backend for it; when the page arrives the
 * placeholders are filled in place (property notifications), so the list
 * neither jumps nor re-creates rows. At most MAX_PAGES pages are kept; the
 * least recently used is dropped and fetched again if it is needed again.
 *
 * Every search gets a generation number and its own GCancellable: a new
 * search cancels the old one, and a late answer of an old generation is
 * dropped, so fast typing never shows a stale result. The backend skips a
 * request cancelled before it started, so typing needs no long debounce.
 *
 * A new result keeps the first page's item objects and fills them in
 * place: the rows on screen only change their labels, and items-changed
 * covers just the positions past them. Building row widgets is what a
 * search cost on screen (docs/performance.md).
 *
 * GtkListView keeps about 200 rows alive, not just the ones on screen, and
 * lays out every row whose texts changed before it paints: refilling all
 * 200 at once cost 20-40 ms of text layout on the first keystroke. So a
 * new result fills FILL_AT_ONCE items at once (more than a window shows),
 * from just above the first row the view shows, and marks the others of
 * the first page stale (not loaded, drawn faint, texts unchanged); a
 * low-priority idle fills them FILL_AT_ONCE at a time after the frame that
 * shows the first ones.
 *
 * The order (login, name, email, last sign-in, creation; either way) is the
 * backend's: find_users' sort and order. */
#include "config.h"

#include <glib/gi18n.h>

#include "lk-admin-backend.h"
#include "lk-admin-user-list-model.h"

#define MAX_PAGES        64
/* Rows refilled before the first frame of a new result, then per idle. */
#define FILL_AT_ONCE     48
/* Rows above the first one shown that are refilled with it. */
#define FILL_ABOVE       4
/* Zero: keystrokes dispatched in one main-loop iteration (a paste, an input
 * method) still make one search, and a search started per keystroke costs
 * nothing once cancelled, since the backend skips it. */
#define DEBOUNCE_MS      0

typedef struct
{
  guint      index;
  GPtrArray *items;       /* LkAdminUserItem, the page's size */
  gboolean   requested;
  gboolean   loaded;
} Page;

struct _LkAdminUserListModel
{
  GObject       parent_instance;

  LkBackend    *backend;
  char         *query;
  char         *pending_query;
  LkUserSort    sort;
  gboolean      descending;

  guint         n_items;
  guint         generation;
  GHashTable   *pages;        /* page index → Page */
  GQueue        lru;          /* page indexes, most recent at the head */
  GCancellable *cancellable;  /* this generation's */
  guint         debounce_id;
  gboolean      loading;
  char         *error;
  gint64        sent_at;
  gint64        last_latency;

  GtkScrollable *view;        /* weak */

  /* The rest of the first page of a new result, filled from an idle. */
  GPtrArray    *deferred_items;
  GPtrArray    *deferred_users;
  guint         deferred_next;
  guint         deferred_id;
};

static void lk_admin_user_list_model_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (LkAdminUserListModel, lk_admin_user_list_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, lk_admin_user_list_model_list_model_init))

enum {
  PROP_0,
  PROP_LOADING,
  PROP_ERROR,
  PROP_N_ITEMS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* What one request needs to find its way back. */
typedef struct
{
  LkAdminUserListModel *self;   /* strong */
  guint                 generation;
  guint                 page;
  gboolean              reset;  /* the first answer of a new search */
} Fetch;

static void
fetch_free (Fetch *fetch)
{
  g_object_unref (fetch->self);
  g_free (fetch);
}

static void
page_free (gpointer data)
{
  Page *page = data;

  g_ptr_array_unref (page->items);
  g_free (page);
}

static void
set_loading (LkAdminUserListModel *self,
             gboolean              loading)
{
  if (self->loading == loading)
    return;
  self->loading = loading;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

static void
set_error (LkAdminUserListModel *self,
           const char           *error)
{
  if (g_strcmp0 (self->error, error) == 0)
    return;
  g_free (self->error);
  self->error = g_strdup (error);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
}

static guint
page_length (LkAdminUserListModel *self,
             guint                 total,
             guint                 page)
{
  guint start = page * LK_ADMIN_USER_PAGE_SIZE;

  if (start >= total)
    return 0;
  return MIN (LK_ADMIN_USER_PAGE_SIZE, total - start);
}

static void
fill_items (GPtrArray *items,
            GPtrArray *users,
            guint      from,
            guint      to)
{
  for (guint i = from; i < to && i < items->len && i < users->len; i++)
    {
      const LkUser *user = g_ptr_array_index (users, i);

      lk_admin_user_item_fill (g_ptr_array_index (items, i),
                               user->login, user->first_name, user->last_name,
                               user->email, user->mobile_phone, user->enabled);
    }
}

static void
fill_page (LkAdminUserListModel *self,
           Page                 *page,
           GPtrArray            *users)
{
  fill_items (page->items, users, 0, page->items->len);
  page->loaded = TRUE;
}

static void
clear_deferred (LkAdminUserListModel *self)
{
  g_clear_handle_id (&self->deferred_id, g_source_remove);
  g_clear_pointer (&self->deferred_items, g_ptr_array_unref);
  g_clear_pointer (&self->deferred_users, g_ptr_array_unref);
}

/* Fills the next FILL_AT_ONCE items; those already filled first cost only
 * the comparisons that find them unchanged. */
static gboolean
fill_deferred (gpointer user_data)
{
  LkAdminUserListModel *self = user_data;
  guint to = self->deferred_next + FILL_AT_ONCE;

  fill_items (self->deferred_items, self->deferred_users, self->deferred_next, to);
  self->deferred_next = to;
  if (to < self->deferred_items->len && to < self->deferred_users->len)
    return G_SOURCE_CONTINUE;
  self->deferred_id = 0;
  clear_deferred (self);
  return G_SOURCE_REMOVE;
}

/* The position of the first row the view shows, from its adjustment over
 * the @n_items it still shows (the rows are all the same height). */
static guint
first_shown (LkAdminUserListModel *self,
             guint                 n_items)
{
  GtkAdjustment *adjustment = self->view ? gtk_scrollable_get_vadjustment (self->view) : NULL;
  double upper;

  if (adjustment == NULL || n_items == 0)
    return 0;
  upper = gtk_adjustment_get_upper (adjustment) - gtk_adjustment_get_lower (adjustment);
  if (upper <= 0)
    return 0;
  return (guint) MIN ((gtk_adjustment_get_value (adjustment) - gtk_adjustment_get_lower (adjustment))
                      / upper * n_items, n_items - 1);
}

/* Fills FILL_AT_ONCE items of a new result's first page now, from just
 * above the first row shown, and the rest from a low-priority idle, so the
 * next frame lays out only the rows a window shows. */
static void
fill_first_page (LkAdminUserListModel *self,
                 Page                 *page,
                 GPtrArray            *users,
                 guint                 shown)
{
  guint length = MIN (page->items->len, users->len);
  guint from = shown > FILL_ABOVE ? shown - FILL_ABOVE : 0;

  clear_deferred (self);
  page->loaded = TRUE;
  if (length <= FILL_AT_ONCE)
    {
      fill_items (page->items, users, 0, length);
      return;
    }
  from = MIN (from, length - FILL_AT_ONCE);
  fill_items (page->items, users, from, from + FILL_AT_ONCE);
  for (guint i = 0; i < page->items->len; i++)
    if (i < from || i >= from + FILL_AT_ONCE)
      lk_admin_user_item_mark_stale (g_ptr_array_index (page->items, i));
  self->deferred_items = g_ptr_array_ref (page->items);
  self->deferred_users = g_ptr_array_ref (users);
  self->deferred_next = 0;
  /* Below GTK's redraw priority: the frame comes first. */
  self->deferred_id = g_idle_add_full (G_PRIORITY_LOW, fill_deferred, self, NULL);
}

static void
touch_page (LkAdminUserListModel *self,
            guint                 index)
{
  GList *link = g_queue_find (&self->lru, GUINT_TO_POINTER (index));

  if (link != NULL)
    g_queue_unlink (&self->lru, link), g_list_free (link);
  g_queue_push_head (&self->lru, GUINT_TO_POINTER (index));

  while (g_queue_get_length (&self->lru) > MAX_PAGES)
    {
      guint victim = GPOINTER_TO_UINT (g_queue_pop_tail (&self->lru));

      /* Rows still showing its items keep them alive; the model just
       * forgets them and fetches the page again if it is asked for. */
      g_hash_table_remove (self->pages, GUINT_TO_POINTER (victim));
    }
}

/* A page of @length items: the first of @reuse (may be NULL), then new
 * placeholders. */
static Page *
new_page_full (LkAdminUserListModel *self,
               guint                 index,
               guint                 length,
               GPtrArray            *reuse)
{
  Page *page = g_new0 (Page, 1);
  guint i = 0;

  page->index = index;
  page->items = g_ptr_array_new_full (length, g_object_unref);
  for (; reuse != NULL && i < length && i < reuse->len; i++)
    g_ptr_array_add (page->items, g_object_ref (g_ptr_array_index (reuse, i)));
  for (; i < length; i++)
    g_ptr_array_add (page->items, lk_admin_user_item_new ());
  g_hash_table_insert (self->pages, GUINT_TO_POINTER (index), page);
  touch_page (self, index);
  return page;
}

static Page *
new_page (LkAdminUserListModel *self,
          guint                 index)
{
  return new_page_full (self, index, page_length (self, self->n_items, index), NULL);
}

static void start_reset (LkAdminUserListModel *self);

static LkApiRequest *
users_request (LkAdminUserListModel *self,
               guint                 offset,
               guint                 limit)
{
  LkApiRequest *request = lk_api_request_new (LK_API_OP_FIND_USERS);

  request->search = g_strdup (self->query);
  request->offset = (int) offset;
  request->limit = (int) limit;
  request->sort = self->sort;
  request->descending = self->descending;
  return request;
}

static void
page_fetched (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Fetch *fetch = user_data;
  LkAdminUserListModel *self = fetch->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(LkApiResponse) response = NULL;
  GPtrArray *users = NULL;
  guint total = 0;
  Page *page;

  response = lk_admin_backend_call_finish (LK_BACKEND (source), result, &error);
  if (response != NULL)
    {
      users = response->users;
      total = response->total;
      if (users == NULL)
        {
          g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("The server sent no user list"));
          g_clear_pointer (&response, lk_api_response_free);
        }
    }

  if (fetch->generation != self->generation || self->backend == NULL)
    goto out;  /* an older search, or a model already disposed */
  if (users == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          set_error (self, error->message);
          set_loading (self, FALSE);
        }
      page = g_hash_table_lookup (self->pages, GUINT_TO_POINTER (fetch->page));
      if (page != NULL)
        page->requested = FALSE;  /* let a later get_item() try again */
      goto out;
    }

  if (fetch->reset)
    {
      guint old = self->n_items;
      g_autoptr(GPtrArray) reuse = NULL;
      guint keep = 0;

      self->last_latency = g_get_monotonic_time () - self->sent_at;
      page = g_hash_table_lookup (self->pages, GUINT_TO_POINTER (0));
      if (page != NULL)
        {
          reuse = g_ptr_array_ref (page->items);
          keep = MIN (reuse->len, MIN (old, total));
        }
      g_hash_table_remove_all (self->pages);
      g_queue_clear (&self->lru);
      set_error (self, NULL);
      /* The first @keep items stay and take the new users in place. Past
       * them, two signals, not one: on a single (keep, old - keep, total -
       * keep) GTK 4.8's list item manager asks for every added item,
       * looking for widgets it can reuse, which would page in the whole
       * result. With nothing removed in the same signal it asks only for
       * the rows it shows. */
      if (total > 0)
        {
          page = new_page_full (self, 0, page_length (self, total, 0), reuse);
          page->requested = TRUE;
          fill_first_page (self, page, users, first_shown (self, old));
        }
      else
        clear_deferred (self);
      self->n_items = keep;
      if (old > keep)
        g_list_model_items_changed (G_LIST_MODEL (self), keep, old - keep, 0);
      self->n_items = total;
      if (total > keep)
        g_list_model_items_changed (G_LIST_MODEL (self), keep, 0, total - keep);
      if (old != total)
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
      set_loading (self, FALSE);
      goto out;
    }

  if (total != self->n_items)
    {
      /* Someone enrolled or deleted a user meanwhile: positions moved. */
      start_reset (self);
      goto out;
    }
  page = g_hash_table_lookup (self->pages, GUINT_TO_POINTER (fetch->page));
  if (page != NULL)
    fill_page (self, page, users);

out:
  fetch_free (fetch);
}

static void
request_page (LkAdminUserListModel *self,
              guint                 index,
              guint                 total,
              gboolean              reset)
{
  Fetch *fetch = g_new0 (Fetch, 1);
  guint length = page_length (self, total, index);

  fetch->self = g_object_ref (self);
  fetch->generation = self->generation;
  fetch->page = index;
  fetch->reset = reset;
  lk_admin_backend_call (self->backend, users_request (self, index * LK_ADMIN_USER_PAGE_SIZE, MAX (length, 1)),
                         self->cancellable, page_fetched, fetch);
}

static void
start_reset (LkAdminUserListModel *self)
{
  g_clear_handle_id (&self->debounce_id, g_source_remove);
  if (self->pending_query != NULL)
    {
      g_free (self->query);
      self->query = g_steal_pointer (&self->pending_query);
    }

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->generation++;
  clear_deferred (self);
  self->sent_at = g_get_monotonic_time ();
  set_loading (self, TRUE);

  if (self->backend == NULL)
    return;
  request_page (self, 0, LK_ADMIN_USER_PAGE_SIZE, TRUE);
}

static gboolean
debounce_fired (gpointer user_data)
{
  LkAdminUserListModel *self = user_data;

  self->debounce_id = 0;
  start_reset (self);
  return G_SOURCE_REMOVE;
}

/* ---- GListModel ---------------------------------------------------------- */

static GType
lk_admin_user_list_model_get_item_type (GListModel *model)
{
  return LK_TYPE_ADMIN_USER_ITEM;
}

static guint
lk_admin_user_list_model_get_n_items (GListModel *model)
{
  return LK_ADMIN_USER_LIST_MODEL (model)->n_items;
}

static gpointer
lk_admin_user_list_model_get_item (GListModel *model,
                                   guint       position)
{
  LkAdminUserListModel *self = LK_ADMIN_USER_LIST_MODEL (model);
  guint index = position / LK_ADMIN_USER_PAGE_SIZE;
  Page *page;

  if (position >= self->n_items)
    return NULL;
  page = g_hash_table_lookup (self->pages, GUINT_TO_POINTER (index));
  if (page == NULL)
    page = new_page (self, index);
  else if (g_queue_peek_head (&self->lru) != GUINT_TO_POINTER (index))
    touch_page (self, index);
  if (!page->requested && self->backend != NULL)
    {
      page->requested = TRUE;
      request_page (self, index, self->n_items, FALSE);
    }
  return g_object_ref (g_ptr_array_index (page->items, position % LK_ADMIN_USER_PAGE_SIZE));
}

static void
lk_admin_user_list_model_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = lk_admin_user_list_model_get_item_type;
  iface->get_n_items = lk_admin_user_list_model_get_n_items;
  iface->get_item = lk_admin_user_list_model_get_item;
}

/* ---- GObject ------------------------------------------------------------- */

static void
lk_admin_user_list_model_dispose (GObject *object)
{
  LkAdminUserListModel *self = LK_ADMIN_USER_LIST_MODEL (object);

  g_clear_handle_id (&self->debounce_id, g_source_remove);
  clear_deferred (self);
  g_clear_weak_pointer (&self->view);
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->backend);
  G_OBJECT_CLASS (lk_admin_user_list_model_parent_class)->dispose (object);
}

static void
lk_admin_user_list_model_finalize (GObject *object)
{
  LkAdminUserListModel *self = LK_ADMIN_USER_LIST_MODEL (object);

  g_hash_table_unref (self->pages);
  g_queue_clear (&self->lru);
  g_free (self->query);
  g_free (self->pending_query);
  g_free (self->error);
  G_OBJECT_CLASS (lk_admin_user_list_model_parent_class)->finalize (object);
}

static void
lk_admin_user_list_model_get_property (GObject    *object,
                                       guint       prop_id,
                                       GValue     *value,
                                       GParamSpec *pspec)
{
  LkAdminUserListModel *self = LK_ADMIN_USER_LIST_MODEL (object);

  switch (prop_id)
    {
    case PROP_LOADING:
      g_value_set_boolean (value, self->loading);
      break;
    case PROP_ERROR:
      g_value_set_string (value, self->error);
      break;
    case PROP_N_ITEMS:
      g_value_set_uint (value, self->n_items);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lk_admin_user_list_model_class_init (LkAdminUserListModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = lk_admin_user_list_model_dispose;
  object_class->finalize = lk_admin_user_list_model_finalize;
  object_class->get_property = lk_admin_user_list_model_get_property;

  properties[PROP_LOADING] =
    g_param_spec_boolean ("loading", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_ERROR] =
    g_param_spec_string ("error", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_N_ITEMS] =
    g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
lk_admin_user_list_model_init (LkAdminUserListModel *self)
{
  self->pages = g_hash_table_new_full (NULL, NULL, NULL, page_free);
  g_queue_init (&self->lru);
  self->query = g_strdup ("");
  self->cancellable = g_cancellable_new ();
}

LkAdminUserListModel *
lk_admin_user_list_model_new (LkBackend *backend)
{
  LkAdminUserListModel *self = g_object_new (LK_TYPE_ADMIN_USER_LIST_MODEL, NULL);

  g_return_val_if_fail (backend == NULL || LK_IS_BACKEND (backend), self);
  self->backend = backend ? g_object_ref (backend) : NULL;
  return self;
}

void
lk_admin_user_list_model_set_query (LkAdminUserListModel *self,
                                    const char           *query,
                                    gboolean              immediate)
{
  g_return_if_fail (LK_IS_ADMIN_USER_LIST_MODEL (self));

  g_free (self->pending_query);
  self->pending_query = g_strstrip (g_strdup (query ? query : ""));
  /* Cancel at once: the old answer is stale from the first new keystroke. */
  g_cancellable_cancel (self->cancellable);
  set_loading (self, TRUE);
  g_clear_handle_id (&self->debounce_id, g_source_remove);
  if (immediate)
    start_reset (self);
  else
    self->debounce_id = g_timeout_add (DEBOUNCE_MS, debounce_fired, self);
}

const char *
lk_admin_user_list_model_get_query (LkAdminUserListModel *self)
{
  g_return_val_if_fail (LK_IS_ADMIN_USER_LIST_MODEL (self), NULL);
  return self->pending_query ? self->pending_query : self->query;
}

void
lk_admin_user_list_model_set_sort (LkAdminUserListModel *self,
                                   LkUserSort            sort,
                                   gboolean              descending)
{
  g_return_if_fail (LK_IS_ADMIN_USER_LIST_MODEL (self));
  g_return_if_fail (sort <= LK_USER_SORT_LAST);

  descending = !!descending;
  if (self->sort == sort && self->descending == descending)
    return;
  self->sort = sort;
  self->descending = descending;
  start_reset (self);
}

LkUserSort
lk_admin_user_list_model_get_sort (LkAdminUserListModel *self,
                                   gboolean             *descending)
{
  g_return_val_if_fail (LK_IS_ADMIN_USER_LIST_MODEL (self), LK_USER_SORT_LOGIN);
  if (descending != NULL)
    *descending = self->descending;
  return self->sort;
}

void
lk_admin_user_list_model_refresh (LkAdminUserListModel *self)
{
  g_return_if_fail (LK_IS_ADMIN_USER_LIST_MODEL (self));
  start_reset (self);
}

void
lk_admin_user_list_model_set_view (LkAdminUserListModel *self,
                                   GtkScrollable        *view)
{
  g_return_if_fail (LK_IS_ADMIN_USER_LIST_MODEL (self));
  g_return_if_fail (view == NULL || GTK_IS_SCROLLABLE (view));

  g_set_weak_pointer (&self->view, view);
}

void
lk_admin_user_list_model_cancel (LkAdminUserListModel *self)
{
  g_return_if_fail (LK_IS_ADMIN_USER_LIST_MODEL (self));

  g_clear_handle_id (&self->debounce_id, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  set_loading (self, FALSE);
}

gboolean
lk_admin_user_list_model_get_loading (LkAdminUserListModel *self)
{
  g_return_val_if_fail (LK_IS_ADMIN_USER_LIST_MODEL (self), FALSE);
  return self->loading;
}

const char *
lk_admin_user_list_model_get_error (LkAdminUserListModel *self)
{
  g_return_val_if_fail (LK_IS_ADMIN_USER_LIST_MODEL (self), NULL);
  return self->error;
}

gint64
lk_admin_user_list_model_get_last_latency (LkAdminUserListModel *self)
{
  g_return_val_if_fail (LK_IS_ADMIN_USER_LIST_MODEL (self), 0);
  return self->last_latency;
}

guint
lk_admin_user_list_model_get_n_cached_pages (LkAdminUserListModel *self)
{
  g_return_val_if_fail (LK_IS_ADMIN_USER_LIST_MODEL (self), 0);
  return g_hash_table_size (self->pages);
}

int
lk_admin_user_list_model_find_loaded (LkAdminUserListModel *self,
                                      const char           *login)
{
  GHashTableIter iter;
  Page *page;

  g_return_val_if_fail (LK_IS_ADMIN_USER_LIST_MODEL (self), -1);

  g_hash_table_iter_init (&iter, self->pages);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &page))
    for (guint i = 0; i < page->items->len; i++)
      {
        LkAdminUserItem *item = g_ptr_array_index (page->items, i);
        const char *here = NULL;

        if (lk_admin_user_item_get_loaded (item))
          here = lk_admin_user_item_get_login (item);
        else if (page->items == self->deferred_items && i < self->deferred_users->len)
          here = ((LkUser *) g_ptr_array_index (self->deferred_users, i))->login;  /* filled within a frame */
        if (here != NULL && g_strcmp0 (here, login) == 0)
          return (int) (page->index * LK_ADMIN_USER_PAGE_SIZE + i);
      }
  return -1;
}
