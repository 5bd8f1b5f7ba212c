package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
)

// AccountName holds every username and organization name in one unique
// column: users and organizations share one namespace, and a unique index is
// the only check that holds under concurrent sign-ups.
type AccountName struct{ ent.Schema }

// Fields of AccountName.
func (AccountName) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").Unique().Immutable(),
		field.Enum("kind").Values("USER", "ORGANIZATION").Immutable(),
	}
}

// Annotations of AccountName.
func (AccountName) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}
