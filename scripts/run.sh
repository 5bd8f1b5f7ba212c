#!/usr/bin/env bash
# Starts Depot with no configuration: SQLite and blobs in ./data, in-process
# billing. Builds the web app first when its build is missing or older than
# its sources (needs Node/npm only then), then the depot binary.
set -euo pipefail
ROOT=$(cd -- "$(dirname -- "$0")/.." && pwd)
cd "$ROOT"
if [ -f frontend/package.json ]; then
	if [ ! -f frontend/dist/app/index.html ] || [ -n "$(find frontend/src frontend/index.html frontend/package.json -newer frontend/dist/app/index.html -print -quit 2>/dev/null)" ]; then
		echo "building the web app..." >&2
		(cd frontend && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build)
	fi
fi
go build -o depot .
exec ./depot serve "$@"
