#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# D-Bus activation through the built service file (inside
# lk-test-session.sh --xvfb, whose bus reads $XDG_DATA_HOME/dbus-1/services):
# installs the file there with Exec pointed at the built latchkey, asks the
# bus to start the app by its id, and expects its window, then quits it
# through the app.quit action.
#   check-dbus-activation.sh SERVICE_FILE LATCHKEY APP_ID
set -eu
service=$1
app=$2
app_id=$3
path="/$(echo "$app_id" | tr . /)"

grep -qx "Name=$app_id" "$service" || { echo "FAIL: $service does not name $app_id"; exit 1; }
grep -q '^Exec=/.*/latchkey --gapplication-service$' "$service" || {
  echo "FAIL: $service does not run latchkey --gapplication-service:"; cat "$service"; exit 1; }

mkdir -p "$XDG_DATA_HOME/dbus-1/services"
sed "s|^Exec=.* --gapplication-service|Exec=$app --gapplication-service|" "$service" \
  > "$XDG_DATA_HOME/dbus-1/services/$app_id.service"
gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
  --method org.freedesktop.DBus.ReloadConfig >/dev/null

gdbus call --session --dest "$app_id" --object-path "$path" \
  --method org.freedesktop.Application.Activate '{}' >/dev/null
tries=0
until xwininfo -root -tree 2>/dev/null | grep -q '"Welcome to Latchkey"'; do
  tries=$((tries + 1))
  if [ "$tries" -gt 100 ]; then echo "FAIL: no window after D-Bus activation"; exit 1; fi
  sleep 0.2
done
echo "ok: $app_id started by the bus and showed its window"

gdbus call --session --dest "$app_id" --object-path "$path" \
  --method org.freedesktop.Application.ActivateAction quit '[]' '{}' >/dev/null
tries=0
while gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
        --method org.freedesktop.DBus.NameHasOwner "$app_id" 2>/dev/null | grep -q true; do
  tries=$((tries + 1))
  if [ "$tries" -gt 50 ]; then echo "FAIL: the app did not quit"; exit 1; fi
  sleep 0.2
done
echo "ok: app.quit ended it"
