#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls this and nothing else).
#
# It installs what the tests need when missing (Debian packages, stripe-mock,
# SeaweedFS, npm packages), starts one S3 server on loopback, builds and tests
# the web app, runs every Go test on SQLite, then starts a throwaway
# PostgreSQL 15 cluster on a loopback port and runs every Go test again
# against it. The cluster and the S3 server are stopped on any exit.
set -euo pipefail

ROOT=$(cd -- "$(dirname -- "$0")/.." && pwd)
cd "$ROOT"
export GOFLAGS=${GOFLAGS:--mod=readonly}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}

step() { printf '\n==> %s\n' "$*"; }

# --- what the tests need -----------------------------------------------------
need_apt=()
command -v erl >/dev/null 2>&1 || need_apt+=(erlang-nox)
command -v rebar3 >/dev/null 2>&1 || need_apt+=(rebar3)
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v curl >/dev/null 2>&1 || need_apt+=(curl) # docs/API.md's walk-through (server/walkthrough_test.go)
[ -x "$PGBIN/initdb" ] || need_apt+=(postgresql-15)
if [ ${#need_apt[@]} -gt 0 ]; then
	step "installing Debian packages: ${need_apt[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
step "installing stripe-mock (pinned)"
sh scripts/stripe-mock.sh install
export STRIPE_MOCK_BIN="$ROOT/.bin/stripe-mock"

# --- S3 server for the object-storage tests ----------------------------------
# SeaweedFS, pinned and built once into .bin (README, "Several instances").
# One server serves both Go runs; each test makes its own bucket.
step "installing the S3 server (SeaweedFS, pinned)"
sh scripts/s3-server.sh install
S3DIR=$(mktemp -d /tmp/depot-s3.XXXXXX)
sh scripts/s3-server.sh run "$S3DIR" >"$S3DIR/log" 2>&1 &
S3PID=$!
stop_s3() { kill "$S3PID" 2>/dev/null || true; wait "$S3PID" 2>/dev/null || true; rm -rf "$S3DIR"; }
trap stop_s3 EXIT
# The script writes the URL right before it starts the server; the tests
# wait until the server answers.
for _ in $(seq 100); do [ -s "$S3DIR/url" ] && break; kill -0 "$S3PID" 2>/dev/null || break; sleep 0.1; done
[ -s "$S3DIR/url" ] || { cat "$S3DIR/log" >&2; echo "the S3 server did not start" >&2; exit 1; }
export DEPOT_TEST_S3_URL
DEPOT_TEST_S3_URL=$(cat "$S3DIR/url")
step "S3 server on ${DEPOT_TEST_S3_URL#*@}"

# --- web app -----------------------------------------------------------------
if [ -f frontend/package.json ]; then
	step "web app: npm ci, type check, unit tests, build"
	# npm ci only when node_modules was not installed from this very lock file
	# (the stamp holds the lock file's hash; npm ci wipes node_modules first).
	lock_sum=$(sha256sum frontend/package-lock.json | cut -d' ' -f1)
	if [ "$(cat frontend/node_modules/.depot-lock-sha256 2>/dev/null)" != "$lock_sum" ]; then
		(cd frontend && npm ci --no-audit --no-fund --loglevel=error)
		echo "$lock_sum" >frontend/node_modules/.depot-lock-sha256
	fi
fi

# --- generated code is fresh -------------------------------------------------
# Ent, gqlgen and the web app's types are committed; regenerating them from
# the sources as they are in this tree must change nothing. The tree is
# snapshotted (tracked and untracked files, .gitignore respected) through a
# scratch index, so uncommitted work elsewhere is no failure.
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	step "generated code is fresh (go generate, web app codegen)"
	scratch_index=$(mktemp /tmp/depot-index.XXXXXX)
	snapshot() {
		cp "$(git rev-parse --git-path index)" "$scratch_index"
		GIT_INDEX_FILE=$scratch_index git add -A . && GIT_INDEX_FILE=$scratch_index git write-tree
	}
	before=$(snapshot)
	go generate ./...
	[ -f frontend/package.json ] && (cd frontend && npm run --silent codegen >/dev/null)
	after=$(snapshot)
	rm -f "$scratch_index"
	if [ "$before" != "$after" ]; then
		git diff --stat "$before" "$after" >&2
		echo "generated code is stale: run go generate ./... and (cd frontend && npm run codegen), then commit" >&2
		exit 1
	fi
else
	step "not a git checkout: the generated-code check needs one and is not run"
fi

if [ -f frontend/package.json ]; then
	(cd frontend && npm run --silent typecheck && npm test --silent && npm run --silent build)
fi

# --- Go on SQLite ------------------------------------------------------------
step "go vet"
go vet ./...
step "go test on SQLite"
go test -count=1 -timeout 30m ./...

# --- Go on PostgreSQL --------------------------------------------------------
PGDIR=$(mktemp -d /tmp/depot-pg.XXXXXX)
PGPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
stop_pg() { runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDIR/data" -m fast stop >/dev/null 2>&1 || true; rm -rf "$PGDIR"; }
trap 'stop_pg; stop_s3' EXIT
chown postgres "$PGDIR"
step "starting PostgreSQL 15 on 127.0.0.1:$PGPORT"
runuser -u postgres -- "$PGBIN/initdb" -D "$PGDIR/data" -A trust -U postgres --locale=C.UTF-8 -E UTF8 >/dev/null
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/log" -w \
	-o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $PGDIR -c max_connections=300 -c fsync=off" start >/dev/null
export DEPOT_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$PGPORT/postgres?sslmode=disable"
step "go test on PostgreSQL"
go test -count=1 -timeout 30m ./...
