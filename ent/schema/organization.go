package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
)

// Organization groups users with roles; it owns packages (public ones for
// free, private ones in its own repository with a subscription).
type Organization struct{ ent.Schema }

// Mixin of Organization.
func (Organization) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of Organization.
func (Organization) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").Unique().Immutable().
			Annotations(entgql.OrderField("NAME")),
		field.String("display_name").Default(""),
		field.Bool("require_two_factor").Default(false).
			Comment("members without two-factor authentication may only read").
			Annotations(entgql.Skip()),
	}
}

// Edges of Organization.
func (Organization) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("memberships", Membership.Type).
			Annotations(entgql.Skip()),
		edge.To("repository", Repository.Type).Unique().
			Annotations(entgql.Skip()),
		edge.To("owned_packages", PackageOwner.Type).
			Annotations(entgql.Skip()),
		edge.To("billing_profile", BillingProfile.Type).Unique().
			Annotations(entgql.Skip()),
		edge.To("subscription", Subscription.Type).Unique().
			Annotations(entgql.Skip()),
		edge.To("invoices", Invoice.Type).
			Annotations(entgql.Skip()),
	}
}

// Annotations of Organization.
func (Organization) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}
