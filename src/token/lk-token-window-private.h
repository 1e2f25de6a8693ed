/* SPDX-License-Identifier: GPL-3.0-or-later
 * Internals of LkTokenWindow shared by its files and its widget tests. */
#pragma once

#include "lk-token-item.h"
#include "lk-token-window.h"
#include "lk-wallet.h"

G_BEGIN_DECLS

struct _LkTokenWindow
{
  AdwApplicationWindow  parent_instance;

  LkWallet             *wallet;
  GSettings            *settings;
  GCancellable         *cancellable;
  GListStore           *store;          /* LkTokenItem */
  GtkSortListModel     *sorted;
  GtkFilterListModel   *filtered;
  GtkCustomFilter      *filter;
  GtkCustomSorter      *sorter;
  char                 *query;          /* casefolded search text */
  GHashTable           *pending_deletes; /* id -> LkTokenItem awaiting the undo timeout */
  AdwToast             *delete_toast;   /* weak: the latest "deleted, undo?" toast */

  guint                 boundary_source;
  guint                 tick_source;
  guint                 spinner_source; /* starts the loading spinner if the keyring is slow */
  gboolean              loaded;
  guint                 release_source; /* gives start-up's leftover memory back after the first list */

  /* The code we put on the clipboard and the timer that takes it off. */
  GdkContentProvider   *clipboard_content;
  guint                 clipboard_source;

  GtkWidget            *toast_overlay;
  GtkWidget            *add_button;
  GtkWidget            *menu_button;
  GMenuModel           *add_menu;       /* given to its button when first opened */
  GMenuModel           *primary_menu;   /* likewise */
  GtkWidget            *search_bar;
  GtkWidget            *search_button;
  GtkWidget            *search_entry;
  GtkWidget            *stack;
  GtkWidget            *loading_spinner;
  GtkWidget            *list_view;
  GHashTable           *bound_rows;     /* LkTokenRow set: the rows on screen now */
  GtkWidget            *error_page;
  GtkWidget            *scanner;        /* the open camera scanner, if any */
};

/* For tests: the number of tokens shown, the row widget showing the one
 * at @position (NULL when it is scrolled away), activating it, and a
 * wallet reload that emits "tokens-loaded" when done. */
guint       lk_token_window_count_rows     (LkTokenWindow *self);
LkTokenItem *lk_token_window_get_item      (LkTokenWindow *self,
                                            guint          position);
GtkWidget  *lk_token_window_get_row        (LkTokenWindow *self,
                                            guint          position);
void        lk_token_window_activate       (LkTokenWindow *self,
                                            guint          position);
void        lk_token_window_reload         (LkTokenWindow *self);
void        lk_token_window_copy_item_code (LkTokenWindow *self,
                                            const char    *id);
void        lk_token_window_set_search     (LkTokenWindow *self,
                                            const char    *text);

/* lk-token-window-intake.c */
void        lk_token_window_install_intake (GtkWidgetClass *widget_class);
void        lk_token_window_init_intake    (LkTokenWindow  *self);
void        lk_token_window_toast          (LkTokenWindow  *self,
                                            const char     *title);
void        lk_token_window_report_intake  (LkTokenWindow  *self,
                                            gboolean        ok,
                                            const char     *message);
/* The token-extras module's table (lk-token-extras.h), loaded on first
 * use; NULL after a dialog has told the user that the module is missing. */
const struct _LkTokenExtras *lk_token_window_extras (LkTokenWindow *self);

/* lk-token-window-import.c: "win.import-tokens", "win.export-tokens", and
 * the otpauth-migration intake handler (Google export QR codes). */
void        lk_token_window_install_import (GtkWidgetClass *widget_class);

/* lk-token-window-activation.c: "win.activate-licence" and the LKAM1/LKAM2
 * intake handlers (LkActivationDialog), "win.provision-device"
 * (LkProvisionDialog). The getters are for tests. */
void        lk_token_window_install_activation    (GtkWidgetClass *widget_class);
struct _LkActivationDialog *lk_token_window_get_activation_dialog (LkTokenWindow *self);
GtkWidget  *lk_token_window_open_provision        (LkTokenWindow  *self);

G_END_DECLS
