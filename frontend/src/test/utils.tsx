import { render } from '@testing-library/react';
import type { ReactElement } from 'react';
import { CombinedError, type Client } from 'urql';
import { fromValue, never } from 'wonka';
import { vi } from 'vitest';
import type { Session } from '../client';
import { SessionProvider } from '../session';

type Result = { data?: unknown; error?: CombinedError };

/** A stand-in urql client: queries answer `query`, mutations call `mutation`. */
export function mockClient(opts: { query?: (op: { query: unknown; variables: unknown }) => Result; mutation?: (vars: unknown) => Result } = {}) {
  const executeMutation = vi.fn((op: { variables: unknown }) => fromValue(opts.mutation ? opts.mutation(op.variables) : { data: {} }));
  const client = {
    executeQuery: vi.fn((op: { query: unknown; variables: unknown }) => (opts.query ? fromValue(opts.query(op)) : never)),
    executeMutation,
    executeSubscription: vi.fn(() => never),
    subscription: vi.fn(() => ({ subscribe: () => ({ unsubscribe() {} }) })),
  };
  return { client: client as unknown as Client, executeMutation };
}

export function apiError(message: string, code = 'BAD_USER_INPUT') {
  return new CombinedError({ graphQLErrors: [{ message, extensions: { code } }] });
}

export function fakeSession(client: Client): Session {
  return {
    client,
    ws: { dispose: () => undefined, on: () => () => undefined } as unknown as Session['ws'],
    onConnected: () => () => undefined,
  };
}

export function renderWithClient(ui: ReactElement, client: Client) {
  return render(<SessionProvider session={fakeSession(client)}>{ui}</SessionProvider>);
}
