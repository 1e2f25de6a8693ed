/* SPDX-License-Identifier: GPL-3.0-or-later
 * LkMigrationBatch: the parts of one multi-QR Google Authenticator export, collected in any order. */
#include "config.h"

#include <glib/gi18n.h>

#include "lk-import-google.h"

struct _LkMigrationBatch
{
  GObject     parent_instance;

  gboolean    started;
  gint32      id;
  guint       size;
  guint       received;
  guint       n_entries;  /* over all parts, bounded by LK_IMPORT_MAX_ENTRIES */
  GPtrArray **parts;   /* size slots; NULL until that part is scanned */
};

enum {
  PROP_0,
  PROP_SIZE,
  PROP_RECEIVED,
  PROP_COMPLETE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (LkMigrationBatch, lk_migration_batch, G_TYPE_OBJECT)

static void
lk_migration_batch_finalize (GObject *object)
{
  LkMigrationBatch *self = LK_MIGRATION_BATCH (object);

  for (guint i = 0; i < self->size; i++)
    g_clear_pointer (&self->parts[i], g_ptr_array_unref);
  g_free (self->parts);

  G_OBJECT_CLASS (lk_migration_batch_parent_class)->finalize (object);
}

static void
lk_migration_batch_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  LkMigrationBatch *self = LK_MIGRATION_BATCH (object);

  switch (prop_id)
    {
    case PROP_SIZE:
      g_value_set_uint (value, self->size);
      break;
    case PROP_RECEIVED:
      g_value_set_uint (value, self->received);
      break;
    case PROP_COMPLETE:
      g_value_set_boolean (value, lk_migration_batch_is_complete (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lk_migration_batch_class_init (LkMigrationBatchClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = lk_migration_batch_finalize;
  object_class->get_property = lk_migration_batch_get_property;

  properties[PROP_SIZE] =
    g_param_spec_uint ("size", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_RECEIVED] =
    g_param_spec_uint ("received", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_COMPLETE] =
    g_param_spec_boolean ("complete", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
lk_migration_batch_init (LkMigrationBatch *self)
{
}

LkMigrationBatch *
lk_migration_batch_new (void)
{
  return g_object_new (LK_TYPE_MIGRATION_BATCH, NULL);
}

gboolean
lk_migration_batch_add (LkMigrationBatch  *self,
                        const char        *uri,
                        gboolean          *was_new,
                        GError           **error)
{
  g_autoptr(GPtrArray) entries = NULL;
  LkMigrationPart part;

  g_return_val_if_fail (LK_IS_MIGRATION_BATCH (self), FALSE);
  g_return_val_if_fail (uri != NULL, FALSE);

  if (was_new != NULL)
    *was_new = FALSE;
  entries = lk_import_google_parse (uri, &part, error);
  if (entries == NULL)
    return FALSE;

  if (self->started && (part.id != self->id || part.size != self->size))
    {
      g_set_error (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_OTHER_BATCH,
                   _("This QR code belongs to another Google Authenticator export. "
                     "Scan the remaining codes of the same export (%u of %u scanned)."),
                   self->received, self->size);
      return FALSE;
    }
  if (!self->started)
    {
      self->started = TRUE;
      self->id = part.id;
      self->size = part.size;
      self->parts = g_new0 (GPtrArray *, part.size);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SIZE]);
    }
  if (self->parts[part.index] != NULL)
    return TRUE;
  if (self->n_entries + entries->len > LK_IMPORT_MAX_ENTRIES)
    {
      g_set_error (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_TOO_LARGE,
                   _("The export holds more than %u tokens."), LK_IMPORT_MAX_ENTRIES);
      return FALSE;
    }
  self->n_entries += entries->len;

  self->parts[part.index] = g_steal_pointer (&entries);
  self->received++;
  if (was_new != NULL)
    *was_new = TRUE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECEIVED]);
  if (lk_migration_batch_is_complete (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COMPLETE]);
  return TRUE;
}

guint
lk_migration_batch_get_size (LkMigrationBatch *self)
{
  g_return_val_if_fail (LK_IS_MIGRATION_BATCH (self), 0);
  return self->size;
}

guint
lk_migration_batch_get_received (LkMigrationBatch *self)
{
  g_return_val_if_fail (LK_IS_MIGRATION_BATCH (self), 0);
  return self->received;
}

gboolean
lk_migration_batch_is_complete (LkMigrationBatch *self)
{
  g_return_val_if_fail (LK_IS_MIGRATION_BATCH (self), FALSE);
  return self->started && self->received == self->size;
}

GArray *
lk_migration_batch_get_missing (LkMigrationBatch *self)
{
  GArray *missing = g_array_new (FALSE, FALSE, sizeof (guint));

  g_return_val_if_fail (LK_IS_MIGRATION_BATCH (self), missing);

  for (guint i = 0; i < self->size; i++)
    if (self->parts[i] == NULL)
      {
        guint number = i + 1;

        g_array_append_val (missing, number);
      }
  return missing;
}

char *
lk_migration_batch_describe (LkMigrationBatch *self)
{
  g_return_val_if_fail (LK_IS_MIGRATION_BATCH (self), NULL);

  if (!self->started)
    return g_strdup (_("No QR code scanned yet"));
  /* Translators: "2 of 3 scanned": QR codes of a Google Authenticator export. */
  return g_strdup_printf (_("%u of %u scanned"), self->received, self->size);
}

GPtrArray *
lk_migration_batch_dup_entries (LkMigrationBatch  *self,
                                GError           **error)
{
  g_autoptr(GPtrArray) entries = NULL;

  g_return_val_if_fail (LK_IS_MIGRATION_BATCH (self), NULL);

  if (!lk_migration_batch_is_complete (self))
    {
      g_autoptr(GArray) missing = lk_migration_batch_get_missing (self);
      g_autoptr(GString) list = g_string_new (NULL);

      for (guint i = 0; i < missing->len && i < 10; i++)
        g_string_append_printf (list, "%s%u", i > 0 ? ", " : "", g_array_index (missing, guint, i));
      if (missing->len > 10)
        g_string_append (list, ", …");
      if (!self->started)
        g_set_error_literal (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_INCOMPLETE,
                             _("No part of the Google Authenticator export has been scanned."));
      else
        g_set_error (error, LK_IMPORT_ERROR, LK_IMPORT_ERROR_INCOMPLETE,
                     _("The Google Authenticator export is incomplete: %u of %u scanned; "
                       "still missing: %s."), self->received, self->size, list->str);
      return NULL;
    }

  entries = lk_import_entries_new ();
  for (guint i = 0; i < self->size; i++)
    for (guint j = 0; j < self->parts[i]->len; j++)
      {
        const LkImportEntry *src = g_ptr_array_index (self->parts[i], j);
        LkImportEntry *copy = lk_import_entry_new (src->name);

        copy->token = src->token != NULL ? lk_otpauth_copy (src->token) : NULL;
        copy->reason = g_strdup (src->reason);
        copy->selected = src->selected;
        g_ptr_array_add (entries, copy);
      }
  return g_steal_pointer (&entries);
}
