import { useState } from 'react';
import { useQuery } from 'urql';
import { graphql } from '../../gql';
import { RelativeTime } from '../../components/RelativeTime';
import { RequireViewer } from '../../components/RequireViewer';
import { Empty, QueryState } from '../../components/States';
import { Link, paths, useLocation } from '../../router';

const AuditLogDocument = graphql(`
  query AuditLog($organization: String, $first: Int, $after: Cursor) {
    auditLog(organization: $organization, first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          id
          createdAt
          action
          package
          ip
          userAgent
          params
          apiKeyName
          actor {
            id
            username
          }
        }
      }
    }
  }
`);

const PAGE = 50;

export default function AuditPage() {
  const { search } = useLocation();
  const organization = search.get('organization') || null;
  return (
    <RequireViewer>
      {(viewer) => (
        <section>
          <h1>Audit log</h1>
          <p className="muted">
            {organization ? (
              <>
                Actions in <Link to={paths.org(organization)}>{organization}</Link>.
              </>
            ) : (
              <>Your actions and actions that affect you.</>
            )}{' '}
            {viewer.organizations.filter((o) => o.viewerRole === 'ADMIN').length ? (
              <span className="audit-scopes">
                Show:{' '}
                <Link to="/audit" aria-current={!organization ? 'page' : undefined}>
                  mine
                </Link>
                {viewer.organizations
                  .filter((o) => o.viewerRole === 'ADMIN')
                  .map((o) => (
                    <span key={o.id}>
                      {' · '}
                      <Link to={`/audit?organization=${encodeURIComponent(o.name)}`} aria-current={organization === o.name ? 'page' : undefined}>
                        {o.name}
                      </Link>
                    </span>
                  ))}
              </span>
            ) : null}
          </p>
          <AuditTable key={organization ?? ''} organization={organization} />
        </section>
      )}
    </RequireViewer>
  );
}

function AuditTable({ organization }: { organization: string | null }) {
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  return (
    <div className="table-wrap">
      <table className="audit" data-testid="audit-log">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Action</th>
            <th scope="col">Package</th>
            <th scope="col">Actor</th>
            <th scope="col">From</th>
            <th scope="col">Details</th>
          </tr>
        </thead>
        {cursors.map((after, i) => (
          <AuditChunk
            key={`${organization}-${after}`}
            organization={organization}
            after={after}
            last={i === cursors.length - 1}
            onMore={(c) => setCursors((cs) => [...cs, c])}
          />
        ))}
      </table>
    </div>
  );
}

function AuditChunk({ organization, after, last, onMore }: { organization: string | null; after: string | null; last: boolean; onMore: (cursor: string) => void }) {
  const [{ data, fetching, error }] = useQuery({
    query: AuditLogDocument,
    variables: { organization, first: PAGE, after },
    requestPolicy: 'cache-and-network',
  });
  const edges = data?.auditLog.edges ?? [];
  return (
    <tbody>
      {!data ? (
        <tr>
          <td colSpan={6}>
            <QueryState fetching={fetching} error={error} hasData={false}>
              {null}
            </QueryState>
          </td>
        </tr>
      ) : null}
      {data && !after && !edges.length ? (
        <tr>
          <td colSpan={6}>
            <Empty>No entries yet.</Empty>
          </td>
        </tr>
      ) : null}
      {edges.map((e) =>
        e?.node ? (
          <tr key={e.node.id} data-testid="audit-row" data-action={e.node.action}>
            <td>
              <RelativeTime value={e.node.createdAt} />
            </td>
            <td>
              <code>{e.node.action}</code>
            </td>
            <td>{e.node.package ?? ''}</td>
            <td>
              {e.node.actor ? <Link to={paths.user(e.node.actor.username)}>{e.node.actor.username}</Link> : <span className="muted">—</span>}
              {e.node.apiKeyName ? <span className="muted small"> via key “{e.node.apiKeyName}”</span> : null}
            </td>
            <td>
              <span title={e.node.userAgent}>{e.node.ip}</span>
            </td>
            <td className="params">{e.node.params && Object.keys(e.node.params).length ? <code>{JSON.stringify(e.node.params)}</code> : null}</td>
          </tr>
        ) : null,
      )}
      {last && data?.auditLog.pageInfo.hasNextPage && data.auditLog.pageInfo.endCursor ? (
        <tr>
          <td colSpan={6}>
            <button type="button" className="secondary" onClick={() => onMore(data.auditLog.pageInfo.endCursor!)} data-testid="load-more">
              Load more
            </button>
          </td>
        </tr>
      ) : null}
    </tbody>
  );
}
