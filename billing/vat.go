package billing

import (
	"fmt"
	"regexp"
	"strings"
)

// Profile is the buyer's billing profile as the invoice needs it.
type Profile struct {
	Name      string
	Address   string
	Email     string
	Country   string // ISO 3166-1 alpha-2, e.g. "DE"; Greece is "GR"
	Company   bool
	VATNumber string // with the country prefix, e.g. "DE123456789"
}

// ReverseChargeNote is printed on reverse-charged invoices, citing the VAT
// directive article that moves the liability to the buyer.
const ReverseChargeNote = "Reverse charge: VAT to be accounted for by the recipient (Article 196, Council Directive 2006/112/EC)"

// VAT is the VAT treatment of one buyer.
type VAT struct {
	RateBP        int    // basis points: 2500 = 25%
	ReverseCharge bool   // the buyer accounts for the VAT; the invoice says so
	Note          string // text the invoice must carry, if any
}

var countryCode = regexp.MustCompile(`^[A-Z]{2}$`)

// VATFor decides the VAT of a buyer (SPEC §6 and the seed):
//
//   - buyers in the seller's country (Sweden), private or company: that
//     country's rate (25%);
//   - EU companies elsewhere with a well-formed VAT number: reverse charge,
//     0%, and the invoice carries ReverseChargeNote;
//   - EU companies without a VAT number: they are treated as private buyers
//     and pay their country's rate, because without a number the seller cannot
//     justify reverse charge to the tax office;
//   - private EU buyers: their own country's standard rate;
//   - buyers outside the EU: 0% (the service is not taxed in the EU).
//
// A VAT number is always format-checked when given, even where it changes
// nothing (a private buyer), so a typo is caught when the profile is saved.
func VATFor(seller Seller, p Profile) (VAT, error) {
	country := strings.ToUpper(strings.TrimSpace(p.Country))
	if !countryCode.MatchString(country) {
		return VAT{}, fmt.Errorf("%w: country %q is not an ISO 3166-1 alpha-2 code", ErrInvalidInput, p.Country)
	}
	number := ""
	if strings.TrimSpace(p.VATNumber) != "" {
		n, err := ValidateVATNumber(country, p.VATNumber)
		if err != nil {
			return VAT{}, err
		}
		number = n
	}
	rates := seller.rates()
	rate, inEU := rates[country]
	switch {
	case !inEU:
		return VAT{}, nil
	case country == seller.Country:
		return VAT{RateBP: rate}, nil
	case p.Company && number != "":
		return VAT{ReverseCharge: true, Note: ReverseChargeNote}, nil
	default:
		return VAT{RateBP: rate}, nil
	}
}
