/* SPDX-License-Identifier: GPL-3.0-or-later
 * Engine operations for bulk PSKC import and export (lk-engine-bulk.h). */
#include "config.h"

#include <glib/gi18n.h>

#include "lk-engine-bulk.h"
#include "lk-engine-private.h"
#include "lk-secure.h"

LkDevice *
lk_engine_import_device (LkEngine            *engine,
                         gint64               account_id,
                         const LkDeviceSpec  *spec,
                         guint64              counter,
                         gint                 time_shift,
                         GError             **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(LkDevice) device = NULL;

  g_return_val_if_fail (spec != NULL, NULL);

  if (spec->psn == NULL || *spec->psn == '\0')
    {
      g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_MISSING_FIELD,
                   _("The field “%s” is required"), "deviceId");
      return NULL;
    }
  /* SQLite integers are signed: a counter beyond that cannot be stored. */
  if (counter > G_MAXINT64)
    {
      g_set_error (error, LK_ENGINE_ERROR, LK_ENGINE_ERROR_INVALID_ARGUMENT,
                   _("The counter is out of range"));
      return NULL;
    }
  if (!lk_engine_tx_begin (engine, TRUE, &local_error))
    goto out;
  device = lk_engine_insert_device (engine, account_id, 0, spec, NULL, &local_error);
  if (device == NULL)
    goto rollback;
  if (counter != 0 || time_shift != 0)
    {
      g_autoptr(LkStoreStmt) st = lk_engine_prepare (engine,
          "UPDATE devices SET counter = ?2, time_shift = ?3 WHERE id = ?1", &local_error);
      if (st == NULL)
        goto rollback;
      lk_store_bind_int64 (st, 1, device->id);
      lk_store_bind_int64 (st, 2, (gint64) counter);
      lk_store_bind_int64 (st, 3, time_shift);
      if (!lk_engine_step_done (st, 0, &local_error))
        goto rollback;
      device->counter = counter;
      device->time_shift = time_shift;
    }
  lk_engine_audit (engine, account_id, "import_device", NULL, device->serial, NULL, NULL);
  if (!lk_engine_tx_commit (engine, &local_error))
    goto out;
  return g_steal_pointer (&device);

rollback:
  lk_engine_tx_rollback (engine);
out:
  lk_engine_audit (engine, account_id, "import_device", NULL, spec->psn, local_error, NULL);
  g_propagate_error (error, g_steal_pointer (&local_error));
  return NULL;
}

/* Reads and opens the seed of @serial inside a read transaction. */
static GBytes *
read_seed (LkEngine    *engine,
           gint64       account_id,
           const char  *serial,
           LkDevice   **out_device,
           GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(LkDevice) device = NULL;
  g_autoptr(GBytes) seed = NULL;

  if (!lk_engine_tx_begin (engine, FALSE, &local_error))
    goto out;
  device = lk_engine_get_device (engine, account_id, serial, &local_error);
  if (device == NULL)
    goto rollback;
  seed = lk_engine_load_seed (engine, account_id, device->serial, &local_error);
  if (seed == NULL)
    goto rollback;
  if (!lk_engine_tx_commit (engine, &local_error))
    goto out;
  *out_device = g_steal_pointer (&device);
  return g_steal_pointer (&seed);

rollback:
  lk_engine_tx_rollback (engine);
out:
  g_propagate_error (error, g_steal_pointer (&local_error));
  return NULL;
}

GBytes *
lk_engine_export_device_seed (LkEngine     *engine,
                              gint64        account_id,
                              const char   *serial,
                              LkDevice    **out_device,
                              GError      **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(LkDevice) device = NULL;
  g_autoptr(GBytes) seed = NULL;

  if (out_device != NULL)
    *out_device = NULL;
  seed = read_seed (engine, account_id, serial, &device, &local_error);
  if (seed == NULL)
    {
      lk_engine_audit (engine, account_id, "export_device_seed", NULL, serial, local_error, NULL);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  lk_engine_audit (engine, account_id, "export_device_seed", device->user_login, device->serial, NULL, NULL);
  if (out_device != NULL)
    *out_device = g_steal_pointer (&device);
  return g_steal_pointer (&seed);
}

gboolean
lk_engine_device_seed_equals (LkEngine      *engine,
                              gint64         account_id,
                              const char    *serial,
                              const guint8  *seed,
                              gsize          seed_len,
                              gboolean      *out_equal,
                              LkDevice     **out_device,
                              GError       **error)
{
  g_autoptr(LkDevice) device = NULL;
  g_autoptr(GBytes) stored = read_seed (engine, account_id, serial, &device, error);
  gsize n;

  if (stored == NULL)
    return FALSE;
  n = g_bytes_get_size (stored);
  *out_equal = lk_secure_equal (g_bytes_get_data (stored, NULL), n, seed, seed_len);
  if (out_device != NULL)
    *out_device = g_steal_pointer (&device);
  return TRUE;
}
