#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs the build into a scratch DESTDIR and checks every desktop
# integration file lands under its app-id name; then configures a .Devel
# build (no compiling) and checks its data files use different names.
#   check-install.py BUILD_ROOT SOURCE_ROOT APP_ID
import json
import os
import subprocess
import sys
import tempfile

build_root, source_root, app_id = sys.argv[1:4]
failures = []


def expected(prefix, app):
    share = os.path.join(prefix, 'share')
    return [
        os.path.join(prefix, 'bin', 'latchkey'),
        os.path.join(share, 'applications', app + '.desktop'),
        os.path.join(share, 'metainfo', app + '.metainfo.xml'),
        os.path.join(share, 'icons', 'hicolor', 'scalable', 'apps', app + '.svg'),
        os.path.join(share, 'icons', 'hicolor', 'symbolic', 'apps', app + '-symbolic.svg'),
        os.path.join(share, 'glib-2.0', 'schemas', app + '.gschema.xml'),
        os.path.join(share, 'dbus-1', 'services', app + '.service'),
        os.path.join(prefix, 'lib', 'systemd', 'system', 'latchkeyd.service'),
        os.path.join(share, 'doc', 'latchkey', 'latchkeyd.conf.example'),
    ]


intro = json.loads(subprocess.check_output(
    ['meson', 'introspect', '--buildoptions', build_root]))
prefix = next(o['value'] for o in intro if o['name'] == 'prefix')
linguas = open(os.path.join(source_root, 'po', 'LINGUAS')).read().split()
linguas = [l for l in linguas if not l.startswith('#')]

with tempfile.TemporaryDirectory() as destdir:
    out = subprocess.run(['meson', 'install', '-C', build_root, '--no-rebuild',
                          '--quiet', '--destdir', destdir],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if out.returncode != 0:
        print(out.stdout)
        sys.exit('meson install failed')
    root = destdir + prefix
    wanted = expected(root, app_id)
    wanted += [os.path.join(root, 'share', 'locale', l, 'LC_MESSAGES', 'latchkey.mo')
               for l in linguas]
    # The loadable modules (src/core/lk-module.h), where LK_MODULEDIR says.
    libdir = next(o['value'] for o in intro if o['name'] == 'libdir')
    wanted += [os.path.join(root, libdir, 'latchkey', m + '.so') for m in ('lk-token-extras', 'lk-admin')]
    for path in wanted:
        if not os.path.isfile(path):
            failures.append('not installed: ' + os.path.relpath(path, destdir))
        else:
            print('ok: installed', os.path.relpath(path, destdir))
    # The installed desktop file must carry the translations.
    desktop = os.path.join(root, 'share', 'applications', app_id + '.desktop')
    if os.path.isfile(desktop):
        text = open(desktop, encoding='utf-8').read()
        for l in linguas:
            if 'Comment[%s]=' % l not in text:
                failures.append('desktop file lacks Comment[%s]' % l)
        if 'Icon=%s\n' % app_id not in text:
            failures.append('desktop file Icon is not ' + app_id)
    service = os.path.join(root, 'share', 'dbus-1', 'services', app_id + '.service')
    if os.path.isfile(service):
        text = open(service).read()
        if 'Name=%s\n' % app_id not in text or \
           'Exec=%s --gapplication-service' % os.path.join(prefix, 'bin', 'latchkey') not in text:
            failures.append('D-Bus service file has the wrong Name or Exec:\n' + text)

# The .Devel profile: configure only, and read its install plan.
with tempfile.TemporaryDirectory() as devel:
    out = subprocess.run(['meson', 'setup', '-Dprofile=development', '-Dbenchmarks=false', '-Dtests=false',
                          devel, source_root],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if out.returncode != 0:
        print(out.stdout[-3000:])
        sys.exit('configuring the development profile failed')
    plan = json.loads(subprocess.check_output(['meson', 'introspect', '--installed', devel]))
    planned = set(plan.values())
    devel_id = app_id.removesuffix('.Devel') + '.Devel'
    devel_prefix = next(o['value'] for o in json.loads(subprocess.check_output(
        ['meson', 'introspect', '--buildoptions', devel])) if o['name'] == 'prefix')
    for path in expected(devel_prefix, devel_id)[1:7]:
        if path not in planned:
            failures.append('the .Devel build does not install ' + path)
        else:
            print('ok: .Devel installs', path)
    release_names = {os.path.basename(p) for p in expected('/', app_id.removesuffix('.Devel'))[1:7]}
    for path in planned:
        if os.path.basename(path) in release_names:
            failures.append('the .Devel build installs a release name: ' + path)

for f in failures:
    print('FAIL:', f)
sys.exit(1 if failures else 0)
