package e2e

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/depot-registry/depot/internal/browsertest"
	"github.com/depot-registry/depot/internal/pkgtest"
	"github.com/depot-registry/depot/server/servertest"
)

// TestGraphiQL opens /graphql in the browser: the bundled GraphiQL renders,
// runs a query over HTTP and a subscription over the websocket, and the page
// talks to nothing but the server (it works offline, behind a firewall).
func TestGraphiQL(t *testing.T) {
	requireBuilt(t)
	env := servertest.New(t)
	b := browsertest.Start(t)
	tab := b.NewTab(t, "graphiql", env.URL, true)
	p := tab.For(t)
	const editor = `document.querySelector('.graphiql-query-editor .CodeMirror')`
	const response = `((document.querySelector('.graphiql-response') || {}).innerText || '')`
	// run types query and runs it once GraphiQL has parsed it (it does so
	// 100 ms after an edit, and picks the transport by the operation kind).
	run := func(query, operation string) {
		t.Helper()
		browsertest.Eval[bool](p, js(`(%s.CodeMirror.setValue(%q), true)`, editor, query))
		p.Wait("GraphiQL to parse the "+operation, js(`(%s.CodeMirror.documentAST || {definitions: []}).definitions.some(d => d.operation === %q) && %s.CodeMirror.getValue() === %q`,
			editor, operation, editor, query))
		p.Click(`.graphiql-execute-button`)
	}

	p.Open("/graphql", ".graphiql-execute-button")
	p.Wait("GraphiQL's query editor", js(`!!%s`, editor))
	run(`{ __typename }`, "query")
	p.Wait(`the answer {"data": {"__typename": "Query"}}`, js(`/"__typename":\s*"Query"/.test(%s)`, response))
	p.Screenshot("graphiql")

	run(`subscription { releaseEvents { kind packageName version } }`, "subscription")
	untilSubscribed(t, env)
	env.SignUp("ide_user").Publish(pkgtest.Tarball(t, "ide_pkg", "1.0.0"), nil).MustOK(t)
	p.Wait("the release event in the response", js(`/"packageName":\s*"ide_pkg"/.test(%s)`, response))

	server, _ := url.Parse(env.URL)
	var seen []string
	ws := 0
	for _, r := range tab.Requests() {
		u, err := url.Parse(r.URL)
		if err == nil && u.Scheme == "data" {
			continue // the inline favicon and fonts: never leave the browser
		}
		seen = append(seen, r.String())
		if err != nil || u.Host != server.Host {
			t.Errorf("the IDE requested %s: want only the Depot server %s", r, server.Host)
		}
		if r.Kind == "websocket" {
			ws++
		}
	}
	if ws == 0 {
		t.Errorf("the subscription opened no websocket; requests: %v", seen)
	}
}

// untilSubscribed waits until the server counts one open subscription, so a
// publish after it reaches the IDE.
func untilSubscribed(t *testing.T, env *servertest.Env) {
	t.Helper()
	deadline := time.Now().Add(browsertest.StepTimeout)
	for {
		resp, err := http.Get(env.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(body), "\ndepot_subscriptions_active 1\n") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the IDE's subscription never opened; /metrics:\n%s", body)
		}
		time.Sleep(20 * time.Millisecond) // polling a condition
	}
}
