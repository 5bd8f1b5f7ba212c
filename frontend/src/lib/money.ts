// Money is integer cents plus an ISO currency code (SPEC §6); VAT rates are
// basis points (1900 = 19%).

export interface Money {
  cents: number;
  currency: string;
}

const formatters = new Map<string, Intl.NumberFormat>();

function formatter(currency: string): Intl.NumberFormat {
  const key = currency.toUpperCase();
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.NumberFormat('en-US', { style: 'currency', currency: key, currencyDisplay: 'narrowSymbol' });
    formatters.set(key, f);
  }
  return f;
}

/** {cents: 700, currency: "USD"} → "$7.00"; negative amounts keep their sign. */
export function formatMoney(money: Money | null | undefined): string {
  if (!money) return '—';
  const digits = formatter(money.currency).resolvedOptions().maximumFractionDigits ?? 2;
  return formatter(money.currency).format(money.cents / 10 ** digits);
}

const percent = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

/** 1900 → "19%", 1250 → "12.5%", 0 → "0%". */
export function formatVatRate(basisPoints: number | null | undefined): string {
  if (basisPoints == null) return '—';
  return `${percent.format(basisPoints / 100)}%`;
}

/** "$7.00 per seat per month" style price for a plan. */
export function planPrice(plan: 'MONTHLY' | 'ANNUAL' | string): string {
  return plan === 'ANNUAL' ? '$70.00 per seat per year' : '$7.00 per seat per month';
}
