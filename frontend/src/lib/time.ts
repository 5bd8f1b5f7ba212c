// Relative and exact times. No date library: Intl does what the app needs.

const units: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
  ['second', 1],
];

const rtf = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
const exact = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'long' });

export function toDate(value: string | Date): Date {
  return value instanceof Date ? value : new Date(value);
}

/** "3 minutes ago", "in 2 hours", "yesterday", "now". */
export function formatRelative(value: string | Date, now: Date = new Date()): string {
  const seconds = (toDate(value).getTime() - now.getTime()) / 1000;
  const abs = Math.abs(seconds);
  if (abs < 10) return 'just now';
  for (const [unit, size] of units) {
    if (abs >= size || unit === 'second') {
      return rtf.format(Math.trunc(seconds / size), unit);
    }
  }
  return rtf.format(0, 'second');
}

/** "Nov 26, 2026, 2:32:10 PM UTC": the full time, for a title attribute. */
export function formatExact(value: string | Date): string {
  return exact.format(toDate(value));
}

const day = new Intl.DateTimeFormat('en', { dateStyle: 'medium' });

/** "Nov 26, 2026". */
export function formatDate(value: string | Date): string {
  return day.format(toDate(value));
}
