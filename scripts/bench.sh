#!/usr/bin/env bash
# Read benchmark (BENCHMARKS.md says how to read it).
#
# Builds depot with the bench commands, starts a throwaway PostgreSQL 15
# cluster on a loopback port, seeds the benchmark data set, times `depot
# serve` to ready, runs every GraphQL shape at fixed concurrency for a fixed
# time (A–D anonymous and again with API keys, E with keys), runs the
# hand-written SQL floor of shapes A and B with pgbench (before and after
# each of those shapes' load, keyed or not), reports the server's and
# PostgreSQL's CPU per request, then
# does the same (without floor) on SQLite. Prints the tables and appends one
# line to BENCHMARKS.md's History section. Everything it starts is stopped
# on exit; nothing listens beyond 127.0.0.1.
#
# Settings (environment): BENCH_DURATION (20s), BENCH_CONCURRENCY (16),
# BENCH_WARMUP (2s), BENCH_SHAPES (all), BENCH_SEED (1), BENCH_PACKAGES
# (10000), BENCH_DATABASES ("postgres sqlite"), BENCH_HISTORY (BENCHMARKS.md;
# empty: do not append), BENCH_NOTE (extra text for the history line). The
# server reads its own DEPOT_* settings from the environment too:
# DEPOT_READ_CACHE_MB=0 measures the resolvers without the read cache.
set -euo pipefail

ROOT=$(cd -- "$(dirname -- "$0")/.." && pwd)
cd "$ROOT"
export GOFLAGS=${GOFLAGS:--mod=readonly}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
DURATION=${BENCH_DURATION:-20s}
CONC=${BENCH_CONCURRENCY:-16}
WARMUP=${BENCH_WARMUP:-2s}
SHAPES=${BENCH_SHAPES:-all}
SEED=${BENCH_SEED:-1}
PACKAGES=${BENCH_PACKAGES:-10000}
DATABASES=${BENCH_DATABASES:-postgres sqlite}
HISTORY=${BENCH_HISTORY-BENCHMARKS.md}
PGBENCH_T=${DURATION%s}

step() { printf '\n==> %s\n' "$*"; }
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

WORK=$(mktemp -d /tmp/depot-bench.XXXXXX)
SERVER_PID=
PGDIR=
cleanup() {
	if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
	if [ -n "$PGDIR" ]; then runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDIR/data" -m fast stop >/dev/null 2>&1 || true; fi
	rm -rf "$WORK"
}
trap cleanup EXIT

RESULTS=$WORK/results.jsonl
BIN=$WORK/depot
step "building depot"
go build -o "$BIN" .

export DEPOT_SECRET_KEY=bench-secret-key
# One load generator is one client: lift the per-client rate limit.
export DEPOT_RATE_LIMIT=1000000 DEPOT_RATE_BURST=1000000

# bench_db LABEL DATABASE_URL DATA_DIR: seed, time to ready, load every shape.
bench_db() {
	local label=$1 url=$2 data=$3 p
	step "$label: seeding ($PACKAGES packages, seed $SEED)"
	"$BIN" bench seed -database-url "$url" -data-dir "$data" -seed "$SEED" -packages "$PACKAGES"
	if [ "$label" = postgres ]; then
		# What autovacuum would have done a minute after a bulk load; the
		# floor runs on the same statistics.
		"$PGBIN/psql" -qX "$url" -c 'VACUUM ANALYZE' >/dev/null
	fi
	p=$(port)
	step "$label: time to ready"
	"$BIN" bench ready -url "http://127.0.0.1:$p" -label "$label" -json "$RESULTS" -log "$WORK/ready-$label.log" -- \
		"$BIN" serve -database-url "$url" -data-dir "$data" -listen "127.0.0.1:$p"
	step "$label: serving on 127.0.0.1:$p; load: shapes $SHAPES, c=$CONC, $DURATION each"
	"$BIN" serve -database-url "$url" -data-dir "$data" -listen "127.0.0.1:$p" >"$WORK/serve-$label.log" 2>&1 &
	SERVER_PID=$!
	for _ in $(seq 1 600); do
		curl -fsS "http://127.0.0.1:$p/readyz" >/dev/null 2>&1 && break
		sleep 0.1
	done
	local shapes=$SHAPES pgdata=
	[ "$label" = postgres ] && pgdata=$PGDIR/data
	# Each keyed shape right after its anonymous one: the same cache (they
	# share entries) and the same minute of a shared machine.
	[ "$shapes" = all ] && shapes=A,A-key,B,B-key,C,C-key,D,D-key,E
	local floored=
	for s in ${shapes//,/ }; do
		# The floor of A and B runs right before and right after the shape's
		# load, keyed or not (the report takes the mean), so a machine whose
		# other load changes during the run skews both sides of the ratio
		# alike. A floor that just ran is not repeated.
		case $s in A | B | A-key | B-key) ;; *) floored= ;; esac
		if [ "$label" = postgres ] && [ "$floored" != "${s%-key}" ]; then
			case $s in A | B | A-key | B-key) floor "${s%-key}" "$url" ;; esac
		fi
		"$BIN" bench load ${pgdata:+-pg-data "$pgdata"} -url "http://127.0.0.1:$p" -shape "$s" -c "$CONC" -d "$DURATION" -warmup "$WARMUP" \
			-seed "$SEED" -packages "$PACKAGES" -label "$label" -json "$RESULTS" || echo "(load reported errors)"
		floored=
		if [ "$label" = postgres ]; then
			case $s in A | B | A-key | B-key) floor "${s%-key}" "$url"; floored=${s%-key} ;; esac
		fi
	done
	kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
	SERVER_PID=
}

