package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
)

// User is a person with an account. Usernames never change (seed: "For
// security reasons, your username cannot be changed").
type User struct{ ent.Schema }

// Mixin of User.
func (User) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of User.
func (User) Fields() []ent.Field {
	return []ent.Field{
		field.String("username").Unique().Immutable().
			Annotations(entgql.OrderField("USERNAME")),
		field.String("email").Unique().
			Comment("shown only to the user themself, by a hand-written resolver").
			Annotations(entgql.Skip()),
		field.Time("email_verified_at").Optional().Nillable().
			Annotations(entgql.Skip()),
		field.String("full_name").Default(""),
		field.String("password_hash").Sensitive().
			Annotations(entgql.Skip()),
		field.Bool("two_factor_enabled").Default(false).
			Comment("TOTP confirmed (the credential is in TwoFactor); shown by a hand-written resolver").
			Annotations(entgql.Skip()),
	}
}

// Edges of User.
func (User) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("memberships", Membership.Type).
			Annotations(entgql.Skip()),
		edge.To("owned_packages", PackageOwner.Type).
			Annotations(entgql.Skip()),
		edge.To("api_keys", APIKey.Type).
			Annotations(entgql.Skip()),
		edge.To("sessions", Session.Type).
			Annotations(entgql.Skip()),
		edge.To("tokens", Token.Type).
			Annotations(entgql.Skip()),
		edge.To("two_factor", TwoFactor.Type).Unique().
			Annotations(entgql.Skip()),
		edge.To("recovery_codes", RecoveryCode.Type).
			Annotations(entgql.Skip()),
	}
}

// Annotations of User.
func (User) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}
