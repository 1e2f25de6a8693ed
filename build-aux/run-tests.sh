#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs what is missing, builds, and runs every test.
#   build-aux/run-tests.sh [MESON_SETUP_ARGS...]
# Environment: LK_BUILD_DIR (default _build), LK_TEST_ARGS (extra `meson test` args).
set -euo pipefail
cd "$(dirname "$0")/.."

./build-aux/install-deps.sh

build=${LK_BUILD_DIR:-_build}
if [ -d "$build" ]; then
  meson setup --reconfigure "$build" "$@" >/dev/null
else
  meson setup "$build" "$@"
fi
meson compile -C "$build"
# shellcheck disable=SC2086
meson test -C "$build" --print-errorlogs --num-processes 2 ${LK_TEST_ARGS:-}
