import { describe, expect, it } from 'vitest';
import { formatMoney, formatVatRate } from './money';

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

import { validateVatNumber } from './vat';

describe('validateVatNumber', () => {
  it('accepts empty and well-formed numbers', () => {
    expect(validateVatNumber('', 'DE')).toBeNull();
    expect(validateVatNumber('DE 123 456 789', 'DE')).toBeNull();
    expect(validateVatNumber('EL123456789', 'GR')).toBeNull();
  });
  it('wants the prefix of the country', () => {
    expect(validateVatNumber('FR12345678901', 'DE')).toMatch(/starts with DE/);
    expect(validateVatNumber('123', 'DE')).toMatch(/country code/);
  });
});
