#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs what is missing, builds, and runs every test.
#   build-aux/run-tests.sh [MESON_SETUP_ARGS...]
# Environment: LK_BUILD_DIR (default _build), LK_TEST_ARGS (extra `meson test` args).
set -euo pipefail
cd "$(dirname "$0")/.."

./build-aux/install-deps.sh

build=${LK_BUILD_DIR:-_build}
if [ -f "$build/build.ninja" ]; then
  meson setup --reconfigure "$build" "$@" >/dev/null
else
  rm -rf "$build"   # a half-made build directory from an interrupted setup
  meson setup "$build" "$@"
fi
# A log left by an earlier run must not be counted if this build fails.
rm -f "$build/meson-logs/testlog.json"
meson compile -C "$build"
# shellcheck disable=SC2086
meson test -C "$build" --print-errorlogs --num-processes 2 ${LK_TEST_ARGS:-}
