// Country list for billing details: the EU member states (whose VAT rules
// differ) plus a free "other" choice. Codes are ISO 3166-1 alpha-2 (Greece: GR).

export const euCountries: [string, string][] = [
  ['AT', 'Austria'], ['BE', 'Belgium'], ['BG', 'Bulgaria'], ['HR', 'Croatia'], ['CY', 'Cyprus'],
  ['CZ', 'Czechia'], ['DK', 'Denmark'], ['EE', 'Estonia'], ['FI', 'Finland'], ['FR', 'France'],
  ['DE', 'Germany'], ['GR', 'Greece'], ['HU', 'Hungary'], ['IE', 'Ireland'], ['IT', 'Italy'],
  ['LV', 'Latvia'], ['LT', 'Lithuania'], ['LU', 'Luxembourg'], ['MT', 'Malta'], ['NL', 'Netherlands'],
  ['PL', 'Poland'], ['PT', 'Portugal'], ['RO', 'Romania'], ['SK', 'Slovakia'], ['SI', 'Slovenia'],
  ['ES', 'Spain'], ['SE', 'Sweden'],
];

export function isEU(country: string): boolean {
  return euCountries.some(([c]) => c === country.toUpperCase());
}

/** Light shape check of a VAT number: country prefix (EL for Greece) and 2–13 characters. The server validates for real. */
export function validateVatNumber(vat: string, country: string): string | null {
  const v = vat.replace(/[\s.-]/g, '').toUpperCase();
  if (!v) return null;
  const prefix = country.toUpperCase() === 'GR' ? 'EL' : country.toUpperCase();
  if (!/^[A-Z]{2}[0-9A-Z]{2,13}$/.test(v)) return 'A VAT number starts with the country code, e.g. DE123456789.';
  if (isEU(country) && !v.startsWith(prefix)) return `A VAT number from this country starts with ${prefix}.`;
  return null;
}

export function normalizeVatNumber(vat: string): string {
  return vat.replace(/[\s.-]/g, '').toUpperCase();
}
