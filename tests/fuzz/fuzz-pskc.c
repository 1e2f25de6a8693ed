/* SPDX-License-Identifier: GPL-3.0-or-later
 * libFuzzer target: the PSKC reader with the RFC 6030 figure 6 key, a
 * password, and an RSA private key with unknown signers accepted (XML
 * signatures and RSA key transport), and the writer's output read back. */
#include "config.h"

#include <string.h>

#include "lk-pskc.h"
#include "lk-secure.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

/* A throwaway 1024-bit key made for this fuzzer: the corpus files signed
 * and rsa-* are signed by / encrypted to its certificate. Not a secret. */
static const char fuzz_key_pem[] =
  "-----BEGIN PRIVATE KEY-----\n"
  "MIICdgIBADANBgkqhkiG9w0BAQEFAASCAmAwggJcAgEAAoGBAPZDHvwC5skDSpZ2\n"
  "ub1cbj9GTuN7Zu+0NhltcXXNjXFkpAEnVVAiqPG2IsLsey4NQwuN2DnVDqs6GJsX\n"
  "jJ/W+jfIvtPjGomcSf3OGyQJTNdtsdbHwBVfJLMRmFTyCdHZ5KFBwHIjchrvddRN\n"
  "eRa8hTPbfLcxQ5cI1c9NcAbXIURXAgMBAAECgYBAFgGXNa4Xe5rKg0Uc6VPrdYGM\n"
  "I44LLUuy3E9dh8uaScWAY1sJSqvKk0qCjYYU2vCqrhQqIK77klfa7Ir1Ab4FibJS\n"
  "mGt2a/mw045j6rnX20iNIQ8UL1eTLyAuaSEgbcgbryTkl5UxXmNtkZeDygG0PDhf\n"
  "bqaJNYe3/qK8aDcRQQJBAPuGzFYrFKJ1pciLcHS/brFs7nW2b0lmsnyRJA6BaKXD\n"
  "ZqxY4RaYhBfPJu/yfZxxBviP0Q68uSv1HDrBm7xO9CECQQD6pFqqjLyg2NHi5j5Z\n"
  "ML32N7jorXO79FTehyFg587LYVDPXZLf0oj+hATnpiEFN9IyELvSEoJb+H92XlaG\n"
  "xKl3AkAqnNC7fHr3dxUKH82CifgX6QuRN8Is3lA42GISbwwqoSsg4cHokRg37Gl9\n"
  "V0i+m0uCCuNxKrn4X4NT1P8sbPfhAkEAjyj7JHkYcKMHVxt9t0Hw7sarFjOkbFHF\n"
  "fAkhFpGw+1fNaXQgJTnCx+UuTAYGzE0zASevr/CkhtWsMDb4IygHRwJANfU4Xsc4\n"
  "7W2+bZQnVPQ4wKAaMbCgz3sdm55itSajL8VrB3W2rUH+Hu2PiCYR6MyIKPKrp005\n"
  "xIAd080Tcn0xlQ==\n"
  "-----END PRIVATE KEY-----\n";

static void
check (GPtrArray    *keys,
       const GError *error)
{
  if (keys == NULL)
    {
      g_assert_nonnull (error);
      g_assert_true (error->domain == LK_BULK_ERROR);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      return;
    }
  for (guint i = 0; i < keys->len; i++)
    {
      LkPskcKey *k = keys->pdata[i];

      /* A key has either a secret or the reason it has none. */
      g_assert_true ((k->secret == NULL) != (k->error == NULL));
      g_assert_true (k->digits >= 6 && k->digits <= 10);
      g_assert_true (k->period > 0);
    }
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  static const guint8 key[16] = { 0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x34, 0x56,
                                  0x78, 0x90, 0x12, 0x34, 0x56, 0x78, 0x90, 0x12 };
  LkPskcProtection psk = { key, sizeof key, NULL, 0 };
  LkPskcProtection pw = { NULL, 0, "qwerty", 0 };
  LkPskcProtection rsa = { .private_key_pem = fuzz_key_pem, .allow_untrusted_signer = TRUE };
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) error2 = NULL;
  g_autoptr(GError) error3 = NULL;
  g_auto(LkPskcInfo) info = { 0 };
  g_autoptr(GPtrArray) keys = lk_pskc_read ((const char *) data, size, &psk, &error);
  g_autoptr(GPtrArray) keys2 = lk_pskc_read ((const char *) data, size, &pw, &error2);
  g_autoptr(GPtrArray) keys3 = lk_pskc_read_full ((const char *) data, size, &rsa, &info, &error3);

  check (keys, error);
  check (keys2, error2);
  check (keys3, error3);
  /* A signed file is reported as such, with its signer. */
  g_assert_true ((info.signature == LK_PSKC_UNSIGNED) == (info.signer == NULL));
  if (keys != NULL && keys->len > 0 && keys->len < 50)
    {
      g_autoptr(GError) werror = NULL;
      g_autoptr(GPtrArray) back = NULL;
      char *xml = lk_pskc_write (keys, &psk, &werror);
      guint usable = 0;

      g_assert_nonnull (xml);
      back = lk_pskc_read (xml, strlen (xml), &psk, &werror);
      g_assert_nonnull (back);
      for (guint i = 0; i < keys->len; i++)
        usable += ((LkPskcKey *) keys->pdata[i])->secret != NULL;
      g_assert_cmpuint (back->len, ==, usable);
      lk_secure_str_free (xml);
    }
  return 0;
}
