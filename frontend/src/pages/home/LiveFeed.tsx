import { useEffect, useRef, useState } from 'react';
import { useClient } from 'urql';
import { graphql } from '../../gql';
import type { ReleaseFeedSubscription } from '../../gql/graphql';
import { RelativeTime } from '../../components/RelativeTime';
import { ErrorMessage } from '../../components/ErrorMessage';
import { Link, paths } from '../../router';
import { useSession } from '../../session';

const ReleaseFeedDocument = graphql(`
  subscription ReleaseFeed($after: String) {
    releaseEvents(after: $after) {
      id
      cursor
      kind
      occurredAt
      repository
      packageName
      version
      previousOwner
      newOwner
      actor {
        id
        username
      }
      package {
        id
        private
        repositoryName
      }
      retirement {
        reason
        message
      }
    }
  }
`);

export type FeedEvent = ReleaseFeedSubscription['releaseEvents'];

const MAX = 30;

/** What happened, in a few words. */
export function describeEvent(e: FeedEvent): string {
  switch (e.kind) {
    case 'PUBLISHED':
      return 'published';
    case 'REPLACED':
      return 'replaced';
    case 'REVERTED':
      return 'reverted';
    case 'RETIRED':
      return e.retirement ? `retired (${e.retirement.reason.toLowerCase()})` : 'retired';
    case 'UNRETIRED':
      return 'unretired';
    case 'TRANSFERRED':
      return e.newOwner ? `transferred to ${e.newOwner}` : 'transferred';
    case 'PACKAGE_DELETED':
      return 'package deleted';
    case 'DOCS_PUBLISHED':
      return 'docs published';
    case 'DOCS_REVERTED':
      return 'docs removed';
    default:
      return String(e.kind).toLowerCase();
  }
}

/**
 * New release events as they happen, over the GraphQL subscription. After a
 * dropped connection it resumes from the last cursor it saw, so nothing is
 * missed; events are deduplicated by id.
 */
export function LiveFeed({ titleId }: { titleId: string }) {
  const client = useClient();
  const { session } = useSession();
  const [events, setEvents] = useState<FeedEvent[]>([]);
  const [after, setAfter] = useState<string | null>(null);
  const [status, setStatus] = useState<'connecting' | 'live' | 'offline'>('connecting');
  const [error, setError] = useState<string | null>(null);
  const lastCursor = useRef<string | null>(null);

  useEffect(() => {
    const offConnected = session.ws.on('connected', () => {
      setStatus('live');
      setError(null);
    });
    const offClosed = session.ws.on('closed', () => setStatus('offline'));
    const offReconnect = session.onConnected((reconnected) => {
      if (reconnected && lastCursor.current) setAfter(lastCursor.current);
    });
    return () => {
      offConnected();
      offClosed();
      offReconnect();
    };
  }, [session]);

  useEffect(() => {
    const sub = client.subscription(ReleaseFeedDocument, { after }).subscribe((result) => {
      if (result.error) {
        setError(result.error.graphQLErrors[0]?.message ?? 'The live feed is unavailable right now.');
        return;
      }
      const e = result.data?.releaseEvents;
      if (!e) return;
      lastCursor.current = e.cursor;
      setEvents((prev) => (prev.some((p) => p.id === e.id) ? prev : [e, ...prev].slice(0, MAX)));
    });
    return () => sub.unsubscribe();
  }, [client, after]);

  return (
    <>
      <div className="feed-head">
        <h2 id={titleId}>New releases</h2>
        <span className={`live-dot ${status}`} data-testid="feed-status" data-status={status}>
          {status === 'live' ? 'Live' : status === 'offline' ? 'Reconnecting…' : 'Connecting…'}
        </span>
      </div>
      <ErrorMessage error={error} />
      <ol className="feed" data-testid="live-feed" aria-live="polite" aria-relevant="additions">
        {events.map((e) => (
          <FeedItem key={e.id} e={e} />
        ))}
      </ol>
      {events.length === 0 ? (
        <p className="empty">Waiting for new releases. They appear here as they are published, without reloading.</p>
      ) : null}
    </>
  );
}

function FeedItem({ e }: { e: FeedEvent }) {
  const repo = e.package?.private ? e.package.repositoryName : null;
  const gone = e.kind === 'REVERTED' || e.kind === 'PACKAGE_DELETED';
  return (
    <li className={`feed-item kind-${e.kind.toLowerCase()}`} data-testid="feed-item" data-kind={e.kind} data-package={e.packageName}>
      <span className="feed-what">
        {gone ? (
          <span className="package-link">{e.packageName}</span>
        ) : (
          <Link to={paths.release(e.packageName, e.version, repo)} className="package-link">
            {e.packageName}
          </Link>
        )}{' '}
        <span className="version-tag">{e.version}</span> <span className="feed-kind">{describeEvent(e)}</span>
        {repo ? <span className="badge">private</span> : null}
      </span>
      <span className="feed-when muted">
        {e.actor ? (
          <>
            by <Link to={paths.user(e.actor.username)}>{e.actor.username}</Link> ·{' '}
          </>
        ) : null}
        <RelativeTime value={e.occurredAt} />
      </span>
    </li>
  );
}
