import { describe, expect, it } from 'vitest';
import { formatExact, formatRelative } from './time';

const now = new Date('2026-11-26T12:00:00Z');
const ago = (s: number) => new Date(now.getTime() - s * 1000);

describe('formatRelative', () => {
  it.each([
    [3, 'just now'],
    [45, '45 seconds ago'],
    [60, '1 minute ago'],
    [5 * 60, '5 minutes ago'],
    [3 * 3600, '3 hours ago'],
    [24 * 3600, 'yesterday'],
    [3 * 24 * 3600, '3 days ago'],
    [14 * 24 * 3600, '2 weeks ago'],
    [90 * 24 * 3600, '3 months ago'],
    [800 * 24 * 3600, '2 years ago'],
  ])('%i seconds ago is "%s"', (s, text) => {
    expect(formatRelative(ago(s), now)).toBe(text);
  });

  it('handles the future', () => {
    expect(formatRelative(ago(-2 * 3600), now)).toBe('in 2 hours');
    expect(formatRelative(ago(-42 * 60), now)).toBe('in 42 minutes');
  });

  it('accepts ISO strings', () => {
    expect(formatRelative('2026-11-26T11:00:00Z', now)).toBe('1 hour ago');
  });
});

describe('formatExact', () => {
  it('includes the date and the time', () => {
    const s = formatExact('2026-11-26T11:00:00Z');
    expect(s).toMatch(/2026/);
    expect(s).toMatch(/Nov/);
    expect(s).toMatch(/\d{1,2}:\d{2}/);
  });
});
