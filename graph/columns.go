package graph

import (
	"context"
	"slices"
	"strings"

	"github.com/99designs/gqlgen/graphql"

	"github.com/depot-registry/depot/ent/release"
)

// Release lists are the biggest answers (50 packages × 10 releases), and
// reading every column costs: timestamps are parsed and JSON columns decoded
// for each row. A list reads the always-needed columns plus those its
// selection asks for.
var releaseCore = []string{
	release.FieldID, release.FieldPackageID, release.FieldVersion, release.FieldVersionKey,
	release.FieldPrerelease, release.FieldPrivateOrgID, release.FieldFirstPublishedAt,
	release.FieldPublisherID, release.FieldDocsBlobKey,
}

// releaseFieldColumns maps GraphQL Release fields to the extra columns they need.
var releaseFieldColumns = map[string][]string{
	"createdAt":         {release.FieldCreatedAt},
	"updatedAt":         {release.FieldUpdatedAt},
	"innerChecksum":     {release.FieldInnerChecksum},
	"outerChecksum":     {release.FieldOuterChecksum},
	"size":              {release.FieldSize},
	"app":               {release.FieldApp},
	"description":       {release.FieldDescription},
	"licenses":          {release.FieldLicenses},
	"links":             {release.FieldLinks},
	"buildTools":        {release.FieldBuildTools},
	"elixirRequirement": {release.FieldElixirRequirement},
	"downloads":         {release.FieldDownloads},
	"docsPublishedAt":   {release.FieldDocsPublishedAt},
}

// releaseColumns returns the columns the current list field's selection
// needs, and a key naming that set (loaders batch per set). Unknown fields
// (fragments on interfaces, introspection) fall back to every column.
func releaseColumns(ctx context.Context) (cols []string, key string) {
	return columnsOf(graphql.CollectFieldsCtx(ctx, nil))
}

// columnsOf is releaseColumns for a Release selection's fields.
func columnsOf(fields []graphql.CollectedField) (cols []string, key string) {
	cols = slices.Clone(releaseCore)
	for _, f := range fields {
		if extra, ok := releaseFieldColumns[f.Name]; ok {
			for _, c := range extra {
				if !slices.Contains(cols, c) {
					cols = append(cols, c)
				}
			}
		}
	}
	slices.Sort(cols)
	return cols, strings.Join(cols, ",")
}

// selects reports whether the current field's selection has a child field
// called name.
func selects(ctx context.Context, name string) bool {
	for _, f := range graphql.CollectFieldsCtx(ctx, nil) {
		if f.Name == name {
			return true
		}
	}
	return false
}
