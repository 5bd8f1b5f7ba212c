package service

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strconv"
	"strings"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/billing"
)

// ProfileInput is who pays and where they are; country and company status
// decide the VAT (billing.VATFor).
type ProfileInput struct {
	Email     string
	Name      string
	Address   string
	Country   string // ISO 3166-1 alpha-2
	Company   bool
	VATNumber string // optional; with the country prefix (Greece: EL)
}

// Profile is an organization's billing profile as shown to its admins.
type Profile struct {
	Email     string
	Name      string
	Address   string
	Country   string
	Company   bool
	VATNumber string
	// VAT is the treatment the next invoice gets (zero while the country is
	// not set).
	VAT billing.VAT
}

// UpdateProfile validates and saves the billing profile. The VAT number is
// format-checked for the country (BAD_USER_INPUT) and stored normalized.
// When the processor already has the customer it is updated too.
func (s *Service) UpdateProfile(ctx context.Context, orgName string, in ProfileInput) (Profile, error) {
	in.Email = strings.TrimSpace(in.Email)
	in.Name = strings.TrimSpace(in.Name)
	in.Address = strings.TrimSpace(in.Address)
	in.Country = strings.ToUpper(strings.TrimSpace(in.Country))
	if a, err := mail.ParseAddress(in.Email); err != nil || a.Address != in.Email {
		return Profile{}, apperr.Invalid("email", "%q is not an email address", in.Email)
	}
	if in.Name == "" {
		return Profile{}, apperr.Invalid("name", "the name printed on invoices is required")
	}
	buyer := billing.Profile{Name: in.Name, Address: in.Address, Email: in.Email, Country: in.Country, Company: in.Company, VATNumber: in.VATNumber}
	if _, err := billing.VATFor(s.Seller, buyer); err != nil {
		field := "country"
		if errors.Is(err, billing.ErrInvalidVATNumber) {
			field = "vatNumber"
		}
		return Profile{}, domainErr(err, field)
	}
	if strings.TrimSpace(in.VATNumber) != "" {
		in.VATNumber, _ = billing.ValidateVATNumber(in.Country, in.VATNumber) // checked by VATFor
	} else {
		in.VATNumber = ""
	}
	var out Profile
	_, err := s.mutate(ctx, orgName, "billing.update_profile", func(ctx context.Context, r *run) (map[string]any, error) {
		p, err := r.tx.BillingProfile.UpdateOne(r.acct.profile).
			SetEmail(in.Email).SetName(in.Name).SetAddress(in.Address).SetCountry(in.Country).
			SetCompany(in.Company).SetVatNumber(in.VATNumber).SetUpdatedAt(r.now).Save(ctx)
		if err != nil {
			return nil, fmt.Errorf("save billing profile: %w", err)
		}
		r.acct.profile = p
		if p.ProcessorCustomerRef != "" {
			if _, err := r.ensureCustomer(ctx); err != nil {
				return nil, err
			}
		}
		out = profileView(s.Seller, buyerOf(p))
		return map[string]any{"country": in.Country, "company": in.Company, "vat_number": in.VATNumber}, nil
	})
	if err != nil {
		return Profile{}, err
	}
	return out, nil
}

// ensureCustomer creates or updates the processor's customer. The key names
// the profile's version by its update time, a value of our row.
func (r *run) ensureCustomer(ctx context.Context) (string, error) {
	p := r.acct.profile
	orgID := strconv.Itoa(r.acct.org.ID)
	ref, err := r.s.Processor.EnsureCustomer(ctx, billing.CustomerInput{
		CustomerRef: p.ProcessorCustomerRef, OrgID: orgID, Name: p.Name, Email: p.Email, Country: p.Country,
		VATNumber: p.VatNumber, IdempotencyKey: billing.CustomerKey(orgID, int(p.UpdatedAt.Unix())),
	})
	if err != nil {
		return "", fmt.Errorf("processor customer: %w", err)
	}
	if ref != p.ProcessorCustomerRef {
		if r.acct.profile, err = r.tx.BillingProfile.UpdateOne(p).SetProcessorCustomerRef(ref).Save(ctx); err != nil {
			return "", fmt.Errorf("save customer reference: %w", err)
		}
	}
	return ref, nil
}

// Profile returns the organization's billing profile.
func (s *Service) Profile(ctx context.Context, orgName string) (Profile, error) {
	a, err := load(ctx, s.DB, orgName, false)
	if err != nil {
		return Profile{}, err
	}
	return profileView(s.Seller, buyerOf(a.profile)), nil
}

func profileView(seller billing.Seller, p billing.Profile) Profile {
	vat, _ := billing.VATFor(seller, p) // zero until a country is set
	return Profile{Email: p.Email, Name: p.Name, Address: p.Address, Country: p.Country, Company: p.Company, VATNumber: p.VATNumber, VAT: vat}
}
