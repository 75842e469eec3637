#!/usr/bin/env bash
# tocsin serve end to end: for each transport, start a fresh server, send
# EVENTS realistic sshd lines with tocsin-load (on the same machine, so the
# sender's CPU counts against the server's), and read back from /metrics how
# fast they were stored, with the receipt-to-store delay and the RSS.
#
#   scripts/bench-serve.sh [RUNS] [EVENTS]         SQLite
#   STORE=postgres scripts/bench-serve.sh          PostgreSQL (TOCSIN_TEST_POSTGRES or
#                                                  scripts/start-postgres.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-3}"
events="${2:-1000000}"
work="$(mktemp -d)"
trap 'pkill -f "$work/tocsin serve" 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/tocsin" ./cmd/tocsin
go build -o "$work/tocsin-load" ./cmd/tocsin-load
export TOCSIN_ADMIN_TOKEN="bench-admin-token-0123456789"
http=127.0.0.1:18080 syslog=127.0.0.1:15514 relp=127.0.0.1:12514
storage="storage: {driver: sqlite}"
if [ "${STORE:-sqlite}" = postgres ]; then
	dsn="${TOCSIN_TEST_POSTGRES:-$(scripts/start-postgres.sh | tail -n 1)}"
	storage="storage: {driver: postgres, dsn: \"$dsn\"}"
fi
for transport in tcp relp http; do
	for run in $(seq "$runs"); do
		rm -rf "$work/data"
		if [ "${STORE:-sqlite}" = postgres ]; then
			psql "$dsn" -qc 'DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;' >/dev/null
		fi
		cat >"$work/tocsin.yml" <<CONF
data: $work/data
$storage
http: {addr: $http}
syslog: {tcp: $syslog}
relp: {addr: $relp}
tenants:
  - {id: default, match: {networks: [127.0.0.0/8]}}
CONF
		"$work/tocsin" serve --config "$work/tocsin.yml" >"$work/serve.out" 2>"$work/serve.err" &
		for _ in $(seq 100); do curl -sf "http://$http/readyz" >/dev/null && break; sleep 0.1; done
		addr=$syslog
		[ "$transport" = relp ] && addr=$relp
		echo "== $transport run $run (${STORE:-sqlite})"
		"$work/tocsin-load" --transport "$transport" --addr "$addr" --api "http://$http" \
			--events "$events" --distinct "$events" --conns 4 | tail -n 2
		pkill -INT -f "$work/tocsin serve"
		wait
	done
done
