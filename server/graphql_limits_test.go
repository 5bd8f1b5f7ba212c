package server_test

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/depot-registry/depot/graph"
	"github.com/depot-registry/depot/graph/generated"
	"github.com/depot-registry/depot/internal/pkgtest"
	"github.com/depot-registry/depot/server/servertest"
)

// typenames is a query selecting __typename n times.
func typenames(n int) string { return "{ " + strings.Repeat("__typename ", n) + "}" }

// postParams sends a POST JSON body of arbitrary GraphQL parameters.
func postParams(t *testing.T, env *servertest.Env, c *servertest.Client, params map[string]any) *servertest.Result {
	t.Helper()
	body, _ := json.Marshal(params)
	return rawPost(t, env, c, "application/json", body)
}

func sha256Hex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// Oversized query documents are refused before they are parsed and
// validated, over every transport: too many bytes, too many tokens, or one
// field repeated in a selection set (what makes validation quadratic).
func TestQuerySizeLimits(t *testing.T) {
	env := servertest.New(t)
	c := env.Anonymous()
	tests := []struct{ name, query, msg string }{
		{"10,001 fields (110 KB)", typenames(10001), "bytes"},
		{"3,000 tokens", typenames(3000), "tokens"},
		{"one field 1,000 times", typenames(1000), "selected more than"},
		{"one field 100 times, nested", "{ viewer { " + strings.Repeat("username ", 100) + "} }", "selected more than"},
		{"one field 100 times through inline fragments", "{ " + strings.Repeat("... on Query { __typename } ", 100) + "}", "selected more than"},
		{"one fragment spread 500 times", "{ " + strings.Repeat("...F ", 500) + "} fragment F on Query { __typename }", "selected more than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			r := c.Do(tt.query, nil)
			wantCode(t, r, "QUERY_TOO_COMPLEX")
			if !strings.Contains(r.Errors[0].Message, tt.msg) {
				t.Fatalf("want a message about %q, got %s", tt.msg, r.Raw)
			}
			t.Logf("POST refused in %v", time.Since(start))

			req, _ := http.NewRequest(http.MethodGet, env.URL+"/graphql?"+url.Values{"query": {tt.query}}.Encode(), nil)
			wantCode(t, c.Send(req), "QUERY_TOO_COMPLEX")
		})
	}
	// Within the limits: the same shapes, smaller, run.
	wantCode(t, c.Do(typenames(30), nil), "")
	wantCode(t, c.Do("{ "+strings.Repeat("...F ", 3)+"} fragment F on Query { __typename }", nil), "")
}

// A large document within the limits runs: 300 fields on distinct aliases,
// about 900 tokens, six times the web app's largest document (PackagePage
// with its fragments, about 150 tokens).
func TestLargeQueryWithinTheLimitsRuns(t *testing.T) {
	env := servertest.New(t)
	c := env.Anonymous()
	var b strings.Builder
	b.WriteString("{ ")
	for i := range 300 {
		fmt.Fprintf(&b, "f%d: __typename ", i)
	}
	b.WriteString("}")
	wantCode(t, c.Do(b.String(), nil), "")
}

