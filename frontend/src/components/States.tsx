import type { ReactNode } from 'react';
import type { CombinedError } from 'urql';
import { ErrorMessage } from './ErrorMessage';

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> {label}
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

export function NotFound({ what = 'page' }: { what?: string }) {
  return (
    <section className="notfound" data-testid="not-found">
      <h1>Not found</h1>
      <p>This {what} does not exist, or you do not have access to it.</p>
    </section>
  );
}

/** The usual query states: loading until data comes, then the error, if any. */
export function QueryState({
  fetching,
  error,
  hasData,
  children,
}: {
  fetching: boolean;
  error?: CombinedError;
  hasData: boolean;
  children: ReactNode;
}) {
  if (!hasData && fetching) return <Loading />;
  if (!hasData && error) return <ErrorMessage error={error} />;
  return <>{children}</>;
}
