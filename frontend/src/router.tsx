// A small history-API router: the app needs path patterns with parameters,
// links and programmatic navigation, nothing more.
import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react';

const listeners = new Set<() => void>();

function notify() {
  for (const l of listeners) l();
}

if (typeof window !== 'undefined') window.addEventListener('popstate', notify);

function subscribe(l: () => void) {
  listeners.add(l);
  return () => listeners.delete(l);
}

function snapshot() {
  return window.location.pathname + window.location.search;
}

export interface Location {
  pathname: string;
  search: URLSearchParams;
  href: string;
}

export function useLocation(): Location {
  const href = useSyncExternalStore(subscribe, snapshot, snapshot);
  const url = new URL(href, 'http://x');
  return { pathname: url.pathname, search: url.searchParams, href };
}

export function navigate(to: string, opts: { replace?: boolean } = {}) {
  if (to === snapshot()) return;
  if (opts.replace) window.history.replaceState(null, '', to);
  else {
    window.history.pushState(null, '', to);
    window.scrollTo?.(0, 0);
  }
  notify();
}

/** Match "/packages/:name" against a path; parameters are URI-decoded. */
export function matchPath(pattern: string, pathname: string): Record<string, string> | null {
  const p = pattern.split('/').filter(Boolean);
  const s = pathname.split('/').filter(Boolean);
  if (p.length !== s.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    if (p[i].startsWith(':')) {
      try {
        params[p[i].slice(1)] = decodeURIComponent(s[i]);
      } catch {
        return null;
      }
    } else if (p[i] !== s[i]) return null;
  }
  return params;
}

type LinkProps = AnchorHTMLAttributes<HTMLAnchorElement> & { to: string };

export function Link({ to, onClick, ...rest }: LinkProps) {
  function handle(e: MouseEvent<HTMLAnchorElement>) {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    if (rest.target && rest.target !== '_self') return;
    e.preventDefault();
    navigate(to);
  }
  return <a href={to} onClick={handle} {...rest} />;
}

/** Paths of the app, in one place. */
export const paths = {
  package: (name: string, repository?: string | null) =>
    repository ? `/repos/${enc(repository)}/packages/${enc(name)}` : `/packages/${enc(name)}`,
  release: (name: string, version: string, repository?: string | null) =>
    `${paths.package(name, repository)}/${enc(version)}`,
  user: (username: string) => `/users/${enc(username)}`,
  org: (name: string) => `/orgs/${enc(name)}`,
  billing: (name: string) => `/orgs/${enc(name)}/billing`,
  invoice: (org: string, number: string) => `/orgs/${enc(org)}/invoices/${enc(number)}`,
  mirrored: (name: string) => `/mirrored/${enc(name)}`,
  search: (q: string) => (q ? `/search?q=${encodeURIComponent(q)}` : '/search'),
};

function enc(s: string) {
  return encodeURIComponent(s);
}
