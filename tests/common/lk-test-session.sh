#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs one test program in a private session: its own D-Bus session bus with a
# real, unlocked gnome-keyring-daemon, fresh HOME and XDG directories, and
# (with --xvfb) its own Xvfb display. Nothing touches the user's keyring.
#
#   lk-test-session.sh [--xvfb] [--] PROGRAM [ARGS...]
#
# The program sees LK_TEST_SESSION_DIR (the scratch directory, removed at
# the end) and LK_TEST_KEYRING_PASSWORD (the login keyring's password).
# The exit status is the program's.
set -eu

xvfb=0
while [ $# -gt 0 ]; do
  case "$1" in
    --xvfb) xvfb=1; shift ;;
    --) shift; break ;;
    *) break ;;
  esac
done
if [ $# -lt 1 ]; then
  echo "usage: lk-test-session.sh [--xvfb] [--] PROGRAM [ARGS...]" >&2
  exit 2
fi

if [ -n "${LK_TEST_SESSION_INNER:-}" ]; then
  # Inside dbus-run-session: start the keyring on this bus only. A
  # non-empty password makes gnome-keyring create and unlock the "login"
  # collection and make it the default one, with no prompt.
  unset LK_TEST_SESSION_INNER
  printf '%s' "$LK_TEST_KEYRING_PASSWORD" | \
    gnome-keyring-daemon --unlock --components=secrets >/dev/null
  keyring_pid=$(gdbus call --session --dest org.freedesktop.DBus \
                  --object-path /org/freedesktop/DBus \
                  --method org.freedesktop.DBus.GetConnectionUnixProcessID \
                  org.freedesktop.secrets 2>/dev/null | sed -n 's/^(uint32 \([0-9]*\),)$/\1/p')
  status=0
  # fd 3 is the test's real stdout (see below); TAP goes there.
  "$@" 1>&3 3>&- || status=$?
  if [ -n "$keyring_pid" ]; then
    kill "$keyring_pid" 2>/dev/null || true
  fi
  exit "$status"
fi

scratch=$(mktemp -d "${TMPDIR:-/tmp}/lk-test-session.XXXXXX")
xvfb_pid=""
cleanup() {
  if [ -n "$xvfb_pid" ]; then
    kill "$xvfb_pid" 2>/dev/null || true
    wait "$xvfb_pid" 2>/dev/null || true
  fi
  rm -rf "$scratch"
}
trap cleanup EXIT INT TERM

mkdir -p "$scratch/home" "$scratch/data" "$scratch/config" "$scratch/cache" "$scratch/run"
chmod 700 "$scratch/run"
export HOME="$scratch/home"
export XDG_DATA_HOME="$scratch/data"
export XDG_CONFIG_HOME="$scratch/config"
export XDG_CACHE_HOME="$scratch/cache"
export XDG_RUNTIME_DIR="$scratch/run"
export LK_TEST_SESSION_DIR="$scratch"
export LK_TEST_KEYRING_PASSWORD="lk-test-keyring"
unset DBUS_SESSION_BUS_ADDRESS WAYLAND_DISPLAY GNOME_KEYRING_CONTROL SSH_AUTH_SOCK

if [ "$xvfb" = 1 ]; then
  # -displayfd picks a free display number, so parallel tests never clash.
  Xvfb -displayfd 5 -screen 0 1280x900x24 -nolisten tcp \
    5>"$scratch/display" 2>"$scratch/xvfb.log" &
  xvfb_pid=$!
  tries=0
  while [ ! -s "$scratch/display" ]; do
    tries=$((tries + 1))
    if [ "$tries" -gt 100 ] || ! kill -0 "$xvfb_pid" 2>/dev/null; then
      echo "lk-test-session: Xvfb did not start:" >&2
      cat "$scratch/xvfb.log" >&2
      exit 1
    fi
    sleep 0.1
  done
  DISPLAY=":$(head -n 1 "$scratch/display")"
  export DISPLAY
  export GDK_BACKEND=x11
else
  unset DISPLAY
fi

status=0
# The bus daemon and the services it activates (the accessibility registry)
# print to their stdout; send that to stderr so the test's TAP stays clean,
# and hand the real stdout to the test program as fd 3.
LK_TEST_SESSION_INNER=1 dbus-run-session -- "$0" "$@" 3>&1 1>&2 || status=$?
exit "$status"
