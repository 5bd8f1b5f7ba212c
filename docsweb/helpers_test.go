package docsweb_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/depot-registry/depot/docshost/docshosttest"
	"github.com/depot-registry/depot/docsweb"
)

type entry = docshosttest.Entry

var (
	docsTar    = docshosttest.Tar
	simpleDocs = docshosttest.Simple
	sys        = docshosttest.Sys
	as         = docshosttest.As
)

// docsEnv is the docs service and its HTTP front over one database.
type docsEnv struct {
	*docshosttest.Env
	handler http.Handler
}

func newDocsEnv(t *testing.T) *docsEnv {
	t.Helper()
	e := &docsEnv{Env: docshosttest.New(t)}
	e.handler = docsweb.NewHandler(e.Docs)
	return e
}

type response struct {
	status int
	header http.Header
	body   string
}

func (e *docsEnv) get(ctx context.Context, method, path string, headers ...string) response {
	e.T.Helper()
	req := httptest.NewRequest(method, path, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	if ctx != nil {
		req = req.WithContext(ctx)
	}
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, req)
	res := rec.Result()
	b, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: string(b)}
}
