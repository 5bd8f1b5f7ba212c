// Package stripe is the Stripe implementation of billing.Processor, built on
// stripe-go v76, whose pinned API version (2023-10-16) is sent on every
// request.
//
// Division of labour: Depot's database is the source of truth for invoices,
// VAT and dunning. Stripe holds the customer (with address country and EU VAT
// id), a per-seat price per plan, and a mirror subscription whose quantity
// follows the seats, so the Stripe dashboard and proration agree with Depot.
// The mirror subscription is created with collection_method=send_invoice:
// Stripe never charges on its own schedule, money moves only through Charge
// (a PaymentIntent for the total Depot computed, VAT included, or paying a
// given Stripe invoice). That keeps retries on Depot's dunning schedule and
// rules out double collection.
//
// Every POST carries the caller's idempotency key; requests made on the way
// (price creation, tax id) derive their keys from it.
package stripe

import (
	"fmt"
	"net/http"
	"sync"

	"github.com/depot-registry/depot/billing"
	stripego "github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"
)

// Config configures the adapter.
type Config struct {
	Key         string         // secret API key
	URL         string         // API base URL; empty for api.stripe.com, stripe-mock's in tests
	HTTPClient  *http.Client   // optional; tests wrap its transport to record requests
	Prices      billing.Prices // the per-seat prices the Stripe prices are created with
	ProductName string         // product of the prices; default "Depot organization seat"
	Clock       billing.Clock  // decides whether an anchor is in the future; default SystemClock
}

// Processor is the Stripe billing.Processor.
type Processor struct {
	api    *client.API
	cfg    Config
	mu     sync.Mutex
	prices map[string]string // lookup key -> price id
}

var _ billing.Processor = (*Processor)(nil)

// New returns a processor talking to Stripe (or cfg.URL). Network retries are
// off: the caller retries whole use cases with the same idempotency keys.
func New(cfg Config) (*Processor, error) {
	if cfg.Key == "" {
		return nil, fmt.Errorf("stripe: %w: missing API key", billing.ErrInvalidInput)
	}
	if err := cfg.Prices.Validate(); err != nil {
		return nil, fmt.Errorf("stripe prices: %w", err)
	}
	if cfg.ProductName == "" {
		cfg.ProductName = "Depot organization seat"
	}
	if cfg.Clock == nil {
		cfg.Clock = billing.SystemClock{}
	}
	bc := &stripego.BackendConfig{
		MaxNetworkRetries: stripego.Int64(0),
		LeveledLogger:     &stripego.LeveledLogger{Level: stripego.LevelNull},
		HTTPClient:        cfg.HTTPClient,
	}
	if cfg.URL != "" {
		bc.URL = stripego.String(cfg.URL)
	}
	backend := stripego.GetBackendWithConfig(stripego.APIBackend, bc)
	api := client.New(cfg.Key, &stripego.Backends{API: backend, Connect: backend, Uploads: backend})
	return &Processor{api: api, cfg: cfg, prices: map[string]string{}}, nil
}

// APIVersion is the Stripe API version every request pins.
const APIVersion = stripego.APIVersion
