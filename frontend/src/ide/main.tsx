// GraphiQL, the IDE served for a browser's GET /graphql. It is bundled with
// the web app (a second Vite entry, graphiql.html), so it needs no CDN and
// works offline and behind firewalls, under the app's CSP. Queries and
// mutations go over HTTP POST with the session cookie and the CSRF header;
// subscriptions over graphql-ws on the same URL.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { createClient } from 'graphql-ws';
import 'graphiql/style.css';
import './ide.css';
import { ACCEPT, CSRF_HEADER } from '../client';

const wsURL = `${window.location.protocol === 'https:' ? 'wss:' : 'ws:'}//${window.location.host}/graphql`;

const fetcher = createGraphiQLFetcher({
  url: '/graphql',
  headers: { [CSRF_HEADER]: '1', Accept: ACCEPT },
  wsClient: createClient({ url: wsURL, lazy: true }),
});

const defaultQuery = `# Depot's GraphQL API: the Docs panel (book icon) describes every field.
# Signed in to the web app? This page uses that session; otherwise add
# {"Authorization": "Bearer YOUR_KEY"} under Headers.
{
  viewer {
    username
  }
  packages(first: 5) {
    totalCount
    edges {
      node {
        name
        latestVersion
      }
    }
  }
}
`;

createRoot(document.getElementById('graphiql')!).render(
  <StrictMode>
    <GraphiQL fetcher={fetcher} defaultQuery={defaultQuery} />
  </StrictMode>,
);
