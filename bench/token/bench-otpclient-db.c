/* SPDX-License-Identifier: GPL-3.0-or-later
 * Gives OTPClient 3.x the bench's tokens: its encrypted database, its config file and its password in the Secret Service. */
#include "config.h"

#include "bench-otpclient-db.h"

#include <string.h>
#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libsecret/secret.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "lk-base32.h"
#include "lk-secure.h"

/* OTPClient 3.1's database (the format before its Argon2id header): a
 * random IV and salt, then the token array as NUL-terminated JSON,
 * AES-256-GCM with the IV and salt as associated data, then the tag. The
 * key is PBKDF2-HMAC-SHA512 of the password, 100,000 iterations. */
#define OC_IV_SIZE 16
#define OC_SALT_SIZE 32
#define OC_TAG_SIZE 16
#define OC_KEY_SIZE 32
#define OC_KDF_ITERATIONS 100000

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_CIPHER_CTX, EVP_CIPHER_CTX_free)

/* The schema and attribute OTPClient 3.x reads its database password from. */
static const SecretSchema *
otpclient_schema (void)
{
  static const SecretSchema schema = {
    "com.github.paolostivanin.OTPClient", SECRET_SCHEMA_NONE,
    { { "string", SECRET_SCHEMA_ATTRIBUTE_STRING }, { NULL, 0 } },
  };
  return &schema;
}

static char *
tokens_to_json (GPtrArray *tokens)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_array (builder);
  for (guint i = 0; i < tokens->len; i++)
    {
      const LkOtpauth *uri = g_ptr_array_index (tokens, i);
      gsize len = 0;
      const guint8 *seed = g_bytes_get_data (uri->secret, &len);
      g_autofree char *secret = lk_base32_encode (seed, len);
      gboolean hotp = uri->type == LK_OTPAUTH_HOTP;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "type");
      json_builder_add_string_value (builder, hotp ? "HOTP" : "TOTP");
      json_builder_set_member_name (builder, "label");
      json_builder_add_string_value (builder, uri->account);
      json_builder_set_member_name (builder, "issuer");
      json_builder_add_string_value (builder, uri->issuer != NULL ? uri->issuer : "");
      json_builder_set_member_name (builder, "secret");
      json_builder_add_string_value (builder, secret);
      json_builder_set_member_name (builder, "digits");
      json_builder_add_int_value (builder, uri->digits);
      json_builder_set_member_name (builder, "algo");
      json_builder_add_string_value (builder, "SHA1");
      json_builder_set_member_name (builder, hotp ? "counter" : "period");
      json_builder_add_int_value (builder, hotp ? (gint64) uri->counter : (gint64) uri->period);
      json_builder_end_object (builder);
      lk_secure_wipe (secret, strlen (secret));
    }
  json_builder_end_array (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

static gboolean
encrypt_db (const char  *password,
            const char  *json,
            const char  *db_path,
            GError     **error)
{
  g_autoptr(EVP_CIPHER_CTX) ctx = EVP_CIPHER_CTX_new ();
  gsize plain_len = strlen (json) + 1;
  gsize file_len = OC_IV_SIZE + OC_SALT_SIZE + plain_len + OC_TAG_SIZE;
  g_autofree guint8 *file = g_malloc (file_len);
  guint8 *iv = file, *salt = file + OC_IV_SIZE, *body = salt + OC_SALT_SIZE;
  guint8 key[OC_KEY_SIZE];
  int n = 0, done = 0;
  gboolean ok;

  ok = RAND_bytes (iv, OC_IV_SIZE + OC_SALT_SIZE) == 1 &&
       PKCS5_PBKDF2_HMAC (password, (int) strlen (password), salt, OC_SALT_SIZE, OC_KDF_ITERATIONS,
                          EVP_sha512 (), sizeof key, key) == 1 &&
       ctx != NULL &&
       EVP_EncryptInit_ex (ctx, EVP_aes_256_gcm (), NULL, NULL, NULL) == 1 &&
       EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_GCM_SET_IVLEN, OC_IV_SIZE, NULL) == 1 &&
       EVP_EncryptInit_ex (ctx, NULL, NULL, key, iv) == 1 &&
       EVP_EncryptUpdate (ctx, NULL, &n, file, OC_IV_SIZE + OC_SALT_SIZE) == 1 &&
       EVP_EncryptUpdate (ctx, body, &n, (const guint8 *) json, (int) plain_len) == 1 &&
       EVP_EncryptFinal_ex (ctx, body + n, &done) == 1 &&
       EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_GCM_GET_TAG, OC_TAG_SIZE, body + plain_len) == 1;
  lk_secure_wipe (key, sizeof key);
  if (!ok)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "OpenSSL could not encrypt the OTPClient database");
      return FALSE;
    }

  return g_file_set_contents_full (db_path, (const char *) file, file_len, G_FILE_SET_CONTENTS_CONSISTENT,
                                   0600, error);
}

gboolean
bench_otpclient_db_write (GPtrArray   *tokens,
                          const char  *db_path,
                          GError     **error)
{
  g_autoptr(GKeyFile) config = g_key_file_new ();
  g_autofree char *config_path = g_build_filename (g_get_user_config_dir (), "otpclient.cfg", NULL);
  g_autofree char *json = NULL;
  g_autofree char *password = NULL;
  guint8 random[24];
  gboolean ok;

  /* A fresh password each run, never printed: OTPClient gets it from the
   * keyring like a user who turned on its Secret Service integration. */
  if (RAND_bytes (random, sizeof random) != 1)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "no random bytes for the password");
      return FALSE;
    }
  password = lk_base32_encode (random, sizeof random);
  lk_secure_wipe (random, sizeof random);

  json = tokens_to_json (tokens);
  ok = encrypt_db (password, json, db_path, error) &&
       secret_password_store_sync (otpclient_schema (), SECRET_COLLECTION_DEFAULT, "OTPClient", password,
                                   NULL, error, "string", "main_pwd", NULL);
  lk_secure_wipe (json, strlen (json));
  lk_secure_wipe (password, strlen (password));
  if (!ok)
    return FALSE;

  g_key_file_set_string (config, "config", "db_path", db_path);
  g_key_file_set_boolean (config, "config", "use_secret_service", TRUE);
  if (g_mkdir_with_parents (g_get_user_config_dir (), 0700) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot create %s", g_get_user_config_dir ());
      return FALSE;
    }
  return g_key_file_save_to_file (config, config_path, error);
}

int
bench_otpclient_db_count (GError **error)
{
  const char *argv[] = { "otpclient-cli", "list", NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_auto(GStrv) lines = NULL;
  int status = 0, count = 0;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDIN_FROM_DEV_NULL,
                     NULL, NULL, &out, &err, &status, error))
    return -1;
  if (!g_spawn_check_wait_status (status, error))
    return -1;

  /* One "account | issuer" line per token after a header line. */
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (strstr (lines[i], " | ") != NULL && !g_str_has_prefix (lines[i], "Account |"))
      count++;
  if (count == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "otpclient-cli read no token: %s", err);
      return -1;
    }
  return count;
}
