package account

import (
	"context"
	"fmt"
	"strings"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/user"
	"github.com/depot-registry/depot/viewer"
)

// User finds a user by username, or by email address when login holds an
// "@" (the Hex API names owners either way). Unknown is NOT_FOUND.
func (s *Service) User(ctx context.Context, login string) (*ent.User, error) {
	login = strings.TrimSpace(login)
	pred := user.Username(login)
	if strings.Contains(login, "@") {
		pred = user.EmailEqualFold(login)
	}
	u, err := s.DB.User.Query().Where(pred).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, apperr.New(apperr.NotFound, "no user %q", login)
	}
	if err != nil {
		return nil, fmt.Errorf("find user %s: %w", login, err)
	}
	return u, nil
}

// Me is the signed-in user; anonymous callers get UNAUTHENTICATED.
func (s *Service) Me(ctx context.Context) (*ent.User, error) {
	v := viewer.FromContext(ctx)
	if v.Anonymous() {
		return nil, apperr.SignInRequired()
	}
	return s.DB.User.Get(ctx, v.UserID)
}

// The entities account reads return, under the domain's names.
type (
	User   = ent.User
	APIKey = ent.APIKey
)
