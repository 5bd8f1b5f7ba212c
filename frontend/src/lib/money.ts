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

/** A plan on sale as the server offers it (Query.plans). */
export interface PlanOffer {
  plan: string;
  seatPrice: Money;
  periodMonths: number;
}

/** "year" for a 12-month period, "month" for one month, else "N months". */
export function periodName(months: number): string {
  return months === 12 ? 'year' : months === 1 ? 'month' : `${months} months`;
}

/** "$7.00 per seat per month" for an offer; "—" when the server offered none. */
export function offerText(offer: PlanOffer | undefined): string {
  if (!offer) return '—';
  return `${formatMoney(offer.seatPrice)} per seat per ${periodName(offer.periodMonths)}`;
}
