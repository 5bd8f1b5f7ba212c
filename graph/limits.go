package graph

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"github.com/99designs/gqlgen/complexity"
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/lexer"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/depot-registry/depot/apperr"
)

// MaxPage is the largest `first` or `last` any list field accepts; every
// page-size argument must be between 1 and MaxPage.
const MaxPage = 100

// Limits bounds what one operation may cost, in two steps.
//
// Before parsing (MutateOperationParameters) it refuses query documents
// longer than MaxQueryBytes or MaxTokens lexical tokens, and documents that
// select one response name more than MaxFieldRepeats times in a selection
// set. Validation (overlapping-field checks in particular) grows
// quadratically with the repeats of one name, so without these bounds a
// 100 KB anonymous query costs seconds of CPU before any other limit sees
// it, and a fresh operation name defeats the parsed-query cache. Use Limits
// before extension.AutomaticPersistedQuery, so that a document over the
// limits is never registered under its hash either.
//
// After validation (MutateOperationContext) it refuses page sizes outside
// 1..MaxPage, operations nested deeper than MaxDepth and operations costlier
// than MaxComplexity. Connection fields cost `first` times their selection
// (see Complexity), so a list of lists is priced by its size.
type Limits struct {
	MaxQueryBytes   int
	MaxTokens       int
	MaxFieldRepeats int
	MaxDepth        int
	MaxComplexity   int
	Schema          graphql.ExecutableSchema
	// Passed, when set, remembers documents of up to maxPassedBytes that
	// passed the checks before parsing, so that a document sent again (every
	// request of a client, one document per page) is not lexed and parsed a
	// second time for them: the verdict depends on the text alone.
	Passed graphql.Cache[bool]
}

// maxPassedBytes bounds the documents Passed keeps (and so its memory: its
// size times this); the web app's largest is about 3 kB.
const maxPassedBytes = 8 << 10

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
	graphql.OperationContextMutator
} = Limits{}

// ExtensionName implements graphql.HandlerExtension.
func (Limits) ExtensionName() string { return "QueryLimits" }

// Validate implements graphql.HandlerExtension.
func (Limits) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationParameters implements graphql.OperationParameterMutator:
// the size checks that must happen before the document is parsed and
// validated.
func (l Limits) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	q := p.Query
	if q == "" {
		return nil // a persisted query by hash: checked when it was registered
	}
	remember := l.Passed != nil && len(q) <= maxPassedBytes
	if remember {
		if _, ok := l.Passed.Get(ctx, q); ok {
			return nil
		}
	}
	if e := l.beforeParsing(q); e != nil {
		return e
	}
	if remember {
		l.Passed.Add(ctx, q, true)
	}
	return nil
}

// beforeParsing is the size and repeat checks of one document.
func (l Limits) beforeParsing(q string) *gqlerror.Error {
	if l.MaxQueryBytes > 0 && len(q) > l.MaxQueryBytes {
		return tooComplex("the query document is %d bytes; the limit is %d", len(q), l.MaxQueryBytes)
	}
	if l.MaxTokens > 0 {
		lex := lexer.New(&ast.Source{Input: q})
		for n := 0; ; n++ {
			tok, err := lex.ReadToken()
			if err != nil || tok.Kind == lexer.EOF {
				break // a syntax error is reported by the parser
			}
			if n == l.MaxTokens {
				return tooComplex("the query document has more than %d tokens; split it into smaller operations", l.MaxTokens)
			}
		}
	}
	if l.MaxFieldRepeats > 0 {
		doc, err := parser.ParseQuery(&ast.Source{Input: q})
		if err != nil {
			return nil // reported by the executor's own parse
		}
		for _, op := range doc.Operations {
			if e := l.repeats(op.SelectionSet); e != nil {
				return e
			}
		}
		for _, f := range doc.Fragments {
			if e := l.repeats(f.SelectionSet); e != nil {
				return e
			}
		}
	}
	return nil
}

