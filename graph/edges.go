package graph

import (
	"context"
	"reflect"
	"strings"

	"github.com/99designs/gqlgen/graphql"
)

// EmptyEdges answers an empty connection's edges with [] instead of null.
// Ent's connections leave the slice nil when a page holds nothing, and the
// schema's edges lists are nullable, so gqlgen would write null; Relay
// clients (and most hand-written ones) iterate edges without a null check.
// One field interceptor covers every connection, present and future.
type EmptyEdges struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.FieldInterceptor
} = EmptyEdges{}

// ExtensionName implements graphql.HandlerExtension.
func (EmptyEdges) ExtensionName() string { return "EmptyEdges" }

// Validate implements graphql.HandlerExtension.
func (EmptyEdges) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptField implements graphql.FieldInterceptor.
func (EmptyEdges) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	res, err := next(ctx)
	if err != nil || res == nil {
		return res, err
	}
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Field.Name != "edges" || !strings.HasSuffix(fc.Object, "Connection") {
		return res, err
	}
	if v := reflect.ValueOf(res); v.Kind() == reflect.Slice && v.IsNil() {
		return reflect.MakeSlice(v.Type(), 0, 0).Interface(), nil
	}
	return res, nil
}
