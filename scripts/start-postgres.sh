#!/usr/bin/env bash
# Starts a throwaway PostgreSQL for Tocsin's tests and benchmarks and prints
# its DSN as the last line of output.
#
#   scripts/start-postgres.sh [DATA_DIR]        (default /tmp/tocsin-pg)
#   PGPORT=5433                                 port on 127.0.0.1 (default 5433)
#
# It needs Debian's postgresql package (apt-get install postgresql). The
# cluster listens on 127.0.0.1 only, with trust authentication on loopback:
# it is for tests, never for production data. Running it again reuses the
# cluster (and starts it if it was stopped), so it is safe to call twice.
# Stop it with: runuser -u postgres -- pg_ctl -D DATA_DIR stop
set -euo pipefail

data="${1:-/tmp/tocsin-pg}"
port="${PGPORT:-5433}"
role=tocsin
db=tocsin

bindir=""
for v in 17 16 15; do
	if [ -x "/usr/lib/postgresql/$v/bin/pg_ctl" ]; then
		bindir="/usr/lib/postgresql/$v/bin"
		break
	fi
done
if [ -z "$bindir" ]; then
	echo "start-postgres: PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin;" >&2
	echo "start-postgres: install them with: apt-get install -y postgresql" >&2
	exit 1
fi

# The server refuses to run as root: as root, run it as the postgres user.
as_pg() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

if [ ! -s "$data/PG_VERSION" ]; then
	mkdir -p "$data"
	if [ "$(id -u)" -eq 0 ]; then
		chown postgres:postgres "$data"
	fi
	chmod 700 "$data"
	as_pg "$bindir/initdb" -D "$data" --username=postgres --auth=trust \
		--encoding=UTF8 --locale=C >"$data.initdb.log" 2>&1 || {
		cat "$data.initdb.log" >&2
		echo "start-postgres: initdb failed in $data" >&2
		exit 1
	}
fi

# Our settings live in their own file, rewritten each time, included once.
conf="$data/tocsin.conf"
as_pg tee "$conf" >/dev/null <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$data'
max_connections = 100
shared_buffers = 256MB
fsync = on
synchronous_commit = on
logging_collector = off
EOF
if ! grep -q "^include_if_exists = 'tocsin.conf'" "$data/postgresql.conf"; then
	echo "include_if_exists = 'tocsin.conf'" | as_pg tee -a "$data/postgresql.conf" >/dev/null
fi

if as_pg "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; then
	running_port="$(sed -n 4p "$data/postmaster.pid" 2>/dev/null || true)"
	if [ "$running_port" != "$port" ]; then
		echo "start-postgres: the cluster in $data already runs on port $running_port, not $port;" >&2
		echo "start-postgres: stop it (pg_ctl -D $data stop) or set PGPORT=$running_port" >&2
		exit 1
	fi
else
	if ! as_pg "$bindir/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 start >/dev/null; then
		tail -n 20 "$data/server.log" >&2 || true
		echo "start-postgres: the server did not start (is port $port taken?)" >&2
		exit 1
	fi
fi

ready=""
for _ in $(seq 1 60); do
	if "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port"; then
		ready=1
		break
	fi
	sleep 0.5
done
if [ -z "$ready" ]; then
	echo "start-postgres: the server on 127.0.0.1:$port is not ready after 30 s" >&2
	exit 1
fi

psql_admin() {
	"$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres "$@"
}
if [ "$(psql_admin -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$role'")" != 1 ]; then
	psql_admin -c "CREATE ROLE $role LOGIN"
fi
if [ "$(psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'")" != 1 ]; then
	psql_admin -c "CREATE DATABASE $db OWNER $role"
fi

echo "postgres://$role@127.0.0.1:$port/$db?sslmode=disable"
