// Package webhook is the HTTP front for payment processor notifications:
// POST /webhooks/stripe. It verifies that a request comes from Stripe
// (signature and age), turns the Stripe event into a billing service event
// and lets the service apply it once. The billing rules stay in
// billing/service; nothing here decides what an event means for a
// subscription beyond reading Stripe's fields.
package webhook

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/depot-registry/depot/billing"
	"github.com/depot-registry/depot/billing/service"
	stripewebhook "github.com/stripe/stripe-go/v76/webhook"
)

// Tolerance is the maximum age (and clock skew) of a signed request:
// an older one could be a captured request replayed.
const Tolerance = 300 * time.Second

// MaxBodyBytes bounds a request body; Stripe's events are far smaller.
const MaxBodyBytes = 256 << 10

// timeout bounds the handling of one event: Stripe waits at most a few
// seconds and retries deliveries that were not acknowledged.
const timeout = 10 * time.Second

type stripeHandler struct {
	svc    *service.Service
	secret string
	clock  billing.Clock
	log    *slog.Logger
}

// NewStripeHandler returns the handler of POST /webhooks/stripe. secret is
// the endpoint's signing secret (whsec_...). Answers: 200 for an applied,
// replayed or ignored event; 400 for anything not signed by Stripe within
// Tolerance, with another API version, or unreadable; 405 for other
// methods; 413 for oversized bodies; 500 when the database failed (Stripe
// retries later).
func NewStripeHandler(svc *service.Service, secret string, clock billing.Clock, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if clock == nil {
		clock = billing.SystemClock{}
	}
	return &stripeHandler{svc: svc, secret: secret, clock: clock, log: log}
}

func (h *stripeHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "cannot read body", http.StatusBadRequest)
		return
	}
	header := r.Header.Get("Stripe-Signature")
	if err := h.checkAge(header); err != nil {
		h.log.Warn("stripe webhook refused", "err", err)
		http.Error(w, "invalid signature", http.StatusBadRequest)
		return
	}
	ev, err := stripewebhook.ConstructEventWithOptions(body, header, h.secret, stripewebhook.ConstructEventOptions{
		Tolerance: Tolerance, IgnoreAPIVersionMismatch: false,
	})
	if err != nil {
		h.log.Warn("stripe webhook refused", "err", err)
		http.Error(w, "invalid signature or event", http.StatusBadRequest)
		return
	}
	sev, err := toEvent(ev)
	if err != nil {
		h.log.Warn("stripe webhook unreadable", "event", ev.ID, "type", ev.Type, "err", err)
		http.Error(w, "unreadable event object", http.StatusBadRequest)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	defer cancel()
	applied, err := h.svc.HandleEvent(ctx, sev)
	if err != nil {
		h.log.Error("stripe webhook failed", "event", ev.ID, "type", ev.Type, "err", err)
		http.Error(w, "could not process the event", http.StatusInternalServerError)
		return
	}
	h.log.Info("stripe webhook", "event", ev.ID, "type", ev.Type, "applied", applied)
	w.WriteHeader(http.StatusOK)
}

// checkAge checks the signature's timestamp against our clock, in both
// directions: stripe-go checks only the past and only against the wall
// clock, and a timestamp from the future is as suspect as an old one.
func (h *stripeHandler) checkAge(header string) error {
	for _, part := range strings.Split(header, ",") {
		if v, ok := strings.CutPrefix(part, "t="); ok {
			sec, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return errors.New("invalid signature timestamp")
			}
			d := h.clock.Now().Sub(time.Unix(sec, 0))
			if d > Tolerance || d < -Tolerance {
				return stripewebhook.ErrTooOld
			}
			return nil
		}
	}
	return stripewebhook.ErrNotSigned
}
