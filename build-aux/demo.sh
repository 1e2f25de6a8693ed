#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A short tour of latchkeyctl for machines with no display.
set -euo pipefail
build=${1:-_build}
ctl="$build/src/cli/latchkeyctl"
uri='otpauth://totp/Example:alice@example.com?secret=JBSWY3DPEHPK3PXP&issuer=Example&digits=6&period=30'

echo "\$ latchkeyctl uri '$uri' --json"
"$ctl" uri "$uri" --json
echo
echo "\$ latchkeyctl code --uri '<the same URI>'"
"$ctl" code --uri "$uri"
echo
echo "\$ latchkeyctl code --secret 3132333435363738393031323334353637383930 --type hotp --counter 1 (RFC 4226 key, as Base32)"
"$ctl" code --secret GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ --type hotp --counter 1
