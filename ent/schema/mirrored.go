package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// MirroredPackage is the mirror's cache of one upstream package: the
// upstream's signed /packages/NAME payload exactly as it was verified, and
// what revalidating it needs. It lives in the database, not in a process's
// folder, so every instance over the database serves what any of them
// fetched, and a revalidation by one is a revalidation for all (package
// mirror). Rows are re-verified with the upstream's key when read: a row
// that no longer verifies is fetched again, never served.
type MirroredPackage struct{ ent.Schema }

// Fields of MirroredPackage.
func (MirroredPackage) Fields() []ent.Field {
	return []ent.Field{
		field.String("upstream").Immutable().NotEmpty().
			Comment("the upstream's repository name (its payloads carry it)"),
		field.String("name").Immutable().NotEmpty(),
		field.Bytes("payload").Optional().
			Comment("the signed payload as the upstream served it; empty when missing"),
		field.String("etag").Default("").
			Comment("the upstream's ETag of payload, sent back as If-None-Match"),
		field.Time("fetched_at").
			Comment("when the upstream last confirmed the row (200, 304 or not found)"),
		field.Bool("missing").Default(false).
			Comment("the upstream answered that it has no such package"),
	}
}

// Indexes of MirroredPackage.
func (MirroredPackage) Indexes() []ent.Index {
	return []ent.Index{index.Fields("upstream", "name").Unique()}
}

// Annotations of MirroredPackage.
func (MirroredPackage) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Table("mirrored_packages"), entgql.Skip(entgql.SkipAll)}
}

// MirroredTarball records an upstream release's tarball that the mirror
// verified against the upstream's signed outer checksum and stored in the
// blob store. The blob's key is that checksum (the store is content
// addressed), and this row is the reference that keeps the orphan sweep
// (registry.SweepOrphans) and reverts from deleting it.
type MirroredTarball struct{ ent.Schema }

// Fields of MirroredTarball.
func (MirroredTarball) Fields() []ent.Field {
	return []ent.Field{
		field.String("upstream").Immutable().NotEmpty(),
		field.String("name").Immutable().NotEmpty(),
		field.String("version").Immutable().NotEmpty(),
		field.String("blob_key").MaxLen(64).
			Comment("the blob store key: the tarball's outer checksum, hex"),
		field.Int64("size"),
		field.Time("stored_at").Default(time.Now),
	}
}

// Indexes of MirroredTarball.
func (MirroredTarball) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("upstream", "name", "version").Unique(),
		index.Fields("blob_key"),
	}
}

// Annotations of MirroredTarball.
func (MirroredTarball) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Table("mirrored_tarballs"), entgql.Skip(entgql.SkipAll)}
}
