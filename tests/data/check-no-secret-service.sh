#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# The Flatpak case where neither a Secret Service nor the Secret portal
# answers: on a private session bus that can activate nothing, latchkeyctl
# must fail with a clear message (no crash) and write no file at all.
#   check-no-secret-service.sh LATCHKEYCTL
set -eu
ctl=$1
scratch=$(mktemp -d "${TMPDIR:-/tmp}/lk-no-secrets.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/home" "$scratch/run"
chmod 700 "$scratch/run"
. "$(dirname "$0")/lk-empty-bus.sh"
write_empty_bus_conf "$scratch"
export HOME="$scratch/home" XDG_DATA_HOME="$scratch/home/data" XDG_CONFIG_HOME="$scratch/home/config"
export XDG_CACHE_HOME="$scratch/home/cache"
unset DBUS_SESSION_BUS_ADDRESS GNOME_KEYRING_CONTROL DISPLAY WAYLAND_DISPLAY

fail=0
run() {
  # $1: what; the rest: latchkeyctl arguments; stdin from $input
  what=$1; shift
  status=0
  printf '%s\n' "$input" | dbus-run-session --config-file="$scratch/bus.conf" -- \
    "$ctl" "$@" >"$scratch/out" 2>"$scratch/err" || status=$?
  if [ "$status" -ne 1 ]; then
    echo "FAIL: $what: exit status $status, expected 1 (a failed operation, not a crash)"
    cat "$scratch/err"; fail=1; return
  fi
  if ! grep -q "No keyring is available" "$scratch/err"; then
    echo "FAIL: $what: no clear message:"; cat "$scratch/err"; fail=1; return
  fi
  echo "ok: $what: $(grep 'No keyring' "$scratch/err" | cut -c1-100)…"
}

input=""
run "token list" token list
input="otpauth://totp/Example:alice@example.com?secret=JBSWY3DPEHPK3PXP&issuer=Example"
run "token add" token add -

# No plain-file fallback: nothing was written under HOME or the XDG dirs.
left=$(find "$scratch/home" -type f | head -n 5)
if [ -n "$left" ]; then
  echo "FAIL: files were written without a keyring:"; echo "$left"; fail=1
else
  echo "ok: no file written"
fi
if grep -rq "JBSWY3DPEHPK3PXP" "$scratch/home" "$scratch/out" "$scratch/err" 2>/dev/null; then
  echo "FAIL: the seed appears in a file or in the output"; fail=1
fi
exit "$fail"
