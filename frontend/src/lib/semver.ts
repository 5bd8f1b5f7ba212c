// SemVer 2.0 precedence (https://semver.org/#spec-item-11) and the snippets
// that add a dependency to mix.exs or rebar.config.

export interface Version {
  major: number;
  minor: number;
  patch: number;
  pre: string[];
}

const re = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z-.]+)?$/;

export function parseVersion(v: string): Version | null {
  const m = re.exec(v.trim());
  if (!m) return null;
  return { major: +m[1], minor: +m[2], patch: +m[3], pre: m[4] ? m[4].split('.') : [] };
}

function compareIdent(a: string, b: string): number {
  const an = /^\d+$/.test(a);
  const bn = /^\d+$/.test(b);
  if (an && bn) return Math.sign(Number(a) - Number(b));
  if (an) return -1;
  if (bn) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Negative when a < b, positive when a > b, 0 when equal in precedence. Unparsable versions sort last. */
export function compareVersions(a: string, b: string): number {
  const x = parseVersion(a);
  const y = parseVersion(b);
  if (!x || !y) return x ? 1 : y ? -1 : a.localeCompare(b);
  for (const k of ['major', 'minor', 'patch'] as const) {
    if (x[k] !== y[k]) return Math.sign(x[k] - y[k]);
  }
  if (!x.pre.length || !y.pre.length) return Math.sign(y.pre.length - x.pre.length);
  for (let i = 0; i < Math.max(x.pre.length, y.pre.length); i++) {
    if (i >= x.pre.length) return -1;
    if (i >= y.pre.length) return 1;
    const c = compareIdent(x.pre[i], y.pre[i]);
    if (c) return c;
  }
  return 0;
}

/** Newest first. */
export function sortNewestFirst<T>(items: readonly T[], version: (t: T) => string): T[] {
  return [...items].sort((a, b) => compareVersions(version(b), version(a)));
}

/**
 * The requirement to suggest for mix, as hex.pm does: "~> 1.4" for 1.x and later
 * (compatible minor updates), "~> 0.14.2" for 0.x (a minor bump may break), and
 * the exact pre-release for pre-releases.
 */
export function mixRequirement(version: string): string {
  const v = parseVersion(version);
  if (!v) return version;
  if (v.pre.length) return `~> ${v.major}.${v.minor}.${v.patch}-${v.pre.join('.')}`;
  if (v.major === 0) return `~> 0.${v.minor}.${v.patch}`;
  return `~> ${v.major}.${v.minor}`;
}

export function mixSnippet(name: string, version: string, organization?: string | null): string {
  const org = organization ? `, organization: "${organization}"` : '';
  return `{:${name}, "${mixRequirement(version)}"${org}}`;
}

export function rebarSnippet(name: string, version: string): string {
  return `{${name}, "${version}"}`;
}
