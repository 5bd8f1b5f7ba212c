import { act, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { Client } from 'urql';
import { LiveFeed, describeEvent, type FeedEvent } from './LiveFeed';
import { renderWithClient } from '../../test/utils';

const event = (id: string, kind: FeedEvent['kind'], version = '1.0.0'): FeedEvent => ({
  id,
  cursor: `c${id}`,
  kind,
  occurredAt: new Date().toISOString(),
  repository: 'depot',
  packageName: 'plug',
  version,
  previousOwner: null,
  newOwner: null,
  actor: { id: 'u1', username: 'alice' },
  package: { id: 'p1', private: false, repositoryName: 'depot' },
  retirement: null,
});

describe('LiveFeed', () => {
  it('adds events as they arrive, newest first, without duplicates', () => {
    let push: (e: FeedEvent) => void = () => undefined;
    const client = {
      executeQuery: () => ({ subscribe: () => ({ unsubscribe() {} }) }),
      subscription: () => ({
        subscribe(cb: (r: { data: { releaseEvents: FeedEvent } }) => void) {
          push = (e) => cb({ data: { releaseEvents: e } });
          return { unsubscribe() {} };
        },
      }),
    } as unknown as Client;
    renderWithClient(<LiveFeed titleId="t" />, client);
    expect(screen.getByTestId('live-feed').children).toHaveLength(0);
    act(() => push(event('1', 'PUBLISHED', '1.0.0')));
    act(() => push(event('2', 'PUBLISHED', '1.1.0')));
    act(() => push(event('2', 'PUBLISHED', '1.1.0')));
    const items = screen.getAllByTestId('feed-item');
    expect(items).toHaveLength(2);
    expect(items[0]).toHaveTextContent('plug 1.1.0 published');
    expect(items[0].querySelector('a')).toHaveAttribute('href', '/packages/plug/1.1.0');
  });
});

describe('describeEvent', () => {
  it('names retirements with their reason and transfers with the new owner', () => {
    expect(describeEvent({ ...event('1', 'RETIRED'), retirement: { reason: 'SECURITY', message: null } })).toBe('retired (security)');
    expect(describeEvent({ ...event('1', 'TRANSFERRED'), newOwner: 'acme' })).toBe('transferred to acme');
  });
});
