#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# latchkey --token on a session bus with no Secret Service and no portal
# (inside lk-test-session.sh --xvfb, for the display only): the token window
# must come up and stay up, without warnings, and write no keyring or token
# file. The picture is saved for people to look at.
#   check-no-secret-service-app.sh LATCHKEY SCHEMA_DIR SCREENSHOT
set -eu
app=$1
schemadir=$2
shot=$3
scratch=$(mktemp -d "${TMPDIR:-/tmp}/lk-no-secrets-app.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/home" "$scratch/run"
chmod 700 "$scratch/run"
. "$(dirname "$0")/lk-empty-bus.sh"
write_empty_bus_conf "$scratch"
cat > "$scratch/inner.sh" <<'INNER'
#!/bin/sh
set -u
"$LK_APP" --token >"$LK_SCRATCH/app.log" 2>&1 &
pid=$!
tries=0
until xwininfo -root -tree 2>/dev/null | grep -q '"Latchkey"'; do
  tries=$((tries + 1))
  if [ "$tries" -gt 100 ] || ! kill -0 "$pid" 2>/dev/null; then
    echo "FAIL: no token window"; cat "$LK_SCRATCH/app.log"; kill "$pid" 2>/dev/null; exit 1
  fi
  sleep 0.2
done
# Give the keyring lookup time to fail and the window time to show it.
sleep 3
if ! kill -0 "$pid" 2>/dev/null; then
  echo "FAIL: latchkey ended without a Secret Service:"; cat "$LK_SCRATCH/app.log"; exit 1
fi
wid=$(xwininfo -name Latchkey 2>/dev/null | sed -n 's/^xwininfo: Window id: \(0x[0-9a-f]*\).*/\1/p')
mkdir -p "$(dirname "$LK_SHOT")"
import -window "${wid:-root}" "$LK_SHOT"
kill "$pid"; wait "$pid" 2>/dev/null
exit 0
INNER
chmod +x "$scratch/inner.sh"

export HOME="$scratch/home" XDG_DATA_HOME="$scratch/home/data" XDG_CONFIG_HOME="$scratch/home/config"
export XDG_CACHE_HOME="$scratch/home/cache"
export GSETTINGS_SCHEMA_DIR="$schemadir" GSETTINGS_BACKEND=memory NO_AT_BRIDGE=1 GTK_A11Y=none
export LK_APP="$app" LK_SCRATCH="$scratch" LK_SHOT="$shot"
unset DBUS_SESSION_BUS_ADDRESS GNOME_KEYRING_CONTROL
dbus-run-session --config-file="$scratch/bus.conf" -- "$scratch/inner.sh"
echo "ok: the token window stays up without a Secret Service ($shot)"
if grep -q "CRITICAL\|WARNING" "$scratch/app.log"; then
  echo "FAIL: latchkey logged warnings:"; cat "$scratch/app.log"; exit 1
fi
# No token store of any kind was created in place of the keyring.
left=$(find "$scratch/home" -type f ! -path "*/cache/*" | head -n 5)
if [ -n "$left" ]; then
  echo "FAIL: files were written without a keyring:"; echo "$left"; exit 1
fi
echo "ok: no file written"
