package billing

// StandardVATRates are the standard VAT rates of the 27 EU member states in
// basis points (1900 = 19%), keyed by ISO 3166-1 alpha-2 country code (Greece
// is GR here; its VAT numbers use the prefix EL). Digital services sold to
// private EU customers are taxed at the customer's country's standard rate.
//
// Checked against the member states' published rates as of 2025-08: changes
// in the last two years are FI 25.5% (2024-09-01), SK 23% (2025-01-01),
// EE 24% (2025-07-01) and RO 21% (2025-08-01). Rates change by law a few
// times a year; a deployment can override this table through Seller.Rates.
var StandardVATRates = map[string]int{
	"AT": 2000, // Austria
	"BE": 2100, // Belgium
	"BG": 2000, // Bulgaria
	"CY": 1900, // Cyprus
	"CZ": 2100, // Czechia
	"DE": 1900, // Germany
	"DK": 2500, // Denmark
	"EE": 2400, // Estonia
	"ES": 2100, // Spain
	"FI": 2550, // Finland
	"FR": 2000, // France
	"GR": 2400, // Greece
	"HR": 2500, // Croatia
	"HU": 2700, // Hungary
	"IE": 2300, // Ireland
	"IT": 2200, // Italy
	"LT": 2100, // Lithuania
	"LU": 1700, // Luxembourg
	"LV": 2100, // Latvia
	"MT": 1800, // Malta
	"NL": 2100, // Netherlands
	"PL": 2300, // Poland
	"PT": 2300, // Portugal
	"RO": 2100, // Romania
	"SE": 2500, // Sweden
	"SI": 2200, // Slovenia
	"SK": 2300, // Slovakia
}

// Country is a country a billing profile may name.
type Country struct {
	Code string // ISO 3166-1 alpha-2 (Greece: GR)
	Name string
}

// EUCountries are the EU member states, by name. Any other ISO code is a
// country outside the EU, billed without VAT.
var EUCountries = []Country{
	{"AT", "Austria"}, {"BE", "Belgium"}, {"BG", "Bulgaria"}, {"HR", "Croatia"}, {"CY", "Cyprus"},
	{"CZ", "Czechia"}, {"DK", "Denmark"}, {"EE", "Estonia"}, {"FI", "Finland"}, {"FR", "France"},
	{"DE", "Germany"}, {"GR", "Greece"}, {"HU", "Hungary"}, {"IE", "Ireland"}, {"IT", "Italy"},
	{"LV", "Latvia"}, {"LT", "Lithuania"}, {"LU", "Luxembourg"}, {"MT", "Malta"}, {"NL", "Netherlands"},
	{"PL", "Poland"}, {"PT", "Portugal"}, {"RO", "Romania"}, {"SK", "Slovakia"}, {"SI", "Slovenia"},
	{"ES", "Spain"}, {"SE", "Sweden"},
}

// VATPrefix is the prefix of country's VAT numbers (EL for Greece).
func VATPrefix(country string) string { return vatPrefix(country) }

// InEU reports whether country (ISO alpha-2) is an EU member state.
func InEU(country string) bool {
	_, ok := StandardVATRates[country]
	return ok
}
