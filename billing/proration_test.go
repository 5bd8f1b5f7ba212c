package billing

import (
	"errors"
	"testing"
	"time"
)

func TestProrate(t *testing.T) {
	feb := date(2024, 2, 1) // February 2024: 29 days
	mar := date(2024, 3, 1)
	tests := []struct {
		name  string
		price Money
		delta int
		start time.Time
		end   time.Time
		at    time.Time
		want  int64
	}{
		// 700 * 2 * (14.5 days / 29 days) = 700 exactly.
		{"+2 seats at mid-period, monthly", Cents(700), 2, feb, mar, feb.Add(29 * 12 * time.Hour), 700},
		// 700 * 1 * 10/29 = 241.379... -> 241.
		{"+1 seat with 10 of 29 days left", Cents(700), 1, feb, mar, date(2024, 2, 20), 241},
		// 700 * 3 * 15/29 = 1086.206... -> 1086.
		{"+3 seats with 15 of 29 days left", Cents(700), 3, feb, mar, date(2024, 2, 15), 1086},
		{"whole period is the full price", Cents(700), 2, feb, mar, feb, 1400},
		// Annual 2024-01-01..2025-01-01 = 366 days; at Jul 2 there are 183 days left:
		// 7000 * 2 * 183/366 = 7000.
		{"+2 seats at mid-year, annual", Cents(7000), 2, date(2024, 1, 1), date(2025, 1, 1), date(2024, 7, 2), 7000},
		// 7000 * 1 * 1s / 31622400s rounds to 0.
		{"one second left", Cents(7000), 1, date(2024, 1, 1), date(2025, 1, 1), date(2025, 1, 1).Add(-time.Second), 0},
		// Half a cent rounds away from zero: 1 * 1 * 1/2 = 0.5 -> 1.
		{"half a cent rounds up", Cents(1), 1, feb, feb.Add(2 * time.Second), feb.Add(time.Second), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			line, err := Prorate(tt.price, tt.delta, tt.start, tt.end, tt.at)
			if err != nil {
				t.Fatalf("Prorate: %v", err)
			}
			if line.Amount != (Money{tt.want, tt.price.Currency}) || !line.Proration || line.Quantity != int64(tt.delta) {
				t.Errorf("line = %+v, want amount %d", line, tt.want)
			}
		})
	}
}

func TestProrateRefuses(t *testing.T) {
	feb, mar := date(2024, 2, 1), date(2024, 3, 1)
	tests := []struct {
		name  string
		delta int
		at    time.Time
	}{
		{"decrease", -1, date(2024, 2, 10)},
		{"no change", 0, date(2024, 2, 10)},
		{"before the period", 1, date(2024, 1, 31)},
		{"at the period end", 1, mar},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Prorate(Cents(700), tt.delta, feb, mar, tt.at); !errors.Is(err, ErrInvalidInput) {
				t.Errorf("err = %v, want ErrInvalidInput", err)
			}
		})
	}
}

func TestProrationFor(t *testing.T) {
	tests := []struct {
		plan     Plan
		old, new int
		want     ProrationBehavior
	}{
		{Monthly, 3, 5, ProrateOnNextInvoice},
		{Annual, 3, 5, ProrateNow},
		{Monthly, 5, 3, ProrateNone},
		{Annual, 5, 3, ProrateNone},
	}
	for _, tt := range tests {
		if got := ProrationFor(tt.plan, tt.old, tt.new); got != tt.want {
			t.Errorf("ProrationFor(%s, %d, %d) = %s, want %s", tt.plan, tt.old, tt.new, got, tt.want)
		}
	}
}

func TestSeats(t *testing.T) {
	tests := []struct {
		name           string
		seats, members int
		check, add     error
	}{
		{"room left", 5, 3, nil, nil},
		{"full", 3, 3, nil, ErrSeatsExhausted},
		{"below members", 2, 3, ErrSeatsExhausted, ErrSeatsExhausted},
		{"zero seats", 0, 0, ErrInvalidInput, ErrSeatsExhausted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := CheckSeats(tt.seats, tt.members); !errors.Is(err, tt.check) || (tt.check == nil) != (err == nil) {
				t.Errorf("CheckSeats = %v, want %v", err, tt.check)
			}
			if err := CanAddMember(tt.seats, tt.members); !errors.Is(err, tt.add) || (tt.add == nil) != (err == nil) {
				t.Errorf("CanAddMember = %v, want %v", err, tt.add)
			}
		})
	}
	if got := Code(CanAddMember(1, 1)); got != "SEATS_EXHAUSTED" {
		t.Errorf("Code = %q, want SEATS_EXHAUSTED", got)
	}
}
