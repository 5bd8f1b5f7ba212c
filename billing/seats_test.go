package billing

import "testing"

// Every subscription state caps members at the seats, but an ended one.
func TestLimitsMembers(t *testing.T) {
	for _, s := range []Status{StatusIncomplete, StatusTrialing, StatusActive, StatusPastDue, StatusCanceled} {
		if got, want := LimitsMembers(s), s != StatusCanceled; got != want {
			t.Errorf("LimitsMembers(%s) = %v, want %v", s, got, want)
		}
	}
}

// The offers are the configured prices, per plan and period.
func TestOffers(t *testing.T) {
	got := Prices{Monthly: Cents(900), Annual: Cents(9000)}.Offers()
	want := []Offer{{Monthly, Cents(900), 1}, {Annual, Cents(9000), 12}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("Offers() = %+v, want %+v", got, want)
	}
}
