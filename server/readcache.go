package server

import (
	"context"
	"encoding/json"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/depot-registry/depot/readcache"
	"github.com/depot-registry/depot/viewer"
)

// cacheReads is a gqlgen response interceptor answering anonymous queries
// from the read cache (package readcache says why that is never stale).
// Only whole successful answers are kept; signed-in viewers, mutations and
// subscriptions always run.
func (s *Server) cacheReads(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if s.reads == nil || !graphql.HasOperationContext(ctx) || !viewer.FromContext(ctx).Anonymous() {
		return next(ctx)
	}
	oc := graphql.GetOperationContext(ctx)
	if oc.Operation == nil || oc.Operation.Operation != ast.Query {
		return next(ctx)
	}
	vars, err := json.Marshal(oc.Variables) // map keys come out sorted
	if err != nil {
		return next(ctx)
	}
	gen, err := s.DB.Generation(ctx)
	if err != nil {
		s.Log.WarnContext(ctx, "read cache bypassed", "err", err)
		return next(ctx)
	}
	key := readcache.KeyOf([]byte(oc.OperationName), []byte(oc.RawQuery), vars)
	if data, ok := s.reads.Get(gen, key); ok {
		return &graphql.Response{Data: data}
	}
	ctx, validity := readcache.WithValidity(ctx)
	resp := next(ctx)
	if resp != nil && resp.Data != nil && len(resp.Errors) == 0 && len(resp.Extensions) == 0 && resp.HasNext == nil {
		s.reads.Put(gen, key, resp.Data, validity.Until())
	}
	return resp
}
