/* SPDX-License-Identifier: GPL-3.0-or-later
 * One entry of the paged user list: a placeholder until its page arrives. */
#include "config.h"

#include <glib/gi18n.h>

#include "lk-admin-user-item.h"

struct _LkAdminUserItem
{
  GObject   parent_instance;

  gboolean  loaded;
  gboolean  stale;   /* still shows its previous user, drawn faint, until refilled */
  char     *login;
  char     *first_name;
  char     *last_name;
  char     *email;
  char     *phone;
  gboolean  enabled;
};

G_DEFINE_FINAL_TYPE (LkAdminUserItem, lk_admin_user_item, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_LOADED,
  PROP_LOGIN,
  PROP_FIRST_NAME,
  PROP_LAST_NAME,
  PROP_EMAIL,
  PROP_PHONE,
  PROP_DISABLED,
  PROP_DISPLAY_NAME,
  PROP_DETAIL,
  PROP_OPACITY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static char *
dup_detail (LkAdminUserItem *self)
{
  if (!self->loaded)
    return g_strdup ("");
  if (self->email != NULL && self->email[0] != '\0')
    return g_strdup_printf ("%s · %s", self->login, self->email);
  return g_strdup (self->login);
}

char *
lk_admin_user_item_dup_display_name (LkAdminUserItem *self)
{
  g_return_val_if_fail (LK_IS_ADMIN_USER_ITEM (self), NULL);

  if (!self->loaded)
    return g_strdup (_("Loading…"));
  if ((self->first_name == NULL || !*self->first_name) && (self->last_name == NULL || !*self->last_name))
    return g_strdup (self->login);
  return g_strstrip (g_strdup_printf ("%s %s", self->first_name ? self->first_name : "",
                                      self->last_name ? self->last_name : ""));
}

static void
lk_admin_user_item_finalize (GObject *object)
{
  LkAdminUserItem *self = LK_ADMIN_USER_ITEM (object);

  g_free (self->login);
  g_free (self->first_name);
  g_free (self->last_name);
  g_free (self->email);
  g_free (self->phone);
  G_OBJECT_CLASS (lk_admin_user_item_parent_class)->finalize (object);
}

static void
lk_admin_user_item_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  LkAdminUserItem *self = LK_ADMIN_USER_ITEM (object);

  switch (prop_id)
    {
    case PROP_LOADED:
      g_value_set_boolean (value, self->loaded && !self->stale);
      break;
    case PROP_LOGIN:
      g_value_set_string (value, self->login);
      break;
    case PROP_FIRST_NAME:
      g_value_set_string (value, self->first_name);
      break;
    case PROP_LAST_NAME:
      g_value_set_string (value, self->last_name);
      break;
    case PROP_EMAIL:
      g_value_set_string (value, self->email);
      break;
    case PROP_PHONE:
      g_value_set_string (value, self->phone);
      break;
    case PROP_DISABLED:
      g_value_set_boolean (value, self->loaded && !self->enabled);
      break;
    case PROP_DISPLAY_NAME:
      g_value_take_string (value, lk_admin_user_item_dup_display_name (self));
      break;
    case PROP_DETAIL:
      g_value_take_string (value, dup_detail (self));
      break;
    case PROP_OPACITY:
      /* Placeholders are drawn faint so a fast scroll reads as "loading". */
      g_value_set_double (value, self->loaded && !self->stale ? 1.0 : 0.35);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lk_admin_user_item_class_init (LkAdminUserItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = lk_admin_user_item_finalize;
  object_class->get_property = lk_admin_user_item_get_property;

  properties[PROP_LOADED] = g_param_spec_boolean ("loaded", NULL, NULL, FALSE, flags);
  properties[PROP_LOGIN] = g_param_spec_string ("login", NULL, NULL, NULL, flags);
  properties[PROP_FIRST_NAME] = g_param_spec_string ("first-name", NULL, NULL, NULL, flags);
  properties[PROP_LAST_NAME] = g_param_spec_string ("last-name", NULL, NULL, NULL, flags);
  properties[PROP_EMAIL] = g_param_spec_string ("email", NULL, NULL, NULL, flags);
  properties[PROP_PHONE] = g_param_spec_string ("phone", NULL, NULL, NULL, flags);
  properties[PROP_DISABLED] = g_param_spec_boolean ("disabled", NULL, NULL, FALSE, flags);
  properties[PROP_DISPLAY_NAME] = g_param_spec_string ("display-name", NULL, NULL, NULL, flags);
  properties[PROP_DETAIL] = g_param_spec_string ("detail", NULL, NULL, NULL, flags);
  properties[PROP_OPACITY] = g_param_spec_double ("opacity", NULL, NULL, 0.0, 1.0, 0.35, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
lk_admin_user_item_init (LkAdminUserItem *self)
{
}

LkAdminUserItem *
lk_admin_user_item_new (void)
{
  return g_object_new (LK_TYPE_ADMIN_USER_ITEM, NULL);
}

/* Replaces *@field with @value; TRUE when it changed. */
static gboolean
set_field (char       **field,
           const char  *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

void
lk_admin_user_item_fill (LkAdminUserItem *self,
                         const char      *login,
                         const char      *first_name,
                         const char      *last_name,
                         const char      *email,
                         const char      *phone,
                         gboolean         enabled)
{
  gboolean names_changed = FALSE;
  gboolean detail_changed = FALSE;
  gboolean was_loaded;
  gboolean was_disabled;

  g_return_if_fail (LK_IS_ADMIN_USER_ITEM (self));

  g_object_freeze_notify (G_OBJECT (self));
  was_loaded = self->loaded && !self->stale;
  was_disabled = self->loaded && !self->enabled;
  self->loaded = TRUE;
  self->stale = FALSE;
  self->enabled = !!enabled;

  if (set_field (&self->login, login))
    {
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOGIN]);
      names_changed = detail_changed = TRUE;
    }
  if (set_field (&self->first_name, first_name))
    {
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FIRST_NAME]);
      names_changed = TRUE;
    }
  if (set_field (&self->last_name, last_name))
    {
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_NAME]);
      names_changed = TRUE;
    }
  if (set_field (&self->email, email))
    {
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EMAIL]);
      detail_changed = TRUE;
    }
  if (set_field (&self->phone, phone))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PHONE]);

  if (!was_loaded)
    {
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADED]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OPACITY]);
      names_changed = detail_changed = TRUE;
    }
  if (names_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DISPLAY_NAME]);
  if (detail_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DETAIL]);
  if (was_disabled != !self->enabled)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DISABLED]);
  g_object_thaw_notify (G_OBJECT (self));
}

