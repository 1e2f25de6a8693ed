#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Checks data/latchkeyd.service with `systemd-analyze verify`, pointing its
# ExecStart at the freshly built latchkeyd (the installed path does not
# exist in a build tree). Exits 77 (skipped) where systemd-analyze is absent.
#   check-latchkeyd-service.sh UNIT LATCHKEYD
set -eu
unit=$1
binary=$2
command -v systemd-analyze >/dev/null 2>&1 || exit 77
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
sed "s|/usr/sbin/latchkeyd|$binary|" "$unit" > "$scratch/latchkeyd.service"
out=$(systemd-analyze verify "$scratch/latchkeyd.service" 2>&1) || { echo "$out"; exit 1; }
# verify exits 0 on some warnings; any line about this unit is a failure.
if echo "$out" | grep -q "latchkeyd.service"; then
  echo "$out"
  exit 1
fi
echo "ok: $unit"
