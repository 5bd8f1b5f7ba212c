package graph

import (
	"context"
	"errors"
	"log/slog"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/billing"
	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/graph/gid"
	"github.com/depot-registry/depot/hextar"
	"github.com/depot-registry/depot/semver"
)

// ErrorPresenter turns every error a resolver returns into a GraphQL error
// with a stable `extensions.code`. It is the one place where domain error
// kinds meet the API's codes; unknown errors are logged and shown as
// INTERNAL without their text, which may hold internals.
func ErrorPresenter(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gqlErr := graphql.DefaultErrorPresenter(ctx, err)
		code, msg, field := classify(err)
		if code == apperr.Internal {
			var ge *gqlerror.Error
			if errors.As(err, &ge) && ge.Extensions["code"] != nil {
				// Classified by gqlgen. Syntax and validation errors are bad
				// input in the documented set of codes (integrations switch
				// on that set); gqlgen's own code stays readable as
				// `reason`. Other codes (PERSISTED_QUERY_NOT_FOUND, which
				// APQ clients depend on) pass through unchanged.
				switch c := ge.Extensions["code"]; c {
				case errcode.ParseFailed, errcode.ValidationFailed:
					if gqlErr.Extensions == nil {
						gqlErr.Extensions = map[string]any{}
					}
					gqlErr.Extensions["code"] = string(apperr.BadInput)
					gqlErr.Extensions["reason"] = c
				}
				return gqlErr
			}
			log.ErrorContext(ctx, "internal error", "err", err, "path", gqlErr.Path.String())
			msg = "internal error"
		}
		gqlErr.Message = msg
		if gqlErr.Extensions == nil {
			gqlErr.Extensions = map[string]any{}
		}
		gqlErr.Extensions["code"] = string(code)
		if field != "" {
			gqlErr.Extensions["field"] = field
		}
		return gqlErr
	}
}

func classify(err error) (code apperr.Code, msg, field string) {
	var (
		ae *apperr.Error
		be *billing.Error
		he *hextar.Error
	)
	switch {
	case errors.As(err, &ae):
		return ae.Code, ae.Message, ae.Field
	case errors.As(err, &be):
		return apperr.Code(be.Code), be.Message, ""
	case errors.As(err, &he):
		return apperr.BadInput, "invalid package tarball: " + he.Error(), "tarball"
	case errors.Is(err, semver.ErrBuildMetadata):
		return apperr.BadInput, err.Error(), "version"
	case errors.Is(err, gid.ErrInvalid):
		return apperr.BadInput, err.Error(), "id"
	case ent.IsNotFound(err):
		return apperr.NotFound, "not found", ""
	case ent.IsConstraintError(err):
		return apperr.Conflict, "conflicts with a concurrent change; retry", ""
	case isCursorError(err):
		return apperr.BadInput, "invalid cursor: use a cursor from a previous page", "after"
	case errors.Is(err, context.DeadlineExceeded):
		return apperr.Internal, "request timed out", ""
	}
	return apperr.Internal, err.Error(), ""
}

// isCursorError recognises entgql's cursor decoding failure. entgql returns
// it as a plain fmt error ("cannot decode cursor: ..."), not a typed one, so
// its message is the only thing to match; every connection's after/before
// goes through that one decoder, so this one check covers all of them.
func isCursorError(err error) bool {
	return strings.Contains(err.Error(), "cannot decode cursor")
}
