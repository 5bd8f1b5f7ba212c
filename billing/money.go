package billing

import (
	"fmt"
	"math/big"
)

// USD is the currency of the default prices.
const USD = "USD"

// Money is an amount in the currency's minor unit (cents). Floats never hold
// money: every sum is exact and every rounding is explicit.
type Money struct {
	Cents    int64
	Currency string
}

// Cents is a shorthand for an amount in USD.
func Cents(c int64) Money { return Money{Cents: c, Currency: USD} }

// Add returns m+o; adding different currencies is a programming error on the
// caller's side, reported as ErrInvalidInput rather than silently mixed.
func (m Money) Add(o Money) (Money, error) {
	if m.Currency != o.Currency {
		return Money{}, fmt.Errorf("%w: cannot add %s to %s", ErrInvalidInput, o.Currency, m.Currency)
	}
	return Money{Cents: m.Cents + o.Cents, Currency: m.Currency}, nil
}

// Times returns m multiplied by an integer quantity.
func (m Money) Times(q int64) Money { return Money{Cents: m.Cents * q, Currency: m.Currency} }

// String formats as "12.34 USD" for logs and mails.
func (m Money) String() string {
	sign, c := "", m.Cents
	if c < 0 {
		sign, c = "-", -c
	}
	return fmt.Sprintf("%s%d.%02d %s", sign, c/100, c%100, m.Currency)
}

// Round returns num/den rounded half away from zero (2.5 -> 3, -2.5 -> -3),
// the "commercial" rounding Swedish invoices and most customers expect; it is
// computed with big integers so the product of price, seats and seconds can
// never overflow. den must be positive.
func Round(num, den *big.Int) int64 {
	q, r := new(big.Int).QuoRem(num, den, new(big.Int))
	// |r|*2 >= den means the fraction is at least one half.
	twice := new(big.Int).Abs(r)
	twice.Lsh(twice, 1)
	if twice.Cmp(den) >= 0 {
		if num.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	return q.Int64()
}

// mulDiv returns round(a*b*c/d) half away from zero.
func mulDiv(a, b, c, d int64) int64 {
	n := new(big.Int).Mul(big.NewInt(a), big.NewInt(b))
	n.Mul(n, big.NewInt(c))
	return Round(n, big.NewInt(d))
}
