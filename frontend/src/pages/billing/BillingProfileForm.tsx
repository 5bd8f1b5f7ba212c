import { useState, type FormEvent } from 'react';
import { useSudoMutation } from '../../components/Sudo';
import { graphql } from '../../gql';
import { ErrorMessage } from '../../components/ErrorMessage';
import { Field } from '../../components/Field';
import { errorField, errorText } from '../../lib/errors';
import { formatVatRate } from '../../lib/money';
import { validateEmail } from '../../lib/validation';

const UpdateBillingProfileDocument = graphql(`
  mutation UpdateBillingProfile($input: UpdateBillingProfileInput!) {
    updateBillingProfile(input: $input) {
      billingProfile {
        name
        email
        address
        country
        company
        vatNumber
        vatRateBasisPoints
        reverseCharge
      }
    }
  }
`);

export interface Profile {
  name: string;
  email: string;
  address: string;
  country: string;
  company: boolean;
  vatNumber: string;
  vatRateBasisPoints: number;
  reverseCharge: boolean;
}

/** An EU member state as the server lists it (Query.billingCountries). */
export interface BillingCountry {
  code: string;
  name: string;
  vatPrefix: string;
}

const inList = (countries: readonly BillingCountry[], code: string) => countries.some((c) => c.code === code.toUpperCase());

/** How VAT applies, in words, as the server decided it. */
export function vatTreatment(p: Pick<Profile, 'vatRateBasisPoints' | 'reverseCharge' | 'country'>, countries: readonly BillingCountry[]): string {
  if (p.reverseCharge) return 'Reverse charge: 0% VAT, accounted for by you (EU business with a valid VAT number).';
  if (p.vatRateBasisPoints === 0) return inList(countries, p.country) ? 'No VAT.' : 'No VAT (outside the EU).';
  return `VAT ${formatVatRate(p.vatRateBasisPoints)} is added to every invoice.`;
}

/**
 * The organization's billing details. The server checks the VAT number
 * against the country's format and says which field is wrong; the form
 * only asks for what is missing.
 */
export function BillingProfileForm({ org, profile, countries }: { org: string; profile: Profile | null; countries: readonly BillingCountry[] }) {
  const [v, setV] = useState({
    name: profile?.name ?? '',
    email: profile?.email ?? '',
    address: profile?.address ?? '',
    country: profile?.country ?? '',
    company: profile?.company ?? true,
    vatNumber: profile?.vatNumber ?? '',
  });
  // Admins always get a profile back; until the details are saved it has no
  // country, which is neither "in" nor "outside" the EU.
  const hasCountry = !!profile?.country;
  const [outside, setOutside] = useState(() => (profile?.country ? !inList(countries, profile.country) : false));
  const [fieldErrors, setFieldErrors] = useState<Record<string, string | null>>({});
  const prefix = countries.find((c) => c.code === v.country)?.vatPrefix;
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [state, update] = useSudoMutation(UpdateBillingProfileDocument);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    setSaved(false);
    const errs = {
      name: v.name.trim() ? null : 'Enter the name to put on invoices.',
      email: validateEmail(v.email.trim()),
      country: /^[A-Z]{2}$/.test(v.country) ? null : 'Choose a country.',
      vatNumber: null as string | null, // checked by the server
    };
    setFieldErrors(errs);
    if (Object.values(errs).some(Boolean)) return;
    const r = await update({
      input: {
        organization: org,
        name: v.name.trim(),
        email: v.email.trim(),
        address: v.address.trim() || null,
        country: v.country,
        company: v.company,
        vatNumber: v.company && v.vatNumber.trim() ? v.vatNumber.trim() : null,
      },
    });
    if (r.error) {
      // The server's own check (the VAT number's format for the country, say)
      // goes beside the field it names.
      const field = errorField(r.error);
      if (field && field in errs) return setFieldErrors({ ...errs, [field]: errorText(r.error) });
      return setError(errorText(r.error));
    }
    setSaved(true);
  }

  return (
    <section className="card" aria-labelledby="profile-title">
      <h2 id="profile-title">Billing details</h2>
      {profile && hasCountry ? (
        <p className="muted small" data-testid="vat-treatment">
          {vatTreatment(profile, countries)}
        </p>
      ) : null}
      <form className="stack" onSubmit={submit} noValidate>
        <Field label="Name on invoices" value={v.name} onChange={(e) => setV({ ...v, name: e.target.value })} error={fieldErrors.name} data-testid="billing-name" />
        <Field label="Billing email" type="email" value={v.email} onChange={(e) => setV({ ...v, email: e.target.value })} error={fieldErrors.email} data-testid="billing-email" />
        <div className="field">
          <label htmlFor="billing-address">Address</label>
          <textarea id="billing-address" rows={3} value={v.address} onChange={(e) => setV({ ...v, address: e.target.value })} data-testid="billing-address" />
        </div>
        <div className="field">
          <label htmlFor="billing-country">Country</label>
          <select
            id="billing-country"
            value={outside ? 'other' : v.country}
            onChange={(e) => {
              const other = e.target.value === 'other';
              setOutside(other);
              setV({ ...v, country: other ? '' : e.target.value });
            }}
            aria-invalid={fieldErrors.country ? true : undefined}
            data-testid="billing-country"
          >
            <option value="">Choose…</option>
            {countries.map((c) => (
              <option key={c.code} value={c.code}>
                {c.name}
              </option>
            ))}
            <option value="other">Outside the EU…</option>
          </select>
          {outside ? (
            <input
              aria-label="Country code (ISO, two letters)"
              placeholder="Two-letter country code, e.g. US"
              maxLength={2}
              value={v.country}
              onChange={(e) => setV({ ...v, country: e.target.value.toUpperCase() })}
              data-testid="billing-country-code"
            />
          ) : null}
          {fieldErrors.country ? (
            <small className="field-error" data-testid="field-error">
              {fieldErrors.country}
            </small>
          ) : null}
        </div>
        <label className="check">
          <input type="checkbox" checked={v.company} onChange={(e) => setV({ ...v, company: e.target.checked })} data-testid="billing-company" /> This is a
          business
        </label>
        {v.company ? (
          <Field
            label="VAT number (optional)"
            value={v.vatNumber}
            onChange={(e) => setV({ ...v, vatNumber: e.target.value })}
            error={fieldErrors.vatNumber}
            hint={`EU businesses with a valid VAT number are reverse charged (0% VAT).${prefix ? ` Numbers from this country start with ${prefix}.` : ''}`}
            spellCheck={false}
            data-testid="billing-vat-number"
          />
        ) : null}
        <ErrorMessage error={error} />
        {saved ? (
          <p className="success" role="status">
            Billing details saved.
          </p>
        ) : null}
        <button type="submit" disabled={state.fetching} data-testid="billing-profile-submit">
          {state.fetching ? 'Saving…' : 'Save billing details'}
        </button>
      </form>
    </section>
  );
}
