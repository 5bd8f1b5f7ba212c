// Package schema is Depot's data model: one file per entity, with the GraphQL
// annotations next to the fields they describe. Everything else under ent/ is
// generated from it by `go generate ./...`.
package schema

import (
	"time"

	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/mixin"

	"entgo.io/contrib/entgql"
)

// TimeMixin adds creation and update times.
type TimeMixin struct{ mixin.Schema }

// Fields of the mixin.
func (TimeMixin) Fields() []ent.Field {
	return []ent.Field{
		field.Time("created_at").Immutable().Default(time.Now).
			Annotations(entgql.OrderField("CREATED_AT")),
		field.Time("updated_at").Default(time.Now).UpdateDefault(time.Now).
			Annotations(entgql.OrderField("UPDATED_AT")),
	}
}

// PrivateMixin marks rows that belong to an organization's private
// repository. private_org_id is denormalized onto every such table so that the
// privacy filter is one indexed column comparison, not a join: private rows
// are invisible (absent, not forbidden) to anyone who cannot read that
// repository, in every query, edge traversal, count and node lookup.
type PrivateMixin struct{ mixin.Schema }

// Fields of the mixin.
func (PrivateMixin) Fields() []ent.Field {
	return []ent.Field{
		field.Int("private_org_id").Optional().Nillable().Immutable().
			Comment("organization whose private repository holds the row; null for the public repository").
			Annotations(entgql.Skip()),
	}
}
