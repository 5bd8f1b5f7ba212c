// The signed-in state lives in an HttpOnly cookie the app never sees; the app
// learns who is signed in from `viewer`. Signing in or out swaps the GraphQL
// client, which drops the cache and reopens the websocket with the new cookie.
import { createContext, useCallback, useContext, useMemo, useRef, useState, type ReactNode } from 'react';
import { Provider, useQuery } from 'urql';
import { createSession, type Session } from './client';
import { graphql } from './gql';
import type { ViewerQuery } from './gql/graphql';

const SessionContext = createContext<{ session: Session; reset: () => void } | null>(null);

export function SessionProvider({ children, session: given }: { children: ReactNode; session?: Session }) {
  const [session, setSession] = useState<Session>(() => given ?? createSession());
  const current = useRef(session);
  const reset = useCallback(() => {
    const old = current.current;
    current.current = createSession();
    setSession(current.current);
    void old.ws.dispose();
  }, []);
  const value = useMemo(() => ({ session, reset }), [session, reset]);
  return (
    <SessionContext.Provider value={value}>
      <Provider value={session.client}>{children}</Provider>
    </SessionContext.Provider>
  );
}

export function useSession() {
  const ctx = useContext(SessionContext);
  if (!ctx) throw new Error('useSession outside SessionProvider');
  return ctx;
}

export const ViewerDocument = graphql(`
  query Viewer {
    viewer {
      id
      username
      fullName
      email
      organizations {
        id
        name
        displayName
        viewerRole
      }
    }
  }
`);

export type Viewer = NonNullable<ViewerQuery['viewer']>;

/** The signed-in user (null when anonymous) and whether that is known yet. */
export function useViewer(): { viewer: Viewer | null; loading: boolean } {
  const [{ data, fetching }] = useQuery({ query: ViewerDocument });
  return { viewer: data?.viewer ?? null, loading: fetching && !data };
}
