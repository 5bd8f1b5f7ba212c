package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/text"
)

// TextCheck applies Depot's text rule (package text) to every string
// argument of an operation, nested input objects and lists included,
// before any resolver runs: a NUL, invalid UTF-8 or a control character is
// BAD_USER_INPUT naming the field, the same on PostgreSQL (which would fail
// on the NUL) and SQLite (which would store it), and nothing is written,
// however many mutations the document holds. It is one boundary for every
// field, present and future, instead of a check in each resolver.
type TextCheck struct {
	// Schema resolves input object types of variables.
	Schema graphql.ExecutableSchema
}

// multilineFields are the arguments and input fields that hold free text,
// where tab and line breaks are allowed; everything else is a single line.
var multilineFields = map[string]bool{
	"message": true, "description": true, "address": true,
	"password": true, "currentPassword": true, "newPassword": true,
	"privateKey": true, // a PEM (exportOrganization)
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = TextCheck{}

// ExtensionName implements graphql.HandlerExtension.
func (TextCheck) ExtensionName() string { return "TextCheck" }

// Validate implements graphql.HandlerExtension.
func (TextCheck) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext implements graphql.OperationContextMutator.
func (c TextCheck) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	w := textWalker{schema: c.Schema.Schema(), vars: oc.Variables, seen: map[string]bool{}}
	if err := w.selections(oc.Operation.SelectionSet); err != nil {
		return &gqlerror.Error{Message: err.Message, Err: err,
			Extensions: map[string]any{"code": string(err.Code), "field": err.Field}}
	}
	return nil
}

type textWalker struct {
	schema *ast.Schema
	vars   map[string]any
	seen   map[string]bool // fragments already walked
}

func (w textWalker) selections(set ast.SelectionSet) *apperr.Error {
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			for _, arg := range sel.Arguments {
				if sel.Definition == nil || arg.Value == nil {
					continue
				}
				def := sel.Definition.Arguments.ForName(arg.Name)
				if def == nil {
					continue
				}
				v, err := arg.Value.Value(w.vars)
				if err != nil {
					continue // validation already refused it
				}
				if err := w.value(arg.Name, arg.Name, def.Type, v); err != nil {
					return err
				}
			}
			if err := w.selections(sel.SelectionSet); err != nil {
				return err
			}
		case *ast.InlineFragment:
			if err := w.selections(sel.SelectionSet); err != nil {
				return err
			}
		case *ast.FragmentSpread:
			if sel.Definition == nil || w.seen[sel.Name] {
				continue
			}
			w.seen[sel.Name] = true
			if err := w.selections(sel.Definition.SelectionSet); err != nil {
				return err
			}
		}
	}
	return nil
}

// value checks v, the value of the argument or input field name (at path)
// of type t.
func (w textWalker) value(name, path string, t *ast.Type, v any) *apperr.Error {
	switch v := v.(type) {
	case nil:
		return nil
	case string:
		kind := text.Line
		if multilineFields[name] {
			kind = text.Multiline
		}
		if err := text.Check(v, kind); err != nil {
			return apperr.Invalid(name, "%s %v", path, err)
		}
		return nil
	case []any:
		elem := t
		if t.Elem != nil {
			elem = t.Elem
		}
		for _, e := range v {
			if err := w.value(name, path+"[]", elem, e); err != nil {
				return err
			}
		}
		return nil
	case map[string]any:
		def := w.schema.Types[t.Name()]
		for key, fv := range v {
			ft := t
			if def != nil {
				if f := def.Fields.ForName(key); f != nil {
					ft = f.Type
				}
			}
			// Input object keys are field names the validator accepted;
			// a Map scalar's keys are the client's own text.
			if err := text.Check(key, text.Line); err != nil {
				return apperr.Invalid(name, "%s has a key that %v", path, err)
			}
			if err := w.value(key, path+"."+key, ft, fv); err != nil {
				return err
			}
		}
	}
	return nil
}
