package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Requirement is one dependency of a release on another package.
type Requirement struct{ ent.Schema }

// Mixin of Requirement.
func (Requirement) Mixin() []ent.Mixin { return []ent.Mixin{PrivateMixin{}} }

// Fields of Requirement.
func (Requirement) Fields() []ent.Field {
	return []ent.Field{
		field.Int("release_id").Immutable().Annotations(entgql.Skip()),
		field.String("name").Immutable().Comment("package depended on"),
		field.String("repository").Immutable().Default("").
			Comment("repository of the dependency; empty means the public repository"),
		field.String("requirement").Immutable().Comment("version requirement, e.g. ~> 1.2"),
		field.String("app").Immutable().Default(""),
		field.Bool("optional").Immutable().Default(false),
		field.Int("dependency_id").Optional().Nillable().Immutable().
			Comment("the package depended on, resolved at publish").Annotations(entgql.Skip()),
	}
}

// Edges of Requirement.
func (Requirement) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("release", Release.Type).Ref("requirements").Field("release_id").Unique().Required().Immutable(),
	}
}

// Indexes of Requirement.
func (Requirement) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("release_id"),
		index.Fields("dependency_id"),
	}
}

// Annotations of Requirement.
func (Requirement) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipWhereInput)}
}
