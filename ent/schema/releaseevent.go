package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// ReleaseEvent is the append-only log behind the live feeds. Rows are never
// updated or deleted; the id orders them and is the resume cursor. Names are
// copied in because the package or release may since have been deleted.
type ReleaseEvent struct{ ent.Schema }

// Mixin of ReleaseEvent.
func (ReleaseEvent) Mixin() []ent.Mixin { return []ent.Mixin{PrivateMixin{}} }

// Fields of ReleaseEvent.
func (ReleaseEvent) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("kind").Values("PUBLISHED", "REPLACED", "REVERTED", "RETIRED", "UNRETIRED",
			"TRANSFERRED", "PACKAGE_DELETED", "DOCS_PUBLISHED", "DOCS_REVERTED").Immutable().
			Annotations(entgql.Type("ReleaseEventKind")),
		field.Time("occurred_at").Immutable().Default(time.Now),
		field.String("repository").Immutable(),
		field.String("package_name").Immutable(),
		field.String("version").Immutable().Default(""),
		field.Int("package_id").Optional().Nillable().Immutable().Annotations(entgql.Skip()),
		field.Int("release_id").Optional().Nillable().Immutable().Annotations(entgql.Skip()),
		field.Int("actor_id").Optional().Nillable().Immutable().Annotations(entgql.Skip()),
		field.String("retirement_reason").Optional().Immutable().Annotations(entgql.Skip()),
		field.String("retirement_message").Optional().Immutable().Annotations(entgql.Skip()),
		field.String("previous_owner").Optional().Immutable(),
		field.String("new_owner").Optional().Immutable(),
	}
}

// Edges of ReleaseEvent.
func (ReleaseEvent) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("actor", User.Type).Field("actor_id").Unique().Immutable().Annotations(entgql.Skip()),
	}
}

// Indexes of ReleaseEvent.
func (ReleaseEvent) Indexes() []ent.Index {
	return []ent.Index{index.Fields("package_name", "repository")}
}

// Annotations of ReleaseEvent.
func (ReleaseEvent) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection(), entgql.Skip(entgql.SkipWhereInput)}
}
