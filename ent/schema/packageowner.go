package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// PackageOwner grants a user or an organization rights on a package:
// FULL (manage owners, transfer) or MAINTAINER (publish, revert, retire).
type PackageOwner struct{ ent.Schema }

// Mixin of PackageOwner.
func (PackageOwner) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, PrivateMixin{}} }

// Fields of PackageOwner.
func (PackageOwner) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("level").Values("FULL", "MAINTAINER").
			Annotations(entgql.Type("OwnerLevel")),
		field.Int("package_id").Immutable(),
		field.Int("user_id").Optional().Nillable().Immutable(),
		field.Int("organization_id").Optional().Nillable().Immutable(),
	}
}

// Edges of PackageOwner.
func (PackageOwner) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("package", Pkg.Type).Ref("owners").Field("package_id").Unique().Required().Immutable(),
		edge.From("user", User.Type).Ref("owned_packages").Field("user_id").Unique().Immutable(),
		edge.From("organization", Organization.Type).Ref("owned_packages").Field("organization_id").Unique().Immutable(),
	}
}

// Indexes of PackageOwner.
func (PackageOwner) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("package_id", "user_id").Unique(),
		index.Fields("package_id", "organization_id").Unique(),
		index.Fields("user_id"),
		index.Fields("organization_id"),
	}
}

// Annotations of PackageOwner.
func (PackageOwner) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipWhereInput)}
}
