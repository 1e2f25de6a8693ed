/* SPDX-License-Identifier: GPL-3.0-or-later
 * The fields of a new device, shared by the enrol and add-device dialogs. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

typedef enum
{
  LK_ADMIN_DEVICE_SOFT_TOKEN,
  LK_ADMIN_DEVICE_KEY_FOB,
  LK_ADMIN_DEVICE_LICENCE,   /* handed on to the multi-device activation wizard */
} LkAdminDeviceKind;

/* What the form holds, checked. Secrets (key, PIN) wipe themselves in
 * lk_admin_device_spec_free(). */
typedef struct
{
  LkAdminDeviceKind kind;
  char     *serial;        /* nullable: the engine generates one */
  char     *key_hex;       /* nullable: generated; lower-case hex otherwise */
  char     *alias;         /* nullable */
  gboolean  time_based;
  guint     digits;
  guint     window;
  guint     drift;
  char     *pin;           /* nullable */
  gboolean  mobile_auth;
  guint     mobile_usage;  /* 0 push, 1 passcodes, 2 both */
  guint     notification;  /* 0 none, 1 email, 2 SMS */
} LkAdminDeviceSpec;

void lk_admin_device_spec_free (LkAdminDeviceSpec *spec);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LkAdminDeviceSpec, lk_admin_device_spec_free)

#define LK_TYPE_ADMIN_DEVICE_FORM (lk_admin_device_form_get_type ())
G_DECLARE_FINAL_TYPE (LkAdminDeviceForm, lk_admin_device_form, LK, ADMIN_DEVICE_FORM, AdwBin)

/* The first problem with the form as typed, translated; NULL when it is
 * complete. The form also marks the offending row. */
char              *lk_admin_device_form_check    (LkAdminDeviceForm *self);
/* (transfer full) NULL with LK_ADMIN_ERROR_INVALID_INPUT when check fails. */
LkAdminDeviceSpec *lk_admin_device_form_dup_spec (LkAdminDeviceForm *self,
                                                  GError           **error);
/* Clears every field back to the defaults. */
void               lk_admin_device_form_reset    (LkAdminDeviceForm *self);

/* Test and scripting hooks: fill the form the way a person would. */
void               lk_admin_device_form_set_kind (LkAdminDeviceForm *self,
                                                  LkAdminDeviceKind  kind);
void               lk_admin_device_form_set_key  (LkAdminDeviceForm *self,
                                                  const char        *serial,
                                                  const char        *key,
                                                  gboolean           base64);

G_END_DECLS
