#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Fails when a language in po/LINGUAS lacks a translation for a string in
# the current sources: extracts the template from po/POTFILES.in as the
# glib preset does (without touching po/), merges each .po into a scratch
# copy without fuzzy matching, and requires 0 untranslated and 0 fuzzy.
#   check-translations.sh SOURCE_ROOT
set -eu
root=$1
scratch=$(mktemp -d "${TMPDIR:-/tmp}/lk-po.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

# The keywords and flags of meson's i18n 'glib' preset.
cd "$root"
xgettext --package-name=latchkey -o "$scratch/latchkey.pot" -D "$root" -f po/POTFILES.in \
  --from-code=UTF-8 --add-comments \
  --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 \
  --keyword=g_dcgettext:2 --keyword=g_dngettext:2,3 --keyword=g_dpgettext2:2c,3 \
  --flag=N_:1:pass-c-format --flag=C_:2:pass-c-format --flag=NC_:2:pass-c-format \
  --flag=g_dngettext:2:pass-c-format --flag=g_strdup_printf:1:c-format \
  --flag=g_string_printf:2:c-format --flag=g_string_append_printf:2:c-format \
  --flag=g_error_new:3:c-format --flag=g_set_error:4:c-format \
  --flag=g_markup_printf_escaped:1:c-format --flag=g_log:3:c-format \
  --flag=g_print:1:c-format --flag=g_printerr:1:c-format --flag=g_printf:1:c-format \
  --flag=g_fprintf:2:c-format --flag=g_sprintf:2:c-format --flag=g_snprintf:3:c-format \
  2>"$scratch/xgettext.log" || { cat "$scratch/xgettext.log"; exit 1; }

fail=0
for lang in $(sed -e 's/#.*//' po/LINGUAS); do
  msgmerge --quiet --no-fuzzy-matching -o "$scratch/$lang.po" "po/$lang.po" "$scratch/latchkey.pot"
  # -c: format strings, plural forms and header are checked too.
  stats=$(LC_ALL=C msgfmt -c --statistics -o /dev/null "$scratch/$lang.po" 2>&1) || {
    echo "FAIL: $lang: msgfmt -c: $stats"; fail=1; continue; }
  echo "$lang: $stats"
  case "$stats" in
    *untranslated*|*fuzzy*)
      echo "FAIL: $lang is incomplete; these strings need a translation:"
      msgattrib --untranslated --no-obsolete "$scratch/$lang.po" | grep '^msgid ' | head -n 20
      fail=1 ;;
  esac
done
exit "$fail"
