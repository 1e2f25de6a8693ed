/* SPDX-License-Identifier: GPL-3.0-or-later
 * The desktop's master-key provider: the engine's 32-byte master key kept in
 * the Secret Service (libsecret), one item per database file. */
#pragma once

#include "lk-key-provider.h"

G_BEGIN_DECLS

/* The schema of the master-key items: attribute "database" holds the
 * absolute path of the database the key belongs to. */
#define LK_SECRET_KEY_SCHEMA_NAME "org.latchkey.MasterKey"

#define LK_TYPE_SECRET_KEY_PROVIDER (lk_secret_key_provider_get_type ())
G_DECLARE_FINAL_TYPE (LkSecretKeyProvider, lk_secret_key_provider, LK, SECRET_KEY_PROVIDER, GObject)

/* A provider for the database at @db_path (made absolute). The first
 * load_key() with no item in the keyring creates a fresh random key and
 * stores it; store_key() replaces the item (rotation). Both block on D-Bus:
 * the engine calls them from its worker thread. */
LkKeyProvider *lk_secret_key_provider_new (const char *db_path);

G_END_DECLS
