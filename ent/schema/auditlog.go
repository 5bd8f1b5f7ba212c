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

// AuditLog records one state-changing action, written in the same
// transaction as the change. Params never hold secrets.
type AuditLog struct{ ent.Schema }

// Fields of AuditLog.
func (AuditLog) Fields() []ent.Field {
	return []ent.Field{
		field.Time("created_at").Immutable().Default(time.Now).
			Annotations(entgql.OrderField("CREATED_AT")),
		field.String("action").Immutable(),
		field.Int("actor_id").Optional().Nillable().Immutable().Annotations(entgql.Skip()),
		field.Int("api_key_id").Optional().Nillable().Immutable().Annotations(entgql.Skip()),
		field.Int("organization_id").Optional().Nillable().Immutable().
			Comment("organization affected, so its admins can read the entry").Annotations(entgql.Skip()),
		field.Int("subject_user_id").Optional().Nillable().Immutable().
			Comment("user affected other than the actor (e.g. a member added)").Annotations(entgql.Skip()),
		field.String("package").Optional().Immutable(),
		field.String("ip").Default("").Immutable(),
		field.String("user_agent").Default("").Immutable(),
		field.JSON("params", map[string]any{}).Optional().Immutable().
			Annotations(entgql.Type("Map")),
	}
}

// Edges of AuditLog.
func (AuditLog) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("actor", User.Type).Field("actor_id").Unique().Immutable().Annotations(entgql.Skip()),
	}
}

// Indexes of AuditLog.
func (AuditLog) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("actor_id", "created_at"),
		index.Fields("organization_id", "created_at"),
		index.Fields("subject_user_id", "created_at"),
	}
}

// Annotations of AuditLog.
func (AuditLog) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection(), entgql.Skip(entgql.SkipWhereInput)}
}
