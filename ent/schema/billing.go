package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// The billing entities are exposed through hand-written GraphQL types (money
// objects, computed totals), so entgql skips them all.
var billingAnnotations = []schema.Annotation{entgql.Skip(entgql.SkipAll)}

// BillingProfile holds who pays for an organization and where they are: the
// country and company status decide the VAT.
type BillingProfile struct{ ent.Schema }

// Mixin of BillingProfile.
func (BillingProfile) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of BillingProfile.
func (BillingProfile) Fields() []ent.Field {
	return []ent.Field{
		field.Int("organization_id").Unique().Immutable(),
		field.String("email"),
		field.String("name").Default(""),
		field.String("address").Default(""),
		field.String("country").Comment("ISO 3166-1 alpha-2"),
		field.Bool("company").Default(false),
		field.String("vat_number").Default(""),
		field.String("processor_customer_ref").Default(""),
	}
}

// Edges of BillingProfile.
func (BillingProfile) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("organization", Organization.Type).Ref("billing_profile").Field("organization_id").Unique().Required().Immutable(),
	}
}

// Annotations of BillingProfile.
func (BillingProfile) Annotations() []schema.Annotation { return billingAnnotations }

// Subscription is an organization's plan and seats, and where it stands.
type Subscription struct{ ent.Schema }

// Mixin of Subscription.
func (Subscription) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of Subscription.
func (Subscription) Fields() []ent.Field {
	return []ent.Field{
		field.Int("organization_id").Unique().Immutable(),
		field.Enum("plan").Values("MONTHLY", "ANNUAL"),
		field.Int("seats"),
		field.Enum("status").Values("TRIALING", "ACTIVE", "PAST_DUE", "CANCELED", "INCOMPLETE"),
		field.Time("anchor").Comment("billing day: the start of the first period"),
		field.Time("current_period_start"),
		field.Time("current_period_end"),
		field.Bool("cancel_at_period_end").Default(false),
		field.Time("trial_end").Optional().Nillable(),
		field.Time("first_failure_at").Optional().Nillable(),
		field.Int("retries").Default(0),
		field.Time("next_retry_at").Optional().Nillable(),
		field.Time("canceled_at").Optional().Nillable(),
		field.String("processor_ref").Default(""),
		field.Int64("state_version").Default(0).Comment("last processor event applied; state never moves backwards"),
	}
}

// Edges of Subscription.
func (Subscription) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("organization", Organization.Type).Ref("subscription").Field("organization_id").Unique().Required().Immutable(),
	}
}

// Annotations of Subscription.
func (Subscription) Annotations() []schema.Annotation { return billingAnnotations }

// Invoice is what an organization is asked to pay for one period or change.
type Invoice struct{ ent.Schema }

// Mixin of Invoice.
func (Invoice) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of Invoice.
func (Invoice) Fields() []ent.Field {
	return []ent.Field{
		field.Int("organization_id").Immutable(),
		field.Int("seq").Immutable().Comment("per-organization sequence"),
		field.String("number").Unique().Immutable(),
		field.Enum("status").Values("DRAFT", "OPEN", "PAID", "VOID", "UNCOLLECTIBLE"),
		field.String("currency"),
		field.Int64("subtotal_cents"),
		field.Int("vat_rate_bp").Comment("VAT rate in basis points"),
		field.Int64("vat_cents"),
		field.Int64("total_cents"),
		field.Bool("reverse_charge").Default(false),
		field.Time("period_start"),
		field.Time("period_end"),
		field.JSON("seller", map[string]string{}),
		field.JSON("buyer", map[string]string{}),
		field.Time("issued_at").Optional().Nillable(),
		field.Time("paid_at").Optional().Nillable(),
		field.String("processor_ref").Default(""),
	}
}

// Edges of Invoice.
func (Invoice) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("organization", Organization.Type).Ref("invoices").Field("organization_id").Unique().Required().Immutable(),
		edge.To("lines", InvoiceLine.Type).Annotations(entsql.OnDelete(entsql.Cascade)),
		edge.To("payments", PaymentAttempt.Type).Annotations(entsql.OnDelete(entsql.Cascade)),
	}
}

// Indexes of Invoice.
func (Invoice) Indexes() []ent.Index {
	return []ent.Index{index.Fields("organization_id", "seq").Unique()}
}

// Annotations of Invoice.
func (Invoice) Annotations() []schema.Annotation { return billingAnnotations }

// InvoiceLine is one line of an invoice. A line without an invoice is
// pending: a monthly proration waiting for the next invoice.
type InvoiceLine struct{ ent.Schema }

// Fields of InvoiceLine.
func (InvoiceLine) Fields() []ent.Field {
	return []ent.Field{
		field.Int("organization_id").Immutable(),
		field.Int("invoice_id").Optional().Nillable(),
		field.String("kind").Comment("subscription, proration"),
		field.String("description"),
		field.Int("quantity"),
		field.Int64("unit_cents"),
		field.Int64("amount_cents"),
		field.Time("period_start"),
		field.Time("period_end"),
		field.Time("created_at").Immutable().Default(time.Now),
	}
}

// Edges of InvoiceLine.
func (InvoiceLine) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("invoice", Invoice.Type).Ref("lines").Field("invoice_id").Unique(),
	}
}

// Indexes of InvoiceLine.
func (InvoiceLine) Indexes() []ent.Index {
	return []ent.Index{index.Fields("organization_id", "invoice_id")}
}

// Annotations of InvoiceLine.
func (InvoiceLine) Annotations() []schema.Annotation { return billingAnnotations }

// PaymentAttempt is one try to charge an invoice.
type PaymentAttempt struct{ ent.Schema }

// Fields of PaymentAttempt.
func (PaymentAttempt) Fields() []ent.Field {
	return []ent.Field{
		field.Int("invoice_id").Immutable(),
		field.Time("attempted_at").Immutable(),
		field.Bool("succeeded").Immutable(),
		field.String("failure_message").Default("").Immutable(),
		field.String("processor_ref").Default("").Immutable(),
		field.String("idempotency_key").Unique().Immutable(),
	}
}

// Edges of PaymentAttempt.
func (PaymentAttempt) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("invoice", Invoice.Type).Ref("payments").Field("invoice_id").Unique().Required().Immutable(),
	}
}

// Annotations of PaymentAttempt.
func (PaymentAttempt) Annotations() []schema.Annotation { return billingAnnotations }

// ProcessedWebhook remembers processor events already applied, so a replay
// changes nothing.
type ProcessedWebhook struct{ ent.Schema }

// Fields of ProcessedWebhook.
func (ProcessedWebhook) Fields() []ent.Field {
	return []ent.Field{
		field.String("event_id").Unique().Immutable(),
		field.String("type").Immutable(),
		field.Time("processed_at").Immutable().Default(time.Now),
	}
}

// Annotations of ProcessedWebhook.
func (ProcessedWebhook) Annotations() []schema.Annotation { return billingAnnotations }
