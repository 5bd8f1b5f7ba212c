package billing

import (
	"fmt"
	"regexp"
	"strings"
)

// vatNumberFormats are the VIES formats of EU VAT numbers, prefix included.
// Only the format is checked: whether the number is registered is VIES's
// business and needs the network, which the pure rules must not.
var vatNumberFormats = map[string]*regexp.Regexp{
	"AT": regexp.MustCompile(`^ATU\d{8}$`),
	"BE": regexp.MustCompile(`^BE[01]\d{9}$`),
	"BG": regexp.MustCompile(`^BG\d{9,10}$`),
	"CY": regexp.MustCompile(`^CY\d{8}[A-Z]$`),
	"CZ": regexp.MustCompile(`^CZ\d{8,10}$`),
	"DE": regexp.MustCompile(`^DE\d{9}$`),
	"DK": regexp.MustCompile(`^DK\d{8}$`),
	"EE": regexp.MustCompile(`^EE\d{9}$`),
	"ES": regexp.MustCompile(`^ES[A-Z0-9]\d{7}[A-Z0-9]$`),
	"FI": regexp.MustCompile(`^FI\d{8}$`),
	"FR": regexp.MustCompile(`^FR[A-HJ-NP-Z0-9]{2}\d{9}$`),
	"GR": regexp.MustCompile(`^EL\d{9}$`),
	"HR": regexp.MustCompile(`^HR\d{11}$`),
	"HU": regexp.MustCompile(`^HU\d{8}$`),
	"IE": regexp.MustCompile(`^IE(\d{7}[A-W][A-IW]?|\d[A-Z+*]\d{5}[A-W])$`),
	"IT": regexp.MustCompile(`^IT\d{11}$`),
	"LT": regexp.MustCompile(`^LT(\d{9}|\d{12})$`),
	"LU": regexp.MustCompile(`^LU\d{8}$`),
	"LV": regexp.MustCompile(`^LV\d{11}$`),
	"MT": regexp.MustCompile(`^MT\d{8}$`),
	"NL": regexp.MustCompile(`^NL\d{9}B\d{2}$`),
	"PL": regexp.MustCompile(`^PL\d{10}$`),
	"PT": regexp.MustCompile(`^PT\d{9}$`),
	"RO": regexp.MustCompile(`^RO[1-9]\d{1,9}$`),
	"SE": regexp.MustCompile(`^SE\d{10}01$`),
	"SI": regexp.MustCompile(`^SI\d{8}$`),
	"SK": regexp.MustCompile(`^SK\d{10}$`),
}

// NormalizeVATNumber upper-cases a VAT number and drops the spaces, dots and
// dashes people copy from letterheads, so "de 123.456.789" and "DE123456789"
// are the same number.
func NormalizeVATNumber(number string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '.', '-', '\t':
			return -1
		}
		return r
	}, strings.ToUpper(strings.TrimSpace(number)))
}

// ValidateVATNumber checks that number is a well-formed VAT number of the EU
// member state country (ISO code; Greece is GR, its numbers start with EL) and
// returns it normalized. The prefix must be the country's: a German company
// cannot use a French number. Outside the EU there is no format to check and
// the number is returned normalized as given.
func ValidateVATNumber(country, number string) (string, error) {
	n := NormalizeVATNumber(number)
	re, ok := vatNumberFormats[country]
	if !ok {
		return n, nil
	}
	if !re.MatchString(n) {
		return "", fmt.Errorf("%w: %q is not a valid VAT number for %s (expected %s...)", ErrInvalidVATNumber, number, country, vatPrefix(country))
	}
	return n, nil
}

func vatPrefix(country string) string {
	if country == "GR" {
		return "EL"
	}
	return country
}
