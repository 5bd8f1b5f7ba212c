#!/usr/bin/env sh
# Installs the pinned stripe-mock into <repo>/.bin when it is missing, then
# runs it bound to loopback only. The Stripe adapter's tests start their own
# instance (billing/stripe/stripemock); this script is for running it by hand.
#
#   scripts/stripe-mock.sh            install if missing, then run on 127.0.0.1:12111
#   scripts/stripe-mock.sh install    install if missing and exit
#
# The version is pinned so that fixtures (and thus test expectations) do not
# drift under us; keep it in sync with billing/stripe/stripemock.Version.
set -eu

VERSION=v0.183.0
ROOT=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
BIN="$ROOT/.bin"
MOCK="$BIN/stripe-mock"

if [ ! -x "$MOCK" ]; then
	mkdir -p "$BIN"
	echo "installing stripe-mock $VERSION into $BIN" >&2
	GOBIN="$BIN" go install "github.com/stripe/stripe-mock@$VERSION"
fi

if [ "${1:-}" = "install" ]; then
	exit 0
fi

# Only loopback addresses: stripe-mock's other port flags listen on every
# interface.
exec "$MOCK" -http-addr "127.0.0.1:${STRIPE_MOCK_HTTP_PORT:-12111}" -https-addr "127.0.0.1:${STRIPE_MOCK_HTTPS_PORT:-12112}"
