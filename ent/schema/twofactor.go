package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// TwoFactor is a user's TOTP credential (RFC 6238). The secret is stored
// encrypted with a key derived from the server's secret key; last_step is
// the last time step a code was accepted at, so a code is used once. The
// row exists from the start of an enrolment; enabled_at is set once the
// user confirmed a code. Like sessions, readers never see it: its writes
// (every accepted code) do not move the data generation; enabling and
// disabling also flip User.two_factor_enabled, which does.
type TwoFactor struct{ ent.Schema }

// Mixin of TwoFactor.
func (TwoFactor) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of TwoFactor.
func (TwoFactor) Fields() []ent.Field {
	return []ent.Field{
		field.Int("user_id").Unique().Immutable(),
		field.Bytes("secret_enc").Sensitive().Comment("AES-GCM of the base32 secret"),
		field.Time("enabled_at").Optional().Nillable(),
		field.Int64("last_step").Default(0).Comment("last accepted RFC 6238 time step"),
	}
}

// Edges of TwoFactor.
func (TwoFactor) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("user", User.Type).Ref("two_factor").Field("user_id").Unique().Required().Immutable(),
	}
}

// Annotations of TwoFactor.
func (TwoFactor) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}

// RecoveryCode is one single-use recovery code of a user's two-factor
// authentication; only its SHA-256 is stored (the codes are random, so a
// fast hash is enough, as for session tokens).
type RecoveryCode struct{ ent.Schema }

// Mixin of RecoveryCode.
func (RecoveryCode) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of RecoveryCode.
func (RecoveryCode) Fields() []ent.Field {
	return []ent.Field{
		field.Int("user_id").Immutable(),
		field.Bytes("code_hash").Unique().Immutable().Sensitive(),
		field.Time("used_at").Optional().Nillable(),
	}
}

// Edges of RecoveryCode.
func (RecoveryCode) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("user", User.Type).Ref("recovery_codes").Field("user_id").Unique().Required().Immutable(),
	}
}

// Indexes of RecoveryCode.
func (RecoveryCode) Indexes() []ent.Index {
	return []ent.Index{index.Fields("user_id")}
}

// Annotations of RecoveryCode.
func (RecoveryCode) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}