// An oversized document sent with an APQ hash is refused and not
// registered: the hash alone later finds nothing. A document within the
// limits is registered as usual (so the check below can tell).
func TestQuerySizeLimitsWithPersistedQueries(t *testing.T) {
	env := servertest.New(t)
	c := env.Anonymous()
	persisted := func(q string, withQuery bool) *servertest.Result {
		p := map[string]any{"extensions": map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": sha256Hex(q)}}}
		if withQuery {
			p["query"] = q
		}
		return postParams(t, env, c, p)
	}
	for _, q := range []string{typenames(10001), typenames(3000), typenames(1000)} {
		wantCode(t, persisted(q, true), "QUERY_TOO_COMPLEX")
		wantCode(t, persisted(q, false), "PERSISTED_QUERY_NOT_FOUND")
	}
	small := typenames(2)
	wantCode(t, persisted(small, true), "")
	wantCode(t, persisted(small, false), "")
}

// A subscription over a websocket or SSE meets the same limits.
func TestQuerySizeLimitsOnSubscriptions(t *testing.T) {
	env := servertest.New(t)
	huge := "subscription { releaseEvents { " + strings.Repeat("cursor ", 3000) + "} }"
	repeated := "subscription { releaseEvents { " + strings.Repeat("cursor ", 100) + "} }"

	for _, q := range []string{huge, repeated} {
		d := websocket.Dialer{Subprotocols: []string{"graphql-transport-ws"}, HandshakeTimeout: 5 * time.Second}
		ws, _, err := d.Dial(strings.Replace(env.URL, "http", "ws", 1)+"/graphql", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer ws.Close()
		_ = ws.SetReadDeadline(time.Now().Add(10 * time.Second))
		if err := ws.WriteJSON(map[string]any{"type": "connection_init"}); err != nil {
			t.Fatal(err)
		}
		var ack wsMsg
		if err := ws.ReadJSON(&ack); err != nil || ack.Type != "connection_ack" {
			t.Fatalf("want connection_ack, got %+v, %v", ack, err)
		}
		if err := ws.WriteJSON(map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{"query": q}}); err != nil {
			t.Fatal(err)
		}
		var m wsMsg
		for m.Type == "" || m.Type == "ping" || m.Type == "pong" {
			if err := ws.ReadJSON(&m); err != nil {
				t.Fatalf("reading the socket: %v", err)
			}
		}
		// gqlgen reports a refused operation as a "next" message with
		// errors and no data, then "complete".
		var out struct{ Errors []servertest.Error }
		if m.Type != "next" || json.Unmarshal(m.Payload, &out) != nil || len(out.Errors) == 0 || out.Errors[0].Extensions["code"] != "QUERY_TOO_COMPLEX" {
			t.Fatalf("websocket: want an error message with QUERY_TOO_COMPLEX, got %s: %s", m.Type, m.Payload)
		}

		body, _ := json.Marshal(map[string]any{"query": q})
		req, _ := http.NewRequest(http.MethodPost, env.URL+"/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "text/event-stream")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var data string
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				data = d
				break
			}
		}
		resp.Body.Close()
		var sse struct{ Errors []servertest.Error }
		if json.Unmarshal([]byte(data), &sse) != nil || len(sse.Errors) == 0 || sse.Errors[0].Extensions["code"] != "QUERY_TOO_COMPLEX" {
			t.Fatalf("SSE: want QUERY_TOO_COMPLEX, got %q", data)
		}
	}
}

// pageField is one page-size argument of a list field, with a query that
// reaches it (the argument's value in $n).
type pageField struct {
	name, arg, query string
}

// pageFields finds every field argument named first or last in the schema
// and builds, for each, the shortest query from Query that reaches it, so
// a new list field is covered without touching this test.
func pageFields(t *testing.T) []pageField {
	t.Helper()
	schema := generated.NewExecutableSchema(generated.Config{}).Schema()
	// paths[T] wraps a selection on object type T into a query.
	paths := map[string]func(string) string{schema.Query.Name: func(sel string) string { return sel }}
	// Paths without required arguments first (they reach real rows), then
	// any path for the types still unreached.
	for _, anyArgs := range []bool{false, true} {
		queue := make([]string, 0, len(paths))
		for name := range paths {
			queue = append(queue, name)
		}
		sort.Strings(queue)
		bfs(schema, paths, queue, anyArgs)
	}
	var out []pageField
	names := make([]string, 0, len(schema.Types))
	for name := range schema.Types {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		typ := schema.Types[name]
		if typ.Kind != ast.Object || strings.HasPrefix(name, "__") {
			continue
		}
		for _, f := range typ.Fields {
			for _, arg := range []string{"first", "last"} {
				if f.Arguments.ForName(arg) == nil {
					continue
				}
				if typ == schema.Mutation || typ == schema.Subscription {
					t.Fatalf("%s.%s(%s:): extend this test to reach mutation and subscription fields", name, f.Name, arg)
				}
				wrap := paths[name]
				if wrap == nil {
					t.Fatalf("no query reaches %s.%s(%s:)", name, f.Name, arg)
				}
				parts := []string{arg + ": $n"}
				for _, a := range f.Arguments {
					if a.Name != arg {
						parts = append(parts, requiredParts(schema, ast.ArgumentDefinitionList{a})...)
					}
				}
				sel := f.Name + "(" + strings.Join(parts, ", ") + ")"
				if k := schema.Types[f.Type.Name()].Kind; k == ast.Object || k == ast.Interface || k == ast.Union {
					sel += " { __typename }"
				}
				out = append(out, pageField{name: name + "." + f.Name, arg: arg, query: "query($n: Int) { " + wrap(sel) + " }"})
			}
		}
	}
	if len(out) == 0 {
		t.Fatal("found no page-size arguments")
	}
	return out
}

