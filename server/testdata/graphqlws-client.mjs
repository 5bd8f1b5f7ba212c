// Drives the reference graphql-ws client (the web app's own copy) against a
// Depot server, with the client's default retry settings. Run by
// subscription_client_test.go:
//
//   node graphqlws-client.mjs badkey URL         connect with an invalid key for 1.5 s
//   node graphqlws-client.mjs feed URL KEY AFTER  subscribe twice, print events
//
// Output is one JSON object per line.
import { createRequire } from 'node:module';
import path from 'node:path';
import readline from 'node:readline';

const require = createRequire(path.join(process.env.DEPOT_FRONTEND, 'package.json'));
const { createClient } = require('graphql-ws');
const WebSocket = require('ws');

const [mode, url, key, after] = process.argv.slice(2);
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const query = `subscription($after: String) { releaseEvents(after: $after) { cursor version } }`;

if (mode === 'badkey') {
  let attempts = 0;
  const codes = [];
  const client = createClient({
    url,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: 'Bearer dpt_not_a_key' },
    on: {
      connecting: () => { attempts++; },
      closed: (ev) => { codes.push(ev.code); },
    },
  });
  const finish = (error) => {
    out({ attempts, codes, error });
    client.dispose();
    process.exit(0);
  };
  // 4403 is retried with the client's randomised exponential back-off
  // (the first retry after at least 1.3 s); a 1000 would be retried at
  // once, in a loop. Count the attempts of the first 1.5 s.
  const guard = setTimeout(() => finish(null), 1500);
  client.subscribe({ query, variables: {} }, {
    next: () => {},
    error: (err) => { clearTimeout(guard); finish({ code: err && err.code, reason: err && err.reason }); },
    complete: () => { clearTimeout(guard); finish('completed'); },
  });
} else if (mode === 'feed') {
  const client = createClient({
    url,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: 'Bearer ' + key },
  });
  const sub = (name, variables) => client.subscribe({ query, variables }, {
    next: (r) => out({ sub: name, errors: r.errors, event: r.data && r.data.releaseEvents }),
    error: (err) => out({ sub: name, error: String(err && (err.reason || err.message || err)) }),
    complete: () => out({ sub: name, complete: true }),
  });
  sub('resumed', { after });
  sub('live', {});
  // The test closes stdin when it has seen enough.
  readline.createInterface({ input: process.stdin }).on('close', () => {
    client.dispose();
    process.exit(0);
  });
} else {
  console.error('unknown mode', mode);
  process.exit(2);
}
