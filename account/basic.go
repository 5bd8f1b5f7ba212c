package account

import (
	"context"

	"github.com/depot-registry/depot/viewer"
)

// ViewerForPassword authenticates one request by login (username or
// email) and password, as HTTP Basic in the Hex API, without opening a
// session. It applies SignIn's rate limits and answers, so a protocol that
// takes passwords is no softer a target than the sign-in form. The viewer
// has no scopes: like a session, a password is the account itself.
func (s *Service) ViewerForPassword(ctx context.Context, login, password string) (*viewer.Viewer, error) {
	u, err := s.verifyLogin(ctx, login, password)
	if err != nil {
		return nil, err
	}
	v, err := s.load(ctx, u, 0, nil)
	if v != nil {
		v.Password = true
	}
	return v, err
}
