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
