#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs the real latchkey in French (inside lk-test-session.sh --xvfb), waits
# for its welcome window under its French title and saves a screenshot to
# <build>/screenshots/welcome-fr.png. The .mo files come from the build's
# po/ directory through LATCHKEY_LOCALEDIR.
#   check-french-ui.sh LATCHKEY BUILD_PO_DIR SCHEMA_DIR SCREENSHOT
set -eu
app=$1
podir=$2
schemadir=$3
shot=$4
title="Bienvenue dans Latchkey"
english="Welcome to Latchkey"

scratch=$(mktemp -d "${TMPDIR:-/tmp}/lk-fr.XXXXXX")
app_pid=""
cleanup() {
  if [ -n "$app_pid" ]; then kill "$app_pid" 2>/dev/null || true; wait "$app_pid" 2>/dev/null || true; fi
  rm -rf "$scratch"
}
trap cleanup EXIT INT TERM

# gettext only translates when the locale exists; build it here if the
# system has not generated fr_FR.UTF-8 (needs the `locales` package data).
if ! locale -a 2>/dev/null | grep -qi '^fr_FR\.utf-\?8$'; then
  if ! localedef -i fr_FR -f UTF-8 "$scratch/fr_FR.UTF-8" >/dev/null 2>&1; then
    echo "fr_FR.UTF-8 is not installed and cannot be generated (install the locales package)"
    exit 77
  fi
  export LOCPATH="$scratch"
fi
export LANGUAGE=fr LANG=fr_FR.UTF-8 LC_ALL=fr_FR.UTF-8
export LATCHKEY_LOCALEDIR="$podir" GSETTINGS_SCHEMA_DIR="$schemadir" GSETTINGS_BACKEND=memory

"$app" >"$scratch/app.log" 2>&1 &
app_pid=$!

tries=0
while :; do
  tree=$(xwininfo -root -tree 2>/dev/null || true)
  if echo "$tree" | grep -q "\"$title\""; then break; fi
  if echo "$tree" | grep -q "\"$english\""; then
    echo "FAIL: the window title is English: the translation was not used"; exit 1
  fi
  if ! kill -0 "$app_pid" 2>/dev/null; then
    echo "FAIL: latchkey exited:"; cat "$scratch/app.log"; app_pid=""; exit 1
  fi
  tries=$((tries + 1))
  if [ "$tries" -gt 150 ]; then
    echo "FAIL: no window titled “$title” after 30 s"; echo "$tree" | head -n 20; exit 1
  fi
  sleep 0.2
done
echo "ok: window “$title” is shown"

# Let GTK finish its first frames before the capture.
sleep 1.5
mkdir -p "$(dirname "$shot")"
# Just the window (its id from the title); the whole screen if that fails.
wid=$(xwininfo -name "$title" 2>/dev/null | sed -n 's/^xwininfo: Window id: \(0x[0-9a-f]*\).*/\1/p')
import -window "${wid:-root}" "$shot"
echo "ok: screenshot $shot"
if grep -q "CRITICAL\|WARNING" "$scratch/app.log"; then
  echo "FAIL: latchkey logged warnings:"; cat "$scratch/app.log"; exit 1
fi
