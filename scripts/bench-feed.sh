#!/usr/bin/env bash
# Live-feed benchmark (BENCHMARKS.md, "Live feeds"): many idle websocket
# subscribers to releaseEvents, a few publishes, delivery latency and server
# memory per idle subscriber.
#
# Builds depot, then
#   1. per size in FEED_SIZES: a fresh `depot serve` on SQLite, `depot bench
#      feed -n SIZE` against it;
#   2. a throwaway PostgreSQL 15 cluster and two depot instances on it (same
#      DEPOT_SECRET_KEY and DEPOT_REPO_KEY_FILE, separate data folders),
#      FEED_PG_SIZES subscribers split across both, publishes through the
#      first, so half the subscribers hear of events through LISTEN/NOTIFY.
# Everything it starts is stopped on exit; nothing listens beyond 127.0.0.1;
# every step is bounded with timeout(1).
#
# Settings (environment): FEED_SIZES ("1000 10000"), FEED_PG_SIZES (1000;
# empty skips PostgreSQL), FEED_EVENTS (20), FEED_NOFILE (250000: the
# open-files limit to raise to, where permitted), FEED_RAMP_PER_1000 (1s: the
# connection ramp per 1,000 subscribers, at least 2s), FEED_STEP_TIMEOUT
# (300: seconds per tool run), FEED_JSON (append results as JSON lines here).
set -euo pipefail

ROOT=$(cd -- "$(dirname -- "$0")/.." && pwd)
cd "$ROOT"
export GOFLAGS=${GOFLAGS:--mod=readonly}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
SIZES=${FEED_SIZES-1000 10000}
PG_SIZES=${FEED_PG_SIZES-1000}
EVENTS=${FEED_EVENTS:-20}
RAMP_PER_1000=${FEED_RAMP_PER_1000:-1}
STEP_TIMEOUT=${FEED_STEP_TIMEOUT:-300}

step() { printf '\n==> %s\n' "$*"; }
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
ramp() { local r=$(($1 * RAMP_PER_1000 / 1000)); echo "$((r < 2 ? 2 : r))s"; }

WORK=$(mktemp -d /tmp/depot-bench-feed.XXXXXX)
PIDS=()
PGDIR=
stop_servers() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do
		# Give each 20 s to shut down (it closes every socket), then kill.
		timeout 20 tail --pid="$p" -f /dev/null 2>/dev/null || kill -9 "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	PIDS=()
}
cleanup() {
	stop_servers
	if [ -n "$PGDIR" ]; then runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDIR/data" -m fast stop >/dev/null 2>&1 || true; rm -rf "$PGDIR"; fi
	rm -rf "$WORK"
}
trap cleanup EXIT

BIN=$WORK/depot
step "building depot"
go build -o "$BIN" .

export DEPOT_SECRET_KEY=feed-bench-secret-key
# One load client opens every connection from 127.0.0.1, and the rate limit
# counts each websocket upgrade as a request: lift it.
export DEPOT_RATE_LIMIT=1000000 DEPOT_RATE_BURST=1000000
# Every instance signs registry payloads with the same key.
openssl genrsa -out "$WORK/repo-key.pem" 2048 2>/dev/null
export DEPOT_REPO_KEY_FILE=$WORK/repo-key.pem
# Each subscriber is one socket in the server and one in the load client:
# raise the open-files limit to FEED_NOFILE (default 250,000, enough for
# 100,000 subscribers) where the machine allows it. Go raises the soft limit
# to the hard one at start; say what they are.
want_nofile=${FEED_NOFILE:-250000}
if [ "$(ulimit -Hn)" != unlimited ] && [ "$(ulimit -Hn)" -lt "$want_nofile" ]; then
	ulimit -Hn "$want_nofile" 2>/dev/null || echo "cannot raise the hard open-files limit to $want_nofile here (needs CAP_SYS_RESOURCE)"
fi
ulimit -Sn "$(ulimit -Hn)" 2>/dev/null || true
echo "open-files limit: soft $(ulimit -Sn), hard $(ulimit -Hn) (each subscriber is one socket in the server and one in the client)"
echo "local port range: $(cat /proc/sys/net/ipv4/ip_local_port_range) (one load client from 127.0.0.1 to one server port opens at most that many)"

# serve NAME DATABASE_URL: start an instance, wait for /readyz; sets URL.
serve() {
	local name=$1 db=$2 p
	p=$(port)
	mkdir -p "$WORK/$name"
	"$BIN" serve -database-url "$db" -data-dir "$WORK/$name" -listen "127.0.0.1:$p" >"$WORK/$name.log" 2>&1 &
	PIDS+=($!)
	for _ in $(seq 1 300); do
		curl -fsS "http://127.0.0.1:$p/readyz" >/dev/null 2>&1 && break
		sleep 0.1
	done
	curl -fsS "http://127.0.0.1:$p/readyz" >/dev/null || { echo "$name did not become ready:"; tail -20 "$WORK/$name.log"; return 1; }
	URL=http://127.0.0.1:$p
}

# feed LABEL N URLS
feed() {
	local label=$1 n=$2 urls=$3
	step "$label: $n subscribers, $EVENTS events, ramp $(ramp "$n")"
	# The machine may be shared: say how busy it was.
	echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
	timeout -k 10 "$STEP_TIMEOUT" "$BIN" bench feed -url "$urls" -n "$n" -events "$EVENTS" -ramp "$(ramp "$n")" \
		-label "$label" ${FEED_JSON:+-json "$FEED_JSON"} || echo "(feed run $label failed or timed out: exit $?)"
	echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
}

for n in $SIZES; do
	serve "sqlite-$n" ""
	feed "sqlite, 1 instance" "$n" "$URL"
	echo "server warnings+errors logged: $(grep -ciE 'level=(warn|error)' "$WORK/sqlite-$n.log" || true)"
	stop_servers
done

if [ -n "$PG_SIZES" ]; then
	PGDIR=$(mktemp -d /tmp/depot-bench-feed-pg.XXXXXX)
	chown postgres "$PGDIR"
	PGPORT=$(port)
	step "starting PostgreSQL 15 on 127.0.0.1:$PGPORT"
	runuser -u postgres -- "$PGBIN/initdb" -D "$PGDIR/data" -A trust -U postgres --locale=C.UTF-8 -E UTF8 >/dev/null
	runuser -u postgres -- timeout 60 "$PGBIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/log" -w \
		-o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $PGDIR -c max_connections=200" start >/dev/null
	for n in $PG_SIZES; do
		db=feed_$n
		"$PGBIN/psql" -qX "postgres://postgres@127.0.0.1:$PGPORT/postgres" -c "CREATE DATABASE $db"
		PGURL="postgres://postgres@127.0.0.1:$PGPORT/$db?sslmode=disable"
		serve "pg-a-$n" "$PGURL"
		A=$URL
		serve "pg-b-$n" "$PGURL"
		B=$URL
		feed "postgres, 2 instances" "$n" "$A,$B"
		stop_servers
	done
fi
