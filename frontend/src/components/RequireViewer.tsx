import type { ReactNode } from 'react';
import { Link, useLocation } from '../router';
import { useViewer, type Viewer } from '../session';
import { Loading } from './States';

/** Renders children for a signed-in user; otherwise asks to sign in and come back. */
export function RequireViewer({ children }: { children: (viewer: Viewer) => ReactNode }) {
  const { viewer, loading } = useViewer();
  const { href } = useLocation();
  if (loading) return <Loading />;
  if (!viewer) {
    return (
      <section className="narrow" data-testid="signin-required">
        <h1>Sign in required</h1>
        <p>
          <Link to={`/signin?next=${encodeURIComponent(href)}`}>Sign in</Link> or <Link to="/signup">create an account</Link> to see this page.
        </p>
      </section>
    );
  }
  return <>{children(viewer)}</>;
}
