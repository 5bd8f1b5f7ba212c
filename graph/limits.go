package graph

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/complexity"
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/depot-registry/depot/apperr"
)

// Limits refuses operations nested deeper than MaxDepth or costlier than
// MaxComplexity before anything runs. Connection fields cost `first` times
// their selection (see Complexity), so a list of lists is priced by its size.
type Limits struct {
	MaxDepth      int
	MaxComplexity int
	Schema        graphql.ExecutableSchema
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = Limits{}

// ExtensionName implements graphql.HandlerExtension.
func (Limits) ExtensionName() string { return "QueryLimits" }

// Validate implements graphql.HandlerExtension.
func (Limits) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext implements graphql.OperationContextMutator.
func (l Limits) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	op := oc.Doc.Operations.ForName(oc.OperationName)
	if op == nil {
		return nil
	}
	if d := depth(op.SelectionSet, oc.Doc.Fragments, 0); d > l.MaxDepth {
		return tooComplex("query depth %d exceeds the limit of %d", d, l.MaxDepth)
	}
	if c := complexity.Calculate(ctx, l.Schema, op, oc.Variables); c > l.MaxComplexity {
		return tooComplex("query complexity %d exceeds the limit of %d; ask for fewer items (smaller `first`) or fewer nested lists", c, l.MaxComplexity)
	}
	return nil
}

func tooComplex(format string, args ...any) *gqlerror.Error {
	return &gqlerror.Error{Message: fmt.Sprintf(format, args...), Extensions: map[string]any{"code": string(apperr.TooComplex)}}
}

// depth is the deepest field nesting of a selection set, following fragments
// (each at most once per path, so cyclic fragments cannot loop; validation
// already refuses them).
func depth(set ast.SelectionSet, frags ast.FragmentDefinitionList, seen int) int {
	best := seen
	for _, sel := range set {
		var d int
		switch s := sel.(type) {
		case *ast.Field:
			if len(s.SelectionSet) == 0 {
				d = seen + 1
			} else {
				d = depth(s.SelectionSet, frags, seen+1)
			}
		case *ast.InlineFragment:
			d = depth(s.SelectionSet, frags, seen)
		case *ast.FragmentSpread:
			if f := frags.ForName(s.Name); f != nil && seen < 100 {
				d = depth(f.SelectionSet, frags, seen)
			}
		}
		best = max(best, d)
	}
	return best
}
