package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// MailMessage is the outbox: mail is written in the transaction that causes
// it and sent afterwards (over SMTP when configured), so a rolled-back change
// never sends mail and a crash never loses one.
type MailMessage struct{ ent.Schema }

// Mixin of MailMessage.
func (MailMessage) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of MailMessage.
func (MailMessage) Fields() []ent.Field {
	return []ent.Field{
		field.String("to"),
		field.String("subject"),
		field.Text("body"),
		field.String("kind").Default(""),
		field.Time("sent_at").Optional().Nillable(),
		field.Int("attempts").Default(0),
		field.String("last_error").Default(""),
	}
}

// Indexes of MailMessage.
func (MailMessage) Indexes() []ent.Index {
	return []ent.Index{index.Fields("sent_at")}
}

// Annotations of MailMessage.
func (MailMessage) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}
