/* SPDX-License-Identifier: GPL-3.0-or-later
 * latchkeyctl token import / token export: the sub-commands lk-cli-token.c lists in its table. */
#pragma once

#include "lk-cli.h"

G_BEGIN_DECLS

int lk_cli_token_import_run (LkCliContext *ctx, int argc, char **argv);
int lk_cli_token_export_run (LkCliContext *ctx, int argc, char **argv);

G_END_DECLS
