# SPDX-License-Identifier: GPL-3.0-or-later
# Sourced by the no-Secret-Service checks: writes DIR/bus.conf, a session bus
# that listens in DIR/run and has no service directories, so neither
# org.freedesktop.secrets nor the portals can be activated.
#   write_empty_bus_conf DIR
write_empty_bus_conf() {
  cat > "$1/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir=$1/run</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
CONF
}
