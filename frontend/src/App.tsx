import { lazy, Suspense, useEffect, type ComponentType } from 'react';
import { Link, matchPath, useLocation } from './router';
import { Header } from './components/Header';
import { Loading, NotFound } from './components/States';
import { ErrorBoundary } from './components/ErrorBoundary';
import { SudoProvider } from './components/Sudo';
import HomePage from './pages/home/HomePage';

type Params = Record<string, string>;

// Every page but the home page is loaded on demand, to keep the first load small.
const SearchPage = lazy(() => import('./pages/search/SearchPage'));
const PackagePage = lazy(() => import('./pages/package/PackagePage'));
const ReleasePage = lazy(() => import('./pages/release/ReleasePage'));
const UserPage = lazy(() => import('./pages/user/UserPage'));
const OrgPage = lazy(() => import('./pages/org/OrgPage'));
const BillingPage = lazy(() => import('./pages/billing/BillingPage'));
const InvoicePage = lazy(() => import('./pages/billing/InvoicePage'));
const SignInPage = lazy(() => import('./pages/auth/SignInPage'));
const SignUpPage = lazy(() => import('./pages/auth/SignUpPage'));
const SettingsPage = lazy(() => import('./pages/settings/SettingsPage'));
const AuditPage = lazy(() => import('./pages/audit/AuditPage'));
const PublishPage = lazy(() => import('./pages/publish/PublishPage'));
const MirroredPackagePage = lazy(() => import('./pages/mirrored/MirroredPackagePage'));

interface Route {
  path: string;
  component: ComponentType<{ params: Params }>;
  title?: (p: Params) => string;
}

export const routes: Route[] = [
  { path: '/', component: HomePage, title: () => 'Depot' },
  { path: '/search', component: SearchPage, title: () => 'Search' },
  { path: '/packages/:name', component: PackagePage, title: (p) => p.name },
  { path: '/packages/:name/:version', component: ReleasePage, title: (p) => `${p.name} ${p.version}` },
  { path: '/repos/:org/packages/:name', component: PackagePage, title: (p) => `${p.org}/${p.name}` },
  { path: '/repos/:org/packages/:name/:version', component: ReleasePage, title: (p) => `${p.org}/${p.name} ${p.version}` },
  { path: '/users/:username', component: UserPage, title: (p) => p.username },
  { path: '/orgs/:name', component: OrgPage, title: (p) => p.name },
  { path: '/orgs/:name/billing', component: BillingPage, title: (p) => `Billing · ${p.name}` },
  { path: '/orgs/:name/invoices/:number', component: InvoicePage, title: (p) => `Invoice ${p.number}` },
  { path: '/signin', component: SignInPage, title: () => 'Sign in' },
  { path: '/signup', component: SignUpPage, title: () => 'Sign up' },
  { path: '/settings', component: SettingsPage, title: () => 'Settings' },
  { path: '/audit', component: AuditPage, title: () => 'Audit log' },
  { path: '/publish', component: PublishPage, title: () => 'Publish' },
  { path: '/mirrored/:name', component: MirroredPackagePage, title: (p) => `${p.name} (mirrored)` },
];

export function resolve(pathname: string): { route: Route; params: Params } | null {
  for (const route of routes) {
    const params = matchPath(route.path, pathname);
    if (params) return { route, params };
  }
  return null;
}

export function App() {
  const { pathname } = useLocation();
  const match = resolve(pathname);
  const title = match?.route.title?.(match.params);
  useEffect(() => {
    document.title = title && title !== 'Depot' ? `${title} · Depot` : 'Depot';
  }, [title]);
  const Page = match?.route.component;
  return (
    <SudoProvider>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <Header />
      <main id="main" tabIndex={-1}>
        <ErrorBoundary key={pathname}>
          <Suspense fallback={<Loading />}>
            {Page ? <Page key={pathname} params={match.params} /> : <NotFound />}
          </Suspense>
        </ErrorBoundary>
      </main>
      <footer className="site-footer">
        <span>Depot — a Hex package registry.</span>{' '}
        <Link to="/search">Browse packages</Link> · <a href="/graphql">GraphQL API</a>
      </footer>
    </SudoProvider>
  );
}
