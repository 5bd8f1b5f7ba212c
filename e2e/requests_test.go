package e2e

import (
	"net/url"
	"testing"

	"github.com/depot-registry/depot/internal/browsertest"
)

// TestClassify checks the network allow-list of TestWebApp without a browser:
// a check that lets everything through would pass the browser test too.
func TestClassify(t *testing.T) {
	server, _ := url.Parse("http://127.0.0.1:4000")
	for _, tc := range []struct {
		req  browsertest.Request
		kind string // "" = refused
	}{
		{browsertest.Request{Kind: "http", Method: "GET", Type: "Document", URL: "http://127.0.0.1:4000/"}, "page"},
		{browsertest.Request{Kind: "http", Method: "GET", Type: "Document", URL: "http://127.0.0.1:4000/packages/lumen/1.0.0"}, "page"},
		{browsertest.Request{Kind: "http", Method: "GET", Type: "Document", URL: "http://127.0.0.1:4000/search?q=x"}, "page"},
		{browsertest.Request{Kind: "http", Method: "GET", Type: "Script", URL: "http://127.0.0.1:4000/assets/index-abc.js"}, "asset"},
		{browsertest.Request{Kind: "http", Method: "POST", Type: "Fetch", URL: "http://127.0.0.1:4000/graphql"}, "graphql"},
		{browsertest.Request{Kind: "websocket", URL: "ws://127.0.0.1:4000/graphql"}, "websocket"},
		{browsertest.Request{Kind: "http", Method: "GET", Type: "Other", URL: "data:,"}, "data"},

		{browsertest.Request{Kind: "http", Method: "GET", Type: "Script", URL: "https://cdn.example.com/react.js"}, ""},
		{browsertest.Request{Kind: "http", Method: "GET", Type: "Font", URL: "https://fonts.gstatic.com/x.woff2"}, ""},
		{browsertest.Request{Kind: "http", Method: "GET", Type: "Fetch", URL: "http://127.0.0.1:4000/graphql?query=%7Bviewer%7Bid%7D%7D"}, ""},
		{browsertest.Request{Kind: "http", Method: "GET", Type: "Fetch", URL: "http://127.0.0.1:4000/api/packages"}, ""},
		{browsertest.Request{Kind: "http", Method: "GET", Type: "Document", URL: "http://127.0.0.1:4000/metrics"}, ""},
		{browsertest.Request{Kind: "http", Method: "GET", Type: "Image", URL: "http://127.0.0.1:4000/favicon.ico"}, ""},
		{browsertest.Request{Kind: "http", Method: "GET", Type: "Fetch", URL: "http://127.0.0.1:4001/graphql"}, ""},
		{browsertest.Request{Kind: "websocket", URL: "ws://127.0.0.1:4000/socket"}, ""},
		{browsertest.Request{Kind: "websocket", URL: "wss://push.example.com/graphql"}, ""},
	} {
		kind, problem := classify(server, tc.req)
		if tc.kind == "" && problem == "" {
			t.Errorf("%s allowed as %q, want it refused", tc.req, kind)
		}
		if tc.kind != "" && (problem != "" || kind != tc.kind) {
			t.Errorf("%s: kind %q, problem %q; want %q", tc.req, kind, problem, tc.kind)
		}
	}
}
