package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
)

// Token is a one-time secret mailed to a user: email verification or
// password reset. Only its SHA-256 is stored.
type Token struct{ ent.Schema }

// Mixin of Token.
func (Token) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of Token.
func (Token) Fields() []ent.Field {
	return []ent.Field{
		field.Int("user_id").Immutable(),
		field.Enum("kind").Values("VERIFY_EMAIL", "RESET_PASSWORD").Immutable(),
		field.Bytes("token_hash").Unique().Immutable().Sensitive(),
		field.String("email").Immutable().Default(""),
		field.Time("expires_at").Immutable(),
		field.Time("used_at").Optional().Nillable(),
	}
}

// Edges of Token.
func (Token) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("user", User.Type).Ref("tokens").Field("user_id").Unique().Required().Immutable(),
	}
}

// Annotations of Token.
func (Token) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}
