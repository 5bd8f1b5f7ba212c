package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// APIKey lets an integration act for a user within its scopes. Only a keyed
// hash of the secret is stored; the secret is shown once.
type APIKey struct{ ent.Schema }

// Mixin of APIKey.
func (APIKey) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of APIKey.
func (APIKey) Fields() []ent.Field {
	return []ent.Field{
		field.Int("user_id").Immutable().Annotations(entgql.Skip()),
		field.String("name"),
		field.String("prefix").Immutable().Comment("first characters of the secret, to recognise a key"),
		field.Bytes("secret_hash").Unique().Immutable().Sensitive().Annotations(entgql.Skip()),
		field.Strings("scopes").Immutable(),
		field.Bool("writes_need_code").Default(false).Immutable().
			Comment("writes with this key need a current two-factor code (x-hex-otp, X-Depot-OTP)"),
		field.Time("expires_at").Optional().Nillable().Immutable(),
		field.Time("revoked_at").Optional().Nillable(),
		field.Time("last_used_at").Optional().Nillable(),
		field.String("last_used_ip").Optional(),
		field.String("last_used_user_agent").Optional(),
		field.JSON("trusted_publishers", map[string]int{}).Optional().Immutable().
			Comment("for a key exchanged from an OIDC token: package name → trusted publisher id").Annotations(entgql.Skip()),
		field.JSON("trusted_run", map[string]string{}).Optional().Immutable().
			Comment("the CI run whose OIDC token the key was exchanged for").Annotations(entgql.Skip()),
	}
}

// Edges of APIKey.
func (APIKey) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("user", User.Type).Ref("api_keys").Field("user_id").Unique().Required().Immutable(),
	}
}

// Indexes of APIKey.
func (APIKey) Indexes() []ent.Index {
	return []ent.Index{index.Fields("user_id")}
}

// Annotations of APIKey.
func (APIKey) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Type("ApiKey"), entgql.RelayConnection(), entgql.Skip(entgql.SkipWhereInput)}
}
