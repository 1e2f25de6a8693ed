/* SPDX-License-Identifier: GPL-3.0-or-later
 * Multi-device activation on the token side: binding secret and pending activations in the keyring. */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>
#include <libsecret/secret.h>

#include "lk-core-error.h"
#include "lk-secure.h"
#include "lk-wallet-activation.h"

#define ATTR_APP_ID     "app-id"
#define ATTR_KIND       "kind"
#define ATTR_ACTIVATION "activation"

#define KIND_BINDING "binding"
#define KIND_PENDING "pending"

static const SecretSchema *
activation_schema (void)
{
  static const SecretSchema schema = {
    LK_APP_ID ".Activation", SECRET_SCHEMA_NONE,
    {
      { ATTR_APP_ID, SECRET_SCHEMA_ATTRIBUTE_STRING },
      { ATTR_KIND, SECRET_SCHEMA_ATTRIBUTE_STRING },
      { ATTR_ACTIVATION, SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    },
    0, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  };

  return &schema;
}

/* The same mapping as the token wallet's: a locked keyring, a refusal, or
 * no Secret Service at all, each explained; never a fallback to files. */
static void
propagate (GError **dest,
           GError  *src)
{
  if (src == NULL)
    return;
  if (g_error_matches (src, G_IO_ERROR, G_IO_ERROR_CANCELLED) || src->domain == LK_WALLET_ERROR)
    {
      g_propagate_error (dest, src);
      return;
    }
  if (g_error_matches (src, SECRET_ERROR, SECRET_ERROR_IS_LOCKED))
    g_set_error (dest, LK_WALLET_ERROR, LK_WALLET_ERROR_LOCKED,
                 _("The keyring is locked. Unlock it (for example in Passwords and Keys) and try again."));
  else if (src->domain == SECRET_ERROR)
    g_set_error (dest, LK_WALLET_ERROR, LK_WALLET_ERROR_FAILED,
                 _("The keyring refused the request: %s"), src->message);
  else
    g_set_error (dest, LK_WALLET_ERROR, LK_WALLET_ERROR_NO_SERVICE,
                 _("No keyring is available (%s). Latchkey keeps activation secrets only in a "
                   "Secret Service keyring, never in plain files. Start gnome-keyring (or another "
                   "Secret Service provider), make sure it is unlocked, and try again."),
                 src->message);
  g_error_free (src);
}

static GHashTable *
attributes (const char *kind,
            const char *activation)
{
  GHashTable *attrs = g_hash_table_new (g_str_hash, g_str_equal);

  g_hash_table_insert (attrs, (gpointer) ATTR_APP_ID, (gpointer) LK_APP_ID);
  g_hash_table_insert (attrs, (gpointer) ATTR_KIND, (gpointer) kind);
  if (activation != NULL)
    g_hash_table_insert (attrs, (gpointer) ATTR_ACTIVATION, (gpointer) activation);
  return attrs;
}

static char *
hex_encode (const guint8 *data,
            gsize         len)
{
  static const char digits[] = "0123456789abcdef";
  char *out = g_malloc (2 * len + 1);

  for (gsize i = 0; i < len; i++)
    {
      out[2 * i] = digits[data[i] >> 4];
      out[2 * i + 1] = digits[data[i] & 0xf];
    }
  out[2 * len] = '\0';
  return out;
}

/* Looks up one item's secret text; NULL without error when there is none.
 * The result is libsecret's non-pageable memory: free with secret_password_free(). */
static char *
lookup (const char    *kind,
        const char    *activation,
        GCancellable  *cancellable,
        GError       **error)
{
  g_autoptr(GHashTable) attrs = attributes (kind, activation);
  GError *local_error = NULL;
  char *secret;

  secret = secret_password_lookupv_sync (activation_schema (), attrs, cancellable, &local_error);
  if (local_error != NULL)
    {
      propagate (error, local_error);
      return NULL;
    }
  return secret;
}

static gboolean
store (const char    *kind,
       const char    *activation,
       const char    *secret,
       GCancellable  *cancellable,
       GError       **error)
{
  g_autoptr(GHashTable) attrs = attributes (kind, activation);
  GError *local_error = NULL;

  /* The label is the same for every item: the item list can be read
   * without unlocking the keyring. */
  if (!secret_password_storev_sync (activation_schema (), attrs, SECRET_COLLECTION_DEFAULT,
                                    _("Latchkey activation"), secret, cancellable, &local_error))
    {
      if (local_error == NULL)
        g_set_error_literal (&local_error, SECRET_ERROR, SECRET_ERROR_IS_LOCKED, "locked");
      propagate (error, local_error);
      return FALSE;
    }
  return TRUE;
}

static gboolean
clear (const char    *kind,
       const char    *activation,
       GCancellable  *cancellable,
       GError       **error)
{
  g_autoptr(GHashTable) attrs = attributes (kind, activation);
  GError *local_error = NULL;

  secret_password_clearv_sync (activation_schema (), attrs, cancellable, &local_error);
  if (local_error != NULL)
    {
      propagate (error, local_error);
      return FALSE;
    }
  return TRUE;
}

GBytes *
lk_wallet_activation_get_binding_secret_sync (GCancellable  *cancellable,
                                              GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GBytes) decoded = NULL;
  guint8 fresh[LK_ACTIVATION_BINDING_SECRET_SIZE];
  char *text;

  /* A failed lookup is told apart from "none yet" even when the caller
   * passes no GError: making a fresh secret then would unbind the device. */
  text = lookup (KIND_BINDING, NULL, cancellable, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  if (text != NULL)
    {
      gsize len = strlen (text);
      guint8 *bytes;

      if (len != 2 * LK_ACTIVATION_BINDING_SECRET_SIZE)
        {
          secret_password_free (text);
          g_set_error_literal (error, LK_WALLET_ERROR, LK_WALLET_ERROR_CORRUPT,
                               _("The device-binding secret in the keyring is damaged"));
          return NULL;
        }
      bytes = g_malloc (LK_ACTIVATION_BINDING_SECRET_SIZE);
      for (gsize i = 0; i < LK_ACTIVATION_BINDING_SECRET_SIZE; i++)
        {
          int hi = g_ascii_xdigit_value (text[2 * i]);
          int lo = g_ascii_xdigit_value (text[2 * i + 1]);

          if (hi < 0 || lo < 0)
            {
              lk_secure_wipe (bytes, LK_ACTIVATION_BINDING_SECRET_SIZE);
              g_free (bytes);
              secret_password_free (text);
              g_set_error_literal (error, LK_WALLET_ERROR, LK_WALLET_ERROR_CORRUPT,
                                   _("The device-binding secret in the keyring is damaged"));
              return NULL;
            }
          bytes[i] = (guint8) (hi * 16 + lo);
        }
      secret_password_free (text);
      return lk_secure_bytes_new_take (bytes, LK_ACTIVATION_BINDING_SECRET_SIZE);
    }

  /* First activation on this keyring: make the secret and keep it. */
  if (!lk_random_bytes (fresh, sizeof fresh, error))
    return NULL;
  text = hex_encode (fresh, sizeof fresh);
  if (!store (KIND_BINDING, NULL, text, cancellable, error))
    {
      lk_secure_str_free (text);
      lk_secure_wipe (fresh, sizeof fresh);
      return NULL;
    }
  lk_secure_str_free (text);
  decoded = lk_secure_bytes_new (fresh, sizeof fresh);
  lk_secure_wipe (fresh, sizeof fresh);
  return g_steal_pointer (&decoded);
}

/* Deletes pending activations whose AM1 has expired (or cannot be read):
 * they can never complete, and they hold activation keys. */
static void
drop_stale_pending (gint64         now,
                    GCancellable  *cancellable)
{
  g_autoptr(GHashTable) attrs = attributes (KIND_PENDING, NULL);
  GList *items;

  items = secret_password_searchv_sync (activation_schema (), attrs,
                                        SECRET_SEARCH_ALL | SECRET_SEARCH_UNLOCK | SECRET_SEARCH_LOAD_SECRETS,
                                        cancellable, NULL);
  for (GList *l = items; l != NULL; l = l->next)
    {
      SecretRetrievable *item = l->data;
      g_autoptr(GHashTable) item_attrs = secret_retrievable_get_attributes (item);
      g_autoptr(SecretValue) value = SECRET_IS_ITEM (item) ? secret_item_get_secret (SECRET_ITEM (item)) : NULL;
      const char *activation = g_hash_table_lookup (item_attrs, ATTR_ACTIVATION);
      g_autoptr(LkAm1) am1 = NULL;
      LkDeviceCode code;
      gboolean stale = TRUE;

      if (value != NULL && secret_value_get_text (value) != NULL &&
          lk_activation_pending_deserialize (secret_value_get_text (value), &am1, &code, NULL))
        stale = lk_am1_is_expired (am1, now);
      lk_secure_wipe (&code, sizeof code);
      if (stale && activation != NULL)
        clear (KIND_PENDING, activation, cancellable, NULL);
    }
  g_list_free_full (items, g_object_unref);
}

LkAm1 *
lk_wallet_activation_scan_am1_sync (const char    *am1_text,
                                 gint64         now,
                                 char          *out_code_text,
                                 GCancellable  *cancellable,
                                 GError       **error)
{
  g_autoptr(LkAm1) am1 = NULL;
  g_autoptr(GBytes) binding = NULL;
  g_autofree char *activation = NULL;
  LkDeviceCode code;
  char *pending;
  gboolean ok;

  g_return_val_if_fail (am1_text != NULL, NULL);
  g_return_val_if_fail (out_code_text != NULL, NULL);

  am1 = lk_am1_parse (am1_text, error);
  if (am1 == NULL)
    return NULL;
  if (lk_am1_is_expired (am1, now))
    {
      g_set_error_literal (error, LK_CORE_ERROR, LK_CORE_ERROR_ACTIVATION,
                           _("This activation code has expired; ask for a new one"));
      return NULL;
    }

  binding = lk_wallet_activation_get_binding_secret_sync (cancellable, error);
  if (binding == NULL)
    return NULL;
  if (!lk_device_code_compute (am1, g_bytes_get_data (binding, NULL), g_bytes_get_size (binding),
                               &code, error))
    return NULL;

  drop_stale_pending (now, cancellable);

  pending = lk_activation_pending_serialize (am1, &code, error);
  if (pending == NULL)
    {
      lk_secure_wipe (&code, sizeof code);
      return NULL;
    }
  activation = hex_encode (am1->activation_id, LK_ACTIVATION_ID_SIZE);
  ok = store (KIND_PENDING, activation, pending, cancellable, error);
  lk_secure_str_free (pending);
  if (!ok)
    {
      lk_secure_wipe (&code, sizeof code);
      return NULL;
    }

  lk_device_code_format (&code, out_code_text);
  lk_secure_wipe (&code, sizeof code);
  return g_steal_pointer (&am1);
}

LkWalletToken *
lk_wallet_activation_scan_am2_sync (LkWallet      *wallet,
                                  const char    *am2_text,
                                  guint32       *out_instance,
                                  GCancellable  *cancellable,
                                  GError       **error)
{
  g_autoptr(LkAm1) am1 = NULL;
  g_autoptr(LkOtpauth) otpauth = NULL;
  g_autoptr(LkWalletToken) token = NULL;
  g_autoptr(GBytes) seed = NULL;
  g_autofree char *activation = NULL;
  guint8 activation_id[LK_ACTIVATION_ID_SIZE];
  LkActivationOtp otp;
  LkDeviceCode code;
  guint64 counter = 0;
  guint32 instance = 0;
  char *pending;
  gboolean ok;

  g_return_val_if_fail (LK_IS_WALLET (wallet), NULL);
  g_return_val_if_fail (am2_text != NULL, NULL);

  if (!lk_am2_peek (am2_text, activation_id, &instance, error))
    return NULL;
  activation = hex_encode (activation_id, sizeof activation_id);

  pending = lookup (KIND_PENDING, activation, cancellable, error);
  if (pending == NULL)
    {
      if (error == NULL || *error == NULL)
        g_set_error_literal (error, LK_WALLET_ERROR, LK_WALLET_ERROR_NOT_FOUND,
                             _("This activation message 2 belongs to no activation started on this "
                               "device; scan its activation message 1 first, or ask for a new one"));
      return NULL;
    }
  ok = lk_activation_pending_deserialize (pending, &am1, &code, error);
  secret_password_free (pending);
  if (!ok)
    return NULL;
  /* The whole exchange lives as long as AM1: an AM2 opened later is
   * refused like an expired AM1, and its pending activation goes. */
  if (lk_am1_is_expired (am1, g_get_real_time () / G_USEC_PER_SEC))
    {
      lk_secure_wipe (&code, sizeof code);
      clear (KIND_PENDING, activation, cancellable, NULL);
      g_set_error_literal (error, LK_CORE_ERROR, LK_CORE_ERROR_ACTIVATION,
                           _("This activation has expired; ask for a new activation code"));
      return NULL;
    }

  ok = lk_am2_open (am2_text, am1, &code, &instance, &otp, &counter, &seed, error);
  lk_secure_wipe (&code, sizeof code);
  if (!ok)
    return NULL;

  otpauth = lk_otpauth_new ();
  otpauth->type = otp.type == LK_ACTIVATION_OTP_HOTP ? LK_OTPAUTH_HOTP : LK_OTPAUTH_TOTP;
  otpauth->issuer = *am1->issuer != '\0' ? g_strdup (am1->issuer) : NULL;
  g_free (otpauth->account);
  otpauth->account = g_strdup (am1->label);
  g_clear_pointer (&otpauth->secret, g_bytes_unref);
  otpauth->secret = g_steal_pointer (&seed);
  otpauth->algorithm = otp.algorithm;
  otpauth->digits = otp.digits;
  otpauth->period = otp.type == LK_ACTIVATION_OTP_TOTP ? otp.period : 30;
  otpauth->counter = counter;

  token = lk_wallet_token_new (otpauth);
  if (!lk_wallet_add_sync (wallet, token, cancellable, error))
    return NULL;

  /* The token is safe in the keyring; the activation key can go. A failure
   * here leaves a pending item that the next scan drops when it expires. */
  clear (KIND_PENDING, activation, cancellable, NULL);

  if (out_instance != NULL)
    *out_instance = instance;
  return g_steal_pointer (&token);
}

/* ---- async forms ---------------------------------------------------------- */

typedef struct
{
  char          *text;                            /* AM1 holds the activation key: wiped */
  LkAm1         *am1;
  LkWalletToken *token;
  guint32        instance;
  char           code[LK_DEVICE_CODE_TEXT_SIZE];
} ScanData;

static void
scan_data_free (ScanData *data)
{
  lk_secure_str_free (data->text);
  g_clear_pointer (&data->am1, lk_am1_free);
  g_clear_pointer (&data->token, lk_wallet_token_free);
  lk_secure_wipe (data->code, sizeof data->code);
  g_free (data);
}

static void
scan_am1_thread (GTask        *task,
                 gpointer      source,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  ScanData *data = task_data;
  GError *error = NULL;

  data->am1 = lk_wallet_activation_scan_am1_sync (data->text, g_get_real_time () / G_USEC_PER_SEC,
                                                  data->code, cancellable, &error);
  if (data->am1 == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
lk_wallet_activation_scan_am1_async (const char          *am1_text,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  ScanData *data = g_new0 (ScanData, 1);

  g_return_if_fail (am1_text != NULL);

  data->text = g_strdup (am1_text);
  g_task_set_source_tag (task, lk_wallet_activation_scan_am1_async);
  g_task_set_task_data (task, data, (GDestroyNotify) scan_data_free);
  g_task_run_in_thread (task, scan_am1_thread);
}

LkAm1 *
lk_wallet_activation_scan_am1_finish (GAsyncResult  *result,
                                      char          *out_code_text,
                                      GError       **error)
{
  ScanData *data;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (out_code_text != NULL, NULL);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return NULL;
  data = g_task_get_task_data (G_TASK (result));
  memcpy (out_code_text, data->code, sizeof data->code);
  return g_steal_pointer (&data->am1);
}

static void
scan_am2_thread (GTask        *task,
                 gpointer      source,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  ScanData *data = task_data;
  GError *error = NULL;

  data->token = lk_wallet_activation_scan_am2_sync (LK_WALLET (source), data->text, &data->instance,
                                                    cancellable, &error);
  if (data->token == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
lk_wallet_activation_scan_am2_async (LkWallet            *wallet,
                                     const char          *am2_text,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ScanData *data;

  g_return_if_fail (LK_IS_WALLET (wallet));
  g_return_if_fail (am2_text != NULL);

  task = g_task_new (wallet, cancellable, callback, user_data);
  data = g_new0 (ScanData, 1);
  data->text = g_strdup (am2_text);
  g_task_set_source_tag (task, lk_wallet_activation_scan_am2_async);
  g_task_set_task_data (task, data, (GDestroyNotify) scan_data_free);
  g_task_run_in_thread (task, scan_am2_thread);
}

LkWalletToken *
lk_wallet_activation_scan_am2_finish (LkWallet      *wallet,
                                      GAsyncResult  *result,
                                      guint32       *out_instance,
                                      GError       **error)
{
  ScanData *data;

  g_return_val_if_fail (g_task_is_valid (result, wallet), NULL);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return NULL;
  data = g_task_get_task_data (G_TASK (result));
  if (out_instance != NULL)
    *out_instance = data->instance;
  return g_steal_pointer (&data->token);
}
