import { describe, expect, it } from 'vitest';
import { validateEmail, validateNewPassword, validateOrgName, validateUsername } from './validation';
import { expiryFromDays, parseScopes } from './scopes';
import { validateRetireMessage } from './retirement';

describe('validateUsername', () => {
  it.each([
    ['alice', null],
    ['a.b-c_9', null],
    ['ab', 'At least 3 characters.'],
    ['Alice', 'Use lower-case letters only.'],
    ['al ice', 'Only a–z, 0–9, _, - and . are allowed.'],
    ['', 'Choose a username.'],
  ])('%s', (u, err) => expect(validateUsername(u)).toBe(err));
});

describe('validateOrgName', () => {
  it('refuses dots and dashes', () => {
    expect(validateOrgName('acme')).toBeNull();
    expect(validateOrgName('ac-me')).toMatch(/Only/);
  });
});

describe('validateEmail and validateNewPassword', () => {
  it('checks the basics', () => {
    expect(validateEmail('a@b.c')).toBeNull();
    expect(validateEmail('nope')).toMatch(/email/);
    expect(validateNewPassword('short')).toMatch(/10/);
    expect(validateNewPassword('long enough pw', 'other')).toMatch(/match/);
    expect(validateNewPassword('long enough pw', 'long enough pw')).toBeNull();
  });
});

describe('parseScopes', () => {
  it('merges checkboxes and typed scopes', () => {
    expect(parseScopes(['api:read'], 'package:foo, repository:acme')).toEqual({ scopes: ['api:read', 'package:foo', 'repository:acme'], error: null });
  });
  it('refuses unknown scopes and empty lists', () => {
    expect(parseScopes([], 'admin').error).toMatch(/Unknown scope/);
    expect(parseScopes([], '').error).toMatch(/at least one/);
  });
  it('computes expiry', () => {
    expect(expiryFromDays('', new Date('2026-01-01T00:00:00Z'))).toBeNull();
    expect(expiryFromDays('30', new Date('2026-01-01T00:00:00Z'))).toBe('2026-01-31T00:00:00.000Z');
  });
});

describe('validateRetireMessage', () => {
  it('allows empty or 3..140 characters', () => {
    expect(validateRetireMessage('')).toBeNull();
    expect(validateRetireMessage('ok')).toMatch(/at least 3/);
    expect(validateRetireMessage('use bar instead')).toBeNull();
    expect(validateRetireMessage('x'.repeat(141))).toMatch(/at most 140/);
  });
});
