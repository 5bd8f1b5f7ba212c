package billing

import (
	"fmt"
	"time"
)

// Proration of seat changes.
//
// A seat added during a period is charged for the exact fraction of the
// period left, in seconds, rounded once per line, half away from zero:
//
//	amount = round(pricePerSeatPerPeriod * deltaSeats * secondsLeft / periodSeconds)
//
// where secondsLeft = periodEnd - at and periodSeconds = periodEnd -
// periodStart. Months have different lengths, so a day is worth a different
// amount in February than in March; using the real period keeps a full
// period's proration equal to the full price.
//
// Monthly plan: the line is pending and is added to the next period's invoice
// (the seed: "pro-rated on the next invoice"). Annual plan: the line is
// invoiced and charged at once, on its own invoice (the seed: "pro-rated and
// charged when the number of seats change").
//
// Seat decreases take effect immediately (the member limit drops at once) and
// are not refunded or credited: the removed seats stay paid until the period
// ends and the next invoice bills the lower count. That is hex.pm's rule; it
// keeps invoices non-negative and avoids refunds through the processor. A
// seat removed and added back in the same period is therefore charged again.

// Line is one line of an invoice. Amount is the line's total; for an ordinary
// line it is Quantity*UnitAmount, for a proration it is the rounded prorated
// amount (which is not a multiple of any unit price).
type Line struct {
	Description string
	Quantity    int64
	UnitAmount  Money
	Amount      Money
	PeriodStart time.Time
	PeriodEnd   time.Time
	Proration   bool
}

// PeriodLine returns the in-advance line for seats seats over one period.
func PeriodLine(plan Plan, price Money, seats int, start, end time.Time) Line {
	return Line{
		Description: fmt.Sprintf("%s plan, %d seat(s), %s to %s", planName(plan), seats, day(start), day(end)),
		Quantity:    int64(seats),
		UnitAmount:  price,
		Amount:      price.Times(int64(seats)),
		PeriodStart: start.UTC(),
		PeriodEnd:   end.UTC(),
	}
}

// Prorate returns the proration line for changing seats by delta at instant
// at, inside the period [start, end). It refuses decreases (they are not
// credited, see above) and instants outside the period.
func Prorate(price Money, delta int, start, end, at time.Time) (Line, error) {
	if delta <= 0 {
		return Line{}, fmt.Errorf("%w: only seat increases are prorated, got %+d", ErrInvalidInput, delta)
	}
	if !end.After(start) || at.Before(start) || !at.Before(end) {
		return Line{}, fmt.Errorf("%w: %s is outside the period %s to %s", ErrInvalidInput, at.UTC(), start.UTC(), end.UTC())
	}
	left := int64(end.Sub(at) / time.Second)
	total := int64(end.Sub(start) / time.Second)
	amount := mulDiv(price.Cents, int64(delta), left, total)
	return Line{
		Description: fmt.Sprintf("%+d seat(s), prorated %s to %s", delta, day(at), day(end)),
		Quantity:    int64(delta),
		UnitAmount:  price,
		Amount:      Money{Cents: amount, Currency: price.Currency},
		PeriodStart: at.UTC(),
		PeriodEnd:   end.UTC(),
		Proration:   true,
	}, nil
}

// ProrationBehavior is the processor's handling of a seat change, named as in
// Stripe's proration_behavior.
type ProrationBehavior string

// The behaviours a seat change can ask for.
const (
	// ProrateOnNextInvoice adds pending proration items to the next invoice.
	ProrateOnNextInvoice ProrationBehavior = "create_prorations"
	// ProrateNow invoices the proration immediately.
	ProrateNow ProrationBehavior = "always_invoice"
	// ProrateNone changes the quantity without any proration (decreases).
	ProrateNone ProrationBehavior = "none"
)

// ProrationFor returns the behaviour for changing seats from old to new on
// plan, following the rules above.
func ProrationFor(plan Plan, oldSeats, newSeats int) ProrationBehavior {
	switch {
	case newSeats <= oldSeats:
		return ProrateNone
	case plan == Annual:
		return ProrateNow
	default:
		return ProrateOnNextInvoice
	}
}

func planName(p Plan) string {
	if p == Annual {
		return "Annual"
	}
	return "Monthly"
}

func day(t time.Time) string { return t.UTC().Format(time.DateOnly) }
