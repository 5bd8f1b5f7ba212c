package billing

import "fmt"

// Plan is how often an organization is billed. The values are the GraphQL
// enum values.
type Plan string

// The plans of SPEC §6.
const (
	Monthly Plan = "MONTHLY"
	Annual  Plan = "ANNUAL"
)

// Valid reports whether p is a known plan.
func (p Plan) Valid() bool { return p == Monthly || p == Annual }

// Plans are the plans on sale, in the order they are offered.
var Plans = []Plan{Monthly, Annual}

// Months is the length of one billing period in calendar months.
func (p Plan) Months() int { return p.months() }

// months is the length of one billing period in calendar months.
func (p Plan) months() int {
	if p == Annual {
		return 12
	}
	return 1
}

// Prices are the per-seat, per-period prices, excluding VAT. They are
// configuration; DefaultPrices are the seed's.
type Prices struct {
	Monthly Money // per seat per month
	Annual  Money // per seat per year
}

// DefaultPrices returns the seed's prices: 7 USD per seat per month and
// 70 USD per seat per year ("two months free").
func DefaultPrices() Prices {
	return Prices{Monthly: Cents(700), Annual: Cents(7000)}
}

// For returns the price of one seat for one period of plan.
func (p Prices) For(plan Plan) (Money, error) {
	switch plan {
	case Monthly:
		return p.Monthly, nil
	case Annual:
		return p.Annual, nil
	}
	return Money{}, fmt.Errorf("%w: unknown plan %q", ErrInvalidInput, plan)
}

// Validate refuses prices a configuration typo could produce: a free or
// negative seat, a missing currency, or two plans in different currencies.
func (p Prices) Validate() error {
	for _, m := range []Money{p.Monthly, p.Annual} {
		if m.Cents <= 0 || m.Currency == "" {
			return fmt.Errorf("%w: price %v must be positive with a currency", ErrInvalidInput, m)
		}
	}
	if p.Monthly.Currency != p.Annual.Currency {
		return fmt.Errorf("%w: plans priced in %s and %s", ErrInvalidInput, p.Monthly.Currency, p.Annual.Currency)
	}
	return nil
}

// Offer is a plan on sale: the price of one seat for one period of Months.
type Offer struct {
	Plan      Plan
	SeatPrice Money
	Months    int
}

// Offers lists the plans on sale at prices p, in the order of Plans.
func (p Prices) Offers() []Offer {
	out := make([]Offer, 0, len(Plans))
	for _, plan := range Plans {
		price, _ := p.For(plan) // every plan of Plans has a price
		out = append(out, Offer{Plan: plan, SeatPrice: price, Months: plan.months()})
	}
	return out
}
