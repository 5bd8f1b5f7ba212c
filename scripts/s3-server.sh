#!/usr/bin/env sh
# Builds the pinned SeaweedFS `weed` into <repo>/.bin when it is missing, and
# runs it as an S3 server for tests, every listener on 127.0.0.1.
#
#   scripts/s3-server.sh install    build if missing and exit
#   scripts/s3-server.sh run DIR    build if missing, then run `weed mini` with
#                                   its data in DIR; writes the server's
#                                   DEPOT_TEST_S3_URL to DIR/url first
#
# SeaweedFS's go.mod has a replace directive, which `go install pkg@version`
# refuses, so it is built inside a throwaway module that requires the pinned
# version and repeats that replace. Keep VERSION in step with blob/s3/s3test.
set -eu

VERSION=v0.0.0-20261109003541-7506e5f91cd6
ROOT=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
BIN="$ROOT/.bin"
WEED="$BIN/weed"

if [ ! -x "$WEED" ]; then
	mkdir -p "$BIN"
	echo "building SeaweedFS $VERSION into $BIN (a few minutes, once)" >&2
	MOD=$(mktemp -d)
	trap 'rm -rf "$MOD"' EXIT
	cat >"$MOD/go.mod" <<MOD
module depot.invalid/weedbuild

go 1.26.0

require github.com/seaweedfs/seaweedfs $VERSION

replace github.com/tyler-smith/go-bip39 => github.com/cosmos/go-bip39 v1.0.0
MOD
	(cd "$MOD" && GOFLAGS=-mod=mod go build -trimpath -ldflags=-s -o "$WEED.partial.$$" github.com/seaweedfs/seaweedfs/weed)
	mv "$WEED.partial.$$" "$WEED"
fi

case "${1:-}" in
install) exit 0 ;;
run) ;;
*) echo "usage: $0 install | run DIR" >&2; exit 2 ;;
esac

DIR=${2:?usage: $0 run DIR}
mkdir -p "$DIR/data"
# Ten free loopback ports: master, volume, filer, S3 and the admin server
# (which runs even without its UI), each HTTP and gRPC.
set -- $(python3 -c '
import socket
ss = [socket.socket() for _ in range(10)]
for s in ss: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))
for s in ss: s.close()')
KEY=depot-test
SECRET=depot-test-secret
echo "http://$KEY:$SECRET@127.0.0.1:$7" >"$DIR/url"
# WebDAV, the admin UI, Iceberg, Lance and the admin server's legacy port
# would open more listeners (some on fixed ports), and telemetry would reach
# out: all off.
AWS_ACCESS_KEY_ID=$KEY AWS_SECRET_ACCESS_KEY=$SECRET exec "$WEED" mini \
	-dir="$DIR/data" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
	-master.telemetry=false -webdav=false -admin.ui=false \
	-s3.port.iceberg=0 -s3.port.lance=0 \
	-filer.localSocket="$DIR/filer.sock" -s3.localSocket="$DIR/s3.sock" \
	-master.port="$1" -master.port.grpc="$2" \
	-volume.port="$3" -volume.port.grpc="$4" \
	-filer.port="$5" -filer.port.grpc="$6" \
	-s3.port="$7" -s3.port.grpc="$8" \
	-admin.port="$9" -admin.port.grpc="${10}" -admin.port.legacy=0