// repeats refuses a selection set (with the inline fragments merged into
// it, as field merging sees them) that names one response key or spreads
// one fragment more than MaxFieldRepeats times, and checks nested sets.
func (l Limits) repeats(set ast.SelectionSet) *gqlerror.Error {
	counts := map[string]int{}
	var walk func(ast.SelectionSet) *gqlerror.Error
	walk = func(set ast.SelectionSet) *gqlerror.Error {
		for _, sel := range set {
			var key string
			switch s := sel.(type) {
			case *ast.Field:
				key = s.Alias
				if key == "" {
					key = s.Name
				}
				if len(s.SelectionSet) > 0 {
					if e := l.repeats(s.SelectionSet); e != nil {
						return e
					}
				}
			case *ast.InlineFragment:
				if e := walk(s.SelectionSet); e != nil {
					return e
				}
				continue
			case *ast.FragmentSpread:
				key = "..." + s.Name
			}
			counts[key]++
			if counts[key] > l.MaxFieldRepeats {
				return tooComplex("`%s` is selected more than %d times in one selection set", key, l.MaxFieldRepeats)
			}
		}
		return nil
	}
	return walk(set)
}

// MutateOperationContext implements graphql.OperationContextMutator.
func (l Limits) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	op := oc.Doc.Operations.ForName(oc.OperationName)
	if op == nil {
		return nil
	}
	if e := pageSizes(op.SelectionSet, oc.Variables, map[string]bool{}); e != nil {
		return e
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

// pageArgs are the page-size arguments of list fields.
var pageArgs = []string{"first", "last"}

// pageSizes is the one rule for page sizes: on every field of the
// operation, a `first` or `last` argument, when given, is between 1 and
// MaxPage; otherwise the whole operation is refused with BAD_USER_INPUT
// naming the argument. Checking here, after variables are coerced and
// before any resolver runs, covers every list field, present and future,
// and gives each the same answer. A fragment's arguments do not depend on
// where it is spread, so each fragment is checked once.
func pageSizes(set ast.SelectionSet, vars map[string]any, seen map[string]bool) *gqlerror.Error {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if s.Definition != nil {
				for _, name := range pageArgs {
					a := s.Arguments.ForName(name)
					if a == nil || s.Definition.Arguments.ForName(name) == nil {
						continue
					}
					v, err := a.Value.Value(vars)
					if err == nil && v == nil {
						continue // null: the field's default page size
					}
					if n, ok := toInt64(v); !ok || err != nil || n < 1 || n > MaxPage {
						return &gqlerror.Error{
							Message:    fmt.Sprintf("`%s` of %s must be between 1 and %d", name, s.Name, MaxPage),
							Locations:  []gqlerror.Location{{Line: a.Position.Line, Column: a.Position.Column}},
							Extensions: map[string]any{"code": string(apperr.BadInput), "field": name},
						}
					}
				}
			}
			if e := pageSizes(s.SelectionSet, vars, seen); e != nil {
				return e
			}
		case *ast.InlineFragment:
			if e := pageSizes(s.SelectionSet, vars, seen); e != nil {
				return e
			}
		case *ast.FragmentSpread:
			if s.Definition != nil && !seen[s.Name] {
				seen[s.Name] = true
				if e := pageSizes(s.Definition.SelectionSet, vars, seen); e != nil {
					return e
				}
			}
		}
	}
	return nil
}

// toInt64 reads an Int argument as literals and coerced variables carry it
// (int64 from a literal; json.Number, float64 or int from variables).
func toInt64(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int32:
		return int64(n), true
	case int64:
		return n, true
	case float64:
		if n != math.Trunc(n) || math.Abs(n) > math.MaxInt32 {
			return 0, false
		}
		return int64(n), true
	case json.Number:
		i, err := strconv.ParseInt(string(n), 10, 64)
		return i, err == nil
	case string:
		i, err := strconv.ParseInt(n, 10, 64)
		return i, err == nil
	}
	return 0, false
}

// depth is the deepest field nesting of a selection set, following fragments
// (each at most once per path, so cyclic fragments cannot loop; validation
// already refuses them). __Type.ofType does not count: it nests, but never
// multiplies (no list), and GraphiQL's introspection nests it 8 deep.
func depth(set ast.SelectionSet, frags ast.FragmentDefinitionList, seen int) int {
	best := seen
	for _, sel := range set {
		var d int
		switch s := sel.(type) {
		case *ast.Field:
			if s.Name == "ofType" && s.ObjectDefinition != nil && s.ObjectDefinition.Name == "__Type" {
				// A type reference's wrappers (NON_NULL of LIST of ...) are one
				// object each: an IDE's introspection asks 8 deep, at no cost.
				d = depth(s.SelectionSet, frags, seen)
				break
			}
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
