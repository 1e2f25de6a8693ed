/* SPDX-License-Identifier: GPL-3.0-or-later
 * LkWallet: stores soft tokens as Secret Service items through libsecret. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
/* The D-Bus path calls (secret-paths.h) have been unchanged since 0.18. */
#define SECRET_API_SUBJECT_TO_CHANGE
#include <libsecret/secret.h>

#include "lk-secure.h"
#include "lk-wallet-private.h"

#define ATTR_TOKEN_ID "token-id"
#define ATTR_APP_ID   "app-id"

struct _LkWallet
{
  GObject parent_instance;
};

G_DEFINE_TYPE (LkWallet, lk_wallet, G_TYPE_OBJECT)
G_DEFINE_QUARK (lk-wallet-error-quark, lk_wallet_error)

/* Serialises HOTP counter updates within this process, so two windows or
 * threads never read the same counter. */
G_LOCK_DEFINE_STATIC (hotp);

static const SecretSchema *
lk_wallet_schema (void)
{
  static const SecretSchema schema = {
    LK_APP_ID ".Token", SECRET_SCHEMA_NONE,
    {
      { ATTR_TOKEN_ID, SECRET_SCHEMA_ATTRIBUTE_STRING },
      { ATTR_APP_ID, SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    },
    0, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  };

  return &schema;
}

const char *
lk_wallet_get_schema_name (void)
{
  return lk_wallet_schema ()->name;
}

static void
lk_wallet_class_init (LkWalletClass *klass)
{
}

static void
lk_wallet_init (LkWallet *self)
{
}

LkWallet *
lk_wallet_new (void)
{
  return g_object_new (LK_TYPE_WALLET, NULL);
}

/* Turns what libsecret and GDBus report into the wallet's own errors, so
 * the UI and the CLI can explain the situation instead of quoting D-Bus. */
static void
lk_wallet_propagate (GError **dest,
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
    {
      g_set_error (dest, LK_WALLET_ERROR, LK_WALLET_ERROR_LOCKED,
                   _("The keyring is locked. Unlock it (for example in Passwords and Keys) and try again."));
      g_error_free (src);
      return;
    }

  if (src->domain == SECRET_ERROR)
    {
      g_set_error (dest, LK_WALLET_ERROR, LK_WALLET_ERROR_FAILED,
                   _("The keyring refused the request: %s"), src->message);
      g_error_free (src);
      return;
    }

  /* Anything from D-Bus itself (no session bus, nobody owning
   * org.freedesktop.secrets, a service that cannot be spawned) means there
   * is no usable Secret Service. */
  g_set_error (dest, LK_WALLET_ERROR, LK_WALLET_ERROR_NO_SERVICE,
               _("No keyring is available (%s). Latchkey keeps tokens only in a "
                 "Secret Service keyring, never in plain files. Install and start "
                 "gnome-keyring (or another Secret Service provider such as KeePassXC "
                 "with its Secret Service integration), make sure it is unlocked, and "
                 "try again."),
               src->message);
  g_error_free (src);
}

static GHashTable *
lk_wallet_attributes (const char *id)
{
  GHashTable *attrs = g_hash_table_new (g_str_hash, g_str_equal);

  g_hash_table_insert (attrs, (gpointer) ATTR_APP_ID, (gpointer) LK_APP_ID);
  if (id != NULL)
    g_hash_table_insert (attrs, (gpointer) ATTR_TOKEN_ID, (gpointer) id);

  return attrs;
}

static void
free_retrievables (GList *list)
{
  g_list_free_full (list, g_object_unref);
}

/* Reads one item's token. The secret text stays in libsecret's wiped
 * memory; only the parser's wiped copies touch the ordinary heap. */
static LkWalletToken *
lk_wallet_read_item (SecretRetrievable *item,
                     gboolean           fresh,
                     GCancellable      *cancellable,
                     GError           **error)
{
  g_autoptr(GHashTable) attrs = secret_retrievable_get_attributes (item);
  g_autoptr(SecretValue) value = NULL;
  const char *id = g_hash_table_lookup (attrs, ATTR_TOKEN_ID);
  const char *text;
  LkWalletToken *token;
  GError *local_error = NULL;

  /* A search with SECRET_SEARCH_LOAD_SECRETS already fetched every secret
   * in one round trip; use it instead of one call per item. A read that
   * decides a write (the HOTP counter) asks again: libsecret keeps item
   * objects between searches, and another process may have written since. */
  if (SECRET_IS_ITEM (item) && !fresh)
    value = secret_item_get_secret (SECRET_ITEM (item));
  if (value == NULL)
    {
      value = secret_retrievable_retrieve_secret_sync (item, cancellable, &local_error);
      if (value == NULL)
        {
          if (local_error == NULL)
            g_set_error_literal (&local_error, SECRET_ERROR, SECRET_ERROR_IS_LOCKED, "locked");
          lk_wallet_propagate (error, local_error);
          return NULL;
        }
    }

  text = secret_value_get_text (value);
  if (text == NULL || id == NULL)
    {
      g_set_error (error, LK_WALLET_ERROR, LK_WALLET_ERROR_CORRUPT,
                   _("The keyring item %s is not a Latchkey token."), id != NULL ? id : "?");
      return NULL;
    }

  token = lk_wallet_token_deserialize (text, &local_error);
  if (token == NULL)
    {
      /* Name the item (never its contents) so it can be found and removed. */
      g_propagate_prefixed_error (error, local_error, "%s: ", id);
      return NULL;
    }

  /* The attribute is what searches use, so it is the id that counts. */
  if (g_strcmp0 (token->id, id) != 0)
    {
      g_free (token->id);
      token->id = g_strdup (id);
    }

  return token;
}

static GList *
lk_wallet_search (const char    *id,
                  gboolean       load_secrets,
                  GCancellable  *cancellable,
                  GError       **error)
{
  g_autoptr(GHashTable) attrs = lk_wallet_attributes (id);
  GError *local_error = NULL;
  SecretSearchFlags flags = SECRET_SEARCH_ALL;
  GList *items;

  if (load_secrets)
    flags |= SECRET_SEARCH_UNLOCK | SECRET_SEARCH_LOAD_SECRETS;

  items = secret_password_searchv_sync (lk_wallet_schema (), attrs, flags, cancellable, &local_error);
  if (local_error != NULL)
    {
      free_retrievables (items);
      lk_wallet_propagate (error, local_error);
      return NULL;
    }

  return items;
}

/* The fast read: libsecret's simple API builds one D-Bus proxy per item (a
 * properties round trip each) before it fetches the secrets, which costs
 * ~1 ms per token. Reading by object path is two calls for any number of
 * tokens: SearchItems and GetSecrets, through libsecret's own encrypted
 * session, values in its wiped memory. Used when the Secret Service is on
 * the session bus and every item is unlocked; otherwise (inside Flatpak,
 * where only the portal backend works, or with locked items, which need
 * the unlock prompt) the simple API does the work. Returns FALSE when it
 * did not apply, TRUE with *@out_tokens or *@error set otherwise. */
/* The token-id attribute of the item at @path, for naming a damaged item
 * in a warning: one properties call, made only when something is wrong. */
static char *
lk_wallet_item_id (SecretService *service,
                   const char    *path)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) attrs = NULL;
  char *id = NULL;

  reply = g_dbus_connection_call_sync (g_dbus_proxy_get_connection (G_DBUS_PROXY (service)),
                                       g_dbus_proxy_get_name (G_DBUS_PROXY (service)), path,
                                       "org.freedesktop.DBus.Properties", "Get",
                                       g_variant_new ("(ss)", "org.freedesktop.Secret.Item", "Attributes"),
                                       G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  if (reply == NULL)
    return g_strdup (path);
  g_variant_get (reply, "(v)", &attrs);
  if (!g_variant_is_of_type (attrs, G_VARIANT_TYPE ("a{ss}")) ||
      !g_variant_lookup (attrs, ATTR_TOKEN_ID, "s", &id))
    return g_strdup (path);
  return id;
}

