#!/usr/bin/env bash
# Starts a local PgBouncer (Debian's package, 1.18) in transaction pooling on 127.0.0.1:6432 in front of the
# local PostgreSQL, for the PostgreSQL suites' second pass (README: "Behind PgBouncer"). Installs it when
# missing; replaces one this script started before. Runs as the postgres user: PgBouncer refuses root.
set -euo pipefail
dir=/tmp/ci-pgbouncer
if ! command -v pgbouncer >/dev/null 2>&1; then
  echo "Installing PgBouncer"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends pgbouncer >/dev/null 2>&1 ||
    { apt-get update >/dev/null 2>&1 &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends pgbouncer >/dev/null 2>&1; }
fi
# Debian's package may have started its own on the default port; this one runs on its own settings.
[ -f "$dir/pgbouncer.pid" ] && kill "$(cat "$dir/pgbouncer.pid")" 2>/dev/null && sleep 1
mkdir -p "$dir"
cat >"$dir/pgbouncer.ini" <<INI
[databases]
* = host=127.0.0.1 port=5432

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = 6432
unix_socket_dir =
auth_type = trust
auth_file = $dir/userlist.txt
pool_mode = transaction
; the suites open many pools (two Jest workers, child processes); server connections stay well below
; PostgreSQL's max_connections
max_client_conn = 2000
default_pool_size = 40
; pg sends none of these by default; extra_float_digits comes from other drivers and tools
ignore_startup_parameters = extra_float_digits
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
INI
echo '"postgres" ""' >"$dir/userlist.txt"
chown -R postgres "$dir"
su postgres -c "pgbouncer -d '$dir/pgbouncer.ini'"
for _ in $(seq 1 50); do
  psql "postgres://postgres@127.0.0.1:6432/test" -X -q -t -c 'SELECT 1' >/dev/null 2>&1 && exit 0
  sleep 0.1
done
echo "PgBouncer did not answer on 127.0.0.1:6432; its log:" >&2
tail -n 20 "$dir/pgbouncer.log" >&2
exit 1
