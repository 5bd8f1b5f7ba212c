package billing

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// event is one step of a timeline: advance the clock, or report a payment.
type event struct {
	at       time.Time
	kind     string // "advance", "paid", "failed"
	invoice  string
	status   Status
	actions  string // summary of the actions, see summarize
	entitled bool
}

func run(t *testing.T, s Subscription, steps []event) Subscription {
	t.Helper()
	for i, e := range steps {
		var acts []Action
		switch e.kind {
		case "advance":
			s, acts = Advance(s, e.at)
		case "paid":
			s, acts = PaymentSucceeded(s, e.invoice, e.at)
		case "failed":
			s, acts = PaymentFailed(s, e.invoice, e.at)
		default:
			t.Fatalf("step %d: unknown event %q", i, e.kind)
		}
		if s.Status != e.status {
			t.Errorf("step %d (%s at %s): status %s, want %s", i, e.kind, e.at, s.Status, e.status)
		}
		if got := summarize(acts); got != e.actions {
			t.Errorf("step %d (%s at %s): actions %q, want %q", i, e.kind, e.at, got, e.actions)
		}
		if got := Entitled(s, e.at); got != e.entitled {
			t.Errorf("step %d (%s at %s): entitled %t, want %t", i, e.kind, e.at, got, e.entitled)
		}
	}
	return s
}

// summarize renders actions compactly: "INVOICE_PERIOD 2024-02-29..2024-03-31 x3; RETRY_CHARGE inv-2 #2".
func summarize(acts []Action) string {
	var parts []string
	for _, a := range acts {
		switch a.Kind {
		case ActionInvoicePeriod:
			parts = append(parts, fmt.Sprintf("%s %s..%s x%d", a.Kind, day(a.PeriodStart), day(a.PeriodEnd), a.Seats))
		case ActionRetryCharge, ActionSendDunningMail:
			parts = append(parts, fmt.Sprintf("%s %s #%d", a.Kind, a.InvoiceID, a.Attempt))
		case ActionCancel:
			parts = append(parts, fmt.Sprintf("%s %s %s", a.Kind, a.InvoiceID, a.Reason))
		default:
			parts = append(parts, string(a.Kind))
		}
	}
	return strings.Join(parts, "; ")
}

func TestDunningTimeline(t *testing.T) {
	t0 := time.Date(2024, 1, 31, 10, 0, 0, 0, time.UTC)
	s, acts, err := Start(Monthly, 3, 2, t0)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := summarize(acts), "INVOICE_PERIOD 2024-01-31..2024-02-29 x3"; got != want {
		t.Fatalf("Start actions %q, want %q", got, want)
	}
	renewal := time.Date(2024, 2, 29, 10, 0, 0, 0, time.UTC) // first failure
	d := func(days int) time.Time { return renewal.Add(time.Duration(days) * 24 * time.Hour) }
	s = run(t, s, []event{
		{t0, "advance", "", StatusIncomplete, "", false},
		{t0.Add(time.Minute), "paid", "inv-1", StatusActive, "", true},
		{renewal.Add(-time.Second), "advance", "", StatusActive, "", true},
		{renewal, "advance", "", StatusActive, "INVOICE_PERIOD 2024-02-29..2024-03-31 x3", true},
		{renewal, "advance", "", StatusActive, "", true}, // idempotent
		{renewal, "failed", "inv-2", StatusPastDue, "SEND_DUNNING_MAIL inv-2 #1", true},
		{d(3).Add(-time.Second), "advance", "", StatusPastDue, "", true},
		{d(3), "advance", "", StatusPastDue, "RETRY_CHARGE inv-2 #2", true},
		{d(3), "failed", "inv-2", StatusPastDue, "SEND_DUNNING_MAIL inv-2 #2", true},
		{d(5), "advance", "", StatusPastDue, "", true},
		{d(7), "advance", "", StatusPastDue, "RETRY_CHARGE inv-2 #3", true},
		{d(7), "failed", "inv-2", StatusPastDue, "SEND_DUNNING_MAIL inv-2 #3", true},
		{d(12), "advance", "", StatusPastDue, "RETRY_CHARGE inv-2 #4", true},
		{d(12), "failed", "inv-2", StatusPastDue, "SEND_DUNNING_MAIL inv-2 #4", true},
		{d(14), "advance", "", StatusPastDue, "", true},
		{d(15).Add(-time.Second), "advance", "", StatusPastDue, "", true},
		{d(15), "advance", "", StatusCanceled, "CANCEL inv-2 NON_PAYMENT", false},
		{d(16), "advance", "", StatusCanceled, "", false},
		{d(17), "paid", "inv-other", StatusCanceled, "", false},
		// Paying the open invoice within its period re-activates on the same anchor.
		{d(20), "paid", "inv-2", StatusActive, "REACTIVATE", true},
		{time.Date(2024, 3, 31, 10, 0, 0, 0, time.UTC), "advance", "", StatusActive, "INVOICE_PERIOD 2024-03-31..2024-04-30 x3", true},
	})
	if s.OpenInvoiceID != "" || s.Retries != 0 || !s.FirstFailureAt.IsZero() || s.CancelReason != "" {
		t.Errorf("dunning state not cleared: %+v", s)
	}
}

