/* SPDX-License-Identifier: GPL-3.0-or-later
 * Internals shared by lk-admin-window.c (layout, list, connection) and
 * lk-admin-window-actions.c (the calls behind every action). */
#pragma once

#include "lk-admin-window.h"
#include "lk-admin-user-list-model.h"
#include "lk-admin-user-page.h"

G_BEGIN_DECLS

struct _LkAdminWindow
{
  AdwApplicationWindow  parent_instance;

  /* template */
  AdwToastOverlay      *toast_overlay;
  AdwLeaflet           *leaflet;
  GtkWidget            *sidebar;
  GtkWidget            *content;
  AdwWindowTitle       *connection_title;
  AdwWindowTitle       *user_title;
  GtkSpinner           *busy_spinner;
  GtkSearchEntry       *search_entry;
  GtkMenuButton        *sort_button;
  GSimpleActionGroup   *sort_actions;    /* "sort.by", "sort.order" (lk-admin-window-sort.c) */
  GtkStack             *list_stack;
  GtkListView          *user_list;
  AdwStatusPage        *empty_page;
  AdwStatusPage        *error_page;
  GtkLabel             *count_label;
  GtkStack             *content_stack;
  LkAdminUserPage      *user_page;
  GtkMenuButton        *user_menu_button;

  /* state */
  LkBackend            *backend;
  char                 *connection_label;
  GCancellable         *cancellable;       /* every call; cancelled on close */
  GCancellable         *user_cancellable;  /* loading the selected user; cancelled on switch */
  LkAdminUserListModel *model;
  GtkSingleSelection   *selection;
  guint                 busy;              /* calls in flight */
  char                 *selected_login;
  GSettings            *settings;          /* nullable: no schema installed */
  char                 *connect_error;     /* why there is no backend, or NULL */
  guint                 reselect_id;
  guint                 spinner_id;        /* the spinner's start delay */
  AdwToast             *last_toast;        /* weak */
};

/* One call in flight: keeps the window (and an optional dialog) alive until
 * its answer is handled, and drives the spinner. */
typedef struct
{
  LkAdminWindow *self;
  GtkWidget     *dialog;   /* nullable */
  char          *login;
  char          *serial;
  char          *text;     /* an operation-specific string (device id, otp) */
  int            flag;
} LkAdminCall;

LkAdminCall *lk_admin_call_new   (LkAdminWindow *self,
                                  GtkWidget     *dialog,
                                  const char    *login,
                                  const char    *serial);
void         lk_admin_call_free  (LkAdminCall   *call);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LkAdminCall, lk_admin_call_free)

/* TRUE when @error is a cancellation, which the UI drops silently. */
gboolean     lk_admin_is_cancelled (const GError *error);

void         lk_admin_window_toast          (LkAdminWindow *self,
                                             const char    *text);
/* Shows a failure plainly: the server's message as it came. */
void         lk_admin_window_show_error     (LkAdminWindow *self,
                                             const char    *what,
                                             const GError  *error);
/* Reloads the selected user's record, devices and audit trail. */
void         lk_admin_window_reload_user    (LkAdminWindow *self);
/* Selects @login (after an enrol) once the list has it. */
void         lk_admin_window_select_login   (LkAdminWindow *self,
                                             const char    *login);
void         lk_admin_window_set_backend    (LkAdminWindow *self,
                                             LkBackend     *backend,
                                             const char    *label);

/* lk-admin-window-actions.c */
void         lk_admin_window_class_init_actions (GtkWidgetClass *widget_class);
/* lk-admin-window-sort.c: the sort menu's actions, and the order applied
 * to the model (after a new backend). */
void         lk_admin_window_sort_init      (LkAdminWindow *self);
void         lk_admin_window_sort_apply     (LkAdminWindow *self);
void         lk_admin_window_open_provision (LkAdminWindow *self,
                                             GtkWindow     *parent,
                                             const char    *login,
                                             const char    *serial);

/* lk-admin-window-connection.c */
void         lk_admin_window_open_connection (LkAdminWindow *self);
void         lk_admin_window_connect_default (LkAdminWindow *self);

G_END_DECLS
