#!/usr/bin/env bash
# Starts a throwaway MariaDB for the tests of `tocsin breach scan --db` and
# prints its DSN (mysql://user:pass@127.0.0.1:PORT/db) as the last line.
#
#   scripts/start-mariadb.sh [DATA_DIR]        (default /tmp/tocsin-mariadb)
#   MYSQL_PORT=33069                           port on 127.0.0.1 (default 33069)
#
# It needs Debian's mariadb-server package (apt-get install mariadb-server).
# The server listens on 127.0.0.1 only, with a fixed password: it is for
# tests, never for production data. Running it again reuses the data folder
# (and starts the server if it was stopped), so it is safe to call twice.
# Stop it with: mariadb-admin --socket=DATA_DIR/mysqld.sock shutdown
set -euo pipefail

data="${1:-/tmp/tocsin-mariadb}"
port="${MYSQL_PORT:-33069}"
sock="$data/mysqld.sock"
user=tocsin
pass=tocsin-test
db=tocsin

server=""
for b in /usr/sbin/mariadbd /usr/sbin/mysqld; do
	if [ -x "$b" ]; then
		server="$b"
		break
	fi
done
if [ -z "$server" ] || ! command -v mariadb-install-db >/dev/null; then
	echo "start-mariadb: MariaDB not found; install it with: apt-get install -y mariadb-server" >&2
	exit 1
fi

# The server runs as the mysql user when started by root.
runas=()
if [ "$(id -u)" -eq 0 ]; then
	runas=(--user=mysql)
fi

if [ ! -d "$data/mysql" ]; then
	mkdir -p "$data"
	if [ "$(id -u)" -eq 0 ]; then
		chown mysql:mysql "$data"
	fi
	mariadb-install-db --datadir="$data" "${runas[@]}" --auth-root-authentication-method=socket \
		--skip-test-db >"$data.install.log" 2>&1 || {
		echo "start-mariadb: mariadb-install-db failed; see $data.install.log" >&2
		exit 1
	}
fi

if ! mariadb-admin --socket="$sock" ping >/dev/null 2>&1; then
	"$server" --no-defaults --datadir="$data" --socket="$sock" --pid-file="$data/mysqld.pid" \
		--port="$port" --bind-address=127.0.0.1 --skip-name-resolve --log-error="$data/error.log" \
		"${runas[@]}" >/dev/null 2>&1 &
	for _ in $(seq 100); do
		if mariadb-admin --socket="$sock" ping >/dev/null 2>&1; then
			break
		fi
		sleep 0.2
	done
	if ! mariadb-admin --socket="$sock" ping >/dev/null 2>&1; then
		echo "start-mariadb: the server did not start; see $data/error.log" >&2
		tail -n 20 "$data/error.log" >&2 || true
		exit 1
	fi
fi

mariadb --socket="$sock" -u root <<SQL
CREATE DATABASE IF NOT EXISTS $db;
CREATE USER IF NOT EXISTS '$user'@'127.0.0.1' IDENTIFIED BY '$pass';
GRANT ALL PRIVILEGES ON $db.* TO '$user'@'127.0.0.1';
-- mysqldump --tab has the server write the data files (tests of its reader).
GRANT FILE ON *.* TO '$user'@'127.0.0.1';
FLUSH PRIVILEGES;
SQL

echo "mysql://$user:$pass@127.0.0.1:$port/$db"
