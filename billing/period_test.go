package billing

import (
	"testing"
	"time"
)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestBillingDates(t *testing.T) {
	tests := []struct {
		name   string
		anchor time.Time
		plan   Plan
		want   []time.Time // billing dates 0, 1, 2, ...
	}{
		{"monthly from Jan 31 clamps and returns to the 31st", date(2024, 1, 31), Monthly,
			[]time.Time{date(2024, 1, 31), date(2024, 2, 29), date(2024, 3, 31), date(2024, 4, 30), date(2024, 5, 31), date(2024, 6, 30)}},
		{"monthly from Jan 31 in a common year", date(2023, 1, 31), Monthly,
			[]time.Time{date(2023, 1, 31), date(2023, 2, 28), date(2023, 3, 31)}},
		{"monthly across the year end", date(2023, 11, 30), Monthly,
			[]time.Time{date(2023, 11, 30), date(2023, 12, 30), date(2024, 1, 30), date(2024, 2, 29), date(2024, 3, 30)}},
		{"annual from Feb 29", date(2024, 2, 29), Annual,
			[]time.Time{date(2024, 2, 29), date(2025, 2, 28), date(2026, 2, 28), date(2027, 2, 28), date(2028, 2, 29)}},
		{"time of day is kept", time.Date(2024, 3, 15, 13, 45, 7, 0, time.UTC), Monthly,
			[]time.Time{time.Date(2024, 3, 15, 13, 45, 7, 0, time.UTC), time.Date(2024, 4, 15, 13, 45, 7, 0, time.UTC)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for n, want := range tt.want {
				if got := BillingDate(tt.anchor, tt.plan, n); !got.Equal(want) {
					t.Errorf("BillingDate(%d) = %s, want %s", n, got, want)
				}
			}
			// Walking with NextPeriod yields the same dates.
			start := tt.anchor
			for n := 1; n < len(tt.want); n++ {
				s, e := NextPeriod(tt.anchor, tt.plan, start)
				if !s.Equal(tt.want[n]) {
					t.Errorf("NextPeriod start %d = %s, want %s", n, s, tt.want[n])
				}
				if n+1 < len(tt.want) && !e.Equal(tt.want[n+1]) {
					t.Errorf("NextPeriod end %d = %s, want %s", n, e, tt.want[n+1])
				}
				start = s
			}
		})
	}
}

func TestPeriodEnd(t *testing.T) {
	anchor := date(2024, 1, 31)
	tests := []struct {
		name  string
		plan  Plan
		start time.Time
		want  time.Time
	}{
		{"first period", Monthly, anchor, date(2024, 2, 29)},
		{"from a clamped date", Monthly, date(2024, 2, 29), date(2024, 3, 31)},
		{"mid-period start belongs to its period", Monthly, date(2024, 3, 10), date(2024, 3, 31)},
		{"one nanosecond before a billing date", Monthly, date(2024, 3, 31).Add(-1), date(2024, 3, 31)},
		{"annual", Annual, anchor, date(2025, 1, 31)},
		{"non-UTC input", Monthly, time.Date(2024, 2, 29, 2, 0, 0, 0, time.FixedZone("CET", 3600)), date(2024, 3, 31)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := PeriodEnd(anchor, tt.plan, tt.start)
			if !got.Equal(tt.want) || got.Location() != time.UTC {
				t.Errorf("PeriodEnd = %s, want %s UTC", got, tt.want)
			}
		})
	}
}

func TestPeriodAt(t *testing.T) {
	anchor := date(2024, 1, 31)
	tests := []struct {
		at         time.Time
		start, end time.Time
	}{
		{date(2024, 1, 31), date(2024, 1, 31), date(2024, 2, 29)},
		{date(2024, 5, 1), date(2024, 4, 30), date(2024, 5, 31)},
		{date(2023, 12, 31), date(2023, 12, 31), date(2024, 1, 31)}, // before the anchor
	}
	for _, tt := range tests {
		s, e := PeriodAt(anchor, Monthly, tt.at)
		if !s.Equal(tt.start) || !e.Equal(tt.end) {
			t.Errorf("PeriodAt(%s) = %s..%s, want %s..%s", tt.at, s, e, tt.start, tt.end)
		}
	}
}
