package billing

import "fmt"

// Idempotency keys are derived from our own rows, never random: a use case
// that crashes after calling the processor and before committing will, when
// retried, send the same key and get the first call's result back instead of
// charging twice. Each key names the row and the version of the intent.

// ChargeKey is the key of the attempt-th charge of an invoice (the first
// charge is attempt 1, retries continue the count).
func ChargeKey(invoiceID string, attempt int) string {
	return fmt.Sprintf("invoice-%s-attempt-%d", invoiceID, attempt)
}

// CustomerKey is the key of saving version rev of an organization's billing
// profile (bump rev on every profile change).
func CustomerKey(orgID string, rev int) string {
	return fmt.Sprintf("customer-%s-rev-%d", orgID, rev)
}

// SubscriptionKey is the key of creating the processor subscription for our
// subscription row; gen counts re-creations after re-activation.
func SubscriptionKey(subscriptionID string, gen int) string {
	return fmt.Sprintf("subscription-%s-gen-%d", subscriptionID, gen)
}

// SeatsKey is the key of a seat change, identified by its audit or change row.
func SeatsKey(subscriptionID, changeID string) string {
	return fmt.Sprintf("subscription-%s-seats-%s", subscriptionID, changeID)
}

// CancelKey is the key of setting cancel-at-period-end to cancel, identified
// by the change row.
func CancelKey(subscriptionID, changeID string, cancel bool) string {
	return fmt.Sprintf("subscription-%s-cancel-%t-%s", subscriptionID, cancel, changeID)
}
