// API key scopes (SPEC §7): api:read, api:write, package:NAME, repository:ORG, docs:ORG.

const scopeRe = /^(api:read|api:write|package:[a-z][a-z0-9_]*|repository:[a-z0-9_]+|docs:[a-z0-9_]+)$/;

/** Parses the checkbox choices plus a free list ("package:foo, repository:acme"). */
export function parseScopes(base: string[], extra: string): { scopes: string[]; error: string | null } {
  const more = extra
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = more.find((s) => !scopeRe.test(s));
  if (bad) return { scopes: [], error: `Unknown scope “${bad}”. Use package:NAME, repository:ORG or docs:ORG.` };
  const scopes = [...new Set([...base, ...more])];
  if (!scopes.length) return { scopes, error: 'Choose at least one scope.' };
  return { scopes, error: null };
}

/** ISO time `days` from `now`, or null for no expiry. */
export function expiryFromDays(days: string, now: Date = new Date()): string | null {
  const n = Number(days);
  if (!days || !Number.isFinite(n) || n <= 0) return null;
  return new Date(now.getTime() + n * 24 * 3600 * 1000).toISOString();
}
