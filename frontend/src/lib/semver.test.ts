import { describe, expect, it } from 'vitest';
import { compareVersions, mixRequirement, mixSnippet, rebarSnippet, sortNewestFirst } from './semver';

describe('compareVersions', () => {
  it('follows SemVer precedence (spec item 11 example)', () => {
    const order = ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0'];
    for (let i = 1; i < order.length; i++) expect(compareVersions(order[i - 1], order[i])).toBeLessThan(0);
  });

  it('compares numbers numerically', () => {
    expect(compareVersions('1.10.0', '1.9.0')).toBeGreaterThan(0);
    expect(compareVersions('0.2.10', '0.2.9')).toBeGreaterThan(0);
    expect(compareVersions('2.0.0', '2.0.0')).toBe(0);
  });
});

describe('sortNewestFirst', () => {
  it('puts the highest version first, pre-releases below their release', () => {
    const vs = ['1.0.0', '1.10.0', '1.2.0', '2.0.0-rc.1', '1.9.9', '2.0.0'];
    expect(sortNewestFirst(vs, (v) => v)).toEqual(['2.0.0', '2.0.0-rc.1', '1.10.0', '1.9.9', '1.2.0', '1.0.0']);
  });
});

describe('snippets', () => {
  it('suggests ~> major.minor for 1.x and later', () => {
    expect(mixRequirement('1.7.14')).toBe('~> 1.7');
    expect(mixSnippet('plug', '1.7.14')).toBe('{:plug, "~> 1.7"}');
  });

  it('keeps the patch for 0.x, where a minor bump may break', () => {
    expect(mixRequirement('0.14.2')).toBe('~> 0.14.2');
  });

  it('pins pre-releases exactly', () => {
    expect(mixRequirement('2.0.0-rc.1')).toBe('~> 2.0.0-rc.1');
  });

  it('names the organization of a private package', () => {
    expect(mixSnippet('secret', '1.0.0', 'acme')).toBe('{:secret, "~> 1.0", organization: "acme"}');
  });

  it('gives rebar3 the exact version', () => {
    expect(rebarSnippet('cowboy', '2.10.0')).toBe('{cowboy, "2.10.0"}');
  });
});
