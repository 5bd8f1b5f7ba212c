package billing

import (
	"errors"
	"testing"
)

func TestVATFor(t *testing.T) {
	seller := DefaultSeller()
	tests := []struct {
		name    string
		buyer   Profile
		rate    int
		reverse bool
	}{
		{"German private customer", Profile{Country: "DE"}, 1900, false},
		{"Swedish company", Profile{Country: "SE", Company: true, VATNumber: "SE556677889901"}, 2500, false},
		{"Swedish private customer", Profile{Country: "SE"}, 2500, false},
		{"French company with VAT number", Profile{Country: "FR", Company: true, VATNumber: "FR40303265045"}, 0, true},
		{"Greek company uses the EL prefix", Profile{Country: "GR", Company: true, VATNumber: "EL094259216"}, 0, true},
		{"German company without VAT number pays German VAT", Profile{Country: "DE", Company: true}, 1900, false},
		{"private customer with a VAT number is not reverse charged", Profile{Country: "DE", VATNumber: "DE123456789"}, 1900, false},
		{"Hungarian private customer", Profile{Country: "HU"}, 2700, false},
		{"Luxembourg private customer", Profile{Country: "LU"}, 1700, false},
		{"Finnish private customer", Profile{Country: "FI"}, 2550, false},
		{"US company", Profile{Country: "US", Company: true}, 0, false},
		{"US private customer", Profile{Country: "US"}, 0, false},
		{"Norwegian company with a foreign number", Profile{Country: "NO", Company: true, VATNumber: "NO123456789MVA"}, 0, false},
		{"lower-case country", Profile{Country: "de"}, 1900, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := VATFor(seller, tt.buyer)
			if err != nil {
				t.Fatalf("VATFor: %v", err)
			}
			if got.RateBP != tt.rate || got.ReverseCharge != tt.reverse || (got.Note == ReverseChargeNote) != tt.reverse {
				t.Errorf("VATFor = %+v, want rate %d reverse %t", got, tt.rate, tt.reverse)
			}
		})
	}
}

func TestVATForRefuses(t *testing.T) {
	tests := []struct {
		name  string
		buyer Profile
		want  error
	}{
		{"French number for a German company", Profile{Country: "DE", Company: true, VATNumber: "FR40303265045"}, ErrInvalidVATNumber},
		{"German number too short", Profile{Country: "DE", Company: true, VATNumber: "DE12345678"}, ErrInvalidVATNumber},
		{"Greek number with GR prefix", Profile{Country: "GR", Company: true, VATNumber: "GR094259216"}, ErrInvalidVATNumber},
		{"Swedish number not ending in 01", Profile{Country: "SE", Company: true, VATNumber: "SE556677889902"}, ErrInvalidVATNumber},
		{"missing country", Profile{}, ErrInvalidInput},
		{"country name instead of code", Profile{Country: "Germany"}, ErrInvalidInput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := VATFor(DefaultSeller(), tt.buyer)
			if !errors.Is(err, tt.want) || Code(err) != "BAD_USER_INPUT" {
				t.Errorf("err = %v (code %q), want %v", err, Code(err), tt.want)
			}
		})
	}
}

func TestVATTablesCoverTheEU(t *testing.T) {
	if len(StandardVATRates) != 27 {
		t.Errorf("%d rates, want 27 member states", len(StandardVATRates))
	}
	for c, r := range StandardVATRates {
		if _, ok := vatNumberFormats[c]; !ok {
			t.Errorf("%s has a rate but no VAT number format", c)
		}
		if r < 1500 || r > 2700 { // the directive's floor; Hungary's ceiling
			t.Errorf("%s rate %d outside 15%%..27%%", c, r)
		}
	}
	if len(vatNumberFormats) != 27 {
		t.Errorf("%d VAT number formats, want 27", len(vatNumberFormats))
	}
}

func TestValidateVATNumber(t *testing.T) {
	valid := map[string]string{
		"AT": "ATU12345678", "BE": "BE0123456789", "BG": "BG123456789", "CY": "CY12345678X",
		"CZ": "CZ12345678", "DE": "DE123456789", "DK": "DK12345678", "EE": "EE123456789",
		"ES": "ESX1234567X", "FI": "FI12345678", "FR": "FRXX123456789", "GR": "EL123456789",
		"HR": "HR12345678901", "HU": "HU12345678", "IE": "IE1234567WA", "IT": "IT12345678901",
		"LT": "LT123456789012", "LU": "LU12345678", "LV": "LV12345678901", "MT": "MT12345678",
		"NL": "NL123456789B01", "PL": "PL1234567890", "PT": "PT123456789", "RO": "RO1234567890",
		"SE": "SE123456789001", "SI": "SI12345678", "SK": "SK1234567890",
	}
	if len(valid) != 27 {
		t.Fatalf("test table has %d countries", len(valid))
	}
	for country, number := range valid {
		t.Run(country, func(t *testing.T) {
			got, err := ValidateVATNumber(country, number)
			if err != nil || got != number {
				t.Errorf("valid %s: got %q, %v", number, got, err)
			}
			// The same digits under another country's prefix are refused.
			wrong := "XX" + number[2:]
			if _, err := ValidateVATNumber(country, wrong); !errors.Is(err, ErrInvalidVATNumber) {
				t.Errorf("%s accepted for %s", wrong, country)
			}
			// One character too many is refused.
			if _, err := ValidateVATNumber(country, number+"12345"); !errors.Is(err, ErrInvalidVATNumber) {
				t.Errorf("%s accepted for %s", number+"12345", country)
			}
		})
	}
	if got, err := ValidateVATNumber("DE", " de 123.456-789 "); err != nil || got != "DE123456789" {
		t.Errorf("normalization: got %q, %v", got, err)
	}
}

// The named member states are exactly the ones with a VAT rate.
func TestEUCountriesMatchTheRates(t *testing.T) {
	if len(EUCountries) != len(StandardVATRates) {
		t.Fatalf("%d named member states, %d rates", len(EUCountries), len(StandardVATRates))
	}
	for _, c := range EUCountries {
		if !InEU(c.Code) || c.Name == "" {
			t.Errorf("%+v: not a member state with a rate", c)
		}
	}
}
