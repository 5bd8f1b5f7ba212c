package billing

import "time"

// ActionKind names something the caller must do after a state transition.
// The state machine decides; the caller (holding the database and the
// Processor) acts, in the order given, inside its transaction where possible.
type ActionKind string

// The actions of the subscription state machine.
const (
	// ActionInvoicePeriod: issue the in-advance invoice for PeriodStart to
	// PeriodEnd with Seats seats (PeriodLine), adding the organization's
	// pending proration lines (monthly plan), and charge it (attempt 1).
	ActionInvoicePeriod ActionKind = "INVOICE_PERIOD"
	// ActionAddPendingLine: store Line; it goes on the next period's invoice.
	ActionAddPendingLine ActionKind = "ADD_PENDING_LINE"
	// ActionInvoiceProration: issue a separate invoice with Line and charge it
	// now (annual plan seat increase).
	ActionInvoiceProration ActionKind = "INVOICE_PRORATION"
	// ActionUpdateSeats: tell the processor the new Seats with Proration.
	ActionUpdateSeats ActionKind = "UPDATE_SEATS"
	// ActionSetCancelAtPeriodEnd: tell the processor CancelAtPeriodEnd = Cancel.
	ActionSetCancelAtPeriodEnd ActionKind = "SET_CANCEL_AT_PERIOD_END"
	// ActionRetryCharge: charge InvoiceID again; Attempt is its number (the
	// first charge is attempt 1), part of the idempotency key (ChargeKey).
	ActionRetryCharge ActionKind = "RETRY_CHARGE"
	// ActionSendDunningMail: tell the admins that InvoiceID could not be
	// charged; NextRetryAt (zero when none is left) and CancelAt are for the
	// mail's text.
	ActionSendDunningMail ActionKind = "SEND_DUNNING_MAIL"
	// ActionCancel: the subscription ended for Reason. Access to private
	// packages ends now; the processor's subscription is cancelled. For
	// NON_PAYMENT, InvoiceID stays open: paying it re-activates.
	ActionCancel ActionKind = "CANCEL"
	// ActionReactivate: paying the open invoice brought the subscription back;
	// re-create the processor subscription (same anchor, Seats, PeriodEnd as
	// its next billing date) and mail the admins.
	ActionReactivate ActionKind = "REACTIVATE"
)

// Action is one instruction; only the fields its Kind documents are set.
type Action struct {
	Kind        ActionKind
	InvoiceID   string
	Attempt     int
	PeriodStart time.Time
	PeriodEnd   time.Time
	Seats       int
	Line        Line
	Proration   ProrationBehavior
	Cancel      bool
	Reason      CancelReason
	NextRetryAt time.Time
	CancelAt    time.Time
}
