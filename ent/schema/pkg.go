package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Pkg is a package (Ent cannot name a schema Package). It is exposed as
// Package in GraphQL and stored in the packages table.
type Pkg struct{ ent.Schema }

// Mixin of Pkg.
func (Pkg) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, PrivateMixin{}} }

// Fields of Pkg.
func (Pkg) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").Immutable().
			Annotations(entgql.OrderField("NAME")),
		field.Int("repository_id").Immutable().Annotations(entgql.Skip()),
		field.String("description").Default("").
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		field.String("latest_version").Optional().
			Comment("highest stable version, else highest pre-release; kept by the registry on every change").
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		field.Int64("downloads").Default(0).
			Annotations(entgql.OrderField("DOWNLOADS"), entgql.Skip(entgql.SkipWhereInput)),
		field.Time("first_published_at").Immutable().
			Comment("first release of the package; the 24-hour window counts from here").
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
	}
}

// Edges of Pkg.
func (Pkg) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("repository", Repository.Type).Ref("packages").Field("repository_id").Unique().Required().Immutable(),
		edge.To("releases", Release.Type).
			Annotations(entgql.RelayConnection(), entsql.OnDelete(entsql.Cascade)),
		edge.To("owners", PackageOwner.Type).
			Annotations(entgql.Skip(), entsql.OnDelete(entsql.Cascade)),
		edge.To("trusted_publishers", TrustedPublisher.Type).
			Annotations(entgql.Skip(), entsql.OnDelete(entsql.Cascade)),
	}
}

// Indexes of Pkg.
func (Pkg) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("repository_id", "name").Unique(),
		index.Fields("name"),
		index.Fields("updated_at"),
		index.Fields("downloads"),
	}
}

// Annotations of Pkg.
func (Pkg) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.Type("Package"),
		entsql.Table("packages"),
		entgql.RelayConnection(),
	}
}
