/* SPDX-License-Identifier: GPL-3.0-or-later
 * The Preferences window's fields, shared with its GUI test, which fills
 * them in as a user would. */
#pragma once

#include "lk-admin-preferences.h"
#include "lk-delivery-config.h"

G_BEGIN_DECLS

typedef struct
{
  AdwPreferencesGroup *group;
  AdwComboRow         *preset_row;
  AdwEntryRow         *url_row;
  AdwEntryRow         *username_row;
  AdwPasswordEntryRow *password_row;
  AdwEntryRow         *from_row;
  AdwExpanderRow      *request_row;
  AdwComboRow         *method_row;
  AdwComboRow         *format_row;
  AdwEntryRow         *body_row;
  AdwPasswordEntryRow *headers_row;
  AdwEntryRow         *test_row;
  GtkButton           *test_button;
  AdwActionRow        *test_result;
} LkAdminGatewayRows;

struct _LkAdminPreferences
{
  AdwPreferencesWindow  parent_instance;

  /* template */
  AdwPreferencesGroup  *notice_group;
  AdwActionRow         *remote_row;
  AdwActionRow         *file_row;
  GtkButton            *file_button;
  AdwPreferencesGroup  *sending_group;
  AdwEntryRow          *issuer_row;
  GtkSpinButton        *limit_spin;
  GtkSpinButton        *window_spin;
  AdwPreferencesGroup  *smtp_group;
  AdwEntryRow          *smtp_host_row;
  GtkSpinButton        *smtp_port_spin;
  AdwComboRow          *smtp_security_row;
  AdwEntryRow          *smtp_username_row;
  AdwPasswordEntryRow  *smtp_password_row;
  AdwPreferencesGroup  *sender_group;
  AdwEntryRow          *smtp_from_row;
  AdwEntryRow          *smtp_from_name_row;
  AdwPreferencesGroup  *email_test_group;
  AdwEntryRow          *email_test_row;
  GtkButton            *email_test_button;
  AdwActionRow         *email_test_result;
  LkAdminGatewayRows    sms;
  LkAdminGatewayRows    voice;
  AdwPreferencesGroup  *passcode_templates_group;
  AdwPreferencesGroup  *welcome_templates_group;
  AdwEntryRow          *passcode_subject_row;
  AdwExpanderRow       *passcode_body_row;
  GtkTextView          *passcode_body_view;
  AdwEntryRow          *passcode_sms_row;
  AdwEntryRow          *passcode_voice_row;
  AdwEntryRow          *welcome_subject_row;
  AdwExpanderRow       *welcome_body_row;
  GtkTextView          *welcome_body_view;
  AdwEntryRow          *welcome_sms_row;
  GtkLabel             *status_labels[4];  /* under Save on each page */

  /* state */
  GSettings            *settings;        /* delayed: written only by a good save */
  LkBackend            *backend;         /* nullable */
  GCancellable         *cancellable;     /* keyring and test sends; cancelled on close */
  GtkWidget            *template_rows[LK_N_TEMPLATES];
  gboolean              remote;
  gboolean              secrets_loaded;  /* saving before would erase them */
  guint                 busy;            /* saves and test sends in flight */
  char                 *status;
};

G_END_DECLS
