package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
)

// Retirement marks a release as not recommended. A retired release stays
// resolvable and fetchable (seed); clients show the reason.
type Retirement struct{ ent.Schema }

// Mixin of Retirement.
func (Retirement) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, PrivateMixin{}} }

// Fields of Retirement.
func (Retirement) Fields() []ent.Field {
	return []ent.Field{
		field.Int("release_id").Unique().Immutable().Annotations(entgql.Skip()),
		field.Enum("reason").Values("OTHER", "INVALID", "SECURITY", "DEPRECATED", "RENAMED").
			Annotations(entgql.Type("RetirementReason")),
		field.String("message").Default(""),
	}
}

// Edges of Retirement.
func (Retirement) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("release", Release.Type).Ref("retirement").Field("release_id").Unique().Required().Immutable(),
	}
}

// Annotations of Retirement.
func (Retirement) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipWhereInput)}
}
