package stripe

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/depot-registry/depot/billing"
	stripego "github.com/stripe/stripe-go/v76"
)

// wrap turns a Stripe error into a billing error kind where one fits, so
// callers test with errors.Is and never import stripe-go.
func wrap(op string, err error) error {
	var se *stripego.Error
	if errors.As(err, &se) {
		switch {
		case se.HTTPStatusCode == http.StatusNotFound:
			return fmt.Errorf("stripe %s: %w: %s", op, billing.ErrNotFound, se.Msg)
		case se.HTTPStatusCode == http.StatusBadRequest && se.Type == stripego.ErrorTypeInvalidRequest:
			return fmt.Errorf("stripe %s: %w: %s", op, billing.ErrInvalidInput, se.Msg)
		}
	}
	return fmt.Errorf("stripe %s: %w", op, err)
}
