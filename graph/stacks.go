package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
)

// ElementStacks grows the stack of each list element's goroutine once, to
// what resolving an element takes, as the element starts.
//
// gqlgen resolves every element of a list of objects in a goroutine of its
// own, which starts with a small stack (the runtime's average, mostly idle
// goroutines). A package edge outgrew it some 25 frames deep, and a growth
// copies the stack and adjusts every frame on it: 12% of the server's CPU
// for a search page of 20 packages (BENCHMARKS.md). Asking for the room
// on the element's first frames, before its fields go deep, makes the one
// growth copy a shallow stack (7%). It is the trick of CockroachDB's
// util/growstack, for the same reason; the runtime has no setting for a
// goroutine's first stack.
type ElementStacks struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.FieldInterceptor
} = ElementStacks{}

// ExtensionName implements graphql.HandlerExtension.
func (ElementStacks) ExtensionName() string { return "ElementStacks" }

// Validate implements graphql.HandlerExtension.
func (ElementStacks) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptField implements graphql.FieldInterceptor: a field whose parent
// is a list element is resolved by that element's goroutine. The first
// element is left alone: in a list of one, gqlgen resolves it in the
// caller's goroutine, which may be long-lived (a subscription's), and
// growing that would keep the room for as long as it lives.
func (ElementStacks) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	if fc := graphql.GetFieldContext(ctx); fc != nil && fc.Parent != nil && fc.Parent.Index != nil && *fc.Parent.Index > 0 {
		growStack()
	}
	return next(ctx)
}

// elementStack is the room asked for: with what is already on the stack
// the runtime grows it to 16 KiB, which a package edge fits in. (16 KiB
// here would take a 32 KiB stack, which the runtime allocates from the heap
// rather than its per-processor cache, and costs more than it saves.)
const elementStack = 8 << 10

var stackSink byte

// growStack's frame holds elementStack bytes, so calling it makes the
// runtime grow the stack to fit them (the array is read, so the compiler
// keeps it). Once grown, the stack stays that size until a collection finds
// it mostly unused.
//
//go:noinline
func growStack() {
	var room [elementStack]byte
	stackSink = room[stackSink&1]
}