// bfs extends paths breadth-first from the types in queue, through fields
// with required arguments only when anyArgs.
func bfs(schema *ast.Schema, paths map[string]func(string) string, queue []string, anyArgs bool) {
	for len(queue) > 0 {
		typ := schema.Types[queue[0]]
		queue = queue[1:]
		wrap := paths[typ.Name]
		for _, f := range typ.Fields {
			args := requiredArgs(schema, f.Arguments)
			if strings.HasPrefix(f.Name, "__") || (args != "" && !anyArgs) {
				continue
			}
			target := schema.Types[f.Type.Name()]
			var next []*ast.Definition
			switch target.Kind {
			case ast.Object:
				next = []*ast.Definition{target}
			case ast.Interface, ast.Union:
				next = schema.GetPossibleTypes(target)
			}
			call := f.Name + args
			for _, n := range next {
				if paths[n.Name] != nil {
					continue
				}
				inner := func(sel string) string { return sel }
				if n != target {
					name := n.Name
					inner = func(sel string) string { return "... on " + name + " { " + sel + " }" }
				}
				paths[n.Name] = func(sel string) string { return wrap(call + " { " + inner(sel) + " }") }
				queue = append(queue, n.Name)
			}
		}
	}
}

// requiredArgs renders placeholder values for the non-null arguments
// without defaults ("" when there are none).
func requiredArgs(schema *ast.Schema, args ast.ArgumentDefinitionList) string {
	parts := requiredParts(schema, args)
	if len(parts) == 0 {
		return ""
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

func requiredParts(schema *ast.Schema, args ast.ArgumentDefinitionList) []string {
	var parts []string
	for _, a := range args {
		if a.Type.NonNull && a.DefaultValue == nil {
			parts = append(parts, a.Name+": "+placeholder(schema, a.Type))
		}
	}
	return parts
}

func placeholder(schema *ast.Schema, typ *ast.Type) string {
	if typ.Elem != nil {
		return "[]"
	}
	def := schema.Types[typ.NamedType]
	switch {
	case def.Kind == ast.Enum:
		return def.EnumValues[0].Name
	case def.Kind == ast.InputObject:
		var parts []string
		for _, f := range def.Fields {
			if f.Type.NonNull && f.DefaultValue == nil {
				parts = append(parts, f.Name+": "+placeholder(schema, f.Type))
			}
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case typ.NamedType == "Int":
		return "1"
	case typ.NamedType == "Float":
		return "1.0"
	case typ.NamedType == "Boolean":
		return "false"
	}
	return `"x"`
}

// Every page-size argument of every list field follows one rule: 1 to
// graph.MaxPage, otherwise BAD_USER_INPUT naming the argument, before
// anything runs.
func TestPageSizeRule(t *testing.T) {
	env := servertest.New(t)
	c := env.SignUp("pagey")
	// Rows for every list to page through.
	c.Publish(pkgtest.Tarball(t, "pagey_lib", "1.0.0"), nil).MustOK(t)
	c.Do(createOrgDoc, map[string]any{"n": "pageyorg"}).MustOK(t)
	for _, pf := range pageFields(t) {
		t.Run(pf.name+"/"+pf.arg, func(t *testing.T) {
			for _, n := range []int64{0, -1, graph.MaxPage + 1, 1 << 31, 1 << 40} {
				r := c.Do(pf.query, map[string]any{"n": n})
				wantCode(t, r, "BAD_USER_INPUT")
				if r.Errors[0].Extensions["field"] != pf.arg || string(r.Data) != "" && string(r.Data) != "null" {
					t.Fatalf("%s: %d: want a refusal naming %s before anything runs, got %s\nquery: %s", pf.name, n, pf.arg, r.Raw, pf.query)
				}
				// The same value written into the document.
				literal := strings.Replace(strings.Replace(pf.query, "query($n: Int) ", "", 1), "$n", fmt.Sprint(n), 1)
				wantCode(t, c.Do(literal, nil), "BAD_USER_INPUT")
			}
			for _, n := range []int{1, graph.MaxPage} {
				// Accepted: the operation runs. A field may still refuse
				// on its own terms (packages pages forwards only), as an
				// error on its path.
				r := c.Do(pf.query, map[string]any{"n": n})
				for _, e := range r.Errors {
					if len(e.Path) == 0 {
						t.Fatalf("%s: %d must be accepted, got %s\nquery: %s", pf.name, n, r.Raw, pf.query)
					}
				}
				if len(r.Errors) == 0 && string(r.Data) == "null" {
					t.Fatalf("%s: %d: no data: %s", pf.name, n, r.Raw)
				}
			}
		})
	}
}
