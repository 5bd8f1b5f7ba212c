package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
)

// Repository is a namespace of packages: the one public repository, and one
// per organization for its private packages.
type Repository struct{ ent.Schema }

// Mixin of Repository.
func (Repository) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of Repository.
func (Repository) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").Unique().Immutable(),
		field.Int("organization_id").Optional().Nillable().Unique().Immutable().
			Annotations(entgql.Skip()),
	}
}

// Edges of Repository.
func (Repository) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("organization", Organization.Type).Ref("repository").Field("organization_id").Unique().Immutable(),
		edge.To("packages", Pkg.Type).Annotations(entgql.Skip()),
	}
}

// Annotations of Repository.
func (Repository) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipWhereInput)}
}
