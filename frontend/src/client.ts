// The app's one GraphQL client. Queries and mutations go over HTTP POST with the
// CSRF header the server requires for cookie-authenticated requests; uploads use
// the multipart request spec (urql does this when a variable is a File);
// subscriptions go over graphql-ws on the same /graphql URL.
import { Client, cacheExchange, fetchExchange, subscriptionExchange } from 'urql';
import { createClient as createWSClient, type Client as WSClient } from 'graphql-ws';

export const CSRF_HEADER = 'X-Depot-CSRF';

/** What queries and mutations accept back: a single JSON response. */
export const ACCEPT = 'application/graphql-response+json, application/json';

export interface Session {
  client: Client;
  ws: WSClient;
  /** Called with true when the websocket reconnects after a drop. */
  onConnected: (cb: (reconnected: boolean) => void) => () => void;
}

function wsURL(): string {
  const proto = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${proto}//${window.location.host}/graphql`;
}

export function createSession(): Session {
  const connectedListeners = new Set<(reconnected: boolean) => void>();
  let connections = 0;
  const ws = createWSClient({
    url: wsURL(),
    lazy: true,
    retryAttempts: Infinity,
    shouldRetry: () => true,
    on: {
      connected: () => {
        connections++;
        for (const cb of connectedListeners) cb(connections > 1);
      },
    },
  });

  const client = new Client({
    url: '/graphql',
    preferGetMethod: false,
    requestPolicy: 'cache-and-network',
    fetchOptions: () => ({
      credentials: 'same-origin',
      // urql's default Accept also lists text/event-stream and multipart/mixed
      // (incremental delivery, which the app does not use). The server's SSE
      // transport takes any POST whose Accept merely mentions
      // text/event-stream, so ask for plain JSON only: subscriptions go over
      // the websocket, never over fetch.
      headers: { [CSRF_HEADER]: '1', Accept: ACCEPT },
    }),
    exchanges: [
      cacheExchange,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query || '' };
          return {
            subscribe(sink) {
              const unsubscribe = ws.subscribe(input, sink);
              return { unsubscribe };
            },
          };
        },
      }),
    ],
  });

  return {
    client,
    ws,
    onConnected(cb) {
      connectedListeners.add(cb);
      return () => connectedListeners.delete(cb);
    },
  };
}
