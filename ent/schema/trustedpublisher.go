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

// TrustedPublisher lets a CI job whose OIDC identity matches issuer and
// claims publish one public package with a short-lived key (trust/). A
// pending publisher has no package yet: it reserves pending_name for its
// creator (or owner_org_id) and creates the package on its first publish.
type TrustedPublisher struct{ ent.Schema }

// Mixin of TrustedPublisher.
func (TrustedPublisher) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of TrustedPublisher.
func (TrustedPublisher) Fields() []ent.Field {
	return []ent.Field{
		field.Int("package_id").Optional().Nillable().Comment("null while pending"),
		field.String("pending_name").Optional().Nillable().Comment("package name a pending publisher creates"),
		field.Int("owner_org_id").Optional().Nillable().Comment("organization to own the package a pending publisher creates"),
		field.Int("created_by_id").Immutable().Comment("user who configured it; the actor of the keys it issues"),
		field.Enum("kind").Values("GITHUB", "GITLAB", "OIDC").Immutable(),
		field.String("issuer").Immutable(),
		field.JSON("claims", map[string]string{}).Immutable().Comment("claims the token must carry, by name"),
	}
}

// Edges of TrustedPublisher.
func (TrustedPublisher) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("package", Pkg.Type).Ref("trusted_publishers").Field("package_id").Unique(),
	}
}

// Indexes of TrustedPublisher.
func (TrustedPublisher) Indexes() []ent.Index {
	return []ent.Index{index.Fields("package_id"), index.Fields("pending_name"), index.Fields("issuer")}
}

// Annotations of TrustedPublisher.
func (TrustedPublisher) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll), entsql.Table("trusted_publishers")}
}

// OIDCToken remembers the jti of every exchanged OIDC token until it
// expires, so a token is exchanged once (the unique index decides races,
// across instances too).
type OIDCToken struct{ ent.Schema }

// Fields of OIDCToken.
func (OIDCToken) Fields() []ent.Field {
	return []ent.Field{
		field.String("issuer").Immutable(),
		field.String("jti").Immutable(),
		field.Time("expires_at").Immutable(),
	}
}

// Indexes of OIDCToken.
func (OIDCToken) Indexes() []ent.Index {
	return []ent.Index{index.Fields("issuer", "jti").Unique(), index.Fields("expires_at")}
}

// Annotations of OIDCToken.
func (OIDCToken) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll), entsql.Table("oidc_tokens")}
}
