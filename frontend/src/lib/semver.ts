// The snippets that add a dependency to mix.exs or rebar.config. Versions
// arrive ordered from the server (SemVer precedence lives in Go's semver
// package); this file only reads their numbers.

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
