#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
# Checks what can be checked of the Flatpak manifest without the runtime:
# every module source is pinned, every dependency meson requires is in the
# GNOME runtime or built by a module, and finish-args stay minimal.
#   check-flatpak.py SOURCE_ROOT MANIFEST
import json
import os
import re
import sys

root, manifest_path = sys.argv[1:3]

# pkg-config names the org.gnome.Platform/Sdk 47 provides (GNOME's own
# libraries on top of the freedesktop SDK 24.08). Keep it to what the
# runtime documents shipping; anything else must be a module below.
RUNTIME = {
    'glib-2.0', 'gobject-2.0', 'gio-2.0', 'gio-unix-2.0', 'gmodule-2.0',
    'gtk4', 'gtk4-x11', 'libadwaita-1', 'libsoup-3.0', 'json-glib-1.0',
    'libsecret-1', 'libgcrypt', 'sqlite3', 'libcrypto', 'libssl', 'libpng', 'libcurl',
    'gstreamer-1.0', 'gstreamer-app-1.0', 'x11', 'libxml-2.0',
}
RUNTIME_PROGRAMS = {'glib-compile-schemas', 'glib-compile-resources', 'python3',
                    'msgfmt', 'xgettext', 'msgmerge'}
# What each module of the manifest provides (pkg-config names, programs).
MODULE_PROVIDES = {
    'protobuf': {'protobuf', 'protoc'},
    'protobuf-c': {'libprotobuf-c', 'protoc-c'},
    'libqrencode': {'libqrencode'},
    'zbar': {'zbar'},
    'libportal': {'libportal', 'libportal-gtk4'},
    'libpq': {'libpq'},
}
ALLOWED_FINISH_ARGS = {'--share=network', '--share=ipc', '--socket=wayland',
                       '--socket=fallback-x11', '--device=dri'}

failures = []
manifest = json.load(open(manifest_path, encoding='utf-8'))

for key, want in (('runtime', 'org.gnome.Platform'), ('sdk', 'org.gnome.Sdk'),
                  ('command', 'latchkey'), ('id', 'org.latchkey.Latchkey')):
    if manifest.get(key) != want:
        failures.append('%s is %r, expected %r' % (key, manifest.get(key), want))

for arg in manifest.get('finish-args', []):
    if arg not in ALLOWED_FINISH_ARGS:
        failures.append('finish-arg %s is not one of the documented minimal set' % arg)
for arg in ALLOWED_FINISH_ARGS:
    if arg not in manifest.get('finish-args', []):
        failures.append('finish-arg %s is missing' % arg)

provided = set()
modules = manifest.get('modules', [])
for module in modules:
    name = module.get('name')
    if name == 'latchkey':
        opts = module.get('config-opts', [])
        for opt in ('-Dbenchmarks=false', '-Dtests=false'):
            if opt not in opts:
                failures.append('the latchkey module must build with ' + opt)
        if module.get('buildsystem') != 'meson':
            failures.append('the latchkey module must use buildsystem meson')
        continue
    if name not in MODULE_PROVIDES:
        failures.append('module %s: unknown to this check; add what it provides' % name)
    provided |= MODULE_PROVIDES.get(name, set())
    for source in module.get('sources', []):
        kind = source.get('type')
        if kind in ('archive', 'file'):
            if not re.fullmatch(r'[0-9a-f]{64}', source.get('sha256', '')):
                failures.append('module %s: %s source without a sha256' % (name, kind))
            elif source['url'].startswith('http://'):
                failures.append('module %s: plain http url' % name)
            else:
                print('ok: %s pinned by sha256 %s' % (name, source['sha256'][:12]))
        elif kind == 'git':
            if not re.fullmatch(r'[0-9a-f]{40}', source.get('commit', '')):
                failures.append('module %s: git source without a commit' % name)
            else:
                print('ok: %s pinned by commit' % name)
        elif kind in ('shell', 'patch'):
            pass  # runs or applies local content, nothing downloaded
        else:
            failures.append('module %s: source type %s is not pinned' % (name, kind))
if not modules or modules[-1].get('name') != 'latchkey':
    failures.append('the last module must be latchkey itself')

# Every dependency()/find_program() meson needs for the app (bench/ is off,
# fuzz targets and tests' helpers are not built into the bundle).
dep_re = re.compile(r"\bdependency\(\s*'([^']+)'([^)]*)\)")
prog_re = re.compile(r"\bfind_program\(\s*'([^']+)'([^)]*)\)")
for dirpath, dirnames, filenames in os.walk(root):
    rel = os.path.relpath(dirpath, root)
    dirnames[:] = [d for d in dirnames if not d.startswith(('_build', '.', 'bench', 'tests', 'flatpak'))]
    if 'meson.build' not in filenames:
        continue
    text = open(os.path.join(dirpath, 'meson.build'), encoding='utf-8').read()
    for name, rest in dep_re.findall(text):
        if "get_option('benchmarks'" in rest:
            continue
        where = os.path.join(rel, 'meson.build')
        if name in RUNTIME:
            print('ok: %s (%s) is in the runtime' % (name, where))
        elif name in provided:
            print('ok: %s (%s) is built by a module' % (name, where))
        else:
            failures.append('%s needs %s, which is neither in the runtime list nor a module' % (where, name))
    for name, rest in prog_re.findall(text):
        if 'required: false' in rest:
            continue
        where = os.path.join(rel, 'meson.build')
        if name in RUNTIME_PROGRAMS or name in provided:
            print('ok: program %s (%s) is available' % (name, where))
        else:
            failures.append('%s needs the program %s, which nothing provides' % (where, name))

for f in failures:
    print('FAIL:', f)
sys.exit(1 if failures else 0)
