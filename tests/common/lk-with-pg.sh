#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs a command against a private PostgreSQL cluster: initdb in a temporary
# directory, a server on loopback and a private socket directory, then
# LK_TEST_STORE=pg and LK_TEST_PG_URI (the admin connection) exported for
# the command; the cluster is stopped and removed afterwards.
# Usage: lk-with-pg.sh COMMAND [ARGS…]
set -u

bindir=${LK_PG_BINDIR:-}
if [ -z "$bindir" ]; then
  for d in /usr/lib/postgresql/*/bin; do bindir=$d; done
fi
if [ ! -x "$bindir/initdb" ]; then
  echo "1..0 # SKIP PostgreSQL server binaries not found" ; exit 0
fi

tmp=$(mktemp -d /tmp/lk-pg-XXXXXX) || exit 1
chmod 755 "$tmp"
# initdb refuses to run as root: the cluster belongs to an unprivileged user.
as_user=""
if [ "$(id -u)" = 0 ]; then
  chown postgres "$tmp"
  as_user="runuser -u postgres --"
fi

cleanup () {
  $as_user "$bindir/pg_ctl" -D "$tmp/data" -m immediate stop >/dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

$as_user "$bindir/initdb" -D "$tmp/data" -A trust -U postgres -E UTF8 --locale=C --no-sync >"$tmp/initdb.log" 2>&1 || {
  cat "$tmp/initdb.log" >&2; exit 1; }

# -F (no fsync) is for test speed only; production keeps fsync on, and so
# do benchmarks (LK_PG_FSYNC=1).
fsync_opt="-F"
[ "${LK_PG_FSYNC:-0}" = 1 ] && fsync_opt=""
started=""
for try in 1 2 3 4 5 6 7 8; do
  port=$(shuf -i 20000-60000 -n 1)
  if $as_user "$bindir/pg_ctl" -D "$tmp/data" -l "$tmp/server.log" -w -t 30 \
       -o "-k $tmp -h 127.0.0.1 -p $port $fsync_opt -c max_connections=200 -c shared_buffers=16MB" start >/dev/null 2>&1; then
    started=yes; break
  fi
done
if [ -z "$started" ]; then
  cat "$tmp/server.log" >&2; exit 1
fi

export LK_TEST_STORE=pg
export LK_TEST_PG_URI="host=127.0.0.1 port=$port user=postgres dbname=postgres"
export LK_TEST_PG_DATA="$tmp/data"
export LK_TEST_PG_CTL="$as_user $bindir/pg_ctl"
export LK_TEST_PG_OPTS="-k $tmp -h 127.0.0.1 -p $port $fsync_opt -c max_connections=200 -c shared_buffers=16MB"
"$@"
rc=$?
exit $rc
