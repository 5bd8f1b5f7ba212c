package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Reservation keeps a package name, or one version of it, from ever being
// published again (seed: versions removed by admins "get automatically
// reserved and can never be reused by users").
type Reservation struct{ ent.Schema }

// Mixin of Reservation.
func (Reservation) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of Reservation.
func (Reservation) Fields() []ent.Field {
	return []ent.Field{
		field.String("repository").Immutable().Comment("repository name"),
		field.String("package").Immutable(),
		field.String("version").Immutable().Default("").Comment("empty reserves the whole name"),
		field.String("reason").Default(""),
	}
}

// Indexes of Reservation.
func (Reservation) Indexes() []ent.Index {
	return []ent.Index{index.Fields("repository", "package", "version").Unique()}
}

// Annotations of Reservation.
func (Reservation) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}
