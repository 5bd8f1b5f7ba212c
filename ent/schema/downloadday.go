package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// DownloadDay is the number of downloads of one release on one UTC day. The
// download flusher adds to it in the same transaction that adds to the
// release's and the package's totals, so a total is always the sum of its
// days (registry/downloads.go).
//
// release_id and package_id are plain columns, not edges: a reverted
// release's days stay, like its share of the package's total, so the
// package's days keep adding up to the package's total.
type DownloadDay struct{ ent.Schema }

// Mixin of DownloadDay: private packages' days are filtered like the rows
// they count.
func (DownloadDay) Mixin() []ent.Mixin { return []ent.Mixin{PrivateMixin{}} }

// Fields of DownloadDay.
func (DownloadDay) Fields() []ent.Field {
	return []ent.Field{
		field.Int("release_id").Immutable(),
		field.Int("package_id").Immutable(),
		field.String("day").Immutable().MaxLen(10).
			Comment("the UTC day, YYYY-MM-DD (sorts and compares as text on both databases)"),
		field.Int64("downloads").Default(0),
	}
}

// Indexes of DownloadDay.
func (DownloadDay) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("release_id", "day").Unique(),
		index.Fields("package_id", "day"),
	}
}

// Annotations of DownloadDay.
func (DownloadDay) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Table("download_days"), entgql.Skip(entgql.SkipAll)}
}
