import { describe, expect, it } from 'vitest';
import { mixRequirement, mixSnippet, rebarSnippet } from './semver';

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