func TestRetryAt(t *testing.T) {
	f := date(2024, 3, 1)
	tests := []struct {
		n    int
		want time.Time
	}{
		{0, time.Time{}}, {1, date(2024, 3, 4)}, {2, date(2024, 3, 8)}, {3, date(2024, 3, 13)}, {4, time.Time{}},
	}
	for _, tt := range tests {
		if got := RetryAt(f, tt.n); !got.Equal(tt.want) {
			t.Errorf("RetryAt(%d) = %s, want %s", tt.n, got, tt.want)
		}
	}
}

func TestDunningRecoveries(t *testing.T) {
	t0 := time.Date(2024, 1, 10, 0, 0, 0, 0, time.UTC)
	active := Subscription{Plan: Monthly, Seats: 2, Status: StatusActive, Anchor: t0,
		CurrentPeriodStart: date(2024, 2, 10), CurrentPeriodEnd: date(2024, 3, 10)}
	f := date(2024, 2, 10)
	tests := []struct {
		name  string
		steps []event
	}{
		{"retry succeeds", []event{
			{f, "failed", "inv-5", StatusPastDue, "SEND_DUNNING_MAIL inv-5 #1", true},
			{date(2024, 2, 13), "advance", "", StatusPastDue, "RETRY_CHARGE inv-5 #2", true},
			{date(2024, 2, 13), "paid", "inv-5", StatusActive, "", true},
			{date(2024, 2, 25), "advance", "", StatusActive, "", true},
		}},
		{"customer pays another invoice: dunning goes on", []event{
			{f, "failed", "inv-5", StatusPastDue, "SEND_DUNNING_MAIL inv-5 #1", true},
			{date(2024, 2, 11), "paid", "inv-6", StatusPastDue, "", true},
		}},
		{"missed retries collapse into one", []event{
			{f, "failed", "inv-5", StatusPastDue, "SEND_DUNNING_MAIL inv-5 #1", true},
			{date(2024, 2, 23), "advance", "", StatusPastDue, "RETRY_CHARGE inv-5 #4", true},
			{date(2024, 2, 24), "advance", "", StatusPastDue, "", true},
		}},
		{"down past the deadline: cancelled without retries", []event{
			{f, "failed", "inv-5", StatusPastDue, "SEND_DUNNING_MAIL inv-5 #1", true},
			{date(2024, 3, 1), "advance", "", StatusCanceled, "CANCEL inv-5 NON_PAYMENT", false},
		}},
		{"paid after the period ended: the current period is invoiced, the gap is not", []event{
			{f, "failed", "inv-5", StatusPastDue, "SEND_DUNNING_MAIL inv-5 #1", true},
			{date(2024, 2, 25), "advance", "", StatusCanceled, "CANCEL inv-5 NON_PAYMENT", false},
			{date(2024, 5, 20), "paid", "inv-5", StatusActive, "INVOICE_PERIOD 2024-05-10..2024-06-10 x2; REACTIVATE", true},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { run(t, active, tt.steps) })
	}
}

func TestFirstPayment(t *testing.T) {
	t0 := date(2024, 4, 1)
	s, _, err := Start(Annual, 1, 1, t0)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		steps []event
	}{
		{"declined, then paid", []event{
			{t0, "failed", "inv-1", StatusIncomplete, "", false},
			{t0.Add(time.Hour), "paid", "inv-1", StatusActive, "", true},
			{date(2025, 4, 1), "advance", "", StatusActive, "INVOICE_PERIOD 2025-04-01..2026-04-01 x1", true},
		}},
		{"never paid: expires", []event{
			{t0, "failed", "inv-1", StatusIncomplete, "", false},
			{t0.Add(IncompleteExpiry), "advance", "", StatusCanceled, "CANCEL inv-1 INCOMPLETE_EXPIRED", false},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { run(t, s, tt.steps) })
	}
}

func TestCancelAndResume(t *testing.T) {
	t0 := date(2024, 1, 15)
	s := Subscription{Plan: Monthly, Seats: 2, Status: StatusActive, Anchor: t0,
		CurrentPeriodStart: t0, CurrentPeriodEnd: date(2024, 2, 15)}
	s, acts, err := Cancel(s, date(2024, 1, 20))
	if err != nil || !s.CancelAtPeriodEnd || summarize(acts) != "SET_CANCEL_AT_PERIOD_END" || !acts[0].Cancel {
		t.Fatalf("Cancel = %+v, %v, %v", s, acts, err)
	}
	entitled := []struct {
		at   time.Time
		want bool
	}{
		{date(2024, 2, 15).Add(-time.Second), true},
		{date(2024, 2, 15), false},
	}
	for _, e := range entitled {
		if got := Entitled(s, e.at); got != e.want {
			t.Errorf("Entitled at %s = %t, want %t", e.at, got, e.want)
		}
	}
	resumed, acts, err := Resume(s, date(2024, 2, 1))
	if err != nil || resumed.CancelAtPeriodEnd || len(acts) != 1 || acts[0].Cancel {
		t.Errorf("Resume = %+v, %v, %v", resumed, acts, err)
	}
	ended, acts := Advance(s, date(2024, 2, 15))
	if ended.Status != StatusCanceled || ended.CancelReason != CancelRequested || summarize(acts) != "CANCEL  REQUESTED" {
		t.Errorf("Advance past period end = %+v, %q", ended, summarize(acts))
	}
	if _, _, err := Resume(ended, date(2024, 2, 16)); !errors.Is(err, ErrConflict) {
		t.Errorf("Resume after the end: err = %v, want ErrConflict", err)
	}
	if _, _, err := Cancel(ended, date(2024, 2, 16)); !errors.Is(err, ErrConflict) {
		t.Errorf("Cancel twice: err = %v, want ErrConflict", err)
	}
	// Paying after a requested cancellation does not bring it back.
	if again, _ := PaymentSucceeded(ended, "", date(2024, 2, 16)); again.Status != StatusCanceled {
		t.Errorf("payment re-activated a requested cancellation: %+v", again)
	}
}

func TestChangeSeats(t *testing.T) {
	feb, mar := date(2024, 2, 1), date(2024, 3, 1)
	mid := feb.Add(29 * 12 * time.Hour)
	monthly := Subscription{Plan: Monthly, Seats: 3, Status: StatusActive, Anchor: date(2024, 1, 1), CurrentPeriodStart: feb, CurrentPeriodEnd: mar}
	annual := Subscription{Plan: Annual, Seats: 3, Status: StatusActive, Anchor: date(2024, 1, 1), CurrentPeriodStart: date(2024, 1, 1), CurrentPeriodEnd: date(2025, 1, 1)}
	trial := monthly
	trial.Status = StatusTrialing
	tests := []struct {
		name      string
		sub       Subscription
		seats     int
		members   int
		at        time.Time
		actions   string
		proration ProrationBehavior
		amount    int64
		err       error
	}{
		{"monthly +2 at mid-period: pending line", monthly, 5, 3, mid, "UPDATE_SEATS; ADD_PENDING_LINE", ProrateOnNextInvoice, 700, nil},
		{"annual +2 at mid-year: invoiced now", annual, 5, 3, date(2024, 7, 2), "UPDATE_SEATS; INVOICE_PRORATION", ProrateNow, 7000, nil},
		{"decrease: no credit", monthly, 2, 2, mid, "UPDATE_SEATS", ProrateNone, 0, nil},
		{"trial: free", trial, 5, 3, mid, "UPDATE_SEATS", ProrateNone, 0, nil},
		{"same count", monthly, 3, 3, mid, "", "", 0, nil},
		{"below members", monthly, 2, 3, mid, "", "", 0, ErrSeatsExhausted},
		{"zero seats", monthly, 0, 0, mid, "", "", 0, ErrInvalidInput},
		{"cancelled", Subscription{Status: StatusCanceled}, 5, 1, mid, "", "", 0, ErrConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, acts, err := ChangeSeats(tt.sub, tt.seats, tt.members, DefaultPrices(), tt.at)
			if !errors.Is(err, tt.err) || (err == nil) != (tt.err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if summarize(acts) != tt.actions {
				t.Fatalf("actions %q, want %q", summarize(acts), tt.actions)
			}
			if err != nil || len(acts) == 0 {
				return
			}
			if got.Seats != tt.seats || acts[0].Seats != tt.seats || acts[0].Proration != tt.proration {
				t.Errorf("seats %d, action %+v; want %d with %s", got.Seats, acts[0], tt.seats, tt.proration)
			}
			if len(acts) > 1 && acts[1].Line.Amount.Cents != tt.amount {
				t.Errorf("proration %d cents, want %d", acts[1].Line.Amount.Cents, tt.amount)
			}
		})
	}
}

func TestStartRefuses(t *testing.T) {
	t0 := date(2024, 1, 1)
	tests := []struct {
		name           string
		plan           Plan
		seats, members int
		want           error
	}{
		{"unknown plan", "WEEKLY", 1, 1, ErrInvalidInput},
		{"no seats", Monthly, 0, 0, ErrInvalidInput},
		{"fewer seats than members", Monthly, 1, 2, ErrSeatsExhausted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := Start(tt.plan, tt.seats, tt.members, t0); !errors.Is(err, tt.want) {
				t.Errorf("Start: err = %v, want %v", err, tt.want)
			}
			if _, err := StartTrial(tt.plan, tt.seats, tt.members, t0, t0.Add(time.Hour)); !errors.Is(err, tt.want) {
				t.Errorf("StartTrial: err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestTrial(t *testing.T) {
	t0 := date(2024, 1, 1)
	end := date(2024, 1, 15)
	s, err := StartTrial(Monthly, 2, 1, t0, end)
	if err != nil {
		t.Fatal(err)
	}
	run(t, s, []event{
		{t0, "advance", "", StatusTrialing, "", true},
		{end, "advance", "", StatusActive, "INVOICE_PERIOD 2024-01-15..2024-02-15 x2", true},
		{end, "failed", "inv-1", StatusPastDue, "SEND_DUNNING_MAIL inv-1 #1", true},
	})
}
