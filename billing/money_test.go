package billing

import (
	"errors"
	"math/big"
	"testing"
)

func TestRound(t *testing.T) {
	tests := []struct {
		num, den, want int64
	}{
		{5, 2, 3}, {-5, 2, -3}, {4, 2, 2}, {7, 3, 2}, {8, 3, 3}, {-8, 3, -3}, {1, 3, 0}, {0, 9, 0},
	}
	for _, tt := range tests {
		if got := Round(big.NewInt(tt.num), big.NewInt(tt.den)); got != tt.want {
			t.Errorf("Round(%d/%d) = %d, want %d", tt.num, tt.den, got, tt.want)
		}
	}
}

func TestMoney(t *testing.T) {
	if _, err := Cents(1).Add(Money{Cents: 1, Currency: "EUR"}); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("adding currencies: err = %v, want ErrInvalidInput", err)
	}
	tests := []struct {
		m    Money
		want string
	}{
		{Cents(700), "7.00 USD"}, {Cents(-1205), "-12.05 USD"}, {Cents(7), "0.07 USD"},
	}
	for _, tt := range tests {
		if got := tt.m.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}

func TestPrices(t *testing.T) {
	p := DefaultPrices()
	tests := []struct {
		plan Plan
		want Money
	}{
		{Monthly, Money{700, USD}},
		{Annual, Money{7000, USD}},
	}
	for _, tt := range tests {
		got, err := p.For(tt.plan)
		if err != nil || got != tt.want {
			t.Errorf("For(%s) = %v, %v; want %v", tt.plan, got, err, tt.want)
		}
	}
	if _, err := p.For("WEEKLY"); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("unknown plan: err = %v", err)
	}
	if err := p.Validate(); err != nil {
		t.Errorf("default prices invalid: %v", err)
	}
	bad := []Prices{
		{Monthly: Cents(0), Annual: Cents(7000)},
		{Monthly: Cents(700), Annual: Money{7000, "EUR"}},
		{Monthly: Money{700, ""}, Annual: Money{7000, ""}},
	}
	for _, b := range bad {
		if err := b.Validate(); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("Validate(%+v) = %v, want ErrInvalidInput", b, err)
		}
	}
}
