#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs what is missing, builds, and starts Latchkey on the embedded engine.
set -euo pipefail
cd "$(dirname "$0")/.."

./build-aux/install-deps.sh
build=${LK_BUILD_DIR:-_build}
[ -f "$build/build.ninja" ] || { rm -rf "$build"; meson setup "$build"; }
meson compile -C "$build"

if [ -x "$build/src/app/latchkey" ] && { [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; }; then
  # The uninstalled modules (src/core/lk-module.h): token mode's scanners and dialogs, admin mode.
  builddir=$(cd "$build" && pwd)
  export LATCHKEY_MODULEDIR="$builddir/src/token:$builddir/src/app"
  exec "$build/src/app/latchkey" "$@"
fi
exec ./build-aux/demo.sh "$build"
