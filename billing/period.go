package billing

import "time"

// Billing dates are anchored to the day (and time of day) the subscription
// started: the n-th billing date is the anchor plus n periods, with the day
// clamped to the end of shorter months. Clamping never accumulates, because
// every date is computed from the anchor and not from the previous date:
// Jan 31 -> Feb 29 -> Mar 31 -> Apr 30, and an annual Feb 29 start bills on
// Feb 28 in common years and Feb 29 again in leap years. All in UTC.

// BillingDate returns the n-th billing date of a subscription anchored at
// anchor (n = 0 is the anchor itself; n may be negative).
func BillingDate(anchor time.Time, plan Plan, n int) time.Time {
	a := anchor.UTC()
	total := int(a.Month()) - 1 + n*plan.months()
	year := a.Year() + floorDiv(total, 12)
	month := time.Month(total - floorDiv(total, 12)*12 + 1)
	day := min(a.Day(), daysIn(year, month))
	return time.Date(year, month, day, a.Hour(), a.Minute(), a.Second(), a.Nanosecond(), time.UTC)
}

// PeriodIndex returns the n such that BillingDate(n) <= t < BillingDate(n+1).
func PeriodIndex(anchor time.Time, plan Plan, t time.Time) int {
	a, t := anchor.UTC(), t.UTC()
	// Estimate from the calendar months between the two, then correct by at
	// most one step each way (clamping and time of day shift the boundary).
	months := (t.Year()-a.Year())*12 + int(t.Month()) - int(a.Month())
	n := floorDiv(months, plan.months())
	for BillingDate(anchor, plan, n).After(t) {
		n--
	}
	for !BillingDate(anchor, plan, n+1).After(t) {
		n++
	}
	return n
}

// PeriodEnd returns the end (exclusive) of the billing period that contains
// periodStart: the first billing date after it.
func PeriodEnd(anchor time.Time, plan Plan, periodStart time.Time) time.Time {
	return BillingDate(anchor, plan, PeriodIndex(anchor, plan, periodStart)+1)
}

// NextPeriod returns the period that follows the one containing periodStart.
func NextPeriod(anchor time.Time, plan Plan, periodStart time.Time) (start, end time.Time) {
	start = PeriodEnd(anchor, plan, periodStart)
	return start, PeriodEnd(anchor, plan, start)
}

// PeriodAt returns the anchored billing period containing t.
func PeriodAt(anchor time.Time, plan Plan, t time.Time) (start, end time.Time) {
	n := PeriodIndex(anchor, plan, t)
	return BillingDate(anchor, plan, n), BillingDate(anchor, plan, n+1)
}

func daysIn(year int, month time.Month) int {
	return time.Date(year, month+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}
