import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { SeatPreviewText } from './SubscriptionPanel';
import { InvoiceList } from './InvoiceList';
import { BillingProfileForm, vatTreatment } from './BillingProfileForm';
import { mockClient, renderWithClient } from '../../test/utils';

const usd = (cents: number) => ({ cents, currency: 'USD' });

describe('SeatPreviewText', () => {
  const preview = { seats: 5, chargedNow: false, onNextInvoice: true, vatRateBasisPoints: 1900, subtotal: usd(700), vat: usd(133), total: usd(833), line: { description: '2 seats, pro-rated' } };

  it('shows the pro-rated price with VAT, added to the next monthly invoice', () => {
    render(<SeatPreviewText from={3} plan="MONTHLY" preview={preview} />);
    const p = screen.getByText(/Adding 2 seats/);
    expect(p).toHaveTextContent('$7.00 + VAT 19% $1.33 = $8.33');
    expect(p).toHaveTextContent('added to the next invoice');
  });

  it('says an annual change is charged now', () => {
    render(<SeatPreviewText from={3} plan="ANNUAL" preview={{ ...preview, chargedNow: true, onNextInvoice: false }} />);
    expect(screen.getByText(/Adding 2 seats/)).toHaveTextContent('invoiced and charged now');
  });

  it('says a decrease costs nothing and is not credited', () => {
    render(<SeatPreviewText from={5} plan="MONTHLY" preview={{ ...preview, seats: 4, line: null, subtotal: usd(0), vat: usd(0), total: usd(0) }} />);
    expect(screen.getByText(/Removing 1 seat/)).toHaveTextContent('no charge now and no credit');
  });
});

// The member states as the server lists them (Query.billingCountries).
const countries = [
  { code: 'DE', name: 'Germany', vatPrefix: 'DE' },
  { code: 'GR', name: 'Greece', vatPrefix: 'EL' },
];

describe('vatTreatment', () => {
  it('explains the VAT that applies', () => {
    expect(vatTreatment({ vatRateBasisPoints: 1900, reverseCharge: false, country: 'DE' }, countries)).toBe('VAT 19% is added to every invoice.');
    expect(vatTreatment({ vatRateBasisPoints: 0, reverseCharge: true, country: 'DE' }, countries)).toMatch(/Reverse charge/);
    expect(vatTreatment({ vatRateBasisPoints: 0, reverseCharge: false, country: 'US' }, countries)).toMatch(/outside the EU/);
    expect(vatTreatment({ vatRateBasisPoints: 0, reverseCharge: false, country: 'DE' }, countries)).toBe('No VAT.');
  });
});

describe('BillingProfileForm', () => {
  const unsaved = { name: '', email: 'alice@example.com', address: '', country: '', company: false, vatNumber: '', vatRateBasisPoints: 0, reverseCharge: false };

  it('treats a profile without a country as not filled in (admins always get one back)', () => {
    renderWithClient(<BillingProfileForm org="acme" profile={unsaved} countries={countries} />, mockClient().client);
    expect(screen.queryByTestId('vat-treatment')).toBeNull();
    expect(screen.getByTestId('billing-country')).toHaveValue('');
    expect(screen.queryByTestId('billing-country-code')).toBeNull();
    expect(screen.getByTestId('billing-email')).toHaveValue('alice@example.com');
  });

  it('shows the VAT decision of a saved profile', () => {
    renderWithClient(<BillingProfileForm org="acme" profile={{ ...unsaved, country: 'US' }} countries={countries} />, mockClient().client);
    expect(screen.getByTestId('vat-treatment')).toHaveTextContent('outside the EU');
    expect(screen.getByTestId('billing-country-code')).toHaveValue('US');
  });
});

describe('BillingProfileForm countries', () => {
  it("offers the server's member states and their VAT prefix", () => {
    const profile = { name: 'Olympos', email: 'o@x.example', address: '', country: 'GR', company: true, vatNumber: '', vatRateBasisPoints: 2400, reverseCharge: false };
    renderWithClient(<BillingProfileForm org="acme" profile={profile} countries={countries} />, mockClient().client);
    const options = Array.from(screen.getByTestId('billing-country').querySelectorAll('option')).map((o) => o.textContent);
    expect(options).toEqual(['Choose…', 'Germany', 'Greece', 'Outside the EU…']);
    expect(screen.getByTestId('billing-country')).toHaveValue('GR');
    expect(screen.getByText(/start with EL/)).toBeInTheDocument();
  });
});

describe('InvoiceList', () => {
  it('lists invoices with totals in dollars', () => {
    render(
      <InvoiceList
        org="acme"
        invoices={[
          { number: 'ACME-0002', status: 'OPEN', issuedAt: '2026-11-01T00:00:00Z', periodStart: '2026-11-01T00:00:00Z', periodEnd: '2026-12-01T00:00:00Z', total: usd(2625) },
          { number: 'ACME-0001', status: 'PAID', issuedAt: '2026-10-01T00:00:00Z', periodStart: '2026-10-01T00:00:00Z', periodEnd: '2026-11-01T00:00:00Z', total: usd(2100) },
        ]}
      />,
    );
    const rows = screen.getAllByTestId('invoice-row');
    expect(rows).toHaveLength(2);
    expect(rows[0]).toHaveTextContent('ACME-0002');
    expect(rows[0]).toHaveTextContent('$26.25');
    expect(rows[0]).toHaveTextContent('open');
    expect(rows[1]).toHaveTextContent('$21.00');
    expect(screen.getByRole('link', { name: 'ACME-0002' })).toHaveAttribute('href', '/orgs/acme/invoices/ACME-0002');
  });
});
