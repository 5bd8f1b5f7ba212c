import { describe, expect, it } from 'vitest';
import { formatMoney, formatVatRate, offerText, periodName } from './money';

describe('formatMoney', () => {
  it.each([
    [700, 'USD', '$7.00'],
    [7000, 'USD', '$70.00'],
    [0, 'USD', '$0.00'],
    [5, 'USD', '$0.05'],
    [123456789, 'USD', '$1,234,567.89'],
    [-233, 'USD', '-$2.33'],
    [833, 'EUR', '€8.33'],
  ])('%i cents %s is %s', (cents, currency, text) => {
    expect(formatMoney({ cents, currency })).toBe(text);
  });

  it('shows a dash for a missing amount', () => {
    expect(formatMoney(null)).toBe('—');
  });
});

describe('formatVatRate', () => {
  it.each([
    [1900, '19%'],
    [2500, '25%'],
    [0, '0%'],
    [1250, '12.5%'],
    [775, '7.75%'],
  ])('%i basis points is %s', (bp, text) => {
    expect(formatVatRate(bp)).toBe(text);
  });
});

describe('offerText', () => {
  it("words the server's offer", () => {
    expect(offerText({ plan: 'MONTHLY', seatPrice: { cents: 900, currency: 'EUR' }, periodMonths: 1 })).toBe('€9.00 per seat per month');
    expect(offerText({ plan: 'ANNUAL', seatPrice: { cents: 7000, currency: 'USD' }, periodMonths: 12 })).toBe('$70.00 per seat per year');
    expect(offerText(undefined)).toBe('—');
    expect(periodName(3)).toBe('3 months');
  });
});