static gboolean
lk_wallet_read_fast (const char     *id,
                     GPtrArray     **out_tokens,
                     GCancellable   *cancellable,
                     GError        **error)
{
  g_autoptr(SecretService) service = NULL;
  g_autoptr(GHashTable) attrs = NULL;
  g_autoptr(GHashTable) values = NULL;
  g_autoptr(GPtrArray) tokens = NULL;
  g_auto(GStrv) unlocked = NULL;
  g_auto(GStrv) locked = NULL;
  GError *local_error = NULL;

  if (g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS) || g_getenv ("SECRET_BACKEND") != NULL)
    return FALSE;

  service = secret_service_get_sync (SECRET_SERVICE_OPEN_SESSION, cancellable, &local_error);
  if (service == NULL)
    {
      lk_wallet_propagate (error, local_error);
      return TRUE;
    }

  attrs = lk_wallet_attributes (id);
  if (!secret_service_search_for_dbus_paths_sync (service, lk_wallet_schema (), attrs, cancellable,
                                                  &unlocked, &locked, &local_error))
    {
      lk_wallet_propagate (error, local_error);
      return TRUE;
    }
  if (locked != NULL && locked[0] != NULL)
    return FALSE;

  tokens = g_ptr_array_new_with_free_func ((GDestroyNotify) lk_wallet_token_free);
  if (unlocked == NULL || unlocked[0] == NULL)
    {
      *out_tokens = g_steal_pointer (&tokens);
      return TRUE;
    }

  values = secret_service_get_secrets_for_dbus_paths_sync (service, (const char **) unlocked,
                                                           cancellable, &local_error);
  if (values == NULL)
    {
      lk_wallet_propagate (error, local_error);
      return TRUE;
    }

  for (guint i = 0; unlocked[i] != NULL; i++)
    {
      SecretValue *value = g_hash_table_lookup (values, unlocked[i]);
      g_autoptr(GError) item_error = NULL;
      const char *text;
      LkWalletToken *token;

      /* Deleted between the search and the fetch: gone, not damaged. */
      if (value == NULL)
        continue;

      text = secret_value_get_text (value);
      token = text != NULL ? lk_wallet_token_deserialize (text, &item_error) : NULL;

      if (token == NULL)
        {
          /* Named by its id, never by its contents. */
          g_autofree char *item_id = lk_wallet_item_id (service, unlocked[i]);

          g_warning ("Skipping an unreadable keyring item: %s: %s", item_id,
                     item_error != NULL ? item_error->message : "no text secret");
          continue;
        }
      if (id != NULL && g_strcmp0 (token->id, id) != 0)
        {
          /* The search matched the attribute; the secret must agree. */
          g_free (token->id);
          token->id = g_strdup (id);
        }
      g_ptr_array_add (tokens, token);
    }

  *out_tokens = g_steal_pointer (&tokens);
  return TRUE;
}

