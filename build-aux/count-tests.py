#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Sums meson's test logs into the one closing line CI reads: N passed, N failed."""
import argparse
import json
import os
import sys

parser = argparse.ArgumentParser()
parser.add_argument("builds", nargs="+")
parser.add_argument("--extra-passed", type=int, default=0)
parser.add_argument("--extra-failed", type=int, default=0)
args = parser.parse_args()

passed, failed, skipped = args.extra_passed, args.extra_failed, 0
for build in args.builds:
    log = os.path.join(build, "meson-logs", "testlog.json")
    if not os.path.exists(log):
        failed += 1  # a build that never ran its tests is a failure, not a pass
        continue
    with open(log, encoding="utf-8") as f:
        for line in f:
            result = json.loads(line).get("result")
            if result in ("OK", "EXPECTEDFAIL"):
                passed += 1
            elif result == "SKIP":
                skipped += 1
            else:
                failed += 1
if skipped:
    print(f"({skipped} skipped)")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
