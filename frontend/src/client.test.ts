import { afterEach, describe, expect, it, vi } from 'vitest';
import { gql } from 'urql';
import { ACCEPT, CSRF_HEADER, createSession } from './client';

afterEach(() => vi.unstubAllGlobals());

describe('createSession', () => {
  it('POSTs queries with the CSRF header and asks for plain JSON only', async () => {
    // The server answers a POST whose Accept lists text/event-stream over SSE;
    // the app must not ask for it (urql's default Accept does).
    const fetch = vi.fn(async (_url: string, _init: RequestInit) => new Response(JSON.stringify({ data: { viewer: null } }), { headers: { 'content-type': 'application/json' } }));
    vi.stubGlobal('fetch', fetch);
    const { client, ws } = createSession();
    const r = await client.query(gql`query V { viewer { id } }`, {}).toPromise();
    await ws.dispose();
    expect(r.error).toBeUndefined();
    expect(fetch).toHaveBeenCalledTimes(1);
    const [url, init] = fetch.mock.calls[0];
    expect(url).toBe('/graphql');
    expect(init.method).toBe('POST');
    const headers = init.headers as Record<string, string>;
    expect(headers.accept).toBe(ACCEPT);
    expect(headers.accept).not.toMatch(/event-stream|multipart/);
    expect(headers[CSRF_HEADER.toLowerCase()]).toBe('1');
  });
});