static int
compare_created (gconstpointer a,
                 gconstpointer b)
{
  const LkWalletToken *ta = *(LkWalletToken * const *) a;
  const LkWalletToken *tb = *(LkWalletToken * const *) b;

  if (ta->created != tb->created)
    return ta->created < tb->created ? -1 : 1;
  return g_strcmp0 (ta->id, tb->id);
}

GPtrArray *
lk_wallet_list_sync (LkWallet      *self,
                     GCancellable  *cancellable,
                     GError       **error)
{
  g_autoptr(GPtrArray) tokens = NULL;
  GError *local_error = NULL;
  GList *items;

  g_return_val_if_fail (LK_IS_WALLET (self), NULL);

  if (lk_wallet_read_fast (NULL, &tokens, cancellable, &local_error))
    {
      if (local_error != NULL)
        {
          g_propagate_error (error, local_error);
          return NULL;
        }
      g_ptr_array_sort (tokens, compare_created);
      return g_steal_pointer (&tokens);
    }

  items = lk_wallet_search (NULL, TRUE, cancellable, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return NULL;
    }

  tokens = g_ptr_array_new_with_free_func ((GDestroyNotify) lk_wallet_token_free);
  for (GList *l = items; l != NULL; l = l->next)
    {
      g_autoptr(GError) item_error = NULL;
      LkWalletToken *token = lk_wallet_read_item (l->data, FALSE, cancellable, &item_error);

      if (token != NULL)
        {
          g_ptr_array_add (tokens, token);
          continue;
        }

      if (g_error_matches (item_error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
          g_error_matches (item_error, LK_WALLET_ERROR, LK_WALLET_ERROR_NO_SERVICE) ||
          g_error_matches (item_error, LK_WALLET_ERROR, LK_WALLET_ERROR_LOCKED))
        {
          free_retrievables (items);
          g_propagate_error (error, g_steal_pointer (&item_error));
          return NULL;
        }

      /* One damaged item must not hide every other token. */
      g_warning ("Skipping an unreadable keyring item: %s", item_error->message);
    }
  free_retrievables (items);

  g_ptr_array_sort (tokens, compare_created);
  return g_steal_pointer (&tokens);
}

static LkWalletToken *
lk_wallet_lookup_id (const char    *id,
                     GCancellable  *cancellable,
                     GError       **error)
{
  g_autoptr(GPtrArray) fast = NULL;
  GError *local_error = NULL;
  GList *items;
  LkWalletToken *token;

  /* The fast read asks the keyring every time, so a counter another
   * process moved is seen as it is now. */
  if (lk_wallet_read_fast (id, &fast, cancellable, &local_error))
    {
      if (local_error != NULL)
        {
          g_propagate_error (error, local_error);
          return NULL;
        }
      if (fast->len == 0)
        {
          g_set_error (error, LK_WALLET_ERROR, LK_WALLET_ERROR_NOT_FOUND,
                       _("No token with the id “%s” is in the keyring."), id);
          return NULL;
        }
      return g_steal_pointer (&fast->pdata[0]);
    }

  items = lk_wallet_search (id, TRUE, cancellable, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return NULL;
    }
  if (items == NULL)
    {
      g_set_error (error, LK_WALLET_ERROR, LK_WALLET_ERROR_NOT_FOUND,
                   _("No token with the id “%s” is in the keyring."), id);
      return NULL;
    }

  token = lk_wallet_read_item (items->data, TRUE, cancellable, error);
  free_retrievables (items);
  return token;
}

LkWalletToken *
lk_wallet_find_sync (LkWallet      *self,
                     const char    *name,
                     GCancellable  *cancellable,
                     GError       **error)
{
  g_autoptr(GPtrArray) tokens = NULL;
  LkWalletToken *found = NULL;
  guint matches = 0;

  g_return_val_if_fail (LK_IS_WALLET (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  tokens = lk_wallet_list_sync (self, cancellable, error);
  if (tokens == NULL)
    return NULL;

  for (guint i = 0; i < tokens->len; i++)
    {
      LkWalletToken *token = g_ptr_array_index (tokens, i);

      /* An exact id wins over any name, even one that looks like an id. */
      if (g_strcmp0 (token->id, name) == 0)
        return lk_wallet_token_copy (token);

      if (lk_wallet_token_matches (token, name))
        {
          found = token;
          matches++;
        }
    }

  if (matches == 0)
    {
      g_set_error (error, LK_WALLET_ERROR, LK_WALLET_ERROR_NOT_FOUND,
                   _("No token named “%s” is in the keyring."), name);
      return NULL;
    }
  if (matches > 1)
    {
      g_set_error (error, LK_WALLET_ERROR, LK_WALLET_ERROR_AMBIGUOUS,
                   _("%u tokens are named “%s”; use the token id instead."), matches, name);
      return NULL;
    }

  return lk_wallet_token_copy (found);
}

static gboolean
lk_wallet_store (LkWalletToken  *token,
                 GCancellable   *cancellable,
                 GError        **error)
{
  g_autoptr(GHashTable) attrs = NULL;
  GError *local_error = NULL;
  char *secret;
  gboolean ok;

  if (token->otpauth == NULL || token->id == NULL || *token->id == '\0')
    {
      g_set_error_literal (error, LK_WALLET_ERROR, LK_WALLET_ERROR_INVALID,
                           _("The token has no id or no seed."));
      return FALSE;
    }

  if (token->created == 0)
    token->created = g_get_real_time () / G_USEC_PER_SEC;

  attrs = lk_wallet_attributes (token->id);
  secret = lk_wallet_token_serialize (token);
  /* The label is the same for every token: the keyring's item list is
   * readable without unlocking, so it must not name issuer or account. */
  ok = secret_password_storev_sync (lk_wallet_schema (), attrs, SECRET_COLLECTION_DEFAULT,
                                    _("Latchkey token"), secret, cancellable, &local_error);
  lk_secure_str_free (secret);

  if (!ok)
    {
      if (local_error == NULL)
        g_set_error_literal (&local_error, SECRET_ERROR, SECRET_ERROR_IS_LOCKED, "locked");
      lk_wallet_propagate (error, local_error);
      return FALSE;
    }

  return TRUE;
}

gboolean
lk_wallet_add_sync (LkWallet      *self,
                    LkWalletToken *token,
                    GCancellable  *cancellable,
                    GError       **error)
{
  g_return_val_if_fail (LK_IS_WALLET (self), FALSE);
  g_return_val_if_fail (token != NULL, FALSE);

  return lk_wallet_store (token, cancellable, error);
}

static gboolean
lk_wallet_delete (const char    *id,
                  GCancellable  *cancellable,
                  GError       **error)
{
  g_autoptr(GHashTable) attrs = lk_wallet_attributes (id);
  GError *local_error = NULL;
  gboolean removed;

  removed = secret_password_clearv_sync (lk_wallet_schema (), attrs, cancellable, &local_error);
  if (local_error != NULL)
    {
      lk_wallet_propagate (error, local_error);
      return FALSE;
    }
  if (!removed)
    {
      g_set_error (error, LK_WALLET_ERROR, LK_WALLET_ERROR_NOT_FOUND,
                   _("No token with the id “%s” is in the keyring."), id);
      return FALSE;
    }

  return TRUE;
}

gboolean
lk_wallet_add_many_sync (LkWallet             *self,
                         GPtrArray            *tokens,
                         LkWalletProgressFunc  progress,
                         gpointer              progress_data,
                         GCancellable         *cancellable,
                         GError              **error)
{
  g_autoptr(GHashTable) ids = NULL;
  GError *local_error = NULL;
  GList *existing;
  guint written = 0;

  g_return_val_if_fail (LK_IS_WALLET (self), FALSE);
  g_return_val_if_fail (tokens != NULL, FALSE);

  /* Check everything that can be checked before writing anything. */
  ids = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < tokens->len; i++)
    {
      LkWalletToken *token = g_ptr_array_index (tokens, i);

      if (token == NULL || token->id == NULL || token->otpauth == NULL)
        {
          g_set_error (error, LK_WALLET_ERROR, LK_WALLET_ERROR_INVALID,
                       _("Entry %u of the batch has no id or no seed; nothing was stored."), i + 1);
          return FALSE;
        }
      if (!g_hash_table_add (ids, token->id))
        {
          g_set_error (error, LK_WALLET_ERROR, LK_WALLET_ERROR_INVALID,
                       _("Entry %u of the batch repeats an id; nothing was stored."), i + 1);
          return FALSE;
        }
    }

  existing = lk_wallet_search (NULL, FALSE, cancellable, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  for (GList *l = existing; l != NULL; l = l->next)
    {
      g_autoptr(GHashTable) attrs = secret_retrievable_get_attributes (l->data);
      const char *id = g_hash_table_lookup (attrs, ATTR_TOKEN_ID);

      if (id != NULL && g_hash_table_contains (ids, id))
        {
          free_retrievables (existing);
          g_set_error (error, LK_WALLET_ERROR, LK_WALLET_ERROR_INVALID,
                       _("A token of the batch is already in the keyring; nothing was stored."));
          return FALSE;
        }
    }
  free_retrievables (existing);

  for (written = 0; written < tokens->len; written++)
    {
      LkWalletToken *token = g_ptr_array_index (tokens, written);

      if (g_cancellable_set_error_if_cancelled (cancellable, &local_error) ||
          !lk_wallet_store (token, cancellable, &local_error))
        break;

      if (progress != NULL)
        progress (written + 1, tokens->len, progress_data);
    }

  if (local_error == NULL)
    return TRUE;

  /* Roll back. Not cancellable: a half-imported batch is the one outcome
   * the caller must never see. */
  for (guint i = 0; i < written; i++)
    {
      LkWalletToken *token = g_ptr_array_index (tokens, i);
      g_autoptr(GError) undo_error = NULL;

      if (!lk_wallet_delete (token->id, NULL, &undo_error))
        g_warning ("Could not roll back token %s: %s", token->id, undo_error->message);
    }

  g_propagate_prefixed_error (error, local_error, _("Nothing was stored: "));
  return FALSE;
}

gboolean
lk_wallet_update_sync (LkWallet             *self,
                       const LkWalletToken  *token,
                       GCancellable         *cancellable,
                       GError              **error)
{
  g_autoptr(LkWalletToken) stored = NULL;
  g_autoptr(LkWalletToken) copy = NULL;

  g_return_val_if_fail (LK_IS_WALLET (self), FALSE);
  g_return_val_if_fail (token != NULL && token->id != NULL, FALSE);

  stored = lk_wallet_lookup_id (token->id, cancellable, error);
  if (stored == NULL)
    return FALSE;

  copy = lk_wallet_token_copy (token);
  if (copy->created == 0)
    copy->created = stored->created;

  return lk_wallet_store (copy, cancellable, error);
}

gboolean
lk_wallet_rename_sync (LkWallet      *self,
                       const char    *id,
                       const char    *issuer,
                       const char    *account,
                       GCancellable  *cancellable,
                       GError       **error)
{
  g_autoptr(LkWalletToken) token = NULL;

  g_return_val_if_fail (LK_IS_WALLET (self), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);

  g_autofree char *trimmed = g_strstrip (g_strdup (account != NULL ? account : ""));

  if (*trimmed == '\0')
    {
      g_set_error_literal (error, LK_WALLET_ERROR, LK_WALLET_ERROR_INVALID,
                           _("The account name cannot be empty."));
      return FALSE;
    }
  if (!g_utf8_validate (account, -1, NULL) || (issuer != NULL && !g_utf8_validate (issuer, -1, NULL)))
    {
      g_set_error_literal (error, LK_WALLET_ERROR, LK_WALLET_ERROR_INVALID,
                           _("The name is not valid UTF-8 text."));
      return FALSE;
    }
  if (issuer != NULL && strchr (issuer, ':') != NULL)
    {
      /* "Issuer:account" is how tokens are named; a colon in the issuer
       * would make the name ambiguous. */
      g_set_error_literal (error, LK_WALLET_ERROR, LK_WALLET_ERROR_INVALID,
                           _("The issuer cannot contain a colon."));
      return FALSE;
    }

  token = lk_wallet_lookup_id (id, cancellable, error);
  if (token == NULL)
    return FALSE;

  g_free (token->otpauth->issuer);
  token->otpauth->issuer = (issuer != NULL && *issuer != '\0') ? g_strdup (issuer) : NULL;
  g_free (token->otpauth->account);
  token->otpauth->account = g_strdup (account);

  return lk_wallet_store (token, cancellable, error);
}

gboolean
lk_wallet_remove_sync (LkWallet      *self,
                       const char    *id,
                       GCancellable  *cancellable,
                       GError       **error)
{
  g_return_val_if_fail (LK_IS_WALLET (self), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);

  return lk_wallet_delete (id, cancellable, error);
}

char *
lk_wallet_next_hotp_code_sync (LkWallet      *self,
                               const char    *id,
                               GCancellable  *cancellable,
                               GError       **error)
{
  g_autoptr(LkWalletToken) token = NULL;
  g_autofree char *lock_path = NULL;
  char code[LK_OTP_CODE_SIZE];
  char *result = NULL;
  int lock_fd = -1;

  g_return_val_if_fail (LK_IS_WALLET (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  G_LOCK (hotp);

  /* Between processes (the window and latchkeyctl): an empty lock file in
   * the user's runtime directory, held while the counter is read and
   * moved. Without one (no runtime dir) the in-process lock still holds. */
  lock_path = g_build_filename (g_get_user_runtime_dir (), "latchkey-hotp.lock", NULL);
  lock_fd = g_open (lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd < 0)
    {
      /* No usable runtime directory (unset, or /dev/null as GLib's test
       * isolation leaves it for child processes): the cache directory is
       * per user too. */
      g_autofree char *dir = g_build_filename (g_get_user_cache_dir (), "latchkey", NULL);

      g_mkdir_with_parents (dir, 0700);
      g_free (lock_path);
      lock_path = g_build_filename (dir, "hotp.lock", NULL);
      lock_fd = g_open (lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    }
  if (lock_fd < 0)
    g_debug ("No HOTP lock file (%s): %s", lock_path, g_strerror (errno));
  if (lock_fd >= 0)
    {
      while (flock (lock_fd, LOCK_EX) != 0 && errno == EINTR)
        ;
    }

  token = lk_wallet_lookup_id (id, cancellable, error);
  if (token == NULL)
    goto out;

  if (token->otpauth->type != LK_OTPAUTH_HOTP)
    {
      g_set_error_literal (error, LK_WALLET_ERROR, LK_WALLET_ERROR_INVALID,
                           _("This token is time-based; its code changes by itself."));
      goto out;
    }
  if (token->otpauth->counter == G_MAXUINT64)
    {
      g_set_error_literal (error, LK_WALLET_ERROR, LK_WALLET_ERROR_INVALID,
                           _("This token's counter is exhausted."));
      goto out;
    }

  if (!lk_otpauth_generate (token->otpauth, 0, code, error))
    goto out;

  /* Counter first, code second: if the process dies between the two, the
   * user loses one code, which is harmless; the reverse could show a code
   * that was already used. */
  token->otpauth->counter++;
  if (!lk_wallet_store (token, cancellable, error))
    goto out;

  result = g_strdup (code);

out:
  lk_secure_wipe (code, sizeof code);
  if (lock_fd >= 0)
    close (lock_fd);
  G_UNLOCK (hotp);
  return result;
}

/* Async forms: each runs its sync twin in a worker thread. */

typedef struct
{
  char          *id;
  char          *issuer;
  char          *account;
  LkWalletToken *token;
  GPtrArray     *tokens;
  gpointer       progress;   /* ProgressRelay */
} TaskData;

typedef struct
{
  LkWalletProgressFunc  func;
  gpointer              data;
  GDestroyNotify        destroy;
  GMainContext         *context;
} ProgressRelay;

static void
progress_relay_clear (gpointer data)
{
  ProgressRelay *relay = data;

  if (relay->destroy != NULL)
    relay->destroy (relay->data);
  g_main_context_unref (relay->context);
}

static void
task_data_free (TaskData *data)
{
  g_free (data->id);
  g_free (data->issuer);
  g_free (data->account);
  g_clear_pointer (&data->token, lk_wallet_token_free);
  g_clear_pointer (&data->tokens, g_ptr_array_unref);
  if (data->progress != NULL)
    g_atomic_rc_box_release_full (data->progress, progress_relay_clear);
  g_free (data);
}

static GTask *
lk_wallet_task_new (LkWallet            *self,
                    gpointer             source_tag,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data,
                    TaskData           **out_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  TaskData *data = g_new0 (TaskData, 1);

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, data, (GDestroyNotify) task_data_free);
  *out_data = data;
  return task;
}

static void
list_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  GError *error = NULL;
  GPtrArray *tokens = lk_wallet_list_sync (source, cancellable, &error);

  if (tokens == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, tokens, (GDestroyNotify) g_ptr_array_unref);
}

void
lk_wallet_list_async (LkWallet            *self,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  TaskData *data;

  g_return_if_fail (LK_IS_WALLET (self));

  task = lk_wallet_task_new (self, lk_wallet_list_async, cancellable, callback, user_data, &data);
  g_task_run_in_thread (task, list_thread);
}

GPtrArray *
lk_wallet_list_finish (LkWallet      *self,
                       GAsyncResult  *result,
                       GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
find_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  TaskData *data = task_data;
  GError *error = NULL;
  LkWalletToken *token = lk_wallet_find_sync (source, data->id, cancellable, &error);

  if (token == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, token, (GDestroyNotify) lk_wallet_token_free);
}

void
lk_wallet_find_async (LkWallet            *self,
                      const char          *name,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  TaskData *data;

  g_return_if_fail (LK_IS_WALLET (self));
  g_return_if_fail (name != NULL);

  task = lk_wallet_task_new (self, lk_wallet_find_async, cancellable, callback, user_data, &data);
  data->id = g_strdup (name);
  g_task_run_in_thread (task, find_thread);
}

LkWalletToken *
lk_wallet_find_finish (LkWallet      *self,
                       GAsyncResult  *result,
                       GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
add_thread (GTask        *task,
            gpointer      source,
            gpointer      task_data,
            GCancellable *cancellable)
{
  TaskData *data = task_data;
  GError *error = NULL;

  if (lk_wallet_add_sync (source, data->token, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
lk_wallet_add_async (LkWallet             *self,
                     const LkWalletToken  *token,
                     GCancellable         *cancellable,
                     GAsyncReadyCallback   callback,
                     gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;
  TaskData *data;

  g_return_if_fail (LK_IS_WALLET (self));
  g_return_if_fail (token != NULL);

  task = lk_wallet_task_new (self, lk_wallet_add_async, cancellable, callback, user_data, &data);
  data->token = lk_wallet_token_copy (token);
  g_task_run_in_thread (task, add_thread);
}

gboolean
lk_wallet_add_finish (LkWallet      *self,
                      GAsyncResult  *result,
                      GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

typedef struct
{
  ProgressRelay *relay;
  guint          done;
  guint          total;
} ProgressCall;

static gboolean
progress_call_run (gpointer user_data)
{
  ProgressCall *call = user_data;

  call->relay->func (call->done, call->total, call->relay->data);
  return G_SOURCE_REMOVE;
}

static void
progress_call_free (gpointer user_data)
{
  ProgressCall *call = user_data;

  g_atomic_rc_box_release_full (call->relay, progress_relay_clear);
  g_free (call);
}

/* g_main_context_invoke() would run @func right here when nobody holds
 * @context at this instant; an idle source always runs it on @context's
 * own thread. */
static void
run_on_context (GMainContext   *context,
                GSourceFunc     func,
                gpointer        data,
                GDestroyNotify  destroy)
{
  GSource *source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, func, data, destroy);
  g_source_attach (source, context);
  g_source_unref (source);
}

static void
progress_from_thread (guint    done,
                      guint    total,
                      gpointer user_data)
{
  ProgressRelay *relay = user_data;
  ProgressCall *call = g_new0 (ProgressCall, 1);

  call->relay = g_atomic_rc_box_acquire (relay);
  call->done = done;
  call->total = total;
  run_on_context (relay->context, progress_call_run, call, progress_call_free);
}

static void
add_many_thread (GTask        *task,
                 gpointer      source,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  TaskData *data = task_data;
  GError *error = NULL;

  if (lk_wallet_add_many_sync (source, data->tokens,
                               data->progress != NULL ? progress_from_thread : NULL,
                               data->progress, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
lk_wallet_add_many_async (LkWallet             *self,
                          GPtrArray            *tokens,
                          LkWalletProgressFunc  progress,
                          gpointer              progress_data,
                          GDestroyNotify        progress_data_free,
                          GCancellable         *cancellable,
                          GAsyncReadyCallback   callback,
                          gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;
  TaskData *data;

  g_return_if_fail (LK_IS_WALLET (self));
  g_return_if_fail (tokens != NULL);

  task = lk_wallet_task_new (self, lk_wallet_add_many_async, cancellable, callback, user_data, &data);
  data->tokens = g_ptr_array_new_full (tokens->len, (GDestroyNotify) lk_wallet_token_free);
  for (guint i = 0; i < tokens->len; i++)
    {
      LkWalletToken *token = g_ptr_array_index (tokens, i);
      g_ptr_array_add (data->tokens, token != NULL ? lk_wallet_token_copy (token) : NULL);
    }

  if (progress != NULL)
    {
      ProgressRelay *relay = g_atomic_rc_box_new0 (ProgressRelay);

      relay->func = progress;
      relay->data = progress_data;
      relay->destroy = progress_data_free;
      relay->context = g_main_context_ref_thread_default ();
      data->progress = relay;
    }
  else if (progress_data_free != NULL)
    {
      progress_data_free (progress_data);
    }

  g_task_run_in_thread (task, add_many_thread);
}

gboolean
lk_wallet_add_many_finish (LkWallet      *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
rename_thread (GTask        *task,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  TaskData *data = task_data;
  GError *error = NULL;

  if (lk_wallet_rename_sync (source, data->id, data->issuer, data->account, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
lk_wallet_rename_async (LkWallet            *self,
                        const char          *id,
                        const char          *issuer,
                        const char          *account,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  TaskData *data;

  g_return_if_fail (LK_IS_WALLET (self));
  g_return_if_fail (id != NULL);

  task = lk_wallet_task_new (self, lk_wallet_rename_async, cancellable, callback, user_data, &data);
  data->id = g_strdup (id);
  data->issuer = g_strdup (issuer);
  data->account = g_strdup (account);
  g_task_run_in_thread (task, rename_thread);
}

gboolean
lk_wallet_rename_finish (LkWallet      *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
remove_thread (GTask        *task,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  TaskData *data = task_data;
  GError *error = NULL;

  if (lk_wallet_remove_sync (source, data->id, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
lk_wallet_remove_async (LkWallet            *self,
                        const char          *id,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  TaskData *data;

  g_return_if_fail (LK_IS_WALLET (self));
  g_return_if_fail (id != NULL);

  task = lk_wallet_task_new (self, lk_wallet_remove_async, cancellable, callback, user_data, &data);
  data->id = g_strdup (id);
  g_task_run_in_thread (task, remove_thread);
}

gboolean
lk_wallet_remove_finish (LkWallet      *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
next_hotp_thread (GTask        *task,
                  gpointer      source,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  TaskData *data = task_data;
  GError *error = NULL;
  char *code = lk_wallet_next_hotp_code_sync (source, data->id, cancellable, &error);

  if (code == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, code, (GDestroyNotify) lk_secure_str_free);
}

void
lk_wallet_next_hotp_code_async (LkWallet            *self,
                                const char          *id,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  TaskData *data;

  g_return_if_fail (LK_IS_WALLET (self));
  g_return_if_fail (id != NULL);

  task = lk_wallet_task_new (self, lk_wallet_next_hotp_code_async, cancellable, callback, user_data, &data);
  data->id = g_strdup (id);
  /* Once the counter is stored the code must reach the caller: a
   * cancellation noticed only at _finish would burn a code silently. */
  g_task_set_check_cancellable (task, FALSE);
  g_task_run_in_thread (task, next_hotp_thread);
}

char *
lk_wallet_next_hotp_code_finish (LkWallet      *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