gboolean
lk_admin_user_item_get_loaded (LkAdminUserItem *self)
{
  g_return_val_if_fail (LK_IS_ADMIN_USER_ITEM (self), FALSE);
  return self->loaded && !self->stale;
}

void
lk_admin_user_item_mark_stale (LkAdminUserItem *self)
{
  g_return_if_fail (LK_IS_ADMIN_USER_ITEM (self));

  if (!self->loaded || self->stale)
    return;
  /* Only "loaded" and the opacity change: the texts stay, so the bound
   * labels need no new layout now, only when the item is filled. */
  self->stale = TRUE;
  g_object_freeze_notify (G_OBJECT (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADED]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OPACITY]);
  g_object_thaw_notify (G_OBJECT (self));
}

const char *
lk_admin_user_item_get_login (LkAdminUserItem *self)
{
  g_return_val_if_fail (LK_IS_ADMIN_USER_ITEM (self), NULL);
  return self->login;
}

const char *
lk_admin_user_item_get_first_name (LkAdminUserItem *self)
{
  g_return_val_if_fail (LK_IS_ADMIN_USER_ITEM (self), NULL);
  return self->first_name;
}

const char *
lk_admin_user_item_get_last_name (LkAdminUserItem *self)
{
  g_return_val_if_fail (LK_IS_ADMIN_USER_ITEM (self), NULL);
  return self->last_name;
}

const char *
lk_admin_user_item_get_email (LkAdminUserItem *self)
{
  g_return_val_if_fail (LK_IS_ADMIN_USER_ITEM (self), NULL);
  return self->email;
}

const char *
lk_admin_user_item_get_phone (LkAdminUserItem *self)
{
  g_return_val_if_fail (LK_IS_ADMIN_USER_ITEM (self), NULL);
  return self->phone;
}

gboolean
lk_admin_user_item_get_enabled (LkAdminUserItem *self)
{
  g_return_val_if_fail (LK_IS_ADMIN_USER_ITEM (self), FALSE);
  return self->enabled;
}
