//go:build tools

// Package tools pins the code generators and test-only modules so that
// `go generate` and the test command use the versions recorded in go.mod.
package tools

import (
	_ "entgo.io/contrib/entgql"
	_ "entgo.io/ent/cmd/ent"
	_ "github.com/99designs/gqlgen"
	_ "github.com/99designs/gqlgen/graphql/handler"
	_ "github.com/chromedp/chromedp"
	_ "github.com/gorilla/websocket"
	_ "github.com/hashicorp/golang-lru/v2"
	_ "github.com/lib/pq"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/stripe/stripe-go/v76"
	_ "github.com/vektah/gqlparser/v2"
	_ "golang.org/x/crypto/argon2"
	_ "golang.org/x/time/rate"
	_ "google.golang.org/protobuf/encoding/protowire"
	_ "modernc.org/sqlite"
)
