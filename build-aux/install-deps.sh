#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The single list of Debian 12 packages Latchkey needs to build, run, test,
# fuzz and benchmark. Installs only what is missing, so a second run is quick.
set -euo pipefail

packages=(
  # toolchain and build
  meson ninja-build pkg-config gcc clang libclang-rt-14-dev gettext
  # libraries (see docs/architecture.md for which layer uses which)
  libglib2.0-dev libglib2.0-bin libgtk-4-dev libadwaita-1-dev
  libsoup-3.0-dev libjson-glib-dev libssl-dev libqrencode-dev libzbar-dev
  libsecret-1-dev libgcrypt20-dev libsqlite3-dev libcurl4-openssl-dev libxml2-dev
  libprotobuf-c-dev protobuf-c-compiler libpq-dev libpng-dev zlib1g-dev
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  libportal-dev libportal-gtk4-dev
  # peers for differential tests and benchmarks
  liboath-dev oathtool wrk python3-cryptography
  otpclient
  # real components the tests start
  gnome-keyring dbus dbus-x11 libsecret-tools xvfb xauth imagemagick zbar-tools
  openssl python3-aiosmtpd postgresql at-spi2-core
  # data checks
  desktop-file-utils appstream flatpak-builder locales
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "Installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
