#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
# Checks the module split (src/core/lk-module.h): the latchkey program maps
# none of the libraries that only later features need, the modules do, and
# every symbol of each module resolves (it links what it needs itself).
#   check-module-split.py LATCHKEY TOKEN_EXTRAS_MODULE [ADMIN_MODULE]
import subprocess
import sys

# Libraries a token list does not need: provisioning (libsoup, and through
# the api layer libpq, SQLite, libxml2, GnuTLS), scanners (GStreamer,
# libportal), import formats (protobuf-c), admin mode (libcurl).
# And OpenSSL: token mode computes codes with libgcrypt, which libsecret
# maps anyway (src/core/lk-otp-key-gcrypt.c).
LATER = ['libsoup-3.0', 'libpq', 'libsqlite3', 'libxml2', 'libgnutls', 'libgstreamer-1.0',
         'libportal', 'libprotobuf-c', 'libcurl', 'libcrypto', 'libssl']
# What the token-extras module must bring (so the check above is not
# passing merely because a feature was dropped).
EXTRAS_NEED = ['libsoup-3.0', 'libgstreamer-1.0', 'libportal', 'libprotobuf-c']

failures = []


def ldd(path, *flags):
    out = subprocess.run(['ldd', *flags, path], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if out.returncode != 0:
        failures.append('ldd %s failed:\n%s' % (path, out.stdout))
    return out.stdout


program, extras = sys.argv[1:3]
modules = sys.argv[2:]

mapped = ldd(program)
for lib in LATER:
    if lib + '.so' in mapped:
        failures.append('%s maps %s at start-up; it belongs in a module' % (program, lib))
    else:
        print('ok: latchkey does not map', lib)

extras_libs = ldd(extras)
for lib in EXTRAS_NEED:
    if lib + '.so' not in extras_libs:
        failures.append('%s does not link %s' % (extras, lib))
    else:
        print('ok: the token-extras module links', lib)

for module in modules:
    # -r: resolve data and function relocations, as dlopen with RTLD_NOW does.
    report = ldd(module, '-r')
    if 'undefined symbol' in report:
        failures.append('%s has undefined symbols:\n%s' % (module, report))
    else:
        print('ok: every symbol of', module, 'resolves')

for failure in failures:
    print('FAIL:', failure)
sys.exit(1 if failures else 0)
