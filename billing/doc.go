// Package billing holds the rules of Depot's paid organizations (SPEC §6):
// plans and prices, billing periods, seats, proration, VAT, invoice totals and
// the dunning state machine, plus the Processor port behind which a payment
// processor (Stripe, or the in-process default) sits.
//
// Everything here is pure: functions take the time as a parameter and never
// read the wall clock, and no type refers to the database. The caller (a use
// case holding the Ent rows) feeds rows in as plain values, stores the values
// that come back and carries out the returned actions. That keeps the rules
// testable at exact instants ("day 15, one second before cancellation") and
// keeps the database the source of truth.
//
// Money is integer cents. Where a fraction of a cent appears (proration,
// VAT) it is rounded exactly once, half away from zero; see Round.
package billing
