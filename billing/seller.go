package billing

// Seller is the company that issues invoices. It is configuration; the seed
// names Six Colors AB, a Swedish company, and SPEC §6's VAT rules assume the
// seller is established in Sweden (or more generally in Country).
type Seller struct {
	Name      string
	Address   string
	Country   string // ISO alpha-2, an EU member state
	VATNumber string
	// Rates overrides StandardVATRates when non-nil, so a rate change does not
	// need a release.
	Rates map[string]int
}

// DefaultSeller returns the seed's seller. The VAT number has the Swedish
// format (SE + 10-digit organisation number + 01) but is a placeholder: a
// deployment must configure its own.
func DefaultSeller() Seller {
	return Seller{
		Name:      "Six Colors AB",
		Address:   "Stockholm, Sweden",
		Country:   "SE",
		VATNumber: "SE559123456701",
	}
}

func (s Seller) rates() map[string]int {
	if s.Rates != nil {
		return s.Rates
	}
	return StandardVATRates
}
