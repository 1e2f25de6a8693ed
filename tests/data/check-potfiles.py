#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
# Fails when a source file with translatable strings is missing from
# po/POTFILES.in, or when POTFILES.in names a file that does not exist.
#   check-potfiles.py SOURCE_ROOT
import os
import re
import sys

root = sys.argv[1]
# The glib preset's keywords (_, N_, C_, NC_, g_dngettext…) and GtkBuilder's
# translatable attribute; a string literal must follow, so identifiers that
# merely end in an underscore do not count.
c_marker = re.compile(r'(?<![A-Za-z0-9_])(?:N|C|NC|Q)?_\s*\(\s*"|(?<![A-Za-z0-9_])(?:g_d?n?gettext|ngettext|g_dpgettext2?)\s*\(')
ui_marker = re.compile(r'translatable="yes"')


def candidates():
    for top in ('src', 'ui'):
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames.sort()
            for name in sorted(filenames):
                if name.endswith(('.c', '.h', '.ui')):
                    yield os.path.join(dirpath, name)
    data = os.path.join(root, 'data')
    for name in sorted(os.listdir(data)):
        if name.endswith('.in') and ('.desktop' in name or '.metainfo' in name
                                     or '.gschema' in name):
            yield os.path.join(data, name)


def translatable(path):
    with open(path, encoding='utf-8', errors='replace') as f:
        text = f.read()
    if path.endswith('.ui'):
        return ui_marker.search(text) is not None
    if '.desktop' in path or '.metainfo' in path or '.gschema' in path:
        return True  # every name, comment, summary and description is
    return c_marker.search(text) is not None


listed = set()
with open(os.path.join(root, 'po', 'POTFILES.in'), encoding='utf-8') as f:
    for line in f:
        line = line.strip()
        if line and not line.startswith('#'):
            listed.add(line)

failures = 0
for path in sorted(listed):
    if not os.path.isfile(os.path.join(root, path)):
        print('FAIL: po/POTFILES.in lists %s, which does not exist' % path)
        failures += 1
checked = 0
for path in candidates():
    rel = os.path.relpath(path, root)
    if translatable(path):
        checked += 1
        if rel not in listed:
            print('FAIL: %s has translatable strings but is not in po/POTFILES.in' % rel)
            failures += 1
print('%d files with translatable strings checked, %d problems' % (checked, failures))
sys.exit(1 if failures else 0)
