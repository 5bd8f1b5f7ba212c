package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/depot-registry/depot/ent/schema/schematype"
)

// Release is one published version of a package.
type Release struct{ ent.Schema }

// Mixin of Release.
func (Release) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, PrivateMixin{}} }

// Fields of Release.
func (Release) Fields() []ent.Field {
	return []ent.Field{
		field.String("version").Immutable(),
		field.Bytes("version_key").Immutable().
			Comment("byte string whose order is SemVer precedence, so SQL can sort releases").
			Annotations(entgql.Skip()),
		field.Bool("prerelease").Immutable().Default(false),
		field.Int("package_id").Immutable().Annotations(entgql.Skip()),
		field.String("inner_checksum").Comment("lower-case hex SHA-256 of VERSION, metadata.config and contents.tar.gz"),
		field.String("outer_checksum").Comment("lower-case hex SHA-256 of the whole tarball"),
		field.String("blob_key").Annotations(entgql.Skip()),
		field.Int64("size").Comment("tarball size in bytes"),
		field.String("app").Default(""),
		field.String("description").Default(""),
		field.Strings("licenses").Optional(),
		field.JSON("links", []schematype.Link{}).Optional().Annotations(entgql.Skip()),
		field.Strings("build_tools").Optional(),
		field.String("elixir_requirement").Default(""),
		field.Time("first_published_at").Immutable().
			Comment("when this version was first published; a replace keeps it, so the 60-minute window never restarts").
			Annotations(entgql.OrderField("PUBLISHED_AT")),
		field.Int("publisher_id").Optional().Nillable().Annotations(entgql.Skip()),
		field.JSON("trusted_publish", &schematype.TrustedPublish{}).Optional().
			Comment("the trusted publisher and CI run that published this content (trust/)").Annotations(entgql.Skip()),
		field.Int64("downloads").Default(0).Annotations(entgql.Skip(entgql.SkipWhereInput)),
		field.String("docs_blob_key").Optional().Nillable().Annotations(entgql.Skip()),
		field.Time("docs_published_at").Optional().Nillable().Annotations(entgql.Skip(entgql.SkipWhereInput)),
	}
}

// Edges of Release.
func (Release) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("package", Pkg.Type).Ref("releases").Field("package_id").Unique().Required().Immutable(),
		edge.To("publisher", User.Type).Field("publisher_id").Unique().Annotations(entgql.Skip()),
		// Exposed by hand-written, batch-loaded resolvers (graph/pkgloaders.go).
		edge.To("requirements", Requirement.Type).
			Annotations(entsql.OnDelete(entsql.Cascade), entgql.Skip()),
		edge.To("retirement", Retirement.Type).Unique().
			Annotations(entsql.OnDelete(entsql.Cascade), entgql.Skip()),
	}
}

// Indexes of Release.
func (Release) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("package_id", "version").Unique(),
		index.Fields("package_id", "version_key"),
		index.Fields("first_published_at"),
	}
}

// Annotations of Release.
func (Release) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}
