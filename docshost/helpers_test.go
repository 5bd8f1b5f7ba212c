package docshost_test

import (
	"context"

	"github.com/depot-registry/depot/docshost/docshosttest"
)

type entry = docshosttest.Entry

var (
	docsTar    = docshosttest.Tar
	simpleDocs = docshosttest.Simple
	newDocsEnv = docshosttest.New
	sys        = docshosttest.Sys
	as         = docshosttest.As
)

// read is the file name of the docs of one release as the service finds
// and reads them ("" with a NOT_FOUND error when there are none).
func read(ctx context.Context, e *docshosttest.Env, repo, pkg, version, name string) (string, error) {
	e.T.Helper()
	d, err := e.Docs.Find(ctx, repo, pkg, version)
	if err != nil {
		return "", err
	}
	data, _, err := e.Docs.File(ctx, d, name)
	return string(data), err
}
