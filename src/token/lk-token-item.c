/* SPDX-License-Identifier: GPL-3.0-or-later
 * LkTokenItem: a wallet token plus the code on show, recomputed only at period boundaries. */
#include "config.h"

#include <string.h>

#include "lk-secure.h"
#include "lk-token-item.h"

struct _LkTokenItem
{
  GObject        parent_instance;

  LkWalletToken *token;
  char          *search_text;     /* casefolded "issuer account" */
  char           code[LK_OTP_CODE_SIZE];
  gboolean       has_code;
  gint64         step;            /* the TOTP time step of code */
  gboolean       revealed;
};

enum {
  PROP_0,
  PROP_CODE,
  PROP_REVEALED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (LkTokenItem, lk_token_item, G_TYPE_OBJECT)

static void
lk_token_item_finalize (GObject *object)
{
  LkTokenItem *self = LK_TOKEN_ITEM (object);

  lk_secure_wipe (self->code, sizeof self->code);
  g_clear_pointer (&self->token, lk_wallet_token_free);
  g_free (self->search_text);

  G_OBJECT_CLASS (lk_token_item_parent_class)->finalize (object);
}

static void
lk_token_item_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  LkTokenItem *self = LK_TOKEN_ITEM (object);

  switch (prop_id)
    {
    case PROP_CODE:
      g_value_set_string (value, lk_token_item_get_code (self));
      break;
    case PROP_REVEALED:
      g_value_set_boolean (value, self->revealed);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lk_token_item_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  LkTokenItem *self = LK_TOKEN_ITEM (object);

  switch (prop_id)
    {
    case PROP_REVEALED:
      lk_token_item_set_revealed (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lk_token_item_class_init (LkTokenItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = lk_token_item_finalize;
  object_class->get_property = lk_token_item_get_property;
  object_class->set_property = lk_token_item_set_property;

  properties[PROP_CODE] =
    g_param_spec_string ("code", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_REVEALED] =
    g_param_spec_boolean ("revealed", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
lk_token_item_init (LkTokenItem *self)
{
  self->step = G_MININT64;
}

LkTokenItem *
lk_token_item_new (LkWalletToken *token)
{
  LkTokenItem *self;
  g_autofree char *joined = NULL;

  g_return_val_if_fail (token != NULL && token->otpauth != NULL, NULL);

  self = g_object_new (LK_TYPE_TOKEN_ITEM, NULL);
  self->token = token;
  joined = g_strdup_printf ("%s %s", token->otpauth->issuer != NULL ? token->otpauth->issuer : "",
                            token->otpauth->account);
  self->search_text = g_utf8_casefold (joined, -1);

  return self;
}

const LkWalletToken *
lk_token_item_get_token (LkTokenItem *self)
{
  g_return_val_if_fail (LK_IS_TOKEN_ITEM (self), NULL);
  return self->token;
}

const char *
lk_token_item_get_id (LkTokenItem *self)
{
  g_return_val_if_fail (LK_IS_TOKEN_ITEM (self), NULL);
  return self->token->id;
}

const char *
lk_token_item_get_issuer (LkTokenItem *self)
{
  g_return_val_if_fail (LK_IS_TOKEN_ITEM (self), NULL);
  return self->token->otpauth->issuer != NULL ? self->token->otpauth->issuer : "";
}

const char *
lk_token_item_get_account (LkTokenItem *self)
{
  g_return_val_if_fail (LK_IS_TOKEN_ITEM (self), NULL);
  return self->token->otpauth->account;
}

gboolean
lk_token_item_is_hotp (LkTokenItem *self)
{
  g_return_val_if_fail (LK_IS_TOKEN_ITEM (self), FALSE);
  return self->token->otpauth->type == LK_OTPAUTH_HOTP;
}

guint
lk_token_item_get_period (LkTokenItem *self)
{
  g_return_val_if_fail (LK_IS_TOKEN_ITEM (self), 0);

  if (lk_token_item_is_hotp (self))
    return 0;
  return self->token->otpauth->period > 0 ? self->token->otpauth->period : 30;
}

gboolean
lk_token_item_matches (LkTokenItem *self,
                       const char  *casefolded_query)
{
  g_auto(GStrv) words = NULL;

  g_return_val_if_fail (LK_IS_TOKEN_ITEM (self), FALSE);

  if (casefolded_query == NULL || *casefolded_query == '\0')
    return TRUE;

  words = g_strsplit_set (casefolded_query, " \t", -1);
  for (guint i = 0; words[i] != NULL; i++)
    if (*words[i] != '\0' && strstr (self->search_text, words[i]) == NULL)
      return FALSE;

  return TRUE;
}

const char *
lk_token_item_get_code (LkTokenItem *self)
{
  g_return_val_if_fail (LK_IS_TOKEN_ITEM (self), NULL);
  return self->has_code ? self->code : NULL;
}

gint64
lk_token_item_refresh (LkTokenItem *self,
                       gint64       unix_time)
{
  g_autoptr(GError) error = NULL;
  guint period;
  gint64 step;

  g_return_val_if_fail (LK_IS_TOKEN_ITEM (self), G_MAXINT64);

  if (lk_token_item_is_hotp (self))
    return G_MAXINT64;

  period = lk_token_item_get_period (self);
  step = unix_time / period;
  if (step != self->step)
    {
      char code[LK_OTP_CODE_SIZE];

      if (lk_wallet_token_compute (self->token, unix_time, code, NULL, &error))
        {
          memcpy (self->code, code, sizeof code);
          self->has_code = TRUE;
        }
      else
        {
          /* The wallet stored it, so its parameters were valid; say why
           * rather than show a stale code. */
          g_warning ("Cannot compute the code of token %s: %s", self->token->id, error->message);
          lk_secure_wipe (self->code, sizeof self->code);
          self->has_code = FALSE;
        }
      lk_secure_wipe (code, sizeof code);
      self->step = step;
      /* A code revealed in the last period is hidden again. */
      if (self->revealed)
        {
          self->revealed = FALSE;
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REVEALED]);
        }
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CODE]);
    }

  return (step + 1) * period;
}

guint
lk_token_item_get_seconds_left (LkTokenItem *self,
                                gint64       unix_time)
{
  guint period;

  g_return_val_if_fail (LK_IS_TOKEN_ITEM (self), 0);

  period = lk_token_item_get_period (self);
  if (period == 0)
    return 0;
  return period - (guint) (unix_time % period);
}

void
lk_token_item_set_code (LkTokenItem *self,
                        const char  *code)
{
  g_return_if_fail (LK_IS_TOKEN_ITEM (self));

  lk_secure_wipe (self->code, sizeof self->code);
  self->has_code = code != NULL;
  if (code != NULL)
    g_strlcpy (self->code, code, sizeof self->code);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CODE]);
}

gboolean
lk_token_item_get_revealed (LkTokenItem *self)
{
  g_return_val_if_fail (LK_IS_TOKEN_ITEM (self), FALSE);
  return self->revealed;
}

void
lk_token_item_set_revealed (LkTokenItem *self,
                            gboolean     revealed)
{
  g_return_if_fail (LK_IS_TOKEN_ITEM (self));

  revealed = !!revealed;
  if (self->revealed == revealed)
    return;
  self->revealed = revealed;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REVEALED]);
}