# floor SHAPE URL: pgbench of bench/pgbench/SHAPE.sql, recorded as a floor
# result with PostgreSQL's CPU per transaction.
floor() {
	local shape=$1 url=$2 out tps lat n cpu0 cpu1 pgms
	step "postgres: SQL floor of shape $shape (pgbench -c $CONC -j 1 -T $PGBENCH_T)"
	cpu0=$("$BIN" bench pgcpu -pg-data "$PGDIR/data")
	out=$("$PGBIN/pgbench" -n -M prepared -f "bench/pgbench/$shape.sql" -D npackages="$PACKAGES" \
		-c "$CONC" -j 1 -T "$PGBENCH_T" "$url" 2>&1) || { echo "$out"; return 1; }
	cpu1=$("$BIN" bench pgcpu -pg-data "$PGDIR/data")
	echo "$out" | grep -E 'latency average|tps =' || true
	tps=$(echo "$out" | sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -1)
	lat=$(echo "$out" | sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' | head -1)
	n=$(echo "$out" | sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' | head -1)
	pgms=$(awk -v a="$cpu0" -v b="$cpu1" -v n="${n:-0}" 'BEGIN { if (n > 0) printf "%.4f", 1000 * (b - a) / n; else print 0 }')
	echo "PostgreSQL CPU per transaction: $pgms ms"
	printf '{"kind":"floor","label":"postgres","shape":"%s","tps":%s,"latency_ms":%s,"pg_cpu_ms_per_tx":%s}\n' "$shape" "${tps:-0}" "${lat:-0}" "$pgms" >>"$RESULTS"
}

PGVERSION=
for db in $DATABASES; do
	case $db in
	postgres)
		PGDIR=$(mktemp -d /tmp/depot-bench-pg.XXXXXX)
		chown postgres "$PGDIR"
		PGPORT=$(port)
		step "starting PostgreSQL 15 on 127.0.0.1:$PGPORT"
		runuser -u postgres -- "$PGBIN/initdb" -D "$PGDIR/data" -A trust -U postgres --locale=C.UTF-8 -E UTF8 >/dev/null
		runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/log" -w \
			-o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $PGDIR -c max_connections=200" start >/dev/null
		PGVERSION=$("$PGBIN/postgres" --version | sed 's/.*) //')
		"$PGBIN/psql" -qX "postgres://postgres@127.0.0.1:$PGPORT/postgres" -c 'CREATE DATABASE depot_bench'
		PGURL="postgres://postgres@127.0.0.1:$PGPORT/depot_bench?sslmode=disable"
		bench_db postgres "$PGURL" "$WORK/pg-data"
		runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDIR/data" -m fast stop >/dev/null
		rm -rf "$PGDIR"
		PGDIR=
		;;
	sqlite)
		bench_db sqlite "" "$WORK/sqlite-data"
		;;
	*) echo "unknown database $db" >&2; exit 2 ;;
	esac
done

step "results"
NOTE="PostgreSQL ${PGVERSION:-n/a}, c=$CONC, ${DURATION}/shape, seed $SEED, $PACKAGES packages, read cache ${DEPOT_READ_CACHE_MB:-20} MiB${BENCH_NOTE:+, $BENCH_NOTE}"
"$BIN" bench report -in "$RESULTS" -note "$NOTE" ${HISTORY:+-history "$HISTORY"}
